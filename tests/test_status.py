from __future__ import annotations

import http
import linecache
import re
from pathlib import Path

import pytest

from starlette import status
from starlette.exceptions import StarletteDeprecationWarning

# The public names and values of upstream Starlette 1.10's `starlette.status`.
EXPECTED: dict[str, int] = {
    "HTTP_100_CONTINUE": 100,
    "HTTP_101_SWITCHING_PROTOCOLS": 101,
    "HTTP_102_PROCESSING": 102,
    "HTTP_103_EARLY_HINTS": 103,
    "HTTP_200_OK": 200,
    "HTTP_201_CREATED": 201,
    "HTTP_202_ACCEPTED": 202,
    "HTTP_203_NON_AUTHORITATIVE_INFORMATION": 203,
    "HTTP_204_NO_CONTENT": 204,
    "HTTP_205_RESET_CONTENT": 205,
    "HTTP_206_PARTIAL_CONTENT": 206,
    "HTTP_207_MULTI_STATUS": 207,
    "HTTP_208_ALREADY_REPORTED": 208,
    "HTTP_226_IM_USED": 226,
    "HTTP_300_MULTIPLE_CHOICES": 300,
    "HTTP_301_MOVED_PERMANENTLY": 301,
    "HTTP_302_FOUND": 302,
    "HTTP_303_SEE_OTHER": 303,
    "HTTP_304_NOT_MODIFIED": 304,
    "HTTP_305_USE_PROXY": 305,
    "HTTP_306_RESERVED": 306,
    "HTTP_307_TEMPORARY_REDIRECT": 307,
    "HTTP_308_PERMANENT_REDIRECT": 308,
    "HTTP_400_BAD_REQUEST": 400,
    "HTTP_401_UNAUTHORIZED": 401,
    "HTTP_402_PAYMENT_REQUIRED": 402,
    "HTTP_403_FORBIDDEN": 403,
    "HTTP_404_NOT_FOUND": 404,
    "HTTP_405_METHOD_NOT_ALLOWED": 405,
    "HTTP_406_NOT_ACCEPTABLE": 406,
    "HTTP_407_PROXY_AUTHENTICATION_REQUIRED": 407,
    "HTTP_408_REQUEST_TIMEOUT": 408,
    "HTTP_409_CONFLICT": 409,
    "HTTP_410_GONE": 410,
    "HTTP_411_LENGTH_REQUIRED": 411,
    "HTTP_412_PRECONDITION_FAILED": 412,
    "HTTP_413_CONTENT_TOO_LARGE": 413,
    "HTTP_414_URI_TOO_LONG": 414,
    "HTTP_415_UNSUPPORTED_MEDIA_TYPE": 415,
    "HTTP_416_RANGE_NOT_SATISFIABLE": 416,
    "HTTP_417_EXPECTATION_FAILED": 417,
    "HTTP_418_IM_A_TEAPOT": 418,
    "HTTP_421_MISDIRECTED_REQUEST": 421,
    "HTTP_422_UNPROCESSABLE_CONTENT": 422,
    "HTTP_423_LOCKED": 423,
    "HTTP_424_FAILED_DEPENDENCY": 424,
    "HTTP_425_TOO_EARLY": 425,
    "HTTP_426_UPGRADE_REQUIRED": 426,
    "HTTP_428_PRECONDITION_REQUIRED": 428,
    "HTTP_429_TOO_MANY_REQUESTS": 429,
    "HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE": 431,
    "HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS": 451,
    "HTTP_500_INTERNAL_SERVER_ERROR": 500,
    "HTTP_501_NOT_IMPLEMENTED": 501,
    "HTTP_502_BAD_GATEWAY": 502,
    "HTTP_503_SERVICE_UNAVAILABLE": 503,
    "HTTP_504_GATEWAY_TIMEOUT": 504,
    "HTTP_505_HTTP_VERSION_NOT_SUPPORTED": 505,
    "HTTP_506_VARIANT_ALSO_NEGOTIATES": 506,
    "HTTP_507_INSUFFICIENT_STORAGE": 507,
    "HTTP_508_LOOP_DETECTED": 508,
    "HTTP_510_NOT_EXTENDED": 510,
    "HTTP_511_NETWORK_AUTHENTICATION_REQUIRED": 511,
    "WS_1000_NORMAL_CLOSURE": 1000,
    "WS_1001_GOING_AWAY": 1001,
    "WS_1002_PROTOCOL_ERROR": 1002,
    "WS_1003_UNSUPPORTED_DATA": 1003,
    "WS_1005_NO_STATUS_RCVD": 1005,
    "WS_1006_ABNORMAL_CLOSURE": 1006,
    "WS_1007_INVALID_FRAME_PAYLOAD_DATA": 1007,
    "WS_1008_POLICY_VIOLATION": 1008,
    "WS_1009_MESSAGE_TOO_BIG": 1009,
    "WS_1010_MANDATORY_EXT": 1010,
    "WS_1011_INTERNAL_ERROR": 1011,
    "WS_1012_SERVICE_RESTART": 1012,
    "WS_1013_TRY_AGAIN_LATER": 1013,
    "WS_1014_BAD_GATEWAY": 1014,
    "WS_1015_TLS_HANDSHAKE": 1015,
}

