"""Typing cases for `run_lifespan=` on `Mount`, `Host`, `Router.mount`/`host` and `Starlette.mount`/`host`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import TypedDict

from typing_extensions import assert_type

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Host, Mount, Route, Router


class ToolsState(TypedDict):
    """What the mounted app's lifespan yields."""

    tools: list[str]


class AppState(ToolsState):
    """The parent's state type: its own keys, plus what mounted apps yield."""

    started: bool


@contextlib.asynccontextmanager
async def tools_lifespan(app: Starlette) -> AsyncGenerator[ToolsState, None]:
    yield {"tools": ["search"]}


async def homepage(request: Request[AppState]) -> PlainTextResponse:
    tools = request.state["tools"]
    assert_type(tools, list[str])
    return PlainTextResponse(", ".join(tools))


tools_app = Starlette(lifespan=tools_lifespan)
mount = Mount("/tools", app=tools_app, run_lifespan=True)
assert_type(mount.run_lifespan, bool)
host = Host("tools.example.org", app=tools_app, run_lifespan=True)
assert_type(host.run_lifespan, bool)

app = Starlette(routes=[mount, host, Route("/", homepage)])
app.mount("/more", tools_app, run_lifespan=True)
app.host("more.example.org", tools_app, run_lifespan=False)
router = Router()
router.mount("/tools", tools_app, run_lifespan=True)
router.host("tools.example.org", tools_app, run_lifespan=True)

Mount("/tools", tools_app, None, None, None, True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]  # ty: ignore[too-many-positional-arguments]
Host("tools.example.org", tools_app, run_lifespan="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
