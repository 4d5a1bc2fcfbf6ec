from __future__ import annotations

import copy
import io
import pickle
import random
import sys
import weakref
from collections.abc import Callable
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO, TypeVar, cast
from urllib.parse import parse_qsl

import pytest

import starlette.concurrency
import starlette.datastructures as datastructures_module
from starlette._cache import BoundedCache
from starlette.datastructures import (
    URL,
    Address,
    CommaSeparatedStrings,
    FormData,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    MutableHeaders,
    QueryParams,
    Secret,
    State,
    UploadFile,
    URLPath,
)
from starlette.types import Receive, Scope, Send
from tests.utils import TestClientFactory

T = TypeVar("T")

# --------------------------------------------------------------------------- Address


def test_address_is_a_named_pair() -> None:
    address = Address("127.0.0.1", 8000)
    assert address.host == "127.0.0.1"
    assert address.port == 8000
    assert address == ("127.0.0.1", 8000)
    assert repr(address) == "Address(host='127.0.0.1', port=8000)"


# --------------------------------------------------------------------------- URL from strings


def test_url_components() -> None:
    u = URL("https://example.org:123/path/to/somewhere?abc=123#anchor")
    assert u.scheme == "https"
    assert u.hostname == "example.org"
    assert u.port == 123
    assert u.netloc == "example.org:123"
    assert u.username is None
    assert u.password is None
    assert u.path == "/path/to/somewhere"
    assert u.query == "abc=123"
    assert u.fragment == "anchor"
    assert u.is_secure
    assert u.components == ("https", "example.org:123", "/path/to/somewhere", "abc=123", "anchor")
    assert str(u) == "https://example.org:123/path/to/somewhere?abc=123#anchor"


def test_url_user_info_and_ipv6() -> None:
    u = URL("http://user:pass@[::1]:8000/")
    assert u.username == "user"
    assert u.password == "pass"
    assert u.hostname == "::1"
    assert u.port == 8000
    assert not u.is_secure
    assert URL("wss://example.org").is_secure
    assert not URL("ws://example.org").is_secure


def test_url_bad_port_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        URL("http://example.org:99999/").port


def test_url_equality_and_hash() -> None:
    u = URL("http://example.org/")
    assert u == "http://example.org/"
    assert u == URL("http://example.org/")
    assert u != "http://example.org"
    assert u != URL("http://example.com/")
    assert hash(u) == hash("http://example.org/")
    assert {u: 1}[URL("http://example.org/")] == 1


def test_url_repr_masks_the_password() -> None:
    assert repr(URL("https://example.org/path")) == "URL('https://example.org/path')"
    assert repr(URL("https://username@example.org/path")) == "URL('https://username@example.org/path')"
    assert (
        repr(URL("https://username:password@example.org/path")) == "URL('https://username:********@example.org/path')"
    )
    assert repr(URL("https://username:@example.org/")) == "URL('https://username:@example.org/')"
    assert repr(URL("https://u:p@example.org:99999/")) == "URL('https://u:********@example.org:99999/')"
    assert str(URL("https://username:password@example.org/")) == "https://username:password@example.org/"


def test_url_replace() -> None:
    u = URL("https://example.org:123/path/to/somewhere?abc=123#anchor")
    assert u.replace(scheme="http") == "http://example.org:123/path/to/somewhere?abc=123#anchor"
    assert u.replace(scheme="http").scheme == "http"
    assert u.replace(port=None) == "https://example.org/path/to/somewhere?abc=123#anchor"
    assert u.replace(port=8080) == "https://example.org:8080/path/to/somewhere?abc=123#anchor"
    assert u.replace(hostname="example.com") == "https://example.com:123/path/to/somewhere?abc=123#anchor"
    assert u.replace(path="/other", query="", fragment="") == "https://example.org:123/other"
    assert u.replace(netloc="example.net") == "https://example.net/path/to/somewhere?abc=123#anchor"
    assert isinstance(u.replace(scheme="http"), URL)


def test_url_replace_user_info() -> None:
    assert URL("http://u:p@host/").replace(hostname="bar") == URL("http://u:p@bar/")
    assert URL("http://u:p@host:80").replace(port=88) == URL("http://u:p@host:88")
    assert URL("http://host:80").replace(username="u") == URL("http://u@host:80")
    assert URL("http://host:80").replace(username="u", password="p") == "http://u:p@host:80"
    assert URL("http://u:p@host/").replace(password="q") == "http://u:q@host/"
    assert URL("http://u:p@host/").replace(password=None) == "http://u@host/"
    assert URL("http://u:p@host/").replace(username=None) == "http://host/"
    assert URL("http://Host.Example:80/").replace(port=81) == "http://Host.Example:81/"


def test_url_replace_ipv6() -> None:
    u = URL("https://[fe::2]:12345")
    assert u.replace(port=8080) == "https://[fe::2]:8080"
    assert u.replace(username="username", password="password") == "https://username:password@[fe::2]:12345"
    assert URL("https://[fe::2]").replace(port=1) == "https://[fe::2]:1"
    assert URL("https://example.org").replace(hostname="::1") == "https://[::1]"
    assert URL("https://example.org").replace(hostname="[::1]") == "https://[::1]"


def test_url_replace_hostname_with_a_port_is_kept_as_given() -> None:
    url = URL("https://example.org:8443/path")
    assert url.replace(hostname="example.org:8080", port=None) == "https://example.org:8080/path"
    assert url.replace(hostname="[::1]:8080", port=None) == "https://[::1]:8080/path"
    assert url.replace(hostname="[::1]") == "https://[::1]:8443/path"


def test_url_replace_without_authority() -> None:
    assert URL("/path").replace(port=8000) == "//:8000/path"
    assert URL("/path").replace(hostname="example.org") == "//example.org/path"
    assert URL("").replace(scheme="https", netloc="example.org") == "https://example.org"


def test_url_replace_rejects_unknown_components() -> None:
    components: Any = {"nope": "x"}
    # The error comes from `namedtuple._replace`, as upstream's does: `TypeError` from Python 3.13 on.
    with pytest.raises(TypeError if sys.version_info >= (3, 13) else ValueError, match="nope"):
        URL("http://example.org/").replace(**components)


def test_url_from_components() -> None:
    u = URL(scheme="https", netloc="example.org", path="/p", query="a=1", fragment="f")
    assert u == "https://example.org/p?a=1#f"
    assert URL(scheme="http", hostname="example.org", port=8000, path="/") == "http://example.org:8000/"
    assert URL(path="/only") == "/only"


def test_url_rejects_more_than_one_source() -> None:
    with pytest.raises(AssertionError, match='Cannot set both "url" and "scope".'):
        URL("/a", scope={"path": "/a"})
    with pytest.raises(AssertionError, match='Cannot set both "scope" and "\\*\\*components".'):
        URL(scope={"path": "/a"}, path="/b")
    with pytest.raises(AssertionError, match='Cannot set both "url" and "\\*\\*components".'):
        URL("/a", path="/b")


def test_url_query_params() -> None:
    u = URL("https://example.org/path/?page=3")
    assert u.query == "page=3"
    u = u.include_query_params(page=4)
    assert str(u) == "https://example.org/path/?page=4"
    u = u.include_query_params(search="testing")
    assert str(u) == "https://example.org/path/?page=4&search=testing"
    u = u.replace_query_params(order="name")
    assert str(u) == "https://example.org/path/?order=name"
    u = u.remove_query_params("order")
    assert str(u) == "https://example.org/path/"
    u = u.include_query_params(page=4, search="testing")
    assert str(u) == "https://example.org/path/?page=4&search=testing"
    u = u.remove_query_params(["page"])
    assert str(u) == "https://example.org/path/?search=testing"


