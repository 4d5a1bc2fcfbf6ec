from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from typing_extensions import assert_type

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
    has_required_scope,
    requires,
)
from starlette.endpoints import HTTPEndpoint
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message
from starlette.websockets import WebSocket


async def receive() -> Message:
    return {"type": "http.request"}


async def send(message: Message) -> None:
    pass


# -- users and backends: protocols, implemented by subclassing or structurally --------------


class Member:
    """Conforms to `BaseUser` without subclassing it."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def identity(self) -> str:
        return self.name


class Nameless:
    """Misses `display_name` and `identity`: not a `BaseUser`."""

    is_authenticated = True


class Admin(BaseUser):
    """The upstream way: subclass and implement the properties."""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return "admin"

    @property
    def identity(self) -> str:
        return "admin"


class HalfDone(BaseUser):
    @property
    def is_authenticated(self) -> bool:
        return True


member: BaseUser = Member("alice")
admin: BaseUser = Admin()
simple: BaseUser = SimpleUser("bob")
anonymous: BaseUser = UnauthenticatedUser()
nameless: BaseUser = Nameless()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
half_done = HalfDone()  # type: ignore[abstract]  # pyright: ignore[reportAbstractUsage]  # ty: ignore[abstract-class-instantiation]
assert_type(member.display_name, str)
assert_type(member.is_authenticated, bool)
assert_type(SimpleUser("bob").username, str)
SimpleUser(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


class TokenBackend:
    """Conforms to `AuthenticationBackend` without subclassing it."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        token = conn.headers.get("Authorization")
        if token is None:
            return None
        if token != "Bearer secret":
            raise AuthenticationError("Invalid token")
        return AuthCredentials(["authenticated"]), Member("alice")


class SubclassedBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return None


class SyncBackend:
    """`authenticate` must be a coroutine."""

    def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return None


class WrongResultBackend:
    async def authenticate(self, conn: HTTPConnection) -> str:
        return "alice"


backend: AuthenticationBackend = TokenBackend()
subclassed: AuthenticationBackend = SubclassedBackend()
sync_backend: AuthenticationBackend = SyncBackend()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
wrong_backend: AuthenticationBackend = WrongResultBackend()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


async def authenticate(conn: HTTPConnection) -> None:
    result = await backend.authenticate(conn)
    assert_type(result, "tuple[AuthCredentials, BaseUser] | None")


credentials = AuthCredentials(["authenticated", "admin"])
assert_type(credentials.scopes, list[str])
assert_type(AuthCredentials().scopes, list[str])
AuthCredentials("admin", "user")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
assert_type(has_required_scope(HTTPConnection({"type": "http"}), ["admin"]), bool)
has_required_scope(HTTPConnection({"type": "http"}), [1])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]

# -- requires keeps the decorated signature ------------------------------------------------


@requires("authenticated")
async def dashboard(request: Request) -> Response:
    return PlainTextResponse("dashboard")


@requires(["authenticated", "admin"], status_code=404, redirect="login")
def settings(request: Request, section: str = "general") -> PlainTextResponse:
    return PlainTextResponse(section)


@requires("authenticated")
async def live(websocket: WebSocket) -> None:
    await websocket.accept()


class Profile(HTTPEndpoint):
    @requires("authenticated")
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("profile")


dashboard_endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = dashboard
settings_endpoint: Callable[[Request, str], PlainTextResponse] = settings
live_endpoint: Callable[[WebSocket], Coroutine[Any, Any, None]] = live
settings_as_async: Callable[[Request], Coroutine[Any, Any, Response]] = settings  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


async def call_them(request: Request, websocket: WebSocket) -> None:
    assert_type(await dashboard(request=request), Response)
    assert_type(settings(request, section="billing"), PlainTextResponse)
    assert_type(await Profile.get(Profile({"type": "http"}, receive, send), request), Response)
    await live(websocket=websocket)
    await dashboard(websocket)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    settings(request, 3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    settings(request, colour="red")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]


requires(["authenticated"], status_code="403")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
requires(42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
