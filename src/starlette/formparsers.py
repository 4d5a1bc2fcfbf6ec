"""Streaming parsers for HTML form bodies.

`FormParser` handles `application/x-www-form-urlencoded` bodies and
`MultiPartParser` handles `multipart/form-data` bodies. Both are fed an async
stream of body chunks and enforce their limits (number of fields and files,
size of a part) while parsing, so a hostile body is rejected with a
`MultiPartException` as soon as it crosses a limit rather than after it has
been buffered.

Besides the per-field limits, what a form keeps in memory (urlencoded fields,
and the values and headers of multipart parts; uploaded files go to disk past
`spool_max_size`) has a total bound, `max_memory_size`, 16 MiB by default: a
real form is far smaller, and without it `max_fields` × `max_part_size` let one
request hold a gigabyte.

Multipart bodies are parsed by the optional `python-multipart` package; form
parsing as a whole requires it, as in upstream Starlette.
"""

from __future__ import annotations

import codecs
import importlib
import io
import warnings
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from enum import Enum
from tempfile import SpooledTemporaryFile
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast
from urllib.parse import unquote_plus, unquote_to_bytes

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import StarletteDeprecationWarning

if TYPE_CHECKING:
    import python_multipart
    from python_multipart.multipart import MultipartCallbacks

__all__ = [
    "FormMessage",
    "FormParser",
    "MultiPartException",
    "MultiPartParser",
    "MultipartPart",
]

_MULTIPART_NOT_INSTALLED = "The `python-multipart` library must be installed to use form parsing."


class _MultipartModule(Protocol):
    """The part of python-multipart's top-level module the parsers use."""

    @property
    def MultipartParser(self) -> type[python_multipart.MultipartParser]: ...


_OptionsHeaderParser = Callable[[str | bytes | None], tuple[bytes, dict[bytes, bytes]]]


def _import_multipart() -> tuple[_MultipartModule | None, _OptionsHeaderParser | None]:
    """Import python-multipart under its current name, or its pre-0.0.13 name `multipart`.

    Returns `(None, None)` when neither is installed, so that `import starlette.formparsers`
    keeps working and only form parsing itself fails.
    """
    try:
        import python_multipart
        from python_multipart.multipart import parse_options_header
    except ModuleNotFoundError:
        pass
    else:
        return python_multipart, parse_options_header
    try:
        legacy = importlib.import_module("multipart")
        legacy_parsers = importlib.import_module("multipart.multipart")
    except ModuleNotFoundError:
        return None, None
    return cast("_MultipartModule", legacy), cast("_OptionsHeaderParser", legacy_parsers.parse_options_header)


multipart: _MultipartModule | None
"""python-multipart's module, or `None` when it is not installed."""
parse_options_header: _OptionsHeaderParser | None
"""python-multipart's `Content-Type`/`Content-Disposition` parser, or `None` when it is not installed."""
multipart, parse_options_header = _import_multipart()


def _require_multipart() -> tuple[_MultipartModule, _OptionsHeaderParser]:
    """Return python-multipart's module and header parser.

    Raises:
        AssertionError: python-multipart is not installed.
    """
    assert multipart is not None and parse_options_header is not None, _MULTIPART_NOT_INSTALLED
    return multipart, parse_options_header


def _user_safe_decode(src: bytes | bytearray, codec: str) -> str:
    """Decode client-supplied bytes with `codec`, falling back to latin-1.

    The codec name comes from the client too, so an unknown or unusable codec
    (`LookupError`) is treated like undecodable bytes (`ValueError`, which
    covers every `UnicodeError`).
    """
    try:
        return src.decode(codec)
    except (LookupError, ValueError):
        return src.decode("latin-1")


class FormMessage(Enum):
    """The events a urlencoded body is made of, in the order a parser reports them.

    Deprecated: calling it (`FormMessage(1)`) emits a `StarletteDeprecationWarning`.
    """

    FIELD_START = 1
    FIELD_NAME = 2
    FIELD_DATA = 3
    FIELD_END = 4
    END = 5