def test_url_query_params_keep_blanks_and_repeats() -> None:
    u = URL("http://example.org/?a=1&a=2&b=&c=3")
    assert u.include_query_params(c=4) == "http://example.org/?a=1&a=2&b=&c=4"
    assert u.include_query_params(a="x y") == "http://example.org/?b=&c=3&a=x+y"
    assert u.remove_query_params(("a", "c")) == "http://example.org/?b="
    assert u.remove_query_params("missing") == "http://example.org/?a=1&a=2&b=&c=3"


# --------------------------------------------------------------------------- URL from a scope


def make_scope(**overrides: Any) -> Scope:
    scope: Scope = {"type": "http", "path": "/path", "query_string": b"", "headers": []}
    scope.update(overrides)
    return scope


def test_url_from_scope_without_host() -> None:
    u = URL(scope={"path": "/path/to/somewhere", "query_string": b"abc=123", "headers": []})
    assert u == "/path/to/somewhere?abc=123"
    assert repr(u) == "URL('/path/to/somewhere?abc=123')"
    assert u.path == "/path/to/somewhere"
    assert u.query == "abc=123"
    assert u.scheme == ""
    assert u.netloc == ""


def test_url_from_scope_minimal_keys() -> None:
    assert URL(scope={"path": "/"}) == "/"


def test_url_from_scope_server() -> None:
    scope = make_scope(scheme="https", server=("example.org", 123), path="/p", query_string=b"abc=123")
    u = URL(scope=scope)
    assert u == "https://example.org:123/p?abc=123"
    assert u.hostname == "example.org"
    assert u.port == 123


@pytest.mark.parametrize(
    ("scheme", "port", "expected"),
    [
        ("http", 80, "http://example.org/p"),
        ("https", 443, "https://example.org/p"),
        ("ws", 80, "ws://example.org/p"),
        ("wss", 443, "wss://example.org/p"),
        ("http", 443, "http://example.org:443/p"),
        ("https", 80, "https://example.org:80/p"),
        ("ftp", 21, "ftp://example.org:21/p"),
        ("http", None, "http://example.org/p"),
    ],
)
def test_url_from_scope_omits_default_ports(scheme: str, port: int | None, expected: str) -> None:
    u = URL(scope=make_scope(scheme=scheme, server=("example.org", port), path="/p"))
    assert u == expected


def test_url_from_scope_defaults_to_http() -> None:
    assert URL(scope=make_scope(server=["example.org", 80])) == "http://example.org/path"
    assert URL(scope=make_scope(scheme="", server=["example.org", 80])) == "http://example.org/path"


def test_url_from_scope_ipv6_server_is_bracketed() -> None:
    u = URL(scope=make_scope(server=("::1", 8000)))
    assert u == "http://[::1]:8000/path"
    assert u.hostname == "::1"
    assert u.port == 8000


@pytest.mark.parametrize(
    "server",
    [("/tmp/app.sock", None), (None, None), ("bad host", 80), ("example.org", 70000), ()],
)
def test_url_from_scope_unusable_server_gives_a_relative_url(server: Any) -> None:
    u = URL(scope=make_scope(server=server, query_string=b"a=1"))
    assert u == "/path?a=1"
    assert u.netloc == ""


def test_url_from_scope_host_header_wins() -> None:
    scope = make_scope(
        scheme="http",
        server=("10.0.0.1", 8080),
        path="/some/path",
        query_string=b"query=string",
        headers=[(b"content-type", b"text/html"), (b"host", b"example.com:8000"), (b"accept", b"text/html")],
    )
    u = URL(scope=scope)
    assert u == "http://example.com:8000/some/path?query=string"
    assert u.netloc == "example.com:8000"
    assert u.port == 8000


def test_url_from_scope_keeps_host_header_as_sent() -> None:
    scope = make_scope(scheme="http", headers=[(b"host", b"Example.COM:80")])
    u = URL(scope=scope)
    assert u == "http://Example.COM:80/path"
    assert u.hostname == "example.com"


def test_url_from_scope_uses_first_host_header() -> None:
    scope = make_scope(headers=[(b"host", b"first.example"), (b"host", b"second.example")])
    assert URL(scope=scope) == "http://first.example/path"


@pytest.mark.parametrize(
    "host",
    [
        "[::1]",
        "[::1]:8000",
        "[2001:db8::7]:443",
        "[::ffff:192.0.2.1]",
        "127.0.0.1:8000",
        "example.com",
        "example.com.",
        "my_host-1.example~x",
        "ex%41mple.com",
        "example.com:",
        "example.com:65535",
        "example.com:000080",
        "[v1.foo]",
        "[v1a.x:y]:8000",
    ],
)
def test_url_from_scope_accepts_well_formed_host_headers(host: str) -> None:
    u = URL(scope=make_scope(headers=[(b"host", host.encode())]))
    assert u.netloc == host
    assert str(u) == f"http://{host}/path"


@pytest.mark.parametrize(
    "host",
    [
        "",
        "evil.com/x",
        "user@evil.com",
        "evil.com?x",
        "evil.com#x",
        "evil.com\\x",
        "evil .com",
        " evil.com",
        "evil.com\t",
        "evil.com:abc",
        "evil.com:65536",
        "evil.com:123456",
        "evil.com:" + "0" * 5000 + "65536",
        "evil.com:" + "9" * 5000,
        "[V1.foo]",
        "[v.foo]",
        "[v1.]",
        "[v1.a/b]",
        "evil.com:80:80",
        "::1",
        "[::1",
        "::1]",
        "[::1]]",
        "[[::1]",
        "[::1]x",
        "[zz::1]",
        "[1:2:3:4:5:6:7:8:9]",
        "[127.0.0.1]",
        "ex%4",
        "exämple.com",
    ],
)
def test_url_from_scope_ignores_malformed_host_headers(host: str) -> None:
    scope = make_scope(server=("testserver", 80), headers=[(b"host", host.encode("latin-1"))])
    u = URL(scope=scope)
    assert u == "http://testserver/path"
    assert u.hostname == "testserver"
    assert URL(str(u)).netloc == "testserver"


def test_url_from_scope_malformed_host_without_server_is_relative() -> None:
    u = URL(scope=make_scope(headers=[(b"host", b"evil.com/x")]))
    assert u == "/path"


@pytest.mark.parametrize("path", ["evil.com/x", "@evil.com", ":8000/x", ""])
def test_url_from_scope_path_cannot_move_the_authority(path: str) -> None:
    u = URL(scope=make_scope(path=path, headers=[(b"host", b"example.com")]))
    assert u.netloc == "example.com"
    reparsed = URL(str(u))
    assert reparsed.netloc == "example.com"
    assert reparsed.hostname == "example.com"
    expected_path = "/" + path if path else ""
    assert u.path == expected_path


def test_url_from_scope_host_port_with_leading_zeros() -> None:
    u = URL(scope=make_scope(headers=[(b"host", b"example.com:000080")]))
    assert u == "http://example.com:000080/path"
    assert u.port == 80


def test_url_from_scope_ipvfuture_host() -> None:
    u = URL(scope={"type": "http", "path": "/p", "headers": [(b"host", b"[v1.foo]")]})
    assert u == "http://[v1.foo]/p"
    assert u.hostname == "v1.foo"
    assert u.netloc == "[v1.foo]"


@pytest.mark.parametrize(
    ("path", "expected_path"),
    [("/a?b#c", "/a%3Fb%23c"), ("/\\example.org/a", "/%5Cexample.org/a"), ("?x", "/%3Fx"), ("/plain", "/plain")],
)
def test_url_from_scope_escapes_delimiters_in_the_path(path: str, expected_path: str) -> None:
    u = URL(scope=make_scope(path=path, query_string=b"d=e", headers=[(b"host", b"example.org")]))
    assert u == f"http://example.org{expected_path}?d=e"
    assert (u.path, u.query, u.fragment) == (expected_path, "d=e", "")
    reparsed = URL(str(u))
    assert (reparsed.netloc, reparsed.path, reparsed.query) == ("example.org", expected_path, "d=e")
    relative = "%3Fx" if path == "?x" else expected_path  # without an authority no `/` is added
    assert URL(scope=make_scope(path=path)) == relative


