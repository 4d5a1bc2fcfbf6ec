"""Typed users: a backend generic over its user type, and `get_user` returning that type."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
    UserT_co,
    get_user,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.websockets import WebSocket


class Member(SimpleUser):
    def __init__(self, username: str, number: int) -> None:
        super().__init__(username)
        self.number = number


# Subclassing the generic Protocol, or implementing it structurally.
class MemberBackend(AuthenticationBackend[Member]):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, Member] | None:
        return AuthCredentials(), Member("ada", 1)


class StructuralBackend:
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        return None


# A backend written as with upstream: a plain `AuthenticationBackend` returns `BaseUser`s.
class UntypedBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        return None


member_backend = MemberBackend()
structural: AuthenticationBackend[SimpleUser] = StructuralBackend()
untyped = UntypedBackend()
# Covariant: a backend of `Member`s is a backend of `BaseUser`s, as the middleware wants.
as_base: AuthenticationBackend[BaseUser] = member_backend
app = Starlette(middleware=[Middleware(AuthenticationMiddleware, backend=member_backend)])


def read(request: Request, websocket: WebSocket) -> None:
    assert_type(get_user(request, member_backend), Member | UnauthenticatedUser)
    assert_type(get_user(websocket, structural), SimpleUser | UnauthenticatedUser)
    assert_type(get_user(request, untyped), BaseUser | UnauthenticatedUser)
    user = get_user(request, member_backend)
    if not isinstance(user, UnauthenticatedUser):
        assert_type(user.number, int)
    # Untyped code keeps working as with upstream.
    assert_type(request.user, Any)
    assert_type(request.auth, Any)


def user_type_of(backend: AuthenticationBackend[UserT_co]) -> type[UserT_co]:
    raise NotImplementedError


# Rejected: a backend whose users are not `BaseUser`s, a user read as the wrong type,
# a typed backend returning another user type, and a user attribute that does not exist.
class NotAUser:
    pass


class NotAUserBackend:
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, NotAUser] | None:
        return None


class WrongUserBackend(AuthenticationBackend[Member]):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]  # ty: ignore[incompatible-method-override]
        return None


def misuse(request: Request) -> None:
    bad: AuthenticationBackend = NotAUserBackend()  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    wrong: Member = get_user(request, structural)  # type: ignore[arg-type, assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]
    user = get_user(request, member_backend)
    if not isinstance(user, UnauthenticatedUser):
        user.email  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]  # ty: ignore[missing-attribute]
    print(bad, wrong)
