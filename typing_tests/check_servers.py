"""Servers accept the app: every application object of the package, passed where
asgiref, uvicorn and hypercorn expect an ASGI application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import hypercorn.asyncio
import uvicorn
from asgiref.typing import ASGI3Application, ASGIApplication
from hypercorn.config import Config as HypercornConfig
from hypercorn.typing import ASGIFramework
from uvicorn._types import ASGIApplication as UvicornApplication

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.opentelemetry import OpenTelemetryMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.middleware.wsgi import WSGIMiddleware
from starlette.requests import HTTPConnection
from starlette.routing import Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def by_asgiref(app: ASGIApplication) -> None: ...


def by_asgiref3(app: ASGI3Application) -> None: ...


def by_uvicorn_alias(app: UvicornApplication) -> None: ...


def by_uvicorn(app: UvicornApplication) -> None:
    uvicorn.Config(app, port=0)
    uvicorn.run(app, port=0)


def by_hypercorn_alias(app: ASGIFramework) -> None: ...


async def by_hypercorn(app: ASGIFramework) -> None:
    # hypercorn's own signature holds unknowns (its WSGI alias): not ours to check.
    await hypercorn.asyncio.serve(app, HypercornConfig())  # pyright: ignore[reportUnknownMemberType]


class NoBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return None


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    return [b""]


starlette_app = Starlette()
apps = (
    starlette_app,
    Router(),
    StaticFiles(directory="static", check_dir=False),
    AuthenticationMiddleware(starlette_app, backend=NoBackend()),
    BaseHTTPMiddleware(starlette_app),
    RequestBodyLimitMiddleware(starlette_app, max_body_size=1024),
    CORSMiddleware(starlette_app),
    ServerErrorMiddleware(starlette_app),
    ExceptionMiddleware(starlette_app),
    GZipMiddleware(starlette_app),
    HTTPSRedirectMiddleware(starlette_app),
    OpenTelemetryMiddleware(starlette_app),
    SessionMiddleware(starlette_app, secret_key="secret"),
    TrustedHostMiddleware(starlette_app),
    WSGIMiddleware(wsgi_app),
)

# Starlette on its own, then every app of the package (a union: each member is checked).
by_asgiref(starlette_app)
by_asgiref3(starlette_app)
by_uvicorn(starlette_app)
by_uvicorn_alias(starlette_app)
by_hypercorn_alias(starlette_app)
by_hypercorn(starlette_app).close()
for each in apps:
    by_asgiref(each)
    by_asgiref3(each)
    by_uvicorn(each)
    by_hypercorn_alias(each)
    by_hypercorn(each).close()


# An app written against `Scope`, `Receive` and `Send` is served too, and stays an `ASGIApp`.
async def plain_app(scope: Scope, receive: Receive, send: Send) -> None:
    async def send_wrapper(message: Message) -> None:
        await send(message)

    await starlette_app(scope, receive, send_wrapper)


plain: ASGIApp = plain_app
by_asgiref3(plain_app)
by_uvicorn_alias(plain_app)
by_hypercorn_alias(plain_app)


# The servers still check what they are given.
def not_an_app(scope: Scope) -> None: ...


by_asgiref3(not_an_app)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
by_uvicorn_alias(Starlette)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
by_hypercorn_alias(Router)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
