from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest

from starlette.responses import Response
from starlette.testclient import WebSocketDenialResponse
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import (
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)
from tests.utils import TestClientFactory

CONNECTING = WebSocketState.CONNECTING
CONNECTED = WebSocketState.CONNECTED
DISCONNECTED = WebSocketState.DISCONNECTED
RESPONSE = WebSocketState.RESPONSE


class FakeServer:
    """Plays the server side: delivers `incoming` in order and records what the app sends."""

    def __init__(self, *incoming: Message, send_error: Exception | None = None) -> None:
        self.incoming = list(incoming)
        self.sent: list[Message] = []
        self.send_error = send_error

    async def receive(self) -> Message:
        return self.incoming.pop(0)

    async def send(self, message: Message) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.sent.append(message)


def make_websocket(server: FakeServer, cls: type[WebSocket] = WebSocket, **scope: Any) -> WebSocket:
    base: Scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b"", "subprotocols": []}
    return cls({**base, **scope}, server.receive, server.send)


class LoggingWebSocket(WebSocket):
    """Overrides `receive` and `send`: the text, bytes and JSON helpers must go through them."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope, receive, send)
        self.log: list[str] = []

    async def receive(self) -> Message:
        message = await super().receive()
        self.log.append(f"receive {message['type']}")
        return message

    async def send(self, message: Message) -> None:
        self.log.append(f"send {message['type']}")
        await super().send(message)


@pytest.fixture(params=[WebSocket, LoggingWebSocket])
def websocket_class(request: pytest.FixtureRequest) -> type[WebSocket]:
    cls: type[WebSocket] = request.param
    return cls


def io_log(websocket: WebSocket) -> list[str]:
    """What a `LoggingWebSocket` recorded; nothing for a plain one."""
    return websocket.log if isinstance(websocket, LoggingWebSocket) else []


CONNECT: Message = {"type": "websocket.connect"}


# --- the state machine ------------------------------------------------------

RECEIVE_TYPES = ["websocket.connect", "websocket.receive", "websocket.disconnect", "websocket.send", "http.request"]
SEND_TYPES = [
    "websocket.accept",
    "websocket.send",
    "websocket.close",
    "websocket.http.response.start",
    "websocket.http.response.body",
    "websocket.receive",
    "http.response.start",
]

VALID_RECEIVES = {
    (CONNECTING, "websocket.connect"): CONNECTED,
    (CONNECTED, "websocket.receive"): CONNECTED,
    (CONNECTED, "websocket.disconnect"): DISCONNECTED,
}
RECEIVE_ERRORS = {
    CONNECTING: 'Expected ASGI message "websocket.connect", but got {!r}',
    CONNECTED: 'Expected ASGI message "websocket.receive" or "websocket.disconnect", but got {!r}',
}

VALID_SENDS = {
    (CONNECTING, "websocket.accept"): CONNECTED,
    (CONNECTING, "websocket.close"): DISCONNECTED,
    (CONNECTING, "websocket.http.response.start"): RESPONSE,
    (CONNECTED, "websocket.send"): CONNECTED,
    (CONNECTED, "websocket.close"): DISCONNECTED,
    (RESPONSE, "websocket.http.response.body"): DISCONNECTED,
}
SEND_ERRORS = {
    CONNECTING: (
        'Expected ASGI message "websocket.accept", "websocket.close" or "websocket.http.response.start", but got {!r}'
    ),
    CONNECTED: 'Expected ASGI message "websocket.send" or "websocket.close", but got {!r}',
    RESPONSE: 'Expected ASGI message "websocket.http.response.body", but got {!r}',
}


@pytest.mark.anyio
@pytest.mark.parametrize("state", list(WebSocketState))
@pytest.mark.parametrize("message_type", RECEIVE_TYPES)
async def test_receive_transitions(state: WebSocketState, message_type: str) -> None:
    message: Message = {"type": message_type, "code": 1000}
    server = FakeServer(message)
    websocket = make_websocket(server)
    websocket.client_state = state
    next_state = VALID_RECEIVES.get((state, message_type))
    if state not in RECEIVE_ERRORS:
        # No message can ever come in these states: the server is not even asked.
        with pytest.raises(WebSocketDisconnected, match='^Cannot call "receive" once a disconnect message'):
            await websocket.receive()
        assert server.incoming == [message]
    elif next_state is None:
        with pytest.raises(RuntimeError) as info:
            await websocket.receive()
        assert str(info.value) == RECEIVE_ERRORS[state].format(message_type)
        assert not isinstance(info.value, WebSocketDisconnected)
        assert websocket.client_state is state
    else:
        assert await websocket.receive() is message
        assert websocket.client_state is next_state


@pytest.mark.anyio
async def test_receive_after_disconnect() -> None:
    server = FakeServer(CONNECT, {"type": "websocket.disconnect", "code": 1000}, {"type": "websocket.receive"})
    websocket = make_websocket(server)
    await websocket.receive()
    await websocket.receive()
    assert websocket.client_state is DISCONNECTED
    with pytest.raises(WebSocketDisconnected) as info:
        await websocket.receive()
    assert str(info.value) == 'Cannot call "receive" once a disconnect message has been received.'
    assert len(server.incoming) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("state", [CONNECTING, CONNECTED, RESPONSE])
@pytest.mark.parametrize("message_type", SEND_TYPES)
async def test_send_transitions(state: WebSocketState, message_type: str) -> None:
    server = FakeServer()
    websocket = make_websocket(server)
    websocket.application_state = state
    message: Message = {"type": message_type}
    next_state = VALID_SENDS.get((state, message_type))
    if next_state is None:
        with pytest.raises(RuntimeError) as info:
            await websocket.send(message)
        assert str(info.value) == SEND_ERRORS[state].format(message_type)
        assert websocket.application_state is state
        assert server.sent == []
    else:
        await websocket.send(message)
        assert websocket.application_state is next_state
        assert server.sent == [message]


@pytest.mark.anyio
@pytest.mark.parametrize("message_type", SEND_TYPES)
async def test_send_after_close(message_type: str) -> None:
    server = FakeServer()
    websocket = make_websocket(server)
    await websocket.close()
    with pytest.raises(WebSocketDisconnected) as info:
        await websocket.send({"type": message_type})
    assert str(info.value) == 'Cannot call "send" once a close message has been sent.'
    assert server.sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]


@pytest.mark.anyio
async def test_denial_response_body_chunks() -> None:
    server = FakeServer()
    websocket = make_websocket(server)
    await websocket.send({"type": "websocket.http.response.start", "status": 403, "headers": []})
    assert websocket.application_state is RESPONSE
    await websocket.send({"type": "websocket.http.response.body", "body": b"a", "more_body": True})
    assert websocket.application_state is RESPONSE
    await websocket.send({"type": "websocket.http.response.body", "body": b"b", "more_body": False})
    assert websocket.application_state is DISCONNECTED
    with pytest.raises(WebSocketDisconnected):
        await websocket.send({"type": "websocket.http.response.body", "body": b"c"})


@pytest.mark.anyio
@pytest.mark.parametrize("client_state", [CONNECTING, CONNECTED])
@pytest.mark.parametrize("method", ["send_text", "send_bytes", "send_json", "send"])
async def test_os_error_while_connected_is_a_disconnect(
    websocket_class: type[WebSocket], method: str, client_state: WebSocketState
) -> None:
    error = OSError("connection reset")
    server = FakeServer(send_error=error)
    websocket = make_websocket(server, websocket_class)
    websocket.client_state = client_state
    websocket.application_state = CONNECTED
    argument: Any = {"send_text": "hi", "send_bytes": b"hi", "send_json": {}, "send": {"type": "websocket.send"}}
    with pytest.raises(WebSocketDisconnect) as info:
        await getattr(websocket, method)(argument[method])
    assert info.value.code == 1006
    assert info.value.__cause__ is error
    assert websocket.application_state is DISCONNECTED
    assert io_log(websocket) == ([] if websocket_class is WebSocket else ["send websocket.send"])


@pytest.mark.anyio
async def test_os_error_while_closing_is_a_disconnect() -> None:
    server = FakeServer(send_error=OSError("connection reset"))
    websocket = make_websocket(server)
    websocket.application_state = CONNECTED
    with pytest.raises(WebSocketDisconnect):
        await websocket.close()
    assert websocket.application_state is DISCONNECTED


@pytest.mark.anyio
async def test_os_error_while_connecting_propagates() -> None:
    server = FakeServer(CONNECT, send_error=OSError("connection reset"))
    websocket = make_websocket(server)
    with pytest.raises(OSError, match="connection reset"):
        await websocket.accept()


@pytest.mark.anyio
async def test_assigned_states_rule_the_data_helpers() -> None:
    # The helpers' shortcut follows `client_state` and `application_state` even when code outside
    # the class assigns them.
    server = FakeServer(CONNECT, {"type": "websocket.receive", "text": "a"}, {"type": "websocket.receive", "text": "b"})
    websocket = make_websocket(server)
    await websocket.accept()

    websocket.application_state = DISCONNECTED
    with pytest.raises(WebSocketDisconnected, match='^Cannot call "send" once a close message has been sent.$'):
        await websocket.send_text("x")
    with pytest.raises(WebSocketDisconnected, match='^WebSocket is not connected. Need to call "accept" first.$'):
        await websocket.receive_text()

    websocket.application_state = CONNECTED
    websocket.client_state = DISCONNECTED
    with pytest.raises(
        WebSocketDisconnected, match='^Cannot call "receive" once a disconnect message has been received.$'
    ):
        await websocket.receive_bytes()
    await websocket.send_bytes(b"still open")  # sending only depends on the application's side

    websocket.client_state = CONNECTED
    assert await websocket.receive_text() == "a"
    await websocket.send_text("b")
    assert (websocket.client_state, websocket.application_state) == (CONNECTED, CONNECTED)
    assert server.sent[1:] == [
        {"type": "websocket.send", "bytes": b"still open"},
        {"type": "websocket.send", "text": "b"},
    ]
    assert server.incoming == [{"type": "websocket.receive", "text": "b"}]


# --- the high-level API, against a fake server -------------------------------


@pytest.mark.anyio
async def test_accept_receives_connect_first() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server)
    assert (websocket.client_state, websocket.application_state) == (CONNECTING, CONNECTING)

    def headers() -> Iterator[tuple[bytes, bytes]]:
        yield (b"x-extra", b"1")

    await websocket.accept(subprotocol="chat", headers=headers())
    assert (websocket.client_state, websocket.application_state) == (CONNECTED, CONNECTED)
    assert server.sent == [{"type": "websocket.accept", "subprotocol": "chat", "headers": [(b"x-extra", b"1")]}]


@pytest.mark.anyio
async def test_accept_after_receiving_connect() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server)
    await websocket.receive()
    await websocket.accept()
    assert server.sent == [{"type": "websocket.accept", "subprotocol": None, "headers": []}]


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["receive_text", "receive_bytes", "receive_json"])
async def test_receive_data_requires_accept(method: str) -> None:
    websocket = make_websocket(FakeServer(CONNECT))
    with pytest.raises(WebSocketDisconnected, match='^WebSocket is not connected. Need to call "accept" first.$'):
        await getattr(websocket, method)()


async def accepted(*incoming: Message, cls: type[WebSocket] = WebSocket) -> WebSocket:
    websocket = make_websocket(FakeServer(CONNECT, *incoming), cls)
    await websocket.accept()
    return websocket


@pytest.mark.anyio
async def test_receive_data(websocket_class: type[WebSocket]) -> None:
    websocket = await accepted(
        {"type": "websocket.receive", "text": "héllo"},
        {"type": "websocket.receive", "bytes": b"\x00"},
        {"type": "websocket.receive", "text": '{"a": "é"}'},
        {"type": "websocket.receive", "bytes": b'{"b": [1]}'},
        cls=websocket_class,
    )
    assert await websocket.receive_text() == "héllo"
    assert await websocket.receive_bytes() == b"\x00"
    assert await websocket.receive_json() == {"a": "é"}
    assert await websocket.receive_json(mode="binary") == {"b": [1]}
    assert websocket.client_state is CONNECTED
    if websocket_class is LoggingWebSocket:
        assert (
            io_log(websocket)
            == ["receive websocket.connect", "send websocket.accept"] + ["receive websocket.receive"] * 4
        )


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["receive_text", "receive_bytes"])
async def test_unexpected_message_while_connected(websocket_class: type[WebSocket], method: str) -> None:
    websocket = await accepted({"type": "websocket.connect"}, cls=websocket_class)
    with pytest.raises(RuntimeError) as info:
        await getattr(websocket, method)()
    assert str(info.value) == RECEIVE_ERRORS[CONNECTED].format("websocket.connect")
    assert websocket.client_state is CONNECTED


@pytest.mark.anyio
async def test_receive_data_after_a_raw_accept(websocket_class: type[WebSocket]) -> None:
    # Accepted without receiving `websocket.connect` first: the next message is that connect.
    websocket = make_websocket(FakeServer(CONNECT, {"type": "websocket.receive", "text": "x"}), websocket_class)
    await websocket.send({"type": "websocket.accept"})
    with pytest.raises(KeyError, match="^'text'$"):  # as upstream: the connect message has no text
        await websocket.receive_text()
    assert websocket.client_state is CONNECTED
    assert await websocket.receive_text() == "x"


@pytest.mark.anyio
async def test_receive_data_after_close(websocket_class: type[WebSocket]) -> None:
    websocket = await accepted(cls=websocket_class)
    await websocket.close()
    with pytest.raises(WebSocketDisconnected, match='^WebSocket is not connected. Need to call "accept" first.$'):
        await websocket.receive_text()


@pytest.mark.anyio
async def test_receive_wrong_frame_kind() -> None:
    # Upstream's types: a missing key raises `KeyError` (which adapters catch), a `None` one is returned.
    websocket = await accepted(
        {"type": "websocket.receive", "bytes": b"x"},
        {"type": "websocket.receive", "text": "x"},
        {"type": "websocket.receive", "bytes": b"{}"},
        {"type": "websocket.receive", "text": "{}"},
        {"type": "websocket.receive", "bytes": b"x", "text": None},
        {"type": "websocket.receive", "text": "x", "bytes": None},
    )
    with pytest.raises(KeyError, match="^'text'$"):
        await websocket.receive_text()
    with pytest.raises(KeyError, match="^'bytes'$"):
        await websocket.receive_bytes()
    with pytest.raises(KeyError, match="^'text'$"):
        await websocket.receive_json()
    with pytest.raises(KeyError, match="^'bytes'$"):
        await websocket.receive_json(mode="binary")
    assert await websocket.receive_text() is None
    assert await websocket.receive_bytes() is None


@pytest.mark.anyio
async def test_receive_invalid_json() -> None:
    websocket = await accepted(
        {"type": "websocket.receive", "text": "{not json"},
        {"type": "websocket.receive", "bytes": b"\xff"},
    )
    with pytest.raises(json.JSONDecodeError):
        await websocket.receive_json()
    with pytest.raises(UnicodeDecodeError):
        await websocket.receive_json(mode="binary")


@pytest.mark.anyio
async def test_invalid_mode() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server)
    await websocket.accept()
    with pytest.raises(RuntimeError, match='^The "mode" argument should be "text" or "binary".$'):
        await websocket.receive_json(mode="json")  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    with pytest.raises(RuntimeError, match='^The "mode" argument should be "text" or "binary".$'):
        await websocket.send_json({}, mode="json")  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    assert len(server.sent) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["receive_text", "receive_bytes", "receive_json"])
async def test_receive_data_raises_disconnect(websocket_class: type[WebSocket], method: str) -> None:
    websocket = await accepted({"type": "websocket.disconnect", "code": 1001, "reason": "away"}, cls=websocket_class)
    with pytest.raises(WebSocketDisconnect) as info:
        await getattr(websocket, method)()
    assert (info.value.code, info.value.reason) == (1001, "away")
    assert websocket.client_state is DISCONNECTED


@pytest.mark.anyio
async def test_disconnect_without_code() -> None:
    websocket = await accepted({"type": "websocket.disconnect"})
    with pytest.raises(WebSocketDisconnect) as info:
        await websocket.receive_text()
    assert (info.value.code, info.value.reason) == (1005, "")


@pytest.mark.anyio
async def test_iterators_stop_at_disconnect() -> None:
    disconnect: Message = {"type": "websocket.disconnect", "code": 1000}
    websocket = await accepted(
        {"type": "websocket.receive", "text": "a"}, {"type": "websocket.receive", "text": "b"}, disconnect
    )
    assert [text async for text in websocket.iter_text()] == ["a", "b"]

    websocket = await accepted({"type": "websocket.receive", "bytes": b"a"}, disconnect)
    assert [data async for data in websocket.iter_bytes()] == [b"a"]

    websocket = await accepted(
        {"type": "websocket.receive", "text": "[1]"}, {"type": "websocket.receive", "text": "{}"}, disconnect
    )
    assert [data async for data in websocket.iter_json()] == [[1], {}]


@pytest.mark.anyio
async def test_send_data(websocket_class: type[WebSocket]) -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server, websocket_class)
    await websocket.accept()
    await websocket.send_text("héllo")
    await websocket.send_bytes(b"\x00")
    await websocket.send_json({"a": "é", "b": [1, 2]})
    await websocket.send_json({"a": "é"}, mode="binary")
    await websocket.close(code=4000, reason="done")
    assert server.sent[1:] == [
        {"type": "websocket.send", "text": "héllo"},
        {"type": "websocket.send", "bytes": b"\x00"},
        {"type": "websocket.send", "text": '{"a":"é","b":[1,2]}'},
        {"type": "websocket.send", "bytes": '{"a":"é"}'.encode()},
        {"type": "websocket.close", "code": 4000, "reason": "done"},
    ]
    if websocket_class is LoggingWebSocket:
        assert io_log(websocket)[2:] == ["send websocket.send"] * 4 + ["send websocket.close"]
    with pytest.raises(WebSocketDisconnected, match='^Cannot call "send" once a close message has been sent.$'):
        await websocket.send_text("late")
    with pytest.raises(WebSocketDisconnected, match='^Cannot call "send" once a close message has been sent.$'):
        await websocket.send_bytes(b"late")


@pytest.mark.anyio
async def test_send_json_unserializable() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server)
    await websocket.accept()
    with pytest.raises(TypeError):
        await websocket.send_json({"value": object()})
    assert len(server.sent) == 1


@pytest.mark.anyio
async def test_send_denial_response_requires_extension() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server)
    with pytest.raises(RuntimeError, match="^The server doesn't support the Websocket Denial Response extension.$"):
        await websocket.send_denial_response(Response("no", status_code=403))
    assert server.sent == []
    assert websocket.application_state is CONNECTING


@pytest.mark.anyio
async def test_send_denial_response() -> None:
    server = FakeServer(CONNECT)
    websocket = make_websocket(server, extensions={"websocket.http.response": {}})
    await websocket.send_denial_response(Response("no", status_code=403))
    assert [message["type"] for message in server.sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert server.sent[0]["status"] == 403
    assert server.sent[1]["body"] == b"no"
    assert websocket.application_state is DISCONNECTED


def test_websocket_requires_websocket_scope() -> None:
    server = FakeServer()
    with pytest.raises(AssertionError):
        WebSocket({"type": "http", "path": "/", "headers": []}, server.receive, server.send)


def test_websocket_is_hashable_by_identity() -> None:
    server = FakeServer()
    first, second = make_websocket(server), make_websocket(server)
    assert first == first
    assert first != second
    assert len({first, second}) == 2


def test_websocket_state_values() -> None:
    assert [(state.name, state.value) for state in WebSocketState] == [
        ("CONNECTING", 0),
        ("CONNECTED", 1),
        ("DISCONNECTED", 2),
        ("RESPONSE", 3),
    ]
    by_state = {state: state.name for state in WebSocketState}
    assert [by_state[state] for state in WebSocketState] == ["CONNECTING", "CONNECTED", "DISCONNECTED", "RESPONSE"]
    assert hash(CONNECTED) == hash(WebSocketState(1)) == hash(WebSocketState["CONNECTED"])


def test_websocket_disconnect_exception() -> None:
    default = WebSocketDisconnect()
    assert (default.code, default.reason) == (1000, "")
    custom = WebSocketDisconnect(4000, "bye")
    assert (custom.code, custom.reason) == (4000, "bye")
    assert repr(custom) == "WebSocketDisconnect(4000, 'bye')"  # the exception's own repr, as upstream
    assert (custom.args, str(custom)) == ((4000, "bye"), "(4000, 'bye')")
    by_name = WebSocketDisconnect(code=4000, reason="bye")
    assert (by_name.args, str(by_name), repr(by_name)) == ((), "", "WebSocketDisconnect()")
    assert WebSocketDisconnect(reason=None).reason == ""
    assert issubclass(WebSocketDisconnected, RuntimeError)


# --- through the test client ---------------------------------------------------


def test_connection_properties(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket: WebSocket = WebSocket({**scope, "path_params": {"room": "1"}}, receive, send)
        await websocket.accept()
        await websocket.send_json(
            {
                "url": str(websocket.url),
                "path": websocket["path"],
                "query": dict(websocket.query_params),
                "header": websocket.headers["sec-websocket-version"],
                "path_params": websocket.path_params,
                "client": list(websocket.client or ()),
            }
        )
        await websocket.close()

    with test_client_factory(app).websocket_connect("/room?q=1") as session:
        assert session.receive_json() == {
            "url": "ws://testserver/room?q=1",
            "path": "/room",
            "query": {"q": "1"},
            "header": "13",
            "path_params": {"room": "1"},
            "client": ["testclient", 50000],
        }


def test_typed_state(test_client_factory: TestClientFactory) -> None:
    class AppState(TypedDict):
        greeting: str

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["greeting"] = "hi"
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        websocket: WebSocket[AppState] = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text(websocket.state["greeting"])
        await websocket.close()

    with test_client_factory(app) as client, client.websocket_connect("/") as session:
        assert session.receive_text() == "hi"


def test_session_roundtrip(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept(subprotocol=scope["subprotocols"][-1], headers=[(b"x-accepted", b"yes")])
        async for text in websocket.iter_text():
            await websocket.send_text(text.upper())
        await websocket.close()

    client = test_client_factory(app)
    with client.websocket_connect("/", subprotocols=["v1", "v2"]) as session:
        assert session.accepted_subprotocol == "v2"
        assert session.extra_headers == [(b"x-accepted", b"yes")]
        session.send_text("ping")
        assert session.receive_text() == "PING"
        session.close()


def test_client_close_code_and_reason(test_client_factory: TestClientFactory) -> None:
    seen: list[tuple[int, str]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as disconnect:
            seen.append((disconnect.code, disconnect.reason))

    with test_client_factory(app).websocket_connect("/") as session:
        session.close(code=4002, reason="leaving")
    assert seen == [(4002, "leaving")]


def test_app_close_after_accept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.close(code=1001, reason="restart")

    with test_client_factory(app).websocket_connect("/") as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert (info.value.code, info.value.reason) == (1001, "restart")


def test_websocket_close_app(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(WebSocketClose()).websocket_connect("/"):
        pass
    assert (info.value.code, info.value.reason) == (1000, "")

    close = WebSocketClose(code=4004, reason="nope")
    assert (close.code, close.reason) == (4004, "nope")
    with pytest.raises(WebSocketDisconnect) as info, test_client_factory(close).websocket_connect("/"):
        pass
    assert (info.value.code, info.value.reason) == (4004, "nope")


def test_denial_response_through_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.send_denial_response(Response("Unauthorized", status_code=401, headers={"x-why": "token"}))

    with pytest.raises(WebSocketDenialResponse) as info, test_client_factory(app).websocket_connect("/"):
        pass
    assert info.value.status_code == 401
    assert info.value.headers["x-why"] == "token"
    assert info.value.text == "Unauthorized"


def test_receive_after_disconnect_through_client(test_client_factory: TestClientFactory) -> None:
    errors: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        with pytest.raises(WebSocketDisconnect):
            await websocket.receive_text()
        try:
            await websocket.receive_text()
        except WebSocketDisconnected as error:
            errors.append(str(error))

    with test_client_factory(app).websocket_connect("/") as session:
        session.close()
    assert errors == ['Cannot call "receive" once a disconnect message has been received.']
