"""Run the demo app (`examples/app.py`) under real ASGI servers, as subprocesses.

Each server listens on 127.0.0.1 on a free port chosen by binding a throwaway
socket (the server CLIs cannot bind port 0 and report it). Should another
process take the port in between, the start is retried on a new port, a
bounded number of times. Readiness is a bounded poll of `/api/status`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import httpx

REPO: Final = Path(__file__).resolve().parents[2]
EXAMPLES: Final = REPO / "examples"
SRC: Final = REPO / "src"

ServerKind = Literal["uvicorn", "hypercorn", "hypercorn-trio"]
SERVER_KINDS: Final[tuple[ServerKind, ...]] = ("uvicorn", "hypercorn", "hypercorn-trio")

START_ATTEMPTS: Final = 3
"""How many ports to try before giving up on starting a server."""
READY_TIMEOUT: Final = 20.0
"""Seconds a server may take to answer its first request."""
POLL_INTERVAL: Final = 0.05
STOP_TIMEOUT: Final = 10.0
"""Seconds a server may take to shut down gracefully."""
SECRET_KEY: Final = "e2e-test-secret-key"

_PORT_TAKEN_MARKERS: Final = ("address already in use", "errno 98", "errno 48", "only one usage of each socket")


class ServerError(RuntimeError):
    """A server did not start, or did not stop, as expected."""


def app_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log that pass through Starlette or the demo app.

    Servers may log their own noise at shutdown (hypercorn's asyncio worker logs a
    cancelled connection task, for one); an error of ours always has a frame in
    `src/starlette` or `examples`.
    """
    blocks = log.split("Traceback (most recent call last):")[1:]
    return [block for block in blocks if f'File "{SRC}' in block or f'File "{EXAMPLES}' in block]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(kind: ServerKind, port: int) -> list[str]:
    """The command line serving `app:app` from `examples/` with the server `kind`."""
    python = [sys.executable, "-m"]
    if kind == "uvicorn":
        options = ["--app-dir", str(EXAMPLES), "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        return [*python, "uvicorn", *options, "app:app"]
    worker = "trio" if kind == "hypercorn-trio" else "asyncio"
    # A short grace period: the shutdown tests keep a websocket open on purpose.
    options = ["--bind", f"127.0.0.1:{port}", "--worker-class", worker, "--graceful-timeout", "1"]
    return [*python, "hypercorn", *options, "app:app"]


def _server_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEMO_", "COVERAGE_"))}
    paths = [str(SRC), str(EXAMPLES)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    env["DEMO_SECRET_KEY"] = SECRET_KEY
    return env


@dataclass
class Server:
    """A running server process and where to reach it."""

    kind: ServerKind
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """The base HTTP URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The base WebSocket URL, without a trailing slash."""
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: signal.Signals) -> None:  # ty: ignore[missing-attribute]  # ty-only: ty resolves `signal` to the method being defined, not the module
        """Send `signum` to the server process."""
        self.process.send_signal(signum)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        """Wait at most `timeout` seconds for the process to exit; its exit code.

        Raises:
            ServerError: The process is still running after `timeout` (it is then killed).
        """
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
            raise ServerError(f"{self.kind} did not exit within {timeout} s:\n{self.log()}") from None

    def stop(self) -> int:
        """Ask the server to shut down (SIGTERM) and wait for it; its exit code."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        return self.wait()


def _wait_until_ready(server: Server) -> bool:
    """Poll the server until it answers; `False` if the process exited first.

    Raises:
        ServerError: The server neither answered nor exited within `READY_TIMEOUT`.
    """
    deadline = time.monotonic() + READY_TIMEOUT
    attempts = int(READY_TIMEOUT / POLL_INTERVAL)
    with httpx.Client(timeout=2.0) as client:
        for _ in range(attempts):
            if server.process.poll() is not None:
                return False
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{server.url}/api/status").status_code == 200:
                    return True
            if time.monotonic() > deadline:
                break
            time.sleep(POLL_INTERVAL)
    server.process.kill()
    server.process.wait(timeout=STOP_TIMEOUT)
    raise ServerError(f"{server.kind} was not ready within {READY_TIMEOUT} s:\n{server.log()}")


def start_server(kind: ServerKind, log_dir: Path) -> Server:
    """Start the demo app under `kind` on a free port and wait until it answers.

    Raises:
        ServerError: It did not start (after `START_ATTEMPTS` ports, when the port was taken).
    """
    for attempt in range(START_ATTEMPTS):
        port = free_port()
        log_path = log_dir / f"{kind}-{port}-{attempt}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                server_command(kind, port),
                cwd=EXAMPLES,
                env=_server_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        server = Server(kind, port, process, log_path)
        if _wait_until_ready(server):
            return server
        log = server.log()
        if not any(marker in log.lower() for marker in _PORT_TAKEN_MARKERS):
            raise ServerError(f"{kind} exited with {process.returncode} at start:\n{log}")
    raise ServerError(f"{kind}: no free port after {START_ATTEMPTS} attempts")


@contextlib.contextmanager
def running_server(kind: ServerKind, log_dir: Path) -> Generator[Server, None, None]:
    """Start a server for the duration of the block; stop it (gracefully if it still runs) after."""
    server = start_server(kind, log_dir)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
