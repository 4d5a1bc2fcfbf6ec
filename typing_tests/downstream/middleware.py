"""Middleware as users write it: a BaseHTTPMiddleware subclass and a pure ASGI middleware."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class LoggingMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, logger_name: str = "starlette") -> None:
        super().__init__(app)
        self.logger = logging.getLogger(logger_name)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        self.logger.info("%s %s", request.method, request.url.path)
        response = await call_next(request)
        response.headers["x-logged"] = "1"
        return response


class TimingMiddleware:
    def __init__(self, app: ASGIApp, header: str = "x-process-time") -> None:
        self.app = app
        self.header = header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append(self.header, f"{time.perf_counter() - start:.4f}")
            await send(message)

        await self.app(scope, receive, send_with_time)
