"""What an edit changed: the cables whose pages and listings a rebuild must plan again.

The plan hashes every page's inputs into its key (``site.py``); at 251,287 cables that is
a pass over every cable page and every listing's rows. When the build only edited cables,
leaving each one's id, date and origin as they were, a page can change only if it shows
one of them, and the others keep the keys the build record holds:

- a cable page shows the cables it cites and is cited by and its two neighbours of the
  same origin (:func:`affected`);
- a listing shows its members (an unchanged listing has no edited member, the same size
  and the same fields: see ``plan.pages``); when its members are the ones it had
  (:func:`listings`), only its pages that show an edited cable can change.

Anything else (a cable added or deleted, a date or origin changed, a duplicate id, a unit
missing from the record) returns ``None``: ``moves.py`` then plans an add, a delete or a
move; every page is planned for the rest, as on any other build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from . import paths
from .archive import UNKNOWN_LEVEL, UNKNOWN_ORIGIN, Archive, Entry, YearOf
from .model import Diagnostic

Units = Mapping[str, tuple[list[Entry], list[Diagnostic]]]

MAX_EDITED = 2000
"""More cables changed than this: plan every page (the pass costs less than the checks)."""


def edited(old_units: Units, new_units: Units, entries: Sequence[Entry], kept: Mapping[str, Entry],
           changed: set[str] | None = None) -> dict[str, Entry] | None:
    """Id -> its last parse, of every cable that the build's new units hold and that changed,
    when they are all edits of cables that stay where they were; ``None`` otherwise.
    ``changed``: the keys of the units that came or went, when known (``load.load_units``)."""
    if changed is None:
        changed = old_units.keys() ^ new_units.keys()
    gone = [e for k in changed if k not in new_units for e in old_units[k][0]]
    came = [e for k in changed if k in new_units for e in new_units[k][0]]  # (asking a lazy old_units reads a shard)
    if not changed:
        return {}  # files touched, none changed (a checkout, an editor's save): the same cables
    if not came or len(came) != len(gone) or len(came) > MAX_EDITED:
        return None
    before = {e.id: e for e in gone}
    after = {e.id: e for e in came}
    if len(before) != len(gone) or len(after) != len(came) or before.keys() != after.keys():
        return None
    if len(entries) != len(kept) and sum(e.id in after for e in entries) != len(after):
        return None  # another file holds one of the ids (with no id twice, none can)
    for cable_id, e in after.items():
        b = before[cable_id]
        if kept.get(cable_id) is not e or (b.created, b.origin, b.href) != (e.created, e.origin, e.href):
            return None
    # A unit read again holds cables the edit left alone (the other rows of a cables.csv range).
    return {i: b for i, b in before.items() if b._replace(unit=after[i].unit, index=after[i].index) != after[i]}


def affected(archive: Archive, before: Mapping[str, Entry]) -> set[str]:
    """The cables whose page may show something an edit of ``before``'s cables changed: those
    cables, the ones they cite (before and after), cite them, or sit beside them."""
    held = archive.entries
    out = set(before)
    for cable_id, old in before.items():
        for e in (held[cable_id], old):
            out.update(r for r in e.ref_ids if r in held)
        out.update(archive.cited_by.get(cable_id, ()))
        out.update(r for r in archive.neighbours.get(cable_id, ()) if r)
    return out


LISTING_KINDS = ("tag", "origin", "classification", "year", "month")
"""The listings :func:`listing_bases` knows (any other kind is planned whole)."""


def listing_keys(e: Entry) -> list[tuple[str, str]]:
    """(kind, key) of each listing that holds ``e`` (the rules of ``archive.index``): a tag
    ``e`` names twice is there twice, as the tag's list holds it twice."""
    keys = [("tag", t) for t in e.tags]
    keys += [("origin", e.origin or UNKNOWN_ORIGIN), ("classification", e.classification or UNKNOWN_LEVEL)]
    if len(e.created) >= 7:
        keys += [("year", e.created[:4]), ("month", e.created[:7])]
    return keys


_BASES = {"tag": paths.tag_base, "origin": paths.origin_base, "classification": paths.classification_base,
          "year": paths.year_base, "month": paths.month_base}


def listing_bases(e: Entry) -> set[str]:
    """The base paths of the listings that hold ``e``."""
    return {_BASES[kind](key) for kind, key in listing_keys(e)}


