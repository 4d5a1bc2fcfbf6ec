"""Typing cases for `starlette.routing`."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, TypedDict

from typing_extensions import assert_type

from starlette.convertors import Convertor
from starlette.datastructures import URLPath
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import (
    BaseRoute,
    Host,
    Match,
    Mount,
    NoMatchFound,
    Route,
    Router,
    WebSocketRoute,
    compile_path,
    get_name,
    replace_params,
    request_response,
    websocket_session,
)
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

# --- endpoints of every accepted kind -----------------------------------------------------------


async def async_endpoint(request: Request) -> Response:
    return PlainTextResponse("hi")


def sync_endpoint(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hi")


async def redirect_or_text(request: Request) -> RedirectResponse | PlainTextResponse:
    return PlainTextResponse("hi")


async def with_option(request: Request, *, greeting: str) -> Response:
    return PlainTextResponse(greeting)


class State(TypedDict):
    greeting: str


async def typed_state_endpoint(request: Request[State]) -> Response:
    return PlainTextResponse(request.state["greeting"])


class Handlers:
    async def show(self, request: Request) -> Response:
        return PlainTextResponse("method")


class Items(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("items")


class Chat(WebSocketEndpoint):
    encoding = "text"


async def asgi_function(scope: Scope, receive: Receive, send: Send) -> None: ...


class ASGIInstance:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()


async def websocket_with_option(websocket: WebSocket, *, room: str) -> None: ...


def not_async_websocket(websocket: WebSocket) -> None: ...


def wrong_arity(request: Request, extra: int) -> Response:
    return PlainTextResponse("")


def returns_none(request: Request) -> None: ...


routes: list[BaseRoute] = [
    Route("/", async_endpoint),
    Route("/sync", sync_endpoint, methods=["GET", "POST"], name="sync"),
    Route("/union", redirect_or_text, include_in_schema=False),
    Route("/partial", functools.partial(with_option, greeting="hello")),
    Route("/state", typed_state_endpoint),
    Route("/method", Handlers().show),
    Route("/lambda", lambda request: PlainTextResponse("lambda")),
    Route("/class", Items),
    Route("/asgi", asgi_function, methods={"POST"}),
    Route("/instance", ASGIInstance(), middleware=[Middleware(ServerErrorMiddleware)], max_body_size=1024),
    WebSocketRoute("/ws", websocket_endpoint),
    WebSocketRoute("/ws/partial", functools.partial(websocket_with_option, room="lobby"), name="lobby"),
    WebSocketRoute("/ws/class", Chat, middleware=[Middleware(ServerErrorMiddleware, debug=True)]),
    WebSocketRoute("/ws/asgi", asgi_function),
    Mount("/static", app=ASGIInstance(), name="static"),
    Mount("/users", routes=[Route("/", async_endpoint)], middleware=[], max_body_size=10),
    Host("{sub}.example.org", app=Router(), name="sub"),
]

Route("/", 42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", "async_endpoint")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", wrong_arity)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", returns_none)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", with_option)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", websocket_endpoint)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", async_endpoint, methods=[1])  # type: ignore[list-item]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Route("/", async_endpoint, name=1)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
WebSocketRoute("/", 42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
WebSocketRoute("/", not_async_websocket)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
WebSocketRoute("/", async_endpoint)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
Mount("/", app=42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Mount("/", routes=[async_endpoint])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Host("example.org", app="router")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- route attributes -------------------------------------------------------------------------

route = Route("/users/{user_id:int}", async_endpoint)
assert_type(route.path, str)
assert_type(route.name, str)
assert_type(route.methods, set[str] | None)
assert_type(route.path_regex, re.Pattern[str])
assert_type(route.path_format, str)
assert_type(route.param_convertors, dict[str, Convertor[Any]])
assert_type(route.include_in_schema, bool)
assert_type(route.app, ASGIApp)
assert_type(route.url_path_for("async_endpoint", user_id=1), URLPath)
assert_type(route.matches({"type": "http"}), tuple[Match, Scope])
route.url_path_for(name="async_endpoint")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]

ws_route = WebSocketRoute("/ws", websocket_endpoint)
assert_type(ws_route.app, ASGIApp)
assert_type(ws_route.path_format, str)

mount = Mount("/static", app=ASGIInstance())
assert_type(mount.routes, list[BaseRoute])
assert_type(mount.name, str | None)
assert_type(mount.app, ASGIApp)

host = Host("example.org", app=Router())
assert_type(host.host_regex, re.Pattern[str])
assert_type(host.host_format, str)
assert_type(host.routes, list[BaseRoute])

# --- Router -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncGenerator[State, None]:
    yield {"greeting": "hello"}


@contextlib.asynccontextmanager
async def stateless_lifespan(app: Any) -> AsyncGenerator[None, None]:
    yield


@contextlib.asynccontextmanager
async def bad_lifespan(app: Any) -> AsyncGenerator[int, None]:
    yield 1


async def not_a_context_manager(app: Any) -> None: ...


router = Router(routes=routes, redirect_slashes=False, default=ASGIInstance(), lifespan=lifespan)
Router(lifespan=stateless_lifespan, middleware=[Middleware(ServerErrorMiddleware)], max_body_size=2048)
Router(lifespan=bad_lifespan)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Router(lifespan=not_a_context_manager)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Router(routes=[async_endpoint])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(router.routes, list[BaseRoute])
assert_type(router.redirect_slashes, bool)
assert_type(router.default, ASGIApp)
assert_type(router.middleware_stack, ASGIApp)
assert_type(router.url_path_for("sync"), URLPath)
router.add_route("/more", sync_endpoint, methods=["PUT"], name="more", include_in_schema=False)
# Upstream's signature (which FastAPI overrides) takes request functions only; classes work at run time.
router.add_route("/more/class", Items)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
router.add_route("/more/partial", functools.partial(with_option, greeting="hi"))
router.add_websocket_route("/more/ws", websocket_endpoint, name="more_ws")
router.add_websocket_route("/more/ws/class", Chat)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
router.mount("/more/static", ASGIInstance(), name="more_static")
router.host("api.example.org", Router(), name="api")
router.add_route("/bad", 42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
router.add_websocket_route("/bad", sync_endpoint)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
router.mount("/bad", app=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
as_app: ASGIApp = router
router_parts: list[ASGIApp] = [router.app, router.not_found, router.lifespan, router.middleware_stack]
router.middleware_stack = ServerErrorMiddleware(router.app)
router.middleware_stack = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
router.middleware_stack = sync_endpoint  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
# Upstream's `Lifespan[Any]`: a lifespan yielding nothing, or one yielding a mapping.
assert_type(
    router.lifespan_context(None),
    contextlib.AbstractAsyncContextManager[None] | contextlib.AbstractAsyncContextManager[Mapping[str, Any]],
)
router.lifespan_context = lifespan
router.routes.append(Route("/appended", async_endpoint))
router.routes.append(async_endpoint)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
route_as_app: ASGIApp = route

# --- helpers --------------------------------------------------------------------------------------

regex, path_format, convertors = compile_path("/items/{item_id:int}")
assert_type(regex, re.Pattern[str])
assert_type(path_format, str)
assert_type(convertors, dict[str, Convertor[Any]])
compile_path(b"/items")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
path, remaining = replace_params(path_format, convertors, {"item_id": 1})
assert_type(path, str)
assert_type(remaining, dict[str, Any])
assert_type(get_name(async_endpoint), str)
assert_type(request_response(sync_endpoint), ASGIApp)
assert_type(websocket_session(websocket_endpoint), ASGIApp)
request_response(websocket_endpoint)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
websocket_session(not_async_websocket)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
assert_type(Match(2), Match)
error = NoMatchFound("name", {"param": 1})
assert_type(error, NoMatchFound)
match_kinds: Sequence[Match] = [Match.NONE, Match.PARTIAL, Match.FULL]
