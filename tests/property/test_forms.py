"""Properties of form parsing: urlencoded against python-multipart's own parser, multipart under hostile bodies.

Bodies are split into chunks at generated offsets, so every way a field or a
boundary can straddle chunks is tried.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from contextlib import contextmanager
from tempfile import SpooledTemporaryFile
from typing import Any
from unittest import mock
from urllib.parse import unquote_plus

import anyio
from hypothesis import given
from hypothesis import strategies as st
from python_multipart.multipart import QuerystringParser

import starlette.formparsers as formparsers
from starlette.applications import Starlette
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tests.property.driver import http, http_scope, split

URLENCODED = Headers({"content-type": "application/x-www-form-urlencoded"})
cuts = st.lists(st.integers(min_value=0), max_size=6)

urlencoded_bodies = st.lists(
    st.sampled_from(
        [b"a", b"b", b"=", b"&", b"%", b"%2", b"%41", b"%zz", b"%ff", b"%C3%A9", b"+", b"\xff", b";", b"x" * 30]
    )
).map(b"".join)


def reference_fields(body: bytes) -> list[tuple[str, str]]:
    """The fields python-multipart's `QuerystringParser` finds, decoded as upstream Starlette decodes them."""
    fields: list[tuple[str, str]] = []
    name, value = bytearray(), bytearray()

    def on_field_start() -> None:
        name.clear()
        value.clear()

    def on_field_name(data: bytes, start: int, end: int) -> None:
        name.extend(data[start:end])

    def on_field_data(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])

    def on_field_end() -> None:
        fields.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))

    callbacks: Any = {
        "on_field_start": on_field_start,
        "on_field_name": on_field_name,
        "on_field_data": on_field_data,
        "on_field_end": on_field_end,
    }
    parser = QuerystringParser(callbacks)
    parser.write(body)
    parser.finalize()
    return fields


async def _stream(chunks: list[bytes]) -> AsyncGenerator[bytes, None]:
    for chunk in [*chunks, b""]:
        yield chunk


def parse_urlencoded(chunks: list[bytes], **limits: int) -> FormData:
    async def parse() -> FormData:
        return await FormParser(URLENCODED, _stream(chunks), **limits).parse()

    result: FormData = anyio.run(parse)
    return result


@given(body=urlencoded_bodies, cuts=cuts)
def test_urlencoded_agrees_with_python_multipart_for_every_chunking(body: bytes, cuts: list[int]) -> None:
    assert parse_urlencoded(split(body, cuts)).multi_items() == reference_fields(body)


@given(body=urlencoded_bodies, cuts=cuts, max_part_size=st.integers(1, 40), max_memory_size=st.integers(1, 200))
def test_urlencoded_limits_hold_for_every_chunking(
    body: bytes, cuts: list[int], max_part_size: int, max_memory_size: int
) -> None:
    raw_fields = [field for field in body.split(b"&") if field]
    sizes = [len(field) - (b"=" in field) for field in raw_fields]
    try:
        form = parse_urlencoded(split(body, cuts), max_part_size=max_part_size, max_memory_size=max_memory_size)
    except MultiPartException:
        assert max(sizes) > max_part_size or sum(sizes) > max_memory_size
    else:
        assert max(sizes, default=0) <= max_part_size and sum(sizes) <= max_memory_size
        assert len(form.multi_items()) == len(raw_fields)


# --- multipart ---------------------------------------------------------------------------------

boundaries = st.text(alphabet="abcXYZ019'()+_,-./:=?", min_size=1, max_size=70)
part_headers = st.lists(
    st.sampled_from(
        [
            b"Content-Type: text/plain; charset=utf-8",
            b"Content-Type: text/plain; charset=nonsense",
            b"X-Extra: \xff\xfe",
            b"Content-Disposition: form-data",
            b"no colon here",
            b'Content-Disposition: form-data; name="dup"',
        ]
    ),
    max_size=3,
)
parts = st.lists(
    st.tuples(
        st.text(alphabet='nam\xe9"\\;', max_size=6),
        st.one_of(st.none(), st.text(alphabet="f.txt\xe9", max_size=6)),
        part_headers,
        st.binary(max_size=40),
    ),
    max_size=5,
)


