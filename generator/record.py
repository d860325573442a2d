"""The build record: what the last build saw and made, the basis of incremental builds.

Lektor's dependency records, reduced to hashes: for each input file its stamp and unit key,
for each output file the key of what it shows (``Manifest.pages``). It lives in
``.<output>.cache/`` beside the output: :data:`MANIFEST` and the changes made to it since
it was written (:data:`JOURNAL`: an edit writes a few entries, not the whole record), and the
units' entries and diagnostics in shards by key under ``units/`` (an edit rewrites two shards),
and every cable's entry in a store that an edit reads only in part (``store.py``).
"""

from __future__ import annotations

import marshal
import os
import pickle
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NamedTuple

from . import paths, write
from .archive import Archive, Entry, Ids, Neighbours, YearOf
from .model import Diagnostic
from .table import Table, pack, unpack


@dataclass(slots=True)
class Manifest:
    """What the last build saw and made; the basis of incremental builds."""

    fingerprint: str = ""
    code: str = ""
    """The code version the units were parsed with: another version re-reads every file."""
    files: Table = field(default_factory=Table)
    """Input path -> (size, mtime_ns, unit key) of one-unit files (a :class:`~generator.table.Table`:
    a dict to its users; in :data:`MANIFEST`, in columns unpacked an entry at a time)."""
    units: dict[str, tuple[list[Entry], list[Diagnostic]]] = field(default_factory=dict)
    """Unit key -> its entries and diagnostics."""
    csv_units: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Big CSV input path -> (start, unit key) of each of its ranges, in file order
    (``csvranges.py``): an edit keeps the ranges it left alone."""
    pages: Table = field(default_factory=Table)
    """Output path -> key of the page last written there (the cables' pages in columns)."""
    search_key: str = ""
    """Hash of every input of the search index (the cables, their batches and hrefs)."""
    search_batches: list[str] = field(default_factory=list)
    """Cache key of each batch's partial index, in doc order."""
    search_docs: str = ""
    """Hash of the doc numbering (every cable's href in doc order): kept, the index can be patched."""
    search_cuts: list[int] = field(default_factory=list)
    """Index in the sorted ids of each batch's first cable (``searchplan.cuts``)."""
    editorial: str = ""
    """Hash of the editorial pages' paths and texts."""
    sitemaps: str = ""
    """Hash of the base URL and the pages besides the cables' that the sitemaps list."""
    listings: dict[str, tuple[bytes, bytes, int, tuple[tuple[str, int], ...]]] = field(default_factory=dict)
    """Listing base path -> its :meth:`listing.Listing.signature`, :meth:`~listing.Listing.fields_key`,
    number of cables and :func:`listing.per_year`: an unchanged listing's pages are not planned."""
    index: str = ""
    """Token of the :data:`INDEX` file saved with this record ("": none was)."""
    scan: tuple = ()
    """The scan of the content folder this record's files were read after, as the three
    fields of :class:`~generator.scan.Columns`: the next build compares its own scan with
    it, not each file's stamps. ``()``: not kept (a server's builds, which learn what
    changed from the file watcher); the next ``cablesite build`` compares file by file."""
    store: str = ""
    """Token of the :data:`~generator.store.STORE` file of this record's cables ("": none, or
    two files held one id: an edit then reads the whole record)."""
    entry_patch: dict[str, tuple] = field(default_factory=dict)
    """Id -> entry (as a tuple) of the cables changed since the store was written."""
    unit_diagnostics: dict[str, list[tuple[str, int, str, str]]] = field(default_factory=dict)
    """Unit key -> its diagnostics as (path, line, severity, message), of the units that have
    some: what an edit that does not read :attr:`units` reports."""
    journal: dict = field(default_factory=dict, compare=False)
    """Not a field of the file: the record on disk this one was read from or saved as, as
    ``{"token": the token of its MANIFEST, name: (updates, removed keys)}`` for each of
    :data:`_DICTS`: what :data:`JOURNAL` holds. ``{}``: none (the next save writes it whole)."""


MANIFEST = "manifest.marshal"
"""The record but its units: plain dicts, lists and tuples, in :mod:`marshal`'s format, which
Python writes 8 times and reads 1.3 times as fast as a pickle (0.05 s against 0.35 s to
write the record of 251,287 cables). Its format may change with the Python version: the
version is in the file, and a record of another one is not read (every page is made again)."""
_MARSHAL_VERSION = 2
"""Without the references to objects met before (version 3 on): the record's strings are
shared with the index and the pages, and marshal's table of them made writing the release's
record take 0.16 s instead of 0.06."""
_FIELDS = tuple(f.name for f in fields(Manifest) if f.name not in ("units", "journal"))
_HEADER = ("cablesite-record", 4, sys.version_info[:2], sys.byteorder, _FIELDS)
_TABLES = {"files": "", "pages": paths.CABLES}
"""The fields that :data:`MANIFEST` holds as :func:`table.pack` makes them, with the prefix
of the keys in columns (``table.py``): every file; the cables' pages, which an edit does
not look at but for a few, where its plan looks up every other page's key."""
JOURNAL = "journal.marshal"
"""The changes to the record since :data:`MANIFEST` was written, for the token of that file:
for each of its big dicts (:data:`_DICTS`) the entries that changed or came and the keys that
went, and every other field. An edit of a cable of the release changes about 25 of the
566,000 entries of ``files`` and ``pages``; writing the whole record again took 0.1-0.3 s
(marshal, a 52 MB file, and freeing the old one), the journal a few milliseconds. A journal
past :data:`JOURNAL_LIMIT` entries is folded into a new MANIFEST."""
_DICTS = ("files", "pages", "listings", "csv_units", "entry_patch", "unit_diagnostics")
JOURNAL_LIMIT = 20_000
PENDING = "record.pending"
"""Present from the moment a build starts changing the output until its record is saved:
the record on disk then says nothing true of the output, and is not read."""
_MISSING = object()


def read(cache_root: Path, units: bool = True) -> Manifest:
    """The last build's record, or an empty one when there is none or it cannot be read.
    ``units``: read :attr:`Manifest.units` too (else :func:`read_units` does, if needed)."""
    if (cache_root / PENDING).exists():
        return Manifest()
    try:
        data = marshal.loads((cache_root / MANIFEST).read_bytes())
        if not (isinstance(data, tuple) and len(data) == 3 and data[0] == _HEADER and isinstance(data[1], str)
                and isinstance(data[2], tuple) and len(data[2]) == len(_FIELDS)):
            return Manifest()
        values = dict(zip(_FIELDS, data[2], strict=True))
        for name in _TABLES:
            values[name] = unpack(values[name])
            if values[name] is None:
                return Manifest()
        manifest = Manifest(**values)
        manifest.journal = _apply_journal(cache_root, data[1], manifest)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):  # a damaged record or journal
        return Manifest()
    if tuple(map(type, manifest.scan)) != (str, bytes, bytes):
        manifest.scan = ()
    if units:
        read_units(cache_root, manifest)
    return manifest


