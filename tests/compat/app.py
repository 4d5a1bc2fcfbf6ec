"""A small but complete FastAPI service built on this package, used by the compatibility tests.

It is structured the way FastAPI's "bigger applications" guide suggests: module-level routers
(items, auth, files, websockets) included into an application built by `create_app`, which
also mounts a FastAPI sub-application, a plain Starlette application and a static directory.
Everything the service remembers lives in a `Store` the lifespan hands to requests as state,
so every test can build a fresh application and inspect what happened.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypedDict

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    status,
)
from fastapi import Path as PathParam
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.requests import HTTPConnection
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials, OAuth2PasswordBearer, OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.routing import Mount, Route

FRONTEND_ORIGIN = "https://frontend.example"
LEGACY_BODY_LIMIT = 8
APP_BODY_LIMIT = 4096
NOTE_BODY_LIMIT = 16

USERS: dict[str, tuple[str, str]] = {"alice": ("wonderland", "alice-token"), "bob": ("builder", "bob-token")}
"""username -> (password, bearer token)."""


class LifespanState(TypedDict):
    """The state the lifespan hands to every request and websocket."""

    store: Store


class ItemIn(BaseModel):
    """An item as a client submits it."""

    name: str = Field(min_length=1, max_length=20)
    price: float = Field(gt=0)
    tags: list[str] = []


class ItemOut(BaseModel):
    """An item as the service returns it."""

    id: int
    name: str
    price: float
    tags: list[str]
    owner: str | None = None


@dataclass
class Store:
    """What the service remembers: its items, and a log of what happened in order."""

    items: dict[int, ItemOut] = field(default_factory=dict[int, ItemOut])
    events: list[str] = field(default_factory=list[str])
    next_id: int = 1


class Token(BaseModel):
    """The answer of the OAuth2 password flow."""

    access_token: str
    token_type: str


class OutOfStock(Exception):
    """Raised by the service for an item that cannot be ordered; answered with `409` by a handler."""

    def __init__(self, item_id: int) -> None:
        super().__init__(item_id)
        self.item_id = item_id


def get_store(conn: HTTPConnection) -> Store:
    """The store of the lifespan state (for requests and websockets alike)."""
    store: Store = conn.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


class Session:
    """A unit of work on the store, opened and closed by the `get_session` dependency."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, item: ItemIn, owner: str | None) -> ItemOut:
        """Store a new item and return it with its id."""
        stored = ItemOut(id=self.store.next_id, owner=owner, **item.model_dump())
        self.store.items[stored.id] = stored
        self.store.next_id += 1
        return stored


async def get_session(store: StoreDep) -> AsyncIterator[Session]:
    """A dependency with `yield`: records its setup, its teardown, and a rollback on HTTP errors."""
    store.events.append("session open")
    try:
        yield Session(store)
    except HTTPException as exc:
        store.events.append(f"session rollback {exc.status_code}")
        raise
    finally:
        store.events.append("session close")


def get_audit_log(store: StoreDep) -> Iterator[list[str]]:
    """A sync dependency with `yield` (run in the thread pool): copies its entries to the store after the request."""
    entries: list[str] = []
    yield entries
    store.events.extend(entries)


SessionDep = Annotated[Session, Depends(get_session)]
AuditDep = Annotated[list[str], Depends(get_audit_log)]


# ---- items -------------------------------------------------------------------------------------

items_router = APIRouter(prefix="/items", tags=["items"])


@items_router.get("/")
async def list_items(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    tag: Annotated[list[str] | None, Query()] = None,
) -> list[ItemOut]:
    """List the items, optionally only those with all of the given tags."""
    wanted = set(tag or ())
    return [item for item in store.items.values() if wanted <= set(item.tags)][:limit]


@items_router.post("/", status_code=status.HTTP_201_CREATED)
async def create_item(
    item: ItemIn,
    request: Request,
    response: Response,
    session: SessionDep,
    audit: AuditDep,
    x_request_id: Annotated[str, Header(pattern=r"^[a-z0-9-]{4,36}$")],
    owner: Annotated[str | None, Cookie()] = None,
) -> ItemOut:
    """Create an item; the `owner` cookie becomes its owner, the new URL goes in `Location`."""
    stored = session.add(item, owner)
    audit.append(f"created {stored.id} by request {x_request_id}")
    response.headers["location"] = str(request.url_for("read_item", item_id=stored.id))
    return stored


