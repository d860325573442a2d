"""``cablesite parse`` and ``cablesite check``: look at what the parser makes of some files.

``cablesite parse ../shared/corpus/seed/07USNATO577.txt --json`` prints one JSON
object per cable, the front-matter fields in order then ``body``::

    {"id": "07USNATO577", "created": "2007-10-24 15:09", ..., "body": "C O N F I D E N T I A L ..."}

``cablesite check PATH...`` parses everything (two worker processes), prints each
diagnostic as ``path:line: severity: message`` and one table of field coverage,
REF resolution and parsing speed. Exit status 1 on any error (``--strict``: any warning).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .model import ERROR, FRONT_MATTER_FIELDS, Cable, Diagnostic
from .parse import iter_csv, read
from .scan import open_input, scan

BIG_CSV = 8 * 1024 * 1024
"""CSV files above this size are streamed row by row rather than read whole."""
JOBS = 2


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file named, and under each folder named the files ``cablesite build`` would read as
    cables there (:func:`.scan.scan`: not its editorial ``pages/``, a README, hidden files or
    editor backups), folder by folder in name order."""
    for path in paths:
        if path.is_dir():
            for rel, _size, _mtime in scan(path):
                yield path.joinpath(*rel.split("/"))
        else:
            yield path


def read_path(path: Path) -> tuple[list[Cable], list[Diagnostic], int, float]:
    """``(cables, diagnostics, bytes read, seconds spent parsing)`` for one file."""
    name = str(path)
    try:
        size = path.stat().st_size
        if path.suffix.lower() == ".csv" and size > BIG_CSV:
            cables: list[Cable] = []
            diags: list[Diagnostic] = []
            start = time.process_time()
            with open_input(path) as stream:
                for cable, found in iter_csv(name, stream):
                    cables.extend([cable] if cable is not None else [])
                    diags.extend(found)
            return cables, diags, size, time.process_time() - start
        with open_input(path) as f:
            data = f.read()
    except OSError as exc:
        return [], [Diagnostic(name, 0, ERROR, f"cannot read the file: {exc.strerror or exc}")], 0, 0.0
    start = time.process_time()
    cables, diags = read(name, data)
    return cables, diags, len(data), time.process_time() - start


def cable_json(cable: Cable, *, body: bool = True) -> dict[str, object]:
    out = cable.front_matter()
    out.update({k: v for k, v in cable.extra.items() if k not in out})
    if body:
        out["body"] = cable.body
    return out


def run_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per cable; diagnostics to stderr; exit 1 on any error."""
    failed = False
    for path in iter_files(args.paths):
        cables, diags, _, _ = read_path(path)
        for d in diags:
            print(d, file=sys.stderr)
            failed = failed or d.severity == ERROR
        for cable in cables:
            print(json.dumps(cable_json(cable, body=not getattr(args, "no_body", False)), ensure_ascii=False))
    return 1 if failed else 0


@dataclass
class Tally:
    """Counts gathered over all cables for the check table."""

    cables: int = 0
    files: int = 0
    size: int = 0
    cpu: float = 0.0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FRONT_MATTER_FIELDS, 0))
    subject_lines: int = 0
    subject_found: int = 0
    tags_lines: int = 0
    tags_found: int = 0
    refs: int = 0
    ref_ids: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    errors: int = 0
    warnings: int = 0

    def add(self, cable: Cable) -> None:
        self.cables += 1
        self.ids.add(cable.id)
        for name in FRONT_MATTER_FIELDS:
            if getattr(cable, name):
                self.fields[name] += 1
        if _has_label(cable.body, "SUBJ"):
            self.subject_lines += 1
            self.subject_found += bool(cable.subject)
        if _has_label(cable.body, "TAGS"):
            self.tags_lines += 1
            self.tags_found += bool(cable.tags)
        self.refs += len(cable.references)
        self.ref_ids.extend(r.id for r in cable.references if r.id)


_LABEL = {
    "SUBJ": re.compile(r"^[ \t]*SUBJ(?:ECT)?\b", re.MULTILINE | re.IGNORECASE),
    "TAGS": re.compile(r"^[ \t]*TAGS?\b", re.MULTILINE | re.IGNORECASE),
}


def _has_label(body: str, label: str) -> bool:
    """Whether the body has a line starting with ``label`` (``SUBJECT:``, ``TAGS``)."""
    return bool(_LABEL[label].search(body))


def _pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:6.2f}%" if total else "     -"


def table(t: Tally, wall: float) -> str:
    rows = [f"{'cables':<34}{t.cables:>8}   from {t.files} files, {t.size / 1e6:.1f} MB"]
    for name, n in t.fields.items():
        rows.append(f"  {'with ' + name:<32}{n:>8} {_pct(n, t.cables)}")
    rows.append(f"{'SUBJECT line -> subject':<34}{t.subject_found:>8} of {t.subject_lines} {_pct(t.subject_found, t.subject_lines)}")
    rows.append(f"{'TAGS line -> tags':<34}{t.tags_found:>8} of {t.tags_lines} {_pct(t.tags_found, t.tags_lines)}")
    resolved = sum(1 for i in t.ref_ids if i in t.ids)
    rows.append(f"{'REF items':<34}{t.refs:>8}")
    rows.append(f"{'  with a cable id':<34}{len(t.ref_ids):>8} {_pct(len(t.ref_ids), t.refs)}")
    rows.append(f"{'  resolving to a cable in the set':<34}{resolved:>8} {_pct(resolved, len(t.ref_ids))}")
    rows.append(f"{'errors / warnings':<34}{t.errors:>8} / {t.warnings}")
    mb = t.size / 1e6
    rows.append(f"{'speed, one core':<34}{mb / t.cpu if t.cpu else 0:>8.1f} MB/s ({t.cpu:.2f} s parsing, CPU time)")
    rows.append(f"{'speed, wall clock':<34}{mb / wall if wall else 0:>8.1f} MB/s ({wall:.2f} s, {JOBS} workers)")
    return "\n".join(rows)


def _read_many(paths: list[Path]) -> list[tuple[list[Cable], list[Diagnostic], int, float]]:
    return [read_path(p) for p in paths]


def _results(files: list[Path], jobs: int) -> Iterator[tuple[list[Cable], list[Diagnostic], int, float]]:
    if jobs <= 1 or len(files) < 64:
        for path in files:
            yield read_path(path)
        return
    chunk = max(16, len(files) // (jobs * 8))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for batch in pool.map(_read_many, batches):
            yield from batch


def run_check(args: argparse.Namespace) -> int:
    """Print every diagnostic and the coverage table; exit 1 on errors (or warnings with --strict)."""
    start = time.perf_counter()
    files = list(iter_files(args.paths))
    jobs = min(JOBS, os.cpu_count() or 1)
    tally = Tally(files=len(files))
    quiet = getattr(args, "quiet", False)
    for cables, diags, size, seconds in _results(files, jobs):
        tally.size += size
        tally.cpu += seconds
        for cable in cables:
            tally.add(cable)
        for d in diags:
            if d.severity == ERROR:
                tally.errors += 1
            else:
                tally.warnings += 1
            if not quiet:
                print(d)
    print(table(tally, time.perf_counter() - start))
    if tally.errors or (getattr(args, "strict", False) and tally.warnings):
        return 1
    return 0
