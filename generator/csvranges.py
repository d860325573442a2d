"""A big ``cables.csv`` as units: byte ranges of about :data:`CHUNK` bytes, each opening a record.

The release's ``cables.csv`` is one file of 2.5 GB, a record a cable, each record opening a
line such as::

    "1","12/28/1966 18:48","66BUENOSAIRES2481","Embassy Buenos Aires","UNCLASSIFIED",...

A first build cuts the file with :func:`cut`: a cut every :data:`CHUNK` bytes, moved
forward to the next line that opens a record (``"<row>","<M/D/YYYY``), so that workers
parse the ranges on their own. A unit's key is of its bytes, not of where they lie
(``workers._read_unit``).

An edit keeps the last build's cuts (:func:`follow`): the workers hash every recorded range
where it was and where it is now if the change of the file's size moved it
(:func:`hash_ranges`); the ranges before the first one that changed keep their place,
those after the last one that changed move by that change, and only the bytes between are
cut again, in smaller ranges, and parsed. An edit that makes one cable longer parses its
range, about 50 cables, not every range after it (which cutting the edited file again
would shift).
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from .archive import unit_key

CHUNK = 1 << 19
"""Bytes of a range (about 50 cables). A range is parsed whole when its bytes change: with
ranges of 4 MB (about 400 cables) the first edit of one in the release's ``cables.csv`` parsed
400 cables (its load phase 2.2 s of 3.4 s), and a cold build of the release from the CSV was
no faster with them (609 s against 612 s, one build each)."""
RECORD = re.compile(rb'\n"(\d+)","\d{1,2}/\d{1,2}/\d{4}')
"""A line that opens a record, with the newline before it."""
_WINDOW = 1 << 16
_OVERLAP = 64
"""Bytes two windows of :func:`cut` share: more than a record's opening that
:data:`RECORD` matches (a row number of up to 40 digits)."""
_TASKS_PER_JOB = 4
"""Hashing tasks a worker of an edit (the ranges split into about this many per worker)."""


def range_key(rel: str, data: bytes | memoryview) -> str:
    """The unit key of a range of the CSV ``rel``: its bytes', wherever they lie in the file."""
    return unit_key(f"{rel}@range", data)


def cut(path: Path, lo: int = 0, hi: int = -1, chunk: int = 0) -> list[tuple[int, int]]:
    """Split ``path`` (its bytes ``lo:hi``, ``hi`` -1 for its end; ``lo`` opens a record) into
    ranges that each open a record: a cut every ``chunk`` bytes (:data:`CHUNK`) moved forward
    to the next line that opens one."""
    hi = path.stat().st_size if hi < 0 else hi
    chunk = chunk or CHUNK
    cuts = [lo]
    with open(path, "rb") as f:
        pos = lo + chunk
        while pos < hi:
            # a record opens within a cable's length: read 64 KB at a time (1 MB windows read a
            # quarter of the release's 2.5 GB file: 0.08 s of an edit), each window overlapping
            # the last by more than a record's opening so that none is missed at a boundary
            f.seek(pos)
            window = f.read(min(_WINDOW, hi - pos))
            m = RECORD.search(window)
            if not m:
                pos += len(window) - _OVERLAP if len(window) > _OVERLAP else len(window) or 1
                continue
            at = pos + m.start() + 1
            if at > cuts[-1]:
                cuts.append(at)
            pos = at + chunk
    cuts.append(hi)
    return list(zip(cuts, cuts[1:], strict=False))


def opens_record(f, pos: int, size: int) -> bool:
    """Whether byte ``pos`` of the open file ``f`` (of ``size`` bytes) is where a record
    opens, or an end of the file: where a range may start or end."""
    if pos <= 0 or pos >= size:
        return pos in (0, size)
    f.seek(pos - 1)
    return RECORD.match(f.read(_OVERLAP)) is not None


def hash_ranges(task: tuple[str, str, list[tuple[int, int]], int]) -> list[tuple[str, str]]:
    """In a worker: for each range ``(start, end)`` of the CSV at ``task[0]`` (``rel``
    ``task[1]``), the key of its bytes there and ``moved`` (``task[3]``) bytes further
    ("" where the file does not reach)."""
    abs_path, rel, ranges, moved = task
    try:
        with open(abs_path, "rb") as f:
            size = f.seek(0, 2)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except (OSError, ValueError):
        return [("", "")] * len(ranges)
    if mapped is None:
        return [("", "")] * len(ranges)
    view = memoryview(mapped)
    try:
        out = []
        for a, b in ranges:
            here = range_key(rel, view[a:b]) if b <= size else ""
            there = here if not moved else range_key(rel, view[a + moved : b + moved]) \
                if a + moved >= 0 and b + moved <= size else ""
            out.append((here, there))
        return out
    finally:
        view.release()
        mapped.close()


def follow(abs_path: str, rel: str, size: int, old: list[tuple[int, str]], old_size: int,
           run: Callable[[list], Iterable[list[tuple[str, str]]]], jobs: int) -> list[tuple[int, int, str]] | None:
    """The ranges of the CSV at ``abs_path`` (``size`` bytes now) after an edit, given the
    last build's ``(start, key)`` of each range (``old``, of a file of ``old_size`` bytes):
    ``(start, end, key)`` in file order, ``key`` the recorded one of a range whose bytes are
    unchanged (where it was, or moved by the change of size), "" for a range to parse.
    ``run`` maps :func:`hash_ranges` over its tasks (in the workers). ``None``: the record's
    ranges do not fit the file; cut it again."""
    if not old or old[0][0] != 0 or any(a >= b for (a, _), (b, _) in zip(old, old[1:], strict=False)) \
            or old[-1][0] >= old_size:
        return None
    ends = [a for a, _ in old[1:]] + [old_size]
    ranges = [(a, b) for (a, _), b in zip(old, ends, strict=True)]
    moved = size - old_size
    step = max(1, -(-len(ranges) // (max(jobs, 1) * _TASKS_PER_JOB)))
    tasks = [(abs_path, rel, ranges[i : i + step], moved) for i in range(0, len(ranges), step)]
    hashes = [h for part in run(tasks) for h in part]
    keys = [k for _, k in old]
    n = len(keys)
    first = next((j for j in range(n) if hashes[j][0] != keys[j]), n)
    """Ranges before this one are unchanged where they were."""
    last = next((j + 1 for j in reversed(range(n)) if hashes[j][1] != keys[j]), 0)
    """Ranges from this one on are unchanged, moved by ``moved``."""
    last = max(first, last)
    try:
        with open(abs_path, "rb") as f:
            # the bytes between must open and close on a record: else take a range more
            while not opens_record(f, ranges[first][0] if first < n else old_size, size) and first > 0:
                first -= 1
            lo = ranges[first][0] if first < n else old_size
            # (and not before them: repeated bytes may match moved before the first change)
            while last < n and (ranges[last][0] + moved < lo or not opens_record(f, ranges[last][0] + moved, size)):
                last += 1
    except OSError:
        return None
    hi = ranges[last][0] + moved if last < n else size
    if hi < lo:
        return None
    # in ranges of an eighth of the others': the workers parse them together, and the next
    # edit there parses one (an edited range of 550 cables took 1.0 s to parse here)
    middle = cut(Path(abs_path), lo, hi, max(CHUNK // 8, 1)) if hi > lo else []
    return [*((a, b, keys[j]) for j, (a, b) in enumerate(ranges[:first])),
            *((a, b, "") for a, b in middle),
            *((a + moved, b + moved, keys[last + j]) for j, (a, b) in enumerate(ranges[last:]))]
