"""The `WebSocket` connection: a typed view of an ASGI websocket session.

Both directions of the session follow the ASGI websocket protocol. Which
message may come next is spelled out in two transition tables, one for what the
server delivers (`client_state`) and one for what the application sends
(`application_state`). A message not in the table for the current state raises
a `RuntimeError` naming the messages expected instead; once a side has reached a
state with no way out, any further message raises `WebSocketDisconnected`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from starlette.requests import HTTPConnection, StateT
from starlette.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from starlette.responses import Response

__all__ = [
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketDisconnected",
    "WebSocketState",
]


class WebSocketState(enum.Enum):
    """Where one side of a websocket session stands in the ASGI protocol."""

    CONNECTING = 0
    """The handshake has not finished yet."""
    CONNECTED = 1
    """The session is open: messages may flow."""
    DISCONNECTED = 2
    """The session is over."""
    RESPONSE = 3
    """The application is sending an HTTP denial response instead of accepting."""


class WebSocketDisconnect(Exception):
    """The websocket session was closed; raised when receiving after the peer left.

    Args:
        code: The WebSocket close code (see `starlette.status.WS_*`).
        reason: The close reason; `None` is stored as `""`.
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code: int = code
        self.reason: str = reason or ""


class WebSocketDisconnected(RuntimeError):
    """Raised when receiving after a disconnect was received, or sending after a close was sent."""


_Table: TypeAlias = dict[tuple[WebSocketState, str], WebSocketState]
"""A transition table: `(state, message type)` to the state the message leads to."""
_Rows: TypeAlias = dict[WebSocketState, dict[str, WebSocketState]]
"""A transition table grouped by state (only the states with a way out)."""

_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED
_DISCONNECTED = WebSocketState.DISCONNECTED
_RESPONSE = WebSocketState.RESPONSE

# What the server may deliver to the application, by `client_state`.
_RECEIVE_TRANSITIONS: _Table = {
    (_CONNECTING, "websocket.connect"): _CONNECTED,
    (_CONNECTED, "websocket.receive"): _CONNECTED,
    (_CONNECTED, "websocket.disconnect"): _DISCONNECTED,
}

# What the application may send to the server, by `application_state`. A denial
# response body with `more_body` false ends the session (see `_next_send_state`).
_SEND_TRANSITIONS: _Table = {
    (_CONNECTING, "websocket.accept"): _CONNECTED,
    (_CONNECTING, "websocket.close"): _DISCONNECTED,
    (_CONNECTING, "websocket.http.response.start"): _RESPONSE,
    (_CONNECTED, "websocket.send"): _CONNECTED,
    (_CONNECTED, "websocket.close"): _DISCONNECTED,
    (_RESPONSE, "websocket.http.response.body"): _RESPONSE,
}


def _by_state(table: _Table) -> _Rows:
    """Regroup a transition table by state: where each allowed message type leads, for one lookup per step.

    A state missing from the result has no way out: the session is over in it.
    """
    rows: _Rows = {}
    for (state, message_type), next_state in table.items():
        rows.setdefault(state, {})[message_type] = next_state
    return rows


def _describe_expected(rows: _Rows) -> dict[WebSocketState, str]:
    """Spell out the allowed types of each state, for errors: `"a"`, `"a" or "b"`, `"a", "b" or "c"`."""
    described: dict[WebSocketState, str] = {}
    for state, row in rows.items():
        names = [f'"{message_type}"' for message_type in row]
        described[state] = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return described


_RECEIVE_ROWS: _Rows = _by_state(_RECEIVE_TRANSITIONS)
_SEND_ROWS: _Rows = _by_state(_SEND_TRANSITIONS)
_RECEIVE_EXPECTED: dict[WebSocketState, str] = _describe_expected(_RECEIVE_ROWS)
_SEND_EXPECTED: dict[WebSocketState, str] = _describe_expected(_SEND_ROWS)


def _next_receive_state(state: WebSocketState, message: Message) -> WebSocketState:
    """Return the `client_state` after the server delivered `message` in `state` (a state with a way out)."""
    message_type = message["type"]
    next_state = _RECEIVE_ROWS[state].get(message_type)
    if next_state is None:
        raise RuntimeError(f"Expected ASGI message {_RECEIVE_EXPECTED[state]}, but got {message_type!r}")
    return next_state


def _next_send_state(state: WebSocketState, message: Message) -> WebSocketState:
    """Return the `application_state` after the application sends `message` in `state` (a state with a way out)."""
    message_type = message["type"]
    next_state = _SEND_ROWS[state].get(message_type)
    if next_state is None:
        raise RuntimeError(f"Expected ASGI message {_SEND_EXPECTED[state]}, but got {message_type!r}")
    if message_type == "websocket.http.response.body" and not message.get("more_body", False):
        return _DISCONNECTED
    return next_state


def _disconnect(message: Message) -> WebSocketDisconnect:
    """The exception a received `websocket.disconnect` message raises from the receiving helpers."""
    return WebSocketDisconnect(message.get("code", 1005), message.get("reason"))


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


def _dump_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


_NOT_ACCEPTED = 'WebSocket is not connected. Need to call "accept" first.'


