"""The typed core of the ASGI interface.

`Scope` and `Message` are `MutableMapping[str, Any] | Any`: code written
against upstream Starlette's plain mappings keeps type-checking unchanged,
while the `| Any` lets the `TypedDict` scopes and events that servers declare
(asgiref, uvicorn, hypercorn) flow in, so every app and middleware is accepted
where those servers expect an application. `Send` takes `Any` for the same
reason: a server's `send` only accepts its own event `TypedDict`s.

`ASGIApp` is a callable `Protocol` with positional-only parameters: any
`async def app(scope, receive, send)` function and any object whose
`__call__` has that shape satisfies it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeGuard, Union, cast

from typing_extensions import NotRequired, TypedDict, TypeVar

if TYPE_CHECKING:
    from starlette.datastructures import State
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

__all__ = [
    "ASGIApp",
    "ASGIReceiveCallable",
    "ASGIReceiveEvent",
    "ASGIScope",
    "ASGISendCallable",
    "ASGISendEvent",
    "ASGIVersions",
    "AppType",
    "ExceptionHandler",
    "ExceptionT",
    "HTTPDisconnectEvent",
    "HTTPExceptionHandler",
    "HTTPRequestEvent",
    "HTTPResponseBodyEvent",
    "HTTPResponsePathsendEvent",
    "HTTPResponseStartEvent",
    "HTTPResponseTrailersEvent",
    "HTTPScope",
    "HTTPServerPushEvent",
    "Lifespan",
    "LifespanScope",
    "LifespanShutdownCompleteEvent",
    "LifespanShutdownEvent",
    "LifespanShutdownFailedEvent",
    "LifespanStartupCompleteEvent",
    "LifespanStartupEvent",
    "LifespanStartupFailedEvent",
    "LifespanStateT",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "StatefulLifespan",
    "StatelessLifespan",
    "WWWScope",
    "WebSocketAcceptEvent",
    "WebSocketCloseEvent",
    "WebSocketConnectEvent",
    "WebSocketDisconnectEvent",
    "WebSocketExceptionHandler",
    "WebSocketReceiveEvent",
    "WebSocketResponseBodyEvent",
    "WebSocketResponseStartEvent",
    "WebSocketScope",
    "WebSocketSendEvent",
    "is_http_scope",
    "is_lifespan_scope",
    "is_websocket_scope",
    "typed_receive",
]

AppType = TypeVar("AppType")
LifespanStateT = TypeVar(
    "LifespanStateT", bound="Union[Mapping[str, Any], State]", default=Mapping[str, Any], covariant=True
)
"""What a stateful lifespan yields: the mapping copied into every request's state.

The bound admits `State` too, so that the state type of an app whose endpoints
declare a `State` subclass (`starlette.requests.RouteStateT`) can be named here.
"""

if TYPE_CHECKING:
    # `X | Any` ("the Any trick"): a value of any type is accepted, and a value of
    # the type is still checked as an `X` where it is used.
    Scope = Union[MutableMapping[str, Any], Any]
    """The connection scope: what the server knows about a connection."""

    Message = Union[MutableMapping[str, Any], Any]
    """One ASGI event, received from or sent to the server."""

    Send = Callable[[Any], Awaitable[None]]
    """Sends one event (a `Message`, or one of the event `TypedDict`s below) to the server."""
else:
    # At runtime the aliases are upstream's, for code that introspects annotations.
    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Send = Callable[[Message], Awaitable[None]]

Receive = Callable[[], Awaitable[Message]]
"""Awaits the next event from the server."""


class ASGIApp(Protocol):
    """An ASGI 3 application: `await app(scope, receive, send)`."""

    def __call__(self, scope: Scope, receive: Receive, send: Send, /) -> Awaitable[None]:
        """Handle one connection described by `scope`."""
        ...


StatelessLifespan = Callable[[AppType], AbstractAsyncContextManager[None]]
"""A lifespan that yields nothing: `async with lifespan(app): ...`."""

StatefulLifespan = Callable[[AppType], AbstractAsyncContextManager[Mapping[str, Any]]]
"""A lifespan that yields a state mapping, copied into every request's state."""

if TYPE_CHECKING:
    Lifespan = Union[StatelessLifespan[AppType], Callable[[AppType], AbstractAsyncContextManager[LifespanStateT]]]
    """A lifespan for an app of type `AppType`: one yielding nothing, or one yielding `LifespanStateT`.

    `Lifespan[App]` is upstream's union of the two kinds (the state a mapping);
    `Lifespan[App, MyState]` pins the state type (for checkers only).
    """
