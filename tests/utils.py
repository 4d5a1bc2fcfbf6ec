from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from starlette.testclient import TestClient
    from starlette.types import ASGIApp


class TestClientFactory(Protocol):
    """The type of the `test_client_factory` fixture."""

    __test__: bool = False

    def __call__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        cookies: Any = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> TestClient: ...
