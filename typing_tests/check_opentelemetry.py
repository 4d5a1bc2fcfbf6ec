from __future__ import annotations

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.opentelemetry import OpenTelemetryMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None: ...


def sync_app(scope: Scope) -> None: ...


# --- as a `Middleware` entry ---------------------------------------------------------------------

tracer_provider = TracerProvider()
meter_provider = MeterProvider()
health_patterns: list[str] = [r"/health$", r"/metrics$"]

defaults = Middleware(OpenTelemetryMiddleware)
configured = Middleware(
    OpenTelemetryMiddleware,
    excluded_urls=r"/health$, /metrics$",
    tracer_provider=tracer_provider,
    meter_provider=meter_provider,
)
Middleware(OpenTelemetryMiddleware, excluded_urls=health_patterns)
Middleware(OpenTelemetryMiddleware, excluded_urls=(r"/health$",))
Middleware(
    OpenTelemetryMiddleware, tracer_provider=trace.NoOpTracerProvider(), meter_provider=metrics.NoOpMeterProvider()
)
Middleware(OpenTelemetryMiddleware, tracer_provider=None, meter_provider=None)
application = Starlette(routes=[Route("/", app)], middleware=[defaults, configured])

Middleware(OpenTelemetryMiddleware, excluded_urls=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware(OpenTelemetryMiddleware, excluded_urls=[1, 2])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware(OpenTelemetryMiddleware, tracer_provider=meter_provider)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware(OpenTelemetryMiddleware, meter_provider=tracer_provider)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Middleware(OpenTelemetryMiddleware, tracer=tracer_provider)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[unknown-argument]
Middleware(OpenTelemetryMiddleware, r"/health$")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]

# --- constructed directly ------------------------------------------------------------------------

middleware = OpenTelemetryMiddleware(app, excluded_urls=health_patterns, tracer_provider=tracer_provider)
assert_type(middleware, OpenTelemetryMiddleware)
assert_type(middleware.app, ASGIApp)
as_app: ASGIApp = middleware
OpenTelemetryMiddleware(OpenTelemetryMiddleware(app))


async def call_it(scope: Scope, receive: Receive, send: Send) -> None:
    assert_type(await middleware(scope, receive, send), None)


OpenTelemetryMiddleware()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[missing-argument]
OpenTelemetryMiddleware(sync_app)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
OpenTelemetryMiddleware(app, r"/health$")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
OpenTelemetryMiddleware(app, excluded_urls=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
OpenTelemetryMiddleware(app, tracer_provider="global")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
OpenTelemetryMiddleware(app, meter_provider=trace.NoOpTracerProvider())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
middleware.app = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