else:
    # At runtime, upstream's alias: `Lifespan[App]` must subscript on every Python, and a
    # `Union` alias over a TypeVar with a default does not on 3.10 and 3.13.0.
    Lifespan = Union[StatelessLifespan[AppType], StatefulLifespan[AppType]]

ExceptionT = TypeVar("ExceptionT", bound=Exception, default=Exception)

HTTPExceptionHandler = Callable[["Request[Any]", ExceptionT], "Response | Awaitable[Response]"]
"""Turns an exception raised while serving an HTTP request into a response.

`HTTPExceptionHandler[MyError]` is a handler for `MyError` only.
"""

WebSocketExceptionHandler = Callable[["WebSocket[Any]", ExceptionT], Awaitable[None]]
"""Handles an exception raised while serving a websocket session."""

ExceptionHandler = Union[HTTPExceptionHandler[ExceptionT], WebSocketExceptionHandler[ExceptionT]]
"""Either kind of exception handler, for exceptions of type `ExceptionT`."""


# ---------------------------------------------------------------------------
# The ASGI specification as TypedDicts, for middleware and framework authors.
# They describe what servers send and accept; `Scope` and `Message` above stay
# plain mappings so that existing code keeps type-checking.
# ---------------------------------------------------------------------------


class ASGIVersions(TypedDict):
    """The `scope["asgi"]` entry: the spec version and ASGI major version."""

    spec_version: str
    version: Literal["3.0"]


class HTTPScope(TypedDict):
    """The scope of an HTTP request."""

    type: Literal["http"]
    asgi: ASGIVersions
    http_version: str
    method: str
    scheme: str
    path: str
    raw_path: NotRequired[bytes]
    query_string: bytes
    root_path: str
    headers: Iterable[tuple[bytes, bytes]]
    client: tuple[str, int] | None
    server: tuple[str, int | None] | None
    state: NotRequired[dict[str, Any]]
    extensions: NotRequired[dict[str, dict[object, object]]]


class WebSocketScope(TypedDict):
    """The scope of a websocket connection."""

    type: Literal["websocket"]
    asgi: ASGIVersions
    http_version: str
    scheme: str
    path: str
    raw_path: NotRequired[bytes]
    query_string: bytes
    root_path: str
    headers: Iterable[tuple[bytes, bytes]]
    client: tuple[str, int] | None
    server: tuple[str, int | None] | None
    subprotocols: Iterable[str]
    state: NotRequired[dict[str, Any]]
    extensions: NotRequired[dict[str, dict[object, object]]]


class LifespanScope(TypedDict):
    """The scope of the lifespan connection."""

    type: Literal["lifespan"]
    asgi: ASGIVersions
    state: NotRequired[dict[str, Any]]


WWWScope = Union[HTTPScope, WebSocketScope]
"""The scope of a connection from a client."""

ASGIScope = Union[HTTPScope, WebSocketScope, LifespanScope]
"""Any ASGI scope."""


class HTTPRequestEvent(TypedDict):
    """A chunk of the request body (`http.request`)."""

    type: Literal["http.request"]
    body: bytes
    more_body: bool


class HTTPDisconnectEvent(TypedDict):
    """The client went away (`http.disconnect`)."""

    type: Literal["http.disconnect"]


class HTTPResponseStartEvent(TypedDict):
    """Starts the response (`http.response.start`)."""

    type: Literal["http.response.start"]
    status: int
    headers: Iterable[tuple[bytes, bytes]]
    trailers: NotRequired[bool]


class HTTPResponseBodyEvent(TypedDict):
    """A chunk of the response body (`http.response.body`)."""

    type: Literal["http.response.body"]
    body: bytes
    more_body: NotRequired[bool]


class HTTPResponseTrailersEvent(TypedDict):
    """Trailing headers (`http.response.trailers`)."""

    type: Literal["http.response.trailers"]
    headers: Iterable[tuple[bytes, bytes]]
    more_trailers: bool


class HTTPServerPushEvent(TypedDict):
    """An HTTP/2 server push (`http.response.push`)."""

    type: Literal["http.response.push"]
    path: str
    headers: Iterable[tuple[bytes, bytes]]


class HTTPResponsePathsendEvent(TypedDict):
    """Asks the server to send a file by path (`http.response.pathsend`)."""

    type: Literal["http.response.pathsend"]
    path: str


class WebSocketConnectEvent(TypedDict):
    """The client asks to open the websocket (`websocket.connect`)."""

    type: Literal["websocket.connect"]


class WebSocketAcceptEvent(TypedDict):
    """Accepts the websocket (`websocket.accept`)."""

    type: Literal["websocket.accept"]
    subprotocol: NotRequired[str | None]
    headers: NotRequired[Iterable[tuple[bytes, bytes]]]


