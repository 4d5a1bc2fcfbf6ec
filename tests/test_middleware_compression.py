from __future__ import annotations

import gzip
import importlib
import logging
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import zstandard

from starlette.applications import Starlette
from starlette.middleware import Middleware, compression
from starlette.middleware.compression import CompressionMiddleware, available_encodings
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.sse import EventSourceResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory

brotli: Any = importlib.import_module("brotli")  # the package ships no types
TEXT = "Hello, compression! " * 200


def decode_zstd(data: bytes) -> bytes:
    result: bytes = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return result


def decode_brotli(data: bytes) -> bytes:
    result: bytes = brotli.decompress(data)
    return result


DECODERS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.decompress, "br": decode_brotli, "zstd": decode_zstd}


class Exchange:
    """One request driven by hand through an ASGI app: the start message and the body chunks."""

    def __init__(self) -> None:
        self.start: Message = {}
        self.chunks: list[bytes] = []
        self.trailers: list[Message] = []

    @property
    def headers(self) -> dict[str, str]:
        return {name.decode(): value.decode() for name, value in self.start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def run(self, app: ASGIApp, accept_encoding: str | None) -> Exchange:
        headers = [] if accept_encoding is None else [(b"accept-encoding", accept_encoding.encode())]
        scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.start = message
            elif message["type"] == "http.response.body":
                self.chunks.append(message.get("body", b""))
            else:
                self.trailers.append(message)

        await app(scope, receive, send)
        return self


def text_app(body: str = TEXT, **headers: str) -> ASGIApp:
    return CompressionMiddleware(PlainTextResponse(body, headers=headers))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip, deflate, br, zstd", "zstd"),
        ("gzip, br", "br"),
        ("gzip", "gzip"),
        ("gzip;level=1", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("zstd;q=0.1, br;q=0.1, gzip;q=0.1", "zstd"),
        ("zstd;q=0, br;q=0, gzip", "gzip"),
        ("*", "zstd"),
        ("*;q=0.2, br;q=0.9", "br"),
        ("zstd;q=0, *", "br"),
        ("gzip;q=0", None),
        ("gzip;q=nonsense", None),
        ("gzip;q=2", None),
        ("deflate, identity", None),
        ("", None),
        (None, None),
    ],
)
async def test_negotiation_with_q_values(accept_encoding: str | None, expected: str | None) -> None:
    exchange = await Exchange().run(text_app(), accept_encoding)
    assert exchange.headers.get("content-encoding") == expected
    assert exchange.headers["vary"] == "Accept-Encoding"
    body = exchange.body if expected is None else DECODERS[expected](exchange.body)
    assert body == TEXT.encode()
    if expected is not None:
        assert exchange.headers["content-length"] == str(len(exchange.body))
        assert len(exchange.body) < len(TEXT)


@pytest.mark.anyio
async def test_server_preference_order() -> None:
    app = CompressionMiddleware(PlainTextResponse(TEXT), encodings=["gzip", "br"])
    assert app.encodings == ("gzip", "br")
    exchange = await Exchange().run(app, "zstd, br, gzip")
    assert exchange.headers["content-encoding"] == "gzip"
    exchange = await Exchange().run(app, "zstd")
    assert "content-encoding" not in exchange.headers


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Unsupported encodings \['deflate'\]"):
        CompressionMiddleware(PlainTextResponse(""), encodings=["gzip", "deflate"])


@pytest.mark.anyio
@pytest.mark.parametrize("coding", ["zstd", "br", "gzip"])
async def test_streaming_flushes_each_chunk(coding: str) -> None:
    async def stream() -> AsyncIterator[str]:
        for number in range(3):
            yield f"chunk {number} " * 50

    app = CompressionMiddleware(StreamingResponse(stream(), media_type="text/plain"), thread_minimum_size=1000)
    exchange = await Exchange().run(app, coding)
    assert exchange.headers["content-encoding"] == coding
    assert "content-length" not in exchange.headers
    # Every chunk decodes on its own, together with the ones before it: nothing is held back.
    for count in range(1, len(exchange.chunks)):
        assert DECODERS_PARTIAL[coding](b"".join(exchange.chunks[:count]))
    assert DECODERS[coding](exchange.body) == "".join(f"chunk {n} " * 50 for n in range(3)).encode()


