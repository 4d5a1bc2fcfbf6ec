from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from tests.compat import Backend

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tests.compat.app import Store

FASTAPI_MISSING = "fastapi is not installed: the FastAPI compatibility tests (tests/compat) need it"


class FastAPIMissing(pytest.Module):
    """Stands in for a test module of this directory when FastAPI is not installed, and reports it skipped."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        pytest.skip(FASTAPI_MISSING)


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    # Only a missing FastAPI skips: if it is installed but fails to import on this package, that must fail.
    if importlib.util.find_spec("fastapi") is None:
        # pytest leaves the `parent` parameter of `from_parent` unannotated.
        return FastAPIMissing.from_parent(parent, path=module_path)  # pyright: ignore[reportUnknownMemberType]
    return None


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """A directory of static files for the service: `hello.txt` and `site/index.html`."""
    directory = tmp_path / "static"
    (directory / "site").mkdir(parents=True)
    (directory / "hello.txt").write_text("hello, static world\n")
    (directory / "site" / "index.html").write_text("<h1>index</h1>")
    return directory


@pytest.fixture
def store() -> Store:
    """The data of the service, shared with the test for inspection."""
    from tests.compat.app import Store

    return Store()


@pytest.fixture
def app(static_dir: Path, store: Store) -> FastAPI:
    """A fresh instance of the compatibility service."""
    from tests.compat.app import create_app

    return create_app(static_dir, store)


@pytest.fixture
def backend(anyio_backend: str) -> Backend:
    """The anyio backend the test client runs the application on (both, by parametrization)."""
    return cast(Backend, anyio_backend)


@pytest.fixture
def client(app: FastAPI, backend: Backend) -> Iterator[TestClient]:
    """FastAPI's test client (this package's) on the service, with the lifespan running."""
    from fastapi.testclient import TestClient

    with TestClient(app, backend=backend) as test_client:
        yield test_client
