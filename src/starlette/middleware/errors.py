"""The outermost middleware: a 500 response for unhandled errors, then re-raise."""

from __future__ import annotations

import html
import inspect
import traceback
from collections.abc import Awaitable

import anyio.to_thread

from starlette._exception_handler import call_handler
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

__all__ = ["CENTER_LINE", "FRAME_TEMPLATE", "JS", "LINE", "STYLES", "TEMPLATE", "ServerErrorMiddleware"]

STYLES: str = """
body {
    margin: 0;
    padding: 1.5rem 2rem;
    font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
    color: #1f2328;
    background: #f6f8fa;
}
h1 {
    margin: 0 0 0.25rem;
    font-size: 1.5rem;
    color: #9a1c1c;
}
.error {
    margin: 0 0 1.5rem;
    font-family: ui-monospace, Menlo, Consolas, monospace;
    white-space: pre-wrap;
    word-break: break-word;
}
.frame {
    margin: 0 0 0.75rem;
    border: 1px solid #d0d7de;
    border-radius: 6px;
    background: #ffffff;
}
.frame > summary {
    padding: 0.5rem 0.75rem;
    cursor: pointer;
    background: #eaeef2;
    border-radius: 6px 6px 0 0;
}
.frame-file {
    font-weight: 600;
}
.frame-function {
    font-family: ui-monospace, Menlo, Consolas, monospace;
}
.source {
    margin: 0;
    padding: 0.5rem 0;
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 0.875rem;
}
.source-line {
    margin: 0;
    padding: 0 0.75rem;
    white-space: pre;
}
.source-line.current {
    background: #ffebe9;
    font-weight: 600;
}
.lineno {
    display: inline-block;
    min-width: 3.5rem;
    color: #6e7781;
    user-select: none;
}
.full-traceback pre {
    padding: 0.75rem;
    overflow-x: auto;
    background: #ffffff;
    border: 1px solid #d0d7de;
    border-radius: 6px;
}
"""
"""The stylesheet of the debug page."""

JS: str = """
<script type="text/javascript">
    function setAllFrames(open) {
        document.querySelectorAll("details.frame").forEach(function (frame) {
            frame.open = open;
        });
    }
</script>
"""
"""The script of the debug page: expands or collapses every frame at once."""

TEMPLATE: str = """<!DOCTYPE html>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Starlette Debugger</title>
        <style type="text/css">{styles}</style>
        {js}
    </head>
    <body>
        <h1>500 Server Error</h1>
        <p class="error">{error}</p>
        <p>
            <button type="button" onclick="setAllFrames(true)">Expand all</button>
            <button type="button" onclick="setAllFrames(false)">Collapse all</button>
        </p>
        <h2>Traceback (innermost frame first)</h2>
        {exc_html}
        <details class="full-traceback">
            <summary>Full traceback</summary>
            <pre>{full_traceback}</pre>
        </details>
    </body>
</html>
"""
"""The debug page; fields: `styles`, `js`, `error`, `exc_html`, `full_traceback`."""

FRAME_TEMPLATE: str = """
<details class="frame" {collapsed}>
    <summary>File <span class="frame-file">{frame_filename}</span>, line <i>{frame_lineno}</i>,
    in <span class="frame-function">{frame_name}</span></summary>
    <div class="source">{code_context}</div>
</details>
"""
"""One traceback frame; fields: `frame_filename`, `frame_lineno`, `frame_name`, `collapsed`, `code_context`."""

LINE: str = """
<p class="source-line"><span class="lineno">{lineno}.</span>{line}</p>
"""
"""One source line of a frame; fields: `lineno`, `line`."""

CENTER_LINE: str = """
<p class="source-line current"><span class="lineno">{lineno}.</span>{line}</p>
"""
"""The source line a frame was executing; fields: `lineno`, `line`."""

_ERROR_STATUS = 500


