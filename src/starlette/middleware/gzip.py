"""Compress responses with gzip for clients that accept it.

`GZipMiddleware` compresses a response when the request's `Accept-Encoding`
accepts `gzip`, the response is at least `minimum_size` bytes (or streamed),
it has no `Content-Encoding` yet, and its media type is not one that is
already compressed or must not be buffered (`DEFAULT_EXCLUDED_CONTENT_TYPES`).
Every response that could be compressed gets `Vary: Accept-Encoding`, also
when this client did not ask for gzip, so that caches keep both forms apart.

Streamed responses are compressed chunk by chunk, each chunk flushed so that
the client receives it at once. Large chunks are compressed in a worker
thread so that they do not block the event loop.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import ClassVar, Final, NoReturn, Protocol

import anyio.to_thread

from starlette._cache import BoundedCache
from starlette.middleware._vary import RawHeaders, add_vary
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware", "GZipResponder", "IdentityResponder", "unattached_send"]

DEFAULT_EXCLUDED_CONTENT_TYPES: Final[tuple[str, ...]] = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)
"""Media types never compressed: already compressed formats, and server-sent events.

An entry ending in `/*` stands for every subtype.
"""

_DEFAULT_THREAD_MINIMUM_SIZE: Final[int] = 128 * 1024
_MATCHER_CACHE_SIZE: Final[int] = 256


class _Compressor(Protocol):
    """A zlib stream compressor (what `zlib.compressobj()` returns)."""

    def compress(self, data: bytes, /) -> bytes:
        """Compress `data`, returning what is ready of the compressed stream."""
        ...

    def flush(self, mode: int = zlib.Z_FINISH, /) -> bytes:
        """Return the rest of the compressed stream so far (`Z_SYNC_FLUSH`) or to its end (`Z_FINISH`)."""
        ...


async def unattached_send(message: Message) -> NoReturn:
    """The `send` of a responder that has not been called yet.

    Raises:
        RuntimeError: Always.
    """
    raise RuntimeError("send awaitable not set")


_ACCEPT_ENCODINGS: BoundedCache[bytes, bool] = BoundedCache(128)


def _accepts_gzip(raw_accept_encoding: bytes) -> bool:
    """Whether an `Accept-Encoding` value accepts `gzip` (listed, and not with `q=0`).

    Cached: clients send the same few values over and over.
    """
    accepts = _ACCEPT_ENCODINGS.get(raw_accept_encoding)
    if accepts is None:
        accepts = _ACCEPT_ENCODINGS.put(raw_accept_encoding, _parse_accepts_gzip(raw_accept_encoding))
    return accepts


def _parse_accepts_gzip(raw_accept_encoding: bytes) -> bool:
    accept_encoding = raw_accept_encoding.decode("latin-1")
    # Upstream compresses when the value contains "gzip" (as written): never more often than that,
    # and then only when the list really accepts gzip (or its alias x-gzip) with a weight above zero.
    if "gzip" not in accept_encoding:
        return False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "x-gzip"):
            continue
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def _media_type(content_type: str) -> str:
    """The media type of a `Content-Type` value: parameters dropped, lower-cased."""
    return content_type.partition(";")[0].strip().lower()


class _ContentTypeMatcher:
    """Tells whether a `Content-Type` is one of a set of media types.

    The media types may carry parameters and any case (both are ignored); `type/*`
    stands for every subtype, and `type/subtype` also covers its structured-syntax
    variants such as `application/grpc+proto`.
    """

    __slots__ = ("_exact", "_prefixes", "_raw_cache")

    def __init__(self, media_types: Iterable[str]) -> None:
        normalized = [_media_type(media_type) for media_type in media_types]
        self._exact = frozenset(media_type for media_type in normalized if not media_type.endswith("/*"))
        self._prefixes = tuple(media_type[:-1] for media_type in normalized if media_type.endswith("/*"))
        self._raw_cache: BoundedCache[bytes, bool] = BoundedCache(_MATCHER_CACHE_SIZE)

    def raw(self, content_type: bytes) -> bool:
        """Like calling the matcher, with a `Content-Type` header value as sent (cached)."""
        excluded = self._raw_cache.get(content_type)
        if excluded is None:
            excluded = self._raw_cache.put(content_type, self(content_type.decode("latin-1")))
        return excluded

    def __call__(self, content_type: str) -> bool:
        media_type = _media_type(content_type)
        exact = self._exact
        return (
            media_type in exact
            or media_type.startswith(self._prefixes)
            or ("+" in media_type and media_type.partition("+")[0] in exact)
        )


class IdentityResponder:
    """Sends the response of one request without compressing it.

    It still adds `Vary: Accept-Encoding` to responses that would have been
    compressed for a client accepting the encoding. `GZipResponder` builds on
    it by overriding `apply_compression`.

    Args:
        app: The ASGI app to call.
        minimum_size: Responses with a smaller (unstreamed) body are left alone.
        exclude_content_types: Media types that are left alone.
    """

    content_encoding: ClassVar[str] = "identity"
    """The `Content-Encoding` the responder applies."""

    app: ASGIApp
    """The wrapped application."""
    minimum_size: int
    """The smallest unstreamed body that is worth compressing."""
    exclude_content_types: tuple[str, ...]
    """Media types that are never compressed."""
    send: Send
    """Where the (possibly compressed) messages go."""
    initial_message: Message
    """The `http.response.start` message, held back until the body shows how to send it."""
    # The response's state starts from these class-level values (cheaper than setting them per request).
    started: bool = False
    """Whether the start message has been sent on."""
    content_encoding_set: bool = False
    """Whether the response already has a `Content-Encoding`."""
    content_type_is_excluded: bool = False
    """Whether the response's media type is excluded from compression."""
    partial_response: bool = False
    """Whether the response is a partial one (`206`), which is never compressed."""
    _passes_through: bool = False

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.exclude_content_types = exclude_content_types
        self.send = unattached_send
        self.initial_message = {}
        self._is_excluded = _matcher_for(exclude_content_types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, sending its response through `send_with_compression`."""
        self.send = send
        await self.app(scope, receive, self.send_with_compression)

    async def send_with_compression(self, message: Message) -> None:
        """Send `message`, compressing the response body when it qualifies."""
        message_type = message["type"]
        if message_type == "http.response.start":
            # The flags only ever turn true (their class-level values are false): the hot path sets nothing.
            for name, value in message.get("headers", ()):
                if name == b"content-encoding":
                    self.content_encoding_set = self._passes_through = True
                elif name == b"content-type":
                    if value and self._is_excluded.raw(value):
                        self.content_type_is_excluded = self._passes_through = True
                elif name == b"content-range":
                    self.partial_response = self._passes_through = True
            if message.get("status") == 206:
                self.partial_response = self._passes_through = True
            if self._passes_through:
                # Nothing to decide: the client gets the start at once (think of server-sent events).
                self.started = True
                await self.send(message)
            else:
                # Held back until the first body message shows whether to compress.
                self.initial_message = message
        elif message_type == "http.response.body":
            if not self.started:
                self.started = True
                if not message.get("more_body", False) and len(message.get("body", b"")) < self.minimum_size:
                    # Too small to be worth compressing: both messages go on unchanged.
                    await self.send(self.initial_message)
                    await self.send(message)
                else:
                    await self._send_first_body(message)
                return
            if not self._passes_through:
                more_body = message.get("more_body", False)
                message["body"] = await self.apply_compression(message.get("body", b""), more_body=more_body)
            await self.send(message)
        else:
            # Such as `http.response.pathsend`: the server sends the body itself.
            if not self.started and self.initial_message:
                self.started = True
                await self.send(self.initial_message)
            await self.send(message)

    async def _send_first_body(self, message: Message) -> None:
        """Send the held-back start with `Vary` (and the encoding), then the first, encoded, body chunk."""
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        start = self.initial_message
        headers: RawHeaders = list(start.get("headers", ()))
        add_vary(headers, b"Accept-Encoding")
        if self.content_encoding != "identity":
            message["body"] = compressed = await self.apply_compression(body, more_body=more_body)
            # A streamed body, or one followed by trailers, goes out without a length.
            length = None if more_body or start.get("trailers", False) else str(len(compressed)).encode("latin-1")
            headers = _with_content_length(headers, length)
            headers.append((b"content-encoding", self.content_encoding.encode("latin-1")))
        start["headers"] = headers
        await self.send(start)
        await self.send(message)

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """Encode one chunk of the body; the identity encoding returns it unchanged.

        Args:
            body: The chunk.
            more_body: Whether more chunks follow (the last call ends the encoded stream).
        """
        return body


def _with_content_length(headers: RawHeaders, length: bytes | None) -> RawHeaders:
    """`headers` with the `Content-Length` set to `length` (in place of the old one), or removed if `None`."""
    result = [item for item in headers if item[0] != b"content-length"]
    if length is not None:
        result.append((b"content-length", length))
    return result


def _matcher_for(media_types: tuple[str, ...]) -> _ContentTypeMatcher:
    """The matcher of `media_types`, shared by the responders of one configuration."""
    if media_types is DEFAULT_EXCLUDED_CONTENT_TYPES:
        return _DEFAULT_MATCHER
    try:
        matcher = _SHARED_MATCHERS.get(media_types)
    except TypeError:  # a list, say, which cannot be a cache key
        return _ContentTypeMatcher(media_types)
    if matcher is None:
        matcher = _SHARED_MATCHERS.put(media_types, _ContentTypeMatcher(media_types))
    return matcher


_SHARED_MATCHERS: BoundedCache[tuple[str, ...], _ContentTypeMatcher] = BoundedCache(32)


_DEFAULT_MATCHER: Final[_ContentTypeMatcher] = _ContentTypeMatcher(DEFAULT_EXCLUDED_CONTENT_TYPES)


class GZipResponder(IdentityResponder):
    """Sends the response of one request compressed with gzip, when it qualifies.

    Args:
        app: The ASGI app to call.
        minimum_size: Responses with a smaller (unstreamed) body are left alone.
        compresslevel: The zlib compression level, from 1 (fastest) to 9 (smallest).
        thread_minimum_size: Chunks at least this large are compressed in a
            worker thread.
        exclude_content_types: Media types that are left alone.
    """

    content_encoding: ClassVar[str] = "gzip"
    """The `Content-Encoding` the responder applies."""

    compresslevel: int
    """The zlib compression level."""
    thread_minimum_size: int
    """Chunks at least this large are compressed in a worker thread."""
    _compressor: _Compressor | None = None

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        compresslevel: int = 9,
        *,
        thread_minimum_size: int = _DEFAULT_THREAD_MINIMUM_SIZE,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        # `IdentityResponder.__init__`'s work, done here: one responder per request, and `super()` costs.
        self.app = app
        self.minimum_size = minimum_size
        self.exclude_content_types = exclude_content_types
        self.send: Send = unattached_send
        self.initial_message: Message = {}
        self._is_excluded = _matcher_for(exclude_content_types)
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size

    @property
    def compressor(self) -> _Compressor:
        """The gzip stream compressor of this response, created on first use."""
        if self._compressor is None:
            # wbits 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
            self._compressor = zlib.compressobj(self.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return self._compressor

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """Compress one chunk; a non-final chunk is flushed so the client can decode it at once."""
        compressor = self.compressor
        if len(body) >= self.thread_minimum_size:
            return await anyio.to_thread.run_sync(_compress_chunk, compressor, body, more_body)
        return _compress_chunk(compressor, body, more_body)


def _compress_chunk(compressor: _Compressor, body: bytes, more_body: bool) -> bytes:
    flush_mode = zlib.Z_SYNC_FLUSH if more_body else zlib.Z_FINISH
    return compressor.compress(body) + compressor.flush(flush_mode)


class GZipMiddleware:
    """Compress responses with gzip for clients whose `Accept-Encoding` accepts it.

    Args:
        app: The ASGI app to wrap.
        minimum_size: Responses with a smaller (unstreamed) body are left alone.
        compresslevel: The zlib compression level, from 1 (fastest) to 9 (smallest).
        thread_minimum_size: Chunks at least this large are compressed in a
            worker thread, off the event loop.
        exclude_content_types: Media types never compressed; `type/*` matches
            every subtype.
    """

    app: ASGIApp
    """The wrapped application."""
    minimum_size: int
    """The smallest unstreamed body that is worth compressing."""
    compresslevel: int
    """The zlib compression level."""
    thread_minimum_size: int
    """Chunks at least this large are compressed in a worker thread."""
    exclude_content_types: tuple[str, ...]
    """Media types never compressed."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = _DEFAULT_THREAD_MINIMUM_SIZE,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = exclude_content_types

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection, compressing HTTP responses when the client accepts gzip."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        accept_encoding = b""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value
                break
        if accept_encoding and _accepts_gzip(accept_encoding):
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        # What `await responder(scope, receive, send)` does, one coroutine fewer.
        responder.send = send
        await self.app(scope, receive, responder.send_with_compression)
