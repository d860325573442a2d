"""One-cable edits timed with the build's phases: ``python -m benchmarks.edit_time --n 251287 --output DIR``.

The archive is the scale benchmark's (``benchmarks/work/N/archive``, made by ``benchmarks.run``).
The output is built first when it is not there. Then, ``--edits`` times, the subject of the
benchmark's edit target (``benchmarks.edits``) gets four new bytes (``E000``, ``E001``...)
and the folder is built again in this process; each line gives the wall seconds, the files
written and the phases. The subject is put back at the end.

``--serve`` builds as ``cablesite serve`` rebuilds: from the last build's record and scan kept
in memory (``generator/warm.py``), the edited path reported as watchdog would, in this process
(``--jobs 1``, what serve uses for a few edited cables), with the search index deferred to a
second build; each line then gives the time until the pages are out and the search index's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from generator.build import build
from generator.config import Config
from generator.warm import Warm

from . import edits

WORK = Path(__file__).resolve().parent / "work"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=251_287)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--work", type=Path, default=WORK, help="the benchmark's work folder")
    ap.add_argument("--serve", action="store_true", help="rebuild as cablesite serve does (see above)")
    args = ap.parse_args(argv)
    archive = args.work / str(args.n) / "archive"
    if not (archive / "manifest.tsv").is_file():
        print(f"no archive at {archive}: run python -m benchmarks.run --sizes {args.n} first", file=sys.stderr)
        return 2
    content = archive / "text"
    if not args.output.is_dir():
        start = time.perf_counter()
        build(content, args.output, Config(), jobs=args.jobs)
        print(f"cold build {time.perf_counter() - start:.1f} s", flush=True)
    target = edits.choose(archive)
    if args.serve:
        return serve_edits(content, args.output, target, args.edits)
    try:
        for n in range(args.edits):
            edits.patch(target.text_path, target.text_offset, f"E{n:03d}".encode())
            start = time.perf_counter()
            result = build(content, args.output, Config(), jobs=args.jobs)
            phases = ", ".join(f"{k} {v:.2f}" for k, v in result.phases.items())
            print(f"edit {n + 1}: {time.perf_counter() - start:.2f} s, {result.written} files written ({phases})",
                  flush=True)
    finally:
        edits.patch(target.text_path, target.text_offset, target.original)
    return 0


def serve_edits(content: Path, output: Path, target: edits.Target, count: int) -> int:
    warm = Warm()
    warm.watching()
    start = time.perf_counter()
    build(content, output, Config(), jobs=os.cpu_count() or 1, warm=warm)  # serve's first build
    print(f"first build {time.perf_counter() - start:.2f} s", flush=True)
    try:
        for n in range(count):
            edits.patch(target.text_path, target.text_offset, f"S{n:03d}".encode())
            warm.note([str(target.text_path)])
            start = time.perf_counter()
            result = build(content, output, Config(), jobs=1, defer_search=True, warm=warm)
            pages = time.perf_counter() - start
            phases = ", ".join(f"{k} {v:.2f}" for k, v in result.phases.items())
            build(content, output, Config(), jobs=1, warm=warm)
            print(f"serve edit {n + 1}: pages out in {pages:.2f} s ({result.written} files written; {phases}), "
                  f"search index {time.perf_counter() - start - pages:.2f} s more", flush=True)
    finally:
        edits.patch(target.text_path, target.text_offset, target.original)
    return 0


if __name__ == "__main__":
    sys.exit(main())
