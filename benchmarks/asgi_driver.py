"""Canned ASGI plumbing for in-process benchmarks: scopes, `receive` and `send` without a server.

Nothing here imports Starlette, so the same driver measures any ASGI application,
upstream Starlette and ours alike. The callables behave like a well-mannered
server: the request body is replayed chunk by chunk, and a further `receive`
waits until the response is complete and then reports a disconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, Protocol

__all__ = [
    "ASGIApp",
    "Exchange",
    "HTTPExchange",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "WebSocketExchange",
    "http_scope",
    "new_scope",
    "websocket_scope",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ASGIApp(Protocol):
    """Any ASGI 3 application."""

    def __call__(self, scope: Scope, receive: Receive, send: Send, /) -> Awaitable[None]:
        """Serve one connection."""
        ...


class Exchange(Protocol):
    """The server side of one connection: what the app receives and where its messages go."""

    async def receive(self) -> Message:
        """Return the next event for the application."""
        ...

    async def send(self, message: Message) -> None:
        """Take one event from the application."""
        ...


def _header_list(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


def http_scope(
    method: str,
    path: str,
    *,
    query_string: str = "",
    headers: Iterable[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Build an HTTP scope template as uvicorn would for a request to `http://example.com{path}`."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 51000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query_string.encode("latin-1"),
        "headers": _header_list([("host", "example.com"), *headers]),
    }


def websocket_scope(path: str, *, headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """Build a websocket scope template as uvicorn would for `ws://example.com{path}`."""
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 51000),
        "scheme": "ws",
        "root_path": "",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "headers": _header_list(
            [
                ("host", "example.com"),
                ("connection", "Upgrade"),
                ("upgrade", "websocket"),
                ("sec-websocket-version", "13"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
                *headers,
            ]
        ),
        "subprotocols": [],
    }


def new_scope(template: Scope) -> dict[str, Any]:
    """Copy a scope template for one request (apps write into their scope, so each request needs its own)."""
    scope = dict(template)
    scope["headers"] = list(template["headers"])
    scope["state"] = {}
    return scope


class HTTPExchange:
    """Replays a request body and records the response of one HTTP request."""

    __slots__ = ("_chunks", "_keep_body", "_next", "_waiter", "body", "complete", "headers", "size", "status")

    def __init__(self, chunks: Sequence[bytes] = (b"",), *, keep_body: bool = False) -> None:
        """Prepare to deliver `chunks` as the request body; keep the response body only if asked."""
        self._chunks = chunks
        self._keep_body = keep_body
        self._next = 0
        self._waiter: asyncio.Future[None] | None = None
        self.body: list[bytes] = []
        self.complete = False
        self.headers: list[tuple[bytes, bytes]] = []
        self.size = 0
        self.status = 0

    async def receive(self) -> Message:
        """Return the next body chunk; once they are all delivered, wait for the response and disconnect."""
        index = self._next
        chunks = self._chunks
        if index < len(chunks):
            self._next = index + 1
            return {"type": "http.request", "body": chunks[index], "more_body": index + 1 < len(chunks)}
        if not self.complete:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            await waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        """Record the status, headers and body size of the response."""
        kind = message["type"]
        if kind == "http.response.body":
            body: bytes = message.get("body", b"")
            self.size += len(body)
            if self._keep_body:
                self.body.append(body)
            if not message.get("more_body", False):
                self._finish()
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        else:
            raise RuntimeError(f"unexpected message {kind!r}")

    def header(self, name: bytes) -> bytes | None:
        """Return the first response header called `name` (lower case), if any."""
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def _finish(self) -> None:
        self.complete = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class WebSocketExchange:
    """Plays a websocket client that connects, sends `messages` one at a time and waits for the close."""

    __slots__ = ("_connected", "_messages", "_next", "_waiter", "accepted", "closed", "received")

    def __init__(self, messages: Sequence[str]) -> None:
        """Prepare to send `messages` (text frames) after the handshake."""
        self._connected = False
        self._messages = messages
        self._next = 0
        self._waiter: asyncio.Future[None] | None = None
        self.accepted = False
        self.closed = False
        self.received: list[str] = []

    async def receive(self) -> Message:
        """Connect, then deliver the messages, then wait for the app to close and report the disconnect."""
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        index = self._next
        if index < len(self._messages):
            self._next = index + 1
            return {"type": "websocket.receive", "text": self._messages[index]}
        if not self.closed:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            await waiter
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(self, message: Message) -> None:
        """Record the accept, each echoed message and the close."""
        kind = message["type"]
        if kind == "websocket.send":
            self.received.append(message["text"])
        elif kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.close":
            self.closed = True
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(None)
        else:
            raise RuntimeError(f"unexpected message {kind!r}")
