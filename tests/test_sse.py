from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import Route
from starlette.sse import EventSourceResponse, ServerSentEvent, last_event_id
from starlette.types import Message
from tests.utils import TestClientFactory


def parse(stream: str) -> list[dict[str, str]]:
    """A small event-stream parser following the WHATWG algorithm (enough for these tests)."""
    events: list[dict[str, str]] = []
    data: list[str] = []
    fields: dict[str, str] = {}
    for line in stream.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if data:
                events.append({**fields, "data": "\n".join(data)})
            data, fields = [], {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        else:
            fields[name] = value
    return events


# --------------------------------------------------------------------------- encoding


def test_spec_example_multiline_data() -> None:
    # The specification's example: "data: YHOO\ndata: +2\ndata: 10" is one message with two line feeds.
    encoded = ServerSentEvent("YHOO\n+2\n10").encode()
    assert encoded == b"data: YHOO\ndata: +2\ndata: 10\n\n"
    assert parse(encoded.decode()) == [{"data": "YHOO\n+2\n10"}]


def test_spec_example_event_types_and_ids() -> None:
    encoded = ServerSentEvent("second", event="add", id="42", retry=1000).encode()
    assert encoded == b"event: add\nid: 42\nretry: 1000\ndata: second\n\n"
    assert parse(encoded.decode()) == [{"event": "add", "id": "42", "retry": "1000", "data": "second"}]


def test_spec_example_ids_and_leading_spaces() -> None:
    # The specification's example: an id, an empty id (which resets the last event id), and data
    # keeping one of its two leading spaces ("data:  third event").
    stream = b"".join(
        [
            ServerSentEvent("first event", id="1").encode(),
            ServerSentEvent("second event", id="").encode(),
            ServerSentEvent(" third event").encode(),
        ]
    )
    assert stream == b"id: 1\ndata: first event\n\nid: \ndata: second event\n\ndata:  third event\n\n"
    assert parse(stream.decode()) == [
        {"id": "1", "data": "first event"},
        {"id": "", "data": "second event"},
        {"data": " third event"},
    ]


@pytest.mark.parametrize("data", ["a\r\nb", "a\rb", "a\nb"])
def test_every_line_break_splits_data(data: str) -> None:
    assert ServerSentEvent(data).encode() == b"data: a\ndata: b\n\n"


def test_leading_space_and_empty_lines_survive() -> None:
    data = " indented\n\nlast"
    assert parse(ServerSentEvent(data).encode().decode()) == [{"data": data}]


def test_comment_lines() -> None:
    assert ServerSentEvent(comment="one\r\ntwo").encode() == b": one\n: two\n\n"


def test_unicode_is_utf8() -> None:
    assert ServerSentEvent("π").encode() == "data: π\n\n".encode()


@pytest.mark.parametrize("bad_id", ["a\nb", "a\rb", "a\0b"])
def test_id_with_line_break_or_nul_is_refused(bad_id: str) -> None:
    with pytest.raises(ValueError, match="id of a server-sent event"):
        ServerSentEvent("x", id=bad_id)


def test_event_type_with_line_break_and_negative_retry_are_refused() -> None:
    with pytest.raises(ValueError, match="type of a server-sent event"):
        ServerSentEvent("x", event="a\nb")
    with pytest.raises(ValueError, match="must not be negative"):
        ServerSentEvent("x", retry=-1)


def test_repr() -> None:
    assert repr(ServerSentEvent("tick", event="clock", id="3")) == "ServerSentEvent(data='tick', event='clock', id='3')"
    assert repr(EventSourceResponse([], ping=None)) == "EventSourceResponse(status_code=200, ping=None)"


def test_ping_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ping must be a positive"):
        EventSourceResponse([], ping=0)


# --------------------------------------------------------------------------- responses


def test_headers_and_every_kind_of_item(test_client_factory: TestClientFactory) -> None:
    def events() -> Iterator[Any]:
        yield ServerSentEvent("one", id="1")
        yield "two"
        yield b"three"
        yield {"data": "four", "event": "custom"}

    async def endpoint(request: Request) -> EventSourceResponse:
        return EventSourceResponse(events(), headers={"x-extra": "1"})

    client = test_client_factory(Starlette(routes=[Route("/", endpoint)]))
    response = client.get("/")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-extra"] == "1"
    assert "content-length" not in response.headers
    assert parse(response.text) == [
        {"id": "1", "data": "one"},
        {"data": "two"},
        {"data": "three"},
        {"event": "custom", "data": "four"},
    ]


def test_reconnecting_client_resumes_after_last_event_id(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> EventSourceResponse:
        start = int(last_event_id(request) or 0) + 1

        async def events() -> AsyncIterator[ServerSentEvent]:
            for number in range(start, start + 3):
                yield ServerSentEvent(str(number), id=str(number))

        return EventSourceResponse(events())

    client = test_client_factory(Starlette(routes=[Route("/", endpoint)]))
    first = parse(client.get("/").text)
    assert [event["id"] for event in first] == ["1", "2", "3"]
    resumed = parse(client.get("/", headers={"Last-Event-ID": first[-1]["id"]}).text)
    assert [event["id"] for event in resumed] == ["4", "5", "6"]


def test_gzip_passes_event_streams_through(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> EventSourceResponse:
        return EventSourceResponse(["x" * 1000])

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(GZipMiddleware, minimum_size=1)])
    response = test_client_factory(app).get("/", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert parse(response.text) == [{"data": "x" * 1000}]


class Peer:
    """Drives an ASGI response by hand: records what it sends, disconnects on demand."""

    def __init__(self, asgi_version: str = "2.3") -> None:
        self.scope: dict[str, Any] = {"type": "http", "asgi": {"version": "3.0", "spec_version": asgi_version}}
        self.disconnect = anyio.Event()
        self.sent: list[Message] = []
        self.body_sent = anyio.Event()
        self.bodies_wanted = 1

    async def receive(self) -> Message:
        await self.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if len(self.bodies()) >= self.bodies_wanted:
            self.body_sent.set()

    def bodies(self) -> list[bytes]:
        return [message["body"] for message in self.sent if message["type"] == "http.response.body"]


@pytest.mark.anyio
async def test_ping_when_idle() -> None:
    peer = Peer()
    peer.bodies_wanted = 2
    release = anyio.Event()

    async def events() -> AsyncIterator[str]:
        yield "first"
        await release.wait()

    response = EventSourceResponse(events(), ping=0.001)
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(response, peer.scope, peer.receive, peer.send)
        await peer.body_sent.wait()
        release.set()
    assert peer.bodies()[:2] == [b"data: first\n\n", b": ping\n\n"]
    assert peer.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


@pytest.mark.anyio
async def test_disconnect_runs_generator_cleanup_at_once() -> None:
    peer = Peer()
    cleaned_up = anyio.Event()
    ran_background: list[bool] = []

    async def events() -> AsyncIterator[str]:
        try:
            yield "hello"
            await anyio.sleep_forever()
        finally:
            cleaned_up.set()

    async def background() -> None:
        ran_background.append(True)

    response = EventSourceResponse(events(), background=BackgroundTask(background))
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(response, peer.scope, peer.receive, peer.send)
        await peer.body_sent.wait()
        peer.disconnect.set()
        await cleaned_up.wait()
    assert peer.bodies() == [b"data: hello\n\n"]
    assert ran_background == [True]


@pytest.mark.anyio
async def test_failing_send_ends_the_stream_quietly() -> None:
    closed: list[bool] = []

    async def events() -> AsyncIterator[str]:
        try:
            while True:
                yield "tick"
        finally:
            closed.append(True)

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("connection reset")

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    await EventSourceResponse(events(), ping=None)({"type": "http"}, receive, send)
    assert closed == [True]


@pytest.mark.anyio
async def test_an_error_in_the_generator_propagates_unwrapped() -> None:
    peer = Peer()

    async def events() -> AsyncIterator[str]:
        yield "x"
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        await EventSourceResponse(events())(peer.scope, peer.receive, peer.send)


class Countdown:
    """An async iterable that is not a generator (it has no `aclose`)."""

    def __init__(self, start: int) -> None:
        self.left = start

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> str:
        if self.left == 0:
            raise StopAsyncIteration
        self.left -= 1
        return str(self.left)


def test_async_iterable_without_aclose(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> EventSourceResponse:
        return EventSourceResponse(Countdown(2))

    response = test_client_factory(Starlette(routes=[Route("/", endpoint)])).get("/")
    assert parse(response.text) == [{"data": "1"}, {"data": "0"}]


@pytest.mark.anyio
async def test_failing_ping_ends_the_stream() -> None:
    closed: list[bool] = []

    async def events() -> AsyncIterator[str]:
        try:
            yield "only"
            await anyio.sleep_forever()
        finally:
            closed.append(True)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        if message.get("body") == b": ping\n\n":
            raise OSError("connection reset")
        sent.append(message)

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    await EventSourceResponse(events(), ping=0.001)({"type": "http"}, receive, send)
    assert closed == [True]
    assert [message.get("body") for message in sent] == [None, b"data: only\n\n"]
