from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio
import anyio.abc
import anyio.lowlevel
import pytest

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.base import (
    BaseHTTPMiddleware,
    RequestResponseEndpoint,
    _StreamingResponse,  # pyright: ignore[reportPrivateUsage]
)
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


class CustomHeader(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Custom-Header"] = "Example"
        return response


async def homepage(request: Request) -> Response:
    return PlainTextResponse("Homepage")


async def failing(request: Request) -> Response:
    raise RuntimeError("Endpoint failed")


async def streaming_failure(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        raise RuntimeError("Stream failed")

    return StreamingResponse(chunks())


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("Hello, world!")
    await websocket.close()


def make_app(*middleware: Middleware) -> Starlette:
    return Starlette(
        routes=[
            Route("/", homepage),
            Route("/failing", failing),
            Route("/streaming-failure", streaming_failure),
            WebSocketRoute("/ws", websocket_endpoint),
        ],
        middleware=list(middleware),
    )


START_MESSAGE: Message = {"type": "http.response.start", "status": 200, "headers": []}


def http_scope(method: str = "GET") -> Scope:
    return {"type": "http", "method": method, "path": "/", "headers": [], "query_string": b""}


class Channel:
    """Request messages to receive, then (optionally) a wait that never ends; records what is sent."""

    def __init__(self, *messages: Message, then_block: bool = False, slow_send: bool = False) -> None:
        self.pending = list(messages)
        self.then_block = then_block
        self.slow_send = slow_send
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if not self.pending and self.then_block:
            await anyio.Event().wait()
        assert self.pending, "receive() called after the last message"
        return self.pending.pop(0)

    async def send(self, message: Message) -> None:
        if self.slow_send:
            await anyio.lowlevel.checkpoint()
        self.sent.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(message.get("body", b"") for message in self.sent if message["type"] == "http.response.body")


def test_custom_middleware(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(Middleware(CustomHeader)))
    response = client.get("/")
    assert response.text == "Homepage"
    assert response.headers["Custom-Header"] == "Example"
    assert response.headers["content-length"] == "8"

    with pytest.raises(RuntimeError, match="Endpoint failed"):
        client.get("/failing")

    with pytest.raises(RuntimeError, match="Stream failed"):
        client.get("/streaming-failure")

    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "Hello, world!"


def test_dispatch_function(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["X-Dispatched"] = request.url.path
        return response

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    response = client.get("/")
    assert response.text == "Homepage"
    assert response.headers["X-Dispatched"] == "/"


def test_dispatch_without_call_next(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return PlainTextResponse("Short-circuited", status_code=418)

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    response = client.get("/")
    assert response.status_code == 418
    assert response.text == "Short-circuited"


def test_state_and_scope_are_shared(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        request.scope["endpoint-was-here"] = True
        return PlainTextResponse(request.state.user)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.user = "alice"
        response = await call_next(request)
        response.headers["X-Endpoint"] = str(request.scope["endpoint-was-here"])
        response.headers["X-Path-Params"] = str(request.path_params)
        return response

    app = Starlette(routes=[Route("/{name}", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    response = test_client_factory(app).get("/bob")
    assert response.text == "alice"
    assert response.headers["X-Endpoint"] == "True"
    assert response.headers["X-Path-Params"] == "{'name': 'bob'}"


def test_no_response_returned(test_client_factory: TestClientFactory) -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    client = test_client_factory(BaseHTTPMiddleware(silent, dispatch=pass_through))
    with pytest.raises(RuntimeError, match=r"^No response returned\.$"):
        client.get("/")


async def pass_through(request: Request, call_next: RequestResponseEndpoint) -> Response:
    return await call_next(request)


def test_app_error_can_be_handled_in_dispatch(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except RuntimeError as exc:
            # The application's chain is kept; the middleware's own plumbing is hidden.
            assert exc.__cause__ is None
            assert exc.__suppress_context__ is True
            return PlainTextResponse(f"Handled: {exc}", status_code=500)

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    response = client.get("/failing")
    assert response.status_code == 500
    assert response.text == "Handled: Endpoint failed"


def test_app_error_raised_once(test_client_factory: TestClientFactory) -> None:
    calls: list[str] = []

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except RuntimeError:
            calls.append("dispatch")
            raise

    client = test_client_factory(
        make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)), raise_server_exceptions=False
    )
    response = client.get("/failing")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert calls == ["dispatch"]


def test_streamed_body_error_after_the_response_started(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app(Middleware(CustomHeader)), raise_server_exceptions=False)
    response = client.get("/streaming-failure")
    assert response.status_code == 200
    assert response.text == "first"


def test_background_task_runs_after_the_response(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def task() -> None:
        events.append("background")

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("done", background=BackgroundTask(task))

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        events.append("dispatched")
        return response

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    assert test_client_factory(app).get("/").text == "done"
    assert events == ["dispatched", "background"]


@pytest.mark.anyio
async def test_background_task_does_not_delay_the_response() -> None:
    response_complete = anyio.Event()
    events: list[str] = []

    async def task() -> None:
        await response_complete.wait()
        events.append("background done")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("done", background=BackgroundTask(task))(scope, receive, send)

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            events.append("response sent")
            response_complete.set()

    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), Channel().receive, send)
    assert events == ["response sent", "background done"]


def test_background_task_error_is_raised(test_client_factory: TestClientFactory) -> None:
    async def task() -> None:
        raise ValueError("Background failed")

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("done", background=BackgroundTask(task))

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=pass_through)])
    with pytest.raises(ValueError, match="Background failed"):
        test_client_factory(app).get("/")


def test_background_set_in_dispatch(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.background = BackgroundTask(events.append, "from dispatch")
        return response

    assert test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch))).get("/").status_code == 200
    assert events == ["from dispatch"]


@pytest.mark.anyio
async def test_streaming_passes_through_chunk_by_chunk() -> None:
    """The first chunk reaches the client before the app produces the second one."""
    first_chunk_sent = anyio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield b"one"
        await first_chunk_sent.wait()
        yield b"two"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(chunks())(scope, receive, send)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body") == b"one":
            first_chunk_sent.set()

    scope = http_scope()
    scope["asgi"] = {"version": "3.0", "spec_version": "2.4"}
    await BaseHTTPMiddleware(app, dispatch=pass_through)(scope, Channel().receive, send)
    assert [message.get("body") for message in sent] == [None, b"one", b"two", b""]
    assert sent[-1]["more_body"] is False


def test_many_streamed_chunks(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for index in range(20):
                yield b"%d," % index

        return StreamingResponse(chunks())

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(CustomHeader)])
    response = test_client_factory(app).get("/")
    assert response.text == "".join(f"{index}," for index in range(20))
    assert response.headers["Custom-Header"] == "Example"


