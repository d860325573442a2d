"""What an edit changed: the cables whose pages and listings a rebuild must plan again.

The plan hashes every page's inputs into its key (``site.py``); at 251,287 cables that is
a pass over every cable page and every listing's rows. When the build only edited cables,
leaving each one's id, date and origin as they were, a page can change only if it shows
one of them, and the others keep the keys the build record holds:

- a cable page shows the cables it cites and is cited by and its two neighbours of the
  same origin (:func:`affected`);
- a listing shows its members (an unchanged listing has no edited member, the same size
  and the same fields: see ``build._plan_pages``); when its members are the ones it had
  (:func:`listings`), only its pages that show an edited cable can change.

Anything else (a cable added or deleted, a date or origin changed, a duplicate id, a unit
missing from the record) returns ``None``: every page is planned, as on any other build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import paths
from .archive import UNKNOWN_LEVEL, UNKNOWN_ORIGIN, Archive, Entry
from .model import Diagnostic

Units = Mapping[str, tuple[list[Entry], list[Diagnostic]]]

MAX_EDITED = 2000
"""More cables changed than this: plan every page (the pass costs less than the checks)."""


def edited(old_units: Units, new_units: Units, entries: Iterable[Entry],
           kept: Mapping[str, Entry]) -> dict[str, Entry] | None:
    """Id -> its last parse, of every cable that the build's new units hold and that changed,
    when they are all edits of cables that stay where they were; ``None`` otherwise."""
    gone = [e for k in old_units.keys() - new_units.keys() for e in old_units[k][0]]
    came = [e for k in new_units.keys() - old_units.keys() for e in new_units[k][0]]
    if not came and not gone and old_units.keys() == new_units.keys():
        return {}  # files touched, none changed (a checkout, an editor's save): the same cables
    if not came or len(came) != len(gone) or len(came) > MAX_EDITED:
        return None
    before = {e.id: e for e in gone}
    after = {e.id: e for e in came}
    if len(before) != len(gone) or len(after) != len(came) or before.keys() != after.keys():
        return None
    if sum(e.id in after for e in entries) != len(after):  # another file holds one of the ids
        return None
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


def listing_bases(e: Entry) -> set[str]:
    """The base paths of the listings that hold ``e`` (the rules of ``archive.index``)."""
    bases = {paths.tag_base(t) for t in e.tags}
    bases.add(paths.origin_base(e.origin or UNKNOWN_ORIGIN))
    bases.add(paths.classification_base(e.classification or UNKNOWN_LEVEL))
    if len(e.created) >= 7:
        bases.update((paths.year_base(e.created[:4]), paths.month_base(e.created[:7])))
    return bases


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
