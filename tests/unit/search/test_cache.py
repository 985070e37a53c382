"""The answer cache: bounded, one generation at a time, never serving an older one."""

from __future__ import annotations

from datetime import datetime

from search.backend import TZ
from service.search.cache import AnswerCache, minute_of


def test_an_answer_is_served_only_for_its_generation() -> None:
    cache = AnswerCache()
    cache.put(3, "q=colis", "answer")
    assert cache.get(3, "q=colis") == "answer"
    assert cache.get(4, "q=colis") is None
    cache.put(4, "q=dettes", "newer")
    assert cache.get(3, "q=colis") is None  # a newer generation drops the older entries
    cache.put(3, "q=colis", "late")  # computed before the write was seen: not kept
    assert cache.get(4, "q=colis") is None and len(cache) == 1


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = AnswerCache(max_entries=2)
    cache.put(1, "a", 1)
    cache.put(1, "b", 2)
    assert cache.get(1, "a") == 1
    cache.put(1, "c", 3)
    assert cache.get(1, "b") is None and cache.get(1, "a") == 1 and cache.get(1, "c") == 3
    cache.clear()
    assert len(cache) == 0 and cache.get(1, "a") is None


def test_moments_of_one_minute_share_a_key() -> None:
    first = datetime(2026, 12, 7, 10, 0, 0, tzinfo=TZ)
    assert minute_of(first) == minute_of(first.replace(second=59, microsecond=999_999))
    assert minute_of(first) != minute_of(first.replace(minute=1))