def read_units(cache_root: Path, manifest: Manifest) -> None:
    """:attr:`Manifest.units` of a record read without them (every shard)."""
    if manifest.code and not manifest.units:
        manifest.units = _load_units(cache_root, manifest.code)


def exists(cache_root: Path) -> bool:
    """Whether a record is on disk for :func:`read` to read."""
    return (cache_root / MANIFEST).is_file() and not (cache_root / PENDING).exists()


def invalidate(cache_root: Path) -> None:
    """Before the output changes: the record on disk is not to be read until :func:`save`."""
    if (cache_root / MANIFEST).is_file():
        (cache_root / PENDING).touch()


def _apply_journal(cache_root: Path, token: str, manifest: Manifest) -> dict:
    """The journal of the MANIFEST with ``token`` applied to ``manifest`` (read from it), and
    returned as :attr:`Manifest.journal`. A journal of another MANIFEST (one written after it)
    is left out."""
    journal = _empty_journal(token)
    try:
        data = marshal.loads((cache_root / JOURNAL).read_bytes())
    except FileNotFoundError:
        return journal
    if not (isinstance(data, tuple) and len(data) == 4 and data[0] == _HEADER and data[1] == token):
        return journal
    _, _, changes, rest = data
    for name in _DICTS:
        updates, removed = changes[name]
        mine = getattr(manifest, name)
        for key in removed:
            mine.pop(key, None)
        mine.update(updates)
        journal[name] = (updates, removed)
    for name, value in rest.items():
        setattr(manifest, name, value)
    return journal


