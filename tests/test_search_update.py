"""An edit patches the search index (``search/update.py``) and gives the bytes of a clean build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import need_corpus

from generator import searchplan
from generator.build import build
from generator.config import Config
from generator.search import index, partials


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def small_index(monkeypatch: pytest.MonkeyPatch):
    """Batches of 16 cables on average and shards of 2 kB: a 120-cable site has several
    batches and split shards. Gives the number of batches each index made again had."""
    monkeypatch.setattr(searchplan, "SEARCH_BATCH", 16)
    monkeypatch.setattr(index, "SHARD_BYTES", 2000)
    calls: list[int] = []
    start = searchplan.start

    def spy(pool, batches, keys, mode, progress, jobs=None, which=None):
        if pool.cache.root.name == ".out.cache":  # the site under test, not the clean builds
            calls.append(len(which) if which is not None else len(keys))  # batches indexed
        return start(pool, batches, keys, mode, progress, jobs, which)

    monkeypatch.setattr(searchplan, "start", spy)
    return calls


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each index made again was patched in its batches' ranges (``put_ranged``)."""
    made: list[bool] = []
    put_ranged = searchplan.put_ranged

    def spy(*args, **kwargs):
        done = put_ranged(*args, **kwargs)
        made.append(done is not None)
        return done

    monkeypatch.setattr(searchplan, "put_ranged", spy)
    return made


def _content(tmp_path: Path) -> list[Path]:
    corpus = need_corpus() / "cablegate-text"
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted(corpus.glob("09*.txt"))[:120]:
        shutil.copy(path, content / path.name)
    return sorted(content.iterdir())


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _same_as_clean(tmp_path: Path, out: Path, name: str) -> None:
    clean = tmp_path / name
    build(tmp_path / "content", clean, Config(), jobs=1)
    assert tree(out) == tree(clean)


def test_edits_patch_the_index_and_equal_a_clean_build(tmp_path: Path, small_index: list[int]) -> None:
    files = _content(tmp_path)
    out = tmp_path / "out"
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 1
    shards_before = {p.name for p in (out / "search" / "t").rglob("*.js")}

    # a subject with new words (a new term, and a term's shard grown past its limit), in one batch
    _edit(files[5], "SUBJECT:", "SUBJECT: ZYXWVUT QUOKKA QUOKKAS " + "ABCDEFG " * 3)
    result = build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 1, "the index was remade, not patched"
    assert 0 < result.written < 40
    _same_as_clean(tmp_path, out, "clean1")

    # body words removed in one cable and added in a cable of another batch
    body = files[40].read_text(encoding="utf-8")
    _edit(files[40], "1. ", "1. QUOKKA POTOROO ")
    _edit(files[5], "ZYXWVUT QUOKKA QUOKKAS ", "")
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 1
    _same_as_clean(tmp_path, out, "clean2")

    # back to the start: the terms added are gone from every shard
    files[40].write_text(body, encoding="utf-8")
    _edit(files[5], "ABCDEFG " * 3, "")
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 1
    assert {p.name for p in (out / "search" / "t").rglob("*.js")} == shards_before
    _same_as_clean(tmp_path, out, "clean3")


def test_a_new_tag_or_a_cable_fewer_indexes_its_batch_again(tmp_path: Path, small_index: list[int]) -> None:
    files = _content(tmp_path)
    out = tmp_path / "out"
    build(tmp_path / "content", out, Config(), jobs=2)
    _edit(files[9], "TAGS: ", "TAGS: ZZTEST, ")
    build(tmp_path / "content", out, Config(), jobs=2)
    assert small_index[1:] == [1]  # a filter file changes: the batch's partial is made again
    _same_as_clean(tmp_path, out, "clean1")
    files[20].unlink()
    build(tmp_path / "content", out, Config(), jobs=2)
    assert small_index[2:] == [1]  # doc numbers shift in one batch
    _same_as_clean(tmp_path, out, "clean2")


