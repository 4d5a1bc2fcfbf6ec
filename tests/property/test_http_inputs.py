"""Properties of request parsing: headers, cookies, query strings, `Host`, JSON bodies, paths and ranges.

Each property serves generated requests through a whole application, as a
server would: never a 500, never an exception out of the application, and the
parsed values agree with a reference where there is one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from starlette.applications import Starlette
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request, cookie_parser
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Host, Route, Router
from tests.property.driver import http, http_scope, split

header_names = st.binary(min_size=0, max_size=20)
header_values = st.binary(max_size=60)
raw_headers = st.lists(st.tuples(header_names, header_values), max_size=12)


async def describe(request: Request) -> Response:
    """Touch everything a request parses from its scope."""
    summary = {
        "headers": len(request.headers.items()),
        "cookies": request.cookies,
        "query": request.query_params.multi_items(),
        "url": str(request.url),
        "base_url": str(request.base_url),
        "client": request.client is not None,
        "path_params": {key: str(value) for key, value in request.path_params.items()},
    }
    return JSONResponse(summary)


describe_app = Starlette(routes=[Route("/", describe)])


ascii_names = st.text(alphabet=st.characters(max_codepoint=127), max_size=20).map(lambda name: name.encode("ascii"))


@given(raw=st.lists(st.tuples(ascii_names, header_values), max_size=12))
def test_headers_parse_and_look_up_consistently(raw: list[tuple[bytes, bytes]]) -> None:
    lowered = [(name.lower(), value) for name, value in raw]
    headers = Headers(raw=lowered)
    for name, _ in lowered:
        key = name.decode("latin-1")
        expected = [value.decode("latin-1") for other, value in lowered if other == name]
        assert headers.getlist(key) == expected
        assert headers[key] == expected[0]


@given(raw=raw_headers)
def test_any_headers_are_served(anyio_backend: str, raw: list[tuple[bytes, bytes]]) -> None:
    status, _ = http(
        describe_app, http_scope(headers=[(name.lower(), value) for name, value in raw]), [], anyio_backend
    )
    assert status == 200


cookie_text = st.text(alphabet=st.sampled_from(list('ab=; "\\,\t\x00é%') + [chr(0x1F600)]), max_size=40)


@given(text=st.one_of(cookie_text, st.text(max_size=40)))
def test_cookie_parsing_never_raises(text: str) -> None:
    parsed = cookie_parser(text)
    assert all(";" not in key and ";" not in value for key, value in parsed.items())


@given(cookie=st.binary(max_size=60))
def test_any_cookie_header_is_served(anyio_backend: str, cookie: bytes) -> None:
    status, _ = http(describe_app, http_scope(headers=[(b"cookie", cookie)]), [], anyio_backend)
    assert status == 200


query_bytes = st.one_of(
    st.binary(max_size=60),
    st.lists(st.sampled_from([b"a", b"=", b"&", b"%", b"%2", b"%zz", b"%ff", b"+", b"\xff", b";", b"%C3%A9"])).map(
        b"".join
    ),
)


@given(query=query_bytes)
def test_any_query_string_is_served(anyio_backend: str, query: bytes) -> None:
    status, _ = http(describe_app, http_scope(query_string=query), [], anyio_backend)
    assert status == 200


host_values = st.one_of(
    st.binary(max_size=40),
    st.lists(
        st.sampled_from([b"example.com", b"x.example.org", b":", b"80", b"[", b"]", b"::1", b".", b"\xff", b" "])
    ).map(b"".join),
)


async def hello(request: Request) -> Response:
    return PlainTextResponse(str(request.url_for("hello")))


host_app = Starlette(
    routes=[Host("{sub}.example.org", Router([Route("/", hello, name="hello")])), Route("/", describe)],
    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.org", "127.0.0.1"])],
)


@given(host=host_values)
def test_any_host_is_served_or_refused(anyio_backend: str, host: bytes) -> None:
    status, _ = http(host_app, http_scope(headers=[(b"host", host)]), [], anyio_backend)
    assert status in (200, 400)


async def parse_json(request: Request) -> Response:
    try:
        document = await request.json()
    except json.JSONDecodeError:
        return PlainTextResponse("invalid", status_code=400)
    return PlainTextResponse(repr(document))


json_app = Starlette(routes=[Route("/", parse_json, methods=["POST"])])

json_bodies = st.one_of(
    st.binary(max_size=40),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
        max_leaves=12,
    ).map(lambda value: json.dumps(value).encode()),
    st.lists(
        st.sampled_from([b"[", b"{", b'"', b"1", b"]", b"}", b":", b",", b"\xff", b"\x00", b" ", b"\xef\xbb\xbf"])
    ).map(b"".join),
    st.integers(min_value=1, max_value=3).map(lambda depth: b"[" * (depth * 40_000)),
)


def json_loads_outcome(body: bytes) -> str:
    try:
        return repr(json.loads(body))
    except (ValueError, RecursionError):  # what `json.loads` raises for malformed bytes
        return "invalid"


@given(body=json_bodies, cuts=st.lists(st.integers(min_value=0), max_size=3))
def test_json_bodies_agree_with_json_loads(anyio_backend: str, body: bytes, cuts: list[int]) -> None:
    status, content = http(json_app, http_scope(method="POST"), split(body, cuts), anyio_backend)
    expected = json_loads_outcome(body)
    assert (status, content.decode()) == ((400, expected) if expected == "invalid" else (200, expected))


path_app = Starlette(
    routes=[
        Route("/int/{n:int}", describe),
        Route("/float/{x:float}", describe),
        Route("/uuid/{u:uuid}", describe),
        Route("/str/{s}/tail", describe),
        Route("/path/{p:path}", describe),
    ]
)

path_segments = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["0", "12", "1.5", "9" * 400, "1" * 5000, "12345678-1234-1234-1234-123456789abc", "%2F", "..", ""]),
)


@given(
    prefix=st.sampled_from(["int", "float", "uuid", "str", "path", "other", ""]),
    segments=st.lists(path_segments, max_size=3),
)
def test_any_path_is_matched_or_404(anyio_backend: str, prefix: str, segments: list[str]) -> None:
    path = "/" + "/".join([prefix, *segments])
    status, _ = http(path_app, http_scope(path), [], anyio_backend)
    assert status in (200, 307, 404)  # 307: `redirect_slashes`


@given(number=st.integers(min_value=0, max_value=10**300))
def test_integer_convertor_round_trips(number: int) -> None:
    convertor = IntegerConvertor()
    assert convertor.convert(convertor.to_string(number)) == number


@given(number=st.floats(min_value=0, allow_infinity=False, allow_nan=False))
def test_float_convertor_round_trips_within_its_precision(number: float) -> None:
    convertor = FloatConvertor()
    assert math.isclose(convertor.convert(convertor.to_string(number)), number, rel_tol=1e-15, abs_tol=1e-20)


CONTENT = bytes(range(256)) * 4


@pytest.fixture(scope="module")
def range_app(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    path = tmp_path_factory.mktemp("ranges") / "data.bin"
    path.write_bytes(CONTENT)

    async def serve(request: Request) -> Response:
        return FileResponse(Path(path), stat_result=None)

    return Starlette(routes=[Route("/", serve)])


range_specs = st.one_of(
    st.text(max_size=30),
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(0, 1100)), st.one_of(st.none(), st.integers(0, 1100))),
        min_size=1,
        max_size=4,
    ).map(lambda ranges: "bytes=" + ",".join(f"{'' if a is None else a}-{'' if b is None else b}" for a, b in ranges)),
)
if_range_values = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(['"x"', "Thu, 01 Jan 1970 00:00:00 GMT"]))


@given(spec=range_specs, if_range=if_range_values)
def test_any_range_gets_a_full_partial_or_4xx_response(
    anyio_backend: str, range_app: Starlette, spec: str, if_range: str | None
) -> None:
    headers = [(b"range", spec.encode("utf-8", "surrogateescape"))]
    if if_range is not None:
        headers.append((b"if-range", if_range.encode("utf-8", "surrogateescape")))
    status, content = http(range_app, http_scope(headers=headers), [], anyio_backend)
    assert status in (200, 206, 400, 416)  # 400: a malformed `Range`, as upstream
    if status == 200:
        assert content == CONTENT
