"""Turning exceptions raised by an endpoint into responses.

`ExceptionMiddleware` stores its registries in the scope under
`"starlette.exception_handlers"`; routes and endpoints wrap their app with
`wrap_app_handling_exceptions` so that a handled exception becomes a response
as close to the endpoint as possible (inside any per-route middleware).
FastAPI imports `wrap_app_handling_exceptions`, so its behaviour is kept stable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import CellType, CodeType
from typing import TYPE_CHECKING, Any, cast

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

__all__ = [
    "EXCEPTION_HANDLERS_SCOPE_KEY",
    "ExceptionHandlers",
    "StatusHandlers",
    "call_handler",
    "registered_handler",
    "respond_with_handler",
    "run_handling_exceptions",
    "wrap_app_handling_exceptions",
]

EXCEPTION_HANDLERS_SCOPE_KEY: str = "starlette.exception_handlers"
"""Scope key holding the `(exception_handlers, status_handlers)` pair."""

ExceptionHandlers = dict[Any, ExceptionHandler]
"""Handlers keyed by exception class."""

StatusHandlers = dict[int, ExceptionHandler]
"""Handlers for `HTTPException`, keyed by status code."""

# Registries mix HTTP and websocket handlers; which kind applies is decided by the scope type,
# so a handler is called with whichever connection object it is given.
_AnyHandler = Callable[[Any, Exception], Any]

_Registries = tuple[Mapping[Any, ExceptionHandler], Mapping[int, ExceptionHandler]]

_RESPONSE_START_TYPES = frozenset({"http.response.start", "websocket.http.response.start"})

# What a caller handed the `send` of a layer handling exceptions sees as its name (span names of
# instrumentation are built from it): the name of the nested function upstream hands down.
_SENDER_QUALNAME = "wrap_app_handling_exceptions.<locals>.wrapped_app.<locals>.sender"


def _lookup_handler(
    exception_handlers: Mapping[Any, ExceptionHandler],
    status_handlers: Mapping[int, ExceptionHandler],
    exc: Exception,
) -> ExceptionHandler | None:
    """Find the handler for `exc`: by status code for `HTTPException`, then by class MRO."""
    if isinstance(exc, HTTPException):
        handler = status_handlers.get(exc.status_code)
        if handler is not None:
            return handler
    for cls in type(exc).__mro__:
        handler = exception_handlers.get(cls)
        if handler is not None:
            return handler
    return None


async def call_handler(
    handler: ExceptionHandler, conn: Request[Any] | WebSocket[Any], exc: Exception
) -> Response | None:
    """Call `handler` with the connection and the exception; sync handlers run in the threadpool.

    Returns the response the handler produced, or `None` (websocket handlers usually return nothing).
    """
    call = cast(_AnyHandler, handler)
    if is_async_callable(call):
        response: Response | None = await call(conn, exc)
    else:
        response = await run_in_threadpool(call, conn, exc)
    return response


def wrap_app_handling_exceptions(app: ASGIApp, conn: Request[Any] | WebSocket[Any]) -> ASGIApp:
    """Wrap `app` so that exceptions with a registered handler become responses.

    The handlers are read from `conn.scope["starlette.exception_handlers"]`
    (none when the key is missing). When `app` raises, the handler is looked up
    by status code for an `HTTPException`, then by walking the exception class's
    MRO. The handler is called with `conn` and the exception; a response it
    returns is sent (for a websocket that has not been accepted, as a denial
    response).

    Raises:
        Exception: the original exception, unchanged, when no handler matches.
        RuntimeError: when a handler matches but the response had already started.
    """

    async def wrapped_app(scope: Scope, receive: Receive, send: Send) -> None:
        await run_handling_exceptions(app, scope, receive, send, conn)

    return wrapped_app


async def run_handling_exceptions(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    conn: Request[Any] | WebSocket[Any] | None = None,
) -> None:
    """Run `app`, turning an exception with a registered handler into a response.

    Behaves like `wrap_app_handling_exceptions(app, conn)(scope, receive, send)`,
    without building a wrapper per call; when `conn` is omitted, the `Request`
    or `WebSocket` given to the handler is only built if an exception is handled.
    The handlers are those registered when the call starts (an application
    mounted inside may register its own in the same scope meanwhile). `app` is
    handed a plain function as its `send`, which notes whether the response
    started: a `sender`, the one `send` is when this layer is nested in another
    one and no response has started yet, else a new one around `send`.

    Raises:
        Exception: the original exception, unchanged, when no handler matches.
        RuntimeError: when a handler matches but the response had already started.
    """
    registries: _Registries | None = (scope if conn is None else conn.scope).get(EXCEPTION_HANDLERS_SCOPE_KEY)
    # Nested in another layer for the same connection, this layer is handed that layer's `sender`:
    # while no response has started through it, it is handed down as it is (whatever the app sends
    # goes through it, so its note is this layer's note), instead of a second `sender` around it.
    closure: tuple[CellType, ...] = getattr(send, "__closure__", None) or ()
    if getattr(send, "__code__", None) is _SENDER_CODE and not closure[_STARTED].cell_contents:
        handed_down = send
    else:
        response_started = False

        def sender(message: Message) -> Awaitable[None]:
            # Hands back `send`'s awaitable: no coroutine of its own per message.
            nonlocal response_started
            if message["type"] in _RESPONSE_START_TYPES:
                response_started = True
            return send(message)

        sender.__qualname__ = _SENDER_QUALNAME
        handed_down = sender
    try:
        await app(scope, receive, handed_down)
    except Exception as exc:
        handler = registered_handler(registries, exc)
        if handler is None:
            raise
        started = _response_started(handed_down)
        await respond_with_handler(handler, exc, scope, receive, handed_down, conn, response_started=started)


_SENDER_CODE: CodeType = next(
    const for const in run_handling_exceptions.__code__.co_consts if getattr(const, "co_name", None) == "sender"
)
"""The code of every `sender` that `run_handling_exceptions` hands down."""
_STARTED = _SENDER_CODE.co_freevars.index("response_started")
"""Where a `sender`'s closure holds whether the response started through it."""


