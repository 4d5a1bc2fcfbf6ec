from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

import pytest
import yaml

import starlette
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from starlette.schemas import BaseSchemaGenerator, EndpointInfo, OpenAPIResponse, SchemaGenerator
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory

BASE_SCHEMA: dict[str, Any] = {"openapi": "3.0.0", "info": {"title": "Example API", "version": "1.0"}}

schemas = SchemaGenerator(BASE_SCHEMA)


def list_users(request: Request) -> Response:
    """
    responses:
      200:
        description: A list of users.
        examples:
          [{"username": "tom"}, {"username": "lucy"}]
    """
    return JSONResponse([])  # pragma: no cover


def create_user(request: Request) -> Response:
    """
    responses:
      200:
        description: A user.
        examples:
          {"username": "tom"}
    """
    return JSONResponse({})  # pragma: no cover


def get_user(request: Request) -> Response:
    """
    responses:
      200:
        description: A user.
        examples:
          {"username": "tom"}
    """
    return JSONResponse({})  # pragma: no cover


def no_docstring(request: Request) -> Response:
    return JSONResponse({})  # pragma: no cover


def prose_docstring(request: Request) -> Response:
    """This endpoint has a plain docstring, not a schema."""
    return JSONResponse({})  # pragma: no cover


def prose_then_schema(request: Request) -> Response:
    """This endpoint has a summary first.

    ---
    responses:
      200:
        description: Prose, then a schema.
    """
    return JSONResponse({})  # pragma: no cover


def hidden(request: Request) -> Response:
    """
    responses:
      200:
        description: Never listed.
    """
    return JSONResponse({})  # pragma: no cover


async def chat(websocket: WebSocket) -> None:
    """
    responses:
      200:
        description: Websockets are not listed.
    """


class OrganisationsEndpoint(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        """
        responses:
          200:
            description: A list of organisations.
        """
        return JSONResponse([])  # pragma: no cover

    def post(self, request: Request) -> Response:
        """
        responses:
          200:
            description: An organisation.
        """
        return JSONResponse({})  # pragma: no cover


class Handlers:
    def report(self, request: Request) -> Response:
        """
        responses:
          200:
            description: From a bound method.
        """
        return JSONResponse({})  # pragma: no cover


def schema_endpoint(request: Request) -> Response:
    return schemas.OpenAPIResponse(request=request)


subapp = Starlette(routes=[Route("/subapp-endpoint", endpoint=get_user)])
host_router = Router(routes=[Mount("/subapp2", routes=[Route("/subapp2-endpoint", endpoint=get_user)])])

app = Starlette(
    routes=[
        WebSocketRoute("/ws", endpoint=chat),
        Route("/users", endpoint=list_users, methods=["GET", "HEAD"]),
        Route("/users", endpoint=create_user, methods=["POST"]),
        Route("/users/{id:int}", endpoint=get_user, methods=["GET"]),
        Route("/orgs", endpoint=OrganisationsEndpoint),
        Route("/orgs/{org_id:int}/users/{name:str}", endpoint=get_user),
        Route("/report", endpoint=Handlers().report),
        Route("/no-docstring", endpoint=no_docstring),
        Route("/prose", endpoint=prose_docstring),
        Route("/prose-then-schema", endpoint=prose_then_schema),
        Route("/hidden", endpoint=hidden, include_in_schema=False),
        Route("/partial", endpoint=functools.partial(get_user)),
        Route("/schema", endpoint=schema_endpoint, methods=["GET"], include_in_schema=False),
        Mount("/subapp", subapp),
        Mount("/tenants/{tenant:int}", routes=[Route("/items/{item_id:uuid}", endpoint=get_user)]),
        Host("sub.domain.com", app=host_router),
    ]
)

USER = {"responses": {200: {"description": "A user.", "examples": {"username": "tom"}}}}

EXPECTED_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "Example API", "version": "1.0"},
    "paths": {
        "/users": {
            "get": {
                "responses": {
                    200: {"description": "A list of users.", "examples": [{"username": "tom"}, {"username": "lucy"}]}
                }
            },
            "post": USER,
        },
        "/users/{id}": {"get": USER},
        "/orgs": {
            "get": {"responses": {200: {"description": "A list of organisations."}}},
            "post": {"responses": {200: {"description": "An organisation."}}},
        },
        "/orgs/{org_id}/users/{name}": {"get": USER},
        "/report": {"get": {"responses": {200: {"description": "From a bound method."}}}},
        "/prose-then-schema": {"get": {"responses": {200: {"description": "Prose, then a schema."}}}},
        "/subapp/subapp-endpoint": {"get": USER},
        "/tenants/{tenant}/items/{item_id}": {"get": USER},
        "/subapp2/subapp2-endpoint": {"get": USER},
    },
}