def test_url_from_scope_double_slash_path_without_authority() -> None:
    u = URL(scope=make_scope(path="//evil.com/x"))
    assert u == "/%2Fevil.com/x"
    assert u.netloc == ""
    assert u.path == "/%2Fevil.com/x"
    reparsed = URL(str(u))
    assert reparsed.netloc == ""
    assert reparsed.path == "/%2Fevil.com/x"


def test_url_from_scope_double_slash_path_with_authority() -> None:
    u = URL(scope=make_scope(path="//evil.com/x", server=("example.com", 80)))
    assert u == "http://example.com//evil.com/x"
    assert URL(str(u)).netloc == "example.com"


def test_url_from_scope_uses_path_not_root_path() -> None:
    # Per ASGI `path` already includes `root_path`; `request.base_url` relies on this.
    scope = make_scope(root_path="/api", path="/api/users", server=("example.org", 80))
    assert URL(scope=scope) == "http://example.org/api/users"


def test_url_from_scope_query_string_decoding() -> None:
    u = URL(scope=make_scope(query_string="a=é".encode()))
    assert u.query == "a=é"
    u = URL(scope=make_scope(query_string=b"a=\xff"))
    assert u.query == "a=\xff"


def test_url_from_scope_websocket() -> None:
    scope = make_scope(type="websocket", scheme="wss", server=("example.org", 443), path="/ws")
    u = URL(scope=scope)
    assert u == "wss://example.org/ws"
    assert u.is_secure


async def echo_url_app(scope: Scope, receive: Receive, send: Send) -> None:
    url = URL(scope=scope)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": f"{url}|{url.hostname}|{url.port}".encode()})


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.org:8000", "http://example.org:8000/path?x=1|example.org|8000"),
        ("[::1]:9000", "http://[::1]:9000/path?x=1|::1|9000"),
        ("evil.com/x", "http://testserver/path?x=1|testserver|None"),
        ("user@evil.com", "http://testserver/path?x=1|testserver|None"),
        ("evil.com:http", "http://testserver/path?x=1|testserver|None"),
        ("[::1", "http://testserver/path?x=1|testserver|None"),
    ],
)
def test_request_url_through_the_test_client(test_client_factory: TestClientFactory, host: str, expected: str) -> None:
    client = test_client_factory(echo_url_app)
    response = client.get("/path?x=1", headers={"host": host})
    assert response.status_code == 200
    assert response.text == expected


def test_request_url_ipv6_server_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(echo_url_app, base_url="https://[::1]:8443")
    assert client.get("/p").text == "https://[::1]:8443/p|::1|8443"


# --------------------------------------------------------------------------- URLPath


def test_url_path() -> None:
    path = URLPath("/users/1", protocol="http", host="api.example.org")
    assert path == "/users/1"
    assert isinstance(path, str)
    assert path.protocol == "http"
    assert path.host == "api.example.org"
    assert URLPath("/x").protocol == ""
    assert URLPath("/x").host == ""


def test_url_path_rejects_unknown_protocols() -> None:
    protocol: Any = "ftp"
    with pytest.raises(AssertionError, match="ftp"):
        URLPath("/x", protocol)


@pytest.mark.parametrize(
    ("protocol", "base", "expected"),
    [
        ("http", "http://example.org/", "http://example.org/x"),
        ("http", "https://example.org/", "https://example.org/x"),
        ("http", "ws://example.org/", "http://example.org/x"),
        ("http", "wss://example.org/", "https://example.org/x"),
        ("websocket", "http://example.org/", "ws://example.org/x"),
        ("websocket", "https://example.org/", "wss://example.org/x"),
        ("", "https://example.org/", "https://example.org/x"),
        ("", "ftp://example.org/root/", "ftp://example.org/root/x"),
        ("http", "https://example.org/sub/path/", "https://example.org/sub/path/x"),
    ],
)
def test_url_path_make_absolute_url(protocol: Any, base: str, expected: str) -> None:
    path = URLPath("/x", protocol)
    assert path.make_absolute_url(base) == expected
    assert path.make_absolute_url(URL(base)) == expected


def test_url_path_make_absolute_url_with_host() -> None:
    path = URLPath("/x", "http", host="api.example.org")
    url = path.make_absolute_url("https://example.org:8443/")
    assert url == "https://api.example.org/x"
    assert isinstance(url, URL)


# --------------------------------------------------------------------------- Secret, CommaSeparatedStrings


def test_secret() -> None:
    value = Secret("a-secret")
    assert repr(value) == "Secret('**********')"
    assert str(value) == "a-secret"
    assert bool(value)
    assert not Secret("")
    assert "a-secret" not in repr([value])


@pytest.mark.parametrize(
    "value",
    [
        '"localhost", "127.0.0.1", 0.0.0.0',
        "'localhost', '127.0.0.1', 0.0.0.0",
        "localhost, 127.0.0.1, 0.0.0.0",
        ["localhost", "127.0.0.1", "0.0.0.0"],
        ("localhost", "127.0.0.1", "0.0.0.0"),
    ],
)
def test_comma_separated_strings(value: str | list[str]) -> None:
    csv = CommaSeparatedStrings(value)
    assert list(csv) == ["localhost", "127.0.0.1", "0.0.0.0"]
    assert repr(csv) == "CommaSeparatedStrings(['localhost', '127.0.0.1', '0.0.0.0'])"
    assert str(csv) == "'localhost', '127.0.0.1', '0.0.0.0'"
    assert csv[0] == "localhost"
    assert csv[-1] == "0.0.0.0"
    assert csv[1:] == ["127.0.0.1", "0.0.0.0"]
    assert len(csv) == 3
    assert "localhost" in csv


def test_comma_separated_strings_quotes_protect_commas() -> None:
    assert list(CommaSeparatedStrings("a, 'b,c', d")) == ["a", "b,c", "d"]
    assert list(CommaSeparatedStrings("")) == []


def test_comma_separated_strings_unclosed_quote() -> None:
    with pytest.raises(ValueError, match="No closing quotation"):
        CommaSeparatedStrings("a, 'b")


# --------------------------------------------------------------------------- multi-dicts


def test_immutable_multidict() -> None:
    q = ImmutableMultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "789")])
    assert "a" in q
    assert "A" not in q
    assert "c" not in q
    assert q["a"] == "456"
    assert q.get("a") == "456"
    assert q.get("nope", None) is None
    assert q.getlist("a") == ["123", "456"]
    assert q.getlist("nope") == []
    assert list(q.keys()) == ["a", "b"]
    assert list(q.values()) == ["456", "789"]
    assert list(q.items()) == [("a", "456"), ("b", "789")]
    assert q.multi_items() == [("a", "123"), ("a", "456"), ("b", "789")]
    assert len(q) == 2
    assert list(q) == ["a", "b"]
    assert dict(q) == {"a": "456", "b": "789"}
    assert str(q) == "ImmutableMultiDict([('a', '123'), ('a', '456'), ('b', '789')])"
    assert repr(q) == "ImmutableMultiDict([('a', '123'), ('a', '456'), ('b', '789')])"
    with pytest.raises(KeyError):
        q["nope"]


