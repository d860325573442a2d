"""The site's pages: from the indexed archive to one view record per output file.

Nothing here renders or writes. :func:`plan` returns every page the site has,
each with the data its template needs; the build hashes that data to decide
which pages must be rendered again (a page whose inputs did not change keeps
its file), so everything a page shows must be in its record.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import paths
from .archive import UNKNOWN_LEVEL, UNKNOWN_ORIGIN, Archive, Entry
from .config import Config
from .listing import Listing, listing_key, per_year
from .model import fast_pickle
from .views import (
    CableRow,
    DatesIndexView,
    HomeView,
    Link,
    LinksIndexView,
    ListingView,
    Page,
    SiteInfo,
    TagGroup,
    TagInfo,
    TagsIndexView,
    YearEntry,
)

KIND_LABELS = {
    "subject": "Subject codes",
    "program": "Program codes",
    "geo": "Countries and regions",
    "organization": "Organizations",
    "unknown": "Codes not in the glossary",
}


@fast_pickle
@dataclass(frozen=True, slots=True)
class CableJob:
    """What the cable page needs besides the cable itself (which a worker loads from the cache)."""

    unit: str
    index: int
    digest: bytes
    """The cable's content hash (:attr:`Entry.digest`)."""
    id: str
    page: str
    json: str
    targets: tuple[tuple[str, CableRow], ...]
    """The cited cables the archive holds, by id."""
    referenced_by: tuple[CableRow, ...]
    prev: CableRow | None
    next: CableRow | None
    tags: tuple[TagInfo, ...]
    origin_href: str
    classification_href: str


@fast_pickle
@dataclass(frozen=True, slots=True)
class FeedView:
    """An Atom feed of the newest cables of the archive or of a tag."""

    title: str
    ids: tuple[str, ...]
    """Its cables, newest first: the page's key hashes their digests."""
    rows: tuple[CableRow, ...] = ()
    """Their rows, made for a feed that is rendered (:func:`with_rows`): the 681 tag feeds
    of the release are planned at every build, and making their 34,000 rows took 0.1 s."""


def with_rows(page: Page, rows: dict[str, CableRow]) -> Page:
    """``page`` as it is rendered: a feed with its rows."""
    view = page.view
    if isinstance(view, FeedView) and len(view.rows) != len(view.ids):
        return Page(page.path, page.kind, FeedView(view.title, view.ids, tuple(rows[i] for i in view.ids)))
    return page


class Rows(dict):
    """Cable id -> :class:`CableRow`, each made when first asked for: a rebuild shows few.
    ``in`` answers for every kept cable; iterate the entries, not this."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        super().__init__()
        self.entries = entries

    def __missing__(self, cable_id: str) -> CableRow:
        made = self[cable_id] = row(self.entries[cable_id])
        return made

    def __contains__(self, cable_id: object) -> bool:
        return cable_id in self.entries


class Digests(Rows):
    """Cable id -> its :attr:`~generator.archive.Entry.row_digest`, taken when first asked
    for, as :class:`Rows` makes rows: an edit asks for a few hundred (a dict of all 251,287
    took 0.07 s)."""

    def __missing__(self, cable_id: str) -> bytes:
        made = self[cable_id] = self.entries[cable_id].row_digest
        return made


def page_key(fingerprint: bytes, page: Page, digests: dict[str, bytes]) -> bytes:
    """The hash of everything a page shows; listings and feeds hash their rows by digest."""
    view = page.view
    if isinstance(view, ListingView):
        pager = view.pager
        return listing_key(fingerprint, page.path, (
            view.kind, view.title, view.tag, view.total, view.per_year,
            (pager.page, pager.pages, pager.hrefs[:1]), view.feed_href, view.up, view.children),
            [r.id for r in view.rows], digests)
    h = hashlib.sha1(fingerprint)
    h.update(page.path.encode() + b"\0" + page.kind.encode())
    if isinstance(view, FeedView):
        h.update(view.title.encode())
        for i in view.ids:
            h.update(digests[i])
    else:
        h.update(_canonical(view))
    return h.digest()


def _canonical(view: object) -> bytes:
    """The view's pickle without the memo: equal views give equal bytes whichever of their
    strings and rows are shared objects (the home page's key was not the same in an edit's
    build as in a clean one, though its bytes were)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=4)
    pickler.fast = True
    pickler.dump(view)
    return buf.getvalue()


def row(e: Entry) -> CableRow:
    return CableRow(
        id=e.id,
        created=e.created,
        subject=e.subject,
        origin=e.origin or UNKNOWN_ORIGIN,
        classification=e.classification or UNKNOWN_LEVEL,
        href=e.href,
    )


