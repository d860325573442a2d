"""A big ``cables.csv`` in byte ranges (``generator/csvranges.py``): an edit keeps the ranges it
left alone, wherever the change of the file's size moved them, and parses the bytes between."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import edit_csv_subject, small_csv

from generator import build as build_module
from generator import csvranges, parse, record
from generator.build import build
from generator.config import Config


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _row_at(data: bytes, row: int) -> int:
    return data.index(f'\n"{row}","'.encode()) + 1


def _longer(data: bytes) -> bytes:  # row 25's subject gains words
    at = data.index(b"SUBJECT:", _row_at(data, 25)) + 9
    return data[:at] + b"MANY MORE WORDS " + data[at:]


def _shorter(data: bytes) -> bytes:  # row 25 loses its subject's first word
    at = data.index(b"SUBJECT:", _row_at(data, 25)) + 9
    return data[:at] + data[at + 4 :]


def _in_place(data: bytes) -> bytes:
    at = data.index(b"SUBJECT:", _row_at(data, 25)) + 9
    return data[:at] + b"EDIT" + data[at + 4 :]


def _first_row(data: bytes) -> bytes:
    at = data.index(b"SUBJECT:") + 9
    return data[:at] + b"FIRST " + data[at:]


def _last_row(data: bytes) -> bytes:
    at = data.rindex(b"SUBJECT:") + 9
    return data[:at] + b"LAST " + data[at:]


def _appended(data: bytes) -> bytes:  # a row 41 after the last
    row = data[_row_at(data, 40) :]
    return data + row.replace(b'"40",', b'"41",', 1).replace(b"USNATO40", b"USNATO41")


def _row_removed(data: bytes) -> bytes:
    return data[: _row_at(data, 25)] + data[_row_at(data, 26) :]


def _two_rows(data: bytes) -> bytes:  # two edits far apart
    return _last_row(_first_row(data))


def _row_number_changed(data: bytes) -> bytes:  # the opening of a range's first record edited
    at = _row_at(data, 25)
    return data[:at] + b'"X25' + data[at + 3 :]


EDITS: dict[str, Callable[[bytes], bytes]] = {
    "longer": _longer, "shorter": _shorter, "in place": _in_place, "first row": _first_row,
    "last row": _last_row, "appended": _appended, "row removed": _row_removed, "two rows": _two_rows,
    "row number changed": _row_number_changed, "untouched": lambda data: data,
}


def _cables(path: Path, ranges: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    data = path.read_bytes()
    cables = [c for a, b in ranges for c in parse.read_csv("cables.csv", data[a:b])[0]]
    return [(c.id, c.body, c.source_line) for c in cables]


@pytest.mark.parametrize("edit", EDITS)
def test_follow_keeps_the_ranges_an_edit_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    edit: str) -> None:
    """After each kind of edit the ranges still cover the file, each opens a record, a range
    kept has the bytes of its key, only ranges near the edit are parsed, and the cables read
    are those of the file cut afresh."""
    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    path = small_csv(tmp_path)
    before = csvranges.cut(path)
    old = [(a, csvranges.range_key("cables.csv", path.read_bytes()[a:b])) for a, b in before]
    old_size = path.stat().st_size
    path.write_bytes(EDITS[edit](path.read_bytes()))
    data, size = path.read_bytes(), path.stat().st_size
    now = csvranges.follow(str(path), "cables.csv", size, old, old_size,
                           lambda tasks: map(csvranges.hash_ranges, tasks), 1)
    assert now is not None
    assert now[0][0] == 0 and now[-1][1] == size
    assert all(b == a2 for (_, b, _), (a2, _, _) in zip(now, now[1:], strict=False))
    with open(path, "rb") as f:
        assert all(csvranges.opens_record(f, a, size) for a, _, _ in now)
    assert all(csvranges.range_key("cables.csv", data[a:b]) == k for a, b, k in now if k)
    parsed = [(a, b) for a, b, k in now if not k]
    if edit == "untouched":
        assert parsed == []
    elif edit != "two rows":  # one edit: the bytes of its old range or so, in smaller ranges
        assert 0 < sum(b - a for a, b in parsed) <= 2 * csvranges.CHUNK + 2000, (before, now)
    assert len(before) >= 8
    assert _cables(path, [(a, b) for a, b, _ in now]) == _cables(path, csvranges.cut(path))


def test_follow_refuses_a_record_that_does_not_fit_the_file(tmp_path: Path) -> None:
    path = small_csv(tmp_path)
    size = path.stat().st_size

    def never(tasks: list) -> list:
        raise AssertionError("hashed")

    assert csvranges.follow(str(path), "cables.csv", size, [], size, never, 1) is None
    assert csvranges.follow(str(path), "cables.csv", size, [(5, "k")], size, never, 1) is None
    assert csvranges.follow(str(path), "cables.csv", size, [(0, "a"), (0, "b")], size, never, 1) is None


@pytest.mark.parametrize("edit", ["longer", "shorter", "row number changed", "appended", "row removed"])
def test_an_edit_of_a_csv_parses_only_the_bytes_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            edit: str) -> None:
    """From the command line's build: an edit that moves every range after it parses the
    edited range alone; an edit of a few cables takes the cables from the record's store,
    without reading its units; the output is a clean build's."""
    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    content = tmp_path / "content"
    csv_path = small_csv(content)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    csv_path.write_bytes(EDITS[edit](csv_path.read_bytes()))
    parsed: list[bytes] = []
    real_parse = parse.read_csv
    monkeypatch.setattr(parse, "read_csv", lambda rel, data: parsed.append(data) or real_parse(rel, data))
    stored: list[bool] = []
    real_edit = build_module.load_edit
    monkeypatch.setattr(build_module, "load_edit", lambda *a: stored.append((r := real_edit(*a)) is not None) or r)
    every_unit: list[bool] = []
    real_units = record._load_units
    monkeypatch.setattr(record, "_load_units", lambda *a: every_unit.append(True) or real_units(*a))
    result = build(content, out, Config(), jobs=1)
    assert 0 < sum(map(len, parsed)) <= 2 * csvranges.CHUNK + 2000
    assert not (stored[0] and every_unit)  # through the store, the record's units are not all read
    row = int(re.match(rb'"(\d+)"', parsed[-1]).group(1))  # type: ignore[union-attr]
    # the store serves an edit of a cable; a cable that came or went is read with the record
    assert stored == [edit in ("longer", "shorter")]
    assert result.written < (60 if stored[0] else 200)
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    mine, theirs = (record.read(p.parent / f".{p.name}.cache") for p in (out, clean))
    assert (mine.pages, mine.listings, mine.search_batches) == (theirs.pages, theirs.listings, theirs.search_batches)
    assert {e.id for es, _ in mine.units.values() for e in es} == {e.id for es, _ in theirs.units.values() for e in es}
    # and the next edit there parses a range of the smaller ones the edit cut
    parsed.clear()
    edit_csv_subject(csv_path, row)
    build(content, out, Config(), jobs=1)
    assert 0 < sum(map(len, parsed)) <= csvranges.CHUNK // 2
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)


