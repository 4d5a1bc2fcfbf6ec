from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipMiddleware,
    GZipResponder,
    IdentityResponder,
    unattached_send,
)
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory

BIG = "x" * 4000


def app_returning(
    response: Response,
    minimum_size: int = 500,
    compresslevel: int = 9,
    exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
) -> Starlette:
    async def endpoint(request: Request) -> Response:
        return response

    gzip_middleware = Middleware(
        GZipMiddleware,
        minimum_size=minimum_size,
        compresslevel=compresslevel,
        exclude_content_types=exclude_content_types,
    )
    return Starlette(routes=[Route("/", endpoint)], middleware=[gzip_middleware])


def streaming(*chunks: bytes, media_type: str = "text/plain", headers: dict[str, str] | None = None) -> Response:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return StreamingResponse(body(), media_type=media_type, headers=headers)


def test_compresses_large_responses(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG)))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == BIG
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert int(response.headers["Content-Length"]) < len(BIG)


def test_compressed_body_is_valid_gzip(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG)))
    with client.stream("GET", "/", headers={"accept-encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert gzip.decompress(raw) == BIG.encode()
    assert int(response.headers["Content-Length"]) == len(raw)


def test_small_responses_are_left_alone(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse("x" * 499)))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "x" * 499
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers
    assert response.headers["Content-Length"] == "499"


def test_minimum_size_and_compresslevel(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse("x" * 20), minimum_size=10, compresslevel=1))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "x" * 20
    assert response.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    "accept_encoding", ["identity", "gzip;q=0", "deflate, gzip; q=0.0", "gzip;q=nope", "GZIP", "nogzip", ""]
)
def test_client_not_accepting_gzip(test_client_factory: TestClientFactory, accept_encoding: str) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG)))
    response = client.get("/", headers={"accept-encoding": accept_encoding})
    assert response.text == BIG
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Length"] == str(len(BIG))
    # The response could have been compressed: caches must know it depends on the header.
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    "accept_encoding", ["x-gzip", "Gzip, gzip", "br, gzip;q=0.5", "gzip; level=1; q=1", "deflate,gzip"]
)
def test_client_accepting_gzip(test_client_factory: TestClientFactory, accept_encoding: str) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG)))
    response = client.get("/", headers={"accept-encoding": accept_encoding})
    assert response.headers["Content-Encoding"] == "gzip"


def test_existing_vary_header(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG, headers={"Vary": "Origin"})))
    assert client.get("/", headers={"accept-encoding": "gzip"}).headers["Vary"] == "Origin, Accept-Encoding"

    client = test_client_factory(app_returning(PlainTextResponse(BIG, headers={"Vary": "origin, accept-encoding"})))
    assert client.get("/", headers={"accept-encoding": "gzip"}).headers["Vary"] == "origin, accept-encoding"


def test_streaming_response(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(streaming(b"a" * 10, b"b" * 10, headers={"Content-Length": "20"})))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "a" * 10 + "b" * 10
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert "Content-Length" not in response.headers


def test_streaming_response_identity(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(streaming(b"a" * 10, b"b" * 10)))
    response = client.get("/", headers={"accept-encoding": "identity"})
    assert response.text == "a" * 10 + "b" * 10
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"


