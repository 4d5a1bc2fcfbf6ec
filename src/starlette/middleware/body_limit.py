"""Cap the size of HTTP request bodies.

`RequestBodyLimitMiddleware(app, max_body_size)` lets at most `max_body_size`
bytes of request body reach `app`. A request that declares a larger
`Content-Length` is refused before any of its body is read (at the first read,
or when the response starts if the application reads nothing); otherwise the
bytes are counted as they arrive and reading fails as soon as the total goes
over the cap. Either way the client gets `413 Content Too Large` when no
response has started yet.

Limits nest (application, mount, route): the innermost active limit applies to
the bytes still to be read, and a nested limit that is already exceeded by what
was read before it took over fails at once. The active limit is published in
`scope["starlette.max_body_size"]`.
"""

from __future__ import annotations

from typing import Final, NoReturn

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_SIZE_SCOPE_KEY", "RequestBodyLimitMiddleware", "RequestBodyLimitResponder"]

MAX_BODY_SIZE_SCOPE_KEY: Final[str] = "starlette.max_body_size"
"""The scope key holding the request body limit currently in force."""

_BUDGET_SCOPE_KEY: Final[str] = "starlette.max_body_size.budget"
"""Private scope key: the byte count shared by nested limits of one request."""

_TOO_LARGE_BODY: Final[bytes] = b"Content Too Large"
_MISSING: Final = object()
_HUGE: Final[int] = 10**18


class _RequestBodyTooLarge(HTTPException):
    """Reading the request body went over the limit after the response had started."""

    def __init__(self) -> None:
        super().__init__(413, "Content Too Large")


class _RequestBodyLimitResponseSent(_RequestBodyTooLarge):
    """Reading the request body went over the limit, and the 413 response is already sent.

    It unwinds the application up to the outermost limit, which swallows it.
    """


def _rejection() -> tuple[Message, Message]:
    """The two messages of the `413 Content Too Large` response."""
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-length", str(len(_TOO_LARGE_BODY)).encode("latin-1")),
            (b"content-type", b"text/plain; charset=utf-8"),
        ],
    }
    return start, {"type": "http.response.body", "body": _TOO_LARGE_BODY}


class _BodyBudget:
    """What the limits of one request share: the active limit and the bytes read so far."""

    __slots__ = ("answered", "length_checked", "limit", "received", "rejected", "response_started", "send")

    def __init__(self, limit: int, send: Send) -> None:
        self.limit = limit
        self.received = 0
        self.response_started = False
        # `rejected`: the outermost limit sent the `413` itself and drops what the application sends;
        # `answered`: a `413` was sent, by the outermost limit or through a nested one.
        self.rejected = False
        self.answered = False
        self.length_checked = False
        self.send = send

    def declared_length_refused(self, content_length: int | None) -> bool:
        """At the response start: whether the declared body is over the limit then in force.

        The innermost limit sees the start first and decides; outer ones that see
        it later (through middleware that relays it) do not decide again.
        """
        if self.length_checked:
            return False
        self.length_checked = True
        return content_length is not None and content_length > self.limit and not self.response_started

    async def reject(self) -> NoReturn:
        """Answer `413` if the response has not started yet, and stop the application."""
        if self.answered:
            # The `413` went out already (at the response start): just unwind.
            raise _RequestBodyLimitResponseSent()
        if self.response_started:
            raise _RequestBodyTooLarge()
        await self.send_rejection()
        raise _RequestBodyLimitResponseSent()

    async def send_rejection(self) -> None:
        """Send the `413` response to the client, and drop what the application sends from now on."""
        self.response_started = self.rejected = self.answered = True
        for message in _rejection():
            await self.send(message)


