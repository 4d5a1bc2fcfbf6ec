"""Type-check code written against upstream Starlette with this package and with upstream.

Two bodies of code are checked, each in an environment with this package (`.venv`)
and in one with upstream 1.10.0 (see `_upstream.py`):

- FastAPI's own source, at the version `tests/compat` uses, from its sdist: with mypy
  under FastAPI's `[tool.mypy]` configuration, with pyright in standard mode, and
  with ty under FastAPI's `[tool.ty]` configuration;
- the corpus of typical user code in `typing_tests/downstream/`: mypy --strict,
  pyright strict and ty.

The step fails on any diagnostic that appears only with this package, unless
`ALLOWED` below lists it with the reason it is a real bug in the downstream code.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

from scripts._upstream import CACHE, ROOT, ensure_upstream_env, run

FASTAPI = "0.165.0"
CORPUS = ROOT / "typing_tests" / "downstream"
BIN = ROOT / ".venv" / "bin"

# (body, checker, diagnostic) -> why the new diagnostic is a real bug in the downstream code.
ALLOWED: dict[tuple[str, str, str], str] = {}

Checker = Callable[[Path, Path, Path], list[str]]
_NO_CONFIG = ("--config-file", "/dev/null")


def fastapi_source() -> Path:
    """FastAPI's sdist, downloaded once into the cache and unpacked; return its root."""
    root = CACHE / f"fastapi-{FASTAPI}"
    if not (root / "pyproject.toml").exists():
        archive = CACHE / f"fastapi-{FASTAPI}.tar.gz"
        if not archive.exists():
            pip = ROOT / ".tools" / "bin" / "python"
            run(pip, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps", "-d", CACHE,
                f"fastapi=={FASTAPI}")  # fmt: skip
        with tarfile.open(archive) as sdist:
            sdist.extractall(CACHE, filter="data")
    return root


def checked(*args: str | Path, cwd: Path) -> str:
    """Run a checker (a non-zero exit only means it found something) and return its output."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def mypy(cwd: Path, target: Path, python: Path, *options: str) -> list[str]:
    """mypy's errors, `file:line: message [code]`, using the configuration found in `cwd`."""
    cache = CACHE / "mypy" / python.parent.parent.name / cwd.name
    out = checked(BIN / "mypy", "--python-executable", python, "--cache-dir", cache, "--no-pretty",
                  "--no-error-summary", *options, target, cwd=cwd)  # fmt: skip
    return [line for line in out.splitlines() if ": error: " in line]


def pyright(cwd: Path, target: Path, python: Path, mode: str, **settings: object) -> list[str]:
    """pyright's errors and warnings in `mode` (and other `settings`), `file:line: message (rule)`."""
    config = CACHE / f"pyright-{mode}-{cwd.name}.json"
    config.write_text(json.dumps({"typeCheckingMode": mode, "pythonVersion": "3.11", **settings}))
    out = checked(BIN / "pyright", "--outputjson", "-p", config, "--pythonpath", python, target, cwd=cwd)
    diagnostics = json.loads(out)["generalDiagnostics"]
    return [
        f"{Path(d['file']).relative_to(cwd)}:{d['range']['start']['line'] + 1}: {d['message']} ({d.get('rule', '')})"
        for d in diagnostics
        if d["severity"] in ("error", "warning")
    ]


def ty(cwd: Path, target: Path, python: Path) -> list[str]:
    """ty's diagnostics, `file:line: [rule] message`, using the configuration found in `cwd`."""
    out = checked(BIN / "ty", "check", "--python", python.parent.parent, "--output-format", "concise", target, cwd=cwd)
    found: list[str] = []
    for line in out.splitlines():
        match = re.match(r"(\S+?):(\d+):\d+: (?:error|warning)(\[[\w-]+\]) (.*)", line)
        if match:
            found.append(f"{match[1]}:{match[2]}: {match[3]} {match[4]}")
    return found


def bodies(fastapi: Path) -> dict[str, tuple[Path, Path, dict[str, Checker]]]:
    """What is checked: name -> (working directory, target, checker name -> checker)."""
    corpus_checkers: dict[str, Checker] = {
        "mypy --strict": lambda cwd, target, python: mypy(
            cwd, target, python, "--strict", "--config-file", "/dev/null"
        ),
        "pyright strict": lambda cwd, target, python: pyright(cwd, target, python, "strict"),
        "ty": ty,
    }
    fastapi_checkers: dict[str, Checker] = {
        "mypy (FastAPI's config)": lambda cwd, target, python: mypy(cwd, target, python),
        "pyright standard": lambda cwd, target, python: pyright(cwd, target, python, "standard"),
        "ty": ty,
    }
    return {
        f"FastAPI {FASTAPI}": (fastapi, Path("fastapi"), fastapi_checkers),
        "user-code corpus": (CORPUS.parent, Path(CORPUS.name), corpus_checkers),
    }


def main() -> int:
    """Check each body with each checker in both environments; 1 on a diagnostic only ours has."""
    environments = {"this package": ROOT / ".venv" / "bin" / "python", "upstream 1.10.0": ensure_upstream_env()}
    unexpected = 0
    for body, (cwd, target, checkers) in bodies(fastapi_source()).items():
        for checker_name, checker in checkers.items():
            found = {name: checker(cwd, target, python) for name, python in environments.items()}
            ours, theirs = (collections.Counter(found[name]) for name in environments)
            only_ours = sorted((ours - theirs).elements())
            counts = f"{theirs.total()} with upstream, {ours.total()} with this package"
            print(f"{body}, {checker_name}: {counts}, {len(only_ours)} only with this package")
            for diagnostic in only_ours:
                reason = ALLOWED.get((body, checker_name, diagnostic))
                if reason is None:
                    unexpected += 1
                    print(f"  only with this package: {diagnostic}")
                else:
                    print(f"  allowed: {diagnostic} ({reason})")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