def test_dispatch_reads_the_response_body(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        assert isinstance(response, _StreamingResponse)
        body = b"".join([chunk async for chunk in response.body_iterator])
        return PlainTextResponse(body.decode().upper(), status_code=response.status_code)

    response = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch))).get("/")
    assert response.text == "HOMEPAGE"


def test_dispatch_wraps_the_response_body(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        assert isinstance(response, _StreamingResponse)
        original = response.body_iterator

        async def shouted() -> AsyncIterator[bytes]:
            async for chunk in original:
                yield chunk.upper()

        response.body_iterator = shouted()
        del response.headers["content-length"]
        return response

    app = Starlette(routes=[Route("/", homepage)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    assert test_client_factory(app).get("/").text == "HOMEPAGE"


def test_dispatch_replaces_a_streaming_response(test_client_factory: TestClientFactory) -> None:
    produced: list[int] = []

    class Chunks:
        def __aiter__(self) -> Chunks:
            return self

        async def __anext__(self) -> bytes:
            if len(produced) == 10:
                raise StopAsyncIteration
            produced.append(len(produced))
            return b"x"

    async def endpoint(request: Request) -> Response:
        return StreamingResponse(Chunks())

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced")

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    assert test_client_factory(app).get("/").text == "replaced"
    # The streaming response learnt that the client had gone, and stopped early.
    assert 0 < len(produced) < 10


def test_call_next_twice(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return await call_next(request)

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    with pytest.raises(AssertionError, match="only be called once"):
        client.get("/")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "messages, error_type, error",
    [
        ([{"type": "http.response.body", "body": b"x"}], AssertionError, "Expected an 'http.response.start' message"),
        ([START_MESSAGE, START_MESSAGE], RuntimeError, "Unexpected message: 'http.response.start'"),
    ],
)
async def test_protocol_errors(messages: list[Message], error_type: type[Exception], error: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(error_type, match=error):
        await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), Channel().receive, Channel().send)


@pytest.mark.anyio
async def test_other_messages_go_straight_to_the_client() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload"]})
        await PlainTextResponse("ok")(scope, receive, send)

    channel = Channel()
    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), channel.receive, channel.send)
    assert [message["type"] for message in channel.sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.body",
        "http.response.body",
    ]


