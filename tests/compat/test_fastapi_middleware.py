"""Middleware (CORS, GZip, `BaseHTTPMiddleware`) and custom exception handlers in FastAPI applications."""

from __future__ import annotations

import gzip

import httpx2 as httpx
import pytest
from fastapi import BackgroundTasks, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint
from tests.compat import Backend
from tests.compat.app import FRONTEND_ORIGIN, Store

# ---- CORS ----------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str, method: str = "POST", headers: str = "") -> httpx.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/items/", headers=request_headers)


def test_cors_preflight(client: TestClient, store: Store) -> None:
    response = preflight(client, FRONTEND_ORIGIN, headers="content-type, x-request-id")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == FRONTEND_ORIGIN
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Request-Id"
    )
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-max-age"] == "60"
    assert "Origin" in response.headers["vary"]
    # The preflight is answered by the CORS middleware: the application never sees it.
    assert "middleware OPTIONS /items/" not in store.events


def test_cors_preflight_refusals(client: TestClient) -> None:
    response = preflight(client, "https://evil.example")
    assert (response.status_code, response.text) == (400, "Disallowed CORS origin")
    assert "access-control-allow-origin" not in response.headers

    response = preflight(client, FRONTEND_ORIGIN, method="DELETE")
    assert (response.status_code, response.text) == (400, "Disallowed CORS method")

    response = preflight(client, FRONTEND_ORIGIN, headers="x-secret")
    assert (response.status_code, response.text) == (400, "Disallowed CORS headers")


