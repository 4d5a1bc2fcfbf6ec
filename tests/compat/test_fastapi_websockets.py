"""Websocket endpoints of a FastAPI service, with dependencies, parameters and close codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from starlette.websockets import WebSocketDisconnect
from tests.compat.app import Store


def test_websocket_with_dependencies(client: TestClient, store: Store) -> None:
    with client.websocket_connect("/ws/lobby?token=alice-token") as websocket:
        websocket.send_text("hello")
        assert websocket.receive_json() == {"room": "lobby", "user": "alice", "text": "hello"}
        websocket.send_text("again")
        assert websocket.receive_json() == {"room": "lobby", "user": "alice", "text": "again"}
        websocket.send_text("bye")
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_text()
    assert (closed.value.code, closed.value.reason) == (1000, "see you")
    assert "alice joined lobby" in store.events


def test_client_disconnect_reaches_the_endpoint(client: TestClient, store: Store) -> None:
    with client.websocket_connect("/ws/kitchen?token=bob-token") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_json()["user"] == "bob"
    assert store.events[-2:] == ["bob joined kitchen", "bob left kitchen with 1000"]


def test_websocket_exception_from_a_dependency(client: TestClient, store: Store) -> None:
    for url in ("/ws/lobby", "/ws/lobby?token=wrong"):
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(url):
            pass  # the handshake is refused
        assert (closed.value.code, closed.value.reason) == (1008, "invalid token")
    assert not any("joined" in event for event in store.events)


def test_websocket_parameter_validation_closes_with_1008(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws-count/9"):
        pass  # the handshake is refused
    assert closed.value.code == 1008
    # FastAPI puts the validation errors themselves in the close reason.
    reason: object = closed.value.reason
    assert reason == [
        {
            "type": "less_than_equal",
            "loc": ["path", "count"],
            "msg": "Input should be less than or equal to 5",
            "input": "9",
            "ctx": {"le": 5},
        }
    ]


def test_websocket_server_closes(client: TestClient) -> None:
    with client.websocket_connect("/ws-count/2") as websocket:
        assert [websocket.receive_text() for _ in range(3)] == ["2", "1", "0"]
        assert websocket.receive() == {"type": "websocket.close", "code": 1000, "reason": ""}


def test_unknown_websocket_route_is_closed(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/no-such-socket"):
        pass  # the handshake is refused
    assert closed.value.code == 1000
