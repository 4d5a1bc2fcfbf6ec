from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, Callable
from typing import Any
from unittest import mock

import anyio
import pytest

import starlette.requests as requests_module
from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile, URLPath
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import (
    SERVER_PUSH_HEADERS_TO_COPY,
    ClientDisconnect,
    HTTPConnection,
    Request,
    cookie_parser,
    empty_receive,
    empty_send,
)
from starlette.types import Message, Receive, Scope, Send
from tests.utils import TestClientFactory

BOUNDARY = "4b1d2c3e"


def make_scope(**overrides: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    scope.update(overrides)
    return scope


def raw_headers(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]


class ScriptedReceive:
    """A `receive` that returns the given messages in order, then disconnects."""

    def __init__(self, *messages: Message) -> None:
        self.messages = list(messages)
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.messages:
            return self.messages.pop(0)
        return {"type": "http.disconnect"}


def body_receive(*chunks: bytes) -> ScriptedReceive:
    """A `receive` delivering `chunks` as one request body."""
    if not chunks:
        return ScriptedReceive({"type": "http.request"})
    last = len(chunks) - 1
    return ScriptedReceive(
        *({"type": "http.request", "body": chunk, "more_body": i < last} for i, chunk in enumerate(chunks))
    )


class RecordingSend:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)


async def send_response(send: Send, status: int, content: bytes, media_type: str = "application/json") -> None:
    headers = raw_headers(("content-type", media_type), ("content-length", str(len(content))))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def send_json(send: Send, data: Any, status: int = 200) -> None:
    await send_response(send, status, json.dumps(data).encode())


def multipart_body(*parts: tuple[str, bytes, str | None]) -> bytes:
    body = b""
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


MULTIPART_CONTENT_TYPE = ("content-type", f"multipart/form-data; boundary={BOUNDARY}")
URLENCODED_CONTENT_TYPE = ("content-type", "application/x-www-form-urlencoded")


# --- HTTPConnection ----------------------------------------------------------------------


def test_connection_is_a_mapping_over_scope() -> None:
    scope = make_scope(path="/items")
    connection = HTTPConnection(scope)
    assert connection.scope is scope
    assert connection["path"] == "/items"
    assert list(connection) == list(scope)
    assert len(connection) == len(scope)
    assert dict(connection) == scope


def test_connection_identity_equality() -> None:
    scope = make_scope()
    first, second = Request(scope), Request(scope)
    assert first == first
    assert first != second
    assert hash(first) != hash(second)
    assert len({first, second, first}) == 2
    assert first == mock.ANY  # the other operand still gets its say, as with `object`


def test_connection_accepts_websocket_and_rejects_other_scopes() -> None:
    assert HTTPConnection({"type": "websocket"}).scope["type"] == "websocket"
    with pytest.raises(AssertionError):
        HTTPConnection({"type": "lifespan"})
    with pytest.raises(AssertionError):
        Request({"type": "websocket"})


def test_app() -> None:
    app = object()
    assert Request(make_scope(app=app)).app is app
    with pytest.raises(KeyError):
        Request(make_scope()).app


def test_url_is_cached() -> None:
    scope = make_scope(path="/a/b", query_string=b"x=1", server=("example.org", 8000), scheme="https")
    request = Request(scope)
    assert request.url == URL("https://example.org:8000/a/b?x=1")
    assert request.url is request.url


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "http://testserver/"),
        ({"root_path": "/api", "path": "/api/users", "query_string": b"a=1"}, "http://testserver/api/"),
        ({"root_path": "/api/", "path": "/api/users"}, "http://testserver/api/"),
        ({"root_path": "/api/mount", "app_root_path": "/api", "path": "/api/mount/x"}, "http://testserver/api/"),
    ],
)
def test_base_url(overrides: dict[str, Any], expected: str) -> None:
    request = Request(make_scope(**overrides))
    assert str(request.base_url) == expected
    assert request.base_url is request.base_url