def _deprecated_form_message_lookup(cls: type[FormMessage], value: object) -> FormMessage:
    warnings.warn(
        "`FormMessage` is deprecated and will be removed in a future version.",
        StarletteDeprecationWarning,
        stacklevel=3,  # past `EnumMeta.__call__`, to the caller
    )
    return Enum.__new__(cls, value)


# `FormMessage(1)` looks the member up through `__new__` (Enum installs its own after the class is
# built, so it is replaced afterwards); a metaclass would hide the members' types from type checkers.
setattr(FormMessage, "__new__", _deprecated_form_message_lookup)  # noqa: B010


class MultiPartException(Exception):
    """A form body broke a parser limit or is malformed.

    `Request.form()` turns it into a `400 Bad Request` inside an application.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message: str = message
        """What is wrong with the body, safe to show to the client."""


def _too_many_fields(max_fields: float) -> MultiPartException:
    return MultiPartException(f"Too many fields. Maximum number of fields is {max_fields}.")


def _too_many_files(max_files: float) -> MultiPartException:
    return MultiPartException(f"Too many files. Maximum number of files is {max_files}.")


def _part_too_large(max_part_size: int) -> MultiPartException:
    return MultiPartException(f"Part exceeded maximum size of {max_part_size // 1024}KB.")


def _field_too_large(max_part_size: int) -> MultiPartException:
    return MultiPartException(f"Field exceeded maximum size of {max_part_size // 1024}KB.")


DEFAULT_MAX_MEMORY_SIZE = 16 * 1024 * 1024
"""The default bound on the form data one request keeps in memory (16 MiB)."""


def _trim_in_memory_buffer(file: BinaryIO) -> None:
    """Shrink a spooled file's in-memory buffer to its content, once the part is written.

    `BytesIO` over-allocates as it grows, so reading it whole copies the data into
    a new object; once trimmed, a whole read hands back the buffer itself (a
    256 KB upload reads without a copy). `SpooledTemporaryFile` keeps the buffer
    in its private `_file`: a file that rolled over to disk, or a buffer that is
    not a `BytesIO`, is left as it is.
    """
    buffer = getattr(file, "_file", None)
    if isinstance(buffer, io.BytesIO):
        buffer.getvalue()  # trims the buffer to the content it returns, without copying


class FormTooLarge(MultiPartException):
    """The form's in-memory data went over `max_memory_size`: a `413`, not a `400`, inside an application."""

    def __init__(self, max_memory_size: int) -> None:
        super().__init__(f"Form data exceeded maximum in-memory size of {max_memory_size // 1024}KB.")


_INVALID_MULTIPART = "Invalid multipart data."
# RFC 2046 section 5.1.1 allows 70 bytes; python-multipart's own bound, with headroom for every client.
_MAX_BOUNDARY_LENGTH = 256

# Part headers do not count against `max_part_size` (only values do, as upstream); they get a fixed
# bound instead, the one recent python-multipart releases enforce themselves for a header line.
_MAX_PART_HEADER_SIZE = 4096 + 128
_MAX_PART_HEADERS = 64
"""The most headers a part may have (recent python-multipart releases allow only 8)."""


def _decode_form_component(raw: bytes | bytearray) -> str:
    """Decode a urlencoded field name or value: `+` is a space, `%XX` a UTF-8 escape.

    The result is `unquote_plus(raw.decode("latin-1"))`, as python-multipart based parsing
    always gave; it is computed directly on the bytes when they are ASCII (the usual case).
    """
    if b"%" not in raw and b"+" not in raw:
        return raw.decode("latin-1")
    if raw.isascii():
        return unquote_to_bytes(bytes(raw).replace(b"+", b" ")).decode("utf-8", "replace")
    return unquote_plus(raw.decode("latin-1"))


