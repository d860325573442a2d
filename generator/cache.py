"""The parse cache: each unit's cables, parsed once and kept by the unit's content key.

A rebuild reads a file again only when its bytes changed (``load.py``); the render and the
search index read the cables from here (``workers.py``), in the worker processes, one SQLite
connection each.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .model import Cable, Diagnostic

_DAMAGE = (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, IndexError)
"""What reading a damaged cache raises."""


class Cache:
    """Parsed units by content key, one pickled cable a row, in one SQLite file.

    One file rather than a file per unit: creating a file costs more than parsing a
    cable on some disks (half a millisecond each here), and the release is 251,287
    files. A cable a row: a search batch or an edit needs a few cables of a 400-cable
    CSV unit, not all of them. Each process opens its own connection on first use
    (the build's workers are forked). It is a cache: synchronous writes are off, a
    damaged file is deleted and the build parses again.
    """

    __slots__ = ("root", "_db", "_pid")

    def __init__(self, root: Path) -> None:
        self.root = root
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __reduce__(self):
        return (Cache, (self.root,))

    @property
    def file(self) -> Path:
        return self.root / "parsed.sqlite"

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None and self._pid == os.getpid():
            return self._db
        self.root.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            try:
                db = sqlite3.connect(self.file, timeout=120, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute("CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
                           " diagnostics BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS cables (unit TEXT NOT NULL, idx INTEGER NOT NULL,"
                           " data BLOB NOT NULL, PRIMARY KEY (unit, idx))")
                break
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError:  # not a database: a damaged cache is started again
                if attempt == 2:
                    raise
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        self._db, self._pid = db, os.getpid()
        return db

    def load(self, key: str) -> tuple[list[bytes], list[Diagnostic]] | None:
        """Every cable of a unit (pickled) and its diagnostics; None when not cached (or damaged)."""
        try:
            db = self._connect()
            row = db.execute("SELECT count, diagnostics FROM units WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            cables = [data for (data,) in db.execute("SELECT data FROM cables WHERE unit = ? ORDER BY idx", (key,))]
            return (cables, pickle.loads(row[1])) if len(cables) == row[0] else None
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
            row = self._connect().execute("SELECT data FROM cables WHERE unit = ? AND idx = ?",
                                          (key, index)).fetchone()
            return pickle.loads(row[0]) if row else None
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
            found = {(unit, idx): data for unit, idx, data in db.execute(
                "SELECT c.unit, c.idx, c.data FROM temp.wanted AS w JOIN cables AS c"
                " ON c.unit = w.unit AND c.idx = w.idx")}
            return [pickle.loads(found[w]) if w in found else None for w in wanted]
        except _DAMAGE:
            return [None] * len(wanted)

    def store_many(self, units: list[tuple[str, list[bytes], list[Diagnostic]]]) -> None:
        """Cache several units in one transaction: the workers share one write lock, and
        SQLite's busy handler sleeps a millisecond or more whenever they meet at it (a
        transaction a cable left the workers idle a quarter of the time)."""
        if not units:
            return
        with contextlib.suppress(sqlite3.Error):  # a cache that cannot be written costs a re-parse
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                for key, pickled, diagnostics in units:
                    diags = pickle.dumps(diagnostics, protocol=pickle.HIGHEST_PROTOCOL)
                    db.execute("DELETE FROM cables WHERE unit = ?", (key,))
                    db.executemany("INSERT INTO cables VALUES (?, ?, ?)",
                                   [(key, i, data) for i, data in enumerate(pickled)])
                    db.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?)", (key, len(pickled), diags))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def forget(self, keys: Iterable[str]) -> None:
        """Drop units no longer in the archive (an edited file's old parse)."""
        keys = [(k,) for k in keys]
        if not keys:
            return
        with contextlib.suppress(sqlite3.Error):
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            db.executemany("DELETE FROM units WHERE key = ?", keys)
            db.executemany("DELETE FROM cables WHERE unit = ?", keys)
            db.execute("COMMIT")

    def open(self) -> None:
        """Create the database now (the main process, before the workers start), then close it."""
        with contextlib.suppress(sqlite3.Error):
            self._connect()
        self.close()

    def clear(self) -> None:
        """Delete the whole cache (before any other process has opened it)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        self.open()

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None
