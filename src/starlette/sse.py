"""Server-sent events: `ServerSentEvent` and `EventSourceResponse`.

An event stream (`text/event-stream`, WHATWG HTML "Server-sent events") is a
long-lived response whose body is a sequence of events, each a few
`field: value` lines ended by a blank line. Browsers read it with
`EventSource`, which reconnects by itself and then sends the id of the last
event it saw in the `Last-Event-ID` request header (see `last_event_id`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, TypeAlias, Union

import anyio

from starlette._utils import create_collapsing_task_group
from starlette.background import BackgroundTask
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

__all__ = ["EventContent", "EventSourceResponse", "EventStream", "ServerSentEvent", "last_event_id"]

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_PING: Final[bytes] = b": ping\n\n"


class ServerSentEvent:
    """One event of an event stream.

    Args:
        data: The payload; each of its lines (split at CR, LF or CRLF) becomes a `data:` line.
        event: The event type (`message` on the client when not given).
        id: The event id the client sends back in `Last-Event-ID` when it reconnects.
        retry: The reconnection delay the client should use, in milliseconds.
        comment: A comment, ignored by clients (each line becomes a `:` line).

    Raises:
        ValueError: `id` contains a line break or NUL, `event` a line break, or `retry` is negative.
    """

    data: str | None
    """The payload."""
    event: str | None
    """The event type."""
    id: str | None
    """The event id."""
    retry: int | None
    """The reconnection delay in milliseconds."""
    comment: str | None
    """A comment for the reader of the raw stream."""

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: str | None = None,
        *,
        event: str | None = None,
        id: str | None = None,  # the field's name in the specification
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if id is not None and ("\0" in id or _LINE_BREAK.search(id)):
            raise ValueError("The id of a server-sent event must not contain a line break or NUL")
        if event is not None and _LINE_BREAK.search(event):
            raise ValueError("The type of a server-sent event must not contain a line break")
        if retry is not None and retry < 0:
            raise ValueError("The retry delay of a server-sent event must not be negative")
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment

    def encode(self) -> bytes:
        """The event in the event-stream format (UTF-8), ended by a blank line."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(self.data))
        lines.append("\n")
        return "\n".join(lines).encode("utf-8")

    def __repr__(self) -> str:
        """E.g. `ServerSentEvent(data='tick', event='clock', id='3')`."""
        fields = ", ".join(
            f"{name}={value!r}"
            for name in ("data", "event", "id", "retry", "comment")
            if (value := getattr(self, name)) is not None
        )
        return f"ServerSentEvent({fields})"


EventContent: TypeAlias = Union[ServerSentEvent, str, bytes, Mapping[str, Any]]
"""What an event stream yields: an event, a data string or UTF-8 bytes, or the keyword arguments of an event."""

EventStream: TypeAlias = Union[AsyncIterable[EventContent], Iterable[EventContent]]
"""The content of an `EventSourceResponse`: a sync or async iterable of events."""


def _encode(item: EventContent) -> bytes:
    """One item of an event stream, encoded."""
    if isinstance(item, ServerSentEvent):
        return item.encode()
    if isinstance(item, str):
        return ServerSentEvent(item).encode()
    if isinstance(item, bytes):
        return ServerSentEvent(item.decode("utf-8")).encode()
    return ServerSentEvent(**item).encode()


def last_event_id(connection: HTTPConnection[Any]) -> str | None:
    """The `Last-Event-ID` a reconnecting `EventSource` sends: the id of the last event it saw, or `None`."""
    return connection.headers.get("last-event-id")


class EventSourceResponse(StreamingResponse):
    """A stream of server-sent events, sent as `content` produces them.

    The response is sent with `Content-Type: text/event-stream`,
    `Cache-Control: no-cache` and `X-Accel-Buffering: no` (which tells nginx
    not to buffer it). When no event has been sent for `ping` seconds, a
    comment is sent so that proxies keep the connection open. When the client
    disconnects, iteration stops at once: an async generator is closed, so its
    `finally` blocks run.

    Args:
        content: The events: a sync (iterated in a worker thread) or async iterable
            of `ServerSentEvent`s, data strings, UTF-8 bytes or mappings of event fields.
        status_code: The response status.
        headers: Extra response headers.
        media_type: The media type (`text/event-stream`).
        background: A task run after the stream ends.
        ping: Seconds of silence after which a comment is sent; `None` sends none.

    Raises:
        ValueError: `ping` is not positive.
    """

    media_type: str | None = "text/event-stream"
    ping: float | None
    """Seconds of silence after which a keep-alive comment is sent."""
    _last_sent: float = 0.0

    def __init__(
        self,
        content: EventStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        *,
        ping: float | None = 15.0,
    ) -> None:
        if ping is not None and not ping > 0:
            raise ValueError("ping must be a positive number of seconds, or None")
        self.ping = ping
        self._events: AsyncIterable[EventContent] = (
            content if isinstance(content, AsyncIterable) else iterate_in_threadpool(content)
        )
        super().__init__(self._encoded(), status_code, headers, media_type, background)
        self.headers.setdefault("cache-control", "no-cache")
        self.headers.setdefault("x-accel-buffering", "no")

    async def _encoded(self) -> AsyncIterator[bytes]:
        async for item in self._events:
            yield _encode(item)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the events until they end or the client disconnects, then run the background task."""
        lock = anyio.Lock()

        async def locked_send(message: Message) -> None:
            async with lock:
                await send(message)
                self._last_sent = anyio.current_time()

        async def send_ping() -> None:
            # Never before the start message: the first ping waits `ping` seconds, and the lock is
            # taken first by the start. Never after the last body message: the stream is cancelled
            # right after it, with no checkpoint between.
            await locked_send({"type": "http.response.body", "body": _PING, "more_body": True})

        try:
            async with create_collapsing_task_group() as task_group:

                async def until_disconnect() -> None:
                    await self.listen_for_disconnect(receive)
                    task_group.cancel_scope.cancel()

                task_group.start_soon(until_disconnect)
                if self.ping is not None:
                    task_group.start_soon(self._keep_alive, send_ping, self.ping, task_group.cancel_scope)
                try:
                    await self.stream_response(locked_send)
                except OSError:  # the server reports the disconnect by failing `send`
                    pass
                task_group.cancel_scope.cancel()
        finally:
            await _close(self.body_iterator)
            await _close(self._events)
        if self.background is not None:
            await self.background()

    async def _keep_alive(
        self, send_ping: Callable[[], Awaitable[None]], ping: float, scope: anyio.CancelScope
    ) -> None:
        """Send a comment whenever nothing has been sent for `ping` seconds; stop the stream if that fails."""
        self._last_sent = anyio.current_time()
        while True:
            delay = self._last_sent + ping - anyio.current_time()
            if delay > 0:
                await anyio.sleep(delay)
                continue
            try:
                await send_ping()
            except OSError:  # the client has gone
                scope.cancel()
                return

    def __repr__(self) -> str:
        """E.g. `EventSourceResponse(status_code=200, ping=15.0)`."""
        return f"{type(self).__name__}(status_code={self.status_code}, ping={self.ping})"


async def _close(events: AsyncIterable[Any]) -> None:
    """Close `events` if it is an async generator (its `finally` blocks run now), shielded from cancellation."""
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        with anyio.CancelScope(shield=True):
            await aclose()