@items_router.get("/{item_id}")
async def read_item(item_id: Annotated[int, PathParam(ge=1)], session: SessionDep) -> ItemOut:
    """One item; `404` with an `X-Error` header if there is none with that id."""
    try:
        return session.store.items[item_id]
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found", headers={"X-Error": "missing-item"}) from None


@items_router.post("/{item_id}/orders")
async def order_item(item_id: int, session: SessionDep) -> dict[str, int]:
    """Order an item; only item 1 is ever in stock (the others raise `OutOfStock`)."""
    if item_id != 1:
        raise OutOfStock(item_id)
    return {"ordered": item_id}


@items_router.post("/{item_id}/archive")
async def archive_item(item_id: int, session: SessionDep) -> dict[str, int]:
    """Archiving is broken: an unexpected error, answered by the server error middleware."""
    raise RuntimeError(f"archive service is down (item {item_id})")


def send_notification(store: Store, email: str, subject: str) -> None:
    """A sync background task (run in the thread pool)."""
    store.events.append(f"mail to {email}: {subject}")


async def write_receipt(store: Store, item_id: int) -> None:
    """An async background task."""
    store.events.append(f"receipt for {item_id}")


def queue_receipt(item_id: int, background_tasks: BackgroundTasks, store: StoreDep) -> None:
    """A dependency that adds its own background task (to the request's shared `BackgroundTasks`)."""
    background_tasks.add_task(write_receipt, store, item_id)


@items_router.post("/{item_id}/notify", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(queue_receipt)])
async def notify(
    item_id: int, email: Annotated[str, Query(min_length=3)], background_tasks: BackgroundTasks, store: StoreDep
) -> dict[str, str]:
    """Queue a notification mail, sent after the response."""
    background_tasks.add_task(send_notification, store, email, subject=f"item {item_id}")
    store.events.append("notify answered")
    return {"queued": email}


@items_router.get("/{item_id}/export")
def export_item(item_id: int, store: StoreDep) -> StreamingResponse:
    """A sync endpoint (thread pool) streaming a CSV export, one line per chunk."""
    item = store.items.get(item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    lines = ["id,name,price\n", f"{item.id},{item.name},{item.price}\n"]
    return StreamingResponse(iter(lines), media_type="text/csv")


# ---- auth --------------------------------------------------------------------------------------

auth_router = APIRouter(prefix="/auth", tags=["auth"])
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/token")
basic_scheme = HTTPBasic(realm="compat")


@auth_router.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """The OAuth2 password flow: trade a username and password for a bearer token."""
    password, token = USERS.get(form.username, ("", ""))
    if not password or not secrets.compare_digest(form.password, password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Incorrect username or password")
    return Token(access_token=token, token_type="bearer")


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    """The user a bearer token belongs to; `401` with `WWW-Authenticate: Bearer` if none."""
    for username, (_, user_token) in USERS.items():
        if secrets.compare_digest(token, user_token):
            return username
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED, "Invalid authentication credentials", headers={"WWW-Authenticate": "Bearer"}
    )


@auth_router.get("/me")
async def read_me(username: Annotated[str, Depends(current_user)]) -> dict[str, str]:
    """Who the bearer token belongs to."""
    return {"username": username}


@auth_router.get("/basic")
def read_basic(credentials: Annotated[HTTPBasicCredentials, Depends(basic_scheme)]) -> dict[str, str]:
    """HTTP Basic authentication against the same users."""
    password, _ = USERS.get(credentials.username, ("", ""))
    if not password or not secrets.compare_digest(credentials.password, password):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Incorrect username or password", headers={"WWW-Authenticate": "Basic"}
        )
    return {"username": credentials.username}


# ---- files -------------------------------------------------------------------------------------

files_router = APIRouter(prefix="/files", tags=["files"])


@files_router.post("/")
async def upload(
    file: UploadFile, description: Annotated[str, Form(min_length=1)], audit: AuditDep
) -> dict[str, str | int | None]:
    """One uploaded file and a form field."""
    content = await file.read()
    audit.append(f"upload {file.filename}")
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "description": description,
        "first_line": content.decode().splitlines()[0] if content else None,
    }


@files_router.post("/batch")
async def upload_batch(files: Annotated[list[UploadFile], File()]) -> list[dict[str, str | int | None]]:
    """Several files under one field name."""
    return [{"filename": file.filename, "size": file.size} for file in files]


@files_router.post("/raw")
async def upload_raw(data: Annotated[bytes, File()]) -> dict[str, int]:
    """A file read whole as bytes."""
    return {"size": len(data)}


