"""Trace HTTP requests with OpenTelemetry (experimental).

`OpenTelemetryMiddleware` opens one `SERVER` span per HTTP request, continuing
the trace the request headers carry, and records the
`http.server.request.duration` histogram, following the OpenTelemetry HTTP
server semantic conventions. The span is named after the method, and renamed
`"{method} {route}"` once routing has matched (`scope["route"]`).

Importing this module requires the `opentelemetry-api` package; spans and
metrics are only exported when an SDK (such as `opentelemetry-sdk`) is configured.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Final

try:
    from opentelemetry import metrics, propagate, trace
    from opentelemetry.propagators.textmap import Getter
    from opentelemetry.util.types import AttributeValue
except ImportError:
    raise ImportError("The `opentelemetry-api` package is required to use `OpenTelemetryMiddleware`.") from None

from starlette import __version__
from starlette.datastructures import URL, Headers
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["OpenTelemetryMiddleware"]

_INSTRUMENTATION_NAME: Final[str] = "starlette"

# Marks a scope that an outer instance already traces, so nested instances pass it through.
_TRACED_SCOPE_KEY: Final[str] = "starlette.opentelemetry"

# The semantic conventions' recommended buckets for `http.server.request.duration`, in seconds.
_DURATION_BUCKETS: Final[tuple[float, ...]] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)

_DEFAULT_PORTS: Final[dict[str, int]] = {"http": 80, "https": 443}

# Query parameters that carry credentials; their values are replaced in `url.query`.
_REDACTED_QUERY_KEYS: Final[frozenset[str]] = frozenset({"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"})

# The request attributes the duration histogram keeps (low-cardinality ones only).
_METRIC_ATTRIBUTES: Final[tuple[str, ...]] = ("http.request.method", "url.scheme", "network.protocol.version")

_PORT: Final[re.Pattern[str]] = re.compile(r"[0-9]{1,5}")


class _HeadersGetter(Getter[Headers]):
    """Reads propagation fields (`traceparent`, `baggage`...) from request headers."""

    def get(self, carrier: Headers, key: str) -> list[str] | None:
        values = carrier.getlist(key)
        return values or None

    def keys(self, carrier: Headers) -> list[str]:
        return carrier.keys()


_HEADERS_GETTER: Final[_HeadersGetter] = _HeadersGetter()


class OpenTelemetryMiddleware:
    """Trace and time every HTTP request with OpenTelemetry (experimental).

    Websocket and lifespan connections pass through untouched, as do requests
    already traced by an outer instance of this middleware.

    Args:
        app: the ASGI app to wrap.
        excluded_urls: regular expressions; a request whose full URL any of them
            matches (`re.search`) is not traced. A string is split on commas.
        tracer_provider: the provider of the tracer; the global one by default.
            With a no-op provider the middleware does nothing at all.
        meter_provider: the provider of the meter recording
            `http.server.request.duration`; the global one by default.
    """

    app: ASGIApp
    """The wrapped application."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        excluded_urls: str | Sequence[str] = (),
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self.app = app
        self._excluded_urls = _compile_excluded_urls(excluded_urls)
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        # The global providers may be configured after the middleware stack is built, so
        # they are looked up per request; the instruments are cached per provider.
        self._tracer_source: trace.TracerProvider | None = None
        self._tracer: trace.Tracer | None = None
        self._meter_source: metrics.MeterProvider | None = None
        self._duration: metrics.Histogram | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request inside a `SERVER` span, and record its duration."""
        if scope["type"] != "http" or _TRACED_SCOPE_KEY in scope:
            await self.app(scope, receive, send)
            return
        tracer = self._current_tracer()
        if tracer is None:
            await self.app(scope, receive, send)
            return
        # Claim the request, traced or excluded, so nested instances (a mounted
        # application's own) leave it alone. The scope may be reused: unclaim it after.
        scope[_TRACED_SCOPE_KEY] = True
        try:
            if self._excluded_urls is not None and self._excluded_urls.search(str(URL(scope=scope))):
                await self.app(scope, receive, send)
            else:
                await self._traced(tracer, scope, receive, send)
        finally:
            scope.pop(_TRACED_SCOPE_KEY, None)

    async def _traced(self, tracer: trace.Tracer, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = Headers(scope=scope)
        attributes = _request_attributes(scope, headers)
        method = str(attributes["http.request.method"])
        with tracer.start_as_current_span(
            method,
            context=propagate.extract(headers, getter=_HEADERS_GETTER),
            kind=trace.SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            request = _RequestTelemetry(scope, span, method, attributes)

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    request.response_started(message["status"])
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            except Exception as exc:
                request.failed(exc)
                raise
            finally:
                request.find_route()
                self._current_duration().record(time.perf_counter() - started, request.metric_attributes)

    def _current_tracer(self) -> trace.Tracer | None:
        """The tracer of the configured (or current global) provider; `None` for a no-op one."""
        provider = trace.get_tracer_provider() if self._tracer_provider is None else self._tracer_provider
        if provider is not self._tracer_source:
            tracer = provider.get_tracer(_INSTRUMENTATION_NAME, __version__)
            self._tracer = None if isinstance(tracer, trace.NoOpTracer) else tracer
            self._tracer_source = provider
        return self._tracer

    def _current_duration(self) -> metrics.Histogram:
        """The `http.server.request.duration` histogram of the configured (or current global) provider."""
        provider = metrics.get_meter_provider() if self._meter_provider is None else self._meter_provider
        if self._duration is None or provider is not self._meter_source:
            meter = provider.get_meter(_INSTRUMENTATION_NAME, __version__)
            self._duration = meter.create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
            )
            self._meter_source = provider
        return self._duration


class _RequestTelemetry:
    """What is known about one traced request, kept on its span and its duration's attributes."""

    __slots__ = ("metric_attributes", "method", "route", "scope", "span")

    def __init__(self, scope: Scope, span: trace.Span, method: str, attributes: dict[str, AttributeValue]) -> None:
        self.scope = scope
        self.span = span
        self.method = method
        self.metric_attributes: dict[str, AttributeValue] = {
            name: attributes[name] for name in _METRIC_ATTRIBUTES if name in attributes
        }
        self.route: str | None = None

    def find_route(self) -> None:
        """Name the span after the matched route, once routing has matched one."""
        if self.route is not None:
            return
        route = _matched_route(self.scope)
        if route is not None:
            self.route = route
            self.span.update_name(f"{self.method} {route}")
            self.span.set_attribute("http.route", route)
            self.metric_attributes["http.route"] = route

    def response_started(self, status_code: int) -> None:
        """Record the response status; a 5xx status is an error."""
        self.find_route()
        self.span.set_attribute("http.response.status_code", status_code)
        self.metric_attributes["http.response.status_code"] = status_code
        if status_code >= 500:
            self._set_error(str(status_code), None)

    def failed(self, exc: Exception) -> None:
        """Record the exception the application raised."""
        self.span.record_exception(exc)
        self._set_error(type(exc).__qualname__, f"{type(exc).__name__}: {exc}")

    def _set_error(self, error_type: str, description: str | None) -> None:
        self.span.set_status(trace.StatusCode.ERROR, description)
        self.span.set_attribute("error.type", error_type)
        self.metric_attributes["error.type"] = error_type


