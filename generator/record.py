"""The build record: what the last build saw and made, the basis of incremental builds.

Lektor's dependency records, reduced to hashes: for each input file its stamp and unit key,
for each output file the key of what it shows (``Manifest.pages``). It lives in
``.<output>.cache/`` beside the output: :data:`MANIFEST`, and the units' entries and
diagnostics in shards by key under ``units/`` (an edit rewrites two shards).
"""

from __future__ import annotations

import marshal
import pickle
import shutil
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import paths, write
from .archive import Entry
from .model import Diagnostic


@dataclass(slots=True)
class Manifest:
    """What the last build saw and made; the basis of incremental builds."""

    fingerprint: str = ""
    code: str = ""
    """The code version the units were parsed with: another version re-reads every file."""
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    """Input path -> (size, mtime_ns, unit key) of one-unit files."""
    units: dict[str, tuple[list[Entry], list[Diagnostic]]] = field(default_factory=dict)
    """Unit key -> its entries and diagnostics."""
    csv_units: dict[str, list[str]] = field(default_factory=dict)
    """CSV input path -> its unit keys, for a CSV whose (size, mtime) match."""
    pages: dict[str, bytes] = field(default_factory=dict)
    """Output path -> key of the page last written there."""
    search_key: str = ""
    """Hash of every input of the search index (the cables, their doc numbers and hrefs)."""
    search_batches: list[str] = field(default_factory=list)
    """Cache key of each batch's partial index, in doc order."""
    search_docs: str = ""
    """Hash of the doc numbering (every cable's href in doc order): kept, the index can be patched."""
    editorial: str = ""
    """Hash of the editorial pages' paths and texts."""
    sitemaps: str = ""
    """Hash of the base URL and the pages besides the cables' that the sitemaps list."""
    listings: dict[str, tuple[bytes, bytes, int, tuple[tuple[str, int], ...]]] = field(default_factory=dict)
    """Listing base path -> its :meth:`listing.Listing.signature`, :meth:`~listing.Listing.fields_key`,
    number of cables and :func:`listing.per_year`: an unchanged listing's pages are not planned."""


MANIFEST = "manifest.marshal"
"""The record but its units: plain dicts, lists and tuples, in :mod:`marshal`'s format, which
Python writes 8 times and reads 1.3 times as fast as a pickle (0.05 s against 0.35 s to
write the record of 251,287 cables). Its format may change with the Python version: the
version is in the file, and a record of another one is not read (every page is made again)."""
_FIELDS = tuple(f.name for f in fields(Manifest) if f.name != "units")
_HEADER = ("cablesite-record", 1, sys.version_info[:2], _FIELDS)


def read(cache_root: Path) -> Manifest:
    """The last build's record, or an empty one when there is none or it cannot be read."""
    try:
        data = marshal.loads((cache_root / MANIFEST).read_bytes())
        if not (isinstance(data, tuple) and len(data) == 2 and data[0] == _HEADER
                and isinstance(data[1], tuple) and len(data[1]) == len(_FIELDS)):
            return Manifest()
        manifest = Manifest(**dict(zip(_FIELDS, data[1], strict=True)))
    except (OSError, EOFError, ValueError, TypeError):
        return Manifest()
    manifest.units = _load_units(cache_root, manifest.code)
    return manifest


UNITS = "units"
"""Folder of the build record's units (beside :data:`MANIFEST`), in shards by the first two
characters of their keys: an edit rewrites two shards, not the entries of the whole archive
(pickling 251,287 entries took 2.2 s)."""


def _load_units(cache_root: Path, code: str) -> dict[str, tuple[list[Entry], list[Diagnostic]]]:
    """Every unit of the shards written by this code. A unit missing here (a lost or damaged
    shard) only costs its file a new read: ``_load`` finds it not in the record."""
    units: dict[str, tuple[list[Entry], list[Diagnostic]]] = {}
    try:
        shards = sorted((cache_root / UNITS).glob("*.pickle"))
    except OSError:
        return units
    for path in shards:
        try:
            with open(path, "rb") as f:
                shard_code, shard = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            continue
        if shard_code == code and isinstance(shard, dict):
            units.update(shard)
    return units


def save(cache_root: Path, manifest: Manifest, old_units: dict[str, object]) -> None:
    """Write the record: the shards of units that came or went since ``old_units``, then the rest."""
    cache_root.mkdir(parents=True, exist_ok=True)
    folder = cache_root / UNITS
    if not old_units:  # a first build, or one after a code change: no shard is worth keeping
        shutil.rmtree(folder, ignore_errors=True)
    shards: dict[str, dict] = {k[:2]: {} for k in manifest.units.keys() ^ old_units.keys()}
    if shards:
        for key, unit in manifest.units.items():
            shard = shards.get(key[:2])
            if shard is not None:
                shard[key] = unit
        for name, shard in sorted(shards.items()):
            write.write_file(folder / f"{paths.safe_name(name)}.pickle",
                             pickle.dumps((manifest.code, shard), protocol=pickle.HIGHEST_PROTOCOL))
    rest = tuple(getattr(manifest, name) for name in _FIELDS)
    write.write_file(cache_root / MANIFEST, marshal.dumps((_HEADER, rest)))
    (cache_root / "manifest.pickle").unlink(missing_ok=True)  # the record as earlier versions wrote it