def test_headers_are_cached() -> None:
    request = Request(make_scope(headers=raw_headers(("x-token", "abc"), ("x-token", "def"))))
    assert isinstance(request.headers, Headers)
    assert request.headers.getlist("x-token") == ["abc", "def"]
    assert request.headers is request.headers


def test_headers_of_a_scope_with_non_list_headers() -> None:
    scope = make_scope(headers=((b"x-token", b"abc"), (b"cookie", b"a=1")))
    request = Request(scope)
    assert request.headers["X-Token"] == "abc"
    assert request.cookies == {"a": "1"}
    assert scope["headers"] == [(b"x-token", b"abc"), (b"cookie", b"a=1")]
    assert request.headers.raw is scope["headers"]
    scope_without_headers = make_scope()
    del scope_without_headers["headers"]
    assert len(Request(scope_without_headers).headers) == 0
    assert "headers" not in scope_without_headers


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        (b"", []),
        (b"a=1&a=2&b=&c", [("a", "1"), ("a", "2"), ("b", ""), ("c", "")]),
        (b"q=hello+world&x=%26%3D&&", [("q", "hello world"), ("x", "&=")]),
        (b"caf%C3%A9=%E2%98%83&raw=\xe9", [("caf\u00e9", "\u2603"), ("raw", "\u00e9")]),
        ("str=%41+b", [("str", "A b")]),
    ],
)
def test_query_params_of_the_scope(query_string: bytes | str, expected: list[tuple[str, str]]) -> None:
    params = Request(make_scope(query_string=query_string)).query_params
    assert type(params) is QueryParams
    assert params.multi_items() == expected
    assert params == QueryParams(query_string)
    assert str(params) == str(QueryParams(query_string))


def test_requests_with_the_same_query_string_have_independent_query_params() -> None:
    query_string = b"page=2&tag=a&tag=b"
    first = Request(make_scope(query_string=query_string)).query_params
    first._list.append(("tag", "c"))  # pyright: ignore[reportPrivateUsage]  # what no public method can do
    first._dict["page"] = "3"  # pyright: ignore[reportPrivateUsage]
    second = Request(make_scope(query_string=bytes(query_string))).query_params
    assert second.multi_items() == [("page", "2"), ("tag", "a"), ("tag", "b")]
    assert dict(second) == {"page": "2", "tag": "b"}


def test_long_query_strings_of_the_scope() -> None:
    query_string = "&".join(f"k{i % 10}=%41{i}+x" for i in range(5000)).encode() + b"&" * 5000
    params = Request(make_scope(query_string=query_string)).query_params
    assert len(params) == 10
    assert len(params.multi_items()) == 5000
    assert params["k3"] == "A4993 x"
    assert params == QueryParams(query_string)


def test_query_params_are_cached() -> None:
    request = Request(make_scope(query_string=b"a=1&a=2&b=%20"))
    assert request.query_params == QueryParams("a=1&a=2&b=%20")
    assert request.query_params.getlist("a") == ["1", "2"]
    assert request.query_params is request.query_params


def test_path_params() -> None:
    assert Request(make_scope()).path_params == {}
    assert Request(make_scope(path_params={"id": 3})).path_params == {"id": 3}


def test_client() -> None:
    assert Request(make_scope()).client is None
    client = Request(make_scope(client=["10.0.0.1", 5000])).client
    assert client == Address("10.0.0.1", 5000)
    assert client is not None
    assert (client.host, client.port) == ("10.0.0.1", 5000)


