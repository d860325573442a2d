"""What runs in the build's worker processes: parsing units, rendering pages, indexing.

Each worker process holds its renderer and settings in ``_worker``, set once by
``_init_worker`` when :class:`Pool` starts it; the main process sets the same state
so that short task lists can run in it. Tasks are plain tuples and return small
results: the pages themselves are written by the workers (``write.put``).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import feeds, paths, site, write
from .archive import Entry, UnitResult, unit_key
from .cache import Cache
from .config import Config
from .csvranges import range_key
from .model import ERROR, WARNING, Cable, Diagnostic
from .scan import open_input
from .views import CableView, PageContext, RefView, SiteInfo

if TYPE_CHECKING:
    from .search.partials import Cached

T = TypeVar("T")


class BuildError(Exception):
    """The build could not finish; ``output/`` is as it was."""


class CacheMiss(BuildError):
    """A cable that the build record counts on is not in the parse cache (a pack deleted or
    damaged): the build starts again without the record (``build.build``)."""


_worker: dict[str, object] = {}
TEMPLATES = "templates"
"""Folder of the cache root where the workers keep the theme's compiled templates."""


def _init_worker(config: Config, site_info: SiteInfo, output: Path, cache_root: Path) -> None:
    # The parsers are imported now, while the main process reads the build record: an edit's
    # parse (sent to a worker, ``load.load_units``) then does not wait 0.1-0.25 s for them.
    from . import parse  # noqa: F401
    from .render import Renderer

    _worker.update(
        renderer=Renderer(Path(config.theme), site_info, cache_root / TEMPLATES), site=site_info,
        config=config, output=output, cache=Cache(cache_root),
    )


def parse_units(tasks: list[tuple[str, str, int, int, frozenset[str]]]) -> list[UnitResult]:
    """Read, hash and parse several input files, or byte ranges of a big CSV (a unit the
    parse cache holds: unpickled), their new parses cached in one transaction.

    The files are announced to the kernel first (``posix_fadvise`` WILLNEED), so that it reads
    them from disk together, not one after the other."""
    if hasattr(os, "posix_fadvise"):
        for abs_path, _, start, end, _known in tasks:
            try:
                fd = os.open(abs_path, os.O_RDONLY | os.O_NONBLOCK)  # a named pipe: no wait for a writer
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, start, 0 if end < 0 else end - start, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)
    cache: Cache = _worker["cache"]  # type: ignore[assignment]
    read = [_read_unit(task) for task in tasks]
    # one query for the batch: which of its units the cache holds (in a cold build, none: a
    # lookup a unit found nothing 50,000 times, 0.9 s of py-spy's samples at 50,000 cables)
    held = cache.present([r[1] for task, r in zip(tasks, read, strict=True)
                          if type(r) is tuple and r[1] not in task[4]])
    new: list[tuple[str, list[bytes], list[Diagnostic]]] = []
    results = [r if type(r) is UnitResult
               else _parse_unit(task, *r, cache.load(r[1]) if r[1] in held else None, new)
               for task, r in zip(tasks, read, strict=True)]
    cache.store_many(new)
    return results


def _read_unit(task: tuple[str, str, int, int, frozenset[str]]) -> tuple[bytes, str] | UnitResult:
    """The bytes of one input file, or of one byte range of a big CSV, and its unit key; a
    UnitResult when the file cannot be read."""
    abs_path, rel, start, end, _known = task
    try:
        with open_input(abs_path) as f:
            f.seek(start)
            data = f.read() if end < 0 else f.read(end - start)
    except OSError as exc:
        return UnitResult(rel, "", [], [Diagnostic(rel, 0, ERROR, f"cannot read: {exc.strerror or exc}")])
    return data, (range_key(rel, data) if end >= 0 else unit_key(rel, data))


def _parse_unit(task: tuple[str, str, int, int, frozenset[str]], data: bytes, key: str,
                cached: tuple[list[bytes], list[Diagnostic]] | None,
                new: list[tuple[str, list[bytes], list[Diagnostic]]]) -> UnitResult:
    """Parse one unit read by :func:`_read_unit`, unless ``cached`` holds its parse (from the
    parse cache: unpickled); a new parse is added to ``new`` for the caller to cache. A unit
    whose key is one of the task's ``known`` keys (the build record has it) is not parsed again."""
    from . import parse

    _abs_path, rel, _start, end, known = task
    if key in known:
        return UnitResult(rel, key, [], [], known=True)
    if cached is None:
        cables, diagnostics = parse.read_csv(rel, data) if end >= 0 else parse.read(rel, data)
        pickled = [pickle.dumps(c, protocol=pickle.HIGHEST_PROTOCOL) for c in cables]
        new.append((key, pickled, diagnostics))
    else:
        pickled, diagnostics = cached
        cables = [pickle.loads(p) for p in pickled]
    entries = [Entry.from_cable(c, key, i, rel, p) for i, (c, p) in enumerate(zip(cables, pickled, strict=True))]
    diagnostics = diagnostics + [
        Diagnostic(rel, c.source_line, WARNING,
                   f"cable {c.id} holds {len(c.body) / 1e6:.1f} million characters of text; "
                   f"its page shows the first {MAX_TEXT:,}")
        for c in cables if max(len(c.body), len(c.original)) > MAX_TEXT]
    return UnitResult(rel, key, entries, diagnostics)


