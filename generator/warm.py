"""What ``cablesite serve`` keeps between its builds: the last build record, input scan and index.

A build starts by reading its record (0.9 s for the 251,287 cables of the release),
stating every input file (1 s) and indexing every cable (1.2 s): most of a one-cable
edit's time at that size. A server's next build instead starts from what its last one
left in memory: the record as that build saved it; the scan, brought up to date from the
paths watchdog reported (:func:`.scan.restat`); and the index, which an edit that leaves
ids, dates and origins as they were patches (:func:`.delta.patch_index`). The record is
still saved at each build, for the next ``cablesite build``; a record written by another
process since (its file's stamp differs) is read from disk as usual, and the index made again.

Changed paths count only while they are tracked (:meth:`Warm.watching`): a scan made
before the watch began, or while it was down, is not trusted, and the next build scans.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .archive import Archive
from .record import JOURNAL, MANIFEST, PENDING, Manifest, Packed
from .scan import Changes, Columns, Stamps, restat, stamps


def _stamp(cache_root: Path) -> tuple | None:
    """The record's files as they are on disk: (inode, size, mtime_ns) of its MANIFEST and of its
    journal (``None``: none); ``None`` when there is no record to read."""
    try:
        st = os.stat(cache_root / MANIFEST)
    except OSError:
        return None
    if os.path.exists(cache_root / PENDING):
        return None
    try:
        jt = os.stat(cache_root / JOURNAL)
    except OSError:
        return st.st_ino, st.st_size, st.st_mtime_ns, None
    return st.st_ino, st.st_size, st.st_mtime_ns, (jt.st_ino, jt.st_size, jt.st_mtime_ns)


class Taken(NamedTuple):
    """What a build takes from :class:`Warm` (``None``: it must make it)."""

    record: Manifest | None
    """The last record, when it is still the one on disk."""
    files: Stamps | None
    """The scan of the content folder, brought up to date."""
    changes: Changes | None
    """The inputs whose stamps changed since the scan of ``record`` (with ``record`` only)."""
    index: Archive | None
    """The index of ``record``'s cables (with ``record`` only)."""
    packed: Packed | None
    """``index`` packed (``record.pack_index``), when the build that made it packed it."""


@dataclass(slots=True)
class Warm:
    """The last build's record and scan, for the next build of the same folders."""

    where: tuple[Path, Path] | None = None
    """(content, output) of the build that left them, resolved."""
    manifest: Manifest | None = None
    """The record that build saved (or found on disk unchanged)."""
    stamp: tuple | None = None
    """The record's files then (:func:`_stamp`)."""
    files: Stamps | None = None
    """That build's scan, when it was made while changes were tracked."""
    changed: set[str] | None = None
    """Absolute paths reported changed since; ``None`` while changes are not tracked."""
    tracked: bool = False
    """Changes were tracked when the running build took its scan."""
    archive: Archive | None = None
    """The index of the record's cables (``archive.index``): an edit patches it (``delta.patch_index``)."""
    packed: Packed | None = None
    """``archive`` packed (``record.pack_index``), or ``None``: the next record saved packs its lists
    from it."""

    def watching(self) -> None:
        """Changes are tracked from now on (the file watcher has started)."""
        if self.changed is None:
            self.changed = set()

    def unwatch(self) -> None:
        """Changes are not tracked (the watcher stops): the next build scans."""
        self.changed, self.files = None, None

    def note(self, paths: Iterable[str]) -> None:
        """Paths that changed (files or folders, absolute), as the watcher reported them."""
        if self.changed is not None:
            self.changed.update(paths)

    def take(self, content: Path, output: Path, cache_root: Path) -> Taken:
        """For a build starting now, what it need not make again (:class:`Taken`). Nothing is
        kept meanwhile: a build that fails leaves nothing to trust."""
        same = self.where == (content, output)
        manifest = self.manifest if same and self.stamp is not None and self.stamp == _stamp(cache_root) else None
        rescan = restat(content, self.files, self.changed) \
            if same and self.files is not None and self.changed is not None else None
        self.tracked = self.changed is not None
        if self.tracked:
            self.changed = set()
        taken = Taken(manifest, rescan[0] if rescan else None, rescan[1] if rescan and manifest else None,
                      self.archive if manifest is not None else None, self.packed if manifest is not None else None)
        self.where = self.manifest = self.stamp = self.files = self.archive = self.packed = None
        return taken

    def keep(self, content: Path, output: Path, cache_root: Path, manifest: Manifest, files: Stamps | Columns,
             index: tuple[Archive, Packed | None] | None) -> None:
        """What a build that succeeded leaves: its record (as saved), its scan and its index
        (with its packed form, or ``None``)."""
        self.where, self.manifest, self.stamp = (content, output), manifest, _stamp(cache_root)
        self.archive, self.packed = index if index is not None else (None, None)
        self.files = (stamps(files) if isinstance(files, Columns) else files) if self.tracked else None
