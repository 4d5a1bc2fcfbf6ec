"""Compare this package's public API with upstream Starlette 1.10.0 using griffe.

Upstream is installed into a throwaway environment (see `_upstream.py`) only to
be loaded by griffe, never copied. The step fails on every breaking change
griffe finds that is not in `ALLOWED` below, each entry with its reason.
"""

from __future__ import annotations

import re
import sys

import griffe

from scripts._upstream import ROOT, ensure_upstream_env, site_packages

# Breaking changes accepted, keyed by griffe's explanation with the location stripped.
_SAME_SENTINEL = "the same sentinel object, named through httpx2's public `USE_CLIENT_DEFAULT`"
_SAME_THREAD_MINIMUM = "the same value (128 * 1024), named by a module constant"
ALLOWED: dict[str, str] = {
    "ASGIApp: Public object points to a different kind of object: attribute -> class": (
        "a callback Protocol instead of a Callable alias, so that ASGI apps with positional-only or "
        "differently named parameters are accepted; every callable upstream accepts is still accepted"
    ),
    "HTTPConnection.__eq__: Public object points to a different kind of object: attribute -> function": (
        "the same identity equality as upstream's `object.__eq__`, written as a documented method"
    ),
    "HTTPConnection.__hash__: Public object points to a different kind of object: attribute -> function": (
        "the same identity hash as upstream's `object.__hash__`, written as a documented method"
    ),
    "MultipartPart.__init__(item_headers): Parameter default was changed: list() -> list[tuple[bytes, bytes]]()": (
        "the same default (a new empty list), spelled with its item type"
    ),
    "GZipMiddleware.__init__(thread_minimum_size): Parameter default was changed: "
    "128 * 1024 -> _DEFAULT_THREAD_MINIMUM_SIZE": _SAME_THREAD_MINIMUM,
    "GZipResponder.__init__(thread_minimum_size): Parameter default was changed: "
    "128 * 1024 -> _DEFAULT_THREAD_MINIMUM_SIZE": _SAME_THREAD_MINIMUM,
    **{
        f"TestClient.request({name}): Parameter default was changed: "
        "httpx._client.USE_CLIENT_DEFAULT -> httpx.USE_CLIENT_DEFAULT": _SAME_SENTINEL
        for name in ("auth", "follow_redirects", "timeout")
    },
}


def describe(breakage: griffe.Breakage) -> str:
    """griffe's one-line explanation, without colours or the file's location."""
    line = _ANSI.sub("", breakage.explain())
    return _LOCATION.sub("", line, count=1)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"^\S+:\d+: ")


def main() -> int:
    """Report the breaking changes from upstream to this package; 1 if any is not allowed."""
    old = griffe.load("starlette", search_paths=[site_packages(ensure_upstream_env())], try_relative_path=False)
    new = griffe.load("starlette", search_paths=[ROOT / "src"], try_relative_path=False)
    unexpected = 0
    for breakage in griffe.find_breaking_changes(old, new):
        key = describe(breakage)
        reason = ALLOWED.get(key)
        if reason is None:
            unexpected += 1
            print(f"breaking change: {key}")
        else:
            print(f"allowed: {key} ({reason})")
    print(f"{unexpected} breaking change(s) outside the allow-list")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