class FormParser:
    """Parse an `application/x-www-form-urlencoded` body into `FormData`.

    The body is split on `&` as it arrives, chunk by chunk; a field cut by a
    chunk boundary is carried over. Empty fields (`&&`) are skipped, a field
    without `=` has an empty value, and names and values are unquoted (`+` and
    `%XX`). The limits are checked field by field, even within one chunk.

    Args:
        headers: The request headers.
        stream: The request body, as an async iterator of byte chunks.
        max_fields: The most fields the body may contain.
        max_part_size: The most bytes a field, its name and value together, may take (still percent-encoded).
        max_memory_size: The most bytes all the fields together may take (their names and values).

    Raises:
        AssertionError: python-multipart is not installed (form parsing requires it, as upstream).
    """

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
        max_memory_size: int = DEFAULT_MAX_MEMORY_SIZE,
    ) -> None:
        _require_multipart()
        self.headers: Headers = headers
        self.stream: AsyncGenerator[bytes, None] = stream
        self.max_fields: int | float = max_fields
        self.max_part_size: int = max_part_size
        self.max_memory_size: int = max_memory_size
        self._current_fields = 0
        self._memory_size = 0  # the bytes of the fields so far, the current one included
        # The field being assembled from pieces: its name, then (after `=`) its value, still encoded.
        self._field_name = bytearray()
        self._field_value = bytearray()
        self._items: list[tuple[str, str | UploadFile]] = []

    def on_field_start(self) -> None:
        """Begin a new field.

        Raises:
            MultiPartException: The body has more than `max_fields` fields.
        """
        self._current_fields += 1
        if self._current_fields > self.max_fields:
            raise _too_many_fields(self.max_fields)
        self._field_name = bytearray()
        self._field_value = bytearray()

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        """Add `data[start:end]` to the current field's name.

        Raises:
            MultiPartException: The field is longer than `max_part_size`, or the fields than `max_memory_size`.
        """
        self._count(end - start)
        self._field_name += data[start:end]

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        """Add `data[start:end]` to the current field's value.

        Raises:
            MultiPartException: The field is longer than `max_part_size`, or the fields than `max_memory_size`.
        """
        self._count(end - start)
        self._field_value += data[start:end]

    def _count(self, size: int) -> None:
        """Check the limits before `size` more bytes are added to the current field."""
        if len(self._field_name) + len(self._field_value) + size > self.max_part_size:
            raise _field_too_large(self.max_part_size)
        self._memory_size += size
        if self._memory_size > self.max_memory_size:
            raise FormTooLarge(self.max_memory_size)

    def on_field_end(self) -> None:
        """Decode the current field and add it to the parsed items."""
        self._items.append((_decode_form_component(self._field_name), _decode_form_component(self._field_value)))

    async def parse(self) -> FormData:
        """Consume the stream and return the fields it holds.

        Raises:
            MultiPartException: A limit was exceeded.
        """
        in_field = False  # whether the last chunk ended inside a field
        in_value = False  # whether that field's `=` has been seen
        async with aclosing(self.stream) as stream:
            async for chunk in stream:
                if not chunk:
                    continue
                fields = chunk.split(b"&")
                tail = fields.pop()  # unfinished: the next chunk may continue it
                if fields:
                    if in_field:
                        self._continue_field(fields[0], in_value)
                        self.on_field_end()
                        in_field = False
                        del fields[0]
                    self._add_fields(fields)
                if tail:
                    if not in_field:
                        self.on_field_start()
                        in_field, in_value = True, False
                    in_value = self._continue_field(tail, in_value)
        if in_field:
            self.on_field_end()
        return FormData(self._items)

    def _continue_field(self, piece: bytes, in_value: bool) -> bool:
        """Add a piece of the current field; return whether its value has started."""
        if not in_value:
            equals = piece.find(b"=")
            if equals == -1:
                self.on_field_name(piece, 0, len(piece))
                return False
            self.on_field_name(piece, 0, equals)
            self.on_field_data(piece, equals + 1, len(piece))
            return True
        self.on_field_data(piece, 0, len(piece))
        return True

    def _add_fields(self, fields: list[bytes]) -> None:
        """Add complete `name=value` fields: the common case, without the per-piece bookkeeping.

        Raises:
            MultiPartException: A limit was exceeded.
        """
        count, memory_size = self._current_fields, self._memory_size
        max_fields, max_size, max_memory_size = self.max_fields, self.max_part_size, self.max_memory_size
        try:
            for field_bytes in fields:
                if not field_bytes:
                    continue  # `&&`
                count += 1
                if count > max_fields:
                    raise _too_many_fields(max_fields)
                # The name and the value, without the `=` between them.
                size = len(field_bytes) - (b"=" in field_bytes)
                if size > max_size:
                    raise _field_too_large(max_size)
                memory_size += size
                if memory_size > max_memory_size:
                    raise FormTooLarge(max_memory_size)
        finally:
            self._current_fields, self._memory_size = count, memory_size
        self._items.extend(_decode_form_fields(fields))


