"""OAuth2 password flow, bearer tokens and HTTP Basic authentication in a FastAPI service."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient


def test_oauth2_password_flow(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200
    assert response.json() == {"access_token": "alice-token", "token_type": "bearer"}

    token = response.json()["access_token"]
    response = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"username": "alice"}
    # The scheme name is case-insensitive.
    assert client.get("/auth/me", headers={"Authorization": f"bearer {token}"}).json() == {"username": "alice"}


def test_oauth2_wrong_password_or_missing_fields(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "alice", "password": "guess"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect username or password"}

    response = client.post("/auth/token", data={"username": "nobody", "password": "guess"})
    assert response.status_code == 400

    response = client.post("/auth/token", data={"username": "alice"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": None}]
    }

    # The password flow takes a form, not JSON.
    response = client.post("/auth/token", json={"username": "alice", "password": "wonderland"})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "username"], ["body", "password"]]


def test_bearer_token_required(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic YWxpY2U6d29uZGVybGFuZA=="}, {"Authorization": "Token abc"}):
        response = client.get("/auth/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"detail": "Not authenticated"}
        assert response.headers["www-authenticate"] == "Bearer"

    response = client.get("/auth/me", headers={"Authorization": "Bearer stolen-token"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid authentication credentials"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_http_basic(client: TestClient) -> None:
    response = client.get("/auth/basic", auth=("bob", "builder"))
    assert response.status_code == 200
    assert response.json() == {"username": "bob"}

    response = client.get("/auth/basic")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == 'Basic realm="compat"'

    response = client.get("/auth/basic", auth=("bob", "wrong"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert response.headers["www-authenticate"] == "Basic"


def test_http_basic_malformed_credentials(client: TestClient) -> None:
    no_colon = base64.b64encode(b"bob").decode()
    for value in ("Basic !!!", f"Basic {no_colon}", "Basic"):
        response = client.get("/auth/basic", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.json() == {"detail": "Not authenticated"}
        assert response.headers["www-authenticate"] == 'Basic realm="compat"'

    # A password may contain colons: only the first one separates it from the username.
    value = base64.b64encode(b"bob:builder:extra").decode()
    response = client.get("/auth/basic", headers={"Authorization": f"Basic {value}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