class WebSocket(HTTPConnection[StateT]):
    """A websocket session, built from an ASGI `websocket` scope.

    Like `Request`, it is a read-only mapping over the scope and exposes `url`,
    `headers`, `query_params`, `path_params`, `cookies`, `client`, `state`...
    Use `receive()` and `send()` (never the raw ASGI callables) for raw
    messages, so that `client_state` and `application_state` stay correct.

    Args:
        scope: The ASGI scope; its `type` must be `"websocket"`.
        receive: The ASGI receive callable.
        send: The ASGI send callable.
    """

    client_state: WebSocketState
    """Progress of the messages received from the server."""
    application_state: WebSocketState
    """Progress of the messages sent by the application."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        self.scope = scope  # what `HTTPConnection.__init__` does, without its broader check
        self._receive = receive
        self._send = send
        self.client_state = _CONNECTING
        self.application_state = _CONNECTING

    async def receive(self) -> Message:
        """Receive the next ASGI message from the server.

        Raises:
            WebSocketDisconnected: A disconnect message was already received.
            RuntimeError: The server delivered a message the protocol does not allow here.
        """
        state = self.client_state
        if state is not _CONNECTED and state not in _RECEIVE_ROWS:  # `is` first: members hash in Python
            raise WebSocketDisconnected('Cannot call "receive" once a disconnect message has been received.')
        receive = self._receive
        message = await receive()
        if state is not _CONNECTED or message["type"] != "websocket.receive":
            self.client_state = _next_receive_state(state, message)
        return message

    async def send(self, message: Message) -> None:
        """Send an ASGI message to the server.

        Raises:
            WebSocketDisconnected: A close message (or the end of a denial response) was already sent.
            RuntimeError: The message is not allowed in the current `application_state`.
            WebSocketDisconnect: The connection broke (the server raised `OSError`) while connected.
        """
        state = self.application_state
        if state is not _CONNECTED and state not in _SEND_ROWS:  # `is` first: members hash in Python
            raise WebSocketDisconnected('Cannot call "send" once a close message has been sent.')
        if state is not _CONNECTED or message["type"] != "websocket.send":
            self.application_state = _next_send_state(state, message)
        if state is not _CONNECTED:
            await self._send(message)
            return
        send = self._send
        try:
            await send(message)
        except OSError as error:
            raise self._connection_lost() from error

    def _connection_lost(self) -> WebSocketDisconnect:
        """Record that the server could not send (it raised `OSError`); return the exception to raise."""
        self.application_state = _DISCONNECTED
        return WebSocketDisconnect(code=1006)

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Accept the connection, first receiving the `websocket.connect` message if needed.

        Args:
            subprotocol: The subprotocol chosen among `scope["subprotocols"]`, if any.
            headers: Extra response headers for the handshake, as raw `(name, value)` byte pairs.
        """
        if self.client_state is _CONNECTING:
            await self.receive()
        await self.send(
            {
                "type": "websocket.accept",
                "subprotocol": subprotocol,
                "headers": [] if headers is None else list(headers),
            }
        )

    async def receive_text(self) -> str:
        """Receive the next text message (`None` if the message carries `"text": None`).

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketDisconnected: The connection was not accepted yet (a `RuntimeError`).
            KeyError: The message has no `"text"` (a binary message).
        """
        if self.application_state is not _CONNECTED:
            raise WebSocketDisconnected(_NOT_ACCEPTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise _disconnect(message)
        text: str = message["text"]
        return text

    async def receive_bytes(self) -> bytes:
        """Receive the next binary message (`None` if the message carries `"bytes": None`).

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketDisconnected: The connection was not accepted yet (a `RuntimeError`).
            KeyError: The message has no `"bytes"` (a text message).
        """
        if self.application_state is not _CONNECTED:
            raise WebSocketDisconnected(_NOT_ACCEPTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise _disconnect(message)
        data: bytes = message["bytes"]
        return data

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive the next message and decode it as JSON.

        Args:
            mode: `"text"` to read JSON from text frames, `"binary"` from UTF-8 binary frames.

        Raises:
            WebSocketDisconnect: The client disconnected.
            RuntimeError: `mode` is invalid, or the connection was not accepted yet.
            KeyError: The message is not of the kind `mode` asks for.
            ValueError: The payload is not valid JSON (`json.JSONDecodeError`, or `UnicodeDecodeError` in binary mode).
        """
        _check_mode(mode)
        if self.application_state is not _CONNECTED:
            raise WebSocketDisconnected(_NOT_ACCEPTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise _disconnect(message)
        if mode == "text":
            return json.loads(message["text"])
        return json.loads(message["bytes"].decode("utf-8"))

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        """Yield JSON messages (from text frames) until the client disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send `data` encoded as compact JSON.

        Args:
            data: Any JSON-serializable value.
            mode: `"text"` to send a text frame, `"binary"` to send UTF-8 bytes.

        Raises:
            RuntimeError: `mode` is neither `"text"` nor `"binary"`.
            TypeError: `data` is not JSON-serializable.
        """
        _check_mode(mode)
        text = _dump_json(data)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection (before `accept`, the server rejects the handshake with 403).

        Args:
            code: The WebSocket close code.
            reason: The close reason sent to the client.
        """
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: Response) -> None:
        """Reject the handshake with an HTTP `response` instead of accepting.

        Raises:
            RuntimeError: The server does not support the WebSocket Denial Response extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError("The server doesn't support the Websocket Denial Response extension.")
        await response(self.scope, self.receive, self.send)


class WebSocketClose:
    """An ASGI app that closes the websocket (rejecting it if not accepted yet).

    Args:
        code: The WebSocket close code.
        reason: The close reason; `None` is sent as `""`.
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code: int = code
        self.reason: str = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the `websocket.close` message."""
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})
