"""Compression benchmark: µs per 64 KB response and compressed size, for gzip, br and zstd.

Each coding runs through `CompressionMiddleware` at its default level (gzip 9,
brotli quality 4, zstd level 3) on the same 64 KB JSON body, as in-process ASGI
calls on asyncio, plus the uncompressed response for reference. The figure is
the median, over `--repeat` rounds, of the mean time per response in a round of
`--calls` responses. This package only (upstream has no such middleware).

    python benchmarks/compression_bench.py [--calls 200] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from starlette.middleware.compression import CompressionMiddleware, available_encodings
from starlette.responses import Response
from starlette.types import Message

BODY_SIZE = 64 * 1024


def make_body() -> bytes:
    """About 64 KB of JSON that compresses as API responses do (repeated keys, varied values)."""
    rows = [{"id": number, "name": f"user-{number:05}", "score": (number * 7919) % 1000 / 10} for number in range(2000)]
    return json.dumps(rows).encode()[:BODY_SIZE]


async def one_response(app: CompressionMiddleware, accept_encoding: bytes) -> int:
    """Serve one response; return the size of its body."""
    size = 0
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", accept_encoding)],
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal size
        if message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(scope, receive, send)
    return size


async def measure(coding: str, calls: int, repeat: int) -> dict[str, Any]:
    """Time `calls` responses `repeat` times with `coding` (`identity`: uncompressed)."""
    app = CompressionMiddleware(Response(make_body(), media_type="application/json"))
    accept = coding.encode()
    size = await one_response(app, accept)
    rounds: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            await one_response(app, accept)
        rounds.append((time.perf_counter() - start) / calls * 1e6)
    return {"coding": coding, "us_per_response": round(statistics.median(rounds), 1), "bytes": size}


async def main() -> None:
    """Parse the options, run every coding, print a table or JSON."""
    parser = argparse.ArgumentParser(description="µs per 64 KB response and compressed size for gzip, br and zstd")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    codings = ["identity", *reversed(available_encodings())]
    results = [await measure(coding, options.calls, options.repeat) for coding in codings]
    if options.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'coding':<10}{'µs/response':>14}{'bytes':>10}{'ratio':>8}")
    for result in results:
        ratio = result["bytes"] / BODY_SIZE
        print(f"{result['coding']:<10}{result['us_per_response']:>14}{result['bytes']:>10}{ratio:>8.3f}")


if __name__ == "__main__":
    asyncio.run(main())
