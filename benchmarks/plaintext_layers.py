"""What the layering of a plain-text request costs, with no framework logic at all.

`asgi_bench.py`'s `plaintext` scenario serves `Starlette(routes=[Route(...)])`.
Upstream's request passes through methods that instrumentation patches on their
classes, and a patched one must still run, so each stays a call of its own:
`Starlette.__call__`, `ServerErrorMiddleware.__call__` (a `try` and a `send`
that notes the response start), `ExceptionMiddleware.__call__` (the same), the
router's `__call__`, the route's app (the same again, around the endpoint), the
endpoint and `Response.__call__`. This file serves the same request, with the
same canned server (`asgi_driver.py`), through a skeleton of those layers that
does nothing else: a dictionary lookup for routing, one "still the original?"
question for `Route.handle`, and a response object whose headers are prebuilt.
It then times, alone, the pieces of real work the skeleton leaves out.

    python benchmarks/plaintext_layers.py [--batches 300]

Run it with ours and with upstream's interpreter (`/tmp/starlette-upstream-venv`):
the skeleton costs the same under both, and the difference between a real
`Starlette` and the skeleton is what the framework's own work costs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from asgi_driver import ASGIApp, HTTPExchange, Message, Receive, Scope, Send, http_scope, new_scope

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

HELLO = "Hello, world!"


def still_original(owner: object, name: str, original: object) -> bool:
    """Whether `owner.<name>` is `original`: the question `starlette._utils.is_original` asks, at the same cost."""
    return getattr(owner, name, None) is original


class BareResponse:
    """A response with prebuilt headers: sending it is all it does."""

    def __init__(self, body: bytes) -> None:
        """Keep the body; the headers are fixed."""
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", b"13"), (b"content-type", b"text/plain; charset=utf-8")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the start and the body."""
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})


class BareConnection:
    """What the endpoint is given: the scope and the server's callables, nothing parsed."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Keep the three."""
        self.scope = scope
        self.receive = receive
        self.send = send


async def bare_endpoint(connection: BareConnection) -> BareResponse:
    """The endpoint: a fixed body."""
    return BareResponse(HELLO.encode())


def noting_send(send: Send) -> Callable[[Message], Awaitable[None]]:
    """A `send` that notes the response start, handing back `send`'s awaitable (as ours does)."""
    started = False

    def sender(message: Message) -> Awaitable[None]:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        return send(message)

    return sender


async def route_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The route's app: the connection, a `try` around the endpoint and its response, a noting `send`."""
    connection = BareConnection(scope, receive, send)
    sender = noting_send(send)
    try:
        response = await bare_endpoint(connection)
        await response(scope, receive, sender)
    except Exception:
        raise


class BareRoute:
    """A route whose `handle` calls its app."""

    def __init__(self, app: ASGIApp) -> None:
        """Keep the app."""
        self.app = app

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app."""
        await self.app(scope, receive, send)


ORIGINAL_HANDLE = BareRoute.handle


class BareRouter:
    """Routing by one dictionary lookup; `handle` skipped while it is the original (one question)."""

    def __init__(self, routes: dict[str, BareRoute]) -> None:
        """Keep the routes by path."""
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Find the route and call its app."""
        route = self.routes[scope["path"]]
        scope["route"] = route
        if still_original(type(route), "handle", ORIGINAL_HANDLE):
            await route.app(scope, receive, send)
        else:
            await route.handle(scope, receive, send)


class NotingLayer:
    """A layer with a `try` around the app below, handing it a noting `send` (the two middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        """Keep the app below."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app below."""
        try:
            await self.app(scope, receive, noting_send(send))
        except Exception:
            raise


class BareApplication:
    """Sets `scope["app"]` and calls the stack."""

    def __init__(self, stack: ASGIApp) -> None:
        """Keep the stack."""
        self.stack = stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a connection."""
        scope["app"] = self
        await self.stack(scope, receive, send)


async def plaintext(request: Request) -> Response:
    """The `plaintext` scenario's endpoint."""
    return PlainTextResponse(HELLO)


async def per_request(app: ASGIApp, batches: int) -> float:
    """The best microseconds per request over `batches` batches of 200."""
    template = http_scope("GET", "/plaintext")
    best = float("inf")
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(200):
            exchange = HTTPExchange()
            await app(new_scope(template), exchange.receive, exchange.send)
        best = min(best, (time.perf_counter() - start) / 200 * 1e6)
    return best


def per_call(work: Callable[[], object], calls: int = 100_000, repeat: int = 7) -> float:
    """The best microseconds per call of `work`, less the cost of calling an empty function."""

    def timed(function: Callable[[], object]) -> float:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(calls):
                function()
            best = min(best, (time.perf_counter() - start) / calls * 1e6)
        return best

    return timed(work) - timed(lambda: None)


async def main(argv: Sequence[str] | None = None) -> int:
    """Time the skeleton, the real application and the pieces of real work; print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=300, help="timed batches of 200 requests (the best is kept)")
    args = parser.parse_args(argv)

    skeleton = BareApplication(NotingLayer(NotingLayer(BareRouter({"/plaintext": BareRoute(route_app)}))))
    route = Route("/plaintext", plaintext)
    real = Starlette(routes=[route])
    scope: dict[str, Any] = http_scope("GET", "/plaintext")

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        return None

    rows = {
        "skeleton (layers only)": await per_request(skeleton, args.batches),
        "Starlette + Route": await per_request(real, args.batches),
        "  PlainTextResponse(...)": per_call(lambda: PlainTextResponse(HELLO)),
        "  Request(scope, receive, send)": per_call(lambda: Request(scope, receive, send)),
        "  route.matches(scope)": per_call(lambda: route.matches(scope)),
    }
    print(f"starlette from {sys.modules['starlette'].__file__}")
    for name, microseconds in rows.items():
        print(f"{name:34} {microseconds:6.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