def _empty_journal(token: str) -> dict:
    """:attr:`Manifest.journal` of the MANIFEST with ``token`` as written: no changes yet."""
    return {"token": token, **{name: ({}, []) for name in _DICTS}}


def _journal(new: Manifest, since: Manifest, touched: dict[str, Iterable[str]]) -> dict | None:
    """:attr:`Manifest.journal` of ``new`` saved as a journal of the record ``since`` was read
    from; ``touched``: for a dict of :data:`_DICTS`, the only keys that may differ between
    the two (else each entry is compared). None: the record is to be written whole."""
    if not since.journal:
        return None
    journal: dict = {"token": since.journal["token"]}
    size = 0
    for name in _DICTS:
        mine, was = getattr(new, name), getattr(since, name)
        updates, removed = dict(since.journal[name][0]), set(since.journal[name][1])
        keys = touched.get(name)
        if keys is None:
            keys = [k for k, v in mine.items() if was.get(k, _MISSING) != v] + [k for k in was if k not in mine]
        for key in keys:
            value = mine.get(key, _MISSING)
            if value is _MISSING:
                if key in was:
                    removed.add(key)
                    updates.pop(key, None)
            elif was.get(key, _MISSING) != value:
                updates[key] = value
                removed.discard(key)
        journal[name] = (updates, sorted(removed))
        size += len(updates) + len(removed)
    return journal if size <= JOURNAL_LIMIT else None


UNITS = "units"
"""Folder of the build record's units (beside :data:`MANIFEST`), in shards by the first two
characters of their keys: an edit rewrites two shards, not the entries of the whole archive
(pickling 251,287 entries took 2.2 s)."""


SHARDS_READ = 64
"""At most this many shards changed: :func:`save` reads them, not every unit (of 256)."""


def _load_units(cache_root: Path, code: str) -> dict[str, tuple[list[Entry], list[Diagnostic]]]:
    """Every unit of the shards written by this code. A unit missing here (a lost or damaged
    shard) only costs its file a new read: ``_load`` finds it not in the record."""
    units: dict[str, tuple[list[Entry], list[Diagnostic]]] = {}
    try:
        shards = sorted((cache_root / UNITS).glob("*.pickle"))
    except OSError:
        return units
    for path in shards:
        shard = _read_shard(path, code)
        if shard is not None:
            units.update(shard)
    return units


def read_shard(cache_root: Path, name: str, code: str) -> dict | None:
    """The units of the shard ``name`` (their keys' first two characters) written by ``code``."""
    return _read_shard(_shard_path(cache_root, name), code)


def _shard_path(cache_root: Path, name: str) -> Path:
    return cache_root / UNITS / f"{paths.safe_name(name)}.pickle"


