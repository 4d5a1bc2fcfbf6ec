"""A synchronous test client that calls an ASGI application in-process.

`TestClient` is an `httpx.Client` whose transport turns each request into an
ASGI `http` connection and runs the application on an anyio event loop in a
background thread (a blocking portal). `with TestClient(app):` also drives the
`lifespan` protocol, and `websocket_connect()` opens a `WebSocketTestSession`.

The `httpx2` fork is used when it is installed; plain `httpx` still works, but
importing the module then emits a `StarletteDeprecationWarning`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import inspect
import json
import math
import warnings
from collections.abc import Awaitable, Callable, Generator, Iterator, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, TypedDict
from urllib.parse import urljoin

import anyio
import anyio.abc
import anyio.from_thread
import anyio.lowlevel
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from anyio.streams.stapled import StapledObjectStream
from typing_extensions import Self, TypeIs

from starlette._utils import is_async_callable
from starlette.exceptions import StarletteDeprecationWarning
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

if TYPE_CHECKING:
    # Typed against `httpx2` when it is installed, as upstream, and against `httpx` otherwise (see `_httpx.pyi`).
    # Both are stubs without a module behind them (reportMissingModuleSource): nothing imports them at run time.
    from starlette import _httpx as httpx  # pyright: ignore[reportMissingModuleSource]
    from starlette._httpx_types import (  # pyright: ignore[reportMissingModuleSource]
        AuthTypes,
        CookieTypes,
        HeaderTypes,
        QueryParamTypes,
        RequestContent,
        RequestData,
        RequestExtensions,
        RequestFiles,
        TimeoutTypes,
        UseClientDefault,
    )
else:  # `httpx2` is the maintained fork with the same API; plain `httpx` still works, with a warning.
    try:
        import httpx2 as httpx
    except ModuleNotFoundError:
        try:
            import httpx
        except ModuleNotFoundError:
            raise RuntimeError(
                "The starlette.testclient module requires the httpx2 package to be installed.\n"
                "You can install this with:\n"
                "    $ pip install httpx2\n"
            ) from None
        warnings.warn(
            "Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead.",
            StarletteDeprecationWarning,
            stacklevel=2,
        )

__all__ = [
    "ASGI2App",
    "ASGI3App",
    "ASGIInstance",
    "TestClient",
    "WebSocketDenialResponse",
    "WebSocketTestSession",
]

ASGIInstance = Callable[[Receive, Send], Awaitable[None]]
"""What an ASGI 2 application returns for a scope: the coroutine function serving it."""
ASGI2App = Callable[[Scope], ASGIInstance]
"""An ASGI 2 application, `app(scope)(receive, send)`; the test client accepts these too."""
ASGI3App = ASGIApp
"""An ASGI 3 application, `app(scope, receive, send)`."""
_PortalFactory = Callable[[], contextlib.AbstractContextManager[BlockingPortal]]

# 2.3, not 2.4: the test client never makes `send` raise `OSError` for a client that went away.
_ASGI_VERSIONS: dict[str, str] = {"version": "3.0", "spec_version": "2.3"}
_DEFAULT_PORTS: dict[str, int] = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_SHUTDOWN_PASSES: int = 50
"""How many scheduling passes a websocket application gets to react to the disconnect on exit."""
_FINAL_LIFESPAN_MESSAGES: frozenset[str] = frozenset(
    {"lifespan.startup.failed", "lifespan.shutdown.complete", "lifespan.shutdown.failed"}
)


def _is_asgi3(app: ASGIApp | ASGI2App) -> TypeIs[ASGIApp]:
    """Tell an ASGI 3 app (`app(scope, receive, send)`) from an ASGI 2 one (`app(scope)(receive, send)`)."""
    if inspect.isclass(app):
        return hasattr(app, "__await__")
    return is_async_callable(app)


class _WrapASGI2:
    """Present an ASGI 2 application as an ASGI 3 one."""

    def __init__(self, app: ASGI2App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        instance = self.app(scope)
        await instance(receive, send)


class _AsyncBackend(TypedDict):
    """The arguments given to `anyio.from_thread.start_blocking_portal`."""

    backend: str
    backend_options: dict[str, Any]


class _Upgrade(Exception):
    """Raised by the transport to hand a websocket session back to `websocket_connect`."""

    def __init__(self, session: WebSocketTestSession) -> None:
        self.session = session


class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):
    """The HTTP response an application sent instead of accepting a websocket.

    Raised by `TestClient.websocket_connect()` when the application calls
    `WebSocket.send_denial_response()`; inspect it like any `httpx.Response`.
    """

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        """Restore the response attributes (overrides `BaseException.__setstate__`)."""
        httpx.Response.__setstate__(self, state or {})


def _expect(message: Message, message_type: str) -> None:
    # `AssertionError`, the type upstream's client raises for an out-of-order message.
    if message["type"] != message_type:
        raise AssertionError(f'Expected ASGI message "{message_type}", but got {message["type"]!r}')


class WebSocketTestSession:
    """A websocket session with an application, driven from synchronous test code.

    Created by `TestClient.websocket_connect()` and used as a context manager:
    entering sends `websocket.connect` and waits for the application to accept;
    leaving sends `websocket.disconnect` (unless `close()` was called), cancels
    the application if it is still running, and re-raises any exception the
    application raised.

    Args:
        app: The ASGI application.
        scope: The `websocket` connection scope.
        portal_factory: Provides the blocking portal the application runs on.
    """

    def __init__(self, app: ASGIApp, scope: Scope, portal_factory: _PortalFactory) -> None:
        self.app: ASGIApp = app
        self.scope: Scope = scope
        self.portal_factory: _PortalFactory = portal_factory
        self.accepted_subprotocol: str | None = None
        """The subprotocol the application chose when accepting, if any."""
        self.extra_headers: list[tuple[bytes, bytes]] | None = None
        """The extra headers the application sent when accepting, if any."""
        self._client_closed = False

    def __enter__(self) -> Self:
        """Connect to the application and wait until it accepts.

        Raises:
            WebSocketDisconnect: The application closed the connection instead of accepting.
            WebSocketDenialResponse: The application sent an HTTP response instead of accepting.
        """
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(self.portal_factory())
            self.portal: BlockingPortal = portal
            self._future: Future[None]
            self._future, self._cancel_scope = portal.start_task(self._run)
            stack.push(self._shut_down)
            self.send({"type": "websocket.connect"})
            self._wait_accepted()
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(self, *args: Any) -> bool | None:
        """Disconnect, stop the application and re-raise its exception, if any."""
        return self._exit_stack.__exit__(*args)

    async def _run(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        """Run the application until it returns or the session is shut down."""
        to_app: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
        to_app = anyio.create_memory_object_stream(math.inf)
        from_app: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
        from_app = anyio.create_memory_object_stream(math.inf)
        self._to_app, app_receive = to_app
        app_send, self._from_app = from_app
        self._app_done = anyio.Event()
        try:
            with anyio.CancelScope() as cancel_scope, app_receive, app_send:
                task_status.started(cancel_scope)
                await self.app(self.scope, app_receive.receive, app_send.send)
        finally:
            self._app_done.set()

    def _shut_down(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Stop the application; raise its exception unless it is the one already propagating."""
        self.portal.call(self._stop)
        error = self._future.exception()
        if error is not None and error is not exc:
            raise error

    async def _stop(self) -> None:
        if not self._client_closed:
            with contextlib.suppress(anyio.BrokenResourceError):
                self._to_app.send_nowait({"type": "websocket.disconnect", "code": 1000, "reason": None})
        # Give the application a bounded number of scheduling passes to handle the disconnect, then
        # cancel it: it may be waiting for something else forever (or for a message that never comes).
        for _ in range(_SHUTDOWN_PASSES):
            if self._app_done.is_set() or self._app_waits_for_nothing():
                break
            await anyio.lowlevel.checkpoint()
        self._cancel_scope.cancel()
        await self._app_done.wait()
        self._to_app.close()
        self._from_app.close()

    def _app_waits_for_nothing(self) -> bool:
        """Tell whether the application is blocked receiving while no message is queued for it."""
        statistics = self._to_app.statistics()
        return statistics.tasks_waiting_receive > 0 and statistics.current_buffer_used == 0

    def _raise_app_outcome(self) -> NoReturn:
        """The application has returned: raise its exception, or report the lost connection."""
        error = self._future.exception()
        if error is not None:
            raise error
        raise WebSocketDisconnect(1006, "The application returned without closing the connection.")

    def _wait_accepted(self) -> None:
        # As upstream's client: any first message other than a close or a denial response is taken
        # as the accept (and consumed), so an app that sends before accepting is not refused here.
        message = self.receive()
        self._raise_on_close(message)
        self.accepted_subprotocol = message.get("subprotocol")
        self.extra_headers = message.get("headers")
        # An application that fails right after accepting fails the connect, as with upstream's client.
        self.portal.call(self._settle)
        if self._future.done():
            error = self._future.exception()
            if error is not None:
                raise error

    async def _settle(self) -> None:
        """Let the application run until it waits for the client or returns (a bounded number of passes)."""
        for _ in range(_SHUTDOWN_PASSES):
            if self._future.done() or self._app_waits_for_nothing():
                return
            await anyio.lowlevel.checkpoint()

    def _raise_on_close(self, message: Message) -> None:
        """Raise `WebSocketDisconnect` for a close message, `WebSocketDenialResponse` for a denial response."""
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(code=message.get("code", 1000), reason=message.get("reason", ""))
        if message["type"] == "websocket.http.response.start":
            status_code: int = message["status"]
            headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
            body: list[bytes] = []
            more_body = True
            while more_body:
                chunk = self.receive()
                _expect(chunk, "websocket.http.response.body")
                body.append(chunk.get("body", b""))
                more_body = chunk.get("more_body", False)
            raise WebSocketDenialResponse(status_code=status_code, headers=headers, content=b"".join(body))

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the application.

        Messages sent after the application returned are dropped.

        Raises:
            Exception: Whatever the application raised, if it already failed.
        """
        if message["type"] == "websocket.disconnect":
            self._client_closed = True
        try:
            self.portal.call(self._to_app.send, message)
        except anyio.BrokenResourceError:
            pass
        else:
            return
        error = self._future.exception()
        if error is not None:
            raise error

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send `data` encoded as compact JSON, in a text frame for `"text"` (default), else a binary one."""
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client side."""
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    def receive(self) -> Message:
        """Wait for the next raw ASGI message from the application.

        Raises:
            WebSocketDisconnect: The application returned without closing the connection (code 1006).
            Exception: Whatever the application raised.
        """
        try:
            return self.portal.call(self._from_app.receive)
        except anyio.EndOfStream:
            pass
        self._raise_app_outcome()

    def _receive_data(self) -> Message:
        # Any other message is returned as it is: reading its missing "text" or "bytes" raises
        # `KeyError`, as upstream's client does.
        message = self.receive()
        self._raise_on_close(message)
        return message

    def receive_text(self) -> str:
        """Wait for the next text message (`None` if the application sent `"text": None`).

        Raises:
            WebSocketDisconnect: The application closed the connection.
            KeyError: The application sent a binary message.
        """
        text: str = self._receive_data()["text"]
        return text

    def receive_bytes(self) -> bytes:
        """Wait for the next binary message (`None` if the application sent `"bytes": None`).

        Raises:
            WebSocketDisconnect: The application closed the connection.
            KeyError: The application sent a text message.
        """
        data: bytes = self._receive_data()["bytes"]
        return data

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Wait for the next message, from a text frame for `"text"` (default), else a binary one; decode its JSON.

        Raises:
            WebSocketDisconnect: The application closed the connection.
            KeyError: The frame is not of the kind `mode` asks for.
            ValueError: The payload is not valid JSON.
        """
        message = self._receive_data()
        if mode == "text":
            return json.loads(message["text"])
        return json.loads(message["bytes"].decode("utf-8"))