def _decode_form_fields(fields: list[bytes]) -> list[tuple[str, str]]:
    """Decode complete raw `name=value` fields (empty ones are skipped) into pairs.

    When the fields are ASCII and hold no escaped `&` or `=`, they are unquoted all at
    once: decoding cannot then create a separator, and an escape cannot straddle one (`&`
    and `=` are not hex digits), so this is the field-by-field result, made faster.
    """
    raw = b"&".join(fields)
    if not raw.isascii() or b"%26" in raw or b"%3D" in raw or b"%3d" in raw:
        pairs: list[tuple[str, str]] = []
        for field_bytes in fields:
            if field_bytes:
                name, _, value = field_bytes.partition(b"=")
                pairs.append((_decode_form_component(name), _decode_form_component(value)))
        return pairs
    text = raw.replace(b"+", b" ")
    decoded = unquote_to_bytes(text).decode("utf-8", "replace") if b"%" in text else text.decode("ascii")
    # `partition("=")[::2]` is `(name, value)`: a C-level split (checkers only see `tuple[str, ...]`).
    return cast("list[tuple[str, str]]", [field.partition("=")[::2] for field in decoded.split("&") if field])  # ty: ignore[redundant-cast]  # ty-only: mypy and pyright see `tuple[str, ...]` from the slice


@dataclass
class MultipartPart:
    """The state of one part of a multipart body while it is being parsed."""

    content_disposition: bytes | None = None
    """The raw `Content-Disposition` header of the part, once seen."""
    field_name: str = ""
    """The form field the part belongs to."""
    data: bytearray = field(default_factory=bytearray)
    """The value read so far, for a part that is not a file."""
    file: UploadFile | None = None
    """Where the content goes, for a part that is a file upload."""
    item_headers: list[tuple[bytes, bytes]] = field(default_factory=list[tuple[bytes, bytes]])
    """The part's headers, names lower-cased."""