def test_immutable_multidict_equality() -> None:
    assert ImmutableMultiDict({"a": "123", "b": "456"}) == ImmutableMultiDict([("a", "123"), ("b", "456")])
    assert ImmutableMultiDict({"a": "123", "b": "456"}) == ImmutableMultiDict({"b": "456", "a": "123"})
    assert ImmutableMultiDict() == ImmutableMultiDict({})
    assert ImmutableMultiDict({"a": "123", "b": "456"}) != "invalid"
    assert ImmutableMultiDict([("a", "1")]) != ImmutableMultiDict([("a", "1"), ("a", "1")])
    assert ImmutableMultiDict([("a", "1"), ("a", "2")]) != ImmutableMultiDict([("a", "2"), ("a", "3")])
    q = ImmutableMultiDict[str, str]([("a", "123"), ("a", "456")])
    assert ImmutableMultiDict(q) == q
    assert ImmutableMultiDict(q).multi_items() == [("a", "123"), ("a", "456")]


QUERY_STRINGS = [
    "",
    "&",
    "a",
    "a=",
    "=b",
    "=",
    "a=1&a=2&&b=3&",
    "a=b=c",
    "q=hello+world&x=%20%2B%26",
    "caf%C3%A9=%E2%99%A5&bad=%ff%fe&trunc=%4&pct=%",
    "+=+&%2B=%2B",
    "raw=é&sp ace=a b",
    "semi;colon=1;2",
    "a=%e2%82&b=%e2%82%ac&c=%f0%9f&d=%ff",
    "k%3D=v%3d&amp%26=%26%26&pct=%2541",
    "%%3441=%&%4=%=",
    "sp+ace=a+b+%2B&m=%C3%A9+%C3",
    "plain=1&no=escapes&at=all",
    "é=%C3%A9&x=1",
    "é%41=%C3+x&&b=%26",
    "q=hello+world&tag=a&tag=b",
    "a+b=c+d&+&++=",
]


@pytest.mark.parametrize("query_string", QUERY_STRINGS)
def test_query_params_parse_like_parse_qsl(query_string: str) -> None:
    expected = parse_qsl(query_string, keep_blank_values=True)
    assert QueryParams(query_string).multi_items() == expected
    raw = query_string.encode()
    assert QueryParams(raw).multi_items() == parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


# The pieces query strings are made of, chosen for the edge cases of parsing: separators, `+`, escapes of
# separators and of UTF-8 (valid, truncated, invalid), malformed escapes, non-ASCII text, and what looks
# like a separator but is not (`;`).
QUERY_PIECES = [
    *"&&&===+++%%",
    "a", "b", "key", "é", "\u2603", "\x80", "\xff", " ", ";", "#", "?", "/",
    "%20", "%2B", "%2b", "%26", "%3D", "%3d", "%25", "%41", "%C3%A9", "%C3", "%A9", "%E2%98%83", "%E2%98",
    "%F0%9F%98%80", "%ff", "%fe", "%00", "%0", "%g1", "%%41", "%4", "%+",
]  # fmt: skip


def random_query_strings(count: int, *, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(QUERY_PIECES, k=rng.randrange(0, 16))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_query_params_parse_like_parse_qsl_for_generated_query_strings(seed: int) -> None:
    for query_string in random_query_strings(500, seed=seed):
        expected = parse_qsl(query_string, keep_blank_values=True)
        params = QueryParams(query_string)
        assert params.multi_items() == expected, query_string
        assert dict(params.items()) == dict(expected), query_string
        for raw in (query_string.encode(), query_string.encode("latin-1", "replace")):
            from_bytes = QueryParams(raw)
            assert from_bytes.multi_items() == parse_qsl(raw.decode("latin-1"), keep_blank_values=True), raw
            assert dict(from_bytes.items()) == dict(from_bytes.multi_items()), raw


def test_query_params_with_many_fields_parse_in_bounded_time() -> None:
    query_string = "&".join(f"k{i % 100}=v{i}+%41" for i in range(100_000)) + "&" * 100_000
    params = QueryParams(query_string.encode())
    assert len(params) == 100
    assert len(params.multi_items()) == 100_000
    assert params["k7"] == "v99907 A"
    assert params.getlist("k0")[:2] == ["v0 A", "v100 A"]


def test_immutable_multidict_equality_keeps_the_order_of_a_key_s_values() -> None:
    # The pairs are compared sorted by key alone: keys may move, the values of one key may not.
    assert ImmutableMultiDict([("a", 1), ("a", 2)]) != ImmutableMultiDict([("a", 2), ("a", 1)])
    assert ImmutableMultiDict([("a", 1), ("b", 2), ("a", 3)]) == ImmutableMultiDict([("b", 2), ("a", 1), ("a", 3)])
    assert ImmutableMultiDict([("a", 1), ("b", 2), ("a", 3)]) != ImmutableMultiDict([("a", 3), ("b", 2), ("a", 1)])
    assert MultiDict([("a", "1"), ("a", "2")]) != MultiDict([("a", "2"), ("a", "1")])
    assert QueryParams("a=1&a=2") != QueryParams("a=2&a=1")
    assert FormData([("a", "1"), ("a", "2")]) != FormData([("a", "2"), ("a", "1")])
    # Keys that compare equal keep their order too.
    assert ImmutableMultiDict([(True, 1), (1, 2)]) != ImmutableMultiDict([(1, 2), (True, 1)])


def test_immutable_multidict_equality_with_unorderable_keys() -> None:
    message = "'<' not supported between instances of 'str' and 'int'"
    mixed = ImmutableMultiDict[object, int]([(1, 1), ("a", 2)])
    with pytest.raises(TypeError, match=message):
        _ = mixed == ImmutableMultiDict([("a", 2), (1, 1)])
    with pytest.raises(TypeError, match=message):
        _ = mixed == mixed
    with pytest.raises(TypeError, match=message):
        _ = ImmutableMultiDict([("b", 1)]) != mixed
    with pytest.raises(TypeError, match="'<' not supported between instances of 'NoneType' and 'NoneType'"):
        _ = ImmutableMultiDict([(None, 1), (None, 2)]) == ImmutableMultiDict()
    # Nothing is sorted when the other side is not of the same class.
    assert mixed != MultiDict(mixed)
    assert mixed != [(1, 1), ("a", 2)]
    assert ImmutableMultiDict([(1, 1)]) != ImmutableMultiDict([("a", 1)])


def test_immutable_multidict_equality_with_unorderable_values() -> None:
    # Only the keys are ordered, so values need not be orderable.
    first, second = object(), object()
    pairs = [("a", first), ("a", second), ("b", "x")]
    assert ImmutableMultiDict(pairs) == ImmutableMultiDict([("b", "x"), ("a", first), ("a", second)])
    assert ImmutableMultiDict(pairs) != ImmutableMultiDict([("a", second), ("a", first), ("b", "x")])
    assert ImmutableMultiDict([("a", first), ("a", first)]) != ImmutableMultiDict([("a", first), ("a", second)])


def test_form_data_equality_with_several_uploads_under_one_name() -> None:
    with io.BytesIO(b"1") as one, io.BytesIO(b"2") as two:
        first, second = UploadFile(one, filename="1.txt"), UploadFile(two, filename="2.txt")
        form = FormData([("files", first), ("files", second), ("note", "hi")])
        assert form == FormData([("note", "hi"), ("files", first), ("files", second)])
        assert form != FormData([("files", second), ("files", first), ("note", "hi")])


def test_immutable_multidict_keyword_arguments() -> None:
    assert ImmutableMultiDict(a="1", b="2").multi_items() == [("a", "1"), ("b", "2")]
    q = ImmutableMultiDict[str, str]([("a", "1")], a="2", c="3")
    assert q.multi_items() == [("a", "1"), ("a", "2"), ("c", "3")]
    assert q["a"] == "2"


def test_immutable_multidict_from_any_mapping() -> None:
    headers = Headers(raw=[(b"a", b"1"), (b"a", b"2")])
    assert ImmutableMultiDict(headers).multi_items() == [("a", "1"), ("a", "2")]
    assert ImmutableMultiDict(iter([(1, "x")])).multi_items() == [(1, "x")]


def test_immutable_multidict_rejects_two_sources() -> None:
    args: Any = ([("a", "1")], [("b", "2")])
    with pytest.raises(AssertionError, match="Too many arguments."):
        ImmutableMultiDict(*args)


def test_immutable_multidict_is_covariant() -> None:
    def total(values: ImmutableMultiDict[str, object]) -> int:
        return len(values.multi_items())

    assert total(ImmutableMultiDict([("a", 1)])) == 1


def test_multidict_setitem_and_delitem() -> None:
    q = MultiDict[str, str]([("a", "123"), ("a", "456")])
    q["a"] = "789"
    assert q["a"] == "789"
    assert q.get("a") == "789"
    assert q.getlist("a") == ["789"]

    q = MultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "x")])
    del q["a"]
    assert q.get("a") is None
    assert repr(q) == "MultiDict([('b', 'x')])"
    with pytest.raises(KeyError):
        del q["a"]


