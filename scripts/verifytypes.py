"""Run `pyright --verifytypes starlette --ignoreexternal` and report the score.

Fails when the completeness score is below the threshold or when any public
symbol lacks a docstring.
"""

from __future__ import annotations

import json
import subprocess
import sys

THRESHOLD = 100.0


def main() -> int:
    """Print the public-type completeness report and return the exit status."""
    proc = subprocess.run(
        ["pyright", "--verifytypes", "starlette", "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    completeness = report["typeCompleteness"]
    score = float(completeness["completenessScore"]) * 100
    counts = completeness["exportedSymbolCounts"]
    missing_docs = int(completeness.get("missingFunctionDocStringCount", 0)) + int(
        completeness.get("missingClassDocStringCount", 0)
    )
    problems = [
        diag
        for symbol in completeness["symbols"]
        for diag in symbol.get("diagnostics", [])
        if diag.get("severity") == "error"
    ]
    for diag in problems[:50]:
        print(f"  {diag.get('file', '')}: {diag['message']}")
    print(
        f"type completeness {score:.1f}% "
        f"(known {counts['withKnownType']}, ambiguous {counts['withAmbiguousType']}, "
        f"unknown {counts['withUnknownType']}); missing docstrings {missing_docs}"
    )
    if score < THRESHOLD or missing_docs:
        print(f"FAIL: below {THRESHOLD}% or docstrings missing")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
