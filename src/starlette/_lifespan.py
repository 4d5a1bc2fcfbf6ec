"""The lifespan a `Router` runs: the one given, the default one, or a deprecated generator adapted."""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections.abc import Callable, Generator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning
from starlette.types import Lifespan

__all__ = ["lifespan_context"]


def _default_lifespan(app: object) -> AbstractAsyncContextManager[None]:
    """The lifespan of a router given none: nothing to set up or tear down."""
    return contextlib.nullcontext()


class _AsyncLiftContextManager(AbstractAsyncContextManager[Any]):
    """Use a sync context manager with `async with`."""

    def __init__(self, manager: AbstractContextManager[Any]) -> None:
        self._manager = manager

    async def __aenter__(self) -> Any:
        return self._manager.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return self._manager.__exit__(exc_type, exc_value, traceback)


def _wrap_generator_lifespan(
    lifespan: Callable[[Any], Generator[Any, Any, Any]],
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """Adapt a (deprecated) generator-function lifespan to an async context manager factory."""
    manager_factory = contextlib.contextmanager(lifespan)

    @functools.wraps(manager_factory)
    def wrapper(app: Any) -> AbstractAsyncContextManager[Any]:
        return _AsyncLiftContextManager(manager_factory(app))

    return wrapper


# The warnings point at `Router.__init__` (the caller of `lifespan_context`), so that they are
# reported from (and filtered as) `starlette.routing`, however the router was built.
_LIFESPAN_WARNING_STACKLEVEL = 2


def lifespan_context(lifespan: Lifespan[Any, Any] | None) -> Lifespan[Any]:
    """The lifespan to use, adapting (with a `StarletteDeprecationWarning`) generator functions."""
    if lifespan is None:
        return _default_lifespan
    if inspect.isasyncgenfunction(lifespan):
        warnings.warn(
            "async generator function lifespans are deprecated, "
            "use an @contextlib.asynccontextmanager function instead",
            StarletteDeprecationWarning,
            stacklevel=_LIFESPAN_WARNING_STACKLEVEL,
        )
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        warnings.warn(
            "generator function lifespans are deprecated, use an @contextlib.asynccontextmanager function instead",
            StarletteDeprecationWarning,
            stacklevel=_LIFESPAN_WARNING_STACKLEVEL,
        )
        return _wrap_generator_lifespan(lifespan)
    return lifespan
