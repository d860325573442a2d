"""The archive: every cable's metadata, indexed, with references resolved.

Loading works on *units*: one input file, or one batch of rows of a
``cables.csv``. A unit is parsed once (in a worker process), its cables are
pickled into the cache under the unit's content hash, and only their
metadata (:class:`Entry`, no text) travels back: the index of the whole
251,287-cable release fits in a few hundred MB.

:class:`Archive` then answers everything the pages need: cables by id, who
cites whom, the cables of a tag, an origin, a month, previous and next cable
of an origin. Two cables with the same id: the one kept is chosen by
:func:`preference` (documented there); both files are reported.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

import xxhash

from . import paths
from .model import WARNING, Cable, Diagnostic


class Entry(NamedTuple):
    """One cable's metadata, as the index keeps it.

    A named tuple rather than a frozen dataclass: the build record holds one per cable and is
    read at every build; 251,287 of them unpickle four times faster as tuples."""

    id: str
    created: str
    subject: str
    origin: str
    classification: str
    tags: tuple[str, ...]
    ref_ids: tuple[str, ...]
    """Ids of the references that name a cable, in REF order."""
    unit: str
    """Content key of the unit holding the full record."""
    index: int
    """Position of the cable in its unit."""
    source: str
    """Path of the input file (relative to the content folder)."""
    line: int
    """Row or line in ``source`` (0 for one-cable files)."""
    editable: bool
    """Read from the editable front-matter form (a keeper's correction)."""
    partial: bool
    size: int
    """Length of the body in characters."""
    digest: bytes
    """Hash of the whole parsed cable (XXH3, as :func:`unit_key`): what its page and search
    entry are made from (one edited row of a 400-cable CSV unit changes one digest, not 400)."""
    href: str
    """The cable page's path in the site."""
    row_digest: bytes
    """Hash of what lists and links show of the cable (:func:`row_digest`)."""

    def __reduce__(self) -> tuple:
        """Unpickled by ``tuple.__new__`` in C, not by the named tuple's ``__new__`` (a call of
        Python code a cable): reading the release's build record took 0.36 s, now 0.24."""
        return tuple.__new__, (Entry, tuple(self))

    @classmethod
    def from_cable(cls, cable: Cable, unit: str, index: int, source: str, pickled: bytes) -> Entry:
        """The entry of ``cable``, ``pickled`` being its pickle (as cached): the digest hashes it."""
        return cls(
            id=cable.id,
            created=cable.created,
            subject=cable.subject,
            origin=cable.origin,
            classification=cable.classification,
            tags=cable.tags,
            ref_ids=tuple(r.id for r in cable.references if r.id),
            unit=unit,
            index=index,
            source=source,
            line=cable.source_line,
            editable=source.endswith(".md"),
            partial=cable.partial,
            size=len(cable.body),
            digest=xxhash.xxh3_128(pickled).digest()[:12],  # 1.4 µs a cable, SHA-1 18 µs
            href=(href := paths.cable_page(cable.id, cable.created)),
            row_digest=row_digest(cable.id, cable.created, cable.subject, cable.origin or UNKNOWN_ORIGIN,
                                  cable.classification or UNKNOWN_LEVEL, href),
        )


UNKNOWN_ORIGIN = "Unknown origin"
"""The origin shown for a cable that names none."""
UNKNOWN_LEVEL = "UNKNOWN"
"""The classification shown for a cable that names none."""


def row_digest(cable_id: str, created: str, subject: str, origin: str, classification: str, href: str) -> bytes:
    """A short hash of a cable's row (``views.CableRow``: what lists and links show of it);
    made once, at parse time, since every build compares all of them."""
    return hashlib.sha1("\0".join((cable_id, created, subject, origin, classification, href)).encode()).digest()[:12]


def preference(entry: Entry) -> tuple:
    """Sort key choosing which of several cables with one id is kept (the smallest wins).

    The rule: a cable in the editable front-matter form (a keeper's correction)
    beats the others; then a full text beats a partial extract; then the longer
    body; then the input path that sorts first, so the choice never depends on
    the order files were read in.
    """
    return (not entry.editable, entry.partial, -entry.size, entry.source, entry.line)


def share(entries: list[Entry], memo: dict) -> list[Entry]:
    """``entries`` with their origin, classification and tags made the objects ``memo`` holds
    for them (it keeps those it meets first). A worker's message unpickles its own copies:
    the entries of a cable folder arrive 32 files at a time, and a string for every origin,
    classification and tag of the 251,287 cables took about 100 MB of the build's memory."""
    out = []
    keep, get = memo.setdefault, memo.get
    for e in entries:
        tags = get(e.tags)
        if tags is None:
            tags = memo[e.tags] = tuple([keep(t, t) for t in e.tags])
        out.append(tuple.__new__(Entry, (e[0], e[1], e[2], keep(e[3], e[3]), keep(e[4], e[4]), tags, *e[6:])))
    return out


@dataclass(slots=True)
class UnitResult:
    """What a worker sends back for one unit."""

    source: str
    key: str
    entries: list[Entry]
    diagnostics: list[Diagnostic]
    known: bool = False
    """The unit is one the build record holds under ``key`` (a file touched but not changed,
    the unchanged ranges of an edited ``cables.csv``): its entries are not sent back."""


# -- scanning ---------------------------------------------------------------------------------


def code_version(*patterns: str) -> str:
    """A hash of the package files matching ``patterns``: new code there invalidates what it made."""
    h = hashlib.sha1()
    package = Path(__file__).resolve().parent
    for pattern in patterns:
        for path in sorted(package.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


PARSER_VERSION = code_version("model.py", "parse/**/*.py", "glossary.py", "data/*", "cache.py")
"""Parsed units are cached under this: a change of the parser, or of how the cache keeps them, re-parses."""
SITE_VERSION = code_version("archive.py", "cache.py", "plan.py", "site.py", "listing.py", "views.py", "feeds.py",
                            "paths.py", "build.py", "workers.py", "searchplan.py", "record.py", "load.py", "csvranges.py",
                            "editorial.py", "delta.py", "moves.py", "markdown.py", "store.py", "table.py", "search/*.py")
"""Part of every page's key: a change to how pages are planned re-renders them."""


def unit_key(source: str, data: bytes) -> str:
    """The cache key of a unit: the code that parses it, its path and its bytes.

    XXH3's 128 bits, not SHA-1's 160: an edit of the release's ``cables.csv`` hashes its
    2.5 GB again to find the range that changed, and SHA-1 (2.2 GB/s here) made that half of
    the edit's time; XXH3 runs at 28 GB/s. The key detects changes to a file, it does not
    guard against anyone: an accidental collision of 128 bits is not a concern."""
    h = xxhash.xxh3_128(PARSER_VERSION.encode())
    h.update(source.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(data)
    return h.hexdigest()


# -- the index --------------------------------------------------------------------------------


@dataclass(slots=True)
class Archive:
    """All kept cables' metadata and the relations between them."""

    entries: dict[str, Entry]
    """Kept cables by id."""
    cited_by: dict[str, list[str]] = field(default_factory=dict)
    """Id -> ids of the archive's cables whose REF list names it, oldest first."""
    by_tag: dict[str, list[str]] = field(default_factory=dict)
    by_origin: dict[str, list[str]] = field(default_factory=dict)
    by_year: dict[str, list[str]] = field(default_factory=dict)
    by_month: dict[str, list[str]] = field(default_factory=dict)
    by_classification: dict[str, list[str]] = field(default_factory=dict)
    """Each listing's ids newest first (``created`` descending, then id)."""
    neighbours: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Id -> (previous, next) cable of the same origin by date, ``""`` at the ends."""
    order: list[str] = field(default_factory=list)
    """Every id, newest first (``created`` descending, then id)."""
    year_of: Mapping[str, str] = field(default_factory=dict)
    """Id -> year (:class:`YearOf` the entries)."""
    ids: list[str] = field(default_factory=list)
    """Every id in order (the search index's doc numbers)."""
    """Id -> the first four characters of its date (the year, when it has one)."""

    def __contains__(self, cable_id: str) -> bool:
        return cable_id in self.entries


class Ids(Sequence[str]):
    """A list of ids kept joined by a separator (as the build record's index holds it, ``record.INDEX``)
    and split when first read: a one-cable edit of the release reads the lists of about ten
    listings, not the 2.5 million ids of all of them (splitting them all took 0.4 s of it on
    this machine at half its usual speed, 0.15 s as Ids).
    Its length, a head (``ids[:n]``, a feed's) and its joined form need no split; it
    compares equal to the list it stands for, and pickles as that list."""

    __slots__ = ("joined", "sep", "_count", "_list")

    def __init__(self, joined: str, sep: str, count: int) -> None:
        """``count``: the number of ids, as the index file keeps it (counting the separators of
        every list read all their 35 MB, 0.15 s of an edit)."""
        self.joined, self.sep = joined, sep
        self._count = count
        self._list: list[str] | None = None

    @property
    def list(self) -> list[str]:
        """The ids, split (once)."""
        if self._list is None:
            self._list = self.joined.split(self.sep) if self.joined else []
        return self._list

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, at):  # type: ignore[override]
        if self._list is None and isinstance(at, slice) and not at.start and at.step is None \
                and at.stop is not None and at.stop >= 0:
            return self.joined.split(self.sep, at.stop)[: at.stop] if self.joined and at.stop else []
        return self.list[at]

    def __iter__(self) -> Iterator[str]:
        return iter(self.list)

    def __contains__(self, cable_id: object) -> bool:
        return cable_id in self.list

    def index(self, cable_id: str, start: int = 0, stop: int = sys.maxsize) -> int:
        return self.list.index(cable_id, start, stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ids):
            other = other.list
        return self.list == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Ids({self.list!r})"

    def __reduce__(self) -> tuple:
        return list, (self.list,)


def choose(entries: Iterable[Entry]) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """Keep one cable per id by :func:`preference`; a warning names every file of a duplicate."""
    entries = entries if isinstance(entries, list) else list(entries)
    kept = dict(zip(map(attrgetter("id"), entries), entries, strict=True))
    if len(kept) == len(entries):  # no id twice: the usual case, in C
        return kept, []
    kept = {}
    groups: dict[str, list[Entry]] = {}
    """Only the ids met more than once: nearly every id is met once."""
    for e in entries:
        first = kept.setdefault(e.id, e)
        if first is not e:
            groups.setdefault(e.id, [first]).append(e)
    diagnostics: list[Diagnostic] = []
    for cable_id, group in groups.items():
        group.sort(key=preference)
        kept[cable_id] = group[0]
        for loser in group[1:]:
            diagnostics.append(
                Diagnostic(
                    loser.source,
                    loser.line,
                    WARNING,
                    f"duplicate id {cable_id}: also in {group[0].source}"
                    + (f" (row {group[0].line})" if group[0].line else "")
                    + "; keeping that one",
                )
            )
    return kept, diagnostics


class YearOf(Mapping[str, str]):
    """Id -> the year of the cable (the first four characters of ``created``), read from the
    entries when asked: the build record's index need not hold 251,287 of them (reading
    them and making their dict took 0.08 s of an edit)."""

    __slots__ = ("entries",)

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = entries

    def __getitem__(self, cable_id: str) -> str:
        return self.entries[cable_id].created[:4]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def values(self) -> Iterator[str]:  # type: ignore[override]
        """Each cable's year, in the entries' order (not through a lookup each)."""
        return (e.created[:4] for e in self.entries.values())


def index(entries: dict[str, Entry]) -> Archive:
    """Build every listing and relation in one pass over the kept cables, newest first."""
    archive = Archive(entries)
    cited_by: dict[str, list[str]] = defaultdict(list)
    lists: dict[str, dict[str, list[str]]] = {
        name: defaultdict(list) for name in ("tag", "origin", "year", "month", "classification")
    }
    # One sort of the whole archive; every listing filled in that order is sorted too.
    archive.order = sorted(entries, key=lambda i: (entries[i].created, i), reverse=True)
    archive.year_of = YearOf(entries)
    archive.ids = sorted(entries)
    by_tag, by_origin, by_class = lists["tag"], lists["origin"], lists["classification"]
    by_year, by_month = lists["year"], lists["month"]
    for cable_id in archive.order:
        e = entries[cable_id]
        if e.ref_ids:
            for ref in dict.fromkeys(e.ref_ids):
                if ref in entries and ref != cable_id:
                    cited_by[ref].append(cable_id)
        for tag in e.tags:
            by_tag[tag].append(cable_id)
        by_origin[e.origin or UNKNOWN_ORIGIN].append(cable_id)
        by_class[e.classification or UNKNOWN_LEVEL].append(cable_id)
        created = e.created
        if len(created) >= 7:
            by_year[created[:4]].append(cable_id)
            by_month[created[:7]].append(cable_id)
    archive.cited_by = {k: v[::-1] for k, v in cited_by.items()}
    archive.by_tag = dict(lists["tag"])
    archive.by_origin = dict(lists["origin"])
    archive.by_year = dict(lists["year"])
    archive.by_month = dict(lists["month"])
    archive.by_classification = dict(lists["classification"])
    archive.neighbours = neighbours(archive.by_origin)
    return archive


class Neighbours(Mapping[str, tuple[str, str]]):
    """:func:`neighbours`, each cable's found when asked, in the list of its origin (``entries``
    say which): an edit asks for a few, and making all 251,287 took 0.04 s of it."""

    __slots__ = ("by_origin", "entries", "_at")

    def __init__(self, by_origin: dict[str, list[str]], entries: Mapping[str, Entry]) -> None:
        self.by_origin, self.entries = by_origin, entries
        self._at: dict[str, dict[str, int]] = {}
        """Origin -> each of its cables' position in its list, made when first asked for."""

    def __getitem__(self, cable_id: str) -> tuple[str, str]:
        origin = self.entries[cable_id].origin or UNKNOWN_ORIGIN
        ids = self.by_origin.get(origin, [])
        at = self._at.get(origin)
        if at is None:
            at = self._at[origin] = {i: n for n, i in enumerate(ids)}
        n = at[cable_id]  # the lists are newest first
        return (ids[n + 1] if n + 1 < len(ids) else "", ids[n - 1] if n else "")

    def __iter__(self) -> Iterator[str]:
        return (i for ids in self.by_origin.values() for i in ids)

    def __len__(self) -> int:
        return sum(map(len, self.by_origin.values()))


def neighbours(by_origin: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    """Id -> (previous, next) cable of the same origin by date (:attr:`Archive.neighbours`)."""
    out: dict[str, tuple[str, str]] = {}
    for ids in by_origin.values():
        chrono = ids[::-1]
        out.update(zip(chrono, zip(["", *chrono[:-1]], [*chrono[1:], ""], strict=True), strict=True))
    return out