@pytest.mark.anyio
async def test_pathsend(tmp_path: Path) -> None:
    path = tmp_path / "example.txt"
    path.write_bytes(b"<file content>")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await FileResponse(path)(scope, receive, send)

    scope = http_scope()
    scope["extensions"] = {"http.response.pathsend": {}}
    channel = Channel()
    await BaseHTTPMiddleware(app, dispatch=pass_through)(scope, channel.receive, channel.send)
    assert [message["type"] for message in channel.sent] == ["http.response.start", "http.response.pathsend"]
    assert channel.sent[1]["path"] == str(path)


@pytest.mark.anyio
async def test_debug_info_is_passed_on() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"template": "index.html"}})
        await PlainTextResponse("ok")(scope, receive, send)

    channel = Channel()
    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), channel.receive, channel.send)
    assert channel.sent[0] == {"type": "http.response.debug", "info": {"template": "index.html"}}
    assert [message["type"] for message in channel.sent[1:]] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
    ]


def test_contextvars_do_not_propagate_up_from_the_app(test_client_factory: TestClientFactory) -> None:
    variable: contextvars.ContextVar[str] = contextvars.ContextVar("variable")

    async def endpoint(request: Request) -> Response:
        assert variable.get() == "set by middleware"
        variable.set("set by endpoint")
        return PlainTextResponse("ok")

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        variable.set("set by middleware")
        response = await call_next(request)
        assert variable.get() == "set by middleware"
        return response

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)])
    assert test_client_factory(app).get("/").text == "ok"


def test_nested_middleware(test_client_factory: TestClientFactory) -> None:
    def tagging(tag: str) -> Middleware:
        async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
            response = await call_next(request)
            response.headers.append("X-Tag", tag)
            return response

        return Middleware(BaseHTTPMiddleware, dispatch=dispatch)

    response = test_client_factory(make_app(tagging("outer"), tagging("inner"))).get("/")
    assert response.text == "Homepage"
    assert response.headers.get_list("X-Tag") == ["inner", "outer"]


# -- the request body, shared between dispatch and the application ---------------------------


async def echo(request: Request) -> Response:
    return PlainTextResponse(await request.body())


def test_body_read_in_dispatch_is_replayed(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        assert await request.body() == b"payload"
        return await call_next(request)

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"])], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)]
    )
    assert test_client_factory(app).post("/", content=b"payload").text == "payload"


def test_body_streamed_in_dispatch_leaves_an_empty_body(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        assert [chunk async for chunk in request.stream()] == [b"payload", b""]
        return await call_next(request)

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"])], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)]
    )
    assert test_client_factory(app).post("/", content=b"payload").text == ""


