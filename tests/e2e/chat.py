"""A chat room client for the tests: the `websockets` package's synchronous client."""

from __future__ import annotations

import json
from collections.abc import Callable

from websockets.sync.client import ClientConnection, connect

from tests.e2e.servers import Server

CHAT_HISTORY = 20
"""How many past messages the room replays to a newcomer (the demo's `CHAT_HISTORY`)."""
TIMEOUT = 5.0


def open_chat(server: Server, cookie: str | None = None) -> ClientConnection:
    """Connect to the chat room, with the session cookie `cookie` if given."""
    headers = {} if cookie is None else {"Cookie": f"session={cookie}"}
    return connect(f"{server.ws_url}/ws/chat", additional_headers=headers, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def receive_matching(ws: ClientConnection, predicate: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """The first chat message satisfying `predicate`, skipping the replayed history (bounded)."""
    for _ in range(CHAT_HISTORY + 10):
        message: dict[str, str] = json.loads(ws.recv(timeout=TIMEOUT))
        if predicate(message):
            return message
    raise AssertionError("the expected chat message never came")


def receive_text(ws: ClientConnection, text: str) -> dict[str, str]:
    """The first chat message whose text is `text`, skipping the others (bounded)."""
    return receive_matching(ws, lambda message: message["text"] == text)
