"""The build's first phase: every input file (or byte range of a big ``cables.csv``) as a unit.

A unit whose path, size and mtime match the build record is taken from it; the others are
read and parsed in the worker processes (``workers.parse_units``), their parse cached by
content hash. Only the cables' metadata (:class:`~generator.archive.Entry`) comes back.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Collection, Iterable
from itertools import chain
from operator import itemgetter
from pathlib import Path

from .archive import Entry
from .model import ERROR, Diagnostic
from .record import Manifest
from .scan import Changes, Columns, Stamps, changed_since, stamps
from .store import Stored, Units, read_store
from .workers import Pool, parse_units

MAX_EDIT_FILES = 200
"""More files changed than this: :func:`load_edit` leaves them to :func:`load_units`."""


def load_units(content: Path, files: Stamps | Columns, old: Manifest, new: Manifest, pool: Pool,
               progress: bool, changes: Changes | None = None
               ) -> tuple[list[Entry], list[Diagnostic], set[str], set[str] | None]:
    """Entries and diagnostics of every unit, the keys of the units that came or went since
    ``old``, and the only files whose record may differ from ``old``'s (None: any may);
    unchanged files come from the manifest.
    ``files``: :func:`~generator.scan.scan` of the ``content`` folder (or its columns);
    ``changes``: when known (``cablesite serve``: :func:`~generator.scan.restat`), the only
    files whose stamps may differ from the record's. Else, when the record's scan
    (:attr:`Manifest.scan`) lists the same files, the comparison of the two says which."""
    entries: list[Entry] = []
    diagnostics: list[Diagnostic] = []
    tasks: list[tuple[str, str, int, int, frozenset[str]]] = []
    stamped: dict[str, tuple[int, int]] = {}
    old_files, old_units, new_files, new_units = old.files, old.units, new.files, new.units
    # A record of one-unit files that holds every file's unit and no other: its files'
    # units can be taken as they are (and only the others looked at below).
    one_unit = bool(old_files) and not old.csv_units
    popped: set[str] | None = None
    """The record's units taken out, when the others were copied as they are."""
    touched: set[str] | None = None
    if changes is not None and one_unit:  # a record kept in memory: it is
        files, popped, touched = _take_known(files, changes, old, new)
    else:
        # The unit keys hold their file's path (``workers.unit_key``), so the files' keys are
        # all different, and the units came only from these files: as many of each is the
        # same keys, unless a shard of the record was lost (fewer units).
        whole = one_unit and len(old_units) == len(old_files)
        changes = changed_since(files, Columns(*old.scan)) \
            if whole and isinstance(files, Columns) and old.scan else None
        if changes is not None:
            files, popped, touched = _take_known(files, changes, old, new)
        else:
            files = stamps(files) if isinstance(files, Columns) else files
            if whole and old_units.keys() == set(map(itemgetter(2), old_files.values())):
                files, touched = _take_unchanged(files, old, new)
    for rel, size, mtime in files:
        prev = old_files.get(rel)
        if prev is not None and prev[0] == size and prev[1] == mtime and prev[2] in old_units:
            new_files[rel] = prev  # a one-unit file as the record has it (a CSV's key is "")
            new_units[prev[2]] = old_units[prev[2]]
            continue
        if size < 0:
            diagnostics.append(Diagnostic(rel, 0, ERROR, "cannot read the file"))
            continue
        stamp = stamped[rel] = (size, mtime)
        keys = old.csv_units.get(rel, [prev[2]] if prev else [])
        if rel in old.csv_units and prev and prev[:2] == stamp and keys and all(k in old.units for k in keys):
            new.files[rel] = prev  # a big cables.csv as the record has it (a one-unit file: above)
            new.csv_units[rel] = keys
            for k in keys:
                new.units[k] = old.units[k]
            continue
        # A unit the record holds is not parsed again: a file touched but not changed, or the
        # ranges of an edited cables.csv that the edit left alone (each range's candidates: the
        # old units at its position and beside it, as ranges shift only when a length changes).
        keys = [k for k in keys if k in old.units]
        abs_path = f"{content}/{rel}"
        if rel.lower().endswith(".csv") and size > CSV_CHUNK:
            new.csv_units[rel] = []
            tasks.extend((abs_path, rel, a, b, frozenset(keys[max(0, n - 1) : n + 2]))
                         for n, (a, b) in enumerate(csv_ranges(Path(abs_path))))
        else:
            tasks.append((abs_path, rel, 0, -1, frozenset(keys)))
    batches: list[list[tuple[str, str, int, int, frozenset[str]]]] = []
    for task in tasks:  # a CSV range is a batch of its own; files go PARSE_BATCH a task
        if task[3] >= 0 or not batches or batches[-1][0][3] >= 0 or len(batches[-1]) == PARSE_BATCH:
            batches.append([])
        batches[-1].append(task)
    read: list[str] = []
    # Even one file goes to a worker, which has the parsers imported (``workers._init_worker``).
    parsed = pool.imap(parse_units, batches, progress, "parsing", inline=False)
    for res in (r for batch in parsed for r in batch):
        if not res.key:
            diagnostics.extend(res.diagnostics)
            continue
        read.append(res.key)
        new.units[res.key] = old.units[res.key] if res.known else (res.entries, res.diagnostics)
        if res.source in new.csv_units:
            new.csv_units[res.source].append(res.key)
            new.files[res.source] = (*stamped[res.source], "")
        else:
            new.files[res.source] = (*stamped[res.source], res.key)
    units = new.units.values()
    entries = list(chain.from_iterable(map(itemgetter(0), units)))
    diagnostics.extend(chain.from_iterable(map(itemgetter(1), units)))
    diagnostics.sort(key=_diagnostic_order)
    if popped is None:
        changed = new.units.keys() ^ old.units.keys()
        new.unit_diagnostics = _unit_diagnostics(new.units.items())
    else:  # only these can differ (a set of 251,287 keys took 0.05 s, and three passes needed one)
        changed = {k for k in popped if k not in new.units} | {k for k in read if k not in old.units}
        new.unit_diagnostics = _unit_diagnostics(((k, new.units[k]) for k in {*popped, *read} if k in new.units),
                                                 old.unit_diagnostics, popped)
    return entries, diagnostics, changed, touched


