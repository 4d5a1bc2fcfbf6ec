"""An application as the documentation builds one: routes, lifespan, middleware, handlers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any, TypedDict

from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.background import BackgroundTask
from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.status import HTTP_422_UNPROCESSABLE_ENTITY
from starlette.websockets import WebSocket

from .auth import BasicAuthBackend
from .middleware import LoggingMiddleware, TimingMiddleware


class State(TypedDict):
    greeting: str


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncGenerator[State, None]:
    yield {"greeting": "hello"}


async def homepage(request: Request) -> Response:
    return JSONResponse({"hello": "world", "user": request.path_params.get("username")})


def sync_page(request: Request) -> Response:
    return PlainTextResponse("sync")


@requires("authenticated", redirect="homepage")
async def dashboard(request: Request) -> Response:
    return HTMLResponse(f"<h1>{request.user.display_name}</h1>")


async def upload(request: Request) -> Response:
    async with request.form(max_files=2) as form:
        names = [value.filename for value in form.values() if not isinstance(value, str)]
    return JSONResponse({"files": names}, background=BackgroundTask(print, "uploaded"))


async def legacy(request: Request) -> Response:
    if request.query_params.get("bad"):
        raise HTTPException(status_code=HTTP_422_UNPROCESSABLE_ENTITY, detail="bad input")
    return RedirectResponse(url=request.url_for("homepage"))


class Items(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return JSONResponse([1, 2, 3])

    async def post(self, request: Request) -> Response:
        body: Any = await request.json()
        return JSONResponse(body, status_code=201)


class Echo(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_text(f"echo: {data}")


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    message = await websocket.receive_text()
    await websocket.send_json({"message": message})
    await websocket.close()


async def not_found(request: Request, exc: HTTPException) -> Response:
    return HTMLResponse("<h1>Not found</h1>", status_code=exc.status_code)


async def server_error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Server error", status_code=500)


routes = [
    Route("/", homepage),
    Route("/sync", sync_page, methods=["GET", "HEAD"]),
    Route("/dashboard", dashboard),
    Route("/upload", upload, methods=["POST"]),
    Route("/legacy", legacy),
    Route("/items", Items),
    Route("/users/{username:str}", homepage, name="user"),
    WebSocketRoute("/ws", websocket_endpoint),
    WebSocketRoute("/echo", Echo),
    Mount("/static", app=StaticFiles(directory="static", check_dir=False), name="static"),
    Mount("/api", routes=[Route("/ping", sync_page)]),
]

middleware = [
    Middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"]),
    Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"]),
    Middleware(SessionMiddleware, secret_key="change-me", https_only=True),
    Middleware(AuthenticationMiddleware, backend=BasicAuthBackend()),
    Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6),
    Middleware(LoggingMiddleware, logger_name="app"),
]

app = Starlette(
    debug=True,
    routes=routes,
    middleware=middleware,
    exception_handlers={404: not_found, 500: server_error},
    lifespan=lifespan,
)
app.add_middleware(TimingMiddleware, header="x-time")
app.add_route("/added", sync_page, methods=["GET"])
app.add_exception_handler(HTTPException, not_found)
app.state.counter = 0

router = Router(routes=[Route("/", homepage)])
router.add_route("/more", homepage, methods=["GET"], name="more")
router.add_websocket_route("/more/ws", websocket_endpoint)
app.mount("/sub", router)