class _BodyChunk(NamedTuple):
    """A body message on its way from the application to the client thread."""

    body: bytes
    more_body: bool


class _HTTPExchange:
    """One request/response cycle between an `httpx.Request` and the application.

    The application runs as a task on the blocking portal while the client thread pulls
    the response from it: the start message, then each body message one at a time, so a
    streamed response is available before its body and the application cannot run ahead
    of the reader (back-pressure). Trailers are collected as they are sent.
    """

    def __init__(self, request: httpx.Request, *, raise_server_exceptions: bool) -> None:
        stream = request.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise RuntimeError("The TestClient can only send synchronous request bodies.")
        self._request_chunks: Iterator[bytes] = iter(stream)
        self._next_chunk: bytes | None = None
        self._request_complete = False
        self._discard_body = request.method == "HEAD"
        self._raise_server_exceptions = raise_server_exceptions
        # Written by the application task.
        self._started = False
        self._trailers_declared = False
        self._body_complete = False
        self._trailers_complete = False
        self.trailers: list[tuple[bytes, bytes]] = []
        # Written by the client thread.
        self.status_code: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.extensions: dict[str, Any] = {}
        self.response: httpx.Response | None = None
        self._debug_info: dict[str, Any] | None = None
        self._client_body_complete = False
        self._error_reported = False
        self._closed = False

    # --- the application side (runs on the portal's event loop) ---

    async def _run(
        self,
        app: ASGIApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        task_status: anyio.abc.TaskStatus[anyio.CancelScope],
    ) -> None:
        to_client: tuple[MemoryObjectSendStream[Message | _BodyChunk], MemoryObjectReceiveStream[Message | _BodyChunk]]
        to_client = anyio.create_memory_object_stream(0)  # unbuffered: each send waits for the reader
        self._to_client, self._from_app = to_client
        self._response_complete = anyio.Event()
        self._trailers_or_done = anyio.Event()
        try:
            with anyio.CancelScope() as cancel_scope, self._to_client:
                task_status.started(cancel_scope)
                await app(scope, receive, send)
        finally:
            self._trailers_or_done.set()
            self._from_app.close()

    async def receive(self) -> Message:
        if self._request_complete:
            # Nothing more to read: the client "disconnects" once the response is complete.
            if not self._response_complete.is_set():
                await self._response_complete.wait()
            return {"type": "http.disconnect"}
        # Look one chunk ahead to know whether more body follows.
        chunk = self._next_chunk if self._next_chunk is not None else next(self._request_chunks, b"")
        self._next_chunk = next(self._request_chunks, None)
        self._request_complete = self._next_chunk is None
        return {"type": "http.request", "body": chunk, "more_body": not self._request_complete}

    async def send(self, message: Message) -> None:
        message_type = message["type"]
        if message_type == "http.response.start":
            if self._started:
                raise AssertionError('Received multiple "http.response.start" messages.')
            self._started = True
            self._trailers_declared = bool(message.get("trailers", False))
            await self._to_client.send(message)
        elif message_type == "http.response.body":
            if not self._started:
                raise AssertionError('Received "http.response.body" without "http.response.start".')
            if self._body_complete:
                # Trailers still to come: only the body is complete (upstream's two wordings).
                completed = "response" if self._response_complete.is_set() else "body"
                raise AssertionError(f'Received "http.response.body" after {completed} completed.')
            more_body = bool(message.get("more_body", False))
            self._body_complete = not more_body
            # Copied now: the application may reuse a mutable buffer for its next chunk.
            body = b"" if self._discard_body else bytes(message.get("body", b""))
            await self._to_client.send(_BodyChunk(body, more_body))
            if self._body_complete and not self._trailers_declared:
                self._response_complete.set()
        elif message_type == "http.response.trailers":
            self._receive_trailers(message)
        elif message_type == "http.response.debug":
            await self._to_client.send(message)

    def _receive_trailers(self, message: Message) -> None:
        if not self._trailers_declared:
            raise AssertionError('Received "http.response.trailers" without declaring trailers.')
        if not self._body_complete:
            raise AssertionError('Received "http.response.trailers" before body completed.')
        if self._trailers_complete:
            raise AssertionError('Received "http.response.trailers" after response completed.')
        self.trailers.extend((bytes(name), bytes(value)) for name, value in message.get("headers", ()))
        if not message.get("more_trailers", False):
            self._trailers_complete = True
            self._response_complete.set()
            self._trailers_or_done.set()

    async def _next_from_app(self) -> Message | _BodyChunk | None:
        try:
            return await self._from_app.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None  # the application returned (or failed)

    # --- the client side (runs in the thread that sent the request) ---

    def begin(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, portal_factory: _PortalFactory) -> None:
        """Start the application, handing it `receive` and `send`, and wait for the response start (or its end)."""
        with contextlib.ExitStack() as stack:
            self._portal = stack.enter_context(portal_factory())
            self._future: Future[None]
            self._future, self._cancel_scope = self._portal.start_task(self._run, app, scope, receive, send)
            stack.callback(self.close)
            while self.status_code is None:
                event = self._portal.call(self._next_from_app)
                if event is None:
                    return
                self._handle(event)
            self._exit_stack = stack.pop_all()

    def _handle(self, event: Message | _BodyChunk) -> None:
        if isinstance(event, _BodyChunk):  # pragma: no cover -- the start message always comes first
            return
        if event["type"] == "http.response.start":
            self.status_code = event["status"]
            self.headers = [(bytes(name), bytes(value)) for name, value in event.get("headers", ())]
            if self._trailers_declared:
                self.extensions["http.response.trailers"] = self.trailers
        else:
            info: dict[str, Any] = event["info"]
            self._debug_info = self.extensions["http.response.debug"] = info
            self._attach_debug_info()

    def attach(self, response: httpx.Response) -> None:
        """Record later extensions (debug info) in `response`, which holds a copy of those so far."""
        self.response = response
        self.extensions = response.extensions
        self._attach_debug_info()

    def _attach_debug_info(self) -> None:
        """Expose what `Jinja2Templates` reports as `response.template` and `response.context`."""
        if self.response is not None and self._debug_info is not None:
            for name in ("template", "context"):
                if name in self._debug_info:
                    setattr(self.response, name, self._debug_info[name])

    def iter_body(self) -> Iterator[bytes]:
        """Pull the body from the application chunk by chunk, then wait for the trailers, if declared."""
        while not self._client_body_complete:
            event = self._portal.call(self._next_from_app)
            if event is None:
                self._raise_app_error()
                return
            if isinstance(event, _BodyChunk):
                self._client_body_complete = not event.more_body
                if event.body:
                    yield event.body
            else:
                self._handle(event)
        if self._trailers_declared:
            self._portal.call(self._trailers_or_done.wait)

    def _raise_app_error(self) -> None:
        """Re-raise the application's exception once, if it failed and exceptions are to be raised."""
        concurrent.futures.wait([self._future])
        error = self._future.exception()
        if error is not None and self._raise_server_exceptions and not self._error_reported:
            self._error_reported = True
            raise error

    def close(self, *, cancel: bool = False) -> None:
        """Finish the exchange: wait for the application if the response was complete, else cancel it.

        Raises:
            Exception: Whatever the application raised, when exceptions are to be raised.
        """
        if self._closed:
            return
        self._closed = True
        complete = self._client_body_complete and (not self._trailers_declared or self._trailers_complete)
        try:
            if cancel or not complete:
                self._portal.call(self._cancel_scope.cancel)
            if not cancel:
                self._raise_app_error()
        finally:
            concurrent.futures.wait([self._future])
            exit_stack = getattr(self, "_exit_stack", None)
            if exit_stack is not None:
                exit_stack.close()


