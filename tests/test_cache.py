"""The parse cache (``cache.Cache``): cables stored by unit, read back one by one or many at once."""

from __future__ import annotations

import pickle
from pathlib import Path

from conftest import REPO

from generator.archive import unit_key
from generator.cache import Cache
from generator.config import Config
from generator.model import Cable
from generator.views import SiteInfo
from generator.workers import Pool, parse_units


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


def test_present_says_which_keys_the_cache_holds(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    assert cache.present(["unit-b", "unit-c", "unit-a"]) == {"unit-a", "unit-b"}
    assert cache.present([]) == set()
    cache.close()
    (tmp_path / "parsed.sqlite").write_bytes(b"not a database at all" * 100)
    assert Cache(tmp_path).present(["unit-a"]) == set()  # a damaged cache holds nothing


SEED = REPO / "content" / "cables" / "07USNATO577.txt"


def test_a_parse_batch_takes_cached_units_parses_the_others_and_reports_unreadable_files(tmp_path: Path) -> None:
    """``workers.parse_units``: one query finds the units the cache holds; those are
    unpickled, not parsed again; the others are parsed and cached; a file that cannot be
    read is a diagnostic; a unit the build record holds (``known``) is not sent back."""
    content = tmp_path / "content"
    content.mkdir()
    data = SEED.read_bytes()
    for name in ("a.txt", "b.txt", "c.txt"):
        (content / name).write_bytes(data)
    root = tmp_path / "cache"
    with Pool(1, (Config(), SiteInfo("t", ""), tmp_path / "site", root)) as pool:
        key_a = unit_key("a.txt", data)
        doctored = Cable(id="07USNATO577", subject="FROM THE CACHE")
        pool.cache.store_many([(key_a, [pickle.dumps(doctored)], [])])
        tasks = [(str(content / name), name, 0, -1, frozenset(known)) for name, known in
                 (("a.txt", ()), ("b.txt", ()), ("gone.txt", ()), ("c.txt", {unit_key("c.txt", data)}))]
        a, b, gone, c = parse_units(tasks)
        assert [e.subject for e in a.entries] == ["FROM THE CACHE"]
        assert [e.subject for e in b.entries] == ["NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER"]
        assert pool.cache.present([b.key]) == {b.key}  # cached for the next build
        assert gone.key == "" and "cannot read" in gone.diagnostics[0].message
        assert c.known and c.entries == [] and c.key == unit_key("c.txt", data)
