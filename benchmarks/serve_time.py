"""One-cable edits as a reader of ``cablesite serve`` sees them: ``python -m benchmarks.serve_time --n 251287 --output DIR``.

Starts ``cablesite serve`` on the scale benchmark's cable folder (``benchmarks/work/N/archive``,
made by ``benchmarks.run``), waits until it serves, then ``--edits`` times patches four bytes of
the benchmark's edit target's subject (``S000``, ``S001``...; ``benchmarks.edits``), ``--pause``
seconds apart, and prints for each the seconds from the file's write to the server's
``rebuilt in`` line: watchdog's delivery, the server's settle time and the rebuild. The subject
is put back, and the server stopped once it has rebuilt the page with it.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import edits
from .edit_time import WORK

REPO = Path(__file__).resolve().parent.parent


class Server:
    """``python -m generator serve`` in a subprocess; its stderr lines with their arrival times."""

    def __init__(self, content: Path, output: Path, port: int) -> None:
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--content", str(content), "--output", str(output),
             "--port", str(port)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait(self, needle: str, start: int, timeout: float) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.lines[start:]:
                if needle in line:
                    return at, line
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"no {needle!r} from cablesite serve:\n" + "\n".join(line for _, line in self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=251_287)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--pause", type=float, default=3.0, help="seconds between edits")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--work", type=Path, default=WORK, help="the benchmark's work folder")
    args = ap.parse_args(argv)
    archive = args.work / str(args.n) / "archive"
    if not (archive / "manifest.tsv").is_file():
        print(f"no archive at {archive}: run python -m benchmarks.run --sizes {args.n} first", file=sys.stderr)
        return 2
    target = edits.choose(archive)
    start = time.monotonic()
    server = Server(archive / "text", args.output, args.port)
    try:
        at, _ = server.wait("serving http", 0, 3600)
        print(f"serving after {at - start:.1f} s (its first build)", flush=True)
        for n in range(args.edits):
            time.sleep(args.pause)
            mark = len(server.lines)
            edits.patch(target.text_path, target.text_offset, f"S{n:03d}".encode())
            written = time.monotonic()
            at, line = server.wait("rebuilt in", mark, 600)
            print(f"edit {n + 1}: {at - written:.2f} s from the write to: {line.split('cablesite: ', 1)[-1]}",
                  flush=True)
    finally:
        mark = len(server.lines)
        edits.patch(target.text_path, target.text_offset, target.original)
        try:
            if server.proc.poll() is None:  # leave the site with the subject put back
                server.wait("rebuilt in", mark, 600)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