def test_body_read_by_the_app_is_consumed_for_dispatch(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        with pytest.raises(RuntimeError, match="Stream consumed"):
            await request.body()
        return response

    def chunks() -> Iterator[bytes]:
        yield b"pay"
        yield b"load"

    app = Starlette(
        routes=[Route("/", echo, methods=["POST"])], middleware=[Middleware(BaseHTTPMiddleware, dispatch=dispatch)]
    )
    assert test_client_factory(app).post("/", content=chunks()).text == "payload"


@pytest.mark.anyio
async def test_body_shared_while_dispatch_streams() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await receive() == {"type": "http.request", "body": b"2", "more_body": True}
        await Response()(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        seen: list[bytes] = []
        response: Response | None = None
        async for chunk in request.stream():
            seen.append(chunk)
            if response is None:
                response = await call_next(request)
        assert seen == [b"1", b"3", b""]
        assert response is not None
        return response

    channel = Channel(
        {"type": "http.request", "body": b"1", "more_body": True},
        {"type": "http.request", "body": b"2", "more_body": True},
        {"type": "http.request", "body": b"3", "more_body": False},
    )
    await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope("POST"), channel.receive, channel.send)
    assert channel.sent[0]["status"] == 200


@pytest.mark.anyio
async def test_disconnect_seen_by_the_app_marks_the_request() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await receive() == {"type": "http.disconnect"}
        assert await receive() == {"type": "http.disconnect"}  # not asked to the client again
        await Response()(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        assert await request.is_disconnected() is True
        return response

    channel = Channel({"type": "http.disconnect"})
    await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope("POST"), channel.receive, channel.send)
    assert channel.sent[0]["status"] == 200


@pytest.mark.anyio
async def test_disconnect_seen_by_dispatch_reaches_the_app() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await receive() == {"type": "http.request", "body": b"hi", "more_body": False}
        assert await receive() == {"type": "http.disconnect"}
        await Response()(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await request.body()
        assert await request.is_disconnected() is True
        return await call_next(request)

    channel = Channel({"type": "http.request", "body": b"hi"}, {"type": "http.disconnect"})
    await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope("POST"), channel.receive, channel.send)
    assert channel.sent[0]["status"] == 200


@pytest.mark.anyio
async def test_app_waiting_for_a_disconnect() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["body"] == b"hi"
        assert await receive() == {"type": "http.disconnect"}
        await Response()(scope, receive, send)

    channel = Channel({"type": "http.request", "body": b"hi"}, {"type": "http.disconnect"})
    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope("POST"), channel.receive, channel.send)
    assert channel.sent[0]["status"] == 200


@pytest.mark.anyio
async def test_unexpected_message_after_the_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await receive()

    channel = Channel({"type": "http.request", "body": b"hi"}, {"type": "http.request", "body": b"again"})
    with pytest.raises(RuntimeError, match="Unexpected message received: http.request"):
        await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope("POST"), channel.receive, channel.send)


