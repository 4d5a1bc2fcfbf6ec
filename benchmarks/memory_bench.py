"""Memory benchmark: peak RSS above idle while streaming a large upload and a large download.

Two cases, each in a fresh child process of the interpreter running this file:

- `upload`: a `multipart/form-data` POST carrying one file of `--size-mb`
  megabytes, read by the endpoint with `request.form()` in 1 MB reads;
- `download`: a `FileResponse` of a `--size-mb` megabyte file.

Requests are in-process ASGI calls (see `asgi_driver.py`). The driver generates
the body chunk by chunk and counts the response bytes without keeping them, so
what grows is the application's memory. The file and spooled uploads live in a
temporary directory on disk that is deleted afterwards. Peak RSS is the kernel's
high-water mark (`VmHWM`, reset through `/proc/self/clear_refs`) minus the RSS
after a warm-up request; Linux only.

    python benchmarks/memory_bench.py [--size-mb 1024] [--case upload|download] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

from asgi_driver import HTTPExchange, http_scope, new_scope

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

CHUNK = 64 * 1024
MB = 1024 * 1024
LIMIT_MB = 32.0
BOUNDARY = "----memorybenchboundaryq1w2e3r4"
CASES = ("upload", "download")


class MultipartStream(Sequence[bytes]):
    """A multipart body made on demand: a head, `count` copies of one chunk, a tail; nothing else is stored."""

    def __init__(self, size: int) -> None:
        """Describe a body carrying a `size`-byte file (rounded down to whole chunks)."""
        self.chunk = bytes(range(33, 123)) * (CHUNK // 90) + b"x" * (CHUNK % 90)
        self.file_chunks = size // CHUNK
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nbig upload\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    @property
    def file_size(self) -> int:
        """Bytes of file content in the body."""
        return self.file_chunks * CHUNK

    @property
    def total_size(self) -> int:
        """Bytes of the whole body."""
        return len(self.head) + self.file_size + len(self.tail)

    def __len__(self) -> int:
        """Number of chunks the body is delivered in."""
        return self.file_chunks + 2

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        """Chunk `index`: the head, a file chunk, or the tail."""
        if isinstance(index, slice):
            raise TypeError("MultipartStream does not support slicing")
        if index == 0:
            return self.head
        if 0 < index <= self.file_chunks:
            return self.chunk
        if index == self.file_chunks + 1:
            return self.tail
        raise IndexError(index)


async def upload(request: Request) -> Response:
    """Read the uploaded file in 1 MB pieces and answer with its size."""
    total = 0
    async with request.form() as form:
        file = form["file"]
        if not isinstance(file, UploadFile):
            return PlainTextResponse("no file", status_code=400)
        while chunk := await file.read(MB):
            total += len(chunk)
    return PlainTextResponse(str(total))


def make_app(directory: Path) -> Starlette:
    """An app with the upload route and a route serving files from `directory`."""

    async def download(request: Request) -> Response:
        return FileResponse(directory / request.path_params["name"])

    return Starlette(routes=[Route("/upload", upload, methods=["POST"]), Route("/files/{name}", download)])


def write_file(path: Path, size: int) -> None:
    """Write `size` bytes to `path`, 1 MB at a time."""
    block = bytes(range(256)) * (MB // 256)
    with path.open("wb") as file:
        for _ in range(size // MB):
            file.write(block)
        file.write(block[: size % MB])


def rss_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakMeter:
    """The peak RSS from now on: the kernel's high-water mark if it can be reset, else a sampling thread."""

    def __init__(self) -> None:
        """Reset the high-water mark, or start sampling."""
        self._peak = rss_kb("VmRSS")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._peak = max(self._peak, rss_kb("VmRSS"))

    def peak_kb(self) -> int:
        """The highest RSS seen since construction."""
        if self._thread is None:
            return rss_kb("VmHWM")
        self._stop.set()
        self._thread.join()
        return self._peak


async def serve(app: Starlette, scope: dict[str, Any], exchange: HTTPExchange) -> HTTPExchange:
    """Serve one request."""
    await app(new_scope(scope), exchange.receive, exchange.send)
    return exchange


def upload_request(size: int) -> tuple[dict[str, Any], MultipartStream]:
    """The scope and body of an upload of `size` bytes."""
    body = MultipartStream(size)
    headers = [
        ("content-type", f"multipart/form-data; boundary={BOUNDARY}"),
        ("content-length", str(body.total_size)),
    ]
    return http_scope("POST", "/upload", headers=headers), body