@pytest.mark.parametrize(
    ("key", "attribute", "message"),
    [
        ("session", "session", "SessionMiddleware must be installed to access request.session"),
        ("auth", "auth", "AuthenticationMiddleware must be installed to access request.auth"),
        ("user", "user", "AuthenticationMiddleware must be installed to access request.user"),
    ],
)
def test_middleware_provided_attributes(key: str, attribute: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        getattr(Request(make_scope()), attribute)
    value = {"set": True}
    assert getattr(Request(make_scope(**{key: value})), attribute) is value


class TrackedSession(dict[str, Any]):
    accesses = 0

    def mark_accessed(self) -> None:
        self.accesses += 1


def test_reading_the_session_marks_it_accessed() -> None:
    session = TrackedSession(user="ada")
    request = Request(make_scope(session=session))
    assert request.session is session
    assert request.session["user"] == "ada"
    assert session.accesses == 2
    assert Request(make_scope(session={"plain": "dict"})).session == {"plain": "dict"}


def test_state_is_created_lazily_and_shared_with_scope() -> None:
    scope = make_scope()
    request = Request(scope)
    assert "state" not in scope
    state = request.state
    assert isinstance(state, State)
    assert request.state is state
    state.started = 1
    state["other"] = 2
    assert scope["state"] == {"started": 1, "other": 2}
    assert Request(scope).state.started == 1


def test_state_wraps_existing_scope_state() -> None:
    lifespan_state: dict[str, Any] = {"client": "pool"}
    request = Request(make_scope(state=lifespan_state))
    assert request.state["client"] == "pool"
    assert request.state.client == "pool"


class _Router:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        self.calls.append((name, path_params))
        return URLPath(f"/{name}/{path_params['id']}", protocol="http")


def test_url_for_uses_router_first() -> None:
    router, app = _Router(), _Router()
    request = Request(make_scope(router=router, app=app, root_path="/api", app_root_path="/api"))
    assert request.url_for("user", id=7) == URL("http://testserver/api/user/7")
    assert router.calls == [("user", {"id": 7})]
    assert app.calls == []


def test_url_for_falls_back_to_app() -> None:
    app = _Router()
    request = Request(make_scope(app=app))
    assert str(request.url_for("name", id="x")) == "http://testserver/name/x"


def test_url_for_outside_an_application() -> None:
    with pytest.raises(RuntimeError, match="The `url_for` method can only be used inside a Starlette application"):
        Request(make_scope()).url_for("home")


# --- cookies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", {}),
        ("chips=ahoy", {"chips": "ahoy"}),
        ("key1=value1; key2=value2", {"key1": "value1", "key2": "value2"}),
        ("a=b; a=c", {"a": "c"}),
        ("  spaced  =  out  ;", {"spaced": "out"}),
        ('keebler=E=mc2; L="Loves"; fudge=\\012;', {"keebler": "E=mc2", "L": "Loves", "fudge": "\\012"}),
        ('quoted="a\\"b\\\\c"', {"quoted": 'a"b\\c'}),
        ('octal="\\012"', {"octal": "\n"}),
        ("novalue", {"": "novalue"}),
        ("a=1; flag; b=2", {"a": "1", "": "flag", "b": "2"}),
        ("=onlyvalue", {"": "onlyvalue"}),
        ("empty=", {"empty": ""}),
        (";;; ;", {}),
        ("key:term=value:term", {"key:term": "value:term"}),
        ("a=b; c=[; d=r; f=h", {"a": "b", "c": "[", "d": "r", "f": "h"}),
        ("name=val\u00fce", {"name": "val\u00fce"}),
        ('unbalanced="quote', {"unbalanced": '"quote'}),
        ('only="', {"only": '"'}),
        ('end="x\\', {"end": '"x\\'}),
        ('mid=a"b', {"mid": 'a"b'}),
    ],
)
def test_cookie_parser(header: str, expected: dict[str, str]) -> None:
    assert cookie_parser(header) == expected


def test_cookies_from_several_headers() -> None:
    scope = make_scope(headers=raw_headers(("cookie", "a=1; b=2"), ("cookie", "b=3; c=4")))
    request = Request(scope)
    assert request.cookies == {"a": "1", "b": "3", "c": "4"}
    assert request.cookies is request.cookies
    assert Request(make_scope()).cookies == {}


def test_recurring_cookie_headers_give_independent_dicts() -> None:
    headers = raw_headers(("cookie", "session=abc; theme=dark"))
    first = Request(make_scope(headers=headers)).cookies
    first["session"] = "changed"
    del first["theme"]
    second = Request(make_scope(headers=list(headers))).cookies
    assert second == {"session": "abc", "theme": "dark"}
    assert second is not first
    big = "; ".join(f"k{i}=v" for i in range(2000))  # past the size of the headers whose parse is kept
    parsed = Request(make_scope(headers=raw_headers(("cookie", big)))).cookies
    assert len(parsed) == 2000
    parsed.clear()
    assert len(Request(make_scope(headers=raw_headers(("cookie", big)))).cookies) == 2000


