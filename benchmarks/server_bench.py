"""Server benchmark: requests/s and p99 latency of uvicorn serving `server_app.py` on loopback.

Each implementation is served in turn by uvicorn (httptools parser, one worker)
started from its own interpreter, and loaded from this process for a bounded
time: with `wrk` when it is on PATH, otherwise with a small keep-alive load
generator written with asyncio streams.

    python benchmarks/server_bench.py --ours-python .venv/bin/python \\
        --upstream-python /tmp/starlette-upstream-venv/bin/python [--duration 5] [--json]

The interpreters need `uvicorn` and `httptools`. `--ours-pythonpath DIR` puts DIR
first on the server's `PYTHONPATH`, which lets an interpreter that has upstream
installed serve ours from the source tree instead.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATHS: dict[str, str] = {"plaintext": "/plaintext", "json_path_param": "/items/42"}


@dataclass(frozen=True)
class Implementation:
    """How to start a server for one `starlette`."""

    name: str
    python: str
    pythonpath: str | None


@dataclass(frozen=True)
class LoadResult:
    """What one timed load run measured."""

    requests_per_second: float
    p99_ms: float
    requests: int
    errors: int


@dataclass(frozen=True)
class ServerRun:
    """One server start: which `starlette` it served, and the load result per path."""

    starlette_path: str
    results: dict[str, LoadResult]


def free_port() -> int:
    """Ask the kernel for an unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(impl: Implementation, port: int, loop: str) -> subprocess.Popen[bytes]:
    """Start uvicorn serving `server_app:app` with `impl`'s interpreter."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if impl.pythonpath:
        env["PYTHONPATH"] = impl.pythonpath
    command = [
        impl.python,
        "-m",
        "uvicorn",
        "server_app:app",
        "--app-dir",
        str(HERE),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--http",
        "httptools",
        "--loop",
        loop,
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)


def get(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a fresh connection: status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(server: subprocess.Popen[bytes], port: int, timeout: float = 20.0) -> str:
    """Wait until the server answers; return the path of the `starlette` it serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with status {server.returncode}")
        try:
            status, body = get(port, "/_starlette")
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200:
            raise RuntimeError(f"/_starlette answered {status}")
        return body.decode()
    raise RuntimeError(f"server not ready after {timeout} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server, forcibly if it does not exit promptly."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def run_wrk(port: int, path: str, duration: float, connections: int) -> LoadResult:
    """Load with `wrk` (one thread) and parse its report."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or p99 is None or total is None:
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    error_count = int(errors.group(1)) if errors else 0
    if socket_errors:
        error_count += sum(int(group) for group in socket_errors.groups())
    p99_ms = float(p99.group(1)) * _UNITS[p99.group(2)]
    return LoadResult(float(rate.group(1)), p99_ms, int(total.group(1)), error_count)


async def _python_load(port: int, path: str, duration: float, connections: int) -> LoadResult:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + duration

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                await reader.readexactly(int(match.group(1)) if match else 0)
                latencies.append(time.perf_counter() - sent)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    return LoadResult(len(latencies) / elapsed, p99 * 1e3, len(latencies), errors)


def run_python(port: int, path: str, duration: float, connections: int) -> LoadResult:
    """Load with the built-in asyncio keep-alive client."""
    return asyncio.run(_python_load(port, path, duration, connections))


def measure(
    impl: Implementation, *, loadgen: str, duration: float, warmup: float, connections: int, loop: str
) -> ServerRun:
    """Serve `impl` and load each path: a short warm-up, then a timed run."""
    load = run_wrk if loadgen == "wrk" else run_python
    port = free_port()
    server = start_server(impl, port, loop)
    try:
        location = wait_ready(server, port)
        results: dict[str, LoadResult] = {}
        for name, path in PATHS.items():
            status, _ = get(port, path)
            if status != 200:
                raise RuntimeError(f"{impl.name} {path}: status {status}")
            load(port, path, warmup, connections)
            results[name] = load(port, path, duration, connections)
        return ServerRun(location, results)
    finally:
        stop_server(server)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both implementations, alternating, and print requests/s and p99 latency."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours-python", required=True, help="interpreter that imports our starlette")
    parser.add_argument("--ours-pythonpath", help="PYTHONPATH for our server (e.g. the repo's src)")
    parser.add_argument("--upstream-python", required=True, help="interpreter that imports upstream starlette")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per path and run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up load per path")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=2, help="runs per implementation, alternating")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio", help="uvicorn event loop")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
    impls = [
        Implementation("ours", args.ours_python, args.ours_pythonpath),
        Implementation("upstream", args.upstream_python, None),
    ]
    runs: dict[str, list[ServerRun]] = {"ours": [], "upstream": []}
    for round_number in range(args.rounds):
        order = impls if round_number % 2 == 0 else impls[::-1]
        for impl in order:
            print(f"  round {round_number + 1}: {impl.name} ...", file=sys.stderr, flush=True)
            runs[impl.name].append(
                measure(
                    impl,
                    loadgen=loadgen,
                    duration=args.duration,
                    warmup=args.warmup,
                    connections=args.connections,
                    loop=args.loop,
                )
            )
    summary: dict[str, dict[str, float]] = {}
    for name in PATHS:
        row: dict[str, float] = {}
        for impl_name, impl_runs in runs.items():
            results = [run.results[name] for run in impl_runs]
            row[f"{impl_name}_rps"] = max(result.requests_per_second for result in results)
            row[f"{impl_name}_p99_ms"] = min(result.p99_ms for result in results)
        row["rps_ratio"] = row["ours_rps"] / row["upstream_rps"]
        summary[name] = row
    report = {
        "loadgen": loadgen,
        "loop": args.loop,
        "connections": args.connections,
        "duration": args.duration,
        "runs": {name: [asdict(run) for run in impl_runs] for name, impl_runs in runs.items()},
        "summary": summary,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"load generator: {loadgen}, {args.connections} connections, {args.duration:g} s/run, best of {args.rounds}")
    print(f"ours:     {runs['ours'][0].starlette_path}")
    print(f"upstream: {runs['upstream'][0].starlette_path}")
    print(f"{'route':18} {'ours req/s':>11} {'upstream req/s':>15} {'ratio':>6} {'ours p99':>10} {'upstream p99':>13}")
    for name, row in summary.items():
        print(
            f"{name:18} {row['ours_rps']:11.0f} {row['upstream_rps']:15.0f} {row['rps_ratio']:6.2f} "
            f"{row['ours_p99_ms']:8.2f}ms {row['upstream_p99_ms']:11.2f}ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
