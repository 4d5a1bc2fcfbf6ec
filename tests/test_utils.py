from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import anyio
import pytest

from starlette._utils import (
    AwaitableOrContextManagerWrapper,
    BaseExceptionGroup,
    ExceptionGroup,
    collapse_excgroups,
    create_collapsing_task_group,
    get_route_path,
    is_async_callable,
    is_original,
)

# --- is_async_callable ---------------------------------------------------------------------


async def async_function(value: int = 0) -> int:
    return value


def sync_function(value: int = 0) -> int:
    return value


async def async_generator_function() -> AsyncIterator[int]:
    yield 1


class AsyncCallable:
    async def __call__(self) -> None: ...

    async def method(self) -> None: ...


class SyncCallable:
    def __call__(self) -> None: ...


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(async_function, id="coroutine function"),
        pytest.param(functools.partial(async_function, 1), id="partial"),
        pytest.param(functools.partial(functools.partial(async_function), 1), id="nested partial"),
        pytest.param(AsyncCallable(), id="object with async __call__"),
        pytest.param(AsyncCallable().method, id="bound async method"),
        pytest.param(functools.partial(AsyncCallable()), id="partial of async callable object"),
        pytest.param(AsyncMock(), id="AsyncMock"),
    ],
)
def test_is_async_callable_true(obj: object) -> None:
    assert is_async_callable(obj) is True


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(sync_function, id="plain function"),
        pytest.param(functools.partial(sync_function, 1), id="partial of plain function"),
        pytest.param(SyncCallable(), id="object with sync __call__"),
        pytest.param(lambda: async_function(), id="lambda returning a coroutine"),
        pytest.param(async_generator_function, id="async generator function"),
        pytest.param(MagicMock(), id="MagicMock"),
        pytest.param(1, id="not callable"),
        pytest.param(None, id="None"),
    ],
)
def test_is_async_callable_false(obj: object) -> None:
    assert is_async_callable(obj) is False


# --- get_route_path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/users/1", "", "/users/1"),
        ("/", "", "/"),
        ("/api/users", "/api", "/users"),
        ("/api/", "/api", "/"),
        ("/api", "/api", ""),
        ("/apis/users", "/api", "/apis/users"),
        ("/apiary", "/api", "/apiary"),
        ("/other/api/users", "/api", "/other/api/users"),
        ("/users", "/api", "/users"),
        ("/a/b/c", "/a/b", "/c"),
        ("/api/api/x", "/api", "/api/x"),
    ],
)
def test_get_route_path(path: str, root_path: str, expected: str) -> None:
    assert get_route_path({"type": "http", "path": path, "root_path": root_path}) == expected


def test_get_route_path_without_root_path_key() -> None:
    assert get_route_path({"type": "http", "path": "/users"}) == "/users"


# --- create_collapsing_task_group ----------------------------------------------------------


async def fail_with(exc: BaseException) -> None:
    raise exc


@pytest.mark.anyio
async def test_collapsing_task_group_runs_tasks() -> None:
    results: list[int] = []

    async def record(value: int) -> None:
        results.append(value)

    async with create_collapsing_task_group() as task_group:
        task_group.start_soon(record, 1)
        task_group.start_soon(record, 2)
    assert sorted(results) == [1, 2]


@pytest.mark.anyio
async def test_collapsing_task_group_reraises_lone_task_error() -> None:
    error = ValueError("boom")
    with pytest.raises(ValueError, match="^boom$") as info:
        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(fail_with, error)
    assert info.value is error
    assert not isinstance(info.value.__context__, BaseExceptionGroup)


@pytest.mark.anyio
async def test_collapsing_task_group_reraises_lone_body_error() -> None:
    error = KeyError("body")
    with pytest.raises(KeyError) as info:
        async with create_collapsing_task_group():
            raise error
    assert info.value is error


@pytest.mark.anyio
async def test_collapsing_task_group_cancels_siblings_of_a_failed_task() -> None:
    cancelled = False

    async def wait_forever() -> None:
        nonlocal cancelled
        try:
            await anyio.Event().wait()
        except anyio.get_cancelled_exc_class():
            cancelled = True
            raise

    with pytest.raises(RuntimeError, match="^fail$"):
        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(wait_forever)
            await anyio.lowlevel.checkpoint()
            task_group.start_soon(fail_with, RuntimeError("fail"))
    assert cancelled


