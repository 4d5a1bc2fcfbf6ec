from __future__ import annotations

from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import ALL_METHODS, SAFELISTED_HEADERS, CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Homepage", status_code=200)


async def with_vary(request: Request) -> Response:
    return PlainTextResponse("Homepage", headers={"Vary": "Accept-Encoding"})


async def with_two_vary_headers(request: Request) -> Response:
    response = PlainTextResponse("Homepage", headers={"Vary": "Accept-Encoding"})
    response.headers.append("Vary", "Accept-Language")
    return response


async def already_varying_with_origin(request: Request) -> Response:
    return PlainTextResponse("Homepage", headers={"Vary": "accept-encoding, origin"})


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def make_client(test_client_factory: TestClientFactory, **options: Any) -> TestClient:
    app = Starlette(
        routes=[
            Route("/", homepage, methods=["GET", "POST", "OPTIONS"]),
            Route("/vary", with_vary),
            Route("/two-vary", with_two_vary_headers),
            Route("/origin-vary", already_varying_with_origin),
            WebSocketRoute("/ws", websocket_endpoint),
        ],
        middleware=[Middleware(CORSMiddleware, **options)],
    )
    return test_client_factory(app)


PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)

PREFLIGHT = {
    "Origin": "https://example.org",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "X-Example",
}


def test_allow_all(test_client_factory: TestClientFactory) -> None:
    client = make_client(
        test_client_factory,
        allow_origins=["*"],
        allow_headers=["*"],
        allow_methods=["*"],
        expose_headers=["X-Status"],
    )

    response = client.options("/", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == "X-Example"
    assert response.headers["access-control-allow-methods"] == ", ".join(ALL_METHODS)
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "X-Status"
    assert response.headers["vary"] == "Origin"

    response = client.get("/")
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_allow_all_with_credentials_names_the_origin(test_client_factory: TestClientFactory) -> None:
    client = make_client(
        test_client_factory, allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], allow_credentials=True
    )

    response = client.options("/", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"


def test_allow_all_without_credentials_sends_a_wildcard_to_a_request_with_a_cookie(
    test_client_factory: TestClientFactory,
) -> None:
    client = make_client(test_client_factory, allow_origins=["*"])
    headers = {"Origin": "https://example.org", "Cookie": "session=1"}
    response = client.get("/", headers=headers)
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers

    response = client.options("/", headers={**PREFLIGHT, **headers})
    assert response.headers["access-control-allow-origin"] == "*"

    client = make_client(test_client_factory, allow_origins=["*"], allow_credentials=True)
    response = client.get("/", headers=headers)
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    response = client.options("/", headers={**PREFLIGHT, **headers})
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_specific_origins(test_client_factory: TestClientFactory) -> None:
    client = make_client(
        test_client_factory,
        allow_origins=["https://example.org"],
        allow_headers=["X-Example", "Content-Type"],
        max_age=42,
    )

    response = client.options("/", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Example"
    )
    assert response.headers["access-control-allow-methods"] == "GET"
    assert response.headers["access-control-max-age"] == "42"
    assert response.headers["vary"] == PREFLIGHT_VARY

    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["vary"] == "Origin"

    response = client.get("/vary", headers={"Origin": "https://example.org"})
    assert response.headers["vary"] == "Accept-Encoding, Origin"

    response = client.get("/", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"

    # An origin allowed before is not remembered for the next request.
    response = client.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"Origin": "https://evil.example"}, "Disallowed CORS origin"),
        ({"Access-Control-Request-Method": "DELETE"}, "Disallowed CORS method"),
        ({"Access-Control-Request-Headers": "X-Example, X-Other"}, "Disallowed CORS headers"),
        (
            {
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "X-Other",
            },
            "Disallowed CORS origin, method, headers",
        ),
    ],
)
def test_disallowed_preflight(test_client_factory: TestClientFactory, headers: dict[str, str], expected: str) -> None:
    client = make_client(test_client_factory, allow_origins=["https://example.org"], allow_headers=["X-Example"])
    response = client.options("/", headers={**PREFLIGHT, **headers})
    assert response.status_code == 400
    assert response.text == expected
    assert response.headers["vary"] == PREFLIGHT_VARY
    if "Origin" in headers:
        assert "access-control-allow-origin" not in response.headers
    else:
        assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_requested_headers_are_matched_without_case_or_spaces(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["https://example.org"], allow_headers=["x-example"])
    headers = {**PREFLIGHT, "Access-Control-Request-Headers": " X-EXAMPLE ,content-type,Accept"}
    assert client.options("/", headers=headers).status_code == 200


