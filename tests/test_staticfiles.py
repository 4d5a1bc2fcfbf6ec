from __future__ import annotations

import errno
import importlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Message, Scope
from starlette.websockets import WebSocketDisconnect
from tests.utils import TestClientFactory

SECRET = "top secret, outside of the static directory"


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """`tmp_path/static` with `example.txt`, next to `tmp_path/secret.txt`."""
    directory = tmp_path / "static"
    directory.mkdir()
    (directory / "example.txt").write_text("<file content>")
    (tmp_path / "secret.txt").write_text(SECRET)
    return directory


def mounted(static: StaticFiles, path: str = "/static") -> Starlette:
    return Starlette(routes=[Mount(path, app=static, name="static")])


def http_scope(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": headers or [],
        "scheme": "http",
        "server": ("testserver", 80),
    }


async def call_raw(app: StaticFiles, scope: Scope) -> list[Message]:
    """Call the app with a hand-made scope (bypassing the URL normalisation of httpx)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


# --- serving files -------------------------------------------------------------------------------


def test_serves_a_file(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    response = client.get("/static/example.txt")
    assert response.status_code == 200
    assert response.text == "<file content>"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "14"
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers


def test_head_sends_headers_only(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=str(static_dir))))
    response = client.head("/static/example.txt")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "14"


def test_head_through_base_http_middleware(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    async def passthrough(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    app = Starlette(
        routes=[Mount("/static", app=StaticFiles(directory=static_dir))],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=passthrough)],
    )
    response = test_client_factory(app).head("/static/example.txt")
    assert response.status_code == 200
    assert response.headers["content-length"] == "14"


def test_missing_file_is_404(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    for path in ("/static/nope.txt", "/static/dir/example.txt", "/static/example.txt/child"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.text == "Not Found"


def test_directory_is_404_outside_html_mode(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    (static_dir / "sub").mkdir()
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    assert client.get("/static/sub").status_code == 404
    assert client.get("/static/").status_code == 404


def test_other_methods_are_405(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        response = client.request(method, "/static/example.txt")
        assert response.status_code == 405
        assert response.text == "Method Not Allowed"
        assert response.headers["allow"] == "GET, HEAD"


def test_standalone_app_raises_http_exceptions(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    app = StaticFiles(directory=static_dir)
    client = test_client_factory(app)
    with pytest.raises(HTTPException) as exc_info:
        client.get("/nope.txt")
    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"
    with pytest.raises(HTTPException) as exc_info:
        client.post("/example.txt")
    assert exc_info.value.status_code == 405


def test_websocket_is_closed(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    with pytest.raises(WebSocketDisconnect) as exc_info, client.websocket_connect("/static/example.txt"):
        pass  # pragma: no cover
    assert exc_info.value.code == 1000


@pytest.mark.anyio
async def test_lifespan_scope_is_refused(static_dir: Path) -> None:
    with pytest.raises(AssertionError, match="cannot serve a 'lifespan' connection"):
        await call_raw(StaticFiles(directory=static_dir), {"type": "lifespan"})


# --- configuration -------------------------------------------------------------------------------


def test_missing_directory_is_refused_at_construction(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(RuntimeError, match="does not exist") as exc_info:
        StaticFiles(directory=missing)
    assert str(exc_info.value) == f"Directory '{missing}' does not exist"


def test_missing_directory_is_reported_on_first_request(tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    missing = tmp_path / "missing"
    client = test_client_factory(StaticFiles(directory=missing, check_dir=False))
    with pytest.raises(RuntimeError) as exc_info:
        client.get("/example.txt")
    assert str(exc_info.value) == f"StaticFiles directory '{missing}' does not exist."


def test_file_as_directory_is_reported_on_first_request(
    static_dir: Path, test_client_factory: TestClientFactory
) -> None:
    path = static_dir / "example.txt"
    client = test_client_factory(StaticFiles(directory=path, check_dir=False))
    with pytest.raises(RuntimeError) as exc_info:
        client.get("/example.txt")
    assert str(exc_info.value) == f"StaticFiles path '{path}' is not a directory."


def test_config_is_checked_once(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    app = StaticFiles(directory=static_dir)
    client = test_client_factory(app)
    assert not app.config_checked
    assert client.get("/example.txt").status_code == 200
    assert app.config_checked
    # Removing the directory now only makes files missing.
    (static_dir / "example.txt").unlink()
    static_dir.rmdir()
    with pytest.raises(HTTPException):
        client.get("/example.txt")


def test_public_attributes(static_dir: Path) -> None:
    app = StaticFiles(directory=static_dir, html=True, follow_symlink=True)
    assert app.directory == static_dir
    assert app.packages is None
    assert app.all_directories == [static_dir]
    assert app.html is True
    assert app.follow_symlink is True
    assert app.config_checked is False


# --- packages ------------------------------------------------------------------------------------


@pytest.fixture
def package_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on `sys.path` holding the package `staticpkg` (with `statics/` and `assets/`)."""
    root = tmp_path / "site"
    package = root / "staticpkg"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "example.txt").write_text("from statics")
    (package / "assets" / "example.txt").write_text("from assets")
    (package / "assets" / "extra.txt").write_text("extra")
    (root / "namespacepkg").mkdir()
    monkeypatch.setattr(sys, "path", [str(root), *sys.path])
    importlib.invalidate_caches()
    yield root
    for name in ("staticpkg", "namespacepkg"):
        sys.modules.pop(name, None)


