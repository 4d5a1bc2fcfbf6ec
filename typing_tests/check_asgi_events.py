"""Typed ASGI events: sending the event `TypedDict`s, receiving events narrowed by
their `type`, and narrowing a `Scope` with the `TypeIs` helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typing_extensions import assert_type

from starlette.types import (
    ASGIApp,
    ASGIReceiveCallable,
    ASGIReceiveEvent,
    ASGIScope,
    ASGISendCallable,
    HTTPDisconnectEvent,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    LifespanScope,
    LifespanStartupEvent,
    Message,
    Receive,
    Scope,
    Send,
    WebSocketReceiveEvent,
    WebSocketScope,
    is_http_scope,
    is_lifespan_scope,
    is_websocket_scope,
    typed_receive,
)


async def typed_app(scope: Scope, receive: Receive, send: Send) -> None:
    # Every `Send` is an `ASGISendCallable`: the event `TypedDict`s go straight in.
    send_event: ASGISendCallable = send
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 200, "headers": []}
    await send(start)
    await send_event({"type": "http.response.body", "body": b"", "more_body": False})

    events = typed_receive(receive)
    assert_type(events, ASGIReceiveCallable)
    event = await events()
    assert_type(event, ASGIReceiveEvent)
    if event["type"] == "http.request":
        assert_type(event, HTTPRequestEvent)
        assert_type(event["body"], bytes)
    elif event["type"] == "http.disconnect":
        assert_type(event, HTTPDisconnectEvent)
    elif event["type"] == "websocket.receive":
        assert_type(event, WebSocketReceiveEvent)
    elif event["type"] == "lifespan.startup":
        assert_type(event, LifespanStartupEvent)


async def narrowing(scope: Scope, any_scope: ASGIScope) -> None:
    if is_http_scope(scope):
        assert_type(scope, HTTPScope)
        assert_type(scope["method"], str)
    elif is_websocket_scope(scope):
        assert_type(scope, WebSocketScope)
        assert_type(scope["subprotocols"], Iterable[str])
    elif is_lifespan_scope(scope):
        assert_type(scope, LifespanScope)
    if is_http_scope(any_scope):
        assert_type(any_scope, HTTPScope)
    # A union of the `TypedDict` scopes also narrows on its `type`, with no helper.
    if any_scope["type"] == "websocket":
        assert_type(any_scope, WebSocketScope)


# Untyped code is unchanged: wrappers taking a `Message` are `Send`s, and apps
# written against `Scope`, `Receive` and `Send` are `ASGIApp`s.
async def middleware_call(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    async def send_wrapper(message: Message) -> None:
        message.setdefault("headers", [])
        await send(message)

    async def receive_wrapper() -> Message:
        return await receive()

    wrapped_send: Send = send_wrapper
    wrapped_receive: Receive = receive_wrapper
    await app(scope, wrapped_receive, wrapped_send)
    message = await receive()
    assert_type(message["type"], Any)


app: ASGIApp = typed_app


# Rejected: a misspelt or missing key, a wrong value, an event of the wrong direction,
# a key another event has after narrowing, and an unknown scope key.
async def misuse(send: Send, receive: Receive, scope: Scope) -> None:
    send_event: ASGISendCallable = send
    await send_event({"type": "http.response.body", "bdy": b""})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await send_event({"type": "http.response.start", "status": "200", "headers": []})  # type: ignore[arg-type, misc]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await send_event({"type": "http.request", "body": b"", "more_body": False})  # type: ignore[arg-type, misc]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    body: HTTPResponseBodyEvent = {"type": "http.response.body"}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]  # ty: ignore[missing-typed-dict-key]
    event = await typed_receive(receive)()
    if event["type"] == "http.disconnect":
        event["body"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-typed-dict-key]
    if is_http_scope(scope):
        scope["subprotocols"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]  # ty: ignore[invalid-typed-dict-key]
    # A `Scope` is still checked as a mapping where it is used.
    scope.itemz()  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-union-attribute]
    print(body)
