from __future__ import annotations

import pytest

from starlette._cache import BoundedCache


def test_bounded_cache_never_holds_more_than_its_size() -> None:
    cache: BoundedCache[int, str] = BoundedCache(3)
    for key in range(10):
        assert cache.put(key, str(key)) == str(key)
        assert len(cache) <= 3
    assert dict(cache) == {7: "7", 8: "8", 9: "9"}
    assert cache.get(0) is None


def test_bounded_cache_replacing_a_key_keeps_the_others() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)
    assert dict(cache) == {"a": 3, "b": 2}


def test_bounded_cache_needs_a_positive_size() -> None:
    with pytest.raises(ValueError, match="positive size, not 0"):
        BoundedCache[str, str](0)
