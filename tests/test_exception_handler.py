from __future__ import annotations

import inspect
import threading
from typing import Any

import pytest

from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.exceptions import HTTPException, WebSocketException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from tests.utils import TestClientFactory


class ParentError(Exception):
    pass


class ChildError(ParentError):
    pass


class GrandchildError(ChildError):
    pass


def raising(exc: Exception) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    return app


async def ok_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("ok")(scope, receive, send)


def http_scope(**extra: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": [],
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "http_version": "1.1",
    }
    scope.update(extra)
    return scope


async def no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)


# --- HTTPException through the default handler ---------------------------------------------------


def test_http_exception_becomes_plain_text_response(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(raising(HTTPException(404))))
    response = client.get("/")
    assert response.status_code == 404
    assert response.text == "Not Found"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_non_standard_status_code_has_an_empty_body(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(ExceptionMiddleware(raising(HTTPException(499)))).get("/")
    assert response.status_code == 499
    assert response.text == ""
    assert response.headers["content-length"] == "0"


def test_http_exception_detail_and_headers_are_kept(test_client_factory: TestClientFactory) -> None:
    exc = HTTPException(401, detail="Who are you?", headers={"WWW-Authenticate": "Bearer", "X-Extra": "1"})
    client = test_client_factory(ExceptionMiddleware(raising(exc)))
    response = client.get("/")
    assert response.status_code == 401
    assert response.text == "Who are you?"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-extra"] == "1"


@pytest.mark.parametrize("status_code", [204, 304])
def test_bodyless_status_codes_send_no_body(test_client_factory: TestClientFactory, status_code: int) -> None:
    exc = HTTPException(status_code, headers={"ETag": '"abc"'})
    client = test_client_factory(ExceptionMiddleware(raising(exc)))
    response = client.get("/")
    assert response.status_code == status_code
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["etag"] == '"abc"'


def test_successful_response_passes_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(ok_app))
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "ok"


def test_unhandled_exception_propagates(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(raising(ValueError("boom"))))
    with pytest.raises(ValueError, match="boom"):
        client.get("/")


# --- Handler lookup -----------------------------------------------------------------------------