def test_huge_cookie_header_is_parsed_in_linear_time() -> None:
    header = "; ".join(f"k{i}={'v' * 50}" for i in range(20000)) + "; " + "x" * 100_000
    cookies = Request(make_scope(headers=raw_headers(("cookie", header)))).cookies
    assert len(cookies) == 20001
    assert cookies[""] == "x" * 100_000
    assert cookie_parser('"' * 100_000) == {"": '"' * 99_998}
    assert cookie_parser("\\" * 100_000 + "=1") == {"\\" * 100_000: "1"}


# --- Request body ------------------------------------------------------------------------


def test_method_and_receive() -> None:
    receive = body_receive()
    request = Request(make_scope(method="PATCH"), receive)
    assert request.method == "PATCH"
    assert request.receive is receive


def test_default_channels() -> None:
    request = Request(make_scope())
    assert request.receive is empty_receive


@pytest.mark.anyio
async def test_empty_channels_raise() -> None:
    with pytest.raises(RuntimeError, match="Receive channel has not been made available"):
        await empty_receive()
    with pytest.raises(RuntimeError, match="Send channel has not been made available"):
        await empty_send({"type": "http.response.start"})
    with pytest.raises(RuntimeError, match="Receive channel has not been made available"):
        await Request(make_scope()).body()


@pytest.mark.anyio
async def test_stream_yields_chunks_then_empty() -> None:
    receive = body_receive(b"abc", b"", b"def")
    request = Request(make_scope(method="POST"), receive)
    assert [chunk async for chunk in request.stream()] == [b"abc", b"def", b""]
    with pytest.raises(RuntimeError, match="Stream consumed"):
        async for _ in request.stream():
            pass  # pragma: no cover
    with pytest.raises(RuntimeError, match="Stream consumed"):
        await request.body()
    assert receive.calls == 3


@pytest.mark.anyio
async def test_stream_ignores_unknown_messages() -> None:
    receive = ScriptedReceive({"type": "http.unknown"}, {"type": "http.request", "body": b"x"})
    assert [chunk async for chunk in Request(make_scope(), receive).stream()] == [b"x", b""]


@pytest.mark.anyio
async def test_stream_can_be_resumed_until_consumed() -> None:
    request = Request(make_scope(), body_receive(b"one", b"two"))
    stream = request.stream()
    assert await stream.__anext__() == b"one"
    await stream.aclose()
    assert [chunk async for chunk in request.stream()] == [b"two", b""]


@pytest.mark.anyio
async def test_two_streams_share_one_body() -> None:
    request = Request({"type": "http"}, body_receive(b"1", b"2", b"3"))
    first, second = request.stream(), request.stream()
    assert await first.__anext__() == b"1"
    assert await second.__anext__() == b"2"
    assert await first.__anext__() == b"3"
    # The body is complete: neither stream waits for more.
    assert await first.__anext__() == b""
    assert await second.__anext__() == b""
    for stream in (first, second):
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()


@pytest.mark.anyio
async def test_body_is_cached_and_replayed_by_stream() -> None:
    receive = body_receive(b"hello ", b"world")
    request = Request(make_scope(), receive)
    assert await request.body() == b"hello world"
    assert await request.body() == b"hello world"
    assert [chunk async for chunk in request.stream()] == [b"hello world", b""]
    assert receive.calls == 2


@pytest.mark.anyio
async def test_body_sent_in_one_message_is_not_copied() -> None:
    chunk = b"x" * 10_000
    request = Request(make_scope(), body_receive(chunk))
    assert await request.body() is chunk
    mutable = Request(make_scope(), ScriptedReceive({"type": "http.request", "body": bytearray(b"ab")}))
    body = await mutable.body()
    assert body == b"ab" and type(body) is bytes