def _read_shard(path: Path, code: str) -> dict | None:
    """The units of a shard file written by ``code``; None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            shard_code, shard = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return shard if shard_code == code and isinstance(shard, dict) else None


def save(cache_root: Path, manifest: Manifest, old_units: dict[str, object], packed_index: Packed | None = None,
         saved_index: tuple[str, Packed | None] | None = None, changed: set[str] | None = None,
         since: Manifest | None = None, touched: dict[str, Iterable[str]] | None = None) -> None:
    """Write the record: the shards of units that came or went since ``old_units``, the index
    (:func:`pack_index` of the record's cables), then the rest. ``saved_index``: the token and
    packed form of the index saved with the last record; the same index is not written again
    (an edit of a subject or a text leaves it as it was). ``changed``: the keys of the units
    that came or went since ``old_units``, when known. ``since``: the record the build started
    from (as read): the changes to it are written as its journal (:func:`_journal`, with
    ``touched``), unless there are too many."""
    cache_root.mkdir(parents=True, exist_ok=True)
    folder = cache_root / UNITS
    if not old_units:  # a first build, or one after a code change: no shard is worth keeping
        shutil.rmtree(folder, ignore_errors=True)
    if changed is None:
        changed = manifest.units.keys() ^ old_units.keys()
    shards: dict[str, dict] = {k[:2]: {} for k in changed}
    if shards:
        # A few shards (an edit; of a cables.csv, a range cut in eight): each holds the units
        # its file held and those that came, if still there; else a pass over every unit
        # finds their units (reading the 256 shards of the release's cables.csv: 3 s here).
        # (a shard with no file yet holds only units that came: a damaged one, any unit)
        files = {name: _shard_path(cache_root, name) for name in shards}
        held = {name: _read_shard(path, manifest.code) if path.exists() else {}
                for name, path in files.items()} if len(shards) <= SHARDS_READ and old_units else {}
        if held and None not in held.values():
            units = manifest.units
            for name, shard in held.items():
                keys = [*shard, *(k for k in changed if k[:2] == name)]  # type: ignore[union-attr]
                shards[name] = {k: units[k] for k in keys if k in units}
        else:
            for key, unit in manifest.units.items():
                shard = shards.get(key[:2])
                if shard is not None:
                    shard[key] = unit
        memo: dict = {}
        for name, shard in sorted(shards.items()):
            write.write_file(_shard_path(cache_root, name),
                             pickle.dumps((manifest.code, _shared(shard, memo)), protocol=pickle.HIGHEST_PROTOCOL))
    manifest.index = ""
    if packed_index is not None and saved_index is not None and saved_index[0] and packed_index == saved_index[1]:
        manifest.index = saved_index[0]
    elif packed_index is not None:
        manifest.index = os.urandom(8).hex()
        write.write_file(cache_root / INDEX, marshal.dumps((manifest.index, packed_index), _MARSHAL_VERSION))
    journal = _journal(manifest, since, touched or {}) \
        if since is not None and (cache_root / MANIFEST).is_file() else None
    if journal is not None:
        rest = {name: getattr(manifest, name) for name in _FIELDS if name not in _DICTS}
        changes = {name: journal[name] for name in _DICTS}
        write.write_file(cache_root / JOURNAL, marshal.dumps((_HEADER, journal["token"], changes, rest),
                                                             _MARSHAL_VERSION))
    else:
        token = os.urandom(8).hex()
        rest = tuple(pack(getattr(manifest, name), _TABLES[name]) if name in _TABLES else getattr(manifest, name)
                     for name in _FIELDS)
        write.write_file(cache_root / MANIFEST, marshal.dumps((_HEADER, token, rest), _MARSHAL_VERSION))
        (cache_root / JOURNAL).unlink(missing_ok=True)
        journal = _empty_journal(token)
    manifest.journal = journal
    (cache_root / PENDING).unlink(missing_ok=True)
    (cache_root / "manifest.pickle").unlink(missing_ok=True)  # the record as earlier versions wrote it


def _shared(units: dict[str, tuple[list[Entry], list[Diagnostic]]], memo: dict) -> dict:
    """``units`` with each tag, list of tags, origin and classification of their entries one
    object, the same for equal values (``memo`` holds them): pickle then writes each once a
    shard, and reading the release's record makes 2 million fewer objects (0.44 s against
    0.58 s). The workers' parses come each with its own."""
    get = memo.setdefault
    out = {}
    for key, (entries, diagnostics) in units.items():
        mine = []
        for e in entries:
            tags = memo.get(e.tags)
            if tags is None:
                tags = memo[e.tags] = tuple(get(t, t) for t in e.tags)
            origin, level = get(e.origin, e.origin), get(e.classification, e.classification)
            if tags is not e.tags or origin is not e.origin or level is not e.classification:
                e = e._replace(tags=tags, origin=origin, classification=level)
            mine.append(e)
        out[key] = (mine, diagnostics)
    return out


INDEX = "index.marshal"
"""The index of the record's cables (:class:`~generator.archive.Archive` but its entries and
neighbours), with the token that :attr:`Manifest.index` names it by. A build that only
edits cables patches it (``delta.patch_index``): reading it takes 0.2 s for the 251,287
cables of the release, indexing them 1.0 s. Each list of ids is one string, its ids joined
by :data:`_SEP` (a list of 251,287 strings reads ten times slower), split when first read
(:class:`~generator.archive.Ids`), and its length is kept beside it; the ids in order
(:attr:`~generator.archive.Archive.ids`) are joined too."""
_SEP = "\0"
_LISTS = ("cited_by", "by_tag", "by_origin", "by_year", "by_month", "by_classification")
Packed = tuple
"""An index as :data:`INDEX` holds it (:func:`pack_index`)."""