def partial_gzip(data: bytes) -> bytes:
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)


def partial_brotli(data: bytes) -> bytes:
    decompressor: Any = brotli.Decompressor()
    result: bytes = decompressor.process(data)
    return result


DECODERS_PARTIAL: dict[str, Callable[[bytes], bytes]] = {
    "gzip": partial_gzip,
    "br": partial_brotli,
    "zstd": decode_zstd,
}


@pytest.mark.anyio
@pytest.mark.parametrize("coding", ["zstd", "br"])
async def test_large_bodies_are_compressed_in_a_thread(coding: str) -> None:
    app = CompressionMiddleware(PlainTextResponse(TEXT), thread_minimum_size=100)
    exchange = await Exchange().run(app, coding)
    assert DECODERS[coding](exchange.body) == TEXT.encode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("app", "reason"),
    [
        (text_app("small"), "below minimum_size"),
        (text_app(**{"content-encoding": "identity"}), "already encoded"),
        (CompressionMiddleware(Response(TEXT, media_type="image/png")), "excluded content type"),
        (CompressionMiddleware(Response(TEXT, status_code=206)), "partial content"),
    ],
)
async def test_exclusions(app: ASGIApp, reason: str) -> None:
    exchange = await Exchange().run(app, "zstd, br, gzip")
    assert exchange.headers.get("content-encoding") in (None, "identity"), reason
    assert exchange.body.decode() in (TEXT, "small")


@pytest.mark.anyio
async def test_event_streams_pass_through_unbuffered() -> None:
    app = CompressionMiddleware(EventSourceResponse(["x" * 1000, "y"], ping=None))
    exchange = await Exchange().run(app, "zstd, br, gzip")
    assert "content-encoding" not in exchange.headers
    assert exchange.chunks[:2] == [b"data: " + b"x" * 1000 + b"\n\n", b"data: y\n\n"]


@pytest.mark.anyio
async def test_trailers_are_preserved() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": TEXT.encode(), "more_body": False})
        await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")], "more_trailers": False})

    exchange = await Exchange().run(CompressionMiddleware(app), "br")
    assert exchange.headers["content-encoding"] == "br"
    assert "content-length" not in exchange.headers
    assert exchange.trailers == [
        {"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")], "more_trailers": False}
    ]


def test_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def homepage(request: Request) -> PlainTextResponse:
        return PlainTextResponse(TEXT)

    app = Starlette(routes=[Route("/", homepage)], middleware=[Middleware(CompressionMiddleware, minimum_size=10)])
    response = test_client_factory(app).get("/", headers={"accept-encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert response.text == TEXT


@pytest.mark.anyio
async def test_non_http_connections_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        raise AssertionError  # pragma: no cover

    async def send(message: Message) -> None:
        raise AssertionError  # pragma: no cover

    await CompressionMiddleware(app)({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


@pytest.fixture
def without_libraries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_import = importlib.import_module

    def import_module(name: str, package: str | None = None) -> Any:
        if name in ("brotli", "zstandard", "compression.zstd"):
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", import_module)
    compression._encoder_factories.cache_clear()  # pyright: ignore[reportPrivateUsage]
    yield
    compression._encoder_factories.cache_clear()  # pyright: ignore[reportPrivateUsage]


@pytest.mark.anyio
@pytest.mark.usefixtures("without_libraries")
async def test_degrades_to_gzip_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    assert available_encodings() == ("gzip",)
    with caplog.at_level(logging.WARNING, logger="starlette.middleware.compression"):
        app = CompressionMiddleware(PlainTextResponse(TEXT))
        for _ in range(3):
            exchange = await Exchange().run(app, "zstd, br, gzip")
            assert exchange.headers["content-encoding"] == "gzip"
    assert [record.getMessage() for record in caplog.records] == [
        "CompressionMiddleware: zstd, br not available (install starlette[compression]); offering gzip"
    ]
    with caplog.at_level(logging.WARNING, logger="starlette.middleware.compression"):
        caplog.clear()
        assert CompressionMiddleware(PlainTextResponse(TEXT), encodings=["br"]).encodings == ()
    assert caplog.records[0].getMessage().endswith("offering no compression")


def test_available_encodings_here() -> None:
    assert available_encodings() == ("zstd", "br", "gzip")
