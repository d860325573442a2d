"""Scale benchmark of the search index: ``python -m generator.search.bench --n 251287 --out DIR``.

Makes ``n`` cables by repeating the corpus's cables (``../shared/corpus/cablegate-text``)
with new ids (serial plus a million times the round, e.g. ``07USNATO1000520``), indexes
them as the build would (``partial`` in worker processes on batches of doc numbers,
``merge`` and ``files`` in the main process), writes ``DIR/site`` (search page, static
files, index; no cable pages) and prints time, peak memory, files and bytes on disk.
Then, with ``--browser``, measures queries in headless Chromium over file://.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import multiprocessing
import os
import re
import resource
import shutil
import sys
import time
from pathlib import Path

from .. import parse, paths
from ..model import Cable
from .index import SearchIndexer
from .partials import Partial, partial
from .site import THEME, render_search_page

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "cablegate-text"
_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
_state: dict[str, object] = {}


def corpus_cables() -> list[Cable]:
    out: list[Cable] = []
    for f in sorted(CORPUS.iterdir()):
        cables, _ = parse.read(f"cablegate-text/{f.name}", f.read_bytes())
        out.extend(c for c in cables if c.id)
    return out


def synthetic_id(cable: Cable, round_: int) -> str:
    if round_ == 0:
        return cable.id
    m = _ID.match(cable.id)
    if m:
        return f"{m.group(1)}{m.group(2)}{int(m.group(3)) + 1_000_000 * round_}"
    return f"{cable.id}R{round_}"


def _plan(n: int, base: list[Cable]) -> list[tuple[str, int, int]]:
    """(id, template, round) of each doc, in sorted-id order."""
    plan = [(synthetic_id(base[i % len(base)], i // len(base)), i % len(base), i // len(base))
            for i in range(n)]
    plan.sort()
    return plan


def _batch(task: tuple[int, int]) -> Partial:
    base: list[Cable] = _state["base"]  # type: ignore[assignment]
    plan: list[tuple[str, int, int]] = _state["plan"]  # type: ignore[assignment]
    docs = []
    for doc in range(*task):
        cable_id, t, _ = plan[doc]
        cable = dataclasses.replace(base[t], id=cable_id)
        docs.append((doc, cable, paths.cable_page(cable.id, cable.created)))
    return partial(docs)


def build_index(n: int, out: Path, jobs: int, batch: int = 2000) -> dict[str, float]:
    start = time.monotonic()
    base = corpus_cables()
    _state.update(base=base, plan=_plan(n, base))
    gc.freeze()  # the corpus stays for the whole run: keep it out of collections
    prepared = time.monotonic()
    prep_cpu = time.process_time()
    indexer = SearchIndexer()
    tasks = [(i, min(n, i + batch)) for i in range(0, n, batch)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        # at most 2 batches a worker in flight, so finished partials never pile up in memory
        pending = [pool.apply_async(_batch, (t,)) for t in tasks[: 2 * jobs]]
        for t in tasks[2 * jobs :] + [None] * len(pending):
            indexer.merge(pending.pop(0).get())
            if t is not None:
                pending.append(pool.apply_async(_batch, (t,)))
    merged = time.monotonic()
    site = out / "site"
    shutil.rmtree(site, ignore_errors=True)
    files = size = 0
    for rel, data in indexer.files():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files += 1
        size += len(data)
    written = time.monotonic()
    for p in sorted((THEME / "static").rglob("*")):
        if p.is_file():
            (site / "static").mkdir(parents=True, exist_ok=True)
            shutil.copy(p, site / "static" / p.name)
    (site / "search.html").write_bytes(render_search_page())
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_main_s": me.ru_utime + me.ru_stime - prep_cpu, "cpu_workers_s": kids.ru_utime + kids.ru_stime,
        "cables": n, "corpus_parse_s": prepared - start, "index_workers_s": merged - prepared,
        "files_write_s": written - merged, "index_total_s": written - prepared,
        "files": files, "bytes": size,
        "main_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure_queries(site: Path, queries: list[str]) -> list[dict[str, object]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        for q in queries:
            page = browser.new_page()
            urls: list[str] = []
            page.on("request", lambda r, urls=urls: urls.append(r.url))
            page.goto(f"{site.as_uri()}/search.html?{q}")
            for _ in range(600):
                stats = page.evaluate("window.CablesiteSearch && window.CablesiteSearch.stats")
                if stats and stats.get("done"):
                    break
                time.sleep(0.01)
            loaded = page.evaluate("performance.timing.loadEventEnd - performance.timing.navigationStart")
            index_bytes = sum(os.path.getsize(u[len(site.as_uri()) + 1:].join([str(site) + "/", ""]))
                              for u in urls if "/search/" in u)
            rows.append({"query": q, "results_ms": round(stats["firstResults"] - stats["start"], 1),
                         "since_navigation_ms": round(stats["firstResults"], 1), "load_event_ms": loaded,
                         "pieces": stats["pieces"], "index_bytes": index_bytes,
                         "status": page.inner_text("#search-output")[:60].replace("\n", " ")})
            page.close()
        browser.close()
    return rows


QUERIES = ["q=missile", "q=zimbabwe", "q=government", "q=embassy", "q=nuclear+iran",
           "q=%22prime+minister%22", "q=government&sort=date", "tag=PREL",
           "q=oil&origin=Embassy+Baghdad&from=2008-01-01&to=2008-12-31"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=251_287)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--browser", action="store_true", help="also measure queries in Chromium")
    ap.add_argument("--skip-build", action="store_true", help="measure an index already built")
    args = ap.parse_args(argv)
    if not args.skip_build:
        for k, v in build_index(args.n, args.out, args.jobs).items():
            print(f"{k}\t{v:.1f}" if isinstance(v, float) else f"{k}\t{v}")
        sys.stdout.flush()
    if args.browser:
        for row in measure_queries(args.out / "site", QUERIES):
            print("\t".join(f"{k}={v}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
