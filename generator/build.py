"""``cablesite build``: read everything, index, then render and write — in that order.

1. **Load** (``load.py``). Every input file (or batch of ``cables.csv`` rows) is a
   unit. A unit whose path, size and mtime match the last build is taken from the
   build record (``record.py``); others are read and parsed in worker processes, with
   the parse cached by content hash. Only metadata comes back. Editorial pages are
   read too (``editorial.py``). After an edit of a few cables, the others are taken from
   the record's store of cables, each when first needed (``store.py``).
2. **Index.** Duplicates resolved, references and backlinks, listings.
3. **Plan** (``plan.py``). Every output file with the data it shows (``site.py``). A page's
   *key* hashes that data with the theme's and settings' fingerprints; a page
   whose key is the one recorded for it last time keeps its file (Lektor's
   dependency records, reduced to one hash per page).
4. **Render and write** the other pages in worker processes into a staging
   folder, then swap or patch ``output/`` atomically (``write.py``). Files whose
   bytes did not change are not rewritten.

What runs in the worker processes is in ``workers.py``; the search index's part of steps 3
and 4 in ``searchplan.py``. The build record lives in ``.<output>.cache/`` beside the output,
with the parse cache (``cache.Cache``) and the search index's cached partials.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from . import delta, editorial, moves, plan, record, searchplan, site, store, write
from .archive import PARSER_VERSION, SITE_VERSION, Archive, Entry, choose, index
from .config import Config, ConfigError, load_config
from .glossary import GLOSSARY
from .load import load_edit, load_units
from .model import ERROR, WARNING, Diagnostic
from .scan import Columns, join, parts, scan_part
from .store import Stored, write_store
from .table import Damaged, Table
from .views import Link, SiteInfo
from .warm import Warm
from .workers import BuildError, CacheMiss, Pool, render_task, search_partial_path

PATCH_LIMIT = 2000
PATCH_SHARE = 4
"""Above ``PATCH_LIMIT`` files to write or remove, and a ``1/PATCH_SHARE`` share of the last
build's files, the build makes a fresh tree instead of patching ``output/``: a fresh tree
links every unchanged file into it and removes the old tree, which at 251,287 cables (316,000
files) took 27 s of a one-cable add that rewrote 6,400 listing pages (patching: the few
thousand files moved in)."""
SHOWN_DIAGNOSTICS = 200


@dataclass(slots=True)
class Result:
    cables: int = 0
    written: int = 0
    unchanged: int = 0
    deleted: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Wall seconds of each phase (load, index, plan, render, save of the record), for benchmarks."""
    search_deferred: bool = False
    """The search index was left as the last build made it (``defer_search``)."""
    stopped: bool = False
    """``strict`` and a warning or an error: the build stopped before writing, ``output/`` as it was."""

    @property
    def errors(self) -> int:
        return sum(d.severity == ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == WARNING for d in self.diagnostics)


def _site_info(config: Config, pages: tuple[Link, ...]) -> SiteInfo:
    search = (Path(config.theme) / "templates" / "search.html").is_file()
    return SiteInfo(config.title, config.base_url, search, pages)


def build(content: Path, output: Path, config: Config, *, jobs: int = 1, progress: bool = False,
          defer_search: bool = False, warm: Warm | None = None, strict: bool = False) -> Result:
    """Build ``content`` into ``output``; raise :class:`BuildError` when it cannot finish.
    ``strict``: a warning or an error stops the build once the cables are read and indexed,
    before anything is written (:attr:`Result.stopped`).

    ``defer_search`` (for ``cablesite serve``) keeps the last build's search index when the
    cables changed, so the pages are out at once; the next build then remakes the index.
    ``warm`` (for ``cablesite serve`` too): the last build's record and scan, kept in memory
    (``warm.py``); the build takes them, and leaves its own there when it succeeds.

    Python's cyclic garbage collector is off until rendering starts: loading the build
    record and indexing make millions of objects and no cycles, and the collector's passes
    over them made reading a 50,000-cable record four times slower (0.43 s against 0.11 s).
    When it is turned on again, those objects are frozen first (``gc.freeze``): else the
    next collections go through all of them, twice (1 s of a one-cable edit at 251,287
    cables went in that). They are unfrozen when the build returns.
    """
    content, output = Path(content).resolve(), Path(output).resolve()
    if not content.is_dir():
        raise BuildError(f"content folder not found: {content}")
    if output == content or output in content.parents:
        raise BuildError(f"the output folder {output} must not hold the content folder")
    enabled = gc.isenabled()
    gc.disable()
    try:
        with write.hold(output, _cache_root(output)):
            warm = warm or Warm()
            try:
                return _build(content, output, config, jobs, progress, defer_search, enabled, warm, strict)
            except (CacheMiss, Damaged):  # the record names a parse the cache lost, or is damaged
                # within: once more, reading every file
                record.invalidate(_cache_root(output))
                return _build(content, output, config, jobs, progress, defer_search, enabled, warm, strict)
    except write.Busy as exc:
        raise BuildError(str(exc)) from None
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _cache_root(output: Path) -> Path:
    """The folder of the build record, the parse cache and the search partials of ``output``."""
    return output.parent / f".{output.name}.cache"


