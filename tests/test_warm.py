"""What ``cablesite serve`` keeps between builds (``generator/warm.py``, ``generator/scan.py``):
a scan brought up to date from changed paths is the scan a walk gives, and a build started
from the last build's record and scan gives exactly a clean build's output."""

from __future__ import annotations

import os
import random
import re
import shutil
from array import array
from pathlib import Path
from unittest.mock import ANY

import pytest
from conftest import need_corpus

from generator import build as build_module
from generator import delta, record
from generator.build import build
from generator.config import Config
from generator.scan import (
    Columns,
    changed_since,
    is_input_name,
    parts,
    restat,
    scan,
    scan_part,
    stamps,
)
from generator.warm import Warm


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- restat -------------------------------------------------------------------------------------


def test_input_names() -> None:
    assert is_input_name("07USNATO577.txt") and is_input_name("cables.csv") and is_input_name("NOSUFFIX")
    assert is_input_name("cable.HTML") and is_input_name("cable.text")
    for name in (".07USNATO577.txt.swp", "07USNATO577.txt~", "NOTES~", "#07USNATO577.txt#", "4913",
                 "README.md", "cablesite.toml", "cable.pdf", ".hidden.txt", "a.png", "c.py"):
        assert not is_input_name(name), name


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for rel in ("a/07USNATO577.txt", "a/b/09CAIRO1.txt", "a.txt", "z/cables.csv", "pages/about.md",
                "a/pages/kept.txt", ".git/HEAD", "a/.hidden/x.txt", "__pycache__/x.txt", "README.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel, encoding="utf-8")
    return root


def test_scan_takes_inputs_only(folder: Path) -> None:
    assert [rel for rel, _, _ in scan(folder)] == ["a/07USNATO577.txt", "a/b/09CAIRO1.txt", "a/pages/kept.txt",
                                                   "a.txt", "z/cables.csv"]


def test_a_scan_by_paths_is_the_scan_by_folder_descriptors(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where folders cannot be listed by descriptor (not Linux), the scan goes by paths: the same."""
    import generator.scan as scan_module

    (folder / "a" / "b" / "link.txt").symlink_to(folder / "a.txt")
    (folder / "a" / "gone.txt").symlink_to(folder / "missing")  # a dangling link: unreadable
    by_fd = scan(folder)
    assert ("a/gone.txt", -1, -1) in by_fd and any(f[0] == "a/b/link.txt" and f[1] > 0 for f in by_fd)
    monkeypatch.setattr(scan_module, "_BY_FD", False)
    assert scan(folder) == by_fd


def test_a_scan_in_parts_is_the_scan_of_the_whole_folder(folder: Path) -> None:
    """The workers' parts of a scan (``build.py``), joined in turn, are the whole scan."""
    for n in range(5):
        (folder / f"x{n}.txt").write_text("x", encoding="utf-8")
    whole = scan(folder)
    assert len(whole) == 10
    for n in (1, 2, 3, 4, 7, 40):
        runs = parts(folder, n)
        assert 1 <= len(runs) <= n and all(runs)
        assert [f for names in runs for f in stamps(scan_part((folder, names)))] == whole, n
    assert parts(folder / "missing", 2) == [[]] and scan_part((folder / "missing", [])) == Columns()


def _changed(folder: Path, *rels: str) -> list[str]:
    return [str(folder / r) for r in rels]


def test_restat_follows_edits_additions_and_deletions(folder: Path) -> None:
    files = scan(folder)
    assert restat(folder, files, []) == (files, {})
    (folder / "a/07USNATO577.txt").write_text("edited, longer", encoding="utf-8")
    (folder / "a/b/08ROME2.txt").write_text("new", encoding="utf-8")
    (folder / "a.txt").unlink()
    (folder / "a/b/.x.swp").write_text("swap", encoding="utf-8")
    (folder / "a/b/09CAIRO1.txt~").write_text("backup", encoding="utf-8")
    changed = _changed(folder, "a/07USNATO577.txt", "a/b/08ROME2.txt", "a.txt", "a/b/.x.swp",
                       "a/b/09CAIRO1.txt~", "pages/about.md", "../outside.txt", "")
    now = scan(folder)
    stamps = {rel: (size, mtime) for rel, size, mtime in now}
    assert restat(folder, files, changed) == (now, {"a/07USNATO577.txt": stamps["a/07USNATO577.txt"],
                                                    "a/b/08ROME2.txt": stamps["a/b/08ROME2.txt"], "a.txt": None})
    (folder / "a/b/08ROME2.txt").rename(folder / "a/08ROME2.txt")  # a move: both paths reported
    moved = restat(folder, now, _changed(folder, "a/b/08ROME2.txt", "a/08ROME2.txt"))
    assert moved is not None and moved[0] == scan(folder) and moved[1]["a/b/08ROME2.txt"] is None


def test_restat_gives_up_on_folders(folder: Path) -> None:
    files = scan(folder)
    (folder / "new").mkdir()
    assert restat(folder, files, _changed(folder, "new")) is None  # made: its files are not listed
    shutil.move(folder / "a" / "b", folder / "moved")
    assert restat(folder, files, _changed(folder, "a/b")) is None  # gone with its files
    (folder / "gone.txt").write_text("x", encoding="utf-8")
    (folder / "gone.txt").unlink()
    assert restat(folder, files, _changed(folder, "gone.txt")) == (files, {})  # a file that came and went


def test_restat_is_a_scan_over_random_changes(tmp_path: Path) -> None:
    rng = random.Random(7)
    root = tmp_path / "c"
    root.mkdir()
    names = [f"{d}/{n}" for d in ("p", "q", "q/r") for n in ("1.txt", "2.html", "3", "4.csv", "x.pdf", ".h.txt")]
    for d in ("p", "q/r"):
        (root / d).mkdir(parents=True)
    files = scan(root)
    for _ in range(300):
        rel = rng.choice(names)
        path = root / rel
        if path.exists() and rng.random() < 0.4:
            path.unlink()
        else:
            path.write_bytes(os.urandom(rng.randrange(0, 50)))
        got = restat(root, files, [str(path)])
        assert got is not None and got[0] == scan(root), rel
        files = got[0]


def columns(files: list[tuple[str, int, int]]) -> Columns:
    """``files`` as the workers send a scan (``scan.scan_columns``)."""
    return Columns("\0".join([f[0] for f in files]), array("q", [f[1] for f in files]).tobytes(),
                   array("q", [f[2] for f in files]).tobytes())


def test_columns_hold_the_scan_and_tell_which_stamps_changed() -> None:
    """The workers send their scans as columns (``scan.Columns``), and the build compares
    them with the record's: the files it finds changed are those whose stamps differ."""
    rng = random.Random(11)
    assert stamps(columns([])) == [] and changed_since(Columns(), Columns()) == {}
    for n in (1, 5, 1023, 1024, 1025, 5000):  # either side of a compared block (1,024 files)
        files = [(f"{i // 100:03d}/0{i}CABLE.txt", rng.randrange(-1, 10**6), rng.randrange(-1, 2**62))
                 for i in range(n)]
        cols = columns(files)
        assert stamps(cols) == files and changed_since(cols, cols) == {}
        for _ in range(20):
            now = list(files)
            for i in rng.sample(range(n), rng.randrange(1, min(n, 6) + 1)):
                rel, size, mtime = now[i]
                now[i] = (rel, size + rng.choice((0, 1)), mtime + rng.choice((0, -1, 7)))
            want = {rel: (size, mtime) for (rel, size, mtime), old in zip(now, files, strict=True)
                    if (size, mtime) != old[1:]}
            assert changed_since(columns(now), cols) == want
        assert changed_since(columns(files[1:]), cols) is None  # a file went
        assert changed_since(columns([*files, ("zz.txt", 1, 1)]), cols) is None  # a file came
        renamed = [(f"{files[0][0]}x", *files[0][1:]), *files[1:]]
        assert changed_since(columns(renamed), cols) is None
        assert changed_since(cols, Columns(cols.names, cols.sizes[:-8], cols.mtimes)) is None  # damaged


def test_a_build_reads_only_the_files_whose_stamps_changed(content: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """From the record's scan, a build reads the files that changed and nothing else; a
    record whose scan is damaged or lacks a unit is compared file by file. Each gives a
    clean build's output."""
    from generator import load

    read: list[str] = []
    real = load.parse_units
    monkeypatch.setattr(load, "parse_units", lambda batch: read.extend(t[1] for t in batch) or real(batch))
    compared: list[object] = []
    real_compare = load.changed_since
    monkeypatch.setattr(load, "changed_since", lambda *a: compared.append(real_compare(*a)) or compared[-1])
    _check_changed_units(monkeypatch)
    # (load_units alone: an edit that the record's store serves does not look at the shards)
    monkeypatch.setattr(build_module, "load_edit", lambda *a: None)
    cables = sorted((content / "cables").iterdir())
    (content / "cables" / "empty.txt").write_bytes(b"")  # a unit of no cable and a diagnostic
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    cache = tmp_path / ".out.cache"
    assert record.read(cache).scan == tuple(build_module.join([scan_part((content, ["cables"]))]))
    steps = [
        ("subject", lambda: _edit(cables[3], r"^SUBJECT:", "SUBJECT: COLUMNS")),
        ("touched", lambda: os.utime(cables[6])),
        ("damaged scan", lambda: _damage_scan(cache)),
        ("shard gone", lambda: (_edit(cables[2], r"^SUBJECT:", "SUBJECT: SHARD"),
                                (cache / record.UNITS / f"{_unit(cache, cables[1])[:2]}.pickle").unlink())),
    ]
    for n, (what, change) in enumerate(steps):
        change()
        read.clear()
        compared.clear()
        build(content, out, Config(), jobs=1)
        assert compared == {"subject": [{f"cables/{cables[3].name}": ANY}],
                            "touched": [{f"cables/{cables[6].name}": ANY}],
                            "damaged scan": [None], "shard gone": []}[what], what
        wanted = {"subject": [f"cables/{cables[3].name}"], "touched": [f"cables/{cables[6].name}"],
                  "damaged scan": []}.get(what)
        if wanted is not None:
            assert sorted(read) == wanted, what
        else:  # compared file by file: the edited file and the lost shard's
            assert {f"cables/{cables[1].name}", f"cables/{cables[2].name}"} <= set(read), what
            assert len(read) < len(cables), what
        clean = tmp_path / f"clean{n}"
        build(content, clean, Config(), jobs=1)
        assert tree(out) == tree(clean), what


def _check_changed_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each build check that the units ``load_units`` says came or went are those."""
    real_load = build_module.load_units

    def load_units(content, files, old, new, *rest):
        got = real_load(content, files, old, new, *rest)
        assert got[2] == old.units.keys() ^ new.units.keys()
        return got

    monkeypatch.setattr(build_module, "load_units", load_units)


def _damage_scan(cache: Path) -> None:
    manifest = record.read(cache)
    manifest.scan = (manifest.scan[0], b"\1" * 3, manifest.scan[2])  # not whole integers
    record.save(cache, manifest, manifest.units)


def _unit(cache: Path, path: Path) -> str:
    return record.read(cache).files[f"cables/{path.name}"][2]


# -- builds from the warm state -----------------------------------------------------------------


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    corpus = need_corpus() / "cablegate-text"
    out = tmp_path / "content" / "cables"
    out.mkdir(parents=True)
    for p in sorted(corpus.glob("09*.txt"))[:60]:
        shutil.copy(p, out / p.name)
    return tmp_path / "content"


def _edit(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert n == 1, (path.name, pattern)
    path.write_text(changed, encoding="utf-8")


def test_builds_from_the_warm_state_are_clean_builds(content: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    reads, scans, patches = [], [], []
    real_read, real_scan, real_patch = record.read, build_module.scan_part, delta.patch_index
    monkeypatch.setattr(record, "read", lambda *a, **k: reads.append(1) or real_read(*a, **k))
    monkeypatch.setattr(build_module, "scan_part", lambda *a: scans.append(1) or real_scan(*a))
    monkeypatch.setattr(delta, "patch_index", lambda *a: patches.append(1) or real_patch(*a))
    _check_changed_units(monkeypatch)
    out, warm = tmp_path / "out", Warm()
    build(content, out, Config(), jobs=1, warm=warm)  # before the watch: its scan is not kept
    warm.watching()
    build(content, out, Config(), jobs=1, warm=warm)  # the first scan while watched
    assert (len(reads), len(scans)) == (1, 2)
    cables = sorted((content / "cables").iterdir())
    added = content / "cables" / "more" / "copy.txt"
    steps = [
        ("subject", [cables[3]], lambda: _edit(cables[3], r"^SUBJECT:", "SUBJECT: EDITED")),
        ("tags", [cables[5]], lambda: _edit(cables[5], r"^TAGS:", "TAGS: ZZWARM")),
        ("a warning", [cables[4]], lambda: _edit(cables[4], r"^SUBJECT:", "SUBJEKT:")),
        ("no change", [], lambda: None),
        ("touched", [cables[6]], lambda: os.utime(cables[6])),
        ("added in a new folder", [str(added.parent)],
         lambda: (added.parent.mkdir(), added.write_text(cables[7].read_text(encoding="utf-8").replace(
             cables[7].stem, "09WARM1"), encoding="utf-8"))),
        ("deleted", [cables[8]], lambda: cables[8].unlink()),
        ("date", [cables[9]], lambda: _edit(cables[9], r"^Created: (\d{4})-(\d\d)-(\d\d)", r"Created: \1-\2-01")),
    ]
    for n, (what, paths, change) in enumerate(steps):
        reads.clear()
        scans.clear()
        patches.clear()
        change()
        warm.note(str(p) for p in paths)
        result = build(content, out, Config(), jobs=1, warm=warm)
        assert reads == [], what  # the record came from memory
        assert scans == ([1] if what == "added in a new folder" else []), what
        # an edit that leaves ids, dates and origins patches the last index
        assert patches == ([1] if what in ("subject", "tags", "a warning", "touched") else []), what
        clean = tmp_path / f"clean{n}"
        clean_result = build(content, clean, Config(), jobs=1)
        assert tree(out) == tree(clean), what
        # the warnings, and each unit's in the record (what a later edit reports from the store)
        assert list(map(str, result.diagnostics)) == list(map(str, clean_result.diagnostics)), what
        assert real_read(tmp_path / ".out.cache").unit_diagnostics == \
            real_read(tmp_path / f".clean{n}.cache").unit_diagnostics, what
    assert any(d.path == f"cables/{cables[4].name}" for d in result.diagnostics)
    # The record on disk is the one in memory: a plain build after them has nothing to do.
    assert build(content, out, Config(), jobs=1).written == 0


def test_a_record_written_by_another_build_is_read_again(content: Path, tmp_path: Path) -> None:
    out, warm = tmp_path / "out", Warm()
    warm.watching()
    build(content, out, Config(), jobs=1, warm=warm)
    cable = sorted((content / "cables").iterdir())[4]
    _edit(cable, r"^SUBJECT:", "SUBJECT: BY ANOTHER BUILD")
    build(content, out, Config(), jobs=1)  # `cablesite build` in another terminal
    _edit(cable, r"^SUBJECT: BY ANOTHER BUILD", "SUBJECT: BACK IN SERVE")
    warm.note([str(cable)])
    build(content, out, Config(), jobs=1, warm=warm)
    build(content, tmp_path / "clean", Config(), jobs=1)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_failed_build_leaves_nothing_to_trust(content: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out, warm = tmp_path / "out", Warm()
    warm.watching()
    build(content, out, Config(), jobs=1, warm=warm)
    assert warm.manifest is not None and warm.files is not None

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "load_units", fail)
    with pytest.raises(OSError):
        build(content, out, Config(), jobs=1, warm=warm)
    assert (warm.manifest, warm.files) == (None, None)
    monkeypatch.undo()
    build(content, out, Config(), jobs=1, warm=warm)
    assert warm.manifest is not None and warm.files is not None


def test_a_broken_file_is_still_reported_by_rebuilds(content: Path, tmp_path: Path) -> None:
    """A file the record lacks (no cable in it, or unreadable) is read at every build, warm or
    not, so its diagnostic stays until it is fixed."""
    broken = content / "cables" / "broken.txt"
    broken.write_bytes(b"")
    locked = content / "cables" / "locked.txt"
    locked.symlink_to(content / "nowhere.txt")  # a stat that fails: size -1
    out, warm = tmp_path / "out", Warm()
    warm.watching()

    def reported(result) -> set[str]:
        return {d.path for d in result.diagnostics if d.path.endswith(("broken.txt", "locked.txt"))}

    first = build(content, out, Config(), jobs=1, warm=warm)
    assert reported(first) == {"cables/broken.txt", "cables/locked.txt"}
    cable = sorted((content / "cables").glob("09*.txt"))[2]
    for n in range(2):
        _edit(cable, r"^SUBJECT:", f"SUBJECT: WARM {n}")
        warm.note([str(cable)])
        assert reported(build(content, out, Config(), jobs=1, warm=warm)) == reported(first), n
        _edit(cable, r"^SUBJECT:", f"SUBJECT: COLD {n}")
        assert reported(build(content, out, Config(), jobs=1)) == reported(first), n


def test_a_server_starting_on_a_built_site_indexes_it_at_once(content: Path, tmp_path: Path) -> None:
    """The first build of ``cablesite serve`` on an up-to-date site has nothing to do, but the
    server's first edit would then index every cable: that build indexes them already."""
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    plain = Warm()  # `cablesite build`: nothing is watched, nothing more is made
    assert build(content, out, Config(), jobs=1, warm=plain).written == 0
    assert plain.archive is None
    served = Warm()
    served.watching()
    assert build(content, out, Config(), jobs=1, warm=served).written == 0
    assert served.archive is not None
    assert sorted(served.archive.entries) == sorted(e.id for u in served.manifest.units.values() for e in u[0])