@pytest.mark.anyio
async def test_app_listening_for_a_disconnect_is_released_once_the_response_is_sent() -> None:
    """A streaming response on an ASGI 2.3 server listens for the disconnect while it streams."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"streamed"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(chunks())(scope, receive, send)
        assert await receive() == {"type": "http.disconnect"}

    scope = http_scope()
    scope["asgi"] = {"version": "3.0", "spec_version": "2.3"}
    channel = Channel({"type": "http.request", "body": b""}, then_block=True, slow_send=True)
    await BaseHTTPMiddleware(app, dispatch=pass_through)(scope, channel.receive, channel.send)
    assert channel.body == b"streamed"


@pytest.mark.anyio
async def test_app_waiting_on_the_client_is_released_once_the_response_is_sent() -> None:
    after: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        while (message := await receive())["type"] == "http.request":
            pass
        after.append(message)

    channel = Channel({"type": "http.request", "body": b""}, then_block=True, slow_send=True)
    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), channel.receive, channel.send)
    assert channel.body == b"done"
    assert after == [{"type": "http.disconnect"}]


@pytest.mark.anyio
async def test_app_sending_after_the_response_was_replaced() -> None:
    after: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(5):  # more than is buffered: blocks until the response is replaced
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "body": b"late"})
        after.append(await receive())

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced")

    channel = Channel(slow_send=True)
    await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope(), channel.receive, channel.send)
    assert channel.body == b"replaced"
    assert after == [{"type": "http.disconnect"}]


@pytest.mark.anyio
async def test_dispatch_error_before_call_next() -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise ValueError("dispatch failed")

    channel = Channel()
    with pytest.raises(ValueError, match="dispatch failed"):
        await BaseHTTPMiddleware(homepage_app, dispatch=dispatch)(http_scope(), channel.receive, channel.send)
    assert channel.sent == []


async def homepage_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("Homepage")(scope, receive, send)  # pragma: no cover


@pytest.mark.anyio
async def test_empty_chunks_are_skipped_by_the_body_iterator() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        assert isinstance(response, _StreamingResponse)
        assert [chunk async for chunk in response.body_iterator] == [b"a"]
        assert [chunk async for chunk in response.body_iterator] == []
        return PlainTextResponse("read")

    channel = Channel()
    await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope(), channel.receive, channel.send)
    assert channel.body == b"read"


@pytest.mark.anyio
async def test_dispatch_error_cancels_the_app() -> None:
    cancelled: list[bool] = []
    started = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            started.set()
            await anyio.Event().wait()
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        await started.wait()
        raise ValueError("dispatch failed")

    channel = Channel()
    with pytest.raises(ValueError, match="dispatch failed"):
        await BaseHTTPMiddleware(app, dispatch=dispatch)(http_scope(), channel.receive, channel.send)
    assert cancelled == [True]


@pytest.mark.anyio
async def test_cancelled_request_waits_for_the_app() -> None:
    started = anyio.Event()
    cleaned_up: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            started.set()
            await anyio.Event().wait()
        finally:
            # Cleanup that takes a few event loop rounds, with the request still being cancelled.
            with anyio.CancelScope(shield=True):
                for _ in range(5):
                    await anyio.lowlevel.checkpoint()
            cleaned_up.append(True)

    middleware = BaseHTTPMiddleware(app, dispatch=pass_through)
    channel = Channel()
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(middleware, http_scope(), channel.receive, channel.send)
        await started.wait()
        task_group.cancel_scope.cancel()
    assert cleaned_up == [True]
    assert channel.sent == []


def test_websocket_and_lifespan_pass_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app(Middleware(CustomHeader))) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "Hello, world!"


def test_streaming_response_from_dispatch_listens_on_the_request(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"from "
            yield b"dispatch"

        return StreamingResponse(chunks())

    response = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch))).get("/")
    assert response.text == "from dispatch"


def test_streaming_response_from_dispatch_after_reading_the_body(test_client_factory: TestClientFactory) -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        body = await request.body()

        async def chunks() -> AsyncIterator[bytes]:
            yield body

        return StreamingResponse(chunks())

    client = test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=dispatch)))
    assert client.post("/", content=b"echoed").text == "echoed"


def test_streaming_response_class_attributes() -> None:
    async def empty() -> AsyncIterator[bytes]:
        yield b""  # pragma: no cover

    response = _StreamingResponse(empty(), status_code=201, headers={"x-a": "b"}, media_type="text/plain", info=1)
    assert response.status_code == 201
    assert response.info == 1
    assert response.background is None
    assert response.headers["x-a"] == "b"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_app_factory_usage(test_client_factory: TestClientFactory) -> None:
    app: ASGIApp = CustomHeader(make_app())
    assert test_client_factory(app).get("/").headers["Custom-Header"] == "Example"


# -- the application's response discarded by dispatch, and client disconnects ----------------------


def test_app_sending_in_a_loop_sees_the_disconnect_once_discarded(test_client_factory: TestClientFactory) -> None:
    class Discarding(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            response = await call_next(request)
            assert isinstance(response, _StreamingResponse)
            body = response.body_iterator
            assert await body.__anext__() == b"chunk "
            await body.aclose()  # type: ignore[attr-defined]  # upstream's body is an async generator  # ty: ignore[missing-attribute]
            assert [chunk async for chunk in body] == []
            return PlainTextResponse("Custom")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        async with anyio.create_task_group() as task_group:

            async def cancel_on_disconnect(*, task_status: anyio.abc.TaskStatus[None]) -> None:
                task_status.started()
                while (await receive())["type"] != "http.disconnect":
                    pass
                task_group.cancel_scope.cancel()

            await task_group.start(cancel_on_disconnect)
            while True:  # ends when the disconnect cancels the task group
                await send({"type": "http.response.body", "body": b"chunk ", "more_body": True})

    assert test_client_factory(Discarding(app)).get("/").text == "Custom"


def test_app_receives_a_disconnect_after_its_response_is_discarded(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return PlainTextResponse("Custom")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first chunk, ", "more_body": True})
        await send({"type": "http.response.body", "body": b"second chunk", "more_body": True})
        received.append(await receive())

    assert test_client_factory(BaseHTTPMiddleware(app, dispatch=dispatch)).get("/").text == "Custom"
    assert received == [{"type": "http.disconnect"}]


@pytest.mark.anyio
@pytest.mark.parametrize("send_body", [True, False])
async def test_app_polling_for_the_disconnect_twice(send_body: bool) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(2):
            while (await receive())["type"] == "http.request":
                pass
        await Response(b"good!")(scope, receive, send)

    messages: list[Message] = [{"type": "http.disconnect"}]
    if send_body:
        messages[:0] = [{"type": "http.request", "body": b"hello", "more_body": True}, {"type": "http.request"}]
    channel = Channel(*messages)  # a single disconnect: asking the client again would fail
    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), channel.receive, channel.send)
    assert channel.body == b"good!"


@pytest.mark.anyio
async def test_stacked_middleware_with_a_disconnected_client() -> None:
    events: list[str] = []

    def recording(name: str) -> Middleware:
        async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
            events.append(f"{name}:started")
            response = await call_next(request)
            events.append(f"{name}:completed")
            return response

        return Middleware(BaseHTTPMiddleware, dispatch=dispatch)

    async def endpoint(request: Request) -> Response:
        with pytest.raises(ClientDisconnect):
            await request.body()
        return Response(b"")

    app = Starlette(routes=[Route("/", endpoint)], middleware=[recording(str(index)) for index in range(3)])

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    await app(http_scope(), receive, Channel().send)
    assert events == ["0:started", "1:started", "2:started", "2:completed", "1:completed", "0:completed"]


@pytest.mark.anyio
async def test_exit_stack_below_the_middleware_completes() -> None:
    exited: list[bool] = []

    async def note_exit() -> None:
        await anyio.lowlevel.checkpoint()
        exited.append(True)

    class WithExitStack:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            async with contextlib.AsyncExitStack() as stack:
                stack.push_async_callback(note_exit)
                await self.app(scope, receive, send)

    app = Starlette(
        routes=[Route("/", homepage)],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=pass_through), Middleware(WithExitStack)],
    )

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    await app(http_scope(), receive, Channel().send)
    assert exited == [True]


def test_downstream_receive_wrappers_see_the_replayed_body(test_client_factory: TestClientFactory) -> None:
    bodies: list[bytes] = []

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        bodies.append(await Request(scope, receive).body())
        await Response()(scope, receive, send)

    async def doubling(scope: Scope, receive: Receive, send: Send) -> None:
        async def doubled() -> Message:
            message = await receive()
            message["body"] = message.get("body", b"") * 2
            return message

        await endpoint(scope, doubled, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        bodies.append(await request.body())
        return await call_next(request)

    client = test_client_factory(BaseHTTPMiddleware(doubling, dispatch=dispatch))
    assert client.post("/", content=b"foo ").status_code == 200
    assert bodies == [b"foo ", b"foo foo "]


@pytest.mark.anyio
async def test_background_tasks_start_once_the_responses_are_sent() -> None:
    events: list[str | Message] = []

    async def task() -> None:
        events.append("background started")
        await anyio.lowlevel.checkpoint()
        events.append("background finished")

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("Hello", background=BackgroundTask(task))

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=pass_through)])

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            events.append(message)

    async with anyio.create_task_group() as task_group:
        task_group.start_soon(app, http_scope(), receive, send)
        task_group.start_soon(app, http_scope(), receive, send)

    body = [{"type": "http.response.body", "body": b"Hello", "more_body": True}]
    end = [{"type": "http.response.body", "body": b"", "more_body": False}]
    assert events[:4] == body + end + body + end
    assert sorted(map(str, events[4:])) == ["background finished"] * 2 + ["background started"] * 2


def test_several_app_tasks_sending(test_client_factory: TestClientFactory) -> None:
    """Like a server-sent events response sending its events and pings from two tasks."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

        async def produce(tag: bytes) -> None:
            for _ in range(5):
                await send({"type": "http.response.body", "body": tag, "more_body": True})

        async with anyio.create_task_group() as task_group:
            task_group.start_soon(produce, b"a")
            task_group.start_soon(produce, b"b")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    response = test_client_factory(BaseHTTPMiddleware(app, dispatch=pass_through)).get("/")
    assert sorted(response.text) == ["a"] * 5 + ["b"] * 5


