"""Edits planned from what they changed (``generator/delta.py``): each kind of edit, done to
a corpus extract, gives exactly a clean build's output, and a plain edit plans only the pages
that can show the edited cable."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import edit_csv_subject, need_corpus, small_csv

from generator import delta, feeds, record, site
from generator.archive import Entry
from generator.build import build
from generator.config import Config
from generator.store import STORE, read_store


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    corpus = need_corpus() / "cablegate-text"
    folder = tmp_path / "content"
    folder.mkdir()
    for p in sorted(corpus.glob("09*.txt"))[:150]:
        shutil.copy(p, folder / p.name)
    return folder


def _edit(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert n == 1, (path.name, pattern)
    path.write_text(changed, encoding="utf-8")


def _same_as_clean(content: Path, out: Path, tmp_path: Path, name: str, config: Config | None = None) -> None:
    """The output, and the record's listings and search batch keys, are a clean build's."""
    clean = tmp_path / name
    build(content, clean, config or Config(), jobs=1)
    assert tree(out) == tree(clean)
    mine, theirs = (record.read(p.parent / f".{p.name}.cache") for p in (out, clean))
    assert (mine.search_batches, mine.search_docs, mine.listings, mine.pages, mine.files) == \
        (theirs.search_batches, theirs.search_docs, theirs.listings, theirs.pages, theirs.files)
    # (an edited cables.csv keeps its ranges where the edit left them: they may be cut otherwise)
    assert sorted(mine.csv_units) == sorted(theirs.csv_units)
    assert sorted((e.id, e.digest, e.line) for es, _ in mine.units.values() for e in es) == \
        sorted((e.id, e.digest, e.line) for es, _ in theirs.units.values() for e in es)
    assert sorted(d for ds in mine.unit_diagnostics.values() for d in ds) == \
        sorted(d for ds in theirs.unit_diagnostics.values() for d in ds)
    # the store of cables with its patch holds the record's cables (``generator/store.py``)
    entries = [e for es, _ in mine.units.values() for e in es]
    kept = {e.id: e for e in entries}
    assert bool(mine.store) == (len(kept) == len(entries))
    if mine.store:
        stored = read_store(out.parent / f".{out.name}.cache", mine.store, mine.entry_patch)
        assert stored is not None and dict(stored.items()) == kept
        assert stored.hrefs() == [kept[i].href for i in sorted(kept)]


def _listings_keyed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The base of each listing whose pages a build keys from now on (``Listing.signature``)."""
    hashed: list[str] = []
    real_signature = site.Listing.signature
    monkeypatch.setattr(site.Listing, "signature", lambda self, *a: hashed.append(self.base) or real_signature(self, *a))
    return hashed