def tag_info(code: str, glossary: dict[str, tuple[str, str]]) -> TagInfo:
    meaning, kind = glossary.get(code, ("", "unknown"))
    return TagInfo(code, meaning, kind or "unknown", paths.paged(paths.tag_base(code), 1))


def json_path(page: str) -> str:
    """The JSON file of a cable beside its page (``cable_json``): ``.json`` for ``.html``."""
    return page[:-5] + ".json"


def cable_pages(archive: Archive, rows: dict[str, CableRow], digests: dict[str, bytes],
                fingerprint: bytes, json: bool = False, only: set[str] | None = None,
                recorded: dict[str, bytes] | None = None,
                ids: Iterable[str] | None = None) -> Iterator[tuple[str, str, str, bytes]]:
    """(id, page, JSON file or ``""``, key) of every kept cable's page, without making its
    :func:`cable_job`: most pages of a rebuild keep their key, and are not rendered.

    The key hashes every input of the page: the cable through its content hash, the paths, the
    tags (their meanings are in ``fingerprint``), and the rows of the cables it shows (cited,
    citing, previous and next) through their digests. A cable not in ``only`` (when given:
    ``delta.affected``) keeps the key ``recorded`` for its page. ``ids``: these cables only."""
    origins: dict[str, str] = {}
    levels: dict[str, str] = {}
    cited_by, neighbours, entries = archive.cited_by, archive.neighbours, archive.entries
    for cable_id, e in archive.entries.items() if ids is None else ((i, entries[i]) for i in ids):
        page = e.href
        js = json_path(page) if json else ""
        if only is not None and recorded is not None and cable_id not in only:
            key = recorded.get(page)
            if key is not None and recorded.get(js or page) == key:
                yield cable_id, page, js, key
                continue
        origin = e.origin or UNKNOWN_ORIGIN
        if origin not in origins:
            origins[origin] = paths.paged(paths.origin_base(origin), 1)
        level = e.classification or UNKNOWN_LEVEL
        if level not in levels:
            levels[level] = paths.paged(paths.classification_base(level), 1)
        h = hashlib.sha1(fingerprint + e.digest)
        h.update("\0".join((page, js, origins[origin], levels[level], *e.tags)).encode())
        for r in dict.fromkeys(e.ref_ids):
            if r in rows and r != cable_id:
                h.update(b"T" + digests[r])
        for c in cited_by.get(cable_id, ()):
            h.update(b"R" + digests[c])
        for r in neighbours.get(cable_id, ("", "")):
            h.update(digests[r] if r else b"-")
        yield cable_id, page, js, h.digest()


def cable_job(archive: Archive, rows: dict[str, CableRow], glossary: dict[str, tuple[str, str]],
              cable_id: str, page: str, json: str, tags: dict[str, TagInfo]) -> CableJob:
    """The record of one cable page (``tags``: :func:`tag_info` by code, filled as met)."""
    e = archive.entries[cable_id]
    prev_id, next_id = archive.neighbours.get(cable_id, ("", ""))
    for t in e.tags:
        if t not in tags:
            tags[t] = tag_info(t, glossary)
    return CableJob(
        unit=e.unit,
        index=e.index,
        digest=e.digest,
        id=cable_id,
        page=page,
        json=json,
        targets=tuple((r, rows[r]) for r in dict.fromkeys(e.ref_ids) if r in rows and r != cable_id),
        referenced_by=tuple(rows[c] for c in archive.cited_by.get(cable_id, ())),
        prev=rows[prev_id] if prev_id else None,
        next=rows[next_id] if next_id else None,
        tags=tuple(tags[t] for t in e.tags),
        origin_href=paths.paged(paths.origin_base(e.origin or UNKNOWN_ORIGIN), 1),
        classification_href=paths.paged(paths.classification_base(e.classification or UNKNOWN_LEVEL), 1),
    )


