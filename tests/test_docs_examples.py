"""Run the guide's complete apps and check the responses the text promises.

Every module of the guide's code blocks (as `scripts/check_docs.py` reads them)
that binds `app` at top level is a complete app, and must be followed by at
least one `<!-- run: ... -->` line. Each such line is a request and what it
must get back, in one of these forms:

- `METHOD URL ["Header: value" ...] -> STATUS [text BODY | json BODY | header NAME: VALUE]`
- `WS URL [send TEXT] -> receive TEXT` or `WS URL [send TEXT] -> close CODE [REASON]`
- `tests`: call the module's own `test_*` functions (blocks that are tests themselves).

The module is imported from a temporary directory holding empty `static/` and
`templates/` directories (the guide's apps mount them), then driven with the
`TestClient` on each anyio backend, lifespan included.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Literal, cast

import anyio
import pytest
from scripts.check_docs import DOCS, Module, extract_modules

from starlette.testclient import TestClient
from starlette.types import ASGIApp
from starlette.websockets import WebSocketDisconnect

_APP_LINE = re.compile(r"^app(: [^=]+)? = ")


def _guide_modules() -> list[Module]:
    return [module for page in sorted(DOCS.glob("*.md")) for module in extract_modules(page)]


def _complete_apps() -> list[Module]:
    return [module for module in _guide_modules() if any(_APP_LINE.match(line) for line in module.lines)]


def _import(module: Module, directory: Path) -> ModuleType:
    """Import the module's code from `directory` under its own name."""
    path = directory / f"{module.name}.py"
    path.write_text("\n".join(module.lines) + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location(module.name, path)
    assert spec is not None and spec.loader is not None
    imported = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, module.name, imported)
        spec.loader.exec_module(imported)
    return imported


def _check_http(client: TestClient, request: str, expected: str) -> None:
    method, url, *header_lines = shlex.split(request)
    headers = dict(line.split(": ", 1) for line in header_lines)
    response = client.request(method, url, headers=headers)
    status, _, rest = expected.partition(" ")
    assert response.status_code == int(status), response.text
    kind, _, value = rest.partition(" ")
    if kind == "text":
        assert response.text == value
    elif kind == "json":
        assert response.json() == json.loads(value)
    elif kind == "header":
        name, _, header_value = value.partition(": ")
        assert response.headers[name] == header_value
    else:
        assert not rest, f"unknown expectation {rest!r}"


def _converse(client: TestClient, url: str, send: list[str]) -> str:
    """Connect to `url`, send the text of `send` (if any), and return the first text received."""
    with client.websocket_connect(url) as websocket:
        if send:
            websocket.send_text(send[0].removeprefix("send "))
        return websocket.receive_text()


def _check_websocket(client: TestClient, request: str, expected: str) -> None:
    _, url, *send = request.split(" ", 2)
    kind, _, value = expected.partition(" ")
    if kind == "receive":
        assert _converse(client, url, send) == value
        return
    assert kind == "close", f"unknown expectation {expected!r}"
    code, _, reason = value.partition(" ")
    with pytest.raises(WebSocketDisconnect) as disconnect:
        _converse(client, url, send)
    assert (disconnect.value.code, disconnect.value.reason) == (int(code), reason)


def _run_own_tests(imported: ModuleType, backend: str) -> int:
    tests = [value for name, value in vars(imported).items() if name.startswith("test_") and callable(value)]
    for test in cast(list[Callable[[], object]], tests):
        if inspect.iscoroutinefunction(test):
            anyio.run(test, backend=backend)
        else:
            test()
    return len(tests)


@pytest.fixture
def app_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory with the `static/` and `templates/` directories the guide's apps mount."""
    (tmp_path / "static").mkdir()
    (tmp_path / "templates").mkdir()
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.mark.parametrize("module", _complete_apps(), ids=lambda module: module.origin(1))
def test_guide_app_answers_as_the_text_says(module: Module, app_directory: Path, anyio_backend: str) -> None:
    assert module.runs, f"{module.origin(1)}: a complete app without any <!-- run: ... --> line"
    imported = _import(module, app_directory)
    app = cast(ASGIApp, imported.app)
    backend = cast(Literal["asyncio", "trio"], anyio_backend)
    with TestClient(app, backend=backend, follow_redirects=False) as client:
        for spec in module.runs:
            if spec == "tests":
                assert _run_own_tests(imported, anyio_backend) > 0, f"{module.origin(1)}: no test_* function"
                continue
            request, _, expected = spec.partition(" -> ")
            if request.startswith("WS "):
                _check_websocket(client, request, expected)
            else:
                _check_http(client, request, expected)


def test_run_lines_belong_to_complete_apps() -> None:
    apps = _complete_apps()
    stray = [module.origin(1) for module in _guide_modules() if module.runs and module not in apps]
    assert stray == []


def test_the_guide_has_runnable_apps() -> None:
    assert len(_complete_apps()) >= 20