def test_status_code_handler_wins_over_class_handler(test_client_factory: TestClientFactory) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 404", status_code=404)

    async def any_http(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("class handler", status_code=400)  # pragma: no cover

    app = ExceptionMiddleware(raising(HTTPException(404)), handlers={404: not_found, HTTPException: any_http})
    response = test_client_factory(app).get("/")
    assert response.status_code == 404
    assert response.text == "custom 404"


def test_status_code_without_handler_falls_back_to_class(test_client_factory: TestClientFactory) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 404", status_code=404)  # pragma: no cover

    app = ExceptionMiddleware(raising(HTTPException(418)), handlers={404: not_found})
    response = test_client_factory(app).get("/")
    assert response.status_code == 418
    assert response.text == "I'm a Teapot"


def test_handler_found_through_mro(test_client_factory: TestClientFactory) -> None:
    async def parent(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"parent handled {type(exc).__name__}", status_code=409)

    app = ExceptionMiddleware(raising(GrandchildError()), handlers={ParentError: parent})
    response = test_client_factory(app).get("/")
    assert response.status_code == 409
    assert response.text == "parent handled GrandchildError"


def test_most_specific_class_handler_wins(test_client_factory: TestClientFactory) -> None:
    async def parent(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("parent", status_code=400)  # pragma: no cover

    async def child(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("child", status_code=422)

    app = ExceptionMiddleware(raising(GrandchildError()), handlers={ParentError: parent, ChildError: child})
    response = test_client_factory(app).get("/")
    assert response.status_code == 422
    assert response.text == "child"


def test_exception_handler_catches_everything(test_client_factory: TestClientFactory) -> None:
    async def anything(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(repr(exc), status_code=500)

    app = ExceptionMiddleware(raising(KeyError("k")), handlers={Exception: anything})
    response = test_client_factory(app).get("/")
    assert response.status_code == 500
    assert response.text == "KeyError('k')"


def test_overriding_the_http_exception_handler(test_client_factory: TestClientFactory) -> None:
    async def as_json(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app = ExceptionMiddleware(raising(HTTPException(403, headers={"X-Reason": "no"})))
    app.add_exception_handler(HTTPException, as_json)
    response = test_client_factory(app).get("/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden"}
    assert response.headers["x-reason"] == "no"


# --- Sync and async handlers --------------------------------------------------------------------


def test_sync_handler_runs_in_a_worker_thread(test_client_factory: TestClientFactory) -> None:
    threads: list[threading.Thread] = []

    def sync_handler(request: Request, exc: Exception) -> Response:
        threads.append(threading.current_thread())
        return PlainTextResponse("sync", status_code=418)

    app = ExceptionMiddleware(raising(ChildError()), handlers={ChildError: sync_handler})
    response = test_client_factory(app).get("/")
    assert response.status_code == 418
    assert response.text == "sync"
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()


def test_async_callable_object_handler(test_client_factory: TestClientFactory) -> None:
    class Handler:
        async def __call__(self, request: Request, exc: Exception) -> Response:
            return PlainTextResponse("callable object", status_code=400)

    app = ExceptionMiddleware(raising(ChildError()), handlers={ChildError: Handler()})
    response = test_client_factory(app).get("/")
    assert response.text == "callable object"


def test_handler_receives_the_same_request_object(test_client_factory: TestClientFactory) -> None:
    seen: list[Request] = []

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        raise ChildError()

    async def handler(request: Request, exc: Exception) -> Response:
        seen.append(request)
        return PlainTextResponse(request.url.path, status_code=400)

    app = ExceptionMiddleware(endpoint, handlers={ChildError: handler})
    response = test_client_factory(app).get("/some/path")
    assert response.text == "/some/path"
    assert len(seen) == 1
    assert isinstance(seen[0], Request)


# --- Response already started -------------------------------------------------------------------


def test_handled_exception_after_response_started(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HTTPException(400)

    client = test_client_factory(ExceptionMiddleware(app))
    with pytest.raises(RuntimeError, match="Caught handled exception, but response already started.") as info:
        client.get("/")
    assert isinstance(info.value.__cause__, HTTPException)


def test_unhandled_exception_after_response_started_propagates_unchanged(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ValueError("late")

    client = test_client_factory(ExceptionMiddleware(app))
    with pytest.raises(ValueError, match="late"):
        client.get("/")


# --- wrap_app_handling_exceptions without ExceptionMiddleware -----------------------------------


@pytest.mark.anyio
async def test_wrap_without_registered_handlers_reraises() -> None:
    scope = http_scope()
    request = Request(scope, no_body)
    wrapped = wrap_app_handling_exceptions(raising(HTTPException(404)), request)
    with pytest.raises(HTTPException) as info:
        await wrapped(scope, no_body, Recorder())
    assert info.value.status_code == 404


@pytest.mark.anyio
async def test_wrap_reads_handlers_from_the_scope() -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled", status_code=400)

    handlers: dict[Any, ExceptionHandler] = {ChildError: handler}
    scope = http_scope(**{"starlette.exception_handlers": (handlers, {})})
    request = Request(scope, no_body)
    sent = Recorder()
    await wrap_app_handling_exceptions(raising(ChildError()), request)(scope, no_body, sent)
    assert [message["type"] for message in sent.messages] == ["http.response.start", "http.response.body"]
    assert sent.messages[0]["status"] == 400
    assert sent.messages[1]["body"] == b"handled"


@pytest.mark.anyio
async def test_wrap_handler_returning_none_sends_nothing() -> None:
    calls: list[Exception] = []

    async def handler(request: Request, exc: Exception) -> None:
        calls.append(exc)

    handlers: dict[Any, Any] = {ChildError: handler}
    scope = http_scope(**{"starlette.exception_handlers": (handlers, {})})
    sent = Recorder()
    await wrap_app_handling_exceptions(raising(ChildError()), Request(scope, no_body))(scope, no_body, sent)
    assert len(calls) == 1
    assert sent.messages == []


# --- ExceptionMiddleware API --------------------------------------------------------------------


def test_middleware_attributes() -> None:
    middleware = ExceptionMiddleware(ok_app, debug=True)
    assert middleware.app is ok_app
    assert middleware.debug is True
    assert ExceptionMiddleware(ok_app).debug is False


@pytest.mark.parametrize("key", ["404", 4.04, ValueError("not a class"), object, None])
def test_add_exception_handler_rejects_bad_keys(key: Any) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        raise NotImplementedError  # pragma: no cover

    middleware = ExceptionMiddleware(ok_app)
    with pytest.raises(TypeError, match="status code or an Exception subclass"):
        middleware.add_exception_handler(key, handler)


def test_add_exception_handler_by_status_code(test_client_factory: TestClientFactory) -> None:
    def teapot(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse(f"tea: {exc.detail}", status_code=exc.status_code)

    middleware = ExceptionMiddleware(raising(HTTPException(418, detail="short and stout")))
    middleware.add_exception_handler(418, teapot)
    response = test_client_factory(middleware).get("/")
    assert response.status_code == 418
    assert response.text == "tea: short and stout"


@pytest.mark.anyio
async def test_non_http_scopes_pass_through_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    scope: Scope = {"type": "lifespan"}
    await ExceptionMiddleware(app)(scope, no_body, Recorder())
    assert seen == [{"type": "lifespan"}]


@pytest.mark.anyio
async def test_non_http_exceptions_are_not_handled() -> None:
    middleware = ExceptionMiddleware(raising(HTTPException(404)))
    with pytest.raises(HTTPException):
        await middleware({"type": "lifespan"}, no_body, Recorder())


def test_scope_carries_the_handler_registries(test_client_factory: TestClientFactory) -> None:
    registries: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        registries.append(scope["starlette.exception_handlers"])
        await ok_app(scope, receive, send)

    async def handler(request: Request, exc: Exception) -> Response:
        raise NotImplementedError  # pragma: no cover

    test_client_factory(ExceptionMiddleware(app, handlers={ChildError: handler, 404: handler})).get("/")
    exception_handlers, status_handlers = registries[0]
    assert exception_handlers[ChildError] is handler
    assert HTTPException in exception_handlers
    assert WebSocketException in exception_handlers
    assert status_handlers == {404: handler}


@pytest.mark.anyio
async def test_default_handlers_reject_other_exceptions() -> None:
    middleware = ExceptionMiddleware(ok_app)
    scope = http_scope()
    with pytest.raises(AssertionError, match="http_exception handles HTTPException, not ValueError"):
        await middleware.http_exception(Request(scope), ValueError())
    websocket = WebSocket({"type": "websocket", "path": "/", "headers": []}, no_body, Recorder())
    with pytest.raises(AssertionError, match="websocket_exception handles WebSocketException, not HTTPException"):
        await middleware.websocket_exception(websocket, HTTPException(400))


# --- Websockets ---------------------------------------------------------------------------------


def test_websocket_exception_closes_with_its_code(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        raise WebSocketException(code=1008, reason="policy")

    client = test_client_factory(ExceptionMiddleware(app))
    with client.websocket_connect("/") as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert info.value.code == 1008
    assert info.value.reason == "policy"


def test_websocket_exception_before_accept_closes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(raising(WebSocketException(code=1013))))
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/"):
        pass  # pragma: no cover
    assert info.value.code == 1013


def test_custom_websocket_handler(test_client_factory: TestClientFactory) -> None:
    async def close_politely(websocket: WebSocket, exc: Exception) -> None:
        await websocket.close(code=4000, reason=f"{type(exc).__name__} happened")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        raise ChildError()

    client = test_client_factory(ExceptionMiddleware(app, handlers={ParentError: close_politely}))
    with client.websocket_connect("/") as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert info.value.code == 4000
    assert info.value.reason == "ChildError happened"


def test_http_exception_before_websocket_accept_is_a_denial_response(
    test_client_factory: TestClientFactory,
) -> None:
    from starlette.testclient import WebSocketDenialResponse

    exc = HTTPException(401, detail="Login first", headers={"WWW-Authenticate": "Bearer"})
    client = test_client_factory(ExceptionMiddleware(raising(exc)))
    with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect("/"):
        pass  # pragma: no cover
    assert info.value.status_code == 401
    assert info.value.text == "Login first"
    assert info.value.headers["www-authenticate"] == "Bearer"


def test_unhandled_websocket_exception_propagates(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(ExceptionMiddleware(raising(ValueError("ws boom"))))
    with pytest.raises(ValueError, match="ws boom"), client.websocket_connect("/"):
        pass  # pragma: no cover


# --- response start tracking ------------------------------------------------------------------


def spying(app: ASGIApp, sends: list[Send]) -> ASGIApp:
    """`app`, noting each `send` it is handed."""

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        sends.append(send)
        await app(scope, receive, send)

    return spy


def test_each_layer_hands_down_a_plain_function_named_as_upstream(test_client_factory: TestClientFactory) -> None:
    # Instrumentation names its spans after `send.__qualname__`: it must be a stable name.
    sends: list[Send] = []
    stack = ServerErrorMiddleware(spying(ExceptionMiddleware(spying(ok_app, sends)), sends))
    assert test_client_factory(stack).get("/").text == "ok"
    assert all(inspect.isfunction(send) for send in sends)
    assert [send.__qualname__ for send in sends] == [  # ty: ignore[missing-attribute]
        "ServerErrorMiddleware.__call__.<locals>._send",
        "wrap_app_handling_exceptions.<locals>.wrapped_app.<locals>.sender",
    ]


def test_a_nested_layer_hands_down_the_enclosing_sender(test_client_factory: TestClientFactory) -> None:
    # One `sender` per connection while nothing has started: the nested layer's note is the enclosing one's.
    sends: list[Send] = []

    async def nested(scope: Scope, receive: Receive, send: Send) -> None:
        inner = spying(raising(HTTPException(409)), sends)
        await wrap_app_handling_exceptions(inner, Request(scope))(scope, receive, send)

    response = test_client_factory(ExceptionMiddleware(spying(nested, sends))).get("/")
    assert response.status_code == 409
    assert len(sends) == 2
    assert sends[1] is sends[0]
    assert sends[1].__qualname__ == "wrap_app_handling_exceptions.<locals>.wrapped_app.<locals>.sender"  # ty: ignore[missing-attribute]


@pytest.mark.anyio
async def test_a_layer_judges_only_the_response_started_within_it() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        # The tracker handed down has seen a start: the inner layer gets its own, as it always had.
        await wrap_app_handling_exceptions(raising(HTTPException(409)), Request(scope))(scope, receive, send)

    async def starts_then_fails(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HTTPException(409)

    await ExceptionMiddleware(app)(http_scope(), no_body, send)
    assert [(message["type"], message.get("status")) for message in sent] == [
        ("http.response.start", 200),
        ("http.response.start", 409),
        ("http.response.body", None),
    ]
    sent.clear()
    stack = ServerErrorMiddleware(ExceptionMiddleware(starts_then_fails))
    with pytest.raises(RuntimeError, match="^Caught handled exception, but response already started.$"):
        await stack(http_scope(), no_body, send)
    assert [message.get("status") for message in sent] == [200]


def test_an_accepted_websocket_keeps_the_send_it_was_given(test_client_factory: TestClientFactory) -> None:
    sends: list[Send] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        sends.append(send)
        sends.append(websocket._send)  # pyright: ignore[reportPrivateUsage]
        await websocket.send_text("hi")
        await websocket.close()

    client = test_client_factory(ExceptionMiddleware(app))
    with client.websocket_connect("/") as session:
        assert session.receive_text() == "hi"
    assert sends[1] is sends[0]
    assert sends[0].__qualname__ == "wrap_app_handling_exceptions.<locals>.wrapped_app.<locals>.sender"  # ty: ignore[missing-attribute]


@pytest.mark.anyio
async def test_a_started_denial_response_is_not_followed_by_a_second_one() -> None:
    # Upstream notes only `http.response.start`, and would start a second denial response.
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}  # never asked

    async def denies_then_fails(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
        raise HTTPException(409)

    scope: Scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    with pytest.raises(RuntimeError, match="^Caught handled exception, but response already started.$"):
        await ExceptionMiddleware(denies_then_fails)(scope, receive, send)
    assert [message["type"] for message in sent] == ["websocket.http.response.start"]
