"""The build's search step: documents in batches, the full index, or a patch of the last one.

Doc numbers follow the ids in order (``07USNATO577`` comes after ``07USNATO576`` when the
archive holds both). The ids are cut into batches of about :data:`SEARCH_BATCH` where the ids
themselves say (:func:`cuts`); each batch's partial index is made by a worker, its docs
numbered from 0, and cached under a key hashing its cables' content and hrefs.
:func:`start` and :func:`merge` make the whole index from them, each batch's docs moved to
its first doc number (:class:`Batches`); :func:`put` writes it (while the workers render).
:func:`patch` indexes only the few cables an edit changed, old and new, and hands both to
``search/update.py``. After an add or a delete, :func:`remake` patches the index in the range
of doc numbers of the batches that changed (``search/ranges.py``), the other batches keeping
theirs, and merges it whole only when that cannot be done.
"""

from __future__ import annotations

import bisect
import hashlib
import zlib
from collections import ChainMap
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from itertools import accumulate
from pathlib import Path

from . import write
from .archive import SITE_VERSION, Archive, Entry
from .glossary import GLOSSARY
from .search.index import SearchIndexer
from .search.partials import DOC_CHUNK, load_cached, unpack
from .site import CableJob, Rows, TagInfo, cable_job, json_path
from .table import Table
from .workers import (
    Pool,
    index_task,
    partial_edit_task,
    partial_task,
    search_partial_path,
    search_patch_task,
)

SEARCH_BATCH = 1000
"""Documents per partial search index, on average: the partials are cached, so a full index
made again (after an add or a delete) re-indexes only the batches whose cables changed; the
merge cost grows with the number of batches (4,000 was no faster at 10,000 cables). A batch
holds 2/5 of this to twice this (:func:`cuts`): a worker indexing 4,000 cables at once took
350 MB more than one indexing 1,000 (110 MB more); 2,000, 165 MB."""


def cuts(ids: Sequence[str]) -> list[int]:
    """Where each batch of ``ids`` (sorted) starts: before each id whose CRC-32 is a multiple
    of 3/5 of :data:`SEARCH_BATCH`, if the batch has 2/5 of it by then, and where a batch
    reaches twice it.

    A cut depends on the ids near it (as a rolling hash cuts a file in rsync), not on how
    many ids come before it: adding or deleting a cable changes its own batch and leaves
    every other batch, and so its cached partial index, as it was (cut every 1,000 ids, an
    add shifted every later batch by one and the build indexed them all again). On the
    release's ids: 267 batches; 30 adds at random places changed 1.03 batches each."""
    if not ids:  # an archive of no cables (every input malformed): no batch
        return []
    every, least, most = SEARCH_BATCH * 3 // 5, SEARCH_BATCH * 2 // 5, SEARCH_BATCH * 2
    crcs = map(zlib.crc32, map(str.encode, ids))
    marked = [i for i, c in enumerate(crcs) if c % every == 0]
    out = [0]
    for at in [*marked, len(ids)]:
        while at - out[-1] > most:
            out.append(out[-1] + most)
        if at < len(ids) and at - out[-1] >= least:
            out.append(at)
    return out


