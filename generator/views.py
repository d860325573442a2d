"""What the build hands to the templates: one frozen record per page kind.

The build (``build.py``) makes these from the archive's index; the renderer
(``render.py``) turns them into HTML and never looks anything up itself.
Every ``href`` here is relative to the site root (``cable/2007/10/07USNATO577.html``);
templates prefix it with ``page.root`` so that the site works from disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Cable, Recipient, fast_pickle


@fast_pickle
@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Settings every page sees."""

    title: str
    """Site title, shown in the header and the ``<title>``."""
    base_url: str
    """Absolute URL of the deployed site (``https://example.org/``), or ``""``."""
    search: bool = True
    """Whether the site has a search page (the search box links to it)."""
    pages: tuple[Link, ...] = ()
    """Editorial pages for the navigation (count is 0), in file-name order."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class PageContext:
    """Where a page sits in the output."""

    path: str
    """Output path relative to the site root (``tag/PREL/2.html``)."""
    root: str
    """Relative prefix from this page back to the root (``../../``, or ``""``)."""
    site: SiteInfo
    """Site-wide settings."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class CableRow:
    """A cable as it appears in a list: enough to show one table row."""

    id: str
    created: str
    """``YYYY-MM-DD HH:MM``."""
    subject: str
    origin: str
    classification: str
    href: str
    """``cable/YYYY/MM/<ID>.html``."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class TagInfo:
    """A TAGS code with what the glossary knows of it."""

    code: str
    meaning: str
    """Meaning from the glossary, ``""`` for an unknown code."""
    kind: str
    """``subject``, ``program``, ``geo``, ``organization`` or ``unknown``."""
    href: str
    """``tag/<TAG>.html``."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link with a count, for index pages (origins, years, classifications)."""

    label: str
    href: str
    count: int


@fast_pickle
@dataclass(frozen=True, slots=True)
class RefView:
    """One REF item as the cable page shows it."""

    letter: str
    text: str
    id: str
    """Canonical id, ``""`` when the item is not a cable."""
    target: CableRow | None
    """The cited cable when the archive holds it."""
    external_href: str
    """Absolute URL from the site's ``missing_ref_url`` pattern, or ``""``."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Pager:
    """Pagination of a listing."""

    page: int
    """1-based number of this page."""
    pages: int
    """How many pages there are."""
    hrefs: tuple[str, ...]
    """Root-relative href of each page, ``hrefs[0]`` is page 1."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class CableView:
    """Everything the cable page shows."""

    cable: Cable
    refs: tuple[RefView, ...]
    referenced_by: tuple[CableRow, ...]
    """Cables whose REF list names this one, oldest first."""
    prev: CableRow | None
    """Previous cable from the same origin by date."""
    next: CableRow | None
    """Next cable from the same origin by date."""
    tags: tuple[TagInfo, ...]
    """The cable's tags, in its order, with their meanings."""
    origin_href: str
    classification_href: str
    json_href: str
    """``cable/YYYY/MM/<ID>.json``, or ``""`` when the site has no JSON files (``cable_json``)."""

    @property
    def recipient_lists(self) -> tuple[tuple[str, tuple[Recipient, ...]], ...]:
        """("To", addressees) and ("Info", addressees), each when it has any: what the
        metadata table shows (in Python: Jinja's ``selectattr`` took 30 µs a cable)."""
        people = self.cable.recipients
        lists = (("To", tuple(r for r in people if r.kind == "to")),
                 ("Info", tuple(r for r in people if r.kind == "info")))
        return tuple(item for item in lists if item[1])


@fast_pickle
@dataclass(frozen=True, slots=True)
class ListingView:
    """A paged table of cables: a tag, an origin, a year, a month or a classification."""

    kind: str
    """``tag``, ``origin``, ``year``, ``month`` or ``classification``."""
    title: str
    """Page heading (``PREL``, ``Embassy Moscow``, ``2007``, ``October 2007``)."""
    tag: TagInfo | None
    """The tag's glossary entry, on tag pages."""
    total: int
    """Number of cables in the whole listing (all pages)."""
    per_year: tuple[tuple[str, int], ...]
    """(year, count) for the chart, oldest first, every year of the listing's span."""
    rows: tuple[CableRow, ...]
    """This page's cables, newest first."""
    pager: Pager
    feed_href: str
    """Root-relative href of the listing's Atom feed, or ``""``."""
    up: Link | None
    """The index page this listing belongs to (All tags, All origins, a year for a month)."""
    children: tuple[Link, ...] = ()
    """Sub-listings (the months of a year page)."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class TagGroup:
    kind: str
    """``subject``, ``program``, ``geo``, ``organization`` or ``unknown``."""
    label: str
    """Heading for the group (``Subject codes``)."""
    tags: tuple[tuple[TagInfo, int], ...]
    """(tag, number of cables), alphabetical."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class TagsIndexView:
    groups: tuple[TagGroup, ...]
    total_tags: int


@fast_pickle
@dataclass(frozen=True, slots=True)
class LinksIndexView:
    """All origins, all classifications: a titled list of links with counts."""

    title: str
    intro: str
    links: tuple[Link, ...]


@fast_pickle
@dataclass(frozen=True, slots=True)
class YearEntry:
    year: Link
    months: tuple[Link, ...]


@fast_pickle
@dataclass(frozen=True, slots=True)
class DatesIndexView:
    years: tuple[YearEntry, ...]


@fast_pickle
@dataclass(frozen=True, slots=True)
class HomeView:
    total: int
    first: str
    """Date of the oldest cable (``YYYY-MM-DD``), ``""`` for an empty archive."""
    last: str
    most_referenced: tuple[tuple[CableRow, int], ...]
    """Top cables by number of citing cables in the archive."""
    newest: tuple[CableRow, ...]
    tag_count: int
    origin_count: int
    per_year: tuple[tuple[str, int], ...]
    classifications: tuple[Link, ...]
    pages: tuple[Link, ...]
    """Editorial pages (count is 0)."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class EditorialView:
    title: str
    html: str
    """Rendered Markdown (already safe HTML made by markdown-it-py with html disabled)."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Page:
    """One output file to render: ``kind`` names the renderer method, ``view`` its record."""

    path: str
    kind: str
    view: object
