from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from typing_extensions import assert_type

from starlette.types import (
    ASGIApp,
    ASGIReceiveEvent,
    ASGISendEvent,
    ASGIVersions,
    ExceptionHandler,
    HTTPDisconnectEvent,
    HTTPExceptionHandler,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponsePathsendEvent,
    HTTPResponseStartEvent,
    HTTPResponseTrailersEvent,
    HTTPScope,
    HTTPServerPushEvent,
    Lifespan,
    LifespanScope,
    LifespanShutdownCompleteEvent,
    LifespanShutdownEvent,
    LifespanShutdownFailedEvent,
    LifespanStartupCompleteEvent,
    LifespanStartupEvent,
    LifespanStartupFailedEvent,
    Message,
    Receive,
    Scope,
    Send,
    StatefulLifespan,
    StatelessLifespan,
    WebSocketAcceptEvent,
    WebSocketCloseEvent,
    WebSocketConnectEvent,
    WebSocketDisconnectEvent,
    WebSocketExceptionHandler,
    WebSocketReceiveEvent,
    WebSocketResponseBodyEvent,
    WebSocketResponseStartEvent,
    WebSocketScope,
    WebSocketSendEvent,
)

# --- ASGIApp is a callable Protocol: functions and instances both satisfy it.


async def function_app(scope: Scope, receive: Receive, send: Send) -> None: ...


class ClassApp:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


def not_an_app(scope: Scope) -> None: ...


async def keyword_only_app(*, scope: Scope, receive: Receive, send: Send) -> None: ...


ok_function: ASGIApp = function_app
ok_instance: ASGIApp = ClassApp()
bad_function: ASGIApp = not_an_app  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
bad_object: ASGIApp = object()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
bad_keywords: ASGIApp = keyword_only_app  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
scope: Scope = {"type": "http", "path": "/"}
any_value: Any = scope["path"]
message: Message = {"type": "http.request"}

# --- The ASGI spec as TypedDicts, for middleware authors.

versions: ASGIVersions = {"version": "3.0", "spec_version": "2.4"}
bad_versions: ASGIVersions = {"version": "2.0", "spec_version": "2.4"}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-argument-type]

http_scope: HTTPScope = {
    "type": "http",
    "asgi": versions,
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"example.org")],
    "client": ("127.0.0.1", 5000),
    "server": ("127.0.0.1", 8000),
}
assert_type(http_scope["method"], str)  # ty: ignore[type-assertion-failure]  # ty-only: ty keeps the literal assigned to the TypedDict key (`Literal["GET"]`)
websocket_scope: WebSocketScope = {
    "type": "websocket",
    "asgi": versions,
    "http_version": "1.1",
    "scheme": "ws",
    "path": "/ws",
    "query_string": b"",
    "root_path": "",
    "headers": [],
    "client": None,
    "server": None,
    "subprotocols": ["chat"],
}
lifespan_scope: LifespanScope = {"type": "lifespan", "asgi": versions, "state": {}}
wrong_scope_type: LifespanScope = {"type": "http", "asgi": versions}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-argument-type]

received: list[ASGIReceiveEvent] = [
    HTTPRequestEvent(type="http.request", body=b"", more_body=False),
    HTTPDisconnectEvent(type="http.disconnect"),
    WebSocketConnectEvent(type="websocket.connect"),
    WebSocketReceiveEvent(type="websocket.receive", text="hi"),
    WebSocketDisconnectEvent(type="websocket.disconnect", code=1000),
    LifespanStartupEvent(type="lifespan.startup"),
    LifespanShutdownEvent(type="lifespan.shutdown"),
]
sent: list[ASGISendEvent] = [
    HTTPResponseStartEvent(type="http.response.start", status=200, headers=[]),
    HTTPResponseBodyEvent(type="http.response.body", body=b"ok"),
    HTTPResponseTrailersEvent(type="http.response.trailers", headers=[], more_trailers=False),
    HTTPServerPushEvent(type="http.response.push", path="/style.css", headers=[]),
    HTTPResponsePathsendEvent(type="http.response.pathsend", path="/tmp/file"),
    WebSocketAcceptEvent(type="websocket.accept", subprotocol="chat"),
    WebSocketSendEvent(type="websocket.send", bytes=b"\x00"),
    WebSocketResponseStartEvent(type="websocket.http.response.start", status=403, headers=[]),
    WebSocketResponseBodyEvent(type="websocket.http.response.body", body=b"no"),
    WebSocketCloseEvent(type="websocket.close", code=1000),
    LifespanStartupCompleteEvent(type="lifespan.startup.complete"),
    LifespanStartupFailedEvent(type="lifespan.startup.failed", message="boom"),
    LifespanShutdownCompleteEvent(type="lifespan.shutdown.complete"),
    LifespanShutdownFailedEvent(type="lifespan.shutdown.failed", message="boom"),
]
missing_status = HTTPResponseStartEvent(type="http.response.start", headers=[])  # type: ignore[typeddict-item]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-typed-dict-key]
wrong_body = HTTPResponseBodyEvent(type="http.response.body", body="text")  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- Lifespans are generic over the app type and the state they yield.


class App: ...


class LifespanState(TypedDict):
    counter: int


@asynccontextmanager
async def stateless(app: App) -> AsyncGenerator[None]:
    yield


@asynccontextmanager
async def stateful(app: App) -> AsyncGenerator[LifespanState]:
    yield {"counter": 0}


@asynccontextmanager
async def yields_int(app: App) -> AsyncGenerator[int]:
    yield 1


any_lifespan: Lifespan[App] = stateless
any_stateful: Lifespan[App] = stateful
pinned: Lifespan[App, LifespanState] = stateful
stateless_only: StatelessLifespan[App] = stateless
stateful_only: StatefulLifespan[App] = stateful
not_a_mapping: Lifespan[App] = yields_int  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
wrong_app: Lifespan[int] = stateless  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
state_mapping: Mapping[str, Any] = LifespanState(counter=1)

# --- Exception handler aliases are generic over the exception type.
http_handler: HTTPExceptionHandler | None = None
ws_handler: WebSocketExceptionHandler[ValueError] | None = None
either: ExceptionHandler[KeyError] | None = None
