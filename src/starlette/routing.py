"""Routing: dispatching connections to endpoints by path, method and host.

A `Router` holds an ordered list of routes. Each route is itself an ASGI app
that can tell whether it `matches` a scope (`Match.FULL`, `Match.PARTIAL` when
only the HTTP method differs, or `Match.NONE`). The first full match wins; if
there is none, the first partial match handles the connection (and answers
`405 Method Not Allowed`).

The router does not test every route in turn: it indexes the routes by their
path segments and only asks the routes that can match a given path, in their
original order, which gives exactly the result of a linear scan (routers with a
few routes just scan them). For the built-in route classes, used as they are,
it also skips the public `matches`/`handle` calls and uses their internals with
the same results: parameter-free paths are compared as strings, and a mount's
match is written straight into the scope.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Protocol, Union, cast, overload

from starlette._exception_handler import run_handling_exceptions

# Upstream's module namespace holds these helpers too, and code imports them from here.
from starlette._exception_handler import wrap_app_handling_exceptions as wrap_app_handling_exceptions
from starlette._host import request_host, strip_port
from starlette._lifespan import lifespan_context
from starlette._mounted_lifespans import with_mounted_lifespans
from starlette._path_match import (
    UNMATCHED,
    LiteralPath,
    ParamsCache,
    matched_params,
    matches_before_newline,
    merged_params,
    path_params_of,
)
from starlette._route_apps import apply_body_limit, apply_middleware, as_async_endpoint, is_plain_function
from starlette._route_index import FORMAT_PARAM, RouteIndex, RouteList, path_segments
from starlette._utils import get_route_path, is_original
from starlette._utils import is_async_callable as is_async_callable  # upstream's namespace: imported from here
from starlette.concurrency import run_in_threadpool as run_in_threadpool  # upstream's namespace: imported from here
from starlette.convertors import (
    CONVERTOR_TYPES,
    Convertor,
)
from starlette.datastructures import URL, URLPath
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware as RequestBodyLimitMiddleware  # see above
from starlette.requests import Request, RouteStateT
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketClose

if TYPE_CHECKING:
    from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint

__all__ = [
    "BaseRoute",
    "Host",
    "Match",
    "Mount",
    "NoMatchFound",
    "Route",
    "Router",
    "WebSocketRoute",
    "compile_path",
    "get_name",
    "replace_params",
    "request_response",
    "websocket_session",
]

_RequestEndpoint = Callable[[Request[Any]], "Awaitable[Response] | Response"]
"""A function taking the request and returning (or resolving to) a response."""

_WebSocketEndpoint = Callable[[WebSocket[Any]], Awaitable[None]]
"""An async function serving a websocket session."""

_PlainRequestEndpoint = Callable[[Request], "Awaitable[Response] | Response"]
"""A request function declaring no state type (plain `Request`): it fits an app of any state."""

_PlainWebSocketEndpoint = Callable[[WebSocket], Awaitable[None]]
"""A websocket function declaring no state type (plain `WebSocket`): it fits an app of any state."""


class NoMatchFound(Exception):
    """Raised by `url_path_for` when no route has the given name and parameters."""

    def __init__(self, name: str, path_params: Mapping[str, Any]) -> None:
        """Build the message from the route name and the parameter names."""
        params = ", ".join(path_params)
        super().__init__(f'No route exists for name "{name}" and params "{params}".')


class Match(Enum):
    """How well a route matches a connection."""

    NONE = 0
    """The route does not apply."""
    PARTIAL = 1
    """The path matches but the HTTP method is not allowed."""
    FULL = 2
    """The route handles the connection."""


# --------------------------------------------------------------------------- endpoints as ASGI apps


def request_response(func: _RequestEndpoint) -> ASGIApp:
    """Turn `func(request) -> response` into an ASGI app.

    Sync functions run in the threadpool. Exceptions raised by `func`, or by the
    response before it starts, go through the exception handlers registered in
    the application, so the handled ones become responses right here, inside
    any per-route middleware.
    """
    call = as_async_endpoint(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request: Request[Any] = Request(scope, receive, send)

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            response = await call(request)
            await response(scope, receive, send)

        await run_handling_exceptions(serve, scope, receive, send, request)

    return app


def websocket_session(func: _WebSocketEndpoint) -> ASGIApp:
    """Turn `async func(websocket)` into an ASGI app (exceptions go through the app's handlers)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        session: WebSocket[Any] = WebSocket(scope, receive=receive, send=send)

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            await func(session)

        await run_handling_exceptions(serve, scope, receive, send, session)

    return app


def get_name(endpoint: Callable[..., Any]) -> str:
    """The default route name: the endpoint's `__name__`, else the name of its class."""
    name: str = getattr(endpoint, "__name__", type(endpoint).__name__)
    return name


# --------------------------------------------------------------------------- path templates

PARAM_REGEX = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
"""A path parameter, `{name}` or `{name:convertor}`: group 1 is the name, group 2 the `:convertor` if any."""
PARAM_FORMAT_REGEX = FORMAT_PARAM
"""A placeholder of a path format (the template without its convertor names): group 1 is the name."""
# `//host` and `/\host` are read as another host by browsers: built paths never start so.
_HOST_LIKE_SECOND_CHAR: dict[str, str] = {"/": "%2F", "\\": "%5C"}


def replace_params(
    path: str, param_convertors: Mapping[str, Convertor[Any]], path_params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Fill the `{name}` placeholders of `path` that have a value in `path_params`.

    Each value goes through its convertor's `to_string`, in a single pass (a value
    that looks like a placeholder stays as it is); placeholders without a value
    are kept literally. The used entries are removed from `path_params` (in
    place); returns the filled path and the parameters left over. A path that
    would start with `//` or `/\\` (which a browser reads as another host) gets
    its second character percent-encoded.
    """
    if "{" in path and path_params:
        used: list[str] = []

        def fill(placeholder: re.Match[str]) -> str:
            key = placeholder.group(1)
            if key not in path_params:
                return placeholder.group(0)
            used.append(key)
            return param_convertors[key].to_string(path_params[key])

        path = FORMAT_PARAM.sub(fill, path)
        for key in used:
            path_params.pop(key, None)  # a hand-written format may name a parameter twice
    if path[1:2] in _HOST_LIKE_SECOND_CHAR and path.startswith("/"):
        path = "/" + _HOST_LIKE_SECOND_CHAR[path[1]] + path[2:]
    return path, path_params


def compile_path(path: str) -> tuple[re.Pattern[str], str, dict[str, Convertor[Any]]]:
    """Compile a route path (or, without a leading `/`, a host) template.

    `"/users/{user_id:int}"` gives the regex `^/users/(?P<user_id>[0-9]+)$`, the
    format `"/users/{user_id}"` used to build URLs, and the convertor of each
    parameter. Host templates match case-insensitively and ignore the port.

    Raises:
        AssertionError: A parameter names an unknown convertor.
        ValueError: A parameter name is used twice.
    """
    is_host = not path.startswith("/")
    regex = ["^"]
    path_format: list[str] = []
    param_convertors: dict[str, Convertor[Any]] = {}
    duplicated: set[str] = set()
    end = 0
    for param in PARAM_REGEX.finditer(path):
        name, convertor_type = param.group(1), (param.group(2) or ":str")[1:]
        if convertor_type not in CONVERTOR_TYPES:
            raise AssertionError(f"Unknown path convertor '{convertor_type}'")
        convertor = CONVERTOR_TYPES[convertor_type]
        literal = path[end : param.start()]
        regex.append(f"{re.escape(literal)}(?P<{name}>{convertor.regex})")
        path_format.append(f"{literal}{{{name}}}")
        if name in param_convertors:
            duplicated.add(name)
        param_convertors[name] = convertor
        end = param.end()

    if duplicated:
        names = ", ".join(sorted(duplicated))
        ending = "s" if len(duplicated) > 1 else ""
        raise ValueError(f"Duplicated param name{ending} {names} at path {path}")

    tail = path[end:]
    path_format.append(tail)
    if is_host:
        regex.append(re.escape(strip_port(tail)) + "$")
        return re.compile("".join(regex), re.IGNORECASE), "".join(path_format), param_convertors
    regex.append(re.escape(tail) + "$")
    return re.compile("".join(regex)), "".join(path_format), param_convertors


_FULL = Match.FULL
_PARTIAL = Match.PARTIAL
_NO_MATCH: tuple[Match, Scope] = (Match.NONE, {})
"""Returned by the internal matchers only: the router never touches the (shared) child scope."""
_APPLIED: tuple[Match, Scope | None] = (Match.FULL, None)
"""Returned by an internal matcher that has applied its full match to the scope itself."""


def _public(result: tuple[Match, Scope]) -> tuple[Match, Scope]:
    """`result` of an internal matcher, with a child scope of its own to hand out from `matches`."""
    return (Match.NONE, {}) if result is _NO_MATCH else result


def _child_route_name(name: str, prefix: str | None) -> str | None:
    """`name` without the `"prefix:"` of a named mount or host; `None` if it lacks that prefix."""
    if prefix is None:
        return name
    return name[len(prefix) + 1 :] if name.startswith(prefix + ":") else None


# --------------------------------------------------------------------------- routes


class _RouteOf(Protocol[RouteStateT]):
    """A route whose endpoints are written for the state type `RouteStateT`.

    Routers and applications take their routes as these, so that checkers infer the
    state type from them: every `BaseRoute` is one for any state type; a `Route`,
    `WebSocketRoute`, `Mount` or `Host` one for its type parameter. (The member is
    a `list` of the type, so that the protocol is invariant in it.)
    """

    _route_state: list[RouteStateT]


class BaseRoute:
    """A routing table entry: an ASGI app that knows whether a connection is for it."""

    if TYPE_CHECKING:
        # The state type the route's endpoints are written for, seen by checkers only (see
        # `_RouteOf`): any for a `BaseRoute`, the type parameter of the generic routes.
        _route_state: Any

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Tell how well this route matches `scope`, and the scope entries it sets if used.

        Raises:
            NotImplementedError: in the base class.
        """
        raise NotImplementedError()

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build the path of the route called `name` with `path_params`.

        Raises:
            NoMatchFound: This route (or its children) has no such name and parameters.
            NotImplementedError: in the base class.
        """
        raise NotImplementedError()

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a connection this route matched.

        Raises:
            NotImplementedError: in the base class.
        """
        raise NotImplementedError()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Use the route on its own: serve the connection if it matches, else answer 404 / close the websocket."""
        match, child_scope = self.matches(scope)
        if match is Match.NONE:
            if scope["type"] == "http":
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            elif scope["type"] == "websocket":
                await WebSocketClose()(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class Route(BaseRoute, Generic[RouteStateT]):
    """An HTTP endpoint at a path.

    Args:
        path: The path template, starting with `/` (e.g. `"/users/{user_id:int}"`).
        endpoint: A function (sync or async) or method taking the request and
            returning a response, or an ASGI app such as an `HTTPEndpoint` class.
        methods: The allowed HTTP methods (case-insensitive). Defaults to `GET`
            for functions and to any method for ASGI apps; `HEAD` is added
            whenever `GET` is allowed.
        name: The name for `url_path_for`; defaults to the endpoint's name.
        include_in_schema: Whether schema generators list the route.
        middleware: Middleware wrapped around this route's app only.
        max_body_size: Caps the request body of this route, in bytes.

    Raises:
        AssertionError: The path does not start with `/`, or names an unknown convertor.
        ValueError: A parameter name is used twice in the path.
    """

    if TYPE_CHECKING:
        _route_state: list[RouteStateT]
    path: str
    endpoint: Callable[..., Any]
    name: str
    include_in_schema: bool
    app: ASGIApp
    methods: set[str] | None
    path_regex: re.Pattern[str]
    path_format: str
    param_convertors: dict[str, Convertor[Any]]
    # Class-level defaults for subclasses that set their attributes without calling `__init__`.
    _literal: LiteralPath | None = None
    _params_cache: ParamsCache | None = None

    # One overload per kind of endpoint, so that checkers infer a `functools.partial`
    # endpoint against the right callable type, and the route's state type from a
    # class-based endpoint or a `Request[S]` parameter (a plain `Request` or an ASGI
    # app declares none: `Route[Any]`). The request-function overload comes last:
    # pyright reports a call matching none against it, naming the parameter.
    @overload
    def __init__(
        self,
        path: str,
        endpoint: type[HTTPEndpoint[RouteStateT]],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: Route[Any],
        path: str,
        endpoint: ASGIApp,
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: Route[Any],
        path: str,
        endpoint: _PlainRequestEndpoint,
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request[RouteStateT]], Awaitable[Response] | Response],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None: ...

    def __init__(
        self,
        path: str,
        endpoint: _RequestEndpoint | ASGIApp,
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        """Compile the path and wrap the endpoint (see the class docstring)."""
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.include_in_schema = include_in_schema

        if is_plain_function(endpoint):
            app = request_response(cast(_RequestEndpoint, endpoint))
            if methods is None:
                methods = ["GET"]
        else:
            app = cast(ASGIApp, endpoint)
        self.app = apply_body_limit(apply_middleware(app, middleware), max_body_size)

        if methods is None:
            self.methods = None
        else:
            self.methods = {method.upper() for method in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")

        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        self._literal = LiteralPath(path, self.path_regex) if not self.param_convertors else None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match HTTP connections by path; `Match.PARTIAL` when the method is not allowed."""
        if scope["type"] != "http":
            return Match.NONE, {}
        return _public(self._match_path(scope, get_route_path(scope)))

    def _match_path(self, scope: Scope, route_path: str) -> tuple[Match, Scope]:
        """`matches` given the route path of `scope` (an HTTP or websocket scope)."""
        return cast("tuple[Match, Scope]", self._enter(scope, route_path, False))  # not applied: never `None`

    def _enter(self, scope: Scope, route_path: str, apply: bool = True) -> tuple[Match, Scope | None]:
        """The router's `_match_path`: with `apply`, a full match is written to `scope` at once.

        Returns `(Match.FULL, None)` once applied; otherwise what `_match_path` returns.
        """
        if scope["type"] != "http":
            return _NO_MATCH
        literal = self._literal
        path_params: dict[str, Any] | None
        if literal is not None and literal.regex is self.path_regex:
            if route_path != literal.path and not matches_before_newline(literal.regex, route_path):
                return _NO_MATCH
            # The scope's own dict is reused: routes never change it, they build new ones.
            path_params = scope.get("path_params")
            if path_params is None:
                path_params = {}
        else:
            cache = self._params_cache
            if cache is None or cache.regex is not self.path_regex or cache.convertors is not self.param_convertors:
                cache = self._params_cache = ParamsCache(self.path_regex, self.param_convertors)
            converted = cache.known.get(route_path)
            if converted is None or not cache.is_pure():
                converted = cache.convert(route_path)
            if converted is UNMATCHED:
                return _NO_MATCH
            earlier = scope.get("path_params")
            path_params = {**earlier, **converted} if earlier else converted.copy()
        methods = self.methods
        if methods and scope["method"] not in methods:
            return _PARTIAL, {"endpoint": self.endpoint, "path_params": path_params}
        if apply:
            scope["endpoint"] = self.endpoint
            scope["path_params"] = path_params
            return _APPLIED
        return _FULL, {"endpoint": self.endpoint, "path_params": path_params}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build this route's path if `name` is its name and `path_params` are exactly its parameters.

        Raises:
            NoMatchFound: Another name, or other parameters.
        """
        if name != self.name or path_params.keys() != self.param_convertors.keys():
            raise NoMatchFound(name, path_params)
        path, remaining = replace_params(self.path_format, self.param_convertors, path_params)
        assert not remaining
        return URLPath(path=path, protocol="http")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or answer `405` with an `Allow` header if the method is not allowed.

        Inside an application the 405 is raised as an `HTTPException`, so that
        the application's handlers can render it.
        """
        if self.methods and scope["method"] not in self.methods:
            headers = {"Allow": ", ".join(self.methods)}  # in the set's order, as upstream
            if "app" in scope:
                raise HTTPException(status_code=405, headers=headers)
            await PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def __eq__(self, other: object) -> bool:
        """Routes are equal when path, endpoint and methods are."""
        return (
            isinstance(other, Route)
            and self.path == other.path
            and self.endpoint == other.endpoint
            and self.methods == other.methods
        )

    def __repr__(self) -> str:
        """E.g. `Route(path='/', name='homepage', methods=['GET', 'HEAD'])`."""
        methods = sorted(self.methods or ())
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, methods={methods!r})"


