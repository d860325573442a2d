"""The build's search step: documents in batches, the full index, or a patch of the last one.

Doc numbers follow the ids in order (``07USNATO577`` is the doc after ``07USNATO576``
when the archive holds both). The documents are cut into batches of
:data:`SEARCH_BATCH`; each batch's partial index is made by a worker and cached under a
key hashing its cables' content, doc numbers and hrefs. :func:`start` and :func:`merge`
make the whole index from them, :func:`put` writes it (while the workers render); :func:`patch` indexes only the few cables an edit changed,
old and new, and hands both to ``search/update.py``.
"""

from __future__ import annotations

import bisect
import hashlib
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
from pathlib import Path

from . import write
from .archive import SITE_VERSION, Archive, Entry
from .glossary import GLOSSARY
from .search.index import SearchIndexer
from .search.partials import DOC_CHUNK, unpack
from .site import CableJob, Rows, TagInfo, cable_job, json_path
from .workers import Pool, index_task, search_patch_task

SEARCH_BATCH = 1000
"""Documents per partial search index: the partials are cached, so a full index made again
(after an add or a delete) re-indexes only the batches whose cables changed; the merge cost
grows with the number of batches (4,000 was no faster at 10,000 cables)."""


class Batches(Sequence):
    """The documents of each batch, ``(doc, unit, index in the unit, href)``, made when asked
    for: an edit that patches the index needs none of them (a list of all took 0.2 s)."""

    __slots__ = ("ids", "kept")

    def __init__(self, ids: list[str], kept: Mapping[str, Entry]) -> None:
        self.ids, self.kept = ids, kept

    def __len__(self) -> int:
        return -(-len(self.ids) // SEARCH_BATCH)

    def __getitem__(self, b: int) -> list[tuple[int, str, int, str]]:  # type: ignore[override]
        if not 0 <= b < len(self):
            raise IndexError(b)
        start = b * SEARCH_BATCH
        entries = map(self.kept.__getitem__, self.ids[start : start + SEARCH_BATCH])
        return [(doc, e.unit, e.index, e.href) for doc, e in enumerate(entries, start)]


def plan(kept: dict[str, Entry], edited: Collection[str] | None = None, last: tuple[list[str], str] = ([], ""),
         ids: list[str] | None = None) -> tuple[Batches, list[str], str, list[str]]:
    """Search documents in batches of consecutive doc numbers (ids in order):
    (doc, unit, index in the unit, href); each batch's cache key (its cables' content hashes,
    doc numbers and hrefs); a hash of the doc numbering; and the ids in doc order.

    ``edited`` (``delta.edited``: the build only edited these cables, the ids and hrefs are the
    last build's): the other batches keep their keys of ``last`` (keys, numbering)."""
    if SEARCH_BATCH % DOC_CHUNK:
        raise ValueError("a search batch must hold whole doc-table chunks")
    ids = ids if ids is not None and len(ids) == len(kept) else sorted(kept)  # ids: the index's, if made
    old_keys, numbering = last
    if edited is None or not numbering or len(old_keys) != -(-len(ids) // SEARCH_BATCH):
        old_keys, numbering = [], hashlib.sha1("\0".join(kept[i].href for i in ids).encode()).hexdigest()
    touched = {bisect.bisect_left(ids, i) // SEARCH_BATCH for i in edited or ()}
    keys = []
    for start in range(0, len(ids), SEARCH_BATCH):
        b = start // SEARCH_BATCH
        keys.append(old_keys[b] if old_keys and b not in touched else
                    batch_key(start, ids[start : start + SEARCH_BATCH], kept))
    return Batches(ids, kept), keys, numbering, ids


def batch_key(start: int, ids: list[str], entries: Mapping[str, Entry]) -> str:
    """The cache key of the batch of ``ids`` whose first doc is ``start``."""
    h = hashlib.sha1(SITE_VERSION.encode())
    for doc, i in enumerate(ids, start):
        h.update(f"{doc}\0{entries[i].href}\0".encode() + entries[i].digest)
    return h.hexdigest()


def start(pool: Pool, batches: Sequence[list[tuple[int, str, int, str]]], keys: list[str], mode: str,
          progress: bool, jobs: Callable[[list[tuple[int, str, int, str]]], list[CableJob]] | None = None
          ) -> Iterator[tuple[bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]]:
    """Queue the partial indexes of a full index (made and cached per batch by the workers, who
    also write the doc-table files): start them before the pages, so that :func:`merge` runs
    here while the workers render.

    ``jobs`` (a first build, where every cable's page is new): the records of a batch's cable
    pages, made as the pool takes the batch; the worker renders them from the cables it read
    for the index, and the build leaves those pages out of its own rendering."""
    tasks = ((b, k, mode, jobs(b) if jobs is not None else None) for b, k in zip(batches, keys, strict=True))
    return iter(pool.imap(index_task, tasks, progress, "indexing", total=len(keys), chunksize=1))


def batch_jobs(archive: Archive, rows: Rows, doc_ids: list[str], json: bool
                ) -> Callable[[list[tuple[int, str, int, str]]], list[CableJob]]:
    """The records of a search batch's cable pages (``doc_ids``: each doc's cable), made when
    the pool takes the batch (:func:`start`)."""
    tag_infos: dict[str, TagInfo] = {}

    def jobs(batch: list[tuple[int, str, int, str]]) -> list[CableJob]:
        return [cable_job(archive, rows, GLOSSARY, doc_ids[doc], href, json_path(href) if json else "", tag_infos)
                for doc, _unit, _index, href in batch]

    return jobs


def merge(parts: Iterable[tuple[bytes, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]]
          ) -> tuple[SearchIndexer, list[tuple[str, bool, bytes]], list[tuple[str, bool]]]:
    """Merge the partials of :func:`start` as they arrive; the doc-table files and the pages
    they wrote."""
    indexer = SearchIndexer()
    written: list[tuple[str, bool, bytes]] = []
    pages: list[tuple[str, bool]] = []
    for part, files, rendered in parts:
        indexer.merge(unpack(part))
        written += files
        pages += rendered
    return indexer, written, pages


def put(output: Path, mode: str,
        merged: tuple[SearchIndexer, list[tuple[str, bool, bytes]], list[tuple[str, bool]]],
        keys: MutableMapping[str, bytes]) -> list[tuple[str, bool]]:
    """Write the files of a merged index (:func:`merge`), each one's key into ``keys``;
    (path, bytes changed) of each, the doc tables and pages that the workers wrote included."""
    indexer, by_workers, pages = merged
    changed = list(pages)
    for rel, did, digest in by_workers:
        keys[rel] = digest
        changed.append((rel, did))
    return changed + put_files(output, mode, indexer.files(doc_tables=False), keys)


def put_files(output: Path, mode: str, files: Iterable[tuple[str, bytes]],
              keys: MutableMapping[str, bytes]) -> list[tuple[str, bool]]:
    """Write index files (a merged index's, or a patch's), each one's key into ``keys``;
    (path, bytes changed) of each."""
    changed = []
    for rel, data in files:
        keys[rel] = hashlib.sha1(data).digest()
        changed.append((rel, write.put(output, mode, rel, data)))
    return changed


def patch(pool: Pool, output: Path, kept: dict[str, Entry], ids: list[str],
          old_keys: list[str], changed: list[int], gone: dict[str, Entry]
          ) -> Callable[[], tuple[dict[str, bytes], list[str]] | None]:
    """Start making the index files that the few changed docs of ``changed`` batches alter
    (``search/update.py``) in a worker; the function returned waits for them, or gives None:
    remake it all. (In a worker, as importing the index's column code and indexing take 0.4 s,
    which this process spends planning and writing the pages meanwhile.)

    A changed doc is a cable whose parse is new, its last parse (``gone``) being still in the
    parse cache: both are indexed alone, and ``update.patch`` rewrites the terms and doc
    tables they differ in. The old key of each batch, remade from the old parses, must be the
    one recorded: then these docs are exactly what changed."""
    docs: list[tuple[int, tuple[str, int], tuple[str, int], str]] = []
    for b in changed:
        start = b * SEARCH_BATCH
        batch = ids[start : start + SEARCH_BATCH]
        mine = [(doc, i) for doc, i in enumerate(batch, start) if i in gone and gone[i].digest != kept[i].digest]
        if not mine or batch_key(start, batch, ChainMap(gone, kept)) != old_keys[b]:
            return lambda: None
        docs += [(doc, (gone[i].unit, gone[i].index), (kept[i].unit, kept[i].index), kept[i].href) for doc, i in mine]
    return pool.submit(search_patch_task, (output, docs))

