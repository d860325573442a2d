"""Time from saving a cable to its new page being served by ``cablesite serve``.

Copies the corpus's text cables (``../shared/corpus/cablegate-text``, 6,041 files)
into a work folder, starts ``python -m generator serve`` on it, waits for the first
build, then edits the ``SUBJECT:`` line of N cables one after the other, e.g.
``SUBJECT: HAPPY FIRST BIRTHDAY! COSTA RICA AND CHINA`` becomes
``SUBJECT: SERVE LATENCY 3 ...``, and polls the cable's page every 5 ms until the
new subject is served. Prints each latency, the median, and the rebuild times the
server reported::

    python benchmarks/serve_latency.py --edits 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "cablegate-text"
sys.path.insert(0, str(REPO))

from generator import paths  # noqa: E402


def fetch(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def header(path: Path) -> dict[str, str]:
    """The ``Identifier:``/``Created:`` key lines at the top of a corpus text file."""
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n")[:6]:
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def set_subject(path: Path, subject: str) -> bool:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("SUBJECT:"):
            lines[i] = f"SUBJECT: {subject}"
            path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
            return True
    return False


def pick(cables: Path, n: int) -> list[Path]:
    """``n`` cables spread over the sorted list, each with a one-line SUBJECT and a date."""
    files = sorted(cables.glob("*.txt"))
    step = max(1, len(files) // (n * 3))
    chosen = []
    for f in files[::step]:
        text = f.read_text(encoding="utf-8", errors="replace")
        h = header(f)
        if "\nSUBJECT:" in text and h.get("Created", "")[:4].isdigit():
            chosen.append(f)
        if len(chosen) == n:
            break
    return chosen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cablesite-serve-latency"))
    ap.add_argument("--jobs", type=int, default=None, help="passed to serve (default: its own)")
    ap.add_argument("--poll", type=float, default=0.005, help="seconds between page requests")
    ap.add_argument("--fresh", action="store_true", help="copy the corpus again and build from nothing")
    ap.add_argument("--gap", type=float, default=0.3,
                    help="seconds between a page being served and the next edit (the server goes on "
                         "updating the search index in the background for about 3 s on the corpus)")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    cables = args.work / "content" / "cables"
    if args.fresh and args.work.exists():
        shutil.rmtree(args.work)
    if not cables.is_dir():
        shutil.copytree(CORPUS, cables)
    theme = args.work / "theme"  # a snapshot: edits to themes/default must not trigger full rebuilds
    shutil.rmtree(theme, ignore_errors=True)
    shutil.copytree(REPO / "themes" / "default", theme)
    cmd = [sys.executable, "-m", "generator", "serve", "--content", str(args.work / "content"),
           "--output", str(args.work / "out"), "--port", "0", "--theme", str(theme)]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    lines: list[str] = []
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip() for line in proc.stderr),
                              daemon=True)
    reader.start()
    try:
        port = wait_port(lines, proc)
        print(f"first build and start: {time.monotonic() - start:.1f} s")
        latencies = []
        for n, path in enumerate(pick(cables, args.edits), 1):
            h = header(path)
            page = "/" + paths.cable_page(h["Identifier"], h["Created"])
            subject = f"SERVE LATENCY {n} {time.time_ns()}"
            attempts = status(port)["attempts"]
            t0 = time.monotonic()
            set_subject(path, subject)
            while subject.encode() not in fetch(port, page)[1]:
                time.sleep(args.poll)
                if time.monotonic() - t0 > 60:
                    raise SystemExit(f"{page} never showed the new subject; serve said:\n"
                                     + "\n".join(lines[-20:]))
            latencies.append(time.monotonic() - t0)
            print(f"edit {n:2d} {path.name:28s} {latencies[-1] * 1000:7.0f} ms")
            while status(port)["attempts"] <= attempts or status(port)["building"]:
                time.sleep(0.01)
            time.sleep(args.gap)  # let the watcher go quiet (and, with a long gap, the index catch up)
        rebuilt = [float(line.split("rebuilt in ")[1].split(" s")[0]) for line in lines if "rebuilt in" in line]
        print(f"median {statistics.median(latencies) * 1000:.0f} ms, min {min(latencies) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} edits")
        if rebuilt:
            print(f"build() time reported by serve: median {statistics.median(rebuilt) * 1000:.0f} ms")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        reader.join(5)
    return 0


def wait_port(lines: list[str], proc: subprocess.Popen) -> int:
    while True:
        for line in lines:
            if "serving http://" in line:
                return int(line.split("http://localhost:")[1].split("/")[0])
        if proc.poll() is not None:
            raise SystemExit("serve exited:\n" + "\n".join(lines))
        time.sleep(0.1)


def status(port: int) -> dict:
    return json.loads(fetch(port, "/__cablesite/status")[1])


if __name__ == "__main__":
    sys.exit(main())
