"""HTTP behaviour of the demo app under real servers: connections, bodies, ranges, gzip, sessions."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import socket
from collections.abc import Iterator

import httpx
import itsdangerous
import pytest

from tests.e2e.servers import SECRET_KEY, Server

SAMPLE = bytes(range(256)) * 1024
"""The content of `/download`, as the demo's lifespan writes it."""


def _raw_exchange(server: Server, request: bytes, max_bytes: int = 1 << 20) -> bytes:
    """Send raw bytes on a new connection and read the reply until the server closes it."""
    chunks: list[bytes] = []
    received = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10.0) as sock:
        sock.sendall(request)
        while received < max_bytes:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    return b"".join(chunks)


# --- Connections ------------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(client: httpx.Client) -> None:
    ports: set[int] = set()
    for _ in range(3):
        response = client.get("/api/connection")
        assert response.status_code == 200
        ports.add(response.json()["client"][1])
    # Bodies read or streamed, and error responses, leave the connection usable too. (A body the app
    # does not read may make the server close the connection: hypercorn does, which is allowed.)
    assert client.post("/api/echo", content=b"x" * 1000).json()["size"] == 1000
    assert client.get("/stream", params={"count": 3, "interval": 0}).status_code == 200
    assert client.get("/api/items/9999").status_code == 404
    assert client.post("/api/items", json={"name": ""}).status_code == 422
    for _ in range(2):
        response = client.get("/api/connection")
        assert response.json()["http_version"] == "1.1"
        ports.add(response.json()["client"][1])
    assert len(ports) == 1


def test_method_not_allowed(client: httpx.Client) -> None:
    response = client.post("/api/status", content=b"ignored")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}  # in the set's order, as upstream
    assert response.json() == {"detail": "Method Not Allowed"}


