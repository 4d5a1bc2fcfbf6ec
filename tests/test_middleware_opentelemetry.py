from __future__ import annotations

import importlib
import sys
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.opentelemetry import (
    _HEADERS_GETTER,  # pyright: ignore[reportPrivateUsage]  # no propagator in the SDK calls `keys()`
    OpenTelemetryMiddleware,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Host, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.utils import TestClientFactory


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def span(self) -> ReadableSpan:
        spans = self.finished()
        assert len(spans) == 1, spans
        return spans[0]

    def attributes(self) -> dict[str, Any]:
        return dict(self.span().attributes or {})

    def durations(self) -> list[HistogramDataPoint]:
        data = self.metrics.get_metrics_data()
        points: list[HistogramDataPoint] = []
        if data is None:
            return points
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                assert scope_metrics.scope.name == "starlette"
                for metric in scope_metrics.metrics:
                    assert metric.name == "http.server.request.duration"
                    assert metric.unit == "s"
                    points.extend(point for point in metric.data.data_points if isinstance(point, HistogramDataPoint))
        return points

    def middleware(self, **kwargs: Any) -> Middleware:
        return Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            **kwargs,
        )


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(tracer_provider, meter_provider, exporter, reader)
    tracer_provider.shutdown()
    meter_provider.shutdown()


async def get_user(request: Request) -> Response:
    return PlainTextResponse(f"user {request.path_params['user_id']}")


async def unavailable(request: Request) -> Response:
    return PlainTextResponse("down", status_code=503)


async def crash(request: Request) -> Response:
    raise RuntimeError("boom")


