from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from starlette.applications import Starlette
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
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


class BasicAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        if "Authorization" not in conn.headers:
            return None
        try:
            _, credentials = conn.headers["Authorization"].split()
            decoded = base64.b64decode(credentials).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise AuthenticationError("Invalid basic auth credentials") from exc
        username, _, _ = decoded.partition(":")
        scopes = ["authenticated"] + (["admin"] if username == "admin" else [])
        return AuthCredentials(scopes), SimpleUser(username)


def user_json(request: Request) -> Response:
    return JSONResponse({"authenticated": request.user.is_authenticated, "user": request.user.display_name})


async def homepage(request: Request) -> Response:
    return user_json(request)


@requires("authenticated")
async def dashboard(request: Request) -> Response:
    return user_json(request)


@requires(["authenticated", "admin"])
async def admin(request: Request) -> Response:
    return user_json(request)


@requires("authenticated")
def dashboard_sync(request: Request) -> Response:
    return user_json(request)


@requires(["authenticated", "admin"], status_code=404)
async def hidden(request: Request) -> Response:
    return user_json(request)


@requires("authenticated", redirect="homepage")
async def redirecting(request: Request) -> Response:
    return user_json(request)


@requires("authenticated", redirect="homepage")
def redirecting_sync(request: Request) -> Response:
    return user_json(request)


class Dashboard(HTTPEndpoint):
    @requires("authenticated")
    async def get(self, request: Request) -> Response:
        return user_json(request)

    @requires("authenticated")
    def post(self, request: Request) -> Response:
        return user_json(request)


@requires("authenticated")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"authenticated": True, "user": websocket.user.display_name})
    await websocket.close()


app = Starlette(
    routes=[
        Route("/", homepage, name="homepage"),
        Route("/dashboard", dashboard),
        Route("/admin", admin),
        Route("/dashboard/sync", dashboard_sync),
        Route("/hidden", hidden),
        Route("/redirecting", redirecting),
        Route("/redirecting/sync", redirecting_sync),
        Route("/endpoint", Dashboard),
        WebSocketRoute("/ws", websocket_endpoint),
    ],
    middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth())],
)


def client_for(test_client_factory: TestClientFactory) -> TestClient:
    return test_client_factory(app)


def test_user_interface(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)
    assert client.get("/").json() == {"authenticated": False, "user": ""}
    assert client.get("/", auth=("tomchristie", "example")).json() == {"authenticated": True, "user": "tomchristie"}


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/sync", "/endpoint"])
def test_requires_authenticated(test_client_factory: TestClientFactory, path: str) -> None:
    client = client_for(test_client_factory)
    response = client.get(path)
    assert response.status_code == 403
    assert response.text == "Forbidden"

    response = client.get(path, auth=("tomchristie", "example"))
    assert response.status_code == 200
    assert response.json() == {"authenticated": True, "user": "tomchristie"}


def test_requires_on_sync_endpoint_method(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)
    assert client.post("/endpoint").status_code == 403
    assert client.post("/endpoint", auth=("tomchristie", "example")).json()["user"] == "tomchristie"


def test_requires_several_scopes(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)
    assert client.get("/admin", auth=("tomchristie", "example")).status_code == 403
    assert client.get("/admin", auth=("admin", "example")).json() == {"authenticated": True, "user": "admin"}


def test_requires_with_status_code(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)
    response = client.get("/hidden", auth=("tomchristie", "example"))
    assert response.status_code == 404
    assert response.text == "Not Found"


