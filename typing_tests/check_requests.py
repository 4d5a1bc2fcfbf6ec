"""Typing cases for `starlette.requests`."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any, TypedDict

from typing_extensions import assert_type

from starlette._utils import AwaitableOrContextManager
from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile
from starlette.requests import (
    SERVER_PUSH_HEADERS_TO_COPY,
    ClientDisconnect,
    HTTPConnection,
    Request,
    StateT,
    cookie_parser,
    empty_receive,
    empty_send,
)
from starlette.types import Message, Receive, Scope, Send


class LifespanState(TypedDict):
    counter: int
    name: str


class AppState(State):
    counter: int


# --- HTTPConnection -----------------------------------------------------------------------


def connection_properties(conn: HTTPConnection) -> None:
    assert_type(conn.scope, Scope)
    assert_type(conn["path"], Any)
    assert_type(list(conn), list[str])
    assert_type(len(conn), int)
    assert_type(conn == conn, bool)
    assert_type(hash(conn), int)
    assert_type(conn.app, Any)
    assert_type(conn.url, URL)
    assert_type(conn.base_url, URL)
    assert_type(conn.headers, Headers)
    assert_type(conn.query_params, QueryParams)
    assert_type(conn.path_params, dict[str, Any])
    assert_type(conn.cookies, dict[str, str])
    assert_type(conn.client, Address | None)
    assert_type(conn.session, dict[str, Any])
    assert_type(conn.auth, Any)
    assert_type(conn.user, Any)
    assert_type(conn.state, State)
    assert_type(conn.url_for("user", user_id=1), URL)
    as_mapping: Mapping[str, Any] = conn
    assert_type(as_mapping.get("path"), Any | None)
    conn.url = URL("/")  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
    conn.url_for(name="user")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    conn.url_for(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


def build_connection(scope: Scope, receive: Receive) -> None:
    assert_type(HTTPConnection(scope), HTTPConnection[State])
    assert_type(HTTPConnection(scope, receive), HTTPConnection[State])
    assert_type(HTTPConnection[LifespanState](scope).state, LifespanState)
    HTTPConnection(scope, 1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


# --- typed state ----------------------------------------------------------------------


def typed_dict_state(request: Request[LifespanState]) -> None:
    assert_type(request.state, LifespanState)
    assert_type(request.state["counter"], int)
    assert_type(request.state["name"], str)
    request.state["counter"] = 2
    request.state["missing"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-typed-dict-key]
    request.state["counter"] = "x"  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-assignment]


def state_subclass(request: Request[AppState]) -> None:
    assert_type(request.state, AppState)
    assert_type(request.state.counter, int)
    assert_type(request.state["anything"], Any)
    request.state.counter = 2
    request.state.counter = "x"  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]


def default_state(request: Request) -> None:
    assert_type(request.state, State)
    assert_type(request.state.anything, Any)
    assert_type(request.state["anything"], Any)
    request.state.anything = 1
    request.state["anything"] = 1


def state_is_covariant(request: Request[AppState]) -> Request[State]:
    return request


def state_is_not_contravariant(request: Request[State]) -> Request[AppState]:
    return request  # type: ignore[return-value]  # pyright: ignore[reportReturnType]  # ty: ignore[invalid-explicit-return]


def generic_helper(request: Request[StateT]) -> StateT:
    return request.state


assert_type(generic_helper(Request[LifespanState]({"type": "http"})), LifespanState)


# --- Request --------------------------------------------------------------------------


async def request_body(request: Request) -> None:
    assert_type(request.method, str)
    assert_type(request.receive, Receive)
    assert_type(request.stream(), AsyncGenerator[bytes, None])
    async for chunk in request.stream():
        assert_type(chunk, bytes)
    assert_type(await request.body(), bytes)
    assert_type(await request.json(), Any)
    assert_type(await request.is_disconnected(), bool)
    assert_type(await request.close(), None)
    request.method = "GET"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
    await request.body(1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]


async def request_form(request: Request) -> None:
    assert_type(request.form(), AwaitableOrContextManager[FormData])
    form = await request.form(max_files=10, max_fields=float("inf"), max_part_size=2048)
    assert_type(form, FormData)
    assert_type(form["field"], str | UploadFile)
    async with request.form() as entered:
        assert_type(entered, FormData)
    request.form(10)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
    request.form(max_part_size=1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    request.form(max_size=1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]


async def request_push(request: Request) -> None:
    assert_type(await request.send_push_promise("/style.css"), None)
    assert_type(await request.send_early_hints("</a.css>; rel=preload"), None)
    await request.send_early_hints("</a.css>", "</b.js>")
    await request.send_early_hints()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    await request.send_early_hints(link="</a.css>")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[positional-only-parameter-as-kwarg]
    await request.send_push_promise(b"/x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


def build_request(scope: Scope, receive: Receive, send: Send) -> None:
    assert_type(Request(scope), Request[State])
    assert_type(Request(scope, receive, send), Request[State])
    assert_type(Request[AppState](scope, receive).state, AppState)
    Request(scope, send)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    Request(scope, receive, receive)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    connections: list[HTTPConnection] = [Request(scope)]
    requests: list[Request] = [HTTPConnection(scope)]  # type: ignore[list-item]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    assert_type(connections[0], HTTPConnection)
    assert_type(requests[0], Request)


# --- module functions and constants ---------------------------------------------------------


def module_level() -> None:
    assert_type(cookie_parser("a=1; b=2"), dict[str, str])
    cookie_parser(b"a=1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    build_request({"type": "http"}, empty_receive, empty_send)
    assert_type("accept" in SERVER_PUSH_HEADERS_TO_COPY, bool)
    headers: set[str] = SERVER_PUSH_HEADERS_TO_COPY  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    assert_type(headers, set[str])


async def empty_receive_takes_no_argument() -> None:
    await empty_receive(1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]


async def empty_send_takes_a_message() -> None:
    await empty_send()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]


async def empty_send_never_returns(message: Message) -> None:
    await empty_send(message)
    assert_type(message, Message)  # unreachable: not checked


async def empty_receive_never_returns() -> Message:
    await empty_receive()


def disconnect_handling() -> None:
    try:
        raise ClientDisconnect()
    except ClientDisconnect as exc:
        assert_type(exc, ClientDisconnect)
        assert isinstance(exc, Exception)
