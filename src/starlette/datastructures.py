"""The data structures that requests, responses and configuration are made of.

URLs, addresses, query strings, multi-dicts, form data and uploaded files,
HTTP headers, secrets and comma-separated settings, and the attribute-style
`State` namespace. They are built on every request, so construction is cheap
and parsing happens only when a part is actually read.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, MutableMapping, Sequence, ValuesView
from ipaddress import IPv6Address
from itertools import repeat
from operator import itemgetter
from shlex import shlex
from typing import Any, BinaryIO, ClassVar, Final, Literal, NamedTuple, overload
from urllib.parse import SplitResult, parse_qsl, unquote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from typing_extensions import Self, TypedDict, TypeVar, Unpack

from starlette._cache import BoundedCache
from starlette.concurrency import run_in_threadpool

__all__ = [
    "URL",
    "Address",
    "CommaSeparatedStrings",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "Secret",
    "State",
    "URLPath",
    "UploadFile",
]

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)
_K = TypeVar("_K", default=Any)
_V = TypeVar("_V", default=Any)
_T = TypeVar("_T")
_VT = TypeVar("_VT")


class Address(NamedTuple):
    """A network peer: host name or IP address, and port."""

    host: str
    port: int


# --------------------------------------------------------------------------- URLs

_DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# `host [":" port]` as RFC 3986 defines it: a registered name (unreserved characters,
# sub-delimiters, percent-escapes), or in brackets an IPv6 literal or an IPvFuture one
# (`v<hex>.<text>`, lower-case `v` as Python's `urlsplit` requires). Anything else —
# `/`, `@`, `?`, `#`, `\`, whitespace, stray brackets — could move the URL's authority.
_AUTHORITY = re.compile(
    r"(?:\[(?:(?P<ipv6>[0-9A-Fa-f:.]+)|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]"
    r"|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)"
    r"(?::(?P<port>[0-9]*))?"
)


_VALID_AUTHORITIES: BoundedCache[str, bool] = BoundedCache(256)


def _is_valid_authority(value: str) -> bool:
    """Whether `value` is a well-formed `host[:port]` with no user info.

    Cached: a server sees the same few `Host` values over and over.
    """
    valid = _VALID_AUTHORITIES.get(value)
    if valid is None:
        valid = _VALID_AUTHORITIES.put(value, _check_authority(value))
    return valid


def _check_authority(value: str) -> bool:
    match = _AUTHORITY.fullmatch(value)
    if match is None:
        return False
    # Leading zeros are allowed (`host:000080` is port 80); the length check keeps `int()` cheap.
    port = (match["port"] or "").lstrip("0")
    if len(port) > 5 or (port and int(port) > 65535):
        return False
    ipv6 = match["ipv6"]
    if ipv6 is not None:
        try:
            IPv6Address(ipv6)
        except ValueError:
            return False
    return True


def _host_header_authority(scope: Mapping[str, Any]) -> str | None:
    """The first `Host` header of `scope`, if present and well formed."""
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host: str = value.decode("latin-1")
            return host if _is_valid_authority(host) else None
    return None


def _server_authority(scheme: str, server: Sequence[Any] | None) -> str | None:
    """`host[:port]` from the ASGI `server` pair, omitting the scheme's default port."""
    if not server:
        return None
    host, port = server[0], server[1]
    if not isinstance(host, str):
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    authority = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return authority if _is_valid_authority(authority) else None


def _decode_query_string(query_string: bytes) -> str:
    """Decode a raw query string as UTF-8, falling back to latin-1 for stray bytes."""
    try:
        return query_string.decode()
    except UnicodeDecodeError:
        return query_string.decode("latin-1")


# Characters that, left raw in a path, would end it (`?`, `#`) or read as `/` to browsers (`\`).
_PATH_DELIMITERS: dict[int, str] = str.maketrans({"?": "%3F", "#": "%23", "\\": "%5C"})


def _url_from_scope(scope: Mapping[str, Any]) -> tuple[str, SplitResult]:
    """Build the URL string and its components from an ASGI connection scope.

    The components are assembled directly rather than by parsing a joined
    string, and the path is escaped where needed, so that a path without a
    leading `/`, starting with `//` or holding `?`, `#` or a backslash can never be read
    back as an authority, a query or a fragment.
    """
    scheme: str = scope.get("scheme") or "http"
    path: str = scope["path"]
    if "?" in path or "#" in path or "\\" in path:
        path = path.translate(_PATH_DELIMITERS)
    query = _decode_query_string(scope.get("query_string", b""))
    netloc = _host_header_authority(scope) or _server_authority(scheme, scope.get("server"))

    if netloc is None:
        if path.startswith("//"):
            path = "/%2F" + path[2:]
        url = path
        parts = SplitResult._make(("", "", path, query, ""))
    else:
        if path and not path.startswith("/"):
            path = "/" + path
        url = f"{scheme}://{netloc}{path}"
        parts = SplitResult._make((scheme, netloc, path, query, ""))
    if query:
        url += "?" + query
    return url, parts


