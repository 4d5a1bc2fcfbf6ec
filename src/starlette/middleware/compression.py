"""Compress responses with zstd, brotli or gzip, as the client's `Accept-Encoding` prefers.

`CompressionMiddleware` keeps `GZipMiddleware`'s rules (`minimum_size`,
excluded media types, no compression of `206` or of already encoded responses,
streamed bodies flushed chunk by chunk, `Vary: Accept-Encoding`, large chunks
compressed in a worker thread) and picks the encoding from the request's
`Accept-Encoding`, honouring q-values (`q=0` refuses a coding, `*` stands for
the codings not listed). Among the codings the client accepts equally, the
server's preference order decides.

zstd comes from the standard library on Python 3.14 (`compression.zstd`) and
from the `zstandard` package before that; brotli from the `brotli` package
(both in the `compression` extra). Without them only gzip is offered.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Final, Protocol

import anyio.to_thread

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CompressionMiddleware", "available_encodings"]

_log = logging.getLogger("starlette.middleware.compression")

_KNOWN_ENCODINGS: Final[tuple[str, ...]] = ("zstd", "br", "gzip")
_DEFAULT_THREAD_MINIMUM_SIZE: Final[int] = 128 * 1024


class _Encoder(Protocol):
    """One response's compressed stream."""

    def chunk(self, data: bytes, more_body: bool) -> bytes:
        """Compress `data`, flushed so the client can decode it at once; the last chunk ends the stream."""
        ...


def _optional_module(name: str) -> Any:
    """The module `name`, or `None` when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class _BrotliEncoder:
    def __init__(self, module: Any, quality: int) -> None:
        self._compressor = module.Compressor(quality=quality)

    def chunk(self, data: bytes, more_body: bool) -> bytes:
        compressor = self._compressor
        result: bytes = compressor.process(data) + (compressor.flush() if more_body else compressor.finish())
        return result


class _ZstandardEncoder:
    """zstd through the `zstandard` package (before Python 3.14)."""

    def __init__(self, module: Any, level: int) -> None:
        self._module = module
        self._compressor = module.ZstdCompressor(level=level).compressobj()

    def chunk(self, data: bytes, more_body: bool) -> bytes:
        module = self._module
        mode = module.COMPRESSOBJ_FLUSH_BLOCK if more_body else module.COMPRESSOBJ_FLUSH_FINISH
        result: bytes = self._compressor.compress(data) + self._compressor.flush(mode)
        return result


class _StdlibZstdEncoder:  # pragma: no cover  # Python 3.14+: the gate's default Python is older
    """zstd through `compression.zstd` (Python 3.14+)."""

    def __init__(self, module: Any, level: int) -> None:
        self._compressor = module.ZstdCompressor(level=level)
        self._modes = (module.ZstdCompressor.FLUSH_FRAME, module.ZstdCompressor.FLUSH_BLOCK)

    def chunk(self, data: bytes, more_body: bool) -> bytes:
        result: bytes = self._compressor.compress(data, self._modes[more_body])
        return result


_ZSTD_LIBRARIES: Final[tuple[tuple[str, Callable[[Any, int], _Encoder]], ...]] = (
    ("compression.zstd", _StdlibZstdEncoder),
    ("zstandard", _ZstandardEncoder),
)
"""Where zstd comes from, first found wins: the standard library (3.14+), then the `zstandard` package."""


def _zstd_factory() -> Callable[[int], _Encoder] | None:
    """How to make a zstd encoder for a level, or `None` without a zstd library."""
    for name, encoder in _ZSTD_LIBRARIES:
        module = _optional_module(name)
        if module is not None:
            return functools.partial(encoder, module)
    return None


def _brotli_factory() -> Callable[[int], _Encoder] | None:
    """How to make a brotli encoder for a quality, or `None` without the `brotli` package."""
    module = _optional_module("brotli")
    return None if module is None else functools.partial(_BrotliEncoder, module)


@functools.cache
def _encoder_factories() -> dict[str, Callable[[int], _Encoder]]:
    """The encoders importable here, by coding (gzip is handled by `GZipResponder`)."""
    found = {"zstd": _zstd_factory(), "br": _brotli_factory()}
    return {coding: factory for coding, factory in found.items() if factory is not None}


def available_encodings() -> tuple[str, ...]:
    """The codings `CompressionMiddleware` can apply here, in its default preference order (zstd, br, gzip)."""
    factories = _encoder_factories()
    return tuple(coding for coding in _KNOWN_ENCODINGS if coding == "gzip" or coding in factories)


@functools.lru_cache(maxsize=256)
def _negotiate(accept_encoding: bytes, preference: tuple[str, ...]) -> str | None:
    """The coding of `preference` the client accepts with the highest q-value (first in `preference` on ties).

    A coding not listed takes the q-value of `*`, or is refused without one; a
    malformed q-value counts as `0`. Cached: clients send the same few values.
    """
    weights: dict[str, float] = {}
    for item in accept_encoding.decode("latin-1").lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                quality = quality if 0.0 <= quality <= 1.0 else 0.0
        weights[coding] = quality
    best: str | None = None
    best_quality = 0.0
    for coding in preference:
        quality = weights.get(coding, weights.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


class _EncodingResponder(IdentityResponder):
    """Sends one response compressed with a streaming encoder (zstd or brotli), when it qualifies."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int,
        make_encoder: Callable[[], _Encoder],
        *,
        thread_minimum_size: int,
        exclude_content_types: tuple[str, ...],
    ) -> None:
        super().__init__(app, minimum_size, exclude_content_types=exclude_content_types)
        self._make_encoder = make_encoder
        self._encoder: _Encoder | None = None
        self._thread_minimum_size = thread_minimum_size

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """Compress one chunk (in a worker thread when large); a non-final chunk is flushed."""
        if self._encoder is None:
            self._encoder = self._make_encoder()
        if len(body) >= self._thread_minimum_size:
            return await anyio.to_thread.run_sync(self._encoder.chunk, body, more_body)
        return self._encoder.chunk(body, more_body)


