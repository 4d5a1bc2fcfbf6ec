"""Exceptions that applications raise to produce HTTP and WebSocket error responses."""

from __future__ import annotations

import http
from collections.abc import Mapping

__all__ = ["HTTPException", "StarletteDeprecationWarning", "WebSocketException"]


def _reason_phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:  # not a registered status code
        return ""


class HTTPException(Exception):
    """Stop handling a request and respond with an HTTP error.

    Args:
        status_code: The HTTP status code of the response.
        detail: The error description; defaults to the status code's standard
            reason phrase (e.g. `"Not Found"` for 404), or `""` for a non-standard
            status code such as 499.
        headers: Extra headers to send with the error response.
    """

    def __init__(self, status_code: int, detail: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        if detail is None:
            detail = _reason_phrase(status_code)
        self.status_code: int = status_code
        self.detail: str = detail
        self.headers: Mapping[str, str] | None = headers

    def __str__(self) -> str:
        """Return `"<status_code>: <detail>"`."""
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        """Return `ClassName(status_code=..., detail=...)`."""
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(Exception):
    """Stop handling a WebSocket session and close it.

    Args:
        code: The WebSocket close code (see `starlette.status.WS_*`).
        reason: The close reason sent to the client; defaults to `""`.
    """

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code: int = code
        self.reason: str = reason or ""

    def __str__(self) -> str:
        """Return `"<code>: <reason>"`."""
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        """Return `ClassName(code=..., reason=...)`."""
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class StarletteDeprecationWarning(UserWarning):
    """Warns about Starlette behaviour that is deprecated and will be removed.

    A `UserWarning` subclass, so it is shown by default rather than hidden like
    `DeprecationWarning` outside of `__main__` and test runners.
    """
