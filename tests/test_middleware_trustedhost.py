from __future__ import annotations

import pytest

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import ENFORCE_DOMAIN_WILDCARD, TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("OK")


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("OK")
    await websocket.close()


def make_client(
    test_client_factory: TestClientFactory, allowed_hosts: list[str], www_redirect: bool = True
) -> TestClient:
    app = Starlette(
        routes=[Route("/", homepage), Route("/path", homepage), WebSocketRoute("/ws", websocket_endpoint)],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts, www_redirect=www_redirect)],
    )
    return test_client_factory(app, base_url="http://testserver")


def status_for(client: TestClient, host: str) -> int:
    return client.get("/", headers={"Host": host}).status_code


def test_allowed_hosts(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["testserver", "*.example.com"])
    assert client.get("/").text == "OK"
    assert status_for(client, "subdomain.example.com") == 200
    assert status_for(client, "deep.sub.example.com:8000") == 200

    response = client.get("/", headers={"Host": "invalidhost"})
    assert response.status_code == 400
    assert response.text == "Invalid host header"


@pytest.mark.parametrize(
    "host, status",
    [
        ("evil.com.example.com", 200),  # a subdomain of example.com, however it is named
        ("example.com.evil.com", 400),
        ("example.com", 400),  # `*.example.com` is for subdomains only
        ("evilexample.com", 400),
        ("SUB.EXAMPLE.COM", 200),
        ("sub.example.com.", 400),
        ("sub.example.com:", 200),
        ("sub.example.com:abc", 400),
        ("sub.example.com:80:80", 400),
        ("", 400),
        (".example.com", 200),
        ("user@sub.example.com", 400),
        ("evil.com/.example.com", 400),
        ("evil.com?.example.com", 400),
        ("evil.com#.example.com", 400),
        ("evil.com\\.example.com", 400),
        ("evil .example.com", 400),
        ("*.example.com", 400),
        ("TESTSERVER", 200),
        ("testserver:65535", 200),
    ],
)
def test_hostile_host_headers(test_client_factory: TestClientFactory, host: str, status: int) -> None:
    client = make_client(test_client_factory, ["testserver", "*.example.com"])
    assert status_for(client, host) == status


@pytest.mark.parametrize(
    "host, status",
    [
        ("[::1]", 200),
        ("[::1]:8000", 200),
        ("[V1.Foo]", 200),  # an IPvFuture literal
        ("[v1.foo]:443", 200),
        ("[::1]:", 400),  # a bracketed literal takes a port with digits, or none
        ("[::1]:evil", 400),
        ("[::1", 400),
        ("::1", 400),
        ("[::1]evil.example.com", 400),
        ("[::1]@attacker", 400),
        ("[::1].", 400),
        ("[:::]", 400),
        ("[2001:db8::1]", 400),
        ("[v1.]", 400),
        ("[vx.foo]", 400),
        ("api_service:100000", 200),
    ],
)
def test_ip_literal_hosts(test_client_factory: TestClientFactory, host: str, status: int) -> None:
    client = make_client(test_client_factory, ["[::1]", "[v1.foo]", "api_service"])
    assert status_for(client, host) == status


@pytest.mark.anyio
async def test_missing_or_repeated_host_header() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("OK")(scope, receive, send)

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    await middleware(scope, receive, send)
    assert sent[0]["status"] == 400

    sent.clear()
    scope["headers"] = [(b"host", b"example.com"), (b"host", b"evil.com")]
    await middleware(scope, receive, send)
    assert sent[0]["status"] == 200


def test_ipv6_host(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["[::1]"])
    assert status_for(client, "[::1]") == 200
    assert status_for(client, "[::1]:8000") == 200
    assert status_for(client, "[::2]") == 400
    assert status_for(client, "::1") == 400


def test_patterns_are_case_insensitive(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["Example.COM", "*.Example.Org"])
    assert status_for(client, "example.com") == 200
    assert status_for(client, "a.example.org") == 200


def test_any_host(test_client_factory: TestClientFactory) -> None:
    for allowed in (["*"], ["example.com", "*"]):
        assert status_for(make_client(test_client_factory, allowed), "anything.invalid") == 200

    app = TrustedHostMiddleware(homepage_app)
    assert app.allow_any is True
    assert app.allowed_hosts == ["*"]
    assert test_client_factory(app).get("/", headers={"Host": "whatever"}).status_code == 200


async def homepage_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("OK")(scope, receive, send)


def test_www_redirect(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["www.example.com"])
    response = client.get("/path?a=1", headers={"Host": "example.com:8000"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://www.example.com:8000/path?a=1"

    client = make_client(test_client_factory, ["www.example.com"])
    response = client.get("https://example.com/path", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://www.example.com/path"


def test_www_redirect_only_for_exact_hosts(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["*.example.com"])
    assert client.get("/", headers={"Host": "example.com"}, follow_redirects=False).status_code == 400


def test_www_redirect_disabled(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["www.example.com"], www_redirect=False)
    response = client.get("/", headers={"Host": "example.com"}, follow_redirects=False)
    assert response.status_code == 400
    assert response.text == "Invalid host header"


def test_websocket(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, ["testserver"])
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "OK"

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws", headers={"Host": "evil.com"}):
        pass  # pragma: no cover


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with make_client(test_client_factory, ["example.com"]) as client:
        assert status_for(client, "example.com") == 200


@pytest.mark.parametrize("pattern", ["example.*", "*example.com", "sub.*.example.com", "**.example.com"])
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(AssertionError, match=r"Domain wildcard patterns must be like '\*\.example\.com'\."):
        TrustedHostMiddleware(homepage_app, allowed_hosts=[pattern])
    assert ENFORCE_DOMAIN_WILDCARD == "Domain wildcard patterns must be like '*.example.com'."


def test_attributes() -> None:
    middleware = TrustedHostMiddleware(homepage_app, allowed_hosts=("a.com", "*.b.com"), www_redirect=False)
    assert middleware.app is homepage_app
    assert middleware.allowed_hosts == ["a.com", "*.b.com"]
    assert middleware.allow_any is False
    assert middleware.www_redirect is False


@pytest.mark.anyio
async def test_many_distinct_hosts() -> None:
    """Allowed hosts are remembered up to a bound; past it they are still checked, and bad ones never pass."""
    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    middleware = TrustedHostMiddleware(PlainTextResponse("OK"), allowed_hosts=["*.example.com"], www_redirect=False)
    hosts = [f"host{index}.example.com".encode() for index in range(300)] + [b"evil.com"]
    for _ in range(2):
        for host in hosts:
            scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", host)]}
            await middleware(scope, receive, send)
    assert statuses == ([200] * 300 + [400]) * 2