def test_cors_simple_requests(client: TestClient) -> None:
    response = client.get("/items/", headers={"Origin": FRONTEND_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Process"
    assert "Origin" in response.headers["vary"]

    response = client.get("/items/", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers

    # Errors raised in the application still carry the CORS headers.
    response = client.get("/items/404", headers={"Origin": FRONTEND_ORIGIN})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == FRONTEND_ORIGIN


# ---- GZip ----------------------------------------------------------------------------------------


async def big() -> PlainTextResponse:
    return PlainTextResponse("x" * 1000)


async def small() -> PlainTextResponse:
    return PlainTextResponse("tiny")


async def stream() -> StreamingResponse:
    return StreamingResponse(iter([b"chunk-1 ", b"chunk-2"]), media_type="text/plain")


def gzip_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.get("/big")(big)
    app.get("/small")(small)
    app.get("/stream")(stream)
    return app


def test_gzip_compresses_large_responses(backend: Backend) -> None:
    client = TestClient(gzip_app(), backend=backend)
    response = client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == "x" * 1000
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < 1000

    response = client.get("/big", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "1000"


def test_gzip_leaves_small_responses_alone(backend: Backend) -> None:
    client = TestClient(gzip_app(), backend=backend)
    response = client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert response.text == "tiny"
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "4"


def test_gzip_compresses_streams(backend: Backend) -> None:
    client = TestClient(gzip_app(), backend=backend)
    with client.stream("GET", "/stream", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert gzip.decompress(raw) == b"chunk-1 chunk-2"


def test_gzip_through_base_http_middleware(client: TestClient) -> None:
    # `BaseHTTPMiddleware` streams what it relays, so even a short body is compressed.
    for index in range(3):
        client.post("/items/", json={"name": f"item-{index}", "price": 1}, headers={"x-request-id": "req-1"})
    response = client.get("/items/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert [item["name"] for item in response.json()] == ["item-0", "item-1", "item-2"]


# ---- BaseHTTPMiddleware --------------------------------------------------------------------------


async def guarded(background_tasks: BackgroundTasks, request: Request) -> dict[str, str]:
    events: list[str] = request.app.state.events
    background_tasks.add_task(events.append, "background")
    request.state.seen_by_endpoint = True
    return {"user": request.state.user}


async def broken() -> None:
    raise HTTPException(418, "I'm a teapot", headers={"X-Tea": "green"})


async def guard(request: Request, call_next: RequestResponseEndpoint) -> Response:
    events: list[str] = request.app.state.events
    if request.headers.get("x-key") != "open sesame":
        return JSONResponse({"detail": "Forbidden by middleware"}, status_code=403)
    request.state.user = "ali"
    events.append(f"before {request.url.path}")
    response = await call_next(request)
    events.append(f"after {request.url.path}: {response.status_code}")
    response.headers["X-Seen"] = str(getattr(request.state, "seen_by_endpoint", False))
    return response


def guarded_app() -> FastAPI:
    app = FastAPI()
    app.state.events = []
    app.middleware("http")(guard)
    app.get("/guarded")(guarded)
    app.get("/broken")(broken)
    return app


def test_base_http_middleware(backend: Backend) -> None:
    app = guarded_app()
    client = TestClient(app, backend=backend, headers={"x-key": "open sesame"})
    response = client.get("/guarded")
    assert response.status_code == 200
    assert response.json() == {"user": "ali"}
    assert response.headers["x-seen"] == "True"
    assert app.state.events == ["before /guarded", "after /guarded: 200", "background"]

    response = client.get("/guarded", headers={"x-key": "wrong"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden by middleware"}


def test_base_http_middleware_sees_handled_http_errors(backend: Backend) -> None:
    app = guarded_app()
    client = TestClient(app, backend=backend, headers={"x-key": "open sesame"})
    response = client.get("/broken")
    assert response.status_code == 418
    assert response.json() == {"detail": "I'm a teapot"}
    assert response.headers["x-tea"] == "green"
    assert app.state.events == ["before /broken", "after /broken: 418"]


# ---- custom exception handlers -------------------------------------------------------------------


async def plain_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        # Delegate to FastAPI's own handler (keeps the JSON body and the `Allow` header).
        return await http_exception_handler(request, exc)
    return PlainTextResponse(f"{exc.status_code}: {exc.detail}", exc.status_code, headers=exc.headers)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path == "/default":
        return await request_validation_exception_handler(request, exc)
    fields = [".".join(str(part) for part in error["loc"]) for error in exc.errors()]
    return JSONResponse({"invalid": fields, "body": exc.body}, status_code=400)


async def teapot(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("short and stout", status_code=418)


async def crash_handler(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": f"crashed: {exc}"}, status_code=500)


async def number(value: int) -> dict[str, int]:
    return {"value": value}


async def brew() -> None:
    raise HTTPException(418)


async def crash() -> None:
    raise ValueError("boom")


def handled_app() -> FastAPI:
    app = FastAPI(
        exception_handlers={
            StarletteHTTPException: plain_http_error,
            RequestValidationError: validation_error,
            418: teapot,
            Exception: crash_handler,
        }
    )
    app.get("/number")(number)
    app.post("/number")(number)
    app.get("/default")(number)
    app.get("/brew")(brew)
    app.get("/crash")(crash)
    return app


def test_custom_http_exception_handler_also_answers_routing_errors(backend: Backend) -> None:
    client = TestClient(handled_app(), backend=backend)
    response = client.get("/nowhere")
    assert (response.status_code, response.text) == (404, "404: Not Found")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"

    response = client.put("/number")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    # The first route matching the path answers (as in Starlette's router).
    assert response.headers["allow"] == "GET"


def test_status_code_handler_wins_over_class_handler(backend: Backend) -> None:
    client = TestClient(handled_app(), backend=backend)
    response = client.get("/brew")
    assert (response.status_code, response.text) == (418, "short and stout")


def test_custom_validation_handler(backend: Backend) -> None:
    client = TestClient(handled_app(), backend=backend)
    response = client.get("/number", params={"value": "ten"})
    assert response.status_code == 400
    assert response.json() == {"invalid": ["query.value"], "body": None}

    response = client.get("/default", params={"value": "ten"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "value"]


def test_handler_for_exception_answers_unexpected_errors(backend: Backend) -> None:
    client = TestClient(handled_app(), backend=backend, raise_server_exceptions=False)
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"detail": "crashed: boom"}

    # The error is still raised to the server (here: the test client) once answered.
    client = TestClient(handled_app(), backend=backend)
    with pytest.raises(ValueError, match="^boom$"):
        client.get("/crash")
