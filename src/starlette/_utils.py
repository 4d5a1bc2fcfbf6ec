"""Small internal helpers shared across the package.

Some of these names are imported by real clients (FastAPI imports
`is_async_callable` and `get_route_path`), so their behaviour is kept stable.
`BaseExceptionGroup` and `ExceptionGroup` are the built-in classes on Python
3.11+ and the `exceptiongroup` backport's on 3.10; import them from here.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, Union, overload

import anyio
import anyio.abc
from typing_extensions import TypeIs

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup, ExceptionGroup
else:  # pragma: no cover
    if TYPE_CHECKING:
        # The checkers target 3.10, where these come from the `exceptiongroup` backport (an
        # anyio dependency there), which a 3.11+ development environment does not install.
        _Condition = Union[type[BaseException], tuple[type[BaseException], ...], Callable[[BaseException], bool]]

        class BaseExceptionGroup(BaseException):
            """Typing stand-in for `exceptiongroup.BaseExceptionGroup`."""

            def __init__(self, message: str, exceptions: Sequence[BaseException], /) -> None: ...
            @property
            def message(self) -> str: ...
            @property
            def exceptions(self) -> tuple[BaseException, ...]: ...
            def subgroup(self, condition: _Condition, /) -> BaseExceptionGroup | None: ...
            def split(
                self, condition: _Condition, /
            ) -> tuple[BaseExceptionGroup | None, BaseExceptionGroup | None]: ...
            def derive(self, excs: Sequence[BaseException], /) -> BaseExceptionGroup: ...

        class ExceptionGroup(BaseExceptionGroup, Exception):
            """Typing stand-in for `exceptiongroup.ExceptionGroup`."""

            def __init__(self, message: str, exceptions: Sequence[Exception], /) -> None: ...
            @property
            def exceptions(self) -> tuple[Exception, ...]: ...
    else:
        from exceptiongroup import BaseExceptionGroup, ExceptionGroup

from starlette.types import Scope

__all__ = [
    "AwaitableOrContextManager",
    "AwaitableOrContextManagerWrapper",
    "BaseExceptionGroup",
    "ExceptionGroup",
    "SupportsAsyncClose",
    "collapse_excgroups",
    "create_collapsing_task_group",
    "get_route_path",
    "is_async_callable",
    "is_original",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

AwaitableCallable = Callable[..., Awaitable[T]]
"""A callable returning an awaitable of `T`."""

# `asyncio.iscoroutinefunction` also recognises objects marked with the legacy
# `_is_coroutine` attribute (e.g. `AsyncMock`); from 3.13 on `inspect` does the same
# through `markcoroutinefunction`, and the asyncio variant is deprecated.
_iscoroutinefunction: Callable[[object], bool] = (
    inspect.iscoroutinefunction if sys.version_info >= (3, 13) else asyncio.iscoroutinefunction
)


@overload
def is_async_callable(obj: AwaitableCallable[T]) -> TypeIs[AwaitableCallable[T]]: ...


@overload
def is_async_callable(obj: object) -> TypeIs[AwaitableCallable[Any]]: ...


def is_async_callable(obj: object) -> bool:
    """Tell whether calling `obj` returns a coroutine.

    True for coroutine functions, `functools.partial` objects wrapping one (at any
    nesting depth), and objects whose `__call__` is a coroutine function.
    """
    while isinstance(obj, functools.partial):
        obj = obj.func
    return _iscoroutinefunction(obj) or (callable(obj) and _iscoroutinefunction(obj.__call__))


def get_route_path(scope: Scope) -> str:
    """Return the request path relative to the application's `root_path`.

    The prefix is only removed on a path-segment boundary: with a `root_path` of
    `/api`, `/api/users` becomes `/users` and `/api` becomes `""`, while `/apis`
    is returned unchanged.
    """
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if len(path) == len(root_path):
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path


def _lone_member(error: BaseException) -> BaseException | None:
    """Return the only exception of a one-member exception group, else `None`."""
    if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        return error.exceptions[0]
    return None


@asynccontextmanager
async def create_collapsing_task_group() -> AsyncGenerator[anyio.abc.TaskGroup, None]:
    """Open an anyio task group that does not wrap a single failure in a group.

    anyio always raises a `BaseExceptionGroup` out of a task group. When that
    group holds exactly one exception, this re-raises the exception itself;
    only the task group's own group is unwrapped, never a group raised by the
    code running inside it.
    """
    lone: BaseException | None = None
    try:
        async with anyio.create_task_group() as task_group:
            yield task_group
    except BaseExceptionGroup as group:
        lone = _lone_member(group)
        if lone is None:
            raise
    # Raised outside the `except` block so the group does not become its `__context__`.
    if lone is not None:
        raise lone


@contextmanager
def collapse_excgroups() -> Generator[None, None, None]:
    """Re-raise a one-member exception group escaping the block as its member.

    Only the outermost group is unwrapped; groups with several members and
    ordinary exceptions propagate unchanged.
    """
    lone: BaseException | None = None
    try:
        yield
    except BaseExceptionGroup as group:
        lone = _lone_member(group)
        if lone is None:
            raise
    if lone is not None:
        raise lone


class SupportsAsyncClose(Protocol):
    """An object with an `async close()` method."""

    async def close(self) -> None:
        """Release the object's resources."""
        ...


SupportsAsyncCloseT = TypeVar("SupportsAsyncCloseT", bound=SupportsAsyncClose)


class AwaitableOrContextManager(Awaitable[T_co], AbstractAsyncContextManager[T_co], Protocol[T_co]):
    """A value that can be awaited, or entered with `async with` (closing it on exit)."""


class AwaitableOrContextManagerWrapper(Generic[SupportsAsyncCloseT]):
    """Wrap an awaitable so it can also be used as an async context manager.

    `await wrapper` gives the result; `async with wrapper as value` gives the
    result and awaits `value.close()` when the block exits.
    """

    __slots__ = ("_awaitable", "_entered")

    def __init__(self, awaitable: Awaitable[SupportsAsyncCloseT]) -> None:
        self._awaitable = awaitable
        self._entered: SupportsAsyncCloseT | None = None

    def __await__(self) -> Generator[Any, None, SupportsAsyncCloseT]:
        """Await the wrapped awaitable."""
        return self._awaitable.__await__()

    async def __aenter__(self) -> SupportsAsyncCloseT:
        """Await the wrapped awaitable and remember its result for closing."""
        self._entered = await self._awaitable
        return self._entered

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the value produced on entry."""
        if self._entered is not None:
            await self._entered.close()


def is_original(owner: object, name: str, original: object) -> bool:
    """Whether `owner.<name>` is still `original`, looked up now, at call time.

    The one test a fast path asks before it stands in for a method or function:
    pass the class of the object about to be called (`type(obj)`) or the module
    holding the function. A subclass that overrides the method, or a patch on
    the class or module (as instrumentation applies), makes it false, and the
    plain path then calls what is there.
    """
    return getattr(owner, name, None) is original
