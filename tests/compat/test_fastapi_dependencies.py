"""Dependencies with `yield`, background tasks, lifespan state and error handling in a FastAPI service."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from starlette.types import Message, Scope
from tests.compat import Backend
from tests.compat.app import Store, create_app

NEW_ITEM = {"name": "pen", "price": 2.5}


def test_yield_dependency_wraps_the_endpoint(client: TestClient, store: Store) -> None:
    store.events.clear()
    response = client.post("/items/", json=NEW_ITEM, headers={"x-request-id": "req-1"})
    assert response.status_code == 201
    assert store.events == [
        "middleware POST /items/",
        "session open",
        # The sync `yield` dependency copies its entries in its teardown, before the async one closes.
        "created 1 by request req-1",
        "session close",
    ]


def test_yield_dependency_sees_http_exceptions(client: TestClient, store: Store) -> None:
    store.events.clear()
    response = client.get("/items/7")
    assert response.status_code == 404
    assert store.events == ["middleware GET /items/7", "session open", "session rollback 404", "session close"]


def test_endpoint_not_run_when_validation_fails(client: TestClient, store: Store) -> None:
    store.events.clear()
    assert client.post("/items/", json={}, headers={"x-request-id": "req-1"}).status_code == 422
    # Dependencies are solved together with the parameters: the session opens and closes, the endpoint never runs.
    assert store.events == ["middleware POST /items/", "session open", "session close"]
    assert store.items == {}


def test_unexpected_error_closes_dependencies_and_propagates(client: TestClient, store: Store) -> None:
    store.events.clear()
    with pytest.raises(RuntimeError, match=r"archive service is down \(item 3\)"):
        client.post("/items/3/archive")
    assert store.events == ["middleware POST /items/3/archive", "session open", "session close"]


def test_unexpected_error_is_a_plain_500(app: FastAPI, backend: Backend, store: Store) -> None:
    with TestClient(app, raise_server_exceptions=False, backend=backend) as client:
        response = client.post("/items/3/archive")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "session close" in store.events


def test_custom_exception_handler_answers_domain_errors(client: TestClient) -> None:
    response = client.post("/items/2/orders")
    assert response.status_code == 409
    assert response.json() == {"detail": "Out of stock", "item_id": 2}
    assert client.post("/items/1/orders").json() == {"ordered": 1}


def test_background_tasks_of_endpoint_and_dependency(client: TestClient, store: Store) -> None:
    store.events.clear()
    response = client.post("/items/9/notify", params={"email": "ann@example.com"})
    assert response.status_code == 202
    assert response.json() == {"queued": "ann@example.com"}
    # The dependency queued its task first; both ran once the endpoint had answered.
    assert store.events == [
        "middleware POST /items/9/notify",
        "notify answered",
        "receipt for 9",
        "mail to ann@example.com: item 9",
    ]


def test_background_tasks_do_not_run_on_validation_errors(client: TestClient, store: Store) -> None:
    store.events.clear()
    response = client.post("/items/9/notify", params={"email": "a"})
    assert response.status_code == 422
    assert store.events == ["middleware POST /items/9/notify"]


def test_lifespan_runs_around_the_client_and_shares_its_state(static_dir: Path, backend: Backend) -> None:
    store = Store()
    app = create_app(static_dir, store)
    with TestClient(app, backend=backend) as client:
        assert store.events == ["startup"]
        client.post("/items/", json=NEW_ITEM, headers={"x-request-id": "req-1"})
        # The mounted admin application sees the same lifespan state.
        assert client.get("/admin/stats/").json()["items"] == 1
    assert store.events[-1] == "shutdown"
    assert store.events.count("startup") == 1


def http_scope(method: str, path: str, query_string: bytes, store: Store) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query_string,
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {"store": store},
    }


@pytest.mark.anyio
async def test_background_tasks_run_after_the_response_is_sent(static_dir: Path) -> None:
    store = Store()
    app = create_app(static_dir, store)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            store.events.append("response sent")

    with anyio.fail_after(5):
        await app(http_scope("POST", "/items/4/notify", b"email=bo%40example.com", store), receive, send)

    assert sent[0]["status"] == 202
    assert store.events == [
        "middleware POST /items/4/notify",
        "notify answered",
        "response sent",
        "receipt for 4",
        "mail to bo@example.com: item 4",
    ]


@pytest.mark.anyio
async def test_concurrent_requests_share_the_store(static_dir: Path) -> None:
    store = Store()
    app = create_app(static_dir, store)
    statuses: list[int] = []

    async def post_item(name: str) -> None:
        body = f'{{"name": "{name}", "price": 1}}'.encode()
        messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if messages:
                return messages.pop()
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        scope = http_scope("POST", "/items/", b"", store)
        scope["headers"] = [(b"content-type", b"application/json"), (b"x-request-id", name.encode())]
        await app(scope, receive, send)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for name in ("item-a", "item-b", "item-c"):
                tg.start_soon(post_item, name)

    assert statuses == [201, 201, 201]
    assert sorted(item.name for item in store.items.values()) == ["item-a", "item-b", "item-c"]
