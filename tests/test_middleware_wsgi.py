from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from starlette.exceptions import StarletteDeprecationWarning
from starlette.types import Message, Scope
from tests.utils import TestClientFactory

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.middleware import wsgi
    from starlette.middleware.wsgi import WSGIMiddleware, build_environ

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


def hello_world(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    output = b"Hello World!\n"
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(output)))]
    start_response("200 OK", headers)
    return [output]


def echo_body(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    output = environ["wsgi.input"].read()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(output)))]
    start_response("200 OK", headers)
    return [output]


def raise_exception(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    raise RuntimeError("Something went wrong")


def return_exc_info(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    try:
        raise RuntimeError("Something went wrong")
    except RuntimeError:
        output = b"Internal Server Error"
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(output)))]
        start_response("500 Internal Server Error", headers, exc_info=sys.exc_info())
        return [output]


def test_deprecation_warning_points_to_a2wsgi() -> None:
    with pytest.warns(StarletteDeprecationWarning, match=r"deprecated.*https://github.com/abersheeran/a2wsgi"):
        importlib.reload(wsgi)


def test_wsgi_get(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(hello_world))
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "Hello World!\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_wsgi_post(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(echo_body))
    response = client.post("/", json={"example": 123})
    assert response.status_code == 200
    assert response.text == '{"example":123}'

    def chunks() -> Iterator[bytes]:
        yield b"one "
        yield b"two"

    assert client.post("/", content=chunks()).text == "one two"


def test_wsgi_exception(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(raise_exception))
    with pytest.raises(RuntimeError, match="Something went wrong"):
        client.get("/")


def test_wsgi_exc_info(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(return_exc_info))
    with pytest.raises(RuntimeError, match="Something went wrong"):
        client.get("/")

    client = test_client_factory(WSGIMiddleware(return_exc_info), raise_server_exceptions=False)
    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_streamed_wsgi_body_and_close(test_client_factory: TestClientFactory) -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            for index in range(50):
                yield b"%d;" % index

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    response = test_client_factory(WSGIMiddleware(app)).get("/")
    assert response.text == "".join(f"{index};" for index in range(50))
    assert closed == [True]


def test_headers_are_latin1_and_start_response_is_kept_once(test_client_factory: TestClientFactory) -> None:
    responders: list[Any] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        responders.append(getattr(start_response, "__self__", None))
        start_response("201 Created", [(" X-Name ", " caf\u00e9 ")])
        start_response("500 Internal Server Error", [])  # ignored: the response has started
        return [b"made"]

    response = test_client_factory(WSGIMiddleware(app)).get("/")
    assert response.status_code == 201
    assert response.headers["x-name"].encode("latin-1") == "caf\u00e9".encode("latin-1")
    responder = responders[0]
    assert isinstance(responder, wsgi.WSGIResponder)  # the module may have been reloaded
    assert responder.status == "201 Created"
    assert responder.response_headers == [(" X-Name ", " caf\u00e9 ")]
    assert responder.response_started is True
    assert responder.exc_info is None


@pytest.mark.anyio
async def test_only_http() -> None:
    async def receive() -> Message:
        raise AssertionError("not called")  # pragma: no cover

    async def send(message: Message) -> None:
        raise AssertionError("not called")  # pragma: no cover

    with pytest.raises(AssertionError, match="HTTP requests only"):
        await WSGIMiddleware(hello_world)({"type": "websocket"}, receive, send)


def test_build_environ() -> None:
    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/sub/",
        "root_path": "/sub",
        "query_string": b"a=123&b=456",
        "headers": [
            (b"host", b"www.example.org"),
            (b"content-type", b"application/json"),
            (b"content-length", b"18"),
            (b"accept", b"application/json"),
            (b"accept", b"text/plain"),
        ],
        "client": ("134.56.78.4", 1453),
        "server": ("www.example.org", 443),
    }
    environ = build_environ(scope, b'{"example":"body"}')
    stream = environ.pop("wsgi.input")
    assert stream.read() == b'{"example":"body"}'
    assert environ == {
        "CONTENT_LENGTH": "18",
        "CONTENT_TYPE": "application/json",
        "HTTP_ACCEPT": "application/json,text/plain",
        "HTTP_HOST": "www.example.org",
        "PATH_INFO": "/",
        "QUERY_STRING": "a=123&b=456",
        "REMOTE_ADDR": "134.56.78.4",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/sub",
        "SERVER_NAME": "www.example.org",
        "SERVER_PORT": 443,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.errors": sys.stdout,
        "wsgi.multiprocess": True,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.url_scheme": "https",
        "wsgi.version": (1, 0),
    }


def test_build_environ_defaults_and_encoding() -> None:
    scope: Scope = {
        "type": "http",
        "http_version": "2",
        "method": "GET",
        "path": "/\u5c0f\u661f",
        "root_path": "/\u4e2d\u56fd",
        "query_string": b"",
        "headers": [],
    }
    environ = build_environ(scope, b"")
    assert environ["SCRIPT_NAME"] == "/\u4e2d\u56fd".encode().decode("latin-1")
    assert environ["PATH_INFO"] == "/\u5c0f\u661f".encode().decode("latin-1")
    assert environ["SERVER_NAME"] == "localhost"
    assert environ["SERVER_PORT"] == 80
    assert environ["wsgi.url_scheme"] == "http"
    assert "REMOTE_ADDR" not in environ


@pytest.mark.parametrize(
    "root_path, path, path_info",
    [
        ("/app", "/app/users", "/users"),
        ("/app", "/app", ""),
        ("/app", "/application", "/application"),  # `/app` is not a segment of it
        ("/app", "/other", "/other"),
        ("/app/", "/app/users", "users"),
        ("", "/users", "/users"),
    ],
)
def test_build_environ_strips_the_root_path_by_segments(root_path: str, path: str, path_info: str) -> None:
    scope: Scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [],
    }
    environ = build_environ(scope, b"")
    assert environ["SCRIPT_NAME"] == root_path
    assert environ["PATH_INFO"] == path_info
