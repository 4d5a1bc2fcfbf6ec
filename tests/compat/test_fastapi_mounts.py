"""Routers, mounted applications, static files and request body limits in a FastAPI service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.testclient import TestClient

from starlette.routing import Mount
from tests.compat import Backend
from tests.compat.app import APP_BODY_LIMIT, LEGACY_BODY_LIMIT, NOTE_BODY_LIMIT

# ---- one router included twice -------------------------------------------------------------------


def require_version_header(x_api_version: Annotated[str | None, Header()] = None) -> None:
    if x_api_version != "2":
        raise HTTPException(400, "X-API-Version: 2 required")


ping_router = APIRouter(tags=["ping"])


@ping_router.get("/ping", name="ping")
async def ping(request: Request) -> dict[str, str]:
    return {"path": request.url.path, "ping_url": str(request.url_for("ping"))}


def versioned_app() -> FastAPI:
    app = FastAPI()
    app.include_router(ping_router, prefix="/v1")
    app.include_router(ping_router, prefix="/v2", dependencies=[Depends(require_version_header)])
    return app


def test_router_included_under_two_prefixes(backend: Backend) -> None:
    client = TestClient(versioned_app(), backend=backend)
    assert client.get("/v1/ping").json() == {"path": "/v1/ping", "ping_url": "http://testserver/v1/ping"}

    response = client.get("/v2/ping")
    assert response.status_code == 400
    assert response.json() == {"detail": "X-API-Version: 2 required"}
    assert client.get("/v2/ping", headers={"x-api-version": "2"}).json()["path"] == "/v2/ping"
    assert client.get("/ping").status_code == 404


def test_router_inside_a_mounted_router(backend: Backend) -> None:
    # An unnamed mount lets the outer application reach the names of the inner routes directly.
    outer = FastAPI(routes=[Mount("/api", app=versioned_app()), Mount("/named", app=versioned_app(), name="named")])
    client = TestClient(outer, backend=backend)
    response = client.get("/api/v1/ping")
    assert response.json() == {"path": "/api/v1/ping", "ping_url": "http://testserver/api/v1/ping"}
    assert outer.url_path_for("ping") == "/api/v1/ping"
    assert outer.url_path_for("named:ping") == "/named/v1/ping"


# ---- the service's mounts ------------------------------------------------------------------------


def test_mounted_fastapi_application(client: TestClient) -> None:
    response = client.get("/admin/stats/")
    assert response.status_code == 200
    assert response.json() == {"items": 0, "root_path": "/admin", "url": "http://testserver/admin/stats/"}
    assert client.get("/admin/nothing").json() == {"detail": "Not Found"}

    response = client.get("/admin/openapi.json")
    assert response.json()["info"]["title"] == "Compat Admin"
    assert list(response.json()["paths"]) == ["/stats/"]
    # The mounted application's docs load its schema through the mount prefix.
    assert "url: '/admin/openapi.json'" in client.get("/admin/docs").text


def test_mounted_starlette_application(app: FastAPI, client: TestClient) -> None:
    response = client.get("/legacy/hello")
    assert response.status_code == 200
    # `url_for` inside the mounted application still resolves the routes of the outer one.
    assert response.text == "/legacy/hello -> http://testserver/items/1"
    assert client.get("/legacy/nothing").text == "Not Found"
    assert app.url_path_for("legacy:legacy_echo") == "/legacy/echo"
    assert app.url_path_for("admin:stats") == "/admin/stats/"


def test_static_files(app: FastAPI, client: TestClient) -> None:
    response = client.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.text == "hello, static world\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    etag = response.headers["etag"]
    assert response.headers["last-modified"]
    assert app.url_path_for("static", path="/hello.txt") == "/static/hello.txt"

    response = client.head("/static/hello.txt")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "20"

    response = client.get("/static/hello.txt", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""

    response = client.get("/static/hello.txt", headers={"range": "bytes=7-12"})
    assert response.status_code == 206
    assert response.text == "static"
    assert response.headers["content-range"] == "bytes 7-12/20"


def test_static_files_errors_go_through_fastapi_handlers(client: TestClient) -> None:
    for path in ("/static/missing.txt", "/static/site/", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2fapp.py"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not Found"}

    response = client.post("/static/hello.txt")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET, HEAD"


# ---- request body limits -------------------------------------------------------------------------


def chunks(count: int, size: int) -> Iterator[bytes]:
    """A body without `Content-Length` (sent chunked)."""
    for _ in range(count):
        yield b"x" * size


def assert_too_large(status_code: int, text: str) -> None:
    assert (status_code, text) == (413, "Content Too Large")


def test_application_body_limit(client: TestClient) -> None:
    headers = {"x-request-id": "req-1", "content-type": "application/json"}
    response = client.post("/items/", content=b" " * (APP_BODY_LIMIT + 1), headers=headers)
    assert_too_large(response.status_code, response.text)

    response = client.post("/items/", content=chunks(APP_BODY_LIMIT // 1000 + 1, 1000), headers=headers)
    assert_too_large(response.status_code, response.text)

    # Exactly at the limit is fine (and reaches validation).
    padded = b'{"name": "pen", "price": 1}'.ljust(APP_BODY_LIMIT)
    assert client.post("/items/", content=padded, headers=headers).status_code == 201


def test_route_body_limit(client: TestClient) -> None:
    response = client.post("/files/notes", content=b"n" * NOTE_BODY_LIMIT)
    assert (response.status_code, response.text) == (200, "n" * NOTE_BODY_LIMIT)

    response = client.post("/files/notes", content=b"n" * (NOTE_BODY_LIMIT + 1))
    assert_too_large(response.status_code, response.text)

    response = client.post("/files/notes", content=chunks(2, NOTE_BODY_LIMIT // 2 + 1))
    assert_too_large(response.status_code, response.text)


def test_mounted_starlette_body_limit(client: TestClient) -> None:
    response = client.post("/legacy/echo", content=b"e" * LEGACY_BODY_LIMIT)
    assert (response.status_code, response.text) == (200, "e" * LEGACY_BODY_LIMIT)

    response = client.post("/legacy/echo", content=b"e" * (LEGACY_BODY_LIMIT + 1))
    assert_too_large(response.status_code, response.text)

    response = client.post("/legacy/echo", content=chunks(3, LEGACY_BODY_LIMIT // 2))
    assert_too_large(response.status_code, response.text)


def test_body_limit_does_not_touch_bodiless_requests(client: TestClient) -> None:
    assert client.get("/items/").status_code == 200
    assert client.get("/static/hello.txt").status_code == 200
