"""The package's layout rules that a reader relies on.

No module in `src/` holds more than 750 lines of code: docstrings, comments and
blank lines do not count, every other line does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import starlette

PACKAGE = Path(starlette.__file__).parent
MAX_LINES_OF_CODE = 750


def lines_of_code(source: str) -> int:
    """Count the lines of `source` that are neither blank, nor a comment, nor part of a string statement."""
    prose: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            prose.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#") and number not in prose
    )


def test_lines_of_code_leave_out_docstrings_comments_and_blank_lines() -> None:
    source = '"""Module."""\n\n# a comment\ndef f() -> int:\n    """Doc\n    string."""\n    return 1  # counted\n'
    assert lines_of_code(source) == 2


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_holds_more_than_750_lines_of_code(module: Path) -> None:
    assert lines_of_code(module.read_text(encoding="utf-8")) <= MAX_LINES_OF_CODE
