from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import aclosing

import anyio
import pytest

from starlette import concurrency as concurrency_module
from starlette._utils import BaseExceptionGroup
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete
from starlette.exceptions import StarletteDeprecationWarning

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


# --- run_in_threadpool ---------------------------------------------------------------------


def describe(prefix: str, value: int, *, suffix: str = "") -> str:
    return f"{prefix}{value}{suffix}"


@pytest.mark.anyio
async def test_run_in_threadpool_passes_args_and_kwargs() -> None:
    assert await run_in_threadpool(describe, "#", 3) == "#3"
    assert await run_in_threadpool(describe, "#", value=4, suffix="!") == "#4!"


@pytest.mark.anyio
async def test_run_in_threadpool_runs_in_a_worker_thread() -> None:
    worker = await run_in_threadpool(threading.get_ident)
    assert worker != threading.get_ident()


@pytest.mark.anyio
async def test_run_in_threadpool_sees_context_variables() -> None:
    token = request_id.set("abc")
    try:
        assert await run_in_threadpool(request_id.get) == "abc"
    finally:
        request_id.reset(token)


@pytest.mark.anyio
async def test_run_in_threadpool_propagates_exceptions() -> None:
    def fail(message: str) -> None:
        raise LookupError(message)

    with pytest.raises(LookupError, match="^missing$"):
        await run_in_threadpool(fail, "missing")


# --- iterate_in_threadpool -----------------------------------------------------------------


@pytest.mark.anyio
async def test_iterate_in_threadpool_yields_every_item() -> None:
    items = [item async for item in iterate_in_threadpool(["a", "b", "c"])]
    assert items == ["a", "b", "c"]


@pytest.mark.anyio
async def test_iterate_in_threadpool_empty_iterable() -> None:
    empty: list[int] = []
    items = [item async for item in iterate_in_threadpool(empty)]
    assert items == []


@pytest.mark.anyio
async def test_iterate_in_threadpool_keeps_falsy_and_none_items() -> None:
    items = [item async for item in iterate_in_threadpool([None, 0, "", None])]
    assert items == [None, 0, "", None]


@pytest.mark.anyio
async def test_iterate_in_threadpool_advances_the_iterator_in_worker_threads() -> None:
    event_loop_thread = threading.get_ident()
    seen_threads: list[int] = []

    def produce() -> Iterator[int]:
        for number in range(3):
            seen_threads.append(threading.get_ident())
            yield number
        seen_threads.append(threading.get_ident())

    assert [number async for number in iterate_in_threadpool(produce())] == [0, 1, 2]
    assert len(seen_threads) == 4
    assert event_loop_thread not in seen_threads


@pytest.mark.anyio
async def test_iterate_in_threadpool_propagates_iterator_errors() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise ValueError("broken stream")

    received: list[int] = []
    with pytest.raises(ValueError, match="^broken stream$"):
        async for number in iterate_in_threadpool(produce()):
            received += [number]
    assert received == [1]


@pytest.mark.anyio
async def test_iterate_in_threadpool_raising_stop_iteration_inside_a_generator() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise StopIteration  # Python turns this into RuntimeError inside a generator.

    with pytest.raises(RuntimeError, match="generator raised StopIteration"):
        async for _ in iterate_in_threadpool(produce()):
            pass


@pytest.mark.anyio
async def test_iterate_in_threadpool_is_lazy() -> None:
    pulled: list[int] = []

    def produce() -> Iterator[int]:
        for number in range(100):
            pulled.append(number)
            yield number

    async with aclosing(iterate_in_threadpool(produce())) as iterator:
        assert await iterator.__anext__() == 0
        assert await iterator.__anext__() == 1
    assert pulled == [0, 1]


# --- run_until_first_complete --------------------------------------------------------------


DEPRECATION_MESSAGE = r"^run_until_first_complete is deprecated and will be removed in a future version\.$"


@pytest.mark.anyio
async def test_run_until_first_complete_cancels_the_others() -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def quick(name: str) -> None:
        finished.append(name)

    async def forever(name: str) -> None:
        try:
            await anyio.Event().wait()
        except anyio.get_cancelled_exc_class():
            cancelled.append(name)
            raise

    with pytest.warns(StarletteDeprecationWarning, match=DEPRECATION_MESSAGE):
        await run_until_first_complete((forever, {"name": "slow"}), (quick, {"name": "fast"}))
    assert finished == ["fast"]
    assert cancelled == ["slow"]


@pytest.mark.anyio
async def test_run_until_first_complete_with_nothing_to_run() -> None:
    with pytest.warns(StarletteDeprecationWarning, match=DEPRECATION_MESSAGE):
        await run_until_first_complete()


@pytest.mark.anyio
async def test_run_until_first_complete_propagates_a_failure_in_a_group() -> None:
    async def fail() -> None:
        raise KeyError("boom")

    async def forever() -> None:
        await anyio.Event().wait()

    with (
        pytest.warns(StarletteDeprecationWarning, match=DEPRECATION_MESSAGE),
        pytest.raises(BaseExceptionGroup) as info,
    ):
        await run_until_first_complete((forever, {}), (fail, {}))
    assert type(info.value).__name__ == "ExceptionGroup"  # as upstream's, from an anyio task group
    assert [type(error) for error in info.value.exceptions] == [KeyError]


@pytest.mark.anyio
async def test_run_until_first_complete_warns_from_its_module() -> None:
    async def quick() -> None:
        pass

    with pytest.warns(StarletteDeprecationWarning) as record:
        await run_until_first_complete((quick, {}))
    assert record[0].filename == concurrency_module.__file__  # as upstream attributes it
