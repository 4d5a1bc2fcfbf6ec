from __future__ import annotations

import pytest

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("OK")


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("OK")
    await websocket.close()


def make_app() -> Starlette:
    return Starlette(
        routes=[Route("/", homepage), Route("/path", homepage), WebSocketRoute("/ws", websocket_endpoint)],
        middleware=[Middleware(HTTPSRedirectMiddleware)],
    )


def test_https_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(), base_url="https://testserver")
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "OK"


@pytest.mark.parametrize(
    "base_url, url, location",
    [
        ("http://testserver", "/", "https://testserver/"),
        ("http://testserver", "/path?a=1&b=%20", "https://testserver/path?a=1&b=%20"),
        ("http://testserver:80", "/", "https://testserver/"),
        ("http://testserver:443", "/", "https://testserver/"),
        ("http://testserver:123", "/", "https://testserver:123/"),
        ("http://[::1]:80", "/", "https://[::1]/"),
        ("http://[::1]:8080", "/", "https://[::1]:8080/"),
    ],
)
def test_http_is_redirected(test_client_factory: TestClientFactory, base_url: str, url: str, location: str) -> None:
    client = test_client_factory(make_app(), base_url=base_url)
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == location


def test_post_is_redirected_with_307(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    response = client.post("/path", content=b"body", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/path"


@pytest.mark.anyio
async def test_websocket_is_redirected_to_wss() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("not reached")  # pragma: no cover

    async def receive() -> Message:
        return {"type": "websocket.connect"}  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/ws",
        "query_string": b"",
        "headers": [(b"host", b"example.com:80")],
    }
    await HTTPSRedirectMiddleware(app)(scope, receive, send)
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 307
    assert (b"location", b"wss://example.com/ws") in sent[0]["headers"]


@pytest.mark.parametrize("host", ["testserver:65536", "[:::]", "evil.com/path"])
def test_unknown_host_without_server_is_refused(test_client_factory: TestClientFactory, host: str) -> None:
    middleware = HTTPSRedirectMiddleware(homepage_app)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del scope["server"]
        await middleware(scope, receive, send)

    response = test_client_factory(app).get("/", headers={"host": host}, follow_redirects=False)
    assert response.status_code == 400
    assert response.text == "Invalid host header"
    assert "location" not in response.headers


@pytest.mark.parametrize("host", ["testserver:65536", "[:::]"])
def test_malformed_host_falls_back_to_the_server(test_client_factory: TestClientFactory, host: str) -> None:
    client = test_client_factory(make_app(), base_url="http://[::1]")
    response = client.get("/", headers={"host": host}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://[::1]/"


def test_wss_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(), base_url="https://testserver")
    with client.websocket_connect("wss://testserver/ws") as session:
        assert session.receive_text() == "OK"


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app(), base_url="https://testserver") as client:
        assert client.get("/").status_code == 200
    middleware = HTTPSRedirectMiddleware(homepage_app)
    assert middleware.app is homepage_app


async def homepage_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("OK")(scope, receive, send)  # pragma: no cover
