"""`Request.json()` on hostile bodies: one exception type a handler can catch (issue 16, P2)."""

from __future__ import annotations

import json

import pytest

from starlette import _json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.utils import TestClientFactory

HOSTILE_BODIES = [
    pytest.param(b"\xff", UnicodeDecodeError, id="not-utf8"),
    pytest.param(b'{"a": "\xff"}', UnicodeDecodeError, id="not-utf8-in-a-string"),
    pytest.param(b"\x00[\x00]\x00", UnicodeDecodeError, id="truncated-utf16"),
    pytest.param(b"[" * 100_000, RecursionError, id="deeply-nested"),
    pytest.param(b'{"a":' * 100_000, RecursionError, id="deeply-nested-objects"),
    pytest.param(b"1" * 4301, ValueError, id="too-many-digits"),
    pytest.param(b"[" + b"1" * 4301 + b"]", ValueError, id="too-many-digits-inside"),
]


async def parse_json(request: Request) -> Response:
    try:
        return JSONResponse(await request.json())
    except json.JSONDecodeError as exc:
        return PlainTextResponse(f"bad JSON: {exc.msg}", status_code=400)


@pytest.mark.parametrize(("body", "upstream_error"), HOSTILE_BODIES)
def test_a_handler_catching_json_decode_error_answers_400(
    test_client_factory: TestClientFactory, body: bytes, upstream_error: type[Exception]
) -> None:
    client = test_client_factory(Starlette(routes=[Route("/", parse_json, methods=["POST"])]))
    response = client.post("/", content=body)
    assert response.status_code == 400
    assert response.text.startswith("bad JSON: ")


@pytest.mark.anyio
@pytest.mark.parametrize(("body", "upstream_error"), HOSTILE_BODIES)
async def test_the_error_is_also_what_json_loads_raises(body: bytes, upstream_error: type[Exception]) -> None:
    with pytest.raises(upstream_error):
        json.loads(body)
    with pytest.raises(json.JSONDecodeError) as caught:
        _json.loads_body(body)
    assert isinstance(caught.value, upstream_error)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_undecodable_error_keeps_the_unicode_details() -> None:
    with pytest.raises(UnicodeDecodeError) as caught:
        _json.loads_body(b"[1, \xff]")
    error = caught.value
    assert (error.encoding, error.object, error.start, error.end) == ("utf-8", b"[1, \xff]", 4, 5)
    assert str(error) == "'utf-8' codec can't decode byte 0xff in position 4: invalid start byte"
    assert isinstance(error, json.JSONDecodeError)


def test_valid_bodies_still_decode() -> None:
    assert _json.loads_body(b"1" * 4300) == int("1" * 4300)
    assert _json.loads_body(b"[" * 3 + b"]" * 3) == [[[]]]
    assert _json.loads_body(b'{"a": [1, 2.5, "\xc3\xa9"]}') == {"a": [1, 2.5, "\u00e9"]}


def test_without_the_private_scanner_bodies_go_through_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    class PlainDecoder(json.JSONDecoder):
        """A decoder without the `scan_once` attribute CPython's sets (as on other Pythons)."""

        def __init__(self) -> None:
            super().__init__()
            vars(self).pop("scan_once")

    assert _json._scanner(json.JSONDecoder()) is not None  # pyright: ignore[reportPrivateUsage]
    assert _json._scanner(PlainDecoder()) is None  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(_json, "_SCAN_JSON", None)
    assert _json.loads_body(b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(json.JSONDecodeError):
        _json.loads_body(b"[1,")
