"""The throwaway environment holding upstream Starlette 1.10.0, for comparisons only.

It lives in the git-ignored `.venvs/upstream`. Upstream's code is installed there
to be loaded by griffe and type-checked against, never read or copied. FastAPI and
its dependencies come pinned from uv.lock's `compat` group, as in `.venv`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
UPSTREAM_ENV = ROOT / ".venvs" / "upstream"
CACHE = ROOT / ".venvs" / "cache"
UPSTREAM = "starlette[full]==1.10.0"


def run(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a command, fail on a non-zero exit, and return its standard output."""
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, cwd=cwd).stdout


def ensure_upstream_env() -> Path:
    """Create or update the upstream environment; return its Python."""
    python = UPSTREAM_ENV / "bin" / "python"
    if not python.exists():
        run(UV, "venv", "-q", "--python", sys.executable, UPSTREAM_ENV)
    CACHE.mkdir(parents=True, exist_ok=True)
    pins = CACHE / "compat-pins.txt"
    pins.write_text(
        run(UV, "export", "-q", "--locked", "--no-hashes", "--no-emit-project", "--only-group", "compat", cwd=ROOT)
    )
    run(UV, "pip", "install", "-q", "--python", python, "-r", pins, UPSTREAM)
    return python


def site_packages(python: Path) -> Path:
    """The `purelib` directory of the environment whose interpreter is `python`."""
    return Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
