"""What the disk charges per file: creating a new file, rewriting one, hard-linking one, stat.

    python -m benchmarks.filecost --folder benchmarks/work/filecost --n 3000

A static site of the whole release is ~300,000 files; on a disk where creating a file costs
half a millisecond that is minutes of a cold build whatever the generator does, so the
build avoids making files it does not need (the parse cache is one SQLite file and a few packs, per-cable
JSON is opt-in). Prints milliseconds per operation.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path


def measure(folder: Path, n: int) -> dict[str, float]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data = b"x" * 100
    out: dict[str, float] = {}

    def timed(name: str, fn) -> None:
        start = time.perf_counter()
        for i in range(n):
            fn(i)
        out[name] = (time.perf_counter() - start) / n * 1e3

    def create(i: int) -> None:
        fd = os.open(folder / f"{i}.html", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.close(fd)

    def rewrite(i: int) -> None:
        fd = os.open(folder / f"{i}.html", os.O_WRONLY | os.O_TRUNC)
        os.write(fd, data)
        os.close(fd)

    timed("create a new file", create)
    timed("rewrite an existing file", rewrite)
    timed("hard-link a file", lambda i: os.link(folder / f"{i}.html", folder / f"{i}.link"))
    timed("stat a file", lambda i: os.stat(folder / f"{i}.html"))
    shutil.rmtree(folder, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, default=Path(__file__).resolve().parent / "work" / "filecost")
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args(argv)
    for name, ms in measure(args.folder, args.n).items():
        print(f"{name}: {ms:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