class WebSocketRoute(BaseRoute, Generic[RouteStateT]):
    """A websocket endpoint at a path.

    Args:
        path: The path template, starting with `/`.
        endpoint: An async function (or method) taking the `WebSocket`, or an
            ASGI app such as a `WebSocketEndpoint` class.
        name: The name for `url_path_for`; defaults to the endpoint's name.
        middleware: Middleware wrapped around this route's app only.

    Raises:
        AssertionError: The path does not start with `/`, or names an unknown convertor.
        ValueError: A parameter name is used twice in the path.
    """

    if TYPE_CHECKING:
        _route_state: list[RouteStateT]
    path: str
    endpoint: Callable[..., Any]
    name: str
    app: ASGIApp
    path_regex: re.Pattern[str]
    path_format: str
    param_convertors: dict[str, Convertor[Any]]
    # Class-level default for subclasses that set their attributes without calling `__init__`.
    _literal: LiteralPath | None = None

    # As for `Route`: the state type from a class-based endpoint or a `WebSocket[S]`
    # parameter, and the websocket-function overload last (pyright reports against it).
    @overload
    def __init__(
        self,
        path: str,
        endpoint: type[WebSocketEndpoint[RouteStateT]],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: WebSocketRoute[Any],
        path: str,
        endpoint: ASGIApp,
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: WebSocketRoute[Any],
        path: str,
        endpoint: _PlainWebSocketEndpoint,
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        path: str,
        endpoint: Callable[[WebSocket[RouteStateT]], Awaitable[None]],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None: ...

    def __init__(
        self,
        path: str,
        endpoint: _WebSocketEndpoint | ASGIApp,
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        """Compile the path and wrap the endpoint (see the class docstring)."""
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name

        if is_plain_function(endpoint):
            app = websocket_session(cast(_WebSocketEndpoint, endpoint))
        else:
            app = cast(ASGIApp, endpoint)
        self.app = apply_middleware(app, middleware)

        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        self._literal = LiteralPath(path, self.path_regex) if not self.param_convertors else None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match websocket connections by path."""
        if scope["type"] != "websocket":
            return Match.NONE, {}
        return _public(self._match_path(scope, get_route_path(scope)))

    def _match_path(self, scope: Scope, route_path: str) -> tuple[Match, Scope]:
        """`matches` given the route path of `scope` (an HTTP or websocket scope)."""
        if scope["type"] != "websocket":
            return _NO_MATCH
        path_params = path_params_of(self._literal, self.path_regex, self.param_convertors, scope, route_path)
        if path_params is None:
            return _NO_MATCH
        return Match.FULL, {"endpoint": self.endpoint, "path_params": path_params}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build this route's path if `name` is its name and `path_params` are exactly its parameters.

        Raises:
            NoMatchFound: Another name, or other parameters.
        """
        if name != self.name or path_params.keys() != self.param_convertors.keys():
            raise NoMatchFound(name, path_params)
        path, remaining = replace_params(self.path_format, self.param_convertors, path_params)
        assert not remaining
        return URLPath(path=path, protocol="websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the websocket session."""
        await self.app(scope, receive, send)

    def __eq__(self, other: object) -> bool:
        """Websocket routes are equal when path and endpoint are."""
        return isinstance(other, WebSocketRoute) and self.path == other.path and self.endpoint == other.endpoint

    def __repr__(self) -> str:
        """E.g. `WebSocketRoute(path='/ws', name='chat')`."""
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r})"


class Mount(BaseRoute, Generic[RouteStateT]):
    """An ASGI app, or a list of routes, under a path prefix.

    The mounted app sees the full `path`; its `root_path` is extended with the
    matched prefix (so `get_route_path` gives the path inside the mount), and
    `app_root_path` keeps the application's own root path for URL building.

    Args:
        path: The prefix, `""` or starting with `/` (a trailing `/` is dropped);
            it may contain parameters.
        app: The mounted ASGI app.
        routes: Routes to mount instead of `app` (served by a new `Router`).
        name: The name prefix for `url_path_for` (`"name:child"`), or `"name"`
            with a `path=` parameter for a path inside a mounted app.
        middleware: Middleware wrapped around the mounted app only.
        max_body_size: Caps the request body under this prefix, in bytes.
        run_lifespan: Run the mounted app's lifespan inside the router's
            (beyond upstream; see `docs/mounted-lifespans.md`).

    Raises:
        AssertionError: The path does not start with `/`, or neither `app` nor `routes` is given.
    """

    if TYPE_CHECKING:
        _route_state: list[RouteStateT]
    path: str
    app: ASGIApp
    name: str | None
    path_regex: re.Pattern[str]
    path_format: str
    param_convertors: dict[str, Convertor[Any]]
    run_lifespan: bool = False
    """Whether the router's lifespan runs the mounted app's lifespan."""
    # Class-level default for subclasses that set their attributes without calling `__init__`.
    _literal: LiteralPath | None = None

    def __init__(
        self,
        path: str,
        app: ASGIApp | None = None,
        routes: Sequence[_RouteOf[RouteStateT]] | None = None,
        name: str | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
        run_lifespan: bool = False,
    ) -> None:
        assert path == "" or path.startswith("/"), "Routed paths must start with '/'"
        self.run_lifespan = run_lifespan
        assert app is not None or routes is not None, "Either 'app=...', or 'routes=' must be specified"
        self.path = path.rstrip("/")
        self._base_app: ASGIApp = Router(routes=routes) if app is None else app
        self.app = apply_body_limit(apply_middleware(self._base_app, middleware), max_body_size)
        self.name = name
        self.path_regex, self.path_format, self.param_convertors = compile_path(self.path + "/{path:path}")
        prefix_has_params = len(self.param_convertors) > 1
        self._literal = None if prefix_has_params else LiteralPath(self.path + "/", self.path_regex, self.path)

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the mounted app (empty if it has none)."""
        routes: list[BaseRoute] = getattr(self._base_app, "routes", [])
        return routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match HTTP and websocket connections whose path starts with the prefix."""
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        return _public(self._match_path(scope, get_route_path(scope)))

    def _match_path(self, scope: Scope, route_path: str) -> tuple[Match, Scope]:
        """`matches` given the route path of `scope` (an HTTP or websocket scope)."""
        literal = self._literal
        path_params: dict[str, Any] | None
        if literal is not None and literal.regex is self.path_regex and "\n" not in route_path:
            # Without a newline, the prefix regex matches exactly the paths starting with `prefix/`.
            if not route_path.startswith(literal.path):
                return _NO_MATCH
            matched_path = literal.prefix
            # The scope's own dict is reused: routes never change it, they build new ones.
            path_params = scope.get("path_params")
            if path_params is None:
                path_params = {}
        else:
            match = self.path_regex.match(route_path)
            if match is None:
                return _NO_MATCH
            matched = matched_params(match, self.param_convertors)
            if matched is None:
                return _NO_MATCH
            remaining_path = "/" + matched.pop("path")
            matched_path = route_path[: -len(remaining_path)]
            path_params = merged_params(scope, matched)
        root_path: str = scope.get("root_path", "")
        return _FULL, {
            "path_params": path_params,
            # Set once, by the outermost mount: the root path of the whole application,
            # which `Request.url_for` needs to build complete URLs from inside a mount.
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + matched_path,
            "endpoint": self.app,
        }

    def _enter(self, scope: Scope, route_path: str) -> tuple[Match, Scope | None]:
        """The router's `_match_path`: a match of a parameter-free prefix is applied to `scope` at once.

        Returns `(Match.FULL, None)` once applied; otherwise what `_match_path` returns.
        """
        literal = self._literal
        if literal is None or literal.regex is not self.path_regex or "\n" in route_path:
            return self._match_path(scope, route_path)
        if not route_path.startswith(literal.path):
            return _NO_MATCH
        root_path: str = scope.get("root_path", "")
        if "app_root_path" not in scope:
            scope["app_root_path"] = root_path
        if "path_params" not in scope:
            scope["path_params"] = {}
        scope["root_path"] = root_path + literal.prefix
        scope["endpoint"] = self.app
        return _APPLIED

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build a path under this mount.

        `name` is the mount's own name (with a `path=` parameter for the path
        inside the mounted app), or `"mount_name:child_name"` for a child route
        (just `"child_name"` when the mount has no name). A parameter of the
        prefix without a value stays as its `{placeholder}`.

        Raises:
            NoMatchFound: Neither the mount nor any child route matches.
        """
        # The error names the parameters left over once the prefix took its own, as upstream's does.
        unused: dict[str, Any] = path_params
        if self.name is not None and name == self.name and "path" in path_params:
            path_params["path"] = path_params["path"].lstrip("/")
            path, remaining = replace_params(self.path_format, self.param_convertors, dict(path_params))
            if not remaining:
                return URLPath(path=path)
            unused = remaining
        elif (child_name := _child_route_name(name, self.name)) is not None:
            path_kwarg = path_params.get("path")
            path_params["path"] = ""
            prefix, remaining = replace_params(self.path_format, self.param_convertors, dict(path_params))
            if path_kwarg is not None:
                remaining["path"] = path_kwarg
            unused = remaining
            for route in self.routes:
                try:
                    url = route.url_path_for(child_name, **remaining)
                except NoMatchFound:
                    continue
                return URLPath(path=prefix.rstrip("/") + str(url), protocol=url.protocol)
        raise NoMatchFound(name, unused)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the connection to the mounted app."""
        await self.app(scope, receive, send)

    def __eq__(self, other: object) -> bool:
        """Mounts are equal when prefix and app are."""
        return isinstance(other, Mount) and self.path == other.path and self.app == other.app

    def __repr__(self) -> str:
        """E.g. `Mount(path='/static', name='static', app=...)`."""
        return f"{type(self).__name__}(path={self.path!r}, name={self.name or ''!r}, app={self.app!r})"


