from __future__ import annotations

from collections.abc import Generator
from typing import Any, Literal

from typing_extensions import assert_type

from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("Hello, world!")

    def post(self, request: Request) -> Response:
        return PlainTextResponse("sync handlers are fine too")


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(f"Message text was: {data}")


class JSONEcho(WebSocketEndpoint):
    encoding: Literal["text", "bytes", "json"] | None = "json"

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept(subprotocol="json")

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        assert_type(close_code, int)


async def serve(scope: Scope, receive: Receive, send: Send, message: Message, websocket: WebSocket) -> None:
    endpoint = Homepage(scope, receive, send)
    assert_type(endpoint.scope, Scope)
    assert_type(endpoint.receive, Receive)
    assert_type(endpoint.send, Send)
    assert_type(endpoint.__await__(), Generator[Any, None, None])
    assert_type(await endpoint, None)
    assert_type(await endpoint.dispatch(), None)
    assert_type(await endpoint.method_not_allowed(Request(scope)), Response)

    session = Echo(scope, receive, send)
    assert_type(session.scope, Scope)
    assert_type(WebSocketEndpoint(scope, receive, send).encoding, Literal["text", "bytes", "json"] | None)
    assert_type(await session, None)
    assert_type(await session.dispatch(), None)
    assert_type(await session.decode(websocket, message), Any)
    assert_type(await session.on_connect(websocket), None)
    assert_type(await session.on_receive(websocket, b"data"), None)
    assert_type(await session.on_disconnect(websocket, 1000), None)


# Endpoint classes are ASGI apps: calling the class returns an awaitable instance.
http_app: ASGIApp = Homepage
websocket_app: ASGIApp = Echo


class BadEncoding(WebSocketEndpoint):
    encoding = "xml"  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


async def misuse(scope: Scope, receive: Receive, send: Send, websocket: WebSocket) -> None:
    Homepage(scope, receive)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    Homepage(scope, receive, send, "extra")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
    await Echo(scope, receive, send).on_disconnect(websocket, "1000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await Homepage(scope, receive, send).method_not_allowed(websocket)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await Echo(scope, receive, send).on_connect(scope)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    Echo.encoding = "yaml"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
