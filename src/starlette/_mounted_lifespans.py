"""Run the lifespans of apps mounted with `run_lifespan=True` inside their router's lifespan.

A mounted app is driven through the ASGI lifespan protocol, as a server would
drive it, so any ASGI app works. The apps start in route order (mounts nested
in mounts and hosts included) before the router's own lifespan, and stop in
reverse order after it. The state each one yields is merged into the router's.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import anyio

from starlette._utils import create_collapsing_task_group
from starlette.types import ASGIApp, Lifespan, Message, Scope

_OWN_LIFESPAN = "the application's own lifespan"


def _mounted_apps(routes: Iterable[Any], outer: str = "") -> Iterator[tuple[str, ASGIApp]]:
    """The apps to start, with a label naming each, in route order.

    A `Mount` or `Host` with `run_lifespan` is driven itself (its app runs the
    lifespans nested in it, if it is a router); any other one is searched for
    nested routes that have it.
    """
    for route in routes:
        run_lifespan: bool | None = getattr(route, "run_lifespan", None)
        if run_lifespan is None:  # not a mount or host
            continue
        path: str | None = getattr(route, "path", None)
        label = f"{outer}{path}" if path is not None else f"host {route.host}"
        if run_lifespan:
            yield f"the app mounted at {label!r}" if path is not None else f"the app of {label}", route.app
        else:
            yield from _mounted_apps(route.routes, label if path is not None else outer)


def with_mounted_lifespans(
    routes: Iterable[Any], lifespan: Lifespan[Any], app: object, scope: Scope
) -> AbstractAsyncContextManager[Mapping[str, Any] | None]:
    """`lifespan(app)`, with the lifespans of the mounted apps that ask for it run around it.

    Raises (on entering):
        RuntimeError: A mounted app's startup failed (the apps already started are
            shut down first), or two lifespans yield the same state key.
    """
    mounted = list(_mounted_apps(routes))
    if not mounted:
        return lifespan(app)
    return _run_all(mounted, lifespan, app, scope)


@asynccontextmanager
async def _run_all(
    mounted: list[tuple[str, ASGIApp]], lifespan: Lifespan[Any], app: object, scope: Scope
) -> AsyncGenerator[Mapping[str, Any] | None, None]:
    state: dict[str, Any] = {}
    owners: dict[str, str] = {}

    def merge(label: str, values: Mapping[str, Any]) -> None:
        for key in values:
            if key in owners:
                raise RuntimeError(f"The lifespans of {owners[key]} and {label} both set the state key {key!r}")
            owners[key] = label
        state.update(values)

    async with AsyncExitStack() as stack:
        for label, mounted_app in mounted:
            merge(label, await stack.enter_async_context(_drive(label, mounted_app, scope)))
        own = await stack.enter_async_context(lifespan(app))
        if own is not None:
            merge(_OWN_LIFESPAN, own)
        yield state if state or own is not None else None


@asynccontextmanager
async def _drive(label: str, app: ASGIApp, parent_scope: Scope) -> AsyncGenerator[dict[str, Any], None]:
    """Start `app` through the lifespan protocol, yield the state it set, then shut it down.

    An app that raises or returns before answering `lifespan.startup` does not
    support lifespans, and is skipped (as servers do).
    """
    state: dict[str, Any] = {}
    scope: Scope = {"type": "lifespan", "asgi": dict(parent_scope.get("asgi", {})), "state": state}
    to_app, app_inbox = anyio.create_memory_object_stream[Message](1)
    app_outbox, from_app = anyio.create_memory_object_stream[Message](1)

    async def run() -> None:
        async with app_outbox:
            try:
                await app(scope, app_inbox.receive, app_outbox.send)
            except Exception:  # an unsupported lifespan, or the failure it already reported
                pass

    async with create_collapsing_task_group() as task_group, to_app, from_app, app_inbox:
        task_group.start_soon(run)
        await to_app.send({"type": "lifespan.startup"})
        reply = await _reply(from_app)
        if reply is None:
            yield state
            return
        if reply["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"The startup of {label} failed: {reply.get('message', '')}")
        try:
            yield state
        finally:
            await to_app.send({"type": "lifespan.shutdown"})
            _check_shutdown(label, await _reply(from_app))


def _check_shutdown(label: str, reply: Message | None) -> None:
    """Raise if the app answered `lifespan.shutdown` with a failure (`None`: it returned without a word)."""
    if reply is not None and reply["type"] != "lifespan.shutdown.complete":
        raise RuntimeError(f"The shutdown of {label} failed: {reply.get('message', '')}")


async def _reply(messages: anyio.abc.ObjectReceiveStream[Message]) -> Message | None:
    """The app's next message, or `None` once it has returned."""
    try:
        return await messages.receive()
    except anyio.EndOfStream:
        return None
