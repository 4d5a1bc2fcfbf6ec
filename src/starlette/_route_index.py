"""The router's index: which routes may match a path, found without asking every route.

`RouteIndex` is a trie over the leading path segments of a snapshot of a
router's routes; `RouteList` is the list behind `Router.routes`, which tells the
router in O(1) when that snapshot is stale. What a route looks like to the
index (its segments, and how the router calls it) is described by
`starlette.routing`, which owns the route classes.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterable
from typing import Any, Generic, SupportsIndex, TypeVar, cast, overload

from typing_extensions import Self

from starlette._cache import BoundedCache
from starlette.convertors import Convertor

__all__ = ["CACHED_PATH_LENGTH", "CACHE_SIZE", "FORMAT_PARAM", "RouteIndex", "RouteList", "path_segments"]

R = TypeVar("R")
E = TypeVar("E")


# Routers (candidate routes) and routes (converted parameters) remember per path, for paths up to
# this length, in bounded caches: bounded memory whatever paths clients send.
CACHED_PATH_LENGTH = 200
CACHE_SIZE = 1024

# Convertor regexes known to match within one path segment (never a `/`).
_SINGLE_SEGMENT_REGEXES = frozenset(
    {
        "[^/]+",
        "[0-9]+",
        r"[0-9]+(\.[0-9]+)?",
        "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    }
)


# A placeholder of a path format (the template without its convertor names).
FORMAT_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)}")

# Routers with this many routes or fewer are scanned in order, without walking the trie.
SCAN_LIMIT = 4

_versions = itertools.count(1)


class RouteList(list[R], Generic[R]):
    """The list behind `Router.routes`: a plain list that records every change.

    Each mutation takes a new, never reused `version`, which is how the router
    notices in O(1) that its index is stale.
    """

    __slots__ = ("version",)

    def __init__(self, routes: Iterable[R] = ()) -> None:
        super().__init__(routes)
        self.version = next(_versions)

    def _changed(self) -> None:
        self.version = next(_versions)

    def append(self, route: R, /) -> None:
        super().append(route)
        self._changed()

    def extend(self, routes: Iterable[R], /) -> None:
        super().extend(routes)
        self._changed()

    def insert(self, index: SupportsIndex, route: R, /) -> None:
        super().insert(index, route)
        self._changed()

    def pop(self, index: SupportsIndex = -1, /) -> R:
        route = super().pop(index)
        self._changed()
        return route

    def remove(self, route: R, /) -> None:
        super().remove(route)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def reverse(self) -> None:
        super().reverse()
        self._changed()

    def sort(self, *, key: Callable[[R], Any] | None = None, reverse: bool = False) -> None:
        # `None` is accepted at runtime; routes themselves are not orderable, so a key is needed in practice.
        super().sort(key=cast("Callable[[R], Any]", key), reverse=reverse)
        self._changed()

    @overload
    def __setitem__(self, index: SupportsIndex, route: R, /) -> None: ...

    @overload
    def __setitem__(self, index: slice, routes: Iterable[R], /) -> None: ...

    def __setitem__(self, index: SupportsIndex | slice, value: Any, /) -> None:
        super().__setitem__(index, value)
        self._changed()

    def __delitem__(self, index: SupportsIndex | slice, /) -> None:
        super().__delitem__(index)
        self._changed()

    def _extend_in_place(self, routes: Iterable[R], /) -> Self:
        super().__iadd__(routes)
        self._changed()
        return self

    # Assigned rather than defined: mypy reports a `def __iadd__` in a list subclass
    # as incompatible with `list.__add__`, although it is the signature `list` has.
    __iadd__ = _extend_in_place

    def __imul__(self, count: SupportsIndex, /) -> Self:
        super().__imul__(count)
        self._changed()
        return self


_UNTRACKED: RouteList[Any] = RouteList()
"""Stands for "no tracked list" in a `RouteIndex` built over a plain list (never routed with)."""


def path_segments(path_format: str, convertors: dict[str, object]) -> tuple[list[str | None], bool]:
    """The leading segments of the paths a `/`-rooted path format matches, for the index.

    `None` stands for any one segment; the flag tells whether only paths with
    exactly those segments match (`True`) or longer ones too (`False`, from the
    first parameter whose convertor may match across a `/`).
    """
    segments: list[str | None] = []
    for text in path_format[1:].split("/"):
        if "{" not in text:
            segments.append(text)
            continue
        for name in FORMAT_PARAM.findall(text):
            convertor = convertors.get(name)
            if not isinstance(convertor, Convertor) or convertor.regex not in _SINGLE_SEGMENT_REGEXES:
                return segments, False
        segments.append(None)
    return segments, True


class _Node:
    """One level of the segment trie."""

    __slots__ = ("ending", "literal", "passing", "wildcard")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.wildcard: _Node | None = None
        # Positions of routes matching paths that end at this node / that go through it.
        self.ending: list[int] = []
        self.passing: list[int] = []

    def child(self, segment: str | None) -> _Node:
        """The node for `segment` below this one (created on first use)."""
        if segment is None:
            if self.wildcard is None:
                self.wildcard = _Node()
            return self.wildcard
        node = self.literal.get(segment)
        if node is None:
            node = self.literal[segment] = _Node()
        return node


class RouteIndex(Generic[R, E]):
    """A segment trie over a snapshot of a router's routes.

    `candidates(path)` returns, in their original order, the entries (what
    `describe` made of each route) of every route whose `matches` may return
    something other than `Match.NONE` for `path`: the routes it leaves out are
    exactly routes whose path regex cannot match, as `shape` tells (segments,
    `None` for any one segment, and whether longer paths match too; `None` for
    a route that must always be asked). Small routers skip the trie.
    """

    __slots__ = ("_cache", "_depth", "_root", "_snapshot", "entries", "scan", "source", "tracked", "version")

    def __init__(
        self, routes: list[R], describe: Callable[[R], E], shape: Callable[[R], tuple[list[str | None], bool] | None]
    ) -> None:
        self.source = routes
        # `tracked` is the router's own list, whose `version` tells about changes in O(1); a plain
        # list assigned by the user is compared route by route with `_snapshot` instead.
        self.tracked = routes if isinstance(routes, RouteList) else _UNTRACKED
        self.version = self.tracked.version
        snapshot = tuple(routes)
        self._snapshot = snapshot
        self.entries: tuple[E, ...] = tuple(describe(route) for route in snapshot)
        self.scan = len(snapshot) <= SCAN_LIMIT
        self._cache: BoundedCache[str, tuple[E, ...]] = BoundedCache(CACHE_SIZE)
        self._root = _Node()
        self._depth = 0  # of the deepest node: later segments never change the walk
        if self.scan:
            return
        for position, route in enumerate(snapshot):
            found = shape(route)
            if found is None:
                self._root.passing.append(position)
                continue
            segments, exact = found
            self._depth = max(self._depth, len(segments))
            node = self._root
            for segment in segments:
                node = node.child(segment)
            (node.ending if exact else node.passing).append(position)

    def is_current(self, routes: list[R]) -> bool:
        """Whether the index still describes `routes`."""
        if routes is not self.source:
            return False
        if self.tracked is routes:
            return self.tracked.version == self.version
        snapshot = self._snapshot
        return len(routes) == len(snapshot) and all(
            map(operator.is_, routes, snapshot)  # identity, not `==`: equal routes may differ
        )

    def candidates(self, path: str) -> tuple[E, ...]:
        """The routes that may match `path`, in routing order (remembered for short paths)."""
        if self.scan:
            return self.entries
        found = self._cache.get(path)
        if found is None:
            found = self._find(path)
            if len(path) <= CACHED_PATH_LENGTH:
                self._cache.put(path, found)
        return found

    def _find(self, path: str) -> tuple[E, ...]:
        """Walk the trie along the segments of `path`, collecting the routes met."""
        if path.endswith("\n"):
            # `$` in the path regexes also matches before a final newline: ask everyone.
            return self.entries
        hits: list[int] = []
        if path.startswith("/"):
            nodes = [self._root]
            # At most one segment beyond the deepest node is needed (it ends the walk), so the
            # rest of a long path stays unsplit.
            for segment in path[1:].split("/", self._depth):
                following: list[_Node] = []
                for node in nodes:
                    hits += node.passing
                    child = node.literal.get(segment)
                    if child is not None:
                        following.append(child)
                    if node.wildcard is not None:
                        following.append(node.wildcard)
                nodes = following
                if not nodes:
                    break
            for node in nodes:
                hits += node.passing
                hits += node.ending
            hits.sort()
        else:  # indexed routes all start with `/`
            hits = self._root.passing
        entries = self.entries
        return tuple([entries[position] for position in hits])
