"""The build record (``generator/record.py``) reads back as it was saved, in less memory."""

from __future__ import annotations

from pathlib import Path

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