def pack_index(archive: Archive, last: tuple[Archive, Packed] | None = None) -> Packed | None:
    """``archive`` as :data:`INDEX` holds it; ``None`` when an id holds :data:`_SEP`.
    ``last``: an index and its packed form, whose lists ``archive`` shares (the same objects,
    as ``delta.patch_index`` leaves them) are taken packed from it (an edit joins a few lists,
    not all)."""
    join = _SEP.join
    base, base_packed = last if last is not None and last[1] is not None else (None, ())
    if base is not None and archive.order is base.order and archive.ids is base.ids:
        order, ids = base_packed[:2]
    else:
        order, ids = join(archive.order), join(archive.ids)
        if order.count(_SEP) != max(len(archive.order) - 1, 0) or len(archive.ids) != len(archive.order) \
                or ids.count(_SEP) != order.count(_SEP):
            return None  # the ids never hold it, but input is not trusted
    lists, counts = [], []
    for n, name in enumerate(_LISTS):
        now = getattr(archive, name)
        was = getattr(base, name) if base is not None else {}
        packed = base_packed[2 + n] if base is not None else {}
        packed_counts = base_packed[2 + len(_LISTS) + n] if base is not None else {}
        if now is not was:  # the lists not taken from ``base`` joined, the others as packed
            get = was.get
            mine = [k for k, v in now.items() if get(k) is not v]
            packed, packed_counts = dict(packed), dict(packed_counts)
            for k in packed.keys() - now.keys():
                del packed[k], packed_counts[k]
            for k in mine:
                packed[k], packed_counts[k] = join(now[k]), len(now[k])
        lists.append(packed)
        counts.append(packed_counts)
    return (order, ids, *lists, *counts)


class SavedIndex(NamedTuple):
    """The index of :data:`INDEX` read and split, before the cables it indexes are known."""

    order: list[str]
    ids: list[str]
    lists: dict[str, dict[str, Ids]]
    """Each of :data:`_LISTS` by name, each list split when first read."""
    packed: Packed


def load_index(cache_root: Path, token: str) -> SavedIndex | None:
    """The index saved with the record of ``token`` (:attr:`Manifest.index`), split; ``None``
    when there is none. (``build.py`` reads it while a worker still scans the files.)"""
    if not token:
        return None
    try:
        data = marshal.loads((cache_root / INDEX).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == token
            and isinstance(data[1], tuple) and len(data[1]) == 2 + 2 * len(_LISTS)):
        return None
    packed = data[1]
    try:  # a file of this token holds what pack_index made, unless damaged within
        order = packed[0].split(_SEP) if packed[0] else []
        ids = packed[1].split(_SEP) if packed[0] else []
        if len(ids) != len(order):
            return None
        n = len(_LISTS)
        lists = {name: {k: Ids(v, _SEP, counts[k]) for k, v in saved.items()}
                 for name, saved, counts in zip(_LISTS, packed[2 : 2 + n], packed[2 + n :], strict=True)}
        if not all(isinstance(v, str) for saved in packed[2 : 2 + n] for v in saved.values()) \
                or not all(type(c) is int for counts in packed[2 + n :] for c in counts.values()):
            return None
    except (AttributeError, TypeError, ValueError, KeyError):
        return None
    return SavedIndex(order, ids, lists, packed)


def read_index(cache_root: Path, token: str, entries: dict[str, Entry],
               saved: SavedIndex | None = None, any_count: bool = False) -> tuple[Archive, Packed] | None:
    """The index saved with the record of ``token`` (:func:`load_index`, or ``saved``, read
    before), as an archive of ``entries`` (the record's cables), and its packed form;
    ``None`` when there is none, or it does not index as many cables. ``any_count``: it may
    index other cables (``moves.moved``, for which ``entries`` are this build's: only the
    index's lists are used)."""
    saved = saved if saved is not None else load_index(cache_root, token)
    if saved is None or (len(saved.order) != len(entries) and not any_count):
        return None
    archive = Archive(entries, order=saved.order, year_of=YearOf(entries), ids=saved.ids,
                      neighbours=Neighbours(saved.lists["by_origin"], entries))
    for name in _LISTS:
        setattr(archive, name, saved.lists[name])
    return archive, saved.packed
