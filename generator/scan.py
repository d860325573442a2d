"""Which files of the content folder are cable inputs, and their stamps ``(size, mtime_ns)``.

An input is any file under the content folder whose name has a cable suffix
(:data:`CABLE_SUFFIXES`: ``07USNATO577.txt``, ``cable.html``, ``cables.csv``, or no suffix),
except: names starting with ``.`` or ``#`` or ending with ``~`` (hidden files, editor
backups and autosaves), vim's ``4913`` probe, ``cablesite.toml`` and ``README.md``, anything
in a hidden folder or ``__pycache__``, and the editorial pages under ``pages/`` at the top.

:func:`scan` walks the folder; :func:`restat` brings a scan up to date from a list of
changed paths (``cablesite serve`` gets them from watchdog), so that a rebuild need not
stat the 251,287 files of the whole release again.
"""

from __future__ import annotations

import bisect
import errno
import os
import stat
from array import array
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple

CABLE_SUFFIXES = frozenset({".html", ".htm", ".txt", ".md", ".csv", ".text", ""})
Stamps = list[tuple[str, int, int]]
"""``(path relative to content, size, mtime_ns)`` of each input, in :func:`scan`'s order."""


NOT_REGULAR = "not a regular file (a named pipe, socket, device or folder)"


def open_input(path: str | Path) -> BinaryIO:
    """Open an input file to read its bytes; OSError (its ``strerror`` :data:`NOT_REGULAR`)
    when it is not a regular file. A named pipe in the content folder blocked a build for
    good: opening one waits for a writer, and reading a device may never end. Opened without
    blocking, then asked what it is."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise OSError(errno.EINVAL, NOT_REGULAR, os.fspath(path))
    return open(fd, "rb")


def is_input_name(name: str) -> bool:
    """Whether a file of this name is read as cables (the rules above, but for folders)."""
    if name[:1] in (".", "#") or name.endswith("~") or name in ("cablesite.toml", "README.md", "4913"):
        return False
    return (name[name.rfind("."):].lower() if "." in name else "") in CABLE_SUFFIXES


def _skipped_folder(name: str, top: bool) -> bool:
    return name.startswith(".") or name == "__pycache__" or (top and name == "pages")


_BY_FD = os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY")


def scan(content: Path, names: Iterable[str] | None = None) -> Stamps:
    """The stamps of every input under ``content``, folder by folder in name order (size -1:
    the file cannot be read); relative paths only. ``names``: only these entries of the top
    folder (a part of :func:`parts`)."""
    return stamps(scan_columns(content, names))


def scan_columns(content: Path, names: Iterable[str] | None = None) -> Columns:
    """:func:`scan` as :class:`Columns`, made as such (what the workers send back)."""
    rels: list[str] = []
    sizes, mtimes = array("q"), array("q")
    add_rel, add_size, add_mtime = rels.append, sizes.append, mtimes.append
    by_name = attrgetter("name")

    def walk(folder: str, rel: str) -> None:
        # Listed through the folder's descriptor, each file is stated by its name in the
        # folder (fstatat), not by its whole path: 15% less time for the release's files.
        fd = -1
        try:
            if _BY_FD:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            with os.scandir(fd if fd >= 0 else folder) as listing:
                items = sorted(listing, key=by_name)
        except OSError:
            if fd >= 0:
                os.close(fd)
            return
        if rel == "" and names is not None:
            wanted = set(names)
            items = [item for item in items if item.name in wanted]
        try:
            for item in items:
                name = item.name
                if item.is_dir(follow_symlinks=False):
                    if not _skipped_folder(name, rel == ""):
                        walk(f"{folder}/{name}", f"{rel}{name}/")
                elif is_input_name(name):
                    try:
                        st = item.stat()
                    except OSError:
                        size = mtime = -1
                    else:
                        size, mtime = st.st_size, st.st_mtime_ns
                    add_rel(rel + name)
                    add_size(size)
                    add_mtime(mtime)
        finally:
            if fd >= 0:
                os.close(fd)

    walk(str(content), "")
    return Columns("\0".join(rels), sizes.tobytes(), mtimes.tobytes())


def parts(content: Path, n: int) -> list[list[str]]:
    """The top folder's entries in ``n`` runs of consecutive names (fewer when it holds fewer):
    :func:`scan` of each, in turn, is the scan of the whole folder. Stating the 251,287 files
    of the release takes a process 1 s; a worker scans each run."""
    try:
        names = sorted(os.listdir(content))
    except OSError:
        return [[]]
    size = max(1, -(-len(names) // max(1, n)))
    return [names[i : i + size] for i in range(0, len(names), size)] or [[]]


def scan_part(task: tuple[Path, list[str]]) -> Columns:
    """:func:`scan_columns` of one of :func:`parts` (a task for a worker)."""
    return scan_columns(*task)


class Columns(NamedTuple):
    """A scan in three columns: what the workers send back and the build record keeps.

    251,287 ``(path, size, mtime)`` tuples took the main process 0.25 s to unpickle and 0.2 s
    to compare with the record's; as columns they come in three objects, and
    :func:`changed_since` compares them in a few milliseconds."""

    names: str = ""
    """The paths, joined by ``"\\0"`` (which no path holds)."""
    sizes: bytes = b""
    """The sizes, as machine integers (``array("q")``)."""
    mtimes: bytes = b""
    """The ``mtime_ns``, as machine integers."""


def join(parts: Iterable[Columns]) -> Columns:
    """The columns of consecutive parts of a scan, as one."""
    parts = list(parts)
    return Columns("\0".join([p.names for p in parts if p.names]), b"".join(p.sizes for p in parts),
                   b"".join(p.mtimes for p in parts))


def stamps(cols: Columns) -> Stamps:
    """``cols`` as a list of ``(path, size, mtime_ns)``."""
    if not cols.names:
        return []
    return list(zip(cols.names.split("\0"), array("q", cols.sizes), array("q", cols.mtimes), strict=True))


_BLOCK = 8 << 10
"""Bytes of a column compared at once; only a block that differs is looked at by integer."""


def changed_since(new: Columns, old: Columns) -> Changes | None:
    """The files whose stamps in ``new`` differ from ``old``'s, with their new stamps, when
    both scans list the same paths; ``None`` when they do not (a file came or went)."""
    if new.names != old.names or len(new.sizes) != len(old.sizes) or len(new.mtimes) != len(old.mtimes) \
            or len(new.sizes) != len(new.mtimes) or len(new.sizes) % 8:
        return None
    differ: set[int] = set()
    for a, b in ((new.sizes, old.sizes), (new.mtimes, old.mtimes)):
        for start in range(0, len(a), _BLOCK):
            if a[start : start + _BLOCK] != b[start : start + _BLOCK]:
                pairs = zip(array("q", a[start : start + _BLOCK]), array("q", b[start : start + _BLOCK]), strict=True)
                differ.update(start // 8 + i for i, (x, y) in enumerate(pairs) if x != y)
    if not differ:
        return {}
    names, sizes, mtimes = new.names.split("\0"), array("q", new.sizes), array("q", new.mtimes)
    if len(names) != len(sizes):
        return None
    return {names[i]: (sizes[i], mtimes[i]) for i in sorted(differ)}


def _order(item: tuple[str, int, int]) -> list[str]:
    """:func:`scan`'s order: by folder, then name, at each level."""
    return item[0].split("/")


