"""The OpenAPI schema and the documentation pages of a FastAPI service."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.compat import Backend


def test_openapi_schema(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    schema: dict[str, Any] = response.json()
    assert schema["openapi"] == "3.1.0"
    assert schema["info"] == {"title": "Compat Inventory", "version": "1.0.0"}
    assert "servers" not in schema
    # Routes of the routers only: no websockets, no mounted applications.
    assert list(schema["paths"]) == [
        "/items/",
        "/items/{item_id}",
        "/items/{item_id}/orders",
        "/items/{item_id}/archive",
        "/items/{item_id}/notify",
        "/items/{item_id}/export",
        "/auth/token",
        "/auth/me",
        "/auth/basic",
        "/files/",
        "/files/batch",
        "/files/raw",
        "/files/notes",
    ]
    assert schema["paths"]["/items/{item_id}"]["get"]["tags"] == ["items"]
    assert set(schema["paths"]["/items/"]) == {"get", "post"}


def test_openapi_security_and_bodies(client: TestClient) -> None:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {
        "OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "auth/token"}}},
        "HTTPBasic": {"type": "http", "scheme": "basic"},
    }
    assert schema["paths"]["/auth/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
    paths = schema["paths"]
    assert list(paths["/auth/token"]["post"]["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert list(paths["/files/"]["post"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert list(paths["/items/"]["post"]["requestBody"]["content"]) == ["application/json"]
    parameters = {(p["in"], p["name"]) for p in paths["/items/"]["post"]["parameters"]}
    assert parameters == {("header", "x-request-id"), ("cookie", "owner")}


def test_openapi_behind_a_proxy(app: FastAPI, backend: Backend) -> None:
    with TestClient(app, root_path="/api", backend=backend) as client:
        schema: dict[str, Any] = client.get("/openapi.json").json()
        docs = client.get("/docs").text
        redoc = client.get("/redoc").text
    assert schema["servers"] == [{"url": "/api"}]
    assert "url: '/api/openapi.json'" in docs
    assert "oauth2RedirectUrl: window.location.origin + '/api/docs/oauth2-redirect'" in docs
    assert '<redoc spec-url="/api/openapi.json"></redoc>' in redoc


def test_documentation_pages(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Compat Inventory - Swagger UI</title>" in response.text
    assert "url: '/openapi.json'" in response.text

    response = client.get("/redoc")
    assert response.status_code == 200
    assert "<title>Compat Inventory - ReDoc</title>" in response.text

    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "<title>Swagger UI: OAuth2 Redirect</title>" in response.text

    response = client.head("/docs")
    assert response.status_code == 200
    assert response.content == b""


def test_documentation_can_be_turned_off(backend: Backend) -> None:
    client = TestClient(FastAPI(openapi_url=None), backend=backend)
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not Found"}
