"""Request objects: a typed view over an HTTP or websocket connection scope.

`HTTPConnection` holds what HTTP requests and websocket sessions share (URL,
headers, cookies, client, state, ...), parsed lazily and cached on first use.
`Request` adds the HTTP body: as a stream, as bytes, as JSON, or as form data.
"""

from __future__ import annotations

import http.cookies
import re
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
from typing import Any, Final, Generic, NoReturn, Protocol, Union, cast

import anyio
from typing_extensions import TypeVar

from starlette._cache import BoundedCache
from starlette._json import loads_body
from starlette._utils import AwaitableOrContextManager, AwaitableOrContextManagerWrapper, is_original
from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, URLPath
from starlette.exceptions import HTTPException
from starlette.formparsers import (
    DEFAULT_MAX_MEMORY_SIZE,
    FormParser,
    FormTooLarge,
    MultiPartException,
    MultiPartParser,
    parse_options_header,
)
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import Message, Receive, Scope, Send

__all__ = [
    "SERVER_PUSH_HEADERS_TO_COPY",
    "ClientDisconnect",
    "HTTPConnection",
    "Request",
    "RouteStateT",
    "StateT",
    "cookie_parser",
    "empty_receive",
    "empty_send",
]

SERVER_PUSH_HEADERS_TO_COPY: Final[frozenset[str]] = frozenset(
    {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"}
)
"""Request headers repeated on the pushed request of a server push promise."""
_PUSH_HEADER_NAMES: tuple[str, ...] = tuple(sorted(SERVER_PUSH_HEADERS_TO_COPY))  # a stable order on the wire

StateT = TypeVar("StateT", covariant=True, default=State)
"""The type `connection.state` is declared as: `State` (or a subclass) or a `TypedDict`."""

RouteStateT = TypeVar("RouteStateT", bound=Union[Mapping[str, Any], State], default=Any)
"""The state type the endpoints of a route, a router or an app are written for.

Inferred from their `Request[S]` / `WebSocket[S]` parameters and the lifespan's
yield type; `Any` (anything goes) when nothing declares it. Invariant, so that
one route tree cannot mix endpoints written for different states.
"""


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a `Cookie` header value into a dict, leniently, the way browsers do.

    Pairs are separated by `;` and split on their first `=`; names and values are
    stripped and values unquoted. A pair without `=` is kept as a value with an
    empty name, as browsers send it. Nothing is rejected: RFC 6265 is stricter
    than what browsers and servers actually exchange. A later pair with the same
    name wins.
    """
    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        name, separator, value = chunk.partition("=")
        if not separator:
            name, value = "", name
        name, value = name.strip(), value.strip()
        if name or value:
            # Only a double-quoted value can hold escapes; the stdlib would return any other as is.
            cookies[name] = _unquote_cookie(value) if value[:1] == '"' else value
    return cookies


_COOKIE_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")


def _unquote_cookie_value(value: str) -> str:
    """Undo a quoted cookie value: drop the quotes, then the `\\ooo` octal and `\\c` escapes.

    What the private `http.cookies._unquote` does, used when the running Python lacks it.
    """
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    return _COOKIE_ESCAPE.sub(lambda match: chr(int(match[1], 8)) if match[1] else match[2], value[1:-1])


_unquote_cookie: Callable[[str], str] = getattr(http.cookies, "_unquote", None) or _unquote_cookie_value
"""The standard library's cookie unquoting (private, hence looked up with a fallback)."""


# At most 128 headers of at most 1 KB (some 250 cookies each) are kept: a few MB at worst.
_CACHED_COOKIE_HEADER_SIZE = 1024
_COOKIE_HEADERS: BoundedCache[bytes, dict[str, str]] = BoundedCache(128)


def _parse_cookie_header(value: bytes) -> dict[str, str]:
    """`cookie_parser` for a raw `Cookie` header; the result must not be modified (it may be shared).

    A client sends the same cookies with every request, so the parsed form of recent
    headers is kept (a bounded cache, of headers of a bounded size).
    """
    cookies = _COOKIE_HEADERS.get(value)
    if cookies is None:
        cookies = cookie_parser(value.decode("latin-1"))
        if len(value) <= _CACHED_COOKIE_HEADER_SIZE:
            _COOKIE_HEADERS.put(value, cookies)
    return cookies


class ClientDisconnect(Exception):
    """The client disconnected before the request body was fully received."""


class _URLPathProvider(Protocol):
    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath: ...


class HTTPConnection(Mapping[str, Any], Generic[StateT]):
    """The parts of a connection shared by HTTP requests and websocket sessions.

    It is also a read-only mapping over the ASGI `scope`. Two connections are
    equal only if they are the same object, even over equal scopes.

    Args:
        scope: The connection scope; its `type` must be `"http"` or `"websocket"`.
        receive: Unused; accepted so subclasses share the signature.
    """

    # Parsed on first use and kept on the instance; these class-level `None`s mean "not yet"
    # (cheaper than catching the `AttributeError` of a missing attribute on every first use).
    _url: URL | None = None
    _base_url: URL | None = None
    _headers: Headers | None = None
    _query_params: QueryParams | None = None
    _cookies: dict[str, str] | None = None
    _state: State | None = None

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        assert scope["type"] in ("http", "websocket")
        self.scope: Scope = scope

    def __getitem__(self, key: str) -> Any:
        """Return `scope[key]`."""
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the scope's keys."""
        return iter(self.scope)

    def __len__(self) -> int:
        """Return the number of keys in the scope."""
        return len(self.scope)

    # A connection is a live object, not a value: keep `object`'s identity semantics, not `Mapping`'s.
    def __eq__(self, other: object) -> bool:
        """Equal only to itself (other operands may still claim equality, as with `object`)."""
        return True if self is other else NotImplemented

    def __hash__(self) -> int:
        """Hash by identity, like `object`."""
        return object.__hash__(self)

    @property
    def app(self) -> Any:
        """The application serving the connection (`scope["app"]`).

        Raises:
            KeyError: No application has set itself in the scope.
        """
        return self.scope["app"]

    @property
    def url(self) -> URL:
        """The full URL of the request."""
        url = self._url
        if url is None:
            url = self._url = URL(scope=self.scope)
        return url

    @property
    def base_url(self) -> URL:
        """The URL of the application's root, always ending with `/`.

        Inside a `Mount`, this is still the root of the top-level application
        (`scope["app_root_path"]`), so that `url_for` builds complete URLs.
        """
        base_url = self._base_url
        if base_url is None:
            root_path: str = self.scope.get("app_root_path", self.scope.get("root_path", ""))
            path = root_path if root_path.endswith("/") else root_path + "/"
            base_scope = {**self.scope, "path": path, "query_string": b"", "root_path": root_path}
            base_url = self._base_url = URL(scope=base_scope)
        return base_url

    @property
    def headers(self) -> Headers:
        """The request headers, as an immutable case-insensitive multi-dict."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers._from_scope(self.scope)  # pyright: ignore[reportPrivateUsage]  # package-internal
        return headers

    @property
    def query_params(self) -> QueryParams:
        """The query string parameters, as an immutable multi-dict."""
        query_params = self._query_params
        if query_params is None:
            query_string = self.scope["query_string"]
            query_params = self._query_params = QueryParams._from_query_string(query_string)  # pyright: ignore[reportPrivateUsage]  # package-internal
        return query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """The parameters matched in the path by the router (empty outside a route)."""
        path_params: dict[str, Any] = self.scope.get("path_params", {})
        return path_params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies sent by the client, from every `Cookie` header (see `cookie_parser`)."""
        cookies = self._cookies
        if cookies is None:
            merged: dict[str, str] = {}
            for name, value in self.headers.raw:
                if name == b"cookie":
                    merged.update(_parse_cookie_header(value))
            cookies = self._cookies = merged
        return cookies

    @property
    def client(self) -> Address | None:
        """The client's `(host, port)`, or `None` when the server does not know it."""
        host_port = self.scope.get("client")
        if host_port is None:
            return None
        return Address(*host_port)

    @property
    def session(self) -> dict[str, Any]:
        """The session data.

        Reading it marks the session as accessed (when the session object has a
        `mark_accessed()` method, as `SessionMiddleware`'s does), so that the
        response varies on the `Cookie` header.

        Raises:
            AssertionError: `SessionMiddleware` is not installed.
        """
        assert "session" in self.scope, "SessionMiddleware must be installed to access request.session"
        session: dict[str, Any] = self.scope["session"]
        mark_accessed: Callable[[], object] | None = getattr(session, "mark_accessed", None)
        if mark_accessed is not None:
            mark_accessed()
        return session

    @property
    def auth(self) -> Any:
        """The credentials set by the authentication backend.

        Raises:
            AssertionError: `AuthenticationMiddleware` is not installed.
        """
        assert "auth" in self.scope, "AuthenticationMiddleware must be installed to access request.auth"
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        """The user set by the authentication backend.

        Raises:
            AssertionError: `AuthenticationMiddleware` is not installed.
        """
        assert "user" in self.scope, "AuthenticationMiddleware must be installed to access request.user"
        return self.scope["user"]

    @property
    def state(self) -> StateT:
        """Per-connection state, backed by `scope["state"]` (created empty if missing).

        It starts as a copy of the lifespan state. At runtime it is always a
        `State`, which supports both `state.key` and `state["key"]`; declare the
        connection as `Request[MyState]` to have either form type-checked.
        """
        state = self._state
        if state is None:
            state = self._state = State(self.scope.setdefault("state", {}))
        return cast(StateT, state)

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """Return the absolute URL of the route called `name`, filled with `path_params`.

        Raises:
            RuntimeError: The connection is not served by a Starlette application or router.
            starlette.routing.NoMatchFound: No route has that name and those parameters.
        """
        provider: _URLPathProvider | None = self.scope.get("router") or self.scope.get("app")
        if provider is None:
            raise RuntimeError("The `url_for` method can only be used inside a Starlette application or with a router.")
        return provider.url_path_for(name, **path_params).make_absolute_url(base_url=self.base_url)


async def empty_receive() -> NoReturn:
    """The `receive` of a `Request` built without one.

    Raises:
        RuntimeError: Always.
    """
    raise RuntimeError("Receive channel has not been made available")


async def empty_send(message: Message) -> NoReturn:
    """The `send` of a `Request` built without one.

    Raises:
        RuntimeError: Always.
    """
    raise RuntimeError("Send channel has not been made available")


class Request(HTTPConnection[StateT]):
    """An incoming HTTP request.

    The body can be read once from the network: either streamed with
    `stream()`, or read whole with `body()`, `json()` or `form()`, which keep it
    so they can be called again (and `stream()` then replays it).

    Args:
        scope: The connection scope; its `type` must be `"http"`.
        receive: The ASGI receive channel, needed to read the body.
        send: The ASGI send channel, needed for server push and early hints.
    """

    _body: bytes
    _json: Any
    # Per-request state whose initial values live on the class (set on the instance when they change).
    _stream_consumed: bool = False
    """True once the final `http.request` message has been received."""
    _is_disconnected: bool = False
    _form: FormData | None = None

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send) -> None:
        assert scope["type"] == "http"
        self.scope = scope  # what `HTTPConnection.__init__` does, without its broader check
        self._receive = receive
        self._send = send

    @property
    def method(self) -> str:
        """The request method, upper-case (`"GET"`, `"POST"`, ...)."""
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        """The ASGI receive channel the request reads its body from."""
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """Yield the body in chunks as they arrive, without keeping them, then a final `b""`.

        If the body was already read with `body()`, yield it whole instead.

        Raises:
            RuntimeError: The body was already streamed (`"Stream consumed"`).
            ClientDisconnect: The client disconnected before the end of the body.
        """
        if hasattr(self, "_body"):
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        while not self._stream_consumed:
            chunk = self._chunk_of(await self._receive())
            if chunk:
                yield chunk
        yield b""

    def _chunk_of(self, message: Message) -> bytes:
        """Note what one received message means for the body, and return its chunk (maybe empty).

        Raises:
            ClientDisconnect: The message is `http.disconnect`.
        """
        message_type = message["type"]
        if message_type == "http.request":
            if not message.get("more_body", False):
                self._stream_consumed = True
            chunk: bytes = message.get("body", b"")
            return chunk
        if message_type == "http.disconnect":
            self._is_disconnected = True
            raise ClientDisconnect()
        return b""

    async def body(self) -> bytes:
        """Read and return the whole body, through `stream()`; later calls return the same bytes.

        Raises:
            RuntimeError: The body was already streamed (`"Stream consumed"`).
            ClientDisconnect: The client disconnected before the end of the body.
        """
        try:
            return self._body
        except AttributeError:
            pass
        chunks: list[bytes]
        if is_original(type(self), "stream", _ORIGINAL_STREAM) and not self._stream_consumed:
            # What `stream()` yields, read without the async generator (the common case: one message).
            chunks = []
            while not self._stream_consumed:
                chunk = self._chunk_of(await self._receive())
                if chunk:
                    chunks.append(chunk)
        else:
            chunks = [chunk async for chunk in self.stream()]
        self._body = b"".join(chunks)  # a single `bytes` chunk is kept as it is, without a copy
        return self._body

    async def json(self) -> Any:
        """Read the body and return it decoded as JSON (as `json.loads`); later calls return the same value.

        Every malformed body raises `json.JSONDecodeError`, so catching it is enough
        to answer `400`. Where `json.loads` itself raises another exception, the
        error is an instance of both, so a handler catching that one still does:

        * bytes that are not text in the detected encoding (`b"\\xff"`): also `UnicodeDecodeError`;
        * arrays or objects nested deeper than the recursion limit: also `RecursionError`;
        * a number with more digits than Python converts (4300 by default): a `ValueError`, as always.

        Raises:
            json.JSONDecodeError: The body is not valid JSON.
        """
        if not hasattr(self, "_json"):
            self._json = loads_body(await self.body())
        return self._json

    def form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
        max_memory_size: int | None = None,
    ) -> AwaitableOrContextManager[FormData]:
        """Read the body as an HTML form: `await request.form()` or `async with request.form() as form:`.

        URL-encoded and `multipart/form-data` bodies are parsed; any other
        content type gives an empty form. The first parse is kept, and later
        calls return it whatever their limits. Leaving the `async with` block
        closes the uploaded files.

        Args:
            max_files: The most file uploads the form may contain.
            max_fields: The most non-file fields the form may contain.
            max_part_size: The most bytes a non-file field may take.
            max_memory_size: The most bytes of form data kept in memory: all the
                URL-encoded fields, or the non-file parts and the part headers
                of a multipart form (uploaded files go to disk). By default the
                request body limit in force (`max_body_size` of the application,
                mount or route), else 16 MiB.

        Raises:
            HTTPException: With status 400, when the form breaks a limit or is
                malformed and the request is served by an application; with status
                413 when its in-memory data goes over `max_memory_size`.
            MultiPartException: The same, outside an application.
            AssertionError: python-multipart is not installed.
        """
        return AwaitableOrContextManagerWrapper(
            self._get_form(
                max_files=max_files,
                max_fields=max_fields,
                max_part_size=max_part_size,
                max_memory_size=max_memory_size,
            )
        )

    async def _get_form(
        self, *, max_files: int | float, max_fields: int | float, max_part_size: int, max_memory_size: int | None
    ) -> FormData:
        if self._form is None:
            memory: int = self.scope.get(MAX_BODY_SIZE_SCOPE_KEY, DEFAULT_MAX_MEMORY_SIZE)
            if max_memory_size is not None:
                memory = max_memory_size
            assert parse_options_header is not None, (
                "The `python-multipart` library must be installed to use form parsing."
            )
            content_type, _ = parse_options_header(self.headers.get("Content-Type"))
            content_type = content_type.lower()  # older python-multipart releases keep its case
            parser: FormParser | MultiPartParser | None = None
            if content_type == b"multipart/form-data":
                parser = MultiPartParser(
                    self.headers, self.stream(), max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
                )
            elif content_type == b"application/x-www-form-urlencoded":
                parser = FormParser(self.headers, self.stream(), max_fields=max_fields, max_part_size=max_part_size)
            if parser is not None:
                parser.max_memory_size = memory
            if parser is None:
                self._form = FormData()
            else:
                try:
                    self._form = await parser.parse()
                except MultiPartException as exc:
                    if "app" in self.scope:
                        status_code = 413 if isinstance(exc, FormTooLarge) else 400
                        raise HTTPException(status_code=status_code, detail=exc.message) from exc
                    raise
        return self._form

    async def close(self) -> None:
        """Close the files uploaded with the form, if the form was read."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        """Tell whether the client has disconnected, without waiting.

        Takes a message from `receive` only if one is ready at once; note that
        a body message taken this way is dropped.
        """
        if not self._is_disconnected:
            message: Message = {}
            with anyio.CancelScope() as cancel_scope:
                cancel_scope.cancel()
                message = await self._receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
        return self._is_disconnected

    async def send_push_promise(self, path: str) -> None:
        """Ask the server to push `path` to the client (HTTP/2 server push).

        Does nothing when the server does not support the `http.response.push`
        extension. The pushed request carries this request's
        `SERVER_PUSH_HEADERS_TO_COPY` headers.
        """
        if "http.response.push" not in self.scope.get("extensions", {}):
            return
        raw_headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name in _PUSH_HEADER_NAMES
            for value in self.headers.getlist(name)
        ]
        await self._send({"type": "http.response.push", "path": path, "headers": raw_headers})

    async def send_early_hints(self, link: str, /, *additional_links: str) -> None:
        """Send a `103 Early Hints` response carrying the given `Link` header values.

        Does nothing when the server does not support the
        `http.response.early_hint` extension.
        """
        if "http.response.early_hint" not in self.scope.get("extensions", {}):
            return
        links = [value.encode("latin-1") for value in (link, *additional_links)]
        await self._send({"type": "http.response.early_hint", "links": links})


_ORIGINAL_STREAM = Request.stream
"""`Request.stream` as defined here: `body()` reads the messages itself only while it is still the one in place."""