def test_a_csv_whose_ranges_repeat_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ranges of the same bytes are one unit: the build says the repeated cables are read once."""
    monkeypatch.setattr(csvranges, "CHUNK", 1000)
    content = tmp_path / "content"
    csv_path = small_csv(content, rows=6)
    data = csv_path.read_bytes()
    csv_path.write_bytes(data + data)
    result = build(content, tmp_path / "out", Config(), jobs=1)
    said = [d for d in result.diagnostics if d.path == "cables.csv" and "same bytes" in d.message]
    assert len(said) == 1 and said[0].severity == "warning"
    assert result.cables == 6
    assert re.search(r"read once", said[0].message)


def test_a_rows_diagnostic_names_its_row_in_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A range's rows are numbered by their first field, as in the whole file: a broken row
    25 is said to be row 25 whichever range holds it (it was 25 plus the range's first row)."""
    content = tmp_path / "content"
    csv_path = small_csv(content)
    data = csv_path.read_bytes()
    at = _row_at(data, 26) - 2  # the closing quote of row 25's last field
    csv_path.write_bytes(data[:at] + b"\n" + data[at + 1 :])
    whole = build(content, tmp_path / "whole", Config(), jobs=1).diagnostics
    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    ranged = build(content, tmp_path / "ranged", Config(), jobs=1).diagnostics
    said = [(d.line, d.message) for d in ranged if d.path == "cables.csv"]
    assert said and all(line == 25 and message.startswith("row 25") for line, message in said), said
    assert said == [(d.line, d.message) for d in whole if d.path == "cables.csv"]