def _is_unbracketed_ipv6(hostname: str) -> bool:
    """Whether `hostname` is a bare IPv6 address, which needs brackets in a netloc."""
    if ":" not in hostname or hostname.startswith("["):
        return False
    try:
        IPv6Address(hostname)
    except ValueError:
        return False  # e.g. `host:port`, which is kept as given
    return True


class _URLComponents(TypedDict, total=False):
    """The keyword arguments accepted by `URL(...)` and `URL.replace(...)`."""

    scheme: str
    netloc: str
    path: str
    query: str
    fragment: str
    username: str | None
    password: str | None
    hostname: str | None
    port: int | None


class URL:
    """An immutable, string-like URL that exposes its parsed components.

    Build it from a string, from an ASGI `scope` (scheme, `Host` header or
    `server`, path and query string), or from keyword components such as
    `URL(scheme="https", netloc="example.com", path="/")`. The string is only
    split into components when one of them is read.
    """

    _url: str
    _components: SplitResult | None

    def __init__(
        self, url: str = "", scope: Mapping[str, Any] | None = None, **components: Unpack[_URLComponents]
    ) -> None:
        """Create a URL.

        Args:
            url: The URL as a string.
            scope: An ASGI HTTP or websocket scope to read the URL from. A malformed
                `Host` header is ignored in favour of `scope["server"]`.
            components: Components to set on an empty URL (see `replace`).

        Raises:
            AssertionError: if more than one of `url`, `scope` and `components` is given.
        """
        self._components = None
        if scope is not None:
            assert not url, 'Cannot set both "url" and "scope".'
            assert not components, 'Cannot set both "scope" and "**components".'
            url, self._components = _url_from_scope(scope)
        elif components:
            assert not url, 'Cannot set both "url" and "**components".'
            url = URL("").replace(**components)._url
        self._url = url

    @property
    def components(self) -> SplitResult:
        """The URL split into scheme, netloc, path, query and fragment.

        Raises:
            ValueError: if the URL has malformed IPv6 brackets.
        """
        if self._components is None:
            self._components = urlsplit(self._url)
        return self._components

    @property
    def scheme(self) -> str:
        """The scheme, such as `"https"`, or `""`."""
        return self.components.scheme

    @property
    def netloc(self) -> str:
        """The authority: `[user[:password]@]host[:port]`, or `""`."""
        return self.components.netloc

    @property
    def path(self) -> str:
        """The path, such as `"/users/1"`."""
        return self.components.path

    @property
    def query(self) -> str:
        """The query string, without the leading `?`."""
        return self.components.query

    @property
    def fragment(self) -> str:
        """The fragment, without the leading `#`."""
        return self.components.fragment

    @property
    def username(self) -> str | None:
        """The user name of the netloc, or `None`."""
        return self.components.username

    @property
    def password(self) -> str | None:
        """The password of the netloc, or `None`."""
        return self.components.password

    @property
    def hostname(self) -> str | None:
        """The host, lower-cased and without IPv6 brackets, or `None`."""
        return self.components.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or `None`.

        Raises:
            ValueError: if the port is not a number in 0-65535.
        """
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is `https` or `wss`."""
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Unpack[_URLComponents]) -> Self:
        """Return a copy with the given components replaced.

        `scheme`, `netloc`, `path`, `query` and `fragment` replace those parts.
        `hostname`, `port`, `username` and `password` rebuild the netloc from its
        current parts; pass `port=None`, `username=None` or `password=None` to drop one.

        Raises:
            ValueError: for an unknown component name.
        """
        if "hostname" in kwargs or "port" in kwargs or "username" in kwargs or "password" in kwargs:
            hostname = kwargs.pop("hostname", None)
            port = kwargs.pop("port") if "port" in kwargs else self.port
            username = kwargs.pop("username") if "username" in kwargs else self.username
            password = kwargs.pop("password") if "password" in kwargs else self.password
            if hostname is None:
                hostname = self._host_without_port()
            elif _is_unbracketed_ipv6(hostname):
                hostname = f"[{hostname}]"
            netloc = hostname if port is None else f"{hostname}:{port}"
            if username is not None:
                userinfo = username if password is None else f"{username}:{password}"
                netloc = f"{userinfo}@{netloc}"
            kwargs["netloc"] = netloc
        replacements: dict[str, Any] = dict(kwargs)
        return self.__class__(urlunsplit(self.components._replace(**replacements)))

    def _host_without_port(self) -> str:
        """The host of the netloc as written (case and IPv6 brackets kept)."""
        host_port = self.netloc.rpartition("@")[2]
        if host_port.endswith("]"):
            return host_port
        return host_port.rpartition(":")[0] if ":" in host_port else host_port

    def include_query_params(self, **kwargs: object) -> Self:
        """Return a copy with the given query parameters set (each replacing all its old values)."""
        params = MultiDict[str, str](parse_qsl(self.query, keep_blank_values=True))
        params.update({str(key): str(value) for key, value in kwargs.items()})
        return self.replace(query=urlencode(params.multi_items()))

    def replace_query_params(self, **kwargs: object) -> Self:
        """Return a copy whose query string holds exactly the given parameters."""
        return self.replace(query=urlencode([(str(key), str(value)) for key, value in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> Self:
        """Return a copy without the query parameters named by `keys`."""
        if isinstance(keys, str):
            keys = [keys]
        params = MultiDict[str, str](parse_qsl(self.query, keep_blank_values=True))
        for key in keys:
            params.pop(key, None)
        return self.replace(query=urlencode(params.multi_items()))

    def __eq__(self, other: object) -> bool:
        """Compare as strings, so a URL equals its own string form."""
        return self._url == str(other)

    def __hash__(self) -> int:
        """Hash like the URL string (consistent with `__eq__`)."""
        return hash(self._url)

    def __str__(self) -> str:
        """The URL as a string."""
        return self._url

    def __repr__(self) -> str:
        """`URL('...')`, with any password masked."""
        url = self._url
        if self.password:
            userinfo, _, host_port = self.netloc.rpartition("@")
            masked = f"{userinfo.partition(':')[0]}:********@{host_port}"
            url = urlunsplit(self.components._replace(netloc=masked))
        return f"{self.__class__.__name__}({url!r})"


class URLPath(str):
    """A path produced by URL reversing, which remembers its protocol and host.

    The protocol is `"http"`, `"websocket"` or `""` (unknown); the host is empty
    unless the route is bound to one. Use `make_absolute_url` to get a full `URL`.
    """

    protocol: Literal["http", "websocket", ""]
    host: str

    def __new__(cls, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> Self:
        """Create the path string.

        Raises:
            AssertionError: if `protocol` is not `"http"`, `"websocket"` or `""`.
        """
        assert protocol in ("http", "websocket", ""), f"Invalid protocol {protocol!r}."
        return str.__new__(cls, path)

    def __init__(self, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> None:
        """Record the protocol and host of the path."""
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        """Join this path onto `base_url`.

        The scheme follows the protocol, secure if `base_url` is: `http`/`https`
        for HTTP, `ws`/`wss` for websockets, else the base URL's own scheme.
        The host is this path's host if set, else the base URL's netloc.
        """
        if isinstance(base_url, str):
            base_url = URL(base_url)
        if self.protocol == "http":
            scheme = "https" if base_url.is_secure else "http"
        elif self.protocol == "websocket":
            scheme = "wss" if base_url.is_secure else "ws"
        else:
            scheme = base_url.scheme
        netloc = self.host or base_url.netloc
        path = base_url.path.rstrip("/") + str(self)
        return URL(scheme=scheme, netloc=netloc, path=path)


# --------------------------------------------------------------------------- configuration values


class Secret:
    """A string that does not show its value in `repr()`, e.g. in tracebacks.

    Use `str(secret)` at the point where the value is needed.
    """

    def __init__(self, value: str) -> None:
        """Wrap `value`."""
        self._value = value

    def __repr__(self) -> str:
        """A fixed mask, never the value."""
        return f"{self.__class__.__name__}('**********')"

    def __str__(self) -> str:
        """The secret value."""
        return self._value

    def __bool__(self) -> bool:
        """Whether the value is non-empty."""
        return bool(self._value)


class CommaSeparatedStrings(Sequence[str]):
    """A sequence of strings read from one comma-separated setting.

    `CommaSeparatedStrings("a, 'b,c'")` is `["a", "b,c"]`: items are stripped and
    shell-style quotes protect commas.
    """

    def __init__(self, value: str | Sequence[str]) -> None:
        """Split `value` if it is a string, else copy its items.

        Raises:
            ValueError: if a quote in `value` is not closed.
        """
        if isinstance(value, str):
            splitter = shlex(value, posix=True)
            splitter.whitespace = ","
            splitter.whitespace_split = True
            self._items: list[str] = [item.strip() for item in splitter]
        else:
            self._items = list(value)

    def __len__(self) -> int:
        """The number of items."""
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        """The item at `index`, or a list of the items in a slice."""
        return self._items[index]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the items."""
        return iter(self._items)

    def __repr__(self) -> str:
        """`CommaSeparatedStrings([...])`."""
        return f"{self.__class__.__name__}({self._items!r})"

    def __str__(self) -> str:
        """The items, quoted and joined with `", "`."""
        return ", ".join(repr(item) for item in self._items)


# --------------------------------------------------------------------------- multi-dicts


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    """The `(key, value)` pairs of a multi-dict, mapping (anything with `keys`) or iterable of pairs."""
    if hasattr(value, "multi_items"):
        return list(value.multi_items())
    if hasattr(value, "keys"):
        return list(value.items())
    return list(value)


def _collect_pairs(
    args: tuple[Mapping[Any, Any] | Iterable[tuple[Any, Any]], ...], kwargs: Mapping[str, Any]
) -> list[tuple[Any, Any]]:
    """The pairs of the optional positional source followed by those of `kwargs`."""
    assert len(args) < 2, "Too many arguments."
    pairs = _pairs(args[0]) if args else []
    if kwargs:
        pairs.extend(kwargs.items())
    return pairs


def _by_key(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The pairs sorted by key alone, keeping the order of a key's values (a stable sort).

    Raises:
        TypeError: If two keys cannot be ordered.
    """
    return sorted(pairs, key=itemgetter(0))


class ImmutableMultiDict(Mapping[_KeyType, _CovariantValueType]):
    """A read-only mapping in which a key may have several values.

    Indexing returns the last value for a key; `getlist` returns all of them and
    `multi_items` every pair in order.
    """

    _dict: dict[_KeyType, _CovariantValueType]
    _list: list[tuple[_KeyType, _CovariantValueType]]

    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self: ImmutableMultiDict[str, _VT], **kwargs: _VT) -> None: ...
    @overload
    def __init__(
        self,
        items: Mapping[_KeyType, _CovariantValueType] | Iterable[tuple[_KeyType, _CovariantValueType]],
        /,
    ) -> None: ...
    @overload
    def __init__(
        self: ImmutableMultiDict[str, _VT],
        __items: Mapping[str, _VT] | Iterable[tuple[str, _VT]],
        **kwargs: _VT,
    ) -> None: ...
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the multi-dict from a mapping, multi-dict or iterable of pairs, then `kwargs`.

        Raises:
            AssertionError: if more than one positional argument is given.
        """
        self._set_pairs(_collect_pairs(args, kwargs))

    def _set_pairs(self, pairs: list[tuple[_KeyType, _CovariantValueType]]) -> None:  # ty: ignore[invalid-generic-class]  # ty-only: ty checks variance through the invariant `list`; upstream's covariant API
        self._list = pairs
        self._dict = dict(pairs)

    def getlist(self, key: _KeyType) -> list[_CovariantValueType]:  # ty: ignore[invalid-generic-class]  # ty-only: ty checks variance through the invariant `list` (a fresh copy); upstream's API
        """All values of `key`, in order (empty if the key is missing)."""
        return [item_value for item_key, item_value in self._list if item_key == key]

    def keys(self) -> KeysView[_KeyType]:
        """The distinct keys."""
        return self._dict.keys()

    def values(self) -> ValuesView[_CovariantValueType]:
        """The last value of each key."""
        return self._dict.values()

    def items(self) -> ItemsView[_KeyType, _CovariantValueType]:
        """Each key with its last value."""
        return self._dict.items()

    def multi_items(self) -> list[tuple[_KeyType, _CovariantValueType]]:  # ty: ignore[invalid-generic-class]  # ty-only: ty checks variance through the invariant `list` (a fresh copy); upstream's API
        """Every `(key, value)` pair, in order."""
        return list(self._list)

    def __getitem__(self, key: _KeyType) -> _CovariantValueType:
        """The last value of `key`.

        Raises:
            KeyError: if the key is missing.
        """
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        """Whether `key` has at least one value."""
        return key in self._dict

    def __iter__(self) -> Iterator[_KeyType]:
        """Iterate over the distinct keys."""
        return iter(self._dict)

    def __len__(self) -> int:
        """The number of distinct keys."""
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        """Equal to an instance of the same class holding the same pairs once sorted by key.

        Keys may come in any order, but the values of one key must come in the same order.

        Raises:
            TypeError: If the keys of either side cannot be ordered.
        """
        if not isinstance(other, self.__class__):
            return False
        return _by_key(self._list) == _by_key(other._list)

    def __repr__(self) -> str:
        """`ClassName([(key, value), ...])`."""
        return f"{self.__class__.__name__}({self._list!r})"


class MultiDict(ImmutableMultiDict[_K, _V]):
    """A mutable multi-dict.

    Setting a key replaces all its values; `append` adds one more.
    """

    def __setitem__(self, key: _K, value: _V) -> None:
        """Make `value` the only value of `key`."""
        self.setlist(key, [value])

    def __delitem__(self, key: _K) -> None:
        """Remove every value of `key`.

        Raises:
            KeyError: if the key is missing.
        """
        del self._dict[key]
        self._list = [(k, v) for k, v in self._list if k != key]

    @overload
    def pop(self, key: _K) -> _V | None: ...
    @overload
    def pop(self, key: _K, default: _V | _T) -> _V | _T: ...
    def pop(self, key: _K, default: object = None) -> object:
        """Remove every value of `key` and return the last one, or `default`."""
        self._list = [(k, v) for k, v in self._list if k != key]
        return self._dict.pop(key, default)

    def popitem(self) -> tuple[_K, _V]:
        """Remove the most recently set key with all its values; return it with its last value.

        Raises:
            KeyError: if the multi-dict is empty.
        """
        key, value = self._dict.popitem()
        self._list = [(k, v) for k, v in self._list if k != key]
        return key, value

    def poplist(self, key: _K) -> list[_V]:
        """Remove every value of `key` and return them (empty if missing)."""
        values = self.getlist(key)
        self.pop(key)
        return values

    def clear(self) -> None:
        """Remove everything."""
        self._dict.clear()
        self._list.clear()

    @overload
    def setdefault(self: MultiDict[_K, _T | None], key: _K, default: None = None) -> _T | None: ...
    @overload
    def setdefault(self, key: _K, default: _V) -> _V: ...
    def setdefault(self, key: _K, default: Any = None) -> Any:
        """Return the last value of `key`, first appending `default` if the key is missing."""
        if key not in self._dict:
            self._dict[key] = default
            self._list.append((key, default))
        return self._dict[key]

    def setlist(self, key: _K, values: Sequence[_V]) -> None:
        """Make `values` the values of `key`, at the end; an empty sequence removes the key."""
        if not values:
            self.pop(key, None)
            return
        self._list = [(k, v) for k, v in self._list if k != key]
        self._list.extend((key, value) for value in values)
        self._dict[key] = values[-1]

    def append(self, key: _K, value: _V) -> None:
        """Add one more value to `key`."""
        self._list.append((key, value))
        self._dict[key] = value

    @overload
    def update(self, items: Mapping[_K, _V] | Iterable[tuple[_K, _V]], /) -> None: ...
    @overload
    def update(
        self: MultiDict[str, _V], __items: Mapping[str, _V] | Iterable[tuple[str, _V]] = ..., **kwargs: _V
    ) -> None: ...
    def update(self, *args: Mapping[Any, Any] | Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        """Replace the values of every key present in the arguments with the values given there.

        Raises:
            AssertionError: if more than one positional argument is given.
        """
        new = MultiDict[Any, Any](*args, **kwargs)
        self._list = [(k, v) for k, v in self._list if k not in new._dict]
        self._list.extend(new._list)
        self._dict.update(new._dict)


def _parse_query_string(query_string: str) -> list[tuple[str, str]]:
    """Split a query string into pairs, as `parse_qsl(query_string, keep_blank_values=True)` does.

    Empty fields are skipped and a field without `=` has an empty value; `+` is a
    space and `%XX` a UTF-8 escape (invalid sequences replaced). A query string
    without escaped `&` or `=` is unquoted all at once, before it is split:
    decoding cannot then create a separator, and an escape cannot straddle one
    (`&` and `=` are not hex digits), so the result is the same, made faster.
    """
    if not query_string:
        return []
    if "%" in query_string:
        if "%26" in query_string or "%3D" in query_string or "%3d" in query_string:
            return [(_unquote_plus(name), _unquote_plus(value)) for name, value in _split_fields(query_string)]
        query_string = _unquote_plus(query_string)
    elif "+" in query_string:
        query_string = query_string.replace("+", " ")
    return _split_fields(query_string)


_EQUALS: Final[repeat[str]] = repeat("=")
"""The separator argument of `str.partition` for each field (an endless iterator, shared)."""


def _split_fields(query_string: str) -> list[tuple[str, str]]:
    """The `(name, value)` of each non-empty `&`-separated field, split on its first `=`."""
    # `map` and `filter` keep the per-field calls in C: this runs on every request with a query string.
    return [(name, value) for name, _, value in map(str.partition, filter(None, query_string.split("&")), _EQUALS)]


def _unquote_plus(text: str) -> str:
    """`urllib.parse.unquote_plus(text)`, decoding ASCII text (the usual case) in one step."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.isascii():
        return unquote_to_bytes(text).decode("utf-8", "replace")
    return unquote(text)


class QueryParams(ImmutableMultiDict[str, str]):
    """The immutable multi-dict of a query string.

    Built from a query string (`str`, or `bytes` as in `scope["query_string"]`),
    or from a mapping or pairs whose keys and values are converted with `str()`.
    Blank values are kept (`"a=&b"` gives `a` and `b` as `""`).
    `str()` gives the URL-encoded query string.
    """

    def __init__(
        self,
        *args: Mapping[Any, object] | Iterable[tuple[object, object]] | str | bytes,
        **kwargs: object,
    ) -> None:
        """Parse or convert the query parameters.

        Raises:
            AssertionError: if more than one positional argument is given.
        """
        assert len(args) < 2, "Too many arguments."
        value = args[0] if args else ""
        if isinstance(value, str):
            pairs = _parse_query_string(value)
        elif isinstance(value, bytes):
            pairs = _parse_query_string(value.decode("latin-1"))
        else:
            pairs = [(str(k), str(v)) for k, v in _pairs(value)]
        if kwargs:
            pairs.extend((key, str(item)) for key, item in kwargs.items())
        self._set_pairs(pairs)

    @classmethod
    def _from_query_string(cls, query_string: bytes | str) -> Self:
        """`cls(query_string)` for the query string of a request, without the argument handling of `__init__`."""
        params = object.__new__(cls)
        if not query_string:  # most requests
            params._list = []
            params._dict = {}
        else:
            params._set_pairs(
                _parse_query_string(query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string)
            )
        return params

    def __str__(self) -> str:
        """The URL-encoded query string."""
        return urlencode(self._list)

    def __repr__(self) -> str:
        """`QueryParams('a=1&b=2')`."""
        return f"{self.__class__.__name__}({str(self)!r})"


# --------------------------------------------------------------------------- uploads and forms


class UploadFile:
    """A file uploaded in a `multipart/form-data` request body.

    `file` is usually a `SpooledTemporaryFile`. The async methods call the file
    directly while it is held in memory, and in a worker thread once it is (or
    is about to be) on disk, or when it is some other kind of file.
    """

    file: BinaryIO
    """The underlying binary file."""
    size: int | None
    """The number of bytes written so far, or `None` if not tracked."""
    filename: str | None
    """The file name sent by the client, if any."""
    headers: Headers
    """The headers of the multipart part."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        """Wrap `file`.

        Args:
            file: The binary file holding the content.
            size: The current size; `write` adds to it unless it is `None`.
            filename: The client-side file name.
            headers: The part's headers (empty by default).
        """
        self.filename = filename
        self.file = file
        self.size = size
        self.headers = headers or Headers()
        # A SpooledTemporaryFile moves to disk past `_max_size` bytes (0: never).
        self._max_mem_size: int = getattr(file, "_max_size", 0)

    @property
    def content_type(self) -> str | None:
        """The `Content-Type` of the part, if given."""
        return self.headers.get("content-type")

    @property
    def _in_memory(self) -> bool:
        # Only a SpooledTemporaryFile that has not rolled over is known to be in memory.
        return not getattr(self.file, "_rolled", True)

    def _will_roll(self, size_to_add: int) -> bool:
        if not self._in_memory:
            return True
        return bool(self._max_mem_size) and self.file.tell() + size_to_add > self._max_mem_size

    async def write(self, data: bytes) -> None:
        """Write `data` at the current position and add its length to `size`."""
        if self.size is not None:
            self.size += len(data)
        if self._will_roll(len(data)):
            await run_in_threadpool(self.file.write, data)
        else:
            self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to `size` bytes (all remaining bytes by default)."""
        if self._in_memory:
            return self.file.read(size)
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to byte `offset` from the start of the file."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file."""
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        """`UploadFile(filename=..., size=..., headers=...)`."""
        return f"{self.__class__.__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"


class FormData(ImmutableMultiDict[str, str | UploadFile]):
    """The immutable multi-dict of a parsed form: text fields and `UploadFile`s.

    Close it (or use `async with request.form()`) to close the uploaded files.
    """

    def __init__(
        self,
        *args: Mapping[str, str | UploadFile] | Iterable[tuple[str, str | UploadFile]],
        **kwargs: str | UploadFile,
    ) -> None:
        """Create the form from a mapping, multi-dict or pairs, then `kwargs`.

        Raises:
            AssertionError: if more than one positional argument is given.
        """
        self._set_pairs(_collect_pairs(args, kwargs))

    async def close(self) -> None:
        """Close every uploaded file, even if closing one of them fails.

        Raises:
            Exception: the first error raised while closing a file, once all were tried.
        """
        error: BaseException | None = None
        for _, value in self._list:
            if isinstance(value, UploadFile):
                try:
                    await value.close()
                except Exception as exc:
                    error = error or exc
        if error is not None:
            raise error


# --------------------------------------------------------------------------- headers


_LOOKUP_KEYS: BoundedCache[str, bytes] = BoundedCache(1024)
"""The raw form of header names already looked up (see `_lookup_key`)."""


def _lookup_key(key: str) -> bytes:
    """The raw form of a header name for lookups: lower-cased and encoded as latin-1.

    Applications ask for the same few names on every request, so the raw form of
    the first names asked for is kept. A key that is not a `str` fails as upstream's
    lookups fail (`AttributeError`, even when it is unhashable), and a name that is
    not latin-1 encodable raises `UnicodeEncodeError`.
    """
    try:
        raw_key = _LOOKUP_KEYS.get(key)
    except TypeError:  # unhashable: not a name; `key.lower` below raises what upstream raises
        raw_key = None
    if raw_key is None:
        raw_key = _LOOKUP_KEYS.put(key, key.lower().encode("latin-1"))
    return raw_key


def _encode_pair(key: str, value: str) -> tuple[bytes, bytes]:
    """The raw `(name, value)` of a header, with the name lower-cased."""
    return key.lower().encode("latin-1"), value.encode("latin-1")


def _scope_header_list(scope: MutableMapping[str, Any], *, writable: bool = False) -> list[tuple[bytes, bytes]]:
    """The raw header list of `scope`, converted to a list in place if it is another sequence.

    The scope's own list is shared, so that mutable headers write through to it. A
    scope or message without headers (ASGI makes them optional in a response start)
    reads as empty; with `writable`, the empty list is stored in it, for the writes.
    """
    scope_headers: list[tuple[bytes, bytes]] | None = scope.get("headers")
    if scope_headers is None:
        scope_headers = []
        if writable:
            scope["headers"] = scope_headers
    elif type(scope_headers) is not list:  # e.g. a tuple, despite the annotation
        scope_headers = scope["headers"] = list(scope_headers)
    return scope_headers


class Headers(Mapping[str, str]):
    """An immutable, case-insensitive multi-dict of HTTP headers.

    It wraps a raw list of `(name, value)` byte pairs with lower-case names, as
    in ASGI; names and values are decoded as latin-1 when read. Indexing returns
    the first value of a header, `getlist` all of them.
    """

    _list: list[tuple[bytes, bytes]]
    _writable: ClassVar[bool] = False
    """Whether the headers can change: then a scope without headers is given the list they write to."""

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: MutableMapping[str, Any] | None = None,
    ) -> None:
        """Create the headers from exactly one source, or empty.

        Args:
            headers: A mapping of names to values (names are lower-cased).
            raw: A list of `(name, value)` byte pairs, used as is (not copied).
            scope: An ASGI scope whose `"headers"` are used (converted to a list in place).

        Raises:
            AssertionError: if more than one source is given.
            UnicodeEncodeError: if a name or value in `headers` is not latin-1 encodable.
        """
        if headers is not None:
            assert raw is None, 'Cannot set both "headers" and "raw".'
            assert scope is None, 'Cannot set both "headers" and "scope".'
            self._list = [_encode_pair(key, value) for key, value in headers.items()]
        elif raw is not None:
            assert scope is None, 'Cannot set both "raw" and "scope".'
            self._list = raw
        elif scope is not None:
            self._list = _scope_header_list(scope, writable=self._writable)
        else:
            self._list = []

    @classmethod
    def _from_scope(cls, scope: MutableMapping[str, Any]) -> Self:
        """`cls(scope=scope)`, without the argument checks of `__init__` (built for every request)."""
        headers = object.__new__(cls)
        headers._list = _scope_header_list(scope)
        return headers

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The underlying list of `(name, value)` byte pairs."""
        return self._list

    def keys(self) -> list[str]:  # type: ignore[override]  # upstream returns a list, repeated names included  # ty: ignore[incompatible-method-override]
        """Every header name, in order, repeats included."""
        return [key.decode("latin-1") for key, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]  # a list, like keys()  # ty: ignore[incompatible-method-override]
        """Every header value, in order."""
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]  # a list, like keys()  # ty: ignore[incompatible-method-override]
        """Every `(name, value)` pair, in order."""
        return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._list]

    def getlist(self, key: str) -> list[str]:
        """Every value of the header `key`, in order (empty if missing)."""
        raw_key = _lookup_key(key)
        return [value.decode("latin-1") for name, value in self._list if name == raw_key]

    def mutablecopy(self) -> MutableHeaders:
        """A `MutableHeaders` holding a copy of these headers."""
        return MutableHeaders(raw=self._list[:])

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: object = None) -> object:  # ty: ignore[incompatible-method-override]  # ty-only: ty wants `Mapping.get`'s overloads; same call forms as upstream
        """The first value of the header `key`, or `default`."""
        raw_key = _lookup_key(key)
        for name, value in self._list:
            if name == raw_key:
                return value.decode("latin-1")
        return default

    def __getitem__(self, key: str) -> str:
        """The first value of the header `key` (any case).

        Raises:
            KeyError: if the header is missing.
        """
        raw_key = _lookup_key(key)
        for name, value in self._list:
            if name == raw_key:
                return value.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        """Whether the header `key` (any case) is present.

        Raises:
            AttributeError: if `key` is not a `str`, as upstream's lookups do.
        """
        raw_key = _lookup_key(key)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]  # `Mapping` takes any key; upstream fails on a non-`str` one
        for name, _ in self._list:  # noqa: SIM110 - a plain loop is about twice as fast as any() here
            if name == raw_key:
                return True
        return False

    def __iter__(self) -> Iterator[str]:
        """Iterate over the header names, repeats included."""
        return iter(self.keys())

    def __len__(self) -> int:
        """The number of header lines, repeats included."""
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        """Equal to other `Headers` with the same raw pairs, in any order."""
        if not isinstance(other, Headers):
            return False
        return sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        """`Headers({...})`, or `Headers(raw=[...])` when a name is repeated."""
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{self.__class__.__name__}({as_dict!r})"
        return f"{self.__class__.__name__}(raw={self._list!r})"


def _require_mapping(other: object) -> None:
    if not isinstance(other, Mapping):
        raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")


class MutableHeaders(Headers):
    """Headers that can be changed in place.

    Changes go to the raw list, so headers built from a scope write through to
    `scope["headers"]` and headers built from a response's raw list change it.
    Names and values must be latin-1 encodable (the codec's `UnicodeEncodeError`
    otherwise, as upstream raises it).
    """

    _writable: ClassVar[bool] = True

    def __setitem__(self, key: str, value: str) -> None:
        """Set the header `key` to `value`, replacing all its previous values in place."""
        raw_key, raw_value = _encode_pair(key, value)
        found = [index for index, (name, _) in enumerate(self._list) if name == raw_key]
        if not found:
            self._list.append((raw_key, raw_value))
            return
        for index in reversed(found[1:]):
            del self._list[index]
        self._list[found[0]] = (raw_key, raw_value)

    def __delitem__(self, key: str) -> None:
        """Remove every value of the header `key`; a missing header is ignored."""
        raw_key = _lookup_key(key)
        self._list[:] = [(name, value) for name, value in self._list if name != raw_key]

    def __ior__(self, other: Mapping[str, str]) -> Self:
        """Update in place from `other` (see `update`).

        Raises:
            TypeError: if `other` is not a mapping.
        """
        _require_mapping(other)
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        """A copy updated from `other` (see `update`).

        Raises:
            TypeError: if `other` is not a mapping.
        """
        _require_mapping(other)
        new = self.mutablecopy()
        new.update(other)
        return new

    def setdefault(self, key: str, value: str) -> str:
        """Return the first value of the header `key`, first appending `value` if it is missing."""
        raw_key, raw_value = _encode_pair(key, value)
        for name, existing in self._list:
            if name == raw_key:
                return existing.decode("latin-1")
        self._list.append((raw_key, raw_value))
        return value

    def update(self, other: Mapping[str, str]) -> None:
        """Set every header of `other`, replacing existing values."""
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header line, keeping existing ones with the same name."""
        self._list.append(_encode_pair(key, value))

    def add_vary_header(self, vary: str) -> None:
        """Add `vary` to the `Vary` header, comma-separated after the existing values.

        Several `Vary` headers are merged into one, in order, so that none is lost.
        """
        self["vary"] = ", ".join([*self.getlist("vary"), vary])


# --------------------------------------------------------------------------- state


class State:
    """An attribute-style namespace over a dictionary, also indexable by key.

    `state.db = ...` and `state["db"] = ...` write the same entry. Subclass it
    with annotated attributes to declare typed state::

        class AppState(State):
            db: Database
    """

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        """Wrap `state` (not copied: changes are visible to its other holders), or a new dict."""
        object.__setattr__(self, "_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        """Set the entry `key`."""
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        """The entry `key`.

        Raises:
            AttributeError: if there is no such entry.
        """
        if key != "_state":  # not yet set while copying or unpickling
            try:
                return self._state[key]
            except KeyError:
                pass
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{key}'")

    def __delattr__(self, key: str) -> None:
        """Remove the entry `key`.

        Raises:
            KeyError: if there is no such entry (as `del state["key"]`, and as upstream Starlette does).
        """
        del self._state[key]

    def __getitem__(self, key: str) -> Any:
        """The entry `key`.

        Raises:
            KeyError: if there is no such entry.
        """
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        """Set the entry `key`."""
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        """Remove the entry `key`.

        Raises:
            KeyError: if there is no such entry.
        """
        del self._state[key]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the entry names."""
        return iter(self._state)

    def __len__(self) -> int:
        """The number of entries."""
        return len(self._state)