def test_an_edit_whose_old_parse_is_gone_from_the_cache_remakes_the_index(
        tmp_path: Path, small_index: list[int]) -> None:
    """The patch indexes the cable's old parse too; without it, the whole index is made again."""
    import pickle
    import sqlite3

    files = _content(tmp_path)
    out = tmp_path / "out"
    build(tmp_path / "content", out, Config(), jobs=2)
    cache = tmp_path / ".out.cache"
    units = {}
    for shard in (cache / "units").glob("*.pickle"):
        units.update(pickle.loads(shard.read_bytes())[1])
    (old_unit,) = [k for k, (entries, _) in units.items() if entries and entries[0].source == files[5].name]
    with sqlite3.connect(cache / "cache.sqlite") as db:
        assert db.execute("DELETE FROM cables WHERE unit = ?", (old_unit,)).rowcount == 1
    _edit(files[5], "SUBJECT:", "SUBJECT: QUOKKA")
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 2
    _same_as_clean(tmp_path, out, "clean")


def test_damaged_partial_caches_are_made_again(tmp_path: Path, small_index: list[int]) -> None:
    """A batch's cached partial index that is garbage, or data of another shape, is made
    again: the index is a clean build's."""
    import marshal
    import pickle

    files = _content(tmp_path)
    out = tmp_path / "out"
    build(tmp_path / "content", out, Config(), jobs=2)
    cached = sorted((tmp_path / ".out.cache" / "search").rglob("*.bin"))
    assert len(cached) == len(searchplan.cuts(sorted(p.stem for p in files))) >= 6
    good = cached[0].read_bytes()
    middle = len(good) // 2
    damage = [b"not marshal data", pickle.dumps(("files", "rest")), marshal.dumps(("files", "rest")),
              marshal.dumps((1, 2, 3)), marshal.dumps(None), marshal.dumps(([], b"not a partial")),
              marshal.dumps(([], marshal.dumps((1, 2)))), marshal.dumps((1, 2, 3, 4, 5, 6, 7)),
              marshal.dumps(({}, {}, {}, {}, {0: 5}, {}, {0: "text"})), marshal.dumps(({}, {}, {}, {}, [1], {}, {})),
              good[:middle], good[:30], good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1 :], b"",
              partials.dump_cached(partials.Cached(["rows, not bytes"], b"rest")),  # the checksum right, the shape not
              partials.dump_cached(partials.Cached([b"rows"], "rest, not bytes"))]  # type: ignore[list-item,arg-type]
    rounds = range(0, len(damage), len(cached))  # every kind of damage met once
    for first in rounds:
        for i, path in enumerate(cached):
            path.write_bytes(damage[(first + i) % len(damage)])
        shutil.rmtree(out)  # the next build makes the whole index from the cached partials: all damaged
        build(tmp_path / "content", out, Config(), jobs=2)
        assert sorted((tmp_path / ".out.cache" / "search").rglob("*.bin")) == cached
    assert len(small_index) == 1 + len(rounds)
    _same_as_clean(tmp_path, out, "clean")


def _partials(tmp_path: Path) -> set[str]:
    return {p.name for p in (tmp_path / ".out.cache" / "search").rglob("*.bin")}


def _batch_chunks(ids: list[str], cable_id: str) -> tuple[range, int]:
    """The doc-table chunks of the batch that holds ``cable_id``, and the first chunk of the
    batch after it."""
    batches = searchplan.Batches(ids, {})
    b = batches.batch_of(cable_id)
    first = batches.starts[b] // 8
    end = batches.starts[b + 1] // 8 if b + 1 < len(batches) else 10**9
    return range(first, end), end


def _changed(before: dict[str, bytes], after: dict[str, bytes], folder: str) -> set[str]:
    return {p for p in before.keys() | after.keys() if p.startswith(folder) and before.get(p) != after.get(p)}