@pytest.mark.anyio
async def test_background_task_waits_for_a_slow_client() -> None:
    """The application's background work starts only once the whole response went out, however slow the client."""
    channel = Channel(slow_send=True)

    async def task() -> None:
        channel.sent.append({"type": "background"})

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("hello", background=BackgroundTask(task))(scope, receive, send)

    await BaseHTTPMiddleware(app, dispatch=pass_through)(http_scope(), channel.receive, channel.send)
    assert [message["type"] for message in channel.sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
        "background",
    ]
    assert channel.body == b"hello"


@pytest.mark.anyio
async def test_early_hints_from_dispatch_and_app() -> None:
    channel = Channel()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive, send).send_early_hints("</app.css>; rel=preload; as=style")
        await PlainTextResponse("hello")(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await request.send_early_hints("</dispatch.css>; rel=preload; as=style")
        return await call_next(request)

    scope = http_scope()
    scope["extensions"] = {"http.response.early_hint": {}}
    await BaseHTTPMiddleware(app, dispatch=dispatch)(scope, channel.receive, channel.send)
    assert channel.sent[:2] == [
        {"type": "http.response.early_hint", "links": [b"</dispatch.css>; rel=preload; as=style"]},
        {"type": "http.response.early_hint", "links": [b"</app.css>; rel=preload; as=style"]},
    ]
    assert channel.sent[2]["type"] == "http.response.start"
    assert channel.body == b"hello"


def raise_with_context(request: Request) -> Response:
    try:
        raise ValueError("inner")
    except ValueError:
        raise RuntimeError("outer")  # noqa: B904


def raise_with_cause(request: Request) -> Response:
    try:
        raise ValueError("inner")
    except ValueError as exc:
        raise RuntimeError("outer") from exc


@pytest.mark.parametrize("endpoint", [raise_with_context, raise_with_cause])
def test_app_error_chain_is_kept(
    test_client_factory: TestClientFactory, endpoint: Callable[[Request], Response]
) -> None:
    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=pass_through)])
    with pytest.raises(RuntimeError, match="outer") as info:
        test_client_factory(app).get("/")
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == "inner"


