from __future__ import annotations

import datetime as dt
import hashlib
import http.cookies
import json
import os
import pickle
import re
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any, cast

import anyio
import anyio.lowlevel
import pytest

from starlette.background import BackgroundTask
from starlette.datastructures import URL
from starlette.requests import ClientDisconnect
from starlette.responses import (
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
from starlette.testclient import WebSocketDenialResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory

CONTENT = bytes(i % 251 for i in range(1000))  # a prime period, so every offset is recognisable


# --- helpers -----------------------------------------------------------------------------------


def http_scope(method: str = "GET", headers: dict[str, str] | None = None, **extra: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "path": "/",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()],
    }
    scope.update(extra)
    return scope


def websocket_scope() -> Scope:
    return {"type": "websocket", "path": "/", "headers": [], "extensions": {"websocket.http.response": {}}}


async def idle_receive() -> Message:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


async def idle_send(message: Message) -> None:
    pass


async def run(app: ASGIApp, scope: Scope, receive: Receive = idle_receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def body_of(messages: list[Message]) -> bytes:
    return b"".join(m["body"] for m in messages if m["type"].endswith("http.response.body"))


def headers_of(messages: list[Message]) -> dict[bytes, bytes]:
    return dict(messages[0]["headers"])


def open_descriptors_for(path: Path) -> list[str]:
    """The file descriptors of this process currently open on `path` (Linux `/proc`)."""
    fd_dir = Path("/proc/self/fd")
    return [fd for fd in os.listdir(fd_dir) if target_of(fd_dir / fd) == str(path)]


def target_of(link: Path) -> str | None:
    try:
        return os.readlink(link)
    except OSError:  # the descriptor closed while listing
        return None


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.txt"
    path.write_bytes(CONTENT)
    return path


def etag_for(path: Path) -> str:
    st = os.stat(path)
    return '"' + hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False).hexdigest() + '"'


# --- Response ----------------------------------------------------------------------------------


def test_text_response(test_client_factory: TestClientFactory) -> None:
    app = Response("hello, world", media_type="text/plain")
    response = test_client_factory(app).get("/")
    assert response.status_code == 200
    assert response.text == "hello, world"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "12"


def test_bytes_response(test_client_factory: TestClientFactory) -> None:
    app = Response(b"\x00\xff binary", media_type="application/octet-stream")
    response = test_client_factory(app).get("/")
    assert response.content == b"\x00\xff binary"
    assert response.headers["content-type"] == "application/octet-stream"


def test_html_and_plain_text_responses(test_client_factory: TestClientFactory) -> None:
    html = test_client_factory(HTMLResponse("<h1>hé</h1>")).get("/")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.content == "<h1>hé</h1>".encode()
    plain = test_client_factory(PlainTextResponse("plain", status_code=201)).get("/")
    assert plain.status_code == 201
    assert plain.headers["content-type"] == "text/plain; charset=utf-8"


