"""The whole scale benchmark in one command, printed as a Markdown table.

    python -m benchmarks.run --sizes 10000 50000 251287 --runs 3 --hugo

For each N: make (or reuse) the synthetic archive ``benchmarks/work/N/archive`` with
``benchmarks.synth`` (text files and ``cables.csv``), then for each source (the cable
folder, the CSV) and each run: cold build (output and its cache moved aside, deleted
at the very end: see :func:`discard`), no-change rebuild, one-cable edit (four bytes of a
subject), a longer edit of it (seven bytes put in: every byte after them moves), one-cable
add, one-cable delete. Each step: wall seconds (median over the runs), peak RSS
of the whole process tree, files written, HTML pages, output bytes, most entries in one
output folder, largest file. ``--hugo`` also converts the archive for the minimal Hugo
site of ``benchmarks/hugo`` and times Hugo's build (cold, the only kind Hugo has outside
its server); ``--alternate`` runs it after each of cablesite's runs instead of after all of
them, so that the ratio is not skewed by the disk's or the machine's drift through the
benchmark (both tools' cold builds varied by 10-20% from run to run). A table row it prints::

    | 10,000 | text | cold | 41.2 | 3 | 612 | 31,456 | 30,112 | 1,024.5 | 1,001 | 2.1 MB |
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from . import edits, hugo_site, measure, synth

T = TypeVar("T")

WORK = Path(__file__).resolve().parent / "work"
REPO = Path(__file__).resolve().parents[1]
BUILD_CMD = "{python} -m generator build --content {content} --output {output} --quiet --jobs {jobs}"
STEPS = ("cold", "no-change", "edit", "longer", "add", "delete")
GiB = 1 << 30


@dataclass(slots=True)
class Row:
    n: int
    source: str
    step: str
    walls: list[float] = field(default_factory=list)
    peak: int = 0
    stats: measure.OutputStats | None = None
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")


def machine() -> str:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), "0")
    hugo = shutil.which("hugo")
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()[1] if hugo else "none"
    return (f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc {os.cpu_count()}; "
            f"memory {int(mem) / (1 << 20):.1f} GiB; Python {platform.python_version()}; hugo {version}; "
            f"{load()}")


def load() -> str:
    """Load averages: other work on the machine slows every figure."""
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def gauge(passes: int = 5) -> str:
    """The machine's speed now: milliseconds of a fixed pure-Python workload (sorting, joining,
    splitting and counting 200,000 short strings), best of ``passes``. The same work whatever
    the build code, so that two benchmarks' figures can be set against the machine's speed
    (on the same machine it moved by half within an hour: Hugo's cold build of 50,000
    cables took 78-86 s, then 127-132 s)."""
    words = [str(i * 7919 % 100_003) for i in range(200_000)]
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        text = " ".join(sorted(words))
        counts: dict[str, int] = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        best = min(best, time.perf_counter() - start)
    return f"speed gauge {best * 1e3:.0f} ms (a fixed Python workload, best of {passes}; lower is faster)"


def ensure_archive(n: int, seed: int, work: Path) -> Path:
    """The synthetic archive of N cables (text and CSV), made once and reused."""
    archive = work / str(n) / "archive"
    stamp = archive / "synth.done"
    if stamp.exists() and stamp.read_text() == f"{n} {seed}\n":
        return archive
    shutil.rmtree(archive, ignore_errors=True)
    started = time.perf_counter()
    synth.generate(n, archive, seed=seed, with_csv=True)
    stamp.write_text(f"{n} {seed}\n")
    print(f"# synth {n:,}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return archive


def snapshot(work: Path) -> tuple[Path, str]:
    """A frozen copy of the build's code (``generator/``, ``themes/``), and its git description.

    Other people commit while a long benchmark runs; timing a copy keeps every step on one
    version of the code (a changed renderer would make a "no-change" rebuild re-render all).
    The copy is byte-compiled, as ``pip install`` leaves a package: where Python is told not to
    write bytecode (``PYTHONDONTWRITEBYTECODE``, set on the machines of this project), each
    build would compile the package's 40-odd modules from source, 0.07 s of every process.
    """
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip() or "unknown"
    code = work / "code"
    shutil.rmtree(code, ignore_errors=True)
    for name in ("generator", "themes"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, code / name, ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(code / "generator", quiet=1)
    return code, described


def discard(path: Path, work: Path) -> None:
    """Move ``path`` into ``work/trash`` (emptied at the end by :func:`empty_trash`).

    Deleting a 276,164-file output just before the next cold build makes that build
    pay for the deletion: this disk's ext4 has no journal, and its inode allocator then
    skips every inode deleted in the last minutes, one buffer lookup each
    (``recently_deleted`` and ``find_inode_bit`` were a third of all CPU samples in
    ``perf record -a`` during such a build). A user's first build follows no deletion.
    """
    if path.exists():
        trash = work / "trash"
        trash.mkdir(parents=True, exist_ok=True)
        os.rename(path, trash / f"{time.time_ns()}")


def empty_trash(work: Path) -> None:
    shutil.rmtree(work / "trash", ignore_errors=True)


class DiskRoom:
    """The most disk one build has taken in ``work`` (its output, build record and caches), and
    room made for the next: the kept outputs of the trash filled the disk once (a build of the
    release failed with ENOSPC on its sixth run: 74 GB free, ~12 GB a run)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.most = 0
        """Bytes of disk the largest build measured so far took."""

    def measure(self, build: Callable[[], T]) -> T:
        """``build()``, the disk it took counted."""
        free = shutil.disk_usage(self.work).free
        try:
            return build()
        finally:
            self.most = max(self.most, free - shutil.disk_usage(self.work).free)

    def make(self, factor: float) -> int | None:
        """Empty the trash when less than ``factor`` times the most a build took is free; the
        free bytes found then (the next build follows a deletion), or ``None``."""
        free = shutil.disk_usage(self.work).free
        if self.most and free < factor * self.most:
            empty_trash(self.work)
            return free
        return None


