"""Serve a WSGI application from an ASGI server (deprecated: use a2wsgi).

`WSGIMiddleware(wsgi_app)` is an ASGI app that reads the whole request body,
calls the WSGI application in a worker thread, and streams what it returns
back to the client.
"""

from __future__ import annotations

import io
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Final

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from starlette._utils import create_collapsing_task_group
from starlette.exceptions import StarletteDeprecationWarning
from starlette.types import Message, Receive, Scope, Send

__all__ = ["WSGIMiddleware", "WSGIResponder", "build_environ"]

warnings.warn(
    "starlette.middleware.wsgi is deprecated and will be removed in a future release. "
    "Please refer to https://github.com/abersheeran/a2wsgi as a replacement.",
    StarletteDeprecationWarning,
    stacklevel=2,
)

# Response messages the WSGI thread may run ahead of the client by.
_BUFFERED_MESSAGES: Final[int] = 16


def build_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ for an ASGI HTTP request with the given (complete) body.

    Paths are passed as WSGI expects them: UTF-8 bytes decoded as latin-1.
    Repeated headers are joined with commas.
    """
    script_name: str = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info: str = scope["path"].encode("utf-8").decode("latin-1")
    # The root path is a prefix of whole segments: `/app` is not one of `/application`.
    if path_info == script_name or path_info.startswith(script_name.rstrip("/") + "/"):
        path_info = path_info[len(script_name) :]

    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope["query_string"].decode("ascii"),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stdout,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }

    # WSGI requires the server's name and port, which ASGI leaves optional.
    server = scope.get("server") or ("localhost", 80)
    environ["SERVER_NAME"] = server[0]
    environ["SERVER_PORT"] = server[1]

    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]

    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1")
        if name == "content-length":
            key = "CONTENT_LENGTH"
        elif name == "content-type":
            key = "CONTENT_TYPE"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if key in environ:
            value = f"{environ[key]},{value}"
        environ[key] = value
    return environ


class WSGIMiddleware:
    """An ASGI app serving HTTP requests with a WSGI application (deprecated: use a2wsgi).

    Args:
        app: The WSGI application: `app(environ, start_response) -> Iterable[bytes]`.
    """

    app: Callable[..., Any]
    """The WSGI application."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve an HTTP request with the WSGI application.

        Raises:
            AssertionError: For a connection that is not HTTP.
        """
        assert scope["type"] == "http", "WSGIMiddleware serves HTTP requests only."
        await WSGIResponder(self.app, scope)(receive, send)


class WSGIResponder:
    """Serves one request with a WSGI application running in a worker thread.

    Args:
        app: The WSGI application.
        scope: The ASGI scope of the request.
    """

    app: Callable[..., Any]
    """The WSGI application."""
    scope: Scope
    """The ASGI scope of the request."""
    status: str | None
    """The status line the application started the response with."""
    response_headers: list[tuple[str, str]] | None
    """The headers the application started the response with."""
    stream_send: MemoryObjectSendStream[Message]
    """Where the worker thread puts the response messages."""
    stream_receive: MemoryObjectReceiveStream[Message]
    """Where `sender` takes the response messages from."""
    response_started: bool
    """Whether the application has started the response."""
    exc_info: Any
    """The `exc_info` the application passed to `start_response`, re-raised after the response."""

    def __init__(self, app: Callable[..., Any], scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.status = None
        self.response_headers = None
        self.stream_send, self.stream_receive = anyio.create_memory_object_stream[Message](_BUFFERED_MESSAGES)
        self.response_started = False
        self.exc_info = None

    async def __call__(self, receive: Receive, send: Send) -> None:
        """Read the request body, run the application in a thread and send its response.

        Raises:
            BaseException: What the application raised, or the exception of the
                `exc_info` it passed to `start_response`.
        """
        chunks: list[bytes] = []
        more_body = True
        while more_body:
            message = await receive()
            chunks.append(message.get("body", b""))
            more_body = message.get("more_body", False)
        environ = build_environ(self.scope, b"".join(chunks))

        async with create_collapsing_task_group() as task_group:
            task_group.start_soon(self.sender, send)
            with self.stream_send:
                await anyio.to_thread.run_sync(self.wsgi, environ, self.start_response)
        if self.exc_info is not None:
            exc: BaseException = self.exc_info[1]
            raise exc.with_traceback(self.exc_info[2])

    async def sender(self, send: Send) -> None:
        """Send on the messages the worker thread produces, until it is done."""
        with self.stream_receive:
            async for message in self.stream_receive:
                await send(message)

    def start_response(self, status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        """The WSGI `start_response` callable (called in the worker thread).

        Args:
            status: The status line, such as `"200 OK"`.
            response_headers: The response headers as `(name, value)` strings.
            exc_info: The `sys.exc_info()` of an error being reported, if any.
        """
        self.exc_info = exc_info
        if self.response_started:
            return
        self.response_started = True
        self.status = status
        self.response_headers = response_headers
        status_code = int(status.split(" ", 1)[0])
        headers = [
            (name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
            for name, value in response_headers
        ]
        anyio.from_thread.run(
            self.stream_send.send, {"type": "http.response.start", "status": status_code, "headers": headers}
        )

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> None:
        """Run the WSGI application (in the worker thread) and queue its body chunks."""
        chunks: Iterable[bytes] = self.app(environ, start_response)
        try:
            for chunk in chunks:
                anyio.from_thread.run(
                    self.stream_send.send, {"type": "http.response.body", "body": chunk, "more_body": True}
                )
        finally:
            close: Callable[[], object] | None = getattr(chunks, "close", None)
            if close is not None:
                close()
        anyio.from_thread.run(self.stream_send.send, {"type": "http.response.body", "body": b""})
