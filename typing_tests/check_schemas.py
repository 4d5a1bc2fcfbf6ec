from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typing_extensions import assert_type

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import BaseSchemaGenerator, EndpointInfo, OpenAPIResponse, SchemaGenerator

# --- SchemaGenerator -----------------------------------------------------------------------------

schemas = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "Example API", "version": "1.0"}})
assert_type(schemas.base_schema, dict[str, Any])


def list_users(request: Request) -> Response:
    """
    responses:
      200:
        description: A list of users.
    """
    raise NotImplementedError()


def openapi_schema(request: Request) -> Response:
    return schemas.OpenAPIResponse(request=request)


routes: list[BaseRoute] = [
    Route("/users", endpoint=list_users),
    Route("/schema", endpoint=openapi_schema, include_in_schema=False),
]
assert_type(schemas.get_schema(routes=routes), dict[str, Any])
assert_type(schemas.get_endpoints(routes), list[EndpointInfo])
assert_type(schemas.parse_docstring(list_users), dict[str, Any])

SchemaGenerator()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
SchemaGenerator(["openapi"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
schemas.get_schema(routes=["/users"])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
schemas.parse_docstring("responses: {}")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
schemas.OpenAPIResponse(routes)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
schemas.get_endpoints(routes[0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
schemas.base_schema = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]

# --- EndpointInfo --------------------------------------------------------------------------------

info = EndpointInfo("/users", "get", list_users)
assert_type(info.path, str)
assert_type(info.http_method, str)
assert_type(info.func, Callable[..., Any])
path, method, func = info
assert_type(path, str)

EndpointInfo("/users", "get")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
EndpointInfo("/users", 1, list_users)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
info.path = "/other"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]

# --- BaseSchemaGenerator -------------------------------------------------------------------------


class TaggedSchemaGenerator(BaseSchemaGenerator):
    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        return {"paths": {endpoint.path: endpoint.http_method for endpoint in self.get_endpoints(routes)}}


tagged = TaggedSchemaGenerator()
assert_type(tagged.get_schema(routes), dict[str, Any])
as_base: BaseSchemaGenerator = tagged
assert_type(tagged.parse_docstring(list_users), dict[str, Any])
tagged.parse_docstring(None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
BaseSchemaGenerator({"openapi": "3.2.0"})  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]


class BadGenerator(BaseSchemaGenerator):
    def get_schema(self, routes: list[BaseRoute]) -> str:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]  # ty: ignore[incompatible-method-override]
        return ""


# --- OpenAPIResponse -----------------------------------------------------------------------------

response = OpenAPIResponse({"openapi": "3.0.0"})
assert_type(response, OpenAPIResponse)
assert_type(response.render({"openapi": "3.0.0"}), bytes)
assert_type(OpenAPIResponse.media_type, str | None)
as_response: Response = response

OpenAPIResponse({}, status_code="200")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
OpenAPIResponse({}, headers=[("a", "b")])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
