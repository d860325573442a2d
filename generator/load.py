"""The build's first phase: every input file (or byte range of a big ``cables.csv``) as a unit.

A unit whose path, size and mtime match the build record is taken from it; the others are
read and parsed in the worker processes (``workers.parse_units``), their parse cached by
content hash. Only the cables' metadata (:class:`~generator.archive.Entry`) comes back.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable
from itertools import chain
from operator import itemgetter
from pathlib import Path

from . import csvranges
from .archive import Entry, share
from .model import ERROR, WARNING, Diagnostic
from .record import Manifest
from .scan import Changes, Columns, Stamps, changed_since, stamps
from .store import Stored, Units, read_store
from .workers import Pool, parse_units

Task = tuple[str, str, int, int, frozenset[str]]
"""A unit to read (``workers.parse_units``): path, path in the content folder, start and end
of a CSV range (end -1: the whole file), and the keys it may have that the record holds."""
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
    tasks: list[Task] = []
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
    planned: dict[str, list[tuple[int, str]]] = {}
    """A big CSV read again -> (start, key) of its ranges, the key "" until the range is parsed."""
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
        ranges = old.csv_units.get(rel, [])
        held = bool(ranges) and prev is not None and all(k in old_units for _, k in ranges)
        if held and prev[:2] == stamp:  # type: ignore[index]
            new_files[rel] = prev  # type: ignore[assignment]  # a big cables.csv as the record has it
            new.csv_units[rel] = ranges
            for _, k in ranges:
                new_units[k] = old_units[k]
            continue
        abs_path = f"{content}/{rel}"
        if rel.lower().endswith(".csv") and size > csvranges.CHUNK:
            # an edited cables.csv: the ranges the edit left alone are taken from the record
            followed = _follow(abs_path, rel, size, ranges, prev[0], pool) if held else None  # type: ignore[index]
            if followed is None:
                followed = [(a, b, "") for a, b in csvranges.cut(Path(abs_path))]
            known = frozenset(k for _, k in ranges if k in old_units) - {k for *_, k in followed}
            planned[rel] = [(a, k) for a, _, k in followed]
            for a, b, k in followed:
                if k:
                    new_units[k] = old_units[k]
                else:
                    tasks.append((abs_path, rel, a, b, known))
        else:  # a one-unit file touched but not changed is not parsed again
            tasks.append((abs_path, rel, 0, -1, frozenset([prev[2]] if prev and prev[2] in old_units else [])))
    read: list[str] = []
    ranged: dict[tuple[str, int], str] = {}
    """(CSV, start) -> key of each range parsed."""
    # Even one file goes to a worker, which has the parsers imported (``workers._init_worker``).
    parsed = pool.imap(parse_units, _batches(tasks), progress, "parsing", inline=False)
    shared: dict = {}
    for task, res in zip(tasks, (r for batch in parsed for r in batch), strict=True):
        if not res.key:
            diagnostics.extend(res.diagnostics)
            continue
        read.append(res.key)
        new.units[res.key] = old.units[res.key] if res.known else (share(res.entries, shared), res.diagnostics)
        if res.source in planned:
            ranged[res.source, task[2]] = res.key
        else:
            new.files[res.source] = (*stamped[res.source], res.key)
    for rel, starts in planned.items():
        keys = [(a, k or ranged.get((rel, a), "")) for a, k in starts]
        if all(k for _, k in keys):  # else (a range unreadable) the next build reads the file again
            new.csv_units[rel] = keys
            new.files[rel] = (*stamped[rel], "")
        if len({k for _, k in keys}) != len(keys):
            diagnostics.append(Diagnostic(rel, 0, WARNING, "two ranges of the file hold the same bytes: "
                                          "the cables they repeat are read once"))
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
    for the shards of the files read again (of a big ``cables.csv``, the ranges that changed).
    ``None``: not such an edit (or the record has no store); :func:`load_units` then does it all."""
    if not (old.store and old.files and isinstance(files, Columns) and old.scan):
        return None
    changes = changed_since(files, Columns(*old.scan))
    if changes is None or len(changes) > MAX_EDIT_FILES \
            or any(stamp is None or stamp[0] < 0 or rel not in old.files for rel, stamp in changes.items()):
        return None
    count = len(old.files) - len(old.csv_units) + sum(map(len, old.csv_units.values()))
    units = Units(cache_root, old.code, count)
    tasks: list[Task] = []
    was: set[str] = set()
    """Keys of the units of the changed files that may be gone."""
    followed: dict[str, list[tuple[int, int, str]]] = {}
    for rel in changes:
        if rel not in old.csv_units:
            was.add(old.files[rel][2])
            tasks.append((f"{content}/{rel}", rel, 0, -1, frozenset([old.files[rel][2]])))
            continue
        size = changes[rel][0]  # type: ignore[index]
        ranges = old.csv_units[rel]
        now = _follow(f"{content}/{rel}", rel, size, ranges, old.files[rel][0], pool) \
            if size > csvranges.CHUNK else None
        if now is None:
            return None
        followed[rel] = now
        gone_here = frozenset(k for _, k in ranges) - {k for *_, k in now}
        was |= gone_here
        tasks += [(f"{content}/{rel}", rel, a, b, gone_here) for a, b, k in now if not k]
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
    tasks += [(f"{content}/{rel}", rel, 0, -1, frozenset()) for rel, size in lacking if size >= 0]
    parsed = pool.imap(parse_units, _batches(tasks), progress, "parsing", inline=False)
    came: dict[str, tuple[list[Entry], list[Diagnostic]]] = {}
    read: dict[str, tuple[int, int, str]] = {}
    ranged: dict[tuple[str, int], str] = {}
    for task, res in zip(tasks, (r for batch in parsed for r in batch), strict=True):
        if not res.key and res.source not in changes:  # still no cable in it
            diagnostics.extend(res.diagnostics)
            continue
        if not res.key or res.source not in changes:  # a cable went or came
            return None
        came[res.key] = units[res.key] if res.known else (res.entries, res.diagnostics)
        if res.source in followed:
            ranged[res.source, task[2]] = res.key
        else:
            read[res.source] = (*changes[res.source], res.key)  # type: ignore[misc]
    csv_units: dict[str, list[tuple[int, str]]] = {}
    for rel, now in followed.items():
        keys = csv_units[rel] = [(a, k or ranged.get((rel, a), "")) for a, _, k in now]
        if not all(k for _, k in keys) or len({k for _, k in keys}) != len(keys):
            return None
        read[rel] = (*changes[rel], "")  # type: ignore[misc]
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
    new.csv_units.update(old.csv_units)
    new.csv_units.update(csv_units)
    new.units = Units(cache_root, old.code, count - len(gone) + len(came), came, gone)
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


def _batches(tasks: list[Task]) -> list[list[Task]]:
    """``tasks`` in order as the parse's batches: a CSV range a batch of its own, files
    :data:`PARSE_BATCH` a batch."""
    batches: list[list[Task]] = []
    for task in tasks:
        if task[3] >= 0 or not batches or batches[-1][0][3] >= 0 or len(batches[-1]) == PARSE_BATCH:
            batches.append([])
        batches[-1].append(task)
    return batches


def _follow(abs_path: str, rel: str, size: int, ranges: list[tuple[int, str]], old_size: int,
            pool: Pool) -> list[tuple[int, int, str]] | None:
    """:func:`csvranges.follow` with the workers hashing the ranges."""
    return csvranges.follow(abs_path, rel, size, ranges, old_size,
                            lambda tasks: pool.imap(csvranges.hash_ranges, tasks, False, "hashing", inline=False),
                            pool.jobs)
