from __future__ import annotations

import contextlib
import copy
import functools
import random
import re
import threading
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import pytest

import starlette._path_match
import starlette.routing
from starlette._route_index import CACHE_SIZE
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.convertors import Convertor, register_url_convertor
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.exceptions import HTTPException, StarletteDeprecationWarning
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory

# --------------------------------------------------------------------------- helpers


def http_scope(
    path: str,
    method: str = "GET",
    *,
    host: str | None = "testserver",
    root_path: str = "",
    **extra: Any,
) -> Scope:
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": headers,
    }
    scope.update(extra)
    return scope


def websocket_scope(path: str, *, host: str = "testserver") -> Scope:
    return {
        "type": "websocket",
        "path": path,
        "root_path": "",
        "scheme": "ws",
        "server": ("testserver", 80),
        "query_string": b"",
        "headers": [(b"host", host.encode())],
    }


async def run_asgi(app: ASGIApp, scope: Scope, incoming: Sequence[Message] = ()) -> list[Message]:
    """Call `app` with `incoming` as the received messages; return what it sent."""
    pending = list(incoming) or [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def status_of(messages: list[Message]) -> int:
    status: int = messages[0]["status"]
    return status


def body_of(messages: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


class Recorder:
    """An ASGI app answering `200 <label>` and keeping the scopes it served."""

    def __init__(self, label: str = "ok") -> None:
        self.label = label
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        if scope["type"] == "http":
            await PlainTextResponse(self.label)(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1000, "reason": self.label})


def homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, world")


async def async_homepage(request: Request) -> Response:
    return PlainTextResponse("Hello, async world")


def users(request: Request) -> Response:
    return PlainTextResponse("All users")


def user(request: Request) -> Response:
    return PlainTextResponse(f"User {request.path_params['username']}")


def params_as_json(request: Request) -> Response:
    return JSONResponse({key: str(value) for key, value in request.path_params.items()})


async def ws_echo_path(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"path_params": websocket.path_params, "route": repr(websocket.scope["route"])})
    await websocket.close()


# --------------------------------------------------------------------------- small functions


def test_no_match_found_message() -> None:
    error = NoMatchFound("user", {"id": 1, "slug": "x"})
    assert str(error) == 'No route exists for name "user" and params "id, slug".'
    assert str(NoMatchFound("home", {})) == 'No route exists for name "home" and params "".'


def test_match_values() -> None:
    assert [m.value for m in Match] == [0, 1, 2]
    assert [m.name for m in Match] == ["NONE", "PARTIAL", "FULL"]


def test_compile_path_plain_and_parameters() -> None:
    regex, path_format, convertors = compile_path("/users/{user_id:int}/posts/{slug}")
    assert regex.pattern == "^/users/(?P<user_id>[0-9]+)/posts/(?P<slug>[^/]+)$"
    assert path_format == "/users/{user_id}/posts/{slug}"
    assert list(convertors) == ["user_id", "slug"]
    match = regex.match("/users/12/posts/hello")
    assert match is not None
    assert match.groupdict() == {"user_id": "12", "slug": "hello"}


def test_compile_path_escapes_literal_text() -> None:
    regex, path_format, convertors = compile_path("/files/a.b+c(d)")
    assert regex.match("/files/a.b+c(d)") is not None
    assert regex.match("/files/aXb+c(d)") is None
    assert path_format == "/files/a.b+c(d)"
    assert convertors == {}


def test_compile_path_unknown_convertor() -> None:
    with pytest.raises(AssertionError, match=re.escape("Unknown path convertor 'nope'")):
        compile_path("/items/{item:nope}")


def test_compile_path_duplicated_params() -> None:
    with pytest.raises(ValueError, match=re.escape("Duplicated param name id at path /{id}/{id}")):
        compile_path("/{id}/{id}")
    with pytest.raises(ValueError, match=re.escape("Duplicated param names a, b at path /{b}/{a}/{a}/{b}")):
        compile_path("/{b}/{a}/{a}/{b}")


def test_compile_host_ignores_port_and_case() -> None:
    regex, host_format, convertors = compile_path("{sub}.Example.org:8000")
    assert host_format == "{sub}.Example.org:8000"
    assert list(convertors) == ["sub"]
    match = regex.match("api.EXAMPLE.org")
    assert match is not None
    assert match.group("sub") == "api"
    assert regex.match("api.example.org:8000") is None  # the request side strips its port


def test_compile_host_ipv6_literal() -> None:
    regex, host_format, _ = compile_path("[::1]:8000")
    assert host_format == "[::1]:8000"
    assert regex.match("[::1]") is not None
    assert regex.match("[::2]") is None
    regex, _, _ = compile_path("[fe80::1]")
    assert regex.match("[FE80::1]") is not None


def test_replace_params_fills_and_consumes() -> None:
    convertors = compile_path("/{a:int}/{b}")[2]
    params: dict[str, Any] = {"a": 3, "b": "x", "extra": 1}
    path, remaining = replace_params("/{a}/{b}", convertors, params)
    assert path == "/3/x"
    assert remaining == {"extra": 1}
    assert remaining is params


def test_replace_params_is_one_pass_and_keeps_missing_placeholders() -> None:
    convertors = compile_path("/{category}/{id}")[2]
    assert replace_params("/{category}/{id}", convertors, {"category": "{id}", "id": "42"}) == ("/{id}/42", {})
    assert replace_params("/{category}/{id}", convertors, {"id": "7"}) == ("/{category}/7", {})
    assert replace_params("/{category}/{id}", convertors, {}) == ("/{category}/{id}", {})
    # A hand-written format may repeat a placeholder: both are filled.
    assert replace_params("/{id}/{id}", convertors, {"id": "1"}) == ("/1/1", {})
    host_convertors = compile_path("{sub}.example.org")[2]
    assert replace_params("{sub}.example.org", host_convertors, {"sub": "api"}) == ("api.example.org", {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/example.org/a", "/%2Fexample.org/a"),
        ("\\example.org/a", "/%5Cexample.org/a"),
        ("//x", "/%2F/x"),
        ("example.org/a", "/example.org/a"),
        ("", "/"),
    ],
)
def test_built_paths_never_look_like_another_host(value: str, expected: str) -> None:
    router = Router([Route("/{path:path}", homepage, name="catchall")])
    assert router.url_path_for("catchall", path=value) == expected


def test_literal_double_slash_route_path_is_escaped() -> None:
    assert Route("//evil.example", homepage, name="r").url_path_for("r") == "/%2Fevil.example"
    assert Mount("", routes=[Route("/{p:path}", homepage, name="r")]).url_path_for("r", p="/x") == "/%2Fx"


def test_get_name() -> None:
    class Endpoint:
        def method(self, request: Request) -> Response:
            raise NotImplementedError

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise NotImplementedError

    assert get_name(homepage) == "homepage"
    assert get_name(Endpoint) == "Endpoint"
    assert get_name(Endpoint()) == "Endpoint"
    assert get_name(Endpoint().method) == "method"
    assert get_name(functools.partial(homepage)) == "partial"


# --------------------------------------------------------------------------- Route


def test_route_with_sync_and_async_functions(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage), Route("/async", async_homepage)])
    client = test_client_factory(app)
    response = client.get("/")
    assert (response.status_code, response.text) == (200, "Hello, world")
    assert client.get("/async").text == "Hello, async world"
    assert client.head("/").status_code == 200


def test_sync_endpoint_runs_in_threadpool(test_client_factory: TestClientFactory) -> None:
    threads: dict[str, int] = {}

    def endpoint(request: Request) -> Response:
        threads["endpoint"] = threading.get_ident()
        return PlainTextResponse("sync")

    class LoopThread:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            threads["loop"] = threading.get_ident()
            await self.app(scope, receive, send)

    app = Router([Route("/", endpoint, middleware=[Middleware(LoopThread)])])
    assert test_client_factory(app).get("/").text == "sync"
    assert threads["endpoint"] != threads["loop"]


