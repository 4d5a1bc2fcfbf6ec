"""Tests as users write them with the TestClient (httpx2 only, as upstream's full extra installs)."""

from __future__ import annotations

import httpx2
import pytest

from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from .app import app


@pytest.fixture
def client() -> TestClient:
    return TestClient(app, base_url="http://example.com")


def test_homepage(client: TestClient) -> None:
    response = client.get("/", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 200
    assert response.json() == {"hello": "world", "user": None}
    assert isinstance(response, httpx2.Response)


def test_upload(client: TestClient) -> None:
    response = client.post("/upload", files={"file": ("a.txt", b"data", "text/plain")}, data={"x": "1"})
    assert response.json()["files"] == ["a.txt"]


def test_lifespan_and_cookies() -> None:
    with TestClient(app, cookies={"session": "x"}) as client:
        response = client.get("/sync", params={"a": "1"}, follow_redirects=False, timeout=5.0)
        assert response.text == "sync"
        request: httpx2.Request = response.request
        assert request.url.path == "/sync"


def test_websocket(client: TestClient) -> None:
    with client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_json() == {"message": "hi"}
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/nowhere"):
        pass


def test_transport_errors(client: TestClient) -> None:
    with pytest.raises(httpx2.UnsupportedProtocol):
        client.get("ftp://example.com/")
