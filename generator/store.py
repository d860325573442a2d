"""The record's cables as an edit reads them: one file, each entry unpacked when asked for.

An edit of one cable of the release needs a few hundred of its 251,287 entries (the cables
its page, its listings' pages and its search batch show), but reading the build record's
unit shards made all of them: 1.1 s of a 4.5 s edit on a slow machine. :data:`STORE` holds
every kept cable's :class:`~generator.archive.Entry`, each marshalled on its own, in the
order of their ids; :class:`Stored` maps an id to its entry through a binary search and
unpacks it at its first read. The file is written by a build that changed the set of
cables (or anything but a few of them); an edit keeps it, and the entries changed since it
was written are in the record (:attr:`~generator.record.Manifest.entry_patch`).

The file: its token (16 hexadecimal digits, :func:`store_token` reads them alone), an 8-byte
little-endian length, a :mod:`marshal` header of that length ``(magic, token, count, ids
joined by NUL, hrefs joined by NUL, offsets)``, then the packed entries, entry ``n`` at
``offsets[n]:offsets[n + 1]`` from the header's end. It is read
through :mod:`mmap`: replacing it (``write.write_file`` renames a new file over it) leaves
an open map on the old one valid.
"""

from __future__ import annotations

import bisect
import marshal
import mmap
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import record, write
from .archive import Entry
from .model import Diagnostic
from .table import UNPACK_ERRORS, Damaged

Unit = tuple[list[Entry], list[Diagnostic]]

STORE = "entries.marshal"
_MAGIC = "cablesite-entries-1"
_SEP = "\0"
_MARSHAL_VERSION = 2
_TOKEN = 16
PATCH_LIMIT = 2000
"""More entries than this changed since the store was written: write it again."""


class Stored(Mapping[str, Entry]):
    """Id -> entry of the record's cables: :data:`STORE`'s, each unpacked when first read,
    under ``patch`` (the entries changed since it was written). Iterates in id order."""

    __slots__ = ("ids", "_hrefs", "_offsets", "_view", "_base", "_patch", "_made")

    def __init__(self, ids: list[str], hrefs: str, offsets: array, view: memoryview, base: int,
                 patch: Mapping[str, Entry]) -> None:
        self.ids = ids
        """Every id, sorted: the store's (the patch changes entries, not ids)."""
        self._hrefs, self._offsets, self._view, self._base = hrefs, offsets, view, base
        self._patch = patch
        self._made: dict[str, Entry] = {}

    def __getitem__(self, cable_id: str) -> Entry:
        made = self._made.get(cable_id)
        if made is not None:
            return made
        made = self._patch.get(cable_id)
        if made is None:
            ids = self.ids
            n = bisect.bisect_left(ids, cable_id)
            if n == len(ids) or ids[n] != cable_id:
                raise KeyError(cable_id)
            a, b = self._offsets[n], self._offsets[n + 1]
            try:
                made = tuple.__new__(Entry, marshal.loads(self._view[self._base + a : self._base + b]))
            except UNPACK_ERRORS:
                raise Damaged(f"the entry of {cable_id} in the record's store") from None
        self._made[cable_id] = made
        return made

    def __contains__(self, cable_id: object) -> bool:
        ids = self.ids
        n = bisect.bisect_left(ids, cable_id)  # type: ignore[arg-type]
        return n < len(ids) and ids[n] == cable_id

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def update(self, entries: Iterable[Entry]) -> None:  # type: ignore[override]
        """Put ``entries`` (of cables the store holds) over the store's."""
        for e in entries:
            self._patch[e.id] = e  # type: ignore[index]
            self._made.pop(e.id, None)

    def hrefs(self) -> list[str]:
        """Every cable page's path, in id order, without unpacking an entry (an edit looks up
        the recorded keys of all of them)."""
        hrefs = self._hrefs.split(_SEP) if self._hrefs else []
        for cable_id, e in self._patch.items():
            hrefs[bisect.bisect_left(self.ids, cable_id)] = e.href
        return hrefs


