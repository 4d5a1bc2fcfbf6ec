"""What the method layering of a websocket echo costs, with no framework logic at all.

`asgi_bench.py`'s `websocket` scenario echoes 100 text messages through
`WebSocket.receive_text` and `WebSocket.send_text`. Upstream's helpers call
`receive` and `send`, which call the server's callables, and a patched
`receive` or `send` must still run, so that is the layering ours keeps. This
file times the same echo, driven by the same canned server (`asgi_driver.py`),
through bare connection classes that only forward the messages:

- `raw`: the endpoint awaits the server's `receive` and `send` itself;
- `one layer`: `receive_text` and `send_text` await the server directly;
- `two layers`: `receive_text` awaits `receive`, `send_text` awaits `send` (upstream's layering);
- `one layer, asked`: one layer, chosen per message by asking whether `receive`
  and `send` are still the originals, as a shortcut past them would have to.

    python benchmarks/websocket_layers.py [--messages 100] [--batches 300]

Compare the figures with the `websocket` scenario of `scripts/bench`: the
difference between `two layers` and ours is what the state machine, the
exception handlers' `send` and the routing cost.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from asgi_driver import Message, Receive, Scope, Send, WebSocketExchange, new_scope, websocket_scope

Endpoint = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


def still_original(owner: object, name: str, original: object) -> bool:
    """Whether `owner.<name>` is `original`: the question `starlette._utils.is_original` asks, at the same cost."""
    return getattr(owner, name, None) is original


class Connection:
    """A websocket connection that only forwards messages: the layering without any logic."""

    def __init__(self, receive: Receive, send: Send) -> None:
        """Keep the server's callables."""
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        """Forward to the server's `receive`."""
        return await self._receive()

    async def send(self, message: Message) -> None:
        """Forward to the server's `send`."""
        await self._send(message)

    async def receive_text_direct(self) -> str:
        """One layer: the text of the server's next message."""
        message = await self._receive()
        text: str = message["text"]
        return text

    async def send_text_direct(self, data: str) -> None:
        """One layer: a text message straight to the server."""
        await self._send({"type": "websocket.send", "text": data})

    async def receive_text(self) -> str:
        """Two layers, as upstream: the text of `receive()`."""
        message = await self.receive()
        text: str = message["text"]
        return text

    async def send_text(self, data: str) -> None:
        """Two layers, as upstream: a text message through `send()`."""
        await self.send({"type": "websocket.send", "text": data})

    async def receive_text_asked(self) -> str:
        """One layer while `receive` is the original (asked per message), else two."""
        message = await (self._receive() if still_original(type(self), "receive", ORIGINAL_RECEIVE) else self.receive())
        text: str = message["text"]
        return text

    async def send_text_asked(self, data: str) -> None:
        """One layer while `send` is the original (asked per message), else two."""
        message = {"type": "websocket.send", "text": data}
        await (self._send(message) if still_original(type(self), "send", ORIGINAL_SEND) else self.send(message))


ORIGINAL_RECEIVE = Connection.receive
ORIGINAL_SEND = Connection.send


def raw_echo(count: int) -> Endpoint:
    """An ASGI app that accepts, echoes `count` text messages awaiting the server itself, and closes."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        for _ in range(count):
            message = await receive()
            await send({"type": "websocket.send", "text": message["text"]})
        await send({"type": "websocket.close", "code": 1000})

    return app


def connection_echo(count: int, receive_name: str, send_name: str) -> Endpoint:
    """Like `raw_echo`, but through the `Connection` methods named (`receive_text`, `send_text`...)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        connection = Connection(receive, send)
        receive_text: Callable[[], Awaitable[str]] = getattr(connection, receive_name)
        send_text: Callable[[str], Awaitable[None]] = getattr(connection, send_name)
        await receive()
        await send({"type": "websocket.accept"})
        for _ in range(count):
            await send_text(await receive_text())
        await send({"type": "websocket.close", "code": 1000})

    return app


async def best_time(app: Endpoint, messages: Sequence[str], batches: int, per_batch: int) -> float:
    """The best microseconds per connection over `batches` short batches (short, so that few are interrupted)."""
    template = websocket_scope("/ws")
    best = float("inf")
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(per_batch):
            exchange = WebSocketExchange(messages)
            await app(new_scope(template), exchange.receive, exchange.send)
        best = min(best, (time.perf_counter() - start) / per_batch * 1e6)
    return best


async def main(argv: Sequence[str] | None = None) -> int:
    """Time each layering style and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100, help="messages echoed per connection")
    parser.add_argument("--batches", type=int, default=300, help="timed batches per style (the best is kept)")
    args = parser.parse_args(argv)
    messages = [f"message {i}" for i in range(args.messages)]
    count = args.messages
    apps = {
        "raw": raw_echo(count),
        "one layer": connection_echo(count, "receive_text_direct", "send_text_direct"),
        "two layers": connection_echo(count, "receive_text", "send_text"),
        "one layer, asked": connection_echo(count, "receive_text_asked", "send_text_asked"),
    }
    for style, app in apps.items():
        microseconds = await best_time(app, messages, args.batches, 50)
        print(f"{style:18} {microseconds:8.2f} us/connection")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
