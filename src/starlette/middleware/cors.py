"""Cross-Origin Resource Sharing (CORS).

`CORSMiddleware` answers CORS preflight requests (`OPTIONS` with `Origin` and
`Access-Control-Request-Method`) itself, with `200 OK` when the request is
allowed and `400` naming what is not, and adds the CORS headers to the
responses of other requests that carry an `Origin` header.

The defaults allow nothing: origins, methods and headers must be listed.
When credentials are allowed, the allowed origin is echoed back rather than
`*`, as browsers require. Since the CORS
headers depend on the request's `Origin`, every HTTP response gets
`Vary: Origin` (also those to requests without one), and preflight responses
vary with the preflight request headers too, so that caches keep them apart.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, TypeAlias

from starlette._cache import BoundedCache
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware._vary import RawHeaders, add_vary
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALL_METHODS", "SAFELISTED_HEADERS", "CORSMiddleware"]

ALL_METHODS: Final[tuple[str, ...]] = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
"""The methods `allow_methods=["*"]` stands for."""

SAFELISTED_HEADERS: Final[frozenset[str]] = frozenset({"Accept", "Accept-Language", "Content-Language", "Content-Type"})
"""Request headers that are always allowed (the CORS-safelisted request headers)."""

_PREFLIGHT_VARY: Final[str] = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)
_ALLOW_ORIGIN: Final[bytes] = b"access-control-allow-origin"
_VARY_ORIGIN: Final[tuple[bytes, bytes]] = (b"vary", b"Origin")
_ORIGIN_CACHE_SIZE: Final[int] = 256


def _response_headers(original: Iterable[tuple[bytes, bytes]], added: Mapping[bytes, bytes]) -> RawHeaders:
    """A new header list: `original` with the `added` headers set, varying with `Origin`.

    Setting a header replaces the first header of that name in place and drops
    the others of that name; a header the response does not have yet is
    appended, in `added`'s order.
    """
    headers: RawHeaders = []
    has_vary = False
    placed: set[bytes] = set()
    for item in original:
        name = item[0]
        value = added.get(name)
        if value is not None:
            if name not in placed:
                placed.add(name)
                headers.append((name, value))
        else:
            if name == b"vary":
                has_vary = True
            headers.append(item)
    headers += [item for item in added.items() if item[0] not in placed]
    if has_vary:
        add_vary(headers, b"Origin")
    else:
        headers.append(_VARY_ORIGIN)
    return headers


# What a simple response gets: header values by name, in the order they are added.
_Added: TypeAlias = Mapping[bytes, bytes]
_NOTHING_ADDED: Final[_Added] = {}


class CORSMiddleware:
    """Add CORS headers to responses, and answer CORS preflight requests.

    Args:
        app: The ASGI app to wrap.
        allow_origins: Origins allowed to make cross-origin requests, such as
            `"https://example.org"`; `"*"` allows any origin.
        allow_methods: Methods allowed in cross-origin requests; `"*"` allows
            the standard methods (`ALL_METHODS`).
        allow_headers: Request headers allowed in cross-origin requests, besides
            the always allowed `SAFELISTED_HEADERS`; `"*"` allows any header.
        allow_credentials: Whether cross-origin requests may carry cookies
            and credentials.
        allow_origin_regex: A regular expression that allowed origins match in
            full, such as `r"https://[a-z0-9-]+\\.example\\.org"`.
        allow_private_network: Whether to allow requests from public websites
            to this server on a private network (Private Network Access).
        expose_headers: Response headers the browser may expose to scripts.
        max_age: How long, in seconds, browsers may cache a preflight response.
    """

    app: ASGIApp
    """The wrapped application."""
    allow_origins: Collection[str]
    """The allowed origins, as given."""
    allow_methods: Collection[str]
    """The allowed methods (`ALL_METHODS` when `"*"` was given)."""
    allow_headers: list[str]
    """The allowed request headers, lower-cased and sorted, safelisted ones included."""
    allow_all_origins: bool
    """Whether any origin is allowed (`"*"`)."""
    allow_all_headers: bool
    """Whether any request header is allowed (`"*"`)."""
    allow_credentials: bool
    """Whether credentials are allowed."""
    preflight_explicit_allow_origin: bool
    """Whether preflight responses echo the origin instead of sending `*`."""
    allow_origin_regex: re.Pattern[str] | None
    """The compiled `allow_origin_regex`, if any."""
    allow_private_network: bool
    """Whether Private Network Access requests are allowed."""
    simple_headers: dict[str, str]
    """The headers added to every non-preflight CORS response."""
    preflight_headers: dict[str, str]
    """The headers every preflight response starts from."""

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_methods:
            allow_methods = ALL_METHODS

        allow_all_origins = "*" in allow_origins
        allow_all_headers = "*" in allow_headers
        preflight_explicit_allow_origin = not allow_all_origins or allow_credentials

        simple_headers: dict[str, str] = {}
        if allow_all_origins:
            simple_headers["Access-Control-Allow-Origin"] = "*"
        if allow_credentials:
            simple_headers["Access-Control-Allow-Credentials"] = "true"
        if expose_headers:
            simple_headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)

        # The answer depends on the origin and on what the preflight asks for: caches must know.
        preflight_headers: dict[str, str] = {"Vary": _PREFLIGHT_VARY}
        if not preflight_explicit_allow_origin:
            preflight_headers["Access-Control-Allow-Origin"] = "*"
        preflight_headers["Access-Control-Allow-Methods"] = ", ".join(allow_methods)
        preflight_headers["Access-Control-Max-Age"] = str(max_age)
        all_allowed_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        if not allow_all_headers:
            preflight_headers["Access-Control-Allow-Headers"] = ", ".join(all_allowed_headers)
        if allow_credentials:
            preflight_headers["Access-Control-Allow-Credentials"] = "true"

        self.app = app
        self.allow_origins = allow_origins
        self.allow_methods = allow_methods
        self.allow_headers = [header.lower() for header in all_allowed_headers]
        self.allow_all_origins = allow_all_origins
        self.allow_all_headers = allow_all_headers
        self.allow_credentials = allow_credentials
        self.preflight_explicit_allow_origin = preflight_explicit_allow_origin
        self.allow_origin_regex = None if allow_origin_regex is None else re.compile(allow_origin_regex)
        self.allow_private_network = allow_private_network
        self.simple_headers = simple_headers
        self.preflight_headers = preflight_headers
        self._allowed_header_set = frozenset(self.allow_headers)
        # The simple-response headers as sent when the origin is not named.
        self._without_origin: _Added = {
            name.lower().encode("latin-1"): value.encode("latin-1")
            for name, value in simple_headers.items()
            if name != "Access-Control-Allow-Origin"
        }
        self._any_origin: _Added = self._naming(b"*")
        # What to add for an `Origin` value, by value: a server sees the same few over and over.
        self._by_origin: BoundedCache[bytes, _Added] = BoundedCache(_ORIGIN_CACHE_SIZE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection: answer preflights, add CORS headers to other responses."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One pass over the raw headers finds the few this middleware needs.
        origin: bytes | None = None
        requests_method = False
        for name, value in scope["headers"]:
            if name == b"origin":
                if origin is None:
                    origin = value
            elif name == b"access-control-request-method":
                requests_method = True
        if origin is None:
            await self.app(scope, receive, _varying_with_origin(send))
        elif requests_method and scope["method"] == "OPTIONS":
            response = self.preflight_response(request_headers=Headers(scope=scope))
            await response(scope, receive, send)
        else:
            # What `self._simple_send()` builds, one call fewer on the hot path.
            added = self._added_for(origin)

            async def send_with_cors(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = _response_headers(message.get("headers", ()), added)
                await send(message)

            await self.app(scope, receive, send_with_cors)

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether `origin` may make cross-origin requests."""
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self.allow_origins

    def preflight_response(self, request_headers: Headers) -> Response:
        """Answer a preflight request: `200 OK`, or `400 Disallowed CORS ...` naming what is not allowed."""
        requested_origin = request_headers["origin"]
        requested_method = request_headers["access-control-request-method"]
        requested_headers = request_headers.get("access-control-request-headers")
        requested_private_network = request_headers.get("access-control-request-private-network")

        headers = dict(self.preflight_headers)
        failures: list[str] = []

        if self.is_allowed_origin(requested_origin):
            if self.preflight_explicit_allow_origin:
                headers["Access-Control-Allow-Origin"] = requested_origin
        else:
            failures.append("origin")

        if requested_method not in self.allow_methods:
            failures.append("method")

        if requested_headers is not None:
            if self.allow_all_headers:
                headers["Access-Control-Allow-Headers"] = requested_headers
            elif not self._headers_allowed(requested_headers.split(",")):
                failures.append("headers")

        if requested_private_network is not None:
            if self.allow_private_network:
                headers["Access-Control-Allow-Private-Network"] = "true"
            else:
                failures.append("private-network")

        if failures:
            return PlainTextResponse("Disallowed CORS " + ", ".join(failures), status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)

    def _headers_allowed(self, requested: Sequence[str]) -> bool:
        allowed = self._allowed_header_set
        return all(header.strip().lower() in allowed for header in requested)

    def _naming(self, allow_origin: bytes) -> _Added:
        """The simple-response headers with `Access-Control-Allow-Origin: <allow_origin>`.

        With `allow_origins=["*"]` the origin comes first, where `*` would be;
        an origin allowed by name comes after the other headers.
        """
        if self.allow_all_origins:
            return {_ALLOW_ORIGIN: allow_origin, **self._without_origin}
        return {**self._without_origin, _ALLOW_ORIGIN: allow_origin}

    def _added_for(self, origin: bytes) -> _Added:
        """What the response to a simple request from `origin` gets."""
        if self.allow_all_origins and not self.allow_credentials:
            return self._any_origin
        added = self._by_origin.get(origin)
        if added is None:
            # `*` is not accepted for credentialed requests: an allowed origin is named instead.
            allowed = self.allow_all_origins or self.is_allowed_origin(origin.decode("latin-1"))
            added = self._by_origin.put(origin, self._naming(origin) if allowed else self._without_origin)
        return added

    def _simple_send(self, send: Send, origin: bytes) -> Send:
        """`send`, adding the CORS headers of a simple response to `origin` to the response start."""
        added = self._added_for(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _response_headers(message.get("headers", ()), added)
            await send(message)

        return send_with_cors

    async def simple_response(self, scope: Scope, receive: Receive, send: Send, request_headers: Headers) -> None:
        """Run the app, adding the CORS headers for the request's `Origin` to its response."""
        origin = request_headers["origin"].encode("latin-1")
        await self.app(scope, receive, self._simple_send(send, origin))

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        """Send `message`, adding the CORS headers for the request's `Origin` if it starts the response."""
        origin = request_headers["origin"].encode("latin-1")
        await self._simple_send(send, origin)(message)

    @staticmethod
    def allow_explicit_origin(headers: MutableHeaders, origin: str) -> None:
        """Allow `origin` by name, and tell caches that the response varies with the origin."""
        headers["Access-Control-Allow-Origin"] = origin
        headers.add_vary_header("Origin")


def _varying_with_origin(send: Send) -> Send:
    """`send`, adding `Vary: Origin` to the response start (of a request without `Origin`)."""

    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = _response_headers(message.get("headers", ()), _NOTHING_ADDED)
        await send(message)

    return send_varying
