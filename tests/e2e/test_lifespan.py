"""Lifespan under real servers: startup before serving, graceful shutdown on SIGTERM and SIGINT."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.chat import open_chat, receive_text
from tests.e2e.conftest import require_server
from tests.e2e.servers import STOP_TIMEOUT, Server, ServerKind, app_tracebacks, running_server

_DATA_DIR = re.compile(r"demo: startup complete, data in (\S+)")


def _server_waits_for_connections(kind: ServerKind) -> bool:
    """Whether the server itself waits for open connections before its lifespan shutdown.

    hypercorn on asyncio calls `Server.wait_closed()`, which from Python 3.12.1 waits for
    every open connection (hypercorn issue 308), whatever the application does.
    """
    return kind == "hypercorn" and sys.version_info >= (3, 12, 1)


def test_startup_ran_before_serving(server: Server) -> None:
    status = httpx.get(f"{server.url}/api/status", timeout=5.0).json()
    assert status["status"] == "ok"
    assert status["items"] >= 0
    assert 0 < status["started_at"] <= time.time()
    match = _DATA_DIR.search(server.log())
    assert match is not None, server.log()
    assert Path(match.group(1), "sample.bin").is_file()


@pytest.mark.parametrize(
    ("kind", "signum"),
    [
        ("uvicorn", signal.SIGTERM),
        ("uvicorn", signal.SIGINT),
        ("hypercorn", signal.SIGTERM),
        ("hypercorn-trio", signal.SIGINT),
    ],
    ids=["uvicorn-SIGTERM", "uvicorn-SIGINT", "hypercorn-SIGTERM", "hypercorn-trio-SIGINT"],
)
def test_graceful_shutdown(kind: ServerKind, signum: signal.Signals, tmp_path: Path) -> None:
    require_server(kind)
    with running_server(kind, tmp_path) as server:
        match = _DATA_DIR.search(server.log())
        assert match is not None, server.log()
        data_dir = Path(match.group(1))
        assert data_dir.is_dir()
        with open_chat(server) as ws:
            ws.send("last words")
            receive_text(ws, "last words")
            server.signal(signum)
            if _server_waits_for_connections(kind):
                ws.close()
            # Otherwise a connected websocket must not keep the server from stopping.
            exit_code = server.wait(STOP_TIMEOUT)
            with pytest.raises(ConnectionClosed):
                for _ in range(10):
                    ws.recv(timeout=STOP_TIMEOUT)
        log = server.log()
        # uvicorn re-raises the signal it handled once it has shut down, so that its
        # parent sees how it ended: dying of that very signal is a clean exit too.
        assert exit_code in (0, -signum), log
        assert f"demo: shutdown complete, removed {data_dir}" in log
        assert not data_dir.exists()
        assert not app_tracebacks(log), log