def plan_indexes(
    archive: Archive,
    rows: dict[str, CableRow],
    glossary: dict[str, tuple[str, str]],
    config: Config,
    site_info: SiteInfo,
) -> Iterator[Page | Listing]:
    """Every page except the cable pages and the editorial pages; listings as :class:`Listing`."""
    editorial = site_info.pages
    entries = archive.entries
    tags_up = Link("All tags", "tags.html", len(archive.by_tag))
    for code in sorted(archive.by_tag):
        info = tag_info(code, glossary)
        yield Listing("tag", paths.tag_base(code), code, archive.by_tag[code],
                      tag=info, feed=paths.tag_feed(code), up=tags_up)
    groups: dict[str, list[tuple[TagInfo, int]]] = {k: [] for k in KIND_LABELS}
    for code in sorted(archive.by_tag):
        info = tag_info(code, glossary)
        groups.setdefault(info.kind, []).append((info, len(archive.by_tag[code])))
    yield Page("tags.html", "tags_index", TagsIndexView(
        tuple(TagGroup(k, KIND_LABELS.get(k, k), tuple(v)) for k, v in groups.items() if v),
        len(archive.by_tag)))

    origins_up = Link("All origins", "origins.html", len(archive.by_origin))
    for origin in sorted(archive.by_origin):
        yield Listing("origin", paths.origin_base(origin), origin, archive.by_origin[origin], up=origins_up)
    yield Page("origins.html", "links_index", LinksIndexView(
        "Origins", "The embassies, consulates, missions and offices that sent the cables.",
        tuple(Link(o, paths.paged(paths.origin_base(o), 1), len(archive.by_origin[o]))
              for o in sorted(archive.by_origin))))

    classes_up = Link("All classifications", "classifications.html", len(archive.by_classification))
    for level in sorted(archive.by_classification):
        yield Listing("classification", paths.classification_base(level), level,
                      archive.by_classification[level], up=classes_up)
    yield Page("classifications.html", "links_index", LinksIndexView(
        "Classifications", "Cables by the classification level they were sent at.",
        classification_links(archive)))

    dates_up = Link("All dates", "dates.html", len(archive.by_year))
    year_entries = []
    for year in sorted(archive.by_year):
        months = tuple(
            Link(paths.month_label(m), paths.paged(paths.month_base(m), 1), len(archive.by_month[m]))
            for m in sorted(archive.by_month) if m[:4] == year)
        year_link = Link(year, paths.paged(paths.year_base(year), 1), len(archive.by_year[year]))
        year_entries.append(YearEntry(year_link, months))
        yield Listing("year", paths.year_base(year), year, archive.by_year[year], up=dates_up, children=months)
        for month in months:
            key = month.href[len("date/"):-len(".html")]
            yield Listing("month", paths.month_base(key), month.label, archive.by_month[key], up=year_link)
    yield Page("dates.html", "dates_index", DatesIndexView(tuple(year_entries)))

    ranked = most_cited(archive.cited_by, 20)
    newest = [entries[i] for i in archive.order[:max(10, config.feed_size)]]
    dated = (entries[i].created for i in reversed(archive.order) if entries[i].created)  # oldest first
    yield Page("index.html", "home", HomeView(
        total=len(entries),
        first=next(dated, "")[:10],
        last=entries[archive.order[0]].created[:10] if archive.order else "",
        most_referenced=tuple((rows[i], len(c)) for i, c in ranked),
        newest=tuple(rows[e.id] for e in newest[:10]),
        tag_count=len(archive.by_tag),
        origin_count=len(archive.by_origin),
        per_year=per_year(archive.order, archive.year_of),
        classifications=classification_links(archive),
        pages=editorial,
    ))
    yield Page("404.html", "not_found", None)
    if site_info.search:
        yield Page("search.html", "search", None)
    yield Page("feed.xml", "feed", FeedView(config.title, tuple(e.id for e in newest[: config.feed_size])))
    for code, ids in archive.by_tag.items():
        yield Page(paths.tag_feed(code), "feed",
                   FeedView(f"{config.title}: {code}", tuple(ids[: config.feed_size])))


def most_cited(cited_by: dict[str, list[str]], n: int) -> list[tuple[str, list[str]]]:
    """The ``n`` cables cited most, most first, then by id: a sort of only those that can be
    among them (all of them took 0.1 s at 251,287 cables, at every edit)."""
    lengths = sorted(map(len, cited_by.values()), reverse=True)
    least = lengths[n - 1] if len(lengths) >= n else 0
    return sorted(((k, v) for k, v in cited_by.items() if len(v) >= least), key=lambda kv: (-len(kv[1]), kv[0]))[:n]


LEVEL_ORDER = ("UNCLASSIFIED", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", "CONFIDENTIAL",
               "CONFIDENTIAL//NOFORN", "SECRET", "SECRET//NOFORN")


def classification_links(archive: Archive) -> tuple[Link, ...]:
    def order(level: str) -> tuple[int, str]:
        return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER), level)

    return tuple(Link(c, paths.paged(paths.classification_base(c), 1), len(archive.by_classification[c]))
                 for c in sorted(archive.by_classification, key=order))