Changes = dict[str, "tuple[int, int] | None"]
"""Path relative to content -> its new ``(size, mtime_ns)``, or ``None``: the file went."""


def restat(content: Path, files: Stamps, changed: Iterable[str]) -> tuple[Stamps, Changes] | None:
    """``files`` (:func:`scan` of ``content``) as a new scan would give it, when only the
    absolute paths in ``changed`` may have changed since, and the stamps of those that are
    inputs; ``None`` when a folder appeared, went or moved (then only a whole scan can say
    what is there). Paths outside ``content`` are not looked at."""
    root = str(content)
    known = None
    update: dict[str, tuple[int, int]] = {}
    gone: set[str] = set()
    for path in changed:
        rel = os.path.relpath(path, root)
        if rel == "." or rel.startswith(".." + os.sep) or rel == ".." or os.path.isabs(rel):
            continue
        parts = rel.split(os.sep)
        if any(_skipped_folder(p, i == 0) for i, p in enumerate(parts[:-1])) or parts[-1] in (".", ".."):
            continue
        rel = "/".join(parts)  # as scan() writes it
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            known = known if known is not None else {f[0] for f in files}
            if rel in known:
                gone.add(rel)
            elif any(k.startswith(rel + "/") for k in known):
                return None  # a folder of inputs went or moved away
            continue
        except OSError:
            return None
        if stat.S_ISDIR(st.st_mode):
            return None  # a folder made, moved in or emptied: its files are not listed here
        if not is_input_name(parts[-1]):
            continue
        if stat.S_ISLNK(st.st_mode):
            try:
                st = os.stat(path)
            except OSError:
                update[rel] = (-1, -1)
                continue
            if stat.S_ISDIR(st.st_mode):
                return None
        update[rel] = (st.st_size, st.st_mtime_ns)
    changes: Changes = {**update, **dict.fromkeys(gone)}
    if not changes:
        return files, changes
    out = [(rel, *update.pop(rel, (size, mtime))) for rel, size, mtime in files if rel not in gone]
    for rel, (size, mtime) in update.items():  # files that were not there
        bisect.insort(out, (rel, size, mtime), key=_order)
    return out, changes
