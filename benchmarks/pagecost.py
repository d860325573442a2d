"""What one cable costs in CPU, piece by piece: parsing it, and rendering its page.

    python -m benchmarks.pagecost --n 3000

Reads the first N cables of the corpus's text form (``../shared/corpus/cablegate-text``,
else the cables in ``content/``) into memory, then times, in this process, best of
``--repeat`` passes over all of them (no disk, no workers, so that the figures move only
with the code):

- ``parse``: ``generator.parse.read`` of each file's bytes;
- ``csv``: ``generator.parse.read_csv`` of the same cables as rows of a ``cables.csv``
  (the release's layout, as ``benchmarks.synth`` writes it), in ranges of 200 rows as the
  build reads the file (``csvranges.py``), and of it
- ``csv-rows``: the rows read from those bytes (``csvform.iter_data_rows``), not parsed;
- ``page``: the whole cable page (``Renderer.cable``: the view's REF list unresolved,
  no backlinks), and of it
- ``blocks``: the body's structure (``generator.parse.body.blocks``),
- ``body``: its HTML (``render.body_html``, blocks included),
- ``telegram``: the original telegram highlighted (``lexer.telegram_html``).

Prints milliseconds per cable. A cold build spends about two thirds of its CPU in these
(the rest: the search index, the listing pages, caching and moving work between processes).
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path

from generator import parse, render
from generator.lexer import telegram_html
from generator.model import Cable
from generator.parse.body import blocks
from generator.parse.forms import csvform
from generator.views import CableView, PageContext, RefView, SiteInfo, TagInfo

from .synth import csv_created, csv_writer, source_files, split_header

REPO = Path(__file__).resolve().parents[1]


def _view(cable: Cable) -> CableView:
    refs = tuple(RefView(r.letter, r.text, r.id, None, "") for r in cable.references)
    tags = tuple(TagInfo(t, "", "unknown", f"tag/{t}.html") for t in cable.tags)
    return CableView(cable, refs, (), None, None, tags, "", "", "")


def csv_ranges(cables: list[Cable], size: int = 200) -> list[bytes]:
    """The cables as rows of ``cables.csv``, ``size`` rows a range."""
    out = []
    for start in range(0, len(cables), size):
        f = io.StringIO()
        writer = csv_writer(f)
        for n, c in enumerate(cables[start:start + size], start + 1):
            header, body = split_header(c.original or c.body)
            created = csv_created(c.created) if c.created else "1/1/2000 0:00"
            writer.writerow([str(n), created, c.id, c.origin, c.classification, "", header, body])
        out.append(f.getvalue().encode("utf-8"))
    return out


def measure(files: list[Path], repeat: int = 3) -> dict[str, float]:
    """Milliseconds per cable of each piece, best of ``repeat`` passes."""
    data = [(p.name, p.read_bytes()) for p in files]
    cables = [c for name, raw in data for c in parse.read(name, raw)[0]]
    site = SiteInfo("Cable archive", "")
    renderer = render.Renderer(REPO / "themes" / "default", site)
    page = PageContext("cable/2007/10/07USNATO577.html", "../../../", site)
    views = [_view(c) for c in cables]
    ranges = csv_ranges(cables)
    pieces: dict[str, tuple[Callable[[], object], int]] = {
        "parse": (lambda: [parse.read(name, raw) for name, raw in data], len(data)),
        "csv": (lambda: [parse.read_csv("cables.csv", r) for r in ranges], len(cables)),
        "csv-rows": (lambda: [list(csvform.iter_data_rows(r, parse.decode)) for r in ranges], len(cables)),
        "page": (lambda: [renderer.cable(page, v) for v in views], len(views)),
        "blocks": (lambda: [blocks(c.body) for c in cables], len(cables)),
        "body": (lambda: [render.body_html(blocks(c.body), {}) for c in cables], len(cables)),
        "telegram": (lambda: [telegram_html(c.original or c.body) for c in cables], len(cables)),
    }
    out: dict[str, float] = {}
    for name, (run, count) in pieces.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        out[name] = best / max(1, count) * 1e3
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pagecost", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=3000, help="cables to time (default 3000)")
    p.add_argument("--repeat", type=int, default=3, help="passes; the best is shown (default 3)")
    args = p.parse_args(argv)
    files = source_files()[: args.n]
    print(f"# {len(files)} cables from {files[0].parent if files else '(none)'}")
    for name, ms in measure(files, args.repeat).items():
        print(f"{name:9s} {ms:6.3f} ms a cable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
