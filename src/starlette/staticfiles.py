"""Serve files from directories on disk, or from `statics` folders inside Python packages.

`StaticFiles` is an ASGI app, usually mounted under a prefix:
`Mount("/static", app=StaticFiles(directory="static"), name="static")`.
The request path (relative to the mount) is looked up in each directory in
turn. A path never resolves outside of its directory: `..` segments,
absolute paths, null bytes and symbolic links leading elsewhere (unless
`follow_symlink=True`) all give `404 Not Found`.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import re
import stat
from collections.abc import Sequence
from email.utils import mktime_tz, parsedate_tz
from typing import Final, TypeAlias, Union

import anyio.to_thread

from starlette._utils import get_route_path
from starlette.datastructures import URL, Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

__all__ = ["NotModifiedResponse", "PathLike", "StaticFiles"]

PathLike: TypeAlias = Union[str, "os.PathLike[str]"]
"""A file system path: a string or an `os.PathLike` producing one."""

_ALLOWED_METHODS: Final[frozenset[str]] = frozenset({"GET", "HEAD"})

# Errors from `os.stat` that only say "there is no such file here": the name is
# too long, crosses a regular file, or loops through symbolic links.
_NOT_FOUND_ERRNOS: Final[frozenset[int]] = frozenset(
    {errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL}
)


# An opaque entity tag: a quoted string, which may itself hold commas and `*`.
_OPAQUE_TAG: Final[re.Pattern[str]] = re.compile(r'"[^"]*"')


class NotModifiedResponse(Response):
    """A `304 Not Modified` response carrying only the headers a cache needs to refresh its copy.

    Args:
        headers: the headers of the response that would have been sent; only
            those named in `NOT_MODIFIED_HEADERS` are kept.
    """

    NOT_MODIFIED_HEADERS: tuple[str, ...] = (
        "cache-control",
        "content-location",
        "date",
        "etag",
        "expires",
        "vary",
    )
    """The headers kept from the full response (RFC 9110, section 15.4.5)."""

    def __init__(self, headers: Headers) -> None:
        kept = {name: value for name, value in headers.items() if name in self.NOT_MODIFIED_HEADERS}
        super().__init__(status_code=304, headers=kept)


class StaticFiles:
    """An ASGI app serving the files of one or more directories.

    Args:
        directory: the directory to serve.
        packages: Python packages whose `statics` folder is served as well;
            `(package, folder)` names another folder of the package.
            Directories are searched in order: `directory` first, then the packages.
        html: HTML mode: a directory is served by its `index.html` (after a
            redirect adding a trailing slash), and a missing file by the
            `404.html` page when there is one.
        check_dir: check at once that `directory` exists.
        follow_symlink: serve files that symbolic links inside the directories
            point to, even when the target lies outside of them.

    Raises:
        RuntimeError: if `check_dir` is set and `directory` does not exist.
        AssertionError: if a package, or its folder, cannot be found.
    """

    directory: PathLike | None
    """The directory given to the constructor."""
    packages: Sequence[str | tuple[str, str]] | None
    """The packages given to the constructor."""
    all_directories: list[PathLike]
    """Every directory searched, in order."""
    html: bool
    """Whether HTML mode is on."""
    config_checked: bool
    """Whether `check_config` has run (it runs on the first request)."""
    follow_symlink: bool
    """Whether symbolic links may lead outside of the directories."""

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.config_checked = False
        self.follow_symlink = follow_symlink
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """List the directories to serve: `directory`, then the static folder of each package.

        Raises:
            AssertionError: if a package cannot be found, or has no such folder.
        """
        directories: list[PathLike] = []
        if directory is not None:
            directories.append(directory)
        for package in packages or ():
            if isinstance(package, tuple):
                package_name, folder = package
            else:
                package_name, folder = package, "statics"
            spec = importlib.util.find_spec(package_name)
            if spec is None or spec.origin is None:
                raise AssertionError(f"Package {package_name!r} could not be found.")
            package_directory = os.path.normpath(os.path.join(spec.origin, "..", folder))
            if not os.path.isdir(package_directory):
                raise AssertionError(f"Directory '{folder!r}' in package {package_name!r} could not be found.")
            directories.append(package_directory)
        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the file the request path names.

        A websocket connection is closed: there is nothing to serve it.

        Raises:
            HTTPException: `404` when there is no such file, `405` for methods
                other than `GET` and `HEAD` (rendered by the application's handlers).
            RuntimeError: on the first request, if the directory is missing.
        """
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        assert scope["type"] == "http", f"StaticFiles cannot serve a {scope['type']!r} connection"
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        path = self.get_path(scope)
        response = await self.get_response(path, scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """Turn the request path into a normalised relative file system path.

        `..` segments are resolved here; `lookup_path` still refuses any result
        that leaves the directory.
        """
        route_path = get_route_path(scope)
        return os.path.normpath(os.path.join(*route_path.split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Build the response for the relative file system `path`.

        Raises:
            HTTPException: `405` for methods other than `GET` and `HEAD`, `404` when
                nothing can be served, `401` when the file system denies access.
        """
        if scope["method"] not in _ALLOWED_METHODS:
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})

        full_path, stat_result = await self._lookup(path)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)

        if self.html:
            if stat_result is not None and stat.S_ISDIR(stat_result.st_mode):
                index_path, index_stat = await self._lookup(os.path.join(path, "index.html"))
                if index_stat is not None and stat.S_ISREG(index_stat.st_mode):
                    if not scope["path"].endswith("/"):
                        url = URL(scope=scope)
                        return RedirectResponse(url=url.replace(path=url.path + "/"))
                    return self.file_response(index_path, index_stat, scope)
            page_path, page_stat = await self._lookup("404.html")
            if page_stat is not None and stat.S_ISREG(page_stat.st_mode):
                return FileResponse(page_path, status_code=404, stat_result=page_stat)

        raise HTTPException(status_code=404)

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        """Run `lookup_path` in a worker thread, mapping file system errors to HTTP errors."""
        try:
            return await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(status_code=404) from None
            raise

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """Find the relative `path` in the directories, in order.

        A candidate is only used if it stays inside its directory once symbolic
        links are resolved (or, with `follow_symlink`, once `..` segments are).
        Absolute and drive-qualified paths, and paths with null bytes or lone
        surrogates (which the file system cannot encode), are refused.

        Returns:
            The full path and its `os.stat` result, or `("", None)` if not found.

        Raises:
            PermissionError: if the file system denies access to a candidate.
        """
        if "\x00" in path or os.path.isabs(path) or os.path.splitdrive(path)[0] or not _encodable(path):
            return "", None
        for directory in self.all_directories:
            joined_path = os.path.join(directory, path)
            if self.follow_symlink:
                full_path = os.path.abspath(joined_path)
                root = os.path.abspath(directory)
            else:
                full_path = os.path.realpath(joined_path)
                root = os.path.realpath(directory)
            if os.path.commonpath([full_path, root]) != root:
                continue
            try:
                return full_path, os.stat(full_path)
            except OSError as exc:
                if exc.errno not in _NOT_FOUND_ERRNOS:
                    raise
        return "", None

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Respond with the file, or with `304 Not Modified` when the client's copy is current."""
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        """Check that `directory` exists and is a directory (nothing to check without one).

        Raises:
            RuntimeError: if it does not exist, or is not a directory.
        """
        if self.directory is None:
            return
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(f"StaticFiles directory '{self.directory}' does not exist.") from None
        if not stat.S_ISDIR(stat_result.st_mode):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """Tell whether the client's cached copy is still current (RFC 9110, section 13.1).

        `If-None-Match` (a bare `*`, or a list of entity tags) is compared to the
        response's `ETag`, weakly: `W/` prefixes are ignored. Only when it is
        absent does `If-Modified-Since` get compared to `Last-Modified`.
        """
        if_none_match = request_headers.get("if-none-match")
        if if_none_match:
            etag = response_headers.get("etag")
            if etag is None:
                return False
            if if_none_match.strip(" \t") == "*":
                return True
            # Tags are matched whole: `"a,*"` is one tag, neither `"a` nor a wildcard.
            return etag.removeprefix("W/") in _OPAQUE_TAG.findall(if_none_match)
        modified = _http_date(response_headers.get("last-modified"))
        since = _http_date(request_headers.get("if-modified-since"))
        return modified is not None and since is not None and modified <= since


def _encodable(path: str) -> bool:
    """Tell whether `path` can be given to the operating system (lone surrogates cannot)."""
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        return False
    return True


def _http_date(value: str | None) -> int | None:
    """Parse an HTTP date into a POSIX timestamp, or `None` if absent or malformed."""
    if value is None:
        return None
    try:
        parsed = parsedate_tz(value)
        return None if parsed is None else mktime_tz(parsed)
    except (OverflowError, ValueError):  # absurd years or offsets
        return None
