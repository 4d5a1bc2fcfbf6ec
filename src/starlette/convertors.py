"""Path parameter convertors: how `{name:type}` segments of a route path match and convert.

A convertor supplies the regex a parameter must match, turns the matched text
into a Python value (`convert`), and turns a value back into path text for URL
building (`to_string`). `to_string` raises `AssertionError` for values that
cannot be represented, even when Python runs with `-O`.

A `convert` that raises `ValueError` means the text is not a value of the
parameter's type, even though the regex matched it (4301 or more digits for
an `int`, a number too large for a `float`): the route does not match that
path, and routing goes on as for any path the regex rejects.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

__all__ = [
    "CONVERTOR_TYPES",
    "Convertor",
    "FloatConvertor",
    "IntegerConvertor",
    "PathConvertor",
    "StringConvertor",
    "UUIDConvertor",
    "register_url_convertor",
]

T = TypeVar("T")


class Convertor(Generic[T]):
    """Base class of path parameter convertors producing values of type `T`.

    Subclasses set `regex` (matched against the path, without anchors or
    capturing-group names) and implement `convert` and `to_string`.
    """

    regex: ClassVar[str] = ""

    def convert(self, value: str) -> T:
        """Turn the matched path text into a value."""
        raise NotImplementedError()

    def to_string(self, value: T) -> str:
        """Turn a value into path text that `regex` matches."""
        raise NotImplementedError()


class StringConvertor(Convertor[str]):
    """A single, non-empty path segment (no `/`)."""

    regex: ClassVar[str] = "[^/]+"

    def convert(self, value: str) -> str:
        """Return the segment unchanged."""
        return value

    def to_string(self, value: str) -> str:
        """Return `str(value)`.

        Raises:
            AssertionError: If the text contains `/` or is empty.
        """
        value = str(value)
        if "/" in value:
            raise AssertionError("May not contain path separators")
        if not value:
            raise AssertionError("Must not be empty")
        return value


class PathConvertor(Convertor[str]):
    """Any remaining path text, `/` included (possibly empty)."""

    regex: ClassVar[str] = ".*"

    def convert(self, value: str) -> str:
        """Return the text unchanged."""
        return str(value)

    def to_string(self, value: str) -> str:
        """Return `str(value)`."""
        return str(value)


class IntegerConvertor(Convertor[int]):
    """A non-negative decimal integer."""

    regex: ClassVar[str] = "[0-9]+"

    def convert(self, value: str) -> int:
        """Parse the digits as an `int`.

        Raises:
            ValueError: There are more digits than Python converts (`sys.get_int_max_str_digits()`).
        """
        return int(value)

    def to_string(self, value: int) -> str:
        """Format the integer in decimal.

        Raises:
            AssertionError: If the value is negative.
        """
        value = int(value)
        if value < 0:
            raise AssertionError("Negative integers are not supported")
        return str(value)


class FloatConvertor(Convertor[float]):
    """A non-negative decimal number, with an optional fractional part."""

    regex: ClassVar[str] = r"[0-9]+(\.[0-9]+)?"

    def convert(self, value: str) -> float:
        """Parse the text as a `float`.

        Raises:
            ValueError: The number is too large to be a finite `float`.
        """
        number = float(value)
        if math.isinf(number):
            raise ValueError(f"{value!r} is too large for a float")
        return number

    def to_string(self, value: float) -> str:
        """Format the number in fixed-point notation without trailing zeros (`2.50` gives `"2.5"`).

        Raises:
            AssertionError: If the value is negative, NaN or infinite.
        """
        value = float(value)
        if value < 0.0:
            raise AssertionError("Negative floats are not supported")
        if math.isnan(value):
            raise AssertionError("NaN values are not supported")
        if math.isinf(value):
            raise AssertionError("Infinite values are not supported")
        return f"{value:0.20f}".rstrip("0").rstrip(".")


class UUIDConvertor(Convertor[uuid.UUID]):
    """A UUID in hex digits, with or without dashes."""

    regex: ClassVar[str] = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    def convert(self, value: str) -> uuid.UUID:
        """Parse the text as a `uuid.UUID`.

        Raises:
            ValueError: The text is not a UUID (possible with a route's own, looser regex).
        """
        return uuid.UUID(value)

    def to_string(self, value: uuid.UUID) -> str:
        """Format the UUID in its canonical dashed, lower-case form."""
        return str(value)


CONVERTOR_TYPES: dict[str, Convertor[Any]] = {
    "str": StringConvertor(),
    "path": PathConvertor(),
    "int": IntegerConvertor(),
    "float": FloatConvertor(),
    "uuid": UUIDConvertor(),
}
"""The convertors available in route paths, by the name used in `{param:name}`."""


def register_url_convertor(key: str, convertor: Convertor[Any]) -> None:
    """Make `convertor` available in route paths as `{param:key}` (replacing any existing one)."""
    CONVERTOR_TYPES[key] = convertor


def convert_path_params(convertors: Mapping[str, Convertor[Any]], captured: dict[str, Any]) -> bool:
    """Convert the texts a route's regex `captured`, in place; `False` if one is not a value of its type.

    A convertor raising `ValueError` makes the whole path a non-match (the other
    captures are then left half-converted, and must not be used).
    """
    try:
        for key, value in captured.items():
            captured[key] = convertors[key].convert(value)  # in place: the keys stay the same
    except ValueError:
        return False
    return True
