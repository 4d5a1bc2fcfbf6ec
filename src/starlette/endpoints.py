"""Class-based endpoints: one method per HTTP verb, or per websocket event."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import Any, Generic, Literal

from starlette._exception_handler import run_handling_exceptions
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request, RouteStateT
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

__all__ = ["HTTPEndpoint", "WebSocketEndpoint"]

# Only these verbs are dispatched, so a request can never reach another method of the class
# (`DISPATCH /` must not call `dispatch`). Their order is the order of the `Allow` header.
_STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY")

_WS_NORMAL_CLOSURE = 1000
_WS_UNSUPPORTED_DATA = 1003
_WS_INTERNAL_ERROR = 1011

# User-defined verb methods are looked up by name, so their exact signatures are unknown here.
_RequestHandler = Callable[[Request], Any]


class HTTPEndpoint(Generic[RouteStateT]):
    """An ASGI app that dispatches each request to the method named after its verb.

    Define `get`, `post`, ... (`query` for the `QUERY` method) taking the `Request`
    and returning a `Response`; sync methods run in the threadpool. `HEAD` falls
    back to `get`. Other methods get a `405 Method Not Allowed` with an `Allow` header.

    `class Users(HTTPEndpoint[MyState])` declares the state type its methods'
    `Request[MyState]` parameters are written for, which `Route` checks against the app.
    """

    scope: Scope
    receive: Receive
    send: Send

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http", "HTTPEndpoint only handles HTTP connections"
        self.scope = scope
        self.receive = receive
        self.send = send
        self._allowed_methods: list[str] = [
            method for method in _STANDARD_METHODS if self._own_handler(method) is not None
        ]

    def __await__(self) -> Generator[Any, None, None]:
        """Serve the request: `await Endpoint(scope, receive, send)`."""
        return self.dispatch().__await__()

    def _own_handler(self, method: str) -> _RequestHandler | None:
        """Return the method of the class serving `method` requests (`HEAD` falls back to `get`), if any."""
        handler: _RequestHandler | None = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        return handler

    def _handler_for(self, method: str) -> _RequestHandler:
        """Return the method serving `method` requests, or `method_not_allowed`."""
        if method not in _STANDARD_METHODS:
            return self.method_not_allowed
        handler = self._own_handler(method)
        return self.method_not_allowed if handler is None else handler

    async def dispatch(self) -> None:
        """Call the handler for the request's method and send its response.

        Exceptions with a handler registered in the app are turned into responses.
        """
        request = Request(self.scope, receive=self.receive, send=self.send)
        handler = self._handler_for(request.method)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if is_async_callable(handler):
                response: Response = await handler(request)
            else:
                response = await run_in_threadpool(handler, request)
            await response(scope, receive, send)

        await run_handling_exceptions(app, self.scope, self.receive, self.send, request)

    async def method_not_allowed(self, request: Request) -> Response:
        """Answer `405 Method Not Allowed`, listing the allowed methods in `Allow`.

        Raises:
            HTTPException: (405) when running inside an application, so its handlers apply.
        """
        headers = {"Allow": ", ".join(self._allowed_methods)}
        if "app" in self.scope:
            raise HTTPException(status_code=405, headers=headers)
        return PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)


class WebSocketEndpoint(Generic[RouteStateT]):
    """An ASGI app that runs a websocket session through event methods.

    `on_connect` (accepts by default), `on_receive` for each message (decoded
    according to `encoding`), and `on_disconnect` with the close code once the
    session ends (1011 when it ends with an exception, which is re-raised).

    `class Chat(WebSocketEndpoint[MyState])` declares the state type of the
    `WebSocket[MyState]` its methods receive, which `WebSocketRoute` checks against the app.
    """

    encoding: Literal["text", "bytes", "json"] | None = None
    """Expected message kind: `"text"`, `"bytes"`, `"json"`, or `None` for either text or bytes."""

    scope: Scope
    receive: Receive
    send: Send

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket", "WebSocketEndpoint only handles websocket connections"
        self.scope = scope
        self.receive = receive
        self.send = send

    def __await__(self) -> Generator[Any, None, None]:
        """Run the session: `await Endpoint(scope, receive, send)`."""
        return self.dispatch().__await__()

    async def dispatch(self) -> None:
        """Connect, feed every received message to `on_receive`, then call `on_disconnect`."""
        websocket: WebSocket[RouteStateT] = WebSocket(self.scope, receive=self.receive, send=self.send)
        await self.on_connect(websocket)

        close_code = _WS_NORMAL_CLOSURE
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.receive":
                    data = await self.decode(websocket, message)
                    await self.on_receive(websocket, data)
                elif message["type"] == "websocket.disconnect":
                    close_code = int(message.get("code") or _WS_NORMAL_CLOSURE)
                    break
        except Exception:
            close_code = _WS_INTERNAL_ERROR
            raise
        finally:
            await self.on_disconnect(websocket, close_code)

    async def decode(self, websocket: WebSocket[RouteStateT], message: Message) -> Any:
        """Return the data of a `websocket.receive` message, as `encoding` asks.

        Raises:
            RuntimeError: after closing the websocket with 1003 (unsupported data), if the
                message is not of the expected kind or is not valid JSON.
        """
        text: str | None = message.get("text")
        data: bytes | None = message.get("bytes")
        if self.encoding == "text":
            if text is None:
                await websocket.close(code=_WS_UNSUPPORTED_DATA)
                raise RuntimeError("Expected text websocket messages, but got bytes")
            return text
        if self.encoding == "bytes":
            if data is None:
                await websocket.close(code=_WS_UNSUPPORTED_DATA)
                raise RuntimeError("Expected bytes websocket messages, but got text")
            return data
        if self.encoding == "json":
            try:
                return json.loads(text if text is not None else (data or b"").decode("utf-8"))
            except (ValueError, RecursionError) as exc:
                # `ValueError` covers both malformed JSON and bytes that are not UTF-8.
                await websocket.close(code=_WS_UNSUPPORTED_DATA)
                raise RuntimeError("Malformed JSON data received.") from exc
        assert self.encoding is None, f"Unsupported 'encoding' attribute {self.encoding}"
        return text if text is not None else data

    async def on_connect(self, websocket: WebSocket[RouteStateT]) -> None:
        """Called when the session starts; accepts the connection by default."""
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket[RouteStateT], data: Any) -> None:
        """Called with the decoded data of each received message; does nothing by default."""

    async def on_disconnect(self, websocket: WebSocket[RouteStateT], close_code: int) -> None:
        """Called once the session ends, with its close code; does nothing by default."""