@pytest.mark.anyio
async def test_body_after_a_partial_stream_has_the_rest() -> None:
    receive = body_receive(b"one", b"two", b"three")
    request = Request(make_scope(), receive)
    stream = request.stream()
    assert await stream.__anext__() == b"one"
    assert await request.body() == b"twothree"
    await stream.aclose()

    streamed = Request(make_scope(), body_receive(b"all"))
    assert [chunk async for chunk in streamed.stream()] == [b"all", b""]
    with pytest.raises(RuntimeError, match="^Stream consumed$"):
        await streamed.body()


@pytest.mark.anyio
async def test_body_ignores_other_messages_and_detects_disconnects() -> None:
    receive = ScriptedReceive({"type": "http.other"}, {"type": "http.request", "body": b"a", "more_body": True})
    request = Request(make_scope(), receive)
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected()


@pytest.mark.anyio
async def test_body_reads_through_an_overridden_stream() -> None:
    class Upper(Request):
        async def stream(self) -> AsyncGenerator[bytes, None]:
            async for chunk in super().stream():
                yield chunk.upper()

    assert await Upper(make_scope(), body_receive(b"ab", b"c")).body() == b"ABC"


@pytest.mark.anyio
async def test_empty_body() -> None:
    assert await Request(make_scope(), body_receive()).body() == b""


@pytest.mark.anyio
async def test_json() -> None:
    receive = body_receive(b'{"a": [1, ', b'2], "b": null}')
    request = Request(make_scope(), receive)
    assert await request.json() == {"a": [1, 2], "b": None}
    assert await request.json() is await request.json()
    with pytest.raises(json.JSONDecodeError):
        await Request(make_scope(), body_receive(b"{not json")).json()


JSON_BODIES = [
    b'{"a": "\xc3\xa9"}',
    b'["x"]',
    b'"text"',
    b"[",
    b"{",
    b"1",
    b" {}",
    b"\xef\xbb\xbf{}",
    '{"a": 1}'.encode("utf-16"),
    '{"a": 1}'.encode("utf-16-le"),
    '{"a": 1}'.encode("utf-32-be"),
    "[]".encode("utf-16-le"),
    b'["\xed\xa0\x80"]',
    b"{\x00}",
    b"",
    b'{"a": 1} \n',
    b'{"a": 1} x',
    b"[1]]",
    b"[1, 2",
    b'"unterminated',
    b'{"a": [1, {"b": "\\u00e9\\ud83d\\ude00"}], "c": -1.5e3, "d": true, "e": false}',
]


@pytest.mark.anyio
@pytest.mark.parametrize("body", JSON_BODIES)
async def test_json_decodes_bytes_like_json_loads(body: bytes) -> None:
    try:
        expected: Any = json.loads(body)
    except ValueError as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            await Request(make_scope(), body_receive(body)).json()
    else:
        assert await Request(make_scope(), body_receive(body)).json() == expected


@pytest.mark.anyio
async def test_json_too_deep_is_a_recursion_error() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(RecursionError):
        await Request(make_scope(), body_receive(body)).json()


@pytest.mark.anyio
async def test_json_uses_a_patched_json_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_loads(text: str | bytes) -> object:
        calls.append(str(text))
        return "patched"

    monkeypatch.setattr(json, "loads", fake_loads)
    assert await Request(make_scope(), body_receive(b'{"a": 1}')).json() == "patched"
    assert calls == ['{"a": 1}']


@pytest.mark.anyio
async def test_disconnect_while_streaming() -> None:
    receive = ScriptedReceive({"type": "http.request", "body": b"partial", "more_body": True})
    request = Request(make_scope(), receive)
    stream = request.stream()
    assert await stream.__anext__() == b"partial"
    with pytest.raises(ClientDisconnect):
        await stream.__anext__()
    assert await request.is_disconnected()
    assert receive.calls == 2


@pytest.mark.anyio
async def test_disconnect_while_reading_body() -> None:
    with pytest.raises(ClientDisconnect):
        await Request(make_scope(), ScriptedReceive()).body()