def test_multidict_pop() -> None:
    q = MultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "789")])
    assert q.pop("a") == "456"
    assert q.get("a", None) is None
    assert repr(q) == "MultiDict([('b', '789')])"
    assert q.pop("missing") is None
    assert q.pop("missing", "default") == "default"


def test_multidict_popitem() -> None:
    q = MultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "789")])
    assert q.popitem() == ("b", "789")
    assert q.get("b") is None
    assert q.popitem() == ("a", "456")
    assert q.multi_items() == []
    with pytest.raises(KeyError):
        q.popitem()


def test_multidict_poplist() -> None:
    q = MultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "789")])
    assert q.poplist("a") == ["123", "456"]
    assert q.get("a") is None
    assert repr(q) == "MultiDict([('b', '789')])"
    assert q.poplist("missing") == []


def test_multidict_clear() -> None:
    q = MultiDict[str, str]([("a", "123"), ("a", "456"), ("b", "789")])
    q.clear()
    assert q.get("a") is None
    assert repr(q) == "MultiDict([])"
    assert len(q) == 0


def test_multidict_setlist() -> None:
    q = MultiDict[str, str]([("a", "123"), ("b", "x")])
    q.setlist("a", ["456", "789"])
    assert q.getlist("a") == ["456", "789"]
    assert q["a"] == "789"
    assert q.multi_items() == [("b", "x"), ("a", "456"), ("a", "789")]
    q.setlist("b", [])
    assert "b" not in q
    assert q.multi_items() == [("a", "456"), ("a", "789")]


def test_multidict_setdefault() -> None:
    q = MultiDict[str, str]([("a", "123")])
    assert q.setdefault("a", "456") == "123"
    assert q.getlist("a") == ["123"]
    assert q.setdefault("b", "456") == "456"
    assert q.getlist("b") == ["456"]
    assert repr(q) == "MultiDict([('a', '123'), ('b', '456')])"
    optional: MultiDict[str, str | None] = MultiDict()
    assert optional.setdefault("c") is None
    assert optional.multi_items() == [("c", None)]


def test_multidict_append() -> None:
    q = MultiDict[str, str]([("a", "123")])
    q.append("a", "456")
    assert q.getlist("a") == ["123", "456"]
    assert q["a"] == "456"
    assert repr(q) == "MultiDict([('a', '123'), ('a', '456')])"


def test_multidict_update() -> None:
    q = MultiDict[str, str]([("a", "123"), ("b", "456")])
    q.update({"a": "789"})
    assert q.getlist("a") == ["789"]
    assert q == MultiDict([("a", "789"), ("b", "456")])

    q = MultiDict[str, str]([("a", "123"), ("b", "456")])
    q.update(q)
    assert repr(q) == "MultiDict([('a', '123'), ('b', '456')])"

    q = MultiDict[str, str]([("a", "123"), ("a", "456")])
    q.update([("a", "123")])
    assert q.getlist("a") == ["123"]
    q.update([("a", "456")], a="789", b="123")
    assert q == MultiDict([("a", "456"), ("a", "789"), ("b", "123")])
    q.update(c="1")
    assert q["c"] == "1"


def test_multidict_untyped_is_any() -> None:
    q = MultiDict()
    q["a"] = 1
    q["b"] = "two"
    assert q.multi_items() == [("a", 1), ("b", "two")]


# --------------------------------------------------------------------------- QueryParams


def test_queryparams() -> None:
    q = QueryParams("a=123&a=456&b=789")
    assert "a" in q
    assert "A" not in q
    assert "c" not in q
    assert q["a"] == "456"
    assert q.get("a") == "456"
    assert q.get("nope", None) is None
    assert q.getlist("a") == ["123", "456"]
    assert list(q.keys()) == ["a", "b"]
    assert list(q.values()) == ["456", "789"]
    assert list(q.items()) == [("a", "456"), ("b", "789")]
    assert len(q) == 2
    assert list(q) == ["a", "b"]
    assert dict(q) == {"a": "456", "b": "789"}
    assert str(q) == "a=123&a=456&b=789"
    assert repr(q) == "QueryParams('a=123&a=456&b=789')"


def test_queryparams_equality() -> None:
    assert QueryParams({"a": "123", "b": "456"}) == QueryParams([("a", "123"), ("b", "456")])
    assert QueryParams({"a": "123", "b": "456"}) == QueryParams("a=123&b=456")
    assert QueryParams({"a": "123", "b": "456"}) == QueryParams({"b": "456", "a": "123"})
    assert QueryParams() == QueryParams({})
    assert QueryParams([("a", "123"), ("a", "456")]) == QueryParams("a=123&a=456")
    assert QueryParams({"a": "123", "b": "456"}) != "invalid"
    q = QueryParams([("a", "123"), ("a", "456")])
    assert QueryParams(q) == q
    assert QueryParams(q).multi_items() == [("a", "123"), ("a", "456")]


def test_queryparams_from_bytes() -> None:
    q = QueryParams(b"a=1&b=%C3%A9&c=\xe9")
    assert q["a"] == "1"
    assert q["b"] == "é"
    assert q["c"] == "é"


def test_queryparams_keep_blank_values() -> None:
    q = QueryParams("a=123&abc&def=&b=456")
    assert list(q.keys()) == ["a", "abc", "def", "b"]
    assert q["abc"] == ""
    assert q["def"] == ""
    assert str(q) == "a=123&abc=&def=&b=456"


def test_queryparams_decoding_and_encoding() -> None:
    q = QueryParams("q=hello+world&x=%26%3D&bad=%zz&u=%ff")
    assert q["q"] == "hello world"
    assert q["x"] == "&="
    assert q["bad"] == "%zz"
    assert q["u"] == "\ufffd"
    assert str(QueryParams({"q": "hello world", "x": "&="})) == "q=hello+world&x=%26%3D"


def test_queryparams_semicolons_are_not_separators() -> None:
    assert QueryParams("a=1;b=2").multi_items() == [("a", "1;b=2")]


def test_queryparams_converts_to_strings() -> None:
    q = QueryParams({1: 2, "b": None}, c=3)
    assert q.multi_items() == [("1", "2"), ("b", "None"), ("c", "3")]
    assert QueryParams("a=1", b=2).multi_items() == [("a", "1"), ("b", "2")]
    assert QueryParams(c=True).multi_items() == [("c", "True")]


def test_queryparams_rejects_two_sources() -> None:
    args: Any = ("a=1", "b=2")
    with pytest.raises(AssertionError, match="Too many arguments."):
        QueryParams(*args)