def test_an_add_or_a_delete_indexes_its_own_batch_alone(tmp_path: Path, small_index: list[int]) -> None:
    """Batches are cut where the ids say and numbered from 0 in the cache: adding a cable
    makes one partial index again (the add's batch), not one for every batch after it, and
    the doc tables of the batches before it keep their bytes; so does a delete. The output
    is a clean build's."""
    files = _content(tmp_path)
    out = tmp_path / "out"
    build(tmp_path / "content", out, Config(), jobs=2)
    ids = sorted(p.stem for p in files)
    partials, site = _partials(tmp_path), tree(out)

    # a copy of the fourth cable under an id that sorts right after it: early in the archive
    new_id = ids[3] + "0"
    assert new_id not in ids and sorted([*ids, new_id]).index(new_id) == 4
    text = files[3].read_text(encoding="utf-8").replace(ids[3], new_id)
    (tmp_path / "content" / f"{new_id}.txt").write_text(text, encoding="utf-8")
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 2  # the index was made again, from the cached partials
    added = _partials(tmp_path)
    assert len(added - partials) == 1 and len(partials - added) == 1, "one batch indexed again"
    _same_as_clean(tmp_path, out, "clean1")
    grown = sorted([*ids, new_id])
    own, _ = _batch_chunks(grown, new_id)
    was, _ = _batch_chunks(ids, ids[3])
    now = tree(out)
    touched = {int(Path(p).stem) for p in _changed(site, now, "search/d/")}
    assert touched and min(touched) >= own.start, "doc tables before the add's batch changed"
    if len(own) == len(was):  # the batch kept its chunks: the later batches kept their doc numbers
        assert touched <= set(own)

    # and deleted again: the partials of the first build, the first build's output
    (tmp_path / "content" / f"{new_id}.txt").unlink()
    build(tmp_path / "content", out, Config(), jobs=2)
    assert len(small_index) == 3
    assert len(_partials(tmp_path) - added) == 1
    assert tree(out) == site


