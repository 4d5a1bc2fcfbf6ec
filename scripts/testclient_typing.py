"""Prove which HTTP client the TestClient's types come from: httpx2 when installed, httpx otherwise.

A small test module written against the TestClient is type-checked with mypy
--strict, pyright strict and ty in three environments: one with only `httpx`
and one with only `httpx2` (throwaway environments in `.venvs/`, built from
uv.lock's pins and this package's `src/`; offline from the uv cache when it
can), and `.venv`, which has both, as the `full` extra installs them. The
module asserts the types of the client, its responses and its cookies with
`assert_type` against the package that should provide them, and carries one
expected error proven under every checker (ignore comments count only when
needed).

The step fails on any diagnostic not listed in `KNOWN` below with its reason,
and on a listed one no longer reported (a checker closed the gap: drop it).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from scripts._upstream import CACHE, ROOT, UV, run
from scripts.downstream_typing import BIN, mypy, pyright, ty

WORK = ROOT / ".venvs" / "testclient-typing"

MODULE = '''\
"""Tests as users write them with the TestClient, where CLIENT_LIB is the HTTP client installed."""

from __future__ import annotations

import CLIENT_LIB as client_lib
from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient, WebSocketDenialResponse


def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.url.path)


app = Starlette(routes=[Route("/", homepage)])
client = TestClient(app, cookies=client_lib.Cookies({"session": "abc"}), headers={"x": "1"})
assert_type(client.get("/"), client_lib.Response)
assert_type(client.post("/", json={"a": 1}, headers=client_lib.Headers({"y": "2"})), client_lib.Response)
assert_type(client.cookies, client_lib.Cookies)
assert_type(client.headers, client_lib.Headers)
assert_type(client.base_url, client_lib.URL)
as_client: client_lib.Client = client
denial: client_lib.Response = WebSocketDenialResponse(403)
with client.stream("GET", "/") as streamed:
    assert_type(streamed, client_lib.Response)
TestClient(
    app,
    cookies=42,  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
)
response = client.request("GET", client_lib.URL("/"), params={"q": "1"}, cookies={"a": "b"}, follow_redirects=False)
assert_type(response, client_lib.Response)
'''

# Only ty's own ignore comments count for ty, and an unneeded one is an error (as in `pyproject.toml`).
TY_CONFIG = """\
[analysis]
respect-type-ignore-comments = false

[rules]
unused-ignore-comment = "error"
"""

# (environment, checker) -> (the line's text, the start of the diagnostic, why it is expected).
KNOWN: dict[tuple[str, str], tuple[str, str, str]] = {
    ("httpx only", "pyright strict"): (
        'response = client.request("GET"',
        'Type of "request" is partially unknown',
        "`UseClientDefault` (the type of `request()`'s `auth`, `follow_redirects` and `timeout` defaults) is "
        "in no `__all__`, so `_httpx.pyi`'s wildcard imports cannot choose it; it comes from httpx2 alone and "
        "pyright reports the unresolved import's type as unknown (mypy sees `Any`, ty does not report it)",
    ),
}


def runtime_pins() -> Path:
    """uv.lock's pins of the runtime dependencies and every extra, as a constraints file."""
    CACHE.mkdir(parents=True, exist_ok=True)
    pins = CACHE / "runtime-pins.txt"
    pins.write_text(run(UV, "export", "-q", "--locked", "--no-hashes", "--no-emit-project", "--all-extras",
                        "--no-default-groups", cwd=ROOT))  # fmt: skip
    return pins


def package_env(client_lib: str, pins: Path) -> Path:
    """A throwaway environment with this package, anyio, typing_extensions and `client_lib`; return its Python."""
    env = WORK / client_lib
    python = env / "bin" / "python"
    if not python.exists():
        run(UV, "venv", "-q", "--python", sys.executable, env)
    install = [str(UV), "pip", "install", "-q", "--python", str(python), "-c", str(pins)]
    install += ["anyio", "typing-extensions", client_lib]
    if subprocess.run([*install, "--offline"], capture_output=True, check=False).returncode:
        run(*install)  # not all in the uv cache yet
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (purelib / "starlette-src.pth").write_text(f"{ROOT / 'src'}\n")
    other = "httpx2" if client_lib == "httpx" else "httpx"
    if run(python, "-c", f"import importlib.util; print(importlib.util.find_spec('{other}'))").strip() != "None":
        raise SystemExit(f"{env} should not have {other}")
    return python


def check(env_name: str, python: Path, client_lib: str) -> int:
    """Type-check the module against `client_lib` in one environment; the number of unexpected diagnostics."""
    cwd = WORK / f"check-{client_lib}"
    cwd.mkdir(parents=True, exist_ok=True)
    (cwd / "ty.toml").write_text(TY_CONFIG)
    source = MODULE.replace("CLIENT_LIB", client_lib)
    target = Path(f"check_testclient_{client_lib}.py")
    (cwd / target).write_text(source)
    checkers: dict[str, Callable[[], list[str]]] = {
        "mypy --strict": lambda: mypy(cwd, target, python, "--strict", "--config-file", "/dev/null"),
        "pyright strict": lambda: pyright(
            cwd, target, python, "strict", enableTypeIgnoreComments=False, reportUnnecessaryTypeIgnoreComment="error"
        ),
        "ty": lambda: ty(cwd, target, python),
    }
    unexpected = 0
    for checker_name, checker in checkers.items():
        found = checker()
        known = KNOWN.get((env_name, checker_name))
        if known is not None:
            line = next(number for number, text in enumerate(source.splitlines(), 1) if text.startswith(known[0]))
            expected = f"{target}:{line}: {known[1]}"
            missing = not any(d.startswith(expected) for d in found)
            found = [d for d in found if not d.startswith(expected)]
            print(f"{env_name}, {checker_name}: {'NOT reported' if missing else 'expected'}: {expected} ({known[2]})")
            unexpected += missing
        print(f"{env_name}, {checker_name}: {len(found)} unexpected diagnostic(s)")
        for diagnostic in found:
            print(f"  {diagnostic}")
        unexpected += len(found)
    return unexpected


def main() -> int:
    """Check the module with only httpx, only httpx2, and both installed; 1 on anything unexpected."""
    pins = runtime_pins()
    environments = {
        "httpx only": (package_env("httpx", pins), "httpx"),
        "httpx2 only": (package_env("httpx2", pins), "httpx2"),
        "httpx and httpx2 (.venv)": (BIN / "python", "httpx2"),
    }
    unexpected = sum(check(name, python, client_lib) for name, (python, client_lib) in environments.items())
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