def _response_started(sender: Send) -> bool:
    """Whether the response started through `sender`, a `sender` made by `run_handling_exceptions`."""
    closure: tuple[CellType, ...] = getattr(sender, "__closure__", None) or ()
    started: bool = closure[_STARTED].cell_contents
    return started


def registered_handler(registries: _Registries | None, exc: Exception) -> ExceptionHandler | None:
    """The handler registered for `exc` in `registries` (as stored in the scope), if any."""
    if registries is None:
        return None
    return _lookup_handler(registries[0], registries[1], exc)


async def respond_with_handler(
    handler: ExceptionHandler,
    exc: Exception,
    scope: Scope,
    receive: Receive,
    send: Send,
    conn: Request[Any] | WebSocket[Any] | None,
    *,
    response_started: bool,
) -> None:
    """Send the response `handler` makes of `exc` (raised by the app that was given `send`).

    `conn` is built from the scope when not given; `response_started` tells whether a
    response had started through `send` before `exc` was raised.

    Raises:
        RuntimeError: the response had already started, so no other can be sent.
    """
    if response_started:
        raise RuntimeError("Caught handled exception, but response already started.") from exc
    if conn is None:
        conn = _connection(scope, receive, send)
    response = await call_handler(handler, conn, exc)
    if response is not None:
        await response(scope, receive, send)
    # Handled: drop the frames, so that an exception instance raised again and again
    # (a shared one) does not keep every request's frames alive.
    exc.__traceback__ = None


def _connection(scope: Scope, receive: Receive, send: Send) -> Request[Any] | WebSocket[Any]:
    """The connection object a handler receives for `scope`."""
    if scope["type"] == "websocket":
        from starlette.websockets import WebSocket

        return WebSocket(scope, receive, send)
    from starlette.requests import Request

    return Request(scope, receive, send)