def test_empty_response_has_zero_length_and_no_content_type(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(Response()).get("/")
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert "content-type" not in response.headers


def test_custom_charset_is_used_to_encode_and_declared() -> None:
    class Latin1Response(PlainTextResponse):
        charset = "latin-1"

    response = Latin1Response("café")
    assert response.body == "café".encode("latin-1")
    assert response.headers["content-type"] == "text/plain; charset=latin-1"


def test_media_type_with_charset_is_not_extended() -> None:
    response = Response("x", media_type="text/plain; Charset=ascii")
    assert response.headers["content-type"] == "text/plain; Charset=ascii"
    assert Response("{}", media_type="application/json").headers["content-type"] == "application/json"


def test_given_content_headers_are_not_duplicated() -> None:
    response = Response("hello", media_type="text/plain", headers={"Content-Length": "3", "Content-Type": "x/y"})
    assert response.raw_headers == [(b"content-length", b"3"), (b"content-type", b"x/y")]


def test_header_names_are_lower_cased_and_computed_headers_appended() -> None:
    response = Response("hello", media_type="text/plain", headers={"X-Custom": "Value"})
    assert response.raw_headers == [
        (b"x-custom", b"Value"),
        (b"content-length", b"5"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]


@pytest.mark.parametrize("status_code", [100, 101, 199, 204, 304])
def test_no_content_length_for_bodiless_status(status_code: int) -> None:
    response = Response(status_code=status_code)
    assert "content-length" not in response.headers


@pytest.mark.parametrize("status_code", [200, 201, 205, 299, 303, 305, 404, 500, 999])
def test_content_length_for_other_status(status_code: int) -> None:
    assert Response(status_code=status_code).headers["content-length"] == "0"


def test_status_code_that_is_not_a_number() -> None:
    # Upstream's error: the status code is first compared with `<`.
    with pytest.raises(TypeError, match="^'<' not supported between instances of 'str' and 'int'$"):
        Response(status_code=cast(int, "200"))
    response = Response(status_code=cast(int, "200"), headers={"content-length": "0"})
    assert response.raw_headers == [(b"content-length", b"0")]


def test_memoryview_body_length_counts_bytes() -> None:
    view = memoryview(b"abcdefgh").cast("I")
    response = Response(view)
    assert response.body is view
    assert response.headers["content-length"] == "8"


def test_render_rejects_unsupported_content() -> None:
    with pytest.raises(AttributeError, match="^'int' object has no attribute 'encode'$"):  # upstream's error
        Response(42)


def test_render_encodes_content_with_its_own_encode() -> None:
    class Text:
        def encode(self, charset: str) -> bytes:
            return f"text in {charset}".encode()

    assert Response(Text()).body == b"text in utf-8"


def test_render_can_be_overridden_for_other_content(test_client_factory: TestClientFactory) -> None:
    class ReprResponse(Response):
        media_type = "text/plain"

        def render(self, content: Any) -> bytes:
            return repr(content).encode()

    response = test_client_factory(ReprResponse({"a": 1})).get("/")
    assert response.text == "{'a': 1}"


def test_headers_property_writes_through_to_raw_headers() -> None:
    response = Response("x")
    assert response.headers is response.headers
    response.headers["x-added"] = "1"
    assert (b"x-added", b"1") in response.raw_headers
    del response.headers["content-length"]
    assert b"content-length" not in dict(response.raw_headers)


def test_headers_property_follows_replaced_raw_headers() -> None:
    response = Response("x")
    assert response.headers["content-length"] == "1"
    response.raw_headers = [(b"x-new", b"yes")]
    assert dict(response.headers) == {"x-new": "yes"}


def test_background_runs_after_response(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def recording_send(message: Message) -> None:
            events.append(message["type"])
            await send(message)

        response = Response("done", background=BackgroundTask(events.append, "background"))
        await response(scope, receive, recording_send)

    response = test_client_factory(app).get("/")
    assert response.text == "done"
    assert events == ["http.response.start", "http.response.body", "background"]


@pytest.mark.anyio
async def test_websocket_denial_response() -> None:
    messages = await run(PlainTextResponse("denied", status_code=403), websocket_scope())
    assert [m["type"] for m in messages] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert messages[0]["status"] == 403
    assert body_of(messages) == b"denied"


@pytest.mark.parametrize("kind", ["plain", "streaming", "file"])
def test_websocket_denial_through_test_client(
    test_client_factory: TestClientFactory, data_file: Path, kind: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"go "
        yield b"away"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        response: Response
        if kind == "plain":
            response = PlainTextResponse("go away", status_code=403)
        elif kind == "streaming":
            response = StreamingResponse(chunks(), status_code=403)
        else:
            response = FileResponse(data_file, status_code=403)
        await response(scope, receive, send)

    client = test_client_factory(app)
    with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/"):
        pass
    assert info.value.status_code == 403
    assert info.value.content == (CONTENT if kind == "file" else b"go away")


# --- JSONResponse ------------------------------------------------------------------------------


def test_json_response(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(JSONResponse({"hello": "wörld", "n": [1, 2.5, None]})).get("/")
    assert response.headers["content-type"] == "application/json"
    assert response.content == '{"hello":"wörld","n":[1,2.5,null]}'.encode()
    assert response.json() == {"hello": "wörld", "n": [1, 2.5, None]}


def test_json_response_arguments() -> None:
    background = BackgroundTask(print)
    response = JSONResponse([1], 201, {"x-a": "1"}, "application/vnd.api+json", background)
    assert (response.status_code, response.media_type, response.background) == (
        201,
        "application/vnd.api+json",
        background,
    )
    assert response.raw_headers == [
        (b"x-a", b"1"),
        (b"content-length", b"3"),
        (b"content-type", b"application/vnd.api+json"),
    ]


def test_content_type_headers_for_many_media_types() -> None:
    # Encoded headers are kept for a bounded number of media types; past that they are still right.
    for index in range(600):
        media_type = f"text/x-{index}" if index % 2 else f"application/x-{index}"
        expected = f"{media_type}; charset=utf-8" if index % 2 else media_type
        for _ in range(2):
            assert Response(b"", media_type=media_type).headers["content-type"] == expected
    for index in range(300):
        response = Response(b"", media_type="text/plain")
        response.charset = f"x-charset-{index}"
        response.init_headers()
        assert response.headers["content-type"] == f"text/plain; charset=x-charset-{index}"


def test_json_none_is_null() -> None:
    assert JSONResponse(None).body == b"null"


def test_json_rejects_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        JSONResponse({"x": float("nan")})


def test_json_rejects_unserializable() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        JSONResponse({"x": object()})


def test_json_rejects_circular_content_and_recovers() -> None:
    circular: list[object] = []
    circular.append(circular)
    for _ in range(2):  # each render starts with a clean circular-reference check
        with pytest.raises(ValueError, match="Circular reference detected"):
            JSONResponse({"a": circular})
        shared = [1]
        assert JSONResponse({"a": shared, "b": shared}).body == b'{"a":[1],"b":[1]}'


def test_json_rejects_too_deep_content() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        JSONResponse(deep)


def test_json_body_is_what_json_dumps_gives() -> None:
    content = {"text": 'é\u2028"\n', "n": [1, -2.5, 10**30, True, None], 3: {"nested": ()}, 1.5: "float key"}
    expected = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    assert JSONResponse(content).body == expected


def test_json_dumps_is_looked_up_through_the_json_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fake_dumps(obj: object, **kwargs: object) -> str:
        calls.append(obj)
        return "patched"

    monkeypatch.setattr("starlette.responses.json.dumps", fake_dumps)
    assert JSONResponse([1]).body == b"patched"
    assert calls == [[1]]


# --- RedirectResponse --------------------------------------------------------------------------


def test_redirect_response(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/":
            response: Response = PlainTextResponse("hello, world")
        else:
            response = RedirectResponse("/")
        await response(scope, receive, send)

    client = test_client_factory(app)
    response = client.get("/redirect")
    assert response.text == "hello, world"
    assert response.url == "http://testserver/"
    first = client.get("/redirect", follow_redirects=False)
    assert first.status_code == 307
    assert first.headers["location"] == "/"
    assert first.headers["content-length"] == "0"


def test_redirect_quotes_unsafe_characters() -> None:
    response = RedirectResponse("/I ♥ Starlette/?a=1&b=2#frag")
    assert response.headers["location"] == "/I%20%E2%99%A5%20Starlette/?a=1&b=2#frag"


def test_redirect_cannot_inject_headers() -> None:
    response = RedirectResponse("/next\r\nSet-Cookie: evil=1")
    assert response.headers["location"] == "/next%0D%0ASet-Cookie:%20evil=1"
    assert b"set-cookie" not in dict(response.raw_headers)


def test_redirect_accepts_url_status_headers_and_background() -> None:
    task = BackgroundTask(print)
    response = RedirectResponse(URL("https://example.org/a b"), status_code=301, headers={"x": "y"}, background=task)
    assert response.status_code == 301
    assert response.headers["location"] == "https://example.org/a%20b"
    assert response.headers["x"] == "y"
    assert response.background is task


# --- cookies -----------------------------------------------------------------------------------


def set_cookie_headers(response: Response) -> list[str]:
    return [value.decode("latin-1") for name, value in response.raw_headers if name == b"set-cookie"]


def test_set_cookie_with_all_attributes(test_client_factory: TestClientFactory) -> None:
    expires = dt.datetime(2037, 1, 22, 12, 0, 10, tzinfo=dt.timezone.utc)
    response = Response("cookies")
    response.set_cookie(
        "mycookie",
        "myvalue",
        max_age=10,
        expires=expires,
        path="/",
        domain="localhost",
        secure=True,
        httponly=True,
        samesite="none",
    )
    assert set_cookie_headers(response) == [
        "mycookie=myvalue; Domain=localhost; expires=Thu, 22 Jan 2037 12:00:10 GMT; HttpOnly; Max-Age=10; Path=/; "
        "SameSite=none; Secure"
    ]
    sent = test_client_factory(response).get("/")
    assert sent.headers["set-cookie"] == set_cookie_headers(response)[0]


def test_set_cookie_defaults() -> None:
    response = Response()
    response.set_cookie("a", "b")
    assert set_cookie_headers(response) == ["a=b; Path=/; SameSite=lax"]


def test_set_cookie_without_path_or_samesite() -> None:
    response = Response()
    response.set_cookie("a", "b", path=None, samesite=None)
    assert set_cookie_headers(response) == ["a=b"]


def test_set_cookie_expires_as_string_and_seconds() -> None:
    response = Response()
    response.set_cookie("s", expires="Thu, 01 Jan 2037 00:00:00 GMT")
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    response.set_cookie("n", expires=10)
    after = dt.datetime.now(dt.timezone.utc)
    string_cookie, seconds_cookie = set_cookie_headers(response)
    assert "expires=Thu, 01 Jan 2037 00:00:00 GMT" in string_cookie
    morsel = http.cookies.SimpleCookie(seconds_cookie)["n"]
    expires_at = parsedate_to_datetime(morsel["expires"])
    assert before + dt.timedelta(seconds=10) <= expires_at <= after + dt.timedelta(seconds=10)


def test_set_cookie_value_is_quoted_not_injected() -> None:
    response = Response()
    response.set_cookie("k", "a;b\r\nx")
    (header,) = set_cookie_headers(response)
    assert "\r" not in header and "\n" not in header
    assert header.startswith('k="a\\073b\\015\\012x"')


@pytest.mark.parametrize("samesite", ["Strict", "LAX", "none"])
def test_set_cookie_samesite_is_case_insensitive(samesite: Any) -> None:
    response = Response()
    response.set_cookie("k", "v", samesite=samesite)
    assert set_cookie_headers(response) == [f"k=v; Path=/; SameSite={samesite}"]


def test_set_cookie_rejects_invalid_samesite() -> None:
    response = Response()
    invalid: Any = "invalid"  # a typo the type checkers would reject; the runtime check catches it too
    with pytest.raises(AssertionError, match="samesite must be either 'strict', 'lax' or 'none'"):
        response.set_cookie("k", "v", samesite=invalid)


@pytest.mark.parametrize("path", ["/;evil", "/\x7f", "/\r\nx-evil: 1"])
def test_set_cookie_rejects_path_injection(path: str) -> None:
    response = Response()
    with pytest.raises(ValueError, match="Cookie path must not contain ';' or control characters"):
        response.set_cookie("k", "v", path=path)
    assert set_cookie_headers(response) == []


@pytest.mark.parametrize("domain", ["a.org; Secure", "a.org\r\nx-evil: 1", "a.org\x00"])
def test_set_cookie_rejects_domain_injection(domain: str) -> None:
    response = Response()
    with pytest.raises(ValueError, match="Cookie domain must not contain ';' or control characters"):
        response.delete_cookie("k", domain=domain)
    assert set_cookie_headers(response) == []


def test_set_cookie_rejects_illegal_key() -> None:
    with pytest.raises(http.cookies.CookieError):
        Response().set_cookie("bad key;", "v")


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="partitioned cookies are supported from Python 3.14")
def test_set_cookie_partitioned_needs_python_314() -> None:
    response = Response()
    with pytest.raises(ValueError, match="Partitioned cookies are only supported in Python 3.14 and above."):
        response.set_cookie("k", "v", partitioned=True)
    assert set_cookie_headers(response) == []


@pytest.mark.skipif(sys.version_info < (3, 14), reason="partitioned cookies are supported from Python 3.14")
def test_set_cookie_partitioned() -> None:
    response = Response()
    response.set_cookie("k", "v", secure=True, samesite="none", partitioned=True)
    assert set_cookie_headers(response) == ["k=v; Partitioned; Path=/; SameSite=none; Secure"]


def test_delete_cookie(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = Response("deleted")
        if "mycookie" in scope["path"]:
            response.delete_cookie("mycookie")
        else:
            response.set_cookie("mycookie", "myvalue")
        await response(scope, receive, send)

    client = test_client_factory(app)
    assert client.get("/").cookies["mycookie"] == "myvalue"
    response = client.get("/mycookie")
    assert not response.cookies.get("mycookie")
    assert re.fullmatch(
        r'mycookie=""; expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; Max-Age=0; Path=/; SameSite=lax',
        response.headers["set-cookie"],
    )


def test_delete_cookie_with_attributes() -> None:
    response = Response()
    response.delete_cookie("k", path="/p", domain="example.org", secure=True, httponly=True, samesite="strict")
    (header,) = set_cookie_headers(response)
    assert header.startswith('k=""; Domain=example.org; expires=')
    assert header.endswith("GMT; HttpOnly; Max-Age=0; Path=/p; SameSite=strict; Secure")


# --- StreamingResponse -------------------------------------------------------------------------


def test_streaming_response_async_generator(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def numbers() -> AsyncIterator[str]:
        for number in range(1, 6):
            yield str(number)
            yield ", " if number < 5 else ""

    task = BackgroundTask(events.append, "background")
    app = StreamingResponse(numbers(), media_type="text/plain", background=task)
    response = test_client_factory(app).get("/")
    assert response.text == "1, 2, 3, 4, 5"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in response.headers
    assert events == ["background"]


def test_streaming_response_sync_iterator(test_client_factory: TestClientFactory) -> None:
    def chunks() -> Iterator[bytes | str | memoryview]:
        yield b"bytes "
        yield "text "
        yield memoryview(b"view")

    response = test_client_factory(StreamingResponse(chunks())).get("/")
    assert response.content == b"bytes text view"


def test_streaming_response_from_open_file(test_client_factory: TestClientFactory, data_file: Path) -> None:
    with data_file.open("rb") as file:
        response = test_client_factory(StreamingResponse(file, headers={"content-length": "1000"})).get("/")
    assert response.content == CONTENT
    assert response.headers["content-length"] == "1000"


def test_streaming_response_custom_async_iterable(test_client_factory: TestClientFactory) -> None:
    class Chunks:
        def __aiter__(self) -> AsyncIterator[bytes]:
            return self.generate()

        async def generate(self) -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

    assert test_client_factory(StreamingResponse(Chunks())).get("/").content == b"ab"


@pytest.mark.anyio
async def test_streaming_response_messages_on_asgi_24() -> None:
    async def chunks() -> AsyncIterator[str]:
        yield "é"

    messages = await run(StreamingResponse(chunks(), status_code=202), http_scope())
    assert messages == [
        {"type": "http.response.start", "status": 202, "headers": []},
        {"type": "http.response.body", "body": "é".encode(), "more_body": True},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


@pytest.mark.anyio
async def test_streaming_response_encodes_other_chunks_with_their_own_encode() -> None:
    class Text:
        def encode(self, charset: str) -> bytes:
            return f"text in {charset}".encode()

    async def chunks() -> AsyncIterator[Any]:
        yield Text()
        response.charset = "latin-1"  # read for every chunk
        yield "é"

    response = StreamingResponse(chunks())
    messages = await run(response, http_scope())
    assert [m["body"] for m in messages[1:]] == [b"text in utf-8", "é".encode("latin-1"), b""]


@pytest.mark.anyio
@pytest.mark.parametrize(("chunk", "name"), [(1, "int"), (None, "NoneType"), (bytearray(b"x"), "bytearray")])
async def test_streaming_response_chunk_without_encode(chunk: Any, name: str) -> None:
    class Chunks:  # not an async generator: nothing is left to finalize after the error
        def __init__(self) -> None:
            self.left = [b"a", chunk]

        def __aiter__(self) -> Chunks:
            return self

        async def __anext__(self) -> Any:
            return self.left.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(AttributeError, match=f"^'{name}' object has no attribute 'encode'$"):  # upstream's error
        await StreamingResponse(Chunks())(http_scope(), idle_receive, send)
    assert [m.get("body") for m in sent] == [None, b"a"]


@pytest.mark.anyio
async def test_streaming_response_stops_on_disconnect_before_asgi_24() -> None:
    first_chunk_sent = anyio.Event()
    events: list[str] = []

    async def endless() -> AsyncIterator[bytes]:
        yield b"first"
        await anyio.sleep_forever()
        yield b"never"

    async def receive() -> Message:
        if not events:
            events.append("request")
            return {"type": "http.request", "body": b"", "more_body": False}
        await first_chunk_sent.wait()
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body") == b"first":
            first_chunk_sent.set()

    response = StreamingResponse(endless(), background=BackgroundTask(events.append, "background"))
    scope = http_scope(asgi={"version": "3.0", "spec_version": "2.3"})
    await response(scope, receive, send)
    assert [m.get("body") for m in sent] == [None, b"first"]
    assert events == ["request", "background"]


@pytest.mark.anyio
async def test_streaming_response_stops_once_disconnected_with_bare_scope() -> None:
    streamed = 0
    produced = 0
    disconnected = anyio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal streamed
        streamed += len(message.get("body", b""))
        if streamed > 1024:
            disconnected.set()

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(100_000):
            produced += 1
            await anyio.lowlevel.checkpoint()
            yield b"chunk "

    await StreamingResponse(chunks())({}, receive, send)
    assert 1024 < streamed < 100_000 * 6
    assert produced < 100_000


@pytest.mark.anyio
async def test_streaming_response_disconnect_on_send_with_bare_scope() -> None:
    bodies: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            if bodies:
                raise OSError("client went away")
            bodies.append(message["body"])

    async def chunks() -> AsyncGenerator[bytes, None]:
        for _ in range(100_000):
            yield b"chunk"

    stream = chunks()
    with pytest.raises(ClientDisconnect):
        await StreamingResponse(stream)({"asgi": {"spec_version": "2.4"}}, idle_receive, send)
    assert bodies == [b"chunk"]
    await stream.aclose()


@pytest.mark.anyio
async def test_file_response_with_minimal_scope(data_file: Path) -> None:
    messages = await run(FileResponse(data_file), {"type": "http", "method": "get"})
    assert messages[0]["status"] == 200
    assert body_of(messages) == CONTENT
    head = await run(FileResponse(data_file), {"type": "http", "method": "head"})
    assert body_of(head) == b""


@pytest.mark.anyio
@pytest.mark.parametrize("asgi", [{}, {"version": "3.0"}, {"spec_version": "two.four"}])
async def test_streaming_response_finishes_while_listening(asgi: dict[str, str]) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"all"

    messages = await run(StreamingResponse(chunks()), http_scope(asgi=asgi))
    assert body_of(messages) == b"all"
    assert messages[-1]["more_body"] is False


@pytest.mark.anyio
async def test_streaming_response_send_oserror_is_client_disconnect() -> None:
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data"

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("connection reset")

    response = StreamingResponse(chunks(), background=BackgroundTask(events.append, "background"))
    with pytest.raises(ClientDisconnect) as info:
        await response(http_scope(), idle_receive, send)
    assert isinstance(info.value.__cause__, OSError)
    assert events == []


@pytest.mark.anyio
async def test_streaming_response_send_oserror_before_asgi_24() -> None:
    # As upstream: before ASGI 2.4 a failing `send` is the server's own error, raised as it is.
    async def chunks() -> AsyncIterator[bytes]:
        yield b"data"

    async def send(message: Message) -> None:
        raise OSError("connection reset")

    with pytest.raises(OSError, match="^connection reset$"):
        await StreamingResponse(chunks())(http_scope(asgi={}), idle_receive, send)


@pytest.mark.anyio
async def test_streaming_response_oserror_on_asgi_24_is_a_disconnect() -> None:
    # As upstream: on ASGI 2.4 any `OSError` while streaming (from `send` or the iterator) is `ClientDisconnect`.
    async def failing() -> AsyncIterator[bytes]:
        yield b"data"
        raise FileNotFoundError("missing.txt")

    with pytest.raises(ClientDisconnect) as info:
        await run(StreamingResponse(failing()), http_scope())
    assert isinstance(info.value.__cause__, FileNotFoundError)


@pytest.mark.anyio
async def test_streaming_websocket_denial_response() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"no"

    async def receive() -> Message:
        return {"type": "websocket.disconnect", "code": 1006}

    messages = await run(StreamingResponse(chunks(), status_code=403), websocket_scope(), receive)
    types = {m["type"] for m in messages}
    assert "websocket.http.response.start" in types
    assert types <= {"websocket.http.response.start", "websocket.http.response.body"}


@pytest.mark.anyio
async def test_streaming_websocket_denial_does_not_listen_for_a_disconnect() -> None:
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b"denied"

    async def receive() -> Message:
        raise AssertionError("a denial response has nothing to receive")  # pragma: no cover

    response = StreamingResponse(chunks(), status_code=403, background=BackgroundTask(events.append, "done"))
    messages = await run(response, {"type": "websocket"}, receive)
    assert [m["type"] for m in messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
        "websocket.http.response.body",
    ]
    assert body_of(messages) == b"denied"
    assert events == ["done"]


@pytest.mark.anyio
async def test_streaming_websocket_denial_encodes_text_chunks() -> None:
    async def chunks() -> AsyncIterator[str]:
        yield "dénied"

    messages = await run(StreamingResponse(chunks(), status_code=403), {"type": "websocket"})
    assert body_of(messages) == "dénied".encode()


@pytest.mark.anyio
async def test_a_receive_that_never_blocks_does_not_starve_the_response(data_file: Path) -> None:
    received = 0

    async def eager_receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"", "more_body": False}

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
            yield b"x"

    with anyio.fail_after(5):
        streamed = await run(StreamingResponse(chunks()), http_scope(asgi={}), eager_receive)
        sent_file = await run(FileResponse(data_file), http_scope(asgi={}), eager_receive)
    assert body_of(streamed) == b"xxx"
    assert body_of(sent_file) == CONTENT
    assert received > 0


@pytest.mark.anyio
async def test_a_failing_receive_stops_the_streaming_response() -> None:
    stopped: list[str] = []

    async def receive() -> Message:
        await anyio.lowlevel.checkpoint()
        raise ConnectionResetError("receive failed")

    async def chunks() -> AsyncGenerator[bytes, None]:
        try:
            while True:
                await anyio.lowlevel.checkpoint()
                yield b"x"
        finally:
            stopped.append("stream")

    stream = chunks()
    with anyio.fail_after(5), pytest.raises(ConnectionResetError, match="receive failed"):
        await StreamingResponse(stream)(http_scope(asgi={}), receive, idle_send)
    await stream.aclose()
    assert stopped == ["stream"]


@pytest.mark.anyio
async def test_cancelling_a_streaming_response_also_stops_its_listener() -> None:
    listening: list[str] = []
    receiving = anyio.Event()

    async def receive() -> Message:
        listening.append("receiving")
        receiving.set()
        try:
            await anyio.sleep_forever()
        finally:
            listening.append("stopped")
        raise AssertionError("unreachable")  # pragma: no cover

    with anyio.CancelScope() as outer:

        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            await receiving.wait()
            outer.cancel()
            await anyio.lowlevel.checkpoint()
            yield b"never sent"  # pragma: no cover

        with anyio.fail_after(5):
            await StreamingResponse(chunks())(http_scope(asgi={}), receive, idle_send)
    assert outer.cancelled_caught
    assert listening == ["receiving", "stopped"]


@pytest.mark.anyio
async def test_a_stream_that_never_yields_leaves_no_receive_pending(anyio_backend: str) -> None:
    # On asyncio the listener starts once the response yields to the event loop, so this
    # one is sent whole before any `receive`; on trio the task group's listener is stopped.
    receives: list[str] = []

    async def receive() -> Message:
        receives.append("receiving")
        try:
            await anyio.sleep_forever()
        finally:
            receives.append("stopped")
        raise AssertionError("unreachable")  # pragma: no cover

    async def chunks() -> AsyncIterator[bytes]:
        yield b"one"
        yield b"two"

    messages = await run(StreamingResponse(chunks()), http_scope(asgi={}), receive)
    assert body_of(messages) == b"onetwo"
    assert messages[-1]["more_body"] is False
    assert receives == ([] if anyio_backend == "asyncio" else ["receiving", "stopped"])


@pytest.mark.anyio
async def test_a_response_failing_while_listening_propagates_alone() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"
        raise LookupError("stream failed")

    with anyio.fail_after(5), pytest.raises(LookupError, match="stream failed"):
        await StreamingResponse(chunks())(http_scope(asgi={}), idle_receive, idle_send)


@pytest.mark.anyio
async def test_streaming_response_oserror_on_the_final_send() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"all of it"

    async def send(message: Message) -> None:
        if message.get("more_body") is False:
            raise OSError("connection reset")

    with pytest.raises(ClientDisconnect) as info:
        await StreamingResponse(chunks())(http_scope(), idle_receive, send)
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.anyio
async def test_streaming_subclass_send_oserror_is_client_disconnect() -> None:
    class Custom(StreamingResponse):
        async def stream_response(self, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})

    async def send(message: Message) -> None:
        raise OSError("connection reset")

    async def chunks() -> AsyncGenerator[bytes, None]:
        yield b"unused"  # pragma: no cover

    stream = chunks()
    with pytest.raises(ClientDisconnect):
        await Custom(stream)(http_scope(), idle_receive, send)
    await stream.aclose()


@pytest.mark.anyio
async def test_streaming_websocket_denial_passes_other_messages_through() -> None:
    class Custom(StreamingResponse):
        async def stream_response(self, send: Send) -> None:
            await send({"type": "custom.message"})
            start: Message = {"type": "http.response.start", "status": 403, "headers": []}
            await send(start)
            assert start["type"] == "http.response.start"  # the caller's message is not mutated
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"

    scope = websocket_scope()
    scope["asgi"] = {"spec_version": "2.4"}
    messages = await run(Custom(chunks()), scope)
    assert [m["type"] for m in messages] == [
        "custom.message",
        "websocket.http.response.start",
        "websocket.http.response.body",
        "websocket.http.response.body",
    ]


# --- FileResponse ------------------------------------------------------------------------------


def test_file_response(test_client_factory: TestClientFactory, data_file: Path) -> None:
    events: list[str] = []
    app = FileResponse(data_file, filename="example.txt", background=BackgroundTask(events.append, "done"))
    response = test_client_factory(app).get("/")
    st = os.stat(data_file)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "1000"
    assert response.headers["content-disposition"] == 'attachment; filename="example.txt"'
    assert response.headers["last-modified"] == formatdate(st.st_mtime, usegmt=True)
    assert response.headers["etag"] == etag_for(data_file)
    assert response.headers["accept-ranges"] == "bytes"
    assert events == ["done"]
    assert open_descriptors_for(data_file) == []


def test_file_response_attributes(data_file: Path) -> None:
    task = BackgroundTask(print)
    response = FileResponse(str(data_file), status_code=203, media_type="text/csv", filename="f", background=task)
    assert response.path == str(data_file)
    assert response.status_code == 203
    assert response.filename == "f"
    assert response.media_type == "text/csv"
    assert response.background is task
    assert response.stat_result is None
    assert "content-length" not in response.headers
    assert FileResponse.chunk_size == 65536
    assert FileResponse.max_ranges == 100


def test_file_response_media_type_from_filename_and_fallback(tmp_path: Path) -> None:
    assert FileResponse(tmp_path / "x.bin", filename="report.pdf").media_type == "application/pdf"
    assert FileResponse(tmp_path / "x.unknownext").media_type == "application/octet-stream"
    assert FileResponse(tmp_path / "noext").headers["content-type"] == "application/octet-stream"


def test_file_response_unicode_filename_uses_rfc5987(data_file: Path) -> None:
    response = FileResponse(data_file, filename='你好 "quoted".txt', content_disposition_type="inline")
    assert response.headers["content-disposition"] == ("inline; filename*=utf-8''%E4%BD%A0%E5%A5%BD%20%22quoted%22.txt")


def test_file_response_filename_cannot_inject_headers(data_file: Path) -> None:
    response = FileResponse(data_file, filename="a\r\nx-evil: 1")
    assert response.headers["content-disposition"] == "attachment; filename*=utf-8''a%0D%0Ax-evil%3A%201"


def test_file_response_given_headers_win(data_file: Path) -> None:
    response = FileResponse(
        data_file,
        headers={"content-disposition": "inline", "etag": '"mine"', "accept-ranges": "none"},
        filename="f.txt",
        stat_result=os.stat(data_file),
    )
    assert response.headers["content-disposition"] == "inline"
    assert response.headers["etag"] == '"mine"'
    assert response.headers["accept-ranges"] == "none"
    assert response.headers["content-length"] == "1000"


def test_file_response_head(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = test_client_factory(FileResponse(data_file)).head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "1000"
    assert open_descriptors_for(data_file) == []


def test_file_response_is_stat_ed_on_every_call(test_client_factory: TestClientFactory, data_file: Path) -> None:
    app = FileResponse(data_file)
    client = test_client_factory(app)
    first = client.get("/")
    data_file.write_bytes(b"changed")
    os.utime(data_file, (1_000_000, 1_000_000))
    second = client.get("/")
    assert first.headers["content-length"] == "1000"
    assert second.headers["content-length"] == "7"
    assert second.content == b"changed"
    assert second.headers["etag"] == etag_for(data_file) != first.headers["etag"]
    assert second.headers["last-modified"] == "Mon, 12 Jan 1970 13:46:40 GMT"
    assert "content-length" not in app.headers


def test_file_response_stat_headers_can_be_customised(test_client_factory: TestClientFactory, data_file: Path) -> None:
    class WeakETagFileResponse(FileResponse):
        def set_stat_headers(self, stat_result: os.stat_result) -> None:
            self.headers["etag"] = f'W/"{stat_result.st_size}"'
            super().set_stat_headers(stat_result)

    response = test_client_factory(WeakETagFileResponse(data_file)).get("/")
    assert response.headers["etag"] == 'W/"1000"'
    assert response.headers["content-length"] == "1000"


@pytest.mark.anyio
async def test_file_response_with_given_stat_result(data_file: Path) -> None:
    st = os.stat(data_file)
    response = FileResponse(data_file, stat_result=st)
    assert response.headers["content-length"] == "1000"
    data_file.unlink()  # the given stat result is trusted: no stat at call time
    with pytest.raises(FileNotFoundError):
        await run(response, http_scope())


@pytest.mark.anyio
async def test_file_response_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    with pytest.raises(RuntimeError, match=f"File at path {path} does not exist."):
        await run(FileResponse(path), http_scope())


@pytest.mark.anyio
async def test_file_response_directory(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=f"File at path {tmp_path} is not a file."):
        await run(FileResponse(tmp_path), http_scope())


@pytest.mark.anyio
async def test_file_response_chunks(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 300
    messages = await run(response, http_scope())
    bodies = [(len(m["body"]), m["more_body"]) for m in messages[1:]]
    assert bodies == [(300, True), (300, True), (300, True), (100, False)]
    assert body_of(messages) == CONTENT


@pytest.mark.anyio
async def test_file_response_exact_multiple_of_chunk_size(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 500
    messages = await run(response, http_scope())
    assert [(len(m["body"]), m["more_body"]) for m in messages[1:]] == [(500, True), (500, False)]


@pytest.mark.anyio
async def test_file_response_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    messages = await run(FileResponse(path), http_scope())
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]
    assert headers_of(messages)[b"content-length"] == b"0"


@pytest.mark.anyio
async def test_file_response_fails_on_a_shrunk_file(data_file: Path, tmp_path: Path) -> None:
    bigger = tmp_path / "bigger"
    bigger.write_bytes(b"x" * 5000)
    response = FileResponse(data_file, stat_result=os.stat(bigger))
    with pytest.raises(RuntimeError, match=f"^File at path {re.escape(str(data_file))} is shorter than expected.$"):
        await run(response, http_scope())


@pytest.mark.anyio
async def test_file_response_does_not_overrun_a_grown_file(data_file: Path) -> None:
    response = FileResponse(data_file, stat_result=os.stat(data_file))
    data_file.write_bytes(CONTENT * 3)
    messages = await run(response, http_scope())
    assert body_of(messages) == CONTENT


@pytest.mark.anyio
async def test_file_response_pathsend(data_file: Path) -> None:
    scope = http_scope(extensions={"http.response.pathsend": {}})
    messages = await run(FileResponse(data_file), scope)
    assert messages[1:] == [{"type": "http.response.pathsend", "path": str(data_file)}]
    assert headers_of(messages)[b"content-length"] == b"1000"


@pytest.mark.anyio
async def test_file_response_head_with_pathsend_sends_no_body(data_file: Path) -> None:
    scope = http_scope("HEAD", extensions={"http.response.pathsend": {}})
    messages = await run(FileResponse(data_file), scope)
    assert messages[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


@pytest.mark.anyio
async def test_file_response_without_extensions_key(data_file: Path) -> None:
    scope = http_scope(extensions=None)
    assert body_of(await run(FileResponse(data_file), scope)) == CONTENT


@pytest.mark.anyio
async def test_file_websocket_denial_response(data_file: Path) -> None:
    messages = await run(FileResponse(data_file, status_code=403), websocket_scope())
    assert {m["type"] for m in messages} == {"websocket.http.response.start", "websocket.http.response.body"}
    assert messages[0]["status"] == 403
    assert body_of(messages) == CONTENT


@pytest.mark.anyio
@pytest.mark.parametrize("range_header", [None, "bytes=0-1", "bytes=0-1, 5-6"])
async def test_file_response_unreadable_file_fails_before_sending(
    data_file: Path, tmp_path: Path, range_header: str | None
) -> None:
    # The stat result says "regular file", but opening the path fails: nothing may have been sent.
    response = FileResponse(tmp_path, stat_result=os.stat(data_file))
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(headers={"range": range_header} if range_header else None)
    with pytest.raises(IsADirectoryError):
        await response(scope, idle_receive, send)
    assert sent == []


@pytest.mark.anyio
async def test_file_response_send_failure_closes_file(data_file: Path) -> None:
    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            assert len(open_descriptors_for(data_file)) == 1
            raise OSError("gone")

    with pytest.raises(OSError, match="gone"):
        await FileResponse(data_file)(http_scope(), idle_receive, send)
    assert open_descriptors_for(data_file) == []


# --- conditional requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"other", {etag}', "*", ' "x" ,  W/{etag} '],
)
def test_file_response_if_none_match(
    test_client_factory: TestClientFactory, data_file: Path, if_none_match: str
) -> None:
    headers = {"cache-control": "no-cache", "vary": "accept", "x-other": "1"}
    client = test_client_factory(FileResponse(data_file, headers=headers))
    etag = etag_for(data_file)
    response = client.get("/", headers={"if-none-match": if_none_match.format(etag=etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["vary"] == "accept"
    assert "x-other" not in response.headers
    assert "content-type" not in response.headers
    assert open_descriptors_for(data_file) == []


@pytest.mark.parametrize("if_none_match", ['"nope", W/"other"', '"foo,*,bar"', '"*"', "unquoted", ""])
def test_file_response_if_none_match_mismatch(
    test_client_factory: TestClientFactory, data_file: Path, if_none_match: str
) -> None:
    # A tag is a whole quoted string: `"foo,*,bar"` is one tag, not a list holding the `*` wildcard.
    client = test_client_factory(FileResponse(data_file))
    response = client.get("/", headers={"if-none-match": if_none_match})
    assert response.status_code == 200
    assert response.content == CONTENT


def test_file_response_if_none_match_without_etag(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = FileResponse(data_file)
    del response.headers["etag"]
    response.stat_result = os.stat(data_file)  # keep the etag from coming back when the file is stat'ed
    client = test_client_factory(response)
    assert client.get("/", headers={"if-none-match": "*"}).status_code == 200


def test_file_response_if_modified_since_without_last_modified(
    test_client_factory: TestClientFactory, data_file: Path
) -> None:
    response = FileResponse(data_file, stat_result=os.stat(data_file))
    del response.headers["last-modified"]
    client = test_client_factory(response)
    assert client.get("/", headers={"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"}).status_code == 200


def test_file_response_if_modified_since(test_client_factory: TestClientFactory, data_file: Path) -> None:
    mtime = os.stat(data_file).st_mtime
    client = test_client_factory(FileResponse(data_file))
    assert client.get("/", headers={"if-modified-since": formatdate(mtime, usegmt=True)}).status_code == 304
    assert client.get("/", headers={"if-modified-since": formatdate(mtime + 60, usegmt=True)}).status_code == 304
    assert client.get("/", headers={"if-modified-since": formatdate(mtime - 60, usegmt=True)}).status_code == 200


@pytest.mark.parametrize(
    "garbage",
    ["garbage", "", "Wed, 21 Oct 99999999999999999999 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 +99999999999999999"],
)
def test_file_response_ignores_invalid_if_modified_since(
    test_client_factory: TestClientFactory, data_file: Path, garbage: str
) -> None:
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"if-modified-since": garbage})
    assert response.status_code == 200
    assert response.content == CONTENT


def test_file_response_if_none_match_takes_precedence(test_client_factory: TestClientFactory, data_file: Path) -> None:
    mtime = os.stat(data_file).st_mtime
    client = test_client_factory(FileResponse(data_file))
    headers = {"if-none-match": '"stale"', "if-modified-since": formatdate(mtime + 60, usegmt=True)}
    assert client.get("/", headers=headers).status_code == 200


def test_file_response_conditional_only_for_get_head_and_200(
    test_client_factory: TestClientFactory, data_file: Path
) -> None:
    etag = etag_for(data_file)
    assert test_client_factory(FileResponse(data_file)).head("/", headers={"if-none-match": etag}).status_code == 304
    assert test_client_factory(FileResponse(data_file)).post("/", headers={"if-none-match": etag}).status_code == 200
    not_found = test_client_factory(FileResponse(data_file, status_code=404))
    response = not_found.get("/", headers={"if-none-match": etag, "range": "bytes=0-1"})
    assert response.status_code == 404
    assert response.content == CONTENT


# --- ranges ------------------------------------------------------------------------------------


def test_file_response_single_range(test_client_factory: TestClientFactory, data_file: Path) -> None:
    client = test_client_factory(FileResponse(data_file))
    response = client.get("/", headers={"range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == CONTENT[10:20]
    assert response.headers["content-range"] == "bytes 10-19/1000"
    assert response.headers["content-length"] == "10"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert open_descriptors_for(data_file) == []


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=990-", 990, 1000),
        ("bytes=0-5000", 0, 1000),
        ("bytes=-100", 900, 1000),
        ("bytes=-1000", 0, 1000),
        ("bytes=-99999999", 0, 1000),
        ("BYTES = 5-5", 5, 6),
        ("bytes=100, 0-50", 0, 51),
        ("bytes= - , 0-50", 0, 51),
        ("bytes=abc-def, 0-50", 0, 51),
        ("bytes=+1-5, 0-50", 0, 51),
        ("bytes=1_0-20, 0-50", 0, 51),
        ("bytes=0-x, 0-50", 0, 51),
        ("bytes=0-" + "9" * 5000 + ", 0-50", 0, 51),
        ("bytes=0-100, 50-200", 0, 201),
        ("bytes=0-49, 50-99", 0, 100),
        ("bytes=10-20, 0-999", 0, 1000),
    ],
)
def test_file_response_range_forms(
    test_client_factory: TestClientFactory, data_file: Path, header: str, start: int, end: int
) -> None:
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/1000"
    assert response.headers["content-length"] == str(end - start)
    assert response.content == CONTENT[start:end]


@pytest.mark.anyio
@pytest.mark.parametrize("header", ["bytes=\u00b2-5, 0-50", "bytes=0-\u00b9, 0-50", "bytes=-\u00b3, 0-50"])
async def test_file_response_ignores_non_ascii_digits(data_file: Path, header: str) -> None:
    # `str.isdigit()` accepts superscripts, which `int()` then rejects: such specs are skipped, not a 500.
    messages = await run(FileResponse(data_file), http_scope(headers={"range": header}))
    assert headers_of(messages)[b"content-range"] == b"bytes 0-50/1000"
    assert body_of(messages) == CONTENT[0:51]


def test_file_response_single_range_in_chunks(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 7
    assert test_client_factory(response).get("/", headers={"range": "bytes=3-502"}).content == CONTENT[3:503]


def test_file_response_head_range(test_client_factory: TestClientFactory, data_file: Path) -> None:
    client = test_client_factory(FileResponse(data_file))
    response = client.head("/", headers={"range": "bytes=0-1001"})
    assert response.status_code == 206
    assert response.content == b""
    assert response.headers["content-range"] == "bytes 0-999/1000"
    multi = client.head("/", headers={"range": "bytes=0-1, 5-6"})
    assert multi.status_code == 206
    assert multi.content == b""
    assert multi.headers["content-type"].startswith("multipart/byteranges; boundary=")


def test_file_response_range_does_not_mutate_headers(data_file: Path, test_client_factory: TestClientFactory) -> None:
    app = FileResponse(data_file, stat_result=os.stat(data_file))
    before = list(app.raw_headers)
    client = test_client_factory(app)
    client.get("/", headers={"range": "bytes=0-1"})
    client.get("/", headers={"range": "bytes=0-1, 4-5"})
    assert app.raw_headers == before


def multipart_parts(content: bytes, boundary: str) -> list[bytes]:
    assert content.endswith(f"--{boundary}--".encode())
    return content.split(f"--{boundary}".encode())[1:-1]


def test_file_response_multiple_ranges(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"range": "bytes=100-200, 0-50"})
    assert response.status_code == 206
    content_type = response.headers["content-type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    assert "content-range" not in response.headers
    boundary = content_type.split("boundary=")[1]
    assert len(boundary) == 26
    assert response.headers["content-length"] == str(len(response.content))
    assert multipart_parts(response.content, boundary) == [
        b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-50/1000\r\n\r\n"
        + CONTENT[0:51]
        + b"\r\n",
        b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 100-200/1000\r\n\r\n"
        + CONTENT[100:201]
        + b"\r\n",
    ]
    assert open_descriptors_for(data_file) == []


def test_file_response_multiple_ranges_merge_and_chunk(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 16
    header = "bytes=900-, 0-9, 5-20, 21-30, 500-549, -10"
    result = test_client_factory(response).get("/", headers={"range": header})
    boundary = result.headers["content-type"].split("boundary=")[1]
    parts = multipart_parts(result.content, boundary)
    assert [part.split(b"\r\n")[2] for part in parts] == [
        b"Content-Range: bytes 0-30/1000",
        b"Content-Range: bytes 500-549/1000",
        b"Content-Range: bytes 900-999/1000",
    ]
    assert parts[0].endswith(b"\r\n\r\n" + CONTENT[0:31] + b"\r\n")
    assert parts[2].endswith(b"\r\n\r\n" + CONTENT[900:1000] + b"\r\n")
    assert result.headers["content-length"] == str(len(result.content))


def test_file_response_max_ranges(test_client_factory: TestClientFactory, data_file: Path) -> None:
    client = test_client_factory(FileResponse(data_file))
    allowed = "bytes=" + ", ".join(f"{i * 5}-{i * 5 + 1}" for i in range(100))
    response = client.get("/", headers={"range": allowed})
    assert response.status_code == 206
    assert response.content.count(b"Content-Range:") == 100
    assert response.headers["content-length"] == str(len(response.content))
    too_many = "bytes=" + ", ".join(f"{i * 5}-{i * 5 + 1}" for i in range(101))
    response = client.get("/", headers={"range": too_many})
    assert response.status_code == 200  # the range header is ignored: the whole file
    assert "content-range" not in response.headers
    assert response.content == CONTENT


def test_file_response_many_overlapping_ranges_are_ignored_cheaply(
    test_client_factory: TestClientFactory, data_file: Path
) -> None:
    abusive = "bytes=" + ",".join(["0-"] * 10_000)
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"range": abusive})
    assert response.status_code == 200
    assert response.content == CONTENT


@pytest.mark.parametrize(
    ("header", "text"),
    [
        ("bytes: 0-1000", "Malformed range header."),
        ("0-10", "Malformed range header."),
        ("items=0-100", "Only support bytes range"),
        ("bytes=", "Range header: range must be requested"),
        ("bytes=,,, ,", "Range header: range must be requested"),
        ("bytes=abc", "Range header: range must be requested"),
        ("bytes=-", "Range header: range must be requested"),
        ("bytes=-5-10", "Range header: range must be requested"),
        ("bytes=0x10-0x20", "Range header: range must be requested"),
        ("bytes=100-0", "Range header: start must be less than end"),
        ("bytes=5-4", "Range header: start must be less than end"),
        ("bytes=0-1, 9-3", "Range header: start must be less than end"),
    ],
)
def test_file_response_malformed_range(
    test_client_factory: TestClientFactory, data_file: Path, header: str, text: str
) -> None:
    events: list[str] = []
    app = FileResponse(data_file, background=BackgroundTask(events.append, "cleanup"))
    response = test_client_factory(app).get("/", headers={"range": header})
    assert response.status_code == 400
    assert response.text == text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert events == ["cleanup"]
    assert open_descriptors_for(data_file) == []


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=1000-2000", "bytes=0-1, 5000-6000", "bytes=-0", "bytes=" + "9" * 40 + "-"]
)
def test_file_response_range_not_satisfiable(
    test_client_factory: TestClientFactory, data_file: Path, header: str
) -> None:
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */1000"
    assert response.content == b""


def test_file_response_range_on_empty_file(test_client_factory: TestClientFactory, tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    response = test_client_factory(FileResponse(path)).get("/", headers={"range": "bytes=-5"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */0"


def test_file_response_if_range(test_client_factory: TestClientFactory, data_file: Path) -> None:
    client = test_client_factory(FileResponse(data_file))
    etag = etag_for(data_file)
    last_modified = formatdate(os.stat(data_file).st_mtime, usegmt=True)
    for validator in (etag, last_modified):
        response = client.get("/", headers={"range": "bytes=0-9", "if-range": validator})
        assert response.status_code == 206
        assert response.content == CONTENT[:10]
    for stale in ('"stale"', f"W/{etag}", "Thu, 01 Jan 1970 00:00:00 GMT"):
        response = client.get("/", headers={"range": "bytes=0-9", "if-range": stale})
        assert response.status_code == 200
        assert response.content == CONTENT


def test_file_response_weak_etag_never_satisfies_if_range(
    test_client_factory: TestClientFactory, data_file: Path
) -> None:
    weak = 'W/"weak"'
    client = test_client_factory(FileResponse(data_file, headers={"etag": weak}))
    response = client.get("/", headers={"range": "bytes=0-9", "if-range": weak})
    assert response.status_code == 200
    assert response.content == CONTENT
    assert "content-range" not in response.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_file_response_range_is_only_for_get_and_head(
    test_client_factory: TestClientFactory, data_file: Path, method: str
) -> None:
    response = test_client_factory(FileResponse(data_file)).request(method, "/", headers={"range": "bytes=0-9"})
    assert response.status_code == 200
    assert "content-range" not in response.headers
    assert response.content == CONTENT
    head = test_client_factory(FileResponse(data_file)).head("/", headers={"range": "bytes=0-9"})
    assert (head.status_code, head.headers["content-range"]) == (206, "bytes 0-9/1000")


@pytest.mark.anyio
@pytest.mark.parametrize("asgi", [{}, {"spec_version": "2.3"}])
@pytest.mark.parametrize("ranges", [None, "bytes=0-", "bytes=0-99,200-299"])
async def test_file_response_stops_when_the_client_disconnects(
    data_file: Path, asgi: dict[str, str], ranges: str | None
) -> None:
    events: list[str] = []
    disconnected = anyio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            disconnected.set()
            await anyio.sleep_forever()  # a server stuck writing to a client that has gone

    def cleanup() -> None:
        events.append("cleanup")
        assert open_descriptors_for(data_file) == []

    response = FileResponse(data_file, background=BackgroundTask(cleanup))
    scope = http_scope(asgi=asgi, headers={} if ranges is None else {"range": ranges})
    with anyio.fail_after(5):
        await response(scope, receive, send)
    assert events == ["cleanup"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "extensions", "headers"),
    [
        ("HEAD", {}, {}),
        ("GET", {"http.response.pathsend": {}}, {}),
        ("GET", {}, {"range": "bytes=abc"}),
        ("GET", {}, {"range": "bytes=5000-"}),
    ],
)
async def test_file_response_without_a_file_body_does_not_listen(
    data_file: Path, method: str, extensions: dict[str, Any], headers: dict[str, str]
) -> None:
    async def receive() -> Message:
        raise AssertionError("nothing is streamed: no need to watch for a disconnect")  # pragma: no cover

    scope = http_scope(method, headers=headers, asgi={"spec_version": "2.3"}, extensions=extensions)
    messages = await run(FileResponse(data_file), scope, receive)
    assert messages[0]["type"] == "http.response.start"


def test_file_response_if_range_without_range(test_client_factory: TestClientFactory, data_file: Path) -> None:
    response = test_client_factory(FileResponse(data_file)).get("/", headers={"if-range": etag_for(data_file)})
    assert response.status_code == 200


@pytest.mark.anyio
async def test_file_response_first_range_header_wins(data_file: Path) -> None:
    scope = http_scope()
    scope["headers"] = [(b"range", b"bytes=0-1"), (b"range", b"bytes=5-6")]
    messages = await run(FileResponse(data_file), scope)
    assert body_of(messages) == CONTENT[0:2]


@pytest.mark.anyio
async def test_file_response_range_websocket_denial(data_file: Path) -> None:
    scope = websocket_scope()
    scope["headers"] = [(b"range", b"bytes=0-1, 3-4")]
    messages = await run(FileResponse(data_file), scope)
    assert messages[0]["type"] == "websocket.http.response.start"
    assert messages[0]["status"] == 206
    assert {m["type"] for m in messages[1:]} == {"websocket.http.response.body"}


@pytest.mark.anyio
async def test_file_response_ranges_of_a_shrunk_file_fail(data_file: Path, tmp_path: Path) -> None:
    bigger = tmp_path / "bigger"
    bigger.write_bytes(b"x" * 5000)
    response = FileResponse(data_file, stat_result=os.stat(bigger))
    message = f"^File at path {re.escape(str(data_file))} is shorter than expected.$"
    for ranges in ("bytes=0-9, 2000-2999", "bytes=2000-2999", "bytes=990-1999"):
        with pytest.raises(RuntimeError, match=message):
            await run(response, http_scope(headers={"range": ranges}))


def test_generate_multipart_length_matches_body(data_file: Path) -> None:
    response = FileResponse(data_file)
    ranges = [(0, 1), (9, 10), (99, 1000)]
    length, part_header = response.generate_multipart(ranges, "b" * 26, 1000, "text/plain")
    body = b"".join(part_header(s, e) + b"x" * (e - s) + b"\r\n" for s, e in ranges) + b"--" + b"b" * 26 + b"--"
    assert length == len(body)
    assert (
        part_header(9, 10)
        == b"--" + b"b" * 26 + b"\r\nContent-Type: text/plain\r\nContent-Range: bytes 9-9/1000\r\n\r\n"
    )


def test_range_exceptions() -> None:
    # As upstream, `args` (and so `str` and `repr`) hold only what was passed positionally.
    malformed = MalformedRangeHeader()
    assert (malformed.content, malformed.args, str(malformed)) == ("Malformed range header.", (), "")
    assert repr(malformed) == "MalformedRangeHeader()"
    bad = MalformedRangeHeader("bad")
    assert (bad.content, bad.args, str(bad), repr(bad)) == ("bad", ("bad",), "bad", "MalformedRangeHeader('bad')")
    assert (MalformedRangeHeader(content="x").content, MalformedRangeHeader(content="x").args) == ("x", ())
    unsatisfiable = RangeNotSatisfiable(10)
    assert (unsatisfiable.max_size, unsatisfiable.args, str(unsatisfiable)) == (10, (10,), "10")
    assert repr(unsatisfiable) == "RangeNotSatisfiable(10)"
    copied = pickle.loads(pickle.dumps(unsatisfiable))
    assert (copied.max_size, copied.args) == (10, (10,))


@pytest.mark.anyio
async def test_streaming_websocket_denial_send_oserror_is_raised_as_it_is() -> None:
    # As upstream: a denial response converts nothing; the server's `OSError` reaches the caller.
    async def chunks() -> AsyncGenerator[bytes, None]:
        yield b"no"

    async def send(message: Message) -> None:
        raise OSError("connection reset")

    body = chunks()
    with pytest.raises(OSError, match="^connection reset$"):
        await StreamingResponse(body, status_code=403)(websocket_scope(), idle_receive, send)
    await body.aclose()