def test_package_statics(package_root: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(packages=["staticpkg"])))
    assert client.get("/static/example.txt").text == "from statics"

    client = test_client_factory(mounted(StaticFiles(packages=[("staticpkg", "assets")])))
    assert client.get("/static/example.txt").text == "from assets"


def test_directory_comes_before_packages(
    static_dir: Path, package_root: Path, test_client_factory: TestClientFactory
) -> None:
    app = StaticFiles(directory=static_dir, packages=[("staticpkg", "assets")])
    assert app.all_directories == [static_dir, os.path.join(package_root, "staticpkg", "assets")]
    client = test_client_factory(mounted(app))
    assert client.get("/static/example.txt").text == "<file content>"
    assert client.get("/static/extra.txt").text == "extra"


def test_unknown_package(package_root: Path) -> None:
    with pytest.raises(AssertionError) as exc_info:
        StaticFiles(packages=["no_such_package_here"])
    assert str(exc_info.value) == "Package 'no_such_package_here' could not be found."
    with pytest.raises(AssertionError) as exc_info:
        StaticFiles(packages=["namespacepkg"])  # a namespace package has no location of its own
    assert str(exc_info.value) == "Package 'namespacepkg' could not be found."


def test_package_without_folder(package_root: Path) -> None:
    with pytest.raises(AssertionError) as exc_info:
        StaticFiles(packages=[("staticpkg", "missing")])
    assert str(exc_info.value) == "Directory ''missing'' in package 'staticpkg' could not be found."


def test_packages_only_skip_the_directory_check(package_root: Path, test_client_factory: TestClientFactory) -> None:
    app = StaticFiles(packages=["staticpkg"])
    assert test_client_factory(app).get("/example.txt").status_code == 200
    assert app.config_checked


# --- html mode -----------------------------------------------------------------------------------


@pytest.fixture
def html_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "site"
    (directory / "docs").mkdir(parents=True)
    (directory / "empty").mkdir()
    (directory / "index.html").write_text("<h1>Home</h1>")
    (directory / "docs" / "index.html").write_text("<h1>Docs</h1>")
    return directory


def test_html_mode_serves_index_pages(html_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    response = client.get("/static/")
    assert response.status_code == 200
    assert response.text == "<h1>Home</h1>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/static/docs/").text == "<h1>Docs</h1>"


