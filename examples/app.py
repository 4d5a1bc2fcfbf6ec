"""The demo application served by `scripts/demo`.

A small but complete site built with the typed Starlette API:

- HTML pages rendered from Jinja2 templates (`templates/`) and static files (`static/`);
- a login backed by a signed session cookie, `AuthenticationMiddleware` and `@requires`;
- a typed JSON API with integer path parameters and typed exception handlers;
- an HTML form, and a file upload that is measured and never stored;
- a WebSocket chat room broadcasting to every connected client (in memory);
- a streaming response and a download endpoint that honours `Range` requests;
- zstd, brotli or gzip compression (`CompressionMiddleware`), and lifespan state typed with a `TypedDict`;
- a live clock over server-sent events, served by a mounted sub-app whose own lifespan
  (run with `run_lifespan=True`) opens the clock it streams.

Configuration comes from the environment:
`DEMO_SECRET_KEY` signs the session cookie (a development default is used when unset),
`DEMO_HTTPS_ONLY=true` marks the cookie `Secure`, `DEMO_DEBUG=true` shows tracebacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import tempfile
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any, Final, TypedDict, cast
from urllib.parse import urlsplit

import anyio

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, BaseUser, SimpleUser, requires
from starlette.config import Config
from starlette.datastructures import Secret, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.compression import CompressionMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.sse import EventSourceResponse, ServerSentEvent, last_event_id
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

HERE: Final = Path(__file__).resolve().parent
config: Final = Config(env_prefix="DEMO_")

SECRET_KEY: Final = config("SECRET_KEY", cast=Secret, default="dev-only-secret-change-me")
HTTPS_ONLY: Final = config("HTTPS_ONLY", cast=bool, default=False)
DEBUG: Final = config("DEBUG", cast=bool, default=False)

DEMO_USERNAME: Final = "demo"
DEMO_PASSWORD: Final = "starlette"

MAX_ITEMS: Final = 100
MAX_ITEM_NAME: Final = 100
MAX_CHAT_TEXT: Final = 500
CHAT_HISTORY: Final = 20
UPLOAD_LIMIT: Final = 8 * 1024 * 1024
ECHO_LIMIT: Final = 16 * 1024 * 1024
SAMPLE_SIZE: Final = 256 * 1024

log: Final = logging.getLogger("demo")
if not log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("demo: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

templates: Final = Jinja2Templates(directory=HERE / "templates")


# --- Domain: items and the chat room -------------------------------------------------------


class Item(TypedDict):
    """An item of the JSON API."""

    id: int
    name: str
    price: float


class NewItem(TypedDict):
    """The body of `POST /api/items`."""

    name: str
    price: float


class ItemNotFound(Exception):
    """There is no item with this id."""

    def __init__(self, item_id: int) -> None:
        super().__init__(item_id)
        self.item_id = item_id


class ItemStore:
    """Items kept in memory, at most `MAX_ITEMS` of them."""

    def __init__(self) -> None:
        self._items: dict[int, Item] = {}
        self._next_id = 1

    def __len__(self) -> int:
        return len(self._items)

    def all(self) -> list[Item]:
        """Every item, oldest first."""
        return list(self._items.values())

    def get(self, item_id: int) -> Item:
        """The item `item_id`; raises `ItemNotFound`."""
        try:
            return self._items[item_id]
        except KeyError:
            raise ItemNotFound(item_id) from None

    def add(self, new: NewItem) -> Item:
        """Store a new item and return it; raises a `507` `HTTPException` when the store is full."""
        if len(self._items) >= MAX_ITEMS:
            raise HTTPException(507, f"The store is full ({MAX_ITEMS} items).")
        item: Item = {"id": self._next_id, "name": new["name"], "price": new["price"]}
        self._items[item["id"]] = item
        self._next_id += 1
        return item

    def remove(self, item_id: int) -> None:
        """Delete the item `item_id`; raises `ItemNotFound`."""
        if self._items.pop(item_id, None) is None:
            raise ItemNotFound(item_id)


class ChatMessage(TypedDict):
    """One message of the chat room, as sent to clients (JSON)."""

    author: str
    text: str


class ChatRoom:
    """The connected chat clients, and the last messages for newcomers."""

    def __init__(self, history_size: int = CHAT_HISTORY) -> None:
        self._members: set[WebSocket[Any]] = set()
        self._history: deque[ChatMessage] = deque(maxlen=history_size)

    def __len__(self) -> int:
        return len(self._members)

    async def join(self, websocket: WebSocket[Any]) -> None:
        """Send the recent history to `websocket`, then include it in broadcasts."""
        for message in list(self._history):
            await websocket.send_text(json.dumps(message))
        self._members.add(websocket)

    def leave(self, websocket: WebSocket[Any]) -> None:
        """Stop sending messages to `websocket`."""
        self._members.discard(websocket)

    async def broadcast(self, message: ChatMessage) -> None:
        """Send `message` to every member, dropping those whose connection broke."""
        self._history.append(message)
        payload = json.dumps(message)
        for member in list(self._members):
            if not await self._deliver(member, payload):
                self.leave(member)

    @staticmethod
    async def _deliver(member: WebSocket[Any], payload: str) -> bool:
        """Send `payload` to `member`; `False` when its connection is gone."""
        try:
            await member.send_text(payload)
        except (WebSocketDisconnect, WebSocketDisconnected):
            return False
        return True


class DemoState(TypedDict):
    """The state the lifespan yields: each request sees it as `request.state`."""

    started_at: float
    items: ItemStore
    chat: ChatRoom
    sample_file: Path


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncGenerator[DemoState, None]:
    """Create the shared state and a sample file to download; remove the file on shutdown."""
    items = ItemStore()
    items.add({"name": "Teapot", "price": 18.0})
    items.add({"name": "Kettle", "price": 32.5})
    with tempfile.TemporaryDirectory(prefix="starlette-demo-") as data_dir:
        sample_file = Path(data_dir) / "sample.bin"
        sample_file.write_bytes(bytes(range(256)) * (SAMPLE_SIZE // 256))
        log.info("startup complete, data in %s", data_dir)
        yield {"started_at": time.time(), "items": items, "chat": ChatRoom(), "sample_file": sample_file}
    log.info("shutdown complete, removed %s", data_dir)


# --- The clock: a mounted sub-app with a lifespan of its own ------------------------------------


class Clock:
    """The resource the clock app's lifespan opens: it numbers the ticks it hands out, until closed."""

    def __init__(self) -> None:
        self.opened_at = time.time()
        self.ticks = 0
        self.closed = False

    def tick(self) -> str:
        """The time now, as `HH:MM:SS` (UTC); counts the tick."""
        if self.closed:
            raise RuntimeError("the clock is closed")
        self.ticks += 1
        return time.strftime("%H:%M:%S", time.gmtime())


