"""Host names for routing: the `Host` header of a request and the host patterns of `Host` routes."""

from __future__ import annotations

import re

from starlette.types import Scope

__all__ = ["request_host", "strip_port"]

# The value of a `Host` header: a registered name or IPv4 address, or a bracketed
# IPv6 literal (which keeps its colons), then an optional port. Anything else
# (spaces, `/`, `@`, a second colon outside brackets...) makes it malformed.
_HOST_HEADER = re.compile(r"(\[[0-9A-Za-z:.%_~-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?")


def strip_port(host_pattern: str) -> str:
    """Drop the `:port` from the end of a host pattern (routing ignores ports)."""
    if "]" in host_pattern:  # an IPv6 literal: its colons are not a port separator
        head, _, _ = host_pattern.rpartition("]")
        return head + "]"
    return host_pattern.split(":")[0]


def request_host(scope: Scope) -> str | None:
    """The host name of the `Host` header, lower-cased, without port; `None` if malformed.

    A missing header gives `""`.
    """
    for key, value in scope.get("headers", ()):
        if key == b"host":
            header = value.decode("latin-1")
            parsed = _HOST_HEADER.fullmatch(header)
            return None if parsed is None else parsed.group(1).lower()
    return ""
