from __future__ import annotations

import json
import re
from base64 import b64encode
from collections.abc import Callable
from typing import Any

import itsdangerous
import pytest

from starlette.applications import Starlette
from starlette.datastructures import Secret
from starlette.middleware import Middleware
from starlette.middleware.sessions import Session, SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


async def view_session(request: Request) -> Response:
    return JSONResponse({"session": request.session})


async def update_session(request: Request) -> Response:
    request.session.update(await request.json())
    return JSONResponse({"session": request.session})


async def clear_session(request: Request) -> Response:
    request.session.clear()
    return JSONResponse({"session": request.session})


async def untouched(request: Request) -> Response:
    return PlainTextResponse("not using the session")


async def set_and_remove(request: Request) -> Response:
    request.session["temporary"] = 1
    del request.session["temporary"]
    return PlainTextResponse("done")


async def websocket_session(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"session": websocket.session})
    await websocket.close()


ROUTES = [
    Route("/view_session", view_session),
    Route("/update_session", update_session, methods=["POST"]),
    Route("/clear_session", clear_session, methods=["POST"]),
    Route("/untouched", untouched),
    Route("/set_and_remove", set_and_remove),
    WebSocketRoute("/ws", websocket_session),
]


def make_client(
    test_client_factory: TestClientFactory, base_url: str = "http://testserver", **options: Any
) -> TestClient:
    app = Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, secret_key="example", **options)])
    return test_client_factory(app, base_url=base_url)


def signed(data: bytes, secret_key: str = "example") -> str:
    return itsdangerous.TimestampSigner(secret_key).sign(data).decode()


def session_cookie(payload: object, secret_key: str = "example") -> str:
    return signed(b64encode(json.dumps(payload).encode()), secret_key)


def tampered_signature(cookie: str) -> str:
    payload, timestamp, signature = cookie.rsplit(".", 2)
    # Change the first character: the last one may only hold padding bits.
    first = "B" if signature[0] == "A" else "A"
    return f"{payload}.{timestamp}.{first}{signature[1:]}"


def test_session_lifecycle(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)

    response = client.get("/view_session")
    assert response.json() == {"session": {}}
    assert "set-cookie" not in response.headers

    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    set_cookie = response.headers["set-cookie"]
    assert re.fullmatch(r"session=[^;]+; path=/; Max-Age=1209600; httponly; samesite=lax", set_cookie)
    assert response.headers["vary"] == "Cookie"

    response = client.get("/view_session")
    assert response.json() == {"session": {"some": "data"}}
    assert "set-cookie" not in response.headers  # read, not changed: the cookie is not sent again

    response = client.post("/clear_session")
    assert response.json() == {"session": {}}
    assert response.headers["set-cookie"] == (
        "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax"
    )

    response = client.get("/view_session")
    assert response.json() == {"session": {}}


def test_session_read(test_client_factory: TestClientFactory) -> None:
    async def greet(request: Request) -> Response:
        return PlainTextResponse(f"Hello, {request.session.get('user', 'stranger')}")

    app = Starlette(routes=[Route("/", greet)], middleware=[Middleware(SessionMiddleware, secret_key="example")])
    client = test_client_factory(app)
    response = client.get("/")
    assert response.text == "Hello, stranger"
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in response.headers

    client.cookies.set("session", session_cookie({"user": "alice"}))
    response = client.get("/")
    assert response.text == "Hello, alice"
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in response.headers


def test_session_not_used(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)
    client.post("/update_session", json={"some": "data"})
    response = client.get("/untouched")
    assert "set-cookie" not in response.headers
    assert "vary" not in response.headers


def test_session_emptied_again_sends_no_cookie(test_client_factory: TestClientFactory) -> None:
    response = make_client(test_client_factory).get("/set_and_remove")
    assert "set-cookie" not in response.headers
    assert response.headers["vary"] == "Cookie"


def test_clearing_an_empty_session_sends_no_cookie(test_client_factory: TestClientFactory) -> None:
    response = make_client(test_client_factory).post("/clear_session")
    assert "set-cookie" not in response.headers


def test_expired_session(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, max_age=-1)
    response = client.post("/update_session", json={"some": "data"})
    match = re.search(r"session=([^;]*);", response.headers["set-cookie"])
    assert match is not None
    expired = test_client_factory(client.app, cookies={"session": match[1]})
    assert expired.get("/view_session").json() == {"session": {}}


