"""The build record (``generator/record.py``) reads back as it was saved, in less memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import record
from generator.archive import Entry
from generator.model import WARNING, Diagnostic


def _entry(i: int, tags: tuple[str, ...]) -> Entry:
    return Entry(id=f"09ROME{i}", created=f"2009-01-0{i % 9 + 1}", subject=f"S{i}",
                 origin="".join(["Embassy ", "Rome"]), classification="".join(["SECR", "ET"]), tags=tags,
                 ref_ids=(), unit=f"u{i:02d}", index=0, source=f"{i}.txt", line=0, editable=False, partial=False,
                 size=i, digest=bytes([i]), href=f"cable/{i}.html", row_digest=bytes([i, i]))


def test_units_read_back_as_saved_with_equal_tags_one_object(tmp_path: Path) -> None:
    units = {}
    for i in range(40):  # each entry with tag strings of its own, as the workers' parses come
        tags = tuple("".join([t[:1], t[1:]]) for t in ("PREL", "PGOV", f"K{i % 3}"))
        diags = [Diagnostic(f"{i}.txt", 3, WARNING, "odd")] if i % 7 == 0 else []
        units[f"{i % 4}{i % 3}{i}"] = ([_entry(i, tags)], diags)
    manifest = record.Manifest(code="c1", units=units)
    record.save(tmp_path, manifest, {})
    back = record.read(tmp_path)
    assert back.units == units
    assert all(isinstance(e, Entry) for es, _ in back.units.values() for e in es)
    shards: dict[str, list[Entry]] = {}  # the units of a shard are pickled together
    for key, (es, _) in back.units.items():
        shards.setdefault(key[:2], []).extend(es)
    assert max(map(len, shards.values())) >= 4
    for entries in shards.values():
        assert len({id(e.origin) for e in entries}) == 1 and len({id(e.classification) for e in entries}) == 1
        assert len({id(t) for e in entries for t in e.tags if t == "PREL"}) == 1
        assert len({id(e.tags) for e in entries}) == len({e.tags for e in entries})


def test_a_save_after_a_few_changes_rewrites_their_shards_with_every_unit_of_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit's save makes each changed shard from its file and the units that came: read back,
    the record is the build's; also when a shard is new, or its file was lost (then every unit
    is looked at)."""
    units = {f"{i % 5}{i % 2}{i}": ([_entry(i, ("PREL",))], []) for i in range(60)}
    record.save(tmp_path, record.Manifest(code="c1", units=units), {})
    now = dict(units)
    del now["0010"]  # a unit gone from shard 00, one come to it
    now["00new"] = ([_entry(70, ("PGOV",))], [])
    edited = next(k for k in units if k.startswith("11"))  # an edited file: its unit under a new key
    now["11edited"] = ([now.pop(edited)[0][0]._replace(subject="EDITED")], [])
    passes = []
    monkeypatch.setattr(record, "_read_shard", _spy(record._read_shard, passes))
    record.save(tmp_path, record.Manifest(code="c1", units=now), units)
    assert sorted(passes) == ["00.pickle", "11.pickle"]  # from their files
    assert record.read(tmp_path).units == now
    later = {**now, "77new": ([_entry(71, ())], [])}  # a shard that was not
    record.save(tmp_path, record.Manifest(code="c1", units=later), now)
    assert record.read(tmp_path).units == later
    (tmp_path / record.UNITS / "00.pickle").write_bytes(b"lost")
    last = {**later, "00more": ([_entry(73, ())], [])}
    record.save(tmp_path, record.Manifest(code="c1", units=last), later)
    assert record.read(tmp_path).units == last


def _spy(fn, calls: list[str]):
    def spied(path: Path, code: str):
        calls.append(path.name)
        return fn(path, code)
    return spied


def _record(n: int) -> record.Manifest:
    return record.Manifest(code="c1", fingerprint="f", files={f"{i}.txt": (i, i, f"u{i}") for i in range(n)},
                           pages={f"p{i}.html": bytes([i % 256]) for i in range(n)},
                           listings={"tag/A": (b"s", b"f", 1, ())}, search_key="k1")


