"""Methods patched on their class or module are called, as upstream calls them.

Instrumentation libraries replace methods on classes and functions in modules.
For each method on the request path of the routing and application layers, a
transparent wrapper is patched in, a real request is served, and the test checks
that the wrapper ran and that the response is the one served without it.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import starlette.routing
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser, SimpleUser
from starlette.convertors import IntegerConvertor, StringConvertor
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.exceptions import StarletteDeprecationWarning
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.opentelemetry import OpenTelemetryMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Host, Mount, Route, Router, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.middleware.wsgi import WSGIMiddleware


async def hello(request: Request) -> Response:
    return PlainTextResponse(f"hello {request.path_params}")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


class Greeting(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("greeting")


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(data)
        await websocket.close()


class PassThrough(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)


class Anonymous(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return AuthCredentials(["seen"]), SimpleUser("guest")


def wsgi_hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi"]


def build() -> Starlette:
    """An application reaching every patched method, built anew under each patch."""
    inner = Router([Route("/x/{n:int}", hello), WebSocketRoute("/ws", echo)])
    return Starlette(
        routes=[
            Route("/", hello),
            Route("/items/{item}", hello, methods=["GET", "POST"]),
            Route("/greeting", Greeting),
            WebSocketRoute("/ws", echo),
            WebSocketRoute("/ws-endpoint", Echo),
            Mount("/inner", app=inner),
            Mount("/wsgi", app=WSGIMiddleware(wsgi_hello)),
            Host("api.example.org", app=Router([Route("/api-only", hello)])),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "api.example.org"]),
            Middleware(PassThrough),
            Middleware(CORSMiddleware, allow_origins=["https://example.org"]),
            Middleware(SessionMiddleware, secret_key="secret"),
            Middleware(AuthenticationMiddleware, backend=Anonymous()),
            Middleware(GZipMiddleware, minimum_size=1),
            Middleware(RequestBodyLimitMiddleware, max_body_size=1000),
            Middleware(OpenTelemetryMiddleware),
        ],
    )


def https_redirecting() -> Starlette:
    return Starlette(routes=[Route("/", hello)], middleware=[Middleware(HTTPSRedirectMiddleware)])


Outcome = tuple[object, ...]


def get(path: str, **headers: str) -> Callable[[TestClient], Outcome]:
    def request(client: TestClient) -> Outcome:
        response = client.get(path, headers=headers, follow_redirects=False)
        return response.status_code, response.headers.get("location"), response.text

    return request


def post(path: str) -> Callable[[TestClient], Outcome]:
    def request(client: TestClient) -> Outcome:
        response = client.post(path, content=b"body")
        return response.status_code, response.headers.get("allow"), response.text

    return request


def websocket(path: str) -> Callable[[TestClient], Outcome]:
    def session(client: TestClient) -> Outcome:
        with client.websocket_connect(path) as connection:
            connection.send_text("ping")
            return (connection.receive_text(),)

    return session


@dataclass(frozen=True)
class Case:
    owner: object
    name: str
    request: Callable[[TestClient], Outcome]
    app: Callable[[], Starlette] = build

    def __str__(self) -> str:
        owner = getattr(self.owner, "__name__", repr(self.owner))
        return f"{owner}.{self.name}"


CASES = [
    # Every middleware class of the package, on a request it handles.
    Case(ServerErrorMiddleware, "__call__", get("/")),
    Case(ExceptionMiddleware, "__call__", get("/")),
    Case(ExceptionMiddleware, "http_exception", get("/missing")),
    Case(BaseHTTPMiddleware, "__call__", get("/")),
    Case(PassThrough, "dispatch", get("/")),
    Case(RequestBodyLimitMiddleware, "__call__", post("/items/1")),
    Case(CORSMiddleware, "__call__", get("/", origin="https://example.org")),
    Case(GZipMiddleware, "__call__", get("/", **{"accept-encoding": "gzip"})),
    Case(HTTPSRedirectMiddleware, "__call__", get("/"), https_redirecting),
    Case(SessionMiddleware, "__call__", get("/")),
    Case(TrustedHostMiddleware, "__call__", get("/")),
    Case(AuthenticationMiddleware, "__call__", get("/")),
    Case(OpenTelemetryMiddleware, "__call__", get("/")),
    Case(WSGIMiddleware, "__call__", get("/wsgi/")),
    # The application.
    Case(Starlette, "__call__", get("/")),
    Case(Starlette, "build_middleware_stack", get("/")),
    # Routing.
    Case(Router, "__call__", get("/inner/x/1")),
    Case(Router, "not_found", get("/inner/nowhere")),
    Case(Route, "matches", get("/items/7")),
    Case(Route, "handle", get("/items/7")),
    Case(Route, "handle", post("/")),  # 405
    Case(WebSocketRoute, "matches", websocket("/ws")),
    Case(WebSocketRoute, "handle", websocket("/ws")),
    Case(Mount, "matches", get("/inner/x/2")),
    Case(Mount, "handle", get("/inner/x/2")),
    Case(Host, "matches", get("/api-only", host="api.example.org")),
    Case(Host, "handle", get("/api-only", host="api.example.org")),
    Case(IntegerConvertor, "convert", get("/inner/x/4")),
    Case(StringConvertor, "convert", get("/items/4")),
    Case(starlette.routing, "request_response", get("/items/3")),
    Case(starlette.routing, "websocket_session", websocket("/ws")),
    # Endpoints and the response they send.
    Case(HTTPEndpoint, "dispatch", get("/greeting")),
    Case(WebSocketEndpoint, "dispatch", websocket("/ws-endpoint")),
    Case(Response, "__call__", get("/")),
]


def transparent(original: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    """A stand-in for `original` that records its calls and does what `original` does."""

    if not inspect.iscoroutinefunction(original):

        def patched(*args: Any, **kwargs: Any) -> Any:
            calls.append(original.__name__)  # ty: ignore[missing-attribute]
            return original(*args, **kwargs)

        return patched

    async def patched_async(*args: Any, **kwargs: Any) -> Any:
        calls.append(original.__name__)  # ty: ignore[missing-attribute]
        return await original(*args, **kwargs)

    return patched_async


def test_every_listed_method_is_patched_once() -> None:
    assert len({str(case) for case in CASES}) == 33  # `Route.handle` twice: serving, and answering 405


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_patched_method_is_called(
    case: Case, test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with test_client_factory(case.app()) as client:
        expected = case.request(client)
    calls: list[str] = []
    monkeypatch.setattr(case.owner, case.name, transparent(getattr(case.owner, case.name), calls))
    with test_client_factory(case.app()) as client:
        assert case.request(client) == expected
    assert calls


def test_a_patch_applied_after_the_first_request_is_called(test_client_factory: TestClientFactory) -> None:
    # The shortcuts ask on every request whether the method is still the original.
    app = build()
    calls: list[str] = []
    with test_client_factory(app) as client:
        assert client.get("/items/1").text == "hello {'item': '1'}"
        for owner, name in [(Route, "matches"), (Route, "handle"), (Mount, "handle"), (Router, "__call__")]:
            original = getattr(owner, name)
            setattr(owner, name, transparent(original, calls))
            try:
                assert client.get("/inner/x/5").text == "hello {'n': 5}"
            finally:
                setattr(owner, name, original)
    # `Router.__call__` twice: the application's router, then the mounted one.
    assert calls == ["matches", "handle", "handle", "__call__", "__call__"]


def test_a_convertor_patched_after_its_path_was_remembered_is_called(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A route remembers the conversions of the paths it matched, only while the convertors are the built-in ones.
    calls: list[str] = []
    with test_client_factory(build()) as client:
        assert client.get("/inner/x/5").text == "hello {'n': 5}"
        assert client.get("/inner/x/5").text == "hello {'n': 5}"
        monkeypatch.setattr(IntegerConvertor, "convert", transparent(IntegerConvertor.convert, calls))
        assert client.get("/inner/x/5").text == "hello {'n': 5}"
        assert calls == ["convert"]
        monkeypatch.undo()
        assert client.get("/inner/x/5").text == "hello {'n': 5}"
    assert calls == ["convert"]
