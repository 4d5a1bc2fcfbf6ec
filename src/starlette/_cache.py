"""The one bounded cache behind every memo in the package.

A `BoundedCache` is a `dict` that never holds more than `maxsize` entries:
`put` drops the oldest entry (first in, first out) to make room. Lookups are
plain `dict.get` calls, so a hit costs what a dictionary lookup costs. Callers
cache only values derived from their key alone, so a dropped entry is simply
computed again.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["BoundedCache"]

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V], Generic[K, V]):
    """A dictionary of at most `maxsize` entries, dropping the oldest first when full.

    Raises:
        ValueError: if `maxsize` is not positive.
    """

    __slots__ = ("maxsize",)

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"A bounded cache needs a positive size, not {maxsize}.")
        super().__init__()
        self.maxsize = maxsize

    def put(self, key: K, value: V) -> V:
        """Remember `value` under `key`, dropping the oldest entry if the cache is full; returns `value`."""
        if key not in self and len(self) >= self.maxsize:
            del self[next(iter(self))]
        self[key] = value
        return value
