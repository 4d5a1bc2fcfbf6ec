"""Typing cases for the foundation modules: status, exceptions, config, convertors, concurrency, background, _utils."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal

import anyio.abc
from typing_extensions import assert_type

from starlette import status
from starlette._utils import (
    AwaitableOrContextManager,
    AwaitableOrContextManagerWrapper,
    collapse_excgroups,
    create_collapsing_task_group,
    get_route_path,
    is_async_callable,
)
from starlette.background import BackgroundTask, BackgroundTasks
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete
from starlette.config import Config, Environ, EnvironError, environ, undefined
from starlette.convertors import (
    CONVERTOR_TYPES,
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
    register_url_convertor,
)
from starlette.datastructures import CommaSeparatedStrings, Secret
from starlette.exceptions import HTTPException, StarletteDeprecationWarning, WebSocketException
from starlette.types import Scope

# --- status ---------------------------------------------------------------------------------

ok_code: int = status.HTTP_200_OK
assert_type(status.HTTP_404_NOT_FOUND, Literal[404])
assert_type(status.WS_1000_NORMAL_CLOSURE, Literal[1000])
assert_type(status.HTTP_422_UNPROCESSABLE_CONTENT, Literal[422])
# Pre-RFC 9110 names stay visible (code written for upstream uses them); they warn at run time.
assert_type(status.HTTP_422_UNPROCESSABLE_ENTITY, Literal[422])
assert_type(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, Literal[413])
status.HTTP_999_MADE_UP  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-attribute]
not_a_str: str = status.HTTP_204_NO_CONTENT  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

# --- exceptions -----------------------------------------------------------------------------

http_exc = HTTPException(404)
assert_type(http_exc.status_code, int)
assert_type(http_exc.detail, str)
assert_type(http_exc.headers, Mapping[str, str] | None)
HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Log in", headers={"WWW-Authenticate": "Bearer"})
HTTPException("404")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
HTTPException(404, headers={"x": 1})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
HTTPException(404, detail=b"gone")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

ws_exc = WebSocketException(status.WS_1008_POLICY_VIOLATION, reason="nope")
assert_type(ws_exc.code, int)
assert_type(ws_exc.reason, str)
WebSocketException(1008, reason=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
WebSocketException()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]

deprecation: UserWarning = StarletteDeprecationWarning("old")
not_an_exception: HTTPException = StarletteDeprecationWarning("x")  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

# --- config ---------------------------------------------------------------------------------

config = Config(".env")
Config(Path(".env"), environ={"A": "1"}, env_prefix="APP_", encoding="latin-1")
Config(environ=Environ({"A": "1"}))
assert_type(config.environ, Mapping[str, str])
assert_type(config.env_prefix, str)
assert_type(config.file_values, dict[str, str])
assert_type(environ, Environ)
assert_type(environ["HOME"], str)
environ["DEBUG"] = "true"
env_error: Exception = EnvironError("x")
sentinel: type[undefined] = undefined


def parse_list(value: str) -> list[str]:
    return value.split(",")


def parse_int_only(value: int) -> int:
    return value


assert_type(config("DATABASE_URL"), str)
assert_type(config.get("DATABASE_URL"), str)
assert_type(config("NAME", default="anonymous"), str)
assert_type(config("NAME", default=None), str | None)
assert_type(config.get("NAME", default=None), str | None)
assert_type(config("NAME", None, None), str | None)
assert_type(config("PORT", cast=int), int)
assert_type(config.get("PORT", cast=int), int)
assert_type(config("PORT", cast=int, default=8000), int)
assert_type(config("PORT", cast=int, default="8000"), int)
assert_type(config("PORT", cast=int, default=None), int | None)
assert_type(config("DEBUG", cast=bool), bool)
assert_type(config("DEBUG", cast=bool, default=False), bool)
assert_type(config("RATIO", cast=float, default=0.5), float)  # ty: ignore[type-assertion-failure]  # ty-only: ty infers the unsolved-default form `float*`
assert_type(config("HOSTS", cast=parse_list), list[str])
assert_type(config("HOSTS", cast=parse_list, default=None), list[str] | None)
assert_type(config("ROOT", cast=Path), Path)
assert_type(config("ID", cast=lambda value: value.upper()), str)
assert_type(config("SECRET_KEY", cast=Secret), Secret)
assert_type(config("ALLOWED_HOSTS", cast=CommaSeparatedStrings), CommaSeparatedStrings)
assert_type(config("ALLOWED_HOSTS", cast=CommaSeparatedStrings, default="a,b"), CommaSeparatedStrings)

config(1)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
config("PORT", cast="int")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
config("PORT", cast=parse_int_only)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
config("PORT", cast=lambda: 1)  # type: ignore[arg-type, misc]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
port_as_str: str = config("PORT", cast=int)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
maybe_name: str = config("NAME", default=None)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
maybe_port: int = config("PORT", cast=int, default=None)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
Config(env_file=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Config(environ={"A": 1})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
environ["PORT"] = 8000  # type: ignore[assignment]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-assignment]

# --- convertors -----------------------------------------------------------------------------


class DateConvertor(Convertor[tuple[int, int, int]]):
    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def convert(self, value: str) -> tuple[int, int, int]:
        year, month, day = value.split("-")
        return int(year), int(month), int(day)

    def to_string(self, value: tuple[int, int, int]) -> str:
        return "{:04d}-{:02d}-{:02d}".format(*value)


register_url_convertor("date", DateConvertor())
assert_type(DateConvertor().convert("2024-01-02"), tuple[int, int, int])
assert_type(StringConvertor().convert("a"), str)
assert_type(PathConvertor().convert("a/b"), str)
assert_type(IntegerConvertor().convert("1"), int)
assert_type(FloatConvertor().convert("1.5"), float)
assert_type(UUIDConvertor().convert("00000000-0000-0000-0000-000000000000"), uuid.UUID)
assert_type(StringConvertor.regex, str)
assert_type(StringConvertor().to_string("a"), str)
assert_type(FloatConvertor().to_string(2.5), str)
assert_type(UUIDConvertor().to_string(uuid.uuid4()), str)
assert_type(CONVERTOR_TYPES, dict[str, Convertor[Any]])
int_convertor: Convertor[int] = IntegerConvertor()
IntegerConvertor().to_string("1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
UUIDConvertor().to_string("00000000-0000-0000-0000-000000000000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
str_convertor: Convertor[str] = IntegerConvertor()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
register_url_convertor("date", DateConvertor)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


class BadConvertor(Convertor[int]):
    def convert(self, value: str) -> str:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]  # ty: ignore[incompatible-method-override]
        return value


# --- concurrency ----------------------------------------------------------------------------


def blocking_add(a: int, b: int, *, scale: int = 1) -> int:
    return (a + b) * scale


def numbers() -> Iterator[int]:
    yield 1


async def sleeper(seconds: float) -> None: ...


async def use_concurrency() -> None:
    assert_type(await run_in_threadpool(blocking_add, 1, 2), int)
    assert_type(await run_in_threadpool(blocking_add, 1, b=2, scale=3), int)
    assert_type(await run_in_threadpool(str.upper, "a"), str)
    assert_type(iterate_in_threadpool(numbers()), AsyncGenerator[int, None])
    assert_type(iterate_in_threadpool(["a", "b"]), AsyncGenerator[str, None])
    async for number in iterate_in_threadpool(numbers()):
        assert_type(number, int)
    await run_until_first_complete((sleeper, {"seconds": 1}), (sleeper, {"seconds": 2}))

    await run_in_threadpool(blocking_add, 1, "2")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await run_in_threadpool(blocking_add, 1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    await run_in_threadpool(blocking_add, 1, 2, colour=3)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
    iterate_in_threadpool(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await run_until_first_complete((sleeper, 1))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


# --- background -----------------------------------------------------------------------------


async def send_email(to: str, *, subject: str = "") -> None: ...


def write_log(line: str) -> bool:
    return True


task = BackgroundTask(send_email, "a@example.com", subject="hi")
BackgroundTask(write_log, "started")
assert_type(task.func, Callable[..., object])
assert_type(task.args, tuple[Any, ...])
assert_type(task.kwargs, dict[str, Any])
assert_type(task.is_async, bool)
tasks = BackgroundTasks([task])
BackgroundTasks()
tasks.add_task(write_log, line="done")
assert_type(tasks.tasks, list[BackgroundTask])
single_as_task: BackgroundTask = tasks
BackgroundTask(send_email, 1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
BackgroundTask(send_email)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
BackgroundTask(send_email, "a@example.com", subjekt="hi")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
tasks.add_task(write_log, 1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
BackgroundTasks([write_log])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


async def run_tasks() -> None:
    assert_type(await task(), None)
    assert_type(await tasks(), None)


# --- _utils ---------------------------------------------------------------------------------


def check_utils(
    scope: Scope,
    handler: Callable[[int], Awaitable[str]] | Callable[[int], str],
    async_handler: Callable[[int], Awaitable[str]],
    anything: object,
) -> None:
    assert_type(get_route_path(scope), str)
    assert_type(is_async_callable(handler), bool)  # ty: ignore[assert-type-unspellable-subtype]  # ty-only: ty gives a `TypeIs` call the type `TypeIs[...]`, not `bool`
    # `TypeIs` (as upstream): the callable keeps its own signature when narrowed.
    if is_async_callable(handler):
        assert_type(handler, Callable[[int], Awaitable[str]])  # ty: ignore[type-assertion-failure]  # ty-only: ty's `TypeIs` narrowing keeps an intersection for the sync member
    if is_async_callable(async_handler):
        assert_type(async_handler, Callable[[int], Awaitable[str]])
    if is_async_callable(anything):
        assert_type(anything, Callable[..., Awaitable[Any]])
    get_route_path()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    collapse_excgroups(1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]


class Resource:
    async def close(self) -> None: ...


async def make_resource() -> Resource:
    return Resource()


async def use_utils() -> None:
    async with create_collapsing_task_group() as task_group:
        assert_type(task_group, anyio.abc.TaskGroup)
    collapsing: AbstractAsyncContextManager[anyio.abc.TaskGroup] = create_collapsing_task_group()
    async with collapsing:
        pass
    with collapse_excgroups():
        pass
    wrapper = AwaitableOrContextManagerWrapper(make_resource())
    assert_type(await wrapper, Resource)
    async with AwaitableOrContextManagerWrapper(make_resource()) as resource:
        assert_type(resource, Resource)
    either: AwaitableOrContextManager[Resource] = AwaitableOrContextManagerWrapper(make_resource())
    assert_type(await either, Resource)
    AwaitableOrContextManagerWrapper(sleeper(1))  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
