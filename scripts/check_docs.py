"""Type-check every Python code block of the user guide (`docs/*.md`).

Each ```` ```python ```` block becomes a module of its own in a temporary
directory, which is then checked with `mypy --strict` (using the project's mypy
settings) and with pyright in strict mode. A block preceded by the line
`<!-- check_docs: continue -->` is appended to the previous block of the same
page instead, for examples that build on each other. Lines such as
`<!-- run: GET / -> 200 text Welcome -->` after a block are the requests a test
(`tests/test_docs_examples.py`) sends to the block's app, and what it expects.

Errors are reported at their line in the Markdown file. The exit status is
non-zero when either checker reports anything, or when no block was found.

Usage: python scripts/check_docs.py [--keep DIR] [PAGE.md ...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CONTINUE_MARKER = "<!-- check_docs: continue -->"
_RUN_MARKER = re.compile(r"^<!-- run: (?P<spec>.*) -->$")
_FENCE_OPEN = re.compile(r"^```python\s*$")
_FENCE_CLOSE = re.compile(r"^```\s*$")
_MYPY_LINE = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+):(?:\d+:)? (?P<kind>error|note): (?P<message>.*)$")


def shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _pyright() -> str:
    """The pyright next to this interpreter (the project's virtualenv), else the one on PATH."""
    local = Path(sys.executable).parent / "pyright"
    return str(local) if local.exists() else "pyright"


@dataclass
class Module:
    """One checked module: the code of one block (or of several continued blocks)."""

    name: str
    lines: list[str] = field(default_factory=list[str])
    origins: list[tuple[Path, int]] = field(default_factory=list[tuple[Path, int]])
    """For each line of the module, the Markdown file and line (1-based) it comes from."""
    runs: list[str] = field(default_factory=list[str])
    """The `<!-- run: ... -->` specifications written after the module's blocks."""

    def add_block(self, page: Path, first_line: int, code: list[str]) -> None:
        """Append a block whose first code line is line `first_line` of `page`."""
        self.lines.extend(code)
        self.origins.extend((page, first_line + offset) for offset in range(len(code)))

    def origin(self, line: int) -> str:
        """`docs/page.md:N` for line `line` (1-based) of the module."""
        page, page_line = self.origins[min(max(line, 1), len(self.origins)) - 1]
        return f"{shown(page)}:{page_line}"


class DocsError(Exception):
    """A page cannot be read into modules (such as an unclosed code block)."""


def extract_modules(page: Path) -> list[Module]:
    """The modules of the Python blocks of `page`, continued blocks merged.

    Raises:
        DocsError: A block is not closed, or the first block of the page is a continuation,
            or a run marker comes before any block.
    """
    modules: list[Module] = []
    text = page.read_text(encoding="utf-8").splitlines()
    stem = re.sub(r"\W", "_", page.stem)
    index = 0
    previous = ""
    while index < len(text):
        line = text[index]
        if not _FENCE_OPEN.match(line):
            if line.strip():
                previous = line.strip()
            run = _RUN_MARKER.match(line.strip())
            if run is not None:
                if not modules:
                    raise DocsError(f"{shown(page)}:{index + 1}: a run marker before any code block")
                modules[-1].runs.append(run["spec"])
            index += 1
            continue
        start = index + 1
        end = start
        while end < len(text) and not _FENCE_CLOSE.match(text[end]):
            end += 1
        if end == len(text):
            raise DocsError(f"{shown(page)}:{index + 1}: the code block is never closed")
        if previous == CONTINUE_MARKER:
            if not modules:
                raise DocsError(f"{shown(page)}:{index + 1}: nothing to continue")
            modules[-1].add_block(page, start + 1, text[start:end])
        else:
            module = Module(f"docs_{stem}_{len(modules) + 1:02d}")
            module.add_block(page, start + 1, text[start:end])
            modules.append(module)
        previous = ""
        index = end + 1
    return modules


def run_mypy(directory: Path, modules: dict[str, Module]) -> list[str]:
    """Check the modules with `mypy --strict` and the project's settings; the errors, located in the docs."""
    files = [str(directory / f"{name}.py") for name in modules]
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(REPO / "pyproject.toml"), *files]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        return [f"mypy failed to run (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"]
    errors: list[str] = []
    for line in proc.stdout.splitlines():
        match = _MYPY_LINE.match(line)
        if match is None or match["kind"] != "error":
            continue
        module = modules.get(Path(match["file"]).stem)
        where = module.origin(int(match["line"])) if module is not None else match["file"]
        errors.append(f"{where}: mypy: {match['message']}")
    if proc.returncode == 1 and not errors:
        errors.append(f"mypy reported errors that could not be located:\n{proc.stdout}")
    return errors


def run_pyright(directory: Path, modules: dict[str, Module]) -> list[str]:
    """Check the modules with pyright in strict mode; the errors, located in the docs."""
    config: dict[str, Any] = {
        "include": ["."],
        "typeCheckingMode": "strict",
        "pythonVersion": "3.10",
        "stubPath": str(REPO / "stubs"),
        "extraPaths": [str(REPO / "src")],
        "reportUnnecessaryTypeIgnoreComment": "error",
        # Lines meant to be rejected carry a mypy "type: ignore" and a "pyright: ignore"
        # comment, each naming its code: both checkers must really report there.
        "enableTypeIgnoreComments": False,
    }
    (directory / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    command = [_pyright(), "--outputjson", "--pythonpath", sys.executable, "-p", str(directory / "pyrightconfig.json")]
    proc = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return [f"pyright failed to run (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"]
    errors: list[str] = []
    diagnostics: list[dict[str, Any]] = report.get("generalDiagnostics", [])
    for diagnostic in diagnostics:
        if diagnostic.get("severity") != "error":
            continue
        module = modules.get(Path(str(diagnostic.get("file", ""))).stem)
        line = int(diagnostic["range"]["start"]["line"]) + 1
        where = module.origin(line) if module is not None else str(diagnostic.get("file"))
        rule = f" ({diagnostic['rule']})" if "rule" in diagnostic else ""
        errors.append(f"{where}: pyright: {diagnostic['message']}{rule}")
    if proc.returncode != 0 and not errors:
        errors.append(f"pyright failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return errors


def check(pages: list[Path], directory: Path) -> int:
    """Write the modules of `pages` into `directory`, check them, print the errors; the exit status."""
    modules: dict[str, Module] = {}
    try:
        for page in pages:
            for module in extract_modules(page):
                modules[module.name] = module
    except DocsError as exc:
        print(exc)
        return 1
    if not modules:
        print("no Python code blocks found in " + ", ".join(str(page) for page in pages))
        return 1
    for name, module in modules.items():
        (directory / f"{name}.py").write_text("\n".join(module.lines) + "\n", encoding="utf-8")
    errors = run_mypy(directory, modules) + run_pyright(directory, modules)
    for error in errors:
        print(error)
    print(f"checked {len(modules)} modules from {len(pages)} pages: {len(errors)} errors")
    return 1 if errors else 0


def main() -> int:
    """Parse the command line and check the pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pages", nargs="*", type=Path, help="Markdown files (default: docs/*.md)")
    parser.add_argument("--keep", type=Path, help="write the modules into this directory and keep them")
    options = parser.parse_args()
    pages: list[Path] = [page.resolve() for page in options.pages] or sorted(DOCS.glob("*.md"))
    keep: Path | None = options.keep
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return check(pages, keep.resolve())
    with tempfile.TemporaryDirectory(prefix="check-docs-") as directory:
        return check(pages, Path(directory))


if __name__ == "__main__":
    sys.exit(main())
