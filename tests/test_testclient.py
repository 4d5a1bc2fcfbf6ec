from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import anyio
import httpx as plain_httpx
import pytest
import sniffio

import starlette.testclient
from starlette.exceptions import StarletteDeprecationWarning
from starlette.testclient import (
    ASGI2App,
    ASGI3App,
    ASGIInstance,
    TestClient,
    WebSocketDenialResponse,
    WebSocketTestSession,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory

if TYPE_CHECKING:
    import httpx2 as httpx
else:
    httpx = starlette.testclient.httpx  # `httpx2` when installed, as the test client uses it


def as_backend(name: str) -> Literal["asyncio", "trio"]:
    return "trio" if name == "trio" else "asyncio"


async def read_body(receive: Receive) -> bytes:
    body = b""
    more_body = True
    while more_body:
        message = await receive()
        assert message["type"] == "http.request"
        body += message["body"]
        more_body = message["more_body"]
    return body


async def respond(
    send: Send, body: bytes = b"", status: int = 200, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


def scope_echo_app() -> tuple[list[Scope], ASGIApp]:
    """An app answering `ok` that records the scopes it is called with."""
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await respond(send, b"ok")

    return scopes, app


# --- HTTP -------------------------------------------------------------------


def test_http_scope(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    response = test_client_factory(app).get("/path")
    assert response.status_code == 200
    assert response.text == "ok"
    scope = scopes[0]
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["path"] == "/path"
    assert scope["raw_path"] == b"/path"
    assert scope["root_path"] == ""
    assert scope["query_string"] == b""
    assert scope["client"] == ("testclient", 50000)
    assert scope["server"] == ["testserver", 80]
    assert scope["extensions"] == {"http.response.debug": {}, "http.response.trailers": {}}
    assert scope["state"] == {}
    headers = dict(scope["headers"])
    assert list(headers) == [b"host", b"accept", b"accept-encoding", b"connection", b"user-agent"]
    assert headers[b"host"] == b"testserver"
    assert headers[b"user-agent"] == b"testclient"


def test_query_string_and_raw_path(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    client = test_client_factory(app)
    client.get("/caf%C3%A9/a%2Fb?x=1&y=%20z")
    client.get("/search", params={"q": "a b", "tag": ["1", "2"]})
    assert scopes[0]["path"] == "/café/a/b"
    assert scopes[0]["raw_path"] == b"/caf%C3%A9/a%2Fb"
    assert scopes[0]["query_string"] == b"x=1&y=%20z"
    assert scopes[1]["query_string"] == b"q=a+b&tag=1&tag=2"
    assert scopes[1]["raw_path"] == b"/search"


def test_root_path(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    test_client_factory(app, root_path="/api").get("/users")
    assert scopes[0]["root_path"] == "/api"
    assert scopes[0]["path"] == "/users"


def test_base_url(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    client = test_client_factory(app, base_url="https://example.org:8443/prefix")
    response = client.get("/x")
    assert str(response.url) == "https://example.org:8443/prefix/x"
    assert scopes[0]["scheme"] == "https"
    assert scopes[0]["server"] == ["example.org", 8443]
    assert scopes[0]["path"] == "/prefix/x"
    assert (b"host", b"example.org:8443") in scopes[0]["headers"]


def test_default_ports(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    client = test_client_factory(app)
    client.get("https://example.org/")
    client.get("http://[::1]:8080/")
    client.get("http://[::1]:0/")
    assert scopes[0]["server"] == ["example.org", 443]
    assert scopes[1]["server"] == ["::1", 8080]
    assert (b"host", b"[::1]:8080") in scopes[1]["headers"]
    assert scopes[2]["server"] == ["::1", 0]  # an explicit port 0 is kept
    assert (b"host", b"[::1]:0") in scopes[2]["headers"]


def test_unsupported_scheme(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    with pytest.raises(httpx.UnsupportedProtocol, match="unsupported protocol 'ftp://'"):
        test_client_factory(app).get("ftp://testserver/")
    assert scopes == []


def test_client_address(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    test_client_factory(app, client=("192.168.0.7", 1234)).get("/")
    assert scopes[0]["client"] == ("192.168.0.7", 1234)


def test_headers(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    client = test_client_factory(app, headers={"User-Agent": "custom", "X-Client": "1"})
    client.get("/", headers={"X-Request": "2"})
    headers = scopes[0]["headers"]
    assert (b"user-agent", b"custom") in headers
    assert (b"user-agent", b"testclient") not in headers
    assert (b"x-client", b"1") in headers
    assert (b"x-request", b"2") in headers


def test_caller_headers_are_not_mutated(test_client_factory: TestClientFactory) -> None:
    _, app = scope_echo_app()
    headers = {"x-client": "1"}
    test_client_factory(app, headers=headers).get("/")
    assert headers == {"x-client": "1"}


def test_duplicate_response_headers_are_kept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, headers=[(b"x-dup", b"a"), (b"x-dup", b"b"), (b"x-utf8", "é".encode())])

    response = test_client_factory(app).get("/")
    assert response.headers.get_list("x-dup") == ["a", "b"]
    assert response.headers["x-utf8"] == "é"
    assert "content-length" not in response.headers


def test_cookies(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        cookie = dict(scope["headers"]).get(b"cookie", b"")
        await respond(send, cookie, headers=[(b"set-cookie", b"session=abc; Path=/")])

    client = test_client_factory(app, cookies={"initial": "1"})
    assert client.get("/").text == "initial=1"
    assert client.cookies["session"] == "abc"
    assert sorted(client.get("/").text.split("; ")) == ["initial=1", "session=abc"]


def test_redirects(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/old":
            await respond(send, status=307, headers=[(b"location", b"/new")])
        else:
            await respond(send, scope["path"].encode())

    response = test_client_factory(app).get("/old")
    assert response.status_code == 200
    assert response.text == "/new"
    assert [r.status_code for r in response.history] == [307]

    response = test_client_factory(app, follow_redirects=False).get("/old")
    assert response.status_code == 307
    assert response.headers["location"] == "/new"


def test_request_body(test_client_factory: TestClientFactory) -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while not messages or messages[-1]["more_body"]:
            messages.append(await receive())
        await respond(send, b"".join(message["body"] for message in messages))

    client = test_client_factory(app)
    assert client.post("/", content=b"hello").text == "hello"
    assert messages == [{"type": "http.request", "body": b"hello", "more_body": False}]

    messages.clear()
    assert client.post("/").text == ""
    assert messages == [{"type": "http.request", "body": b"", "more_body": False}]

    def chunks() -> Iterator[bytes]:
        yield b"one"
        yield b"two"

    messages.clear()
    assert client.post("/", content=chunks()).text == "onetwo"
    assert messages == [
        {"type": "http.request", "body": b"one", "more_body": True},
        {"type": "http.request", "body": b"two", "more_body": False},
    ]

    messages.clear()
    assert client.post("/", json={"a": "é"}).json() == {"a": "é"}


def test_receive_after_body_waits_for_the_response(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)

        async def wait_disconnect() -> None:
            message = await receive()
            events.append(message["type"])

        async with anyio.create_task_group() as task_group:
            task_group.start_soon(wait_disconnect)
            await anyio.lowlevel.checkpoint()
            events.append("responding")
            await respond(send, b"done")

    assert test_client_factory(app).get("/").text == "done"
    assert events == ["responding", "http.disconnect"]


def test_async_request_body_is_rejected(test_client_factory: TestClientFactory) -> None:
    _, app = scope_echo_app()
    client = test_client_factory(app)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"

    request = httpx.Request("POST", "http://testserver/", content=chunks())
    with pytest.raises(RuntimeError, match="can only send synchronous request bodies"):
        client._transport.handle_request(request)  # pyright: ignore[reportPrivateUsage]


def test_missing_host_header(test_client_factory: TestClientFactory) -> None:
    scopes, app = scope_echo_app()
    client = test_client_factory(app)
    request = httpx.Request("GET", "http://testserver:8000/")
    del request.headers["host"]
    response = client._transport.handle_request(request)  # pyright: ignore[reportPrivateUsage]
    response.close()  # the transport streams the body: closing ends the exchange and its event loop
    assert response.status_code == 200
    assert scopes[0]["headers"][0] == (b"host", b"testserver:8000")
    assert scopes[0]["server"] == ["testserver", 8000]


def test_head_discards_body(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, b"body", headers=[(b"content-length", b"4")])

    response = test_client_factory(app).head("/")
    assert response.status_code == 200
    assert response.headers["content-length"] == "4"
    assert response.content == b""


def test_streamed_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await send({"type": "http.response.body", "body": bytearray(b"b"), "more_body": True})
        await send({"type": "http.response.body"})

    response = test_client_factory(app).get("/")
    assert response.status_code == 201
    assert response.content == b"ab"
    assert list(response.headers.items()) == []


def test_unknown_messages_are_ignored(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.early_hint", "links": []})
        await respond(send, b"ok")

    assert test_client_factory(app).get("/").text == "ok"


class AppError(Exception):
    pass


# --- streamed responses ----------------------------------------------------------


def test_response_is_returned_before_its_body(test_client_factory: TestClientFactory) -> None:
    body_allowed = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        assert await anyio.to_thread.run_sync(body_allowed.wait, 10)
        await send({"type": "http.response.body", "body": b"late"})

    with test_client_factory(app).stream("GET", "/") as response:
        assert response.status_code == 200
        body_allowed.set()
        assert response.read() == b"late"


def test_application_waits_for_the_reader(test_client_factory: TestClientFactory) -> None:
    sent: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        for chunk in (b"a", b"", b"b", b"c"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent.append(chunk)
        await send({"type": "http.response.body"})
        sent.append(b"end")

    with test_client_factory(app).stream("GET", "/") as response:
        assert sent == []
        chunks = response.iter_raw()
        assert next(chunks) == b"a"
        assert b"b" not in sent  # the application is at most one message ahead of the reader
        assert next(chunks) == b"b"
        assert b"c" not in sent
        assert list(chunks) == [b"c"]
    assert sent == [b"a", b"", b"b", b"c", b"end"]


def test_head_response_body_is_pulled_and_dropped(test_client_factory: TestClientFactory) -> None:
    sent = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal sent
        await send({"type": "http.response.start", "status": 200})
        for _ in range(3):
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            sent += 1
        await send({"type": "http.response.body", "body": b"x"})

    with test_client_factory(app).stream("HEAD", "/") as response:
        assert sent == 0
        assert response.read() == b""
    assert sent == 3


def test_reused_buffers_are_copied(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        buffer = bytearray(b"first")
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": memoryview(buffer), "more_body": True})
        buffer[:] = b"again"
        await send({"type": "http.response.body", "body": buffer})

    client = test_client_factory(app)
    with client.stream("GET", "/") as response:
        assert list(response.iter_raw()) == [b"first", b"again"]
    assert client.get("/").content == b"firstagain"


def test_closing_a_partly_read_response_cancels_the_application(test_client_factory: TestClientFactory) -> None:
    cancelled = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"one", "more_body": True})
        try:
            await send({"type": "http.response.body", "body": b"two"})
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise

    with test_client_factory(app).stream("GET", "/") as response:
        assert next(response.iter_raw()) == b"one"
    assert cancelled.is_set()


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_closing_a_complete_response_waits_for_the_application(
    test_client_factory: TestClientFactory, raise_server_exceptions: bool
) -> None:
    finished = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        await respond(send, b"done")
        assert (await receive())["type"] == "http.disconnect"
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
        finished.set()
        raise AppError("after the response")

    client = test_client_factory(app, raise_server_exceptions=raise_server_exceptions)
    with client.stream("GET", "/") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"done"
        if raise_server_exceptions:
            with pytest.raises(AppError, match="after the response"):
                response.close()
        else:
            response.close()
        assert finished.is_set()
    assert finished.is_set()


@pytest.mark.parametrize("enter", [True, False])
def test_closing_the_client_cancels_open_responses(test_client_factory: TestClientFactory, enter: bool) -> None:
    cancelled = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        await respond(send, b"body")
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise

    client = test_client_factory(app)
    if enter:
        with client:
            response = client.send(client.build_request("GET", "/"), stream=True)
            chunks = response.iter_raw()  # kept: dropping the iterator would close the response, waiting for the app
            assert next(chunks) == b"body"
            assert not cancelled.is_set()
    else:
        response = client.send(client.build_request("GET", "/"), stream=True)
        chunks = response.iter_raw()
        assert next(chunks) == b"body"
        client.close()
    assert cancelled.is_set()
    response.close()  # the exchange is already over: nothing left to wait for


def test_error_while_streaming_the_body(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"half", "more_body": True})
        raise AppError("mid-body")

    with test_client_factory(app).stream("GET", "/") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"half"
        with pytest.raises(AppError, match="mid-body"):
            next(chunks)
    with test_client_factory(app, raise_server_exceptions=False).stream("GET", "/") as response:
        assert response.read() == b"half"


def test_trailers(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True, "headers": [(b"a", b"1")]})
        await send({"type": "http.response.body", "body": b"body"})
        await send({"type": "http.response.trailers", "headers": [(b"x-sum", b"1")], "more_trailers": True})
        await send({"type": "http.response.trailers", "headers": [(b"x-sum", bytearray(b"2"))]})

    response = test_client_factory(app).get("/")
    assert response.content == b"body"
    assert response.extensions["http.response.trailers"] == [(b"x-sum", b"1"), (b"x-sum", b"2")]
    assert list(response.headers.items()) == [("a", "1")]


def test_no_trailers_extension_without_declared_trailers(test_client_factory: TestClientFactory) -> None:
    _, app = scope_echo_app()
    assert "http.response.trailers" not in test_client_factory(app).get("/").extensions


@pytest.mark.parametrize("sent", [[], [(b"x-part", b"1")]])
def test_trailers_left_incomplete(test_client_factory: TestClientFactory, sent: list[tuple[bytes, bytes]]) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"body"})
        if sent:
            await send({"type": "http.response.trailers", "headers": sent, "more_trailers": True})

    response = test_client_factory(app).get("/")
    assert response.content == b"body"
    assert response.extensions["http.response.trailers"] == sent


def test_closing_before_the_trailers_cancels_the_application(test_client_factory: TestClientFactory) -> None:
    cancelled = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"body"})
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise

    with test_client_factory(app).stream("GET", "/") as response:
        assert next(response.iter_raw()) == b"body"
    assert cancelled.is_set()


def test_trailers_are_recorded_while_the_body_is_not_read(test_client_factory: TestClientFactory) -> None:
    trailers_sent = threading.Event()
    finished = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"body"})
        await send({"type": "http.response.trailers", "headers": [(b"x-done", b"yes")]})
        trailers_sent.set()
        finished.set()

    with test_client_factory(app).stream("GET", "/") as response:
        assert next(response.iter_raw()) == b"body"
        assert trailers_sent.wait(10)
        assert response.extensions["http.response.trailers"] == [(b"x-done", b"yes")]
    assert finished.is_set()


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_error_while_sending_trailers(test_client_factory: TestClientFactory, raise_server_exceptions: bool) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"body"})
        await send({"type": "http.response.trailers", "headers": [(b"x-part", b"1")], "more_trailers": True})
        raise AppError("no more trailers")

    client = test_client_factory(app, raise_server_exceptions=raise_server_exceptions)
    if raise_server_exceptions:
        with pytest.raises(AppError, match="no more trailers"):
            client.get("/")
    else:
        response = client.get("/")
        assert response.content == b"body"
        assert response.extensions["http.response.trailers"] == [(b"x-part", b"1")]


def test_is_disconnected_once_the_response_is_complete(test_client_factory: TestClientFactory) -> None:
    disconnected: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        await respond(send, b"ok")
        with anyio.CancelScope() as cancel_scope:
            cancel_scope.cancel()
            disconnected.append(await receive())  # answered without waiting

    assert test_client_factory(app).post("/", content=b"x").text == "ok"
    assert disconnected == [{"type": "http.disconnect"}]


def test_server_exceptions_are_raised(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AppError("boom")

    with pytest.raises(AppError, match="boom"):
        test_client_factory(app).get("/")


def test_server_exceptions_become_500(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AppError("boom")

    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.content == b""
    assert list(response.headers.items()) == []


def test_exception_after_response_started(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise AppError("boom")

    with pytest.raises(AppError):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 200
    assert response.text == "partial"


def test_no_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    with pytest.raises(AssertionError, match="TestClient did not receive any response."):
        test_client_factory(app).get("/")
    assert test_client_factory(app, raise_server_exceptions=False).get("/").status_code == 500


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        (
            [{"type": "http.response.start", "status": 200}, {"type": "http.response.start", "status": 200}],
            'Received multiple "http.response.start" messages.',
        ),
        ([{"type": "http.response.body", "body": b""}], 'Received "http.response.body" without "http.response.start".'),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body", "body": b""},
                {"type": "http.response.body", "body": b""},
            ],
            'Received "http.response.body" after response completed.',
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body", "body": b""},
                {"type": "http.response.body", "body": b""},
            ],
            'Received "http.response.body" after body completed.',
        ),
        ([{"type": "http.response.trailers"}], 'Received "http.response.trailers" without declaring trailers.'),
        (
            [{"type": "http.response.start", "status": 200, "trailers": True}, {"type": "http.response.trailers"}],
            'Received "http.response.trailers" before body completed.',
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body"},
                {"type": "http.response.trailers"},
                {"type": "http.response.trailers"},
            ],
            'Received "http.response.trailers" after response completed.',
        ),
    ],
)
def test_invalid_response_messages(test_client_factory: TestClientFactory, messages: list[Message], error: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(dict(message))

    with pytest.raises(AssertionError, match=error):
        test_client_factory(app).get("/")


def test_debug_info(test_client_factory: TestClientFactory) -> None:
    info = {"template": "index.html", "context": {"a": 1}}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope["extensions"]:
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.debug", "info": info})
            await send({"type": "http.response.body", "body": b"page"})

    response = test_client_factory(app).get("/")
    assert response.text == "page"
    assert response.extensions["http.response.debug"] is info
    assert getattr(response, "template") == "index.html"  # noqa: B009
    assert getattr(response, "context") == {"a": 1}  # noqa: B009
    response = test_client_factory(scope_echo_app()[1]).get("/")
    assert not hasattr(response, "template")
    assert "http.response.debug" not in response.extensions


def test_debug_info_before_the_response_start(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"fragment": "nav"}})
        await respond(send, b"page")

    response = test_client_factory(app).get("/")
    assert response.extensions["http.response.debug"] == {"fragment": "nav"}
    assert not hasattr(response, "template")
    assert not hasattr(response, "context")