class ClockState(TypedDict):
    """What the clock app's lifespan yields; merged into the application's state."""

    clock: Clock


@contextlib.asynccontextmanager
async def clock_lifespan(app: Starlette) -> AsyncGenerator[ClockState, None]:
    """Open the clock when the application starts, close it when it stops."""
    clock = Clock()
    log.info("clock opened")
    try:
        yield {"clock": clock}
    finally:
        clock.closed = True
        log.info("clock closed after %d ticks", clock.ticks)


async def clock_page(request: Request[ClockState]) -> HTMLResponse:
    """The live clock page; its script reads `events` with an `EventSource`."""
    events_url = request.url.path.rstrip("/") + "/events"
    return templates.TemplateResponse(request, "clock.html", {"events_url": events_url})


async def clock_events(request: Request[ClockState]) -> EventSourceResponse:
    """One `tick` event every `interval` milliseconds (`?interval=1000&count=0`, 0: forever), ids counting up.

    A reconnecting `EventSource` resumes numbering after its `Last-Event-ID`.
    """
    interval = _int_param(request, "interval", default=1000, low=10, high=10_000) / 1000
    count = _int_param(request, "count", default=0, low=0, high=10_000)
    last_id = last_event_id(request)
    first = int(last_id) + 1 if last_id is not None and last_id.isdigit() else 1
    clock = request.state["clock"]

    async def ticks() -> AsyncIterator[ServerSentEvent]:
        number = first
        while count == 0 or number < first + count:
            yield ServerSentEvent(clock.tick(), event="tick", id=str(number))
            number += 1
            await anyio.sleep(interval)

    return EventSourceResponse(ticks())