def _declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length`, or `None` when absent or malformed."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            # int() would also accept signs, spaces and underscores.
            if not value.isdigit():
                return None
            digits = value.lstrip(b"0") or b"0"
            # Far beyond any limit; spares int() its digit-count guard.
            return int(digits) if len(digits) <= 18 else _HUGE
    return None


class RequestBodyLimitResponder:
    """Enforces a request body limit for one HTTP request.

    The outermost limit of a request counts the bytes as they are received;
    nested limits take over the budget it keeps in the scope while they run.

    Args:
        app: The ASGI app to call.
        max_body_size: The largest request body, in bytes, that `app` may read.
    """

    app: ASGIApp
    """The wrapped application."""
    max_body_size: int
    """The largest request body, in bytes, that this limit lets through."""
    content_length: int | None
    """The `Content-Length` the request declared, if any (set when called)."""
    total_size: int
    """The body bytes received so far (counted by the outermost limit)."""
    response_started: bool
    """Whether the response has started (tracked by the outermost limit)."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.content_length = None
        self.total_size = 0
        self.response_started = False
        self._scope: Scope | None = None
        self._receive: Receive | None = None
        self._send: Send | None = None
        self._budget: _BodyBudget | None = None

    @property
    def scope(self) -> Scope:
        """The scope of the request being handled.

        Raises:
            AssertionError: If the responder has not been called yet.
        """
        if self._scope is None:
            raise AssertionError("The responder has not been called yet.")
        return self._scope

    @property
    def receive(self) -> Receive:
        """The `receive` channel the responder was called with.

        Raises:
            AssertionError: If the responder has not been called yet.
        """
        if self._receive is None:
            raise AssertionError("The responder has not been called yet.")
        return self._receive

    @property
    def send(self) -> Send:
        """The `send` channel the responder was called with.

        Raises:
            AssertionError: If the responder has not been called yet.
        """
        if self._send is None:
            raise AssertionError("The responder has not been called yet.")
        return self._send

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app on an HTTP request with this limit in force."""
        self._scope, self._receive, self._send = scope, receive, send
        self.content_length = _declared_length(scope)
        previous = scope.get(MAX_BODY_SIZE_SCOPE_KEY, _MISSING)
        scope[MAX_BODY_SIZE_SCOPE_KEY] = self.max_body_size
        try:
            outer = scope.get(_BUDGET_SCOPE_KEY)
            if isinstance(outer, _BodyBudget):
                await self._run_nested(outer)
            else:
                await self._run_outermost()
        finally:
            if previous is _MISSING:
                del scope[MAX_BODY_SIZE_SCOPE_KEY]
            else:
                scope[MAX_BODY_SIZE_SCOPE_KEY] = previous

    async def _run_outermost(self) -> None:
        scope = self.scope
        budget = self._budget = _BodyBudget(self.max_body_size, self.send)
        scope[_BUDGET_SCOPE_KEY] = budget
        try:
            await self.app(scope, self.receive_with_limit, self.send_with_limit)
        except _RequestBodyLimitResponseSent:
            pass
        finally:
            scope.pop(_BUDGET_SCOPE_KEY, None)

    async def _run_nested(self, budget: _BodyBudget) -> None:
        outer_limit, budget.limit = budget.limit, self.max_body_size
        try:
            if budget.received > self.max_body_size:
                await budget.reject()
            send = self.send
            content_length = self.content_length
            replaced = False

            async def send_checking_length(message: Message) -> None:
                # The `413` goes the way of the application's response, through any middleware relaying it.
                nonlocal replaced
                if replaced:
                    return
                if message["type"] == "http.response.start" and budget.declared_length_refused(content_length):
                    replaced = budget.answered = True
                    for rejection in _rejection():
                        await send(rejection)
                    return
                await send(message)

            await self.app(self.scope, self.receive, send_checking_length)
        finally:
            budget.limit = outer_limit

    async def receive_with_limit(self) -> Message:
        """Receive the next message, counting request body bytes against the limit in force.

        Raises:
            HTTPException: With status 413 when the declared or the received body
                is larger than the limit; the `413` response has then been sent
                already unless the response had started before.
            AssertionError: Outside a call of the responder.
        """
        budget = self._budget
        assert budget is not None, "receive_with_limit() is only available while the responder runs."
        if budget.received > budget.limit or (self.content_length is not None and self.content_length > budget.limit):
            await budget.reject()
        message = await self.receive()
        if message["type"] == "http.request":
            budget.received += len(message.get("body", b""))
            self.total_size = budget.received
            if budget.received > budget.limit:
                await budget.reject()
        return message

    async def send_with_limit(self, message: Message) -> None:
        """Send `message`, noting when the response starts.

        The response is replaced by `413 Content Too Large` when the declared
        `Content-Length` is over the limit, even if the body was not read. Once the
        `413` response has been sent, the application's own messages are dropped.

        Raises:
            KeyError: If `message` has no `"type"`.
            AssertionError: Outside a call of the responder.
        """
        message_type = message["type"]
        budget = self._budget
        assert budget is not None, "send_with_limit() is only available while the responder runs."
        if budget.rejected:
            return
        if message_type == "http.response.start":
            # A body too large to accept is refused even when the application did not read it.
            if budget.declared_length_refused(self.content_length):
                await budget.send_rejection()
                return
            budget.response_started = self.response_started = True
        await self.send(message)


class RequestBodyLimitMiddleware:
    """Limit the size of HTTP request bodies to `max_body_size` bytes.

    Other connection types pass through untouched.

    Args:
        app: The ASGI app to wrap.
        max_body_size: The largest request body, in bytes, the app may read.
    """

    app: ASGIApp
    """The wrapped application."""
    max_body_size: int
    """The largest request body, in bytes."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a connection, limiting the request body of HTTP requests."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await RequestBodyLimitResponder(self.app, self.max_body_size)(scope, receive, send)