def multipart_body(boundary: bytes, items: list[tuple[str, str | None, list[bytes], bytes]]) -> bytes:
    body = b""
    for name, filename, headers, content in items:
        disposition = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename.encode() + b'"'
        lines = [disposition, *headers]
        body += b"--" + boundary + b"\r\n" + b"\r\n".join(lines) + b"\r\n\r\n" + content + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


class TrackedFiles:
    """Every spooled temporary file the parser opens while installed."""

    def __init__(self) -> None:
        self.files: list[SpooledTemporaryFile[bytes]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> SpooledTemporaryFile[bytes]:
        spooled: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(*args, **kwargs)  # noqa: SIM115
        self.files.append(spooled)
        return spooled


@contextmanager
def tracked_files() -> Generator[TrackedFiles, None, None]:
    tracker = TrackedFiles()
    with mock.patch.object(formparsers, "SpooledTemporaryFile", tracker):
        yield tracker
    assert all(spooled.closed for spooled in tracker.files), "a temporary file was left open"


def parse_multipart(boundary: str, chunks: list[bytes], **limits: int) -> FormData:
    headers = Headers({"content-type": f"multipart/form-data; boundary={boundary}"})

    async def parse() -> FormData:
        form = await MultiPartParser(headers, _stream(chunks), **limits).parse()
        await form.close()
        return form

    result: FormData = anyio.run(parse)
    return result


@given(boundary=boundaries, items=parts, truncate=st.one_of(st.none(), st.integers(min_value=0)), cuts=cuts)
def test_multipart_parses_or_refuses_and_closes_every_file(
    boundary: str, items: list[tuple[str, str | None, list[bytes], bytes]], truncate: int | None, cuts: list[int]
) -> None:
    body = multipart_body(boundary.encode(), items)
    if truncate is not None:
        body = body[: truncate % (len(body) + 1)]
    with tracked_files():
        try:
            form = parse_multipart(boundary, split(body, cuts), max_part_size=30, max_memory_size=400)
        except MultiPartException:
            return
    values = [value for _, value in form.multi_items() if not isinstance(value, UploadFile)]
    assert all(len(value) <= 30 for value in values)  # decoding never makes text longer than its bytes
    assert sum(map(len, values)) <= 400


@given(boundary=boundaries, contents=st.lists(st.binary(max_size=30), max_size=5), cuts=cuts)
def test_multipart_well_formed_fields_round_trip(boundary: str, contents: list[bytes], cuts: list[int]) -> None:
    items: list[tuple[str, str | None, list[bytes], bytes]] = [
        (f"f{index}", None, [], content) for index, content in enumerate(contents)
    ]
    body = multipart_body(boundary.encode(), items)
    with tracked_files():
        form = parse_multipart(boundary, split(body, cuts))
    expected = [(f"f{index}", content.decode("utf-8", "replace")) for index, content in enumerate(contents)]
    decoded = [(name, value if isinstance(value, str) else "") for name, value in form.multi_items()]
    assert [name for name, _ in decoded] == [name for name, _ in expected]
    for (_, got), content in zip(decoded, contents, strict=True):
        assert got in (content.decode("utf-8", "replace"), content.decode("latin-1"))


async def count_form(request: Request) -> Response:
    async with request.form(max_memory_size=1000) as form:
        return PlainTextResponse(str(len(form)))


form_app = Starlette(routes=[Route("/", count_form, methods=["POST"])])


@given(
    boundary=boundaries,
    items=parts,
    truncate=st.one_of(st.none(), st.integers(min_value=0)),
    cuts=cuts,
    urlencoded=st.booleans(),
)
def test_forms_through_an_application_never_500(
    anyio_backend: str,
    boundary: str,
    items: list[tuple[str, str | None, list[bytes], bytes]],
    truncate: int | None,
    cuts: list[int],
    urlencoded: bool,
) -> None:
    if urlencoded:
        body = b"&".join(name.encode() + b"=" + content for name, _, _, content in items)
        content_type = b"application/x-www-form-urlencoded"
    else:
        body = multipart_body(boundary.encode(), items)
        content_type = b"multipart/form-data; boundary=" + boundary.encode()
    if truncate is not None:
        body = body[: truncate % (len(body) + 1)]
    scope = http_scope(method="POST", headers=[(b"content-type", content_type)])
    with tracked_files():
        status, _ = http(form_app, scope, split(body, cuts), anyio_backend)
    assert status in (200, 400, 413)
