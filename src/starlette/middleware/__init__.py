"""Middleware: ASGI apps that wrap another ASGI app.

A middleware is anything that can be called as `factory(app, *args, **kwargs)`
and returns a new ASGI app, usually a class whose `__init__` takes the wrapped
app first. `Middleware` records such a factory with its arguments so that an
application can build the stack later, in order, around its router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from typing import Any, Protocol, cast

from typing_extensions import ParamSpec

from starlette.types import ASGIApp

__all__ = ["Middleware", "MiddlewareFactory"]

P = ParamSpec("P")


class MiddlewareFactory(Protocol[P]):
    """Builds an ASGI app around `app`: the shape of a middleware class.

    The parameters after `app` are captured as `P`, so that `Middleware` and
    `Starlette.add_middleware` check the options passed for the middleware.
    """

    def __call__(self, app: ASGIApp, /, *args: P.args, **kwargs: P.kwargs) -> ASGIApp:
        """Wrap `app`, configured by the remaining arguments."""
        ...


_MiddlewareFactory = MiddlewareFactory
"""The name upstream uses for `MiddlewareFactory` (kept for code that imports it)."""


class _AnyASGIApp(Protocol):
    """An ASGI app in any typed vocabulary: `starlette.types` or another one (such as asgiref's TypedDicts)."""

    def __call__(self, scope: Any, receive: Any, send: Any, /) -> Awaitable[None]: ...


class _AnyMiddlewareFactory(Protocol[P]):
    """What `Middleware` and `Starlette.add_middleware` accept: a middleware typed in any ASGI vocabulary.

    A third-party class may declare its `app` with, say, asgiref's TypedDict-based
    scope types, which `starlette.types.ASGIApp` (a plain mapping) is not assignable
    to, although both describe the same objects at runtime. One signature (not an
    overload per vocabulary) keeps the checkers' messages precise: a mistaken
    keyword is named as such. The options are still checked through `P`.
    """

    def __call__(self, app: Any, /, *args: P.args, **kwargs: P.kwargs) -> _AnyASGIApp: ...


class Middleware:
    """A middleware factory and the arguments to build it with.

    `Middleware(CORSMiddleware, allow_origins=["*"])` stands for
    `CORSMiddleware(app, allow_origins=["*"])`, called when the application
    builds its middleware stack. Unpacking gives `(cls, args, kwargs)`.
    """

    cls: MiddlewareFactory[...]
    """The factory, called as `cls(app, *args, **kwargs)`."""
    args: tuple[Any, ...]
    """Positional arguments passed after the wrapped app."""
    kwargs: dict[str, Any]
    """Keyword arguments passed to the factory."""

    def __init__(self, cls: _AnyMiddlewareFactory[P], *args: P.args, **kwargs: P.kwargs) -> None:
        """Record `cls` and the arguments it will be called with after the wrapped app."""
        # A foreign-typed factory is structurally a `MiddlewareFactory` at runtime.
        self.cls = cast(MiddlewareFactory[...], cls)
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        """Yield `cls`, `args` and `kwargs`, so that `cls, args, kwargs = middleware` works."""
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        """Show the call it stands for, e.g. `Middleware(GZipMiddleware, minimum_size=500)`."""
        parts = [getattr(self.cls, "__name__", "")]
        parts.extend(repr(value) for value in self.args)
        parts.extend(f"{key}={value!r}" for key, value in self.kwargs.items())
        return f"{type(self).__name__}({', '.join(parts)})"