@pytest.mark.parametrize(
    "cookie",
    [
        "invalid",
        "",
        session_cookie({"user": "admin"}, secret_key="another key"),
        tampered_signature(session_cookie({"user": "admin"})),
        session_cookie({"user": "admin"}).replace(
            b64encode(b'{"user": "admin"}').decode(), b64encode(b'{"user": "root!"}').decode()
        ),  # tampered payload
        signed(b"not base64!"),
        signed(b64encode(b"not json")),
        signed(b64encode(b"[1, 2]")),
        signed(b64encode(b"\xff\xfe")),
        "a" * 5000,
    ],
)
def test_bad_session_cookies_give_an_empty_session(test_client_factory: TestClientFactory, cookie: str) -> None:
    client = make_client(test_client_factory)
    client.cookies.set("session", cookie)
    response = client.get("/view_session")
    assert response.status_code == 200
    assert response.json() == {"session": {}}
    assert "set-cookie" not in response.headers


def test_valid_cookie_made_elsewhere(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)
    client.cookies.set("session", session_cookie({"user": "alice"}))
    assert client.get("/view_session").json() == {"session": {"user": "alice"}}


def test_session_cookie_among_others(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)
    value = session_cookie({"user": "alice"})
    response = client.get("/view_session", headers={"Cookie": f"xsession=1; session={value}; other=2"})
    assert response.json() == {"session": {"user": "alice"}}
    response = client.get("/view_session", headers={"Cookie": "mysession=1"})
    assert response.json() == {"session": {}}


@pytest.mark.anyio
async def test_session_cookie_in_a_later_cookie_header() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(scope["session"]))

    value = session_cookie({"user": "alice"}).encode()
    scope = {"type": "http", "headers": [(b"cookie", b"sessionless=1"), (b"cookie", b"session=" + value)]}
    await SessionMiddleware(app, secret_key="example")(scope, receive_nothing, send_nothing)
    assert seen == [{"user": "alice"}]


async def receive_nothing() -> Message:
    raise AssertionError("not called")  # pragma: no cover


async def send_nothing(message: Message) -> None:
    raise AssertionError("not called")  # pragma: no cover


def test_cookie_options(test_client_factory: TestClientFactory) -> None:
    client = make_client(
        test_client_factory,
        base_url="https://testserver",
        session_cookie="sid",
        max_age=None,
        path="/app",
        same_site="strict",
        https_only=True,
        domain="example.com",
        partitioned=True,
    )
    response = client.post("/update_session", json={"some": "data"})
    assert re.fullmatch(
        r"sid=[^;]+; path=/app; httponly; samesite=strict; secure; domain=example.com; partitioned",
        response.headers["set-cookie"],
    )
    response = client.post("/clear_session", headers={"Cookie": response.headers["set-cookie"].split(";")[0]})
    assert response.headers["set-cookie"] == (
        "sid=null; path=/app; expires=Thu, 01 Jan 1970 00:00:00 GMT; "
        "httponly; samesite=strict; secure; domain=example.com; partitioned"
    )


def test_secret_object_as_key(test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, secret_key=Secret("example"))])
    client = test_client_factory(app)
    client.cookies.set("session", session_cookie({"user": "alice"}))
    assert client.get("/view_session").json() == {"session": {"user": "alice"}}


def test_session_in_a_mounted_app(test_client_factory: TestClientFactory) -> None:
    inner = Starlette(routes=ROUTES, middleware=[Middleware(SessionMiddleware, secret_key="example", path="/inner")])
    client = test_client_factory(Starlette(routes=[Mount("/inner", inner)]))
    response = client.post("/inner/update_session", json={"some": "data"})
    assert "path=/inner;" in response.headers["set-cookie"]
    assert client.get("/inner/view_session").json() == {"session": {"some": "data"}}


def test_websocket_session(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory)
    client.cookies.set("session", session_cookie({"user": "alice"}))
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_json() == {"session": {"user": "alice"}}


@pytest.mark.anyio
async def test_lifespan_passes_through() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    await SessionMiddleware(app, secret_key="example")({"type": "lifespan"}, receive_nothing, send_nothing)
    assert seen == [{"type": "lifespan"}]


def test_middleware_attributes() -> None:
    middleware = SessionMiddleware(PlainTextResponse("x"), secret_key="example", max_age=10, path="/p")
    assert isinstance(middleware.signer, itsdangerous.TimestampSigner)
    assert middleware.session_cookie == "session"
    assert middleware.max_age == 10
    assert middleware.path == "/p"
    assert middleware.security_flags == "httponly; samesite=lax"


def test_session_tracks_reads() -> None:
    readers: list[Callable[[Session], object]] = [
        lambda session: session["a"],
        lambda session: session.get("a"),
        lambda session: "a" in session,
        lambda session: len(session),
        lambda session: list(session),
        lambda session: bool(session),
        lambda session: session.keys(),
        lambda session: session.values(),
        lambda session: session.items(),
        lambda session: dict(session),
        lambda session: json.dumps(session),
        lambda session: session.mark_accessed(),
    ]
    for read in readers:
        session = Session({"a": 1})
        assert not session.accessed
        read(session)
        assert session.accessed
        assert not session.modified


