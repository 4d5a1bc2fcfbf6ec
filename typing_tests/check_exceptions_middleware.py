from __future__ import annotations

import inspect

from typing_extensions import assert_type

from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.exceptions import HTTPException, WebSocketException
from starlette.middleware.errors import CENTER_LINE, FRAME_TEMPLATE, JS, LINE, STYLES, TEMPLATE, ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, ExceptionHandler, Receive, Scope, Send
from starlette.websockets import WebSocket


class PaymentRequired(Exception):
    def __init__(self, amount: int) -> None:
        self.amount = amount


async def app(scope: Scope, receive: Receive, send: Send) -> None: ...


async def not_found(request: Request, exc: HTTPException) -> HTMLResponse:
    return HTMLResponse("<h1>Not found</h1>", status_code=exc.status_code)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def payment_required(request: Request, exc: PaymentRequired) -> Response:
    return PlainTextResponse(f"pay {exc.amount}", status_code=402)


async def generic(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(str(exc), status_code=500)


async def close_socket(websocket: WebSocket, exc: WebSocketException) -> None:
    await websocket.close(code=exc.code, reason=exc.reason)


def sync_generic(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("sync", status_code=500)


# ExceptionMiddleware ---------------------------------------------------------------------------

middleware = ExceptionMiddleware(app, handlers={Exception: generic}, debug=True)
assert_type(middleware.app, ASGIApp)
assert_type(middleware.debug, bool)
as_app: ASGIApp = middleware

# Handlers may take the exact exception class they are registered for.
middleware.add_exception_handler(404, not_found)
middleware.add_exception_handler(HTTPException, http_error)
middleware.add_exception_handler(PaymentRequired, payment_required)
middleware.add_exception_handler(WebSocketException, close_socket)
middleware.add_exception_handler(PaymentRequired, generic)
middleware.add_exception_handler(500, sync_generic)


# A mapping of handlers typed for their own exception class is accepted as is.
ExceptionMiddleware(app, handlers={404: not_found, PaymentRequired: payment_required, HTTPException: http_error})


# The upstream-style signature still works for handlers typed as `ExceptionHandler`.
def register(key: int | type[Exception], handler: ExceptionHandler) -> None:
    middleware.add_exception_handler(key, handler)


async def defaults(request: Request, websocket: WebSocket) -> None:
    assert_type(await middleware.http_exception(request, HTTPException(404)), Response)
    assert_type(await middleware.websocket_exception(websocket, WebSocketException(1008)), None)
    assert_type(await middleware(request.scope, request.receive, websocket.send), None)


# ServerErrorMiddleware -------------------------------------------------------------------------

errors = ServerErrorMiddleware(app, handler=generic, debug=False)
assert_type(errors.app, ASGIApp)
assert_type(errors.handler, ExceptionHandler | None)
assert_type(errors.debug, bool)
errors_app: ASGIApp = errors
ServerErrorMiddleware(app, handler=sync_generic)
ServerErrorMiddleware(app)


async def describe(request: Request, websocket: WebSocket, exc: Exception, frame: inspect.FrameInfo) -> None:
    assert_type(await errors(request.scope, request.receive, websocket.send), None)
    assert_type(errors.generate_html(exc), str)
    assert_type(errors.generate_html(exc, limit=3), str)
    assert_type(errors.generate_frame_html(frame, is_collapsed=True), str)
    assert_type(errors.format_line(0, "line", 10, 0), str)
    assert_type(errors.generate_plain_text(exc), str)
    assert_type(errors.debug_response(request, exc), Response)
    assert_type(errors.error_response(request, exc), Response)


for template in (STYLES, JS, TEMPLATE, FRAME_TEMPLATE, LINE, CENTER_LINE):
    assert_type(template, str)

# wrap_app_handling_exceptions ------------------------------------------------------------------


def wrap(request: Request, websocket: WebSocket) -> None:
    assert_type(wrap_app_handling_exceptions(app, request), ASGIApp)
    assert_type(wrap_app_handling_exceptions(app, websocket), ASGIApp)


# Negative cases --------------------------------------------------------------------------------

# A handler for one exception class cannot be registered for an unrelated one.
middleware.add_exception_handler(ValueError, payment_required)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
# Status-code handlers receive an HTTPException, not an arbitrary exception class.
middleware.add_exception_handler(402, payment_required)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
# Keys are status codes or exception classes.
middleware.add_exception_handler("404", not_found)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
# A handler must take the connection and the exception.
middleware.add_exception_handler(HTTPException, lambda: None)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]  # ty: ignore[no-matching-overload]
ExceptionMiddleware(app, debug="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
ServerErrorMiddleware(app, handler=42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
ServerErrorMiddleware(app, debug=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
ServerErrorMiddleware(app).generate_html("not an exception")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
wrap_app_handling_exceptions(app, "conn")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
