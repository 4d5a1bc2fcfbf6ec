"""Guard against HTTP Host header attacks.

`TrustedHostMiddleware` serves only requests whose `Host` header names one of
the allowed hosts, and answers others with `400 Invalid host header`. Patterns
are exact host names (compared case-insensitively, port ignored) or domain
wildcards such as `*.example.com`, which match every subdomain of
`example.com` but not `example.com` itself; `*` allows any host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from starlette.datastructures import URL
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ENFORCE_DOMAIN_WILDCARD", "TrustedHostMiddleware"]

_ALLOWED_CACHE_SIZE: Final[int] = 256

ENFORCE_DOMAIN_WILDCARD: Final[str] = "Domain wildcard patterns must be like '*.example.com'."
"""The error raised for a misplaced `*` in an allowed host pattern."""

# A host name (letters, digits, `-`, `_`, dots) optionally followed by a port, or a
# bracketed IP literal (IPv6, or an `IPvFuture` such as `[v1.foo]`) optionally followed
# by a non-empty port: anything else cannot be a trusted host.
_HOST_HEADER: Final[re.Pattern[str]] = re.compile(
    r"(\[(?:[0-9a-f:.]+|v[0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\])(?::[0-9]+)?|([a-z0-9_.-]+)(?::[0-9]*)?"
)


def _host_from_header(value: str) -> str | None:
    """The lower-cased host named by a `Host` header value, without its port; `None` if malformed."""
    match = _HOST_HEADER.fullmatch(value.lower())
    if match is None:
        return None
    literal: str | None = match[1]
    return literal if literal is not None else match[2]


def _host_header(scope: Scope) -> bytes:
    """The request's first `Host` header, or `b""`, without building a `Headers`."""
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name == b"host":
            return value
    return b""


class TrustedHostMiddleware:
    """Refuse requests whose `Host` header is not an allowed host.

    Args:
        app: The ASGI app to wrap.
        allowed_hosts: The allowed host names and `*.domain` wildcards; `None`
            or `"*"` allows any host.
        www_redirect: Whether to redirect a request for `example.com` to
            `www.example.com` when the latter is an allowed host name.

    Raises:
        AssertionError: If a pattern has a `*` anywhere but as a leading `*.`
            (`ENFORCE_DOMAIN_WILDCARD`).
    """

    app: ASGIApp
    """The wrapped application."""
    allowed_hosts: list[str]
    """The allowed host patterns, as given."""
    allow_any: bool
    """Whether any host is allowed."""
    www_redirect: bool
    """Whether to redirect to the `www.` host when only that one is allowed."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None, www_redirect: bool = True) -> None:
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        for pattern in allowed_hosts:
            assert "*" not in pattern[1:], ENFORCE_DOMAIN_WILDCARD
            if pattern.startswith("*") and pattern != "*":
                assert pattern.startswith("*."), ENFORCE_DOMAIN_WILDCARD
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.allow_any = "*" in allowed_hosts
        self.www_redirect = www_redirect
        patterns = [pattern.lower() for pattern in allowed_hosts]
        self._exact_hosts = frozenset(pattern for pattern in patterns if not pattern.startswith("*"))
        self._domain_suffixes = tuple(pattern[1:] for pattern in patterns if pattern.startswith("*."))
        # `Host` header values already found allowed: a server sees the same few over and over.
        self._allowed_values: set[bytes] = set()

    def _is_allowed(self, host: str) -> bool:
        return host in self._exact_hosts or (bool(self._domain_suffixes) and host.endswith(self._domain_suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection: HTTP and websocket ones only with an allowed `Host`."""
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        raw_host = _host_header(scope)
        if raw_host in self._allowed_values:
            await self.app(scope, receive, send)
            return
        host = _host_from_header(raw_host.decode("latin-1"))
        if host is not None and self._is_allowed(host):
            if len(self._allowed_values) < _ALLOWED_CACHE_SIZE:
                self._allowed_values.add(raw_host)
            await self.app(scope, receive, send)
            return

        response: Response
        if host is not None and self.www_redirect and "www." + host in self._exact_hosts:
            url = URL(scope=scope)
            response = RedirectResponse(url=str(url.replace(netloc="www." + url.netloc)))
        else:
            response = PlainTextResponse("Invalid host header", status_code=400)
        await response(scope, receive, send)
