from __future__ import annotations

import inspect
import re
from typing import Any

import anyio
import pytest

from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory


def raising(exc: BaseException) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    return app


async def respond_then_raise(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("already sent", status_code=202)(scope, receive, send)
    raise RuntimeError("after the response")


def caught(exc: Exception) -> Exception:
    """Raise and catch `exc`, so it carries a traceback."""
    try:
        raise exc
    except Exception as error:
        return error


# --- Production mode ----------------------------------------------------------------------------


def test_default_error_response(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ServerErrorMiddleware(raising(RuntimeError("secret detail"))))
    with pytest.raises(RuntimeError, match="secret detail"):
        client.get("/")

    client = test_client_factory(
        ServerErrorMiddleware(raising(RuntimeError("secret detail"))), raise_server_exceptions=False
    )
    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "secret detail" not in response.text


def test_async_handler_response_and_exception_still_raised(test_client_factory: TestClientFactory) -> None:
    handled: list[Exception] = []

    async def handler(request: Request, exc: Exception) -> Response:
        handled.append(exc)
        return JSONResponse({"error": str(exc), "path": request.url.path}, status_code=500)

    app = ServerErrorMiddleware(raising(ValueError("bad value")), handler=handler)
    with pytest.raises(ValueError, match="bad value"):
        test_client_factory(app).get("/x")
    assert len(handled) == 1

    response = test_client_factory(app, raise_server_exceptions=False).get("/x")
    assert response.status_code == 500
    assert response.json() == {"error": "bad value", "path": "/x"}
    assert len(handled) == 2


def test_sync_handler_runs_in_threadpool(test_client_factory: TestClientFactory) -> None:
    import threading

    threads: list[threading.Thread] = []

    def handler(request: Request, exc: Exception) -> Response:
        threads.append(threading.current_thread())
        return PlainTextResponse("sync handled", status_code=503)

    app = ServerErrorMiddleware(raising(ValueError()), handler=handler)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 503
    assert response.text == "sync handled"
    assert threads[0] is not threading.main_thread()


def test_handler_returning_none_falls_back_to_default(test_client_factory: TestClientFactory) -> None:
    logged: list[str] = []

    def log_only(request: Request, exc: Exception) -> None:
        logged.append(str(exc))

    app = ServerErrorMiddleware(raising(ValueError("logged")), handler=log_only)  # type: ignore[arg-type]  # ty: ignore[invalid-argument-type]
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert logged == ["logged"]


def test_handler_called_after_response_started_and_response_discarded(
    test_client_factory: TestClientFactory,
) -> None:
    handled: list[Exception] = []

    async def handler(request: Request, exc: Exception) -> Response:
        handled.append(exc)
        return PlainTextResponse("discarded", status_code=500)

    app = ServerErrorMiddleware(respond_then_raise, handler=handler)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 202
    assert response.text == "already sent"
    assert [str(exc) for exc in handled] == ["after the response"]

    with pytest.raises(RuntimeError, match="after the response"):
        test_client_factory(app).get("/")


def test_no_handler_after_response_started(test_client_factory: TestClientFactory) -> None:
    app = ServerErrorMiddleware(respond_then_raise)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 202
    assert response.text == "already sent"


def test_successful_response_passes_through(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("fine")(scope, receive, send)

    response = test_client_factory(ServerErrorMiddleware(app)).get("/")
    assert response.status_code == 200
    assert response.text == "fine"


def test_attributes() -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        raise NotImplementedError  # pragma: no cover

    app = raising(ValueError())
    middleware = ServerErrorMiddleware(app, handler=handler, debug=True)
    assert middleware.app is app
    assert middleware.handler is handler
    assert middleware.debug is True
    default = ServerErrorMiddleware(app)
    assert default.handler is None
    assert default.debug is False


# --- Non-HTTP connections -----------------------------------------------------------------------


def test_websocket_errors_pass_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ServerErrorMiddleware(raising(RuntimeError("ws failure")), debug=True))
    with pytest.raises(RuntimeError, match="ws failure"), client.websocket_connect("/"):
        pass  # pragma: no cover


@pytest.mark.anyio
async def test_lifespan_scope_is_passed_through() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def send(message: Message) -> None:
        raise NotImplementedError  # pragma: no cover

    await ServerErrorMiddleware(app)({"type": "lifespan"}, receive, send)
    assert seen == [{"type": "lifespan"}]


@pytest.mark.anyio
async def test_lifespan_errors_are_untouched() -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        raise NotImplementedError  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)  # pragma: no cover

    with pytest.raises(ValueError, match="lifespan failure"):
        await ServerErrorMiddleware(raising(ValueError("lifespan failure")))({"type": "lifespan"}, receive, send)
    assert sent == []