def test_route_with_partials_and_methods(test_client_factory: TestClientFactory) -> None:
    class Greeter:
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        async def greet(self, request: Request, name: str = "") -> Response:
            return PlainTextResponse(f"{self.greeting} {name}".strip())

    async def greet(request: Request, *, who: str) -> Response:
        return PlainTextResponse(f"hi {who}")

    greeter = Greeter("hello")
    app = Router(
        [
            Route("/partial", functools.partial(greet, who="partial")),
            Route("/nested", functools.partial(functools.partial(greeter.greet, name="x"))),
            Route("/method", greeter.greet),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/partial").text == "hi partial"
    assert client.get("/nested").text == "hello x"
    assert client.get("/method").text == "hello"
    partial_route, _, route = app.routes
    assert isinstance(partial_route, Route)
    assert partial_route.name == "partial"
    assert isinstance(route, Route)
    assert route.name == "greet"
    assert route.methods == {"GET", "HEAD"}


def test_route_with_http_endpoint_class(test_client_factory: TestClientFactory) -> None:
    class Items(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("get")

        async def post(self, request: Request) -> Response:
            return PlainTextResponse("post")

    route = Route("/items", Items)
    assert route.methods is None
    assert route.name == "Items"
    client = test_client_factory(Router([route]))
    assert client.get("/items").text == "get"
    assert client.post("/items").text == "post"
    response = client.put("/items")
    assert response.status_code == 405


def test_route_with_asgi_app_instance(test_client_factory: TestClientFactory) -> None:
    recorder = Recorder("asgi")
    route = Route("/asgi", recorder, methods=["post"])
    assert route.name == "Recorder"
    assert route.methods == {"POST"}
    client = test_client_factory(Router([route]))
    assert client.post("/asgi").text == "asgi"
    assert recorder.scopes[0]["endpoint"] is recorder
    response = client.get("/asgi")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "POST"


def test_route_methods_normalised_and_head_added() -> None:
    route = Route("/", homepage, methods=["get", "Post"])
    assert route.methods == {"GET", "HEAD", "POST"}
    assert Route("/", homepage, methods=["PUT"]).methods == {"PUT"}
    assert Route("/", homepage).methods == {"GET", "HEAD"}


def test_route_method_not_allowed_outside_app(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/", homepage, methods=["GET", "POST"])])
    response = test_client_factory(app).delete("/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_route_method_not_allowed_inside_app_goes_to_handlers(test_client_factory: TestClientFactory) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app = Starlette(routes=[Route("/", homepage)], exception_handlers={405: handler})
    response = test_client_factory(app).post("/")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}


def test_route_path_must_start_with_slash() -> None:
    with pytest.raises(AssertionError, match="Routed paths must start with '/'"):
        Route("users", homepage)
    with pytest.raises(AssertionError, match="Routed paths must start with '/'"):
        WebSocketRoute("ws", ws_echo_path)
    with pytest.raises(AssertionError, match="Routed paths must start with '/'"):
        Mount("static", app=Recorder())


def test_route_path_params_and_convertors(test_client_factory: TestClientFactory) -> None:
    app = Router(
        [
            Route("/int/{value:int}", params_as_json, name="int"),
            Route("/float/{value:float}", params_as_json, name="float"),
            Route("/uuid/{value:uuid}", params_as_json, name="uuid"),
            Route("/path/{value:path}", params_as_json, name="path"),
            Route("/str/{value}", params_as_json, name="str"),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/int/42").json() == {"value": "42"}
    assert client.get("/int/x").status_code == 404
    assert client.get("/float/2.5").json() == {"value": "2.5"}
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert client.get(f"/uuid/{ident}").json() == {"value": str(ident)}
    assert client.get("/path/a/b/c.txt").json() == {"value": "a/b/c.txt"}
    assert client.get("/str/hello").json() == {"value": "hello"}
    assert app.url_path_for("int", value=5) == "/int/5"
    assert app.url_path_for("float", value=0.5) == "/float/0.5"
    assert app.url_path_for("uuid", value=ident) == f"/uuid/{ident}"
    assert app.url_path_for("path", value="a/b") == "/path/a/b"


def test_route_url_path_for() -> None:
    route = Route("/users/{username}", user, name="user")
    url = route.url_path_for("user", username="tom")
    assert url == "/users/tom"
    assert url.protocol == "http"
    with pytest.raises(NoMatchFound, match='No route exists for name "other" and params "username".'):
        route.url_path_for("other", username="tom")
    with pytest.raises(NoMatchFound):
        route.url_path_for("user")
    with pytest.raises(NoMatchFound):
        route.url_path_for("user", username="tom", extra="1")


@pytest.mark.parametrize(
    ("prefix", "name", "params", "unused"),
    [
        ("/m", "m:x", {}, ""),
        ("/m", "m:x", {"q": 1}, "q"),
        ("/m", "m:x", {"path": "/zz", "q": 1}, "q, path"),
        ("/m/{p}", "m:x", {"p": 1, "z": 1}, "z"),
        ("/m/{p}", "m:x", {"path": "/zz"}, "path"),
        ("/m", "m", {"path": "/a", "q": 1}, "q"),
        ("/m/{p}", "m", {"path": "/zz", "p": 1, "w": 2}, "w"),
    ],
)
def test_mount_url_path_for_names_the_parameters_left_over(
    prefix: str, name: str, params: dict[str, Any], unused: str
) -> None:
    # As upstream's: the parameters the mount's prefix did not take (and never its own `path` placeholder).
    mount = Mount(prefix, name="m", routes=[Route("/x/{p2}", homepage, name="x")])
    with pytest.raises(NoMatchFound) as info:
        mount.url_path_for(name, **params)
    assert str(info.value) == f'No route exists for name "{name}" and params "{unused}".'


def test_route_middleware_wraps_only_that_route(test_client_factory: TestClientFactory) -> None:
    class Tag:
        def __init__(self, app: ASGIApp, tag: str) -> None:
            self.app = app
            self.tag = tag

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("tags", []).append(self.tag)
            await self.app(scope, receive, send)

    def show_tags(request: Request) -> Response:
        return PlainTextResponse(",".join(request.scope.get("tags", [])))

    app = Router(
        [
            Route("/tagged", show_tags, middleware=[Middleware(Tag, "outer"), Middleware(Tag, tag="inner")]),
            Route("/plain", show_tags),
            WebSocketRoute("/ws", ws_echo_path, middleware=[Middleware(Tag, "ws")]),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/tagged").text == "outer,inner"
    assert client.get("/plain").text == ""
    with client.websocket_connect("/ws") as session:
        assert session.receive_json()["path_params"] == {}


def test_route_max_body_size(test_client_factory: TestClientFactory) -> None:
    async def echo(request: Request) -> Response:
        return PlainTextResponse(f"{len(await request.body())} bytes")

    app = Router([Route("/small", echo, methods=["POST"], max_body_size=4), Route("/big", echo, methods=["POST"])])
    client = test_client_factory(app)
    assert client.post("/small", content=b"1234").text == "4 bytes"
    response = client.post("/small", content=b"12345")
    assert response.status_code == 413
    assert response.text == "Content Too Large"
    assert client.post("/big", content=b"12345").text == "5 bytes"


def test_route_eq_and_repr() -> None:
    assert Route("/", homepage) == Route("/", homepage)
    assert Route("/", homepage) != Route("/", homepage, methods=["POST"])
    assert Route("/", homepage) != Route("/other", homepage)
    assert Route("/", homepage) != Route("/", users)
    assert Route("/", homepage) != "/"
    assert repr(Route("/", homepage)) == "Route(path='/', name='homepage', methods=['GET', 'HEAD'])"
    assert repr(Route("/a", Recorder(), name="rec")) == "Route(path='/a', name='rec', methods=[])"


def test_route_does_not_match_other_scope_types() -> None:
    route = Route("/", homepage)
    assert route.matches(websocket_scope("/")) == (Match.NONE, {})
    assert route.matches({"type": "lifespan"}) == (Match.NONE, {})
    assert route.matches(http_scope("/nope")) == (Match.NONE, {})


def test_route_matches_merges_outer_path_params() -> None:
    route = Route("/{b}", homepage)
    match, child_scope = route.matches(http_scope("/2", path_params={"a": "1"}))
    assert match is Match.FULL
    assert child_scope == {"endpoint": homepage, "path_params": {"a": "1", "b": "2"}}
    match, child_scope = route.matches(http_scope("/2", method="POST"))
    assert match is Match.PARTIAL
    assert child_scope["path_params"] == {"b": "2"}


# --------------------------------------------------------------------------- WebSocketRoute


def test_websocket_route_function_and_class(test_client_factory: TestClientFactory) -> None:
    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"echo {data}")

    app = Router([WebSocketRoute("/ws/{room:int}", ws_echo_path, name="room"), WebSocketRoute("/echo", Echo)])
    client = test_client_factory(app)
    with client.websocket_connect("/ws/7") as session:
        data = session.receive_json()
    assert data == {"path_params": {"room": 7}, "route": "WebSocketRoute(path='/ws/{room:int}', name='room')"}
    with client.websocket_connect("/echo") as session:
        session.send_text("x")
        assert session.receive_text() == "echo x"


def test_websocket_route_partial_endpoint(test_client_factory: TestClientFactory) -> None:
    async def greet(websocket: WebSocket, greeting: str) -> None:
        await websocket.accept()
        await websocket.send_text(greeting)
        await websocket.close()

    route = WebSocketRoute("/", functools.partial(greet, greeting="hey"))
    assert route.name == "partial"
    with test_client_factory(Router([route])).websocket_connect("/") as session:
        assert session.receive_text() == "hey"


def test_websocket_route_exceptions_go_to_handlers(test_client_factory: TestClientFactory) -> None:
    async def broken(websocket: WebSocket) -> None:
        await websocket.accept()
        raise KeyError("boom")

    async def on_key_error(websocket: WebSocket, exc: Exception) -> None:
        await websocket.close(code=4000, reason=repr(exc))

    app = Starlette(routes=[WebSocketRoute("/", broken)], exception_handlers={KeyError: on_key_error})
    with test_client_factory(app).websocket_connect("/") as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert (info.value.code, info.value.reason) == (4000, "KeyError('boom')")


def test_websocket_route_url_path_for_eq_repr() -> None:
    route = WebSocketRoute("/ws/{room}", ws_echo_path, name="room")
    url = route.url_path_for("room", room="a")
    assert (url, url.protocol) == ("/ws/a", "websocket")
    with pytest.raises(NoMatchFound):
        route.url_path_for("room")
    with pytest.raises(NoMatchFound):
        route.url_path_for("other", room="a")
    assert route == WebSocketRoute("/ws/{room}", ws_echo_path)
    assert route != WebSocketRoute("/ws/{other}", ws_echo_path)
    assert route != Route("/ws/{room}", homepage)
    assert repr(route) == "WebSocketRoute(path='/ws/{room}', name='room')"
    assert repr(WebSocketRoute("/ws", ws_echo_path)) == "WebSocketRoute(path='/ws', name='ws_echo_path')"


def test_websocket_route_does_not_match_http() -> None:
    route = WebSocketRoute("/", ws_echo_path)
    assert route.matches(http_scope("/")) == (Match.NONE, {})
    assert route.matches(websocket_scope("/nope")) == (Match.NONE, {})


# --------------------------------------------------------------------------- Mount


def test_mount_routes_and_scope(test_client_factory: TestClientFactory) -> None:
    def where(request: Request) -> Response:
        scope = request.scope
        return JSONResponse(
            {
                "path": scope["path"],
                "root_path": scope["root_path"],
                "app_root_path": scope["app_root_path"],
                "path_params": {k: str(v) for k, v in scope["path_params"].items()},
                "url_for": str(request.url_for("org:team:member", org="acme", team=3, name="bob")),
            }
        )

    app = Router(
        [
            Mount(
                "/orgs/{org}",
                name="org",
                routes=[
                    Mount("/teams/{team:int}", name="team", routes=[Route("/members/{name}", where, name="member")])
                ],
            )
        ]
    )
    client = test_client_factory(app, root_path="/api")
    response = client.get("/api/orgs/acme/teams/3/members/bob")
    assert response.json() == {
        "path": "/api/orgs/acme/teams/3/members/bob",
        "root_path": "/api/orgs/acme/teams/3",
        "app_root_path": "/api",
        "path_params": {"org": "acme", "team": "3", "name": "bob"},
        "url_for": "http://testserver/api/orgs/acme/teams/3/members/bob",
    }


def test_mount_app_sees_prefix_in_root_path(test_client_factory: TestClientFactory) -> None:
    recorder = Recorder("static")
    app = Router([Mount("/static/", app=recorder, name="static")])
    client = test_client_factory(app)
    assert client.get("/static/css/site.css").text == "static"
    scope = recorder.scopes[0]
    assert (scope["path"], scope["root_path"], scope["app_root_path"]) == ("/static/css/site.css", "/static", "")
    assert scope["endpoint"] is recorder
    assert client.get("/static/").text == "static"
    assert recorder.scopes[1]["root_path"] == "/static"
    # "/static" has no trailing slash: only the redirect to "/static/" matches.
    response = client.get("/static", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/static/"


def test_mount_with_empty_path(test_client_factory: TestClientFactory) -> None:
    recorder = Recorder("root")
    app = Router([Mount("", app=recorder)])
    assert test_client_factory(app).get("/anything").text == "root"
    assert recorder.scopes[0]["root_path"] == ""


def test_mount_requires_app_or_routes() -> None:
    with pytest.raises(AssertionError, match=re.escape("Either 'app=...', or 'routes=' must be specified")):
        Mount("/x")


def test_mount_routes_property() -> None:
    inner = [Route("/", homepage)]
    assert Mount("/a", routes=inner).routes == inner
    assert Mount("/a", app=Router(inner)).routes == inner
    assert Mount("/a", app=Recorder()).routes == []


def test_mount_url_path_for() -> None:
    mount = Mount(
        "/users/{group}",
        name="users",
        routes=[Route("/", users, name="list"), Route("/{username}", user, name="detail")],
    )
    assert mount.url_path_for("users:list", group="g") == "/users/g/"
    assert mount.url_path_for("users:detail", group="g", username="tom") == "/users/g/tom"
    assert mount.url_path_for("users", group="g", path="/x/y") == "/users/g/x/y"
    # A prefix parameter without a value stays a placeholder, as upstream.
    assert mount.url_path_for("users", path="/x") == "/users/{group}/x"
    assert mount.url_path_for("users:list") == "/users/{group}/"
    with pytest.raises(NoMatchFound):
        mount.url_path_for("users", group="g", path="/x", extra="1")
    with pytest.raises(NoMatchFound):
        mount.url_path_for("users:nope", group="g")
    with pytest.raises(NoMatchFound):
        mount.url_path_for("other:list", group="g")

    unnamed = Mount("/static", app=Router([Mount("/files", app=Recorder(), name="files")]))
    url = unnamed.url_path_for("files", path="/a.txt")
    assert (url, url.protocol) == ("/static/files/a.txt", "")
    ws_mount = Mount("/live", routes=[WebSocketRoute("/feed", ws_echo_path, name="feed")])
    url = ws_mount.url_path_for("feed")
    assert (url, url.protocol) == ("/live/feed", "websocket")


def test_mount_middleware_and_body_limit(test_client_factory: TestClientFactory) -> None:
    class Deny:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["path"].endswith("/secret"):
                await PlainTextResponse("denied", status_code=403)(scope, receive, send)
            else:
                await self.app(scope, receive, send)

    async def echo(request: Request) -> Response:
        return PlainTextResponse(str(len(await request.body())))

    app = Router(
        [
            Mount(
                "/area",
                routes=[Route("/open", echo, methods=["POST"]), Route("/secret", echo, methods=["POST"])],
                middleware=[Middleware(Deny)],
                max_body_size=3,
            )
        ]
    )
    client = test_client_factory(app)
    assert client.post("/area/open", content=b"abc").text == "3"
    assert client.post("/area/open", content=b"abcd").status_code == 413
    assert client.post("/area/secret", content=b"a").text == "denied"


def test_mount_eq_and_repr() -> None:
    recorder = Recorder()
    assert Mount("/a", app=recorder) == Mount("/a/", app=recorder)
    assert Mount("/a", app=recorder) != Mount("/b", app=recorder)
    assert Mount("/a", app=recorder) != Recorder()
    router = Router([])
    assert repr(Mount("/a", app=router, name="a")) == f"Mount(path='/a', name='a', app={router!r})"
    assert repr(Mount("/a", app=router)) == f"Mount(path='/a', name='', app={router!r})"


def test_mount_does_not_match_lifespan() -> None:
    assert Mount("/a", app=Recorder()).matches({"type": "lifespan"}) == (Match.NONE, {})


# --------------------------------------------------------------------------- Host


def test_host_routing(test_client_factory: TestClientFactory) -> None:
    api = Recorder("api")
    tenant = Recorder("tenant")
    app = Router(
        [
            Host("api.example.org", api, name="api"),
            Host("{tenant}.example.org", tenant, name="tenant"),
            Route("/", homepage),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/", headers={"host": "api.example.org"}).text == "api"
    assert client.get("/", headers={"host": "API.Example.ORG:8443"}).text == "api"
    assert client.get("/", headers={"host": "Acme.example.org"}).text == "tenant"
    assert tenant.scopes[0]["path_params"] == {"tenant": "acme"}
    assert tenant.scopes[0]["endpoint"] is tenant
    assert client.get("/", headers={"host": "example.com"}).text == "Hello, world"


@pytest.mark.parametrize(
    "header",
    ["api.example.org/evil", "api.example.org:80:80", "api example.org", "user@api.example.org", "[::1"],
)
@pytest.mark.anyio
async def test_host_malformed_header_matches_nothing(header: str) -> None:
    app = Router([Host("{name}.example.org", Recorder("host")), Host("[::1]", Recorder("v6"))])
    sent = await run_asgi(app, http_scope("/", host=header))
    assert status_of(sent) == 404
    assert body_of(sent) == b"Not Found"


@pytest.mark.anyio
async def test_host_ipv6_and_missing_header() -> None:
    app = Router([Host("[::1]:8000", Recorder("v6")), Host("", Recorder("no host"))])
    assert body_of(await run_asgi(app, http_scope("/", host="[::1]:9999"))) == b"v6"
    assert body_of(await run_asgi(app, http_scope("/", host=None))) == b"no host"
    assert body_of(await run_asgi(app, http_scope("/", host=""))) == b"no host"


def test_host_websocket(test_client_factory: TestClientFactory) -> None:
    app = Router([Host("chat.example.org", Router([WebSocketRoute("/", ws_echo_path)]))])
    client = test_client_factory(app, base_url="http://chat.example.org")
    with client.websocket_connect("/", headers={"host": "chat.example.org"}) as session:
        assert session.receive_json()["path_params"] == {}


def test_host_url_path_for() -> None:
    host = Host(
        "{sub}.example.org:8000",
        Router([Mount("/users", name="users", routes=[Route("/{username}", user, name="detail")])]),
        name="site",
    )
    url = host.url_path_for("site:users:detail", sub="www", username="tom")
    assert (url, url.host, url.protocol) == ("/users/tom", "www.example.org:8000", "http")
    url = host.url_path_for("site", sub="www", path="/raw")
    assert (url, url.host) == ("/raw", "www.example.org:8000")
    # A host parameter without a value stays a placeholder, as upstream.
    url = host.url_path_for("site", path="/raw")
    assert (url, url.host) == ("/raw", "{sub}.example.org:8000")
    url = host.url_path_for("site:users:detail", username="tom")
    assert (url, url.host) == ("/users/tom", "{sub}.example.org:8000")
    with pytest.raises(NoMatchFound):
        host.url_path_for("site", sub="www", other="x", path="/raw")
    with pytest.raises(NoMatchFound):
        host.url_path_for("site:nope", sub="www")
    with pytest.raises(NoMatchFound):
        host.url_path_for("other", sub="www")
    unnamed = Host("example.org", Router([Route("/", homepage, name="home")]))
    url = unnamed.url_path_for("home")
    assert (url, url.host) == ("/", "example.org")


def test_host_routes_eq_repr() -> None:
    inner = Router([Route("/", homepage)])
    assert Host("a.org", inner).routes == inner.routes
    assert Host("a.org", Recorder()).routes == []
    assert Host("a.org", inner) == Host("a.org", inner)
    assert Host("a.org", inner) != Host("b.org", inner)
    assert Host("a.org", inner) != inner
    assert repr(Host("a.org", inner, name="a")) == f"Host(host='a.org', name='a', app={inner!r})"
    assert repr(Host("a.org", inner)) == f"Host(host='a.org', name='', app={inner!r})"
    with pytest.raises(AssertionError, match="Host must not start with '/'"):
        Host("/a.org", inner)
    assert Host("a.org", inner).matches({"type": "lifespan"}) == (Match.NONE, {})


# --------------------------------------------------------------------------- BaseRoute


@pytest.mark.anyio
async def test_base_route_is_abstract() -> None:
    route = BaseRoute()
    with pytest.raises(NotImplementedError):
        route.matches(http_scope("/"))
    with pytest.raises(NotImplementedError):
        route.url_path_for("x")
    with pytest.raises(NotImplementedError):
        await route.handle(http_scope("/"), _never_receive, _never_send)


async def _never_receive() -> Message:
    raise AssertionError("unexpected receive")


async def _never_send(message: Message) -> None:
    raise AssertionError("unexpected send")


@pytest.mark.anyio
async def test_route_used_as_an_app() -> None:
    route = Route("/hello/{name}", user_greeting)
    sent = await run_asgi(route, http_scope("/hello/ann"))
    assert (status_of(sent), body_of(sent)) == (200, b"hello ann")
    sent = await run_asgi(route, http_scope("/other"))
    assert (status_of(sent), body_of(sent)) == (404, b"Not Found")
    sent = await run_asgi(route, http_scope("/hello/ann", method="POST"))
    assert status_of(sent) == 405
    sent = await run_asgi(WebSocketRoute("/ws", ws_echo_path), websocket_scope("/other"))
    assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
    assert await run_asgi(route, {"type": "lifespan"}) == []


def user_greeting(request: Request) -> Response:
    return PlainTextResponse(f"hello {request.path_params['name']}")


# --------------------------------------------------------------------------- Router


def test_router_not_found_plain(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Router([Route("/", homepage)]))
    response = client.get("/missing")
    assert (response.status_code, response.text) == (404, "Not Found")
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/missing"):
        pass  # pragma: no cover
    assert info.value.code == 1000


def test_router_not_found_in_app_uses_handlers(test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=[Route("/", homepage)])
    response = test_client_factory(app).get("/missing")
    assert (response.status_code, response.text) == (404, "Not Found")

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": "nothing here"}, status_code=404)

    app = Starlette(routes=[Route("/", homepage)], exception_handlers={404: not_found})
    response = test_client_factory(app).get("/missing")
    assert (response.status_code, response.json()) == (404, {"detail": "nothing here"})


@pytest.mark.anyio
async def test_router_rejects_unknown_scope_type() -> None:
    with pytest.raises(AssertionError, match="Unsupported scope type 'webtransport'"):
        await Router([])({"type": "webtransport"}, _never_receive, _never_send)


@pytest.mark.anyio
async def test_router_sets_router_route_and_keeps_outer_router() -> None:
    recorder = Recorder()
    inner = Router([Route("/b", recorder)])
    outer = Router([Mount("/a", app=inner)])
    await run_asgi(outer, http_scope("/a/b"))
    scope = recorder.scopes[0]
    assert scope["router"] is outer
    assert scope["route"] is inner.routes[0]
    assert scope["endpoint"] is recorder


@pytest.mark.anyio
async def test_router_first_full_match_wins_and_first_partial_used() -> None:
    first, second = Recorder("first"), Recorder("second")
    posted = Recorder("posted")
    app = Router(
        [
            Route("/users/me", first, methods=["GET"]),
            Route("/users/{name}", second, methods=["GET"]),
            Route("/items/{id}", posted, methods=["POST"]),
            Route("/items/{id}", Recorder("put"), methods=["PUT"]),
            Route("/items/{id}", Recorder("get"), methods=["GET"]),
        ]
    )
    assert body_of(await run_asgi(app, http_scope("/users/me"))) == b"first"
    assert body_of(await run_asgi(app, http_scope("/users/bob"))) == b"second"
    assert body_of(await run_asgi(app, http_scope("/items/1"))) == b"get"
    scope = http_scope("/items/1", method="DELETE")
    sent = await run_asgi(app, scope)
    assert status_of(sent) == 405
    assert dict(sent[0]["headers"])[b"allow"] == b"POST"
    assert scope["route"] is app.routes[2]
    assert scope["path_params"] == {"id": "1"}


@pytest.mark.anyio
async def test_router_redirect_slashes() -> None:
    app = Router([Route("/with/", Recorder("with")), Route("/without", Recorder("without")), Route("/", homepage)])
    sent = await run_asgi(app, http_scope("/with"))
    assert status_of(sent) == 307
    assert dict(sent[0]["headers"])[b"location"] == b"http://testserver/with/"
    sent = await run_asgi(app, http_scope("/without/"))
    assert dict(sent[0]["headers"])[b"location"] == b"http://testserver/without"
    sent = await run_asgi(app, http_scope("/without///"))
    assert dict(sent[0]["headers"])[b"location"] == b"http://testserver/without"
    assert status_of(await run_asgi(app, http_scope("/nothing/"))) == 404
    sent = await run_asgi(app, websocket_scope("/with"))
    assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
    no_redirect = Router([Route("/with/", Recorder("with"))], redirect_slashes=False)
    assert status_of(await run_asgi(no_redirect, http_scope("/with"))) == 404


@pytest.mark.anyio
async def test_router_redirect_slashes_keeps_root_path_and_query() -> None:
    app = Router([Route("/page/", Recorder("page"))])
    scope = http_scope("/api/page", root_path="/api")
    scope["query_string"] = b"a=1"
    sent = await run_asgi(app, scope)
    assert dict(sent[0]["headers"])[b"location"] == b"http://testserver/api/page/?a=1"
    # The path equal to root_path is routed as "" and redirected to the root route.
    app = Router([Route("/", homepage)])
    sent = await run_asgi(app, http_scope("/api", root_path="/api"))
    assert dict(sent[0]["headers"])[b"location"] == b"http://testserver/api/"


@pytest.mark.anyio
async def test_router_redirects_to_partial_match_too() -> None:
    app = Router([Route("/form/", Recorder(), methods=["POST"])])
    sent = await run_asgi(app, http_scope("/form"))
    assert status_of(sent) == 307


@pytest.mark.anyio
async def test_router_default_app() -> None:
    fallback = Recorder("fallback")
    app = Router([Route("/", homepage)], default=fallback)
    assert body_of(await run_asgi(app, http_scope("/missing"))) == b"fallback"
    assert app.default is fallback


def test_router_url_path_for() -> None:
    app = Router([Route("/", homepage, name="home"), Route("/users/{username}", user, name="user")])
    assert app.url_path_for("home") == "/"
    assert app.url_path_for("user", username="ann") == "/users/ann"
    with pytest.raises(NoMatchFound, match='No route exists for name "user" and params "".'):
        app.url_path_for("user")


def test_router_add_methods(test_client_factory: TestClientFactory) -> None:
    app = Router()
    app.add_route("/", homepage, methods=["GET"], name="home", include_in_schema=False)
    app.add_websocket_route("/ws", ws_echo_path, name="ws")
    app.mount("/static", Recorder("static"), name="static")
    app.host("api.example.org", Recorder("api"), name="api")
    assert [type(route).__name__ for route in app.routes] == ["Route", "WebSocketRoute", "Mount", "Host"]
    route = app.routes[0]
    assert isinstance(route, Route)
    assert (route.name, route.include_in_schema) == ("home", False)
    client = test_client_factory(app)
    assert client.get("/").text == "Hello, world"
    assert client.get("/static/x").text == "static"
    assert client.get("/other", headers={"host": "api.example.org"}).text == "api"
    assert app.url_path_for("ws") == "/ws"


def test_router_eq() -> None:
    assert Router([Route("/", homepage)]) == Router([Route("/", homepage)])
    assert Router([Route("/", homepage)]) != Router([])
    assert Router([]) != []


def test_router_middleware_and_body_limit(test_client_factory: TestClientFactory) -> None:
    class Stamp:
        def __init__(self, app: ASGIApp, value: str) -> None:
            self.app = app
            self.value = value

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                scope["stamp"] = self.value
            await self.app(scope, receive, send)

    async def show(request: Request) -> Response:
        body = await request.body()
        return PlainTextResponse(f"{request.scope['stamp']} {len(body)}")

    app = Router([Route("/", show, methods=["POST"])], middleware=[Middleware(Stamp, "stamped")], max_body_size=2)
    client = test_client_factory(app)
    assert client.post("/", content=b"ab").text == "stamped 2"
    assert client.post("/", content=b"abc").status_code == 413


# --------------------------------------------------------------------------- request_response / websocket_session


@pytest.mark.anyio
async def test_request_response_and_websocket_session_as_plain_apps() -> None:
    app = request_response(homepage)
    sent = await run_asgi(app, http_scope("/"))
    assert body_of(sent) == b"Hello, world"

    async def session(websocket: WebSocket) -> None:
        await websocket.close(code=4001)

    sent = await run_asgi(websocket_session(session), websocket_scope("/"), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 4001, "reason": ""}]


@pytest.mark.anyio
async def test_request_response_unhandled_exception_propagates() -> None:
    def broken(request: Request) -> Response:
        raise ValueError("broken endpoint")

    with pytest.raises(ValueError, match="broken endpoint"):
        await run_asgi(request_response(broken), http_scope("/"))


class RaisingResponse(Response):
    """A response failing while it is sent: before its start message, or after it."""

    def __init__(self, error: Exception, *, after_start: bool) -> None:
        super().__init__(b"partial", status_code=200)
        self.error = error
        self.after_start = after_start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.after_start:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        raise self.error


def teapot_app(endpoint: Callable[[Request], Any]) -> Starlette:
    async def on_lookup_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"handled {exc!r}", status_code=418)

    return Starlette(routes=[Route("/", endpoint)], exception_handlers={LookupError: on_lookup_error})


def test_request_response_handles_endpoint_errors(test_client_factory: TestClientFactory) -> None:
    shared = KeyError("shared")

    async def endpoint(request: Request) -> Response:
        raise shared

    response = test_client_factory(teapot_app(endpoint)).get("/")
    assert (response.status_code, response.text) == (418, "handled KeyError('shared')")
    # A handled exception keeps no traceback (no frames kept alive by a reused exception).
    assert shared.__traceback__ is None


def test_request_response_handles_errors_before_the_response_starts(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return RaisingResponse(IndexError("early"), after_start=False)

    response = test_client_factory(teapot_app(endpoint)).get("/")
    assert (response.status_code, response.text) == (418, "handled IndexError('early')")


def test_request_response_refuses_to_handle_errors_after_the_response_started(
    test_client_factory: TestClientFactory,
) -> None:
    async def late(request: Request) -> Response:
        return RaisingResponse(IndexError("late"), after_start=True)

    async def unhandled(request: Request) -> Response:
        return RaisingResponse(ValueError("not registered"), after_start=True)

    app = teapot_app(late)
    app.add_route("/unhandled", unhandled)
    client = test_client_factory(app)
    with pytest.raises(RuntimeError, match=re.escape("Caught handled exception, but response already started.")):
        client.get("/")
    with pytest.raises(ValueError, match="not registered"):
        client.get("/unhandled")


@pytest.mark.anyio
async def test_request_response_handler_without_response() -> None:
    async def endpoint(request: Request) -> Response:
        raise KeyError("quiet")

    handled: list[Exception] = []

    async def silent(request: Request, exc: Exception) -> None:
        handled.append(exc)

    scope = http_scope("/")
    scope["starlette.exception_handlers"] = ({KeyError: silent}, {})
    assert await run_asgi(request_response(endpoint), scope) == []
    assert [repr(exc) for exc in handled] == ["KeyError('quiet')"]


def test_request_response_uses_the_handlers_registered_when_the_request_came_in(
    test_client_factory: TestClientFactory,
) -> None:
    # An application served from the endpoint, with the same scope, puts its own handlers in it.
    inner = Starlette(routes=[Route("/", PlainTextResponse("inner"))])

    async def endpoint(request: Request) -> Response:
        async def swallow(message: Message) -> None:
            pass

        await inner(request.scope, request.receive, swallow)
        raise KeyError("after the inner app")

    response = test_client_factory(teapot_app(endpoint)).get("/")
    assert (response.status_code, response.text) == (418, "handled KeyError('after the inner app')")


@pytest.mark.anyio
async def test_request_response_sends_simple_responses_and_their_background_task() -> None:
    ran: list[str] = []

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("done", background=BackgroundTask(ran.append, "background"))

    sent = await run_asgi(request_response(endpoint), http_scope("/"))
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"done")
    assert ran == ["background"]


def test_request_response_simple_response_failing_once_started(test_client_factory: TestClientFactory) -> None:
    def fail() -> None:
        raise LookupError("in the background task")

    async def endpoint(request: Request) -> Response:
        return JSONResponse({"sent": True}, background=BackgroundTask(fail))

    with pytest.raises(RuntimeError, match=re.escape("Caught handled exception, but response already started.")):
        test_client_factory(teapot_app(endpoint)).get("/")


def test_request_response_calls_a_patched_response_call(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def patched(self: Response, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b"patched " + bytes(self.body)})

    monkeypatch.setattr(PlainTextResponse, "__call__", patched)

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("body")

    response = test_client_factory(Starlette(routes=[Route("/", endpoint)])).get("/")
    assert (response.status_code, response.text) == (202, "patched body")


# --------------------------------------------------------------------------- lifespan


def lifespan_messages(*types: str) -> list[Message]:
    return [{"type": message_type} for message_type in types]


@pytest.mark.anyio
async def test_lifespan_default() -> None:
    sent = await run_asgi(
        Router(), {"type": "lifespan", "state": {}}, lifespan_messages("lifespan.startup", "lifespan.shutdown")
    )
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


@pytest.mark.anyio
async def test_lifespan_runs_context_and_merges_state() -> None:
    events: list[str] = []
    shared = {"items": [1]}

    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncGenerator[dict[str, Any], None]:
        events.append(f"startup {app!r}")
        yield {"shared": shared, "name": "app"}
        events.append("shutdown")

    scope: Scope = {"type": "lifespan", "state": {"server": True}}
    sent = await run_asgi(Router(lifespan=lifespan), scope, lifespan_messages("lifespan.startup", "lifespan.shutdown"))
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    assert events == ["startup None", "shutdown"]
    assert scope["state"] == {"server": True, "shared": shared, "name": "app"}
    assert scope["state"]["shared"] is shared


@pytest.mark.anyio
async def test_lifespan_state_needs_server_support() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncGenerator[dict[str, Any], None]:
        yield {"x": 1}

    sent: list[Message] = []
    with pytest.raises(RuntimeError, match='The server does not support "state" in the lifespan scope.'):
        sent = await _run_collecting(Router(lifespan=lifespan), {"type": "lifespan"}, sent)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert 'The server does not support "state" in the lifespan scope.' in sent[0]["message"]


async def _run_collecting(app: ASGIApp, scope: Scope, sent: list[Message]) -> list[Message]:
    incoming = lifespan_messages("lifespan.startup", "lifespan.shutdown")

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.mark.anyio
async def test_lifespan_startup_failure() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncGenerator[None, None]:
        raise OSError("database unreachable")
        yield  # pragma: no cover

    sent: list[Message] = []
    with pytest.raises(OSError, match="database unreachable"):
        await _run_collecting(Router(lifespan=lifespan), {"type": "lifespan", "state": {}}, sent)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert sent[0]["message"].startswith("Traceback (most recent call last):")
    assert "OSError: database unreachable" in sent[0]["message"]


@pytest.mark.anyio
async def test_lifespan_shutdown_failure() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncGenerator[None, None]:
        yield
        raise OSError("flush failed")

    sent: list[Message] = []
    with pytest.raises(OSError, match="flush failed"):
        await _run_collecting(Router(lifespan=lifespan), {"type": "lifespan", "state": {}}, sent)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert "OSError: flush failed" in sent[1]["message"]


@pytest.mark.anyio
async def test_deprecated_generator_lifespans() -> None:
    events: list[str] = []

    async def async_gen_lifespan(app: object) -> AsyncIterator[None]:
        events.append("async startup")
        yield
        events.append("async shutdown")

    def gen_lifespan(app: object) -> Iterator[None]:
        events.append("sync startup")
        yield
        events.append("sync shutdown")

    with pytest.warns(StarletteDeprecationWarning) as async_record:
        async_router = Router(lifespan=async_gen_lifespan)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    with pytest.warns(StarletteDeprecationWarning) as sync_record:
        sync_router = Router(lifespan=gen_lifespan)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    advice = "use an @contextlib.asynccontextmanager function instead"
    assert str(async_record[0].message) == f"async generator function lifespans are deprecated, {advice}"
    assert str(sync_record[0].message) == f"generator function lifespans are deprecated, {advice}"
    # Reported from the router's module (so a filter on `starlette.routing` applies).
    assert async_record[0].filename == sync_record[0].filename == starlette.routing.__file__
    for router in (async_router, sync_router):
        sent = await _run_collecting(router, {"type": "lifespan", "state": {}}, [])
        assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["async startup", "async shutdown", "sync startup", "sync shutdown"]


@pytest.mark.anyio
async def test_deprecated_generator_lifespan_sees_shutdown_errors() -> None:
    seen: list[str] = []

    def gen_lifespan(app: object) -> Iterator[None]:
        try:
            yield
        except OSError as exc:  # thrown in when the server side fails during shutdown
            seen.append(str(exc))
            raise

    with pytest.warns(StarletteDeprecationWarning):
        router = Router(lifespan=gen_lifespan)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    incoming = lifespan_messages("lifespan.startup")

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        raise OSError("server gone")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(OSError, match="server gone"):
        await router({"type": "lifespan", "state": {}}, receive, send)
    assert seen == ["server gone"]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.failed"]


def test_lifespan_state_reaches_requests(test_client_factory: TestClientFactory) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[dict[str, Any], None]:
        yield {"greeting": "hi", "app_type": type(app).__name__}

    def show(request: Request) -> Response:
        return JSONResponse({"greeting": request.state.greeting, "app": request.state["app_type"]})

    with test_client_factory(Starlette(routes=[Route("/", show)], lifespan=lifespan)) as client:
        assert client.get("/").json() == {"greeting": "hi", "app": "Starlette"}


# --------------------------------------------------------------------------- the route index


def reference_dispatch(routes: Sequence[BaseRoute], scope: Scope) -> tuple[BaseRoute | None, Match]:
    """What a linear scan picks: the first full match, else the first partial match."""
    partial: BaseRoute | None = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return route, Match.FULL
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (partial, Match.PARTIAL) if partial is not None else (None, Match.NONE)


def reference_redirects(routes: Sequence[BaseRoute], scope: Scope) -> bool:
    """Whether a linear scan would answer with a slash redirect."""
    path: str = scope["path"]
    if scope["type"] != "http" or path == "/":
        return False
    redirect_scope = dict(scope, path=path.rstrip("/") if path.endswith("/") else path + "/")
    return any(route.matches(dict(redirect_scope))[0] is not Match.NONE for route in routes)


class NarrowRoute(Route):
    """A Route subclass that, like FastAPI's, only ever narrows its parent's match."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE and scope.get("query_string") == b"narrow=no":
            return Match.NONE, {}
        return match, child_scope


class PrefixRoute(BaseRoute):
    """A custom route the index cannot see into: matches every path starting with `prefix`."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("prefix")(scope, receive, send)


class SuffixMount(Mount):
    """A Mount subclass whose `matches` ignores its path: never indexed."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].endswith(".special"):
            return Match.FULL, {}
        return Match.NONE, {}


class EvenConvertor(Convertor[int]):
    regex = "[0-9]*[02468]"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


class AnythingConvertor(Convertor[str]):
    regex = ".+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("even_test", EvenConvertor())
register_url_convertor("anything_test", AnythingConvertor())

WORDS = [
    *("users", "items", "a", "b", "api", "v1", "static", "Users", "x.json", "me", "orders", "blog", "posts"),
    *("tags", "admin", "files", "search", "login", "health", "docs", ""),
]
VALUES = ["42", "3.5", "12345678-1234-5678-1234-567812345678", "abc", "a/b", "8", "v7", ""]
PARAMS = ["{p}", "{p:int}", "{p:float}", "{p:uuid}", "{p:path}", "{p:even_test}", "{p:anything_test}", "v{p:int}"]


def random_path(rng: random.Random, *, allow_params: bool = True, broad: bool = False, literals: int = 1) -> str:
    """A route path template.

    It starts with `literals` literal segments, and for a `broad` one with a
    parameter before them (so that it cannot be indexed by its first segment,
    but does not catch every path either).
    """
    segments = [rng.choice(WORDS[:-1]) for _ in range(literals)]
    if broad:
        segments.insert(0, rng.choice(PARAMS).replace("{p", "{lead"))
    used = 0
    for _ in range(rng.randint(0, 3)):
        if allow_params and rng.random() < 0.4:
            segments.append(rng.choice(PARAMS).replace("{p", f"{{p{used}"))
            used += 1
        else:
            segments.append(rng.choice(WORDS))
    path = "/" + "/".join(segments)
    return path + "/" if rng.random() < 0.15 else path


def random_route(rng: random.Random, position: int, *, broad: bool) -> BaseRoute:
    """A random route; only `broad` ones are routes the index cannot place by their first segment."""
    kind = rng.random()
    app = Recorder(str(position))
    if kind < 0.55:
        methods = rng.choice([None, ["GET"], ["POST"], ["PUT", "DELETE"]])
        return Route(random_path(rng, broad=broad), app, methods=methods, name=str(position))
    if kind < 0.7:
        path = random_path(rng, broad=broad)
        return NarrowRoute(path, app, methods=rng.choice([None, ["GET"]]), name=str(position))
    if kind < 0.8:
        return WebSocketRoute(random_path(rng, broad=broad), app, name=str(position))
    if kind < 0.9:
        return Mount(random_path(rng, broad=broad, literals=2).rstrip("/"), app=app, name=str(position))
    if kind < 0.94 and broad:
        return Host(rng.choice(["{sub}.example.org", "API.example.org"]), app)
    if kind < 0.97:
        return PrefixRoute(random_path(rng, allow_params=False, literals=2))
    return SuffixMount(random_path(rng, allow_params=False, literals=2).rstrip("/"), app=app)


def random_routes(rng: random.Random, count: int) -> list[BaseRoute]:
    """`count` random routes, the broad ones only in the last tenth (or they would shadow the rest)."""
    return [random_route(rng, position, broad=position >= count * 0.9) for position in range(count)]


def random_request_path(rng: random.Random, routes: Sequence[BaseRoute]) -> str:
    choice = rng.random()
    if choice < 0.5:
        # A path of one of the routes, filled with values (right or wrong for its convertors).
        route = rng.choice(routes)
        template: str = getattr(route, "path_format", None) or random_path(rng)
        path = re.sub(r"{[^{}]+}", lambda _: rng.choice(VALUES), template)
        return path + rng.choice(["", "", "/", "/" + rng.choice(WORDS)])
    if choice < 0.7:
        return random_path(rng, allow_params=False) + ".special"
    if choice < 0.8:
        return random_path(rng, allow_params=False) + "\n"
    if choice < 0.9:
        return "//" + rng.choice(WORDS)
    return "/" + "/".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))


async def dispatch(router: Router, scope: Scope) -> tuple[BaseRoute | None, Match, bool]:
    """Route `scope` through `router`; return the route used, its match kind, and whether it redirected."""
    sent = await run_asgi(router, scope, [{"type": "websocket.connect"}] if scope["type"] == "websocket" else ())
    route: BaseRoute | None = scope.get("route")
    if route is None:
        redirected = scope["type"] == "http" and status_of(sent) == 307
        return None, Match.NONE, redirected
    if scope["type"] == "http" and status_of(sent) == 405:
        return route, Match.PARTIAL, False
    return route, Match.FULL, False


def random_scope(rng: random.Random, routes: Sequence[BaseRoute]) -> Scope:
    path = random_request_path(rng, routes)
    host = rng.choice(["testserver"] * 8 + ["example.org", "api.example.org", "x.example.org", "bad host"])
    if rng.random() < 0.2:
        scope = websocket_scope(path, host=host)
    else:
        scope = http_scope(path, rng.choice(["GET", "POST", "PUT", "HEAD"]), host=host)
    if rng.random() < 0.1:
        scope["query_string"] = b"narrow=no"
    return scope


async def assert_same_as_linear_scan(router: Router, rng: random.Random, count: int) -> None:
    for _ in range(count):
        scope = random_scope(rng, router.routes)
        expected_route, expected_match = reference_dispatch(router.routes, scope)
        expected_redirect = expected_match is Match.NONE and reference_redirects(router.routes, scope)
        route, match, redirected = await dispatch(router, scope)
        assert (route, match, redirected) == (expected_route, expected_match, expected_redirect), scope


@pytest.mark.anyio
async def test_index_matches_a_linear_scan_over_1000_routes() -> None:
    rng = random.Random(1234)
    router = Router(random_routes(rng, 1000))
    # Sanity: the table really contains each kind of route and each outcome is exercised.
    kinds = {type(route).__name__ for route in router.routes}
    assert kinds == {"Route", "NarrowRoute", "WebSocketRoute", "Mount", "Host", "PrefixRoute", "SuffixMount"}
    outcomes: set[Match] = set()
    for _ in range(300):
        scope = random_scope(rng, router.routes)
        outcomes.add(reference_dispatch(router.routes, scope)[1])
    assert outcomes == {Match.NONE, Match.PARTIAL, Match.FULL}
    await assert_same_as_linear_scan(router, rng, 600)


@pytest.mark.anyio
async def test_index_follows_every_kind_of_list_change() -> None:
    rng = random.Random(99)
    router = Router(random_routes(rng, 150))
    await assert_same_as_linear_scan(router, rng, 40)

    def new_routes(count: int) -> list[BaseRoute]:
        return [random_route(rng, 1000 + index, broad=rng.random() < 0.1) for index in range(count)]

    changes: list[Callable[[list[BaseRoute]], object]] = [
        lambda routes: routes.append(new_routes(1)[0]),
        lambda routes: routes.insert(0, new_routes(1)[0]),
        lambda routes: routes.extend(new_routes(5)),
        lambda routes: routes.pop(),
        lambda routes: routes.pop(0),
        lambda routes: routes.remove(routes[3]),
        lambda routes: routes.__setitem__(2, new_routes(1)[0]),
        lambda routes: routes.__setitem__(slice(0, 10), new_routes(3)),
        lambda routes: routes.__delitem__(slice(0, 2)),
        lambda routes: routes.reverse(),
        lambda routes: routes.sort(key=lambda route: rng.random()),
        lambda routes: routes.__iadd__(new_routes(2)),
        lambda routes: routes.__imul__(2),
    ]
    for change in changes:
        change(router.routes)
        await assert_same_as_linear_scan(router, rng, 30)
    router.routes.clear()
    scope = http_scope("/users")
    assert await dispatch(router, scope) == (None, Match.NONE, False)


@pytest.mark.anyio
async def test_index_follows_a_plain_list_assigned_to_routes() -> None:
    rng = random.Random(7)
    router = Router(random_routes(rng, 10))
    await assert_same_as_linear_scan(router, rng, 5)
    plain = random_routes(rng, 100)
    router.routes = plain
    await assert_same_as_linear_scan(router, rng, 40)
    plain[5] = Route("/users", Recorder("replaced"))  # same length, different object
    scope = http_scope("/users")
    await assert_same_as_linear_scan(router, rng, 20)
    plain.append(Route("/appended", Recorder("appended")))
    assert body_of(await run_asgi(router, http_scope("/appended"))) == b"appended"
    assert (await dispatch(router, scope))[0] is reference_dispatch(plain, scope)[0]


class CountingRoute(Route):
    calls = 0

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        CountingRoute.calls += 1
        return super().matches(scope)


@pytest.mark.anyio
async def test_index_asks_only_routes_that_can_match() -> None:
    router = Router(
        [CountingRoute(f"/items/{{item_id}}/detail{i}", Recorder(str(i))) for i in range(1000)]
        + [CountingRoute(f"/static{i}", Recorder(f"s{i}")) for i in range(1000)]
    )
    CountingRoute.calls = 0
    assert body_of(await run_asgi(router, http_scope("/items/7/detail999"))) == b"999"
    assert body_of(await run_asgi(router, http_scope("/static999"))) == b"s999"
    assert CountingRoute.calls == 2
    CountingRoute.calls = 0
    assert status_of(await run_asgi(router, http_scope("/nowhere/at/all"))) == 404
    assert CountingRoute.calls == 0


def padding() -> list[BaseRoute]:
    """Routes that never match the paths of a test, enough to make the router walk its index."""
    return [Route(f"/padding{number}", homepage) for number in range(5)]


@pytest.mark.anyio
async def test_index_candidate_cache_is_bounded() -> None:
    router = Router([Route("/items/{item_id}", Recorder("item")), Route("/", homepage), *padding()])
    for number in range(3000):
        assert body_of(await run_asgi(router, http_scope(f"/items/{number}"))) == b"item"
    index = router._route_index  # pyright: ignore[reportPrivateUsage]
    assert index is not None
    cache = index._cache  # pyright: ignore[reportPrivateUsage]
    assert cache.maxsize == CACHE_SIZE
    assert len(cache) == CACHE_SIZE  # 3000 distinct paths seen, the newest 1024 kept
    assert "/items/2999" in cache
    assert "/items/0" not in cache
    long_path = "/items/" + "x" * 5000
    assert body_of(await run_asgi(router, http_scope(long_path))) == b"item"
    deep_path = "/a" * 2000
    assert status_of(await run_asgi(router, http_scope(deep_path))) == 404
    assert len(cache) == CACHE_SIZE
    assert long_path not in cache  # longer than `CACHED_PATH_LENGTH`: never remembered
    assert deep_path not in cache


@pytest.mark.anyio
async def test_index_paths_not_starting_with_slash() -> None:
    prefix = PrefixRoute("")
    router = Router([Route("/", homepage), *padding(), prefix])
    scope = http_scope("/api", root_path="/api")  # routed as ""
    await run_asgi(router, scope)
    assert scope["route"] is prefix
    weird = http_scope("no-slash")
    await run_asgi(router, weird)
    assert weird["route"] is prefix


class HandBuiltRoute(Route):
    """Built the way FastAPI builds its routes: attributes set without `Route.__init__`."""

    def __init__(self, path: str, app: ASGIApp, *, path_format: str | None = None) -> None:
        self.path = path
        self.endpoint = app
        self.name = path
        self.include_in_schema = True
        self.methods = None
        self.app = app
        self.path_regex, compiled_format, self.param_convertors = compile_path(path)
        self.path_format = compiled_format if path_format is None else path_format


@pytest.mark.anyio
async def test_index_with_hand_built_routes() -> None:
    routes: list[BaseRoute] = [
        HandBuiltRoute("/items/{item_id}", Recorder("item")),
        # A format that disagrees with the regex, or names an unknown parameter: asked for every path.
        HandBuiltRoute("/legacy/{name}", Recorder("legacy"), path_format="legacy/{name}"),
        HandBuiltRoute("/odd/{name}", Recorder("odd"), path_format="/odd/{other}"),
        *padding(),
    ]
    router = Router(routes)
    assert body_of(await run_asgi(router, http_scope("/items/1"))) == b"item"
    assert body_of(await run_asgi(router, http_scope("/legacy/x"))) == b"legacy"
    assert body_of(await run_asgi(router, http_scope("/odd/y"))) == b"odd"
    await assert_same_as_linear_scan(router, random.Random(3), 50)


@pytest.mark.anyio
async def test_routes_list_copies() -> None:
    router = Router([Route("/", homepage), Route("/users", users)])
    shallow = copy.copy(router.routes)
    deep = copy.deepcopy(router.routes)
    assert shallow == router.routes
    assert len(deep) == 2
    deep.append(Route("/deep", homepage))
    copied = Router()
    copied.routes = deep
    assert body_of(await run_asgi(copied, http_scope("/deep"))) == b"Hello, world"
    assert body_of(await run_asgi(router, http_scope("/users"))) == b"All users"


# --------------------------------------------------------------------------- routing shortcuts


@pytest.mark.anyio
async def test_small_routers_scan_like_the_index() -> None:
    rng = random.Random(5)
    for _ in range(30):
        router = Router(random_routes(rng, rng.randint(1, 4)))
        await assert_same_as_linear_scan(router, rng, 10)


def random_literal_path(rng: random.Random) -> str:
    path = "/" + "/".join(rng.choice(["a", "b", "", "a\n", "\n"]) for _ in range(rng.randint(0, 3)))
    return rng.choice(["", "/", "\n", "/\n", "x", "\nx"]) + path if rng.random() < 0.3 else path


def test_literal_shortcuts_agree_with_the_path_regexes() -> None:
    """Parameter-free routes and mounts compare strings: exactly where their regexes match."""
    rng = random.Random(11)
    templates = ["", "/", "/a", "/a/b", "/a/", "/a\n"]
    for _ in range(2000):
        path = random_literal_path(rng)
        template = rng.choice(templates)
        scope = http_scope(path)
        if template.startswith("/"):
            route = Route(template, homepage)
            route_match = route.matches(scope)[0]
            assert (route_match is Match.FULL) == (route.path_regex.match(path) is not None), (template, path)
            ws_route = WebSocketRoute(template, ws_echo_path)
            ws_match = ws_route.matches(websocket_scope(path))[0]
            assert (ws_match is Match.FULL) == (ws_route.path_regex.match(path) is not None), (template, path)
        mount = Mount(template, app=Recorder())
        regex_match = mount.path_regex.match(path)
        match, child_scope = mount.matches(scope)
        assert (match is Match.FULL) == (regex_match is not None), (template, path)
        if regex_match is not None:
            remaining = "/" + regex_match.group("path")
            assert child_scope["root_path"] == path[: -len(remaining)], (template, path)


@pytest.mark.anyio
async def test_mounts_apply_their_match_like_matches_does() -> None:
    inner = Recorder("inner")
    innermost = Mount("/c", app=inner)
    app = Router([Mount("/{tenant}", routes=[Mount("/b", routes=[innermost])])])
    scope = http_scope("/acme/b/c/x")
    scope["app_root_path"] = "/outer"
    assert body_of(await run_asgi(app, scope)) == b"inner"
    seen = inner.scopes[0]
    assert seen["root_path"] == "/acme/b/c"
    assert seen["app_root_path"] == "/outer"
    assert seen["path_params"] == {"tenant": "acme"}
    assert seen["endpoint"] is inner
    assert seen["route"] is innermost
    assert seen["router"] is app

    plain = Recorder("plain")
    mount = Mount("/b", app=plain)
    assert body_of(await run_asgi(Router([mount]), http_scope("/b/x"))) == b"plain"
    expected = mount.matches(http_scope("/b/x"))[1]
    assert {key: plain.scopes[0][key] for key in expected} == expected
    assert plain.scopes[0]["route"] is mount
    assert mount.matches(http_scope("/b/x", path_params={"tenant": "acme"}))[1]["path_params"] == {"tenant": "acme"}


class CountingConvertor(Convertor[int]):
    regex = "[0-9]+"

    def __init__(self) -> None:
        self.calls = 0

    def convert(self, value: str) -> int:
        self.calls += 1
        return int(value) * 10

    def to_string(self, value: int) -> str:
        return str(value // 10)


@pytest.mark.anyio
async def test_route_params_are_fresh_for_every_request() -> None:
    seen: list[dict[str, Any]] = []

    async def endpoint(request: Request) -> Response:
        seen.append(request.path_params)
        request.path_params["id"] = "changed by the endpoint"
        return PlainTextResponse("ok")

    route = Route("/items/{id:int}/{ratio:float}/{key:uuid}", endpoint)
    router = Router([route])
    key = "12345678-1234-5678-1234-567812345678"
    for _ in range(3):
        assert body_of(await run_asgi(router, http_scope(f"/items/7/0.5/{key}"))) == b"ok"
    assert len({id(params) for params in seen}) == 3
    match, child = route.matches(http_scope(f"/items/7/0.5/{key}"))
    assert (match, child["path_params"]) == (Match.FULL, {"id": 7, "ratio": 0.5, "key": uuid.UUID(key)})
    # Parameters of an enclosing mount come first, and the route's own win.
    outer = {"tenant": "acme", "id": "outer"}
    _, child = route.matches(http_scope(f"/items/7/0.5/{key}", path_params=outer))
    expected = [("tenant", "acme"), ("id", 7), ("ratio", 0.5), ("key", uuid.UUID(key))]
    assert list(child["path_params"].items()) == expected
    assert outer == {"tenant": "acme", "id": "outer"}


@pytest.mark.anyio
async def test_custom_convertors_run_for_every_request() -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(str(request.path_params["n"]))

    route = Route("/n/{n}", endpoint)
    counting = CountingConvertor()
    route.param_convertors = {"n": counting}  # replaced after construction: the route notices
    router = Router([route])
    for _ in range(3):
        assert body_of(await run_asgi(router, http_scope("/n/4"))) == b"40"
    assert counting.calls == 3


@pytest.mark.anyio
async def test_route_params_after_the_regex_is_replaced() -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(repr(request.path_params))

    route = Route("/items/{id:int}", endpoint)
    router = Router([route])
    assert body_of(await run_asgi(router, http_scope("/items/5"))) == b"{'id': 5}"
    assert status_of(await run_asgi(router, http_scope("/ITEMS/5"))) == 404
    route.path_regex = re.compile("^/items/(?P<id>[0-9]+)$", re.IGNORECASE)
    assert body_of(await run_asgi(router, http_scope("/ITEMS/5"))) == b"{'id': 5}"
    assert status_of(await run_asgi(router, http_scope("/items/x"))) == 404


@pytest.mark.anyio
async def test_remembered_route_params_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette._path_match, "CACHE_SIZE", 4)

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(str(request.path_params["id"]))

    route = Route("/items/{id:int}", endpoint)
    router = Router([route])
    for number in range(10):
        assert body_of(await run_asgi(router, http_scope(f"/items/{number}"))) == str(number).encode()
        assert status_of(await run_asgi(router, http_scope(f"/other/{number}"))) == 404
    long_id = "9" * 300
    assert body_of(await run_asgi(router, http_scope(f"/items/{long_id}"))) == long_id.encode()
    cache = route._params_cache  # pyright: ignore[reportPrivateUsage]
    assert cache is not None
    assert cache.known.maxsize == 4
    assert len(cache.known) == 4  # the newest four short paths
    assert all(len(path) <= 200 for path in cache.known)


@pytest.mark.anyio
async def test_replaced_path_regex_is_used() -> None:
    route = Route("/users", users)
    mount = Mount("/static", app=Recorder("static"))
    route.path_regex = re.compile("^/users/?$", re.IGNORECASE)
    mount.path_regex = re.compile("^/STATIC/(?P<path>.*)$", re.IGNORECASE)
    router = Router([route, mount])
    assert body_of(await run_asgi(router, http_scope("/USERS/"))) == b"All users"
    assert body_of(await run_asgi(router, http_scope("/Static/x"))) == b"static"
    assert route.matches(http_scope("/Users"))[0] is Match.FULL


@pytest.mark.anyio
async def test_replaced_route_methods_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original_handle = Route.handle

    async def logged_handle(self: Route, scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(f"handle {self.path}")
        await original_handle(self, scope, receive, send)

    monkeypatch.setattr(Route, "handle", logged_handle)
    assert body_of(await run_asgi(Router([Route("/", homepage)]), http_scope("/"))) == b"Hello, world"
    assert calls == ["handle /"]
    monkeypatch.undo()

    original_matches = Mount.matches

    def logged_matches(self: Mount, scope: Scope) -> tuple[Match, Scope]:
        calls.append(f"matches {self.path}")
        return original_matches(self, scope)

    monkeypatch.setattr(Mount, "matches", logged_matches)
    assert body_of(await run_asgi(Router([Mount("/m", app=Recorder("m"))]), http_scope("/m/x"))) == b"m"
    assert calls[1:] == ["matches /m"]
    monkeypatch.undo()

    route = Route("/", homepage)

    def never(scope: Scope) -> tuple[Match, Scope]:
        return Match.NONE, {}

    vars(route)["matches"] = never
    assert status_of(await run_asgi(Router([route]), http_scope("/"))) == 404

    websocket_route = WebSocketRoute("/ws", ws_echo_path)

    async def closing_handle(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": 4003, "reason": "instance handle"})

    vars(websocket_route)["handle"] = closing_handle
    sent = await run_asgi(Router([websocket_route]), websocket_scope("/ws"), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 4003, "reason": "instance handle"}]


@pytest.mark.anyio
async def test_websocket_route_handle_serves_the_session() -> None:
    route = WebSocketRoute("/ws", ws_echo_path)
    scope = websocket_scope("/ws")
    scope.update(route.matches(scope)[1], route=route)
    sent = await run_asgi(route.handle, scope, [{"type": "websocket.connect"}])
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.send", "websocket.close"]


@pytest.mark.anyio
async def test_middleware_stack_can_be_replaced() -> None:
    router = Router([Route("/", homepage)])
    assert router.middleware_stack == router.app
    seen: list[str] = []
    inner = router.middleware_stack

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    router.middleware_stack = outer
    assert router.middleware_stack is outer
    assert body_of(await run_asgi(router, http_scope("/"))) == b"Hello, world"
    assert seen == ["/"]


@pytest.mark.anyio
async def test_mounted_router_middleware_runs() -> None:
    seen: list[str] = []

    class Tagging:
        def __init__(self, app: ASGIApp, tag: str) -> None:
            self.app = app
            self.tag = tag

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(self.tag)
            await self.app(scope, receive, send)

    inner = Router([Route("/x", homepage)], middleware=[Middleware(Tagging, tag="inner router")])
    app = Router([Mount("/a", app=inner), Mount("/b", app=Router([Route("/x", homepage)], max_body_size=10))])
    assert body_of(await run_asgi(app, http_scope("/a/x"))) == b"Hello, world"
    assert body_of(await run_asgi(app, http_scope("/b/x"))) == b"Hello, world"
    assert seen == ["inner router"]


@pytest.mark.anyio
async def test_route_path_strips_root_path_only_at_a_segment_boundary() -> None:
    router = Router([Route("/x", homepage), Route("/apis/x", users)])
    assert body_of(await run_asgi(router, http_scope("/api/x", root_path="/api"))) == b"Hello, world"
    assert body_of(await run_asgi(router, http_scope("/apis/x", root_path="/api"))) == b"All users"


@pytest.mark.anyio
async def test_lifespan_keeps_an_existing_router_in_scope() -> None:
    outer = Router()
    scope: Scope = {"type": "lifespan", "state": {}, "router": outer}
    sent = await run_asgi(Router(), scope, lifespan_messages("lifespan.startup", "lifespan.shutdown"))
    assert [message["type"] for message in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert scope["router"] is outer
