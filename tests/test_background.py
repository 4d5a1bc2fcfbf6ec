from __future__ import annotations

import functools
import threading

import pytest

from starlette.background import BackgroundTask, BackgroundTasks
from starlette.types import Message, Receive, Scope, Send


async def record_async(log: list[str], value: str, *, suffix: str = "") -> None:
    log.append(f"async:{value}{suffix}")


def record_sync(log: list[str], value: str, *, suffix: str = "") -> None:
    log.append(f"sync:{value}{suffix}")


class AsyncRecorder:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def __call__(self, value: str) -> None:
        self.log.append(f"object:{value}")


@pytest.mark.anyio
async def test_task_keeps_its_call() -> None:
    log: list[str] = []
    task = BackgroundTask(record_async, log, "a", suffix="!")
    assert task.func is record_async
    assert task.args == (log, "a")
    assert task.kwargs == {"suffix": "!"}
    assert task.is_async is True
    await task()
    assert log == ["async:a!"]


@pytest.mark.anyio
async def test_sync_task_runs_in_a_worker_thread() -> None:
    threads: list[int] = []
    task = BackgroundTask(lambda: threads.append(threading.get_ident()))
    assert task.is_async is False
    await task()
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


@pytest.mark.anyio
async def test_sync_task_with_arguments() -> None:
    log: list[str] = []
    await BackgroundTask(record_sync, log, "b", suffix="?")()
    assert log == ["sync:b?"]


@pytest.mark.anyio
async def test_async_task_runs_on_the_event_loop_thread() -> None:
    threads: list[int] = []

    async def remember_thread() -> None:
        threads.append(threading.get_ident())

    await BackgroundTask(remember_thread)()
    assert threads == [threading.get_ident()]


@pytest.mark.anyio
async def test_partial_of_coroutine_function_and_async_callable_object_are_awaited() -> None:
    log: list[str] = []
    partial_task = BackgroundTask(functools.partial(record_async, log), "p")
    object_task = BackgroundTask(AsyncRecorder(log), "o")
    assert partial_task.is_async and object_task.is_async
    await partial_task()
    await object_task()
    assert log == ["async:p", "object:o"]


@pytest.mark.anyio
async def test_task_errors_propagate() -> None:
    def fail() -> None:
        raise RuntimeError("task failed")

    with pytest.raises(RuntimeError, match="^task failed$"):
        await BackgroundTask(fail)()


@pytest.mark.anyio
async def test_tasks_run_in_order() -> None:
    log: list[str] = []
    tasks = BackgroundTasks()
    assert tasks.tasks == []
    tasks.add_task(record_sync, log, "1")
    tasks.add_task(record_async, log, "2")
    tasks.add_task(record_sync, log, "3", suffix=".")
    await tasks()
    assert log == ["sync:1", "async:2", "sync:3."]


@pytest.mark.anyio
async def test_tasks_from_initial_sequence() -> None:
    log: list[str] = []
    initial = [BackgroundTask(record_async, log, "x")]
    tasks = BackgroundTasks(initial)
    tasks.add_task(record_async, log, "y")
    assert len(initial) == 1, "the caller's sequence must not be mutated"
    await tasks()
    assert log == ["async:x", "async:y"]


@pytest.mark.anyio
async def test_tasks_stop_at_the_first_failure() -> None:
    log: list[str] = []

    async def fail() -> None:
        raise ValueError("second task failed")

    tasks = BackgroundTasks()
    tasks.add_task(record_async, log, "first")
    tasks.add_task(fail)
    tasks.add_task(record_async, log, "third")
    with pytest.raises(ValueError, match="^second task failed$"):
        await tasks()
    assert log == ["async:first"]


@pytest.mark.anyio
async def test_tasks_can_be_nested() -> None:
    log: list[str] = []
    inner = BackgroundTasks()
    inner.add_task(record_async, log, "inner")
    outer = BackgroundTasks([inner, BackgroundTask(record_sync, log, "outer")])
    await outer()
    assert log == ["async:inner", "sync:outer"]


@pytest.mark.anyio
async def test_tasks_run_after_the_response_is_sent_by_an_asgi_app() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        tasks = BackgroundTasks()
        tasks.add_task(record_async, events, "after")
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        await tasks()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}  # pragma: no cover

    async def send(message: Message) -> None:
        events.append(message["type"])

    await app({"type": "http", "method": "GET", "path": "/"}, receive, send)
    assert events == ["http.response.start", "http.response.body", "async:after"]
