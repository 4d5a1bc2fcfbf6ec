from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from typing_extensions import assert_type

from starlette.background import BackgroundTask
from starlette.datastructures import URL, MutableHeaders
from starlette.responses import (
    AsyncContentStream,
    ContentStream,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    MalformedRangeHeader,
    PlainTextResponse,
    RangeNotSatisfiable,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.types import ASGIApp, Receive, Send

# --- Response ------------------------------------------------------------------------------------

task = BackgroundTask(print, "sent")
response = Response("hi", status_code=201, headers={"x-a": "b"}, media_type="text/plain", background=task)
assert_type(response.status_code, int)
assert_type(response.body, bytes | memoryview)
assert_type(response.media_type, str | None)
assert_type(response.charset, str)
assert_type(response.background, BackgroundTask | None)
assert_type(response.raw_headers, list[tuple[bytes, bytes]])
assert_type(response.headers, MutableHeaders)
assert_type(response.render(b"x"), bytes | memoryview)
assert_type(response.init_headers({"x": "y"}), None)
as_app: ASGIApp = response

response.set_cookie("session", "abc", max_age=60, expires=datetime.now(timezone.utc), samesite="strict")
response.set_cookie("session", expires=3600, path=None, domain="example.org", secure=True, httponly=True)
response.set_cookie("session", expires="Thu, 01 Jan 2037 00:00:00 GMT", samesite=None, partitioned=False)
response.delete_cookie("session", path="/", domain=None, secure=True, httponly=True, samesite="none")

response.set_cookie("session", samesite="Lax")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
response.set_cookie("session", max_age="60")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
response.set_cookie("session", expires=1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
response.delete_cookie("session", path=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Response(status_code="200")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Response("x", headers={"x-count": 1})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
response.status_code = "200 OK"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
response.body = "text"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]


class CSVResponse(Response):
    media_type = "text/csv"

    def render(self, content: list[list[str]]) -> bytes:
        return "\n".join(",".join(row) for row in content).encode(self.charset)


csv = CSVResponse([["a", "b"]])
assert_type(csv.render([["c"]]), bytes)


class BadRender(Response):
    def render(self, content: Any) -> str:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]  # ty: ignore[incompatible-method-override]
        return str(content)


# --- HTMLResponse, PlainTextResponse, JSONResponse -------------------------------------------------

html = HTMLResponse("<p>hi</p>")
assert_type(html, HTMLResponse)
plain = PlainTextResponse(b"hi", status_code=404)
assert_type(plain.media_type, str | None)

json_response = JSONResponse({"a": [1, 2, None]}, status_code=201, headers={"x": "y"}, background=task)
assert_type(json_response.render({"b": 1}), bytes)
assert_type(json_response.body, bytes | memoryview)

JSONResponse()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
JSONResponse({}, status_code=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


class OrjsonLikeResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return repr(content).encode()


# --- RedirectResponse ----------------------------------------------------------------------------

redirect = RedirectResponse("/login", status_code=303, headers={"x": "y"}, background=task)
assert_type(redirect, RedirectResponse)
RedirectResponse(URL("https://example.org/"))

RedirectResponse(url=3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
RedirectResponse("/", media_type="text/html")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]


# --- StreamingResponse ---------------------------------------------------------------------------


async def async_chunks() -> AsyncIterator[str]:
    yield "a"


def sync_chunks() -> Iterator[bytes]:
    yield b"a"


def int_chunks() -> Iterator[int]:
    yield 1


streaming = StreamingResponse(async_chunks(), media_type="text/plain", background=task)
assert_type(streaming.body_iterator, AsyncContentStream)
StreamingResponse(sync_chunks(), status_code=206, headers={"content-length": "1"})
StreamingResponse([b"a", "b", memoryview(b"c")])
stream: ContentStream = async_chunks()
StreamingResponse(stream)


async def drive(receive: Receive, send: Send) -> None:
    assert_type(await streaming.listen_for_disconnect(receive), None)
    assert_type(await streaming.stream_response(send), None)
    assert_type(await streaming({"type": "http"}, receive, send), None)


StreamingResponse(int_chunks())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StreamingResponse(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StreamingResponse()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]


# --- FileResponse and range errors ---------------------------------------------------------------

file_response = FileResponse(
    Path("report.pdf"),
    status_code=200,
    headers={"cache-control": "no-cache"},
    media_type="application/pdf",
    background=task,
    filename="report.pdf",
    stat_result=os.stat("."),
    content_disposition_type="inline",
)
FileResponse("relative/path.txt")
assert_type(file_response.path, str | os.PathLike[str])
assert_type(file_response.filename, str | None)
assert_type(file_response.stat_result, os.stat_result | None)
assert_type(file_response.chunk_size, int)
assert_type(file_response.max_ranges, int)
assert_type(file_response.set_stat_headers(os.stat(".")), None)
length, part_header = file_response.generate_multipart([(0, 10), (20, 30)], "boundary", 100, "text/plain")
assert_type(length, int)
assert_type(part_header, Callable[[int, int], bytes])

FileResponse(b"/etc/passwd")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
FileResponse("x", stat_result="big")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
FileResponse("x", filename=Path("x"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
file_response.generate_multipart([(0, "10")], "b", 1, "t")  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

malformed = MalformedRangeHeader()
assert_type(malformed.content, str)
MalformedRangeHeader("Only support bytes range")
unsatisfiable = RangeNotSatisfiable(100)
assert_type(unsatisfiable.max_size, int)

MalformedRangeHeader(400)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
RangeNotSatisfiable("100")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
RangeNotSatisfiable()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
