"""Response classes: ASGI applications that send one HTTP response.

A response is built from its content, status code and headers, then sent by
calling it as an ASGI application: `await response(scope, receive, send)`.
Called with a `websocket` scope, every response class sends the websocket
denial messages (`websocket.http.response.start` / `...body`) instead.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import http.cookies
import json
import os
import re
import stat
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from email.utils import format_datetime, formatdate, mktime_tz, parsedate_tz
from mimetypes import guess_type  # looked up here at call time: code patches `starlette.responses.guess_type`
from secrets import token_hex
from typing import Any, Literal, TypeAlias, Union, cast
from urllib.parse import quote

import anyio
import anyio.lowlevel
import anyio.to_thread

from starlette._cache import BoundedCache
from starlette._utils import create_collapsing_task_group
from starlette.background import BackgroundTask
from starlette.concurrency import iterate_in_threadpool
from starlette.datastructures import URL, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

__all__ = [
    "AsyncContentStream",
    "Content",
    "ContentStream",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "MalformedRangeHeader",
    "PlainTextResponse",
    "RangeNotSatisfiable",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "SyncContentStream",
]

Content: TypeAlias = Union[str, bytes, memoryview]
"""One chunk of a streamed body; strings are encoded with the response charset."""

SyncContentStream: TypeAlias = Iterable[Content]
"""A blocking iterable of body chunks, advanced in a worker thread."""

AsyncContentStream: TypeAlias = AsyncIterable[Content]
"""An asynchronous iterable of body chunks."""

ContentStream: TypeAlias = Union[AsyncContentStream, SyncContentStream]
"""Anything `StreamingResponse` can stream."""

SameSite: TypeAlias = Literal["lax", "strict", "none"]
"""The values of a cookie's `SameSite` attribute."""

_SAMESITE_VALUES = frozenset({"lax", "strict", "none"})

# Control characters and `;` would end a cookie attribute early or split the header.
_COOKIE_ATTRIBUTE_FORBIDDEN = frozenset(chr(code) for code in (*range(0x20), 0x7F)) | {";"}

