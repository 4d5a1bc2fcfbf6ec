from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.servers import SERVER_KINDS, Server, ServerKind, app_tracebacks, running_server

_SERVER_MODULES: dict[ServerKind, str] = {"uvicorn": "uvicorn", "hypercorn": "hypercorn", "hypercorn-trio": "trio"}


def require_server(kind: ServerKind) -> None:
    """Skip the test when the server `kind` (or its worker library) is not installed."""
    for module in {_SERVER_MODULES[kind], kind.partition("-")[0]}:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: cannot run the demo app under {kind}")


@pytest.fixture(scope="session", params=SERVER_KINDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo app running under each server, shared by the tests of a session."""
    kind: ServerKind = request.param
    require_server(kind)
    with running_server(kind, tmp_path_factory.mktemp(f"logs-{kind}")) as running:
        yield running
    log = running.log()
    # Every request of the tests got a deliberate answer: none may have crashed in the app.
    assert not app_tracebacks(log), log
    assert "demo: shutdown complete" in log, log


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client for `server` that does not follow redirects."""
    with httpx.Client(base_url=server.url, timeout=10.0, follow_redirects=False) as http:
        yield http
