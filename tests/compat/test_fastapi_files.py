"""`UploadFile`, `File` and `Form` parameters of a FastAPI service (multipart parsing by this package)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile
from fastapi.testclient import TestClient

from tests.compat import Backend
from tests.compat.app import Store


def test_upload_file_with_form_field(client: TestClient, store: Store) -> None:
    files = {"file": ("notes.txt", b"first line\nsecond line\n", "text/plain")}
    response = client.post("/files/", files=files, data={"description": "my notes"})
    assert response.status_code == 200
    assert response.json() == {
        "filename": "notes.txt",
        "content_type": "text/plain",
        "size": 23,
        "description": "my notes",
        "first_line": "first line",
    }
    assert "upload notes.txt" in store.events


def test_upload_with_unicode_filename_and_empty_file(client: TestClient) -> None:
    files = {"file": ("résumé.txt", b"", "text/plain")}
    response = client.post("/files/", files=files, data={"description": "ünïcode"})
    assert response.status_code == 200
    assert response.json()["filename"] == "résumé.txt"
    assert response.json()["description"] == "ünïcode"
    assert response.json()["size"] == 0
    assert response.json()["first_line"] is None


def test_missing_file_or_field_is_a_422(client: TestClient) -> None:
    response = client.post("/files/", files={"file": ("a.txt", b"a")})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "description"], "msg": "Field required", "input": None}
    ]

    response = client.post("/files/", data={"description": "no file"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}
    ]

    # FastAPI treats an empty form value as a missing one.
    response = client.post("/files/", files={"file": ("a.txt", b"a")}, data={"description": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "missing"


def test_several_files_under_one_name(client: TestClient) -> None:
    files = [
        ("files", ("a.txt", b"aaa", "text/plain")),
        ("files", ("b.bin", b"bbbbb", "application/octet-stream")),
    ]
    response = client.post("/files/batch", files=files)
    assert response.status_code == 200
    assert response.json() == [{"filename": "a.txt", "size": 3}, {"filename": "b.bin", "size": 5}]


def test_file_as_bytes(client: TestClient) -> None:
    response = client.post("/files/raw", files={"data": ("raw.bin", bytes(range(256)) * 4)})
    assert response.json() == {"size": 1024}


def test_malformed_multipart_is_a_400(client: TestClient) -> None:
    response = client.post("/files/", content=b"--x\r\n", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Missing boundary in multipart."}


async def count_fields(name: Annotated[str, Form()], tags: Annotated[list[str], Form()]) -> dict[str, object]:
    return {"name": name, "tags": tags}


async def store_upload(upload: Annotated[UploadFile, File()]) -> dict[str, object]:
    return {"filename": upload.filename, "closed": upload.file.closed}


def test_url_encoded_form_with_repeated_fields(backend: Backend) -> None:
    app = FastAPI()
    app.post("/fields")(count_fields)
    client = TestClient(app, backend=backend)
    response = client.post("/fields", data={"name": "a b&c", "tags": ["x", "y"]})
    assert response.json() == {"name": "a b&c", "tags": ["x", "y"]}
    response = client.post(
        "/fields",
        content=b"name=%C3%A9t%C3%A9&tags=1&tags=2+3",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {"name": "été", "tags": ["1", "2 3"]}


def test_form_limits_apply_to_fastapi_forms(backend: Backend) -> None:
    app = FastAPI(form_limits={"max_fields": 2})
    app.post("/fields")(count_fields)
    client = TestClient(app, backend=backend)
    assert client.post("/fields", data={"name": "n", "tags": ["x"]}).status_code == 200
    response = client.post("/fields", data={"name": "n", "tags": ["x", "y"]})
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 2."}


async def short_field(t: Annotated[str, Form()]) -> str:
    return t


def test_part_size_limit_counts_the_value_or_the_whole_field(backend: Backend) -> None:
    app = FastAPI(form_limits={"max_part_size": 3})
    app.post("/short")(short_field)
    client = TestClient(app, backend=backend)
    # Multipart: the part headers (`Content-Disposition: form-data; name="t"`) do not count.
    assert client.post("/short", files={"t": (None, "abc")}).json() == "abc"
    response = client.post("/short", files={"t": (None, "abcd")})
    assert response.status_code == 400
    assert response.json() == {"detail": "Part exceeded maximum size of 0KB."}
    # URL-encoded: the name and the value count together, as upstream.
    assert client.post("/short", data={"t": "ab"}).json() == "ab"
    response = client.post("/short", data={"t": "abc"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Field exceeded maximum size of 0KB."}


def test_uploaded_files_are_closed_after_the_request(backend: Backend) -> None:
    app = FastAPI()
    uploads: list[UploadFile] = []

    async def keep(upload: Annotated[UploadFile, File()]) -> dict[str, object]:
        uploads.append(upload)
        return {"closed": upload.file.closed}

    app.post("/keep")(keep)
    client = TestClient(app, backend=backend)
    assert client.post("/keep", files={"upload": ("k.txt", b"keep")}).json() == {"closed": False}
    assert uploads[0].file.closed