# --------------------------------------------------------------------------- UploadFile and FormData


ThreadCalls = list[str]


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> ThreadCalls:
    """Record the functions `UploadFile` hands to the thread pool."""
    calls: ThreadCalls = []
    original = starlette.concurrency.run_in_threadpool

    async def recording(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        calls.append(func.__name__)  # ty: ignore[missing-attribute]  # ty-only: a plain `Callable` has no `__name__` for ty; the wrapped ones are functions
        return await original(func, *args, **kwargs)

    monkeypatch.setattr("starlette.datastructures.run_in_threadpool", recording)
    return calls


def spooled(max_size: int = 0) -> BinaryIO:
    # As the form parser hands it over: typed `BinaryIO`, like upstream's `UploadFile.file`.
    return cast(BinaryIO, SpooledTemporaryFile(max_size=max_size))


@pytest.mark.anyio
async def test_upload_file_non_spooled_file_uses_threads(thread_calls: ThreadCalls) -> None:
    stream = io.BytesIO(b"data")
    file = UploadFile(filename="file", file=stream, size=4)
    assert await file.read() == b"data"
    assert file.size == 4
    await file.write(b" and more data!")
    assert await file.read() == b""
    assert file.size == 19
    await file.seek(0)
    assert await file.read() == b"data and more data!"
    await file.close()
    assert stream.closed
    assert thread_calls == ["read", "write", "read", "seek", "read", "close"]


@pytest.mark.anyio
@pytest.mark.parametrize("max_size", [1, 1024], ids=["rolled", "unrolled"])
async def test_upload_file_rolling(max_size: int) -> None:
    stream = spooled(max_size)
    file = UploadFile(filename="file", file=stream, size=0)
    assert await file.read() == b""
    assert file.size == 0
    await file.write(b"data")
    assert await file.read() == b""
    assert file.size == 4
    await file.seek(0)
    assert await file.read() == b"data"
    await file.write(b" more")
    assert await file.read() == b""
    assert file.size == 9
    await file.seek(0)
    assert await file.read() == b"data more"
    assert file.size == 9
    await file.close()
    assert stream.closed


@pytest.mark.anyio
async def test_upload_file_in_memory_does_not_use_threads(thread_calls: ThreadCalls) -> None:
    stream = spooled(max_size=1024)
    file = UploadFile(file=stream, size=0)
    await file.write(b"data")
    await file.seek(0)
    assert await file.read() == b"data"
    await file.close()
    assert thread_calls == []


@pytest.mark.anyio
async def test_upload_file_unlimited_spool_stays_in_memory(thread_calls: ThreadCalls) -> None:
    file = UploadFile(file=spooled(max_size=0), size=0)
    await file.write(b"x" * 10_000)
    await file.close()
    assert thread_calls == []
    assert file.size == 10_000


@pytest.mark.anyio
async def test_upload_file_write_that_rolls_over_uses_a_thread(thread_calls: ThreadCalls) -> None:
    stream = spooled(max_size=8)
    file = UploadFile(file=stream, size=0)
    await file.write(b"1234")
    assert thread_calls == []
    await file.write(b"56789")  # 9 bytes in total: this write moves the file to disk
    assert thread_calls == ["write"]
    await file.seek(0)
    assert await file.read() == b"123456789"
    await file.close()
    assert thread_calls == ["write", "seek", "read", "close"]


@pytest.mark.anyio
async def test_upload_file_without_size_does_not_track_it() -> None:
    file = UploadFile(file=io.BytesIO())
    await file.write(b"data")
    assert file.size is None
    await file.close()


@pytest.mark.anyio
async def test_upload_file_read_size() -> None:
    file = UploadFile(file=io.BytesIO(b"abcdef"))
    assert await file.read(2) == b"ab"
    assert await file.read(2) == b"cd"
    await file.seek(1)
    assert await file.read() == b"bcdef"
    await file.close()


def test_upload_file_attributes() -> None:
    stream = io.BytesIO(b"data")
    file = UploadFile(stream, filename="a.txt", headers=Headers({"content-type": "text/plain"}))
    assert file.file is stream
    assert file.filename == "a.txt"
    assert file.content_type == "text/plain"
    assert file.headers == Headers({"content-type": "text/plain"})
    assert UploadFile(stream).content_type is None
    assert UploadFile(stream).filename is None
    assert UploadFile(stream).headers == Headers()


def test_upload_file_repr() -> None:
    stream = io.BytesIO(b"data")
    file = UploadFile(filename="file", file=stream, size=4)
    assert repr(file) == "UploadFile(filename='file', size=4, headers=Headers({}))"
    file = UploadFile(filename="file", file=stream, headers=Headers({"foo": "bar"}))
    assert repr(file) == "UploadFile(filename='file', size=None, headers=Headers({'foo': 'bar'}))"


def test_upload_file_can_be_subclassed() -> None:
    class MyUploadFile(UploadFile):
        pass

    file = MyUploadFile(io.BytesIO(), filename="f")
    assert repr(file) == "MyUploadFile(filename='f', size=None, headers=Headers({}))"


@pytest.mark.anyio
async def test_formdata() -> None:
    stream = io.BytesIO(b"data")
    upload = UploadFile(filename="file", file=stream, size=4)
    form = FormData([("a", "123"), ("a", "456"), ("b", upload)])
    assert "a" in form
    assert "A" not in form
    assert "c" not in form
    assert form["a"] == "456"
    assert form.get("a") == "456"
    assert form.get("nope", None) is None
    assert form.getlist("a") == ["123", "456"]
    assert list(form.keys()) == ["a", "b"]
    assert list(form.values()) == ["456", upload]
    assert list(form.items()) == [("a", "456"), ("b", upload)]
    assert len(form) == 2
    assert list(form) == ["a", "b"]
    assert dict(form) == {"a": "456", "b": upload}
    assert repr(form) == "FormData([('a', '123'), ('a', '456'), ('b', " + repr(upload) + ")])"
    assert FormData(form) == form
    assert FormData({"a": "123", "b": "789"}) == FormData([("a", "123"), ("b", "789")])
    assert FormData({"a": "123", "b": "789"}) != {"a": "123", "b": "789"}
    assert FormData(a="1", b=upload).multi_items() == [("a", "1"), ("b", upload)]
    await form.close()
    assert stream.closed


@pytest.mark.anyio
async def test_formdata_close_closes_every_file_even_if_one_fails() -> None:
    class Broken(io.BytesIO):
        failing = True

        def close(self) -> None:
            if self.failing:
                raise OSError("disk gone")
            super().close()

    broken = Broken()
    first, last = io.BytesIO(), io.BytesIO()
    form = FormData(
        [
            ("a", UploadFile(first)),
            ("b", UploadFile(broken)),
            ("c", "text"),
            ("d", UploadFile(last)),
            ("e", UploadFile(broken)),
        ]
    )
    with pytest.raises(OSError, match="disk gone"):
        await form.close()
    assert first.closed
    assert last.closed
    broken.failing = False  # so that its finalizer (which closes it) does not raise
    broken.close()


@pytest.mark.anyio
async def test_formdata_close_without_files() -> None:
    await FormData().close()


# --------------------------------------------------------------------------- Headers


def test_headers() -> None:
    h = Headers(raw=[(b"a", b"123"), (b"a", b"456"), (b"b", b"789")])
    assert "a" in h
    assert "A" in h
    assert "b" in h
    assert "B" in h
    assert "c" not in h
    assert h["a"] == "123"
    assert h["A"] == "123"
    assert h.get("a") == "123"
    assert h.get("nope", None) is None
    assert h.get("nope", "fallback") == "fallback"
    assert h.get("nope") is None
    assert h.getlist("a") == ["123", "456"]
    assert h.getlist("nope") == []
    assert h.keys() == ["a", "a", "b"]
    assert h.values() == ["123", "456", "789"]
    assert h.items() == [("a", "123"), ("a", "456"), ("b", "789")]
    assert list(h) == ["a", "a", "b"]
    assert dict(h) == {"a": "123", "b": "789"}
    assert len(h) == 3
    assert repr(h) == "Headers(raw=[(b'a', b'123'), (b'a', b'456'), (b'b', b'789')])"
    assert h == Headers(raw=[(b"a", b"123"), (b"b", b"789"), (b"a", b"456")])
    assert h != [(b"a", b"123"), (b"A", b"456"), (b"b", b"789")]
    assert h != Headers(raw=[(b"a", b"123")])
    with pytest.raises(KeyError, match="nope"):
        h["nope"]


def test_headers_from_mapping() -> None:
    h = Headers({"a": "123", "B": "789"})
    assert h["A"] == "123"
    assert h["b"] == "789"
    assert h.raw == [(b"a", b"123"), (b"b", b"789")]
    assert repr(h) == "Headers({'a': '123', 'b': '789'})"


def test_headers_latin1() -> None:
    h = Headers({"x-name": "café"})
    assert h.raw == [(b"x-name", "café".encode("latin-1"))]
    assert h["x-name"] == "café"
    raw = Headers(raw=[(b"x-raw", "é".encode())])
    assert raw["x-raw"] == "Ã©"


def test_headers_from_mapping_rejects_non_latin1() -> None:
    # The codec's own error, as upstream raises it: the name is encoded first.
    with pytest.raises(UnicodeEncodeError, match="position 3: ordinal not in range") as caught:
        Headers({"x-name": "caf\u20ac"})
    assert caught.value.object == "caf\u20ac"
    with pytest.raises(UnicodeEncodeError, match="position 2: ordinal not in range") as caught:
        Headers({"x-\u20ac": "caf\u20ac"})
    assert caught.value.object == "x-\u20ac"


@pytest.mark.parametrize("headers_class", [Headers, MutableHeaders])
@pytest.mark.parametrize(
    ("key", "error"),
    [
        ([], AttributeError),  # unhashable: still upstream's AttributeError, not TypeError
        ({}, AttributeError),
        (1, AttributeError),
        (None, AttributeError),
        (b"a", AttributeError),
        ("\u20ac", UnicodeEncodeError),
    ],
)
def test_header_lookups_fail_as_upstream_on_a_key_that_is_no_header_name(
    headers_class: type[Headers], key: Any, error: type[Exception]
) -> None:
    h = headers_class({"a": "1"})
    lookups: list[Callable[[], object]] = [
        lambda: h.get(key),
        lambda: h.get(key, "default"),
        lambda: key in h,
        lambda: h[key],
        lambda: h.getlist(key),
    ]
    for lookup in lookups:
        with pytest.raises(error):
            lookup()
    assert h.raw == [(b"a", b"1")]


@pytest.mark.parametrize("key", [[], 1, None, "\u20ac"])
def test_mutable_header_changes_fail_on_a_key_that_is_no_header_name(key: Any) -> None:
    h = MutableHeaders({"a": "1"})
    error = UnicodeEncodeError if isinstance(key, str) else AttributeError
    changes: list[Callable[[], object]] = [
        lambda: h.__setitem__(key, "x"),
        lambda: h.__delitem__(key),
        lambda: h.setdefault(key, "x"),
        lambda: h.append(key, "x"),
    ]
    for change in changes:
        with pytest.raises(error):
            change()
    assert h.raw == [(b"a", b"1")]


@pytest.mark.parametrize("existing", [[], [(b"vary", b"Accept")]])
def test_add_vary_header_refuses_a_value_that_is_not_text(existing: list[tuple[bytes, bytes]]) -> None:
    h = MutableHeaders(raw=list(existing))
    not_text: Any = 1
    with pytest.raises(TypeError, match="expected str instance, int found"):
        h.add_vary_header(not_text)
    assert h.raw == existing


def test_headers_lookups_ignore_case_for_names_asked_again() -> None:
    h = Headers(raw=[(b"x-token", b"1"), (b"x-token", b"2"), (b"\xe9t\xe9", b"3")])
    for _ in range(2):  # the second time, the raw names looked up are known
        for name in ("x-token", "X-Token", "X-TOKEN"):
            assert h[name] == "1"
            assert h.get(name) == "1"
            assert name in h
            assert h.getlist(name) == ["1", "2"]
        assert h["\xc9T\xc9"] == "3"
        assert h.get("x-missing", "default") == "default"
        assert "x-missing" not in h
        with pytest.raises(KeyError, match="x-missing"):
            h["x-missing"]


def test_headers_remember_a_bounded_number_of_names(monkeypatch: pytest.MonkeyPatch) -> None:
    known: BoundedCache[str, bytes] = BoundedCache(1024)
    monkeypatch.setattr(datastructures_module, "_LOOKUP_KEYS", known)
    h = Headers(raw=[(b"x-generated-2999", b"last")])
    for index in range(3000):
        name = f"X-Generated-{index}"
        assert h.get(name) == ("last" if index == 2999 else None)
        assert (name in h) == (index == 2999)
    assert len(known) == 1024
    assert "X-Generated-0" not in known  # the oldest names made room for the newest
    assert known["X-Generated-2999"] == b"x-generated-2999"
    assert h["X-Generated-2999"] == "last"


def test_headers_empty() -> None:
    h = Headers()
    assert h.raw == []
    assert len(h) == 0
    assert repr(h) == "Headers({})"
    assert h == Headers({})


def test_headers_from_scope_shares_the_list() -> None:
    raw = [(b"a", b"1")]
    scope: Scope = {"headers": raw}
    h = Headers(scope=scope)
    assert h.raw is raw
    assert scope["headers"] is raw
    assert h["a"] == "1"


def test_headers_from_scope_converts_non_lists() -> None:
    scope: Scope = {"headers": ((b"a", b"1"),)}
    h = Headers(scope=scope)
    assert scope["headers"] == [(b"a", b"1")]
    assert h.raw is scope["headers"]


def test_headers_from_scope_without_headers() -> None:
    scope: Scope = {"type": "http"}
    h = Headers(scope=scope)
    assert len(h) == 0


def test_headers_raw_is_not_copied() -> None:
    raw = [(b"a", b"1")]
    assert Headers(raw=raw).raw is raw


def test_headers_accept_exactly_one_source() -> None:
    with pytest.raises(AssertionError, match='Cannot set both "headers" and "raw".'):
        Headers(headers={"a": "1"}, raw=[])
    with pytest.raises(AssertionError, match='Cannot set both "headers" and "scope".'):
        Headers(headers={"a": "1"}, scope={})
    with pytest.raises(AssertionError, match='Cannot set both "raw" and "scope".'):
        Headers(raw=[], scope={})


def test_headers_mutablecopy() -> None:
    h = Headers(raw=[(b"a", b"123"), (b"a", b"456"), (b"b", b"789")])
    c = h.mutablecopy()
    assert isinstance(c, MutableHeaders)
    assert c.items() == [("a", "123"), ("a", "456"), ("b", "789")]
    c["a"] = "abc"
    assert c.items() == [("a", "abc"), ("b", "789")]
    assert h.items() == [("a", "123"), ("a", "456"), ("b", "789")]


def test_mutable_headers() -> None:
    h = MutableHeaders()
    assert dict(h) == {}
    h["a"] = "1"
    assert dict(h) == {"a": "1"}
    h["A"] = "2"
    assert dict(h) == {"a": "2"}
    assert h.setdefault("a", "3") == "2"
    assert dict(h) == {"a": "2"}
    assert h.setdefault("B", "4") == "4"
    assert dict(h) == {"a": "2", "b": "4"}
    del h["a"]
    assert dict(h) == {"b": "4"}
    assert h.raw == [(b"b", b"4")]
    del h["missing"]
    assert h.raw == [(b"b", b"4")]


def test_mutable_headers_setitem_replaces_all_in_place() -> None:
    h = MutableHeaders(raw=[(b"a", b"1"), (b"b", b"x"), (b"a", b"2"), (b"a", b"3")])
    h["a"] = "new"
    assert h.raw == [(b"a", b"new"), (b"b", b"x")]


def test_mutable_headers_append() -> None:
    h = MutableHeaders({"set-cookie": "a=1"})
    h.append("Set-Cookie", "b=2")
    assert h.getlist("set-cookie") == ["a=1", "b=2"]
    assert h.raw == [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]


def test_mutable_headers_update() -> None:
    h = MutableHeaders(raw=[(b"a", b"1"), (b"a", b"2")])
    h.update({"A": "3", "b": "4"})
    assert h.raw == [(b"a", b"3"), (b"b", b"4")]


def test_mutable_headers_add_vary_header() -> None:
    h = MutableHeaders()
    h.add_vary_header("Origin")
    assert h["vary"] == "Origin"
    h.add_vary_header("Accept-Encoding")
    assert h["vary"] == "Origin, Accept-Encoding"
    assert h.getlist("vary") == ["Origin, Accept-Encoding"]


def test_mutable_headers_add_vary_header_merges_every_vary_header() -> None:
    h = MutableHeaders(raw=[(b"vary", b"Accept-Language"), (b"x", b"1"), (b"vary", b"Cookie")])
    h.add_vary_header("Accept-Encoding")
    assert h.getlist("vary") == ["Accept-Language, Cookie, Accept-Encoding"]
    assert h["x"] == "1"


def test_mutable_headers_merge() -> None:
    h = MutableHeaders({"a": "1", "b": "2"})
    merged = h | MutableHeaders({"a": "3"})
    assert isinstance(merged, MutableHeaders)
    assert merged.items() == [("a", "3"), ("b", "2")]
    assert h.items() == [("a", "1"), ("b", "2")]
    assert (h | {"c": "4"}).raw == [(b"a", b"1"), (b"b", b"2"), (b"c", b"4")]


def test_mutable_headers_update_in_place_operator() -> None:
    h = MutableHeaders()
    original = h
    h |= MutableHeaders({"a": "1"})
    h |= {"b": "2"}
    assert h is original
    assert h.raw == [(b"a", b"1"), (b"b", b"2")]


def test_mutable_headers_merge_requires_a_mapping() -> None:
    h = MutableHeaders()
    not_a_mapping: Any = {"not_mapping"}
    with pytest.raises(TypeError, match="Expected a mapping but got set"):
        h |= not_a_mapping
    with pytest.raises(TypeError, match="Expected a mapping but got set"):
        _ = h | not_a_mapping


def test_mutable_headers_reject_non_latin1() -> None:
    h = MutableHeaders()
    with pytest.raises(UnicodeEncodeError, match="ordinal not in range") as caught:
        h["X-Check"] = "\u2713"
    assert caught.value.object == "\u2713"
    with pytest.raises(UnicodeEncodeError, match="ordinal not in range") as caught:
        h["x-\u2713"] = "1"
    assert caught.value.object == "x-\u2713"
    with pytest.raises(UnicodeEncodeError):
        h.append("x-append", "\u2713")
    with pytest.raises(UnicodeEncodeError):
        h.setdefault("x-default", "\u2713")
    with pytest.raises(UnicodeEncodeError):
        h.update({"x-update": "\u2713"})
    assert h.raw == []


def test_mutable_headers_on_a_message_without_headers_write_into_it() -> None:
    # ASGI makes a response start's headers optional: what is written must reach the message.
    message: Scope = {"type": "http.response.start", "status": 200}
    MutableHeaders(scope=message)["x-request-id"] = "abc"
    assert message["headers"] == [(b"x-request-id", b"abc")]
    scope: Scope = {"type": "http"}
    assert Headers(scope=scope).raw == []
    assert "headers" not in scope  # reading leaves the scope as it is


def test_mutable_headers_from_scope_write_through() -> None:
    scope: Scope = {"headers": ((b"a", b"1"), (b"c", b"x"), (b"c", b"y"))}
    h = MutableHeaders(scope=scope)
    h.update({"b": "2"})
    h["a"] = "3"
    h.append("d", "4")
    h.setdefault("e", "5")
    del h["c"]
    h |= {"f": "6"}
    expected = [(b"a", b"3"), (b"b", b"2"), (b"d", b"4"), (b"e", b"5"), (b"f", b"6")]
    assert scope["headers"] == expected
    assert Headers(scope=scope).raw == expected
    assert list(h.items()) == [("a", "3"), ("b", "2"), ("d", "4"), ("e", "5"), ("f", "6")]


# --------------------------------------------------------------------------- State


def test_state_attribute_and_item_access() -> None:
    state = State()
    state.a = 1
    state["b"] = 2
    assert state.a == 1
    assert state["a"] == 1
    assert state.b == 2
    assert len(state) == 2
    assert list(state) == ["a", "b"]
    assert "a" in state
    del state.a
    del state["b"]
    assert len(state) == 0


def test_state_wraps_the_given_dict() -> None:
    scope: Scope = {"state": {"old": "foo"}}
    state = State(scope["state"])
    state.new = "value"
    assert state.old == "foo"
    assert scope["state"] == {"old": "foo", "new": "value"}
    del state.new
    assert scope["state"] == {"old": "foo"}


def test_state_missing_entries() -> None:
    state = State()
    with pytest.raises(AttributeError, match="^'State' object has no attribute 'x'$"):
        state.x
    with pytest.raises(KeyError, match="^'x'$"):  # like upstream: a missing entry, not attribute
        del state.x
    with pytest.raises(KeyError):
        state["x"]
    with pytest.raises(KeyError):
        del state["x"]
    assert not hasattr(state, "x")
    assert getattr(state, "x", None) is None


def test_state_subclass_with_typed_attributes() -> None:
    class AppState(State):
        counter: int

    state = AppState({"counter": 1})
    state.counter += 1
    assert state.counter == 2
    assert state["counter"] == 2
    with pytest.raises(AttributeError, match="^'AppState' object has no attribute 'other'$"):
        state.other


def test_state_copy_and_pickle() -> None:
    state = State({"a": 1})
    shallow = copy.copy(state)
    assert shallow.a == 1
    deep = copy.deepcopy(state)
    deep.a = 2
    assert state.a == 1
    restored = pickle.loads(pickle.dumps(state))
    assert restored.a == 1
    assert isinstance(restored, State)


def test_state_without_init_has_no_entries() -> None:
    state = State.__new__(State)
    with pytest.raises(AttributeError, match="'_state'"):
        _ = state.anything


def test_upload_file_accepts_binary_io() -> None:
    stream: BinaryIO = io.BytesIO()
    assert UploadFile(stream).file is stream


def test_url_from_scope_with_a_non_utf8_query_string() -> None:
    # Kept difference: upstream raises `UnicodeDecodeError` (a 500 on any client's stray byte).
    scope: Scope = {"type": "http", "scheme": "http", "server": ("a", 80), "path": "/", "query_string": b"a=\xe9"}
    assert str(URL(scope=scope)) == "http://a/?a=\u00e9"


def test_url_and_secret_are_plain_objects() -> None:
    # As upstream's: instances take attributes and weak references.
    for value in (URL("http://example.com/"), Secret("key")):
        setattr(value, "note", 1)  # noqa: B010  # an attribute the class does not declare
        assert vars(value)["note"] == 1
        assert weakref.ref(value)() is value
