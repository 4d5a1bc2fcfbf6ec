"""Pin the checkers' message text for mistakes users make most: it must name the culprit.

A mistaken keyword to a middleware or a wrong endpoint signature must get an error
naming the keyword or the parameter, under mypy and pyright, not only "no overload
matches". The cases live here rather than in `typing_tests/` because the ignore
comments there would hide the messages. Each case is one line of a generated
module; the step fails unless each checker reports each expected fragment on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(__file__).resolve().parent.parent / ".venv" / "bin"

HEADER = """\
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router, WebSocketRoute
from starlette.websockets import WebSocket


async def takes_int(request: int) -> Response:
    return Response()


async def takes_request(websocket: Request) -> None:
    pass


app = Starlette()
"""

# (line, fragment mypy must print, fragment pyright must print)
CASES: list[tuple[str, str, str]] = [
    (
        "Middleware(GZipMiddleware, minimum_sise=500)",
        'Unexpected keyword argument "minimum_sise" for "Middleware"; did you mean "minimum_size"?',
        'No parameter named "minimum_sise"',
    ),
    (
        "app.add_middleware(CORSMiddleware, allow_origin=['*'])",
        'Unexpected keyword argument "allow_origin" for "add_middleware" of "Starlette"; did you mean "allow_origins"?',
        'No parameter named "allow_origin"',
    ),
    (
        "Middleware(GZipMiddleware, minimum_size='1kB')",
        'Argument "minimum_size" to "Middleware" has incompatible type "str"; expected "int"',
        'cannot be assigned to parameter "minimum_size"',
    ),
    (
        "Route('/', takes_int)",
        'Argument 2 to "Route" has incompatible type',
        'Parameter 1: type "Request[RouteStateT@Route]" is incompatible with type "int"',
    ),
    (
        "Router().add_route('/', takes_int)",
        'Argument 2 to "add_route" of "Router" has incompatible type',
        'Parameter 1: type "Request[Any]" is incompatible with type "int"',
    ),
    (
        "WebSocketRoute('/', takes_request)",
        'Argument 2 to "WebSocketRoute" has incompatible type',
        'Parameter 1: type "WebSocket[RouteStateT@WebSocketRoute]" is incompatible with type "Request[State]"',
    ),
]


def checker_output(module: Path) -> dict[str, dict[int, str]]:
    """Every message each checker prints, by line number of `module`."""
    found: dict[str, dict[int, str]] = {"mypy": {}, "pyright": {}}
    mypy = subprocess.run(
        [BIN / "mypy", "--strict", "--no-pretty", "--config-file", "/dev/null", module],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in mypy.splitlines():
        location, _, message = line.partition(": error: ")
        if message:
            number = int(location.rsplit(":", 1)[1])
            found["mypy"][number] = found["mypy"].get(number, "") + message + "\n"
    pyright = subprocess.run(
        [BIN / "pyright", "--outputjson", "--pythonpath", BIN / "python", module],
        capture_output=True,
        text=True,
        check=False,
        cwd=module.parent,
    ).stdout
    for diagnostic in json.loads(pyright)["generalDiagnostics"]:
        number = diagnostic["range"]["start"]["line"] + 1
        found["pyright"][number] = found["pyright"].get(number, "") + diagnostic["message"] + "\n"
    return found


def main() -> int:
    """Check each case's messages; 1 if a checker does not name the culprit."""
    with tempfile.TemporaryDirectory() as directory:
        module = Path(directory) / "messages.py"
        module.write_text(HEADER + "\n".join(line for line, _, _ in CASES) + "\n")
        found = checker_output(module)
    first = HEADER.count("\n") + 1
    failures = 0
    for offset, (line, *expected) in enumerate(CASES):
        for checker, fragment in zip(("mypy", "pyright"), expected, strict=True):
            message = found[checker].get(first + offset, "")
            if fragment not in message:
                failures += 1
                print(f"{checker} on `{line}`: expected {fragment!r}, got {message!r}")
    print(f"{len(CASES)} cases, {2 * len(CASES) - failures} of {2 * len(CASES)} messages as pinned")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
