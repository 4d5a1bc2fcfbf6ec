"""Write HTTP middleware as one coroutine over a request and a response.

`BaseHTTPMiddleware` calls `dispatch(request, call_next)`; `await
call_next(request)` runs the rest of the application and returns its response
as soon as the response has started, with the body still streaming from the
application. The application runs in its own task, so that its background
work does not delay the response and its body is not buffered.

How the request body is shared between `dispatch` and the application:

* if `dispatch` read the whole body (`await request.body()`), the application
  receives it again;
* if `dispatch` streamed the body to its end, the application receives an
  empty body;
* otherwise the application reads the rest of the body from the client, and
  `dispatch` sees what the application read as consumed.

Once the response has been sent, the application's `receive` reports a
disconnect and what it still sends is dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final, TypeAlias, TypeVar, Union

import anyio
import anyio.abc
import anyio.lowlevel

from starlette._utils import create_collapsing_task_group
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BaseHTTPMiddleware", "DispatchFunction", "RequestResponseEndpoint"]

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
"""The type of `call_next`: runs the rest of the application and returns its response."""

DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
"""The type of a `dispatch` function: `async def dispatch(request, call_next) -> Response`."""

# Names upstream's module exposes, kept for code that imports them.
T = TypeVar("T")
"""A plain type variable."""
BodyStreamGenerator: TypeAlias = AsyncGenerator[Union[bytes, MutableMapping[str, Any]], None]
"""A response body stream that may also yield ASGI messages: body chunks, or messages passed through."""
AsyncContentStream: TypeAlias = AsyncIterable[Union[str, bytes, memoryview, MutableMapping[str, Any]]]
"""An asynchronous body stream of text, bytes or ASGI messages."""

# Messages that make up the response `call_next` returns; anything else the
# application sends (early hints, push promises) goes straight to the client.
_RESPONSE_MESSAGE_TYPES: Final[frozenset[str]] = frozenset(
    {"http.response.debug", "http.response.start", "http.response.body", "http.response.pathsend"}
)


def _disconnect() -> Message:
    return {"type": "http.disconnect"}


def _running_on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _wait_ignoring_cancellation(task: asyncio.Task[None]) -> None:
    try:
        await asyncio.wait((task,))
    except asyncio.CancelledError:
        pass


class _Wakeup:
    """A one-shot wake-up call between the application's task and the middleware's.

    A bare future on asyncio (the common case, kept cheap); an anyio event elsewhere.
    """

    __slots__ = ("_event", "_future")

    def __init__(self, on_asyncio: bool) -> None:
        self._future: asyncio.Future[None] | None = asyncio.get_running_loop().create_future() if on_asyncio else None
        self._event: anyio.Event | None = None if on_asyncio else anyio.Event()

    def set(self) -> None:
        if self._future is not None:
            if not self._future.done():
                self._future.set_result(None)
        else:
            assert self._event is not None
            self._event.set()

    async def wait(self) -> None:
        if self._future is not None:
            await self._future
        else:
            assert self._event is not None
            await self._event.wait()


def _wake_all(waiters: list[_Wakeup]) -> None:
    for wakeup in waiters:
        wakeup.set()
    waiters.clear()


class _CachedRequest(Request):
    """The request `dispatch` sees, which also feeds the body to the application.

    It tracks how much of the body `dispatch` consumed, so that the
    application receives the right messages afterwards.
    """

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope, receive, send)
        self._app_body_complete = False
        self._app_disconnected = False

    def pending_app_message(self) -> Message | None:
        """The application's next message when it is already known, else `None` (read from the client)."""
        if self._app_disconnected:
            return _disconnect()
        if self._app_body_complete:
            if self._is_disconnected:
                self._app_disconnected = True
                return _disconnect()
            return None
        if hasattr(self, "_body"):
            self._app_body_complete = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        if self._stream_consumed:
            # `dispatch` streamed the body to its end without keeping it.
            self._app_body_complete = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return None

    def note_app_message(self, message: Message) -> Message:
        """Record a message read from the client for the application, and return it.

        Raises:
            RuntimeError: If the client sent something else than a disconnect
                after the end of the body.
        """
        message_type = message["type"]
        if message_type == "http.disconnect":
            self._is_disconnected = self._app_disconnected = True
        elif self._app_body_complete:
            raise RuntimeError(f"Unexpected message received: {message_type}")
        elif message_type == "http.request" and not message.get("more_body", False):
            self._stream_consumed = self._app_body_complete = True
        return message

    async def wrapped_receive(self) -> Message:
        """Receive as the application (or the response `dispatch` returns) should.

        Replays the body `dispatch` kept, and otherwise reads from the client.
        """
        message = self.pending_app_message()
        if message is not None:
            return message
        return self.note_app_message(await self.receive())


