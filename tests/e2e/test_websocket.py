"""The demo's chat room over real WebSocket connections (the `websockets` client)."""

from __future__ import annotations

import secrets
import socket

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.chat import CHAT_HISTORY, TIMEOUT, open_chat, receive_matching, receive_text
from tests.e2e.servers import Server


def test_message_is_broadcast_to_every_client(server: Server) -> None:
    text = f"hello {secrets.token_hex(4)}"
    with open_chat(server) as alice, open_chat(server) as bob:
        # Bob's own message proves he joined the room before Alice speaks.
        bob.send("bob is here " + text)
        receive_text(bob, "bob is here " + text)
        alice.send(f"  {text}  ")
        to_alice = receive_text(alice, text)
        to_bob = receive_text(bob, text)
        assert to_alice == to_bob
        assert to_alice["author"].startswith("guest-")
        status = httpx.get(f"{server.url}/api/status", timeout=TIMEOUT).json()
        assert status["chat_members"] >= 2


def test_newcomer_gets_the_recent_history(server: Server) -> None:
    text = f"remember {secrets.token_hex(4)}"
    with open_chat(server) as first:
        first.send(text)
        receive_text(first, text)
    with open_chat(server) as second:
        assert receive_text(second, text)["text"] == text


def test_long_messages_are_truncated(server: Server) -> None:
    token = secrets.token_hex(4)
    with open_chat(server) as ws:
        ws.send(token + "x" * 1000)
        message = receive_matching(ws, lambda m: m["text"].startswith(token))
        assert message["text"] == (token + "x" * 1000)[:500]


def test_author_is_the_logged_in_user(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        login = http.post("/login", data={"username": "demo", "password": "starlette"}, follow_redirects=False)
        assert login.status_code == 303
        cookie = http.cookies["session"]
    text = f"signed {secrets.token_hex(4)}"
    with open_chat(server, cookie) as ws:
        ws.send(text)
        assert receive_text(ws, text) == {"author": "demo", "text": text}


def test_binary_messages_close_the_connection(server: Server) -> None:
    with open_chat(server) as ws:
        ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed):
            for _ in range(CHAT_HISTORY + 1):
                ws.recv(timeout=TIMEOUT)
        assert ws.close_code == 1003
        assert ws.close_reason == "Only text messages are accepted."


def test_a_client_that_vanishes_does_not_break_the_room(server: Server) -> None:
    text = f"still here {secrets.token_hex(4)}"
    with open_chat(server) as stays:
        with open_chat(server) as leaving:
            leaving.send("bye " + text)
            receive_text(leaving, "bye " + text)
            # Drop the TCP connection without a closing handshake.
            leaving.socket.shutdown(socket.SHUT_RDWR)
        for n in range(3):
            expected = f"{text} {n}"
            stays.send(expected)
            assert receive_text(stays, expected)["text"] == expected


def test_http_request_to_the_socket_route_is_not_found(server: Server) -> None:
    assert httpx.get(f"{server.url}/ws/chat", timeout=TIMEOUT).status_code == 404
