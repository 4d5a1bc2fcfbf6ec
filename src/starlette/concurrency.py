"""Run blocking code from async code without blocking the event loop."""

from __future__ import annotations

import enum
import functools
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar

import anyio
import anyio.to_thread
from typing_extensions import ParamSpec

from starlette.exceptions import StarletteDeprecationWarning

__all__ = ["iterate_in_threadpool", "run_in_threadpool", "run_until_first_complete"]

P = ParamSpec("P")
T = TypeVar("T")


async def run_until_first_complete(*args: tuple[Callable[..., Awaitable[object]], dict[str, Any]]) -> None:
    """Run `func(**kwargs)` for each `(func, kwargs)` pair concurrently until one returns.

    When the first call returns, the others are cancelled. A failing call fails
    the whole, inside an exception group (an anyio task group's, as upstream).

    Deprecated: emits a `StarletteDeprecationWarning`; use an anyio task group instead.
    """
    warnings.warn(
        "run_until_first_complete is deprecated and will be removed in a future version.",
        StarletteDeprecationWarning,
        stacklevel=1,  # this module, as upstream attributes it (what `module=` warning filters match)
    )
    async with anyio.create_task_group() as task_group:

        async def run_then_cancel_others(func: Callable[[], Awaitable[object]]) -> None:
            await func()
            task_group.cancel_scope.cancel()

        for func, kwargs in args:
            task_group.start_soon(run_then_cancel_others, functools.partial(func, **kwargs))


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `func(*args, **kwargs)` in a worker thread and return its result.

    Uses `anyio.to_thread.run_sync`, so the call runs in a copy of the current
    context (context variables are visible) and counts against anyio's default
    thread limiter.
    """
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


class _Exhausted(enum.Enum):
    """Marks the end of an iterator advanced in a worker thread."""

    token = enum.auto()


def _next_or_exhausted(iterator: Iterator[T]) -> T | Literal[_Exhausted.token]:
    # `StopIteration` cannot cross the thread/coroutine boundary, so return a marker instead.
    return next(iterator, _Exhausted.token)


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncGenerator[T, None]:
    """Iterate a blocking iterable asynchronously, pulling each item in a worker thread.

    Useful to stream from a synchronous generator (e.g. a file reader) without
    blocking the event loop.
    """
    as_iterator = iter(iterator)
    while True:
        item = await anyio.to_thread.run_sync(_next_or_exhausted, as_iterator)
        if item is _Exhausted.token:
            return
        yield item
