from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from starlette import convertors
from starlette.convertors import (
    CONVERTOR_TYPES,
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
    convert_path_params,
    register_url_convertor,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Host, Mount, Route, Router, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


@pytest.fixture
def restore_convertor_types() -> Iterator[None]:
    saved = dict(CONVERTOR_TYPES)
    yield
    CONVERTOR_TYPES.clear()
    CONVERTOR_TYPES.update(saved)


def full_match(convertor: Convertor[Any], text: str) -> bool:
    return re.fullmatch(convertor.regex, text) is not None


def test_default_convertor_types() -> None:
    # Other test modules register their own convertors in this global registry, and may leave
    # them there: only the built-in keys are checked.
    builtins: dict[str, type[Convertor[Any]]] = {
        "str": StringConvertor,
        "path": PathConvertor,
        "int": IntegerConvertor,
        "float": FloatConvertor,
        "uuid": UUIDConvertor,
    }
    assert {name: type(CONVERTOR_TYPES[name]) for name in builtins} == builtins


def test_regexes_are_upstreams() -> None:
    assert Convertor.regex == ""
    assert StringConvertor.regex == "[^/]+"
    assert PathConvertor.regex == ".*"
    assert IntegerConvertor.regex == "[0-9]+"
    assert FloatConvertor.regex == r"[0-9]+(\.[0-9]+)?"
    assert UUIDConvertor.regex == ("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def test_base_convertor_is_abstract() -> None:
    base: Convertor[int] = Convertor()
    with pytest.raises(NotImplementedError):
        base.convert("1")
    with pytest.raises(NotImplementedError):
        base.to_string(1)


# --- str -----------------------------------------------------------------------------------


def test_string_convertor() -> None:
    convertor = StringConvertor()
    assert convertor.convert("hello world") == "hello world"
    assert convertor.to_string("hello") == "hello"
    assert full_match(convertor, "a.b-c")
    assert not full_match(convertor, "a/b")
    assert not full_match(convertor, "")


def test_string_convertor_rejects_separators_and_empty_values() -> None:
    convertor = StringConvertor()
    with pytest.raises(AssertionError, match="^May not contain path separators$"):
        convertor.to_string("a/b")
    with pytest.raises(AssertionError, match="^Must not be empty$"):
        convertor.to_string("")


def test_string_convertor_to_string_stringifies() -> None:
    value: Any = 42
    assert StringConvertor().to_string(value) == "42"


# --- path ----------------------------------------------------------------------------------


def test_path_convertor() -> None:
    convertor = PathConvertor()
    assert convertor.convert("a/b/c.txt") == "a/b/c.txt"
    assert convertor.to_string("a/b/") == "a/b/"
    assert convertor.to_string("") == ""
    assert full_match(convertor, "")
    assert full_match(convertor, "nested/path/")


# --- int -----------------------------------------------------------------------------------


def test_integer_convertor() -> None:
    convertor = IntegerConvertor()
    assert convertor.convert("0042") == 42
    assert convertor.to_string(0) == "0"
    assert convertor.to_string(1234) == "1234"
    assert full_match(convertor, "007")
    assert not full_match(convertor, "-1")
    assert not full_match(convertor, "1.5")
    assert not full_match(convertor, "")


def test_integer_convertor_rejects_negative_values() -> None:
    with pytest.raises(AssertionError, match="^Negative integers are not supported$"):
        IntegerConvertor().to_string(-1)


def test_integer_convertor_to_string_accepts_integral_values() -> None:
    value: Any = "17"
    assert IntegerConvertor().to_string(value) == "17"
    assert IntegerConvertor().to_string(True) == "1"


# --- float ---------------------------------------------------------------------------------


def test_float_convertor() -> None:
    convertor = FloatConvertor()
    assert convertor.convert("3.25") == 3.25
    assert convertor.convert("7") == 7.0
    assert full_match(convertor, "7")
    assert full_match(convertor, "3.25")
    assert not full_match(convertor, "3.")
    assert not full_match(convertor, ".5")
    assert not full_match(convertor, "-1.0")
    assert not full_match(convertor, "1e5")
    assert not full_match(convertor, "nan")
    assert not full_match(convertor, "inf")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (2.5, "2.5"),
        (25.5, "25.5"),
        (10.0, "10"),
        (100, "100"),
        (0.125, "0.125"),
        (1e20, "100000000000000000000"),
        (0.1, "0.10000000000000000555"),
    ],
)
def test_float_convertor_to_string(value: float, expected: str) -> None:
    text = FloatConvertor().to_string(value)
    assert text == expected
    assert re.fullmatch(FloatConvertor.regex, text)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.75, 123.0625, 1e15])
def test_float_convertor_round_trips(value: float) -> None:
    convertor = FloatConvertor()
    assert convertor.convert(convertor.to_string(value)) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.5, "Negative floats are not supported"),
        (-math.inf, "Negative floats are not supported"),
        (math.nan, "NaN values are not supported"),
        (math.inf, "Infinite values are not supported"),
    ],
)
def test_float_convertor_rejects_unrepresentable_values(value: float, message: str) -> None:
    with pytest.raises(AssertionError, match=f"^{message}$"):
        FloatConvertor().to_string(value)


# --- uuid ----------------------------------------------------------------------------------


