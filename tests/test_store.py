"""The record's store of cables and its lazily read units (``generator/store.py``)."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from generator import record, store
from generator.archive import Entry
from generator.model import WARNING, Diagnostic


def _entry(i: int, subject: str = "") -> Entry:
    return Entry(id=f"09ROME{i}", created=f"2009-01-0{i % 9 + 1}", subject=subject or f"<S{i}> \u00e9",
                 origin="Embassy Rome", classification="SECRET", tags=("PREL", f"K{i % 3}"),
                 ref_ids=(f"09ROME{i + 1}",) if i % 2 else (), unit=f"{i % 7}{i}", index=0, source=f"{i}.txt",
                 line=0, editable=False, partial=bool(i % 5 == 0), size=i * 1000, digest=bytes([i % 256]) * 12,
                 href=f"cable/2009/01/09ROME{i}.html", row_digest=bytes([i % 256, 1]))


def test_the_store_reads_back_each_entry_as_written_with_the_patch_over_it(tmp_path: Path) -> None:
    entries = {e.id: e for e in map(_entry, range(300))}
    token = store.write_store(tmp_path, entries)
    assert token
    patch = {"09ROME7": tuple(_entry(7, "EDITED"))}
    stored = store.read_store(tmp_path, token, patch)
    assert stored is not None and len(stored) == 300 and list(stored) == sorted(entries)
    assert stored["09ROME7"].subject == "EDITED" and isinstance(stored["09ROME7"], Entry)
    assert {k: v for k, v in stored.items() if k != "09ROME7"} == {k: v for k, v in entries.items() if k != "09ROME7"}
    assert all(isinstance(stored[k], Entry) and stored[k].tags == ("PREL", f"K{int(k[6:]) % 3}") for k in entries)
    assert "09ROME299" in stored and "09ROME300" not in stored and "" not in stored
    with pytest.raises(KeyError):
        stored["09ROME300"]
    later = _entry(8, "LATER")
    stored.update([later])
    assert stored["09ROME8"] is later
    assert stored.hrefs() == [entries[i].href for i in sorted(entries)]


@pytest.mark.parametrize("damage", ["other token", "truncated", "garbage", "empty", "patch of an unknown id"])
def test_a_store_of_another_token_or_damaged_is_not_read(tmp_path: Path, damage: str) -> None:
    entries = {e.id: e for e in map(_entry, range(50))}
    token = store.write_store(tmp_path, entries)
    path, patch = tmp_path / store.STORE, {}
    data = path.read_bytes()
    if damage == "other token":
        token = "0" * 16
    elif damage == "truncated":
        path.write_bytes(data[: len(data) - 10])
    elif damage == "garbage":
        path.write_bytes(token.encode() + b"\x10\0\0\0\0\0\0\0" + b"x" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        patch = {"09ROME999": tuple(_entry(999))}
    assert store.read_store(tmp_path, token, patch) is None
    assert store.read_store(tmp_path, "", {}) is None
    assert store.store_token(tmp_path) == ("" if damage == "empty" else data[:16].decode())


def test_an_id_the_store_cannot_hold_gives_no_store(tmp_path: Path) -> None:
    e = _entry(1)._replace(id="09ROME\0X")
    assert store.write_store(tmp_path, {e.id: e}) is None


def test_units_read_only_the_shards_asked_for_and_iterate_as_the_whole_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    units = {f"{i % 5}{i % 3}u{i}": ([_entry(i)], [Diagnostic(f"{i}.txt", 1, WARNING, "odd")] if i % 4 else [])
             for i in range(60)}
    record.save(tmp_path, record.Manifest(code="c1", units=units), {})
    read: list[str] = []
    real = record.read_shard
    monkeypatch.setattr(record, "read_shard", lambda root, name, code: read.append(name) or real(root, name, code))
    came = {"00new": ([_entry(70)], [])}
    lazy = store.Units(tmp_path, "c1", len(units), came, {"00u0"})
    assert lazy["21u37"] == units["21u37"] and "21u7" in lazy and "21u8" not in lazy
    assert "00u0" not in lazy and "00new" in lazy and lazy["00new"] == came["00new"]
    with pytest.raises(KeyError):
        lazy["00u0"]
    assert sorted(set(read)) == ["21"]  # one shard read, once
    assert dict(lazy.items()) == {**{k: v for k, v in units.items() if k != "00u0"}, **came}
    assert store.Units(tmp_path, "other code", len(units)).get("21u37") is None


def test_an_entry_that_cannot_be_unpacked_is_said_damaged(tmp_path: Path) -> None:
    from generator.table import Damaged

    entries = {e.id: e for e in map(_entry, range(20))}
    token = store.write_store(tmp_path, entries)
    assert token
    path = tmp_path / store.STORE
    data = path.read_bytes()
    first = marshal.dumps(tuple(entries["09ROME0"]), 2)
    assert data.count(first) == 1
    path.write_bytes(data.replace(first, b"\0" * len(first)))  # the lengths kept: read, damaged within
    stored = store.read_store(tmp_path, token, {})
    assert stored is not None and stored["09ROME1"] == entries["09ROME1"]
    with pytest.raises(Damaged):
        stored["09ROME0"]
