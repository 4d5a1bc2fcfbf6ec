"""In-process ASGI benchmark: microseconds per request, no server and no sockets.

Every scenario builds its application with Starlette's public API only, so this
file runs unchanged against upstream Starlette and against this package: run it
with the interpreter whose `starlette` you want to measure. Each request is an
`await app(scope, receive, send)` with a prebuilt scope and canned callables
(see `asgi_driver.py`); a scenario is timed in batches, and the best of several
batches is reported.

    python benchmarks/asgi_bench.py                # table
    python benchmarks/asgi_bench.py --json         # machine-readable
    python benchmarks/asgi_bench.py --only plaintext,websocket --repeat 3
    python benchmarks/asgi_bench.py --only plaintext --profile /tmp/prof   # cProfile, top functions
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import gc
import gzip
import json
import platform
import pstats
import random
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from asgi_driver import ASGIApp, Exchange, HTTPExchange, WebSocketExchange, http_scope, new_scope, websocket_scope

import starlette
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

# The most ours/upstream time ratio each scenario may take (see scripts/bench --check); None: no target.
TARGETS: dict[str, float | None] = {
    "bare_asgi": None,
    "plaintext": 0.5,
    "json_path_param": 0.5,
    "route_100": 0.2,
    "nested_mounts": 0.5,
    "middleware_stack": 0.5,
    "base_http_middleware": 0.33,
    "post_json": 0.6,
    "form_urlencoded": 0.5,
    "multipart": 0.7,
    "headers_cookies_query": 0.5,
    "gzip_64k": 0.9,
    "streaming": 0.5,
    "websocket": 0.5,
    "post_json_floor": None,
    "gzip_64k_floor": None,
}

# Scenarios whose work is mostly not the framework's: each has a "floor", a raw ASGI app doing only
# the unavoidable part (parsing and serializing the JSON, compressing the body) with no framework at
# all. floor / upstream is the best ratio any implementation could reach (see compare.py).
FLOORS: dict[str, str] = {"post_json": "post_json_floor", "gzip_64k": "gzip_64k_floor"}

HELLO = "Hello, world!"
Check = Callable[[Exchange], None]


def http_exchange(chunks: Sequence[bytes] = (b"",)) -> Callable[[bool], Exchange]:
    """A factory of exchanges that deliver `chunks` as the request body (keeping the response body if asked)."""

    def make(keep_body: bool) -> Exchange:
        return HTTPExchange(chunks, keep_body=keep_body)

    return make


@dataclass(frozen=True)
class Scenario:
    """One benchmark: an app, the request it gets, and a check that the response is the intended one."""

    name: str
    description: str
    app: ASGIApp
    exchange: Callable[[bool], Exchange]
    scope: dict[str, Any]
    check: Check


class BenchmarkError(Exception):
    """A scenario did not produce the response it is meant to measure."""


def expect(condition: bool, what: str) -> None:
    """Raise `BenchmarkError(what)` unless `condition` holds."""
    if not condition:
        raise BenchmarkError(what)


def http_ok(body: bytes | None = None, **headers: bytes | None) -> Check:
    """Check for a 200 response, with exactly `body` if given and the given header values (None: absent)."""

    def check(exchange: Exchange) -> None:
        expect(isinstance(exchange, HTTPExchange), "not an HTTP exchange")
        assert isinstance(exchange, HTTPExchange)
        expect(exchange.complete, "response not complete")
        expect(exchange.status == 200, f"status {exchange.status}, expected 200")
        if body is not None:
            got = b"".join(exchange.body)
            expect(got == body, f"body {got[:80]!r}, expected {body[:80]!r}")
        for name, value in headers.items():
            got_value = exchange.header(name.replace("_", "-").encode())
            expect(got_value == value, f"header {name}: {got_value!r}, expected {value!r}")

    return check


def plaintext_app(routes: Sequence[BaseRoute], middleware: Sequence[Middleware] = ()) -> Starlette:
    """A Starlette app with the given routes and middleware."""
    return Starlette(routes=routes, middleware=middleware)


async def plaintext(request: Request) -> Response:
    """The smallest real endpoint: a fixed text body."""
    return PlainTextResponse(HELLO)


async def item(request: Request) -> Response:
    """A JSON body built from an `{id:int}` path parameter."""
    return JSONResponse({"id": request.path_params["id"], "name": "widget"})


def bare_asgi() -> Scenario:
    """The floor: a raw ASGI callable that answers with a fixed body."""
    body = HELLO.encode()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")],
    }

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return Scenario(
        "bare_asgi",
        "raw ASGI callable, no Starlette (driver overhead)",
        app,
        http_exchange(),
        http_scope("GET", "/"),
        http_ok(body),
    )


def plaintext_route() -> Scenario:
    """One `Route` returning plain text."""
    app = plaintext_app([Route("/plaintext", plaintext)])
    return Scenario(
        "plaintext",
        "Route -> PlainTextResponse",
        app,
        http_exchange(),
        http_scope("GET", "/plaintext"),
        http_ok(HELLO.encode()),
    )


def json_path_param() -> Scenario:
    """A JSON response built from an `{id:int}` path parameter."""
    app = plaintext_app([Route("/items/{id:int}", item)])
    return Scenario(
        "json_path_param",
        "Route /items/{id:int} -> JSONResponse",
        app,
        http_exchange(),
        http_scope("GET", "/items/42"),
        http_ok(b'{"id":42,"name":"widget"}'),
    )


def route_100() -> Scenario:
    """The JSON route as the last of 100 parameterised routes."""
    routes: list[BaseRoute] = [Route(f"/resource{i}/{{id:int}}", item) for i in range(99)]
    routes.append(Route("/items/{id:int}", item))
    return Scenario(
        "route_100",
        "same JSON route, last of 100 parameterised routes",
        plaintext_app(routes),
        http_exchange(),
        http_scope("GET", "/items/42"),
        http_ok(b'{"id":42,"name":"widget"}'),
    )


def nested_mounts() -> Scenario:
    """A plain-text route behind three nested `Mount`s."""
    inner = Mount("/c", routes=[Route("/plaintext", plaintext)])
    app = plaintext_app([Mount("/a", routes=[Mount("/b", routes=[inner])])])
    return Scenario(
        "nested_mounts",
        "Mount /a -> Mount /b -> Mount /c -> Route",
        app,
        http_exchange(),
        http_scope("GET", "/a/b/c/plaintext"),
        http_ok(HELLO.encode()),
    )


def middleware_stack() -> Scenario:
    """TrustedHost + CORS (simple request) + GZip (response below the minimum size)."""
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"]),
        Middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_methods=["GET", "POST"]),
        Middleware(GZipMiddleware, minimum_size=500),
    ]
    headers = [("origin", "https://app.example.com"), ("accept-encoding", "gzip, deflate, br")]
    return Scenario(
        "middleware_stack",
        "TrustedHost + CORS + GZip (small body) around plaintext",
        plaintext_app([Route("/plaintext", plaintext)], middleware),
        http_exchange(),
        http_scope("GET", "/plaintext", headers=headers),
        http_ok(HELLO.encode(), access_control_allow_origin=b"https://app.example.com", content_encoding=None),
    )


class PassThrough(BaseHTTPMiddleware):
    """A `BaseHTTPMiddleware` that only calls the next app."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Hand the request on unchanged."""
        return await call_next(request)


