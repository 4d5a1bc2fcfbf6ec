from __future__ import annotations

from collections.abc import Callable

import pytest

from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
)
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


class TokenBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        token = conn.headers.get("Authorization")
        if token is None:
            return None
        if token != "Bearer good":
            raise AuthenticationError("Invalid token")
        return AuthCredentials(["authenticated"]), SimpleUser("alice")


async def whoami(request: Request) -> Response:
    return JSONResponse(
        {
            "user": request.user.display_name,
            "scopes": request.auth.scopes,
            "anonymous": not request.user.is_authenticated,
        }
    )


async def websocket_whoami(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.display_name})
    await websocket.close()


def make_app(on_error: Callable[[HTTPConnection, AuthenticationError], Response] | None = None) -> Starlette:
    return Starlette(
        routes=[Route("/", whoami), WebSocketRoute("/ws", websocket_whoami)],
        middleware=[Middleware(AuthenticationMiddleware, backend=TokenBackend(), on_error=on_error)],
    )


def test_authenticated(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(make_app()).get("/", headers={"Authorization": "Bearer good"})
    assert response.json() == {"user": "alice", "scopes": ["authenticated"], "anonymous": False}


def test_anonymous(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(make_app()).get("/")
    assert response.json() == {"user": "", "scopes": [], "anonymous": True}


def test_authentication_error(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(make_app()).get("/", headers={"Authorization": "Bearer bad"})
    assert response.status_code == 400
    assert response.text == "Invalid token"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_custom_error_response(test_client_factory: TestClientFactory) -> None:
    def on_error(conn: HTTPConnection, exc: AuthenticationError) -> Response:
        return JSONResponse({"error": str(exc), "path": conn.url.path}, status_code=401)

    response = test_client_factory(make_app(on_error=on_error)).get("/", headers={"Authorization": "Bearer bad"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid token", "path": "/"}


def test_websocket(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    with client.websocket_connect("/ws", headers={"Authorization": "Bearer good"}) as session:
        assert session.receive_json() == {"user": "alice"}
    with client.websocket_connect("/ws") as session:
        assert session.receive_json() == {"user": ""}


def test_websocket_authentication_error_closes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(make_app())
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws", headers={"Authorization": "x"}):
        pass  # pragma: no cover
    assert info.value.code == 1000


def test_lifespan_passes_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/").status_code == 200


@pytest.mark.anyio
async def test_other_errors_propagate() -> None:
    class BrokenBackend:
        async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
            raise RuntimeError("backend is down")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("not reached")  # pragma: no cover

    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    async def send(message: Message) -> None:
        raise AssertionError("not called")  # pragma: no cover

    with pytest.raises(RuntimeError, match="backend is down"):
        await AuthenticationMiddleware(app, backend=BrokenBackend())({"type": "http"}, receive, send)


def test_attributes_and_default_on_error() -> None:
    backend = TokenBackend()
    app = PlainTextResponse("x")
    middleware = AuthenticationMiddleware(app, backend)
    assert middleware.app is app
    assert middleware.backend is backend
    assert middleware.on_error == AuthenticationMiddleware.default_on_error
    response = AuthenticationMiddleware.default_on_error(HTTPConnection({"type": "http"}), Exception("nope"))
    assert response.status_code == 400
    assert response.body == b"nope"
    assert isinstance(UnauthenticatedUser(), BaseUser)
