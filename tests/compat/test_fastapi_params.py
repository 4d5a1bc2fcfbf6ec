"""Path, query, header, cookie and body parameters of a FastAPI service, and their 422 answers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.compat import Backend
from tests.compat.app import Store

NEW_ITEM = {"name": "pen", "price": 2.5, "tags": ["office"]}


def create(client: TestClient, item: dict[str, object] | None = None, owner: str | None = None) -> int:
    client.cookies.clear()
    if owner is not None:
        client.cookies.set("owner", owner)
    response = client.post("/items/", json=item or NEW_ITEM, headers={"x-request-id": "req-1"})
    assert response.status_code == 201, response.text
    item_id: int = response.json()["id"]
    return item_id


def test_path_parameter_is_converted_and_validated(client: TestClient) -> None:
    item_id = create(client)

    response = client.get(f"/items/{item_id}")
    assert response.status_code == 200
    assert response.json() == {"id": item_id, "name": "pen", "price": 2.5, "tags": ["office"], "owner": None}

    response = client.get("/items/abc")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["path", "item_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "abc",
            }
        ]
    }

    response = client.get("/items/0")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "greater_than_equal",
            "loc": ["path", "item_id"],
            "msg": "Input should be greater than or equal to 1",
            "input": "0",
            "ctx": {"ge": 1},
        }
    ]


def test_missing_item_is_a_404_with_the_exception_headers(client: TestClient) -> None:
    response = client.get("/items/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}
    assert response.headers["x-error"] == "missing-item"
    assert response.headers["content-type"] == "application/json"


def test_query_parameters_repeat_and_validate(client: TestClient) -> None:
    create(client, {"name": "pen", "price": 1, "tags": ["office", "blue"]})
    create(client, {"name": "mug", "price": 4, "tags": ["kitchen", "blue"]})
    create(client, {"name": "cup", "price": 3, "tags": ["kitchen"]})

    names = [item["name"] for item in client.get("/items/").json()]
    assert names == ["pen", "mug", "cup"]
    names = [item["name"] for item in client.get("/items/", params={"tag": ["blue"]}).json()]
    assert names == ["pen", "mug"]
    names = [item["name"] for item in client.get("/items/?tag=blue&tag=kitchen").json()]
    assert names == ["mug"]
    names = [item["name"] for item in client.get("/items/?limit=2").json()]
    assert names == ["pen", "mug"]
    # Percent-encoded values are decoded before validation.
    assert [item["name"] for item in client.get("/items/?tag=kit%63hen&limit=%31").json()] == ["mug"]

    response = client.get("/items/?limit=51&limit=abc")
    assert response.status_code == 422
    # The last value of a repeated scalar parameter wins.
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]
    assert response.json()["detail"][0]["type"] == "int_parsing"

    response = client.get("/items/?limit=0")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Input should be greater than or equal to 1"


def test_header_and_cookie_parameters(client: TestClient, store: Store) -> None:
    client.cookies.set("owner", "alice")
    response = client.post("/items/", json=NEW_ITEM, headers={"X-Request-ID": "abcd-1234"})
    assert response.status_code == 201
    assert response.json()["owner"] == "alice"
    assert response.headers["location"] == "http://testserver/items/1"
    assert "created 1 by request abcd-1234" in store.events

    client.cookies.clear()
    response = client.post("/items/", json=NEW_ITEM, headers={"x-request-id": "no spaces allowed"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_pattern_mismatch",
            "loc": ["header", "x-request-id"],
            "msg": "String should match pattern '^[a-z0-9-]{4,36}$'",
            "input": "no spaces allowed",
            "ctx": {"pattern": "^[a-z0-9-]{4,36}$"},
        }
    ]

    response = client.post("/items/", json=NEW_ITEM)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["header", "x-request-id"], "msg": "Field required", "input": None}
    ]


def test_body_validation_reports_every_field(client: TestClient) -> None:
    response = client.post("/items/", json={"name": "", "price": -1, "tags": "x"}, headers={"x-request-id": "req-1"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_too_short",
            "loc": ["body", "name"],
            "msg": "String should have at least 1 character",
            "input": "",
            "ctx": {"min_length": 1},
        },
        {
            "type": "greater_than",
            "loc": ["body", "price"],
            "msg": "Input should be greater than 0",
            "input": -1,
            "ctx": {"gt": 0.0},
        },
        {"type": "list_type", "loc": ["body", "tags"], "msg": "Input should be a valid list", "input": "x"},
    ]


def test_malformed_or_missing_json_body(client: TestClient) -> None:
    headers = {"x-request-id": "req-1", "content-type": "application/json"}
    response = client.post("/items/", content=b'{"name": "pen",', headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [error["type"] for error in detail] == ["json_invalid"]
    assert detail[0]["loc"] == ["body", 15]

    response = client.post("/items/", headers={"x-request-id": "req-1"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]

    # Bytes that are not UTF-8 are invalid JSON too (a `json.JSONDecodeError`), never a 500.
    response = client.post("/items/", content=b"\xc3(", headers=headers)
    assert response.status_code == 422
    assert [(error["type"], error["loc"]) for error in response.json()["detail"]] == [("json_invalid", ["body", 0])]


def test_response_model_filters_and_validates(client: TestClient) -> None:
    item_id = create(client, owner="bob")
    response = client.get(f"/items/{item_id}")
    assert response.json()["owner"] == "bob"
    assert set(response.json()) == {"id", "name", "price", "tags", "owner"}


def test_unknown_routes_and_methods(client: TestClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}

    response = client.delete("/items/")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"


def test_trailing_slash_is_redirected(client: TestClient) -> None:
    response = client.get("/items", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/items/"
    assert client.get("/items").json() == []

    # The redirect keeps the query string, and the method with a 307.
    response = client.get("/items?limit=3", follow_redirects=False)
    assert response.headers["location"] == "http://testserver/items/?limit=3"


def test_url_for_uses_the_root_path(app: FastAPI, backend: Backend) -> None:
    with TestClient(app, root_path="/api", backend=backend) as behind_proxy:
        behind_proxy.cookies.set("owner", "carol")
        response = behind_proxy.post("/items/", json=NEW_ITEM, headers={"x-request-id": "req-1"})
    assert response.status_code == 201
    assert response.headers["location"] == "http://testserver/api/items/1"