class Batches(Sequence):
    """The documents of each batch, ``(doc, unit, index in the unit, href)``, made when asked
    for: an edit that patches the index needs none of them (a list of all took 0.2 s).

    A batch's docs are numbered on from the last batch's, rounded up to a whole doc-table
    chunk (:data:`DOC_CHUNK`): a few doc numbers between batches hold no cable, and a batch's
    doc-table files hold its own docs alone. An add or a delete moves the doc numbers of its
    batch; those of the later batches only when its batch's last chunk appears or goes (one
    time in eight)."""

    __slots__ = ("cuts", "ids", "kept", "starts")

    def __init__(self, ids: list[str], kept: Mapping[str, Entry], known: list[int] | None = None) -> None:
        self.ids, self.kept = ids, kept
        self.cuts = known if known is not None else cuts(ids)
        """Index in ``ids`` of each batch's first id (``known``: those of the last build, whose
        ids these are; :func:`cuts` takes 0.1 s of an edit of the release)."""
        ends = [*self.cuts[1:], len(ids)] if self.cuts else []
        self.starts = list(accumulate((-(-(b - a) // DOC_CHUNK) * DOC_CHUNK
                                       for a, b in zip(self.cuts, ends, strict=True)), initial=0))[:-1]
        """Each batch's first doc number."""

    def __len__(self) -> int:
        return len(self.cuts)

    def ids_of(self, b: int) -> list[str]:
        """The ids of batch ``b``, in doc order."""
        return self.ids[self.cuts[b] : self.cuts[b + 1] if b + 1 < len(self.cuts) else len(self.ids)]

    def batch_of(self, cable_id: str) -> int:
        """The batch that holds ``cable_id`` (one of the ids)."""
        return bisect.bisect_right(self.cuts, bisect.bisect_left(self.ids, cable_id)) - 1

    def id_at(self, doc: int) -> str:
        """The id of doc number ``doc`` (one that holds a cable)."""
        b = bisect.bisect_right(self.starts, doc) - 1
        return self.ids[self.cuts[b] + doc - self.starts[b]]

    def __getitem__(self, b: int) -> list[tuple[int, str, int, str]]:  # type: ignore[override]
        if not 0 <= b < len(self):
            raise IndexError(b)
        entries = map(self.kept.__getitem__, self.ids_of(b))
        return [(doc, e.unit, e.index, e.href) for doc, e in enumerate(entries, self.starts[b])]


def plan(kept: dict[str, Entry], edited: Collection[str] | None = None,
         last: tuple[list[str], str, list[int]] = ([], "", []), ids: list[str] | None = None
         ) -> tuple[Batches, list[str], str]:
    """Search documents in batches (:class:`Batches`); each batch's cache key (its cables'
    content hashes and hrefs, not its doc numbers: a batch that an add moves keeps its
    partial index); and a hash of the doc numbering.

    ``edited`` (``delta.edited``: the build only edited these cables, the ids and hrefs are the
    last build's): the batches are those of ``last`` (keys, numbering, cuts), and the batches
    that hold none of ``edited`` keep their keys."""
    ids = ids if ids is not None and len(ids) == len(kept) else sorted(kept)  # ids: the index's, if made
    old_keys, numbering, old_cuts = last
    if edited is None or not numbering or len(old_keys) != len(old_cuts) or not _fits(old_cuts, len(ids)):
        old_keys, old_cuts = [], None  # type: ignore[assignment]
        numbering = hashlib.sha1("\0".join(kept[i].href for i in ids).encode()).hexdigest()
    batches = Batches(ids, kept, old_cuts)
    touched = {batches.batch_of(i) for i in edited or ()}
    keys = [old_keys[b] if old_keys and b not in touched else batch_key(batches.ids_of(b), kept)
            for b in range(len(batches))]
    return batches, keys, numbering


def _fits(known: list[int], n: int) -> bool:
    """Whether ``known`` can be the batches' cuts of ``n`` ids."""
    return bool(known) and known[0] == 0 and known[-1] < n and all(a < b for a, b in zip(known, known[1:], strict=False))


def batch_key(ids: list[str], entries: Mapping[str, Entry]) -> str:
    """The cache key of the batch of ``ids``: each one's href and content hash, in order."""
    h = hashlib.sha1(f"{SITE_VERSION}\0batch".encode())
    for i in ids:
        h.update(f"{entries[i].href}\0".encode() + entries[i].digest)
    return h.hexdigest()


def start(pool: Pool, batches: Sequence[list[tuple[int, str, int, str]]], keys: list[str], mode: str,
          progress: bool, jobs: Callable[[list[tuple[int, str, int, str]]], list[CableJob]] | None = None,
          which: list[int] | None = None
          ) -> Iterator[tuple[int, bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]]:
    """Queue the partial indexes of a full index (made and cached per batch by the workers, who
    also write the doc-table files): start them before the pages, so that :func:`merge` runs
    here while the workers render. ``which``: those of these batches only (:func:`remake`).

    ``jobs`` (a first build, where every cable's page is new): the records of a batch's cable
    pages, made as the pool takes the batch; the worker renders them from the cables it read
    for the index, and the build leaves those pages out of its own rendering."""
    if which is not None:
        batches, keys = [batches[b] for b in which], [keys[b] for b in which]
    tasks = ((b, k, mode, jobs(b) if jobs is not None else None) for b, k in zip(batches, keys, strict=True))
    return iter(pool.imap(index_task, tasks, progress, "indexing", total=len(keys), chunksize=1))


def batch_jobs(archive: Archive, rows: Rows, batches: Batches, json: bool
                ) -> Callable[[list[tuple[int, str, int, str]]], list[CableJob]]:
    """The records of a search batch's cable pages, made when the pool takes the batch
    (:func:`start`)."""
    tag_infos: dict[str, TagInfo] = {}

    def jobs(batch: list[tuple[int, str, int, str]]) -> list[CableJob]:
        return [cable_job(archive, rows, GLOSSARY, batches.id_at(doc), href, json_path(href) if json else "", tag_infos)
                for doc, _unit, _index, href in batch]

    return jobs


def merge(parts: Iterable[tuple[int, bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]]
          ) -> tuple[SearchIndexer, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]:
    """Merge the partials of :func:`start` as they arrive (each numbered from 0, and its
    batch's first doc number); the doc-table files and the pages they wrote."""
    indexer = SearchIndexer()
    written: list[tuple[str, bool, bytes]] = []
    pages: list[tuple[str, bool]] = []
    for first, part, files, rendered in parts:
        indexer.merge(unpack(part), first)
        written += files
        pages += rendered
    return indexer, written, pages


RANGED_LIMIT = 4
"""Batches whose change :func:`put_ranged` may patch into the index; above, it is merged whole."""


def remake(pool: Pool, output: Path, cache_root: Path, mode: str, progress: bool, batches: Batches,
           keys: tuple[list[str], list[str]], which: list[int] | None,
           parts: Iterator[tuple[int, bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]] | None,
           was: Table, record: MutableMapping[str, bytes]) -> list[tuple[str, bool]]:
    """The index made again: patched for the batches ``which`` (:func:`renumbered`) when it
    can be (:func:`put_ranged`), else merged whole; ``parts``: :func:`start`'s, for ``which``
    (or every batch) when already queued. ``keys``: the batches' last and new keys; ``was``:
    the last build's pages. Writes the files and their keys into ``record``; (path, bytes
    changed) of each file written."""
    old_keys, new_keys = keys
    if which is not None:
        parts = parts or start(pool, batches, new_keys, mode, progress, which=which)
        done = put_ranged(output, mode, cache_root, parts, [old_keys[b] for b in which],
                          was.prefixed("search/"), record)
        if done is not None:
            return done
        parts = None
    return put(output, mode, merge(parts or start(pool, batches, new_keys, mode, progress)), record)


def prepare(pool: Pool, batches: Batches, keys: list[str], which: list[int]) -> Callable[[], object]:
    """Make and cache the partial indexes of the batches ``which`` in the workers now (an
    add's batch: a second or more of a worker's time, while this process plans the pages);
    the function returned waits for them."""
    return pool.submit_all(partial_task, [(batches[b], keys[b]) for b in which])


def renumbered(old_keys: list[str], keys: list[str]) -> list[int] | None:
    """The batches whose keys changed, when the index of ``old_keys`` may be patched for them
    (``search/ranges.py``: as many batches, a few changed); None when not."""
    which = [b for b, (a, k) in enumerate(zip(old_keys, keys, strict=False)) if a != k]
    return which if len(old_keys) == len(keys) and 0 < len(which) <= RANGED_LIMIT else None


def put_ranged(output: Path, mode: str, cache_root: Path,
               parts: Iterable[tuple[int, bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]],
               old_keys: list[str], was: Iterable[tuple[str, bytes]], keys: MutableMapping[str, bytes]
               ) -> list[tuple[str, bool]] | None:
    """Patch the index in ``output`` for the batches of ``parts`` (:func:`start`'s, for the
    batches that changed) whose last partials are cached under ``old_keys``
    (``search/ranges.py``): write the files, the keys of the index's files into ``keys``
    (``was``: the last build's); (path, bytes changed) of each file written, the doc tables
    the workers wrote included. None when the index must be merged whole (nothing written
    by this process then; the workers' doc tables are a full index's too)."""
    from .search import ranges

    made = list(parts)
    changes = []
    for (first, rest, _files, _pages), key in zip(made, old_keys, strict=True):
        try:
            old = unpack(load_cached(search_partial_path(cache_root, key).read_bytes()).rest)
        except (OSError, ValueError, EOFError, TypeError):  # not cached (an edit patched it), or damaged
            return None
        changes.append((first, old, unpack(rest)))
    try:
        patched = ranges.patch(output, changes)
    except (KeyError, ValueError, IndexError):  # a file of the index damaged: made again whole
        patched = None
    if patched is None:
        return None
    files, removed = patched
    keys.update((p, k) for p, k in was if p not in removed)
    return put(output, mode, (None, [f for part in made for f in part[2]], [p for part in made for p in part[3]]),
               keys, files.items())


def put(output: Path, mode: str,
        merged: tuple[SearchIndexer | None, list[tuple[str, bool, bytes]], list[tuple[str, bool]]],
        keys: MutableMapping[str, bytes], files: Iterable[tuple[str, bytes]] = ()) -> list[tuple[str, bool]]:
    """Write the files of a merged index (:func:`merge`; or ``files``), each one's key into
    ``keys``; (path, bytes changed) of each, the doc tables and pages that the workers wrote included."""
    indexer, by_workers, pages = merged
    changed = list(pages)
    for rel, did, digest in by_workers:
        keys[rel] = digest
        changed.append((rel, did))
    return changed + put_files(output, mode, indexer.files(doc_tables=False) if indexer else files, keys)


def empty() -> list[tuple[str, bytes]]:
    """The files of an index of no documents (an archive in which no cable parsed)."""
    return list(SearchIndexer().files(doc_tables=False))


def put_files(output: Path, mode: str, files: Iterable[tuple[str, bytes]],
              keys: MutableMapping[str, bytes]) -> list[tuple[str, bool]]:
    """Write index files (a merged index's, or a patch's), each one's key into ``keys``;
    (path, bytes changed) of each."""
    changed = []
    for rel, data in files:
        keys[rel] = hashlib.sha1(data).digest()
        changed.append((rel, write.put(output, mode, rel, data)))
    return changed


def patch(pool: Pool, output: Path, kept: dict[str, Entry], batches: Batches,
          keys: tuple[list[str], list[str]], changed: list[int], gone: dict[str, Entry]
          ) -> tuple[Callable[[], tuple[dict[str, bytes], list[str]] | None], Callable[[], object]]:
    """Start making the index files that the few changed docs of ``changed`` batches alter
    (``search/update.py``) in a worker; the first function returned waits for them, or gives
    None: remake it all. (In a worker, as importing the index's column code and indexing take
    0.4 s, which this process spends planning and writing the pages meanwhile.) The other
    worker meanwhile caches each batch's partial index under its new key
    (``workers.partial_edit_task``); the second function waits for that, which must be done
    before the last partials (``keys``: the batches' last and new keys) are removed.

    A changed doc is a cable whose parse is new, its last parse (``gone``) being still in the
    parse cache: both are indexed alone, and ``update.patch`` rewrites the terms and doc
    tables they differ in. The old key of each batch, remade from the old parses, must be the
    one recorded: then these docs are exactly what changed."""
    old_keys, new_keys = keys
    docs: list[tuple[int, tuple[str, int], tuple[str, int], str]] = []
    each: list[tuple[str, str, list[tuple[int, tuple[str, int], tuple[str, int], str]]]] = []
    for b in changed:
        batch = batches.ids_of(b)
        mine = [(doc, i) for doc, i in enumerate(batch, batches.starts[b])
                if i in gone and gone[i].digest != kept[i].digest]
        if not mine or batch_key(batch, ChainMap(gone, kept)) != old_keys[b]:
            return (lambda: None), (lambda: None)
        made = [(doc, (gone[i].unit, gone[i].index), (kept[i].unit, kept[i].index), kept[i].href) for doc, i in mine]
        docs += made
        each.append((old_keys[b], new_keys[b], [(doc - batches.starts[b], *rest) for doc, *rest in made]))
    return pool.submit(search_patch_task, (output, docs)), pool.submit_all(partial_edit_task, each)

