from __future__ import annotations

from typing import Any, Union, get_args, get_origin

import pytest

from starlette.types import (
    ASGIApp,
    Lifespan,
    Message,
    Receive,
    Scope,
    Send,
    StatefulLifespan,
    StatelessLifespan,
    is_http_scope,
    is_lifespan_scope,
    is_websocket_scope,
    typed_receive,
)


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.mark.anyio
async def test_plain_function_is_an_asgi_app() -> None:
    app: ASGIApp = hello
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app({"type": "http"}, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


@pytest.mark.parametrize(
    ("scope_type", "expected"),
    [("http", (True, False, False)), ("websocket", (False, True, False)), ("lifespan", (False, False, True))],
)
def test_scope_type_guards_follow_the_scope_type(scope_type: str, expected: tuple[bool, bool, bool]) -> None:
    scope: Scope = {"type": scope_type}
    assert (is_http_scope(scope), is_websocket_scope(scope), is_lifespan_scope(scope)) == expected


@pytest.mark.anyio
async def test_typed_receive_is_the_receive_it_is_given() -> None:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    events = typed_receive(receive)
    assert events is receive
    event = await events()
    assert event["type"] == "http.disconnect"


def test_lifespan_alias_subscripts_at_runtime_as_upstream_s() -> None:
    # FastAPI evaluates `Lifespan[Any]` at import time, on every Python it supports.
    alias: Any = Lifespan
    stateless: Any = StatelessLifespan
    stateful: Any = StatefulLifespan
    assert get_origin(alias[Any]) is Union
    assert get_args(alias[Any]) == (stateless[Any], stateful[Any])