# --- Debug mode ---------------------------------------------------------------------------------


def test_debug_plain_text_traceback(test_client_factory: TestClientFactory) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        raise AssertionError("the handler is not used in debug mode")  # pragma: no cover

    app = ServerErrorMiddleware(raising(RuntimeError("Something went wrong")), handler=handler, debug=True)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("Traceback (most recent call last):\n")
    assert response.text.endswith("RuntimeError: Something went wrong\n")
    assert "raise exc" in response.text


def test_debug_html_traceback(test_client_factory: TestClientFactory) -> None:
    app = ServerErrorMiddleware(raising(RuntimeError("Something went wrong")), debug=True)
    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<title>Starlette Debugger</title>" in page
    assert "RuntimeError: Something went wrong" in page
    # The innermost frame (the app raising) is shown, expanded, with its source line highlighted.
    assert 'class="frame" open' in page
    assert '<span class="frame-function">app</span>' in page
    assert '<p class="source-line current">' in page
    assert "raise exc" in page
    assert "Full traceback" in page


def test_debug_after_response_started_reraises(test_client_factory: TestClientFactory) -> None:
    app = ServerErrorMiddleware(respond_then_raise, debug=True)
    with pytest.raises(RuntimeError, match="after the response"):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 202
    assert response.text == "already sent"


def test_debug_page_escapes_user_controlled_text(test_client_factory: TestClientFactory) -> None:
    message = "<script>alert('x')</script> & more"
    app = ServerErrorMiddleware(raising(ValueError(message)), debug=True)
    response = test_client_factory(app, raise_server_exceptions=False).get("/", headers={"Accept": "text/html"})
    assert "<script>alert" not in response.text
    assert "ValueError: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in response.text


async def fail(exc: Exception) -> None:
    raise exc


async def failing_tasks(scope: Scope, receive: Receive, send: Send) -> None:
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(fail, ValueError("first"))
        task_group.start_soon(fail, KeyError("second"))


def test_debug_exception_group(test_client_factory: TestClientFactory) -> None:
    app = ServerErrorMiddleware(failing_tasks, debug=True)
    with pytest.raises(Exception) as info:
        test_client_factory(app).get("/")
    assert type(info.value).__name__ == "ExceptionGroup"
    client = test_client_factory(app, raise_server_exceptions=False)
    text = client.get("/").text
    # Before Python 3.11 the group comes from the `exceptiongroup` backport, whose name is qualified.
    assert re.search(r"\| (exceptiongroup\.)?ExceptionGroup: ", text)
    assert "(2 sub-exceptions)" in text
    assert "ValueError: first" in text
    assert "KeyError: 'second'" in text
    page = client.get("/", headers={"Accept": "text/html"}).text
    assert re.search(r'<p class="error">(exceptiongroup\.)?ExceptionGroup: ', page)
    assert "(2 sub-exceptions)" in page
    assert "ValueError: first" in page
    assert "KeyError: &#x27;second&#x27;" in page