def test_preflight_without_requested_headers(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["*"], allow_headers=["*"])
    headers = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    response = client.options("/", headers=headers)
    assert response.status_code == 200
    assert "access-control-allow-headers" not in response.headers


def test_options_without_request_method_is_a_simple_request(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["https://example.org"])
    response = client.options("/", headers={"Origin": "https://example.org"})
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_origin_regex_must_match_in_full(test_client_factory: TestClientFactory) -> None:
    client = make_client(
        test_client_factory, allow_origin_regex=r"https://[a-z0-9-]+\.example\.org", allow_credentials=True
    )
    allowed = client.get("/", headers={"Origin": "https://api.example.org"})
    assert allowed.headers["access-control-allow-origin"] == "https://api.example.org"
    assert allowed.headers["access-control-allow-credentials"] == "true"

    for origin in ("https://api.example.org.evil.com", "https://evil.com/.example.org", "http://api.example.org"):
        response = client.get("/", headers={"Origin": origin})
        assert "access-control-allow-origin" not in response.headers

    response = client.options("/", headers={**PREFLIGHT, "Origin": "https://api.example.org.evil.com"})
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin, headers"


def test_private_network(test_client_factory: TestClientFactory) -> None:
    headers = {**PREFLIGHT, "Access-Control-Request-Private-Network": "true"}

    allowed = make_client(
        test_client_factory, allow_origins=["*"], allow_headers=["*"], allow_private_network=True
    ).options("/", headers=headers)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-private-network"] == "true"

    refused = make_client(test_client_factory, allow_origins=["*"], allow_headers=["*"]).options("/", headers=headers)
    assert refused.status_code == 400
    assert refused.text == "Disallowed CORS private-network"
    assert "access-control-allow-private-network" not in refused.headers


def test_defaults_allow_nothing(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)
    response = client.options("/", headers=PREFLIGHT)
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin, headers"
    assert "access-control-allow-origin" not in client.get("/", headers={"Origin": "https://example.org"}).headers


@pytest.mark.parametrize("allow_credentials", [False, True])
def test_every_vary_header_is_kept(test_client_factory: TestClientFactory, allow_credentials: bool) -> None:
    client = make_client(test_client_factory, allow_origins=["*"], allow_credentials=allow_credentials)
    response = client.get("/two-vary", headers={"Origin": "https://example.org"})
    assert response.headers.get_list("vary") == ["Accept-Encoding, Accept-Language, Origin"]

    response = client.get("/two-vary")
    assert response.headers.get_list("vary") == ["Accept-Encoding, Accept-Language, Origin"]


def test_origin_already_in_vary_is_not_repeated(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["https://example.org"])
    response = client.get("/origin-vary", headers={"Origin": "https://example.org"})
    assert response.headers.get_list("vary") == ["accept-encoding, origin"]


def test_options_without_origin_reaches_the_app(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["*"], allow_methods=["*"])
    response = client.options("/", headers={"Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert response.headers["vary"] == "Origin"


def test_custom_method_is_refused_with_wildcard_methods(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["*"], allow_methods=["*"])
    headers = {"Origin": "https://example.org", "Access-Control-Request-Method": "CUSTOM"}
    response = client.options("/", headers=headers)
    assert response.status_code == 400
    assert response.text == "Disallowed CORS method"
    assert response.headers["vary"] == PREFLIGHT_VARY


@pytest.mark.anyio
async def test_response_headers_are_replaced_in_place_without_touching_the_app_list() -> None:
    app_headers = [
        (b"access-control-allow-origin", b"https://stale.example"),
        (b"x-app", b"1"),
        (b"access-control-allow-credentials", b"false"),
        (b"access-control-allow-origin", b"https://other.example"),
        (b"vary", b"*"),
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": app_headers})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    middleware = CORSMiddleware(app, allow_origins=["https://example.org"], allow_credentials=True)
    scope: Scope = {"type": "http", "method": "GET", "headers": [(b"origin", b"https://example.org")]}
    await middleware(scope, receive, send)

    # The first header of each name takes the new value where it is; the others are dropped.
    assert sent[0]["headers"] == [
        (b"access-control-allow-origin", b"https://example.org"),
        (b"x-app", b"1"),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"*"),
    ]
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}
    assert app_headers[0] == (b"access-control-allow-origin", b"https://stale.example")
    assert len(app_headers) == 5


@pytest.mark.anyio
async def test_public_send_and_simple_response() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204})

    middleware = CORSMiddleware(app, allow_origins=["*"])
    request_headers = Headers({"origin": "https://example.org", "cookie": "a=1"})
    await middleware.send({"type": "http.response.start", "status": 200, "headers": []}, send, request_headers)
    await middleware.send({"type": "http.response.body", "body": b"x"}, send, request_headers)
    scope: Scope = {"type": "http", "method": "GET", "headers": []}
    await middleware.simple_response(scope, receive, send, Headers({"origin": "https://example.org"}))

    assert sent == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")],
        },
        {"type": "http.response.body", "body": b"x"},
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")],
        },
    ]