def _unit_diagnostics(units: Iterable[tuple[str, tuple[list[Entry], list[Diagnostic]]]],
                      since: dict[str, list[tuple[str, int, str, str]]] | None = None,
                      gone: Collection[str] = ()) -> dict[str, list[tuple[str, int, str, str]]]:
    """:attr:`~generator.record.Manifest.unit_diagnostics` of ``units``, over those of ``since``
    (a record's) but the units ``gone``: an edit does not go through the 251,287 units of the
    release (0.05 s here)."""
    rows = {k: v for k, v in since.items() if k not in gone} if since is not None else {}
    rows.update((k, [(d.path, d.line, d.severity, d.message) for d in u[1]]) for k, u in units if u[1])
    return rows


def _diagnostic_order(d: Diagnostic) -> tuple[str, int, str]:
    return d.path, d.line, d.message


def load_edit(content: Path, files: Stamps | Columns, old: Manifest, new: Manifest, pool: Pool, progress: bool,
              cache_root: Path) -> tuple[Stored, list[Diagnostic], set[str], set[str]] | None:
    """:func:`load_units` for an edit of a few cables that leaves their ids, dates, origins
    and pages where they were, without reading the record's units: the cables come from its
    store (``store.py``), with the edited ones over it, and the record's units are read only
    for the shards of the files read again. ``None``: not such an edit (or the record has no
    store); :func:`load_units` then does it all."""
    if not (old.store and old.files and not old.csv_units and isinstance(files, Columns) and old.scan):
        return None
    changes = changed_since(files, Columns(*old.scan))
    if changes is None or len(changes) > MAX_EDIT_FILES \
            or any(stamp is None or stamp[0] < 0 or rel not in old.files for rel, stamp in changes.items()):
        return None
    was = {old.files[rel][2]: rel for rel in changes}
    units = Units(cache_root, old.code, len(old.files))
    if not all(k in units for k in was):  # a shard lost: the record is read whole
        return None
    # The files the record lacks (no cable in them, or unreadable) are read again, as always.
    lacking: list[tuple[str, int]] = []
    if files.names.count("\0") + bool(files.names) != len(old.files):
        names, sizes = files.names.split("\0") if files.names else [], array("q", files.sizes)
        lacking = [(name, sizes[i]) for i, name in enumerate(names) if name not in old.files]
        if len(lacking) > MAX_EDIT_FILES:
            return None
    diagnostics = [Diagnostic(rel, 0, ERROR, "cannot read the file") for rel, size in lacking if size < 0]
    tasks = [(f"{content}/{rel}", rel, 0, -1, frozenset([old.files[rel][2]])) for rel in changes]
    tasks += [(f"{content}/{rel}", rel, 0, -1, frozenset()) for rel, size in lacking if size >= 0]
    parsed = pool.imap(parse_units, [tasks[i : i + PARSE_BATCH] for i in range(0, len(tasks), PARSE_BATCH)],
                       progress, "parsing", inline=False)
    came: dict[str, tuple[list[Entry], list[Diagnostic]]] = {}
    read: dict[str, tuple[int, int, str]] = {}
    for res in (r for batch in parsed for r in batch):
        if not res.key and res.source not in changes:  # still no cable in it
            diagnostics.extend(res.diagnostics)
            continue
        if not res.key or res.source not in changes:  # a cable went or came
            return None
        came[res.key] = units[res.key] if res.known else (res.entries, res.diagnostics)
        read[res.source] = (*changes[res.source], res.key)  # type: ignore[misc]
    if len(read) != len(changes):
        return None
    gone = {k for k in was if k not in came}
    came = {k: u for k, u in came.items() if k not in was}
    before = {e.id: e for k in gone for e in units[k][0]}
    after = {e.id: e for u in came.values() for e in u[0]}
    if before.keys() != after.keys() or sum(len(units[k][0]) for k in gone) != len(before) \
            or sum(len(u[0]) for u in came.values()) != len(after) \
            or any((b.created, b.origin, b.href) != (after[i].created, after[i].origin, after[i].href)
                   for i, b in before.items()):
        return None  # a cable came, went or moved: its listings and neighbours are made again
    kept = read_store(cache_root, old.store, old.entry_patch)
    if kept is None or any(i not in kept for i in after):
        return None
    kept.update(after.values())
    old.units = units
    new.files.update(old.files)
    new.files.update(read)
    new.units = Units(cache_root, old.code, len(old.files), came, gone)
    new.unit_diagnostics = _unit_diagnostics(came.items(), old.unit_diagnostics, gone)
    diagnostics += [Diagnostic(*d) for ds in new.unit_diagnostics.values() for d in ds]
    diagnostics.sort(key=_diagnostic_order)
    return kept, diagnostics, gone | came.keys(), set(changes)


