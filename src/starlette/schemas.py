"""Generate an OpenAPI schema from the routes of an application.

`SchemaGenerator(base_schema)` walks the routes (through `Mount` and `Host`),
takes the YAML that follows `---` in each endpoint's docstring (or the whole
docstring) as the operation, and fills in `base_schema["paths"]`. Serving it
needs `pyyaml` (the `full` extra): `schemas.OpenAPIResponse(request)`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Mount, Route

if TYPE_CHECKING:
    import yaml
else:
    try:
        import yaml
    except ModuleNotFoundError:
        yaml = None

__all__ = ["BaseSchemaGenerator", "EndpointInfo", "OpenAPIResponse", "SchemaGenerator"]

_CONVERTOR_SUFFIX: Final[re.Pattern[str]] = re.compile(r":\w+}")

# The HTTP methods documented for a class endpoint (an `HTTPEndpoint`), by handler name.
_ENDPOINT_METHODS: Final[tuple[str, ...]] = ("get", "post", "put", "patch", "delete", "options", "query")

# The first OpenAPI version with a `query` operation in its path items.
_QUERY_OPERATION_SINCE: Final[tuple[int, int]] = (3, 2)
_OPENAPI_VERSION: Final[re.Pattern[str]] = re.compile(r"([0-9]+)\.([0-9]+)(?:\.|$)")


def _require_yaml(feature: str) -> None:
    if yaml is None:
        raise AssertionError(f"`pyyaml` must be installed to use {feature}.")


class _DumpYAML(Protocol):
    """The one call of `yaml.dump` made here: a document to block-style text."""

    def __call__(self, data: object, *, default_flow_style: bool) -> str: ...


def _dump_yaml(document: Any) -> str:
    # Typed by this module rather than by the stubs: some types-PyYAML releases annotate `dump`'s
    # `width` with a `_typeshed` alias that older checkers' bundled typeshed cannot resolve.
    dump: _DumpYAML = yaml.__dict__["dump"]
    return dump(document, default_flow_style=False)


class OpenAPIResponse(Response):
    """A response with an OpenAPI schema, serialised as YAML (`application/vnd.oai.openapi`).

    Raises:
        AssertionError: if the content is not a dictionary, or `pyyaml` is not installed.
    """

    media_type: str | None = "application/vnd.oai.openapi"

    def render(self, content: Any) -> bytes:
        """Serialise the schema dictionary as block-style YAML."""
        _require_yaml("OpenAPIResponse")
        if not isinstance(content, dict):
            raise AssertionError("The schema passed to OpenAPIResponse should be a dictionary.")
        return _dump_yaml(content).encode("utf-8")


class EndpointInfo(NamedTuple):
    """One documented operation: a path, a lower-case HTTP method and the function handling it."""

    path: str
    """The path template, without convertors (`/users/{id}`)."""
    http_method: str
    """The HTTP method, lower case (`get`)."""
    func: Callable[..., Any]
    """The function or method whose docstring documents the operation."""


class BaseSchemaGenerator:
    """The route walking and docstring parsing that schema generators share.

    Subclasses implement `get_schema`.
    """

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        """Build the schema for `routes`.

        Raises:
            NotImplementedError: in the base class.
        """
        raise NotImplementedError()

    def get_endpoints(self, routes: list[BaseRoute]) -> list[EndpointInfo]:
        """List the operations of `routes`, descending into `Mount` and `Host` routes.

        A function endpoint gives one entry per allowed method (`HEAD` left out;
        `GET` when the route allows any method); a class endpoint one per
        handler method it defines (`get`, `post`, `put`, `patch`, `delete`,
        `options`, `query`). Routes with `include_in_schema=False`, and other
        route types, are skipped.
        """
        endpoints: list[EndpointInfo] = []
        for route in routes:
            if isinstance(route, (Mount, Host)):
                prefix = _remove_convertors(route.path) if isinstance(route, Mount) else ""
                endpoints.extend(
                    EndpointInfo(prefix + endpoint.path, endpoint.http_method, endpoint.func)
                    for endpoint in self.get_endpoints(route.routes)
                )
            elif isinstance(route, Route) and route.include_in_schema:
                # A `Route` of unknown state type to pyright, which does not matter here.
                endpoints.extend(_route_endpoints(route))  # pyright: ignore[reportUnknownArgumentType]
        return endpoints

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        """Parse the YAML after the last `---` of a docstring (the whole docstring without one).

        Returns:
            The parsed mapping; `{}` when there is no docstring or it holds no YAML mapping.

        Raises:
            AssertionError: if `pyyaml` is not installed.
            yaml.YAMLError: if the docstring's YAML is malformed.
        """
        docstring = func_or_method.__doc__
        if not docstring:
            return {}
        _require_yaml("parse_docstring")
        parsed: object = yaml.safe_load(docstring.rsplit("---", 1)[-1])
        if not isinstance(parsed, dict):
            # A plain prose docstring parses as a string, which is not an operation.
            return {}
        return cast("dict[str, Any]", parsed)

    def OpenAPIResponse(self, request: Request[Any]) -> Response:
        """Respond with the schema of the routes of the request's application, as YAML."""
        routes: list[BaseRoute] = request.app.routes
        return OpenAPIResponse(self.get_schema(routes=routes))


class SchemaGenerator(BaseSchemaGenerator):
    """Generate an OpenAPI schema from `base_schema` and the docstrings of the endpoints.

    Args:
        base_schema: the schema without its operations, e.g.
            `{"openapi": "3.0.0", "info": {"title": "Example API", "version": "1.0"}}`.
    """

    base_schema: dict[str, Any]
    """The schema the operations are added to (it is not modified)."""

    def __init__(self, base_schema: dict[str, Any]) -> None:
        self.base_schema = base_schema

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        """Return `base_schema` with `paths` filled from the endpoints that have a YAML docstring.

        `QUERY` operations are only listed when `base_schema["openapi"]` is
        3.2 or later: earlier versions have no place for them.

        Raises:
            yaml.YAMLError: if a docstring's YAML is malformed.
        """
        schema = dict(self.base_schema)
        paths: dict[str, Any] = {path: dict(item) for path, item in schema.get("paths", {}).items()}
        schema["paths"] = paths
        with_query = _openapi_version(schema.get("openapi")) >= _QUERY_OPERATION_SINCE
        for endpoint in self.get_endpoints(routes):
            if endpoint.http_method == "query" and not with_query:
                continue
            operation = self.parse_docstring(endpoint.func)
            if operation:
                paths.setdefault(endpoint.path, {})[endpoint.http_method] = operation
        return schema


def _openapi_version(version: object) -> tuple[int, int]:
    """The major and minor numbers of an `openapi` version string; `(0, 0)` when it is not one."""
    match = _OPENAPI_VERSION.match(version) if isinstance(version, str) else None
    if match is None:
        return (0, 0)
    return int(match[1]), int(match[2])


def _remove_convertors(path: str) -> str:
    """Drop convertor names from a path template: `/users/{id:int}` becomes `/users/{id}`."""
    return _CONVERTOR_SUFFIX.sub("}", path)


def _route_endpoints(route: Route) -> list[EndpointInfo]:
    path = _remove_convertors(route.path)
    endpoint = route.endpoint
    if inspect.isfunction(endpoint) or inspect.ismethod(endpoint):
        methods = sorted(route.methods or ("GET",))
        return [EndpointInfo(path, method.lower(), endpoint) for method in methods if method != "HEAD"]
    return [
        EndpointInfo(path, method, getattr(endpoint, method))
        for method in _ENDPOINT_METHODS
        if hasattr(endpoint, method)
    ]