@pytest.mark.parametrize(
    "options, expected",
    [
        (
            {"allow_origins": ["*"], "expose_headers": ["X-Status"]},
            [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", b"X-Status"),
            ],
        ),
        (
            {"allow_origins": ["*"], "allow_credentials": True, "expose_headers": ["X-Status"]},
            [
                (b"access-control-allow-origin", b"https://example.org"),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", b"X-Status"),
            ],
        ),
        (
            {"allow_origins": ["https://example.org"], "allow_credentials": True, "expose_headers": ["X-Status"]},
            [
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", b"X-Status"),
                (b"access-control-allow-origin", b"https://example.org"),
            ],
        ),
        (
            {"allow_origins": ["https://other.example"], "allow_credentials": True, "expose_headers": ["X-Status"]},
            [
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", b"X-Status"),
            ],
        ),
    ],
)
def test_simple_response_header_order(
    test_client_factory: TestClientFactory, options: dict[str, Any], expected: list[tuple[bytes, bytes]]
) -> None:
    client = make_client(test_client_factory, **options)
    response = client.get("/", headers={"Origin": "https://example.org", "Cookie": "session=1"})
    assert response.headers.raw == [
        (b"content-length", b"8"),
        (b"content-type", b"text/plain; charset=utf-8"),
        *expected,
        (b"vary", b"Origin"),
    ]


@pytest.mark.anyio
async def test_first_origin_header_counts() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    middleware = CORSMiddleware(PlainTextResponse("ok"), allow_origins=["https://example.org"])
    headers = [(b"origin", b"https://evil.example"), (b"origin", b"https://example.org")]
    await middleware({"type": "http", "method": "GET", "headers": headers}, receive, send)
    assert (b"access-control-allow-origin", b"https://example.org") not in sent[0]["headers"]
    assert (b"vary", b"Origin") in sent[0]["headers"]


@pytest.mark.anyio
async def test_many_distinct_origins() -> None:
    """What an origin gets is remembered up to a bound; past it origins are still checked each time."""
    allowed: list[bytes | None] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            allowed.append(dict(message["headers"]).get(b"access-control-allow-origin"))

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    middleware = CORSMiddleware(PlainTextResponse("ok"), allow_origin_regex=r"https://app\d+\.example\.org")
    origins = [f"https://app{index}.example.org".encode() for index in range(300)]
    for _ in range(2):
        for origin in [*origins, b"https://evil.example"]:
            await middleware({"type": "http", "method": "GET", "headers": [(b"origin", origin)]}, receive, send)
    assert allowed == [*origins, None] * 2


def test_allow_explicit_origin() -> None:
    headers = MutableHeaders({"Vary": "Accept-Encoding"})
    CORSMiddleware.allow_explicit_origin(headers, "https://example.org")
    assert headers["access-control-allow-origin"] == "https://example.org"
    assert headers["vary"] == "Accept-Encoding, Origin"


def test_websocket_passes_through(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, allow_origins=["https://example.org"])
    with client.websocket_connect("/ws", headers={"Origin": "https://evil.example"}) as session:
        assert session.receive_text() == "hello"


def test_attributes() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None: ...  # pragma: no cover

    middleware = CORSMiddleware(
        app,
        allow_origins=["https://example.org"],
        allow_methods=["GET", "POST"],
        allow_headers=["X-Example"],
        allow_credentials=True,
        allow_origin_regex="https://.*",
        expose_headers=["X-A", "X-B"],
    )
    assert middleware.app is app
    assert middleware.allow_origins == ["https://example.org"]
    assert middleware.allow_methods == ["GET", "POST"]
    assert middleware.allow_headers == ["accept", "accept-language", "content-language", "content-type", "x-example"]
    assert middleware.allow_all_origins is False
    assert middleware.allow_all_headers is False
    assert middleware.allow_credentials is True
    assert middleware.preflight_explicit_allow_origin is True
    assert middleware.allow_origin_regex is not None
    assert middleware.allow_origin_regex.pattern == "https://.*"
    assert middleware.allow_private_network is False
    assert middleware.simple_headers == {
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-A, X-B",
    }
    assert middleware.preflight_headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert middleware.is_allowed_origin("https://anything") is True
    assert {"Accept", "Accept-Language", "Content-Language", "Content-Type"} == SAFELISTED_HEADERS
    assert "QUERY" in ALL_METHODS
