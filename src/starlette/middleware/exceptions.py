"""Middleware that turns handled exceptions into responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast, overload

from starlette._exception_handler import (
    EXCEPTION_HANDLERS_SCOPE_KEY,
    ExceptionHandlers,
    StatusHandlers,
    run_handling_exceptions,
)
from starlette._exception_handler import (
    wrap_app_handling_exceptions as wrap_app_handling_exceptions,  # upstream's namespace: imported from here
)
from starlette.exceptions import HTTPException, WebSocketException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, ExceptionHandler, Receive, Scope, Send
from starlette.websockets import WebSocket

__all__ = ["ExceptionMiddleware"]

_ExcT = TypeVar("_ExcT", bound=Exception)

_BODYLESS_STATUS_CODES = frozenset({204, 304})
_CONNECTION_TYPES = frozenset({"http", "websocket"})


class ExceptionMiddleware:
    """Turn exceptions with a registered handler into responses.

    `HTTPException` (plain-text response) and `WebSocketException` (closes the
    websocket) are handled by default. Handlers registered by status code apply to
    an `HTTPException` with that status; handlers registered by class apply to
    that class and its subclasses (the most specific registration wins).
    Other exceptions propagate.

    Args:
        app: The application to wrap.
        handlers: Extra handlers, keyed by status code or exception class.
        debug: Kept for compatibility; does not change behaviour.
    """

    app: ASGIApp
    debug: bool

    def __init__(
        self,
        app: ASGIApp,
        handlers: Mapping[Any, ExceptionHandler[Any]] | None = None,
        debug: bool = False,
    ) -> None:
        self.app = app
        self.debug = debug
        self._status_handlers: StatusHandlers = {}
        self._exception_handlers: ExceptionHandlers = {
            HTTPException: self.http_exception,
            WebSocketException: self.websocket_exception,
        }
        if handlers is not None:
            for key, handler in handlers.items():
                self.add_exception_handler(key, handler)
        # Both dicts are updated in place by `add_exception_handler`, so the pair stays current.
        self._registries = (self._exception_handlers, self._status_handlers)

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: int, handler: ExceptionHandler[HTTPException]
    ) -> None: ...

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: type[_ExcT], handler: ExceptionHandler[_ExcT]
    ) -> None: ...

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler
    ) -> None: ...

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler[Any]
    ) -> None:
        """Register `handler` for a status code or an exception class.

        A handler registered for a class may be typed for exactly that class
        (`(Request, MyError) -> Response`); one registered for a status code
        receives the `HTTPException`.

        Raises:
            TypeError: if the key is neither an `int` nor an `Exception` subclass.
        """
        key = cast(object, exc_class_or_status_code)  # checked at runtime: mappings passed in are untyped
        if isinstance(key, int):
            self._status_handlers[key] = handler
        elif isinstance(key, type) and issubclass(key, Exception):
            self._exception_handlers[key] = handler
        else:
            raise TypeError(f"Exception handlers are keyed by a status code or an Exception subclass, not {key!r}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, handling registered exceptions (HTTP and websocket only)."""
        if scope["type"] not in _CONNECTION_TYPES:
            await self.app(scope, receive, send)
            return
        # The `Request` or `WebSocket` a handler receives is only built when an exception is handled.
        scope[EXCEPTION_HANDLERS_SCOPE_KEY] = self._registries
        await run_handling_exceptions(self.app, scope, receive, send)

    async def http_exception(self, request: Request, exc: Exception) -> Response:
        """The default `HTTPException` handler: a plain-text response with its status and headers.

        204 and 304 responses carry no body.

        Raises:
            AssertionError: if `exc` is not an `HTTPException`.
        """
        if not isinstance(exc, HTTPException):
            raise AssertionError(f"http_exception handles HTTPException, not {type(exc).__name__}")
        if exc.status_code in _BODYLESS_STATUS_CODES:
            return Response(status_code=exc.status_code, headers=exc.headers)
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)

    async def websocket_exception(self, websocket: WebSocket, exc: Exception) -> None:
        """The default `WebSocketException` handler: close the websocket with its code and reason.

        Raises:
            AssertionError: if `exc` is not a `WebSocketException`.
        """
        if not isinstance(exc, WebSocketException):
            raise AssertionError(f"websocket_exception handles WebSocketException, not {type(exc).__name__}")
        await websocket.close(code=exc.code, reason=exc.reason)