class _Downstream:
    """One run of the wrapped application, feeding the response `call_next` returns."""

    def __init__(self, app: ASGIApp, request: _CachedRequest, send: Send) -> None:
        self.app = app
        self.request = request
        self.client_send = send
        self.task_group: anyio.abc.TaskGroup | None = None
        self.task: asyncio.Task[None] | None = None
        self.messages: deque[Message] = deque()
        self.app_exc: Exception | None = None
        self.app_exc_raised = False
        self.started = False
        self.finished = False
        self.response_sent = False
        # Tasks waiting for a message to consume, for the queue to drain, and for the response to be sent.
        self._consumers: list[_Wakeup] = []
        self._producers: list[_Wakeup] = []
        self._finish_waiters: list[_Wakeup] = []
        self._receive_scopes: set[anyio.CancelScope] = set()

    # -- the application's side ------------------------------------------------------

    async def run_app(self) -> None:
        try:
            await self.app(self.request.scope, self.receive_for_app, self.send_for_app)
        except Exception as exc:
            self.app_exc = exc
        finally:
            self.finished = True
            self._wake_consumer()

    async def receive_for_app(self) -> Message:
        if self.response_sent:
            return _disconnect()
        message = self.request.pending_app_message()
        if message is not None:
            return message
        # Reading from the client may wait for a disconnect that never comes:
        # stop waiting once the response has been sent.
        with anyio.CancelScope() as scope:
            self._receive_scopes.add(scope)
            try:
                return self.request.note_app_message(await self.request.receive())
            finally:
                self._receive_scopes.discard(scope)
        return _disconnect()

    async def send_for_app(self, message: Message) -> None:
        if self.response_sent:
            # Dropped; still a checkpoint, so that an application sending in a
            # loop lets its other tasks (such as one watching for the disconnect) run.
            await anyio.lowlevel.checkpoint()
            return
        if message["type"] not in _RESPONSE_MESSAGE_TYPES:
            await self.client_send(message)
            return
        self.messages.append(message)
        self._wake_consumer()
        message_type = message["type"]
        if message_type == "http.response.pathsend" or (
            message_type == "http.response.body" and not message.get("more_body", False)
        ):
            # The end of the response: the application's background work starts once the
            # client has the whole response.
            while not self.response_sent:
                await self._sleep(self._finish_waiters)
        elif message_type == "http.response.body":
            # A chunk of a streamed body is handed over before the next one is produced, so
            # memory stays bounded, and an application whose response is discarded stops here
            # until the replacement has been sent. The start does not wait: a whole
            # non-streamed response is queued in one go.
            while self.messages and not self.response_sent:
                await self._sleep(self._producers)

    def _wake_consumer(self) -> None:
        _wake_all(self._consumers)

    async def _sleep(self, waiters: list[_Wakeup]) -> None:
        wakeup = _Wakeup(self.task_group is None)
        waiters.append(wakeup)
        await wakeup.wait()

    # -- the middleware's side ------------------------------------------------------

    def start(self) -> None:
        if self.task_group is not None:
            self.task_group.start_soon(self.run_app)
        else:
            self.task = asyncio.get_running_loop().create_task(self.run_app())

    async def next_message(self) -> Message:
        """The next message of the response.

        Raises:
            anyio.EndOfStream: Once the application is done and its messages consumed.
        """
        while not self.messages:
            if self.finished:
                raise anyio.EndOfStream
            await self._sleep(self._consumers)
        message = self.messages.popleft()
        if self._producers:
            _wake_all(self._producers)
        return message

    async def call_next(self, request: Request) -> Response:
        if self.started:
            raise AssertionError("call_next() can only be called once per request.")
        self.started = True
        self.start()
        info: Any = None
        try:
            message = await self.next_message()
            if message["type"] == "http.response.debug":
                info = message.get("info")
                message = await self.next_message()
        except anyio.EndOfStream:
            self.raise_app_exc()
            raise RuntimeError("No response returned.") from None
        if message["type"] != "http.response.start":
            raise AssertionError(f"Expected an 'http.response.start' message, got {message['type']!r}.")
        response = _StreamingResponse(_ResponseBody(self), status_code=message["status"], info=info)
        response.raw_headers = list(message.get("headers", ()))
        return response

    def raise_app_exc(self) -> None:
        """Raise what the application raised, if anything (once the application has ended)."""
        exc = self.app_exc
        if exc is not None:
            self.app_exc_raised = True
            # Keep the application's own chain: its context would otherwise become the `EndOfStream`.
            raise exc from exc.__cause__ or exc.__context__

    def close(self) -> None:
        """Stop feeding the response: the application's sends are dropped, its receive reports a disconnect."""
        self.response_sent = True
        self.messages.clear()
        for scope in self._receive_scopes:
            scope.cancel()
        _wake_all(self._producers)
        _wake_all(self._finish_waiters)

    async def wait_cancelled(self) -> None:
        """Cancel the application task (asyncio only) and wait until it has ended."""
        task = self.task
        if task is None:
            return
        task.cancel()
        # Keep waiting through further cancellations: the application must not outlive the request.
        while not task.done():
            await _wait_ignoring_cancellation(task)

    async def wait_finished(self) -> None:
        """Wait until the application task (asyncio only) has ended."""
        if self.task is not None:
            await self.task


