"""Signed cookie-based sessions.

`SessionMiddleware` keeps `request.session`, a dict of JSON-serializable data,
in a cookie signed with `secret_key` (itsdangerous' `TimestampSigner`): the
client can read it but not change it. The session is loaded from the cookie on
every HTTP and websocket connection; a missing, tampered, expired or otherwise
unreadable cookie gives an empty session, never an error.

The response carries `Set-Cookie` only when the session was changed, a cookie
that expires it at once when it was emptied, and `Vary: Cookie` whenever the
session was used, so that caches do not serve one user's page to another.
"""

from __future__ import annotations

import binascii
import json
from _collections_abc import dict_items, dict_keys, dict_values
from base64 import b64decode, b64encode
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, cast

import itsdangerous
from itsdangerous.exc import BadSignature
from typing_extensions import Self

from starlette.datastructures import Secret
from starlette.middleware._vary import RawHeaders, add_vary
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Session", "SessionMiddleware"]


class Session(dict[str, Any]):
    """The session data: a dict that records whether it was read and whether it was changed.

    Changes made through the dict methods are noticed; call `mark_modified()`
    after changing a mutable value held in the session (such as a list).
    """

    accessed: bool = False
    """Whether the session was read or changed during the request."""
    modified: bool = False
    """Whether the session was changed during the request."""

    def mark_accessed(self) -> None:
        """Record that the session was read: the response then varies with the session cookie."""
        self.accessed = True

    def mark_modified(self) -> None:
        """Record that the session was changed: the response then sets the session cookie."""
        self.accessed = self.modified = True

    def __getitem__(self, key: str) -> Any:
        """Return `session[key]`, marking the session accessed."""
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # ty: ignore[incompatible-method-override]  # ty-only: ty wants `dict.get`'s overloads; same call forms as upstream
        """Return `session[key]`, or `default`, marking the session accessed."""
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        """Whether `key` is in the session, marking the session accessed."""
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys, marking the session accessed."""
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        """The number of keys, marking the session accessed."""
        self.accessed = True
        return super().__len__()

    # `json.dumps(session)` and `dict(session)` read through these.
    def keys(self) -> dict_keys[str, Any]:
        """The keys, marking the session accessed."""
        self.accessed = True
        return super().keys()

    def values(self) -> dict_values[str, Any]:
        """The values, marking the session accessed."""
        self.accessed = True
        return super().values()

    def items(self) -> dict_items[str, Any]:
        """The `(key, value)` pairs, marking the session accessed."""
        self.accessed = True
        return super().items()

    def __setitem__(self, key: str, value: Any) -> None:
        """Set `session[key]`, marking the session modified."""
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        """Delete `session[key]`, marking the session modified.

        Raises:
            KeyError: If `key` is not in the session.
        """
        self.mark_modified()  # marked even when the key is missing, as upstream
        super().__delitem__(key)

    def clear(self) -> None:
        """Remove everything, marking the session modified (even if it was empty, as upstream)."""
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *args: Any) -> Any:  # ty: ignore[incompatible-method-override]  # ty-only: ty wants `dict.pop`'s overloads; same call forms as upstream
        """Remove `key` and return its value (or the default given), marking the session modified if it was there.

        Popping a missing key with a default leaves the session untouched (neither accessed nor modified).

        Raises:
            KeyError: If `key` is not in the session and no default is given.
        """
        if super().__contains__(key):
            self.mark_modified()
        return super().pop(key, *args)

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted `(key, value)` pair, marking the session modified.

        Raises:
            KeyError: If the session is empty.
        """
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return `session[key]`, first setting it to `default` (marking the session modified) if missing."""
        self.accessed = True
        if not super().__contains__(key):
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the session like `dict.update`, marking it modified."""
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Self:  # type: ignore[override,misc]  # any mapping or pairs, like dict.update  # ty: ignore[incompatible-method-override]
        """`session |= other`: update the session, marking it modified."""
        self.update(other)
        return self


def _load(data: bytes) -> dict[str, Any] | None:
    """The session dict encoded in `data`, or `None` when it does not hold one."""
    try:
        value = json.loads(b64decode(data, validate=True))
    except (ValueError, binascii.Error):
        return None
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


class SessionMiddleware:
    """Keep `request.session` in a signed cookie.

    Args:
        app: The ASGI app to wrap.
        secret_key: The key signing the cookie; keep it secret and random.
        session_cookie: The name of the cookie.
        max_age: How long, in seconds, the session lasts; `None` for as long as
            the browser keeps session cookies.
        path: The `Path` of the cookie.
        same_site: The `SameSite` policy of the cookie.
        https_only: Whether to mark the cookie `Secure` (sent over HTTPS only).
        domain: The `Domain` of the cookie, to share it with subdomains.
        partitioned: Whether to mark the cookie `Partitioned` (CHIPS).
    """

    app: ASGIApp
    """The wrapped application."""
    signer: itsdangerous.TimestampSigner
    """Signs and verifies the cookie."""
    session_cookie: str
    """The name of the cookie."""
    max_age: int | None
    """How long, in seconds, the session lasts (`None`: the browser session)."""
    path: str
    """The `Path` of the cookie."""
    security_flags: str
    """The cookie attributes after `Path` and `Max-Age` (`httponly; samesite=...` and more)."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | Secret,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
    ) -> None:
        self.app = app
        self.signer = itsdangerous.TimestampSigner(str(secret_key))
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.path = path
        self.security_flags = "httponly; samesite=" + same_site
        if https_only:
            self.security_flags += "; secure"
        if domain is not None:
            self.security_flags += f"; domain={domain}"
        if partitioned:
            self.security_flags += "; partitioned"
        self._cookie_name = session_cookie.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection: load `scope["session"]`, and save it with the HTTP response."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        data = self._read_cookie(scope)
        initial_session_was_empty = not data
        scope["session"] = Session(data or {})

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                # What is in the scope then, as upstream: the app may have replaced the session.
                self._add_headers(message, scope["session"], initial_session_was_empty)
            await send(message)

        await self.app(scope, receive, send_with_session)

    def _read_cookie(self, scope: Scope) -> dict[str, Any] | None:
        """The session data in the request's cookie, or `None` if it has none that is valid."""
        for name, value in scope.get("headers", ()):
            if name == b"cookie" and self._cookie_name in value:
                cookie = cookie_parser(value.decode("latin-1")).get(self.session_cookie)
                if cookie is not None:
                    return self._unsign(cookie)
        return None

    def _unsign(self, cookie: str) -> dict[str, Any] | None:
        try:
            data = self.signer.unsign(cookie.encode("latin-1"), max_age=self.max_age)
        except BadSignature:
            return None
        return _load(data)

    def _add_headers(self, message: Message, session: Session, initial_session_was_empty: bool) -> None:
        if not session.accessed:
            return
        headers: RawHeaders = list(message.get("headers", ()))
        message["headers"] = headers
        add_vary(headers, b"Cookie")
        if not session.modified:
            return
        if len(session):
            data = b64encode(json.dumps(dict(session)).encode("utf-8"))
            value = self.signer.sign(data).decode("utf-8")
            max_age = "" if self.max_age is None else f"Max-Age={self.max_age}; "
            cookie = f"{self.session_cookie}={value}; path={self.path}; {max_age}{self.security_flags}"
        elif not initial_session_was_empty:
            expires = "expires=Thu, 01 Jan 1970 00:00:00 GMT; "
            cookie = f"{self.session_cookie}=null; path={self.path}; {expires}{self.security_flags}"
        else:
            return
        headers.append((b"set-cookie", cookie.encode("latin-1")))
