"""Redirect plain HTTP and WebSocket connections to their secure scheme."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import URL
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HTTPSRedirectMiddleware"]

_SECURE_SCHEMES: Final[dict[str, str]] = {"http": "https", "ws": "wss"}


class HTTPSRedirectMiddleware:
    """Redirect `http://` requests to `https://` and `ws://` connections to `wss://`.

    The redirect is a `307`, so that the method and body are kept. The ports
    80 and 443 are dropped from the new URL; any other port is kept. When the
    host cannot be told (a malformed `Host` header and no `scope["server"]`),
    the answer is `400 Invalid host header`.

    Args:
        app: The ASGI app to wrap.
    """

    app: ASGIApp
    """The wrapped application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection: redirect insecure ones, pass secure ones (and lifespan) on."""
        secure_scheme = _SECURE_SCHEMES.get(scope.get("scheme", "")) if scope["type"] in ("http", "websocket") else None
        if secure_scheme is None:
            await self.app(scope, receive, send)
            return
        url = URL(scope=scope)
        netloc = url.netloc
        if not netloc:
            # Neither a well-formed `Host` header nor `scope["server"]` names the host to redirect to.
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
            return
        if url.port in (80, 443):
            netloc = netloc.rpartition(":")[0]
        response = RedirectResponse(url.replace(scheme=secure_scheme, netloc=netloc), status_code=307)
        await response(scope, receive, send)