clock_app = Starlette(
    routes=[Route("/", clock_page, name="page"), Route("/events", clock_events, name="events")],
    lifespan=clock_lifespan,
)


# --- Authentication ----------------------------------------------------------------------------


class SessionBackend:
    """Authenticates the user whose name the login stored in the session (an `AuthenticationBackend`)."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        """Return the session's user, or `None` for an anonymous visitor."""
        username = conn.session.get("username")
        if not isinstance(username, str):
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(username)


def safe_next(request: Request[Any], target: object) -> str:
    """The local path to go to after logging in: `target` if it stays on this site, else `/`."""
    if not isinstance(target, str) or not target:
        return "/"
    url = urlsplit(target)
    if (url.scheme or url.netloc) and url.netloc != request.url.netloc:
        return "/"
    if not url.path.startswith("/") or url.path.startswith("//") or "\\" in url.path:
        return "/"
    return f"{url.path}?{url.query}" if url.query else url.path


# --- Pages -------------------------------------------------------------------------------------


async def homepage(request: Request[DemoState]) -> HTMLResponse:
    """The home page: what the demo shows, and links to each part."""
    return templates.TemplateResponse(request, "index.html", {"item_count": len(request.state["items"])})


async def login(request: Request[DemoState]) -> Response:
    """Show the login form (`GET`) or check the credentials and start a session (`POST`)."""
    if request.method == "GET":
        context = {"next": safe_next(request, request.query_params.get("next"))}
        return templates.TemplateResponse(request, "login.html", context)
    form = await request.form(max_files=0, max_fields=3)
    username, password, target = form.get("username"), form.get("password"), form.get("next")
    if (
        isinstance(username, str)
        and isinstance(password, str)
        and secrets.compare_digest(username.encode(), DEMO_USERNAME.encode())
        and secrets.compare_digest(password.encode(), DEMO_PASSWORD.encode())
    ):
        request.session.clear()
        request.session["username"] = username
        return RedirectResponse(safe_next(request, target), status_code=303)
    context = {"next": safe_next(request, target), "error": "Wrong user name or password."}
    return templates.TemplateResponse(request, "login.html", context, status_code=401)


async def logout(request: Request[DemoState]) -> RedirectResponse:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@requires("authenticated", redirect="login")
async def account(request: Request[DemoState]) -> HTMLResponse:
    """A page only logged-in users see."""
    user: BaseUser = request.user
    return templates.TemplateResponse(request, "account.html", {"username": user.display_name})


async def contact(request: Request[DemoState]) -> HTMLResponse:
    """Show a form (`GET`) and display what was posted (`POST`), escaped by the template."""
    if request.method == "GET":
        return templates.TemplateResponse(request, "contact.html")
    form = await request.form(max_files=0, max_fields=5, max_part_size=64 * 1024)
    name, message = form.get("name"), form.get("message")
    if not isinstance(name, str) or not isinstance(message, str) or not name.strip():
        context = {"error": "Please fill in your name and a message."}
        return templates.TemplateResponse(request, "contact.html", context, status_code=400)
    return templates.TemplateResponse(request, "contact_done.html", {"name": name.strip(), "message": message})


async def _measure(upload: UploadFile) -> tuple[int, str]:
    """Read an uploaded file chunk by chunk: its size and SHA-256 digest."""
    digest = hashlib.sha256()
    size = 0
    while chunk := await upload.read(64 * 1024):
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