class Host(BaseRoute, Generic[RouteStateT]):
    """An ASGI app serving the connections for a host name (from the `Host` header).

    Host names match case-insensitively and ports are ignored; the template may
    contain parameters (`"{subdomain}.example.org"`). A malformed `Host` header
    matches no `Host` route.

    Args:
        host: The host template (without a leading `/`); a port in it is only
            used when building URLs.
        app: The ASGI app serving the host, typically a `Router`.
        name: The name prefix for `url_path_for`.
        run_lifespan: Run the app's lifespan inside the router's (beyond
            upstream; see `docs/mounted-lifespans.md`).

    Raises:
        AssertionError: The host starts with `/`, or names an unknown convertor.
    """

    if TYPE_CHECKING:
        _route_state: list[RouteStateT]
    host: str
    app: ASGIApp
    name: str | None
    host_regex: re.Pattern[str]
    host_format: str
    param_convertors: dict[str, Convertor[Any]]
    run_lifespan: bool = False
    """Whether the router's lifespan runs the app's lifespan."""

    def __init__(self, host: str, app: ASGIApp, name: str | None = None, *, run_lifespan: bool = False) -> None:
        assert not host.startswith("/"), "Host must not start with '/'"
        self.run_lifespan = run_lifespan
        self.host = host
        self.app = app
        self.name = name
        self.host_regex, self.host_format, self.param_convertors = compile_path(host)

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the app (empty if it has none)."""
        routes: list[BaseRoute] = getattr(self.app, "routes", [])
        return routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match HTTP and websocket connections by the host name of the `Host` header."""
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        host = request_host(scope)
        match = None if host is None else self.host_regex.match(host)
        matched = None if match is None else matched_params(match, self.param_convertors)
        if matched is None:
            return Match.NONE, {}
        path_params = dict(scope.get("path_params", ()))
        path_params.update(matched)
        return Match.FULL, {"path_params": path_params, "endpoint": self.app}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build a URL path, bound to this host, for the host's own name or a child route.

        Like `Mount.url_path_for`, with the host's parameters filled in the host
        (one without a value stays as its `{placeholder}`).

        Raises:
            NoMatchFound: Neither the host route nor any child route matches.
        """
        if self.name is not None and name == self.name and "path" in path_params:
            params = dict(path_params)
            path = params.pop("path")
            host, remaining = replace_params(self.host_format, self.param_convertors, params)
            if not remaining:
                return URLPath(path=path, host=host)
        elif (child_name := _child_route_name(name, self.name)) is not None:
            host, remaining = replace_params(self.host_format, self.param_convertors, dict(path_params))
            for route in self.routes:
                try:
                    url = route.url_path_for(child_name, **remaining)
                except NoMatchFound:
                    continue
                return URLPath(path=str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the connection to the host's app."""
        await self.app(scope, receive, send)

    def __eq__(self, other: object) -> bool:
        """Host routes are equal when host and app are."""
        return isinstance(other, Host) and self.host == other.host and self.app == other.app

    def __repr__(self) -> str:
        """E.g. `Host(host='api.example.org', name='api', app=...)`."""
        return f"{type(self).__name__}(host={self.host!r}, name={self.name or ''!r}, app={self.app!r})"