def test_every_kind_of_edit_gives_a_clean_builds_output(content: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = delta.edited
    monkeypatch.setattr(delta, "edited", lambda *a: seen.append(real(*a)) or seen[-1])
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    files = sorted(content.iterdir())
    with_ref = next(p for p in files if re.search(r"^REF:", p.read_text(encoding="utf-8"), re.MULTILINE))
    target = next(p for p in files if p != with_ref)
    prel = next(p for p in files[20:] if re.search(r"^TAGS:.* PREL\b.*\S", p.read_text(encoding="utf-8"), re.MULTILINE))
    steps = [
        ("subject", lambda: _edit(files[5], r"^SUBJECT:", "SUBJECT: EDITED")),
        ("reference", lambda: _edit(with_ref, r"^REF:.*$", f"REF: A. {target.stem}")),
        ("cited subject", lambda: _edit(target, r"^SUBJECT:", "SUBJECT: CITED AND EDITED")),
        ("new tag", lambda: _edit(files[9], r"^TAGS:", "TAGS: ZZNEWTAG")),
        ("a tag less", lambda: _edit(prel, r"^(TAGS:.*) PREL\b", r"\1")),
        ("classification", lambda: _edit(files[11], r"^Classification: .*$", "Classification: SECRET//NOFORN")),
    ]
    for n, (what, change) in enumerate(steps):
        change()
        build(content, out, Config(), jobs=1)
        assert isinstance(seen[-1], dict), what  # planned from the edit
        _same_as_clean(content, out, tmp_path, f"clean{n}")
    page = next(out.rglob(f"{target.stem}.html")).read_text(encoding="utf-8")
    assert with_ref.stem in page  # the cited cable lists the cable that now cites it
    # edits that move or add cables: every page planned, same output
    fallbacks = [
        ("date", lambda: _edit(files[7], r"^Created: (\d{4})-(\d\d)-(\d\d)", r"Created: \1-\2-01")),
        ("duplicate", lambda: shutil.copy(files[13], content / "copy.txt")),
        ("delete", lambda: (content / "copy.txt").unlink()),
    ]
    for n, (what, change) in enumerate(fallbacks):
        change()
        build(content, out, Config(), jobs=1)
        assert seen[-1] is None, what
        _same_as_clean(content, out, tmp_path, f"fallback{n}")


def test_adds_deletes_and_moves_plan_only_what_they_change_and_give_a_clean_builds_output(
        content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import moves

    seen: list[object] = []
    real = moves.moved
    monkeypatch.setattr(moves, "moved", lambda *a: seen.append(real(*a)) or seen[-1])
    hashed = _listings_keyed(monkeypatch)
    out = tmp_path / "out"
    config = Config(per_page=5)  # listings of many pages: a cable moved shifts those between its places
    build(content, out, config, jobs=1)
    every = len(hashed)
    files = sorted(content.iterdir())
    texts = {p.stem: p.read_text(encoding="utf-8") for p in files}
    cited = files[20].stem

    def new_cable(cable_id: str, like: Path, origin: str, ref: str) -> None:
        text = re.sub(r"^Identifier: .*$", f"Identifier: {cable_id}", texts[like.stem], count=1, flags=re.M)
        text = re.sub(r"^Origin: .*$", f"Origin: {origin}", text, count=1, flags=re.M)
        text = re.sub(r"^TAGS:.*$", "TAGS: PREL ZZADDED", text, count=1, flags=re.M)
        (content / f"{cable_id}.txt").write_text(text.replace("SUBJECT:", f"REF: A. {ref}\nSUBJECT:", 1),
                                                 encoding="utf-8")

    citing = content / "09NEWPOST90.txt"
    steps = [
        # its own origin: the only page that shows the cable it cites is that cable's
        ("add a cable citing one", lambda: new_cable(citing.stem, files[3], "Embassy Elsewhere", cited)),
        ("delete the cited cable", lambda: (content / f"{cited}.txt").unlink()),
        ("add it back", lambda: (content / f"{cited}.txt").write_text(texts[cited], encoding="utf-8")),
        ("a date moved", lambda: _edit(files[7], r"^Created: (\d{4})-(\d\d)-(\d\d)", r"Created: \1-01-01")),
        ("an origin moved", lambda: _edit(files[8], r"^Origin: .*$", "Origin: Embassy Nowhere")),
        ("two deleted, one added", lambda: (files[9].unlink(), files[10].unlink(), citing.unlink(),
                                           new_cable("09NEWPOST78", files[11], "Embassy Abidjan", files[40].stem))),
    ]
    for n, (what, change) in enumerate(steps):
        change()
        hashed.clear()
        build(content, out, config, jobs=1)
        assert isinstance(seen[-1], moves.Moves), what  # planned from what went and came
        assert 3 <= len(hashed) < every / 2, (what, hashed)
        _same_as_clean(content, out, tmp_path, f"clean{n}", config)
        if what.startswith(("add a", "delete", "add it")):
            page = next(out.rglob(f"{citing.stem}.html")).read_text(encoding="utf-8")
            assert (f"{cited}.html" in page) == (not what.startswith("delete")), what  # a link, or none
    shutil.copy(files[13], content / "copy.txt")  # an id held twice: every page planned
    build(content, out, config, jobs=1)
    assert seen[-1] is None
    _same_as_clean(content, out, tmp_path, "duplicate", config)


def test_a_plain_edit_hashes_only_the_listings_and_cable_pages_that_show_the_cable(
        content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real_signature = site.Listing.signature

    def signature(self, *args):
        hashed.append(self.base)
        return real_signature(self, *args)

    only: list[set[str]] = []
    real_affected = delta.affected
    monkeypatch.setattr(site.Listing, "signature", signature)
    monkeypatch.setattr(delta, "affected", lambda *a: only.append(real_affected(*a)) or only[-1])
    feeds_keyed: list[str] = []
    real_page_key = site.page_key
    monkeypatch.setattr(site, "page_key", lambda fp, page, digests: (
        feeds_keyed.append(page.path) if page.kind == "feed" else None) or real_page_key(fp, page, digests))
    sitemaps: list[int] = []
    real_sitemaps = feeds.sitemaps
    monkeypatch.setattr(feeds, "sitemaps", lambda *a: sitemaps.append(1) or real_sitemaps(*a))
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    every = len(hashed)
    assert len(feeds_keyed) > 20
    hashed.clear()
    sitemaps.clear()
    feeds_keyed.clear()
    edited = sorted(content.iterdir())[5]
    _edit(edited, r"^SUBJECT:", "SUBJECT: EDITED")
    result = build(content, out, Config(), jobs=1)
    # the site's feed and the feeds of the cable's tags; the other tags' feeds keep their keys
    assert sorted(feeds_keyed) == sorted(["feed.xml", *(f"feed/tag/{t}.xml" for t in _tags(edited))])
    # its tags, origin, classification, year and month
    assert 3 <= len(hashed) <= 20 < every, (hashed, every)
    assert len(only) == 1 and edited.stem in only[0] and len(only[0]) < 10
    assert 0 < result.written < 40
    assert sitemaps == []  # the same pages: the same sitemaps, not made again
    _same_as_clean(content, out, tmp_path, "clean")
    sitemaps.clear()
    _edit(edited, r"^TAGS:", "TAGS: ZZSITEMAP")  # a new tag page: the sitemaps list it
    build(content, out, Config(), jobs=1)
    assert sitemaps == [1]
    assert "tag/ZZSITEMAP.html" in (out / "sitemaps" / "sitemap-1.xml").read_text(encoding="utf-8")
    _same_as_clean(content, out, tmp_path, "clean2")


def test_touched_files_with_the_same_bytes_plan_nothing(content: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout or an editor's save without a change gives new stamps, the same cables: the
    build plans no page from scratch and writes nothing."""
    import os

    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    seen: list[object] = []
    real = delta.edited
    monkeypatch.setattr(delta, "edited", lambda *a: seen.append(real(*a)) or seen[-1])
    hashed = _listings_keyed(monkeypatch)
    for p in sorted(content.iterdir())[:5]:
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    result = build(content, out, Config(), jobs=1)
    assert seen == [{}] and hashed == [] and result.written == 0
    _same_as_clean(content, out, tmp_path, "clean")


def _tags(path: Path) -> tuple[str, ...]:
    from generator.parse import read

    cables, _ = read(path.name, path.read_bytes())
    return cables[0].tags


def test_an_edit_plans_only_the_listing_pages_that_show_the_cable(
        content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listings of 3 rows a page: a subject edit plans one page of each of the cable's
    listings; a tag moved from one cable to another in one build (same size, other members)
    plans every page of that tag."""
    config = Config(per_page=3)
    out = tmp_path / "out"
    build(content, out, config, jobs=1)
    planned: list[tuple[str, set[int] | None]] = []
    real = site.Listing.page_keys

    def page_keys(self, fp, digests, years, per_page, numbers=None):
        planned.append((self.base, numbers))
        return real(self, fp, digests, years, per_page, numbers)

    monkeypatch.setattr(site.Listing, "page_keys", page_keys)
    files = sorted(content.iterdir())
    prel = [p for p in files if "PREL" in _tags(p)]
    assert len(prel) > 3 * 3  # the tag's listing has several pages
    edited = prel[len(prel) // 2]
    _edit(edited, r"^SUBJECT:", "SUBJECT: ON ONE PAGE OF EACH LISTING")
    build(content, out, config, jobs=1)
    assert any(base == "tag/PREL" for base, _ in planned)
    assert planned and all(numbers is not None and len(numbers) == 1 for _, numbers in planned), planned
    _same_as_clean(content, out, tmp_path, "clean", config)

    planned.clear()
    loser = next(p for p in prel if re.search(r"^TAGS:.* PREL\b", p.read_text(encoding="utf-8"), re.MULTILINE))
    gainer = next(p for p in files if "PREL" not in _tags(p))
    _edit(loser, r"^(TAGS:.*) PREL\b", r"\1")
    _edit(gainer, r"^TAGS:", "TAGS: PREL")
    assert "PREL" not in _tags(loser) and "PREL" in _tags(gainer)
    build(content, out, config, jobs=1)
    assert ("tag/PREL", None) in planned, planned
    _same_as_clean(content, out, tmp_path, "clean-moved", config)


def test_a_csv_edit_counts_only_the_row_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The range of ``cables.csv`` read again holds other rows too: only the edited one is an edit."""
    from generator import csvranges

    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    content = tmp_path / "content"
    csv_path = small_csv(content)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    seen: list[object] = []
    real = delta.edited
    monkeypatch.setattr(delta, "edited", lambda *a: seen.append(real(*a)) or seen[-1])
    edit_csv_subject(csv_path, 25)
    build(content, out, Config(), jobs=1)
    assert isinstance(seen[-1], dict) and list(seen[-1]) == ["07USNATO25"]
    _same_as_clean(content, out, tmp_path, "clean")


def test_listing_bases_are_the_listings_that_list_each_corpus_cable() -> None:
    """``delta.listing_bases`` must agree with the listings the site plans: a base it missed
    would keep a stale page of that listing after an edit."""
    import pickle

    from generator.archive import Entry, choose, index
    from generator.glossary import GLOSSARY
    from generator.parse import read
    from generator.views import SiteInfo

    entries = []
    for path in sorted((need_corpus() / "cablegate-text").glob("*.txt")):
        cables, _ = read(path.name, path.read_bytes())
        entries += [Entry.from_cable(c, "unit", i, path.name, pickle.dumps(c)) for i, c in enumerate(cables)]
    kept, _ = choose(entries)
    archive = index(kept)
    listed: dict[str, set[str]] = {i: set() for i in kept}
    for item in site.plan_indexes(archive, site.Rows(kept), GLOSSARY, Config(), SiteInfo("t", "", True)):
        if isinstance(item, site.Listing):
            for cable_id in item.ids:
                listed[cable_id].add(item.base)
    assert len(kept) > 6000
    assert {i for i in kept if delta.listing_bases(kept[i]) != listed[i]} == set()


def _random_entries(rng, n: int) -> dict[str, Entry]:
    ids = [f"0{rng.randrange(5, 10)}POST{i}" for i in range(n)]
    out = {}
    for i in ids:
        out[i] = Entry(
            id=i, created=f"200{rng.randrange(5, 10)}-0{rng.randrange(1, 4)}-1{rng.randrange(0, 3)}",
            subject="S", origin=rng.choice(["A", "B", ""]), classification=rng.choice(["SECRET", "CONFIDENTIAL", ""]),
            tags=tuple(rng.sample(["PREL", "PGOV", "ETRD", "MARR"], rng.randrange(0, 3))),
            ref_ids=tuple(rng.choice([*ids, "99GONE1"]) for _ in range(rng.randrange(0, 3))),
            unit=i, index=0, source=f"{i}.txt", line=0, editable=False, partial=False, size=1,
            digest=b"d", href=f"cable/{i}.html", row_digest=b"r")
    return out


def test_neighbours_found_when_asked_are_the_neighbours_made_at_once() -> None:
    """``archive.Neighbours`` (the index read from the record) answers as ``archive.neighbours``
    made for every cable at once: the previous and next cable of the same origin."""
    import random

    from generator.archive import Neighbours, index, neighbours

    for seed in range(5):
        kept = _random_entries(random.Random(seed), 60)
        archive = index(kept)
        lazy = Neighbours(archive.by_origin, kept)
        made = neighbours(archive.by_origin)
        assert {i: lazy[i] for i in kept} == made and lazy == made and len(lazy) == len(kept)
        assert lazy.get("07NOWHERE1", ("x", "y")) == ("x", "y")


def test_a_patched_index_is_the_index_made_again() -> None:
    """``delta.patch_index`` (serve's edits) gives what ``archive.index`` gives, relation by relation."""
    import copy
    import random

    from generator.archive import index

    rng = random.Random(11)
    kept = _random_entries(rng, 80)
    archive = index(kept)
    for step in range(300):
        before = {}
        new = dict(kept)
        for cable_id in rng.sample(sorted(kept), rng.randrange(1, 4)):
            old = kept[cable_id]
            tags = old.tags
            if rng.random() < 0.5:
                tags = tuple(rng.sample(["PREL", "PGOV", "ETRD", "MARR", f"NEW{step % 7}"], rng.randrange(0, 4)))
                tags = tags + tags[:1] if rng.random() < 0.2 else tags  # a tag twice: listed twice
            refs = old.ref_ids
            if rng.random() < 0.6:
                refs = tuple(rng.choice([*kept, "99GONE1", cable_id]) for _ in range(rng.randrange(0, 4)))
            level = rng.choice([old.classification, "SECRET", "UNCLASSIFIED", ""])
            new[cable_id] = old._replace(tags=tags, ref_ids=refs, classification=level, digest=bytes([step % 256]))
            before[cable_id] = old
        last = {k: copy.deepcopy(v) for k, v in vars(archive).items()} if hasattr(archive, "__dict__") else \
            {k: copy.deepcopy(getattr(archive, k)) for k in archive.__slots__}
        patched = delta.patch_index(archive, new, before)
        assert all(getattr(archive, k) == v for k, v in last.items()), step  # the last index as it was
        fresh = index(new)
        for name in ("entries", "cited_by", "by_tag", "by_origin", "by_year", "by_month", "by_classification",
                     "neighbours", "order", "year_of", "ids"):
            assert getattr(patched, name) == getattr(fresh, name), (step, name)
        kept, archive = new, patched


def test_an_index_packed_from_the_last_one_reads_back_as_the_index_made_again(tmp_path: Path) -> None:
    """The index saved with the record (``record.pack_index``) after each of many edits, packed
    from the last one's packed lists as a build does, reads back (``record.read_index``) as
    ``archive.index`` makes it, and is what packing it all again gives."""
    import random

    from generator.archive import index

    rng = random.Random(5)
    kept = _random_entries(rng, 60)
    archive = index(kept)
    packed = record.pack_index(archive)
    for step in range(120):
        new = dict(kept)
        before = {}
        for cable_id in rng.sample(sorted(kept), rng.randrange(1, 3)):
            old = kept[cable_id]
            new[cable_id] = old._replace(
                tags=tuple(rng.sample(["PREL", "PGOV", f"NEW{step % 5}"], rng.randrange(0, 3))),
                ref_ids=tuple(rng.choice([*kept, "99GONE1"]) for _ in range(rng.randrange(0, 3))),
                classification=rng.choice([old.classification, "SECRET", ""]))
            before[cable_id] = old
        patched = delta.patch_index(archive, new, before)
        repacked = record.pack_index(patched, (archive, packed))
        assert repacked == record.pack_index(patched), step
        record.save(tmp_path, record.Manifest(), {}, repacked)
        token = record.read(tmp_path).index
        read = record.read_index(tmp_path, token, new)
        assert read is not None and read[1] == repacked
        fresh = index(new)
        for name in record._LISTS:  # each list's length read as saved, not counted: none split yet
            lists = getattr(read[0], name)
            assert {k: len(v) for k, v in lists.items()} == {k: len(v) for k, v in getattr(fresh, name).items()}
            assert all(v._list is None for v in lists.values()), (step, name)
        for name in record._LISTS:  # each list's length read as saved, not counted: none split yet
            lists = getattr(read[0], name)
            assert {k: len(v) for k, v in lists.items()} == {k: len(v) for k, v in getattr(fresh, name).items()}
            assert all(v._list is None for v in lists.values()), (step, name)
        for name in ("entries", "cited_by", "by_tag", "by_origin", "by_year", "by_month", "by_classification",
                     "neighbours", "order", "year_of", "ids"):
            assert getattr(read[0], name) == getattr(fresh, name), (step, name)
        kept, archive, packed = new, patched, repacked


def test_an_index_that_cannot_be_packed_or_read_is_not_used(tmp_path: Path) -> None:
    from generator.archive import index

    kept = _random_entries(__import__("random").Random(2), 10)
    odd = next(iter(kept.values()))._replace(id="09ROME\0A", created="2009-01-01")
    assert record.pack_index(index({**kept, odd.id: odd})) is None  # the separator in an id
    record.save(tmp_path, record.Manifest(), {}, record.pack_index(index(kept)))
    token = record.read(tmp_path).index
    assert token and record.read_index(tmp_path, token, kept) is not None
    assert record.read_index(tmp_path, "another", kept) is None  # saved with another record
    assert record.read_index(tmp_path, token, dict(list(kept.items())[:9])) is None  # not these cables
    assert record.read_index(tmp_path, "", kept) is None
    packed = record.pack_index(index(kept))
    record.save(tmp_path, record.Manifest(), {}, packed[: 2 + len(record._LISTS)])  # the layout before the lengths
    assert record.read_index(tmp_path, record.read(tmp_path).index, kept) is None
    bad = (*packed[: 2 + len(record._LISTS)], *({k: "3" for k in c} for c in packed[2 + len(record._LISTS) :]))
    record.save(tmp_path, record.Manifest(), {}, bad)  # a length that is not a number
    assert record.read_index(tmp_path, record.read(tmp_path).index, kept) is None
    (tmp_path / record.INDEX).write_bytes(b"\x00garbage")
    assert record.read_index(tmp_path, token, kept) is None
    import marshal

    strange = ("\0".join(kept), "\0".join(["2009"] * 10), {"A": 1}, {}, {}, {}, {}, {})
    (tmp_path / record.INDEX).write_bytes(marshal.dumps((token, strange)))  # the token, not the shape
    assert record.read_index(tmp_path, token, kept) is None
    record.save(tmp_path, record.Manifest(), {}, None)
    assert record.read(tmp_path).index == ""


def test_an_edit_patches_the_saved_index_and_a_damaged_one_is_made_again(
        content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cablesite build`` after an edit patches the index saved with the record instead of
    indexing every cable; the output is a clean build's, and so is it when that file is damaged."""
    import generator.build as build_module

    made: list[int] = []
    real = build_module.index
    monkeypatch.setattr(build_module, "index", lambda kept: made.append(len(kept)) or real(kept))
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    assert made == [150]
    files = sorted(content.iterdir())
    _edit(files[3], r"^SUBJECT:", "SUBJECT: EDITED")
    build(content, out, Config(), jobs=1)
    assert made == [150]  # patched, not made again
    _same_as_clean(content, out, tmp_path, "clean0")
    made.clear()
    (tmp_path / ".out.cache" / record.INDEX).write_bytes(b"damaged")
    _edit(files[4], r"^SUBJECT:", "SUBJECT: EDITED TOO")
    build(content, out, Config(), jobs=1)
    assert made == [150]  # made again
    _same_as_clean(content, out, tmp_path, "clean1")
    made.clear()
    cache = tmp_path / ".out.cache"
    token = record.read(cache).index
    _edit(files[5], r"^SUBJECT:", "SUBJECT: AND THIS")
    build(content, out, Config(), jobs=1)
    assert made == []  # the build before saved it again
    _same_as_clean(content, out, tmp_path, "clean2")
    assert record.read(cache).index == token  # a subject: the same index, not written again
    made.clear()  # the clean build made its own
    _edit(files[6], r"^TAGS:", "TAGS: ZZSAVED")
    build(content, out, Config(), jobs=1)
    assert made == []
    _same_as_clean(content, out, tmp_path, "clean3")
    saved = record.read(cache)
    assert saved.index != token  # a tag: the index changed, and is saved as it is now
    kept = {e.id: e for entries, _ in saved.units.values() for e in entries}
    read = record.read_index(cache, saved.index, kept)
    assert read is not None and read[0].by_tag == real(kept).by_tag and "ZZSAVED" in read[0].by_tag


def test_an_edit_reads_the_store_of_cables_not_the_whole_record(
        content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command-line build after an edit of a few cables takes them from the record's store
    (``generator/store.py``) and reads no unit shard but the edited files': same output,
    same warnings as a clean build; nor does it unpack the record's files and cable pages but
    those it looks up (``generator/table.py``). An edit that moves a cable, a damaged store, or
    a patch past its limit make it read the record whole once, and write the store again."""
    from generator import store, table

    wholes: list[int] = []
    real = record._load_units
    monkeypatch.setattr(record, "_load_units", lambda *a: wholes.append(1) or real(*a))
    decoded: list[int] = []
    real_decode = table.Columns.decode
    monkeypatch.setattr(table.Columns, "decode", lambda self: decoded.append(len(self)) or real_decode(self))
    taken: list[bool] = []
    real_take = table.Table.take
    monkeypatch.setattr(table.Table, "take", lambda self, *a: taken.append(real_take(self, *a)) or taken[-1])
    out, cache = tmp_path / "out", tmp_path / ".out.cache"
    files = sorted(content.iterdir())
    (content / "empty.txt").write_bytes(b"")  # no cable in it: read again at every build, and said so
    first = build(content, out, Config(), jobs=1)
    assert any(d.path == "empty.txt" for d in first.diagnostics)
    token = record.read(cache).store
    assert token and (cache / STORE).is_file()

    def edit_and_check(n: int, path: Path, pattern: str, new: str, whole: bool) -> None:
        _edit(path, pattern, new)
        wholes.clear(), decoded.clear(), taken.clear()
        result = build(content, out, Config(), jobs=1)
        assert bool(wholes) == whole, n
        if not whole:  # the cable pages' keys taken from the record as they are, none unpacked
            assert taken == [True] and decoded == [], n
        clean = build(content, tmp_path / f"clean{n}", Config(), jobs=1)
        assert list(map(str, result.diagnostics)) == list(map(str, clean.diagnostics))
        _same_as_clean(content, out, tmp_path, f"again{n}")

    edit_and_check(0, files[3], r"^SUBJECT:", "SUBJECT: EDITED", whole=False)
    # a warning comes with the edit, and goes with the next
    edit_and_check(1, files[4], r"^SUBJECT:", "SUBJEKT:", whole=False)
    assert any(d.path == files[4].name for d in build(content, out, Config(), jobs=1).diagnostics)
    edit_and_check(2, files[4], r"^SUBJEKT:", "SUBJECT:", whole=False)
    saved = record.read(cache)
    assert saved.store == token and len(saved.entry_patch) == 2  # the store kept, two cables over it
    edit_and_check(3, files[7], r"^Created: (\d{4})-(\d\d)-(\d\d)", r"Created: \1-\2-01", whole=True)
    assert record.read(cache).store != token  # a date moved: written again
    (cache / STORE).write_bytes(b"damaged")
    edit_and_check(4, files[8], r"^SUBJECT:", "SUBJECT: DAMAGED STORE", whole=True)
    edit_and_check(5, files[8], r"^SUBJECT:", "SUBJECT: AND AGAIN", whole=False)  # written again
    monkeypatch.setattr(store, "PATCH_LIMIT", 1)
    token = record.read(cache).store
    edit_and_check(6, files[9], r"^SUBJECT:", "SUBJECT: PAST THE LIMIT", whole=False)
    saved = record.read(cache)
    assert saved.store != token and saved.entry_patch == {}


def test_an_index_patched_for_adds_and_deletes_is_the_index_made_again() -> None:
    """``moves.patch`` (cables added, deleted, or moved to another date or origin) gives what
    ``archive.index`` gives, relation by relation, the last index left as it was; and
    ``moves.affected`` names every cable whose page the change alters."""
    import copy
    import random

    from generator import moves
    from generator.archive import index

    rng = random.Random(5)
    kept = _random_entries(rng, 60)
    archive = index(kept)
    pool = [f"0{rng.randrange(5, 10)}ADDED{i}" for i in range(400)]
    for step in range(300):
        new = dict(kept)
        gone, came = {}, {}
        for cable_id in rng.sample(sorted(kept), rng.randrange(0, 3)):  # deleted, or moved
            gone[cable_id] = new.pop(cable_id)
            if rng.random() < 0.4:
                old = gone[cable_id]
                new[cable_id] = came[cable_id] = old._replace(
                    created=f"200{rng.randrange(5, 10)}-0{rng.randrange(1, 4)}-2{rng.randrange(0, 3)}",
                    origin=rng.choice(["A", "B", "C", ""]), digest=bytes([step % 256]))
        cited = [*pool[: step + 10], "99GONE1"]  # ids cited before they come, and one that never does
        for cable_id in rng.sample([i for i in pool[:step + 3] if i not in kept], rng.randrange(0, 3)):
            tags = tuple(rng.sample(["PREL", "PGOV", f"NEW{step % 5}"], rng.randrange(0, 3)))
            new[cable_id] = came[cable_id] = Entry(
                id=cable_id, created=rng.choice(["", "2007", f"200{rng.randrange(5, 10)}-0{rng.randrange(1, 4)}-15"]),
                subject="S", origin=rng.choice(["A", "B", ""]), classification=rng.choice(["SECRET", ""]),
                tags=tags + tags[:1] if rng.random() < 0.2 else tags,
                ref_ids=tuple(rng.choice([*new, *cited, cable_id]) for _ in range(rng.randrange(0, 4))),
                unit=cable_id, index=0, source=f"{cable_id}.txt", line=0, editable=False, partial=False, size=1,
                digest=b"n", href=f"cable/{cable_id}.html", row_digest=b"r")
        if not gone and not came:
            continue
        last = {k: copy.deepcopy(getattr(archive, k)) for k in archive.__slots__}
        change = moves.Moves(gone, came, archive)
        patched = moves.patch(change, new)
        assert all(getattr(archive, k) == v for k, v in last.items()), step  # the last index as it was
        fresh = index(new)
        for name in ("entries", "cited_by", "by_tag", "by_origin", "by_year", "by_month", "by_classification",
                     "order", "year_of", "ids"):
            assert getattr(patched, name) == getattr(fresh, name), (step, name)
        assert {i: patched.neighbours[i] for i in new} == {i: fresh.neighbours[i] for i in new}, step
        # a page shows its cable's citers, the cables it cites and its neighbours: those of the
        # cables whose page changed are named
        affected = moves.affected(change, patched)
        for i in new:
            shown = (new[i], tuple(fresh.cited_by.get(i, ())), fresh.neighbours[i],
                     tuple(r in new for r in new[i].ref_ids))
            was = (kept.get(i), tuple(archive.cited_by.get(i, ())), archive.neighbours.get(i),
                   tuple(r in kept for r in kept[i].ref_ids) if i in kept else None)
            if shown != was:
                assert i in affected, (step, i)
        kept, archive = new, patched


def test_entries_arriving_share_one_string_for_each_origin_classification_and_tag() -> None:
    """``archive.share`` (the main process, as the workers' entries arrive): the same entries,
    but each origin, classification, tag and set of tags one object (each entry unpickled
    alone has its own: about 100 MB of the release's build)."""
    import pickle
    import random

    from generator.archive import share

    made = [e._replace(origin=f"Embassy {e.origin}", classification=f"{e.classification}//NOFORN",
                       tags=tuple(f"{t}X" for t in e.tags)) for e in _random_entries(random.Random(3), 200).values()]
    arrived = [pickle.loads(pickle.dumps(e)) for e in made]  # each its own strings, as from a worker
    assert len({id(e.origin) for e in arrived}) == len(arrived)
    memo: dict = {}
    shared = share(arrived[:100], memo) + share(arrived[100:], memo)
    assert shared == made and all(type(e) is Entry for e in shared)
    for field in ("origin", "classification", "tags"):
        values = [getattr(e, field) for e in shared]
        assert len({id(v) for v in values}) == len(set(values)), field
    assert len({id(t) for e in shared for t in e.tags}) == len({t for e in shared for t in e.tags})