def test_session_tracks_changes() -> None:
    def update_with_operator(session: Session) -> None:
        session |= {"b": 2}

    def delete(session: Session) -> None:
        del session["a"]

    changes: list[Callable[[Session], object]] = [
        lambda session: session.__setitem__("b", 2),
        delete,
        lambda session: session.clear(),
        lambda session: session.pop("a"),
        lambda session: session.popitem(),
        lambda session: session.setdefault("b", 2),
        lambda session: session.update(b=2),
        update_with_operator,
        lambda session: session.mark_modified(),
    ]
    for change in changes:
        session = Session({"a": 1})
        change(session)
        assert session.modified
        assert session.accessed


def test_session_operations_that_change_nothing() -> None:
    operations: list[Callable[[Session], object]] = [
        lambda session: session.setdefault("a", 2),
        lambda session: session.pop("missing", None),
    ]
    for operation in operations:
        session = Session({"a": 1})
        operation(session)
        assert not session.modified

    # Popping a missing key with a default is not even a read.
    session = Session({"a": 1})
    session.pop("missing", None)
    assert not session.accessed
    session = Session({"a": 1})
    assert session.setdefault("a", 2) == 1
    assert session.pop("missing", "default") == "default"
    with pytest.raises(KeyError):
        session.pop("missing")
    with pytest.raises(KeyError):
        Session().popitem()
    assert not session.modified


def test_session_clear_and_del_mark_modified_like_upstream() -> None:
    # As upstream: clearing, even an empty session, and deleting, even a missing key, count as changes.
    empty = Session()
    empty.clear()
    assert empty.modified
    session = Session({"a": 1})
    with pytest.raises(KeyError):
        del session["missing"]
    assert session.modified


@pytest.mark.parametrize("replacement", ["session", "dict"])
def test_session_replaced_in_the_scope_is_the_one_saved(
    test_client_factory: TestClientFactory, replacement: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if replacement == "session":
            scope["session"] = Session({"user": "bob"})
            scope["session"].mark_modified()
        else:
            scope["session"] = {"user": "bob"}
        await PlainTextResponse("ok")(scope, receive, send)

    client = test_client_factory(SessionMiddleware(app, secret_key="example"))
    if replacement == "dict":
        # Upstream fails alike: what the middleware saves is what the scope holds when the response starts.
        with pytest.raises(AttributeError, match="'dict' object has no attribute 'accessed'"):
            client.get("/")
        return
    response = client.get("/")
    assert response.headers["vary"] == "Cookie"
    assert "session=" in response.headers["set-cookie"]


def test_mark_modified_after_changing_a_value_in_place(test_client_factory: TestClientFactory) -> None:
    async def add_item(request: Request) -> Response:
        session = request.session
        items = session.setdefault("items", [])
        items.append(len(items))
        if isinstance(session, Session):  # pragma: no branch
            session.mark_modified()
        return JSONResponse(session["items"])

    app = Starlette(routes=[Route("/", add_item)], middleware=[Middleware(SessionMiddleware, secret_key="example")])
    client = test_client_factory(app)
    assert client.get("/").json() == [0]
    assert client.get("/").json() == [0, 1]


def test_zero_max_age_is_sent(test_client_factory: TestClientFactory) -> None:
    client = make_client(test_client_factory, max_age=0)
    response = client.post("/update_session", json={"some": "data"})
    assert re.fullmatch(r"session=[^;]+; path=/; Max-Age=0; httponly; samesite=lax", response.headers["set-cookie"])


def test_every_vary_header_is_kept(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        request.session["user"] = "alice"
        response = PlainTextResponse("ok", headers={"Vary": "Accept-Encoding"})
        response.headers.append("Vary", "Origin")
        return response

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(SessionMiddleware, secret_key="example")])
    response = test_client_factory(app).get("/")
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin, Cookie"]
    assert "set-cookie" in response.headers


def test_json_response_of_the_session_varies_with_the_cookie(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        session = request.scope["session"]
        return JSONResponse(session)

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(SessionMiddleware, secret_key="example")])
    client = test_client_factory(app)
    client.cookies.set("session", session_cookie({"user": "alice"}))
    response = client.get("/")
    assert response.json() == {"user": "alice"}
    assert response.headers["vary"] == "Cookie"


def test_vary_cookie_is_not_repeated(test_client_factory: TestClientFactory) -> None:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(str(request.session.get("user")), headers={"Vary": "Accept-Encoding, cookie"})

    app = Starlette(routes=[Route("/", endpoint)], middleware=[Middleware(SessionMiddleware, secret_key="example")])
    response = test_client_factory(app).get("/")
    assert response.text == "None"
    assert response.headers.get_list("vary") == ["Accept-Encoding, cookie"]
