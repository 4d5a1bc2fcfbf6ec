"""The additions beyond upstream, through real servers: server-sent events, compression, mounted lifespans."""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Callable
from typing import Any

import httpx
import zstandard

from tests.e2e.servers import Server

brotli: Any = importlib.import_module("brotli")  # the package ships no types


def _events(http: httpx.Client, headers: dict[str, str]) -> tuple[httpx.Headers, list[dict[str, str]]]:
    """Read the demo clock's event stream (three ticks, 10 ms apart): its headers and parsed events."""
    events: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    with http.stream("GET", "/clock/events", params={"interval": 10, "count": 3}, headers=headers) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if not line:
                events.append(fields)
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        return response.headers, events


def test_server_sent_events_and_reconnection(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        headers, events = _events(http, {"accept-encoding": "zstd, br, gzip"})
        assert headers["content-type"] == "text/event-stream; charset=utf-8"
        assert headers["cache-control"] == "no-cache"
        assert headers["x-accel-buffering"] == "no"
        assert "content-encoding" not in headers  # event streams are never compressed
        assert [(event["event"], event["id"]) for event in events] == [("tick", "1"), ("tick", "2"), ("tick", "3")]
        assert all(len(event["data"]) == len("12:34:56") for event in events)
        _, resumed = _events(http, {"last-event-id": events[-1]["id"]})
        assert [event["id"] for event in resumed] == ["4", "5", "6"]


def test_mounted_app_lifespan_ran(server: Server) -> None:
    assert "demo: clock opened" in server.log()
    page = httpx.get(f"{server.url}/clock/", timeout=10.0)
    assert page.status_code == 200
    assert 'data-events-url="/clock/events"' in page.text


def test_compression_negotiated_on_the_wire(server: Server) -> None:
    def unzstd(data: bytes) -> bytes:
        result: bytes = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        return result

    decoders: dict[str, Callable[[bytes], bytes]] = {
        "zstd": unzstd,
        "br": brotli.decompress,
        "gzip": gzip.decompress,
    }
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        plain = http.get("/", headers={"accept-encoding": "identity"})
        cases = {
            "gzip, deflate, br, zstd": "zstd",
            "br;q=1, zstd;q=0.5": "br",
            "zstd;q=0, br;q=0, gzip;q=0.3": "gzip",
        }
        for accept_encoding, coding in cases.items():
            with http.stream("GET", "/", headers={"accept-encoding": accept_encoding}) as response:
                raw = b"".join(response.iter_raw())
            assert response.headers["content-encoding"] == coding
            assert "Accept-Encoding" in response.headers["vary"]
            assert decoders[coding](raw) == plain.content