class MultiPartParser:
    """Parse a `multipart/form-data` body into `FormData`.

    Parts with a `filename` become `UploadFile`s backed by a
    `SpooledTemporaryFile` that moves to disk past `spool_max_size` bytes;
    other parts become strings. Text is decoded with the part's own
    `Content-Type` charset, else the charset named by a preceding `_charset_`
    field, else the request's charset, else UTF-8 (latin-1 when undecodable).

    Args:
        headers: The request headers; their `Content-Type` must carry the boundary.
        stream: The request body, as an async iterator of byte chunks.
        max_files: The most file parts the body may contain.
        max_fields: The most non-file parts the body may contain.
        max_part_size: The most bytes the value of a non-file part may take.
        max_memory_size: The most bytes the values of the non-file parts and the
            headers of all parts may take together.

    Raises:
        AssertionError: python-multipart is not installed.
    """

    spool_max_size: int = 1024 * 1024
    """Bytes an uploaded file keeps in memory before it is moved to a temporary file on disk."""
    max_part_size: int = 1024 * 1024
    """The default limit on the size of a non-file part."""

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
        max_memory_size: int = DEFAULT_MAX_MEMORY_SIZE,
    ) -> None:
        self._multipart, self._parse_options_header = _require_multipart()
        self.headers: Headers = headers
        self.stream: AsyncGenerator[bytes, None] = stream
        self.max_files: int | float = max_files
        self.max_fields: int | float = max_fields
        self.max_part_size = max_part_size
        self.max_memory_size: int = max_memory_size
        self._memory_size = 0
        self.items: list[tuple[str, str | UploadFile]] = []
        self._charset = "utf-8"
        self._codecs: dict[str, str] = {}
        self._file_count = 0
        self._field_count = 0
        self._current_part = MultipartPart()
        self._in_part = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        # The parser callbacks are synchronous, so file data is queued here and
        # written (possibly in a worker thread) once the current chunk is parsed.
        self._pending_writes: list[tuple[UploadFile, bytes]] = []
        self._files_to_rewind: list[UploadFile] = []
        self._files: list[UploadFile] = []

    def on_part_begin(self) -> None:
        """Begin a new part."""
        self._current_part = MultipartPart()
        self._in_part = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        """Add `data[start:end]` to the current part's value or file.

        Raises:
            MultiPartException: A non-file part is longer than `max_part_size`, or
                the form's in-memory data than `max_memory_size`.
        """
        part = self._current_part
        if part.file is None:
            if len(part.data) + end - start > self.max_part_size:
                raise _part_too_large(self.max_part_size)
            self._keep_in_memory(end - start)
            part.data += data[start:end]
        else:
            self._pending_writes.append((part.file, data[start:end]))

    def on_part_end(self) -> None:
        """Finish the current part and add it to `items`."""
        part = self._current_part
        self._in_part = False
        if part.file is not None:
            # Its content is still queued; `parse` writes it before returning the items.
            self._files_to_rewind.append(part.file)
            self.items.append((part.field_name, part.file))
            return
        value = _user_safe_decode(part.data, self._codec(self._part_charset(part)))
        if part.field_name == "_charset_":
            # HTML forms send the charset of the following fields in a `_charset_` field.
            self._charset = value.strip()
        self.items.append((part.field_name, value))

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        """Add `data[start:end]` to the name of the header being read.

        Raises:
            MultiPartException: The header is longer than `_MAX_PART_HEADER_SIZE` (`"Invalid multipart data."`),
                or the form's in-memory data than `max_memory_size`.
        """
        if len(self._header_name) + len(self._header_value) + end - start > _MAX_PART_HEADER_SIZE:
            raise MultiPartException(_INVALID_MULTIPART)
        self._keep_in_memory(end - start)
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        """Add `data[start:end]` to the value of the header being read.

        Raises:
            MultiPartException: The header is longer than `_MAX_PART_HEADER_SIZE` (`"Invalid multipart data."`),
                or the form's in-memory data than `max_memory_size`.
        """
        if len(self._header_name) + len(self._header_value) + end - start > _MAX_PART_HEADER_SIZE:
            raise MultiPartException(_INVALID_MULTIPART)
        self._keep_in_memory(end - start)
        self._header_value += data[start:end]

    def _keep_in_memory(self, size: int) -> None:
        """Count `size` more bytes of form data kept in memory, checking `max_memory_size`."""
        self._memory_size += size
        if self._memory_size > self.max_memory_size:
            raise FormTooLarge(self.max_memory_size)

    def on_header_end(self) -> None:
        """Record the header just read on the current part.

        Raises:
            MultiPartException: The part has more than `_MAX_PART_HEADERS` headers (`"Invalid multipart data."`).
        """
        if len(self._current_part.item_headers) == _MAX_PART_HEADERS:
            raise MultiPartException(_INVALID_MULTIPART)
        name = bytes(self._header_name).lower()
        value = bytes(self._header_value)
        if name == b"content-disposition":
            self._current_part.content_disposition = value
        self._current_part.item_headers.append((name, value))
        self._header_name = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        """Decide from the part's headers whether it is a field or a file.

        Raises:
            MultiPartException: The part has no `Content-Disposition` header with a `name`,
                or the body has more than `max_files` files or `max_fields` fields.
        """
        part = self._current_part
        _, options = self._parse_options_header(part.content_disposition)
        name = options.get(b"name")
        if name is None:
            raise MultiPartException('The Content-Disposition header field "name" must be provided.')
        part.field_name = _user_safe_decode(name, self._codec(self._charset))
        filename = options.get(b"filename")
        if filename is None:
            self._field_count += 1
            if self._field_count > self.max_fields:
                raise _too_many_fields(self.max_fields)
            return
        self._file_count += 1
        if self._file_count > self.max_files:
            raise _too_many_files(self.max_files)
        # Not a `with` block: the file outlives this call, and is closed by `FormData.close()` or on error.
        spooled: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=self.spool_max_size)  # noqa: SIM115
        part.file = UploadFile(
            file=cast(BinaryIO, spooled),
            size=0,
            filename=_user_safe_decode(filename, self._codec(self._charset)),
            headers=Headers(raw=part.item_headers),
        )
        self._files.append(part.file)

    def on_end(self) -> None:
        """Called once the closing boundary has been read; nothing is left to do."""

    async def parse(self) -> FormData:
        """Consume the stream and return the fields and files it holds.

        On any failure, including a client disconnect or cancellation, every
        temporary file opened so far is closed before the error propagates.

        Raises:
            MultiPartException: The `Content-Type` has no boundary, the body is
                malformed, or a limit was exceeded.
        """
        _, params = self._parse_options_header(self.headers.get("Content-Type"))
        charset = params.get(b"charset")
        if charset:
            self._charset = charset.decode("latin-1")
        boundary = params.get(b"boundary")
        if boundary is None:  # an empty `boundary=` is parsed as an empty boundary
            raise MultiPartException("Missing boundary in multipart.")
        if len(boundary) > _MAX_BOUNDARY_LENGTH:  # checked here too: older python-multipart releases take any length
            raise MultiPartException(_INVALID_MULTIPART)
        try:
            await self._feed(boundary)
        except BaseException:
            self._close_files(self._files)
            raise
        if self._in_part and self._current_part.file is not None:
            # The body ended in the middle of a file part: that file is not returned.
            self._close_files([self._current_part.file])
        return FormData(self.items)

    async def _feed(self, boundary: bytes) -> None:
        callbacks: MultipartCallbacks = {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }
        parser = self._multipart.MultipartParser(boundary, callbacks)
        async with aclosing(self.stream) as stream:
            async for chunk in stream:
                try:
                    parser.write(chunk)
                except ValueError:  # python-multipart's MultipartParseError, e.g. too many part headers
                    raise MultiPartException(_INVALID_MULTIPART) from None
                await self._write_pending()
        parser.finalize()

    async def _write_pending(self) -> None:
        for upload, data in self._pending_writes:
            await upload.write(data)
        self._pending_writes.clear()
        for upload in self._files_to_rewind:
            _trim_in_memory_buffer(upload.file)
            await upload.seek(0)
        self._files_to_rewind.clear()

    def _codec(self, charset: str) -> str:
        """The codec to decode `charset` text with: itself, or latin-1 when Python does not know it.

        Resolved once per charset and body: a failed codec lookup is not cached by Python,
        and the charset names come from the client.
        """
        codec = self._codecs.get(charset)
        if codec is None:
            try:
                codecs.lookup(charset)
            except LookupError:
                codec = "latin-1"
            else:
                codec = charset
            self._codecs[charset] = codec
        return codec

    def _part_charset(self, part: MultipartPart) -> str:
        for name, value in part.item_headers:
            if name == b"content-type":
                charset = self._parse_options_header(value)[1].get(b"charset")
                if charset:
                    return charset.decode("latin-1")
        return self._charset

    @staticmethod
    def _close_files(files: list[UploadFile]) -> None:
        # Synchronous on purpose: this runs while an error (maybe a cancellation) propagates.
        for upload in files:
            upload.file.close()
