from __future__ import annotations

import os
from pathlib import Path

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import ASGIApp, Scope

# --- StaticFiles ---------------------------------------------------------------------------------

static = StaticFiles(directory="static")
StaticFiles(directory=Path("static"), html=True, check_dir=False, follow_symlink=True)
StaticFiles(packages=["bootstrap4", ("mypackage", "assets")])
package_names: list[str] = ["bootstrap4"]
StaticFiles(packages=package_names)
as_app: ASGIApp = static
app = Starlette(routes=[Mount("/static", app=static, name="static")])

assert_type(static.directory, PathLike | None)
assert_type(static.all_directories, list[PathLike])
assert_type(static.html, bool)
assert_type(static.config_checked, bool)
assert_type(static.follow_symlink, bool)
assert_type(static.get_directories("static", ["bootstrap4"]), list[PathLike])

scope: Scope = {"type": "http", "method": "GET", "path": "/example.txt", "headers": []}
assert_type(static.get_path(scope), str)
assert_type(static.lookup_path("example.txt"), tuple[str, os.stat_result | None])
full_path, stat_result = static.lookup_path("example.txt")
if stat_result is not None:
    assert_type(static.file_response(full_path, stat_result, scope), Response)
    assert_type(static.file_response(Path(full_path), stat_result, scope, status_code=404), Response)
assert_type(static.is_not_modified(Headers(), Headers()), bool)


async def serve() -> None:
    assert_type(await static.get_response("example.txt", scope), Response)
    assert_type(await static.check_config(), None)


class CachedStaticFiles(StaticFiles):
    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "max-age=3600"
        return response


StaticFiles("static")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
StaticFiles(directory=b"static")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StaticFiles(packages=[("a", "b", "c")])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StaticFiles(packages=[1])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StaticFiles(directory="static", html="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.lookup_path(Path("x"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.html = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
static.is_not_modified({}, {})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.get_directories(directory=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.get_directories(packages=[("a", 1)])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.get_path()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
static.file_response("example.txt", None, scope)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
static.file_response("example.txt", os.stat("."), scope, status_code="404")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
StaticFiles(directory="static", follow_symlinks=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
not_a_path: PathLike = 1  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]  # ty: ignore[invalid-assignment]


async def misuse() -> None:
    await static.get_response(b"example.txt", scope)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    await static.get_response("example.txt")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
    await static.check_config(True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
    await static(scope)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]


# --- NotModifiedResponse -------------------------------------------------------------------------

not_modified = NotModifiedResponse(Headers({"etag": '"abc"'}))
assert_type(not_modified, NotModifiedResponse)
assert_type(NotModifiedResponse.NOT_MODIFIED_HEADERS, tuple[str, ...])
as_response: Response = not_modified

NotModifiedResponse({"etag": "x"})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
NotModifiedResponse()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