def test_schema_generation() -> None:
    assert schemas.get_schema(routes=app.routes) == EXPECTED_SCHEMA


def test_base_schema_is_not_modified() -> None:
    base: dict[str, Any] = {"openapi": "3.0.0", "paths": {"/legacy": {"get": {"summary": "kept"}}}}
    generator = SchemaGenerator(base)
    routes: list[BaseRoute] = [Route("/legacy", endpoint=create_user, methods=["POST"])]
    schema = generator.get_schema(routes)
    assert schema["paths"] == {"/legacy": {"get": {"summary": "kept"}, "post": USER}}
    assert base == {"openapi": "3.0.0", "paths": {"/legacy": {"get": {"summary": "kept"}}}}
    assert generator.get_schema(routes) == schema
    assert generator.base_schema is base


def test_get_endpoints() -> None:
    endpoints = schemas.get_endpoints(app.routes)
    assert EndpointInfo("/users", "get", list_users) in endpoints
    assert EndpointInfo("/users/{id}", "get", get_user) in endpoints
    assert EndpointInfo("/orgs", "get", OrganisationsEndpoint.get) in endpoints
    assert EndpointInfo("/orgs", "post", OrganisationsEndpoint.post) in endpoints
    assert EndpointInfo("/no-docstring", "get", no_docstring) in endpoints
    assert EndpointInfo("/subapp2/subapp2-endpoint", "get", get_user) in endpoints
    paths = {endpoint.path for endpoint in endpoints}
    assert not paths & {"/ws", "/hidden", "/schema", "/partial"}
    assert all(endpoint.http_method != "head" for endpoint in endpoints)
    info = endpoints[0]
    assert (info.path, info.http_method, info.func) == ("/users", "get", list_users)


def search_users(request: Request) -> Response:
    """
    responses:
      200:
        description: Users matching a query.
    """
    return JSONResponse([])  # pragma: no cover