def test_a_few_changes_are_saved_as_a_journal_that_reads_back_as_the_whole_record(tmp_path: Path) -> None:
    first = _record(50)
    record.save(tmp_path, first, {})
    manifest_bytes = (tmp_path / record.MANIFEST).read_bytes()
    assert not (tmp_path / record.JOURNAL).exists()
    since = record.read(tmp_path)
    for step in range(3):  # each save adds to the journal of the same MANIFEST
        new = record.Manifest(code="c1", fingerprint="f", files=dict(since.files), pages=dict(since.pages),
                              listings=dict(since.listings), search_key=f"k{step + 2}")
        new.files[f"{step}.txt"] = (99, 99, f"v{step}")  # edited
        del new.files[f"{10 + step}.txt"]  # deleted
        new.files[f"new{step}.txt"] = (1, 1, f"n{step}")  # added
        new.pages[f"p{step}.html"] = b"changed"
        del new.pages[f"p{20 + step}.html"]
        new.listings["tag/B"] = (b"t", b"g", 2, ())
        touched = {"files": [f"{step}.txt", f"{10 + step}.txt", f"new{step}.txt"],
                   "pages": [f"p{step}.html", f"p{20 + step}.html"]} if step != 1 else {}  # step 1: compared whole
        record.save(tmp_path, new, {}, since=since, touched=touched)
        assert (tmp_path / record.MANIFEST).read_bytes() == manifest_bytes
        back = record.read(tmp_path)
        assert (back.files, back.pages, back.listings, back.search_key) == \
            (new.files, new.pages, new.listings, new.search_key)
        since = back
    # a new MANIFEST (a full build, or a journal past its limit): an old journal is not applied to it
    old_journal = (tmp_path / record.JOURNAL).read_bytes()
    record.save(tmp_path, _record(5), {})
    assert not (tmp_path / record.JOURNAL).exists()
    (tmp_path / record.JOURNAL).write_bytes(old_journal)
    assert record.read(tmp_path) == _record(5)


def test_a_journal_past_its_limit_is_folded_into_a_new_manifest(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    record.save(tmp_path, _record(50), {})
    since = record.read(tmp_path)
    monkeypatch.setattr(record, "JOURNAL_LIMIT", 3)
    new = _record(50)
    new.pages.update({f"p{i}.html": b"x" for i in range(4)})
    record.save(tmp_path, new, {}, since=since, touched={"files": [], "pages": [f"p{i}.html" for i in range(4)]})
    assert not (tmp_path / record.JOURNAL).exists()
    assert record.read(tmp_path) == new


def test_a_record_marked_pending_is_not_read_until_saved(tmp_path: Path) -> None:
    """Between the first change to the output and the save, the record says nothing true."""
    record.save(tmp_path, _record(5), {})
    since = record.read(tmp_path)
    record.invalidate(tmp_path)
    assert not record.exists(tmp_path) and record.read(tmp_path) == record.Manifest()
    new = _record(5)
    new.pages["p0.html"] = b"new"
    record.save(tmp_path, new, {}, since=since, touched={"files": [], "pages": ["p0.html"]})
    assert record.exists(tmp_path) and record.read(tmp_path) == new


def test_a_damaged_journal_makes_no_record_not_a_wrong_one(tmp_path: Path) -> None:
    record.save(tmp_path, _record(5), {})
    since = record.read(tmp_path)
    new = _record(5)
    new.pages["p1.html"] = b"new"
    record.save(tmp_path, new, {}, since=since, touched={"files": [], "pages": ["p1.html"]})
    journal = (tmp_path / record.JOURNAL).read_bytes()
    for damaged in (journal[: len(journal) // 2], journal[:40] + b"\0" * (len(journal) - 40)):
        (tmp_path / record.JOURNAL).write_bytes(damaged)
        assert record.read(tmp_path) == record.Manifest()
    (tmp_path / record.JOURNAL).write_bytes(journal)
    assert record.read(tmp_path) == new


def test_saved_index_lists_read_as_the_lists_they_stand_for() -> None:
    """``archive.Ids``: the index's lists split when first read; everything a build asks of
    a list (length, a feed's head, a page's slice, a position, iteration, a pickle for a
    worker) gives what the list itself gives."""
    import pickle

    from generator.archive import Ids

    for ids in ([], ["07ROME1"], [f"0{i % 10}PARIS{i}" for i in range(2500)]):
        lazy = Ids("\0".join(ids), "\0", len(ids))
        assert len(lazy) == len(ids)
        for n in (0, 1, 10, 100, 999, 5000):
            assert lazy[:n] == ids[:n]
        assert lazy._list is None  # no split yet: a length and heads need none
        assert lazy[100:200] == ids[100:200] and list(lazy) == ids and lazy == ids and lazy == Ids("\0".join(ids), "\0", len(ids))
        if ids:
            assert lazy[-1] == ids[-1] and lazy.index(ids[-1]) == len(ids) - 1 and ids[0] in lazy
            assert lazy.index(ids[0], 1, len(ids)) if ids.count(ids[0]) > 1 else True
        again = pickle.loads(pickle.dumps(lazy))
        assert type(again) is list and again == ids