def _take_unchanged(files: list[tuple[str, int, int]], old: Manifest, new: Manifest
                    ) -> tuple[list[tuple[str, int, int]], set[str]]:
    """Copy the record's files whose stamps match into ``new`` and return the others: the
    loop of :func:`load_units` in C-level copies, for a record of one-unit files that holds
    every file's unit and no other. 0.05 s instead of 0.4 s for the 251,287 files of the release.
    Also returns the files left out of the copy (those and the files gone)."""
    old_files = old.files
    get, missing = old_files.get, (None, None, "")  # never a file's stamps: it is read
    others = [f for f in files if (p := get(f[0], missing))[0] != f[1] or p[1] != f[2]]
    gone = old_files.keys() - {f[0] for f in files}
    left = {*gone, *(f[0] for f in others)}
    _copy_record_but(old, new, left)
    return others, left


def _take_known(files: Stamps | Columns, changes: Changes, old: Manifest,
                new: Manifest) -> tuple[Stamps, set[str], set[str]]:
    """:func:`_take_unchanged` for a record that holds each file's unit and no other, and the
    files whose stamps may have changed since; the files the record lacks (unreadable, or
    no cable in them) are read again, as always. Returns them, the units not copied, and the
    files left out of the copy (those and the changed ones)."""
    popped = _copy_record_but(old, new, changes)
    old_files = old.files
    if not isinstance(files, Columns):
        found = [f for f in files if f[0] in changes or f[0] not in old_files]
    elif files.names.count("\0") + bool(files.names) == len(old_files):  # every file is in the record
        found = [(rel, *stamp) for rel, stamp in changes.items() if stamp is not None]
    else:
        names = files.names.split("\0") if files.names else []
        look = [i for i, name in enumerate(names) if name in changes or name not in old_files]
        sizes, mtimes = array("q", files.sizes), array("q", files.mtimes)
        found = [(names[i], sizes[i], mtimes[i]) for i in look]
    return found, popped, {*changes, *map(itemgetter(0), found)}


def _copy_record_but(old: Manifest, new: Manifest, rels: Iterable[str]) -> set[str]:
    """The record's files and their units into ``new``, but for the files ``rels``; returns
    the keys of the units left out."""
    new.files.update(old.files)
    new.units.update(old.units)
    popped = set()
    for rel in rels:
        prev = new.files.pop(rel, None)
        if prev is not None and new.units.pop(prev[2], None) is not None:
            popped.add(prev[2])
    return popped


PARSE_BATCH = 32
"""Input files a parse task: its new parses are cached in one transaction."""
CSV_CHUNK = 4 << 20
"""Bytes of a big ``cables.csv`` per unit (about 400 cables)."""
_CSV_RECORD = re.compile(rb'\n"(\d+)","\d{1,2}/\d{1,2}/\d{4}')
_WINDOW = 1 << 16
_OVERLAP = 64
"""Bytes two windows of :func:`csv_ranges` share: more than a record's opening that
``_CSV_RECORD`` matches (a row number of up to 40 digits)."""


def csv_ranges(path: Path) -> list[tuple[int, int]]:
    """Split a big ``cables.csv`` into byte ranges that each start at a record.

    Each cut is moved forward to the next line that opens a record
    (``"<row>","<M/D/YYYY``), so workers can parse the ranges on their own.
    """
    size = path.stat().st_size
    cuts = [0]
    with open(path, "rb") as f:
        pos = CSV_CHUNK
        while pos < size:
            # a record opens within a cable's length: read 64 KB at a time (1 MB windows read a
            # quarter of the release's 2.5 GB file: 0.08 s of an edit), each window overlapping
            # the last by more than a record's opening so that none is missed at a boundary
            f.seek(pos)
            window = f.read(_WINDOW)
            m = _CSV_RECORD.search(window)
            if not m:
                pos += len(window) - _OVERLAP if len(window) > _OVERLAP else len(window) or 1
                continue
            cut = pos + m.start() + 1
            if cut > cuts[-1]:
                cuts.append(cut)
            pos = cut + CSV_CHUNK
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))
