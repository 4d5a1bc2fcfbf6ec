"""Typing cases for `starlette.sse`: events, the response and `last_event_id`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TypedDict

from typing_extensions import assert_type

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.sse import EventContent, EventSourceResponse, EventStream, ServerSentEvent, last_event_id

event = ServerSentEvent("tick", event="clock", id="1", retry=1000, comment="keep")
assert_type(event.encode(), bytes)
assert_type(event.data, "str | None")
assert_type(event.retry, "int | None")


async def clock() -> AsyncIterator[ServerSentEvent]:
    yield event


def mixed() -> Iterator[EventContent]:
    yield "text"
    yield b"bytes"
    yield {"data": "fields", "event": "custom"}
    yield event


class ClockState(TypedDict):
    ticks: int


async def typed_state(request: Request[ClockState]) -> EventSourceResponse:
    assert_type(last_event_id(request), "str | None")
    return EventSourceResponse([ServerSentEvent(str(request.state["ticks"]))])


async def stream(request: Request) -> StreamingResponse:
    resume_after: str | None = last_event_id(request)
    content: EventStream = clock() if resume_after is None else mixed()
    response = EventSourceResponse(content, ping=None, headers={"x-stream": "1"})
    assert_type(response.ping, "float | None")
    return response


EventSourceResponse([1, 2])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
ServerSentEvent("x", retry="10")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
EventSourceResponse([], ping="15")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