@pytest.mark.anyio
async def test_is_disconnected_does_not_block() -> None:
    never = anyio.Event()

    async def blocking_receive() -> Message:
        await never.wait()
        raise AssertionError("unreachable")  # pragma: no cover

    request = Request(make_scope(), blocking_receive)
    assert not await request.is_disconnected()


@pytest.mark.anyio
async def test_is_disconnected_reads_a_ready_disconnect_once() -> None:
    receive = ScriptedReceive()
    request = Request(make_scope(), receive)
    assert await request.is_disconnected()
    assert await request.is_disconnected()
    assert receive.calls == 1


@pytest.mark.anyio
async def test_is_disconnected_with_other_ready_message() -> None:
    request = Request(make_scope(), body_receive(b"data"))
    assert not await request.is_disconnected()


# --- forms ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_form_urlencoded() -> None:
    scope = make_scope(method="POST", headers=raw_headers(URLENCODED_CONTENT_TYPE))
    request = Request(scope, body_receive(b"a=1&b=hello+w", b"orld"))
    form = await request.form()
    assert form.multi_items() == [("a", "1"), ("b", "hello world")]
    assert await request.form() is form


@pytest.mark.anyio
async def test_form_multipart_as_context_manager_closes_files() -> None:
    body = multipart_body(("field", b"value", None), ("upload", b"<data>", "a.txt"))
    request = Request(make_scope(headers=raw_headers(MULTIPART_CONTENT_TYPE)), body_receive(body))
    async with request.form() as form:
        assert form["field"] == "value"
        upload = form["upload"]
        assert isinstance(upload, UploadFile)
        assert await upload.read() == b"<data>"
    assert upload.file.closed


@pytest.mark.anyio
async def test_request_close_closes_form_files() -> None:
    body = multipart_body(("upload", b"x", "a.txt"))
    request = Request(make_scope(headers=raw_headers(MULTIPART_CONTENT_TYPE)), body_receive(body))
    await request.close()
    form = await request.form()
    upload = form["upload"]
    assert isinstance(upload, UploadFile)
    await request.close()
    assert upload.file.closed


@pytest.mark.anyio
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json", "multipart/mixed"])
async def test_form_other_content_types_are_empty(content_type: str | None) -> None:
    headers = raw_headers(("content-type", content_type)) if content_type else []
    request = Request(make_scope(headers=headers), body_receive(b"a=1"))
    assert await request.form() == FormData()
    assert await request.body() == b"a=1"


@pytest.mark.anyio
async def test_form_content_type_is_case_insensitive() -> None:
    headers = raw_headers(("content-type", "Application/X-WWW-Form-URLEncoded; charset=utf-8"))
    request = Request(make_scope(headers=headers), body_receive(b"a=1"))
    assert (await request.form()).multi_items() == [("a", "1")]


@pytest.mark.anyio
async def test_form_limits_are_passed_to_parsers() -> None:
    urlencoded = Request(make_scope(headers=raw_headers(URLENCODED_CONTENT_TYPE), app=None), body_receive(b"a&b&c"))
    with pytest.raises(HTTPException) as info:
        await urlencoded.form(max_fields=2)
    assert (info.value.status_code, info.value.detail) == (400, "Too many fields. Maximum number of fields is 2.")

    body = multipart_body(("f1", b"", "1"), ("f2", b"", "2"))
    files = Request(make_scope(headers=raw_headers(MULTIPART_CONTENT_TYPE), app=None), body_receive(body))
    with pytest.raises(HTTPException, match="Too many files. Maximum number of files is 1."):
        await files.form(max_files=1)

    body = multipart_body(("field", b"x" * 2048, None))
    parts = Request(make_scope(headers=raw_headers(MULTIPART_CONTENT_TYPE), app=None), body_receive(body))
    with pytest.raises(HTTPException, match="Part exceeded maximum size of 1KB."):
        await parts.form(max_part_size=1024)


@pytest.mark.anyio
async def test_form_error_outside_an_application() -> None:
    scope = make_scope(headers=raw_headers(("content-type", "multipart/form-data")))
    with pytest.raises(MultiPartException, match="Missing boundary in multipart."):
        await Request(scope, body_receive(b"")).form()


