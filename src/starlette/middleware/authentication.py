"""Run an authentication backend on every HTTP and websocket connection."""

from __future__ import annotations

from collections.abc import Callable

from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, UnauthenticatedUser
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AuthenticationMiddleware"]

_WS_NORMAL_CLOSURE = 1000


class AuthenticationMiddleware:
    """Set `conn.auth` and `conn.user` from an authentication backend.

    A connection the backend does not authenticate (it returns `None`) gets
    empty `AuthCredentials` and an `UnauthenticatedUser`. When the backend
    raises `AuthenticationError`, an HTTP request gets the `on_error`
    response and a websocket is closed.

    Args:
        app: The ASGI app to wrap.
        backend: The authentication backend.
        on_error: Builds the response for an `AuthenticationError`; by default
            `400` with the error's text.
    """

    app: ASGIApp
    """The wrapped application."""
    backend: AuthenticationBackend
    """The authentication backend."""
    on_error: Callable[[HTTPConnection, AuthenticationError], Response]
    """Builds the response for an `AuthenticationError`."""

    def __init__(
        self,
        app: ASGIApp,
        backend: AuthenticationBackend,
        on_error: Callable[[HTTPConnection, AuthenticationError], Response] | None = None,
    ) -> None:
        self.app = app
        self.backend = backend
        self.on_error = on_error if on_error is not None else self.default_on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection, authenticating HTTP and websocket ones first."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        conn = HTTPConnection(scope)
        try:
            auth_result = await self.backend.authenticate(conn)
        except AuthenticationError as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": _WS_NORMAL_CLOSURE})
            else:
                response = self.on_error(conn, exc)
                await response(scope, receive, send)
            return

        if auth_result is None:
            auth_result = AuthCredentials(), UnauthenticatedUser()
        scope["auth"], scope["user"] = auth_result
        await self.app(scope, receive, send)

    @staticmethod
    def default_on_error(conn: HTTPConnection, exc: Exception) -> Response:
        """The default error response: `400` with the error's text."""
        return PlainTextResponse(str(exc), status_code=400)
