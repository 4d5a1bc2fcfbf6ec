"""What a route remembers to match request paths quickly.

A parameter-free route path is compared as a string (`LiteralPath`); the
converted parameters of a path with parameters are remembered per path
(`ParamsCache`). Both remember the regex they stand for, so that a route whose
`path_regex` is replaced after construction goes back to its regex.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette._cache import BoundedCache
from starlette._route_index import CACHE_SIZE, CACHED_PATH_LENGTH
from starlette._utils import is_original
from starlette.convertors import (
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
    convert_path_params,
)
from starlette.types import Scope

__all__ = [
    "UNMATCHED",
    "LiteralPath",
    "ParamsCache",
    "converted_params",
    "matched_params",
    "matches_before_newline",
    "merged_params",
    "path_params_of",
]


class LiteralPath:
    """The text a parameter-free route path matches (or a mount prefix starts), and the regex it stands for.

    The regex is kept to notice a `path_regex` replaced after construction, in
    which case the route goes back to matching with its regex. For a mount,
    `path` is the prefix followed by `/` and `prefix` the prefix alone.
    """

    __slots__ = ("path", "prefix", "regex")

    def __init__(self, path: str, regex: re.Pattern[str], prefix: str = "") -> None:
        self.path = path
        self.regex = regex
        self.prefix = prefix


# The built-in conversions: each converts a given text to the same immutable value every time.
_PURE_CONVERTS = frozenset(
    convertor.convert for convertor in (StringConvertor, PathConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)
)

UNMATCHED: dict[str, Any] = {}
"""What `ParamsCache.convert` gives for a path the regex does not match (by identity)."""


class ParamsCache:
    """The converted parameters of the paths a route's regex matched (and the paths it did not).

    Made for one `path_regex` and `param_convertors` pair (the route makes a new
    one if either is replaced). Paths are remembered only while every convertor's
    class still has a built-in `convert` (`is_pure`, asked on every use, so a
    patched `convert` runs), so that a remembered conversion is the conversion;
    the dicts it holds are never handed out, only copies. Bounded: paths up to
    `CACHED_PATH_LENGTH` characters, in a `BoundedCache`.
    """

    __slots__ = ("convertors", "converts", "known", "regex")

    def __init__(self, regex: re.Pattern[str], convertors: dict[str, Convertor[Any]]) -> None:
        self.regex = regex
        self.convertors = convertors
        # `None` when some convertor is not a built-in one: nothing is ever remembered.
        converts = tuple((type(convertor), type(convertor).convert) for convertor in convertors.values())
        pure = all(convert in _PURE_CONVERTS for _, convert in converts)
        self.converts = converts if pure else None
        self.known: BoundedCache[str, dict[str, Any]] = BoundedCache(CACHE_SIZE)

    def is_pure(self) -> bool:
        """Whether every convertor still converts with its built-in `convert` (no patch, asked now)."""
        converts = self.converts
        return converts is not None and all(is_original(owner, "convert", convert) for owner, convert in converts)

    def convert(self, route_path: str) -> dict[str, Any]:
        """Match `route_path` and convert the captured parameters; `UNMATCHED` if it does not match."""
        match = self.regex.match(route_path)
        converted = UNMATCHED
        if match is not None:
            converted = match.groupdict()
            if not convert_path_params(self.convertors, converted):
                converted = UNMATCHED
        if len(route_path) <= CACHED_PATH_LENGTH and self.is_pure():
            self.known.put(route_path, converted)
        return converted


def matches_before_newline(regex: re.Pattern[str], route_path: str) -> bool:
    """Whether a literal path `regex` matches `route_path` because `$` also matches before a final newline."""
    return route_path[-1:] == "\n" and regex.match(route_path) is not None


def matched_params(match: re.Match[str], param_convertors: Mapping[str, Convertor[Any]]) -> dict[str, Any] | None:
    """Convert the text captured for each parameter; `None` if one does not convert (no match)."""
    captured: dict[str, Any] = match.groupdict()
    return captured if convert_path_params(param_convertors, captured) else None


def converted_params(
    match: re.Match[str], param_convertors: Mapping[str, Convertor[Any]], earlier: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The `earlier` path parameters (a copy) updated with the converted captures of `match` (`None`: no match)."""
    captured = matched_params(match, param_convertors)
    return {**earlier, **captured} if earlier and captured is not None else captured


def merged_params(scope: Scope, matched: dict[str, Any]) -> dict[str, Any]:
    """The scope's earlier `path_params` updated with `matched` (a new dict; `matched` itself if none)."""
    earlier: Mapping[str, Any] | None = scope.get("path_params")
    if not earlier:
        return matched
    return {**earlier, **matched}


def path_params_of(
    literal: LiteralPath | None,
    regex: re.Pattern[str],
    param_convertors: Mapping[str, Convertor[Any]],
    scope: Scope,
    route_path: str,
) -> dict[str, Any] | None:
    """The `path_params` of `scope` once a route matched `route_path`; `None` if it does not match.

    `literal` is the route's `LiteralPath` (used while its regex is still the
    route's `regex`). `Route._enter` takes the same steps, with its converted
    parameters remembered per path.
    """
    if literal is not None and literal.regex is regex:
        if route_path != literal.path and not matches_before_newline(literal.regex, route_path):
            return None
        # The scope's own dict is reused: routes never change it, they build new ones.
        path_params: dict[str, Any] | None = scope.get("path_params")
        return {} if path_params is None else path_params
    match = regex.match(route_path)
    if match is None:
        return None
    return converted_params(match, param_convertors, scope.get("path_params"))
