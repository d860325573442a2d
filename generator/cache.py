"""The parse cache: each unit's cables, parsed once and kept by the unit's content key.

A rebuild reads a file again only when its bytes changed (``load.py``); the render and the
search index read the cables from here (``workers.py``), in the worker processes.

In the cache folder:

``cache.sqlite``
    ``units``: unit key -> how many cables, and the unit's diagnostics; ``cables``: (unit,
    position) -> where the cable's pickle is: (pack, offset, length).
``packs/<n>.pack``
    the pickles themselves, one after the other. Each process that parses appends to a
    pack of its own (a new one each build, and past :data:`PACK_LIMIT`), so writers never
    wait for each other, and the bytes are written once: in the database they went to its
    write-ahead log and then again to the database file (0.85 GB twice at 50,000 cables). At
    50,000 cables, storing took the workers 7.1 s of CPU that way, 5.8 s now; loading 5.8 s,
    3.4 s now.

A pickle is written before its row is committed, so a row always points at written bytes.
Rows of units no longer in the archive are dropped (:meth:`Cache.forget`); a pack left with
no rows is deleted, and one mostly dead is rewritten. It is a cache: synchronous writes are
off, and a damaged database or pack is taken as missing (the build parses again).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .model import Cable, Diagnostic

PACK_LIMIT = 256 << 20
"""A process starts a new pack when its pack has grown past this many bytes."""
SMALL_PACK = 16 << 20
"""Packs under this size (an edit's build writes one of a few kilobytes) are merged into one
when there are more than :data:`SMALL_PACKS` of them."""
SMALL_PACKS = 16

_DAMAGE = (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError,
           IndexError)
"""What reading a damaged cache raises."""


class Cache:
    """Parsed units by content key: pickled cables in pack files, their places in SQLite.

    One database and a few packs rather than a file per unit: creating a file costs more
    than parsing a cable on some disks (half a millisecond each here), and the release is
    251,287 files. A cable a row: a search batch or an edit needs a few cables of a
    400-cable CSV unit, not all of them. Each process opens its own connection and files on
    first use (the build's workers are forked).
    """

    __slots__ = ("root", "_db", "_pid", "_writer", "_readers")

    def __init__(self, root: Path) -> None:
        self.root = root
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._writer: tuple[int, int, int] | None = None
        """(pack, descriptor, size) of the pack this process appends to."""
        self._readers: dict[int, int] = {}
        """pack -> a descriptor open for reading."""

    def __reduce__(self):
        return (Cache, (self.root,))

    @property
    def file(self) -> Path:
        return self.root / "cache.sqlite"

    @property
    def packs(self) -> Path:
        return self.root / "packs"

    @property
    def _writing(self) -> int:
        """The pack this process appends to (0: none): no other process reads it whole or moves it."""
        return self._writer[0] if self._writer is not None else 0

    def _pack_path(self, pack: int) -> str:
        return f"{os.fspath(self.packs)}/{pack}.pack"

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if self._pid != os.getpid():  # forked: the parent's descriptors are not this process's to use
            self._writer, self._readers = None, {}
        self.root.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            try:
                db = sqlite3.connect(self.file, timeout=120, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute("CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
                           " diagnostics BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS cables (unit TEXT NOT NULL, idx INTEGER NOT NULL,"
                           " pack INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,"
                           " PRIMARY KEY (unit, idx))")
                db.execute("CREATE INDEX IF NOT EXISTS cables_pack ON cables (pack, length)")
                # AUTOINCREMENT: a deleted pack's number is never given again
                db.execute("CREATE TABLE IF NOT EXISTS packs (id INTEGER PRIMARY KEY AUTOINCREMENT)")
                break
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError:  # not a database: a damaged cache is started again
                if attempt == 2:
                    raise
                self._delete_files()
        self._db, self._pid = db, os.getpid()
        return db

    # -- reading ----------------------------------------------------------------------------

    def _read(self, pack: int, offset: int, length: int) -> bytes | None:
        """A pickle's bytes; None when its pack is gone or too short (damaged)."""
        fd = self._readers.get(pack)
        if fd is None:
            try:
                fd = self._readers[pack] = os.open(self._pack_path(pack), os.O_RDONLY)
            except OSError:
                return None
        try:
            data = os.pread(fd, length, offset)
        except OSError:
            return None
        return data if len(data) == length else None

    def _loads(self, where: tuple[int, int, int] | None) -> Cable | None:
        data = self._read(*where) if where is not None else None
        if data is None:
            return None
        try:
            return pickle.loads(data)
        except _DAMAGE:
            return None

    def load(self, key: str) -> tuple[list[bytes], list[Diagnostic]] | None:
        """Every cable of a unit (pickled) and its diagnostics; None when not cached (or damaged)."""
        try:
            db = self._connect()
            row = db.execute("SELECT count, diagnostics FROM units WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            cables = [self._read(*where) for where in
                      db.execute("SELECT pack, offset, length FROM cables WHERE unit = ? ORDER BY idx", (key,))]
            if len(cables) != row[0] or None in cables:
                return None
            return cables, pickle.loads(row[1])  # type: ignore[return-value]
        except _DAMAGE:
            return None

    def present(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` the cache holds, in one query (a batch's worth: at most a few
        hundred keys)."""
        if not keys:
            return set()
        try:
            marks = ",".join("?" * len(keys))
            return {k for (k,) in self._connect().execute(f"SELECT key FROM units WHERE key IN ({marks})", keys)}
        except _DAMAGE:
            return set()

    def load_one(self, key: str, index: int) -> Cable | None:
        """Cable ``index`` of a unit."""
        try:
            where = self._connect().execute("SELECT pack, offset, length FROM cables WHERE unit = ? AND idx = ?",
                                            (key, index)).fetchone()
            return self._loads(where)
        except _DAMAGE:
            return None

    def load_many(self, wanted: list[tuple[str, int]]) -> list[Cable | None]:
        """Cable ``index`` of unit ``key`` for each ``(key, index)`` of ``wanted``, in one query
        (a temporary table joined with the cables): half the time of a query a cable."""
        try:
            db = self._connect()
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (unit TEXT NOT NULL, idx INTEGER NOT NULL)")
            db.execute("DELETE FROM temp.wanted")
            db.executemany("INSERT INTO temp.wanted VALUES (?, ?)", wanted)
            found = {(unit, idx): (pack, offset, length) for unit, idx, pack, offset, length in db.execute(
                "SELECT c.unit, c.idx, c.pack, c.offset, c.length FROM temp.wanted AS w JOIN cables AS c"
                " ON c.unit = w.unit AND c.idx = w.idx")}
        except _DAMAGE:
            return [None] * len(wanted)
        return [self._loads(found.get(w)) for w in wanted]

    # -- writing ----------------------------------------------------------------------------

    def _append(self, db: sqlite3.Connection, blobs: list[bytes]) -> tuple[int, int]:
        """Append ``blobs`` to this process's pack, one after the other: (pack, offset of the first)."""
        if self._writer is not None and self._writer[2] >= PACK_LIMIT:
            os.close(self._writer[1])
            self._writer = None
        if self._writer is None:
            pack = db.execute("INSERT INTO packs DEFAULT VALUES").lastrowid
            self.packs.mkdir(exist_ok=True)
            fd = os.open(self._pack_path(pack), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self._writer = (pack, fd, 0)  # type: ignore[assignment]
        pack, fd, size = self._writer  # type: ignore[misc]
        try:
            for i in range(0, len(blobs), 1024):  # writev: no joined copy of a batch (IOV_MAX 1024)
                chunk = blobs[i : i + 1024]
                written = os.writev(fd, chunk)
                if written < sum(map(len, chunk)):  # a short write (a full disk, a signal): the rest, or OSError
                    rest = memoryview(b"".join(chunk))[written:]
                    while rest:
                        rest = rest[os.write(fd, rest):]
        except OSError:  # the pack's end is unknown now: the next write starts a new one
            os.close(fd)
            self._writer = None
            raise
        self._writer = (pack, fd, size + sum(map(len, blobs)))
        return pack, size

    def store_many(self, units: list[tuple[str, list[bytes], list[Diagnostic]]]) -> None:
        """Cache several units: their pickles appended to this process's pack, then their rows
        in one transaction (the workers share the database's one write lock)."""
        if not units:
            return
        with contextlib.suppress(sqlite3.Error, OSError):  # a cache that cannot be written costs a re-parse
            db = self._connect()
            blobs = [data for _key, pickled, _diagnostics in units for data in pickled]
            pack, start = self._append(db, blobs) if blobs else (0, 0)
            rows = []
            for key, pickled, _diagnostics in units:
                for i, data in enumerate(pickled):
                    rows.append((key, i, pack, start, len(data)))
                    start += len(data)
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("DELETE FROM cables WHERE unit = ?", [(key,) for key, _p, _d in units])
                db.executemany("INSERT INTO cables VALUES (?, ?, ?, ?, ?)", rows)
                db.executemany("INSERT OR REPLACE INTO units VALUES (?, ?, ?)", [
                    (key, len(pickled), pickle.dumps(diagnostics, protocol=pickle.HIGHEST_PROTOCOL))
                    for key, pickled, diagnostics in units])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def forget(self, keys: Iterable[str]) -> None:
        """Drop units no longer in the archive (an edited file's old parse); a pack left with
        no cables is deleted, one whose cables fill less than half of it is rewritten. Only
        when no other process writes (the build's end)."""
        keys = [(k,) for k in keys]
        if not keys:
            return
        with contextlib.suppress(sqlite3.Error, OSError):
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            packs = {p for (k,) in keys for (p,) in db.execute("SELECT DISTINCT pack FROM cables WHERE unit = ?", (k,))}
            db.executemany("DELETE FROM units WHERE key = ?", keys)
            db.executemany("DELETE FROM cables WHERE unit = ?", keys)
            db.execute("COMMIT")
            for pack in sorted(packs - {self._writing}):
                live = db.execute("SELECT count(*), coalesce(sum(length), 0) FROM cables WHERE pack = ?",
                                  (pack,)).fetchone()
                if live[0] == 0 or live[1] < self._size(pack) // 2:
                    self._move([pack])

    def _size(self, pack: int) -> int:
        try:
            return os.stat(self._pack_path(pack)).st_size
        except OSError:
            return 0

    def _move(self, packs: list[int]) -> None:
        """Copy the cables of ``packs`` to this process's pack, then delete them."""
        db = self._connect()
        for pack in packs:
            rows = db.execute("SELECT unit, idx, offset, length FROM cables WHERE pack = ?", (pack,)).fetchall()
            blobs = [self._read(pack, offset, length) for _u, _i, offset, length in rows]
            kept = [(r, b) for r, b in zip(rows, blobs, strict=True) if b is not None]
            new, start = self._append(db, [b for _r, b in kept]) if kept else (0, 0)
            moved = []
            for (unit, idx, _offset, length), _b in kept:
                moved.append((new, start, unit, idx))
                start += length
            db.execute("BEGIN IMMEDIATE")
            db.executemany("UPDATE cables SET pack = ?, offset = ? WHERE unit = ? AND idx = ?", moved)
            db.execute("DELETE FROM cables WHERE pack = ?", (pack,))  # unreadable ones: parsed again
            db.execute("DELETE FROM packs WHERE id = ?", (pack,))
            db.execute("COMMIT")
            fd = self._readers.pop(pack, None)
            if fd is not None:
                os.close(fd)
            Path(self._pack_path(pack)).unlink(missing_ok=True)

    def tidy(self) -> None:
        """Merge small packs into one when there are many (a server makes one an edit), and
        delete pack files the database does not know. Only when no other process writes."""
        with contextlib.suppress(sqlite3.Error, OSError):
            names = os.listdir(self.packs) if self.packs.is_dir() else []
            if len(names) <= SMALL_PACKS:
                return
            known = {p for (p,) in self._connect().execute("SELECT id FROM packs")}
            for name in names:
                stem = name.removesuffix(".pack")
                if not stem.isdigit() or int(stem) not in known:
                    (self.packs / name).unlink(missing_ok=True)
            small = [p for p in sorted(known) if self._size(p) < SMALL_PACK and p != self._writing]
            if len(small) > SMALL_PACKS:
                self._move(small)

    # -- the whole cache --------------------------------------------------------------------

    def open(self) -> None:
        """Create the database now (the main process, before the workers start), then close it."""
        with contextlib.suppress(sqlite3.Error):
            self._connect()
        self.close()

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.file}{suffix}").unlink(missing_ok=True)
            Path(f"{self.root / 'parsed.sqlite'}{suffix}").unlink(missing_ok=True)  # the cache before packs
        shutil.rmtree(self.packs, ignore_errors=True)

    def clear(self) -> None:
        """Delete the whole cache (before any other process has opened it)."""
        self.close()
        self._delete_files()
        self.open()

    def close(self) -> None:
        if self._pid == os.getpid():
            if self._db is not None:
                self._db.close()
            for fd in [*self._readers.values(), *([self._writer[1]] if self._writer else [])]:
                os.close(fd)
        self._db, self._writer, self._readers = None, None, {}
