from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import (
    Middleware,
    MiddlewareFactory,
    _MiddlewareFactory,  # pyright: ignore[reportPrivateUsage]  # upstream tests import it
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory


class HeaderMiddleware:
    """Adds `x-layer: <name>` headers to HTTP responses."""

    def __init__(self, app: ASGIApp, name: str, *, upper: bool = False) -> None:
        self.app = app
        self.name = name.upper() if upper else name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-layer", self.name.encode())]
            await send(message)

        await self.app(scope, receive, send_with_header)


def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse("home")


def test_middleware_keeps_factory_and_arguments() -> None:
    middleware = Middleware(HeaderMiddleware, "outer", upper=True)
    assert middleware.cls is HeaderMiddleware
    assert middleware.args == ("outer",)
    assert middleware.kwargs == {"upper": True}


def test_middleware_unpacks_as_cls_args_kwargs() -> None:
    cls, args, kwargs = Middleware(HeaderMiddleware, "outer", upper=True)
    assert cls is HeaderMiddleware
    assert args == ("outer",)
    assert kwargs == {"upper": True}


def test_middleware_repr() -> None:
    assert (
        repr(Middleware(HeaderMiddleware, "outer", upper=True)) == "Middleware(HeaderMiddleware, 'outer', upper=True)"
    )
    assert repr(Middleware(HeaderMiddleware, name="x")) == "Middleware(HeaderMiddleware, name='x')"


def test_middleware_repr_of_a_factory_without_name() -> None:
    class Factory:
        def __call__(self, app: ASGIApp, /) -> ASGIApp:
            return app

    assert repr(Middleware(Factory())) == "Middleware()"


def test_private_factory_name_is_the_public_protocol() -> None:
    assert _MiddlewareFactory is MiddlewareFactory


def test_middleware_builds_the_stack_in_order(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/", homepage)],
        middleware=[Middleware(HeaderMiddleware, "first"), Middleware(HeaderMiddleware, name="second")],
    )
    response = test_client_factory(app).get("/")
    assert response.text == "home"
    # The first middleware is outermost, so it sees (and appends to) the response last.
    assert response.headers.get_list("x-layer") == ["second", "first"]


def test_middleware_accepts_any_callable_factory(test_client_factory: TestClientFactory) -> None:
    calls: list[Any] = []

    def factory(app: ASGIApp, label: str) -> ASGIApp:
        calls.append(label)
        return app

    app = Starlette(routes=[Route("/", homepage)], middleware=[Middleware(factory, label="built")])
    client = test_client_factory(app)
    assert client.get("/").text == "home"
    assert client.get("/").text == "home"
    assert calls == ["built"]  # the stack is built once