def measure(app: Starlette, scope: dict[str, Any], exchange: HTTPExchange) -> tuple[float, float, float]:
    """Serve one request; return the idle RSS and the peak above it (MB), and the seconds it took."""
    gc.collect()
    idle = rss_kb("VmRSS")
    meter = PeakMeter()
    start = time.perf_counter()
    asyncio.run(serve(app, scope, exchange))
    elapsed = time.perf_counter() - start
    return idle / 1024, (meter.peak_kb() - idle) / 1024, elapsed


def run_case(case: str, size: int, directory: Path) -> dict[str, Any]:
    """Measure one case in this process, after a small warm-up request of the same kind; return its report."""
    app = make_app(directory)
    if case == "upload":
        warm_scope, warm_body = upload_request(4 * MB)
        asyncio.run(serve(app, warm_scope, HTTPExchange(warm_body)))
        scope, body = upload_request(size)
        exchange = HTTPExchange(body, keep_body=True)
        idle, peak, elapsed = measure(app, scope, exchange)
        moved = body.total_size
        ok = exchange.status == 200 and b"".join(exchange.body) == str(body.file_size).encode()
    else:
        write_file(directory / "small.bin", 4 * MB)
        asyncio.run(serve(app, http_scope("GET", "/files/small.bin"), HTTPExchange()))
        write_file(directory / "big.bin", size)
        exchange = HTTPExchange()
        idle, peak, elapsed = measure(app, http_scope("GET", "/files/big.bin"), exchange)
        moved = exchange.size
        ok = exchange.status == 200 and moved == size
    return {
        "case": case,
        "size_mb": size / MB,
        "ok": ok,
        "status": exchange.status,
        "idle_rss_mb": idle,
        "peak_above_idle_mb": peak,
        "seconds": elapsed,
        "mb_per_second": moved / MB / elapsed,
    }


def child(case: str, size: int, parent_directory: str | None) -> int:
    """Child process entry: run `case` with spooled files in a temporary directory, print the JSON report."""
    directory = Path(tempfile.mkdtemp(prefix="starlette-membench-", dir=parent_directory))
    tempfile.tempdir = str(directory)
    try:
        report = run_case(case, size, directory)
    finally:
        tempfile.tempdir = None
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(report))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run each case in a child process and report the peaks; exit 1 if a case fails or exceeds the limit."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the upload and of the download")
    parser.add_argument("--case", choices=CASES, action="append", help="run only this case (repeatable)")
    parser.add_argument("--tmpdir", help="where to put the temporary directory (default: the system's)")
    parser.add_argument("--limit-mb", type=float, default=LIMIT_MB, help="peak above idle allowed (default 32)")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = args.size_mb * MB
    if args.child:
        return child(args.child, size, args.tmpdir)
    import starlette

    reports: list[dict[str, Any]] = []
    for case in args.case or CASES:
        command = [sys.executable, __file__, "--child", case, "--size-mb", str(args.size_mb)]
        if args.tmpdir:
            command += ["--tmpdir", args.tmpdir]
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            reports.append({"case": case, "ok": False, "error": done.stderr.strip().splitlines()[-1:]})
            continue
        reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    failed = False
    for report in reports:
        report["within_limit"] = report.get("ok", False) and report["peak_above_idle_mb"] < args.limit_mb
        failed = failed or not report["within_limit"]
    if args.json:
        print(json.dumps({"starlette_path": str(starlette.__file__), "reports": reports}, indent=2))
        return 1 if failed else 0
    print(f"starlette from {starlette.__file__}")
    for report in reports:
        if "error" in report:
            print(f"{report['case']:9} FAILED: {report['error']}")
            continue
        verdict = "ok" if report["within_limit"] else f"OVER {args.limit_mb:g} MB" if report["ok"] else "WRONG RESPONSE"
        print(
            f"{report['case']:9} {report['size_mb']:6.0f} MB  peak above idle {report['peak_above_idle_mb']:7.1f} MB "
            f"(idle {report['idle_rss_mb']:.1f} MB)  {report['seconds']:6.1f} s  {report['mb_per_second']:7.1f} MB/s  "
            f"{verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
