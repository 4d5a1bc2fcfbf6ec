"""Typing cases for `starlette.middleware`: `Middleware` and `MiddlewareFactory`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, Literal, TypedDict, Union

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.middleware import Middleware, MiddlewareFactory
from starlette.types import ASGIApp, Receive, Scope, Send


class CORSLike:
    """A middleware with keyword options, typed with `starlette.types`."""

    def __init__(
        self, app: ASGIApp, allow_origins: Collection[str] = (), allow_credentials: bool = False, max_age: int = 600
    ) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Required:
    """A middleware with a required positional option."""

    def __init__(self, app: ASGIApp, secret_key: str, /, *, path: str = "/") -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def function_factory(app: ASGIApp, prefix: str) -> ASGIApp:
    return app


# --- asgiref-style types, as a third-party middleware would declare them ---------------------


class HTTPScope(TypedDict):
    type: Literal["http"]
    path: str


class LifespanScope(TypedDict):
    type: Literal["lifespan"]


class ReceiveEvent(TypedDict):
    type: str


class SendEvent(TypedDict):
    type: str


ForeignScope = Union[HTTPScope, LifespanScope]
ASGIReceiveCallable = Callable[[], Awaitable[ReceiveEvent]]
ASGISendCallable = Callable[[SendEvent], Awaitable[None]]
ASGI3Application = Callable[[ForeignScope, ASGIReceiveCallable, ASGISendCallable], Awaitable[None]]


class ForeignMiddleware:
    """A middleware typed with TypedDict scopes and events (asgiref style)."""

    def __init__(self, app: ASGI3Application, *, header_name: str = "x-id") -> None:
        self.app = app

    async def __call__(self, scope: ForeignScope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        await self.app(scope, receive, send)


# --- Middleware -----------------------------------------------------------------------------

cors = Middleware(CORSLike, allow_origins=["https://example.org"], max_age=60)
assert_type(cors.cls, MiddlewareFactory[...])
assert_type(cors.args, tuple[Any, ...])
assert_type(cors.kwargs, dict[str, Any])
cls, args, kwargs = cors
Middleware(CORSLike)
Middleware(Required, "s3cr3t", path="/app")
Middleware(function_factory, prefix="/api")
Middleware(ForeignMiddleware, header_name="x-request-id")
middleware_list: list[Middleware] = [cors, Middleware(ForeignMiddleware)]
repr_text: str = repr(cors)

# A misspelt option, a wrong option type, a missing required option, too many positionals.
Middleware(CORSLike, allow_origin=["*"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
Middleware(CORSLike, max_age="600")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware(Required)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
Middleware(Required, "key", "extra")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
Middleware(ForeignMiddleware, header="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
# Not middleware at all: no app parameter, or not returning an ASGI app.
Middleware(int)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware("CORSLike")  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- MiddlewareFactory ------------------------------------------------------------------------

factory: MiddlewareFactory[[str]] = function_factory
any_factory: MiddlewareFactory[...] = CORSLike
wrapped: ASGIApp = factory(Starlette(), "/api")
not_a_factory: MiddlewareFactory[[int]] = Required  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

# --- Starlette.add_middleware ---------------------------------------------------------------------

app = Starlette(middleware=[cors])
app.add_middleware(CORSLike, allow_credentials=True)
app.add_middleware(Required, "key")
app.add_middleware(ForeignMiddleware)
app.add_middleware(CORSLike, allow_credential=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
app.add_middleware(Required)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
