from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2 as httpx
from anyio.from_thread import BlockingPortal
from typing_extensions import assert_type

from starlette.testclient import (
    ASGI2App,
    ASGI3App,
    ASGIInstance,
    TestClient,
    WebSocketDenialResponse,
    WebSocketTestSession,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect


async def app(scope: Scope, receive: Receive, send: Send) -> None: ...


def asgi2_app(scope: Scope) -> Callable[[Receive, Send], Awaitable[None]]:
    raise NotImplementedError


def asgi2_instance_app(scope: Scope) -> ASGIInstance:
    async def instance(receive: Receive, send: Send) -> None: ...

    return instance


as_asgi2: ASGI2App = asgi2_instance_app
as_asgi3: ASGI3App = app
TestClient(as_asgi2)
TestClient(as_asgi3)
not_asgi2: ASGI2App = app  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
not_asgi3: ASGI3App = asgi2_instance_app  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
not_an_instance: ASGIInstance = app  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


def not_an_app(scope: Scope, receive: Receive) -> None: ...


class CustomClient(TestClient):
    pass


client = TestClient(app)
assert_type(client, TestClient)
assert_type(client.app, ASGIApp)
assert_type(client.app_state, dict[str, Any])
assert_type(client.portal, BlockingPortal | None)
assert_type(client.get("/", params={"q": "1"}), httpx.Response)
assert_type(client.post("/", json={"a": 1}), httpx.Response)
assert_type(client.request("PATCH", "/", content=b"x"), httpx.Response)
assert_type(client.request("GET", httpx.URL("/"), headers={"x": "1"}, follow_redirects=False), httpx.Response)
client.request("GET", 1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
client.request("GET", "/", follow_redirects="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
asgi2_client = TestClient(asgi2_app, backend="trio", backend_options={"strict_exception_groups": True})
configured = TestClient(
    app,
    base_url="https://example.org",
    raise_server_exceptions=False,
    root_path="/api",
    backend="asyncio",
    cookies={"session": "abc"},
    headers={"authorization": "Bearer token"},
    follow_redirects=False,
    client=("10.0.0.1", 1234),
)
an_httpx_client: httpx.Client = client

TestClient(not_an_app)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
TestClient(app, backend="curio")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
TestClient(app, client="testclient")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
TestClient(app, headers=[("a", "b")])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
TestClient(app, root_path=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
client.app = not_an_app  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]


def lifespan() -> None:
    with TestClient(app) as entered:
        assert_type(entered, TestClient)
    with CustomClient(app) as custom:
        assert_type(custom, CustomClient)


def websocket_session() -> None:
    session = client.websocket_connect("/ws", subprotocols=["chat"], headers={"x-token": "1"})
    assert_type(session, WebSocketTestSession)
    with session as websocket:
        assert_type(websocket, WebSocketTestSession)
        assert_type(websocket.accepted_subprotocol, str | None)
        assert_type(websocket.extra_headers, list[tuple[bytes, bytes]] | None)
        assert_type(websocket.scope, Scope)
        websocket.send({"type": "websocket.receive", "text": "raw"})
        websocket.send_text("hello")
        websocket.send_bytes(b"hello")
        websocket.send_json({"a": 1})
        websocket.send_json({"a": 1}, mode="binary")
        assert_type(websocket.receive(), Message)
        assert_type(websocket.receive_text(), str)
        assert_type(websocket.receive_bytes(), bytes)
        assert_type(websocket.receive_json(), Any)
        assert_type(websocket.receive_json(mode="binary"), Any)
        websocket.close(code=1001, reason="bye")

        websocket.send_text(b"hello")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
        websocket.send_bytes("hello")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
        websocket.send_json({}, mode="json")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
        websocket.receive_json(mode="xml")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
        websocket.close(code="1000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    client.websocket_connect(b"/ws")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    client.websocket_connect("/ws", subprotocols=[1])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


def denial() -> None:
    try:
        with client.websocket_connect("/ws"):
            pass
    except WebSocketDenialResponse as response:
        assert_type(response.status_code, int)
        assert_type(response.text, str)
        as_response: httpx.Response = response
        as_disconnect: WebSocketDisconnect = response
        print(as_response, as_disconnect)
