"""A paged listing (a tag's, an origin's, a year's...) before its pages are made: the keys of
its pages, their views, and the cables it lists per year.

A page's key (:func:`listing_key`) hashes what the page shows: the listing's fields, the
page's place among its pages, and the digests of its rows; a build renders only the pages
whose key is not the one recorded (``plan.pages``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from . import paths
from .archive import Archive
from .config import Config
from .views import CableRow, Link, ListingView, Page, Pager, TagInfo


def listing_key(fingerprint: bytes, path: str, fields: tuple, ids: list[str], digests: dict[str, bytes]) -> bytes:
    """A listing page's key: its view's fields (its pager as page, pages and first href: the
    other hrefs follow, so a listing of P pages hashes O(P), not O(P²)) and its rows' digests."""
    h = hashlib.sha1(fingerprint)
    h.update(path.encode() + b"\0listing")
    h.update(repr(fields).encode())
    h.update(b"".join(map(digests.__getitem__, ids)))
    return h.digest()


def per_year(ids: list[str], year_of: Mapping[str, str]) -> tuple[tuple[str, int], ...]:
    """Cables per year, every year of the span present (0 where none); ``year_of``: id -> year.
    ``ids`` newest first, as every listing's and the whole archive's (``archive.index``), so
    that each year's cables are a run (the home page's figures for the 251,287 cables of the
    release: a few hundred lookups, not a count of them all, 0.05-0.1 s of every edit)."""
    counts = {y: n for y, n in _year_runs(ids, year_of).items() if y.isdigit()}
    if not counts:
        return ()
    first, last = int(min(counts)), int(max(counts))
    return tuple((str(y), counts.get(str(y), 0)) for y in range(first, last + 1))


def _year_runs(ids: list[str], year_of: Mapping[str, str]) -> dict[str, int]:
    """Year -> cables of ``ids``, each year's run found by a binary search for its end: a
    listing of 100,000 cables costs a few hundred lookups, not 100,000 (counting every
    listing's cables took 2.4 s of a build that adds a cable to the release)."""
    counts: dict[str, int] = {}
    i, n = 0, len(ids)
    while i < n:
        year = year_of[ids[i]]
        lo, hi = i + 1, n
        while lo < hi:
            mid = (lo + hi) // 2
            if year_of[ids[mid]] == year:
                lo = mid + 1
            else:
                hi = mid
        counts[year] = counts.get(year, 0) + lo - i
        i = lo
    return counts


@dataclass(frozen=True, slots=True)
class Listing:
    """One paged listing (``base.html``, ``base/2.html``...) before its pages are made: a build
    keeps the pages whose :meth:`page_keys` are the recorded ones, and after an edit that left
    the listing's members and fields as they were, all the pages that list no edited cable."""

    kind: str
    base: str
    title: str
    ids: list[str]
    """The listed cables, newest first."""
    tag: TagInfo | None = None
    feed: str = ""
    up: Link | None = None
    children: tuple[Link, ...] = ()

    def paths(self, per_page: int) -> list[str]:
        return [paths.paged(self.base, n) for n in range(1, max(1, -(-len(self.ids) // per_page)) + 1)]

    def fields_key(self, fingerprint: bytes) -> bytes:
        """A hash of what the listing's pages show besides their rows."""
        h = hashlib.sha1(fingerprint)
        h.update(repr((self.kind, self.base, self.title, self.tag, self.feed, self.up, self.children)).encode())
        return h.digest()

    def signature(self, fields_key: bytes, page_keys: list[bytes]) -> bytes:
        """A hash of everything the listing's pages show: :meth:`fields_key` and the keys of
        its pages in order (:meth:`page_keys`; after an edit, most are the recorded ones)."""
        return hashlib.sha1(fields_key + b"".join(page_keys)).digest()

    def page_keys(self, fingerprint: bytes, digests: dict[str, bytes], years: tuple[tuple[str, int], ...],
                  per_page: int, numbers: set[int] | None = None) -> list[tuple[str, bytes]]:
        """(path, :func:`page_key`) of each page (of the page ``numbers`` when given), without
        making the pages: a listing that changed keeps the pages whose key did not (an edited
        cable changes one page of its classification's 1,000). ``years``: :func:`per_year`."""
        hrefs = tuple(self.paths(per_page))
        first = hrefs[:1]
        return [(href, listing_key(fingerprint, href, (
                    self.kind, self.title, self.tag, len(self.ids), years, (n, len(hrefs), first),
                    self.feed, self.up, self.children if n == 1 else ()),
                    self.ids[(n - 1) * per_page : n * per_page], digests))
                for n, href in enumerate(hrefs, 1) if numbers is None or n in numbers]

    def page_numbers(self, ids: Iterable[str], per_page: int) -> set[int]:
        """The numbers of the pages that list any of ``ids``."""
        out: set[int] = set()
        for cable_id in ids:
            at = -1
            while True:
                try:
                    at = self.ids.index(cable_id, at + 1)
                except ValueError:
                    break
                out.add(at // per_page + 1)
        return out

    def pages(self, archive: Archive, rows: dict[str, CableRow], config: Config,
              only: set[str] | None = None, years: tuple[tuple[str, int], ...] | None = None) -> Iterator[Page]:
        """The listing's pages (those of ``only`` when given: paths; ``years`` when known)."""
        size = config.per_page
        hrefs = tuple(self.paths(size))
        years = per_year(self.ids, archive.year_of) if years is None else years
        for n in range(1, len(hrefs) + 1):
            if only is not None and hrefs[n - 1] not in only:
                continue
            chunk = self.ids[(n - 1) * size : n * size]
            view = ListingView(
                kind=self.kind,
                title=self.title,
                tag=self.tag,
                total=len(self.ids),
                per_year=years,
                rows=tuple(rows[i] for i in chunk),
                pager=Pager(n, len(hrefs), hrefs),
                feed_href=self.feed,
                up=self.up,
                children=self.children if n == 1 else (),
            )
            yield Page(hrefs[n - 1], "listing", view)