def test_adds_and_deletes_patch_their_batches_in_the_index(
        tmp_path: Path, small_index: list[int], outcomes: list[bool]) -> None:
    """An add or a delete renumbers the docs of its batch only (unless the batch gains or
    loses a doc-table chunk): the index in ``output/`` is patched in that batch's range
    (``search/ranges.py``), not merged whole, and is a clean build's. Also for two batches at
    once, the last batch growing and shrinking, and a cable with a new station, tag and
    origin added and deleted again (filter and id files made and removed)."""
    files = _content(tmp_path)
    content, out = tmp_path / "content", tmp_path / "out"
    build(content, out, Config(), jobs=2)
    first_site = tree(out)
    ids = sorted(p.stem for p in files)

    def copy(source: str, new_id: str, *edits: tuple[str, str]) -> None:
        text = (content / f"{source}.txt").read_text(encoding="utf-8").replace(source, new_id)
        for old, new in edits:
            assert old in text, (source, old)
            text = text.replace(old, new, 1)
        (content / f"{new_id}.txt").write_text(text, encoding="utf-8")

    def step(label: str, now: list[str], before: list[str], changed: list[str], jobs: int = 2) -> None:
        """Build; the index must have been patched when every changed batch kept its range."""
        outcomes.clear()
        build(content, out, Config(), jobs=jobs)
        _same_as_clean(tmp_path, out, f"clean-{label}")
        keeps = all(_batch_chunks(now, i)[0] == _batch_chunks(before, i)[0]
                    or _batch_chunks(now, i)[1] == 10**9 for i in changed)
        if keeps:
            assert outcomes == [True], f"{label}: the index was merged whole, not patched"

    steps = 0
    middle = ids[len(ids) // 2]
    copy(middle, middle + "0")
    grown = sorted([*ids, middle + "0"])
    step("add", grown, ids, [middle + "0"])
    steps += outcomes == [True]

    two = [ids[10] + "0", ids[90] + "0"]
    copy(ids[10], two[0])
    copy(ids[90], two[1])
    both = sorted([*grown, *two])
    step("two", both, grown, two, jobs=1)  # no workers: the batches' partials made in this process
    steps += outcomes == [True]

    last = ids[-1]
    (content / f"{last}.txt").rename(tmp_path / "last.txt")
    shrunk = [i for i in both if i != last]
    step("tail-delete", shrunk, both, [shrunk[-1]])
    assert outcomes == [True], "the last batch shrinking is patched"
    (tmp_path / "last.txt").rename(content / f"{last}.txt")
    step("tail-add", both, shrunk, [last])
    assert outcomes == [True], "the last batch growing is patched"

    stranger = "09ZZQTOWN5"
    copy(ids[40], stranger, ("TAGS: ", "TAGS: ZZQTAG, "), ("Origin: ", "Origin: Consulate Zzqtown "))
    step("stranger", sorted([*both, stranger]), both, [stranger])
    steps += outcomes == [True]
    assert (out / "search" / "id" / "ZZQTOWN.js").is_file()
    assert any("zzqtag" in p.name for p in (out / "search" / "f" / "tag").iterdir())

    for name in [stranger, *two, middle + "0"]:
        (content / f"{name}.txt").unlink()
    step("back", ids, sorted([*both, stranger]), [stranger, *two, middle + "0"])
    assert tree(out) == first_site
    assert not (out / "search" / "id" / "ZZQTOWN.js").exists()
    assert steps >= 2, "most adds keep their batch's range: the index is patched"


def test_an_edit_keeps_its_batchs_cached_partial_in_step(
        tmp_path: Path, small_index: list[int], outcomes: list[bool]) -> None:
    """An edit patched into the index also caches its batch's partial under the batch's new
    key (``workers.partial_edit_task``): the same partial as indexing the batch afresh, so that
    an add in that batch right after the edit patches the index too, not merges it whole."""
    files = _content(tmp_path)
    content, out = tmp_path / "content", tmp_path / "out"
    build(content, out, Config(), jobs=2)
    before = _partials(tmp_path)
    _edit(files[30], "SUBJECT:", "SUBJECT: QUOKKA WALLABY")
    _edit(files[30], "1. ", "1. POTOROO BANDICOOT ")
    build(content, out, Config(), jobs=2)
    assert len(small_index) == 1, "the edit was patched into the index"
    (made,) = _partials(tmp_path) - before
    path = next((tmp_path / ".out.cache" / "search").rglob(made))
    kept = partials.load_cached(path.read_bytes())
    path.unlink()
    shutil.rmtree(out)  # a new tree: the batch's partial made afresh
    build(content, out, Config(), jobs=2)
    fresh = partials.load_cached(path.read_bytes())
    assert kept.tables == fresh.tables
    assert partials.unpack(kept.rest) == partials.unpack(fresh.rest)

    copy = files[31].stem + "0"  # in the edited cable's batch
    (content / f"{copy}.txt").write_text(files[31].read_text(encoding="utf-8").replace(files[31].stem, copy),
                                         encoding="utf-8")
    build(content, out, Config(), jobs=2)  # an add
    calls = len(small_index)
    _edit(files[31], "SUBJECT:", "SUBJECT: NUMBAT")
    build(content, out, Config(), jobs=2)  # an edit, patched; its batch's partial kept
    assert len(small_index) == calls
    (content / f"{copy}.txt").unlink()
    outcomes.clear()
    build(content, out, Config(), jobs=2)  # a delete in the batch edited just before
    assert outcomes == [True], "the index was merged whole"
    _same_as_clean(tmp_path, out, "clean")


def test_batches_are_cut_where_the_ids_say() -> None:
    """A cut depends on the ids near it, not on how many come before: an added id moves the
    cuts of no other batch here; batches fill whole doc-table chunks."""
    ids = sorted(f"{y:02d}{post}{n}" for y in range(3, 10) for post in ("PARIS", "ROME", "USNATO")
                 for n in range(1, 700))
    cut = searchplan.cuts(ids)
    sizes = [b - a for a, b in zip(cut, [*cut[1:], len(ids)], strict=True)]
    assert cut[0] == 0 and all(400 <= s <= 2000 for s in sizes[:-1]) and 0 < sizes[-1] <= 2000
    assert 5 <= len(cut) <= 40  # 14,679 ids, about one cut in SEARCH_BATCH
    firsts = {ids[i] for i in cut[1:]}
    for new in ("05PARIS99999", "03AAA1", "09ZZZ1", "07ROME3500"):
        grown = sorted([*ids, new])
        assert {grown[i] for i in searchplan.cuts(grown)[1:]} - {new} == firsts
    batches = searchplan.Batches(ids, {})
    assert all(s % 8 == 0 for s in batches.starts)
    assert [batches.id_at(batches.starts[b] + k) for b in range(len(batches)) for k in range(sizes[b])] == ids
    assert all(batches.batch_of(ids[i]) == b for b, i in enumerate(cut))
