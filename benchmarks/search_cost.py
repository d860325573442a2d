"""What the offline search index adds to a cold build: the same content built with the default
theme and with a copy of it without ``search.html`` (a theme without that template makes no
index), alternately, several times; medians of wall, CPU (user + system) and user CPU
seconds (of the build and its workers, from ``os.wait4``).

    python -m benchmarks.search_cost --content benchmarks/work/10000/archive/text --runs 3
    python -m benchmarks.search_cost --content benchmarks/work/251287/archive/text --runs 2 --settle 400

Prints one Markdown table row per variant and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .run import DiskRoom, discard, snapshot


def cold_build(content: Path, theme: Path, work: Path, jobs: int, code: Path) -> tuple[float, float, float]:
    """(wall, cpu, user cpu) seconds of one cold build into ``work/out``, run from ``code``
    (a frozen copy of the build's code: :func:`.run.snapshot`).

    The last build's output is moved aside, not deleted (the caller deletes it at the end):
    on this disk a deletion makes the next build's new files slower (:func:`.run.discard`).
    """
    out = work / "out"
    for name in ("out", ".out.cache"):
        discard(work / name, work)
    subprocess.run(["sync"], check=False)
    cmd = [sys.executable, "-m", "generator", "build", "--content", str(content), "--output", str(out),
           "--theme", str(theme), "--jobs", str(jobs), "--quiet"]
    start = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(code))
    proc = subprocess.Popen(cmd, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}")
    # wait4 counts the process and the children it waited for (the pool's workers)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_utime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--content", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed builds first (the first build of a run was 10-30 s slower at 251,287 cables)")
    ap.add_argument("--settle", type=float, default=0,
                    help="seconds to wait after deleting earlier outputs to make room (at 251,287 "
                         "cables; 400 lets ext4 without a journal reuse the deleted inodes)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cablesite-search-cost-") as tmp:
        work = Path(tmp)
        code, described = snapshot(work)
        print(f"# build code: a copy of generator/ and themes/ at {described}", flush=True)
        plain = work / "theme-without-search"
        shutil.copytree(code / "themes" / "default", plain)
        (plain / "templates" / "search.html").unlink()
        themes = {"with search": code / "themes" / "default", "without search": plain}
        times: dict[str, list[tuple[float, float, float]]] = {k: [] for k in themes}
        deleted_before: dict[str, list[int]] = {k: [] for k in themes}
        room = DiskRoom(work)

        def measured(theme: Path) -> tuple[float, float, float]:
            return room.measure(lambda: cold_build(args.content.resolve(), theme, work, args.jobs, code))

        for _ in range(args.warmup):  # the without-search theme: its output is the smaller
            wall = measured(themes["without search"])[0]
            print(f"# warm-up build (not counted): {wall:.1f} s", file=sys.stderr, flush=True)
        for run in range(args.runs):
            for name in list(themes)[:: 1 if run % 2 == 0 else -1]:  # variants take turns going first
                # The last builds' outputs are kept until the end (deleting one slows the next
                # build: :func:`.run.discard`) unless the next would not fit: a 251,287-cable
                # output and cache take 15 GB. Then they are deleted, and the disk is given
                # --settle seconds after the deletion: ext4 without a journal skips an inode
                # deleted less than 60 s ago, 360 s when its inode table block is still dirty
                # (fs/ext4/ialloc.c, recently_deleted), and a build then creates its files slowly.
                if room.make(1.1) is not None:
                    subprocess.run(["sync"], check=False)
                    time.sleep(args.settle)
                    deleted_before[name].append(len(times[name]))
                times[name].append(measured(themes[name]))
                print(f"# run {run + 1}, {name}: " + " / ".join(f"{x:.1f}" for x in times[name][-1]),
                      file=sys.stderr, flush=True)
    print(f"# content {args.content}; {args.runs} runs each, alternating, the first variant "
          f"changing each run; --jobs {args.jobs}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| variant | wall s (median) | CPU s (median) | user CPU s (median) |")
    print("|---|---|---|---|")
    med = {k: tuple(statistics.median(t[i] for t in v) for i in range(3)) for k, v in times.items()}
    for name, (wall, cpu, user) in med.items():
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {user:.2f} |")
    print("\nEach run, in order (wall / CPU / user CPU s; * after a deletion of earlier outputs):")
    for name, runs in times.items():
        print(f"- {name}: " + ", ".join(f"{w:.1f} / {c:.1f} / {u:.1f}{' *' if i in deleted_before[name] else ''}"
                                       for i, (w, c, u) in enumerate(runs)))
    (w1, c1, u1), (w0, c0, u0) = med["with search"], med["without search"]
    print(f"\nThe index adds {100 * (w1 / w0 - 1):.0f}% wall time, {100 * (c1 / c0 - 1):.0f}% CPU time "
          f"and {100 * (u1 / u0 - 1):.0f}% user CPU time.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
