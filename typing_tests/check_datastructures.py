"""Typing cases for `starlette.datastructures`."""

from __future__ import annotations

import io
from collections.abc import ItemsView, Iterator, KeysView, Sequence, ValuesView
from typing import Any, BinaryIO, Literal
from urllib.parse import SplitResult

from typing_extensions import assert_type

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
from starlette.types import Scope

# --- Address ----------------------------------------------------------------------------------

address = Address("127.0.0.1", 8000)
assert_type(address.host, str)
assert_type(address.port, int)
host, port = address
assert_type(port, int)
Address("127.0.0.1", "8000")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
address.host = "other"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]

# --- URL --------------------------------------------------------------------------------------

scope: Scope = {"type": "http", "path": "/", "headers": []}
url = URL("https://user:pass@example.org:8443/path?a=1#top")
assert_type(URL(scope=scope), URL)
assert_type(URL(scheme="https", netloc="example.org", path="/"), URL)
assert_type(url.components, SplitResult)
assert_type(url.scheme, str)
assert_type(url.netloc, str)
assert_type(url.path, str)
assert_type(url.query, str)
assert_type(url.fragment, str)
assert_type(url.username, str | None)
assert_type(url.password, str | None)
assert_type(url.hostname, str | None)
assert_type(url.port, int | None)
assert_type(url.is_secure, bool)
assert_type(url.replace(scheme="http"), URL)
assert_type(url.replace(hostname="example.com", port=None, username=None, password=None), URL)
assert_type(url.include_query_params(page=2, q="x"), URL)
assert_type(url.replace_query_params(page=2), URL)
assert_type(url.remove_query_params("page"), URL)
assert_type(url.remove_query_params(["page", "q"]), URL)
assert_type(url == "https://example.org/", bool)
assert_type(str(url), str)
url_as_str: str = str(url)
URL(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
URL(scheme=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
URL(host="example.org")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # not for ty: ty does not yet reject an unknown keyword for `**kwargs: Unpack[TypedDict]`
url.replace(port="80")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
url.replace(nope="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # not for ty: ty does not yet reject an unknown keyword for `**kwargs: Unpack[TypedDict]`
url.remove_query_params(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
url.path = "/other"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
not_a_str_url: str = url  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


class MyURL(URL):
    pass


assert_type(MyURL("/").replace(path="/x"), MyURL)
assert_type(MyURL("/").include_query_params(a=1), MyURL)

# --- URLPath ----------------------------------------------------------------------------------

url_path = URLPath("/users/1", protocol="websocket", host="example.org")
assert_type(url_path, URLPath)
assert_type(url_path.protocol, Literal["http", "websocket", ""])
assert_type(url_path.host, str)
assert_type(url_path.make_absolute_url("https://example.org"), URL)
assert_type(url_path.make_absolute_url(url), URL)
path_as_str: str = url_path
URLPath("/", protocol="ftp")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
url_path.make_absolute_url(None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- Secret, CommaSeparatedStrings ----------------------------------------------------------

secret = Secret("value")
assert_type(str(secret), str)
assert_type(bool(secret), bool)
secret_value: str = secret  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
Secret(b"value")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

csv = CommaSeparatedStrings("a, b")
assert_type(CommaSeparatedStrings(["a", "b"]), CommaSeparatedStrings)
assert_type(csv[0], str)
assert_type(csv[1:], list[str])
assert_type(len(csv), int)
assert_type(iter(csv), Iterator[str])
as_sequence: Sequence[str] = csv
CommaSeparatedStrings([1, 2])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
csv["a"]  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- ImmutableMultiDict, MultiDict ------------------------------------------------------------

pairs: list[tuple[str, int]] = [("a", 1), ("a", 2)]
imd = ImmutableMultiDict(pairs)
assert_type(imd, ImmutableMultiDict[str, int])
assert_type(ImmutableMultiDict({"a": 1}), ImmutableMultiDict[str, int])
assert_type(ImmutableMultiDict(a=1), ImmutableMultiDict[str, int])  # ty: ignore[type-assertion-failure]  # ty-only: ty keeps the literal `Literal[1]` in the solved type parameter
assert_type(ImmutableMultiDict(pairs, b=3), ImmutableMultiDict[str, int])
assert_type(imd["a"], int)
assert_type(imd.get("a"), int | None)
assert_type(imd.getlist("a"), list[int])
assert_type(imd.keys(), KeysView[str])
assert_type(imd.values(), ValuesView[int])
assert_type(imd.items(), ItemsView[str, int])
assert_type(imd.multi_items(), list[tuple[str, int]])
empty_imd: ImmutableMultiDict[str, str] = ImmutableMultiDict()
covariant: ImmutableMultiDict[str, object] = imd  # the value type is covariant
imd["a"] = 3  # type: ignore[index]  # pyright: ignore[reportIndexIssue]  # ty: ignore[invalid-assignment]
imd.getlist(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
imd[1]  # type: ignore[index]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
wrong_value: ImmutableMultiDict[str, str] = imd  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]

md: MultiDict[str, str] = MultiDict([("a", "1")])
untyped = MultiDict()
assert_type(untyped, MultiDict[Any, Any])
untyped[1] = object()
md["b"] = "2"
del md["b"]
md.append("a", "3")
md.setlist("a", ["4", "5"])
md.update({"c": "6"})
md.update([("c", "7")], d="8")
md.update(e="9")
assert_type(md.pop("a"), str | None)
assert_type(md.pop("a", "default"), str)  # ty: ignore[type-assertion-failure]  # ty-only: ty adds `Unknown` for the `dict.pop` overload it cannot pick
assert_type(md.pop("a", 0), str | int)  # ty: ignore[type-assertion-failure]  # ty-only: ty keeps the default's literal type (`Literal[0]`)
assert_type(md.popitem(), tuple[str, str])
assert_type(md.poplist("a"), list[str])
assert_type(md.setdefault("a", "x"), str)
optional_md: MultiDict[str, str | None] = MultiDict()
assert_type(optional_md.setdefault("a"), str | None)
md.clear()
immutable_view: ImmutableMultiDict[str, str] = md
md["a"] = 1  # type: ignore[assignment]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-assignment]
md.append(1, "x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
md.setlist("a", [1])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
md.update({"a": 1})  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
md.setdefault("a")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[invalid-argument-type]
int_keys: MultiDict[int, str] = MultiDict()
int_keys.update(a="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[invalid-argument-type]

# --- QueryParams ------------------------------------------------------------------------------

params = QueryParams("a=1&a=2")
assert_type(QueryParams(b"a=1"), QueryParams)
assert_type(QueryParams({"page": 2}), QueryParams)
assert_type(QueryParams([("a", "1")], b=2), QueryParams)
assert_type(params["a"], str)
assert_type(params.get("b"), str | None)
assert_type(params.getlist("a"), list[str])
assert_type(params.multi_items(), list[tuple[str, str]])
as_str_mapping: ImmutableMultiDict[str, str] = params
QueryParams(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
params["a"] = "3"  # type: ignore[index]  # pyright: ignore[reportIndexIssue]  # ty: ignore[invalid-assignment]
params.getlist(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# --- UploadFile, FormData ---------------------------------------------------------------------

upload = UploadFile(io.BytesIO(), size=0, filename="a.txt", headers=Headers({"content-type": "text/plain"}))
assert_type(UploadFile(io.BytesIO()), UploadFile)
# `BinaryIO`, as upstream: code passing `upload.file` on to a `BinaryIO` parameter type-checks.
assert_type(upload.file, BinaryIO)
assert_type(upload.size, int | None)
assert_type(upload.filename, str | None)
assert_type(upload.headers, Headers)
assert_type(upload.content_type, str | None)
UploadFile(io.StringIO())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
UploadFile(io.BytesIO(), 0)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
UploadFile(io.BytesIO(), headers={"a": "b"})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


async def use_upload(file: UploadFile) -> None:
    await file.write(b"data")
    assert_type(await file.read(), bytes)
    assert_type(await file.read(10), bytes)
    await file.seek(0)
    await file.close()
    await file.write("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await file.seek("0")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


form = FormData([("name", "value"), ("file", upload)])
assert_type(FormData({"name": "value"}), FormData)
assert_type(FormData(name="value", file=upload), FormData)
assert_type(form["file"], str | UploadFile)
assert_type(form.getlist("file"), list[str | UploadFile])
field = form["name"]
if isinstance(field, UploadFile):
    assert_type(field, UploadFile)
else:
    assert_type(field, str)  # ty: ignore[assert-type-unspellable-subtype]  # ty-only: ty narrows to the intersection `str & ~UploadFile`
FormData({"n": 1})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
FormData(n=b"x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
form["name"].upper()  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-union-attribute]


async def close_form(data: FormData) -> None:
    await data.close()


# --- Headers, MutableHeaders ------------------------------------------------------------------

headers = Headers({"content-type": "text/plain"})
assert_type(Headers(raw=[(b"a", b"1")]), Headers)
assert_type(Headers(scope=scope), Headers)
assert_type(headers["content-type"], str)
assert_type(headers.get("accept"), str | None)
assert_type(headers.get("accept", "*/*"), str)
assert_type(headers.get("accept", 0), str | int)  # ty: ignore[type-assertion-failure]  # ty-only: ty keeps the default's literal type (`Literal[0]`)
assert_type(headers.getlist("set-cookie"), list[str])
assert_type(headers.keys(), list[str])
assert_type(headers.values(), list[str])
assert_type(headers.items(), list[tuple[str, str]])
assert_type(headers.raw, list[tuple[bytes, bytes]])
assert_type(headers.mutablecopy(), MutableHeaders)
assert_type("accept" in headers, bool)
Headers({"a": 1})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Headers(raw=[("a", "1")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Headers(raw={b"a": b"1"})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
headers["a"] = "1"  # type: ignore[index]  # pyright: ignore[reportIndexIssue]  # ty: ignore[invalid-assignment]
headers.getlist(b"a")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

mutable = MutableHeaders({"a": "1"})
mutable["b"] = "2"
del mutable["b"]
mutable.append("set-cookie", "a=1")
mutable.update({"c": "3"})
mutable.add_vary_header("Origin")
assert_type(mutable.setdefault("d", "4"), str)
assert_type(mutable | {"e": "5"}, MutableHeaders)
mutable |= {"f": "6"}
assert_type(mutable, MutableHeaders)
mutable_as_headers: Headers = mutable
mutable["b"] = 2  # type: ignore[assignment]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-assignment]
mutable.append("b", b"2")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
mutable.update([("a", "1")])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
bad_merge = mutable | [("a", "1")]  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue, reportUnknownVariableType]  # ty: ignore[unsupported-operator]

# --- State ------------------------------------------------------------------------------------

state = State({"a": 1})
state.anything = "x"
state["key"] = 1
assert_type(state.undeclared, Any)
assert_type(state["key"], Any)
assert_type(len(state), int)
assert_type(list(state), list[str])
del state.anything
del state["key"]
State([("a", 1)])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
state[1] = 2  # type: ignore[index]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-assignment]


class AppState(State):
    counter: int
    name: str


app_state = AppState({"counter": 0, "name": "app"})
assert_type(app_state.counter, int)
assert_type(app_state.name, str)
app_state.counter += 1
app_state.counter = "one"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
app_state.name.missing_method()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-attribute]
as_state: State = app_state