def test_exception_group_without_debug(test_client_factory: TestClientFactory) -> None:
    handled: list[str] = []

    async def handler(request: Request, exc: Exception) -> Response:
        handled.append(type(exc).__name__)
        return PlainTextResponse("group handled", status_code=500)

    app = ServerErrorMiddleware(failing_tasks, handler=handler)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.text == "group handled"
    assert handled == ["ExceptionGroup"]


# --- The HTML building blocks -------------------------------------------------------------------


def test_generate_html_for_an_exception_without_traceback() -> None:
    page = ServerErrorMiddleware(raising(ValueError())).generate_html(ValueError("never raised"))
    assert "ValueError: never raised" in page
    assert 'class="frame"' not in page


def test_generate_html_frames_innermost_first_and_only_that_one_open() -> None:
    def outer() -> None:
        inner()

    def inner() -> None:
        raise KeyError("deep")

    with pytest.raises(KeyError) as info:
        outer()
    page = ServerErrorMiddleware(raising(ValueError())).generate_html(info.value, limit=1)
    names = [part.split("</span>")[0] for part in page.split('<span class="frame-function">')[1:]]
    assert names == ["inner", "outer", "test_generate_html_frames_innermost_first_and_only_that_one_open"]
    assert page.count('class="frame" open') == 1
    # limit=1: only the executing line of each frame.
    assert page.count('class="source-line current"') == 3
    assert page.count('class="source-line"') == 0


def test_generate_frame_html_without_source() -> None:
    namespace: dict[str, Any] = {}
    exec(compile("def broken():\n    raise ValueError('<from exec>')\n", "<generated>", "exec"), namespace)
    with pytest.raises(ValueError) as info:
        namespace["broken"]()
    assert info.value.__traceback__ is not None
    frames = inspect.getinnerframes(info.value.__traceback__, 3)
    middleware = ServerErrorMiddleware(raising(ValueError()))
    frame_html = middleware.generate_frame_html(frames[-1], is_collapsed=True)
    assert "&lt;generated&gt;" in frame_html
    assert '<span class="frame-function">broken</span>' in frame_html
    assert "source-line" not in frame_html
    assert "open" not in frame_html


def test_format_line() -> None:
    middleware = ServerErrorMiddleware(raising(ValueError()))
    current = middleware.format_line(2, "    x = a < b\n", frame_lineno=12, frame_index=2)
    assert '<p class="source-line current"><span class="lineno">12.</span>    x = a &lt; b</p>' in current
    other = middleware.format_line(0, "y = 'q'\n", frame_lineno=12, frame_index=2)
    assert '<p class="source-line"><span class="lineno">10.</span>y = &#x27;q&#x27;</p>' in other


def test_generate_plain_text_includes_the_chain() -> None:
    def chained() -> None:
        try:
            raise KeyError("first")
        except KeyError as first:
            raise ValueError("second") from first

    with pytest.raises(ValueError) as info:
        chained()
    text = ServerErrorMiddleware(raising(ValueError())).generate_plain_text(info.value)
    assert "KeyError: 'first'" in text
    assert "The above exception was the direct cause of the following exception" in text
    assert text.endswith("ValueError: second\n")


def test_error_and_debug_responses_directly() -> None:
    middleware = ServerErrorMiddleware(raising(ValueError()))
    exc = caught(ValueError("direct"))
    request = Request({"type": "http", "headers": [(b"accept", b"text/html")], "method": "GET", "path": "/"})
    html_response = middleware.debug_response(request, exc)
    assert html_response.status_code == 500
    assert html_response.media_type == "text/html"
    assert b"ValueError: direct" in html_response.body

    plain = middleware.debug_response(Request({"type": "http", "headers": [], "method": "GET", "path": "/"}), exc)
    assert plain.media_type == "text/plain"
    assert bytes(plain.body).endswith(b"ValueError: direct\n")

    error = middleware.error_response(request, exc)
    assert error.status_code == 500
    assert error.body == b"Internal Server Error"
