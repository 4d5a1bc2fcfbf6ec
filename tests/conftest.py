from __future__ import annotations

from typing import Any, Literal, cast

import pytest

from tests.utils import TestClientFactory


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every `@pytest.mark.anyio` test on both anyio backends."""
    return str(request.param)


@pytest.fixture
def test_client_factory(anyio_backend: str) -> TestClientFactory:
    """A `TestClient` constructor bound to the current anyio backend."""
    from starlette.testclient import TestClient

    backend = cast(Literal["asyncio", "trio"], anyio_backend)

    def factory(*args: Any, **kwargs: Any) -> TestClient:
        kwargs["backend"] = backend
        return TestClient(*args, **kwargs)

    return cast(TestClientFactory, factory)
