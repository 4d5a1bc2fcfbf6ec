"""The `Vary` bookkeeping shared by the middleware that change a response by request headers."""

from __future__ import annotations

from typing import TypeAlias

RawHeaders: TypeAlias = list[tuple[bytes, bytes]]
"""Response headers as the ASGI `http.response.start` message carries them."""


def add_vary(headers: RawHeaders, token: bytes) -> None:
    """Add `token` to the `Vary` of response `headers` (a list the caller owns), unless already there.

    Several `Vary` headers are merged into one, so that none is lost.
    """
    positions = [index for index, (name, _) in enumerate(headers) if name == b"vary"]
    if not positions:
        headers.append((b"vary", token))
        return
    values = [headers[index][1] for index in positions]
    present = {item.strip().lower() for value in values for item in value.split(b",")}
    if token.lower() in present or b"*" in present:
        return
    headers[positions[0]] = (b"vary", b", ".join([*values, token]))
    for index in reversed(positions[1:]):
        del headers[index]
