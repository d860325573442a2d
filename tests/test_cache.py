"""The parse cache (``cache.Cache``): cables stored by unit, read back one by one or many at once."""

from __future__ import annotations

import pickle
from pathlib import Path

from generator.cache import Cache
from generator.model import Cable


def _stored(root: Path) -> Cache:
    cache = Cache(root)
    cache.store_many([
        ("unit-a", [pickle.dumps(Cable(id=f"07USNATO{i}", subject=f"S{i}")) for i in range(3)], []),
        ("unit-b", [pickle.dumps(Cable(id="09BRASILIA34", body="1. (C) Text."))], []),
    ])
    return cache


def test_load_many_gives_what_load_one_gives_in_the_order_asked(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    wanted = [("unit-b", 0), ("unit-a", 2), ("unit-a", 0), ("unit-a", 2)]
    got = cache.load_many(wanted)
    assert [c.id for c in got] == ["09BRASILIA34", "07USNATO2", "07USNATO0", "07USNATO2"]
    assert got == [cache.load_one(u, i) for u, i in wanted]
    assert cache.load_many([("unit-a", 1)]) == [cache.load_one("unit-a", 1)]  # the last query's rows are gone


def test_load_many_says_none_for_what_the_cache_lacks(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    assert [c and c.id for c in cache.load_many([("unit-a", 5), ("unit-c", 0), ("unit-a", 1)])] == \
        [None, None, "07USNATO1"]
    assert cache.load_many([]) == []


def test_load_many_on_a_damaged_cache_says_none(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    with cache._connect() as db:
        db.execute("UPDATE cables SET data = ? WHERE unit = 'unit-a' AND idx = 1", (b"not a pickle",))
    assert cache.load_many([("unit-a", 0), ("unit-a", 1)]) == [None, None]
