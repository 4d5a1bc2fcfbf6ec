"""State flows from the lifespan to the endpoints: `Starlette`, `Router`, the routes and the
class-based endpoints are generic over the state type, inferred from the lifespan's yield
type and the endpoints' `Request[S]` / `WebSocket[S]`, and a mismatch anywhere in the
route tree is an error."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Mapping
from typing import Any, TypedDict

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from starlette.types import Lifespan, StatefulLifespan, StatelessLifespan
from starlette.websockets import WebSocket


class Database:
    def query(self) -> list[str]:
        return []


class AppState(TypedDict):
    db: Database
    greeting: str


class Another(TypedDict):
    cache: dict[str, bytes]


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncGenerator[AppState, None]:
    yield {"db": Database(), "greeting": "hello"}


@contextlib.asynccontextmanager
async def stateless(app: Starlette) -> AsyncGenerator[None, None]:
    yield


async def home(request: Request[AppState]) -> Response:
    assert_type(request.state["db"], Database)
    assert_type(request.state["greeting"], str)
    count: int = request.state["greeting"]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    return PlainTextResponse(request.state["greeting"] * count)


def sync_home(request: Request[AppState]) -> Response:
    return PlainTextResponse(", ".join(request.state["db"].query()))


async def health(request: Request) -> Response:
    assert_type(request.state, State)
    return PlainTextResponse("ok")


async def other(request: Request[Another]) -> Response:
    return PlainTextResponse(str(len(request.state["cache"])))


async def chat(websocket: WebSocket[AppState]) -> None:
    await websocket.send_text(websocket.state["greeting"])


async def other_chat(websocket: WebSocket[Another]) -> None:
    await websocket.close()


async def plain_chat(websocket: WebSocket) -> None:
    await websocket.close()


class Users(HTTPEndpoint[AppState]):
    async def get(self, request: Request[AppState]) -> Response:
        return PlainTextResponse(request.state["greeting"])


class Caches(HTTPEndpoint[Another]):
    async def get(self, request: Request[Another]) -> Response:
        return PlainTextResponse(str(len(request.state["cache"])))


class Untyped(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("untyped")


class Echo(WebSocketEndpoint[AppState]):
    async def on_connect(self, websocket: WebSocket[AppState]) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.state["greeting"])


class OtherEcho(WebSocketEndpoint[Another]):
    pass


# --- The state type is inferred: from the endpoints' parameters, and from the lifespan.

assert_type(Route("/", home), Route[AppState])
assert_type(Route("/", sync_home), Route[AppState])
assert_type(Route("/", health), Route[Any])
assert_type(Route("/", Users), Route[AppState])
assert_type(Route("/", Untyped), Route[Any])
assert_type(Route("/", PlainTextResponse("asgi app")), Route[Any])
assert_type(WebSocketRoute("/ws", chat), WebSocketRoute[AppState])
assert_type(WebSocketRoute("/ws", plain_chat), WebSocketRoute[Any])
assert_type(WebSocketRoute("/ws", Echo), WebSocketRoute[AppState])
assert_type(Mount("/m", routes=[Route("/", home)]), Mount[AppState])
assert_type(Router(routes=[Route("/", home)]), Router[AppState])

app: Starlette[AppState] = Starlette(
    routes=[
        Route("/", home),
        Route("/sync", sync_home),
        Route("/health", health),
        Route("/users", Users),
        WebSocketRoute("/ws", chat),
        WebSocketRoute("/echo", Echo),
        Mount("/api", routes=[Mount("/v1", routes=[Route("/", home), Route("/health", health)])]),
    ],
    lifespan=lifespan,
)
assert_type(Starlette(routes=[Route("/", home), Route("/sync", sync_home)], lifespan=lifespan), Starlette[AppState])
router: Router[AppState] = Router(routes=[Route("/", home), Route("/health", health)], lifespan=lifespan)
# An app mounted with `app=` is any ASGI app: its state type is not inferred, but may be declared.
api_host: Host[AppState] = Host("api.example.org", router)


# The lifespan may yield more than the endpoints read: a `TypedDict` extending theirs.
class FullState(AppState):
    started: bool


@contextlib.asynccontextmanager
async def full_lifespan(app: Starlette) -> AsyncGenerator[FullState, None]:
    yield {"db": Database(), "greeting": "hello", "started": True}


assert_type(Starlette(routes=[Route("/", home)], lifespan=full_lifespan), Starlette[AppState])

# Nothing declared, or plain `Request`: anything goes, as before.
assert_type(Starlette(), Starlette[Any])
stateless_app: Starlette = Starlette(routes=[Route("/", health)], lifespan=stateless)
untyped_routes = [Route("/", health), Route("/u", Untyped), Mount("/static", app=PlainTextResponse("files"))]
untyped_app = Starlette(routes=untyped_routes)
any_app: Starlette = app
any_routes: list[BaseRoute] = [Route("/", home), Route("/other", other)]
Starlette(routes=[Route("/", home)], lifespan=stateless)  # the state comes from a middleware

# Annotations pin the state type.
typed_routes: list[Route[AppState]] = [Route("/", home), Route("/health", health)]
typed_app: Starlette[AppState] = Starlette(routes=typed_routes, lifespan=lifespan)


def build() -> Starlette[AppState]:
    return Starlette(routes=[Route("/", home)], lifespan=lifespan)


# A `State` subclass with annotated attributes, set by a middleware, works as before.
class RequestState(State):
    tenant: str


async def whoami(request: Request[RequestState]) -> Response:
    assert_type(request.state.tenant, str)
    return PlainTextResponse(request.state.tenant)


assert_type(Starlette(routes=[Route("/", whoami)]), Starlette[RequestState])
tenant_app: Starlette[RequestState] = Starlette(routes=[Route("/", whoami), Route("/health", health)])


# --- Lifespans: `Lifespan[App]` is upstream's union; `Lifespan[App, S]` spells one yielding `S`.


@contextlib.asynccontextmanager
async def maybe_state(app: Starlette) -> AsyncGenerator[Mapping[str, Any] | None, None]:
    yield None


yields_app_state: Lifespan[Starlette, AppState] = lifespan
either_kind: Lifespan[Starlette] = lifespan
no_state: Lifespan[Starlette] = stateless
as_upstream: StatelessLifespan[Starlette] | StatefulLifespan[Starlette] = either_kind
not_one_kind: Lifespan[Starlette] = maybe_state  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
wrong_state: Lifespan[Starlette, Another] = lifespan  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

# --- A mismatch anywhere in the route tree is an error.

Starlette(routes=[Route("/", other)], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[Route("/", Caches)], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[WebSocketRoute("/", other_chat)], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[WebSocketRoute("/", OtherEcho)], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[Mount("/m", routes=[Route("/", other)])], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Router(routes=[Route("/", other)], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# The lifespan yields `AppState`; an endpoint mounted two levels deep takes `Request[Another]`.
deep = Mount("/api", routes=[Mount("/v1", routes=[Route("/cache", other)])])
Starlette(routes=[deep], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=[Mount("/api", routes=[Mount("/v1", routes=[Route("/cache", other)])])], lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# mypy checks the items of a list written in the call against the state type erased (to `Any`),
# so a list mixing the two kinds, written in the call, is left to pyright and ty.
Starlette(routes=[Route("/", home), deep], lifespan=lifespan)  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# A route list mixing endpoints written for two different states.
mixed = [Route("/", home), Route("/other", other)]
Starlette(routes=mixed, lifespan=lifespan)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Starlette(routes=mixed)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # not for ty: without a lifespan, ty 1.2 solves the state type to the union of the two
home_routes = [Route("/", home)]
wrong_annotation: Starlette[Another] = Starlette(routes=home_routes)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
