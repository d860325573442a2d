"""The one-cable changes the benchmark times: edit a subject, add a cable, delete it.

The edit is in place and of the same length, so a 2.5 GB ``cables.csv`` is patched, not
rewritten: four bytes of the subject become ``E000``, ``E001``... A subject line it patches::

    SUBJECT: NRC: RUSSIANS ILL-PREPARED TO RESPOND   -> SUBJECT: E000 RUSSIANS ILL-PREPARED ...

A longer edit, as a writer makes them, puts :data:`LONGER` before those bytes (the file
rewritten, untimed; :func:`insert`), which moves every byte after it; it is taken out after.

A cable is added as a copy of the edited one under a new id (serial 990000 and up, checked
against the archive's ids): one file in ``text/added/`` or one row appended to the CSV;
deleting it removes the file or truncates the CSV back to its old size.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .synth import FOLDER_SIZE, csv_created, csv_writer, key_lines, split_header

_SUBJECT = re.compile(rb"SUBJECT:[ \t]*([A-Z0-9 ]{4})")
_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
CHUNK = 1 << 26
LONGER = b"LONGER "
"""What the longer edit puts in the subject."""


@dataclass(frozen=True, slots=True)
class Target:
    """The cable the benchmark edits, and where its subject's four bytes are."""

    id: str
    text_path: Path
    text_offset: int
    original: bytes
    new_id: str


def manifest_ids(archive: Path) -> list[str]:
    with (archive / "manifest.tsv").open(encoding="utf-8") as f:
        return [line.split("\t", 1)[0] for line in f]


def subject_offset(data: bytes) -> int:
    """Offset of the four patchable subject bytes, -1 when the cable has none."""
    m = _SUBJECT.search(data)
    return m.start(1) if m else -1


def choose(archive: Path) -> Target:
    """The first cable from the middle of the archive on whose subject can be patched."""
    ids = manifest_ids(archive)
    known = set(ids)
    for k in list(range(len(ids) // 2, len(ids))) + list(range(len(ids) // 2)):
        path = archive / "text" / f"{k // FOLDER_SIZE:03d}" / f"{ids[k]}.txt"
        data = path.read_bytes()
        at = subject_offset(data)
        if at >= 0:
            yy, station, _ = _ID.match(ids[k]).groups()  # type: ignore[union-attr]
            serial = 990000
            while f"{yy}{station}{serial}" in known:
                serial += 1
            return Target(ids[k], path, at, data[at : at + 4], f"{yy}{station}{serial}")
    raise ValueError(f"no cable of {archive} has a patchable SUBJECT line")


def patch(path: Path, offset: int, new: bytes) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(new)


def csv_subject_offset(csv_path: Path, cable_id: str) -> int:
    """Offset of the subject bytes in the CSV row of ``cable_id`` (streamed, never all in memory)."""
    needle = f'","{cable_id}","'.encode()
    tail = b""
    base = 0
    with csv_path.open("rb") as f:
        while chunk := f.read(CHUNK):
            data = tail + chunk
            at = data.find(needle)
            if at >= 0:
                f.seek(base + at)
                row = f.read(1 << 22)
                rel = subject_offset(row)
                if rel < 0:
                    break
                return base + at + rel
            keep = len(needle) - 1
            tail = data[-keep:]
            base += len(data) - keep
    raise ValueError(f"{cable_id} has no patchable SUBJECT in {csv_path}")


def edit_value(run: int) -> bytes:
    return f"E{run % 1000:03d}".encode()


def added_text(target: Target) -> str:
    """The copy added as a new cable: the edited cable's text under the new id."""
    text = target.text_path.read_text(encoding="utf-8")
    return text.replace(f"Identifier: {target.id}", f"Identifier: {target.new_id}", 1)


def add_text_file(archive_text: Path, target: Target) -> Path:
    path = archive_text / "added" / f"{target.new_id}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(added_text(target), encoding="utf-8")
    return path


def added_row(target: Target, number: int) -> bytes:
    keys, rest = key_lines(added_text(target))
    header, body = split_header(rest)
    out = io.StringIO()
    csv_writer(out).writerow([
        str(number), csv_created(keys.get("Created", "2000-01-01 00:00")), target.new_id,
        keys.get("Origin", ""), keys.get("Classification", ""), "", header, body,
    ])
    return out.getvalue().encode("utf-8")


def append_row(csv_path: Path, row: bytes) -> int:
    """Append ``row``; returns the old size, for :func:`truncate`."""
    size = csv_path.stat().st_size
    with csv_path.open("ab") as f:
        f.write(row)
    return size


def truncate(csv_path: Path, size: int) -> None:
    with csv_path.open("r+b") as f:
        f.truncate(size)


def insert(path: Path, offset: int, data: bytes) -> None:
    """Put ``data`` at ``offset`` of ``path``, the rest moved after it (streamed, never all in
    memory; the file replaced by its new copy)."""
    _splice(path, offset, data, 0)


def remove(path: Path, offset: int, length: int) -> None:
    """Take ``length`` bytes out of ``path`` at ``offset`` (as :func:`insert`)."""
    _splice(path, offset, b"", length)


def _splice(path: Path, offset: int, data: bytes, cut: int) -> None:
    tmp = path.with_name(path.name + ".splice")
    with path.open("rb") as src, tmp.open("wb") as dst:
        left = offset
        while left and (block := src.read(min(CHUNK, left))):
            dst.write(block)
            left -= len(block)
        dst.write(data)
        src.seek(offset + cut)
        while block := src.read(CHUNK):
            dst.write(block)
    os.replace(tmp, path)