# --------------------------------------------------------------------------- route index

_ORIGINALS: tuple[tuple[type[_BuiltinRoute], tuple[object, object]], ...] = tuple(
    (cls, (cls.matches, cls.handle)) for cls in (Route, WebSocketRoute, Mount)
)
"""The built-in route classes with their `matches` and `handle` functions, as defined here."""


def _path_shape(route: BaseRoute) -> tuple[list[str | None], bool] | None:
    """Describe which request paths `route` can match, for the index.

    Returns the leading path segments (`None` standing for any one segment) and
    whether the route matches only paths with exactly those segments (`True`)
    or also longer ones (`False`); `None` when the route must always be asked.
    Routes whose `matches` cannot be predicted from their path are never indexed:
    `Route` and `WebSocketRoute` subclasses may narrow a path match but not
    widen it, so they are; a `Mount` subclass that overrides `matches` is not.
    """
    # pyright narrows `route` to the generic route classes with an unknown state type, which does not matter here.
    if isinstance(route, (Route, WebSocketRoute)):
        pass
    elif not (isinstance(route, Mount) and is_original(type(route), "matches", Mount.matches)):  # pyright: ignore[reportUnknownArgumentType]
        return None
    # Subclasses set these attributes themselves (FastAPI's routes do): check what they hold.
    path_format: object = getattr(route, "path_format", None)  # pyright: ignore[reportUnknownArgumentType]
    convertors: object = getattr(route, "param_convertors", None)  # pyright: ignore[reportUnknownArgumentType]
    if not (isinstance(path_format, str) and path_format.startswith("/") and isinstance(convertors, dict)):
        return None
    return path_segments(path_format, cast("dict[str, object]", convertors))


