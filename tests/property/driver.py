"""Run an ASGI app on one generated request, as a server would, and collect what it sends."""

from __future__ import annotations

from collections.abc import Sequence

import anyio

from starlette.types import ASGIApp, Message, Scope


def http_scope(
    path: str = "/", *, method: str = "GET", headers: Sequence[tuple[bytes, bytes]] = (), query_string: bytes = b""
) -> Scope:
    """An HTTP scope as uvicorn builds it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": query_string,
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(app: ASGIApp, scope: Scope, messages: Sequence[Message]) -> list[Message]:
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(30):  # bounded: a hang fails the property instead of stalling the gate
        await app(scope, receive, send)
    return sent


def call(app: ASGIApp, scope: Scope, messages: Sequence[Message], backend: str) -> list[Message]:
    """Run `app` on `scope`, feeding it `messages`, on `backend`; the messages it sent.

    An exception the app lets out propagates (Starlette re-raises after sending a 500).
    """
    result: list[Message] = anyio.run(_call, app, scope, messages, backend=backend)
    return result


def http(app: ASGIApp, scope: Scope, body: Sequence[bytes], backend: str) -> tuple[int, bytes]:
    """Serve one HTTP request with the body split into `body` chunks; its status and body."""
    chunks = list(body) or [b""]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    sent = call(app, scope, messages, backend)
    start: Message = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return int(start["status"]), content


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """`data` cut at the given offsets (taken modulo its length, sorted, deduplicated)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[start:end] for start, end in zip(edges, edges[1:], strict=False)]