def listings(before: Mapping[str, Entry], kept: Mapping[str, Entry]) -> tuple[dict[str, set[str]], set[str]]:
    """For an edit of ``before``'s cables (:func:`edited`): listing base -> the edited cables
    it held or holds; and the bases whose members changed (a tag or classification edited).
    A listing in neither has no edited member; one only in the first lists the cables it
    listed, in the same order (ids and dates stay as they were)."""
    holding: dict[str, set[str]] = {}
    moved: set[str] = set()
    for cable_id, old in before.items():
        now, was = listing_bases(kept[cable_id]), listing_bases(old)
        moved |= now ^ was
        for base in now | was:
            holding.setdefault(base, set()).add(cable_id)
    return holding, moved


def patch_index(last: Archive, kept: dict[str, Entry], before: Mapping[str, Entry]) -> Archive:
    """``archive.index(kept)``, made from ``last`` (the index of the last build's cables) when
    the build only edited ``before``'s cables (:func:`edited`): their ids, dates and origins
    are as they were, so the order, the origin, year and month listings and the neighbours
    are too; only the cited-by lists of what they cite, and their tag and classification
    listings, can change. ``last`` is left as it was (``cablesite serve`` keeps it between
    builds: 1.2 s of a one-cable edit at 251,287 cables went in indexing them all again)."""
    archive = Archive(kept, cited_by=dict(last.cited_by), by_tag=dict(last.by_tag), by_origin=last.by_origin,
                      by_year=last.by_year, by_month=last.by_month,
                      by_classification=dict(last.by_classification), neighbours=last.neighbours,
                      order=last.order, year_of=YearOf(kept), ids=last.ids)

    def newest_first(cable_id: str) -> tuple[str, str]:
        return kept[cable_id].created, cable_id

    for cable_id, old in before.items():
        new = kept[cable_id]
        cites, cited_before = cited(new, kept), cited(old, kept)
        for r in cites ^ cited_before:
            _place(archive.cited_by, r, cable_id, int(r in cites), newest_first, oldest_first=True)
        for t in set(old.tags) | set(new.tags):
            if old.tags.count(t) != new.tags.count(t):
                _place(archive.by_tag, t, cable_id, new.tags.count(t), newest_first)
        was, now = old.classification or UNKNOWN_LEVEL, new.classification or UNKNOWN_LEVEL
        if was != now:
            _place(archive.by_classification, was, cable_id, 0, newest_first)
            _place(archive.by_classification, now, cable_id, 1, newest_first)
    return archive


def cited(e: Entry, kept: Mapping[str, Entry]) -> set[str]:
    """The archive's cables ``e`` cites (``archive.index``'s rule)."""
    return {r for r in e.ref_ids if r in kept and r != e.id}


def _place(lists: dict[str, list[str]], key: str, cable_id: str, times: int, sort_key, oldest_first: bool = False) -> None:
    """``lists[key]`` (a copy of it) holding ``cable_id`` ``times`` times at its place in the
    list's order (newest first, or oldest first); an empty list goes from ``lists``."""
    put(lists, key, remade(lists.get(key, ()), {cable_id}, [cable_id] * times, sort_key, not oldest_first))


def remade(ids: Sequence[str], going: set[str], coming: Sequence[str], sort_key: Callable[[str], object],
           newest_first: bool = True) -> list[str]:
    """``ids`` (in ``sort_key``'s order, descending when ``newest_first``) without ``going``,
    with each of ``coming`` at its place (as many times as it is there): a new list."""
    out = [i for i in ids if i not in going] if going else list(ids)
    for cable_id in coming:
        mine = sort_key(cable_id)
        lo, hi = 0, len(out)
        while lo < hi:  # the first position whose cable comes after this one
            mid = (lo + hi) // 2
            if (sort_key(out[mid]) > mine) if newest_first else (sort_key(out[mid]) < mine):  # type: ignore[operator]
                lo = mid + 1
            else:
                hi = mid
        out.insert(lo, cable_id)
    return out


def put(lists: dict[str, list[str]], key: str, ids: list[str]) -> None:
    """``lists[key] = ids``; an empty list goes from ``lists`` (``archive.index`` keeps none)."""
    if ids:
        lists[key] = ids
    else:
        lists.pop(key, None)
