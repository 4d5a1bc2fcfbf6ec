from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Host, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tests.utils import TestClientFactory

Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]


def recording(events: list[str], name: str, state: dict[str, Any] | None = None, fail: bool = False) -> Lifespan:
    """A lifespan that logs its start and stop into `events`, yields `state`, or fails at startup."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncGenerator[dict[str, Any] | None, None]:
        if fail:
            raise RuntimeError(f"{name} cannot start")
        events.append(f"start {name}")
        try:
            yield state
        finally:
            events.append(f"stop {name}")

    return lifespan


def sub_app(events: list[str], name: str, state: dict[str, Any] | None = None, fail: bool = False) -> Starlette:
    return Starlette(lifespan=recording(events, name, state, fail))


async def read_state(request: Request) -> JSONResponse:
    return JSONResponse({key: request.state._state[key] for key in sorted(request.state._state)})  # pyright: ignore[reportPrivateUsage]


def test_default_does_not_run_mounted_lifespans(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app = Starlette(routes=[Mount("/a", app=sub_app(events, "a"))], lifespan=recording(events, "parent"))
    with test_client_factory(app):
        pass
    assert events == ["start parent", "stop parent"]


def test_order_nested_and_reverse_shutdown(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    inner = Router(
        routes=[Mount("/deep", app=sub_app(events, "deep"), run_lifespan=True)],
        lifespan=recording(events, "inner"),
    )
    app = Starlette(
        routes=[
            Mount("/a", app=sub_app(events, "a"), run_lifespan=True),
            Mount("/group", routes=[Mount("/b", app=sub_app(events, "b"), run_lifespan=True)]),
            Host("api.example.org", app=inner, run_lifespan=True),
            Route("/", read_state),
        ],
        lifespan=recording(events, "parent"),
    )
    app.mount("/c", sub_app(events, "c"), run_lifespan=True)
    app.host("admin.example.org", sub_app(events, "admin"), run_lifespan=True)
    with test_client_factory(app):
        assert events == ["start a", "start b", "start deep", "start inner", "start c", "start admin", "start parent"]
        events.clear()
    assert events == ["stop parent", "stop admin", "stop c", "stop inner", "stop deep", "stop b", "stop a"]


def test_router_mount_and_host_keywords() -> None:
    router = Router()
    router.mount("/a", PlainTextResponse("a"), run_lifespan=True)
    router.host("example.org", PlainTextResponse("b"), run_lifespan=True)
    router.mount("/c", PlainTextResponse("c"))
    assert [getattr(route, "run_lifespan", None) for route in router.routes] == [True, True, False]


def test_state_is_merged_into_requests(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app = Starlette(
        routes=[
            Mount("/a", app=sub_app(events, "a", {"database": "db"}), run_lifespan=True),
            Mount("/b", app=sub_app(events, "b", {"tools": ["search"]}), run_lifespan=True),
            Route("/", read_state),
        ],
        lifespan=recording(events, "parent", {"config": 1}),
    )
    with test_client_factory(app) as client:
        assert client.get("/").json() == {"config": 1, "database": "db", "tools": ["search"]}


def test_conflicting_state_keys_name_both_mounts(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app = Starlette(
        routes=[
            Mount("/a", app=sub_app(events, "a", {"pool": 1}), run_lifespan=True),
            Mount("/b", app=sub_app(events, "b", {"pool": 2}), run_lifespan=True),
        ]
    )
    with (
        pytest.raises(RuntimeError, match=r"The lifespans of the app mounted at '/a' and the app mounted at '/b'"),
        test_client_factory(app),
    ):
        pass  # pragma: no cover
    assert events == ["start a", "start b", "stop b", "stop a"]


def test_conflict_with_the_own_lifespan(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app = Starlette(
        routes=[Mount("/a", app=sub_app(events, "a", {"pool": 1}), run_lifespan=True)],
        lifespan=recording(events, "parent", {"pool": 2}),
    )
    with (
        pytest.raises(RuntimeError, match="the app mounted at '/a' and the application's own lifespan"),
        test_client_factory(app),
    ):
        pass  # pragma: no cover


def test_failed_startup_rolls_back(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app = Starlette(
        routes=[
            Mount("/a", app=sub_app(events, "a"), run_lifespan=True),
            Mount("/b", app=sub_app(events, "b", fail=True), run_lifespan=True),
            Mount("/c", app=sub_app(events, "c"), run_lifespan=True),
        ],
        lifespan=recording(events, "parent"),
    )
    with (
        pytest.raises(RuntimeError, match="The startup of the app mounted at '/b' failed") as info,
        test_client_factory(app),
    ):
        pass  # pragma: no cover
    assert "b cannot start" in str(info.value)
    assert events == ["start a", "stop a"]


@pytest.mark.anyio
async def test_parent_reports_startup_failed_with_the_childs_message() -> None:
    events: list[str] = []
    app = Starlette(routes=[Mount("/b", app=sub_app(events, "b", fail=True), run_lifespan=True)])
    sent: list[Message] = []
    inbox: list[Message] = [{"type": "lifespan.startup"}]

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError):
        await app({"type": "lifespan", "state": {}}, receive, send)
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "RuntimeError: b cannot start" in sent[0]["message"]


async def raw_lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI app (not Starlette) that speaks the lifespan protocol and sets state."""
    assert scope["type"] == "lifespan"
    message = await receive()
    assert message["type"] == "lifespan.startup"
    scope["state"]["raw"] = "ready"
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    assert message["type"] == "lifespan.shutdown"
    scope["state"]["raw"] = "closed"
    await send({"type": "lifespan.shutdown.complete"})


