"""Measuring one build: wall time, peak memory of the whole process tree, and what it wrote.

Memory is the sum of ``VmRSS`` over the process and all its descendants, read from
``/proc/<pid>/status`` every 50 ms (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` would
give the largest single child, not the tree). A ``/proc/<pid>/stat`` line it reads::

    4242 (cablesite) S 4241 4242 ...     -> pid 4242, parent 4241
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Measure:
    wall: float
    """Seconds from start to exit."""
    peak_rss: int
    """Peak summed RSS of the process tree, bytes."""
    returncode: int
    stderr: str
    """Last lines of the command's standard error."""
    killed: bool = False
    """Stopped because the tree passed the memory limit."""


@dataclass(frozen=True, slots=True)
class OutputStats:
    files: int
    html_pages: int
    bytes: int
    max_entries: int
    """Most entries (files and folders) in one folder of the output."""
    max_entries_dir: str
    largest: int
    largest_path: str
    written: int
    """Files whose modification time is at or after the build's start."""


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces and parentheses: the fields follow the last ')'
    return int(stat.rsplit(")", 1)[1].split()[1])


def tree(root: int) -> set[int]:
    """``root`` and all its descendants now alive."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            ppid = parent_of(int(name))
            if ppid is not None:
                children.setdefault(ppid, []).append(int(name))
    seen, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def rss(pid: int) -> int:
    """Resident set size of one process in bytes, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    return sum(rss(pid) for pid in tree(root))


def run(cmd: list[str], *, env: dict[str, str] | None = None, mem_limit: int = 0,
        cwd: Path | None = None) -> Measure:
    """Run ``cmd`` in its own session, sampling its tree's memory; kill it past ``mem_limit`` bytes."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    peak = [0]
    killed = [False]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            now = tree_rss(proc.pid)
            peak[0] = max(peak[0], now)
            if mem_limit and now > mem_limit and not killed[0]:
                killed[0] = True
                os.killpg(proc.pid, signal.SIGKILL)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    tail = "\n".join(err.decode("utf-8", "replace").strip().splitlines()[-15:])
    return Measure(wall, peak[0], proc.returncode, tail, killed[0])


def output_stats(out: Path, since_ns: int = 0) -> OutputStats:
    """Walk the output once: counts, sizes, the fullest folder, the largest file, files written."""
    files = html = total = written = 0
    max_entries, max_dir, largest, largest_path = 0, "", 0, ""
    todo = [out]
    while todo:
        folder = todo.pop()
        entries = 0
        with os.scandir(folder) as it:
            for e in it:
                entries += 1
                if e.is_dir(follow_symlinks=False):
                    todo.append(Path(e.path))
                    continue
                st = e.stat(follow_symlinks=False)
                files += 1
                total += st.st_size
                html += e.name.endswith(".html")
                written += st.st_mtime_ns >= since_ns
                if st.st_size > largest:
                    largest, largest_path = st.st_size, e.path
        if entries > max_entries:
            max_entries, max_dir = entries, str(folder)
    rel = (lambda p: os.path.relpath(p, out)) if out.exists() else str
    return OutputStats(files, html, total, max_entries, rel(max_dir) if max_dir else "",
                       largest, rel(largest_path) if largest_path else "", written)