# RFC 9110 15.4.5: a 304 carries only the fields a cache needs to refresh its stored response.
_NOT_MODIFIED_HEADERS = frozenset({b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary"})

_REDIRECT_SAFE_CHARACTERS = ":/%#?=@[]!$&'()*+,;"

# `json.dumps` with `JSONResponse`'s arguments builds a `JSONEncoder` per call, whose `encode` then
# builds a C encoder for that one call. `JSONResponse.render` calls one C encoder, built once with
# the same parameters, while `json.dumps` is the original: a patched `json.dumps` (tests and
# libraries wrap it) is still what gets called. That encoder keeps no record of the containers being
# encoded (which is what lets it be shared, threads included), so a circular reference makes it
# recurse until `RecursionError`; `render` then leaves it to `json.dumps` to raise its own error.
_JSON_DUMPS = json.dumps
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def _shared_c_json_encoder() -> Callable[[Any, int], Iterable[str]] | None:
    """The C encoder described above, if CPython's accelerator gives exactly what `JSONEncoder.encode` gives."""
    make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
    encode_str: Any = getattr(json.encoder, "c_encode_basestring", None)
    if make_encoder is None or encode_str is None:  # another Python, or `_json` unavailable
        return None
    sample: dict[object, object] = {
        "text": 'é\u2028"',
        "numbers": [1, -2.5, 10**20],
        "flags": (True, False, None),
        3: {},
    }
    try:
        encoder: Callable[[Any, int], Iterable[str]] = make_encoder(
            None, _JSON_ENCODER.default, encode_str, None, ":", ",", False, False, False
        )
        agrees = "".join(encoder(sample, 0)) == _JSON_ENCODER.encode(sample)
    except Exception:  # a C encoder with another signature
        return None
    return encoder if agrees else None


_JSON_ENCODE = _shared_c_json_encoder()


_CONTENT_TYPE_HEADERS: BoundedCache[tuple[str, str], tuple[bytes, bytes]] = BoundedCache(256)
"""The `content-type` header for each media type and charset seen, so it is encoded once."""


def _content_type_header(media_type: str, charset: str) -> tuple[bytes, bytes]:
    """Build (and keep, within bounds) the `content-type` header for `media_type`.

    A `text/*` type without a charset gets `; charset=<charset>`. `init_headers`
    looks the header up in `_CONTENT_TYPE_HEADERS` first.
    """
    content_type = media_type
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        content_type = f"{media_type}; charset={charset}"
    return _CONTENT_TYPE_HEADERS.put((media_type, charset), (b"content-type", content_type.encode("latin-1")))


class Response:
    """An HTTP response with a body that is fully known up front.

    Parameters:
        content: the body; `None` (empty), `str` (encoded with `charset`), `bytes` or
            `memoryview`. Subclasses accept other types by overriding `render`.
        status_code: the HTTP status code.
        headers: extra response headers. `content-length` and `content-type` are
            added unless given here.
        media_type: the `content-type`, overriding the class's `media_type`.
            A `text/*` type without a charset gets `; charset=<charset>` appended.
        background: a task run after the response has been sent.
    """

    media_type: str | None = None
    charset: str = "utf-8"

    status_code: int
    background: BackgroundTask | None
    body: bytes | memoryview
    raw_headers: list[tuple[bytes, bytes]]
    """The response headers as sent: lower-cased latin-1 names and latin-1 values."""

    _headers: MutableHeaders | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes | memoryview:
        """Turn `content` into the response body.

        `None` gives an empty body, `bytes` and `memoryview` are used as they are and
        `str` is encoded with `charset`. Any other object is encoded with its own
        `encode(charset)`, as upstream does.

        Raises:
            AttributeError: for content without an `encode` method (upstream's error).
        """
        if isinstance(content, str):
            return content.encode(self.charset)
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, memoryview):
            return cast("memoryview", content)  # `isinstance` cannot narrow `Any` to a parametrized `memoryview`
        encoded: bytes = content.encode(self.charset)
        return encoded

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build `raw_headers` from `headers`, adding `content-length` and `content-type`.

        `content-length` is left out for responses that cannot have a body
        (1xx, 204, 304) and for responses without a `body` attribute (streamed ones).

        Raises:
            TypeError: `content-length` is to be added and `status_code` cannot be compared with an `int`.
        """
        raw_headers: list[tuple[bytes, bytes]]
        if headers is None:
            raw_headers = []
            add_length = add_type = True
        else:
            raw_headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
            names = {name for name, _ in raw_headers}
            add_length = b"content-length" not in names
            add_type = b"content-type" not in names

        if add_length:
            body: bytes | memoryview | None = getattr(self, "body", None)
            status_code = self.status_code
            if body is not None and not (status_code < 200 or status_code in (204, 304)):
                length = len(body) if type(body) is bytes else cast("memoryview", body).nbytes
                raw_headers.append((b"content-length", b"%d" % length))

        media_type = self.media_type
        if add_type and media_type is not None:
            header = _CONTENT_TYPE_HEADERS.get((media_type, self.charset))
            raw_headers.append(_content_type_header(media_type, self.charset) if header is None else header)

        self.raw_headers = raw_headers

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, as a mutable view that writes through to `raw_headers`."""
        headers = self._headers
        if headers is None or headers.raw is not self.raw_headers:
            headers = MutableHeaders(raw=self.raw_headers)
            self.raw_headers = headers.raw
            self._headers = headers
        return headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a `set-cookie` header.

        Parameters:
            max_age: lifetime in seconds; zero or negative expires the cookie at once.
            expires: an aware UTC `datetime`, a preformatted date string, or a number
                of seconds from now.
            samesite: `"lax"`, `"strict"`, `"none"` (any case), or `None` to leave it out.
            partitioned: mark the cookie `Partitioned` (CHIPS); needs Python 3.14+.

        Raises:
            AssertionError: if `samesite` is not one of the allowed values (the
                exception type upstream Starlette raises).
            ValueError: if `path` or `domain` contain `;` or control characters, or
                `partitioned` is requested on Python older than 3.14.
            http.cookies.CookieError: if `key` is not a legal cookie name.
        """
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = str(max_age)
        if expires is not None:
            morsel["expires"] = format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else expires
        if path is not None:
            morsel["path"] = _checked_cookie_attribute("path", path)
        if domain is not None:
            morsel["domain"] = _checked_cookie_attribute("domain", domain)
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in _SAMESITE_VALUES:
                # An explicit raise (not `assert`) so the check survives `python -O`.
                raise AssertionError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        if partitioned:
            try:
                morsel["partitioned"] = True
            except http.cookies.CookieError:
                raise ValueError("Partitioned cookies are only supported in Python 3.14 and above.") from None
        header_value = cookie.output(header="").strip()
        self.raw_headers.append((b"set-cookie", header_value.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a `set-cookie` header that expires the cookie `key` at once.

        `path`, `domain` and the flags must match those the cookie was set with.
        """
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response, then run the background task."""
        if scope.get("type") != "websocket":
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": self.body})
        else:  # a denial response, instead of accepting the websocket
            await send(
                {"type": "websocket.http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            await send({"type": "websocket.http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()


def _checked_cookie_attribute(name: str, value: str) -> str:
    if not _COOKIE_ATTRIBUTE_FORBIDDEN.isdisjoint(value):
        raise ValueError(f"Cookie {name} must not contain ';' or control characters: {value!r}")
    return value


class HTMLResponse(Response):
    """A response with an HTML body (`text/html; charset=utf-8`)."""

    media_type: str | None = "text/html"


class PlainTextResponse(Response):
    """A response with a plain text body (`text/plain; charset=utf-8`)."""

    media_type: str | None = "text/plain"


class JSONResponse(Response):
    """A response whose body is `content` serialized as compact JSON (`application/json`).

    Non-ASCII characters are sent as UTF-8, not escaped. Override `render` to use
    another serializer.
    """

    media_type: str | None = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        """Serialize `content` to JSON.

        Raises:
            TypeError: if `content` holds a value `json` cannot serialize.
            ValueError: if `content` holds `nan` or an infinite float (not valid JSON).
        """
        dumps = json.dumps
        if dumps is _JSON_DUMPS and _JSON_ENCODE is not None:
            try:
                return "".join(_JSON_ENCODE(content, 0)).encode("utf-8")
            except RecursionError:
                pass  # a circular reference, or nesting too deep: `json.dumps` tells which
        return dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


class RedirectResponse(Response):
    """An empty response redirecting the client to `url` (307 by default).

    The URL is percent-quoted into the `location` header, so it cannot inject
    header lines; characters with a meaning in URLs are kept.
    """

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=_REDIRECT_SAFE_CHARACTERS)


class StreamingResponse(Response):
    """A response whose body is sent chunk by chunk as `content` produces it.

    `content` is an async iterable, or a blocking iterable (such as a generator or
    an open file) that is advanced in a worker thread. No `content-length` is set
    unless given in `headers`.

    On servers older than ASGI 2.4 the response also listens for `http.disconnect`
    and stops streaming when the client goes away. On newer servers a failing
    `send` signals the disconnect, and is raised as `ClientDisconnect`.
    """

    media_type: str | None
    body_iterator: AsyncContentStream

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if isinstance(content, AsyncIterable):
            self.body_iterator = content
        else:
            self.body_iterator = iterate_in_threadpool(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def listen_for_disconnect(self, receive: Receive) -> None:
        """Consume incoming messages until the client disconnects."""
        await _wait_for_disconnect(receive)

    async def stream_response(self, send: Send) -> None:
        """Send the response start, every chunk of `body_iterator`, and the closing message.

        A chunk other than `bytes` or `memoryview` is encoded with its own `encode(charset)`.

        Raises:
            AttributeError: for a chunk without an `encode` method (upstream's error).
        """
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            if not isinstance(chunk, (bytes, memoryview)):
                chunk = chunk.encode(self.charset)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the response, then run the background task.

        Raises:
            ClientDisconnect: on an ASGI 2.4 server, if streaming fails with `OSError` (the client went away).
            AttributeError: for a chunk without an `encode` method (upstream's error).
        """
        stream: Callable[[], Awaitable[None]]
        if scope.get("type") == "websocket":
            # A denial response: the websocket has no disconnect to listen for before it is accepted.
            await self.stream_response(_websocket_denial(send))
        else:
            stream = functools.partial(self.stream_response, send)
            if _server_reports_disconnect_on_send(scope):
                try:
                    await stream()
                except OSError as exc:  # ASGI 2.4: the server's way of saying the client went away
                    raise ClientDisconnect() from exc
            else:
                await _run_until_disconnect(stream, receive, self.listen_for_disconnect)
        if self.background is not None:
            await self.background()


async def _wait_for_disconnect(receive: Receive) -> None:
    """Consume incoming messages until the client disconnects."""
    body_complete = False
    while True:
        message = await receive()
        if message["type"] in ("http.disconnect", "websocket.disconnect"):
            return
        if body_complete:
            # A server sends nothing but the disconnect after the last body message: this `receive`
            # answers at once, again and again, and must not starve the response being sent.
            await anyio.lowlevel.checkpoint()
        body_complete = not message.get("more_body", False)


async def _run_until_disconnect(
    stream: Callable[[], Awaitable[None]],
    receive: Receive,
    listen: Callable[[Receive], Awaitable[None]] = _wait_for_disconnect,
) -> None:
    """Run `stream()` until it finishes or the client disconnects (`listen` returns), whichever comes first.

    An exception from either side propagates (and stops the other).
    """
    if _running_loop() is not None:  # None under trio
        await _run_until_disconnect_on_asyncio(stream, receive, listen)
        return
    async with create_collapsing_task_group() as task_group:

        async def stream_then_stop_listening() -> None:
            await stream()
            task_group.cancel_scope.cancel()

        task_group.start_soon(stream_then_stop_listening)
        await listen(receive)
        task_group.cancel_scope.cancel()


async def _run_until_disconnect_on_asyncio(
    stream: Callable[[], Awaitable[None]],
    receive: Receive,
    listen: Callable[[Receive], Awaitable[None]],
) -> None:
    """`_run_until_disconnect`, with a plain asyncio task for the listener, started only when needed.

    An anyio task group costs several event loop passes to start and stop; the
    response only needs one listener beside it. The response is sent by the calling
    task inside a cancel scope, which the listener cancels when the client goes away.
    The listener is started on the event loop's next pass: a response that is sent
    without ever yielding to the loop is over before then, and needs no listener (as
    before, it would not have run until the response yielded). A listener that did
    start is cancelled and awaited once the response is done, whatever the outcome,
    so no `receive` is left pending.
    """
    cancel_scope = anyio.CancelScope()
    loop = asyncio.get_running_loop()
    listeners: list[asyncio.Task[None]] = []

    async def listen_then_stop_streaming() -> None:
        try:
            await listen(receive)
        finally:  # a disconnect, or a failing `receive`: the response stops either way
            cancel_scope.cancel()

    def start_listening() -> None:
        listeners.append(loop.create_task(listen_then_stop_streaming()))

    start = loop.call_soon(start_listening)
    try:
        with cancel_scope:
            await stream()
    finally:
        start.cancel()
        listener_error = await _stop_listening(listeners[0]) if listeners else None
    if listener_error is not None:
        raise listener_error


async def _stop_listening(listener: asyncio.Task[None]) -> BaseException | None:
    """Cancel and await `listener`; return the exception it failed with, if any (retrieved in any case)."""
    listener.cancel()
    if not listener.done():
        # Outside the (maybe cancelled) scope, and shielded, as a task group waits for its tasks.
        with anyio.CancelScope(shield=True):
            await asyncio.wait((listener,))
    return None if listener.cancelled() else listener.exception()


def _running_loop_or_none() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop, or `None`: `asyncio._get_running_loop`, through its public raising form."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_running_loop: Callable[[], asyncio.AbstractEventLoop | None] = (
    getattr(asyncio, "_get_running_loop", None) or _running_loop_or_none
)
"""The running asyncio loop or `None`, without raising: the private, cheaper check when Python has it."""


def _server_reports_disconnect_on_send(scope: Scope) -> bool:
    # ASGI 2.4 servers raise `OSError` from `send` once the client is gone, so
    # there is no need to watch `receive` for `http.disconnect`.
    version: str = scope.get("asgi", {}).get("spec_version", "2.0")
    try:
        major_minor = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return major_minor >= (2, 4)


def _websocket_denial(send: Send) -> Send:
    async def send_as_denial(message: Message) -> None:
        message_type: str = message["type"]
        if message_type.startswith("http.response."):
            message = {**message, "type": "websocket." + message_type}
        await send(message)

    return send_as_denial


class MalformedRangeHeader(Exception):
    """The request's `Range` header cannot be parsed; answered with 400 and `content`.

    As upstream, `args` (and so `str()`) hold only what was passed positionally:
    `str(MalformedRangeHeader())` is `''`.
    """

    def __init__(self, content: str = "Malformed range header.") -> None:
        # `Exception.__init__` is not called: `args` stay the positional arguments, as upstream.
        self.content = content


class RangeNotSatisfiable(Exception):
    """A requested range starts beyond the end of a file of `max_size` bytes; answered with 416.

    As upstream, `args` hold only what was passed positionally: `RangeNotSatisfiable(10)`
    has `args == (10,)` and `str()` `'10'`.
    """

    def __init__(self, max_size: int) -> None:
        # `Exception.__init__` is not called: `args` stay the positional arguments, as upstream.
        self.max_size = max_size


# An entity tag in `if-none-match`: optionally weak, then a quoted string; the quotes are kept.
_ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')

_CONDITIONAL_REQUEST_HEADERS = frozenset({b"range", b"if-range", b"if-none-match", b"if-modified-since"})


def _conditional_request_headers(scope: Scope) -> dict[bytes, str]:
    """Collect the request headers that decide how a `FileResponse` is sent (first occurrence wins)."""
    found: dict[bytes, str] = {}
    name: bytes
    value: bytes
    for name, value in scope.get("headers", ()):
        if name in _CONDITIONAL_REQUEST_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    return found


@asynccontextmanager
async def _opened_for_reading(path: str | os.PathLike[str]) -> AsyncGenerator[anyio.AsyncFile[bytes], None]:
    """The file at `path`, open for reading, closed at exit even when the task is being cancelled.

    The last body message is sent from inside the block, and a server (or the TestClient) may cancel the
    task right after it: older anyio releases do not shield `AsyncFile.aclose`, so the file would
    stay open until garbage collection.
    """
    file = await anyio.open_file(path, mode="rb")
    try:
        yield file
    finally:
        with anyio.CancelScope(shield=True):
            await file.aclose()


class FileResponse(Response):
    """A response streaming the file at `path` without blocking the event loop.

    Parameters:
        path: the file to send.
        media_type: the `content-type`; guessed from `filename` or `path` when not
            given, falling back to `application/octet-stream`.
        filename: when given, a `content-disposition` header offering this name.
        stat_result: the file's `os.stat` result, if already known (the stat headers
            are then set at once); otherwise the file is stat'ed each time the
            response is sent.
        content_disposition_type: `"attachment"` (download) or `"inline"`.

    The response carries `content-length`, `last-modified`, `etag` and
    `accept-ranges: bytes`. For a 200 response it honours conditional requests
    (`if-none-match`, `if-modified-since` give a 304) and, for GET and HEAD, byte
    ranges (`range`, with a strong `if-range`): one range gives a 206 with
    `content-range`, several give a 206 `multipart/byteranges` body; a malformed
    `range` gives a 400 and an unsatisfiable one a 416. HEAD requests get the
    headers only. Servers offering the ASGI `http.response.pathsend` extension
    send the file themselves. On servers older than ASGI 2.4, sending stops when
    the client disconnects. A file that turns out shorter than it was when
    stat'ed fails the response with a `RuntimeError`.
    """

    chunk_size: int = 64 * 1024
    """How many bytes are read from the file and sent per message."""

    max_ranges: int = 100
    """The most ranges one `range` header may ask for; with more, the header is ignored (the whole file is sent)."""

    media_type: str | None
    path: str | os.PathLike[str]
    filename: str | None
    stat_result: os.stat_result | None

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = guess_type(filename or path)[0] or "application/octet-stream"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        self.headers.setdefault("accept-ranges", "bytes")
        if filename is not None:
            quoted_filename = quote(filename)
            if quoted_filename != filename:
                content_disposition = f"{content_disposition_type}; filename*=utf-8''{quoted_filename}"
            else:
                content_disposition = f'{content_disposition_type}; filename="{filename}"'
            self.headers.setdefault("content-disposition", content_disposition)
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        """Set `content-length`, `last-modified` and `etag` from `stat_result`, unless already set."""
        size, mtime = stat_result.st_size, stat_result.st_mtime
        etag = hashlib.md5(f"{mtime}-{size}".encode(), usedforsecurity=False).hexdigest()
        self.headers.setdefault("content-length", str(size))
        self.headers.setdefault("last-modified", formatdate(mtime, usegmt=True))
        self.headers.setdefault("etag", f'"{etag}"')

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the file (or the part of it the request asks for), then run the background task.

        Raises:
            RuntimeError: if no `stat_result` was given and `path` does not exist or
                is not a regular file.
        """
        if self.stat_result is not None:
            await self._respond(scope, receive, send, self.stat_result)
            return
        stat_result = await self._stat()
        # The stat headers go on a per-call copy: this app may be called again, or
        # concurrently, after the file changed, and each response must describe the
        # file as it was stat'ed for that call.
        response = copy.copy(self)
        response.raw_headers = list(self.raw_headers)
        response.set_stat_headers(stat_result)
        await response._respond(scope, receive, send, stat_result)

    async def _respond(self, scope: Scope, receive: Receive, send: Send, stat_result: os.stat_result) -> None:
        await self._send_response(scope, receive, send, stat_result)
        if self.background is not None:
            await self.background()

    async def _send_response(self, scope: Scope, receive: Receive, send: Send, stat_result: os.stat_result) -> None:
        is_http = scope.get("type") != "websocket"
        method: str = scope.get("method", "GET").upper()
        headers_only = method == "HEAD"
        request = _conditional_request_headers(scope)
        # Ranges only apply to GET (and HEAD, which answers like GET without the body).
        http_range = self._range_to_serve(request) if method in ("GET", "HEAD") else None
        file_send = send if is_http else _websocket_denial(send)

        # Conditional requests only apply to the successful response (RFC 9110 13.2.1).
        if self.status_code == 200 and is_http and method in ("GET", "HEAD") and self._is_not_modified(request):
            await self._send_not_modified(send)
            return
        ranges: list[tuple[int, int]] | None = None
        if http_range is not None:
            try:
                ranges = self._parse_range_header(http_range, stat_result.st_size)
            except MalformedRangeHeader as exc:
                await PlainTextResponse(exc.content, status_code=400)(scope, receive, send)
                return
            except RangeNotSatisfiable as exc:
                unsatisfiable = PlainTextResponse(status_code=416, headers={"content-range": f"bytes */{exc.max_size}"})
                await unsatisfiable(scope, receive, send)
                return
        size = stat_result.st_size
        sender: Callable[[], Awaitable[None]]
        if ranges is None:
            pathsend = is_http and "http.response.pathsend" in (scope.get("extensions") or {})
            sender = functools.partial(self._send_whole_file, file_send, size, headers_only, pathsend)
            streams_file = not (headers_only or pathsend)
        else:
            if len(ranges) == 1:
                start, end = ranges[0]
                sender = functools.partial(self._send_single_range, file_send, start, end, size, headers_only)
            else:
                sender = functools.partial(self._send_multiple_ranges, file_send, ranges, size, headers_only)
            streams_file = not headers_only
        if streams_file and is_http and not _server_reports_disconnect_on_send(scope):
            # Older servers only report a client that went away through `receive`: stop reading then.
            await _run_until_disconnect(sender, receive)
        else:
            await sender()

    async def _stat(self) -> os.stat_result:
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
        except FileNotFoundError:
            raise RuntimeError(f"File at path {self.path} does not exist.") from None
        if not stat.S_ISREG(stat_result.st_mode):
            raise RuntimeError(f"File at path {self.path} is not a file.")
        return stat_result

    def _is_not_modified(self, request: dict[bytes, str]) -> bool:
        # RFC 9110 13.2.2: `if-none-match` takes precedence over `if-modified-since`.
        if_none_match = request.get(b"if-none-match")
        if if_none_match is not None:
            etag = self.headers.get("etag")
            if etag is None:
                return False
            if if_none_match.strip() == "*":
                return True
            # The weak comparison of RFC 9110 8.8.3.2; a tag is a whole quoted string (it may hold commas).
            etag = etag.removeprefix("W/")
            return any(tag == etag for tag in _ENTITY_TAG.findall(if_none_match))
        if_modified_since = request.get(b"if-modified-since")
        if if_modified_since is not None:
            modified = _parse_http_date(self.headers.get("last-modified"))
            since = _parse_http_date(if_modified_since)
            return modified is not None and since is not None and modified <= since
        return False

    def _range_to_serve(self, request: dict[bytes, str]) -> str | None:
        # A `range` applies only to the successful response, and only while an
        # `if-range` validator still matches the file (RFC 9110 13.1.5, 14.2).
        # That comparison is strong: a weak entity tag never matches.
        http_range = request.get(b"range")
        if http_range is None or self.status_code != 200:
            return None
        if_range = request.get(b"if-range")
        if if_range is not None and (
            if_range.startswith("W/") or if_range not in (self.headers.get("etag"), self.headers.get("last-modified"))
        ):
            return None
        return http_range

    async def _send_not_modified(self, send: Send) -> None:
        headers = [(name, value) for name, value in self.raw_headers if name in _NOT_MODIFIED_HEADERS]
        await _send_without_body(send, {"type": "http.response.start", "status": 304, "headers": headers})

    # Each sender opens the file before sending anything: a file that cannot be
    # read then fails as a clean server error instead of a truncated response.

    async def _send_whole_file(self, send: Send, size: int, headers_only: bool, pathsend: bool) -> None:
        start_message: Message = {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.raw_headers,
        }
        if headers_only:
            await _send_without_body(send, start_message)
        elif pathsend:
            await send(start_message)
            await send({"type": "http.response.pathsend", "path": os.fspath(self.path)})
        else:
            async with _opened_for_reading(self.path) as file:
                await send(start_message)
                await self._send_span(file, send, 0, size, last=True)

    async def _send_single_range(self, send: Send, start: int, end: int, size: int, headers_only: bool) -> None:
        headers = MutableHeaders(raw=list(self.raw_headers))
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        headers["content-length"] = str(end - start)
        start_message: Message = {"type": "http.response.start", "status": 206, "headers": headers.raw}
        if headers_only:
            await _send_without_body(send, start_message)
            return
        async with _opened_for_reading(self.path) as file:
            await send(start_message)
            await self._send_span(file, send, start, end, last=True)

    async def _send_multiple_ranges(
        self, send: Send, ranges: list[tuple[int, int]], size: int, headers_only: bool
    ) -> None:
        boundary = token_hex(13)
        content_type = self.headers.get("content-type", "application/octet-stream")
        content_length, part_header = self.generate_multipart(ranges, boundary, size, content_type)
        headers = MutableHeaders(raw=list(self.raw_headers))
        headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
        headers["content-length"] = str(content_length)
        start_message: Message = {"type": "http.response.start", "status": 206, "headers": headers.raw}
        if headers_only:
            await _send_without_body(send, start_message)
            return
        async with _opened_for_reading(self.path) as file:
            await send(start_message)
            for start, end in ranges:
                await send({"type": "http.response.body", "body": part_header(start, end), "more_body": True})
                await self._send_span(file, send, start, end, last=False)
                await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
        await send({"type": "http.response.body", "body": f"--{boundary}--".encode("latin-1"), "more_body": False})

    async def _send_span(self, file: anyio.AsyncFile[bytes], send: Send, start: int, end: int, *, last: bool) -> None:
        """Send the bytes `start:end` of `file`.

        Reads at most `end - start` bytes, so a file that grew since it was stat'ed
        cannot overrun the announced length.

        Raises:
            RuntimeError: the file ended before `end` (it shrank since it was stat'ed).
        """
        if start:
            await file.seek(start)
        remaining = end - start
        while True:
            chunk = await file.read(min(self.chunk_size, remaining)) if remaining > 0 else b""
            remaining -= len(chunk)
            if remaining > 0 and not chunk:
                raise RuntimeError(f"File at path {self.path} is shorter than expected.")
            done = remaining <= 0
            await send({"type": "http.response.body", "body": chunk, "more_body": not (done and last)})
            if done:
                return

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]] | None:
        """Parse a `range` header into sorted, merged, half-open `(start, end)` byte ranges.

        Returns `None` when the header asks for more than `max_ranges` ranges: it is
        then ignored, and the whole file is sent (RFC 9110 14.2 allows that).

        Raises:
            MalformedRangeHeader: for a header that is not `bytes=...`, asks for no
                usable range, or an inverted range.
            RangeNotSatisfiable: if a range starts at or beyond the end of the file.
        """
        unit, equals, range_set = http_range.partition("=")
        if not equals:
            raise MalformedRangeHeader()
        if unit.strip().lower() != "bytes":
            raise MalformedRangeHeader("Only support bytes range")

        ranges: list[tuple[int, int]] = []
        for spec in range_set.split(","):
            parsed = _parse_range_spec(spec, file_size)
            if parsed is None:
                continue
            if len(ranges) == cls.max_ranges:
                return None
            ranges.append(parsed)

        if not ranges:
            raise MalformedRangeHeader("Range header: range must be requested")
        if any(start >= file_size for start, _ in ranges):
            raise RangeNotSatisfiable(file_size)
        if any(start >= end for start, end in ranges):
            raise MalformedRangeHeader("Range header: start must be less than end")
        if len(ranges) == 1:
            return ranges

        # Sorting first makes merging overlapping and adjacent ranges a single pass.
        ranges.sort()
        merged = [ranges[0]]
        for start, end in ranges[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    def generate_multipart(
        self, ranges: Sequence[tuple[int, int]], boundary: str, max_size: int, content_type: str
    ) -> tuple[int, Callable[[int, int], bytes]]:
        """Plan a `multipart/byteranges` body for the half-open byte `ranges` of a `max_size` file.

        Each part is `--{boundary}`, `Content-Type` and `Content-Range` lines, a
        blank line, the bytes and a line break (CRLF throughout); the body ends with
        `--{boundary}--`.

        Returns:
            The exact body length, and a function giving the header of the part
            for `(start, end)`.
        """
        # `--` CRLF `Content-Type: ` CRLF `Content-Range: bytes ` `-` `/` CRLF CRLF, and CRLF after the bytes.
        fixed_part_length = 49 + len(boundary) + len(content_type) + len(str(max_size))
        content_length = sum(
            fixed_part_length + len(str(start)) + len(str(end - 1)) + (end - start) for start, end in ranges
        )
        content_length += len(boundary) + 4  # `--{boundary}--`

        def part_header(start: int, end: int) -> bytes:
            return (
                f"--{boundary}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Range: bytes {start}-{end - 1}/{max_size}\r\n"
                "\r\n"
            ).encode("latin-1")

        return content_length, part_header


async def _send_without_body(send: Send, start_message: Message) -> None:
    await send(start_message)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _parse_range_spec(spec: str, file_size: int) -> tuple[int, int] | None:
    """Parse one `first-last`, `first-` or `-suffix` range into a half-open range.

    Returns `None` for anything else, which is ignored. The end is clamped to the
    file size, and so is a suffix longer than the file.
    """
    first, dash, last = spec.partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if not first:
        suffix = _parse_digits(last)
        return None if suffix is None else (max(file_size - suffix, 0), file_size)
    start = _parse_digits(first)
    if start is None:
        return None
    if not last:
        return start, file_size
    stop = _parse_digits(last)
    return None if stop is None else (start, min(stop + 1, file_size))


def _parse_digits(text: str) -> int | None:
    # Only ASCII digits: `int()` alone would also accept signs, underscores and non-ASCII digits.
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than `sys.get_int_max_str_digits()` allows
        return None


def _parse_http_date(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = parsedate_tz(value)
        return None if parsed is None else mktime_tz(parsed)
    except (OverflowError, ValueError):  # absurd years or offsets
        return None
