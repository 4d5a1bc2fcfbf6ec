"""The private CPython helpers the HTTP objects use each have a public fallback, and the fallback gives the same."""

from __future__ import annotations

import http.cookies
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from starlette import requests, responses
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Message

COOKIE_VALUES = ["plain", '"quoted"', '"a\\"b"', '"back\\\\slash"', '"octal\\073semi"', '"', '""', '"\\q"', 'x"']


@pytest.mark.parametrize("value", COOKIE_VALUES)
def test_cookie_unquote_fallback_matches_the_standard_library(value: str) -> None:
    stdlib_unquote = http.cookies._unquote  # pyright: ignore[reportPrivateUsage]  # the reference
    assert requests._unquote_cookie_value(value) == stdlib_unquote(value)  # pyright: ignore[reportPrivateUsage]


def test_cookies_parse_with_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    fallback = requests._unquote_cookie_value  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(requests, "_unquote_cookie", fallback)
    request = Request({"type": "http", "headers": [(b"cookie", b'a="x\\073y"; b=2')]})
    assert request.cookies == {"a": "x;y", "b": "2"}


@pytest.mark.anyio
async def test_streaming_with_the_running_loop_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    fallback = responses._running_loop_or_none  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(responses, "_running_loop", fallback)
    sent: list[Message] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data"

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"spec_version": "2.0"}}
    await StreamingResponse(chunks())(scope, receive, send)
    assert [message.get("body") for message in sent] == [None, b"data", b""]


def test_running_loop_fallback_outside_a_loop() -> None:
    assert responses._running_loop_or_none() is None  # pyright: ignore[reportPrivateUsage]


def failing_make_encoder(*args: object) -> Any:
    raise TypeError("another signature")


@pytest.mark.parametrize("make_encoder", [None, failing_make_encoder])
def test_no_shared_json_encoder_without_a_usable_one(monkeypatch: pytest.MonkeyPatch, make_encoder: Any) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", make_encoder)
    assert responses._shared_c_json_encoder() is None  # pyright: ignore[reportPrivateUsage]


def test_no_shared_json_encoder_when_it_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    def encode(value: object) -> str:
        return "something else"

    reference = responses._JSON_ENCODER  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(reference, "encode", encode)
    assert responses._shared_c_json_encoder() is None  # pyright: ignore[reportPrivateUsage]


def test_json_response_without_the_shared_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(responses, "_JSON_ENCODE", None)
    assert JSONResponse({"a": ["é", 1.5, None]}).body == '{"a":["é",1.5,null]}'.encode()
