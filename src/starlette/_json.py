"""Decode a request body as JSON, with one exception type for every malformed body.

`json.loads` raises more than `json.JSONDecodeError` for hostile bytes:
`UnicodeDecodeError` for bytes that are not text, `RecursionError` for a deeply
nested document and `ValueError` for a number with more digits than Python
converts. `loads_body` raises a `json.JSONDecodeError` for all of them, of a
class that is also the one `json.loads` raised, so that a handler catching
either catches it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["loads_body"]

_JSON_STARTS = frozenset({b"{", b"[", b'"'})
"""First bytes of a JSON document that `json.loads` reads as UTF-8 (when the second byte is not NUL)."""

_JSON_LOADS = json.loads

_Scanner = Callable[[str, int], "tuple[Any, int]"]


def _scanner(decoder: json.JSONDecoder) -> _Scanner | None:
    """The scanner `decoder` runs, or `None` where the `json` module keeps it elsewhere.

    `scan_once` is an instance attribute that `JSONDecoder.__init__` sets in
    CPython (unknown to typeshed); without it, bodies go through `json.loads`.
    """
    scan: _Scanner | None = vars(decoder).get("scan_once")
    return scan


_SCAN_JSON = _scanner(json.JSONDecoder())


class _UndecodableJSON(json.JSONDecodeError, UnicodeDecodeError):
    """The body is not text in the encoding JSON detection chose."""


class _TooDeepJSON(json.JSONDecodeError, RecursionError):
    """The document nests arrays and objects deeper than Python's recursion limit allows."""


class _OutOfRangeJSON(json.JSONDecodeError):
    """A number in the document has more digits than Python converts to an `int`."""


def _loads_document(text: str) -> Any:
    """`json.loads(text)` for a text starting with its document, minus the decoder's own steps.

    `json.loads` skips whitespace around the document with a regex and turns a
    missing value into its error; this scans the document directly and leaves
    anything else (whitespace after it, any error, a patched `json.loads`) to
    `json.loads` itself, so results and errors are exactly its own.
    """
    if _SCAN_JSON is not None and json.loads is _JSON_LOADS:
        try:
            document, end = _SCAN_JSON(text, 0)
        except Exception:  # `json.loads` raises the error the way it does
            pass
        else:
            if end == len(text):
                return document
    return json.loads(text)


def _loads(body: bytes) -> Any:
    if body[:1] in _JSON_STARTS and (len(body) < 2 or body[1]):
        # What `json.loads` would detect for these bytes: UTF-8 (not a BOM, not UTF-16/32).
        return _loads_document(body.decode("utf-8", "surrogatepass"))
    return json.loads(body)


def loads_body(body: bytes) -> Any:
    """Decode `body` as `json.loads` does.

    Raises:
        json.JSONDecodeError: The body is not valid JSON. When `json.loads` would
            have raised something else, the error is also an instance of that:
            `UnicodeDecodeError` (the bytes are not text), `RecursionError` (the
            document nests too deeply) or `ValueError` (a number has too many digits).
    """
    try:
        return _loads(body)
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError as exc:
        undecodable = _UndecodableJSON(f"Invalid {exc.encoding} text ({exc.reason})", "", 0)
        UnicodeDecodeError.__init__(undecodable, exc.encoding, exc.object, exc.start, exc.end, exc.reason)
        raise undecodable from None
    except RecursionError:
        raise _TooDeepJSON("Document nested too deeply", "", 0) from None
    except ValueError as exc:  # the integer-string conversion limit
        raise _OutOfRangeJSON(str(exc), "", 0) from None