def build_cmd(template: str, content: Path, output: Path, jobs: int) -> list[str]:
    return template.format(python=sys.executable, content=content, output=output, jobs=jobs).split()


def timed(cmd: list[str], out: Path, row: Row, mem_limit: int, code: Path | None = None) -> bool:
    """Run one build, add its figures to ``row``; False when it failed."""
    since = time.time_ns()
    env = None
    if code is not None:
        env = dict(os.environ, PYTHONPATH=f"{code}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    m = measure.run(cmd, mem_limit=mem_limit, env=env, cwd=code)
    row.peak = max(row.peak, m.peak_rss)
    if m.returncode != 0:
        why = f"stopped past {mem_limit / GiB:.0f} GiB" if m.killed else f"exit {m.returncode}"
        row.note = f"FAILED ({why}): {m.stderr.splitlines()[-1] if m.stderr else ''}"[:200]
        return False
    row.walls.append(m.wall)
    if out.is_dir():
        row.stats = measure.output_stats(out, since)
    return True


def bench_source(n: int, source: str, archive: Path, work: Path, args: argparse.Namespace) -> list[Row]:
    """Every step of every run for one input form (``text`` or ``csv``)."""
    content = archive / source
    place = work / str(n) / f"build-{source}"
    out = place / "output"
    cmd = build_cmd(args.build_cmd, content, out, args.jobs)
    rows = {step: Row(n, source, step) for step in STEPS}
    target = edits.choose(archive)
    csv_path = content / "cables.csv"
    offset = edits.csv_subject_offset(csv_path, target.id) if source == "csv" else target.text_offset
    edited = csv_path if source == "csv" else target.text_path
    started = time.perf_counter()
    grown = 0
    room = DiskRoom(work)
    try:
        for run in range(args.runs):
            if run and time.perf_counter() - started > args.budget:
                break
            discard(place, work)
            free = room.make(2)
            if free is not None:  # this run follows a deletion
                print(f"# trash emptied before {source} run {run + 1} of N = {n:,}: "
                      f"{free / 2**30:.1f} GiB free, a run takes up to {room.most / 2**30:.1f} GiB",
                      flush=True)
            place.mkdir(parents=True)
            if not room.measure(lambda: timed(cmd, out, rows["cold"], args.mem_limit, args.code)):
                break
            # a failed incremental step is reported in its row; the next steps still run
            timed(cmd, out, rows["no-change"], args.mem_limit, args.code)
            edits.patch(edited, offset, edits.edit_value(run))
            timed(cmd, out, rows["edit"], args.mem_limit, args.code)
            edits.insert(edited, offset, edits.LONGER)  # every byte after the edit moves
            grown += 1  # (taken out at the end: taking it out now would be part of the add)
            timed(cmd, out, rows["longer"], args.mem_limit, args.code)
            if source == "csv":
                size = edits.append_row(csv_path, edits.added_row(target, n + 1))
            else:
                added = edits.add_text_file(content, target)
            timed(cmd, out, rows["add"], args.mem_limit, args.code)
            if source == "csv":
                edits.truncate(csv_path, size)
            else:
                added.unlink()
                added.parent.rmdir()
            timed(cmd, out, rows["delete"], args.mem_limit, args.code)
    finally:
        if grown:
            edits.remove(edited, offset, grown * len(edits.LONGER))
        edits.patch(edited, offset, target.original)
        if not args.keep:
            discard(place, work)
    return [rows[s] for s in STEPS]


def bench_hugo(n: int, archive: Path, work: Path, args: argparse.Namespace) -> list[Row]:
    site = work / str(n) / "hugo"
    if not (site / "convert.done").exists():
        shutil.rmtree(site, ignore_errors=True)
        started = time.perf_counter()
        hugo_site.convert(archive, site)
        (site / "convert.done").write_text(f"{time.perf_counter() - started:.1f}\n")
    row = Row(n, "hugo", "cold")
    public = site / "public"
    env = dict(os.environ)
    if args.gomemlimit:
        env["GOMEMLIMIT"] = args.gomemlimit
    for run in range(args.runs):
        if run and sum(row.walls) > args.budget:
            break
        for name in ("public", "cache", "resources"):
            discard(site / name, work)
        since = time.time_ns()
        m = measure.run(hugo_site.hugo_command(site, public), env=env, mem_limit=args.mem_limit)
        row.peak = max(row.peak, m.peak_rss)
        if m.returncode != 0:
            why = f"stopped past {args.mem_limit / GiB:.0f} GiB" if m.killed else f"exit {m.returncode}"
            row.note = f"FAILED ({why}) after {m.wall:.0f} s"
            break
        row.walls.append(m.wall)
        row.stats = measure.output_stats(public, since)
    if not args.keep:
        discard(public, work)
    return [row]


def alternated(n: int, archive: Path, args: argparse.Namespace) -> list[Row]:
    """``--alternate``: each run of each source, then one Hugo build; the runs' rows merged."""
    once = argparse.Namespace(**{**vars(args), "runs": 1})
    merged: dict[tuple[str, str], Row] = {}
    for _ in range(args.runs):
        for row in [r for source in args.sources for r in bench_source(n, source, archive, args.work, once)] \
                + bench_hugo(n, archive, args.work, once):
            into = merged.setdefault((row.source, row.step), Row(n, row.source, row.step))
            into.walls += row.walls
            into.peak = max(into.peak, row.peak)
            into.stats = row.stats or into.stats
            into.note = into.note or row.note
        print(table(list(merged.values())), file=sys.stderr, flush=True)
    return list(merged.values())


def fmt_bytes(b: int) -> str:
    return f"{b / (1 << 20):,.1f} MB" if b >= 1 << 20 else f"{b / 1024:,.1f} kB"


def table(rows: list[Row]) -> str:
    head = ("| N | source | step | wall s (median) | runs | ms/cable | peak MiB (tree) | files written "
            "| HTML pages | output MB | max entries/folder | largest file | note |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        s = r.stats
        per = f"{1000 * r.wall / r.n:.2f}" if r.step == "cold" and r.walls else ""
        lines.append(
            f"| {r.n:,} | {r.source} | {r.step} | {r.wall:.2f} | {len(r.walls)} | {per} "
            f"| {r.peak / (1 << 20):,.0f} | {s.written if s else 0:,} | {s.html_pages if s else 0:,} "
            f"| {s.bytes / 1e6 if s else 0:,.1f} | {s.max_entries if s else 0:,} "
            f"| {fmt_bytes(s.largest) if s else ''} | {r.note} |"
        )
    return "\n".join(lines)


def ratios(rows: list[Row]) -> list[str]:
    out = []
    for h in (r for r in rows if r.source == "hugo" and r.walls):
        for r in rows:
            if r.n == h.n and r.step == "cold" and r.source != "hugo" and r.walls:
                out.append(f"N={h.n:,}: cablesite {r.source} cold {r.wall:.1f} s / Hugo {h.wall:.1f} s "
                           f"= {r.wall / h.wall:.2f}x time; memory {r.peak / (1 << 20):,.0f} / "
                           f"{h.peak / (1 << 20):,.0f} MiB = {r.peak / max(h.peak, 1):.2f}x")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000, 251287])
    p.add_argument("--runs", type=int, default=3, help="runs per step; the median is shown (default 3)")
    p.add_argument("--budget", type=float, default=1800,
                   help="no further run of a source once this many seconds are spent (default 1800)")
    p.add_argument("--sources", nargs="*", default=["text", "csv"], choices=["text", "csv"],
                   help="inputs to build (none: only the archive and Hugo)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cablesite build --jobs")
    p.add_argument("--hugo", action="store_true", help="also build the same archive with Hugo")
    p.add_argument("--hugo-max", type=int, default=0, help="skip Hugo above this N (0: no limit)")
    p.add_argument("--alternate", action="store_true",
                   help="with --hugo: a Hugo build after each cablesite run, not all after the last")
    p.add_argument("--gomemlimit", default="", help="GOMEMLIMIT for Hugo (e.g. 17GiB)")
    p.add_argument("--mem-limit", type=float, default=20, help="kill a build past this many GiB (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--work", type=Path, default=WORK, help="work folder (default benchmarks/work)")
    p.add_argument("--build-cmd", default=BUILD_CMD, help=f"build command template (default: {BUILD_CMD})")
    p.add_argument("--live-code", action="store_true",
                   help="run the build from the checkout, not from a frozen copy of it")
    p.add_argument("--keep", action="store_true", help="keep the outputs in the work folder")
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = p.parse_args(argv)
    args.mem_limit = int(args.mem_limit * GiB)
    args.work = args.work.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"# {machine()}", flush=True)
    print(f"# {gauge()}", flush=True)
    args.code = None
    if not args.live_code:
        args.code, described = snapshot(args.work)
        print(f"# build code: a copy of generator/ and themes/ at {described} in {args.code}", flush=True)
    print(f"# command: python -m benchmarks.run {' '.join(sys.argv[1:] if argv is None else argv)}", flush=True)
    rows: list[Row] = []
    empty_trash(args.work)  # what an interrupted run left, before any timing
    try:
        for n in args.sizes:
            archive = ensure_archive(n, args.seed, args.work)
            hugo = args.hugo and (not args.hugo_max or n <= args.hugo_max)
            if hugo and args.alternate:
                rows += alternated(n, archive, args)
                continue
            for source in args.sources:
                rows += bench_source(n, source, archive, args.work, args)
                print(table(rows[-len(STEPS):]), file=sys.stderr, flush=True)
            if hugo:
                rows += bench_hugo(n, archive, args.work, args)
    finally:
        empty_trash(args.work)
    print(f"# at the end: {load()}; {gauge()}")
    print(table(rows))
    for line in ratios(rows):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"wall": r.wall} for r in rows], indent=1))
    return 1 if any(r.note.startswith("FAILED") and r.source != "hugo" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
