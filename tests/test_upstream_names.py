"""Names upstream 1.10 exposes beyond its `__all__` lists: code imports them, so they must resolve."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator
from pathlib import Path

import jinja2
import pytest

from starlette.middleware import base
from starlette.routing import PARAM_FORMAT_REGEX, PARAM_REGEX, compile_path
from starlette.templating import pass_context
from starlette.testclient import TestClient


def test_param_regex_keeps_the_colon_in_the_convertor_group() -> None:
    match = PARAM_REGEX.search("/users/{user_id:int}/{slug}")
    assert match is not None
    assert match.groups() == ("user_id", ":int")
    assert [m.groups() for m in PARAM_REGEX.finditer("/{a}/{b:path}")] == [("a", None), ("b", ":path")]


def test_param_format_regex_matches_bare_placeholders_only() -> None:
    _, path_format, _ = compile_path("/users/{user_id:int}")
    assert PARAM_FORMAT_REGEX.findall(path_format) == ["user_id"]
    assert PARAM_FORMAT_REGEX.findall("/users/{user_id:int}") == []


def test_pass_context_is_jinja2s() -> None:
    assert pass_context is jinja2.pass_context


async def _stream() -> AsyncIterator[bytes]:
    yield b"chunk"


def test_base_middleware_aliases() -> None:
    stream: base.AsyncContentStream = _stream()
    assert typing.get_origin(base.BodyStreamGenerator) is not None
    assert typing.get_origin(base.AsyncContentStream) is not None
    assert isinstance(base.T, typing.TypeVar)
    assert stream is not None


def test_test_client_declares_task() -> None:
    assert "task" in TestClient.__annotations__
    assert not hasattr(TestClient, "task")


def test_helpers_upstream_modules_import_resolve_there() -> None:
    import mimetypes

    from starlette import _exception_handler, concurrency, responses, routing
    from starlette import _utils as utils
    from starlette.middleware import body_limit, exceptions

    assert routing.wrap_app_handling_exceptions is _exception_handler.wrap_app_handling_exceptions
    assert exceptions.wrap_app_handling_exceptions is _exception_handler.wrap_app_handling_exceptions
    assert routing.RequestBodyLimitMiddleware is body_limit.RequestBodyLimitMiddleware
    assert routing.run_in_threadpool is concurrency.run_in_threadpool
    assert routing.is_async_callable is utils.is_async_callable
    assert vars(responses)["guess_type"] is mimetypes.guess_type  # a module attribute, not re-exported


def test_file_response_looks_up_guess_type_in_its_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from starlette import responses

    def patched(url: str) -> tuple[str, None]:
        return "application/x-patched", None

    monkeypatch.setattr(responses, "guess_type", patched)
    path = tmp_path / "file.txt"
    path.write_text("x")
    assert responses.FileResponse(path).media_type == "application/x-patched"