async def crash_while_streaming(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ValueError("stream broke")

    return StreamingResponse(body())


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def build_app(telemetry: Telemetry, **kwargs: Any) -> Starlette:
    return Starlette(
        routes=[
            Route("/users/{user_id:int}", endpoint=get_user),
            Route("/unavailable", endpoint=unavailable),
            Route("/crash", endpoint=crash),
            Route("/stream-crash", endpoint=crash_while_streaming),
            WebSocketRoute("/ws", endpoint=echo),
        ],
        middleware=[telemetry.middleware(**kwargs)],
    )


async def run_raw(app: ASGIApp, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def raw_scope(**overrides: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [],
        "scheme": "http",
    }
    scope.update(overrides)
    return scope


async def ok_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("ok")(scope, receive, send)


# --- spans ---------------------------------------------------------------------------------------


def test_request_span(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(build_app(telemetry))
    response = client.get("/users/42?verbose=1")
    assert response.text == "user 42"
    span = telemetry.span()
    assert span.name == "GET /users/{user_id}"
    assert span.kind is SpanKind.SERVER
    assert span.status.status_code is StatusCode.UNSET
    assert span.parent is None
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "starlette"
    assert telemetry.attributes() == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "url.path": "/users/42",
        "url.query": "verbose=1",
        "server.address": "testserver",
        "server.port": 80,
        "network.protocol.version": "1.1",
        "client.address": "testclient",
        "user_agent.original": "testclient",
        "http.route": "/users/{user_id}",
        "http.response.status_code": 200,
    }


def test_unmatched_request_keeps_the_method_name(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(build_app(telemetry)).get("/nowhere")
    assert response.status_code == 404
    span = telemetry.span()
    assert span.name == "GET"
    assert "http.route" not in telemetry.attributes()
    assert telemetry.attributes()["http.response.status_code"] == 404
    assert span.status.status_code is StatusCode.UNSET


def test_method_not_allowed_reports_the_route(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(build_app(telemetry)).post("/users/1")
    assert response.status_code == 405
    assert telemetry.span().name == "POST /users/{user_id}"


def test_server_error_status(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(build_app(telemetry)).get("/unavailable")
    assert response.status_code == 503
    span = telemetry.span()
    assert span.status.status_code is StatusCode.ERROR
    assert telemetry.attributes()["error.type"] == "503"
    assert telemetry.attributes()["http.response.status_code"] == 503


def test_exception(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(build_app(telemetry), raise_server_exceptions=False)
    response = client.get("/crash")
    assert response.status_code == 500
    span = telemetry.span()
    assert span.name == "GET /crash"
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "RuntimeError: boom"
    attributes = telemetry.attributes()
    assert attributes["error.type"] == "RuntimeError"
    assert attributes["http.route"] == "/crash"
    assert "http.response.status_code" not in attributes
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.type"] == "RuntimeError"
    assert event.attributes["exception.message"] == "boom"


def test_exception_after_the_response_started(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(build_app(telemetry), raise_server_exceptions=False)
    client.get("/stream-crash")
    attributes = telemetry.attributes()
    assert attributes["http.response.status_code"] == 200
    assert attributes["error.type"] == "ValueError"
    assert telemetry.span().status.status_code is StatusCode.ERROR
    [point] = telemetry.durations()
    assert dict(point.attributes or {})["error.type"] == "ValueError"


def test_parent_context_is_extracted(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    test_client_factory(build_app(telemetry)).get("/users/1", headers={"traceparent": traceparent})
    span = telemetry.span()
    assert span.parent is not None
    assert span.parent.is_remote
    assert span.parent.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert span.parent.span_id == 0xB7AD6B7169203331
    assert span.context is not None
    assert span.context.trace_id == span.parent.trace_id


def test_spans_of_the_application_are_children(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    tracer = telemetry.tracer_provider.get_tracer("app")

    async def work(request: Request) -> Response:
        with tracer.start_as_current_span("work"):
            return PlainTextResponse("done")

    app = Starlette(routes=[Route("/work", endpoint=work)], middleware=[telemetry.middleware()])
    test_client_factory(app).get("/work")
    inner, server = telemetry.finished()
    assert inner.name == "work"
    assert server.name == "GET /work"
    assert inner.parent is not None and server.context is not None
    assert inner.parent.span_id == server.context.span_id


def test_mounted_routes(telemetry: Telemetry, tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    (tmp_path / "app.css").write_text("body {}")
    api = Starlette(routes=[Route("/items/{user_id}", endpoint=get_user)])
    app = Starlette(
        routes=[
            Mount("/static", app=StaticFiles(directory=tmp_path)),
            Mount("/api", app=api),
            Mount("/v2", routes=[Route("/users/{user_id:int}", endpoint=get_user)]),
        ],
        middleware=[telemetry.middleware()],
    )
    client = test_client_factory(app)
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/v2/users/3").status_code == 200
    assert client.get("/api/items/4").status_code == 200
    names = [span.name for span in telemetry.finished()]
    assert names == ["GET /static", "GET /v2/users/{user_id}", "GET /api/items/{user_id}"]


def test_mount_at_the_root(telemetry: Telemetry, tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    (tmp_path / "app.css").write_text("body {}")
    app = Starlette(routes=[Mount("", app=StaticFiles(directory=tmp_path))], middleware=[telemetry.middleware()])
    assert test_client_factory(app).get("/app.css").status_code == 200
    assert telemetry.span().name == "GET /"


@pytest.mark.anyio
async def test_root_path_prefixes_the_route(telemetry: Telemetry) -> None:
    await run_raw(build_app(telemetry), raw_scope(path="/prefix/users/7", root_path="/prefix"))
    assert telemetry.span().name == "GET /prefix/users/{user_id}"


def test_host_route_without_path_format(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    app = Starlette(routes=[Host("testserver", app=ok_app)], middleware=[telemetry.middleware()])
    assert test_client_factory(app).get("/anything").text == "ok"
    assert telemetry.span().name == "GET"
    assert "http.route" not in telemetry.attributes()


def test_nested_instances_make_one_span(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    inner = Starlette(routes=[Route("/users/{user_id:int}", endpoint=get_user)], middleware=[telemetry.middleware()])
    app = Starlette(routes=[Mount("/inner", app=inner)], middleware=[telemetry.middleware()])
    assert test_client_factory(app).get("/inner/users/5").text == "user 5"
    assert telemetry.span().name == "GET /inner/users/{user_id}"
    assert len(telemetry.durations()) == 1


def test_exclusion_covers_nested_instances(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    inner = Starlette(routes=[Route("/users/{user_id:int}", endpoint=get_user)], middleware=[telemetry.middleware()])
    app = Starlette(
        routes=[Mount("/inner", app=inner)],
        middleware=[telemetry.middleware(excluded_urls=[r"/inner/users/1$"])],
    )
    client = test_client_factory(app)
    assert client.get("/inner/users/1").text == "user 1"
    assert telemetry.finished() == []
    assert telemetry.durations() == []
    assert client.get("/inner/users/2").text == "user 2"
    assert telemetry.span().name == "GET /inner/users/{user_id}"


@pytest.mark.anyio
async def test_a_reused_scope_is_traced_each_time(telemetry: Telemetry) -> None:
    middleware = OpenTelemetryMiddleware(
        ok_app, tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    scope = raw_scope()
    await run_raw(middleware, scope)
    assert scope == raw_scope()  # nothing left behind by the middleware
    await run_raw(middleware, scope)
    assert len(telemetry.finished()) == 2


@pytest.mark.anyio
async def test_an_excluded_scope_is_left_unchanged(telemetry: Telemetry) -> None:
    middleware = OpenTelemetryMiddleware(ok_app, excluded_urls="/", tracer_provider=telemetry.tracer_provider)
    scope = raw_scope()
    await run_raw(middleware, scope)
    assert scope == raw_scope()
    assert telemetry.finished() == []


@pytest.mark.anyio
async def test_scope_is_unclaimed_after_an_exception(telemetry: Telemetry) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    middleware = OpenTelemetryMiddleware(broken, tracer_provider=telemetry.tracer_provider)
    scope = raw_scope()
    with pytest.raises(RuntimeError):
        await run_raw(middleware, scope)
    assert scope == raw_scope()
    assert telemetry.span().status.status_code == StatusCode.ERROR


def test_global_providers_are_looked_up_per_request(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch, test_client_factory: TestClientFactory
) -> None:
    # The stack is built while the global providers are still no-ops, as when an
    # application is created at import time and telemetry is configured at startup.
    monkeypatch.setattr(trace, "get_tracer_provider", trace.NoOpTracerProvider)
    app = Starlette(
        routes=[Route("/users/{user_id:int}", endpoint=get_user)], middleware=[Middleware(OpenTelemetryMiddleware)]
    )
    client = test_client_factory(app)
    assert client.get("/users/1").text == "user 1"
    assert telemetry.finished() == []

    monkeypatch.setattr(trace, "get_tracer_provider", lambda: telemetry.tracer_provider)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: telemetry.meter_provider)
    assert client.get("/users/2").text == "user 2"
    assert client.get("/users/3").text == "user 3"
    assert [span.name for span in telemetry.finished()] == ["GET /users/{user_id}"] * 2
    assert [point.count for point in telemetry.durations()] == [2]

    other = MeterProvider(metric_readers=[InMemoryMetricReader()])
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: other)
    try:
        assert client.get("/users/4").text == "user 4"
    finally:
        other.shutdown()
    assert [point.count for point in telemetry.durations()] == [2]


def test_websocket_and_lifespan_are_not_traced(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    with test_client_factory(build_app(telemetry)) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hello"
    assert telemetry.finished() == []
    assert telemetry.durations() == []


@pytest.mark.parametrize("excluded_urls", ["/health, ,metrics$", ["/health", "metrics$"]])
def test_excluded_urls(
    telemetry: Telemetry, excluded_urls: str | list[str], test_client_factory: TestClientFactory
) -> None:
    async def plain(request: Request) -> Response:
        return PlainTextResponse("fine")

    app = Starlette(
        routes=[Route("/health", endpoint=plain), Route("/metrics", endpoint=plain), Route("/users", endpoint=plain)],
        middleware=[telemetry.middleware(excluded_urls=excluded_urls)],
    )
    client = test_client_factory(app)
    for path in ("/health", "/metrics", "/users", "/users?x=metrics"):
        assert client.get(path).text == "fine"
    assert [span.attributes["url.path"] for span in telemetry.finished() if span.attributes] == ["/users"]
    assert len(telemetry.durations()) == 1


def test_excluded_urls_match_the_full_url(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    app = build_app(telemetry, excluded_urls="^http://testserver/users/1$")
    client = test_client_factory(app)
    client.get("/users/1")
    client.get("/users/12")
    assert [span.attributes["url.path"] for span in telemetry.finished() if span.attributes] == ["/users/12"]


def test_empty_exclusions_exclude_nothing(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    test_client_factory(build_app(telemetry, excluded_urls=" , ")).get("/users/1")
    assert len(telemetry.finished()) == 1


def test_noop_tracer_provider_short_circuits(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/users/{user_id:int}", endpoint=get_user)],
        middleware=[
            Middleware(
                OpenTelemetryMiddleware,
                tracer_provider=trace.NoOpTracerProvider(),
                meter_provider=telemetry.meter_provider,
            )
        ],
    )
    assert test_client_factory(app).get("/users/9").text == "user 9"
    assert telemetry.durations() == []


def test_default_providers_are_the_global_ones(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[Route("/users/{user_id:int}", endpoint=get_user)], middleware=[Middleware(OpenTelemetryMiddleware)]
    )
    assert test_client_factory(app).get("/users/9").text == "user 9"


def test_middleware_keeps_the_app(telemetry: Telemetry) -> None:
    middleware = OpenTelemetryMiddleware(ok_app, tracer_provider=telemetry.tracer_provider)
    assert middleware.app is ok_app


# --- metrics -------------------------------------------------------------------------------------


def test_request_duration(telemetry: Telemetry, test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(build_app(telemetry))
    client.get("/users/1")
    client.get("/users/2")
    client.get("/unavailable")
    points = {tuple(sorted((point.attributes or {}).items())): point for point in telemetry.durations()}
    ok = (
        ("http.request.method", "GET"),
        ("http.response.status_code", 200),
        ("http.route", "/users/{user_id}"),
        ("network.protocol.version", "1.1"),
        ("url.scheme", "http"),
    )
    failed = (
        ("error.type", "503"),
        ("http.request.method", "GET"),
        ("http.response.status_code", 503),
        ("http.route", "/unavailable"),
        ("network.protocol.version", "1.1"),
        ("url.scheme", "http"),
    )
    assert set(points) == {ok, failed}
    assert points[ok].count == 2
    assert points[failed].count == 1
    assert points[ok].sum >= 0
    assert list(points[ok].explicit_bounds)[:3] == [0.005, 0.01, 0.025]


# --- attributes from raw scopes ------------------------------------------------------------------


async def traced(telemetry: Telemetry, scope: Scope) -> dict[str, Any]:
    middleware = OpenTelemetryMiddleware(
        ok_app, tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    sent = await run_raw(middleware, scope)
    assert sent[0]["status"] == 200
    attributes = telemetry.attributes()
    telemetry.spans.clear()
    return attributes


def header_scope(headers: Mapping[str, str], **overrides: Any) -> Scope:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    return raw_scope(headers=raw, **overrides)


@pytest.mark.anyio
async def test_method_original(telemetry: Telemetry) -> None:
    attributes = await traced(telemetry, raw_scope(method="get"))
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.request.method_original"] == "get"
    assert "http.request.method_original" not in await traced(telemetry, raw_scope(method="PROPFIND"))


@pytest.mark.anyio
async def test_minimal_scope_has_minimal_attributes(telemetry: Telemetry) -> None:
    scope: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}
    assert await traced(telemetry, scope) == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "url.path": "/x",
        "http.response.status_code": 200,
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("host", "scheme", "server", "expected"),
    [
        ("example.com:8080", "http", None, ("example.com", 8080)),
        ("example.com", "https", None, ("example.com", 443)),
        ("example.com", "ftp", None, ("example.com", None)),
        ("[::1]:8000", "http", None, ("::1", 8000)),
        ("[::1]", "http", None, ("::1", 80)),
        ("::1", "http", None, ("::1", 80)),
        ("[::1", "http", ("10.0.0.1", 9000), ("10.0.0.1", 9000)),
        ("[::1]x", "http", ("10.0.0.1", 9000), ("10.0.0.1", 9000)),
        ("example.com:port", "http", ("10.0.0.1", 9000), ("10.0.0.1", 9000)),
        ("example.com:123456", "http", ("10.0.0.1", 9000), ("10.0.0.1", 9000)),
        (":8080", "http", ("10.0.0.1", 9000), ("10.0.0.1", 9000)),
        ("", "http", ("10.0.0.1", None), ("10.0.0.1", None)),
        (None, "http", ("unix.sock", None), ("unix.sock", None)),
        (None, "http", None, None),
    ],
)
async def test_server_address(
    telemetry: Telemetry,
    host: str | None,
    scheme: str,
    server: tuple[str, int | None] | None,
    expected: tuple[str, int | None] | None,
) -> None:
    headers = {} if host is None else {"host": host}
    attributes = await traced(telemetry, header_scope(headers, scheme=scheme, server=server))
    if expected is None:
        assert "server.address" not in attributes
        assert "server.port" not in attributes
    else:
        assert attributes["server.address"] == expected[0]
        assert attributes.get("server.port") == expected[1]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"a=1&b=2", "a=1&b=2"),
        (b"sig=secret&a=1", "sig=REDACTED&a=1"),
        (b"AWSAccessKeyId=AKIA&Signature=xyz&Expires=1", "AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1"),
        (b"X-Goog-Signature=abc", "X-Goog-Signature=REDACTED"),
        (b"signature=lower&sig", "signature=lower&sig"),
    ],
)
async def test_query_credentials_are_redacted(telemetry: Telemetry, query: bytes, expected: str) -> None:
    attributes = await traced(telemetry, raw_scope(query_string=query))
    assert attributes["url.query"] == expected


@pytest.mark.anyio
async def test_client_and_user_agent(telemetry: Telemetry) -> None:
    scope = header_scope({"user-agent": "curl/8.0"}, client=("192.0.2.1", 5000), http_version="2")
    attributes = await traced(telemetry, scope)
    assert attributes["client.address"] == "192.0.2.1"
    assert attributes["user_agent.original"] == "curl/8.0"
    assert attributes["network.protocol.version"] == "2"


def test_headers_getter() -> None:
    headers = Headers(raw=[(b"traceparent", b"a"), (b"baggage", b"k=v"), (b"baggage", b"k2=v2")])
    assert _HEADERS_GETTER.keys(headers) == ["traceparent", "baggage", "baggage"]
    assert _HEADERS_GETTER.get(headers, "baggage") == ["k=v", "k2=v2"]
    assert _HEADERS_GETTER.get(headers, "tracestate") is None


# --- optional dependency -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module, replacement",
    [
        # `None` in `sys.modules`: importing it raises `ModuleNotFoundError`.
        ("opentelemetry", None),
        # A module without the names imported from it: a plain `ImportError`.
        ("opentelemetry.util.types", types.ModuleType("opentelemetry.util.types")),
    ],
    ids=["missing", "unusable"],
)
def test_missing_opentelemetry(
    monkeypatch: pytest.MonkeyPatch, module: str, replacement: types.ModuleType | None
) -> None:
    monkeypatch.setitem(sys.modules, module, replacement)
    monkeypatch.delitem(sys.modules, "starlette.middleware.opentelemetry")
    with pytest.raises(ImportError) as exc_info:
        importlib.import_module("starlette.middleware.opentelemetry")
    assert type(exc_info.value) is ImportError
    assert str(exc_info.value) == "The `opentelemetry-api` package is required to use `OpenTelemetryMiddleware`."
    assert exc_info.value.__cause__ is None
    assert exc_info.value.__suppress_context__