@pytest.mark.parametrize("path", ["/redirecting", "/redirecting/sync"])
def test_requires_with_redirect(test_client_factory: TestClientFactory, path: str) -> None:
    client = client_for(test_client_factory)
    response = client.get(f"{path}?a=1&b=2", follow_redirects=False)
    assert response.status_code == 303
    next_url = urlencode({"next": f"http://testserver{path}?a=1&b=2"})
    assert response.headers["location"] == f"http://testserver/?{next_url}"

    response = client.get(path, auth=("tomchristie", "example"), follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == {"authenticated": True, "user": "tomchristie"}


def test_requires_on_websocket(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws"):
        pass  # pragma: no cover
    assert info.value.code == 1000  # as upstream: a plain close

    with client.websocket_connect("/ws", auth=("tomchristie", "example")) as session:
        assert session.receive_json() == {"authenticated": True, "user": "tomchristie"}


def test_decorating_a_function_without_a_connection_parameter() -> None:
    def no_connection(conn: Request) -> None: ...  # pragma: no cover

    with pytest.raises(Exception, match='No "request" or "websocket" argument on function') as info:
        requires("authenticated")(no_connection)
    assert type(info.value) is Exception  # upstream's plain `Exception`


@pytest.mark.anyio
async def test_request_passed_by_keyword_or_positionally() -> None:
    calls: list[tuple[Any, ...]] = []

    @requires("authenticated")
    async def endpoint(prefix: str, request: Request, *, suffix: str = "") -> str:
        calls.append((prefix, suffix))
        return "ok"

    request = Request({"type": "http", "auth": AuthCredentials(["authenticated"])})
    assert await endpoint("a", request) == "ok"
    assert await endpoint("b", request=request, suffix="c") == "ok"
    assert await endpoint(prefix="d", request=request) == "ok"
    assert calls == [("a", ""), ("b", "c"), ("d", "")]


@pytest.mark.anyio
async def test_request_argument_must_be_a_request() -> None:
    @requires("authenticated")
    async def endpoint(request: Any) -> None: ...  # pragma: no cover

    @requires("authenticated")
    def sync_endpoint(request: Any) -> None: ...  # pragma: no cover

    @requires("authenticated")
    async def websocket_endpoint(websocket: Any) -> None: ...  # pragma: no cover

    with pytest.raises(
        AssertionError, match="^Parameter with name 'request' is required to be of type 'Request' not 'object'$"
    ):
        await endpoint(object())
    with pytest.raises(
        AssertionError, match="^Parameter with name 'request' is required to be of type 'Request' not 'NoneType'$"
    ):
        sync_endpoint(None)
    with pytest.raises(
        AssertionError, match="^Parameter with name 'websocket' is required to be of type 'WebSocket' not 'str'$"
    ):
        await websocket_endpoint("nope")


def test_decorated_function_keeps_its_metadata() -> None:
    assert dashboard.__name__ == "dashboard"
    assert dashboard_sync.__name__ == "dashboard_sync"
    assert websocket_endpoint.__name__ == "websocket_endpoint"
    wrapped: Callable[[Request], Awaitable[Response]] = dashboard
    assert callable(wrapped)


def test_has_required_scope() -> None:
    conn = HTTPConnection({"type": "http", "auth": AuthCredentials(["a", "b"])})
    assert has_required_scope(conn, [])
    assert has_required_scope(conn, ["a"])
    assert has_required_scope(conn, ["a", "b"])
    assert not has_required_scope(conn, ["a", "c"])
    with pytest.raises(AssertionError, match="AuthenticationMiddleware must be installed"):
        has_required_scope(HTTPConnection({"type": "http"}), ["a"])


def test_users_and_credentials() -> None:
    user = SimpleUser("alice")
    assert user.username == "alice"
    assert user.is_authenticated is True
    assert user.display_name == "alice"
    assert user.identity == "alice"

    anonymous = UnauthenticatedUser()
    assert anonymous.is_authenticated is False
    assert anonymous.display_name == ""
    assert anonymous.identity == ""

    assert AuthCredentials().scopes == []
    assert AuthCredentials(("a", "b")).scopes == ["a", "b"]


def test_protocols_type_check_structurally_and_check_by_inheritance_at_runtime() -> None:
    class Member:
        is_authenticated = True
        display_name = "Member"
        identity = "member-1"

    class Backend:
        async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
            return AuthCredentials(["member"]), Member()  # pragma: no cover

    # Type checkers accept the structural implementations...
    user: BaseUser = Member()
    backend: AuthenticationBackend = Backend()
    # ...while at runtime `isinstance` and `issubclass` check inheritance, as with upstream's base classes.
    assert not isinstance(user, BaseUser)
    assert not isinstance(backend, AuthenticationBackend)
    assert isinstance(SimpleUser("a"), BaseUser)
    assert isinstance(UnauthenticatedUser(), BaseUser)
    # ty reads these as checks against a data protocol, which plain protocols refuse at runtime.
    assert issubclass(SimpleUser, BaseUser)  # ty: ignore[isinstance-against-protocol]
    assert not issubclass(Member, BaseUser)  # ty: ignore[isinstance-against-protocol]
    assert isinstance(BasicAuth(), AuthenticationBackend)
    assert issubclass(BasicAuth, AuthenticationBackend)
    assert not isinstance(object(), BaseUser)
    assert not isinstance(object(), AuthenticationBackend)


@pytest.mark.anyio
async def test_default_protocol_members_raise() -> None:
    class IncompleteUser(BaseUser):
        pass

    class IncompleteBackend(AuthenticationBackend):
        pass

    # Type checkers reject this: the protocol's members are abstract.
    user = IncompleteUser()  # type: ignore[abstract]  # ty: ignore[abstract-class-instantiation]
    for name in ("is_authenticated", "display_name", "identity"):
        with pytest.raises(NotImplementedError):
            getattr(user, name)
    with pytest.raises(NotImplementedError):
        backend = IncompleteBackend()  # type: ignore[abstract]  # ty: ignore[abstract-class-instantiation]
        await backend.authenticate(HTTPConnection({"type": "http"}))
