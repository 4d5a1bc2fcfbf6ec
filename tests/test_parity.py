"""The routing shortcuts change nothing a caller can see.

The router skips the public `matches`/`handle` of the built-in routes, and
routes into mounted routers without calling them, while those methods are the
originals (`starlette._utils.is_original`); a nested exception-handling layer
hands down the enclosing layer's `sender` instead of wrapping it. Patching each
of those methods with a transparent wrapper, and hiding the `sender`'s code,
turns every shortcut off; the same corpus of requests is
then served both ways, and each request must send the same ASGI messages,
raise the same exception and leave the same scope behind.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from starlette import _exception_handler
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Host, Mount, Route, Router, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

# The methods whose originals the shortcuts stand in for.
GUARDED = [
    (Route, "matches"),
    (Route, "handle"),
    (WebSocketRoute, "matches"),
    (WebSocketRoute, "handle"),
    (Mount, "matches"),
    (Mount, "handle"),
    (Router, "__call__"),
]


class Teapot(Exception):
    pass


async def text(request: Request) -> Response:
    return PlainTextResponse(f"{request.method} {request.url.path} {request.path_params}")


async def html(request: Request) -> Response:
    return HTMLResponse("<p>hi</p>")


def sync_json(request: Request) -> Response:
    return JSONResponse({"params": {key: str(value) for key, value in request.path_params.items()}})


async def plain(request: Request) -> Response:
    return Response(b"raw", media_type="application/octet-stream", background=BackgroundTask(lambda: None))


async def streamed(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    return StreamingResponse(chunks())


async def redirect(request: Request) -> Response:
    return RedirectResponse("/text")


async def a_file(request: Request) -> Response:
    return FileResponse(__file__)


async def teapot(request: Request) -> Response:
    raise Teapot()


async def forbidden(request: Request) -> Response:
    raise HTTPException(403, detail="no")


async def crash(request: Request) -> Response:
    raise ValueError("before the response starts")


async def crash_mid_stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"started"
        raise ValueError("after the response starts")

    return StreamingResponse(chunks())


class Things(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("things")

    async def post(self, request: Request) -> Response:
        return PlainTextResponse("made", status_code=201)


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


async def refuse(websocket: WebSocket) -> None:
    await websocket.close(code=1008)


class Raw:
    """A plain ASGI app, routed and mounted."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(f"raw {scope.get('root_path')} {scope['path']}")(scope, receive, send)


