from __future__ import annotations

from collections.abc import Iterator

import pytest

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware, body_limit
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.body_limit import (
    MAX_BODY_SIZE_SCOPE_KEY,
    RequestBodyLimitMiddleware,
    RequestBodyLimitResponder,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory


async def echo_body(scope: Scope, receive: Receive, send: Send) -> None:
    body = await Request(scope, receive).body()
    await PlainTextResponse(f"{len(body)} bytes")(scope, receive, send)


async def ignore_body(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("ignored")(scope, receive, send)


def http_scope(headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "method": "POST", "path": "/", "headers": headers or []}


class Channel:
    """A receive/send pair over a fixed list of request messages, recording what is sent."""

    def __init__(self, *messages: Message) -> None:
        self.pending = list(messages)
        self.received = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        assert self.pending, "receive() called after the last message"
        self.received += 1
        return self.pending.pop(0)

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> bytes:
        return b"".join(message.get("body", b"") for message in self.sent[1:])


def chunk(body: bytes, more_body: bool = True) -> Message:
    return {"type": "http.request", "body": body, "more_body": more_body}


def chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def test_body_within_limit(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(RequestBodyLimitMiddleware(echo_body, max_body_size=10))
    assert client.post("/", content=b"x" * 10).text == "10 bytes"
    assert client.post("/", content=b"").text == "0 bytes"
    assert client.post("/", content=chunks(b"12345", b"67890")).text == "10 bytes"


def test_declared_length_over_limit(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(RequestBodyLimitMiddleware(echo_body, max_body_size=10))
    response = client.post("/", content=b"x" * 11)
    assert response.status_code == 413
    assert response.text == "Content Too Large"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "17"


def test_streamed_body_over_limit(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(RequestBodyLimitMiddleware(echo_body, max_body_size=10))
    response = client.post("/", content=chunks(b"12345", b"67890", b"1"))
    assert response.status_code == 413
    assert response.text == "Content Too Large"


@pytest.mark.anyio
async def test_declared_length_over_limit_is_never_read() -> None:
    channel = Channel()  # any receive() would fail
    app = RequestBodyLimitMiddleware(echo_body, max_body_size=3)
    await app(http_scope([(b"content-length", b"4")]), channel.receive, channel.send)
    assert channel.received == 0
    assert channel.status == 413
    assert channel.sent[1] == {"type": "http.response.body", "body": b"Content Too Large"}


@pytest.mark.anyio
async def test_declared_length_over_limit_is_refused_without_reading() -> None:
    channel = Channel()  # any receive() would fail
    await RequestBodyLimitMiddleware(ignore_body, max_body_size=3)(
        http_scope([(b"content-length", b"100")]), channel.receive, channel.send
    )
    assert channel.status == 413
    assert channel.body == b"Content Too Large"
    assert len(channel.sent) == 2  # the application's own response is dropped


@pytest.mark.anyio
async def test_app_reading_after_a_refused_start_is_stopped() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()

    channel = Channel()
    await RequestBodyLimitMiddleware(app, max_body_size=3)(
        http_scope([(b"content-length", b"100")]), channel.receive, channel.send
    )
    assert channel.status == 413
    assert channel.received == 0


@pytest.mark.anyio
async def test_declared_length_within_limit_is_served_unread() -> None:
    channel = Channel()
    await RequestBodyLimitMiddleware(ignore_body, max_body_size=3)(
        http_scope([(b"content-length", b"3")]), channel.receive, channel.send
    )
    assert channel.status == 200
    assert channel.body == b"ignored"


@pytest.mark.anyio
@pytest.mark.parametrize("value", [b"abc", b"", b"-5", b"1_0", b" 1", b"+1"])
async def test_malformed_content_length_falls_back_to_counting(value: bytes) -> None:
    channel = Channel(chunk(b"ab"), chunk(b"cd", more_body=False))
    await RequestBodyLimitMiddleware(echo_body, max_body_size=3)(
        http_scope([(b"Content-Length", value)]), channel.receive, channel.send
    )
    assert channel.status == 413
    assert channel.received == 2


@pytest.mark.anyio
async def test_huge_content_length() -> None:
    channel = Channel()
    await RequestBodyLimitMiddleware(echo_body, max_body_size=3)(
        http_scope([(b"content-length", b"9" * 5000)]), channel.receive, channel.send
    )
    assert channel.status == 413


@pytest.mark.anyio
async def test_zero_padded_content_length() -> None:
    channel = Channel(chunk(b"abc", more_body=False))
    await RequestBodyLimitMiddleware(echo_body, max_body_size=3)(
        http_scope([(b"content-length", b"0" * 40 + b"3")]), channel.receive, channel.send
    )
    assert channel.status == 200
    assert channel.body == b"3 bytes"


@pytest.mark.anyio
async def test_over_limit_after_response_started_propagates() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await Request(scope, receive).body()

    channel = Channel(chunk(b"abcd", more_body=False))
    with pytest.raises(HTTPException) as info:
        await RequestBodyLimitMiddleware(app, max_body_size=3)(http_scope(), channel.receive, channel.send)
    assert info.value.status_code == 413
    assert info.value.detail == "Content Too Large"
    # FastAPI looks these two up by name to let them through its own exception handlers.
    assert isinstance(info.value, getattr(body_limit, "_RequestBodyTooLarge"))  # noqa: B009
    assert not isinstance(info.value, getattr(body_limit, "_RequestBodyLimitResponseSent"))  # noqa: B009
    assert channel.sent == [{"type": "http.response.start", "status": 200, "headers": []}]


@pytest.mark.anyio
async def test_app_catching_the_error_cannot_send_another_response() -> None:
    seen: list[HTTPException] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await Request(scope, receive).body()
        except HTTPException as exc:
            seen.append(exc)
            await PlainTextResponse("handled", status_code=400)(scope, receive, send)
        with pytest.raises(HTTPException):
            await receive()  # reading again fails again

    channel = Channel(chunk(b"abcd", more_body=False))
    await RequestBodyLimitMiddleware(app, max_body_size=3)(http_scope(), channel.receive, channel.send)
    assert seen[0].status_code == 413
    assert channel.status == 413
    assert channel.body == b"Content Too Large"
    assert len(channel.sent) == 2


@pytest.mark.anyio
async def test_disconnect_counts_nothing() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await receive() == {"type": "http.disconnect"}
        await PlainTextResponse("bye")(scope, receive, send)

    channel = Channel({"type": "http.disconnect"})
    await RequestBodyLimitMiddleware(app, max_body_size=0)(http_scope(), channel.receive, channel.send)
    assert channel.status == 200


@pytest.mark.anyio
async def test_scope_key_is_set_while_active_and_restored() -> None:
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope[MAX_BODY_SIZE_SCOPE_KEY])
        await ignore_body(scope, receive, send)

    scope = http_scope()
    channel = Channel()
    await RequestBodyLimitMiddleware(app, max_body_size=7)(scope, channel.receive, channel.send)
    assert seen == [7]
    assert MAX_BODY_SIZE_SCOPE_KEY not in scope
    assert set(scope) == {"type", "method", "path", "headers"}

    scope[MAX_BODY_SIZE_SCOPE_KEY] = 99
    await RequestBodyLimitMiddleware(app, max_body_size=5)(scope, channel.receive, channel.send)
    assert seen == [7, 5]
    assert scope[MAX_BODY_SIZE_SCOPE_KEY] == 99


def nested(outer: int, inner: int, app: ASGIApp = echo_body) -> ASGIApp:
    return RequestBodyLimitMiddleware(RequestBodyLimitMiddleware(app, max_body_size=inner), max_body_size=outer)


@pytest.mark.anyio
async def test_nested_larger_limit_wins() -> None:
    channel = Channel(chunk(b"x" * 50, more_body=False))
    await nested(outer=10, inner=100)(http_scope([(b"content-length", b"50")]), channel.receive, channel.send)
    assert channel.status == 200
    assert channel.body == b"50 bytes"


@pytest.mark.anyio
async def test_nested_smaller_limit_wins() -> None:
    channel = Channel(chunk(b"x" * 50, more_body=False))
    await nested(outer=100, inner=10)(http_scope(), channel.receive, channel.send)
    assert channel.status == 413

    channel = Channel()
    await nested(outer=100, inner=10)(http_scope([(b"content-length", b"50")]), channel.receive, channel.send)
    assert channel.status == 413
    assert channel.received == 0


@pytest.mark.anyio
async def test_nested_limit_already_exceeded_fails_at_once() -> None:
    reached: list[bool] = []

    async def inner_app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(True)  # pragma: no cover

    inner = RequestBodyLimitMiddleware(inner_app, max_body_size=3)

    async def reads_then_delegates(scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["body"] == b"abcd"
        await inner(scope, receive, send)

    channel = Channel(chunk(b"abcd"), chunk(b"", more_body=False))
    await RequestBodyLimitMiddleware(reads_then_delegates, max_body_size=100)(
        http_scope(), channel.receive, channel.send
    )
    assert reached == []
    assert channel.status == 413


@pytest.mark.anyio
async def test_nested_limit_restores_the_outer_limit() -> None:
    inner = RequestBodyLimitMiddleware(ignore_body, max_body_size=100)
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await inner(scope, receive, send)
        seen.append(scope[MAX_BODY_SIZE_SCOPE_KEY])
        await receive()  # the outer limit of 3 applies again

    channel = Channel(chunk(b"abcd", more_body=False))
    with pytest.raises(HTTPException):
        await RequestBodyLimitMiddleware(app, max_body_size=3)(http_scope(), channel.receive, channel.send)
    assert seen == [3]


@pytest.mark.anyio
async def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        assert MAX_BODY_SIZE_SCOPE_KEY not in scope

    channel = Channel()
    for scope_type in ("websocket", "lifespan"):
        await RequestBodyLimitMiddleware(app, max_body_size=0)({"type": scope_type}, channel.receive, channel.send)
    assert seen == ["websocket", "lifespan"]


@pytest.mark.anyio
async def test_responder_attributes() -> None:
    responder = RequestBodyLimitResponder(echo_body, max_body_size=10)
    for name in ("scope", "receive", "send"):
        with pytest.raises(AssertionError, match="has not been called yet"):
            getattr(responder, name)
    with pytest.raises(AssertionError):
        await responder.receive_with_limit()
    with pytest.raises(AssertionError):
        await responder.send_with_limit({"type": "http.response.start"})
    with pytest.raises(KeyError, match="type"):
        await responder.send_with_limit({})

    scope = http_scope([(b"content-length", b"4")])
    channel = Channel(chunk(b"ab"), chunk(b"cd", more_body=False))
    await responder(scope, channel.receive, channel.send)
    assert responder.scope is scope
    assert responder.receive == channel.receive
    assert responder.send == channel.send
    assert responder.app is echo_body
    assert responder.max_body_size == 10
    assert responder.content_length == 4
    assert responder.total_size == 4
    assert responder.response_started is True


def test_application_limit(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{len(await request.body())} bytes")

    app = Starlette(routes=[Route("/", endpoint, methods=["POST"])], max_body_size=5)
    client = test_client_factory(app)
    assert client.post("/", content=b"12345").text == "5 bytes"
    response = client.post("/", content=b"123456")
    assert response.status_code == 413
    assert response.text == "Content Too Large"


def test_route_limit_overrides_application_limit(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{len(await request.body())} bytes")

    app = Starlette(
        routes=[
            Route("/upload", endpoint, methods=["POST"], max_body_size=100),
            Route("/small", endpoint, methods=["POST"], max_body_size=2),
            Mount("/mounted", routes=[Route("/", endpoint, methods=["POST"])], max_body_size=20),
            Route("/", endpoint, methods=["POST"]),
        ],
        max_body_size=10,
    )
    client = test_client_factory(app)
    assert client.post("/upload", content=b"x" * 50).text == "50 bytes"
    assert client.post("/upload", content=chunks(b"x" * 50, b"y" * 50)).text == "100 bytes"
    assert client.post("/upload", content=b"x" * 101).status_code == 413
    assert client.post("/small", content=b"xyz").status_code == 413
    assert client.post("/mounted/", content=b"x" * 15).text == "15 bytes"
    assert client.post("/", content=b"x" * 15).status_code == 413


def test_user_middleware_sees_the_application_limit(test_client_factory: TestClientFactory) -> None:
    seen: list[object] = []

    class Spy:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope.get(MAX_BODY_SIZE_SCOPE_KEY))
            await self.app(scope, receive, send)

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(Spy)], max_body_size=42)
    assert test_client_factory(app).get("/").status_code == 200
    assert seen == [42]


@pytest.mark.anyio
@pytest.mark.parametrize(("inner", "status"), [(100, 200), (10, 413)])
async def test_nested_limit_decides_the_declared_length_at_response_start(inner: int, status: int) -> None:
    channel = Channel()
    app = nested(outer=20, inner=inner, app=ignore_body)
    await app(http_scope([(b"content-length", b"50")]), channel.receive, channel.send)
    assert channel.status == status
    assert len(channel.sent) == 2
    assert channel.received == 0


def test_route_limit_decides_when_middleware_relays_the_response(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("not read")

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    app = Starlette(
        routes=[
            Route("/large", endpoint, methods=["POST"], max_body_size=10),
            Route("/small", endpoint, methods=["POST"], max_body_size=2),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)],
        max_body_size=5,
    )
    client = test_client_factory(app)
    assert client.post("/large", content=b"12345678").text == "not read"
    response = client.post("/small", content=b"1234")
    assert response.status_code == 413
    assert response.text == "Content Too Large"
    assert client.post("/", content=b"123456").status_code == 413


@pytest.mark.parametrize("read_in_dispatch", [False, True])
def test_limit_around_base_http_middleware(test_client_factory: TestClientFactory, read_in_dispatch: bool) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(f"{len(await request.body())} bytes")

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        if read_in_dispatch:
            await request.body()
        return await call_next(request)

    app = Starlette(
        routes=[Route("/", endpoint, methods=["POST"])],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)],
        max_body_size=5,
    )
    client = test_client_factory(app)
    assert client.post("/", content=b"12345").text == "5 bytes"
    response = client.post("/", content=chunks(b"123", b"456"))
    assert response.status_code == 413
    assert response.text == "Content Too Large"