async def upload(request: Request[DemoState]) -> Response:
    """Show the upload form (`GET`), or report the name, type and size of the uploaded file (`POST`).

    The file is never stored: the form parser spools it to a temporary file that is
    closed (and so deleted) when the `async with` block ends.
    """
    if request.method == "GET":
        return templates.TemplateResponse(request, "upload.html")
    async with request.form(max_files=1, max_fields=1) as form:
        uploaded = form.get("file")
        if not isinstance(uploaded, UploadFile) or not uploaded.filename:
            raise HTTPException(400, "Choose a file to upload in the 'file' field.")
        size, sha256 = await _measure(uploaded)
        report = {
            "filename": uploaded.filename,
            "content_type": uploaded.content_type or "application/octet-stream",
            "size": size,
            "sha256": sha256,
        }
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(report)
    return templates.TemplateResponse(request, "upload_done.html", {"report": report})


async def chat_page(request: Request[DemoState]) -> HTMLResponse:
    """The chat room page (the client code is `static/chat.js`)."""
    return templates.TemplateResponse(request, "chat.html")


async def chat_socket(websocket: WebSocket[DemoState]) -> None:
    """Relay each text message of a client to every client of the room."""
    room = websocket.state["chat"]
    user: BaseUser = websocket.user
    author = user.display_name if user.is_authenticated else f"guest-{secrets.token_hex(2)}"
    await websocket.accept()
    await room.join(websocket)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text: str | None = message.get("text")
            if text is None:
                await websocket.close(code=1003, reason="Only text messages are accepted.")
                break
            text = text.strip()[:MAX_CHAT_TEXT]
            if text:
                await room.broadcast({"author": author, "text": text})
    except WebSocketDisconnect:
        pass
    finally:
        room.leave(websocket)


# --- Streaming and downloads -------------------------------------------------------------------


def _int_param(request: Request[Any], name: str, default: int, low: int, high: int) -> int:
    """Read the query parameter `name` as an integer in `[low, high]`; `400` otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"'{name}' must be an integer.") from None
    if not low <= value <= high:
        raise HTTPException(400, f"'{name}' must be between {low} and {high}.")
    return value


async def stream(request: Request[DemoState]) -> StreamingResponse:
    """Stream `count` JSON lines, one every `interval` milliseconds (`?count=10&interval=100`)."""
    count = _int_param(request, "count", default=10, low=1, high=1000)
    interval = _int_param(request, "interval", default=100, low=0, high=1000) / 1000

    async def ticks() -> AsyncIterator[str]:
        for tick in range(1, count + 1):
            yield json.dumps({"tick": tick, "of": count}) + "\n"
            if interval and tick < count:
                await anyio.sleep(interval)

    return StreamingResponse(ticks(), media_type="application/x-ndjson")


async def download(request: Request[DemoState]) -> FileResponse:
    """A 256 KiB sample file; `Range` requests get `206 Partial Content`."""
    return FileResponse(request.state["sample_file"], filename="sample.bin", media_type="application/octet-stream")


# --- The JSON API ------------------------------------------------------------------------------


async def api_status(request: Request[DemoState]) -> JSONResponse:
    """Show that the lifespan ran, and some counters."""
    state = request.state
    return JSONResponse(
        {
            "status": "ok",
            "started_at": state["started_at"],
            "uptime": round(time.time() - state["started_at"], 3),
            "items": len(state["items"]),
            "chat_members": len(state["chat"]),
        }
    )


async def api_connection(request: Request[DemoState]) -> JSONResponse:
    """Describe the connection: lets a client check that keep-alive reuses it."""
    client = request.client
    return JSONResponse(
        {
            "client": None if client is None else [client.host, client.port],
            "http_version": request.scope.get("http_version"),
            "scheme": request.url.scheme,
        }
    )


def _parse_new_item(data: object) -> NewItem:
    """Validate a decoded JSON body as a `NewItem`; `422` naming the problem otherwise."""
    if not isinstance(data, dict):
        raise HTTPException(422, "Expected a JSON object.")
    fields = cast("dict[str, object]", data)  # the keys of a JSON object are strings
    name, price = fields.get("name"), fields.get("price")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_ITEM_NAME:
        raise HTTPException(422, f"'name' must be a non-empty string of at most {MAX_ITEM_NAME} characters.")
    if isinstance(price, bool) or not isinstance(price, (int, float)) or not 0 <= price < 1e9:
        raise HTTPException(422, "'price' must be a number between 0 and 1e9.")
    return {"name": name.strip(), "price": float(price)}


async def api_items(request: Request[DemoState]) -> JSONResponse:
    """List the items (`GET`) or create one from a JSON body (`POST`, `201`)."""
    items = request.state["items"]
    if request.method == "GET":
        return JSONResponse(items.all())
    try:
        data: object = await request.json()
    except ValueError:
        raise HTTPException(400, "The body is not valid JSON.") from None
    item = items.add(_parse_new_item(data))
    location = str(request.url_for("api_item", item_id=item["id"]))
    return JSONResponse(item, status_code=201, headers={"location": location})


async def api_item(request: Request[DemoState]) -> Response:
    """Read (`GET`) or delete (`DELETE`, `204`) the item whose id is in the path."""
    item_id: int = request.path_params["item_id"]
    items = request.state["items"]
    if request.method == "DELETE":
        items.remove(item_id)
        return Response(status_code=204)
    return JSONResponse(items.get(item_id))


async def api_echo(request: Request[DemoState]) -> JSONResponse:
    """Read the request body as it arrives (chunked or not) and report its size and digest."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        digest.update(chunk)
    return JSONResponse(
        {
            "size": size,
            "sha256": digest.hexdigest(),
            "transfer_encoding": request.headers.get("transfer-encoding"),
        }
    )