class _ResponseStream(httpx.SyncByteStream):
    """The body of a response, pulled from the application as it is read."""

    def __init__(self, exchange: _HTTPExchange, open_exchanges: set[_HTTPExchange]) -> None:
        self._exchange = exchange
        self._open_exchanges = open_exchanges

    def __iter__(self) -> Iterator[bytes]:
        """Yield the body chunks as the application sends them."""
        return self._exchange.iter_body()

    def close(self) -> None:
        """Wait for a completely read response's application to finish; cancel it otherwise."""
        self._open_exchanges.discard(self._exchange)
        self._exchange.close()


class _TestClientTransport(httpx.BaseTransport):
    """An httpx transport that serves requests by calling an ASGI application."""

    def __init__(
        self,
        app: ASGIApp,
        portal_factory: _PortalFactory,
        raise_server_exceptions: bool = True,
        root_path: str = "",
        *,
        client: tuple[str, int],
        app_state: dict[str, Any],
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.portal_factory = portal_factory
        self.app_state = app_state
        self.client = client
        self._open_exchanges: set[_HTTPExchange] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run the application for `request`; a `ws://` or `wss://` URL starts a websocket session instead."""
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.", request=request)
        headers = [(name.lower(), value) for name, value in request.headers.raw]
        if "host" not in request.headers:
            headers.insert(0, (b"host", url.netloc))
        websocket = scheme in ("ws", "wss")
        scope: Scope = {
            "type": "websocket" if websocket else "http",
            "asgi": _ASGI_VERSIONS.copy(),
            "http_version": "1.1",
            "path": url.path,
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "root_path": self.root_path,
            "scheme": scheme,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": [url.raw_host.decode("ascii"), _DEFAULT_PORTS[scheme] if url.port is None else url.port],
            "state": self.app_state.copy(),
        }
        if websocket:
            protocols = request.headers.get("sec-websocket-protocol")
            scope["subprotocols"] = [] if protocols is None else [value.strip() for value in protocols.split(",")]
            scope["extensions"] = {"websocket.http.response": {}}
            raise _Upgrade(WebSocketTestSession(self.app, scope, self.portal_factory))
        scope["method"] = request.method
        scope["extensions"] = {"http.response.debug": {}, "http.response.trailers": {}}
        exchange = _HTTPExchange(request, raise_server_exceptions=self.raise_server_exceptions)

        # The application is handed plain nested functions, named as upstream's are.
        async def receive() -> Message:
            return await exchange.receive()

        async def send(message: Message) -> None:
            await exchange.send(message)

        exchange.begin(self.app, scope, receive, send, self.portal_factory)
        return self._respond(request, exchange)

    def _respond(self, request: httpx.Request, exchange: _HTTPExchange) -> httpx.Response:
        if exchange.status_code is None:
            if self.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            return httpx.Response(500, headers=[], stream=httpx.ByteStream(b""), request=request)
        self._open_exchanges.add(exchange)
        response = httpx.Response(
            exchange.status_code,
            headers=exchange.headers,
            stream=_ResponseStream(exchange, self._open_exchanges),
            request=request,
            extensions=exchange.extensions,
        )
        exchange.attach(response)
        return response

    def close(self) -> None:
        """Cancel the applications of responses that were opened but never closed."""
        while self._open_exchanges:
            self._open_exchanges.pop().close(cancel=True)


class TestClient(httpx.Client):
    """An `httpx.Client` that sends its requests to an ASGI application in-process.

    Requests are plain blocking calls. Use it as a context manager
    (`with TestClient(app) as client:`) to also run the application's lifespan
    startup on entry and shutdown on exit.

    Responses are streamed from the application: `client.stream(...)` returns as
    soon as the response starts, and the application sends each body message
    only as it is read. Closing a response that was read to its end waits for the
    application to finish (background tasks included) and re-raises its error;
    closing it earlier, or closing the client, cancels the application. Response
    trailers are in `response.extensions["http.response.trailers"]`, and debug
    information in `response.extensions["http.response.debug"]`.

    Args:
        app: The ASGI application (ASGI 2 applications are wrapped automatically).
        base_url: The URL relative request URLs are resolved against.
        raise_server_exceptions: Re-raise exceptions from the application in the test;
            when false, a request whose application failed before responding gets a 500.
        root_path: The ASGI `root_path` given to the application.
        backend: The anyio backend the application runs on.
        backend_options: Options for the backend (see `anyio.run`).
        cookies: Cookies to send with every request.
        headers: Headers to send with every request (`user-agent` defaults to `testclient`).
        follow_redirects: Follow redirect responses by default.
        client: The `(host, port)` reported as the ASGI `client`.
    """

    __test__ = False
    task: Future[None]
    """Declared as upstream does (code may refer to it); never set."""
    portal: BlockingPortal | None = None
    """The blocking portal shared by all requests while the client is entered."""

    def __init__(
        self,
        app: ASGIApp | ASGI2App,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: CookieTypes | None = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.async_backend: _AsyncBackend = {"backend": backend, "backend_options": backend_options or {}}
        self.app: ASGIApp = app if _is_asgi3(app) else _WrapASGI2(app)
        self.app_state: dict[str, Any] = {}
        """The lifespan state: given as `scope["state"]` to the lifespan, copied into every request's scope."""
        self._asgi_transport = transport = _TestClientTransport(
            self.app,
            portal_factory=self._portal_factory,
            raise_server_exceptions=raise_server_exceptions,
            root_path=root_path,
            app_state=self.app_state,
            client=client,
        )
        default_headers = httpx.Headers(headers)
        default_headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=default_headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = httpx.USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = httpx.USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> httpx.Response:
        """Send a request to the application, like `httpx.Client.request`.

        Passing `timeout` is deprecated: the application runs in-process and is never timed out.
        """
        if timeout is not httpx.USE_CLIENT_DEFAULT:
            warnings.warn(
                "You should not use the 'timeout' argument with the TestClient. "
                "See https://github.com/Kludex/starlette/issues/1108 for more information.",
                StarletteDeprecationWarning,
                stacklevel=2,
            )
        return super().request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    @contextlib.contextmanager
    def _portal_factory(self) -> Generator[BlockingPortal, None, None]:
        """Yield the shared portal while entered, else a fresh one for a single exchange."""
        if self.portal is not None:
            yield self.portal
        else:
            with anyio.from_thread.start_blocking_portal(**self.async_backend) as portal:
                yield portal

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """Open a websocket session with the application; use the result in a `with` block.

        Args:
            url: The websocket URL, relative to `ws://testserver`; put query parameters in it.
            subprotocols: The subprotocols offered in `sec-websocket-protocol`.
            kwargs: Other arguments of `httpx.Client.request` (`headers`, `cookies`, `auth`...).
        """
        headers = httpx.Headers(kwargs.pop("headers", None))
        headers.setdefault("connection", "upgrade")
        headers.setdefault("sec-websocket-key", "testserver==")
        headers.setdefault("sec-websocket-version", "13")
        if subprotocols is not None:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        try:
            super().request("GET", urljoin("ws://testserver", url), headers=headers, **kwargs)
        except _Upgrade as upgrade:
            return upgrade.session
        raise RuntimeError(f"Expected a websocket upgrade for {url!r}: use a ws:// or wss:// URL.")

    def __enter__(self) -> Self:
        """Start the event loop shared by all requests and run the lifespan startup.

        Raises:
            Exception: Whatever the application raised during startup.
            RuntimeError: The application reported `lifespan.startup.failed` without raising.
        """
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(anyio.from_thread.start_blocking_portal(**self.async_backend))
            stack.callback(self._forget_portal)
            self._lifespan_error: Exception | None = None
            self._lifespan_answered = False
            to_app: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
            to_app = anyio.create_memory_object_stream(math.inf)
            from_app: tuple[MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]]
            from_app = anyio.create_memory_object_stream(math.inf)
            self._lifespan_to_app, self._lifespan_app_receive = to_app
            self._lifespan_app_send, self._lifespan_from_app = from_app
            _, self._lifespan_cancel_scope = portal.start_task(self._run_lifespan)
            stack.callback(portal.call, self._stop_lifespan)
            portal.call(self.wait_startup)
            stack.callback(portal.call, self.wait_shutdown)
            stack.callback(self._asgi_transport.close)  # first on exit: responses left open use the portal
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(self, *args: Any) -> None:  # ty: ignore[incompatible-method-override]  # ty-only: ty wants httpx's exact `__exit__` parameters; accepts the same calls
        """Run the lifespan shutdown and stop the event loop."""
        self._exit_stack.__exit__(*args)

    def _forget_portal(self) -> None:
        self.portal = None

    async def _run_lifespan(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        with anyio.CancelScope() as cancel_scope:
            task_status.started(cancel_scope)
            await self.lifespan()

    async def _stop_lifespan(self) -> None:
        """Cancel the application if it is still waiting for lifespan messages, and close our streams."""
        self._lifespan_cancel_scope.cancel()
        self._lifespan_to_app.close()
        self._lifespan_from_app.close()

    async def lifespan(self) -> None:
        """Run the application with the `lifespan` scope (started by `__enter__`)."""
        scope: Scope = {"type": "lifespan", "asgi": _ASGI_VERSIONS.copy(), "state": self.app_state}
        app_receive, app_send = self._lifespan_app_receive, self._lifespan_app_send
        # The application gets the stream's own methods, as upstream hands them.
        stream = StapledObjectStream(app_send, app_receive)
        with app_receive, app_send:
            try:
                await self.app(scope, stream.receive, stream.send)
            except Exception as error:
                # `receive()` after the last answer ends the stream (see `_lifespan_event`): the app is done.
                if not (self._lifespan_answered and isinstance(error, anyio.EndOfStream)):
                    self._lifespan_error = error

    async def _receive_lifespan(self) -> Message | None:
        """Return the application's next lifespan message, or `None` once it has returned."""
        try:
            return await self._lifespan_from_app.receive()
        except anyio.EndOfStream:
            pass
        if self._lifespan_error is not None:
            raise self._lifespan_error
        return None

    async def _lifespan_event(self, event: Literal["startup", "shutdown"]) -> None:
        with contextlib.suppress(anyio.BrokenResourceError):
            await self._lifespan_to_app.send({"type": f"lifespan.{event}"})
        message = await self._receive_lifespan()
        if message is None:
            # The application returned without answering: it does not support lifespan.
            return
        if message["type"] in _FINAL_LIFESPAN_MESSAGES:
            # Nothing more goes to the application: a further `receive()` ends the stream, as upstream's does.
            self._lifespan_answered = True
            self._lifespan_to_app.close()
        if message["type"] == f"lifespan.{event}.failed":
            await self._receive_lifespan()  # raises the application's exception, if it raised one
            if event == "startup":
                # Upstream's client carries on, then hangs on exit: this one stops here instead.
                raise RuntimeError(f"Lifespan startup failed: {message.get('message', '')}")
            return  # a failed shutdown that raised nothing passes, as with upstream's client
        _expect(message, f"lifespan.{event}.complete")

    async def wait_startup(self) -> None:
        """Send `lifespan.startup` and wait for the application to complete it.

        Raises:
            Exception: Whatever the application raised.
            RuntimeError: The application reported a failure without raising.
            AssertionError: The application answered with another message.
        """
        await self._lifespan_event("startup")

    async def wait_shutdown(self) -> None:
        """Send `lifespan.shutdown`, wait for the application to complete it and to return.

        Raises:
            Exception: Whatever the application raised.
            AssertionError: The application answered with another message.
            RuntimeError: The application sent a message after `lifespan.shutdown.complete`.
        """
        await self._lifespan_event("shutdown")
        message = await self._receive_lifespan()
        if message is not None:
            raise RuntimeError(f"Unexpected ASGI message {message['type']!r} after the lifespan shutdown.")