class SearchableEndpoint(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        """
        responses:
          200:
            description: All of them.
        """
        return JSONResponse([])  # pragma: no cover

    def query(self, request: Request) -> Response:
        """
        responses:
          200:
            description: Those matching a query.
        """
        return JSONResponse([])  # pragma: no cover


QUERY_ROUTES: list[BaseRoute] = [
    Route("/users", endpoint=list_users, methods=["GET"]),
    Route("/users", endpoint=search_users, methods=["QUERY"]),
    Route("/things", endpoint=SearchableEndpoint),
]


def test_query_operations_are_listed_as_endpoints() -> None:
    endpoints = schemas.get_endpoints(QUERY_ROUTES)
    assert EndpointInfo("/users", "query", search_users) in endpoints
    assert EndpointInfo("/things", "query", SearchableEndpoint.query) in endpoints


@pytest.mark.parametrize("version", ["3.2.0", "3.2", "3.10.1", "4.0.0"])
def test_query_operations_need_openapi_3_2(version: str) -> None:
    paths = SchemaGenerator({"openapi": version}).get_schema(QUERY_ROUTES)["paths"]
    assert paths["/users"]["query"] == {"responses": {200: {"description": "Users matching a query."}}}
    assert paths["/things"]["query"] == {"responses": {200: {"description": "Those matching a query."}}}
    assert set(paths["/users"]) == {"get", "query"}


@pytest.mark.parametrize(
    "base_schema", [{"openapi": "3.1.2"}, {"openapi": "3.0.0"}, {}, {"openapi": 3.2}, {"openapi": "x"}]
)
def test_query_operations_are_left_out_before_openapi_3_2(base_schema: dict[str, Any]) -> None:
    paths = SchemaGenerator(base_schema).get_schema(QUERY_ROUTES)["paths"]
    assert paths == {
        "/users": {"get": EXPECTED_SCHEMA["paths"]["/users"]["get"]},
        "/things": {"get": {"responses": {200: {"description": "All of them."}}}},
    }


def test_route_with_several_methods_is_listed_in_order() -> None:
    routes: list[BaseRoute] = [Route("/items", endpoint=get_user, methods=["PUT", "GET", "DELETE"])]
    methods = [endpoint.http_method for endpoint in schemas.get_endpoints(routes)]
    assert methods == ["delete", "get", "put"]


def test_mount_of_a_plain_app_has_no_endpoints() -> None:
    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        pass  # pragma: no cover

    assert schemas.get_endpoints([Mount("/raw", app=asgi_app)]) == []


def test_parse_docstring() -> None:
    assert schemas.parse_docstring(no_docstring) == {}
    assert schemas.parse_docstring(prose_docstring) == {}
    assert schemas.parse_docstring(prose_then_schema) == {"responses": {200: {"description": "Prose, then a schema."}}}

    def listed(request: Request) -> None:
        """
        - not
        - a mapping
        """

    assert schemas.parse_docstring(listed) == {}


def test_malformed_docstring_raises() -> None:
    def broken(request: Request) -> None:
        """
        responses: [unclosed
        """

    with pytest.raises(yaml.YAMLError):
        schemas.parse_docstring(broken)


def test_docstring_yaml_is_loaded_safely() -> None:
    def hostile(request: Request) -> None:
        """
        x: !!python/object/apply:os.system ["echo pwned"]
        """

    with pytest.raises(yaml.constructor.ConstructorError):
        schemas.parse_docstring(hostile)


def test_base_generator_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        BaseSchemaGenerator().get_schema([])


def test_schema_endpoint(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.oai.openapi"
    assert "  /orgs:\n    get:\n      responses:\n        200:\n" in response.text  # block style, not flow style
    assert yaml.safe_load(response.text) == EXPECTED_SCHEMA
    assert response.text.startswith("info:\n  title: Example API\n")


def test_openapi_response_needs_a_dictionary() -> None:
    assert OpenAPIResponse({"a": [1, 2]}).body == b"a:\n- 1\n- 2\n"
    assert OpenAPIResponse.media_type == "application/vnd.oai.openapi"
    with pytest.raises(AssertionError) as exc_info:
        OpenAPIResponse(["not", "a", "dict"])
    assert str(exc_info.value) == "The schema passed to OpenAPIResponse should be a dictionary."


def test_missing_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    # The re-import below rebinds `starlette.schemas`; both bindings are restored afterwards.
    monkeypatch.setattr(starlette, "schemas", sys.modules["starlette.schemas"])
    monkeypatch.delitem(sys.modules, "starlette.schemas")
    module = importlib.import_module("starlette.schemas")
    try:
        with pytest.raises(AssertionError) as exc_info:
            module.OpenAPIResponse({})
        assert str(exc_info.value) == "`pyyaml` must be installed to use OpenAPIResponse."
        with pytest.raises(AssertionError) as exc_info:
            module.SchemaGenerator({}).parse_docstring(list_users)
        assert str(exc_info.value) == "`pyyaml` must be installed to use parse_docstring."
        assert module.SchemaGenerator({}).parse_docstring(no_docstring) == {}
    finally:
        sys.modules.pop("starlette.schemas", None)