MAX_TEXT = 1_000_000
"""Characters of a cable's text (and of its original) a page shows: pages stay under 10 MB."""


def _bounded(cable: Cable) -> Cable:
    """The cable with its texts cut to MAX_TEXT characters, saying so."""
    if max(len(cable.body), len(cable.original)) <= MAX_TEXT:
        return cable

    def cut(text: str) -> str:
        if len(text) <= MAX_TEXT:
            return text
        return f"{text[:MAX_TEXT]}\n\n[... {len(text) - MAX_TEXT:,} more characters in the source file]"

    return replace(cable, body=cut(cable.body), original=cut(cable.original))


def _render_cables(task: tuple[str, list[site.CableJob]]) -> list[tuple[str, bool]]:
    unit, jobs = task
    cables = _load(_worker["cache"], [(unit, job.index) for job in jobs])  # type: ignore[arg-type]
    out = []
    for cable, job in zip(cables, jobs, strict=True):
        out += _render_cable(cable, job)
    return out


def _render_cable(cable: Cable, job: site.CableJob) -> list[tuple[str, bool]]:
    """Write a cable's page (and its JSON file): (path, bytes changed) of each."""
    cable = _bounded(cable)
    view = _cable_view(cable, job, _worker["config"])  # type: ignore[arg-type]
    html = _worker["renderer"].cable(_context(job.page), view)  # type: ignore[attr-defined]
    out = [(job.page, _put(job.page, html.encode("utf-8")))]
    if job.json:
        data = json.dumps({**cable.front_matter(), "body": cable.body}, ensure_ascii=False, indent=1)
        out.append((job.json, _put(job.json, data.encode("utf-8"))))
    return out


def _render_pages(pages: list[site.Page]) -> list[tuple[str, bool]]:
    renderer = _worker["renderer"]
    config: Config = _worker["config"]  # type: ignore[assignment]
    out = []
    for page in pages:
        if page.kind == "feed":
            view: site.FeedView = page.view  # type: ignore[assignment]
            out.append((page.path, _put(page.path, feeds.atom(view.title, config.base_url, page.path, view.rows))))
            continue
        method = getattr(renderer, page.kind)
        html = method(_context(page.path)) if page.view is None else method(_context(page.path), page.view)
        out.append((page.path, _put(page.path, html.encode("utf-8"))))
    return out


def _put(rel: str, data: bytes) -> bool:
    return write.put(_worker["output"], _worker["mode"], rel, data)  # type: ignore[arg-type]


def _context(path: str) -> PageContext:
    return PageContext(path, paths.root_prefix(path), _worker["site"])  # type: ignore[arg-type]


def _cable_view(cable, job: site.CableJob, config: Config) -> CableView:
    targets = dict(job.targets)
    refs = tuple(
        RefView(
            r.letter, r.text, r.id, targets.get(r.id),
            config.missing_ref_url.replace("{id}", r.id) if r.id and r.id not in targets and config.missing_ref_url else "",
        )
        for r in cable.references
    )
    return CableView(cable, refs, job.referenced_by, job.prev, job.next, job.tags,
                     job.origin_href, job.classification_href, job.json)


# -- the pipeline -----------------------------------------------------------------------------


def search_partial_path(cache_root: Path, key: str) -> Path:
    """Where the partial index of the batch with cache key ``key`` is kept."""
    return cache_root / "search" / key[:2] / f"{key}.bin"


