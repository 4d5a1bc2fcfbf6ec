"""Typing cases for `starlette.middleware.compression`."""

from __future__ import annotations

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.compression import CompressionMiddleware, available_encodings

assert_type(available_encodings(), "tuple[str, ...]")

app = Starlette(
    middleware=[Middleware(CompressionMiddleware, minimum_size=1000, encodings=["br", "gzip"], brotli_quality=5)]
)
app.add_middleware(CompressionMiddleware, zstd_level=10, exclude_content_types=("image/*",))
middleware = CompressionMiddleware(app, encodings=("zstd",))
assert_type(middleware.encodings, "tuple[str, ...]")

CompressionMiddleware(app, gzip_level="9")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
CompressionMiddleware(app, 500, ["gzip"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