@pytest.mark.anyio
async def test_collapsing_task_group_keeps_groups_of_several_errors() -> None:
    first, second = ValueError("first"), TypeError("second")

    async def fail_after_checkpoint(exc: BaseException) -> None:
        # Shielded, so the first failure cannot cancel the other task before it fails too.
        with anyio.CancelScope(shield=True):
            await anyio.lowlevel.checkpoint()
        raise exc

    with pytest.raises(BaseExceptionGroup) as info:
        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(fail_after_checkpoint, first)
            task_group.start_soon(fail_after_checkpoint, second)
    assert set(info.value.exceptions) == {first, second}


@pytest.mark.anyio
async def test_collapsing_task_group_keeps_user_raised_groups() -> None:
    user_group = ExceptionGroup("user", [ValueError("inner")])
    with pytest.raises(ExceptionGroup) as info:
        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(fail_with, user_group)
    # trio may hand back a derived copy of the group; it must still be the user's group, unflattened.
    assert info.value.message == "user"
    assert [str(exc) for exc in info.value.exceptions] == ["inner"]


@pytest.mark.anyio
async def test_collapsing_task_group_without_errors_returns_normally() -> None:
    async with create_collapsing_task_group() as task_group:
        task_group.start_soon(anyio.lowlevel.checkpoint)
    assert True


# --- collapse_excgroups --------------------------------------------------------------------


def test_collapse_excgroups_unwraps_a_lone_member() -> None:
    error = ValueError("lone")
    with pytest.raises(ValueError, match="^lone$") as info, collapse_excgroups():
        raise ExceptionGroup("group", [error])
    assert info.value is error


def test_collapse_excgroups_unwraps_only_one_level() -> None:
    inner = ExceptionGroup("inner", [ValueError("deep")])
    with pytest.raises(ExceptionGroup) as info, collapse_excgroups():
        raise ExceptionGroup("outer", [inner])
    assert info.value is inner


def test_collapse_excgroups_keeps_groups_of_several_errors() -> None:
    group = ExceptionGroup("group", [ValueError("a"), TypeError("b")])
    with pytest.raises(ExceptionGroup) as info, collapse_excgroups():
        raise group
    assert info.value is group


def test_collapse_excgroups_passes_other_errors_through() -> None:
    error = KeyError("plain")
    with pytest.raises(KeyError) as info, collapse_excgroups():
        raise error
    assert info.value is error


def test_collapse_excgroups_without_errors() -> None:
    entered = False
    with collapse_excgroups():
        entered = True
    assert entered


# --- AwaitableOrContextManagerWrapper -------------------------------------------------------


class Resource:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


@pytest.mark.anyio
async def test_wrapper_can_be_awaited_without_closing() -> None:
    resource = Resource()

    async def produce() -> Resource:
        return resource

    assert await AwaitableOrContextManagerWrapper(produce()) is resource
    assert not resource.closed


@pytest.mark.anyio
async def test_wrapper_as_context_manager_closes_on_exit() -> None:
    resource = Resource()

    async def produce() -> Resource:
        return resource

    async with AwaitableOrContextManagerWrapper(produce()) as entered:
        assert entered is resource
        assert not resource.closed
    assert resource.closed


@pytest.mark.anyio
async def test_wrapper_closes_when_the_block_raises() -> None:
    resource = Resource()

    async def produce() -> Resource:
        return resource

    with pytest.raises(RuntimeError, match="^inside$"):
        async with AwaitableOrContextManagerWrapper(produce()):
            raise RuntimeError("inside")
    assert resource.closed


@pytest.mark.anyio
async def test_wrapper_exit_without_enter_does_nothing() -> None:
    async def produce() -> Resource:
        return Resource()  # pragma: no cover

    awaitable: Any = produce()
    wrapper = AwaitableOrContextManagerWrapper(awaitable)
    await wrapper.__aexit__(None, None, None)
    awaitable.close()


# --- exception group classes ---------------------------------------------------------------


def test_exception_group_classes_are_the_runtime_ones() -> None:
    group = BaseExceptionGroup("message", [ValueError("a")])
    assert isinstance(group, ExceptionGroup)
    assert group.message == "message"
    assert [str(exc) for exc in group.exceptions] == ["a"]


def test_is_original_sees_overrides_and_patches() -> None:
    class Base:
        def method(self) -> str:
            return "base"

    class Child(Base):
        def method(self) -> str:
            return "child"

    original = Base.method
    assert is_original(Base, "method", original)
    assert not is_original(Child, "method", original)
    assert not is_original(Base, "missing", original)

    def patched(self: Base) -> str:
        return "patched"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Base, "method", patched)
        assert not is_original(Base, "method", original)
    assert is_original(Base, "method", original)
