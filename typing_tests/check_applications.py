"""Typing cases for `starlette.applications.Starlette`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection
from typing import Any, TypedDict

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.datastructures import State, URLPath
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, Router, WebSocketRoute
from starlette.types import ASGIApp, ExceptionHandler
from starlette.websockets import WebSocket


class AppState(TypedDict):
    greeting: str
    visits: int


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncGenerator[AppState, None]:
    yield {"greeting": "hello", "visits": 0}


@contextlib.asynccontextmanager
async def stateless_lifespan(app: Starlette) -> AsyncGenerator[None, None]:
    yield


async def homepage(request: Request[AppState]) -> Response:
    assert_type(request.state["greeting"], str)
    assert_type(request.state["visits"], int)
    request.state["missing"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-typed-dict-key]
    return PlainTextResponse(request.state["greeting"])


async def websocket_endpoint(websocket: WebSocket[AppState]) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.state["greeting"])


def sync_page(request: Request) -> JSONResponse:
    return JSONResponse({})


class Items(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("items")


async def http_error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("error", status_code=500)


async def not_found(request: Request, exc: HTTPException) -> Response:
    return PlainTextResponse(exc.detail, status_code=exc.status_code)


class PaymentError(Exception):
    amount: int = 0


def payment_error(request: Request, exc: PaymentError) -> Response:
    return PlainTextResponse(f"missing {exc.amount}", status_code=402)


async def websocket_payment_error(websocket: WebSocket, exc: PaymentError) -> None:
    await websocket.close(code=4002)


app = Starlette(
    debug=True,
    routes=[Route("/", homepage), WebSocketRoute("/ws", websocket_endpoint)],
    middleware=[Middleware(ServerErrorMiddleware, debug=False)],
    exception_handlers={404: not_found, HTTPException: http_error, PaymentError: payment_error},
    lifespan=lifespan,
    max_body_size=1_000_000,
)
Starlette(lifespan=stateless_lifespan)
Starlette()

assert_type(app.debug, bool)
app.debug = False
assert_type(app.state, State)
assert_type(app.router, Router)
assert_type(app.routes, list[BaseRoute])
assert_type(app.max_body_size, int | None)
assert_type(app.user_middleware, list[Middleware])
assert_type(app.middleware_stack, ASGIApp | None)
assert_type(app.build_middleware_stack(), ASGIApp)
assert_type(app.url_path_for("homepage"), URLPath)
as_app: ASGIApp = app

app.add_route("/sync", sync_page, methods=["GET"], name="sync", include_in_schema=False)
# Upstream's signature (which FastAPI overrides) takes request functions only; classes work at run time.
app.add_route("/items", Items)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
app.mount("/sub", Router(), name="sub")
app.host("api.example.org", Router(), name="api")
app.add_exception_handler(500, http_error)
app.add_exception_handler(404, not_found)
app.add_exception_handler(ValueError, http_error)
app.add_exception_handler(PaymentError, payment_error)
app.add_exception_handler(PaymentError, websocket_payment_error)
assert_type(app.exception_handlers, dict[Any, Any])


class NarrowedApp(Starlette):
    """A subclass may narrow the attributes `Starlette.__init__` sets, as FastAPI does with `router`."""

    router: NarrowedRouter
    exception_handlers: dict[int | type[Exception], ExceptionHandler[Any]]


class NarrowedRouter(Router):
    """A router subclass that copies upstream's `add_route` signature: it stays a valid override."""

    def add_route(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response] | Response],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        super().add_route(path, endpoint, methods=methods, name=name, include_in_schema=include_in_schema)

    def add_websocket_route(
        self, path: str, endpoint: Callable[[WebSocket], Awaitable[None]], name: str | None = None
    ) -> None:
        super().add_websocket_route(path, endpoint, name=name)


app.add_middleware(ServerErrorMiddleware, debug=True)

# --- rejected ---------------------------------------------------------------------------------

Starlette(debug="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[homepage])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(middleware=[ServerErrorMiddleware])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(max_body_size="1MB")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(True, [])  # positional debug and routes are fine
Starlette(True, [], [], {}, None, 10)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
app.add_route("/bad", 42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
app.add_exception_handler("404", http_error)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
app.add_exception_handler(ValueError, payment_error)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
app.add_exception_handler(404, payment_error)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
app.add_middleware(ServerErrorMiddleware, debugging=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
app.url_path_for(name="homepage")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
app.debug = "yes"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]

# --- lifespans typed for a subclass -----------------------------------------------------------------


class MyApp(Starlette):
    service_name: str = "my-app"


@contextlib.asynccontextmanager
async def my_lifespan(app: MyApp) -> AsyncGenerator[dict[str, Any], None]:
    yield {"service": app.service_name}


@contextlib.asynccontextmanager
async def int_lifespan(app: Starlette) -> AsyncGenerator[int, None]:
    yield 1


async def plain_coroutine(app: Starlette) -> None: ...


MyApp(lifespan=my_lifespan)
MyApp(lifespan=lifespan)  # a lifespan for any Starlette also fits a subclass
Starlette(lifespan=my_lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
# mypy infers the state type from the lifespan through `Starlette`'s self-typed `__init__`, and drops a
# state type outside its bound (`int`) silently, to `Any`: only pyright and ty reject this one.
Starlette(lifespan=int_lifespan)  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(lifespan=plain_coroutine)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
