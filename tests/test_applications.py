from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import pytest

import starlette.routing
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException, StarletteDeprecationWarning
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Host, Mount, NoMatchFound, Route, Router, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


def homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


async def user(request: Request) -> Response:
    return PlainTextResponse(f"Hello, {request.path_params['username']}!")


def broken(request: Request) -> Response:
    raise ValueError("the endpoint broke")


def forbidden(request: Request) -> Response:
    raise HTTPException(status_code=403, detail="Go away")


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("Hello, websocket!")
    await websocket.close()


class Trace:
    """Middleware recording, in `app.state.trace`, the order it sees requests and response statuses."""

    def __init__(self, app: ASGIApp, label: str) -> None:
        self.app = app
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace: list[str] = scope["app"].state.trace
        trace.append(f"{self.label} in")

        async def traced_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                trace.append(f"{self.label} {message['status']}")
            await send(message)

        try:
            await self.app(scope, receive, traced_send)
        except Exception as exc:
            trace.append(f"{self.label} saw {type(exc).__name__}")
            raise


def make_app(**kwargs: Any) -> Starlette:
    app = Starlette(
        routes=[
            Route("/", homepage, name="home"),
            Route("/user/{username}", user, name="user"),
            Route("/broken", broken),
            Route("/forbidden", forbidden),
            WebSocketRoute("/ws", websocket_endpoint),
        ],
        **kwargs,
    )
    app.state.trace = []
    return app


