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


def test_a_damaged_pickle_or_pack_is_taken_as_missing(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    with cache._connect() as db:
        pack, offset = db.execute("SELECT pack, offset FROM cables WHERE unit = 'unit-a' AND idx = 1").fetchone()
    with open(tmp_path / "packs" / f"{pack}.pack", "r+b") as f:
        f.seek(offset)
        f.write(b"not a pickle")
    assert [c and c.id for c in cache.load_many([("unit-a", 0), ("unit-a", 1), ("unit-b", 0)])] == \
        ["07USNATO0", None, "09BRASILIA34"]
    assert cache.load_one("unit-a", 1) is None
    assert cache.load("unit-b") is not None
    cache.close()
    fresh = Cache(tmp_path)
    (tmp_path / "packs" / f"{pack}.pack").write_bytes(b"cut")  # truncated: every cable in it is missing
    assert fresh.load_many([("unit-a", 0), ("unit-b", 0)]) == [None, None]
    assert fresh.load("unit-a") is None
    assert fresh.present(["unit-a"]) == {"unit-a"}  # still listed: load() says None, and the unit is parsed again


def test_each_writer_appends_to_a_pack_of_its_own(tmp_path: Path) -> None:
    """Two processes (two Cache objects) write at once: each its own pack, and every cable
    reads back from a third."""
    one, two = Cache(tmp_path), Cache(tmp_path)
    for i in range(3):
        one.store_many([(f"one-{i}", [pickle.dumps(Cable(id=f"ONE{i}", body="x" * 1000 * i))], [])])
        two.store_many([(f"two-{i}", [pickle.dumps(Cable(id=f"TWO{i}", body="y" * 700 * i))], [])])
    assert len(list((tmp_path / "packs").iterdir())) == 2
    reader = Cache(tmp_path)
    got = reader.load_many([(f"{w}-{i}", 0) for w in ("one", "two") for i in range(3)])
    assert [(c.id, len(c.body)) for c in got] == [
        ("ONE0", 0), ("ONE1", 1000), ("ONE2", 2000), ("TWO0", 0), ("TWO1", 700), ("TWO2", 1400)]


def test_forget_deletes_a_pack_left_empty_and_rewrites_one_mostly_dead(tmp_path: Path) -> None:
    old = Cache(tmp_path)  # an earlier build's writer
    old.store_many([("gone", [pickle.dumps(Cable(id="GONE", body="g" * 5000))], [])])
    old.store_many([("big", [pickle.dumps(Cable(id="BIG", body="b" * 9000))], []),
                    ("small", [pickle.dumps(Cable(id="SMALL", body="s"))], [])])
    old.close()
    assert len(list((tmp_path / "packs").iterdir())) == 1
    main = Cache(tmp_path)  # this build's main process
    main.forget(["gone", "big"])  # what is left fills a tiny part of the pack: moved to a new one
    packs = list((tmp_path / "packs").iterdir())
    assert len(packs) == 1 and packs[0].stat().st_size < 1000
    assert main.load_one("small", 0).body == "s"
    assert main.load_many([("big", 0), ("gone", 0)]) == [None, None]
    main.close()
    third = Cache(tmp_path)
    third.forget(["small"])  # the last cable of that pack: the pack goes
    assert list((tmp_path / "packs").iterdir()) == []


def test_tidy_merges_many_small_packs_and_drops_unknown_files(tmp_path: Path) -> None:
    from generator.cache import SMALL_PACKS

    for i in range(SMALL_PACKS + 3):  # a server's edits: a new process, a small pack, each time
        writer = Cache(tmp_path)
        writer.store_many([(f"edit-{i}", [pickle.dumps(Cable(id=f"E{i}", subject=f"edit {i}"))], [])])
        writer.close()
    (tmp_path / "packs" / "999.pack").write_bytes(b"left by a build that was stopped")
    main = Cache(tmp_path)
    main.tidy()
    assert len(list((tmp_path / "packs").iterdir())) == 1
    assert [c.subject for c in main.load_many([(f"edit-{i}", 0) for i in range(SMALL_PACKS + 3)])] == \
        [f"edit {i}" for i in range(SMALL_PACKS + 3)]
    main.tidy()  # few packs: nothing to do
    assert len(list((tmp_path / "packs").iterdir())) == 1


def test_present_says_which_keys_the_cache_holds(tmp_path: Path) -> None:
    cache = _stored(tmp_path)
    assert cache.present(["unit-b", "unit-c", "unit-a"]) == {"unit-a", "unit-b"}
    assert cache.present([]) == set()
    cache.close()
    (tmp_path / "cache.sqlite").write_bytes(b"not a database at all" * 100)
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


def test_a_unit_of_more_cables_than_one_write_takes_reads_back_whole(tmp_path: Path) -> None:
    """A CSV unit of 1,500 rows: its pickles go to the pack in several writes (1,024 at most each)."""
    cache = Cache(tmp_path)
    cache.store_many([("csv@0", [pickle.dumps(Cable(id=f"07ROME{i}", body="r" * (i % 97))) for i in range(1500)],
                       [])])
    got = Cache(tmp_path).load_many([("csv@0", i) for i in (0, 1023, 1024, 1499)])
    assert [(c.id, len(c.body)) for c in got] == [("07ROME0", 0), ("07ROME1023", 1023 % 97),
                                                  ("07ROME1024", 1024 % 97), ("07ROME1499", 1499 % 97)]
