"""The build's search step: documents in batches, the full index, or a patch of the last one.

Doc numbers follow the ids in order (``07USNATO577`` is the doc after ``07USNATO576``
when the archive holds both). The documents are cut into batches of
:data:`SEARCH_BATCH`; each batch's partial index is made by a worker and cached under a
key hashing its cables' content, doc numbers and hrefs. :func:`full` merges every
partial into the index files; :func:`patch` hands the old and new partials of the few
batches an edit changed to ``search/update.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .archive import SITE_VERSION, Entry
from .search.index import DOC_CHUNK, SearchIndexer
from .views import CableRow
from .workers import Pool, index_task, search_partial_path, search_task

SEARCH_BATCH = 1000
"""Documents per partial search index: an edit re-indexes one batch; the merge cost grows with
the number of batches."""


def plan(kept: dict[str, Entry], rows: dict[str, CableRow]
         ) -> tuple[list[list[tuple[int, str, int, str]]], list[str], str]:
    """Search documents in batches of consecutive doc numbers (ids in order):
    (doc, unit, index in the unit, href); each batch's cache key (its cables' content hashes,
    doc numbers and hrefs); and a hash of the doc numbering."""
    if SEARCH_BATCH % DOC_CHUNK:
        raise ValueError("a search batch must hold whole doc-table chunks")
    ids = sorted(kept)
    docs = [(doc, kept[i].unit, kept[i].index, rows[i].href) for doc, i in enumerate(ids)]
    batches, keys = [], []
    for start in range(0, len(docs), SEARCH_BATCH):
        batches.append(docs[start : start + SEARCH_BATCH])
        h = hashlib.sha1(SITE_VERSION.encode())
        for doc, i in enumerate(ids[start : start + SEARCH_BATCH], start):
            h.update(f"{doc}\0{rows[i].href}\0".encode() + kept[i].digest)
        keys.append(h.hexdigest())
    numbering = hashlib.sha1("\0".join(rows[i].href for i in ids).encode()).hexdigest()
    return batches, keys, numbering


def start(pool: Pool, batches: list[list[tuple[int, str, int, str]]], keys: list[str], mode: str,
          progress: bool) -> Iterator[tuple[bytes, list[tuple[str, bool, bytes]]]]:
    """Queue the partial indexes of a full index (made and cached per batch by the workers, who
    also write the doc-table files): start them before the pages, so that :func:`merge` runs
    here while the workers render."""
    return iter(pool.imap(index_task, [(b, k, mode) for b, k in zip(batches, keys, strict=True)],
                          progress, "indexing"))


def merge(parts: Iterable[tuple[bytes, list[tuple[str, bool, bytes]]]]
          ) -> tuple[SearchIndexer, list[tuple[str, bool, bytes]]]:
    """Merge the partials of :func:`start` as they arrive; the doc-table files they wrote."""
    indexer = SearchIndexer()
    written: list[tuple[str, bool, bytes]] = []
    for part, files in parts:
        indexer.merge(part)
        written += files
    return indexer, written


def patch(pool: Pool, output: Path, old_keys: list[str], new_keys: list[str],
          batches: list[list[tuple[int, str, int, str]]], changed: list[int]
          ) -> tuple[dict[str, bytes], list[str]] | None:
    """The index files a few changed batches alter (``search/update.py``), or None: remake it all."""
    from .search import update

    try:
        olds = [search_partial_path(pool.cache.root, old_keys[i]).read_bytes() for i in changed]
    except OSError:
        return None
    tasks = [(batches[i], new_keys[i]) for i in changed]
    news = list(pool.imap(search_task, tasks, False, "indexing"))
    return update.patch(output, zip(olds, news, strict=True))
