from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, TypedDict

from typing_extensions import assert_type

from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import (
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)


class ChatState(TypedDict):
    room: str


async def chat(scope: Scope, receive: Receive, send: Send) -> None:
    websocket = WebSocket(scope, receive, send)
    assert_type(websocket, WebSocket[State])
    assert_type(websocket.client_state, WebSocketState)
    assert_type(websocket.application_state, WebSocketState)
    assert_type(websocket["path"], Any)

    await websocket.accept()
    await websocket.accept(subprotocol="chat", headers=[(b"x-extra", b"1")])
    assert_type(await websocket.receive(), Message)
    assert_type(await websocket.receive_text(), str)
    assert_type(await websocket.receive_bytes(), bytes)
    assert_type(await websocket.receive_json(), Any)
    assert_type(await websocket.receive_json(mode="binary"), Any)
    assert_type(websocket.iter_text(), AsyncIterator[str])
    assert_type(websocket.iter_bytes(), AsyncIterator[bytes])
    assert_type(websocket.iter_json(), AsyncIterator[Any])
    async for text in websocket.iter_text():
        assert_type(text, str)

    await websocket.send({"type": "websocket.send", "text": "raw"})
    await websocket.send_text("hello")
    await websocket.send_bytes(b"hello")
    await websocket.send_json({"a": 1})
    await websocket.send_json([1, 2], mode="binary")
    await websocket.send_denial_response(Response("Forbidden", status_code=403))
    await websocket.close()
    await websocket.close(code=4000, reason="bye")

    typed: WebSocket[ChatState] = WebSocket(scope, receive, send)
    assert_type(typed.state, ChatState)
    assert_type(typed.state["room"], str)

    await websocket.send_text(b"bytes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.send_bytes("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.send_json({}, mode="json")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.receive_json(mode="xml")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.accept(headers=[("x-extra", "1")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.close(code="1000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await websocket.send_denial_response(chat)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    websocket.client_state = 1  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
    WebSocket(scope, receive)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    typed.state["missing"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-typed-dict-key]


def states() -> None:
    assert_type(WebSocketState.CONNECTED, Literal[WebSocketState.CONNECTED])
    assert_type(WebSocketState.RESPONSE.value, Literal[3])
    WebSocketState.CLOSING  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-attribute]


disconnect = WebSocketDisconnect(1001, "going away")
assert_type(disconnect.code, int)
assert_type(disconnect.reason, str)
assert_type(WebSocketDisconnect(), WebSocketDisconnect)
runtime_error: RuntimeError = WebSocketDisconnected("closed")
exception: Exception = disconnect
WebSocketDisconnect(code="1000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
WebSocketDisconnect(1000, b"reason")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
not_runtime: RuntimeError = disconnect  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

close = WebSocketClose(code=4001, reason=None)
assert_type(close.code, int)
assert_type(close.reason, str)
close_app: ASGIApp = close
WebSocketClose(reason=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