class _ZstdResponder(_EncodingResponder):
    content_encoding: ClassVar[str] = "zstd"


class _BrotliResponder(_EncodingResponder):
    content_encoding: ClassVar[str] = "br"


_RESPONDERS: Final[dict[str, type[_EncodingResponder]]] = {"zstd": _ZstdResponder, "br": _BrotliResponder}


class CompressionMiddleware:
    """Compress responses with the best coding (zstd, br or gzip) that both the client and the server accept.

    Args:
        app: The ASGI app to wrap.
        minimum_size: Responses with a smaller (unstreamed) body are left alone.
        encodings: The codings offered, most preferred first (default: zstd, br,
            gzip). Codings whose library is not installed are left out, which is
            logged once, here.
        gzip_level: The zlib compression level, 1 to 9.
        brotli_quality: The brotli quality, 0 to 11.
        zstd_level: The zstd compression level, 1 to 22.
        thread_minimum_size: Chunks at least this large are compressed in a
            worker thread, off the event loop.
        exclude_content_types: Media types never compressed; `type/*` matches
            every subtype. Server-sent events are in the default.

    Raises:
        ValueError: `encodings` names a coding other than zstd, br and gzip.
    """

    app: ASGIApp
    """The wrapped application."""
    minimum_size: int
    """The smallest unstreamed body that is worth compressing."""
    encodings: tuple[str, ...]
    """The codings offered here, most preferred first."""
    gzip_level: int
    """The zlib compression level."""
    brotli_quality: int
    """The brotli quality."""
    zstd_level: int
    """The zstd compression level."""
    thread_minimum_size: int
    """Chunks at least this large are compressed in a worker thread."""
    exclude_content_types: tuple[str, ...]
    """Media types never compressed."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        *,
        encodings: Sequence[str] = _KNOWN_ENCODINGS,
        gzip_level: int = 9,
        brotli_quality: int = 4,
        zstd_level: int = 3,
        thread_minimum_size: int = _DEFAULT_THREAD_MINIMUM_SIZE,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        unknown = [coding for coding in encodings if coding not in _KNOWN_ENCODINGS]
        if unknown:
            raise ValueError(f"Unsupported encodings {unknown!r}: choose from 'zstd', 'br' and 'gzip'")
        available = available_encodings()
        self.encodings = tuple(coding for coding in encodings if coding in available)
        missing = [coding for coding in encodings if coding not in available]
        if missing:
            _log.warning(
                "CompressionMiddleware: %s not available (install starlette[compression]); offering %s",
                ", ".join(missing),
                ", ".join(self.encodings) or "no compression",
            )
        self.app = app
        self.minimum_size = minimum_size
        self.gzip_level = gzip_level
        self.brotli_quality = brotli_quality
        self.zstd_level = zstd_level
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = exclude_content_types

    def _responder(self, coding: str | None) -> IdentityResponder:
        """The responder of one request for the negotiated `coding` (`None`: uncompressed)."""
        if coding is None:
            return IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        if coding == "gzip":
            return GZipResponder(
                self.app,
                self.minimum_size,
                self.gzip_level,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        level = self.zstd_level if coding == "zstd" else self.brotli_quality
        return _RESPONDERS[coding](
            self.app,
            self.minimum_size,
            functools.partial(_encoder_factories()[coding], level),
            thread_minimum_size=self.thread_minimum_size,
            exclude_content_types=self.exclude_content_types,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection, compressing HTTP responses with the negotiated coding."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept_encoding = b""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value
                break
        coding = _negotiate(accept_encoding, self.encodings) if accept_encoding else None
        await self._responder(coding)(scope, receive, send)