def index_task(task: tuple[list[tuple[int, str, int, str]], str, str, list[site.CableJob] | None]
               ) -> tuple[int, bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]:
    """A batch's partial index for the full index. Its doc-table files are written here (in
    the build's write ``mode``); returned are the batch's first doc number, the rest of the
    partial numbered from 0 and packed for the merge (:func:`~.search.partials.unpack` reads
    it), each file written as (path, bytes changed, hash), and the pages written.

    The partial, numbered from 0, is cached under the batch's key (its cables' content and
    hrefs), so a full index made again re-indexes only the batches whose cables changed, even
    when an add or a delete before them moved their doc numbers.

    ``jobs``, on a first build: the pages of the batch's cables, in doc order, rendered here
    from the cables read for the index (reading them again for their pages cost 2% of a
    cold build)."""
    from jinja2 import TemplateError

    from .search.partials import tables_at

    batch, key, mode, jobs = task
    _worker["mode"] = mode
    cache: Cache = _worker["cache"]  # type: ignore[assignment]
    first = batch[0][0] if batch else 0
    form, cables = _partial(cache, batch, key)
    files = tables_at(form.tables, first)
    pages: list[tuple[str, bool]] = []
    if jobs:
        if cables is None:
            cables = _load(cache, [(unit, position) for _doc, unit, position, _href in batch])
        for cable, job in zip(cables, jobs, strict=True):
            try:
                pages += _render_cable(cable, job)  # type: ignore[arg-type]
            except TemplateError as exc:
                raise _template_error(exc, job.page) from None
    return first, form.rest, [(rel, _put(rel, data), hashlib.sha1(data).digest()) for rel, data in files], pages


def _partial(cache: Cache, batch: list[tuple[int, str, int, str]], key: str) -> tuple[Cached, list[Cable] | None]:
    """A batch's partial index in its cached form, numbered from 0: from the cache under
    ``key``, else made (and cached) from its cables, which come back too."""
    from .search.partials import cached, dump_cached, load_cached, partial

    path = search_partial_path(cache.root, key)
    try:
        # cached: its doc tables' rows and its packed rest, taken as they are (unpacking,
        # making the doc tables and packing again took 2.7 s of CPU for 50,000 cables)
        return load_cached(path.read_bytes()), None
    except (OSError, ValueError):  # not cached, or damaged
        cables = _load(cache, [(unit, position) for _doc, unit, position, _href in batch])
        form = cached(partial([(doc, cable, href) for doc, ((_d, _u, _p, href), cable)
                               in enumerate(zip(batch, cables, strict=True))]))
        write.write_file(path, dump_cached(form))
        return form, cables


def partial_task(task: tuple[list[tuple[int, str, int, str]], str]) -> None:
    """Make and cache a batch's partial index (:func:`index_task` then takes it from the
    cache): an add's batch, made while the main process plans the pages."""
    batch, key = task
    _partial(_worker["cache"], batch, key)  # type: ignore[arg-type]


def search_patch_task(task: tuple[Path, list[tuple[int, tuple[str, int], tuple[str, int], str]]]
                      ) -> tuple[dict[str, bytes], list[str]] | None:
    """The search index's files in ``output`` patched for a few changed docs, each ``(doc,
    old parse, new parse, href)``, a parse being ``(unit, position)`` in the parse cache
    (``searchplan.patch``): changed files' bytes and the paths they replace, or None when a
    parse is no longer cached (the index is then made again)."""
    from .search import update
    from .search.partials import partial

    output, docs = task
    both = _old_and_new(_worker["cache"], docs)  # type: ignore[arg-type]
    return update.patch(output, [(partial(both[0]), partial(both[1]))]) if both is not None else None


def _old_and_new(cache: Cache, docs: list[tuple[int, tuple[str, int], tuple[str, int], str]]
                 ) -> tuple[list[tuple[int, Cable, str]], list[tuple[int, Cable, str]]] | None:
    """The old and the new parse of each doc ``(doc, old parse, new parse, href)``, as
    ``(doc, cable, href)``; None when a parse is no longer in the cache."""
    olds: list[tuple[int, Cable, str]] = []
    news: list[tuple[int, Cable, str]] = []
    for doc, was, now, href in docs:
        old, new = cache.load_one(*was), cache.load_one(*now)
        if old is None or new is None:
            return None
        olds.append((doc, old, href))
        news.append((doc, new, href))
    return olds, news


def partial_edit_task(task: tuple[str, str, list[tuple[int, tuple[str, int], tuple[str, int], str]]]) -> None:
    """Keep a batch's cached partial index in step with an edit patched into the index
    (``searchplan.patch``): its last partial, cached under ``old_key``, with the changed
    docs' index replaced, cached under ``new_key``; each doc ``(doc in the batch, old parse,
    new parse, href)``. A later add or delete in the batch patches the index from it
    (``search/ranges.py``); where it cannot be made, that add merges the index whole."""
    from .search.partials import dump_cached, edit_cached, load_cached, partial

    old_key, new_key, docs = task
    cache: Cache = _worker["cache"]  # type: ignore[assignment]
    both = _old_and_new(cache, docs)
    if both is None:
        return
    try:
        made = edit_cached(load_cached(search_partial_path(cache.root, old_key).read_bytes()),
                           partial(both[0]), partial(both[1]))
    except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError):  # not cached, or damaged
        return
    if made is not None:
        write.write_file(search_partial_path(cache.root, new_key), dump_cached(made))