class ServerErrorMiddleware:
    """Send a 500 response when the app raises, then re-raise for the server to log.

    Put it outermost, so errors raised anywhere in the stack are answered.
    The response is a debug traceback page when `debug` is true, else the
    response returned by `handler`, else a plain `Internal Server Error`.
    `handler` is also called (and its response discarded) when the response had
    already started, so it can log the error. Non-HTTP connections pass through.

    Args:
        app: The application to wrap.
        handler: Called with the request and the exception; sync handlers run in the threadpool.
        debug: Send a traceback instead of the handler's response.
    """

    app: ASGIApp
    handler: ExceptionHandler | None
    debug: bool

    def __init__(self, app: ASGIApp, handler: ExceptionHandler | None = None, debug: bool = False) -> None:
        self.app = app
        self.handler = handler
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on an exception send a 500 response if none started, then re-raise."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        response_started = False

        def _send(message: Message) -> Awaitable[None]:
            # Hands back `send`'s awaitable: no coroutine of its own per message.
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            return send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception as exc:
            await self._respond_to_error(exc, scope, receive, send, response_started)
            # Always re-raise: the server logs the error and test clients may surface it.
            raise

    async def _respond_to_error(
        self, exc: Exception, scope: Scope, receive: Receive, send: Send, response_started: bool
    ) -> None:
        """Send the 500 response for `exc` (the handler still runs when a response has started)."""
        response = await self._error_response(Request(scope), exc, response_started)
        if response is not None:
            await response(scope, receive, send)

    async def _error_response(self, request: Request, exc: Exception, response_started: bool) -> Response | None:
        """Pick the response to send for `exc`, or `None` when one already started."""
        if self.debug:
            if response_started:
                return None
            # Rendering reads the source files of the traceback: keep that off the event loop.
            return await anyio.to_thread.run_sync(self.debug_response, request, exc)
        if self.handler is not None:
            response = await call_handler(self.handler, request, exc)
            if response_started:
                return None
            if response is not None:
                return response
        if response_started:
            return None
        return self.error_response(request, exc)

    def format_line(self, index: int, line: str, frame_lineno: int, frame_index: int) -> str:
        """Render one source line of a frame as HTML.

        Args:
            index: Position of `line` within the frame's source context.
            line: The source text (escaped here).
            frame_lineno: The line number the frame was executing.
            frame_index: Position of that line within the source context.
        """
        values = {
            "lineno": frame_lineno - frame_index + index,
            "line": html.escape(line.rstrip("\r\n")),
        }
        template = CENTER_LINE if index == frame_index else LINE
        return template.format(**values)

    def generate_frame_html(self, frame: inspect.FrameInfo, is_collapsed: bool) -> str:
        """Render one traceback frame (its location and source lines) as HTML."""
        frame_index = frame.index if frame.index is not None else -1
        code_context = "".join(
            self.format_line(index, line, frame.lineno, frame_index)
            for index, line in enumerate(frame.code_context or ())
        )
        return FRAME_TEMPLATE.format(
            frame_filename=html.escape(frame.filename),
            frame_lineno=frame.lineno,
            frame_name=html.escape(frame.function),
            collapsed="" if is_collapsed else "open",
            code_context=code_context,
        )

    def generate_html(self, exc: Exception, limit: int = 7) -> str:
        """Render the debug page for `exc`.

        Args:
            exc: The exception to describe.
            limit: How many source lines to show around each frame's current line.
        """
        frames_html: list[str] = []
        if exc.__traceback__ is not None:
            frames = inspect.getinnerframes(exc.__traceback__, limit)
            # Innermost frame first, and only that one expanded.
            frames_html.extend(
                self.generate_frame_html(frame, is_collapsed=position > 0)
                for position, frame in enumerate(reversed(frames))
            )
        error = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
        return TEMPLATE.format(
            styles=STYLES,
            js=JS,
            error=html.escape(error),
            exc_html="".join(frames_html),
            full_traceback=html.escape(self.generate_plain_text(exc)),
        )

    def generate_plain_text(self, exc: Exception) -> str:
        """Return the full formatted traceback of `exc`, chained and grouped exceptions included."""
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def debug_response(self, request: Request, exc: Exception) -> Response:
        """Return a 500 traceback response: HTML when the client accepts it, else plain text."""
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(self.generate_html(exc), status_code=_ERROR_STATUS)
        return PlainTextResponse(self.generate_plain_text(exc), status_code=_ERROR_STATUS)

    def error_response(self, request: Request, exc: Exception) -> Response:
        """Return the default 500 response: plain-text `Internal Server Error`."""
        return PlainTextResponse("Internal Server Error", status_code=_ERROR_STATUS)