def test_uuid_convertor() -> None:
    convertor = UUIDConvertor()
    value = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
    assert convertor.convert("123e4567-e89b-12d3-a456-426614174000") == value
    assert convertor.convert("123E4567E89B12D3A456426614174000") == value
    assert convertor.to_string(value) == "123e4567-e89b-12d3-a456-426614174000"
    assert full_match(convertor, "123e4567-e89b-12d3-a456-426614174000")
    assert full_match(convertor, "123E4567E89B12D3A456426614174000")
    assert not full_match(convertor, "123e4567-e89b-12d3-a456-42661417400")
    assert not full_match(convertor, "g23e4567-e89b-12d3-a456-426614174000")


# --- registration --------------------------------------------------------------------------


class DateConvertor(Convertor[tuple[int, int, int]]):
    regex = "[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def convert(self, value: str) -> tuple[int, int, int]:
        year, month, day = value.split("-")
        return int(year), int(month), int(day)

    def to_string(self, value: tuple[int, int, int]) -> str:
        return "{:04d}-{:02d}-{:02d}".format(*value)


@pytest.mark.usefixtures("restore_convertor_types")
def test_register_url_convertor() -> None:
    date_convertor = DateConvertor()
    register_url_convertor("date", date_convertor)
    assert CONVERTOR_TYPES["date"] is date_convertor
    assert convertors.CONVERTOR_TYPES is CONVERTOR_TYPES
    assert date_convertor.convert("2024-02-29") == (2024, 2, 29)
    assert date_convertor.to_string((2024, 2, 9)) == "2024-02-09"


@pytest.mark.usefixtures("restore_convertor_types")
def test_register_url_convertor_replaces_an_existing_key() -> None:
    class HexConvertor(IntegerConvertor):
        regex = "[0-9a-f]+"

        def convert(self, value: str) -> int:
            return int(value, 16)

    hex_convertor = HexConvertor()
    register_url_convertor("int", hex_convertor)
    assert CONVERTOR_TYPES["int"] is hex_convertor
    assert CONVERTOR_TYPES["int"].convert("ff") == 255


# --- a parameter the regex matches but the convertor rejects: no match, never a 500 ---------


def _echo_params(request: Request) -> PlainTextResponse:
    return PlainTextResponse(repr(sorted(request.path_params)))


def _fallback(request: Request) -> PlainTextResponse:
    return PlainTextResponse("fallback")


TOO_MANY_DIGITS = "1" * 4301  # one over Python's default integer-string conversion limit


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/{n:int}", TOO_MANY_DIGITS),
        ("/{x:float}", "9" * 400),  # overflows to infinity
        ("/{x:float}", "1" * 4301 + ".5"),
    ],
)
def test_unconvertible_parameter_falls_through_to_404(
    test_client_factory: TestClientFactory, path: str, param: str
) -> None:
    client = test_client_factory(Router([Route(path, _echo_params)]))
    response = client.get("/" + param)
    assert response.status_code == 404


def test_unconvertible_parameter_goes_on_to_the_next_route(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/items/{n:int}", _echo_params), Route("/items/{rest:path}", _fallback)])
    client = test_client_factory(app)
    assert client.get("/items/" + "1" * 4300).text == "['n']"
    assert client.get("/items/" + TOO_MANY_DIGITS).text == "fallback"


def test_unconvertible_mount_and_host_parameters_do_not_match(test_client_factory: TestClientFactory) -> None:
    app = Router(
        [
            Mount("/v/{n:int}", routes=[Route("/", _echo_params)]),
            Host("{n:int}.example.org", Router([Route("/", _echo_params)])),
            Route("/{rest:path}", _fallback),
        ]
    )
    client = test_client_factory(app)
    assert client.get("/v/12/").text == "['n']"
    assert client.get(f"/v/{TOO_MANY_DIGITS}/").text == "fallback"
    assert client.get("/", headers={"host": "7.example.org"}).text == "['n']"
    assert client.get("/", headers={"host": f"{TOO_MANY_DIGITS}.example.org"}).text == "fallback"


def test_unconvertible_parameter_in_a_websocket_route(test_client_factory: TestClientFactory) -> None:
    async def accept(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    client = test_client_factory(Router([WebSocketRoute("/ws/{n:int}", accept)]))
    with client.websocket_connect("/ws/1"):
        pass
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/ws/{TOO_MANY_DIGITS}"):
        pass  # pragma: no cover


def test_convert_path_params() -> None:
    convertors: dict[str, Convertor[Any]] = {"id": UUIDConvertor(), "n": IntegerConvertor()}
    captured: dict[str, Any] = {"id": "12345678123456781234567812345678", "n": "7"}
    assert convert_path_params(convertors, captured)
    assert captured == {"id": uuid.UUID(int=0x12345678123456781234567812345678), "n": 7}
    # A malformed UUID can reach the convertor through a route's own, looser regex.
    assert not convert_path_params(convertors, {"id": "1234", "n": "7"})
    assert not convert_path_params(convertors, {"id": "12345678123456781234567812345678", "n": TOO_MANY_DIGITS})


def test_float_convertor_rejects_infinity() -> None:
    with pytest.raises(ValueError, match="too large for a float"):
        FloatConvertor().convert("9" * 400)