def _load(cache: Cache, wanted: list[tuple[str, int]]) -> list[Cable]:
    """The cables ``(unit, position)`` of a task (a search batch, or a unit's pages) from the
    parse cache, in one query; CacheMiss if one is gone."""
    cables = cache.load_many(wanted)
    missing = [unit for (unit, _p), cable in zip(wanted, cables, strict=True) if cable is None]
    if missing:
        raise CacheMiss(f"parse cache entry {missing[0]} is missing or damaged")
    return cables  # type: ignore[return-value]


def render_task(task: tuple[str, str, object]) -> list[tuple[str, bool]]:
    """Render one task; a template or write fault becomes a BuildError naming the page."""
    from jinja2 import TemplateError

    kind, mode, payload = task
    _worker["mode"] = mode
    try:
        return _render_cables(payload) if kind == "c" else _render_pages(payload)  # type: ignore[arg-type]
    except TemplateError as exc:
        where = payload[1][0].page if kind == "c" else payload[0].path  # type: ignore[index]
        raise _template_error(exc, where) from None


def _template_error(exc: Exception, where: str) -> BuildError:
    """A template's fault as a BuildError naming the template, its line and the page."""
    name = getattr(exc, "name", None) or getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if not name:  # a runtime error: the innermost template frame says where
        import traceback

        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        if frames:
            name, line = Path(frames[-1].filename).name, frames[-1].lineno
    at = f" in {name}" if name else ""
    at += f" line {line}" if line else ""
    return BuildError(f"template error{at} while rendering {where}: {exc}")


class Pool:
    """Worker processes (none for ``--jobs 1``), with a progress bar over results.

    The workers are started first thing, while the main process is small, so
    that they do not inherit the archive's index (their memory stays their own).
    The write mode, known only after planning, travels with each render task.
    """

    def __init__(self, jobs: int, init_args: tuple) -> None:
        self.jobs = max(1, jobs)
        if isinstance(_worker.get("cache"), Cache):
            _worker["cache"].close()  # a forked worker must not inherit an open database
        _init_worker(*init_args)  # short task lists run in this process
        _worker["cache"].open()  # type: ignore[attr-defined]
        self.pool: multiprocessing.pool.Pool | None = None
        if self.jobs > 1:
            ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            self.pool = ctx.Pool(self.jobs, _init_worker, init_args)

    @property
    def cache(self) -> Cache:
        """The parse cache, as this process opens it."""
        return _worker["cache"]  # type: ignore[return-value]

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.pool is not None:
            if exc_type is None:
                self.pool.close()  # every task is done: let the workers exit on their own
            else:
                self.pool.terminate()
            self.pool.join()
            self.pool = None
        _worker["cache"].close()  # type: ignore[attr-defined]

    def submit(self, fn: Callable[[Any], T], arg: Any) -> Callable[[], T]:
        """Start ``fn(arg)`` in a worker now; the function returned waits for its result
        (with no workers, it runs ``fn`` when called)."""
        if self.pool is None:
            return lambda: fn(arg)
        return self.pool.apply_async(fn, (arg,)).get

    def submit_all(self, fn: Callable[[Any], T], args: Iterable[Any]) -> Callable[[], list[T]]:
        """:meth:`submit` of ``fn`` for each of ``args``; the function returned waits for all."""
        waits = [self.submit(fn, arg) for arg in args]
        return lambda: [wait() for wait in waits]

    def imap(self, fn, tasks: Iterable, progress: bool, label: str, total: int | None = None,
             chunksize: int | None = None, inline: bool = True) -> Iterable:
        """``fn`` over ``tasks`` in the workers, results in order; ``total`` counts ``tasks``
        when it is an iterator (taken from it as the workers need them); ``chunksize``: tasks
        a worker takes at once (else up to 64, an eighth of each worker's share). ``inline``:
        fewer than four tasks run in this process (no pickling to and fro)."""
        n = len(tasks) if total is None else total  # type: ignore[arg-type]
        if not n:
            return []
        if self.pool is None or (inline and n < 4):
            results: Iterable = map(fn, tasks)
        else:
            results = self.pool.imap(fn, tasks, chunksize=chunksize or max(1, min(64, n // (self.jobs * 8))))
        if progress:
            from tqdm import tqdm

            results = tqdm(results, total=n, desc=label, unit="task", file=sys.stderr, leave=False)
        return results