def test_an_edit_after_a_shard_of_the_record_was_lost_reads_the_csv_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record lacks some of the file's ranges (a shard of its units lost): read with the
    record's units, the file is cut afresh, the ranges the record still holds are taken from
    it, and the output is a clean build's."""
    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    content = tmp_path / "content"
    csv_path = small_csv(content)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    ranges = record.read(tmp_path / ".out.cache").csv_units["cables.csv"]
    last = ranges[-1][1]  # the last range's: not the edited one
    (tmp_path / ".out.cache" / record.UNITS / f"{last[:2]}.pickle").unlink()
    csv_path.write_bytes(_longer(csv_path.read_bytes()))
    with monkeypatch.context() as m:  # (the store's way needs only the edited range's shard)
        m.setattr(build_module, "load_edit", lambda *a: None)
        build(content, out, Config(), jobs=1)
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)


def test_edits_of_a_csv_from_the_warm_state_parse_only_what_changed(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``cablesite serve`` builds (the record kept in memory, the watcher naming the file):
    each edit of the CSV parses only the bytes it changed and gives a clean build's output."""
    from generator.warm import Warm

    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    content = tmp_path / "content"
    csv_path = small_csv(content)
    out, warm = tmp_path / "out", Warm()
    build(content, out, Config(), jobs=1, warm=warm)
    warm.watching()
    build(content, out, Config(), jobs=1, warm=warm)
    parsed: list[bytes] = []
    real_parse = parse.read_csv
    monkeypatch.setattr(parse, "read_csv", lambda rel, data: parsed.append(data) or real_parse(rel, data))
    for n, edit in enumerate([_longer, _shorter, _appended, _row_removed]):
        parsed.clear()
        csv_path.write_bytes(edit(csv_path.read_bytes()))
        warm.note([str(csv_path)])
        build(content, out, Config(), jobs=1, warm=warm)
        assert sum(map(len, parsed)) <= 2 * csvranges.CHUNK + 2000, edit.__name__
        # (a row that was a range of its own, cut so by the edits before, goes with it: none)
        assert parsed or edit is _row_removed, edit.__name__
        clean = tmp_path / f"clean{n}"
        build(content, clean, Config(), jobs=1)
        assert tree(out) == tree(clean), edit.__name__


def test_follow_when_repeated_bytes_match_before_the_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows A, B, B, the last B taken out: the moved hashes match from the second range on,
    before the change; the ranges kept are A and B, none is parsed (the file was cut again)."""
    monkeypatch.setattr(csvranges, "CHUNK", 100)
    path = small_csv(tmp_path, rows=2)
    data = path.read_bytes()
    b_row = data[_row_at(data, 2) :]
    path.write_bytes(data + b_row)
    old = [(a, csvranges.range_key("cables.csv", path.read_bytes()[a:b])) for a, b in csvranges.cut(path)]
    assert len(old) == 3 and old[1][1] == old[2][1]
    old_size = path.stat().st_size
    path.write_bytes(data)
    now = csvranges.follow(str(path), "cables.csv", len(data), old, old_size,
                           lambda tasks: map(csvranges.hash_ranges, tasks), 1)
    assert now == [(0, old[1][0], old[0][1]), (old[1][0], len(data), old[1][1])]