DEPRECATED: dict[str, tuple[str, int]] = {
    "HTTP_413_REQUEST_ENTITY_TOO_LARGE": ("HTTP_413_CONTENT_TOO_LARGE", 413),
    "HTTP_414_REQUEST_URI_TOO_LONG": ("HTTP_414_URI_TOO_LONG", 414),
    "HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE": ("HTTP_416_RANGE_NOT_SATISFIABLE", 416),
    "HTTP_422_UNPROCESSABLE_ENTITY": ("HTTP_422_UNPROCESSABLE_CONTENT", 422),
}


@pytest.mark.parametrize(("name", "value"), EXPECTED.items())
def test_constant_values(name: str, value: int) -> None:
    assert getattr(status, name) == value
    assert type(getattr(status, name)) is int


def test_all_lists_exactly_the_constants() -> None:
    assert sorted(status.__all__) == sorted(EXPECTED)
    public = {name for name in vars(status) if re.fullmatch(r"(HTTP|WS)_\d+_\w+", name)}
    assert public == set(EXPECTED)


def test_name_number_matches_value() -> None:
    for name, value in EXPECTED.items():
        assert name.split("_")[1] == str(value)


def test_star_import_excludes_deprecated_names() -> None:
    namespace: dict[str, object] = {}
    exec("from starlette.status import *", namespace)
    names = {name for name in namespace if not name.startswith("__")}
    assert names == set(EXPECTED)


def test_http_codes_are_known_to_the_standard_library() -> None:
    for name, value in EXPECTED.items():
        if name.startswith("HTTP_") and value != 306:  # 306 is reserved and unused
            assert http.HTTPStatus(value) == value


@pytest.mark.parametrize(("name", "replacement"), [(name, new) for name, (new, _) in DEPRECATED.items()])
def test_deprecated_names_warn_and_resolve(name: str, replacement: str) -> None:
    message = f"^'{name}' is deprecated. Use '{replacement}' instead.$"

    def resolve() -> int:
        resolved: int = getattr(status, name)
        return resolved

    with pytest.warns(StarletteDeprecationWarning, match=message) as record:
        value = resolve()  # upstream's warning names this line: the caller of the code naming the constant
    assert value == DEPRECATED[name][1] == getattr(status, replacement)
    assert Path(record[0].filename) == Path(__file__)
    assert linecache.getline(__file__, record[0].lineno).strip().startswith("value = resolve()")


def test_deprecated_name_through_from_import() -> None:
    namespace: dict[str, object] = {}
    with pytest.warns(StarletteDeprecationWarning, match="HTTP_422_UNPROCESSABLE_CONTENT"):
        exec("from starlette.status import HTTP_422_UNPROCESSABLE_ENTITY", namespace)
    assert namespace["HTTP_422_UNPROCESSABLE_ENTITY"] == 422


@pytest.mark.parametrize("name", ["HTTP_999_UNKNOWN", "WS_1004_NO_STATUS_RCVD", "WS_1005_ABNORMAL_CLOSURE", "nope"])
def test_unknown_names_raise_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError, match=f"^module 'starlette.status' has no attribute '{name}'$"):
        getattr(status, name)


def test_removed_names_are_not_importable() -> None:
    with pytest.raises(ImportError, match="WS_1004_NO_STATUS_RCVD"):
        exec("from starlette.status import WS_1004_NO_STATUS_RCVD", {})


def test_hasattr_on_unknown_name_does_not_warn() -> None:
    assert not hasattr(status, "HTTP_600_MADE_UP")
