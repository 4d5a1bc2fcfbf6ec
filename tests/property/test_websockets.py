"""Properties of websocket message handling: generated message sequences through `WebSocketEndpoint`.

Whatever the client sends, the endpoint accepts, then either keeps reading or
closes (1003 for data it cannot decode), and nothing escapes the application.
"""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import given
from hypothesis import strategies as st

from starlette.endpoints import WebSocketEndpoint
from starlette.routing import Router, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.property.driver import call

Encoding = Literal["text", "bytes", "json"] | None


def text_message(text: str) -> Message:
    return {"type": "websocket.receive", "text": text}


def bytes_message(data: bytes) -> Message:
    return {"type": "websocket.receive", "bytes": data}


odd_messages: list[Message] = [
    {"type": "websocket.receive", "text": '{"a": [1, 2]}'},
    {"type": "websocket.receive", "bytes": b'{"a": 1}'},
    {"type": "websocket.receive", "bytes": b"\xff{"},
    {"type": "websocket.receive", "text": "[" * 50_000},
    {"type": "websocket.receive", "text": None, "bytes": None},
    {"type": "websocket.receive"},
]
received_messages = st.one_of(
    st.builds(text_message, st.text(max_size=20)),
    st.builds(bytes_message, st.binary(max_size=20)),
    st.sampled_from(odd_messages),
)


def make_app(encoding: Encoding) -> Router:
    class Echo(WebSocketEndpoint):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(repr(data)[:50])

    Echo.encoding = encoding
    return Router([WebSocketRoute("/", Echo)])


# What `WebSocketEndpoint` raises, after closing with 1003, for data its encoding cannot decode (as upstream).
DOCUMENTED_ERRORS = {
    "Expected text websocket messages, but got bytes",
    "Expected bytes websocket messages, but got text",
    "Malformed JSON data received.",
}


def documented_errors_only(app: ASGIApp, raised: list[str]) -> ASGIApp:
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except RuntimeError as exc:
            assert str(exc) in DOCUMENTED_ERRORS, exc
            raised.append(str(exc))

    return guarded


ENCODINGS: list[Encoding] = [None, "text", "bytes", "json"]
APPS = {encoding: make_app(encoding) for encoding in ENCODINGS}


@given(
    encoding=st.sampled_from(list(APPS)),
    messages=st.lists(received_messages, max_size=6),
    disconnect=st.integers(min_value=1000, max_value=4999),
)
def test_any_messages_are_handled_or_closed(
    anyio_backend: str, encoding: Encoding, messages: list[Message], disconnect: int
) -> None:
    scope: Scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b"", "subprotocols": []}
    inbound: list[Message] = [
        {"type": "websocket.connect"},
        *messages,
        {"type": "websocket.disconnect", "code": disconnect},
    ]
    raised: list[str] = []
    sent = call(documented_errors_only(APPS[encoding], raised), scope, inbound, anyio_backend)
    assert sent[0]["type"] == "websocket.accept"
    for message in sent[1:]:
        assert message["type"] in ("websocket.send", "websocket.close")
        if message["type"] == "websocket.close":
            assert message["code"] == 1003 and message is sent[-1]
    # An error comes only with a 1003 close, and a 1003 close only with an error.
    assert bool(raised) == (sent[-1]["type"] == "websocket.close")