@pytest.mark.anyio
async def test_form_requires_python_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests_module, "parse_options_header", None)
    request = Request(make_scope(headers=raw_headers(URLENCODED_CONTENT_TYPE)), body_receive(b"a=1"))
    with pytest.raises(AssertionError, match="The `python-multipart` library must be installed to use form parsing."):
        await request.form()


@pytest.mark.anyio
async def test_form_after_stream_consumed() -> None:
    request = Request(make_scope(headers=raw_headers(URLENCODED_CONTENT_TYPE)), body_receive(b"a=1"))
    await request.body()
    assert (await request.form()).multi_items() == [("a", "1")]
    streamed = Request(make_scope(headers=raw_headers(URLENCODED_CONTENT_TYPE)), body_receive(b"a=1"))
    async for _ in streamed.stream():
        pass
    with pytest.raises(RuntimeError, match="Stream consumed"):
        await streamed.form()


@pytest.mark.anyio
async def test_form_client_disconnect_mid_upload_closes_files(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[UploadFile] = []
    original_init = UploadFile.__init__

    def recording_init(self: UploadFile, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(UploadFile, "__init__", recording_init)
    body = multipart_body(("first", b"done", "a.txt"), ("second", b"x" * 100, "b.txt"))
    receive = ScriptedReceive({"type": "http.request", "body": body[:-60], "more_body": True})
    request = Request(make_scope(headers=raw_headers(MULTIPART_CONTENT_TYPE), app=None), receive)
    with pytest.raises(ClientDisconnect):
        await request.form()
    assert len(opened) == 2
    assert all(upload.file.closed for upload in opened)


# --- server push and early hints ---------------------------------------------------------


@pytest.mark.anyio
async def test_send_push_promise() -> None:
    send = RecordingSend()
    headers = raw_headers(
        ("accept", "text/css"),
        ("user-agent", "test"),
        ("cookie", "secret=1"),
        ("accept-encoding", "gzip"),
        ("accept-encoding", "br"),
    )
    request = Request(make_scope(headers=headers, extensions={"http.response.push": {}}), send=send)
    await request.send_push_promise("/style.css")
    assert send.messages == [
        {
            "type": "http.response.push",
            "path": "/style.css",
            "headers": [
                (b"accept", b"text/css"),
                (b"accept-encoding", b"gzip"),
                (b"accept-encoding", b"br"),
                (b"user-agent", b"test"),
            ],
        }
    ]
    assert {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"} == (
        SERVER_PUSH_HEADERS_TO_COPY
    )


@pytest.mark.anyio
@pytest.mark.parametrize("scope_extras", [{}, {"extensions": {}}, {"extensions": {"http.response.trailers": {}}}])
async def test_send_push_promise_without_server_support(scope_extras: dict[str, Any]) -> None:
    send = RecordingSend()
    await Request(make_scope(**scope_extras), send=send).send_push_promise("/style.css")
    await Request(make_scope(**scope_extras)).send_push_promise("/style.css")
    assert send.messages == []


@pytest.mark.anyio
async def test_send_early_hints() -> None:
    send = RecordingSend()
    request = Request(make_scope(extensions={"http.response.early_hint": {}}), send=send)
    await request.send_early_hints("</style.css>; rel=preload; as=style")
    await request.send_early_hints("</a.js>; rel=preload", "</b.js>; rel=preload")
    assert send.messages == [
        {"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload; as=style"]},
        {"type": "http.response.early_hint", "links": [b"</a.js>; rel=preload", b"</b.js>; rel=preload"]},
    ]


@pytest.mark.anyio
async def test_send_early_hints_without_server_support() -> None:
    send = RecordingSend()
    await Request(make_scope(), send=send).send_early_hints("</style.css>; rel=preload")
    assert send.messages == []


# --- through the test client ----------------------------------------------------------------


def form_app(**limits: Any) -> Callable[[Scope, Receive, Send], Any]:
    """An application echoing the form it receives, turning `HTTPException` into a response."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        request = Request(scope, receive)
        try:
            async with request.form(**limits) as form:
                data: dict[str, Any] = {}
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        content = await value.read()
                        data[key] = {"filename": value.filename, "size": value.size, "content": content.decode()}
                    else:
                        data[key] = value
        except HTTPException as exc:
            await send_response(send, exc.status_code, exc.detail.encode(), "text/plain")
            return
        await send_json(send, data)

    return app


def test_request_properties_through_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await send_json(
            send,
            {
                "method": request.method,
                "url": str(request.url),
                "base_url": str(request.base_url),
                "query": dict(request.query_params),
                "header": request.headers.get("x-custom"),
                "cookies": request.cookies,
                "client": list(request.client) if request.client else None,
                "body": (await request.body()).decode(),
            },
        )

    client = test_client_factory(app)
    response = client.put("/path?a=1", content=b"payload", headers={"X-Custom": "yes", "Cookie": "c=1; d=2"})
    assert response.status_code == 200
    assert response.json() == {
        "method": "PUT",
        "url": "http://testserver/path?a=1",
        "base_url": "http://testserver/",
        "query": {"a": "1"},
        "header": "yes",
        "cookies": {"c": "1", "d": "2"},
        "client": ["testclient", 50000],
        "body": "payload",
    }


def test_json_through_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send_json(send, {"json": await Request(scope, receive).json()})

    client = test_client_factory(app)
    assert client.post("/", json={"a": "123"}).json() == {"json": {"a": "123"}}


def test_stream_through_client(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        async for chunk in Request(scope, receive).stream():
            body += chunk
        await send_response(send, 200, body, "text/plain")

    client = test_client_factory(app)
    assert client.post("/", content=b"abc").content == b"abc"


def test_urlencoded_form_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    response = client.post("/", data={"name": "Jane Doe", "symbols": "&=+%"})
    assert response.json() == {"name": "Jane Doe", "symbols": "&=+%"}


def test_multipart_form_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    response = client.post("/", data={"field": "value"}, files={"upload": ("notes.txt", b"hello", "text/plain")})
    assert response.json() == {"field": "value", "upload": {"filename": "notes.txt", "size": 5, "content": "hello"}}


def test_too_many_fields_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app(max_fields=3))
    response = client.post("/", data={f"f{i}": "x" for i in range(4)})
    assert response.status_code == 400
    assert response.text == "Too many fields. Maximum number of fields is 3."
    files = {f"f{i}": (f"{i}.txt", b"x") for i in range(4)}
    response = client.post("/", data={f"d{i}": "x" for i in range(4)}, files=files)
    assert response.status_code == 400
    assert response.text == "Too many fields. Maximum number of fields is 3."


def test_too_many_files_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app(max_files=2))
    response = client.post("/", files={f"f{i}": (f"{i}.txt", b"x") for i in range(3)})
    assert response.status_code == 400
    assert response.text == "Too many files. Maximum number of files is 2."


def test_oversized_part_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app(max_part_size=1024))
    response = client.post("/", files={"file": ("f.bin", b"x" * 4096)}, data={"field": "y" * 1025})
    assert response.status_code == 400
    assert response.text == "Part exceeded maximum size of 1KB."
    response = client.post("/", data={"field": "y" * 1025})  # urlencoded
    assert response.status_code == 400
    assert response.text == "Field exceeded maximum size of 1KB."


def test_malformed_multipart_through_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    response = client.post("/", content=b"garbage", headers={"Content-Type": "multipart/form-data"})
    assert (response.status_code, response.text) == (400, "Missing boundary in multipart.")
    response = client.post("/", content=b"garbage", headers={"Content-Type": "multipart/form-data; boundary="})
    assert (response.status_code, response.text) == (400, "Invalid multipart data.")
    multipart_type = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    response = client.post("/", content=b"garbage", headers=multipart_type)
    assert response.status_code == 400
    assert response.text == "Invalid multipart data."
    body = f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode()
    response = client.post("/", content=body, headers=multipart_type)
    assert (response.status_code, response.text) == (
        400,
        'The Content-Disposition header field "name" must be provided.',
    )
