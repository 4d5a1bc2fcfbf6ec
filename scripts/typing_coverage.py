"""Measure how many public classes and functions of `starlette` typing_tests use.

A name counts as covered when some file in `typing_tests/` mentions it as a
word (imported, called, annotated or asserted). Also counts the expected-error
cases: lines carrying both a mypy and a pyright ignore comment, and a ty one too
unless a `# not for ty:` comment says which ty behaviour keeps it from ty. Lines
where ty alone disagrees with an assertion carry `# ty-only:` with the reason;
both kinds are counted as the cases excluded for ty.
Exits non-zero below the thresholds.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import warnings
from pathlib import Path

import starlette

MIN_COVERAGE = 95.0
MIN_NEGATIVE_CASES = 40
ROOT = Path(__file__).resolve().parent.parent
OPTIONAL_MODULES = {"starlette.middleware.opentelemetry"}


def public_names() -> dict[str, list[str]]:
    """Map each public module to the public classes and functions it defines."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(starlette.__path__, "starlette."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(info.name)
        except ImportError:
            if info.name in OPTIONAL_MODULES:
                continue
            raise
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", None) == info.name
        ]
        found[info.name] = sorted(names)
    return found


def main() -> int:
    """Print the coverage by module and return the exit status."""
    texts = {str(path.relative_to(ROOT)): path.read_text() for path in sorted((ROOT / "typing_tests").rglob("*.py"))}
    corpus = "\n".join(texts.values())
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", corpus))
    total = covered = 0
    missing: list[str] = []
    for module, names in sorted(public_names().items()):
        hit = [name for name in names if name in words]
        total += len(names)
        covered += len(hit)
        missing.extend(f"{module}.{name}" for name in names if name not in words)
        print(f"  {module}: {len(hit)}/{len(names)}")
    negative = {
        name: sum(1 for line in text.splitlines() if "# type: ignore[" in line and "# pyright: ignore[" in line)
        for name, text in texts.items()
    }
    percent = 100.0 * covered / total if total else 100.0
    print(f"typing_tests cover {covered}/{total} public classes and functions ({percent:.1f}%)")
    if missing:
        print("  not covered: " + ", ".join(missing))
    print(f"expected-error cases: {sum(negative.values())} (each proven under mypy and pyright)")
    cases = [line for text in texts.values() for line in text.splitlines() if "# type: ignore[" in line]
    unproven = [line.strip() for line in cases if "# ty: ignore[" not in line and "# not for ty:" not in line]
    proven_ty = sum("# ty: ignore[" in line for line in cases)
    excluded = sum(
        "# not for ty:" in line or "# ty-only:" in line for text in texts.values() for line in text.splitlines()
    )
    print(f"  proven under ty: {proven_ty}; cases excluded for ty only: {excluded}")
    for line in unproven:
        print(f"  expected error without a ty marker or a reason: {line}")
    for name, count in negative.items():
        if count:
            print(f"  {name}: {count}")
    if unproven or percent < MIN_COVERAGE or sum(negative.values()) < MIN_NEGATIVE_CASES:
        print(f"FAIL: need {MIN_COVERAGE}% coverage and {MIN_NEGATIVE_CASES} expected-error cases")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
