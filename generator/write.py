"""Atomic output: a failed or killed build never leaves a half-written ``output/``.

Two ways to bring ``output/`` up to date, chosen by the build:

*fresh*
    A whole new tree is made in ``.<output>.staging`` beside ``output/``: pages
    whose bytes did not change are hard links to the old files, the rest are
    written anew. At the end the two folders are exchanged in one atomic
    ``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel lacks it) and
    the old tree is removed.

*patch*
    For a small change (an edited cable), only the changed files are written
    into the staging folder; then a journal listing every move and deletion is
    written, and the moves are applied with ``os.replace`` (atomic per file),
    new files first and deletions last, so that at every moment each page's
    links resolve. A build killed while applying is finished by the next one
    (:func:`recover` rolls the journal forward); one killed before the journal
    is complete leaves ``output/`` untouched.

Every relative path is checked by :func:`safe_join`: nothing is written
outside the output folder. One build at a time writes an output folder (:func:`hold`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

JOURNAL = ".cablesite-journal"
_END = "END"


class UnsafePath(ValueError):
    """A page path that would leave the output folder."""


class Busy(RuntimeError):
    """Another build is writing the same output folder."""


@contextlib.contextmanager
def hold(output: Path, cache_root: Path) -> Iterator[None]:
    """Hold ``output`` for one build, or raise :class:`Busy`: a second build of it meanwhile
    would discard the first one's staging folder and write the record beside it. The lock
    (``flock`` on ``lock`` in ``cache_root``) goes with the process, even a killed one;
    where the system has no such lock, builds are not held apart."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    cache_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another build is writing {output}; try again when it has finished") from None
        except OSError:  # a file system without locks
            pass
        yield
    finally:
        os.close(fd)


def safe_join(root: Path, rel: str) -> Path:
    """``root / rel``, refusing absolute paths, ``..``, empty parts and backslashes."""
    return root.joinpath(*_parts(rel))


def _parts(rel: str) -> list[str]:
    """The parts of a relative page path; :class:`UnsafePath` for one that could leave its folder."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or "\0" in rel or any(p in ("", ".", "..") for p in parts):
        raise UnsafePath(f"refusing to write outside the output folder: {rel!r}")
    return parts


def staging_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.staging"


def _old_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.old"


def same_bytes(path: str | Path, data: bytes) -> bool:
    """Whether the file at ``path`` already holds exactly ``data``."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def put(output: Path, mode: str, rel: str, data: bytes) -> bool:
    """Place one rendered file into the staging tree; return whether its bytes changed.

    Runs in worker processes. In *fresh* mode an unchanged file becomes a hard
    link to the current one; in *patch* mode it is left alone.
    """
    _parts(rel)
    # plain strings, not Path objects: a build puts a file a cable, and pathlib's joins cost
    # a third of the time of writing it
    current = f"{os.fspath(output)}/{rel}"
    target = f"{os.fspath(staging_dir(output))}/{rel}"
    if same_bytes(current, data):
        if mode == "fresh":
            link(current, target)
        return False
    _stage(target, data)
    return True


def _stage(target: str | Path, data: bytes) -> None:
    """Write a file of the staging tree in place: no temporary file and rename, since
    nothing reads the staging tree before the build has finished writing it (a build
    stopped before then leaves it to be discarded); folders made only when missing."""
    try:
        f = open(target, "wb")  # noqa: SIM115
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        f = open(target, "wb")  # noqa: SIM115
    with f:
        f.write(data)


def link(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` at ``target`` (copying where links are not possible);
    FileNotFoundError when ``source`` is gone."""
    try:
        _link_or_copy(source, target)
    except FileNotFoundError:
        # The target's folder is missing, or the source is gone. Not asked of the folder: the
        # other workers make folders meanwhile (one made after this failed, the source was
        # taken for gone, and a build failed).
        if not os.path.exists(source):
            raise
        os.makedirs(os.path.dirname(target), exist_ok=True)  # folders made only when missing, as _stage
        _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except FileNotFoundError:
        raise  # a copy would not find them either
    except OSError:
        shutil.copy2(source, target)


def begin(output: Path) -> None:
    """Start a build: finish or discard what an interrupted one left, then make an empty staging folder."""
    recover(output)
    staging_dir(output).mkdir(parents=True)


def recover(output: Path) -> str:
    """Bring ``output/`` back to a whole state after an interrupted build; say what was done."""
    staging, old = staging_dir(output), _old_dir(output)
    done = ""
    journal = staging / JOURNAL
    if journal.is_file():
        lines = journal.read_text(encoding="utf-8").splitlines()
        if lines and lines[-1] == _END:
            _apply(output, lines[:-1])
            done = "finished applying an interrupted build"
    if old.exists():
        if not output.exists():
            os.rename(old, output)
            done = "restored the previous output"
        else:
            shutil.rmtree(old, ignore_errors=True)
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
        done = done or "discarded an interrupted build"
    return done


def commit_fresh(output: Path, keep: list[str]) -> None:
    """Link the unchanged files ``keep`` into the staging tree, then swap it in for ``output/``."""
    staging = staging_dir(output)
    for rel in keep:
        link(safe_join(output, rel), safe_join(staging, rel))
    if output.exists():
        if not _exchange(staging, output):
            old = _old_dir(output)
            os.rename(output, old)
            os.rename(staging, output)
            staging = old
        shutil.rmtree(staging, ignore_errors=True)
    else:
        os.rename(staging, output)


def commit_patch(output: Path, written: list[str], delete: list[str]) -> None:
    """Apply the staged files and deletions to ``output/`` through a journal."""
    staging = staging_dir(output)
    ops = [f"M {rel}" for rel in written] + [f"D {rel}" for rel in delete]
    write_file(staging / JOURNAL, ("\n".join([*ops, _END]) + "\n").encode("utf-8"))
    _apply(output, ops)
    shutil.rmtree(staging, ignore_errors=True)


def _apply(output: Path, ops: list[str]) -> None:
    staging = staging_dir(output)
    for op in ops:
        kind, rel = op[0], op[2:]
        dest = safe_join(output, rel)
        if kind == "M":
            src = safe_join(staging, rel)
            if src.exists():  # absent when a killed run had moved it already
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
        elif kind == "D":
            dest.unlink(missing_ok=True)
            _prune(dest.parent, output)


def _prune(folder: Path, stop: Path) -> None:
    """Remove folders left empty by deletions, up to the output root."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux ``renameat2`` with ``RENAME_EXCHANGE``)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