def test_routes_and_url_path_for(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/user/ann").text == "Hello, ann!"
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "Hello, websocket!"
    assert app.routes is app.router.routes
    assert [route.path for route in app.routes if isinstance(route, (Route, WebSocketRoute))][:2] == [
        "/",
        "/user/{username}",
    ]
    assert app.url_path_for("user", username="ann") == "/user/ann"
    with pytest.raises(NoMatchFound):
        app.url_path_for("nope")


def test_not_found_and_method_not_allowed_are_rendered(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    response = client.get("/missing")
    assert (response.status_code, response.text) == (404, "Not Found")
    response = client.post("/")
    assert (response.status_code, response.text) == (405, "Method Not Allowed")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}  # in the set's order, as upstream


def test_scope_app_is_set(test_client_factory: TestClientFactory) -> None:
    seen: list[Any] = []

    def endpoint(request: Request) -> Response:
        seen.append(request.app)
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", endpoint)])
    test_client_factory(app).get("/")
    assert seen == [app]


def test_mount_host_and_add_route(test_client_factory: TestClientFactory) -> None:
    class Items(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("items")

    app = Starlette()
    app.add_route("/", homepage, methods=["GET"], name="home", include_in_schema=False)
    # Upstream types `add_route` for request functions; an endpoint class works at run time.
    app.add_route("/items", Items)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    app.mount("/users", Router([Route("/{username}", user, name="detail")]), name="users")
    app.host("api.example.org", Router([Route("/", homepage, name="api_home")]), name="api")
    assert [type(route) for route in app.routes] == [Route, Route, Mount, Host]
    home = app.routes[0]
    assert isinstance(home, Route)
    assert not home.include_in_schema
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/items").text == "items"
    assert client.get("/users/bob").text == "Hello, bob!"
    assert app.url_path_for("users:detail", username="bob") == "/users/bob"
    assert app.url_path_for("api:api_home").host == "api.example.org"


def test_state() -> None:
    app = Starlette()
    assert isinstance(app.state, State)
    app.state.admin_email = "admin@example.org"
    assert app.state.admin_email == "admin@example.org"


def test_unhandled_error_gives_500(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/broken")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    with pytest.raises(ValueError, match="the endpoint broke"):
        test_client_factory(app).get("/broken")


def test_debug_property_rebuilds_the_stack(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    assert app.debug is False
    client = test_client_factory(app, raise_server_exceptions=False)
    assert client.get("/broken").text == "Internal Server Error"
    first_stack = app.middleware_stack
    assert first_stack is not None
    client.get("/")
    assert app.middleware_stack is first_stack  # built once
    app.debug = True
    assert app.debug is True
    assert app.middleware_stack is None
    response = client.get("/broken")
    assert response.status_code == 500
    assert "ValueError: the endpoint broke" in response.text
    assert Starlette(debug=True).debug is True


def test_exception_handlers(test_client_factory: TestClientFactory) -> None:
    async def server_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": type(exc).__name__}, status_code=500)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    def lookup_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"lookup: {exc}", status_code=409)

    def raises_key_error(request: Request) -> Response:
        raise KeyError("k")

    for key in (500, Exception):
        app = make_app(exception_handlers={key: server_error, 403: http_error})
        app.add_route("/key", raises_key_error)
        app.add_exception_handler(LookupError, lookup_error)
        client = test_client_factory(app, raise_server_exceptions=False)
        assert client.get("/broken").json() == {"error": "ValueError"}
        response = client.get("/forbidden")
        assert (response.status_code, response.json()) == (403, {"detail": "Go away"})
        response = client.get("/key")
        assert (response.status_code, response.text) == (409, "lookup: 'k'")
        assert set(app.exception_handlers) == {key, 403, LookupError}


def test_middleware_order(test_client_factory: TestClientFactory) -> None:
    app = make_app(middleware=[Middleware(Trace, "first"), Middleware(Trace, label="second")])
    app.add_middleware(Trace, "added")
    assert [m.kwargs.get("label", m.args[0] if m.args else None) for m in app.user_middleware] == [
        "added",
        "first",
        "second",
    ]
    client = test_client_factory(app, raise_server_exceptions=False)
    client.get("/forbidden")
    # HTTP errors are rendered by ExceptionMiddleware, inside the user middleware.
    assert app.state.trace == ["added in", "first in", "second in", "second 403", "first 403", "added 403"]
    app.state.trace.clear()
    client.get("/broken")
    # Unhandled errors go through the user middleware to ServerErrorMiddleware, outermost.
    assert app.state.trace == ["added in", "first in", "second in", "second saw ValueError"] + [
        "first saw ValueError",
        "added saw ValueError",
    ]


def test_add_middleware_after_start_is_refused(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    test_client_factory(app).get("/")
    with pytest.raises(RuntimeError, match="Cannot add middleware after an application has started"):
        app.add_middleware(Trace, "late")


def test_build_middleware_stack_layers() -> None:
    app = make_app(max_body_size=10, middleware=[Middleware(Trace, "user")])
    stack = app.build_middleware_stack()
    layers: list[str] = []
    layer: Any = stack
    while layer is not app.router:
        layers.append(type(layer).__name__)
        layer = layer.app
    assert layers == ["ServerErrorMiddleware", "RequestBodyLimitMiddleware", "Trace", "ExceptionMiddleware"]
    assert isinstance(stack, ServerErrorMiddleware)
    assert stack.debug is False


def test_max_body_size(test_client_factory: TestClientFactory) -> None:
    async def echo(request: Request) -> Response:
        return PlainTextResponse(str(len(await request.body())))

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"]), Route("/tiny", echo, methods=["POST"], max_body_size=2)],
        max_body_size=5,
    )
    assert app.max_body_size == 5
    client = test_client_factory(app)
    assert client.post("/", content=b"12345").text == "5"
    response = client.post("/", content=b"123456")
    assert (response.status_code, response.text) == (413, "Content Too Large")
    assert client.post("/tiny", content=b"12").text == "2"
    assert client.post("/tiny", content=b"123").status_code == 413
    assert Starlette().max_body_size is None


def test_lifespan_gets_the_app_and_sets_state(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[dict[str, Any], None]:
        events.append(f"startup {type(app).__name__}")
        yield {"answer": 42}
        events.append("shutdown")

    def answer(request: Request) -> Response:
        return PlainTextResponse(str(request.state.answer))

    app = Starlette(routes=[Route("/", answer)], lifespan=lifespan)
    with test_client_factory(app) as client:
        assert events == ["startup Starlette"]
        assert client.get("/").text == "42"
    assert events == ["startup Starlette", "shutdown"]


def test_generator_lifespan_is_deprecated_from_the_router_module(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def lifespan(app: Starlette) -> AsyncGenerator[None, None]:
        events.append("startup")
        yield
        events.append("shutdown")

    with pytest.warns(
        StarletteDeprecationWarning, match="^async generator function lifespans are deprecated"
    ) as record:
        app = Starlette(lifespan=lifespan)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    # Reported from `starlette.routing` (where a warnings filter for it applies), not from this test.
    assert record[0].filename == starlette.routing.__file__
    with test_client_factory(app):
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


class SubclassedApp(Starlette):
    """Built like FastAPI builds its app: without calling `Starlette.__init__`."""

    def __init__(self) -> None:
        self.debug = False
        self.state = State()
        self.router = Router([Route("/", homepage)])
        self.exception_handlers = {}
        self.user_middleware = []
        self.middleware_stack = None
        self.built = 0

    def build_middleware_stack(self) -> ASGIApp:
        self.built += 1
        return super().build_middleware_stack()


def test_subclass_without_starlette_init(test_client_factory: TestClientFactory) -> None:
    app = SubclassedApp()
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/missing").status_code == 404
    assert app.built == 1
    assert app.max_body_size is None


def test_the_default_stack_is_served_by_its_layers(test_client_factory: TestClientFactory) -> None:
    # The default stack is served without a coroutine per layer; what the layers hold still rules.
    app = make_app()
    client = test_client_factory(app, raise_server_exceptions=False)
    assert client.get("/").text == "Hello, world!"
    stack = app.middleware_stack
    assert isinstance(stack, ServerErrorMiddleware)

    def teapot(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled by the stack", status_code=418)

    stack.handler = teapot
    assert client.get("/broken").status_code == 418
    handling: Any = stack.app
    handling.add_exception_handler(403, teapot)
    assert client.get("/forbidden").text == "handled by the stack"


def test_a_router_subclass_is_called(test_client_factory: TestClientFactory) -> None:
    calls: list[str] = []

    class CountingRouter(Router):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            calls.append(scope["path"])
            await super().__call__(scope, receive, send)

    app = make_app()
    app.router = CountingRouter(app.routes)
    client = test_client_factory(app, raise_server_exceptions=False)
    assert client.get("/").text == "Hello, world!"
    assert (client.get("/broken").status_code, client.get("/forbidden").status_code) == (500, 403)
    assert calls == ["/", "/broken", "/forbidden"]


def test_a_replaced_stack_is_called(test_client_factory: TestClientFactory) -> None:
    app = make_app()

    async def replacement(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("replaced")(scope, receive, send)

    app.middleware_stack = replacement
    assert test_client_factory(app).get("/").text == "replaced"


def test_router_middleware_runs_inside_the_exception_handlers(test_client_factory: TestClientFactory) -> None:
    app = make_app()
    app.router = Router(app.routes, middleware=[Middleware(Trace, "router")])
    client = test_client_factory(app, raise_server_exceptions=False)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/forbidden").status_code == 403
    assert client.get("/broken").status_code == 500
    # Handled exceptions become responses at the route, inside the router's middleware.
    assert app.state.trace == ["router in", "router 200", "router in", "router 403", "router in"] + [
        "router saw ValueError"
    ]


@pytest.mark.parametrize("layer", [ServerErrorMiddleware, ExceptionMiddleware, Router])
def test_layers_patched_on_their_class_are_called(
    layer: type[Any], monkeypatch: pytest.MonkeyPatch, test_client_factory: TestClientFactory
) -> None:
    # Instrumentation libraries wrap these methods on the classes; the wrappers must run.
    calls: list[str] = []
    original = layer.__call__

    async def patched(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(type(self).__name__)
        await original(self, scope, receive, send)

    monkeypatch.setattr(layer, "__call__", patched)
    app = Starlette(routes=[Route("/", homepage), Mount("/sub", routes=[Route("/", homepage)])])
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world!"
    assert client.get("/sub/").text == "Hello, world!"
    # The application's router serves both requests, the mounted one the second.
    assert calls == (["Router"] * 3 if layer is Router else [layer.__name__] * 2)