class _ResponseBody(AsyncIterator[bytes]):
    """The body of the response `call_next` returns, as the application sends it."""

    def __init__(self, downstream: _Downstream) -> None:
        self._downstream = downstream
        self._done = False
        self.pathsend: Message | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def _next_body_message(self) -> Message | None:
        """The next `http.response.body` message, or `None` at the end of the body.

        Raises:
            Exception: What the application raised before it ended its body, so
                that the response is aborted rather than completed.
        """
        if self._done:
            return None
        try:
            message = await self._downstream.next_message()
        except anyio.EndOfStream:
            self._done = True
            self._downstream.raise_app_exc()
            return None
        message_type = message["type"]
        if message_type == "http.response.pathsend":
            self._done = True
            self.pathsend = message
            return None
        if message_type != "http.response.body":
            raise RuntimeError(f"Unexpected message: {message_type!r}")
        if not message.get("more_body", False):
            self._done = True
        return message

    async def __anext__(self) -> bytes:
        while True:
            message = await self._next_body_message()
            if message is None:
                raise StopAsyncIteration
            body: bytes = message.get("body", b"")
            if body:
                return body

    async def aclose(self) -> None:
        """Stop reading the body (like an async generator's `aclose()`)."""
        self._done = True


class _StreamingResponse(Response):
    """The response `call_next` returns: status and headers are known, the body streams.

    `body_iterator` yields the body chunks; it may be replaced or wrapped by
    `dispatch`. `background`, if set by `dispatch`, runs after the response.
    """

    body_iterator: AsyncIterator[bytes]
    info: Any

    def __init__(
        self,
        content: AsyncIterator[bytes],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        info: Any = None,
    ) -> None:
        self.info = info
        self.body_iterator = content
        self.status_code = status_code
        self.media_type = media_type
        self.background = None
        if headers is None and media_type is None:
            self.raw_headers = []
        else:
            self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response as the application produces it, then run `background`."""
        if self.info is not None:
            await send({"type": "http.response.debug", "info": self.info})
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        body = self.body_iterator
        async for chunk in body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if isinstance(body, _ResponseBody) and body.pathsend is not None:
            # The server sends the file itself: that ends the response.
            await send(body.pathsend)
        else:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()


class BaseHTTPMiddleware:
    """HTTP middleware written as `async def dispatch(request, call_next) -> Response`.

    Subclass it and override `dispatch`, or pass a `dispatch` function. Other
    connection types (websocket, lifespan) pass through untouched.

    Args:
        app: The ASGI app to wrap.
        dispatch: The dispatch function; defaults to the `dispatch` method.
    """

    app: ASGIApp
    """The wrapped application."""
    dispatch_func: DispatchFunction
    """The function called for every HTTP request."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection: HTTP requests go through `dispatch`.

        Raises:
            RuntimeError: If the application sent no response (`"No response returned."`).
            AssertionError: If `dispatch` calls `call_next` twice, or the application
                sends a body before the response start.
            Exception: What the application raised, once the response has been
                sent (unless `call_next` already raised it).
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        downstream = _Downstream(self.app, _CachedRequest(scope, receive, send), send)
        if _running_on_asyncio():
            try:
                await self._respond(downstream)
                await downstream.wait_finished()
            except BaseException:
                await downstream.wait_cancelled()
                raise
        else:
            async with create_collapsing_task_group() as task_group:
                downstream.task_group = task_group
                await self._respond(downstream)
        if downstream.app_exc is not None and not downstream.app_exc_raised:
            raise downstream.app_exc

    async def _respond(self, downstream: _Downstream) -> None:
        request = downstream.request
        try:
            response = await self.dispatch_func(request, downstream.call_next)
            await response(request.scope, request.wrapped_receive, downstream.client_send)
        finally:
            downstream.close()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Handle `request`: override this, calling `await call_next(request)` for the application's response.

        Raises:
            NotImplementedError: If neither overridden nor replaced by a `dispatch` function.
        """
        raise NotImplementedError()
