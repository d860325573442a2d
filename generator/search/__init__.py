"""Offline search: index pieces as scripts, so a site opened from disk can search itself.

The build makes one :class:`SearchIndexer`, calls ``add(doc, cable, href)`` for each kept
cable (doc numbers 0..N-1 in sorted-id order) -- or ``merge(partial(docs))`` with
partial indexes made in workers -- and writes every ``(path, bytes)`` of ``files()``.
"""

from __future__ import annotations

from .index import SearchIndexer
from .partials import partial

__all__ = ["SearchIndexer", "partial"]