_BuiltinRoute = Union["Route", "WebSocketRoute", "Mount"]
"""The route classes the router knows the internals of."""

_PathMatcher = Callable[[Scope, str], "tuple[Match, Scope | None]"]
"""A built-in route's internal matcher: `matches` given the route path already computed.

A child scope of `None` (with `Match.FULL`) means the match is already applied to the scope.
"""

_Entry = tuple[BaseRoute, "_PathMatcher | None", "_BuiltinRoute | None", "tuple[object, object]"]
"""A route and, for a built-in route, its internal matcher, itself as such, and its class's original
`matches` and `handle` (the router uses the internals only while the class still has those)."""

_NOT_BUILTIN = (None, None)


def _entry(route: BaseRoute) -> _Entry:
    """Describe `route` for the router, with its internal matcher when it may bypass `matches` and `handle`.

    Only for instances of the built-in classes (subclasses included) that do not
    replace `matches` or `handle` on the instance. Whether the class still has
    the original methods is asked on every request (`is_original`): while it
    does, `handle` of a full match is just calling `route.app`, and `matches`
    is the internal matcher.
    """
    for cls, originals in _ORIGINALS:
        if isinstance(route, cls):
            if "matches" in vars(route) or "handle" in vars(route):
                break
            # ty does not narrow `isinstance(route, cls)` by the generic route classes in `_ORIGINALS`;
            # pyright narrows to them with an unknown state type, which does not matter here.
            matcher: _PathMatcher = route._enter if isinstance(route, (Mount, Route)) else route._match_path  # pyright: ignore[reportPrivateUsage]  # module-internal  # ty: ignore[missing-attribute]
            return route, matcher, route, originals  # pyright: ignore[reportUnknownVariableType]  # ty: ignore[invalid-explicit-return]
    return route, None, None, _NOT_BUILTIN  # pyright: ignore[reportUnknownVariableType]


