"""The state-generic classes at runtime: the type parameter is for checkers only.

Subscripting works (users may write `Route[AppState](...)`), the parametrized app
serves exactly like the plain one, and the generic machinery stays off the
request path: nothing is added to the instances or to the routing internals.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any, TypedDict

import pytest

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


class AppState(TypedDict):
    greeting: str


@contextlib.asynccontextmanager
async def lifespan(app: Starlette[AppState]) -> AsyncGenerator[AppState, None]:
    yield {"greeting": "hello"}


async def home(request: Request[AppState]) -> Response:
    return PlainTextResponse(request.state["greeting"])


class Greeter(HTTPEndpoint[AppState]):
    async def get(self, request: Request[AppState]) -> Response:
        return PlainTextResponse(request.state["greeting"] + " from a class")


class Echo(WebSocketEndpoint[AppState]):
    async def on_connect(self, websocket: WebSocket[AppState]) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.state["greeting"])


@pytest.mark.parametrize(
    "generic", [Starlette, Router, Route, WebSocketRoute, Mount, Host, HTTPEndpoint, WebSocketEndpoint]
)
def test_subscripting_gives_back_the_class(generic: Any) -> None:
    alias = generic[AppState]
    assert alias.__origin__ is generic
    assert alias.__args__ == (AppState,)


def test_base_route_is_not_generic() -> None:
    # As upstream's: an unparametrized `BaseRoute` annotation keeps meaning every route.
    with pytest.raises(TypeError):
        BaseRoute[AppState]  # type: ignore[misc]  # ty: ignore[not-subscriptable]


def test_parametrized_app_serves_like_the_plain_one(test_client_factory: TestClientFactory) -> None:
    routes: list[BaseRoute] = [
        Route[AppState]("/", home),
        Route("/class", Greeter),
        WebSocketRoute("/ws", Echo),
        Mount("/api", routes=[Mount("/v1", routes=[Route("/", home)])]),
    ]
    app = Starlette[AppState](routes=routes, lifespan=lifespan)
    with test_client_factory(app) as client:
        assert client.get("/").text == "hello"
        assert client.get("/class").text == "hello from a class"
        assert client.get("/api/v1/").text == "hello"
        with client.websocket_connect("/ws") as session:
            assert session.receive_text() == "hello"


def test_routes_hold_no_state_type_attribute() -> None:
    # The type parameter exists for checkers only: no per-instance attribute, no class attribute.
    route = Route("/", home)
    assert not hasattr(route, "_route_state")
    assert "_route_state" not in vars(Route)
    assert Route.__mro__[1] is BaseRoute