async def no_lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that does not support lifespan: it refuses every non-HTTP scope."""
    assert scope["type"] == "http", "HTTP only"


async def returning_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that ends on the lifespan scope without a word."""


async def leaves_at_shutdown(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that starts, then returns on shutdown without answering."""
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()


def test_non_starlette_apps(test_client_factory: TestClientFactory) -> None:
    app = Starlette(
        routes=[
            Mount("/raw", app=raw_lifespan_app, run_lifespan=True),
            Mount("/no", app=no_lifespan_app, run_lifespan=True),
            Mount("/quiet", app=returning_app, run_lifespan=True),
            Mount("/leaves", app=leaves_at_shutdown, run_lifespan=True),
            Route("/", read_state),
        ]
    )
    with test_client_factory(app) as client:
        assert client.get("/").json() == {"raw": "ready"}


def test_failed_shutdown_is_reported(test_client_factory: TestClientFactory) -> None:
    @contextlib.asynccontextmanager
    async def breaks_on_exit(app: Any) -> AsyncGenerator[None, None]:
        yield
        raise RuntimeError("cannot close")

    app = Starlette(routes=[Mount("/a", app=Starlette(lifespan=breaks_on_exit), run_lifespan=True)])
    expected = "The shutdown of the app mounted at '/a' failed"
    with pytest.raises(RuntimeError, match=expected), test_client_factory(app):
        pass


def test_mounted_state_without_server_support(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    router = Router(routes=[Mount("/a", app=sub_app(events, "a", {"x": 1}), run_lifespan=True)])
    sent: list[str] = []

    async def run() -> None:
        inbox: list[Message] = [{"type": "lifespan.startup"}]

        async def receive() -> Message:
            return inbox.pop(0)

        async def send(message: Message) -> None:
            sent.append(message["type"])

        with pytest.raises(RuntimeError, match='does not support "state"'):
            await router({"type": "lifespan"}, receive, send)

    import anyio

    anyio.run(run)
    assert sent == ["lifespan.startup.failed"]
    assert events == ["start a", "stop a"]


def test_mounted_apps_without_state(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    app: ASGIApp = Router(routes=[Mount("/a", app=sub_app(events, "a"), run_lifespan=True)])
    with test_client_factory(app):
        assert events == ["start a"]
    assert events == ["start a", "stop a"]