def _compile_excluded_urls(excluded_urls: str | Sequence[str]) -> re.Pattern[str] | None:
    """Combine the exclusion patterns into one regular expression (`None` when there are none)."""
    patterns = excluded_urls.split(",") if isinstance(excluded_urls, str) else excluded_urls
    stripped = [pattern.strip() for pattern in patterns]
    alternatives = [f"(?:{pattern})" for pattern in stripped if pattern]
    return re.compile("|".join(alternatives)) if alternatives else None


def _request_attributes(scope: Scope, headers: Headers) -> dict[str, AttributeValue]:
    """The span attributes known when the request arrives."""
    method: str = scope["method"]
    normalized_method = method.upper()
    scheme: str = scope.get("scheme", "http")
    attributes: dict[str, AttributeValue] = {
        "http.request.method": normalized_method,
        "url.scheme": scheme,
        "url.path": scope["path"],
    }
    if normalized_method != method:
        attributes["http.request.method_original"] = method
    query_string: bytes = scope.get("query_string", b"")
    if query_string:
        attributes["url.query"] = _redact_query(query_string.decode("latin-1"))

    server = _server_address(headers.get("host"), scheme, scope.get("server"))
    if server is not None:
        attributes["server.address"] = server[0]
        if server[1] is not None:
            attributes["server.port"] = server[1]
    http_version: str | None = scope.get("http_version")
    if http_version:
        attributes["network.protocol.version"] = http_version
    client: Sequence[Any] | None = scope.get("client")
    if client:
        attributes["client.address"] = str(client[0])
    user_agent = headers.get("user-agent")
    if user_agent is not None:
        attributes["user_agent.original"] = user_agent
    return attributes


def _redact_query(query: str) -> str:
    """Replace the values of credential-carrying query parameters with `REDACTED`."""
    if not any(key in query for key in _REDACTED_QUERY_KEYS):
        return query
    fields: list[str] = []
    for field in query.split("&"):
        name, equals, _ = field.partition("=")
        fields.append(f"{name}=REDACTED" if equals and name in _REDACTED_QUERY_KEYS else field)
    return "&".join(fields)


def _server_address(host: str | None, scheme: str, server: Sequence[Any] | None) -> tuple[str, int | None] | None:
    """The server's name and port, from the `Host` header, else from the ASGI `server` entry."""
    if host:
        parsed = _parse_host(host)
        if parsed is not None:
            name, port = parsed
            return name, _DEFAULT_PORTS.get(scheme) if port is None else port
    if server:
        return str(server[0]), None if server[1] is None else int(server[1])
    return None


def _parse_host(host: str) -> tuple[str, int | None] | None:
    """Split a `Host` header into name and port; `None` when malformed."""
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket:
            return None
    elif host.count(":") == 1:
        name, _, port = host.partition(":")
        rest = ":" + port
    else:
        name, rest = host, ""
    if not name:
        return None
    if not rest:
        return name, None
    if rest[0] != ":" or not _PORT.fullmatch(rest[1:]):
        return None
    return name, int(rest[1:])


def _matched_route(scope: Scope) -> str | None:
    """The route template the router matched, prefixed by the root path; `None` before a match."""
    route = scope.get("route")
    if route is None:
        return None
    root_path: str = scope.get("root_path", "")
    if isinstance(route, Mount):
        return root_path or "/"
    path_format = getattr(route, "path_format", None)
    if not isinstance(path_format, str):
        return None
    return root_path + path_format
