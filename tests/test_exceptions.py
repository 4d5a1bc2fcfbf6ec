from __future__ import annotations

import http
import warnings

import pytest

from starlette.exceptions import HTTPException, StarletteDeprecationWarning, WebSocketException


@pytest.mark.parametrize(
    ("status_code", "detail"),
    [
        (400, "Bad Request"),
        (404, "Not Found"),
        (418, "I'm a Teapot"),
        (500, "Internal Server Error"),
    ],
)
def test_http_exception_detail_defaults_to_the_status_phrase(status_code: int, detail: str) -> None:
    exc = HTTPException(status_code)
    assert exc.status_code == status_code
    assert exc.detail == detail
    assert exc.headers is None


@pytest.mark.parametrize("status_code", [413, 422])
def test_http_exception_detail_follows_the_running_python(status_code: int) -> None:
    # Python 3.13 renamed these phrases after RFC 9110; the default follows `http.HTTPStatus`.
    assert HTTPException(status_code).detail == http.HTTPStatus(status_code).phrase


def test_http_exception_with_detail_and_headers() -> None:
    headers = {"WWW-Authenticate": "Bearer"}
    exc = HTTPException(401, detail="Log in first", headers=headers)
    assert exc.status_code == 401
    assert exc.detail == "Log in first"
    assert exc.headers == {"WWW-Authenticate": "Bearer"}


def test_http_exception_empty_detail_is_kept() -> None:
    assert HTTPException(404, detail="").detail == ""


def test_http_exception_str_and_repr() -> None:
    exc = HTTPException(404)
    assert str(exc) == "404: Not Found"
    assert repr(exc) == "HTTPException(status_code=404, detail='Not Found')"
    custom = HTTPException(400, detail="Missing 'name'")
    assert str(custom) == "400: Missing 'name'"
    assert repr(custom) == "HTTPException(status_code=400, detail=\"Missing 'name'\")"


def test_http_exception_repr_uses_the_subclass_name() -> None:
    class PaymentError(HTTPException):
        pass

    assert repr(PaymentError(402)) == "PaymentError(status_code=402, detail='Payment Required')"


@pytest.mark.parametrize("status_code", [499, 599, 999])
def test_http_exception_non_standard_status_has_an_empty_default_detail(status_code: int) -> None:
    exc = HTTPException(status_code)
    assert exc.detail == ""
    assert str(exc) == f"{status_code}: "


def test_http_exception_unknown_status_with_detail() -> None:
    exc = HTTPException(599, detail="Network Connect Timeout")
    assert str(exc) == "599: Network Connect Timeout"


def test_http_exception_is_raisable() -> None:
    with pytest.raises(HTTPException) as info:
        raise HTTPException(status_code=403, detail="Forbidden here")
    assert (info.value.status_code, info.value.detail) == (403, "Forbidden here")


def test_websocket_exception() -> None:
    exc = WebSocketException(1008, reason="Policy violated")
    assert exc.code == 1008
    assert exc.reason == "Policy violated"
    assert str(exc) == "1008: Policy violated"
    assert repr(exc) == "WebSocketException(code=1008, reason='Policy violated')"


@pytest.mark.parametrize("reason", [None, ""])
def test_websocket_exception_reason_defaults_to_empty(reason: str | None) -> None:
    exc = WebSocketException(1011, reason=reason)
    assert exc.reason == ""
    assert str(exc) == "1011: "
    assert repr(exc) == "WebSocketException(code=1011, reason='')"


def test_websocket_exception_repr_uses_the_subclass_name() -> None:
    class Closed(WebSocketException):
        pass

    assert repr(Closed(1000)) == "Closed(code=1000, reason='')"


def test_starlette_deprecation_warning_is_a_user_warning() -> None:
    assert issubclass(StarletteDeprecationWarning, UserWarning)
    assert not issubclass(StarletteDeprecationWarning, DeprecationWarning)
    with pytest.warns(StarletteDeprecationWarning, match="^going away$"):
        warnings.warn("going away", StarletteDeprecationWarning, stacklevel=1)