def test_head_request_has_headers_but_no_body(server: Server) -> None:
    reply = _raw_exchange(server, b"HEAD /download HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-length: 262144" in head.lower()
    assert body == b""


# --- Request bodies -----------------------------------------------------------------------------


def test_chunked_request_body_is_streamed(client: httpx.Client) -> None:
    parts = [bytes([n]) * (10_000 + n) for n in range(20)]

    def body() -> Iterator[bytes]:
        yield from parts

    response = client.post("/api/echo", content=body())
    assert response.status_code == 200
    expected = b"".join(parts)
    assert response.json() == {
        "size": len(expected),
        "sha256": hashlib.sha256(expected).hexdigest(),
        "transfer_encoding": "chunked",
    }


def test_chunked_body_over_the_route_limit_gets_413(server: Server) -> None:
    chunk = b"a" * 4096
    frames = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
    head = (
        b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    reply = _raw_exchange(server, head + frames)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"content-type: text/plain; charset=utf-8" in reply.lower()
    assert reply.endswith(b"\r\n\r\nContent Too Large")


def test_declared_length_over_the_limit_is_refused_unread(server: Server) -> None:
    head = b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"
    reply = _raw_exchange(server, head)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert reply.endswith(b"Content Too Large")


@pytest.mark.parametrize(
    "request_head",
    [
        b"POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n",
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n',
        b"GET /stream?count=1000&interval=10 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
    ids=["body", "upload", "stream"],
)
def test_client_leaving_midway_is_no_server_error(server: Server, request_head: bytes) -> None:
    # The session fixture checks at shutdown that the server logged no traceback from the app.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10.0) as sock:
        sock.sendall(request_head + b"x" * 1000)
        if request_head.startswith(b"GET"):
            assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        assert http.get("/api/status").status_code == 200


def test_upload_reports_name_and_size(client: httpx.Client) -> None:
    content = bytes(range(256)) * 4000
    files = {"file": ("report <1>.bin", content, "application/x-demo")}
    response = client.post("/upload", files=files, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {
        "filename": "report <1>.bin",
        "content_type": "application/x-demo",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    page = client.post("/upload", files=files)
    assert page.status_code == 200
    assert '<dd id="filename">report &lt;1&gt;.bin</dd>' in page.text
    assert f'<dd id="size">{len(content)} bytes</dd>' in page.text


def test_upload_without_a_file_is_a_400_page(client: httpx.Client) -> None:
    message = "Choose a file to upload in the &#39;file&#39; field."
    as_text = client.post("/upload", data={"file": "not a file"})
    assert as_text.status_code == 400
    assert message in as_text.text
    misnamed = client.post("/upload", files={"attachment": ("a.txt", b"x", "text/plain")})
    assert misnamed.status_code == 400
    assert message in misnamed.text
    too_many = client.post("/upload", files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))])
    assert too_many.status_code == 400
    assert "Too many files. Maximum number of files is 1." in too_many.text


def test_form_post_is_escaped_in_the_page(client: httpx.Client) -> None:
    response = client.post("/contact", data={"name": "Ada", "message": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert '<blockquote id="message">&lt;script&gt;alert(1)&lt;/script&gt;</blockquote>' in response.text
    assert client.post("/contact", data={"name": " "}).status_code == 400


# --- JSON API -----------------------------------------------------------------------------------


def test_json_api_with_typed_path_parameters(client: httpx.Client) -> None:
    created = client.post("/api/items", json={"name": "  Cup ", "price": 4})
    assert created.status_code == 201
    item = created.json()
    assert item["name"] == "Cup"
    assert item["price"] == 4.0
    assert created.headers["location"] == str(client.base_url.join(f"/api/items/{item['id']}"))
    assert client.get(f"/api/items/{item['id']}").json() == item
    assert item in client.get("/api/items").json()
    assert client.delete(f"/api/items/{item['id']}").status_code == 204
    missing = client.get(f"/api/items/{item['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"No item with id {item['id']}."}
    # `{item_id:int}` matches digits only: anything else is no route at all.
    assert client.get("/api/items/abc").json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"{not json", 400, "The body is not valid JSON."),
        (b"\xff\xfe", 400, "The body is not valid JSON."),
        (b"[1, 2]", 422, "Expected a JSON object."),
        (b'{"name": "", "price": 1}', 422, "'name' must be a non-empty string of at most 100 characters."),
        (b'{"name": "x", "price": true}', 422, "'price' must be a number between 0 and 1e9."),
        (b'{"name": "x", "price": -1}', 422, "'price' must be a number between 0 and 1e9."),
    ],
)
def test_json_api_rejects_bad_bodies(client: httpx.Client, body: bytes, status: int, detail: str) -> None:
    response = client.post("/api/items", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json() == {"detail": detail}


# --- Streaming responses ------------------------------------------------------------------------


def test_streaming_response_arrives_as_chunked_lines(client: httpx.Client) -> None:
    lines: list[str] = []
    with client.stream("GET", "/stream", params={"count": 25, "interval": 0}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        for line in response.iter_lines():
            lines.append(line)
            if len(lines) > 100:
                break
    assert [json.loads(line) for line in lines if line] == [{"tick": n, "of": 25} for n in range(1, 26)]


def test_streaming_response_can_be_gzipped(client: httpx.Client) -> None:
    response = client.get("/stream", params={"count": 40, "interval": 0}, headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.text.splitlines()) == 40


def test_bad_stream_parameters_are_a_400(client: httpx.Client) -> None:
    response = client.get("/stream", params={"count": "many"})
    assert response.status_code == 400
    assert "&#39;count&#39; must be an integer." in response.text


# --- Range downloads ----------------------------------------------------------------------------


def test_download_without_range(client: httpx.Client) -> None:
    response = client.get("/download", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-disposition"] == 'attachment; filename="sample.bin"'
    assert response.content == SAMPLE


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, len(SAMPLE) - 1), ("bytes=-300", len(SAMPLE) - 300, len(SAMPLE) - 1)],
)
def test_single_range(client: httpx.Client, range_header: str, start: int, end: int) -> None:
    # gzip is accepted on purpose: a partial response must never be compressed.
    response = client.get("/download", headers={"range": range_header, "accept-encoding": "gzip"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(SAMPLE)}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert "content-encoding" not in response.headers
    assert response.content == SAMPLE[start : end + 1]


def test_multiple_ranges(client: httpx.Client) -> None:
    response = client.get("/download", headers={"range": "bytes=0-9, 500-509", "accept-encoding": "identity"})
    assert response.status_code == 206
    content_type = response.headers["content-type"]
    match = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", content_type)
    assert match is not None, content_type
    boundary = match.group(1).encode()
    parts = response.content.split(b"--" + boundary)
    assert parts[-1].strip() == b"--"
    bodies = [part.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n") for part in parts[1:-1]]
    assert bodies == [SAMPLE[0:10], SAMPLE[500:510]]
    assert b"Content-Range: bytes 500-509/262144" in parts[2]
    assert response.headers["content-length"] == str(len(response.content))


def test_unsatisfiable_and_malformed_ranges(client: httpx.Client) -> None:
    unsatisfiable = client.get("/download", headers={"range": f"bytes={len(SAMPLE)}-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{len(SAMPLE)}"
    malformed = client.get("/download", headers={"range": "bytes=9-3"})
    assert malformed.status_code == 400
    other_unit = client.get("/download", headers={"range": "lines=1-2"})
    assert other_unit.status_code == 400
    assert other_unit.text == "Only support bytes range"


def test_if_range(client: httpx.Client) -> None:
    etag = client.head("/download").headers["etag"]
    matching = client.get("/download", headers={"range": "bytes=0-3", "if-range": etag})
    assert matching.status_code == 206
    assert matching.content == SAMPLE[:4]
    stale = client.get("/download", headers={"range": "bytes=0-3", "if-range": '"stale"'})
    assert stale.status_code == 200
    assert len(stale.content) == len(SAMPLE)


# --- gzip ---------------------------------------------------------------------------------------


def test_gzip_for_clients_that_accept_it(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        raw = http.get("/", headers={"accept-encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in raw.headers["vary"]
        plain = http.get("/", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert raw.text == plain.text
        assert "<h1>Starlette demo</h1>" in plain.text
        css = http.get("/static/style.css", headers={"accept-encoding": "gzip"})
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        assert css.headers["content-encoding"] == "gzip"
        small = http.get("/api/status", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in small.headers  # under the 500 bytes minimum


def test_gzip_bytes_on_the_wire(server: Server) -> None:
    reply = _raw_exchange(
        server, b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"content-encoding" not in head.lower()  # too small to be worth it
    assert body == b"User-agent: *\nDisallow: /\n"
    reply = _raw_exchange(
        server, b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    )
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in head.lower()
    assert b'id="chat-messages"' in gzip.decompress(body)


# --- Cookies and sessions -----------------------------------------------------------------------


def test_login_flow_with_session_cookie(client: httpx.Client) -> None:
    guarded = client.get("/account")
    assert guarded.status_code == 303
    login_url = httpx.URL(guarded.headers["location"])
    assert login_url.path == "/login"
    assert login_url.params["next"] == str(client.base_url.join("/account"))

    form = client.get(login_url)
    assert form.status_code == 200
    assert "user <code>demo</code>, password <code>starlette</code>" in form.text
    assert '<input type="hidden" name="next" value="/account">' in form.text

    wrong = client.post("/login", data={"username": "demo", "password": "nope", "next": "/account"})
    assert wrong.status_code == 401
    assert "Wrong user name or password." in wrong.text
    assert "set-cookie" not in wrong.headers

    right = client.post("/login", data={"username": "demo", "password": "starlette", "next": "/account"})
    assert right.status_code == 303
    assert right.headers["location"] == "/account"
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("session=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()

    account = client.get("/account")
    assert account.status_code == 200
    assert '<p id="welcome">Welcome, demo.</p>' in account.text
    assert "Signed in as <strong>demo</strong>" in client.get("/").text

    logout = client.post("/logout")
    assert logout.status_code == 303
    assert logout.headers["set-cookie"].startswith("session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT;")
    assert client.get("/account").status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "account"])
def test_login_never_redirects_off_site(client: httpx.Client, target: str) -> None:
    response = client.post("/login", data={"username": "demo", "password": "starlette", "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def _session_cookie(data: dict[str, str], secret_key: str) -> str:
    """A session cookie as `SessionMiddleware` writes it: signed base64 JSON."""
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(payload).decode()


def test_only_cookies_signed_with_the_secret_key_are_trusted(server: Server) -> None:
    genuine = _session_cookie({"username": "demo"}, SECRET_KEY)
    forged = _session_cookie({"username": "demo"}, "another-key")
    with httpx.Client(base_url=server.url, timeout=10.0) as http:
        assert http.get("/account", headers={"cookie": f"session={genuine}"}).status_code == 200
        assert http.get("/account", headers={"cookie": f"session={forged}"}).status_code == 303
        assert http.get("/account", headers={"cookie": "session=%%%; other"}).status_code == 303
        assert http.get("/account", headers={"cookie": f"session={genuine[:-3]}"}).status_code == 303
