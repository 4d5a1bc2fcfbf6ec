"""Memory under hostile forms: the worker's RSS while uvicorn refuses issue 16's attack requests.

Starts uvicorn on 127.0.0.1 serving `app` (below) from the given interpreter,
measures the worker's idle RSS, then streams each attack request and samples
the worker's RSS until the response arrives (the client stops sending then):

* `p3`: 1000 urlencoded fields of a 1 MiB name and a 1 MiB value (2 GiB);
* `p4`: 1000 urlencoded fields of 1 MiB each, name and value (1 GiB), each
  within the per-field limit;
* `p4-multipart`: 1000 multipart non-file parts of 1 MiB (1 GiB).

    python benchmarks/hostile_memory.py [--python /tmp/upstream/bin/python] [--json]

It exits with status 1 if an attack is answered with anything but 400 or 413,
or if the RSS rises 64 MiB or more above idle.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024
FIELDS = 1000
RSS_BUDGET = 64 * MIB
BOUNDARY = b"hostile-memory-boundary"


async def count_fields(request: Request) -> PlainTextResponse:
    """Parse the form with the default limits and answer its number of fields."""
    async with request.form() as form:
        return PlainTextResponse(str(len(form)))


app = Starlette(routes=[Route("/", count_fields, methods=["POST"])])


def urlencoded_fields(name_size: int) -> Iterator[bytes]:
    """The body of `FIELDS` fields of a 1 MiB value (name included when `name_size` is 0), piece by piece."""
    for index in range(FIELDS):
        name = (b"" if index == 0 else b"&") + b"f%d" % index
        if name_size:
            yield name + b"n" * (name_size - len(name)) + b"="
            yield b"v" * MIB
        else:
            yield name + b"=" + b"v" * (MIB - len(name.lstrip(b"&")))


def multipart_parts() -> Iterator[bytes]:
    """The body of `FIELDS` non-file parts of 1 MiB, produced piece by piece."""
    for index in range(FIELDS):
        yield b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n' % index
        yield b"v" * MIB
        yield b"\r\n"
    yield b"--" + BOUNDARY + b"--\r\n"


ATTACKS: dict[str, tuple[bytes, Callable[[], Iterator[bytes]]]] = {
    "p3": (b"application/x-www-form-urlencoded", lambda: urlencoded_fields(MIB)),
    "p4": (b"application/x-www-form-urlencoded", lambda: urlencoded_fields(0)),
    "p4-multipart": (b"multipart/form-data; boundary=" + BOUNDARY, multipart_parts),
}


def rss(pid: int) -> int:
    """The resident set size of process `pid`, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Sampler(threading.Thread):
    """Samples a process's RSS until stopped, keeping the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = rss(pid)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.002):
            self.peak = max(self.peak, rss(self.pid))


def send_attack(port: int, content_type: bytes, pieces: Iterator[bytes], length: int) -> int:
    """Stream one request until the server answers; return the response's status code."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
        sock.sendall(head % (content_type, length))
        for piece in pieces:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # answered: stop sending
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
        response = sock.recv(65536)
    return int(response.split(b" ", 2)[1])


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of the call."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(python: str, port: int) -> subprocess.Popen[bytes]:
    """Start uvicorn serving `hostile_memory:app` and wait until it accepts connections."""
    command = [python, "-m", "uvicorn", "--app-dir", str(HERE), "--port", str(port), "--log-level", "error"]
    server = subprocess.Popen([*command, "hostile_memory:app"], stdin=subprocess.DEVNULL)
    for _ in range(400):
        if accepts_connections(port):
            return server
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("uvicorn did not start")


def accepts_connections(port: int) -> bool:
    """Whether something listens on `port` of 127.0.0.1."""
    try:
        socket.create_connection(("127.0.0.1", port)).close()
    except OSError:
        return False
    return True


def measure(python: str) -> dict[str, dict[str, int]]:
    """Run every attack against one server; the status and RSS figures per attack."""
    port = free_port()
    server = start_server(python, port)
    results: dict[str, dict[str, int]] = {}
    try:
        idle = rss(server.pid)
        for name, (content_type, make_body) in ATTACKS.items():
            length = sum(len(piece) for piece in make_body())  # counted without keeping the body
            sampler = Sampler(server.pid)
            sampler.start()
            status = send_attack(port, content_type, make_body(), length)
            sampler.done.set()
            sampler.join()
            results[name] = {"status": status, "idle_rss": idle, "peak_rss": sampler.peak}
    finally:
        server.terminate()
        server.wait(10)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the figures, and fail when an attack is not refused within the RSS budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--python", default=sys.executable, help="the interpreter serving the app (needs uvicorn)")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    results = measure(str(args.python))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'attack':<14} {'status':>6} {'idle RSS':>10} {'peak RSS':>10} {'above idle':>11}")
        for name, figures in results.items():
            idle, peak = figures["idle_rss"], figures["peak_rss"]
            above = (peak - idle) / MIB
            print(f"{name:<14} {figures['status']:>6} {idle / MIB:>8.1f}MB {peak / MIB:>8.1f}MB {above:>9.1f}MB")
    refused = all(figures["status"] in (400, 413) for figures in results.values())
    bounded = all(figures["peak_rss"] - figures["idle_rss"] < RSS_BUDGET for figures in results.values())
    return 0 if refused and bounded else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
