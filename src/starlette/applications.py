"""The `Starlette` application: a router wrapped in error handling and middleware."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

from typing_extensions import ParamSpec

from starlette.datastructures import State, URLPath
from starlette.exceptions import HTTPException
from starlette.middleware import (
    Middleware,
    _AnyMiddlewareFactory,  # pyright: ignore[reportPrivateUsage]  # package-internal
)
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import RouteStateT
from starlette.routing import (
    BaseRoute,
    Router,
    _RequestEndpoint,  # pyright: ignore[reportPrivateUsage]  # package-internal
    _RouteOf,  # pyright: ignore[reportPrivateUsage]  # package-internal
)
from starlette.types import ASGIApp, ExceptionHandler, Lifespan, Receive, Scope, Send

__all__ = ["Starlette"]

AppType = TypeVar("AppType", bound="Starlette")
P = ParamSpec("P")
_ExcT = TypeVar("_ExcT", bound=Exception)


class Starlette(Generic[RouteStateT]):
    """An ASGI application: routing, exception handling and a middleware stack.

    The middleware stack is built on the first call, outermost first:
    `ServerErrorMiddleware` (500 responses, or the debug page), the request
    body limit if `max_body_size` is set, the user middleware in the order
    given, `ExceptionMiddleware` (the other exception handlers), then the router.

    Args:
        debug: Answer unhandled errors with a traceback page.
        routes: The routing table.
        middleware: Middleware to run around every request, outermost first.
        exception_handlers: Handlers by status code or exception class; the one
            for `500` or `Exception` renders unhandled errors.
        lifespan: An async context manager factory run around the app's life,
            called with the application; it may yield the initial request state.
        max_body_size: Caps every request body, in bytes (`413` beyond).
    """

    state: State
    """Application-wide state (`app.state.x = ...`)."""
    user_middleware: list[Middleware]
    """The user middleware, outermost first."""
    middleware_stack: ASGIApp | None = None
    """The built stack, or `None` until the first call (or after `debug` changes)."""
    max_body_size: int | None = None
    """The request body limit in bytes, if any."""
    _debug: bool = False

    def __init__(
        self: AppType,
        debug: bool = False,
        routes: Sequence[_RouteOf[RouteStateT]] | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, ExceptionHandler[Any]] | None = None,
        lifespan: Lifespan[AppType, RouteStateT] | None = None,
        *,
        max_body_size: int | None = None,
    ) -> None:
        self.debug = debug
        self.state = State()
        # Typed through locals, not on the class: a subclass may narrow the attributes (as FastAPI does).
        router: Router = Router(routes, lifespan=lifespan)
        self.router = router
        # `dict[Any, Any]`, as mypy infers upstream's: FastAPI narrows it to HTTP handlers only.
        handlers: dict[Any, Any] = {} if exception_handlers is None else dict(exception_handlers)
        self.exception_handlers = handlers
        self.user_middleware = [] if middleware is None else list(middleware)
        self.middleware_stack = None
        self.max_body_size = max_body_size

    @property
    def debug(self) -> bool:
        """Whether unhandled errors get a traceback page; changing it rebuilds the stack on the next call."""
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self._debug = value
        self.middleware_stack = None

    def build_middleware_stack(self) -> ASGIApp:
        """Build the ASGI app serving requests: the middleware layers around the router."""
        error_handler: ExceptionHandler[Any] | None = None
        exception_handlers: dict[Any, ExceptionHandler[Any]] = {}
        for key, handler in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = handler
            else:
                exception_handlers[key] = handler

        middleware = [Middleware(ServerErrorMiddleware, handler=error_handler, debug=self.debug)]
        if self.max_body_size is not None:
            middleware.append(Middleware(RequestBodyLimitMiddleware, max_body_size=self.max_body_size))
        middleware += self.user_middleware
        middleware.append(Middleware(ExceptionMiddleware, handlers=exception_handlers, debug=self.debug))

        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
        return app

    @property
    def routes(self) -> list[BaseRoute]:
        """The router's routes (the list itself: changes apply)."""
        return self.router.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Build the path of the route called `name` with `path_params`.

        Raises:
            starlette.routing.NoMatchFound: No route has that name and those parameters.
        """
        return self.router.url_path_for(name, **path_params)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a connection, setting `scope["app"]` and building the stack on first use."""
        scope["app"] = self
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
        await stack(scope, receive, send)

    def mount(self, path: str, app: ASGIApp, name: str | None = None, *, run_lifespan: bool = False) -> None:
        """Mount `app` under `path` (see `starlette.routing.Mount`)."""
        self.router.mount(path, app=app, name=name, run_lifespan=run_lifespan)

    def host(self, host: str, app: ASGIApp, name: str | None = None, *, run_lifespan: bool = False) -> None:
        """Serve the host `host` with `app` (see `starlette.routing.Host`)."""
        self.router.host(host, app=app, name=name, run_lifespan=run_lifespan)

    def add_middleware(self, middleware_class: _AnyMiddlewareFactory[P], *args: P.args, **kwargs: P.kwargs) -> None:
        """Add a middleware as the outermost user middleware.

        Raises:
            RuntimeError: The application has already started (its stack is built).
        """
        if self.middleware_stack is not None:
            raise RuntimeError("Cannot add middleware after an application has started")
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: int, handler: ExceptionHandler[HTTPException]
    ) -> None: ...

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: type[_ExcT], handler: ExceptionHandler[_ExcT]
    ) -> None: ...

    @overload
    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler
    ) -> None: ...

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: ExceptionHandler[Any]
    ) -> None:
        """Register `handler` for a status code or an exception class (takes effect when the stack is built).

        A handler registered for a class may be typed for exactly that class
        (`(Request, MyError) -> Response`); one registered for a status code
        receives the `HTTPException` (or, for `500`, the unhandled exception).
        """
        self.exception_handlers[exc_class_or_status_code] = handler

    def add_route(
        self,
        path: str,
        route: _RequestEndpoint,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add a `Route` for the endpoint `route` (see `starlette.routing.Route`)."""
        self.router.add_route(path, route, methods=methods, name=name, include_in_schema=include_in_schema)