class WebSocketReceiveEvent(TypedDict):
    """A message from the client (`websocket.receive`)."""

    type: Literal["websocket.receive"]
    bytes: NotRequired[bytes | None]
    text: NotRequired[str | None]


class WebSocketSendEvent(TypedDict):
    """A message to the client (`websocket.send`)."""

    type: Literal["websocket.send"]
    bytes: NotRequired[bytes | None]
    text: NotRequired[str | None]


class WebSocketResponseStartEvent(TypedDict):
    """Starts a denial response instead of accepting (`websocket.http.response.start`)."""

    type: Literal["websocket.http.response.start"]
    status: int
    headers: Iterable[tuple[bytes, bytes]]


class WebSocketResponseBodyEvent(TypedDict):
    """A chunk of a denial response body (`websocket.http.response.body`)."""

    type: Literal["websocket.http.response.body"]
    body: bytes
    more_body: NotRequired[bool]


class WebSocketDisconnectEvent(TypedDict):
    """The websocket closed (`websocket.disconnect`)."""

    type: Literal["websocket.disconnect"]
    code: int
    reason: NotRequired[str | None]


class WebSocketCloseEvent(TypedDict):
    """Closes the websocket (`websocket.close`)."""

    type: Literal["websocket.close"]
    code: NotRequired[int]
    reason: NotRequired[str | None]


class LifespanStartupEvent(TypedDict):
    """The server is starting (`lifespan.startup`)."""

    type: Literal["lifespan.startup"]


class LifespanShutdownEvent(TypedDict):
    """The server is stopping (`lifespan.shutdown`)."""

    type: Literal["lifespan.shutdown"]


class LifespanStartupCompleteEvent(TypedDict):
    """Startup succeeded (`lifespan.startup.complete`)."""

    type: Literal["lifespan.startup.complete"]


class LifespanStartupFailedEvent(TypedDict):
    """Startup failed (`lifespan.startup.failed`)."""

    type: Literal["lifespan.startup.failed"]
    message: str


class LifespanShutdownCompleteEvent(TypedDict):
    """Shutdown succeeded (`lifespan.shutdown.complete`)."""

    type: Literal["lifespan.shutdown.complete"]


class LifespanShutdownFailedEvent(TypedDict):
    """Shutdown failed (`lifespan.shutdown.failed`)."""

    type: Literal["lifespan.shutdown.failed"]
    message: str


ASGIReceiveEvent = Union[
    HTTPRequestEvent,
    HTTPDisconnectEvent,
    WebSocketConnectEvent,
    WebSocketReceiveEvent,
    WebSocketDisconnectEvent,
    LifespanStartupEvent,
    LifespanShutdownEvent,
]
"""Any event a server delivers to `receive`."""

ASGISendEvent = Union[
    HTTPResponseStartEvent,
    HTTPResponseBodyEvent,
    HTTPResponseTrailersEvent,
    HTTPServerPushEvent,
    HTTPResponsePathsendEvent,
    HTTPDisconnectEvent,
    WebSocketAcceptEvent,
    WebSocketSendEvent,
    WebSocketResponseStartEvent,
    WebSocketResponseBodyEvent,
    WebSocketCloseEvent,
    LifespanStartupCompleteEvent,
    LifespanStartupFailedEvent,
    LifespanShutdownCompleteEvent,
    LifespanShutdownFailedEvent,
]
"""Any event an application passes to `send`."""

ASGIReceiveCallable = Callable[[], Awaitable[ASGIReceiveEvent]]
"""A `receive` whose events are typed: compare `event["type"]` to narrow one."""

ASGISendCallable = Callable[[ASGISendEvent], Awaitable[None]]
"""A `send` that only takes the event `TypedDict`s; every `Send` is one."""


def typed_receive(receive: Receive) -> ASGIReceiveCallable:
    """`receive` itself, typed as returning `ASGIReceiveEvent`s.

    The server delivers events of the ASGI specification; this states it for
    the type checker, without wrapping (and without slowing) `receive`.
    """
    # The one place that trusts the server: a `Message` may be any mapping.
    return cast(ASGIReceiveCallable, receive)


def is_http_scope(scope: Scope) -> TypeGuard[HTTPScope]:
    """Whether `scope` is the scope of an HTTP request (its `type` is `"http"`)."""
    return bool(scope["type"] == "http")


def is_websocket_scope(scope: Scope) -> TypeGuard[WebSocketScope]:
    """Whether `scope` is the scope of a websocket connection (its `type` is `"websocket"`)."""
    return bool(scope["type"] == "websocket")


def is_lifespan_scope(scope: Scope) -> TypeGuard[LifespanScope]:
    """Whether `scope` is the scope of the lifespan connection (its `type` is `"lifespan"`)."""
    return bool(scope["type"] == "lifespan")