class PassThrough(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["x-seen"] = "yes"
        return response


async def on_teapot(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("teapot", status_code=418)


def routes() -> list[Any]:
    inner = Router(
        [
            Route("/", text),
            Route("/users/{user_id:int}", sync_json),
            Route("/files/{rest:path}", text),
            WebSocketRoute("/ws", echo),
            Mount("/deeper", routes=[Route("/end", text), Route("/{slug}/", text)]),
        ]
    )
    return [
        Route("/", text),
        Route("/text", text, methods=["GET", "POST"]),
        Route("/html", html),
        Route("/json/{a}/{b:float}", sync_json),
        Route("/plain", plain),
        Route("/stream", streamed),
        Route("/redirect", redirect),
        Route("/file", a_file),
        Route("/teapot", teapot),
        Route("/forbidden", forbidden),
        Route("/crash", crash),
        Route("/crash-mid-stream", crash_mid_stream),
        Route("/things", Things),
        Route("/raw", Raw(), methods=["GET"]),
        Route("/slash/", text),
        Route("/items/{item_id:uuid}", text),
        WebSocketRoute("/ws", echo),
        WebSocketRoute("/ws/refuse", refuse),
        Mount("/inner", app=inner, name="inner"),
        Mount("/raw-mount", app=Raw()),
        Mount("/{tenant}/api", routes=[Route("/ping", text)]),
        Host("{sub}.example.org", app=Router([Route("/", text), Route("/host-only", html)])),
    ]


def applications() -> dict[str, ASGIApp]:
    handlers: dict[Any, Any] = {Teapot: on_teapot}
    return {
        "bare": Starlette(routes=routes(), exception_handlers=handlers),
        "middleware": Starlette(routes=routes(), exception_handlers=handlers, middleware=[Middleware(PassThrough)]),
        "router": Router(routes(), redirect_slashes=False),
    }


PATHS = [
    "/",
    "/text",
    "/html",
    "/json/x/1.5",
    "/json/x/nope",
    "/plain",
    "/stream",
    "/redirect",
    "/file",
    "/teapot",
    "/forbidden",
    "/crash",
    "/crash-mid-stream",
    "/things",
    "/raw",
    "/slash",
    "/slash/",
    "/text/",
    "/items/0d0f1c8e-8c8e-4a4e-9a4e-0d0f1c8e8c8e",
    "/items/not-a-uuid",
    "/missing",
    "/inner",
    "/inner/",
    "/inner/users/7",
    "/inner/users/x",
    "/inner/files/a/b/c.txt",
    "/inner/deeper/end",
    "/inner/deeper/end/",
    "/inner/deeper/slug",
    "/raw-mount/anything",
    "/acme/api/ping",
    "/text\n",
]
METHODS = ["GET", "POST", "DELETE"]
HOSTS = ["testserver", "www.example.org"]


def http_scope(path: str, method: str, host: str) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"q=1",
        "headers": [(b"host", host.encode())],
    }


def websocket_scope(path: str) -> Scope:
    scope = http_scope(path, "GET", "testserver")
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    del scope["method"], scope["http_version"]
    return scope


Outcome = tuple[list[Message], str | None, dict[str, object]]


async def serve(app: ASGIApp, scope: Scope, incoming: list[Message]) -> Outcome:
    """Serve one connection; what was sent, what was raised, and the scope left behind."""
    pending = list(incoming)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    raised: str | None = None
    try:
        await app(scope, receive, send)
    except Exception as exc:
        raised = repr(exc)
    return sent, raised, comparable(scope)


def comparable(scope: Scope) -> dict[str, object]:
    # Objects compare by identity (routes, endpoints, apps) except the plain values.
    return {
        key: value if isinstance(value, (str, bytes, int, float, tuple, list, dict)) else id(value)
        for key, value in scope.items()
    }


def corpus() -> Iterator[tuple[str, Scope, list[Message]]]:
    body: list[Message] = [{"type": "http.request", "body": b"x=1", "more_body": False}]
    for name, path, method, host in itertools.product(["bare", "middleware", "router"], PATHS, METHODS, HOSTS):
        yield name, http_scope(path, method, host), body
    socket: list[Message] = [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "ping"}]
    for name, path in itertools.product(["bare", "middleware", "router"], ["/ws", "/ws/refuse", "/inner/ws", "/nows"]):
        yield name, websocket_scope(path), socket


@contextmanager
def shortcuts_off(calls: set[str]) -> Generator[None]:
    originals = [(owner, name, getattr(owner, name)) for owner, name in GUARDED]
    # A nested exception-handling layer recognises the enclosing layer's `sender` by its code:
    # with another code to look for, every layer wraps `send` in a `sender` of its own.
    sender_code = getattr(_exception_handler, "_SENDER_CODE")  # noqa: B009  # private: the switch
    try:
        for owner, name, original in originals:
            setattr(owner, name, transparent(original, f"{owner.__name__}.{name}", calls))
        setattr(_exception_handler, "_SENDER_CODE", transparent.__code__)  # noqa: B010
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        setattr(_exception_handler, "_SENDER_CODE", sender_code)  # noqa: B010


def transparent(original: Callable[..., Any], name: str, calls: set[str]) -> Callable[..., Any]:
    def patched(*args: Any, **kwargs: Any) -> Any:
        calls.add(name)
        return original(*args, **kwargs)

    return patched


@pytest.mark.anyio
async def test_shortcuts_on_and_off_give_the_same_messages_and_scopes() -> None:
    apps = applications()
    compared = 0
    calls: set[str] = set()
    for name, scope, incoming in corpus():
        fast = await serve(apps[name], dict(scope), incoming)
        with shortcuts_off(calls):
            slow = await serve(apps[name], dict(scope), incoming)
        assert fast == slow, (name, scope["type"], scope.get("method"), scope["path"], scope["headers"])
        compared += 1
    assert compared == sum(1 for _ in corpus()) == 588
    assert calls == {f"{owner.__name__}.{name}" for owner, name in GUARDED}  # every plain path was taken