@files_router.post("/notes", max_body_size=NOTE_BODY_LIMIT)
async def post_note(request: Request) -> PlainTextResponse:
    """A route with its own, smaller body limit."""
    return PlainTextResponse(await request.body())


# ---- websockets --------------------------------------------------------------------------------

ws_router = APIRouter()


def websocket_user(token: Annotated[str | None, Query()] = None) -> str:
    """The user of a websocket, from its `token` query parameter; closes with `1008` if unknown."""
    for username, (_, user_token) in USERS.items():
        if token is not None and secrets.compare_digest(token, user_token):
            return username
    raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "invalid token")


@ws_router.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str, user: Annotated[str, Depends(websocket_user)], store: StoreDep) -> None:
    """Echo every message to its sender, prefixed with the room and user; `bye` ends the chat."""
    await websocket.accept()
    store.events.append(f"{user} joined {room}")
    try:
        while (text := await websocket.receive_text()) != "bye":
            await websocket.send_json({"room": room, "user": user, "text": text})
    except WebSocketDisconnect as exc:
        store.events.append(f"{user} left {room} with {exc.code}")
        return
    await websocket.close(code=status.WS_1000_NORMAL_CLOSURE, reason="see you")


@ws_router.websocket("/ws-count/{count}")
async def countdown(websocket: WebSocket, count: Annotated[int, PathParam(ge=0, le=5)]) -> None:
    """Send `count` down to zero, then close; a bad count is refused with `1008`."""
    await websocket.accept()
    for value in range(count, -1, -1):
        await websocket.send_text(str(value))
    await websocket.close()


# ---- admin sub-application and a plain Starlette application -----------------------------------

admin_router = APIRouter(prefix="/stats", tags=["admin"])


@admin_router.get("/")
async def stats(request: Request, store: StoreDep) -> dict[str, int | str]:
    """Counts from the shared store, and where the sub-application is mounted."""
    return {"items": len(store.items), "root_path": request.scope.get("root_path", ""), "url": str(request.url)}


async def legacy_echo(request: Request) -> PlainTextResponse:
    """A plain Starlette endpoint echoing the request body."""
    return PlainTextResponse(await request.body())


async def legacy_hello(request: Request) -> PlainTextResponse:
    """A plain Starlette endpoint that builds a URL to a route of the parent FastAPI application."""
    return PlainTextResponse(f"{request.url.path} -> {request.url_for('read_item', item_id=1)}")


def legacy_app() -> Starlette:
    """A Starlette application with its own body limit, mounted under `/legacy`."""
    routes = [Route("/echo", legacy_echo, methods=["POST"]), Route("/hello", legacy_hello)]
    return Starlette(routes=routes, max_body_size=LEGACY_BODY_LIMIT)


# ---- the application -----------------------------------------------------------------------------


async def out_of_stock_handler(request: Request, exc: Exception) -> JSONResponse:
    """Answer `OutOfStock` with `409` and the item id."""
    assert isinstance(exc, OutOfStock)
    return JSONResponse({"detail": "Out of stock", "item_id": exc.item_id}, status_code=status.HTTP_409_CONFLICT)


async def process_header(request: Request, call_next: RequestResponseEndpoint) -> Response:
    """A `BaseHTTPMiddleware` dispatch: counts requests and tags every response with `X-Process`."""
    store: Store = request.state.store
    store.events.append(f"middleware {request.method} {request.url.path}")
    response = await call_next(request)
    response.headers["X-Process"] = "compat"
    return response


def create_app(static_dir: Path, store: Store) -> FastAPI:
    """The service, serving `static_dir` under `/static` and keeping its data in `store`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[LifespanState, None]:
        store.events.append("startup")
        yield {"store": store}
        store.events.append("shutdown")

    app = FastAPI(
        title="Compat Inventory",
        version="1.0.0",
        lifespan=lifespan,
        max_body_size=APP_BODY_LIMIT,
        routes=[Mount("/legacy", app=legacy_app(), name="legacy")],
    )
    app.add_exception_handler(OutOfStock, out_of_stock_handler)
    app.add_middleware(BaseHTTPMiddleware, dispatch=process_header)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[FRONTEND_ORIGIN],
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        expose_headers=["X-Process"],
        max_age=60,
    )
    for router in (items_router, auth_router, files_router, ws_router):
        app.include_router(router)

    admin = FastAPI(title="Compat Admin")
    admin.include_router(admin_router)
    app.mount("/admin", admin, name="admin")
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    return app
