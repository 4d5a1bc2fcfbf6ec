"""Typing cases for `starlette.formparsers`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Literal

from typing_extensions import assert_type

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import (
    FormMessage,
    FormParser,
    MultiPartException,
    MultiPartParser,
    MultipartPart,
    _user_safe_decode,  # pyright: ignore[reportPrivateUsage]
    parse_options_header,
)


async def body() -> AsyncGenerator[bytes, None]:
    yield b"a=1"


async def urlencoded(headers: Headers) -> None:
    parser = FormParser(headers, body(), max_fields=10, max_part_size=4096)
    assert_type(await parser.parse(), FormData)
    assert_type(parser.headers, Headers)
    assert_type(parser.stream, AsyncGenerator[bytes, None])
    assert_type(parser.max_fields, int | float)
    assert_type(parser.max_part_size, int)
    assert_type(parser.on_field_start(), None)
    assert_type(parser.on_field_name(b"name", 0, 4), None)
    assert_type(parser.on_field_data(b"value", 0, 5), None)
    assert_type(parser.on_field_end(), None)
    FormParser(headers, body(), max_fields=float("inf"))
    FormParser(headers, body(), 10)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
    FormParser(headers, [b"a=1"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    FormParser({"content-type": "x"}, body())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    FormParser(headers, body(), max_part_size="1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    parser.on_field_name("name", 0, 4)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


async def multipart(headers: Headers) -> None:
    parser = MultiPartParser(headers, body(), max_files=1, max_fields=float("inf"), max_part_size=1024)
    form = await parser.parse()
    assert_type(form, FormData)
    assert_type(form.getlist("file"), list[str | UploadFile])
    assert_type(parser.items, list[tuple[str, str | UploadFile]])
    assert_type(parser.max_files, int | float)
    assert_type(parser.max_fields, int | float)
    assert_type(parser.max_part_size, int)
    assert_type(parser.headers, Headers)
    assert_type(parser.stream, AsyncGenerator[bytes, None])
    assert_type(MultiPartParser.spool_max_size, int)
    assert_type(MultiPartParser.max_part_size, int)
    parser.on_part_begin()
    parser.on_header_field(b"Content-Disposition", 0, 19)
    parser.on_header_value(b'form-data; name="a"', 0, 19)
    parser.on_header_end()
    parser.on_headers_finished()
    parser.on_part_data(b"value", 0, 5)
    parser.on_part_end()
    parser.on_end()
    MultiPartParser.spool_max_size = 10 * 1024 * 1024
    MultiPartParser(headers, body(), max_files="1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    MultiPartParser(headers, body(), 1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
    MultiPartParser(headers)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    parser.on_part_data(b"value")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    parser.items = [("a", 1)]  # type: ignore[list-item]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]


def parts_and_errors() -> None:
    part = MultipartPart(field_name="avatar")
    assert_type(part.content_disposition, bytes | None)
    assert_type(part.field_name, str)
    assert_type(part.data, bytearray)
    assert_type(part.file, UploadFile | None)
    assert_type(part.item_headers, list[tuple[bytes, bytes]])
    MultipartPart(field_name=b"avatar")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    MultipartPart(item_headers=[("a", "b")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

    error = MultiPartException("Too many files.")
    assert_type(error.message, str)
    assert isinstance(error, Exception)
    MultiPartException()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]

    assert_type(FormMessage.FIELD_START.value, Literal[1])
    assert_type(FormMessage.END.name, Literal["END"])
    messages: list[FormMessage] = [FormMessage.FIELD_NAME, FormMessage.FIELD_DATA]
    assert_type(messages[0], FormMessage)
    message: FormMessage = 1  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    assert_type(message, FormMessage)


def helpers() -> None:
    assert_type(_user_safe_decode(b"caf\xc3\xa9", "utf-8"), str)
    assert_type(_user_safe_decode(bytearray(b"x"), "latin-1"), str)
    _user_safe_decode("text", "utf-8")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    if parse_options_header is not None:
        assert_type(parse_options_header("form-data; name=a"), tuple[bytes, dict[bytes, bytes]])
    parse_options_header("text/plain")  # type: ignore[misc]  # pyright: ignore[reportOptionalCall]  # ty: ignore[not-callable]