# --------------------------------------------------------------------------- router


class Router(Generic[RouteStateT]):
    """An ASGI app dispatching to the first matching route.

    Args:
        routes: The routing table, in priority order.
        redirect_slashes: Redirect `/path/` to `/path` (and back) when only
            the other form has a route.
        default: The app serving unmatched connections (`not_found` by default).
        lifespan: An async context manager factory run around the app's life,
            called with the application; it may yield a state mapping.
        middleware: Middleware wrapped around the router.
        max_body_size: Caps the request body of every route, in bytes.
    """

    routes: list[BaseRoute]
    redirect_slashes: bool
    default: ASGIApp
    lifespan_context: Lifespan[Any]
    middleware_stack: ASGIApp
    _route_index: RouteIndex[BaseRoute, _Entry] | None = None
    _routing: ASGIApp | None = None

    def __init__(
        self,
        routes: Sequence[_RouteOf[RouteStateT]] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        lifespan: Lifespan[Any, RouteStateT] | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        self.routes = RouteList[BaseRoute](cast("Sequence[BaseRoute]", routes or ()))
        self.redirect_slashes = redirect_slashes
        self.default = self.not_found if default is None else default
        self.lifespan_context = lifespan_context(lifespan)
        routing = self.app
        if is_original(type(self), "app", Router.app):
            # Kept to tell (by identity) that `middleware_stack` is the bare router, whose
            # routing `_dispatch` does without a coroutine of its own.
            self._routing = routing
        self.middleware_stack = apply_body_limit(apply_middleware(routing, middleware), max_body_size)

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an unmatched connection: close a websocket, or 404 for HTTP.

        Raises:
            HTTPException: (404) inside an application, so its handlers render the response.
        """
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        if "app" in scope:
            raise HTTPException(status_code=404)
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build the path of the route called `name` (first route that can, in order).

        Raises:
            NoMatchFound: No route has that name and those parameters.
        """
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:  # noqa: PERF203  # try/except is free in a loop on 3.11+, and rare here
                pass
        raise NoMatchFound(name, path_params)

    async def lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the ASGI lifespan protocol around `lifespan_context`.

        ====================  ==============================  ================================
        phase                 event                           action
        ====================  ==============================  ================================
        waiting for startup   `lifespan.startup` received     enter the lifespan context
        starting              context entered                 merge its state into
                                                              `scope["state"]`, send
                                                              `lifespan.startup.complete`
        starting              context raised                  send `lifespan.startup.failed`
                                                              (traceback), re-raise
        serving               `lifespan.shutdown` received    exit the lifespan context
        stopping              context exited                  send `lifespan.shutdown.complete`
        stopping              context raised                  send `lifespan.shutdown.failed`
                                                              (traceback), re-raise
        ====================  ==============================  ================================

        Raises:
            RuntimeError: The lifespan yields state but the server does not support it.
        """
        app: Any = scope.get("app")
        failure = "lifespan.startup.failed"
        await receive()
        try:
            async with with_mounted_lifespans(self.routes, self.lifespan_context, app, scope) as state:
                if state is not None:
                    if "state" not in scope:
                        raise RuntimeError('The server does not support "state" in the lifespan scope.')
                    scope["state"].update(state)
                await send({"type": "lifespan.startup.complete"})
                failure = "lifespan.shutdown.failed"
                await receive()
        except BaseException:
            await send({"type": failure, "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a connection through the router's middleware."""
        stack = self.middleware_stack
        if stack is self._routing:
            await self._dispatch(scope, receive, send)
        else:
            await stack(scope, receive, send)

    def _current_index(self) -> RouteIndex[BaseRoute, _Entry]:
        """The route index, rebuilt if `routes` changed since it was made."""
        index = self._route_index
        if index is None or not index.is_current(self.routes):
            index = self._route_index = RouteIndex(self.routes, _entry, _path_shape)
        return index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route a connection: first full match, else first partial match, else a slash redirect, else `default`.

        Sets `scope["router"]` (if not set yet), and for the route used
        `scope["route"]` plus the entries of its match (`endpoint`, `path_params`...).

        Raises:
            AssertionError: The scope type is not `http`, `websocket` or `lifespan`.
        """
        await self._dispatch(scope, receive, send)

    def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """What `app` does, without a coroutine of its own: route, and return the call of the app chosen.

        Awaiting the result serves the connection. Routing itself never awaits,
        so routers mounted in routers (and the application) go straight to the
        endpoint's app, without a coroutine per level.
        """
        scope_type = scope["type"]
        if scope_type != "http" and scope_type != "websocket":
            if scope_type != "lifespan":
                raise AssertionError(f"Unsupported scope type {scope_type!r}")
            if "router" not in scope:
                scope["router"] = self
            return self.lifespan(scope, receive, send)
        if "router" not in scope:
            scope["router"] = self

        # `get_route_path(scope)`, inlined: this runs once per router on every request.
        route_path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and route_path.startswith(root_path):
            if len(route_path) == len(root_path):
                route_path = ""
            elif route_path[len(root_path)] == "/":
                route_path = route_path[len(root_path) :]

        index = self._route_index
        # The freshness check of `_current_index`, inlined for the common case.
        if index is None or index.tracked is not self.routes or index.version != index.tracked.version:
            index = self._current_index()
        partial: BaseRoute | None = None
        partial_scope: Scope | None = None
        child_scope: Scope | None
        candidates = index.entries if index.scan else index.candidates(route_path)
        for route, match_path, builtin, (matches, handle) in candidates:
            plain = match_path is not None and is_original(type(route), "matches", matches)
            if match_path is not None and plain:
                match, child_scope = match_path(scope, route_path)
            else:
                match, child_scope = route.matches(scope)
            if match is _FULL:
                if child_scope is not None:
                    scope.update(child_scope)
                scope["route"] = route
                if builtin is None or not plain or not is_original(type(route), "handle", handle):
                    return route.handle(scope, receive, send)
                # What `handle` does for a full match: call the app (for a mounted router, what
                # its `__call__` does, without a coroutine of its own).
                mounted = builtin.app
                # `Router[Unknown]` to pyright: the state type is not known here, and does not matter.
                if isinstance(mounted, Router) and is_original(type(mounted), "__call__", _ROUTER_CALL):  # pyright: ignore[reportUnknownArgumentType]
                    stack = mounted.middleware_stack
                    if stack is mounted._routing:
                        return mounted._dispatch(scope, receive, send)
                    return stack(scope, receive, send)
                return mounted(scope, receive, send)
            if match is _PARTIAL and partial is None:
                partial, partial_scope = route, child_scope

        if partial is not None:
            assert partial_scope is not None  # a partial match always comes with its child scope
            scope.update(partial_scope)
            scope["route"] = partial
            return partial.handle(scope, receive, send)

        if scope_type == "http" and self.redirect_slashes and route_path != "/":
            redirect_scope = dict(scope)
            if route_path.endswith("/"):
                redirect_scope["path"] = redirect_scope["path"].rstrip("/")
            else:
                redirect_scope["path"] = redirect_scope["path"] + "/"
            for route, _, _, _ in index.candidates(get_route_path(redirect_scope)):
                match, _ = route.matches(redirect_scope)
                if match is not Match.NONE:
                    redirect_url = URL(scope=redirect_scope)
                    return RedirectResponse(url=str(redirect_url))(scope, receive, send)

        return self.default(scope, receive, send)

    def __eq__(self, other: object) -> bool:
        """Routers are equal when their routes are."""
        return isinstance(other, Router) and self.routes == other.routes

    def mount(self, path: str, app: ASGIApp, name: str | None = None, *, run_lifespan: bool = False) -> None:
        """Append a `Mount` of `app` at `path`."""
        self.routes.append(Mount(path, app=app, name=name, run_lifespan=run_lifespan))

    def host(self, host: str, app: ASGIApp, name: str | None = None, *, run_lifespan: bool = False) -> None:
        """Append a `Host` route serving `host` with `app`."""
        self.routes.append(Host(host, app=app, name=name, run_lifespan=run_lifespan))

    def add_route(
        self,
        path: str,
        endpoint: _RequestEndpoint,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Append a `Route` (see `Route` for the parameters)."""
        route = Route(path, endpoint=endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        self.routes.append(route)

    def add_websocket_route(self, path: str, endpoint: _WebSocketEndpoint, name: str | None = None) -> None:
        """Append a `WebSocketRoute` (see `WebSocketRoute` for the parameters)."""
        self.routes.append(WebSocketRoute(path, endpoint=endpoint, name=name))


_ROUTER_CALL = Router.__call__
"""`Router.__call__` as defined here: a mounted router is routed into directly only while it is its own."""