def test_backend(anyio_backend: str) -> None:
    libraries: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        libraries.append(sniffio.current_async_library())
        await respond(send)

    client = TestClient(app, backend=as_backend(anyio_backend))
    client.get("/")
    assert libraries == [anyio_backend]
    assert client.async_backend == {"backend": anyio_backend, "backend_options": {}}


def test_backend_options() -> None:
    client = TestClient(scope_echo_app()[1], backend_options={"use_uvloop": False})
    assert client.async_backend == {"backend": "asyncio", "backend_options": {"use_uvloop": False}}
    assert client.get("/").text == "ok"


def test_timeout_is_deprecated(test_client_factory: TestClientFactory) -> None:
    _, app = scope_echo_app()
    client = test_client_factory(app)
    with pytest.warns(
        StarletteDeprecationWarning, match="You should not use the 'timeout' argument with the TestClient."
    ):
        assert client.get("/", timeout=1).text == "ok"
    with pytest.warns(
        StarletteDeprecationWarning, match="See https://github.com/Kludex/starlette/issues/1108 for more information."
    ):
        client.request("GET", "/", timeout=None)


def test_event_loop_errors_are_not_server_errors() -> None:
    client = TestClient(scope_echo_app()[1], backend="nope", raise_server_exceptions=False)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    with pytest.raises(LookupError, match="No such backend: nope"):
        client.get("/")


