"""The memos of the HTTP objects and middleware are `BoundedCache`s that never outgrow their size."""

from __future__ import annotations

from typing import Any

from starlette import datastructures, requests, responses
from starlette._cache import BoundedCache
from starlette.datastructures import URL
from starlette.middleware import gzip
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover  # never called
    raise AssertionError("unreachable")


def assert_bounded(cache: BoundedCache[Any, Any], size: int, newest: object) -> None:
    assert cache.maxsize == size
    assert len(cache) == size
    assert newest in cache


def test_cookie_header_cache_is_bounded() -> None:
    for index in range(300):
        cookie = f"id={index}".encode()
        assert Request({"type": "http", "headers": [(b"cookie", cookie)]}).cookies == {"id": str(index)}
    assert_bounded(requests._COOKIE_HEADERS, 128, b"id=299")  # pyright: ignore[reportPrivateUsage]
    big = b"k=" + b"v" * 2000
    assert Request({"type": "http", "headers": [(b"cookie", big)]}).cookies == {"k": "v" * 2000}
    assert big not in requests._COOKIE_HEADERS  # pyright: ignore[reportPrivateUsage]


def test_content_type_cache_is_bounded() -> None:
    for index in range(300):
        assert Response(media_type=f"text/x-{index}").headers["content-type"] == f"text/x-{index}; charset=utf-8"
    cache = responses._CONTENT_TYPE_HEADERS  # pyright: ignore[reportPrivateUsage]
    assert_bounded(cache, 256, ("text/x-299", "utf-8"))


def test_host_cache_is_bounded() -> None:
    for index in range(300):
        scope: Scope = {"type": "http", "path": "/", "headers": [(b"host", f"h{index}.test".encode())]}
        assert str(URL(scope=scope)) == f"http://h{index}.test/"
    assert_bounded(datastructures._VALID_AUTHORITIES, 256, "h299.test")  # pyright: ignore[reportPrivateUsage]


def test_header_name_cache_is_bounded() -> None:
    headers = datastructures.Headers(raw=[])
    for index in range(1100):
        assert headers.get(f"x-name-{index}") is None
    assert_bounded(datastructures._LOOKUP_KEYS, 1024, "x-name-1099")  # pyright: ignore[reportPrivateUsage]


def test_gzip_caches_are_bounded() -> None:
    for index in range(200):
        assert gzip._accepts_gzip(f"gzip;q=0.{index % 9 + 1}, x{index}".encode())  # pyright: ignore[reportPrivateUsage]
    assert_bounded(gzip._ACCEPT_ENCODINGS, 128, b"gzip;q=0.2, x199")  # pyright: ignore[reportPrivateUsage]
    matcher = gzip._ContentTypeMatcher(["image/*"])  # pyright: ignore[reportPrivateUsage]
    for index in range(300):
        assert matcher.raw(f"image/x-{index}".encode())
    assert_bounded(matcher._raw_cache, 256, b"image/x-299")  # pyright: ignore[reportPrivateUsage]
    for index in range(40):
        media_types = (f"a/{index}",)
        assert gzip._matcher_for(media_types) is gzip._matcher_for(media_types)  # pyright: ignore[reportPrivateUsage]
    assert_bounded(gzip._SHARED_MATCHERS, 32, ("a/39",))  # pyright: ignore[reportPrivateUsage]


def test_cors_origin_cache_is_bounded() -> None:
    middleware = CORSMiddleware(app, allow_origin_regex=r"https://.*\.test")
    for index in range(300):
        middleware._added_for(f"https://o{index}.test".encode())  # pyright: ignore[reportPrivateUsage]
    assert_bounded(middleware._by_origin, 256, b"https://o299.test")  # pyright: ignore[reportPrivateUsage]
