"""Methods that instrumentation patches on the HTTP and websocket classes are called, as upstream calls them.

Each case patches one method on its class with a wrapper that counts its calls
and delegates to the original, runs a real request through an application, and
checks that the wrapper ran and that the client saw exactly what it sees
without the patch.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory

Outcome = list[object]
"""What the client observed: status, headers and body, or the websocket messages."""


async def body_endpoint(request: Request) -> Response:
    return PlainTextResponse(await request.body())


async def json_endpoint(request: Request) -> Response:
    return JSONResponse(await request.json())


async def form_endpoint(request: Request) -> Response:
    form = await request.form()
    return PlainTextResponse(repr(sorted(form.multi_items())))


async def plain_endpoint(request: Request) -> Response:
    return PlainTextResponse("plain")


async def stream_endpoint(request: Request) -> Response:
    async def chunks() -> AsyncIterator[str]:
        yield "one,"
        yield "two"

    return StreamingResponse(chunks(), media_type="text/csv")


async def ws_text(websocket: WebSocket) -> None:
    await websocket.accept()
    for _ in range(3):
        await websocket.send_text(await websocket.receive_text())
    await websocket.close()


async def ws_bytes(websocket: WebSocket) -> None:
    await websocket.accept()
    for _ in range(3):
        await websocket.send_bytes(await websocket.receive_bytes())
    await websocket.close()


async def ws_json(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(await websocket.receive_json())
    await websocket.send_json(await websocket.receive_json(mode="binary"), mode="binary")
    await websocket.close()


async def ws_iter_text(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


async def ws_iter_bytes(websocket: WebSocket) -> None:
    await websocket.accept()
    async for data in websocket.iter_bytes():
        await websocket.send_bytes(data)


async def ws_iter_json(websocket: WebSocket) -> None:
    await websocket.accept()
    async for value in websocket.iter_json():
        await websocket.send_json(value)


def make_app(file: Path) -> Starlette:
    async def file_endpoint(request: Request) -> Response:
        return FileResponse(file)

    return Starlette(
        routes=[
            Route("/body", body_endpoint, methods=["POST"]),
            Route("/json", json_endpoint, methods=["POST"]),
            Route("/form", form_endpoint, methods=["POST"]),
            Route("/plain", plain_endpoint),
            Route("/stream", stream_endpoint),
            Route("/file", file_endpoint),
            WebSocketRoute("/ws/text", ws_text),
            WebSocketRoute("/ws/bytes", ws_bytes),
            WebSocketRoute("/ws/json", ws_json),
            WebSocketRoute("/ws/iter_text", ws_iter_text),
            WebSocketRoute("/ws/iter_bytes", ws_iter_bytes),
            WebSocketRoute("/ws/iter_json", ws_iter_json),
        ]
    )


def http_outcome(client: TestClient, method: str, path: str, **kwargs: Any) -> Outcome:
    response = client.request(method, path, **kwargs)
    headers = [(name, value) for name, value in response.headers.multi_items() if name not in ("date", "etag")]
    return [response.status_code, headers, response.content]


def text_echo(client: TestClient, path: str) -> Outcome:
    with client.websocket_connect(path) as session:
        replies: Outcome = []
        for text in ("a", "b", "c"):
            session.send_text(text)
            replies.append(session.receive_text())
        return replies


def bytes_echo(client: TestClient, path: str) -> Outcome:
    with client.websocket_connect(path) as session:
        replies: Outcome = []
        for data in (b"a", b"b", b"c"):
            session.send_bytes(data)
            replies.append(session.receive_bytes())
        return replies


def json_echo(client: TestClient) -> Outcome:
    with client.websocket_connect("/ws/json") as session:
        session.send_json({"text": 1})
        session.send_json({"binary": 2}, mode="binary")
        return [session.receive_json(), session.receive_json(mode="binary")]


def iter_json_echo(client: TestClient) -> Outcome:
    with client.websocket_connect("/ws/iter_json") as session:
        replies: Outcome = []
        for value in ([1], {"a": None}):
            session.send_json(value)
            replies.append(session.receive_json())
        return replies


Scenario = Callable[[TestClient], Outcome]

SCENARIOS: dict[str, Scenario] = {
    "body": lambda client: http_outcome(client, "POST", "/body", content=b"hello"),
    "json": lambda client: http_outcome(client, "POST", "/json", json={"a": [1, "é"]}),
    "form": lambda client: http_outcome(client, "POST", "/form", data={"a": "1", "b": "2"}),
    "plain": lambda client: http_outcome(client, "GET", "/plain"),
    "stream": lambda client: http_outcome(client, "GET", "/stream"),
    "file": lambda client: http_outcome(client, "GET", "/file"),
    "ws_text": lambda client: text_echo(client, "/ws/text"),
    "ws_bytes": lambda client: bytes_echo(client, "/ws/bytes"),
    "ws_json": json_echo,
    "ws_iter_text": lambda client: text_echo(client, "/ws/iter_text"),
    "ws_iter_bytes": lambda client: bytes_echo(client, "/ws/iter_bytes"),
    "ws_iter_json": iter_json_echo,
}

# Every method upstream reaches through the class on these request paths, and a scenario that reaches it.
PATCHED: list[tuple[type[Any], str, str]] = [
    (Request, "stream", "body"),
    (Request, "body", "json"),
    (Request, "json", "json"),
    (Request, "form", "form"),
    (Response, "__call__", "plain"),
    (Response, "render", "plain"),
    (Response, "init_headers", "plain"),
    (JSONResponse, "render", "json"),
    (StreamingResponse, "__call__", "stream"),
    (StreamingResponse, "stream_response", "stream"),
    (FileResponse, "__call__", "file"),
    (FileResponse, "set_stat_headers", "file"),
    (WebSocket, "accept", "ws_text"),
    (WebSocket, "receive", "ws_text"),
    (WebSocket, "send", "ws_text"),
    (WebSocket, "close", "ws_text"),
    (WebSocket, "receive_text", "ws_text"),
    (WebSocket, "send_text", "ws_text"),
    (WebSocket, "receive", "ws_bytes"),
    (WebSocket, "send", "ws_bytes"),
    (WebSocket, "receive_bytes", "ws_bytes"),
    (WebSocket, "send_bytes", "ws_bytes"),
    (WebSocket, "receive", "ws_json"),
    (WebSocket, "send", "ws_json"),
    (WebSocket, "receive_json", "ws_json"),
    (WebSocket, "send_json", "ws_json"),
    (WebSocket, "iter_text", "ws_iter_text"),
    (WebSocket, "iter_bytes", "ws_iter_bytes"),
    (WebSocket, "iter_json", "ws_iter_json"),
    (WebSocket, "receive", "ws_iter_json"),
]


def counting(original: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    """A stand-in for `original` of the same kind (function, coroutine or async generator) that counts calls."""
    if inspect.isasyncgenfunction(original):

        async def generator_wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            calls.append(original.__name__)  # ty: ignore[missing-attribute]
            async for item in original(*args, **kwargs):
                yield item

        return generator_wrapper
    if inspect.iscoroutinefunction(original):

        async def coroutine_wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(original.__name__)  # ty: ignore[missing-attribute]
            return await original(*args, **kwargs)

        return coroutine_wrapper

    def function_wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(original.__name__)  # ty: ignore[missing-attribute]
        return original(*args, **kwargs)

    return function_wrapper


@pytest.fixture
def client(tmp_path: Path, test_client_factory: TestClientFactory) -> Iterator[TestClient]:
    file = tmp_path / "file.txt"
    file.write_bytes(b"file content")
    with test_client_factory(make_app(file)) as client:
        yield client


@pytest.mark.parametrize(
    ("owner", "name", "scenario"),
    PATCHED,
    ids=[f"{owner.__name__}.{name}-{scenario}" for owner, name, scenario in PATCHED],
)
def test_patched_method_is_called(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, owner: type[Any], name: str, scenario: str
) -> None:
    run = SCENARIOS[scenario]
    expected = run(client)
    calls: list[str] = []
    monkeypatch.setattr(owner, name, counting(owner.__dict__[name], calls))
    assert run(client) == expected
    assert calls


def test_patched_receive_sees_every_message_of_an_echo(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # The connect message and three data messages, as upstream calls it.
    calls: list[str] = []
    monkeypatch.setattr(WebSocket, "receive", counting(WebSocket.receive, calls))
    assert text_echo(client, "/ws/text") == ["a", "b", "c"]
    assert len(calls) == 4


def test_patched_stream_reads_the_body_for_body(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(Request, "stream", counting(Request.stream, calls))
    assert client.post("/body", content=b"hello").content == b"hello"
    assert calls == ["stream"]