def test_event_loop_is_shared_only_while_entered(test_client_factory: TestClientFactory) -> None:
    threads: list[threading.Thread] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            threads.append(threading.current_thread())
            await respond(send)

    client = test_client_factory(app)
    client.get("/")
    client.get("/")
    assert threads[0] is not threads[1]
    threads.clear()
    with client:
        assert client.portal is not None
        client.get("/")
        client.get("/")
    assert threads[0] is threads[1]
    assert client.portal is None
    assert client.get("/").status_code == 200


def test_asgi2_app(anyio_backend: str) -> None:
    def app(scope: Scope) -> Callable[[Receive, Send], Awaitable[None]]:
        async def instance(receive: Receive, send: Send) -> None:
            await respond(send, scope["path"].encode())

        return instance

    assert TestClient(app, backend=as_backend(anyio_backend)).get("/two").text == "/two"


def test_asgi2_class(anyio_backend: str) -> None:
    class App:
        def __init__(self, scope: Scope) -> None:
            self.scope = scope

        async def __call__(self, receive: Receive, send: Send) -> None:
            await respond(send, b"class")

    assert TestClient(App, backend=as_backend(anyio_backend)).get("/").text == "class"


def test_asgi3_class_and_instance(test_client_factory: TestClientFactory) -> None:
    class Endpoint:
        def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
            self.send = send

        def __await__(self) -> Any:
            return respond(self.send, b"awaitable").__await__()

    class Instance:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await respond(send, b"instance")

    assert test_client_factory(Endpoint).get("/").text == "awaitable"
    assert test_client_factory(Instance()).get("/").text == "instance"


