"""Work to run after a response has been sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from typing_extensions import ParamSpec

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool

__all__ = ["BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")


class BackgroundTask:
    """A call to make once the response has been sent: `func(*args, **kwargs)`.

    Coroutine functions are awaited; plain functions run in the thread pool so
    they do not block the event loop.
    """

    def __init__(self, func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        self.func: Callable[..., object] = func
        self.args: tuple[Any, ...] = args
        self.kwargs: dict[str, Any] = kwargs
        self.is_async: bool = is_async_callable(func)

    async def __call__(self) -> None:
        """Run the task; an exception raised by `func` propagates."""
        if self.is_async:
            await cast("Callable[..., Awaitable[object]]", self.func)(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """Several background tasks, run one after another in the order they were added.

    If a task raises, the tasks after it do not run.
    """

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks) if tasks else []

    def add_task(self, func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """Append the call `func(*args, **kwargs)` to the tasks to run."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        """Run every task in order; stop at the first one that raises."""
        for task in self.tasks:
            await task()
