from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, ItemsView, KeysView, ValuesView
from typing import Any

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, BaseUser, SimpleUser
from starlette.datastructures import Headers, MutableHeaders, Secret
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction, RequestResponseEndpoint
from starlette.middleware.body_limit import (
    MAX_BODY_SIZE_SCOPE_KEY,
    RequestBodyLimitMiddleware,
    RequestBodyLimitResponder,
)
from starlette.middleware.cors import ALL_METHODS, SAFELISTED_HEADERS, CORSMiddleware
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipMiddleware,
    GZipResponder,
    IdentityResponder,
    unattached_send,
)
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.sessions import Session, SessionMiddleware
from starlette.middleware.trustedhost import ENFORCE_DOMAIN_WILDCARD, TrustedHostMiddleware
from starlette.middleware.wsgi import WSGIMiddleware, WSGIResponder, build_environ
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TokenBackend:
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return AuthCredentials(["authenticated"]), SimpleUser("alice")


async def app(scope: Scope, receive: Receive, send: Send) -> None: ...


# -- CORSMiddleware ------------------------------------------------------------------------

cors_ok = Middleware(
    CORSMiddleware,
    allow_origins=["https://example.org"],
    allow_methods=("GET", "POST"),
    allow_headers={"X-Example"},
    allow_credentials=True,
    allow_origin_regex=r"https://.*\.example\.org",
    allow_private_network=True,
    expose_headers=["X-Total"],
    max_age=60,
)
cors_bad_flag = Middleware(CORSMiddleware, allow_credentials="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
cors_bad_age = Middleware(CORSMiddleware, max_age="10")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
cors_unknown = Middleware(CORSMiddleware, allow_everything=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]

cors = CORSMiddleware(app, allow_origins=["*"])
assert_type(cors.allow_origins, Collection[str])
assert_type(cors.allow_headers, list[str])
assert_type(cors.allow_origin_regex, re.Pattern[str] | None)
assert_type(cors.simple_headers, dict[str, str])
assert_type(cors.is_allowed_origin("https://example.org"), bool)
assert_type(cors.preflight_response(request_headers=Headers()), Response)
CORSMiddleware.allow_explicit_origin(MutableHeaders(), "https://example.org")
assert_type(ALL_METHODS, tuple[str, ...])
assert_type(SAFELISTED_HEADERS, frozenset[str])
cors.is_allowed_origin(None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# -- GZipMiddleware ------------------------------------------------------------------------

gzip_ok = Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6, exclude_content_types=("image/*",))
gzip_positional = Middleware(GZipMiddleware, 1000, 6, 65536)
gzip_bad_size = Middleware(GZipMiddleware, minimum_size="1kB")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
gzip_bad_types = Middleware(GZipMiddleware, exclude_content_types=["image/*"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

gzip_responder = GZipResponder(app, 500, 9, thread_minimum_size=1024)
assert_type(gzip_responder.content_encoding, str)
assert_type(gzip_responder.compresslevel, int)
assert_type(gzip_responder.initial_message, Message)
identity_responder: IdentityResponder = gzip_responder
assert_type(identity_responder.partial_response, bool)
assert_type(DEFAULT_EXCLUDED_CONTENT_TYPES, tuple[str, ...])
unattached: Callable[[Message], Awaitable[object]] = unattached_send
GZipResponder(app, 500, thread_minimum_size="big")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


async def use_compression(responder: IdentityResponder) -> None:
    assert_type(await responder.apply_compression(b"chunk", more_body=True), bytes)
    await responder.apply_compression(b"chunk", True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument, too-many-positional-arguments]


# -- SessionMiddleware ---------------------------------------------------------------------

sessions_ok = Middleware(SessionMiddleware, secret_key="secret", max_age=None, same_site="strict", https_only=True)
sessions_secret = Middleware(SessionMiddleware, secret_key=Secret("secret"), domain="example.org", partitioned=True)
sessions_no_key = Middleware(SessionMiddleware, max_age=60)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
sessions_bad_site = Middleware(SessionMiddleware, secret_key="secret", same_site="sometimes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

session = Session({"user": "alice"})
assert_type(session.accessed, bool)
assert_type(session.modified, bool)
assert_type(session.pop("user"), Any)
assert_type(session.popitem(), tuple[str, Any])
session_keys: KeysView[str] = session.keys()
session_items: ItemsView[str, Any] = session.items()
session_values: ValuesView[Any] = session.values()
session_as_dict: dict[str, Any] = session
session[1] = "x"  # type: ignore[index]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-assignment]

# -- TrustedHostMiddleware and HTTPSRedirectMiddleware -------------------------------------

trusted_ok = Middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"], www_redirect=False)
trusted_bad = Middleware(TrustedHostMiddleware, allowed_hosts="example.com", www_redirect="no")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(ENFORCE_DOMAIN_WILDCARD, str)
assert_type(TrustedHostMiddleware(app).allowed_hosts, list[str])

https_ok = Middleware(HTTPSRedirectMiddleware)
https_bad = Middleware(HTTPSRedirectMiddleware, permanent=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]

# -- RequestBodyLimitMiddleware ------------------------------------------------------------

limit_ok = Middleware(RequestBodyLimitMiddleware, max_body_size=1024 * 1024)
limit_missing = Middleware(RequestBodyLimitMiddleware)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
limit_bad = Middleware(RequestBodyLimitMiddleware, max_body_size="1MB")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(MAX_BODY_SIZE_SCOPE_KEY, str)
limit_responder = RequestBodyLimitResponder(app, 10)
assert_type(limit_responder.content_length, "int | None")
assert_type(limit_responder.scope, Scope)
assert_type(limit_responder.receive, Receive)
assert_type(limit_responder.send, Send)


async def use_limit(responder: RequestBodyLimitResponder) -> None:
    assert_type(await responder.receive_with_limit(), Message)
    await responder.send_with_limit({"type": "http.response.start"})
    await responder.send_with_limit()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]


# -- BaseHTTPMiddleware --------------------------------------------------------------------


class TimingMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["X-Timing"] = "0"
        return response


async def add_header(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    response.headers["X-Example"] = "1"
    return response


def not_a_dispatch(request: Request) -> Response:
    raise NotImplementedError


dispatch: DispatchFunction = add_header
base_subclass = Middleware(TimingMiddleware)
base_function = Middleware(BaseHTTPMiddleware, dispatch=add_header)
base_bad = Middleware(BaseHTTPMiddleware, dispatch=not_a_dispatch)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(BaseHTTPMiddleware(app).dispatch_func, DispatchFunction)


async def call_next_usage(call_next: RequestResponseEndpoint, request: Request) -> None:
    assert_type(await call_next(request), Response)
    await call_next()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]


# -- WSGIMiddleware ------------------------------------------------------------------------


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    return [b""]


wsgi_ok = Middleware(WSGIMiddleware)
wsgi_mounted: ASGIApp = WSGIMiddleware(wsgi_app)
wsgi_bad = WSGIMiddleware()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
assert_type(build_environ({"type": "http"}, b""), dict[str, Any])
build_environ({"type": "http"}, "body")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(WSGIResponder(wsgi_app, {"type": "http"}).response_started, bool)

# -- AuthenticationMiddleware --------------------------------------------------------------


def on_auth_error(conn: HTTPConnection, exc: Exception) -> Response:
    raise NotImplementedError


def on_request_error(request: Request, exc: Exception) -> Response:
    raise NotImplementedError


auth_ok = Middleware(AuthenticationMiddleware, backend=TokenBackend(), on_error=on_auth_error)
auth_no_backend = Middleware(AuthenticationMiddleware)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
auth_bad_backend = Middleware(AuthenticationMiddleware, backend=object())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
# The error handler gets any connection (websockets too), not only a `Request`.
auth_narrow_handler = Middleware(AuthenticationMiddleware, backend=TokenBackend(), on_error=on_request_error)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(AuthenticationMiddleware.default_on_error(HTTPConnection({"type": "http"}), Exception()), Response)

# -- the stack -----------------------------------------------------------------------------

application = Starlette(
    middleware=[cors_ok, gzip_ok, sessions_ok, trusted_ok, https_ok, limit_ok, base_subclass, auth_ok, wsgi_ok],
    max_body_size=10,
)
application.add_middleware(GZipMiddleware, minimum_size=10)
application.add_middleware(GZipMiddleware, minimum_size=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