def test_client_is_not_collected_by_pytest() -> None:
    assert TestClient.__test__ is False


def test_asgi_application_aliases(anyio_backend: str) -> None:
    def app(scope: Scope) -> ASGIInstance:
        async def instance(receive: Receive, send: Send) -> None:
            await respond(send, b"two")

        return instance

    asgi2: ASGI2App = app
    asgi3: ASGI3App = scope_echo_app()[1]
    assert TestClient(asgi2, backend=as_backend(anyio_backend)).get("/").text == "two"
    assert TestClient(asgi3, backend=as_backend(anyio_backend)).get("/").text == "ok"


# --- importing --------------------------------------------------------------


def load_testclient_copy(monkeypatch: pytest.MonkeyPatch, httpx2: ModuleType | None) -> ModuleType:
    monkeypatch.setitem(sys.modules, "httpx2", httpx2)
    spec = importlib.util.spec_from_file_location("_testclient_copy", starlette.testclient.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_falls_back_to_httpx_with_a_deprecation_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(StarletteDeprecationWarning) as record:
        module = load_testclient_copy(monkeypatch, None)
    assert module.httpx is plain_httpx
    assert len(record) == 1
    expected = "Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead."
    assert str(record[0].message) == expected
    assert issubclass(module.TestClient, plain_httpx.Client)


def test_prefers_httpx2(monkeypatch: pytest.MonkeyPatch) -> None:
    fork = ModuleType("httpx2")
    vars(fork).update({name: value for name, value in vars(plain_httpx).items() if not name.startswith("__")})
    module = load_testclient_copy(monkeypatch, fork)
    assert module.httpx is fork


def test_installed_library_is_used() -> None:
    used = vars(starlette.testclient)["httpx"]
    try:
        import httpx2
    except ModuleNotFoundError:
        assert used is plain_httpx
    else:
        assert used is httpx2


def test_requires_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    message = (
        "The starlette.testclient module requires the httpx2 package to be installed.\n"
        "You can install this with:\n"
        "    $ pip install httpx2\n"
    )
    with pytest.raises(RuntimeError) as raised:
        load_testclient_copy(monkeypatch, None)
    assert str(raised.value) == message


# --- lifespan ---------------------------------------------------------------


def lifespan_app(
    log: list[str], *, startup: Message | None = None, shutdown: Message | None = None, fail_after: str = ""
) -> ASGIApp:
    """A raw app whose lifespan answers `startup`/`shutdown` (default: complete) and logs events."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            log.append(f"http state={scope['state']}")
            await respond(send)
            return
        assert scope["type"] == "lifespan"
        message = await receive()
        log.append(message["type"])
        scope["state"]["started"] = True
        await send(startup or {"type": "lifespan.startup.complete"})
        if fail_after == "startup":
            raise AppError("after startup")
        message = await receive()
        log.append(message["type"])
        await send(shutdown or {"type": "lifespan.shutdown.complete"})
        if fail_after == "shutdown":
            raise AppError("after shutdown")

    return app


def test_lifespan(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    client = test_client_factory(lifespan_app(log))
    with client as entered:
        assert entered is client
        assert log == ["lifespan.startup"]
        assert client.app_state == {"started": True}
        client.get("/")
    assert log == ["lifespan.startup", "http state={'started': True}", "lifespan.shutdown"]


def test_lifespan_not_run_without_context_manager(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    test_client_factory(lifespan_app(log)).get("/")
    assert log == ["http state={}"]


def test_lifespan_state_is_copied_per_request(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["count"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
        else:
            scope["state"]["count"] += 1
            scope["state"]["new"] = True
            await respond(send, str(scope["state"]["count"]).encode())

    with test_client_factory(app) as client:
        assert client.get("/").text == "1"
        assert client.get("/").text == "1"
        assert client.app_state == {"count": 0}


def test_lifespan_startup_failed_with_exception(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})
        raise AppError("no database")

    client = test_client_factory(app)
    with pytest.raises(AppError, match="no database"), client:
        raise AssertionError("unreachable")
    assert client.portal is None


def test_lifespan_startup_failed_without_exception(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    app = lifespan_app(log, startup={"type": "lifespan.startup.failed", "message": "no database"})
    with pytest.raises(RuntimeError, match="^Lifespan startup failed: no database$"), test_client_factory(app):
        raise AssertionError("unreachable")


def test_lifespan_exception_without_message(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http", "HTTP only"

    with pytest.raises(AssertionError, match="HTTP only"), test_client_factory(app):
        raise AssertionError("unreachable")


def test_lifespan_unsupported(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await respond(send, b"no lifespan")

    with test_client_factory(app) as client:
        assert client.get("/").text == "no lifespan"


def test_lifespan_unexpected_startup_message(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    app = lifespan_app(log, startup={"type": "lifespan.shutdown.complete"})
    with (
        pytest.raises(
            AssertionError,
            match="Expected ASGI message \"lifespan.startup.complete\", but got 'lifespan.shutdown.complete'",
        ),
        test_client_factory(app),
    ):
        raise AssertionError("unreachable")


def test_lifespan_shutdown_failed_with_exception(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.failed", "message": "stuck"})
        raise AppError("stuck")

    with pytest.raises(AppError, match="stuck"), test_client_factory(app):
        pass


def test_lifespan_shutdown_failed_without_exception(test_client_factory: TestClientFactory) -> None:
    # As upstream's client: a failed shutdown that raised nothing passes.
    log: list[str] = []
    app = lifespan_app(log, shutdown={"type": "lifespan.shutdown.failed", "message": "stuck"})
    with test_client_factory(app) as client:
        assert client.get("/").status_code == 200
    assert log == ["lifespan.startup", "http state={'started': True}", "lifespan.shutdown"]


def test_lifespan_unexpected_shutdown_message(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    app = lifespan_app(log, shutdown={"type": "lifespan.startup.complete"})
    with (
        pytest.raises(AssertionError, match='Expected ASGI message "lifespan.shutdown.complete"'),
        test_client_factory(app),
    ):
        pass


def test_lifespan_crash_while_running(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    with pytest.raises(AppError, match="after startup"), test_client_factory(lifespan_app(log, fail_after="startup")):
        pass
    assert log == ["lifespan.startup"]


def test_lifespan_crash_after_shutdown(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    with pytest.raises(AppError, match="after shutdown"), test_client_factory(lifespan_app(log, fail_after="shutdown")):
        pass
    assert log == ["lifespan.startup", "lifespan.shutdown"]


def test_lifespan_message_after_shutdown(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    with (
        pytest.raises(RuntimeError, match="Unexpected ASGI message 'lifespan.shutdown.complete' after the lifespan"),
        test_client_factory(app),
    ):
        pass


def test_lifespan_receive_after_the_last_answer_ends_the_stream(test_client_factory: TestClientFactory) -> None:
    # A lifespan loop that asks for another message after `lifespan.shutdown.complete`
    # gets `anyio.EndOfStream` from `receive()`, as with upstream's test client, and
    # the client shuts down without an error.
    log: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            try:
                message = await receive()
            except anyio.EndOfStream:
                log.append("end of stream")
                raise
            log.append(message["type"])
            await send({"type": message["type"] + ".complete"})

    with test_client_factory(app):
        assert log == ["lifespan.startup"]
    assert log == ["lifespan.startup", "lifespan.shutdown", "end of stream"]


def test_the_application_is_handed_upstreams_receive_and_send(test_client_factory: TestClientFactory) -> None:
    # Instrumentation names spans after `__qualname__`: the callables the test client
    # hands an application are named as upstream's are, per connection type.
    seen: dict[str, tuple[str, str]] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen[scope["type"]] = (receive.__qualname__, send.__qualname__)  # ty: ignore[missing-attribute]
        if scope["type"] == "lifespan":
            for answer in ("lifespan.startup.complete", "lifespan.shutdown.complete"):
                await receive()
                await send({"type": answer})
        elif scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.close"})
        else:
            await respond(send)

    with test_client_factory(app) as client:
        assert client.get("/").status_code == 200
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/"):
            pass  # pragma: no cover
    assert seen == {
        "http": (
            "_TestClientTransport.handle_request.<locals>.receive",
            "_TestClientTransport.handle_request.<locals>.send",
        ),
        "websocket": ("MemoryObjectReceiveStream.receive", "MemoryObjectSendStream.send"),
        "lifespan": ("StapledObjectStream.receive", "StapledObjectStream.send"),
    }


def test_lifespan_exception_in_body_still_shuts_down(test_client_factory: TestClientFactory) -> None:
    log: list[str] = []
    with pytest.raises(AppError, match="in test"), test_client_factory(lifespan_app(log)):
        raise AppError("in test")
    assert log == ["lifespan.startup", "lifespan.shutdown"]


# --- websockets -------------------------------------------------------------


def test_websocket_scope(test_client_factory: TestClientFactory) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.close()

    client = test_client_factory(app, root_path="/root")
    with client.websocket_connect("/chat/caf%C3%A9?room=1"):
        pass
    scope = scopes[0]
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "ws"
    assert scope["path"] == "/chat/café"
    assert scope["raw_path"] == b"/chat/caf%C3%A9"
    assert scope["root_path"] == "/root"
    assert scope["query_string"] == b"room=1"
    assert scope["server"] == ["testserver", 80]
    assert scope["client"] == ("testclient", 50000)
    assert scope["subprotocols"] == []
    assert scope["extensions"] == {"websocket.http.response": {}}
    assert scope["state"] == {}
    assert dict(scope["headers"]) == {
        b"host": b"testserver",
        b"accept": b"*/*",
        # The HTTP client's own default: it adds br and zstd when their libraries are importable.
        b"accept-encoding": client.headers["accept-encoding"].encode(),
        b"connection": b"upgrade",
        b"user-agent": b"testclient",
        b"sec-websocket-key": b"testserver==",
        b"sec-websocket-version": b"13",
    }


def test_websocket_connect_options(test_client_factory: TestClientFactory) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        websocket = WebSocket(scope, receive, send)
        await websocket.accept(subprotocol="chat.v2", headers=[(b"x-extra", b"1")])
        await websocket.close()

    client = test_client_factory(app)
    options = {"headers": {"Authorization": "Bearer t", "sec-websocket-version": "8"}}
    with client.websocket_connect("wss://example.org/ws", subprotocols=["chat.v1", "chat.v2"], **options) as session:
        assert session.accepted_subprotocol == "chat.v2"
        assert session.extra_headers == [(b"x-extra", b"1")]
    scope = scopes[0]
    assert scope["scheme"] == "wss"
    assert scope["server"] == ["example.org", 443]
    assert scope["subprotocols"] == ["chat.v1", "chat.v2"]
    headers = dict(scope["headers"])
    assert headers[b"authorization"] == b"Bearer t"
    assert headers[b"sec-websocket-version"] == b"8"
    assert headers[b"sec-websocket-protocol"] == b"chat.v1, chat.v2"


def test_websocket_sends_client_cookies(test_client_factory: TestClientFactory) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await WebSocket(scope, receive, send).close()

    with pytest.raises(WebSocketDisconnect):
        test_client_factory(app, cookies={"session": "abc"}).websocket_connect("/").__enter__()
    assert dict(scopes[0]["headers"])[b"cookie"] == b"session=abc"


def test_websocket_connect_requires_websocket_url(test_client_factory: TestClientFactory) -> None:
    _, app = scope_echo_app()
    with pytest.raises(RuntimeError, match="Expected a websocket upgrade for 'http://testserver/'"):
        test_client_factory(app).websocket_connect("http://testserver/")


def echo_app() -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await websocket.send({"type": "websocket.send", "text": message.get("text"), "bytes": message.get("bytes")})

    return app


def test_websocket_send_and_receive(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(echo_app()).websocket_connect("/") as session:
        assert session.accepted_subprotocol is None
        assert session.extra_headers == []
        session.send_text("héllo")
        assert session.receive_text() == "héllo"
        session.send_bytes(b"\x00\x01")
        assert session.receive_bytes() == b"\x00\x01"
        session.send_json({"a": ["é", 1]})
        assert session.receive_text() == '{"a":["é",1]}'
        session.send_json({"b": 2}, mode="binary")
        assert session.receive_bytes() == b'{"b":2}'
        session.send_text('{"c": 3}')
        assert session.receive_json() == {"c": 3}
        session.send_bytes('{"d": "é"}'.encode())
        assert session.receive_json(mode="binary") == {"d": "é"}
        session.send({"type": "websocket.receive", "text": "raw"})
        assert session.receive() == {"type": "websocket.send", "text": "raw", "bytes": None}


def test_websocket_session_mode_other_than_text_is_binary(test_client_factory: TestClientFactory) -> None:
    # As upstream's client: any mode but "text" sends and reads a binary frame.
    with test_client_factory(echo_app()).websocket_connect("/") as session:
        session.send_json({"a": 1}, mode="json")  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
        assert session.receive_bytes() == b'{"a":1}'
        session.send_bytes(b'{"b":2}')
        assert session.receive_json(mode="json") == {"b": 2}  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]


def test_websocket_session_frame_kind_mismatch(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_bytes(b"x")
        await websocket.send_text("x")
        await websocket.send_text("{}")
        await websocket.close()

    # As upstream: the missing key raises `KeyError`; a key present as `None` gives `None`.
    with test_client_factory(app).websocket_connect("/") as session:
        with pytest.raises(KeyError, match="^'text'$"):
            session.receive_text()
        with pytest.raises(KeyError, match="^'bytes'$"):
            session.receive_bytes()
        with pytest.raises(KeyError, match="^'bytes'$"):
            session.receive_json(mode="binary")
    with test_client_factory(echo_app()).websocket_connect("/") as session:
        session.send_bytes(b"x")  # echoed with `"text": None`
        assert session.receive_text() is None


def test_websocket_session_unexpected_message(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.accept"})
        await receive()

    with (
        test_client_factory(app).websocket_connect("/") as session,
        pytest.raises(KeyError, match="'text'"),
    ):
        session.receive_text()  # as upstream's client: the message is read as a text frame


def test_websocket_client_close(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        received.append(await websocket.receive())

    with test_client_factory(app).websocket_connect("/") as session:
        session.close(code=4001, reason="bye")
    assert received == [{"type": "websocket.disconnect", "code": 4001, "reason": "bye"}]


def test_websocket_raw_disconnect_is_not_repeated(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            received.append(await receive())

    with test_client_factory(app).websocket_connect("/") as session:
        session.send({"type": "websocket.disconnect"})
    assert received == [{"type": "websocket.disconnect"}]


def test_websocket_exit_sends_disconnect(test_client_factory: TestClientFactory) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        received.append(await websocket.receive())

    with test_client_factory(app).websocket_connect("/"):
        pass
    assert received == [{"type": "websocket.disconnect", "code": 1000, "reason": None}]


def test_websocket_closed_before_accept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.close(code=4003, reason="go away")

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    assert (info.value.code, info.value.reason) == (4003, "go away")


def test_websocket_disconnect_from_the_client_is_built_by_name(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await WebSocket(scope, receive, send).close(code=4001, reason="nope")

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    assert (info.value.args, str(info.value)) == ((), "")  # as upstream's client raises it


@pytest.mark.parametrize("sends_first", [False, True])
def test_websocket_app_failing_right_after_accept_fails_the_connect(
    test_client_factory: TestClientFactory, sends_first: bool
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        if sends_first:
            await websocket.send_text("hello")
        raise AppError("after accept")

    with pytest.raises(AppError, match="after accept"), test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")


def test_websocket_app_waiting_elsewhere_after_accept_is_connected(test_client_factory: TestClientFactory) -> None:
    events: list[anyio.Event] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        events.append(anyio.Event())
        await websocket.accept()
        await events[0].wait()
        await websocket.send_text("released")
        await websocket.close()

    with test_client_factory(app).websocket_connect("/") as session:
        session.portal.call(events[0].set)
        assert session.receive_text() == "released"


def test_websocket_receive_text_of_another_message_raises_key_error(test_client_factory: TestClientFactory) -> None:
    # starlette-context's middleware refuses a websocket with `http.response.*` messages.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "http.response.start", "status": 400, "headers": []})

    with test_client_factory(app).websocket_connect("/") as session, pytest.raises(KeyError, match="'text'"):
        session.receive_text()


def test_websocket_raw_close_defaults(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close"})

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    assert (info.value.code, info.value.reason) == (1000, "")


def test_websocket_closed_after_accept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text("last")
        await websocket.close(code=1001)

    with test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_text() == "last"
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
    assert info.value.code == 1001


def test_websocket_denial_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403, "headers": [(b"x-reason", b"auth")]})
        await send({"type": "websocket.http.response.body", "body": b"Not ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"allowed"})

    with pytest.raises(WebSocketDenialResponse) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    denial = info.value
    assert isinstance(denial, httpx.Response)
    assert isinstance(denial, WebSocketDisconnect)
    assert denial.status_code == 403
    assert denial.headers["x-reason"] == "auth"
    assert denial.text == "Not allowed"


def test_websocket_denial_response_without_headers(test_client_factory: TestClientFactory) -> None:
    # ASGI makes the headers optional; upstream's client fails with `KeyError: 'headers'`.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403})
        await send({"type": "websocket.http.response.body", "body": b"no"})

    with pytest.raises(WebSocketDenialResponse) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    assert (info.value.status_code, info.value.text) == (403, "no")


def test_websocket_denial_response_state() -> None:
    denial = WebSocketDenialResponse(400, content=b"bad")
    state = denial.__getstate__()
    denial.__setstate__(state)
    assert denial.content == b"bad"
    denial.__setstate__(None)
    assert denial.status_code == 400


def test_websocket_malformed_denial_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403})
        await send({"type": "websocket.send", "text": "oops"})

    match = "Expected ASGI message \"websocket.http.response.body\", but got 'websocket.send'"
    with pytest.raises(AssertionError, match=match), test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")


def test_websocket_first_message_is_taken_as_the_accept(test_client_factory: TestClientFactory) -> None:
    # Upstream's client enters the session on any first message but a close or a denial response.
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.send", "text": "too early", "headers": [(b"x-seen", b"1")]})
        await send({"type": "websocket.send", "text": "next"})
        await send({"type": "websocket.close", "code": 1000})

    with test_client_factory(app).websocket_connect("/") as session:
        assert session.accepted_subprotocol is None
        assert session.extra_headers == [(b"x-seen", b"1")]
        assert session.receive_text() == "next"


def test_websocket_http_response_as_first_message(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with test_client_factory(app).websocket_connect("/") as session:
        assert session.extra_headers == []
        assert session.receive() == {"type": "http.response.body", "body": b""}


def test_websocket_exception_before_accept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AppError("refused")

    with pytest.raises(AppError, match="refused"), test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")


def test_websocket_exception_while_receiving(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text("first")
        raise AppError("crashed")

    with pytest.raises(AppError, match="crashed") as info, test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_text() == "first"
        session.receive_text()
    assert info.value.__context__ is None


def test_websocket_exception_raised_on_exit(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.receive_text()

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        pass
    assert info.value.code == 1000


def test_websocket_exception_after_last_message(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text("bye")
        raise AppError("crashed")

    with pytest.raises(AppError, match="crashed"), test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_text() == "bye"
        session.receive_bytes()


def test_websocket_send_after_app_failed(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        raise AppError("crashed")

    with pytest.raises(AppError, match="crashed"), test_client_factory(app).websocket_connect("/") as session:
        with pytest.raises(AppError, match="crashed"):
            session.receive()
        session.send_text("too late")


def test_websocket_app_returns_without_closing(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text("only")

    with test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_text() == "only"
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert info.value.code == 1006
        assert info.value.reason == "The application returned without closing the connection."
        session.send_text("dropped")
        session.close()


def test_websocket_app_returns_before_accepting(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(app).websocket_connect("/"):
        raise AssertionError("unreachable")
    assert info.value.code == 1006


def test_websocket_exit_cancels_the_app(test_client_factory: TestClientFactory) -> None:
    cancelled = False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal cancelled
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled = True
            raise

    with test_client_factory(app).websocket_connect("/"):
        pass
    assert cancelled


def test_websocket_exit_lets_the_app_handle_the_disconnect(test_client_factory: TestClientFactory) -> None:
    cleaned_up = False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal cleaned_up
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect:
            for _ in range(5):
                await anyio.lowlevel.checkpoint()
            cleaned_up = True

    with test_client_factory(app).websocket_connect("/"):
        pass
    assert cleaned_up


def test_websocket_exit_cancels_an_app_waiting_for_more(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            while True:
                events.append((await receive())["type"])
        except anyio.get_cancelled_exc_class():
            events.append("cancelled")
            raise

    with test_client_factory(app).websocket_connect("/"):
        pass
    assert events == ["websocket.disconnect", "cancelled"]


def test_websocket_concurrent_send_and_receive(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()

        async def push() -> None:
            await websocket.send_json({"message": "pushed"})

        async with anyio.create_task_group() as task_group:
            task_group.start_soon(push)
            with pytest.raises(WebSocketDisconnect):
                await websocket.receive_json()

    with test_client_factory(app).websocket_connect("/") as session:
        assert session.receive_json() == {"message": "pushed"}


def test_websocket_shares_the_lifespan_loop(test_client_factory: TestClientFactory) -> None:
    threads: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        threads.append(threading.get_ident())
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["ready"] = True
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_json(scope["state"])
        await websocket.close()

    with (
        test_client_factory(app) as client,
        client.websocket_connect("/") as first,
        client.websocket_connect("/") as second,
    ):
        assert first.receive_json() == {"ready": True}
        assert second.receive_json() == {"ready": True}
    assert len(set(threads)) == 1


def test_websocket_asgi2_app(anyio_backend: str) -> None:
    def app(scope: Scope) -> Callable[[Receive, Send], Awaitable[None]]:
        async def instance(receive: Receive, send: Send) -> None:
            websocket = WebSocket(scope, receive, send)
            await websocket.accept()
            await websocket.send_text("asgi2")
            await websocket.close()

        return instance

    with TestClient(app, backend=as_backend(anyio_backend)).websocket_connect("/") as session:
        assert session.receive_text() == "asgi2"


def test_websocket_session_direct_construction(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_app())
    scope: Scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    session = WebSocketTestSession(client.app, scope, client._portal_factory)  # pyright: ignore[reportPrivateUsage]
    assert (session.app, session.scope, session.accepted_subprotocol, session.extra_headers) == (
        client.app,
        scope,
        None,
        None,
    )
    with session:
        session.send_text(json.dumps([1]))
        assert session.receive_json() == [1]
