"""How a route builds the ASGI app it serves: its endpoint, its middleware and its body limit."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

__all__ = ["apply_body_limit", "apply_middleware", "as_async_endpoint", "is_plain_function"]


def as_async_endpoint(
    func: Callable[[Request[Any]], Awaitable[Response] | Response],
) -> Callable[[Request[Any]], Awaitable[Response]]:
    """Return `func` if it is async, else a wrapper running it in the threadpool."""
    if is_async_callable(func):
        return cast(Callable[[Request[Any]], Awaitable[Response]], func)
    sync_func = cast(Callable[[Request[Any]], Response], func)

    async def call_in_threadpool(request: Request[Any]) -> Response:
        return await run_in_threadpool(sync_func, request)

    return call_in_threadpool


def is_plain_function(endpoint: object) -> bool:
    """True for functions and bound methods, seen through `functools.partial` layers."""
    while isinstance(endpoint, functools.partial):
        endpoint = cast("functools.partial[object]", endpoint).func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)


def apply_middleware(app: ASGIApp, middleware: Sequence[Middleware] | None) -> ASGIApp:
    """Wrap `app` so that the first middleware listed ends up outermost."""
    if middleware:
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
    return app


def apply_body_limit(app: ASGIApp, max_body_size: int | None) -> ASGIApp:
    """Cap the request body read through `app` at `max_body_size` bytes, if given."""
    if max_body_size is None:
        return app
    return RequestBodyLimitMiddleware(app, max_body_size)