def test_app_error_without_a_chain(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(RuntimeError, match="Endpoint failed") as info:
        test_client_factory(make_app(Middleware(BaseHTTPMiddleware, dispatch=pass_through))).get("/failing")
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


# --- a body stream that fails is not completed (issue 16, P5) ------------------------------


async def _run_failing_stream(app: ASGIApp) -> list[Message]:
    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    sent: list[Message] = []
    requests: list[Message] = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if requests:
            return requests.pop()
        await anyio.sleep_forever()  # the client stays connected
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError, match="^Stream failed$"):
        await app(scope, receive, send)
    return sent


@pytest.mark.anyio
@pytest.mark.parametrize("layers", [0, 1, 2])
async def test_failed_body_stream_is_not_completed(layers: int) -> None:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await (await streaming_failure(Request(scope, receive)))(scope, receive, send)

    app: ASGIApp = endpoint
    for _ in range(layers):
        app = CustomHeader(app)
    sent = await _run_failing_stream(app)
    # As without the middleware: the first chunk, then nothing that ends the body.
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"first" and sent[1]["more_body"] is True
    assert not [message for message in sent if message["type"] == "http.response.body" and not message["more_body"]]


@pytest.mark.anyio
async def test_body_left_open_by_an_application_that_returns_is_ended() -> None:
    async def unfinished(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await CustomHeader(unfinished)(scope, _no_receive, send)
    assert [(message.get("body"), message.get("more_body")) for message in sent[1:]] == [
        (b"partial", True),
        (b"", False),
    ]


async def _no_receive() -> Message:
    raise AssertionError("not called")  # pragma: no cover
