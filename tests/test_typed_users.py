from __future__ import annotations

from dataclasses import dataclass

import pytest

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, UnauthenticatedUser, get_user
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from tests.utils import TestClientFactory


@dataclass
class Member:
    """A user with more than the `BaseUser` protocol: a member number."""

    number: int

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"member {self.number}"

    @property
    def identity(self) -> str:
        return str(self.number)


class MemberBackend(AuthenticationBackend[Member]):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, Member] | None:
        number = conn.headers.get("x-member")
        return None if number is None else (AuthCredentials(["authenticated"]), Member(int(number)))


backend = MemberBackend()


async def whoami(request: Request) -> PlainTextResponse:
    user = get_user(request, backend)
    if isinstance(user, UnauthenticatedUser):
        return PlainTextResponse("anonymous")
    return PlainTextResponse(f"number {user.number + 1}")


app = Starlette(
    routes=[Route("/", whoami)],
    middleware=[Middleware(AuthenticationMiddleware, backend=backend)],
)


def test_get_user_returns_the_backend_user(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    assert client.get("/", headers={"x-member": "41"}).text == "number 42"


def test_get_user_returns_the_anonymous_user(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app)
    assert client.get("/").text == "anonymous"


def test_get_user_without_the_middleware_fails_like_request_user(test_client_factory: TestClientFactory) -> None:
    bare = Starlette(routes=[Route("/", whoami)])
    client = test_client_factory(bare)
    with pytest.raises(AssertionError, match="AuthenticationMiddleware must be installed to access request.user"):
        client.get("/")