# --- Errors ------------------------------------------------------------------------------------


async def http_error(request: Request[Any], exc: HTTPException) -> Response:
    """Errors as JSON under `/api`, as a page elsewhere; keeps the exception's headers."""
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    context = {"status_code": exc.status_code, "detail": exc.detail}
    return templates.TemplateResponse(request, "error.html", context, status_code=exc.status_code, headers=exc.headers)


async def item_not_found(request: Request[Any], exc: ItemNotFound) -> JSONResponse:
    """A missing item is a `404` naming the id."""
    return JSONResponse({"detail": f"No item with id {exc.item_id}."}, status_code=404)


async def client_gone(request: Request[Any], exc: ClientDisconnect) -> Response:
    """The client left while sending its body: nobody will read an answer, but none is an error either."""
    return Response(status_code=400)


async def robots(request: Request[DemoState]) -> PlainTextResponse:
    """Keep crawlers away from the demo."""
    return PlainTextResponse("User-agent: *\nDisallow: /\n")


# --- The application ---------------------------------------------------------------------------

routes: list[BaseRoute] = [
    Route("/", homepage, name="home"),
    Route("/login", login, methods=["GET", "POST"], name="login", max_body_size=16 * 1024),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/account", account, name="account"),
    Route("/contact", contact, methods=["GET", "POST"], name="contact", max_body_size=256 * 1024),
    Route("/upload", upload, methods=["GET", "POST"], name="upload", max_body_size=UPLOAD_LIMIT),
    Route("/chat", chat_page, name="chat"),
    WebSocketRoute("/ws/chat", chat_socket, name="chat_ws"),
    Route("/stream", stream, name="stream"),
    Route("/download", download, name="download"),
    Route("/robots.txt", robots, name="robots"),
    Route("/api/status", api_status, name="api_status"),
    Route("/api/connection", api_connection, name="api_connection"),
    Route("/api/items", api_items, methods=["GET", "POST"], name="api_items", max_body_size=64 * 1024),
    Route("/api/items/{item_id:int}", api_item, methods=["GET", "DELETE"], name="api_item"),
    Route("/api/echo", api_echo, methods=["POST"], name="api_echo", max_body_size=ECHO_LIMIT),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    Mount("/clock", app=clock_app, name="clock", run_lifespan=True),
]

middleware: list[Middleware] = [
    Middleware(CompressionMiddleware, minimum_size=500),
    Middleware(SessionMiddleware, secret_key=SECRET_KEY, https_only=HTTPS_ONLY, same_site="lax"),
    Middleware(AuthenticationMiddleware, backend=SessionBackend()),
]

app = Starlette(debug=DEBUG, routes=routes, middleware=middleware, lifespan=lifespan)
app.add_exception_handler(HTTPException, http_error)
app.add_exception_handler(ItemNotFound, item_not_found)
app.add_exception_handler(ClientDisconnect, client_gone)