def base_http_middleware() -> Scenario:
    """One pass-through `BaseHTTPMiddleware` around plaintext."""
    return Scenario(
        "base_http_middleware",
        "pass-through BaseHTTPMiddleware around plaintext",
        plaintext_app([Route("/plaintext", plaintext)], [Middleware(PassThrough)]),
        http_exchange(),
        http_scope("GET", "/plaintext"),
        http_ok(HELLO.encode()),
    )


JSON_DOCUMENT = {"items": [{"id": i, "name": f"item-{i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(16)]}
JSON_PAYLOAD = json.dumps(JSON_DOCUMENT).encode()
JSON_HEADERS = [("content-type", "application/json"), ("content-length", str(len(JSON_PAYLOAD)))]


def post_json() -> Scenario:
    """POST of a 1 KB JSON document read with `request.json()`."""
    expect(900 <= len(JSON_PAYLOAD) <= 1200, f"JSON payload is {len(JSON_PAYLOAD)} bytes")

    async def endpoint(request: Request) -> Response:
        data = await request.json()
        return JSONResponse({"count": len(data["items"])})

    return Scenario(
        "post_json",
        "POST 1 KB JSON, request.json() -> JSONResponse",
        plaintext_app([Route("/items", endpoint, methods=["POST"])]),
        http_exchange((JSON_PAYLOAD,)),
        http_scope("POST", "/items", headers=JSON_HEADERS),
        http_ok(b'{"count":16}'),
    )


def post_json_floor() -> Scenario:
    """The floor of `post_json`: a raw ASGI app that parses the body and serializes the reply."""

    # The cheapest ways to the same results: an encoder built once (`json.dumps` with arguments builds
    # one per call), and the decoder's scanner called directly (`json.loads` adds whitespace handling).
    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    scan: Callable[[str, int], tuple[Any, int]] = vars(json.JSONDecoder())["scan_once"]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        data, _ = scan(message["body"].decode("utf-8"), 0)
        body = encoder.encode({"count": len(data["items"])}).encode("utf-8")
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return Scenario(
        "post_json_floor",
        "post_json's JSON work alone, raw ASGI (no framework)",
        app,
        http_exchange((JSON_PAYLOAD,)),
        http_scope("POST", "/items", headers=JSON_HEADERS),
        http_ok(b'{"count":16}'),
    )


def form_urlencoded() -> Scenario:
    """An urlencoded form of 20 fields read with `request.form()`."""
    payload = "&".join(f"field{i}=value+number+{i}%21" for i in range(20)).encode()

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        return PlainTextResponse(f"{len(form)} {form['field19']}")

    headers = [("content-type", "application/x-www-form-urlencoded"), ("content-length", str(len(payload)))]
    return Scenario(
        "form_urlencoded",
        "POST urlencoded form, 20 fields",
        plaintext_app([Route("/form", endpoint, methods=["POST"])]),
        http_exchange((payload,)),
        http_scope("POST", "/form", headers=headers),
        http_ok(b"20 value number 19!"),
    )


def multipart_body(boundary: str, fields: dict[str, str], filename: str, content: bytes) -> bytes:
    """Encode `fields` and one file as `multipart/form-data`."""
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts.append(content)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts)


def chunked(data: bytes, size: int) -> tuple[bytes, ...]:
    """Split `data` into chunks of `size` bytes, as a server delivers a large body."""
    return tuple(data[i : i + size] for i in range(0, len(data), size))


def multipart() -> Scenario:
    """Multipart with 3 fields and a 256 KB file, delivered in 64 KB chunks."""
    rng = random.Random(7)
    content = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(256 * 1024))
    boundary = "----benchmarkboundary7MA4YWxkTrZu0gW"
    payload = multipart_body(boundary, {"title": "report", "author": "bench", "notes": "x" * 100}, "data.bin", content)
    chunks = chunked(payload, 64 * 1024)

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        upload = form["file"]
        expect(isinstance(upload, UploadFile), "file field is not an UploadFile")
        assert isinstance(upload, UploadFile)
        data = await upload.read()
        await form.close()
        return PlainTextResponse(f"{form['title']} {len(data)}")

    headers = [
        ("content-type", f"multipart/form-data; boundary={boundary}"),
        ("content-length", str(len(payload))),
    ]
    return Scenario(
        "multipart",
        "POST multipart, 3 fields + 256 KB file",
        plaintext_app([Route("/upload", endpoint, methods=["POST"])]),
        http_exchange(chunks),
        http_scope("POST", "/upload", headers=headers),
        http_ok(f"report {len(content)}".encode()),
    )


def headers_cookies_query() -> Scenario:
    """30 request headers (10 cookies among them) and a query string, read by the endpoint."""
    cookies = "; ".join(f"cookie{i}=value{i}" for i in range(10))
    headers = [
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"),
        ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("accept-language", "en-GB,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("connection", "keep-alive"),
        ("cookie", cookies),
        ("x-request-id", "7f1d2c3b-aaaa-bbbb-cccc-0123456789ab"),
    ]
    headers += [(f"x-custom-header-{i}", f"value-{i}") for i in range(29 - len(headers))]
    query = "page=2&size=50&sort=-created&tag=a&tag=b&tag=c&q=hello+world"

    async def endpoint(request: Request) -> Response:
        agent = request.headers["user-agent"]
        request_id = request.headers.get("x-request-id", "")
        cookie_count = len(request.cookies)
        session = request.cookies.get("cookie5", "")
        params = request.query_params
        text = f"{len(agent)} {request_id[:8]} {cookie_count} {session} {params['page']} {params.getlist('tag')}"
        return PlainTextResponse(text)

    scope = http_scope("GET", "/headers", query_string=query, headers=headers)
    expect(len(scope["headers"]) == 30, f"{len(scope['headers'])} headers, expected 30")
    return Scenario(
        "headers_cookies_query",
        "30 headers, 10 cookies, query string read by endpoint",
        plaintext_app([Route("/headers", endpoint)]),
        http_exchange(),
        scope,
        http_ok(b"70 7f1d2c3b 10 value5 2 ['a', 'b', 'c']"),
    )


def gzip_text() -> str:
    """64 KB of text made of repeated words and numbers (compresses about 3.6:1)."""
    rng = random.Random(11)
    words = ["starlette", "asgi", "request", "response", "route", "mount", "json", "gzip", "stream", "socket"]
    text = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(9000))[: 64 * 1024]
    expect(len(text) == 64 * 1024, "gzip body is not 64 KB")
    return text


def gzip_check(text: str) -> Check:
    """Check for a 200 gzip-encoded response that decompresses to `text`."""

    def check(exchange: Exchange) -> None:
        http_ok(content_encoding=b"gzip")(exchange)
        assert isinstance(exchange, HTTPExchange)
        expect(gzip.decompress(b"".join(exchange.body)) == text.encode(), "gzip body does not round-trip")

    return check


def gzip_64k() -> Scenario:
    """A 64 KB text response compressed by `GZipMiddleware`."""
    text = gzip_text()

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(text)

    return Scenario(
        "gzip_64k",
        "64 KB text response through GZipMiddleware",
        plaintext_app([Route("/big", endpoint)], [Middleware(GZipMiddleware)]),
        http_exchange(),
        http_scope("GET", "/big", headers=[("accept-encoding", "gzip")]),
        gzip_check(text),
    )


def gzip_64k_floor() -> Scenario:
    """The floor of `gzip_64k`: a raw ASGI app that encodes and gzips the body (level 9, as the default)."""
    text = gzip_text()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        body = compressor.compress(text.encode("utf-8")) + compressor.flush()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-encoding", b"gzip"),
            (b"content-length", b"%d" % len(body)),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return Scenario(
        "gzip_64k_floor",
        "gzip_64k's compression alone, raw ASGI (no framework)",
        app,
        http_exchange(),
        http_scope("GET", "/big", headers=[("accept-encoding", "gzip")]),
        gzip_check(text),
    )


def streaming() -> Scenario:
    """A `StreamingResponse` of 100 chunks from an async generator."""
    chunk = b"0123456789" * 10

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield chunk

    async def endpoint(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type="text/plain")

    return Scenario(
        "streaming",
        "StreamingResponse, 100 chunks of 100 bytes",
        plaintext_app([Route("/stream", endpoint)]),
        http_exchange(),
        http_scope("GET", "/stream"),
        http_ok(chunk * 100),
    )


def websocket_echo() -> Scenario:
    """A websocket that echoes 100 text messages, then closes."""
    messages = [f"message {i}" for i in range(100)]

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        for _ in range(100):
            await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    def check(exchange: Exchange) -> None:
        expect(isinstance(exchange, WebSocketExchange), "not a websocket exchange")
        assert isinstance(exchange, WebSocketExchange)
        expect(exchange.accepted and exchange.closed, "websocket not accepted and closed")
        expect(exchange.received == messages, "echoed messages differ")

    return Scenario(
        "websocket",
        "websocket echoing 100 text messages",
        plaintext_app([WebSocketRoute("/ws", endpoint)]),
        lambda keep_body: WebSocketExchange(messages),
        websocket_scope("/ws"),
        check,
    )


SCENARIOS: tuple[Callable[[], Scenario], ...] = (
    bare_asgi,
    plaintext_route,
    json_path_param,
    route_100,
    nested_mounts,
    middleware_stack,
    base_http_middleware,
    post_json,
    form_urlencoded,
    multipart,
    headers_cookies_query,
    gzip_64k,
    streaming,
    websocket_echo,
    post_json_floor,
    gzip_64k_floor,
)


async def run_batch(scenario: Scenario, count: int) -> float:
    """Serve `count` requests back to back; return the elapsed seconds."""
    app = scenario.app
    template = scenario.scope
    make_exchange = scenario.exchange
    start = time.perf_counter()
    for _ in range(count):
        exchange = make_exchange(False)
        await app(new_scope(template), exchange.receive, exchange.send)
    return time.perf_counter() - start


async def verify(scenario: Scenario) -> None:
    """Serve one request, keeping the body, and check the response is the intended one."""
    exchange = scenario.exchange(True)
    await scenario.app(new_scope(scenario.scope), exchange.receive, exchange.send)
    try:
        scenario.check(exchange)
    except BenchmarkError as exc:
        raise BenchmarkError(f"{scenario.name}: {exc}") from None


async def calibrate(scenario: Scenario, batch_time: float) -> float:
    """Verify and warm up `scenario`; return a rough cost of one request in seconds, from about `batch_time` / 4."""
    await verify(scenario)
    await run_batch(scenario, 3)
    count = 1
    while True:
        elapsed = await run_batch(scenario, count)
        if elapsed >= batch_time / 4 or count >= 1_000_000:
            return max(elapsed, 1e-9) / count
        count *= 2


async def measure(scenario: Scenario, *, repeat: int, batch_time: float) -> dict[str, Any]:
    """Time `scenario`: calibrate a batch size of about `batch_time` seconds, then take the best of `repeat` batches."""
    count = max(1, round(batch_time / await calibrate(scenario, batch_time)))
    times: list[float] = []
    for _ in range(repeat):
        gc.collect()
        times.append(await run_batch(scenario, count) / count * 1e6)
    return {
        "us_per_request": min(times),
        "samples_us": [round(t, 3) for t in times],
        "requests_per_batch": count,
        "description": scenario.description,
        "target_ratio": TARGETS[scenario.name],
    }


async def run(names: Sequence[str], *, repeat: int, batch_time: float, progress: bool) -> dict[str, Any]:
    """Build and measure the selected scenarios; return the machine-readable report."""
    results: dict[str, Any] = {}
    for factory in SCENARIOS:
        scenario = factory()
        if names and scenario.name not in names:
            continue
        if progress:
            print(f"  {scenario.name} ...", file=sys.stderr, flush=True)
        results[scenario.name] = await measure(scenario, repeat=repeat, batch_time=batch_time)
    return {
        **identity(),
        "repeat": repeat,
        "batch_time": batch_time,
        "results": results,
    }


async def profile(scenario: Scenario, directory: Path, batch_time: float, top: int) -> None:
    """Profile about `batch_time` seconds of `scenario` with cProfile; save `<name>.prof` and print the top entries."""
    count = max(1, round(batch_time / await calibrate(scenario, batch_time)))
    profiler = cProfile.Profile()
    profiler.enable()
    await run_batch(scenario, count)
    profiler.disable()
    path = directory / f"{scenario.name}.prof"
    profiler.dump_stats(str(path))
    print(f"== {scenario.name}: {count} requests, profile in {path}")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


async def count_calls(scenario: Scenario) -> None:
    """Print the Python functions one request of `scenario` calls, with counts (after a warm-up request).

    The number of Python-level calls per request is what a pure-Python framework's
    time mostly follows, and unlike a time it does not depend on the machine.
    """
    await verify(scenario)
    counts: collections.Counter[str] = collections.Counter()

    def record(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            code = frame.f_code
            counts[f"{Path(code.co_filename).name}:{code.co_name}"] += 1

    exchange = scenario.exchange(False)
    scope = new_scope(scenario.scope)
    sys.setprofile(record)
    try:
        await scenario.app(scope, exchange.receive, exchange.send)
    finally:
        sys.setprofile(None)
    print(f"== {scenario.name}: {sum(counts.values())} Python calls per request")
    for function, count in counts.most_common():
        print(f"{count:6}  {function}")


def identity() -> dict[str, str]:
    """Which `starlette` (and Python) this process measures."""
    return {
        "starlette_version": getattr(starlette, "__version__", "?"),
        "starlette_path": str(starlette.__file__),
        "python": platform.python_version(),
    }


async def worker() -> int:
    """Serve timing commands, one JSON object per line on stdin, answering one JSON line each on stdout.

    Commands: `{"op": "calibrate", "scenario": name, "batch_time": s}` answers the seconds per request
    (after checking the response); `{"op": "time", "scenario": name, "count": n}` answers the seconds
    `n` requests took; `{"op": "quit"}` stops. `compare.py` drives two workers, one per implementation,
    so that their batches alternate closely in time.
    """
    scenarios = {scenario.name: scenario for scenario in (factory() for factory in SCENARIOS)}
    descriptions = {name: scenario.description for name, scenario in scenarios.items()}
    print(json.dumps({**identity(), "scenarios": descriptions, "targets": TARGETS, "floors": FLOORS}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        scenario = scenarios.get(command.get("scenario", ""))
        answer: dict[str, Any]
        if command["op"] == "quit":
            break
        if scenario is None:
            answer = {"error": f"unknown scenario {command.get('scenario')!r}"}
        elif command["op"] == "calibrate":
            try:
                answer = {"seconds": await calibrate(scenario, float(command["batch_time"]))}
            except BenchmarkError as exc:
                answer = {"error": str(exc)}
        elif command["op"] == "time":
            gc.collect()
            answer = {"seconds": await run_batch(scenario, int(command["count"]))}
        else:
            answer = {"error": f"unknown op {command['op']!r}"}
        print(json.dumps(answer), flush=True)
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--repeat", type=int, default=5, help="timed batches per scenario (best is kept)")
    parser.add_argument("--batch-time", type=float, default=0.05, help="seconds per timed batch (about)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--progress", action="store_true", help="name each scenario on stderr as it starts")
    parser.add_argument("--profile", metavar="DIR", help="profile each selected scenario with cProfile into DIR")
    parser.add_argument("--top", type=int, default=25, help="entries of each profile to print")
    parser.add_argument("--calls", action="store_true", help="print the Python calls one request makes, and exit")
    parser.add_argument("--worker", action="store_true", help="serve timing commands on stdin (used by compare.py)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a table or JSON."""
    args = parse_args(argv)
    if args.worker:
        return asyncio.run(worker())
    if args.list:
        for factory in SCENARIOS:
            scenario = factory()
            print(f"{scenario.name:24} {scenario.description}")
        return 0
    names = [name for name in args.only.split(",") if name]
    unknown = set(names) - set(TARGETS)
    if unknown:
        print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if args.calls:
        for factory in SCENARIOS:
            scenario = factory()
            if not names or scenario.name in names:
                asyncio.run(count_calls(scenario))
        return 0
    if args.profile:
        directory = Path(args.profile)
        directory.mkdir(parents=True, exist_ok=True)
        for factory in SCENARIOS:
            scenario = factory()
            if not names or scenario.name in names:
                asyncio.run(profile(scenario, directory, args.batch_time * 4, args.top))
        return 0
    report = asyncio.run(run(names, repeat=args.repeat, batch_time=args.batch_time, progress=args.progress))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"starlette {report['starlette_version']} from {report['starlette_path']} (Python {report['python']})")
    for name, result in report["results"].items():
        print(f"{name:24} {result['us_per_request']:10.2f} us/request   ({result['description']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
