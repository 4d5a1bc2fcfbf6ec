"""Authentication and permissions.

An `AuthenticationBackend` turns a connection into credentials and a user;
`AuthenticationMiddleware` (in `starlette.middleware.authentication`) runs it
and sets `conn.auth` (`AuthCredentials`) and `conn.user` (a `BaseUser`).
`@requires(...)` guards an endpoint with the scopes its credentials must hold.

`BaseUser` and `AuthenticationBackend` are protocols: implement them
structurally, or subclass them as with upstream Starlette.
`AuthenticationBackend[MyUser]` is a backend whose users are `MyUser`s, and
`get_user(conn, backend)` returns the connection's user as that type.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable
from urllib.parse import urlencode

from typing_extensions import ParamSpec, TypeVar

from starlette._utils import is_async_callable
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse
from starlette.websockets import WebSocket

__all__ = [
    "AuthCredentials",
    "AuthenticationBackend",
    "AuthenticationError",
    "BaseUser",
    "SimpleUser",
    "UnauthenticatedUser",
    "UserT_co",
    "get_user",
    "has_required_scope",
    "requires",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def has_required_scope(conn: HTTPConnection, scopes: Sequence[str]) -> bool:
    """Whether the credentials of `conn` (`conn.auth`) hold every one of `scopes`.

    Raises:
        AssertionError: If `AuthenticationMiddleware` is not installed.
    """
    granted = conn.auth.scopes
    return all(scope in granted for scope in scopes)


def _connection_parameter(func: Callable[..., Any]) -> tuple[str, int]:
    """The name (`"request"` or `"websocket"`) and position of the connection parameter of `func`.

    Raises:
        Exception: If `func` has no parameter with either name (upstream's plain `Exception`).
    """
    for index, parameter in enumerate(inspect.signature(func).parameters.values()):
        if parameter.name in ("request", "websocket"):
            return parameter.name, index
    raise Exception(f'No "request" or "websocket" argument on function "{func}"')  # upstream's type


def _wrong_type(name: str, expected: str, value: object) -> str:
    return f"Parameter with name '{name}' is required to be of type '{expected}' not '{type(value).__name__}'"


def requires(
    scopes: str | Sequence[str], status_code: int = 403, redirect: str | None = None
) -> Callable[[Callable[_P, _T]], Callable[_P, _T]]:
    """Guard an endpoint: the connection's credentials must hold every one of `scopes`.

    Works on sync and async functions and `HTTPEndpoint` methods taking a
    `request` parameter, and on websocket endpoints taking a `websocket`
    parameter. The decorated function keeps its signature.

    Args:
        scopes: The required scope, or scopes.
        status_code: The status of the `HTTPException` raised when a scope is
            missing (websockets are closed instead, with the default code 1000).
        redirect: The name of a route to redirect to (`303`) instead of
            raising, with the requested URL in the `next` query parameter.

    Raises:
        Exception: When decorating a function without a `request` or
            `websocket` parameter (upstream's plain `Exception`).
    """
    required = [scopes] if isinstance(scopes, str) else list(scopes)

    def decorator(func: Callable[_P, _T]) -> Callable[_P, _T]:
        kind, index = _connection_parameter(func)

        def connection_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
            return kwargs.get(kind, args[index] if index < len(args) else None)

        def request_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Request:
            request = connection_of(args, kwargs)
            assert isinstance(request, Request), _wrong_type("request", "Request", request)
            return cast("Request", request)

        def denied(request: Request) -> RedirectResponse:
            if redirect is None:
                raise HTTPException(status_code=status_code)
            next_url = f"{request.url_for(redirect)}?{urlencode({'next': str(request.url)})}"
            return RedirectResponse(url=next_url, status_code=303)

        if kind == "websocket":
            call_async = cast("Callable[..., Awaitable[None]]", func)

            @functools.wraps(func)
            async def websocket_wrapper(*args: Any, **kwargs: Any) -> None:
                websocket = connection_of(args, kwargs)
                assert isinstance(websocket, WebSocket), _wrong_type("websocket", "WebSocket", websocket)
                if has_required_scope(cast("WebSocket", websocket), required):
                    await call_async(*args, **kwargs)
                else:
                    await websocket.close()

            return cast("Callable[_P, _T]", websocket_wrapper)

        # Widened first: `TypeIs` would narrow `Callable[_P, _T]` to nothing.
        endpoint: Callable[..., Any] = func
        if is_async_callable(endpoint):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                request = request_of(args, kwargs)
                if not has_required_scope(request, required):
                    return denied(request)
                return await endpoint(*args, **kwargs)

            return cast("Callable[_P, _T]", async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            request = request_of(args, kwargs)
            if not has_required_scope(request, required):
                return cast(_T, denied(request))
            return func(*args, **kwargs)

        return sync_wrapper

    return decorator


class AuthenticationError(Exception):
    """Raised by an authentication backend for invalid credentials.

    `AuthenticationMiddleware` turns it into an error response (by default
    `400` with the exception's text).
    """


if TYPE_CHECKING:
    # Protocol's metaclass as typeshed names it (private there; only read by the checkers).
    from typing import _ProtocolMeta  # pyright: ignore[reportPrivateUsage]  # see above
else:
    _ProtocolMeta = type(Protocol)


class _NominalProtocolMeta(_ProtocolMeta):
    """A protocol for type checkers that checks like a base class at runtime.

    `isinstance` and `issubclass` answer by inheritance, as upstream's base
    classes `BaseUser` and `AuthenticationBackend` do: a class that only has the
    members is no instance, and `issubclass` works although the protocol has
    properties (a runtime protocol with data members refuses it).
    """

    def __instancecheck__(cls, instance: object) -> bool:
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return type.__subclasscheck__(cls, subclass)


@runtime_checkable
class BaseUser(Protocol, metaclass=_NominalProtocolMeta):
    """A user, as set in `conn.user` by `AuthenticationMiddleware`.

    Implement the three properties; subclassing is optional for type checkers.
    At runtime, `isinstance` and `issubclass` check inheritance, as upstream.
    """

    @property
    def is_authenticated(self) -> bool:
        """Whether the user is authenticated (not anonymous).

        Raises:
            NotImplementedError: If not implemented.
        """
        raise NotImplementedError()

    @property
    def display_name(self) -> str:
        """A name to show for the user.

        Raises:
            NotImplementedError: If not implemented.
        """
        raise NotImplementedError()

    @property
    def identity(self) -> str:
        """A unique identifier of the user.

        Raises:
            NotImplementedError: If not implemented.
        """
        raise NotImplementedError()


UserT_co = TypeVar("UserT_co", bound=BaseUser, default=BaseUser, covariant=True)
"""The type of the users an `AuthenticationBackend` returns."""


@runtime_checkable
class AuthenticationBackend(Protocol[UserT_co], metaclass=_NominalProtocolMeta):
    """Authenticates connections for `AuthenticationMiddleware`.

    Implement `authenticate`; subclassing is optional for type checkers (at
    runtime, `isinstance` and `issubclass` check inheritance, as upstream). A plain
    `AuthenticationBackend` returns any `BaseUser`; `AuthenticationBackend[MyUser]`
    returns `MyUser`s, which `get_user` hands back typed.
    """

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, UserT_co] | None:
        """Return the credentials and user of `conn`, or `None` for an anonymous connection.

        Raises:
            AuthenticationError: For invalid credentials.
            NotImplementedError: If not implemented.
        """
        raise NotImplementedError()


class AuthCredentials:
    """What a connection is allowed to do, as set in `conn.auth`.

    Args:
        scopes: The granted scopes (permissions), such as `"authenticated"`.
    """

    scopes: list[str]
    """The granted scopes."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes = [] if scopes is None else list(scopes)


class SimpleUser(BaseUser):
    """An authenticated user known by a user name.

    Args:
        username: The user's name, also its display name and identity.
    """

    username: str
    """The user's name."""

    def __init__(self, username: str) -> None:
        self.username = username

    @property
    def is_authenticated(self) -> bool:
        """Always `True`."""
        return True

    @property
    def display_name(self) -> str:
        """The user name."""
        return self.username

    @property
    def identity(self) -> str:
        """The user name."""
        return self.username


class UnauthenticatedUser(BaseUser):
    """The anonymous user of a connection the backend did not authenticate."""

    @property
    def is_authenticated(self) -> bool:
        """Always `False`."""
        return False

    @property
    def display_name(self) -> str:
        """Always `""`."""
        return ""

    @property
    def identity(self) -> str:
        """Always `""`."""
        return ""


def get_user(conn: HTTPConnection, backend: AuthenticationBackend[UserT_co]) -> UserT_co | UnauthenticatedUser:
    """The user of `conn`, typed as the users `backend` returns.

    `backend` is the backend given to `AuthenticationMiddleware`; it only
    carries the type (it is not called). The result is an
    `UnauthenticatedUser` when the backend did not authenticate the connection.

    Raises:
        AssertionError: If `AuthenticationMiddleware` is not installed.
    """
    user: UserT_co | UnauthenticatedUser = conn.user
    return user