def write_store(cache_root: Path, entries: Mapping[str, Entry]) -> str | None:
    """Write ``entries`` (the kept cables) as :data:`STORE`; its new token, or ``None`` when
    an id holds a NUL (never, but input is not trusted) or an entry cannot be marshalled."""
    ids = sorted(entries)
    hrefs: list[str] = []
    offsets = array("q", [0])
    parts: list[bytes] = []
    size = 0
    dumps = marshal.dumps
    try:
        for cable_id in ids:
            e = entries[cable_id]
            data = dumps(tuple(e), _MARSHAL_VERSION)
            parts.append(data)
            size += len(data)
            offsets.append(size)
            hrefs.append(e.href)
    except ValueError:
        return None
    joined_ids, joined_hrefs = _SEP.join(ids), _SEP.join(hrefs)
    if joined_ids.count(_SEP) != max(len(ids) - 1, 0) or joined_hrefs.count(_SEP) != max(len(ids) - 1, 0):
        return None
    token = os.urandom(8).hex()
    header = marshal.dumps((_MAGIC, token, len(ids), joined_ids, joined_hrefs, offsets.tobytes()), _MARSHAL_VERSION)
    write.write_file(cache_root / STORE, b"".join([token.encode(), len(header).to_bytes(8, "little"), header, *parts]))
    return token


def store_token(cache_root: Path) -> str:
    """The token of the :data:`STORE` on disk ("": none), read alone."""
    try:
        with open(cache_root / STORE, "rb") as f:
            return f.read(_TOKEN).decode("ascii", "replace")
    except OSError:
        return ""


def read_store(cache_root: Path, token: str, patch: Mapping[str, tuple]) -> Stored | None:
    """The store of ``token`` (:attr:`~generator.record.Manifest.store`) with ``patch`` over
    it; ``None`` when there is none, it is of another token, or it is damaged."""
    if not token:
        return None
    try:
        with open(cache_root / STORE, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mapped)
        if bytes(view[:_TOKEN]) != token.encode():
            return None
        start = _TOKEN + 8
        length = int.from_bytes(view[_TOKEN:start], "little")
        header = marshal.loads(view[start : start + length])
        magic, their_token, count, ids, hrefs, offsets = header
        if magic != _MAGIC or their_token != token:
            return None
        ids = ids.split(_SEP) if ids else []
        table = array("q")
        table.frombytes(offsets)
        if len(ids) != count or len(table) != count + 1 or table[-1] != len(view) - start - length:
            return None
        if hrefs.count(_SEP) != max(count - 1, 0):
            return None
        entries = {k: tuple.__new__(Entry, v) for k, v in patch.items()}
        if any(len(e) != len(Entry._fields) for e in entries.values()) or not all(
                (n := bisect.bisect_left(ids, k)) < count and ids[n] == k for k in entries):
            return None
    except (OSError, ValueError, TypeError, EOFError):
        return None
    return Stored(ids, hrefs, table, view, start + length, entries)


class Units(Mapping[str, Unit]):
    """Unit key -> its entries and diagnostics, as :attr:`~generator.record.Manifest.units`,
    with the record's shards read when one of their units is first asked for: ``added``
    over them, ``removed`` taken out. An edit asks for those of the files it read again and
    of their shards (which it writes again); iterating reads every shard."""

    __slots__ = ("cache_root", "code", "added", "removed", "count", "_shards")

    def __init__(self, cache_root: Path, code: str, count: int, added: dict[str, Unit] | None = None,
                 removed: set[str] | None = None) -> None:
        self.cache_root, self.code = cache_root, code
        self.added: dict[str, Unit] = added or {}
        self.removed: set[str] = removed or set()
        self.count = count
        """How many units the mapping holds (the record's files': a unit of a lost shard is
        counted but not found, as :func:`~generator.record.read` leaves it out)."""
        self._shards: dict[str, dict[str, Unit]] = {}

    def _shard(self, key: str) -> dict[str, Unit]:
        shard = self._shards.get(key[:2])
        if shard is None:
            shard = self._shards[key[:2]] = record.read_shard(self.cache_root, key[:2], self.code) or {}
        return shard

    def __getitem__(self, key: str) -> Unit:
        unit = self.added.get(key)
        if unit is not None:
            return unit
        if key in self.removed:
            raise KeyError(key)
        return self._shard(key)[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self.added or (key not in self.removed and key in self._shard(key)))

    def __iter__(self) -> Iterator[str]:
        units = record._load_units(self.cache_root, self.code)
        yield from (k for k in units if k not in self.removed and k not in self.added)
        yield from self.added

    def __len__(self) -> int:
        return self.count