def test_html_mode_redirects_directories_to_a_trailing_slash(
    html_dir: Path, test_client_factory: TestClientFactory
) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    response = client.get("/static/docs?page=2", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/static/docs/?page=2"
    response = client.get("/static/docs")
    assert response.url == "http://testserver/static/docs/"
    assert response.text == "<h1>Docs</h1>"


def test_html_mode_serves_the_404_page(html_dir: Path, test_client_factory: TestClientFactory) -> None:
    (html_dir / "404.html").write_text("<h1>Custom 404</h1>")
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    for path in ("/static/missing", "/static/empty/", "/static/%2e%2e/secret.txt"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.text == "<h1>Custom 404</h1>"
        assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_html_mode_without_404_page(html_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    response = client.get("/static/missing")
    assert response.status_code == 404
    assert response.text == "Not Found"
    assert client.get("/static/empty/").text == "Not Found"


def test_html_mode_ignores_directories_named_like_pages(html_dir: Path, test_client_factory: TestClientFactory) -> None:
    (html_dir / "404.html").mkdir()
    (html_dir / "empty" / "index.html").mkdir()
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    response = client.get("/static/empty/")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_html_mode_deleted_file_is_not_a_304(html_dir: Path, test_client_factory: TestClientFactory) -> None:
    (html_dir / "404.html").write_text("<p>404 file</p>")
    (html_dir / "some.html").write_text("<p>some file</p>")
    mtime = 1_381_448_400  # 2013-10-10
    os.utime(html_dir / "404.html", (mtime, mtime))
    os.utime(html_dir / "some.html", (mtime, mtime))
    client = test_client_factory(mounted(StaticFiles(directory=html_dir, html=True)))
    first = client.get("/static/some.html")
    assert first.status_code == 200
    (html_dir / "some.html").unlink()
    response = client.get("/static/some.html", headers={"if-modified-since": first.headers["last-modified"]})
    assert response.status_code == 404
    assert response.text == "<p>404 file</p>"


# --- conditional requests ------------------------------------------------------------------------


def test_etag_match_is_304(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    etag = client.get("/static/example.txt").headers["etag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", W/{etag}', "*"):
        response = client.get("/static/example.txt", headers={"if-none-match": if_none_match})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers
        assert "content-type" not in response.headers


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("if_none_match", ["*", " \t* \t"])
def test_if_none_match_wildcard_is_304(
    static_dir: Path, method: str, if_none_match: str, test_client_factory: TestClientFactory
) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    response = client.request(method, "/static/example.txt", headers={"if-none-match": if_none_match})
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.parametrize("if_none_match", ['"123"', '"*"', '"unterminated', "not-quoted", ", ,"])
def test_if_none_match_mismatch_is_200(
    static_dir: Path, if_none_match: str, test_client_factory: TestClientFactory
) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    response = client.get("/static/example.txt", headers={"if-none-match": if_none_match})
    assert response.status_code == 200
    assert response.text == "<file content>"


@pytest.mark.parametrize(
    ("if_none_match", "not_modified"),
    [
        ("*", True),
        (" \t* \t", True),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", W/"abc"', True),
        ('"x",\t"abc"', True),
        ('"123"', False),
        ('"*"', False),
        ('"foo,*,bar"', False),
        ('"x,"abc', False),
        ("W/*", False),
        ("*, *", False),
        ("abc", False),
        ('"abc', False),
    ],
)
def test_if_none_match_tags_are_matched_whole(static_dir: Path, if_none_match: str, not_modified: bool) -> None:
    app = StaticFiles(directory=static_dir)
    assert app.is_not_modified(Headers({"etag": '"abc"'}), Headers({"if-none-match": if_none_match})) is not_modified


def test_if_none_match_list_with_tabs(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    etag = client.get("/static/example.txt").headers["etag"]
    for if_none_match in (f'"123",\tW/{etag}', f'"a,{etag[1:-1]}", {etag}', f'W/{etag},"123"'):
        response = client.get("/static/example.txt", headers={"if-none-match": if_none_match})
        assert response.status_code == 304, if_none_match
    # The file's tag inside a bigger quoted tag is not a match.
    response = client.get("/static/example.txt", headers={"if-none-match": f'"x{etag[1:-1]}"'})
    assert response.status_code == 200


def test_etag_mismatch_ignores_if_modified_since(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    last_modified = client.get("/static/example.txt").headers["last-modified"]
    response = client.get(
        "/static/example.txt", headers={"if-none-match": '"mismatch"', "if-modified-since": last_modified}
    )
    assert response.status_code == 200
    assert response.text == "<file content>"


def test_if_modified_since(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    mtime = 1_381_448_400  # Thu, 10 Oct 2013 23:40:00 GMT
    os.utime(static_dir / "example.txt", (mtime, mtime))
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    cases = {
        "Thu, 10 Oct 2013 23:40:00 GMT": 304,
        "Fri, 11 Oct 2013 15:30:19 GMT": 304,
        "Mon, 20 Feb 2012 15:30:19 GMT": 200,
        "not a date": 200,
        "Thu, 01 Jan 99999 00:00:00 GMT": 200,
    }
    for since, status_code in cases.items():
        response = client.get("/static/example.txt", headers={"if-modified-since": since})
        assert response.status_code == status_code, since


def test_is_not_modified_without_etag(static_dir: Path) -> None:
    app = StaticFiles(directory=static_dir)
    request = Headers({"if-none-match": '"abc"'})
    assert not app.is_not_modified(Headers({}), request)
    assert app.is_not_modified(Headers({"etag": 'W/"abc"'}), request)
    assert not app.is_not_modified(Headers({"last-modified": "Thu, 10 Oct 2013 23:40:00 GMT"}), Headers({}))


def test_not_modified_response_keeps_cache_headers_only() -> None:
    headers = Headers(
        {
            "etag": '"abc"',
            "cache-control": "max-age=60",
            "vary": "accept-encoding",
            "content-length": "14",
            "content-type": "text/plain",
            "last-modified": "Thu, 10 Oct 2013 23:40:00 GMT",
        }
    )
    response = NotModifiedResponse(headers)
    assert response.status_code == 304
    assert response.body == b""
    assert dict(response.headers) == {"etag": '"abc"', "cache-control": "max-age=60", "vary": "accept-encoding"}
    assert "date" in NotModifiedResponse.NOT_MODIFIED_HEADERS


# --- hostile paths -------------------------------------------------------------------------------


def test_get_path_normalises(static_dir: Path) -> None:
    app = StaticFiles(directory=static_dir)
    assert app.get_path({"path": "/a/b/../c.txt"}) == os.path.join("a", "c.txt")
    assert app.get_path({"path": "/../secret.txt"}) == os.path.join("..", "secret.txt")
    assert app.get_path({"path": "/static/x.txt", "root_path": "/static"}) == "x.txt"
    assert app.get_path({"path": ""}) == "."


@pytest.mark.anyio
@pytest.mark.parametrize("follow_symlink", [False, True])
@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/../static/../secret.txt", "/..", "//../secret.txt", "/./../../secret.txt"]
)
async def test_traversal_is_404(static_dir: Path, path: str, follow_symlink: bool) -> None:
    app = StaticFiles(directory=static_dir, follow_symlink=follow_symlink)
    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(app.get_path({"path": path}), {"method": "GET"})
    assert exc_info.value.status_code == 404
    assert exc_info.value.detail == "Not Found"


@pytest.mark.anyio
async def test_traversal_into_a_sibling_directory_is_404(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static_private").mkdir()
    (tmp_path / "static_private" / "index.html").write_text("private")
    app = StaticFiles(directory=tmp_path / "static")
    with pytest.raises(HTTPException) as exc_info:
        await app.get_response(app.get_path({"path": "/../static_private/index.html"}), {"method": "GET"})
    assert exc_info.value.status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "//server/share/secret.txt",
        "/\\\\server\\share\\secret.txt",
        "/..\\secret.txt",
        "/example.txt\x00.png",
        "/" + "a" * 5000,
        "/" + "a/" * 3000,
        "/\ud800",
        "/example.txt/\udcff",
        "/%252e%252e/secret.txt",
        "/example.txt/../../secret.txt",
        "/example.txt/inner.txt",
        "/C:/secret.txt",
        "/C:\\secret.txt",
        "/\\\\?\\C:\\secret.txt",
        "/...",
        "/.",
    ],
)
async def test_hostile_raw_paths_are_404(static_dir: Path, path: str) -> None:
    app = mounted(StaticFiles(directory=static_dir), path="")
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    await app(http_scope(path), receive, send)
    assert sent[0]["status"] == 404
    assert sent[1]["body"] == b"Not Found"


def test_hostile_urls_through_the_client(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    for url in (
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/%00",
        "/static/example.txt%00",
        "/static/" + "a" * 5000 + ".txt",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.text


def test_lookup_path_refuses_bad_input(static_dir: Path) -> None:
    app = StaticFiles(directory=static_dir)
    inside = str(static_dir / "example.txt")
    assert app.lookup_path(inside) == ("", None)  # absolute, even when inside the directory
    assert app.lookup_path("/etc/passwd") == ("", None)
    assert app.lookup_path("example.txt\x00") == ("", None)
    assert app.lookup_path(os.path.join("..", "secret.txt")) == ("", None)
    assert app.lookup_path("a" * 5000) == ("", None)
    assert app.lookup_path("\ud800") == ("", None)  # cannot be encoded for the file system
    full_path, stat_result = app.lookup_path("example.txt")
    assert full_path == os.path.realpath(inside)
    assert stat_result is not None and stat.S_ISREG(stat_result.st_mode)


def test_symlink_loop_is_404(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    os.symlink(static_dir / "loop", static_dir / "loop")
    client = test_client_factory(mounted(StaticFiles(directory=static_dir, follow_symlink=True)))
    assert client.get("/static/loop").status_code == 404


def test_symlink_out_of_the_directory(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    os.symlink(static_dir.parent / "secret.txt", static_dir / "link.txt")
    response = test_client_factory(mounted(StaticFiles(directory=static_dir))).get("/static/link.txt")
    assert response.status_code == 404
    assert SECRET not in response.text

    response = test_client_factory(mounted(StaticFiles(directory=static_dir, follow_symlink=True))).get(
        "/static/link.txt"
    )
    assert response.status_code == 200
    assert response.text == SECRET


def test_symlinked_directory_out_of_the_directory(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    os.symlink(static_dir.parent, static_dir / "parent")
    client = test_client_factory(mounted(StaticFiles(directory=static_dir)))
    for url in ("/static/parent/secret.txt", "/static/parent", "/static/parent/static/../secret.txt"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.text == "Not Found"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/..", "/\ud800", "/" + "a" * 5000])
async def test_hostile_paths_in_html_mode_serve_the_404_page(tmp_path: Path, path: str) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "404.html").write_text("<p>missing</p>")
    (tmp_path / "secret.txt").write_text(SECRET)
    sent = await call_raw(StaticFiles(directory=static, html=True), http_scope(path))
    assert sent[0]["status"] == 404
    assert sent[1]["body"] == b"<p>missing</p>"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_404_without_being_opened(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    os.mkfifo(static_dir / "pipe")  # opening it for reading would block until a writer comes
    os.symlink("/dev/zero", static_dir / "zero")  # reading it would never end
    client = test_client_factory(mounted(StaticFiles(directory=static_dir, follow_symlink=True)))
    for url in ("/static/pipe", "/static/zero"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.text == "Not Found"


def test_symlinked_directory_with_follow_symlink(tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "page.html").write_text("<h1>Hello</h1>")
    statics = tmp_path / "statics"
    statics.mkdir()
    os.symlink(source, statics / "linked")
    client = test_client_factory(StaticFiles(directory=statics, follow_symlink=True))
    assert client.get("/linked/page.html").text == "<h1>Hello</h1>"


@pytest.mark.parametrize("follow_symlink", [False, True])
def test_directory_itself_a_symlink(
    static_dir: Path, follow_symlink: bool, test_client_factory: TestClientFactory
) -> None:
    link = static_dir.parent / "static_link"
    os.symlink(static_dir, link)
    client = test_client_factory(StaticFiles(directory=link, follow_symlink=follow_symlink))
    response = client.get("/example.txt")
    assert response.url == "http://testserver/example.txt"
    assert response.text == "<file content>"


def test_relative_directory(
    static_dir: Path, monkeypatch: pytest.MonkeyPatch, test_client_factory: TestClientFactory
) -> None:
    monkeypatch.chdir(static_dir.parent)
    for follow_symlink in (False, True):
        client = test_client_factory(StaticFiles(directory="static", follow_symlink=follow_symlink))
        assert client.get("/example.txt").text == "<file content>"


# --- file system errors --------------------------------------------------------------------------


def test_permission_error_is_401(
    static_dir: Path, monkeypatch: pytest.MonkeyPatch, test_client_factory: TestClientFactory
) -> None:
    def denied(self: StaticFiles, path: str) -> tuple[str, os.stat_result | None]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(StaticFiles, "lookup_path", denied)
    response = test_client_factory(mounted(StaticFiles(directory=static_dir))).get("/static/example.txt")
    assert response.status_code == 401
    assert response.text == "Unauthorized"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="needs an unprivileged user")
def test_unreadable_directory_is_401(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    mode = static_dir.stat().st_mode
    static_dir.chmod(stat.S_IRWXO)
    try:
        response = test_client_factory(mounted(StaticFiles(directory=static_dir))).get("/static/example.txt")
    finally:
        static_dir.chmod(mode)
    assert response.status_code == 401
    assert response.text == "Unauthorized"


def test_lookup_path_lets_permission_errors_through(static_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = StaticFiles(directory=static_dir)

    def denied(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        raise PermissionError(errno.EACCES, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(os, "stat", denied)
        with pytest.raises(PermissionError):
            app.lookup_path("example.txt")


def test_name_too_long_from_an_override_is_404(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    class Strict(StaticFiles):
        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            raise OSError(errno.ENAMETOOLONG, "File name too long")

    response = test_client_factory(mounted(Strict(directory=static_dir))).get("/static/example.txt")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_other_os_errors_are_500(static_dir: Path, test_client_factory: TestClientFactory) -> None:
    class Flaky(StaticFiles):
        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            raise TimeoutError()

    client = test_client_factory(mounted(Flaky(directory=static_dir)), raise_server_exceptions=False)
    response = client.get("/static/example.txt")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_url_for_a_static_file(static_dir: Path) -> None:
    app = mounted(StaticFiles(directory=static_dir))
    assert app.url_path_for("static", path="/example.txt") == "/static/example.txt"