def gzip_scope() -> Scope:
    return {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", b"gzip")]}


async def no_receive() -> Message:
    raise AssertionError("receive() should not be called")  # pragma: no cover


@pytest.mark.anyio
async def test_each_streamed_chunk_is_flushed() -> None:
    """Every chunk can be decoded on arrival, so streams (and server-sent events) are not held back."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for part in (b"first", b"second", b""):
            await send({"type": "http.response.body", "body": part, "more_body": bool(part)})

    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    decoded: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            decoded.append(decoder.decompress(message["body"]))

    await GZipMiddleware(app)(gzip_scope(), no_receive, send)
    assert decoded == [b"first", b"second", b""]
    assert decoder.eof


@pytest.mark.anyio
async def test_large_chunks_are_compressed_in_a_thread() -> None:
    payload = b"y" * 1000

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": payload, "more_body": True})
        await send({"type": "http.response.body", "body": payload, "more_body": False})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(app, minimum_size=1, thread_minimum_size=100)(gzip_scope(), no_receive, send)
    assert gzip.decompress(b"".join(message["body"] for message in sent[1:])) == payload * 2


@pytest.mark.parametrize(
    "response",
    [
        PlainTextResponse(BIG, headers={"Content-Encoding": "br"}),
        PlainTextResponse(BIG, media_type="text/event-stream"),
        PlainTextResponse(BIG, media_type="image/png"),
        PlainTextResponse(BIG, media_type="audio/mpeg"),
        PlainTextResponse(BIG, media_type="Video/MP4; codecs=avc1"),
        PlainTextResponse(BIG, status_code=206, headers={"Content-Range": "bytes 0-3999/8000"}),
        PlainTextResponse(BIG, headers={"Content-Range": "bytes 0-3999/8000"}),
    ],
)
def test_responses_left_alone(test_client_factory: TestClientFactory, response: Response) -> None:
    client = test_client_factory(app_returning(response))
    with client.stream("GET", "/", headers={"accept-encoding": "gzip"}) as result:
        raw = b"".join(result.iter_raw())
    assert raw == BIG.encode()
    assert result.headers.get("Content-Encoding") != "gzip"
    assert "Vary" not in result.headers


def test_excluded_streaming_response(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        app_returning(streaming(b"data: 1\n\n", b"data: 2\n\n", media_type="text/event-stream"))
    )
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "data: 1\n\ndata: 2\n\n"
    assert "Content-Encoding" not in response.headers


def test_custom_excluded_content_types(test_client_factory: TestClientFactory) -> None:
    app = app_returning(PlainTextResponse(BIG, media_type="text/csv"), exclude_content_types=("text/csv", "font/*"))
    response = test_client_factory(app).get("/", headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in response.headers

    app = app_returning(PlainTextResponse(BIG, media_type="image/png"), exclude_content_types=())
    assert test_client_factory(app).get("/", headers={"accept-encoding": "gzip"}).headers["Content-Encoding"] == "gzip"


@pytest.mark.anyio
async def test_pathsend_is_passed_on(tmp_path: Path) -> None:
    path = tmp_path / "example.txt"
    path.write_text(BIG)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await FileResponse(path)(scope, receive, send)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = gzip_scope()
    scope["extensions"] = {"http.response.pathsend": {}}
    await GZipMiddleware(app)(scope, no_receive, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.pathsend"]
    assert (b"content-encoding", b"gzip") not in sent[0]["headers"]


@pytest.mark.anyio
async def test_other_messages_are_passed_on() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {}})
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": b"x" * 600})
        await send({"type": "http.response.trailers", "headers": [(b"grpc-status", b"0")], "more_trailers": False})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(app)(gzip_scope(), no_receive, send)
    assert [message["type"] for message in sent] == [
        "http.response.debug",
        "http.response.start",
        "http.response.body",
        "http.response.trailers",
    ]
    assert sent[3]["headers"] == [(b"grpc-status", b"0")]


@pytest.mark.anyio
@pytest.mark.parametrize("accept_encoding", [b"gzip", b"identity"])
@pytest.mark.parametrize("more_body", [True, False])
async def test_response_with_trailers_has_no_length(accept_encoding: bytes, more_body: bool) -> None:
    """Trailers follow the body, so the length of a compressed body is never announced."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": b"x" * 4000, "more_body": more_body})
        if more_body:
            await send({"type": "http.response.body", "body": b""})
        await send({"type": "http.response.trailers", "headers": [(b"grpc-status", b"0")]})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = gzip_scope()
    scope["headers"] = [(b"accept-encoding", accept_encoding)]
    await GZipMiddleware(app)(scope, no_receive, send)
    start, *bodies, trailers = sent
    assert not any(name == b"content-length" for name, _ in start["headers"])
    assert trailers == {"type": "http.response.trailers", "headers": [(b"grpc-status", b"0")]}
    body = b"".join(message["body"] for message in bodies)
    if accept_encoding == b"gzip":
        assert (b"content-encoding", b"gzip") in start["headers"]
        body = gzip.decompress(body)
    assert body == b"x" * 4000
    assert (b"vary", b"Accept-Encoding") in start["headers"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-type", b"text/event-stream")],
        [(b"content-type", b"application/grpc"), (b"content-length", b"4000")],
        [(b"content-encoding", b"br")],
    ],
)
async def test_start_is_sent_at_once_when_nothing_is_compressed(headers: list[tuple[bytes, bytes]]) -> None:
    """A response that is never compressed is not held back: a stream's start reaches the client at once."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {"type": "http.response.start", "status": 200, "headers": headers}
        await send(start)
        assert sent == [start]  # already sent, and unchanged
        await send({"type": "http.response.body", "body": b"x" * 4000})

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(app)(gzip_scope(), no_receive, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"x" * 4000


@pytest.mark.anyio
async def test_small_response_start_is_passed_on_unchanged() -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    start: Message = {"type": "http.response.start", "status": 200, "headers": headers}
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(app)(gzip_scope(), no_receive, send)
    assert sent[0] is start
    assert sent[0]["headers"] is headers
    assert headers == [(b"content-type", b"text/plain"), (b"content-length", b"2")]


@pytest.mark.parametrize(
    "media_type",
    ["application/grpc", "application/grpc+proto", "Application/GRPC+json; charset=utf-8", "font/woff2"],
)
def test_default_exclusions_cover_structured_syntax_variants(
    test_client_factory: TestClientFactory, media_type: str
) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG, media_type=media_type)))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == BIG
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers


@pytest.mark.parametrize("media_type", ["image/svg+xml", "application/json", "application/problem+json"])
def test_text_like_types_are_compressed(test_client_factory: TestClientFactory, media_type: str) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG, media_type=media_type)))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_configured_exclusions_are_normalized(test_client_factory: TestClientFactory) -> None:
    excluded = ("Application/ZIP; charset=utf-8", " Text/CSV ")
    for media_type in ("application/zip", "text/csv"):
        app = app_returning(PlainTextResponse(BIG, media_type=media_type), exclude_content_types=excluded)
        response = test_client_factory(app).get("/", headers={"accept-encoding": "gzip"})
        assert "Content-Encoding" not in response.headers

    responder = GZipResponder(PlainTextResponse(BIG, media_type="application/zip"), 500, exclude_content_types=excluded)
    response = test_client_factory(responder).get("/", headers={"accept-encoding": "gzip"})
    assert response.text == BIG
    assert "Content-Encoding" not in response.headers


def test_every_vary_header_is_kept(test_client_factory: TestClientFactory) -> None:
    response = PlainTextResponse(BIG, headers={"Vary": "Accept-Language"})
    response.headers.append("Vary", "Cookie")
    client = test_client_factory(app_returning(response))
    result = client.get("/", headers={"accept-encoding": "gzip"})
    assert result.headers.get_list("vary") == ["Accept-Language, Cookie, Accept-Encoding"]

    varying_on_everything = PlainTextResponse(BIG, headers={"Vary": "*"})
    result = test_client_factory(app_returning(varying_on_everything)).get("/", headers={"accept-encoding": "gzip"})
    assert result.headers.get_list("vary") == ["*"]
    assert result.headers["Content-Encoding"] == "gzip"


def test_missing_accept_encoding(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_returning(PlainTextResponse(BIG)))
    response = client.get("/", headers={"accept-encoding": ""})
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.anyio
async def test_non_http_passes_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await GZipMiddleware(app)({"type": "websocket"}, no_receive, unattached_send)
    assert seen == ["websocket"]


@pytest.mark.anyio
async def test_unattached_send() -> None:
    with pytest.raises(RuntimeError, match="send awaitable not set"):
        await unattached_send({"type": "http.response.start"})


def test_responder_attributes() -> None:
    app: ASGIApp = PlainTextResponse("x")
    identity = IdentityResponder(app, 10)
    assert identity.app is app
    assert identity.minimum_size == 10
    assert identity.exclude_content_types == DEFAULT_EXCLUDED_CONTENT_TYPES
    assert identity.send is unattached_send
    assert identity.initial_message == {}
    assert identity.started is False
    assert identity.content_encoding_set is False
    assert identity.content_type_is_excluded is False
    assert identity.partial_response is False
    assert identity.content_encoding == "identity"

    responder = GZipResponder(app, 10, compresslevel=5, thread_minimum_size=64, exclude_content_types=("a/b",))
    assert responder.content_encoding == "gzip"
    assert responder.compresslevel == 5
    assert responder.thread_minimum_size == 64
    assert responder.exclude_content_types == ("a/b",)
    assert responder.compressor is responder.compressor

    middleware = GZipMiddleware(app, minimum_size=1, compresslevel=2, thread_minimum_size=3)
    assert (middleware.app, middleware.minimum_size, middleware.compresslevel) == (app, 1, 2)
    assert middleware.thread_minimum_size == 3
    assert middleware.exclude_content_types == DEFAULT_EXCLUDED_CONTENT_TYPES
    assert "text/event-stream" in DEFAULT_EXCLUDED_CONTENT_TYPES


@pytest.mark.anyio
async def test_request_without_accept_encoding() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(BIG)(scope, receive, send)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"example.org")]}
    await GZipMiddleware(app)(scope, no_receive, send)
    assert (b"vary", b"Accept-Encoding") in sent[0]["headers"]
    assert (b"content-length", b"4000") in sent[0]["headers"]
    assert sent[1]["body"] == BIG.encode()


@pytest.mark.anyio
async def test_many_distinct_content_types() -> None:
    """Content types are classified once each up to a bound; past it they are still classified each time."""
    content_types = [f"text/x-type{index}".encode() for index in range(300)] + [b"image/png"]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        index: int = scope["index"]
        headers = [(b"content-type", content_types[index])]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * 1000})

    middleware = GZipMiddleware(app, exclude_content_types=("image/*", "font/woff"))
    for _ in range(2):
        for index, content_type in enumerate(content_types):
            sent: list[Message] = []

            async def send(message: Message) -> None:
                sent.append(message)  # noqa: B023

            await middleware({**gzip_scope(), "index": index}, no_receive, send)
            compressed = (b"content-encoding", b"gzip") in sent[0]["headers"]
            assert compressed is (content_type != b"image/png")


def test_exclusions_given_as_a_list(test_client_factory: TestClientFactory) -> None:
    excluded: Any = ["text/csv"]
    app = GZipMiddleware(PlainTextResponse(BIG, media_type="text/csv"), exclude_content_types=excluded)
    response = test_client_factory(app).get("/", headers={"accept-encoding": "gzip"})
    assert response.text == BIG
    assert "Content-Encoding" not in response.headers
