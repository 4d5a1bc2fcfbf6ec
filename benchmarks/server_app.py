"""The app `server_bench.py` serves with uvicorn: the plaintext and JSON routes of `asgi_bench.py`.

`/_starlette` answers with the path of the `starlette` package in use, so the
benchmark can confirm which implementation it is measuring.
"""

from __future__ import annotations

import starlette
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def plaintext(request: Request) -> Response:
    """A fixed text body."""
    return PlainTextResponse("Hello, world!")


async def item(request: Request) -> Response:
    """A JSON body built from an `{id:int}` path parameter."""
    return JSONResponse({"id": request.path_params["id"], "name": "widget"})


async def implementation(request: Request) -> Response:
    """The location of the `starlette` package serving this request."""
    return PlainTextResponse(str(starlette.__file__))


app = Starlette(
    routes=[
        Route("/plaintext", plaintext),
        Route("/items/{id:int}", item),
        Route("/_starlette", implementation),
    ]
)