def _build(content: Path, output: Path, config: Config, jobs: int, progress: bool,
           defer_search: bool, gc_after_plan: bool, warm: Warm, strict: bool = False) -> Result:
    from .render import Renderer

    start = time.monotonic()
    cache_root = _cache_root(output)
    editorial_diags, editorial_pages = editorial.read(content)
    site_info = _site_info(config, tuple(Link(v.title, p.path, 0) for p, v in editorial_pages))
    renderer = Renderer(Path(config.theme), site_info)
    fingerprint = hashlib.sha256(f"{PARSER_VERSION}:{SITE_VERSION}:{config.fingerprint()}:{renderer.fingerprint}:"
                                 f"{site_info!r}:{sorted(GLOSSARY.items())!r}".encode()).hexdigest()
    result = Result()
    taken = warm.take(content, output, cache_root)
    stamps = taken.files
    last = (taken.index, taken.packed) if taken.index is not None else None
    """The last build's index and its packed form (``record.pack_index``), when an edit may patch it."""
    with Pool(jobs, (config, site_info, output, cache_root)) as pool:
        # The workers stat the files meanwhile, each a part of the folder, while this process
        # reads the record (since the record's big dicts are read an entry at a time, 0.2 s of
        # the release's instead of 0.7: one-cable edits with one worker scanning took 2.80 s,
        # with two 2.27, medians of six alternated, on a slow machine).
        reading = taken.record is None and record.exists(cache_root)
        scanned = [pool.submit(scan_part, (content, names))
                   for names in parts(content, pool.jobs)] if stamps is None else None
        # after the workers start: they need none of it. A command-line build reads the
        # record's units only if it is not an edit that the record's store serves (below).
        lazy = taken.record is None and not warm.tracked
        old = taken.record if taken.record is not None else record.read(cache_root, units=not lazy)
        # 1. load
        new = record.Manifest(fingerprint, PARSER_VERSION, editorial=hashlib.sha1(
            repr([(p.path, e.title, e.text) for p, e in editorial_pages]).encode()).hexdigest())
        if old.code != PARSER_VERSION:
            if old.code:  # parsed by other code: none of the cache can be used (no worker has it open yet)
                pool.cache.clear()
            old = record.Manifest(pages=old.pages)
        # The index saved with the record, that an edit patches, read in a thread while the
        # workers scan and, after an edit of a big CSV, hash it (0.3-0.5 s of the release's
        # each: an edit read it first, then hashed). Leaving the block waits for the thread,
        # whatever happens: none may run when a server's next build starts its workers.
        with ThreadPoolExecutor(1, thread_name_prefix="cablesite-read") as reader:
            index_read = reader.submit(record.load_index, cache_root, old.index) \
                if last is None and reading and old.fingerprint == fingerprint else None
            stamps = join(part() for part in scanned) if scanned is not None else stamps
            if isinstance(stamps, Columns):  # for the next build to compare its scan with
                new.scan = tuple(stamps)
            loaded = load_edit(content, stamps, old, new, pool, progress, cache_root) \
                if lazy and old.code == PARSER_VERSION else None
            if loaded is None:
                record.read_units(cache_root, old)
                loaded = load_units(content, stamps, old, new, pool, progress, taken.changes)
        saved = index_read.result() if index_read is not None else None
        entries, diagnostics, changed_units, touched = loaded
        result.phases["load"] = time.monotonic() - start
        # 2. index
        kept, dup = (entries, []) if isinstance(entries, Stored) else choose(entries)
        diagnostics.extend(dup)
        result.cables = len(kept)
        result.diagnostics = diagnostics
        if (old.fingerprint == fingerprint and (old.search_key or not site_info.search)
                and old.editorial == new.editorial
                and new.files == old.files and output.is_dir() and record.exists(cache_root)):
            # No input of any page changed (cables, settings, theme, code, editorial pages): done.
            diagnostics.extend(editorial_diags)
            write.recover(output)  # what an interrupted build may have left beside output/
            result.stopped = strict and bool(diagnostics)  # output/ is the last build's, as it was
            result.unchanged = len(old.pages)
            result.seconds = time.monotonic() - start
            # A server's next build patches the index after an edit: make it now, not then.
            if last is None and warm.tracked:  # a server's next build patches it
                last = record.read_index(cache_root, old.index, kept, saved) or (index(kept), None)
            warm.keep(content, output, cache_root, old, stamps, last)
            return result
        reuse_ok = old.fingerprint == fingerprint and output.is_dir()
        edited = delta.edited(old.units, new.units, entries, kept, changed_units) if reuse_ok else None
        if last is None and edited is not None:  # the index saved with the record, to patch
            last = record.read_index(cache_root, old.index, kept, saved)
        moved = None
        """Cables added, deleted or moved (``moves.py``), when the build did only that."""
        if reuse_ok and edited is None and changed_units:
            if last is None:
                last = record.read_index(cache_root, old.index, kept, saved, any_count=True)
            moved = moves.moved(old.units, new.units, entries, kept, changed_units, last[0]) \
                if last is not None else None
        archive = delta.patch_index(last[0], kept, edited) if last is not None and edited is not None \
            else moves.patch(moved, kept) if moved is not None else index(kept)
        result.phases["index"] = time.monotonic() - start - sum(result.phases.values())
        if strict and (diagnostics or editorial_diags):  # every warning is known: stop before writing
            diagnostics.extend(editorial_diags)
            result.stopped = True
            result.seconds = time.monotonic() - start
            return result
        # 3. plan
        rows = site.Rows(kept)
        digests = site.Digests(kept)
        diagnostics.extend(editorial_diags)
        cable_todo: dict[str, list[tuple[str, str, str]]] = {}
        """Unit -> (id, page, JSON file) of the cable pages to render, their records made later."""
        render_pages: list[site.Page] = []
        keys = Table()
        """Output path -> its key: this build's :attr:`record.Manifest.pages`."""
        fp = fingerprint.encode()
        search_batches: searchplan.Batches | list = []
        patch_batches: list[int] = []
        if site_info.search:
            search_batches, new.search_batches, new.search_docs = searchplan.plan(
                kept, edited, (old.search_batches, old.search_docs, old.search_cuts), archive.ids)
            new.search_cuts = search_batches.cuts
            new.search_key = hashlib.sha1("".join(new.search_batches).encode()).hexdigest()
            patch_batches = [i for i, (a, b) in enumerate(zip(old.search_batches, new.search_batches, strict=False))
                             if a != b]
            if not (reuse_ok and old.search_key and old.search_docs == new.search_docs
                    and len(old.search_batches) == len(new.search_batches) and len(patch_batches) <= 8):
                patch_batches = []
        if reuse_ok and search_batches and (new.search_key == old.search_key
                                            or (defer_search and old.search_key and not patch_batches)):
            if new.search_key != old.search_key:  # deferred: the next build remakes the index
                new.search_key = ""
                result.search_deferred = True
            search_batches = []
            keys.update(old.pages.prefixed("search/"))
        # A few docs changed: a worker patches their index files while this process plans.
        gone = {e.id: e for k in changed_units if k not in new.units for e in old.units[k][0]} \
            if search_batches and patch_batches else {}
        search_keys = (old.search_batches, new.search_batches)
        """Each search batch's last and new key."""
        patching, partials_kept = searchplan.patch(pool, output, kept, search_batches, search_keys, patch_batches, gone) \
            if gone else (None, None)
        ranged = searchplan.renumbered(old.search_batches, new.search_batches) \
            if search_batches and reuse_ok and old.search_key and output.is_dir() and old.pages else None
        """The few batches that changed, whose change may be patched into the index (an add)."""
        # their partial indexes are made in the workers while this process plans (not for an
        # edit whose patch will most likely do)
        prepared = searchplan.prepare(pool, search_batches, new.search_batches, ranged) \
            if ranged and patching is None else None
        early = None
        if search_batches and not (output.is_dir() and old.pages):
            # A first build writes a fresh tree: the workers make the index while this
            # process plans the pages (a tenth of the cold build's time it had them idle),
            # and render every cable's page from the cables they read for it.
            write.begin(output)
            early = searchplan.start(pool, search_batches, new.search_batches, "fresh", progress,
                                     searchplan.batch_jobs(archive, rows, search_batches, config.cable_json))
        try:
            files = plan.pages(archive, rows, digests, fp, config, site_info, renderer, kept, editorial_pages,
                                old, new, reuse_ok, keys, cable_todo, render_pages, edited, moved)
            stale = plan.stale(old.pages, keys) if output.is_dir() else []
            if search_batches:  # the index's files are known once it is made: count them then
                stale = [p for p in stale if not p.startswith("search/")]
            if early is not None:  # every cable's page is rendered with its batch's index
                cable_todo.clear()
            todo = sum(len(j) * (1 + config.cable_json) for j in cable_todo.values()) + len(render_pages) + len(files)
            limit = max(PATCH_LIMIT, len(old.pages) // PATCH_SHARE)
            mode = "patch" if output.is_dir() and old.pages and todo + len(stale) <= limit else "fresh"
        except BaseException:  # an interrupt too: the staging folder of an early index goes
            if early is not None:
                write.recover(output)
            raise
        result.phases["plan"] = time.monotonic() - start - sum(result.phases.values())
        # 4. render and write
        if gc_after_plan:  # templates may make cycles: collect them again, not the index's objects
            gc.freeze()
            gc.enable()
        if early is None:
            write.begin(output)
        try:
            # A full index's batches are queued before the pages: this process merges them
            # while the workers render (an add's, patched into the index, after them).
            full = not patch_batches
            indexing = early if early is not None else \
                searchplan.start(pool, search_batches, new.search_batches, mode, progress) \
                if search_batches and full and prepared is None else None
            rendering = _render(pool, archive, rows, cable_todo, render_pages, mode, progress)
            if prepared is not None:  # an add's batches: their partials cached, the index patched
                prepared()
                indexing = searchplan.start(pool, search_batches, new.search_batches, mode, progress, which=ranged)
            # the index's files are written while the workers still render
            changed = searchplan.remake(pool, output, cache_root, mode, progress, search_batches, search_keys,  # type: ignore[arg-type]
                                        ranged, indexing, old.pages, keys) if indexing is not None else []
            changed += [item for res in rendering for item in res]
            for rel, data in files.items():
                changed.append((rel, write.put(output, mode, rel, data)))
            patched = patching() if patching is not None else None
            if patched is not None:  # the index's other files stay as they are
                was = old.pages.prefixed("search/")
                keys.update((p, k) for p, k in was if p not in patched[1])
                changed += searchplan.put_files(output, mode, patched[0].items(), keys)
                stale = sorted(stale + [p for p, _ in was if p not in keys])
            elif search_batches and indexing is None:  # the patch cannot say: make the batches' index again
                changed += searchplan.remake(pool, output, cache_root, mode, progress, search_batches,  # type: ignore[arg-type]
                                             search_keys, ranged, None, old.pages, keys)
            no_docs = site_info.search and not kept
            if no_docs:  # no cable: an index of no documents, so that the search page says so
                changed += searchplan.put_files(output, mode, searchplan.empty(), keys)
            if (search_batches or no_docs) and patched is None:
                stale = plan.stale(old.pages, keys) if output.is_dir() else []
            written = [rel for rel, did in changed if did]
            result.written = len(written)
            result.unchanged = len(keys) - len(written)
            result.deleted = len(stale)
            # Once output/ changes, a stale record could make a later build skip a page: drop it first.
            if mode == "fresh":
                record.invalidate(cache_root)
                rendered = {rel for rel, _ in changed}
                write.commit_fresh(output, [p for p in keys if p not in rendered])
            elif written or stale:
                record.invalidate(cache_root)
                write.commit_patch(output, written, stale)
            else:
                write.recover(output)
        except BaseException:
            write.recover(output)
            raise
        if partials_kept is not None:  # it reads the old parses and the last partials: before they go
            partials_kept()
        if old.units:  # an edited file's old parse is of no more use
            pool.cache.forget([k for k in changed_units if k not in new.units])
        pool.cache.tidy()  # the workers write no more: merge the small packs of earlier edits
        for key in set(old.search_batches) - set(new.search_batches):
            search_partial_path(cache_root, key).unlink(missing_ok=True)
    result.phases["render"] = time.monotonic() - start - sum(result.phases.values())
    new.pages = keys
    if (new.fingerprint, new.code, new.search_key) == (old.fingerprint, old.code, old.search_key) \
            and new.files == old.files and new.pages == old.pages and new.listings == old.listings \
            and record.exists(cache_root):
        result.seconds = time.monotonic() - start
        warm.keep(content, output, cache_root, old, stamps, (archive, None))
        return result  # nothing changed: the record on disk is already this build's
    _keep_store(cache_root, old, new, kept, len(entries) == len(kept), edited, changed_units)
    packed = record.pack_index(archive, last)
    try:
        # the record's changes: those of the files read, and of the files written or removed
        record.save(cache_root, new, old.units, packed, (old.index, last[1]) if last is not None else None,
                    changed_units, old, {"files": touched, "pages": [*map(itemgetter(0), changed), *stale]})
    except OSError as exc:
        raise BuildError(
            f"the site in {output} is complete, but the build record could not be saved "
            f"({exc.strerror or exc}); the next build will render every page again") from None
    warm.keep(content, output, cache_root, new, stamps, (archive, packed))
    result.seconds = time.monotonic() - start
    result.phases["save"] = result.seconds - sum(result.phases.values())
    return result


def _keep_store(cache_root: Path, old: record.Manifest, new: record.Manifest, kept: dict[str, Entry],
                unique: bool, edited: dict[str, Entry] | None, changed: set[str]) -> None:
    """The record's store of cables (``store.py``) for ``new``: the last one, with the
    cables of the units that came put in the patch, after an edit of a few cables; else,
    when no id is held twice, the store written again."""
    came = [e for k in changed if k in new.units for e in new.units[k][0]] \
        if edited is not None and old.store else None
    if came is not None and len(old.entry_patch) + len(came) <= store.PATCH_LIMIT \
            and (isinstance(kept, Stored) or store.store_token(cache_root) == old.store):
        new.store = old.store
        new.entry_patch = {**old.entry_patch, **{e.id: tuple(e) for e in came}}
    else:
        new.store = (write_store(cache_root, kept) or "") if unique else ""
        new.entry_patch = {}


def _render(pool: Pool, archive: Archive, rows: site.Rows, cable_todo: dict[str, list[tuple[str, str, str]]],
            pages: list[site.Page], mode: str, progress: bool) -> Iterable[list[tuple[str, bool]]]:
    """Queue the pages to render; each result lists (path, bytes changed) of the files written.

    A cable page's record (:func:`site.cable_job`) is made when the pool takes its task (in
    the pool's feeder thread, or lazily here with ``--jobs 1``), not all before the first is
    rendered: the records of 251,287 cables took 9 s while the workers waited, and 110 MB."""
    tag_infos: dict[str, site.TagInfo] = {}

    def tasks() -> Iterator[tuple[str, str, object]]:
        for unit, todo in cable_todo.items():
            yield "c", mode, (unit, [site.cable_job(archive, rows, GLOSSARY, cable_id, page, js, tag_infos)
                                     for cable_id, page, js in todo])
        for i in range(0, len(pages), 50):
            yield "p", mode, [site.with_rows(p, rows) for p in pages[i : i + 50]]

    return pool.imap(render_task, tasks(), progress, "rendering", total=len(cable_todo) + -(-len(pages) // 50))


def run_build(args, hold: list[object] | None = None) -> int:
    """The ``cablesite build`` command; ``hold`` takes the build's record and index (``cli.entry``)."""
    try:
        config = load_config(args.config or args.content / "cablesite.toml",
                             base_url=args.base_url, theme=args.theme)
        progress = not args.quiet and sys.stderr.isatty()
        warm = Warm()
        if hold is not None:
            hold.append(warm)
        result = build(args.content, args.output, config, jobs=args.jobs, progress=progress, warm=warm,
                       strict=args.strict)
    except (ConfigError, BuildError, write.UnsafePath) as exc:
        print(f"cablesite: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # (a write() that fails names no file: "No space left on device (output left as it was)")
        where = f": {exc.filename}" if exc.filename else ""
        print(f"cablesite: error: {exc.strerror or exc}{where} (output left as it was)", file=sys.stderr)
        return 1
    report(result)
    if result.stopped:
        print(f"cablesite: {stopped_line(result)}; {args.output} left as it was", file=sys.stderr)
    return 1 if result.stopped or args.strict and result.diagnostics else 0


def stopped_line(result: Result) -> str:
    """What a build that ``--strict`` stopped says (``build`` and ``serve``)."""
    return f"--strict: the build stopped on {result.warnings} warnings and {result.errors} errors"


def report(result: Result) -> None:
    shown = result.diagnostics[:SHOWN_DIAGNOSTICS]
    for d in shown:
        print(d, file=sys.stderr)
    if len(result.diagnostics) > len(shown):
        print(f"... and {len(result.diagnostics) - len(shown)} more (cablesite check lists them all)",
              file=sys.stderr)
    print(
        f"cablesite: {result.cables} cables, {result.written} files written, {result.unchanged} unchanged, "
        f"{result.deleted} removed, {result.warnings} warnings, {result.errors} errors, "
        f"{result.seconds:.1f} s",
        file=sys.stderr,
    )
    if os.environ.get("CABLESITE_TIMINGS"):
        print("cablesite: phases " + ", ".join(f"{k} {v:.2f} s" for k, v in result.phases.items()),
              file=sys.stderr)

