from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, Router, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


class Homepage(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        username = request.path_params.get("username")
        if username is None:
            return PlainTextResponse("Hello, world!")
        return PlainTextResponse(f"Hello, {username}!")


router = Router(routes=[Route("/", endpoint=Homepage), Route("/{username}", endpoint=Homepage)])


@pytest.fixture
def client(test_client_factory: TestClientFactory) -> Iterator[TestClient]:
    with test_client_factory(router) as client:
        yield client


# --- HTTPEndpoint -------------------------------------------------------------------------------


def test_http_endpoint_route(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello, world!"


def test_http_endpoint_route_path_params(client: TestClient) -> None:
    response = client.get("/tomchristie")
    assert response.status_code == 200
    assert response.text == "Hello, tomchristie!"


def test_http_endpoint_route_method_not_allowed(client: TestClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD"


def test_http_endpoint_as_a_bare_asgi_app(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Homepage)
    assert client.get("/").text == "Hello, world!"
    response = client.delete("/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD"


def test_method_not_allowed_inside_an_app_raises_http_exception(test_client_factory: TestClientFactory) -> None:
    async def as_text(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return PlainTextResponse(f"custom {exc.status_code}", status_code=exc.status_code, headers=exc.headers)

    app = Starlette(routes=[Route("/", endpoint=Homepage)], exception_handlers={405: as_text})
    response = test_client_factory(app).put("/")
    assert response.status_code == 405
    assert response.text == "custom 405"
    assert response.headers["allow"] == "GET, HEAD"


def test_method_not_allowed_raises_when_app_in_scope_without_handlers(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = object()
        await Homepage(scope, receive, send)

    with pytest.raises(HTTPException) as info:
        test_client_factory(app).post("/")
    assert info.value.status_code == 405
    assert info.value.headers == {"Allow": "GET, HEAD"}


class AllVerbs(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("get")

    async def head(self, request: Request) -> Response:
        return PlainTextResponse("", headers={"X-Handler": "head"})

    async def post(self, request: Request) -> Response:
        return PlainTextResponse("post " + (await request.body()).decode())

    def put(self, request: Request) -> Response:
        return PlainTextResponse(f"put in {threading.current_thread() is threading.main_thread()}")

    async def patch(self, request: Request) -> Response:
        return PlainTextResponse("patch")

    async def delete(self, request: Request) -> Response:
        return PlainTextResponse("delete")

    async def options(self, request: Request) -> Response:
        return PlainTextResponse("options")

    async def query(self, request: Request) -> Response:
        return PlainTextResponse("query " + (await request.body()).decode())

    async def trace(self, request: Request) -> Response:
        raise AssertionError("not a dispatched verb")  # pragma: no cover

    async def foo(self, request: Request) -> Response:
        raise AssertionError("not a dispatched verb")  # pragma: no cover


def test_every_standard_verb_is_dispatched(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(AllVerbs)
    assert client.get("/").text == "get"
    assert client.head("/").headers["x-handler"] == "head"
    assert client.post("/", content=b"body").text == "post body"
    assert client.put("/").text == "put in False"
    assert client.patch("/").text == "patch"
    assert client.delete("/").text == "delete"
    assert client.options("/").text == "options"
    assert client.request("QUERY", "/", content=b"q=1").text == "query q=1"


@pytest.mark.parametrize("method", ["TRACE", "FOO", "DISPATCH", "METHOD_NOT_ALLOWED", "__INIT__"])
def test_non_standard_method_names_are_never_called(test_client_factory: TestClientFactory, method: str) -> None:
    client = test_client_factory(AllVerbs)
    response = client.request(method, "/")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, QUERY"


@pytest.mark.anyio
async def test_lowercase_method_is_not_a_verb() -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "get", "path": "/", "headers": [], "query_string": b""}
    await AllVerbs(scope, receive, send)
    assert sent[0]["status"] == 405
    assert sent[1]["body"] == b"Method Not Allowed"


def test_head_falls_back_to_get(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Homepage)
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "13"


def test_allow_lists_head_only_with_get_or_head(test_client_factory: TestClientFactory) -> None:
    class PostOnly(HTTPEndpoint):
        async def post(self, request: Request) -> Response:
            raise AssertionError("not called")  # pragma: no cover

    class HeadOnly(HTTPEndpoint):
        async def head(self, request: Request) -> Response:
            raise AssertionError("not called")  # pragma: no cover

    assert test_client_factory(PostOnly).head("/").headers["allow"] == "POST"
    assert test_client_factory(HeadOnly).get("/").headers["allow"] == "HEAD"


@pytest.mark.anyio
async def test_handlers_can_send_early_hints() -> None:
    class Preloading(HTTPEndpoint):
        async def get(self, request: Request) -> Response:
            await request.send_early_hints("</app.js>; rel=preload; as=script")
            return PlainTextResponse("page")

    sent: list[Message] = []

    async def receive() -> Message:
        raise AssertionError("the body is not read")  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "extensions": {"http.response.early_hint": {}}}
    await Preloading(scope, receive, send)
    assert [message["type"] for message in sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.body",
    ]
    assert sent[0]["links"] == [b"</app.js>; rel=preload; as=script"]
    assert sent[2]["body"] == b"page"


class Disabled(HTTPEndpoint):
    get = None

    async def post(self, request: Request) -> Response:
        return PlainTextResponse("post")


def test_attribute_set_to_none_is_not_allowed(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Disabled)
    for method in ("GET", "HEAD"):
        response = client.request(method, "/")
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"


def test_sync_handler_runs_in_threadpool(test_client_factory: TestClientFactory) -> None:
    assert test_client_factory(AllVerbs).put("/").text == "put in False"


class Raising(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        raise HTTPException(418, headers={"X-Pot": "tea"})

    async def post(self, request: Request) -> Response:
        raise ValueError("unhandled")


def test_endpoint_exceptions_are_handled_by_registered_handlers(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(Raising))
    response = client.get("/")
    assert response.status_code == 418
    assert response.text == "I'm a Teapot"
    assert response.headers["x-pot"] == "tea"
    with pytest.raises(ValueError, match="unhandled"):
        client.post("/")


@pytest.mark.anyio
async def test_endpoint_exceptions_handled_inside_the_endpoint() -> None:
    """The endpoint applies the app's handlers itself, so middleware wrapping it sees a response."""
    handled: list[Exception] = []

    async def handler(request: Request, exc: Exception) -> Response:
        handled.append(exc)
        return PlainTextResponse("handled", status_code=418)

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "query_string": b"",
        "starlette.exception_handlers": ({HTTPException: handler}, {}),
    }
    await Raising(scope, receive, send)
    assert len(handled) == 1
    assert sent[0]["status"] == 418


def test_http_endpoint_attributes() -> None:
    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def send(message: Message) -> None:
        raise NotImplementedError  # pragma: no cover

    scope: Scope = {"type": "http"}
    endpoint = AllVerbs(scope, receive, send)
    assert endpoint.scope is scope
    assert endpoint.receive is receive
    assert endpoint.send is send


def test_http_endpoint_rejects_other_scopes() -> None:
    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def send(message: Message) -> None:
        raise NotImplementedError  # pragma: no cover

    with pytest.raises(AssertionError, match="HTTPEndpoint only handles HTTP connections"):
        Homepage({"type": "websocket"}, receive, send)
    with pytest.raises(AssertionError, match="WebSocketEndpoint only handles websocket connections"):
        WebSocketEndpoint({"type": "http"}, receive, send)


# --- WebSocketEndpoint --------------------------------------------------------------------------


def test_websocket_endpoint_on_connect(test_client_factory: TestClientFactory) -> None:
    class App(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            assert websocket["subprotocols"] == ["soap", "wamp"]
            await websocket.accept(subprotocol="wamp")

    client = test_client_factory(App)
    with client.websocket_connect("/ws", subprotocols=["soap", "wamp"]) as websocket:
        assert websocket.accepted_subprotocol == "wamp"


def test_websocket_endpoint_default_accepts_and_ignores_messages(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WebSocketEndpoint)
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("ignored")
        websocket.send_bytes(b"ignored")


def test_websocket_endpoint_on_receive_text(test_client_factory: TestClientFactory) -> None:
    class App(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            await websocket.send_text(f"Message text was: {data}")

    client = test_client_factory(App)
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("Hello, world!")
        assert websocket.receive_text() == "Message text was: Hello, world!"
        websocket.send_text("")
        assert websocket.receive_text() == "Message text was: "

    with (
        pytest.raises(RuntimeError, match="Expected text websocket messages, but got bytes"),
        client.websocket_connect("/ws") as websocket,
    ):
        websocket.send_bytes(b"Hello world")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_text()
        assert info.value.code == 1003


def test_websocket_endpoint_on_receive_bytes(test_client_factory: TestClientFactory) -> None:
    class App(WebSocketEndpoint):
        encoding = "bytes"

        async def on_receive(self, websocket: WebSocket, data: bytes) -> None:
            await websocket.send_bytes(b"Message bytes was: " + data)

    client = test_client_factory(App)
    with client.websocket_connect("/ws") as websocket:
        websocket.send_bytes(b"Hello, world!")
        assert websocket.receive_bytes() == b"Message bytes was: Hello, world!"

    with (
        pytest.raises(RuntimeError, match="Expected bytes websocket messages, but got text"),
        client.websocket_connect("/ws") as websocket,
    ):
        websocket.send_text("Hello world")
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_bytes()
        assert info.value.code == 1003


class JSONEcho(WebSocketEndpoint):
    encoding = "json"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_json({"message": data})


def test_websocket_endpoint_on_receive_json(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(JSONEcho)
    with client.websocket_connect("/ws") as websocket:
        websocket.send_json({"hello": "world"})
        assert websocket.receive_json() == {"message": {"hello": "world"}}
        websocket.send_json([1, 2.5, None], mode="binary")
        assert websocket.receive_json() == {"message": [1, 2.5, None]}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"text": "Hello, world!"}, id="malformed-text"),
        pytest.param({"bytes": b"{not json"}, id="malformed-bytes"),
        pytest.param({"bytes": b"\xff\xfe\x00"}, id="not-utf8"),
        pytest.param({"text": "[" * 100_000 + "]" * 100_000}, id="too-deep"),
    ],
)
def test_websocket_endpoint_on_receive_malformed_json(
    test_client_factory: TestClientFactory, payload: dict[str, Any]
) -> None:
    client = test_client_factory(JSONEcho)
    with (
        pytest.raises(RuntimeError, match="Malformed JSON data received."),
        client.websocket_connect("/ws") as websocket,
    ):
        if "text" in payload:
            websocket.send_text(payload["text"])
        else:
            websocket.send_bytes(payload["bytes"])
        with pytest.raises(WebSocketDisconnect) as info:
            websocket.receive_json()
        assert info.value.code == 1003


def test_websocket_endpoint_without_encoding(test_client_factory: TestClientFactory) -> None:
    received: list[Any] = []

    class App(WebSocketEndpoint):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            received.append(data)
            await websocket.send_text(type(data).__name__)

    client = test_client_factory(App)
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("text")
        assert websocket.receive_text() == "str"
        websocket.send_text("")
        assert websocket.receive_text() == "str"
        websocket.send_bytes(b"bytes")
        assert websocket.receive_text() == "bytes"
    assert received == ["text", "", b"bytes"]


def test_websocket_endpoint_unsupported_encoding(test_client_factory: TestClientFactory) -> None:
    class App(WebSocketEndpoint):
        encoding = "xml"  # type: ignore[assignment]  # ty: ignore[invalid-assignment]

    client = test_client_factory(App)
    with (
        pytest.raises(AssertionError, match="Unsupported 'encoding' attribute xml"),
        client.websocket_connect("/ws") as websocket,
    ):
        websocket.send_text("<xml/>")


def test_websocket_endpoint_on_disconnect_close_codes(test_client_factory: TestClientFactory) -> None:
    codes: list[int] = []

    class App(WebSocketEndpoint):
        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            codes.append(close_code)

    client = test_client_factory(App)
    with client.websocket_connect("/ws") as websocket:
        websocket.close(code=1001)
    with client.websocket_connect("/ws"):
        pass
    assert codes == [1001, 1000]


@pytest.mark.anyio
async def test_websocket_endpoint_disconnect_without_code() -> None:
    codes: list[int] = []

    class App(WebSocketEndpoint):
        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            codes.append(close_code)

    messages: list[Message] = [{"type": "websocket.connect"}, {"type": "websocket.disconnect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await App({"type": "websocket", "path": "/", "headers": [], "subprotocols": []}, receive, send)
    assert codes == [1000]
    assert sent[0]["type"] == "websocket.accept"


@pytest.mark.anyio
async def test_websocket_endpoint_ignores_the_connect_message_when_on_connect_does_not_accept() -> None:
    events: list[str] = []

    class App(WebSocketEndpoint):
        async def on_connect(self, websocket: WebSocket) -> None:
            events.append("connect")

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            raise AssertionError("no data was received")  # pragma: no cover

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            events.append(f"disconnect {close_code}")

    messages: list[Message] = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1001}]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent")  # pragma: no cover

    await App({"type": "websocket", "path": "/", "headers": [], "subprotocols": []}, receive, send)
    assert events == ["connect", "disconnect 1001"]
    assert messages == []


def test_websocket_endpoint_exception_reports_1011_and_reraises(test_client_factory: TestClientFactory) -> None:
    codes: list[int] = []

    class App(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            raise ValueError(f"cannot handle {data}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            codes.append(close_code)

    client = test_client_factory(App)
    with pytest.raises(ValueError, match="cannot handle this"), client.websocket_connect("/ws") as websocket:
        websocket.send_text("this")
        websocket.receive_text()
    assert codes == [1011]


def test_websocket_endpoint_in_a_router(test_client_factory: TestClientFactory) -> None:
    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: str) -> None:
            await websocket.send_text(f"{websocket.path_params['room']}: {data}")

    client = test_client_factory(Router(routes=[WebSocketRoute("/ws/{room}", endpoint=Echo)]))
    with client.websocket_connect("/ws/lobby") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "lobby: hi"


def test_websocket_endpoint_attributes() -> None:
    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def send(message: Message) -> None:
        raise NotImplementedError  # pragma: no cover

    scope: Scope = {"type": "websocket"}
    endpoint = WebSocketEndpoint(scope, receive, send)
    assert endpoint.scope is scope
    assert endpoint.receive is receive
    assert endpoint.send is send
    assert WebSocketEndpoint.encoding is None
