"""What an add or a delete changed: the index patched, and the pages a rebuild must plan again.

``delta.py`` plans an edit that leaves every cable where it was. A cable added, deleted, or
edited so that it moves (its date or origin changed) shifts the listings that hold it, and
``delta.edited`` gives up: every page was planned again, 5-6 s of the 14-17 s that adding
one cable to the 251,287 of the release took. Here such a change is a :class:`Moves`: the
last parses of the cables that went (or changed), and the parses of those that came (or
changed). Then:

- :func:`patch` makes ``archive.index`` of the new cables from the last build's index: each
  list that holds a cable that went or came is made again around it, the others are shared;
- :func:`affected`: the cables whose page may show one of them (those that cite or are cited
  by them, and their neighbours of the same origin, before and after);
- :func:`listings`: the listings that held or hold one of them; the others list what they
  listed (``plan.pages`` keeps their pages' keys).

Anything else (an id held twice, before or now; more than :data:`MAX_MOVED` cables) is
``None``: every page is planned, as on a clean build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from .archive import UNKNOWN_ORIGIN, Archive, Entry, Neighbours, YearOf
from .delta import Units, cited, listing_bases, listing_keys, put, remade

MAX_MOVED = 1000
"""More cables went or came than this: plan every page (a batch of the release's days was
about that size; beyond it, remaking each list around them costs more than indexing)."""


class Moves(NamedTuple):
    """The cables that went and came between the last build and this one."""

    gone: dict[str, Entry]
    """Id -> last parse, of the cables of the last build that went or changed."""
    came: dict[str, Entry]
    """Id -> parse, of the cables of this build that came or changed."""
    last: Archive
    """The last build's index (its cables' citers and neighbours)."""


def moved(old_units: Units, new_units: Units, entries: Sequence[Entry], kept: Mapping[str, Entry],
          changed: set[str], last: Archive) -> Moves | None:
    """The cables that went and came, from the units that went and came (``changed``, their
    keys), when no id is held twice (before or now) and they are at most :data:`MAX_MOVED`;
    ``None`` otherwise. A cable read again as it was (another row of a re-read range of a
    ``cables.csv``) is in neither."""
    if not changed or not isinstance(kept, dict) or len(entries) != len(kept):
        return None
    gone_list = [e for k in changed if k not in new_units for e in old_units[k][0]]
    came_list = [e for k in changed if k in new_units for e in new_units[k][0]]
    # No id twice in the last build either: its index held one cable per entry of its units.
    if len(last.order) != len(kept) + len(gone_list) - len(came_list):
        return None
    gone = {e.id: e for e in gone_list}
    came = {e.id: e for e in came_list}
    if len(gone) != len(gone_list) or len(came) != len(came_list):
        return None
    for cable_id in gone.keys() & came.keys():
        if gone[cable_id]._replace(unit="", index=0) == came[cable_id]._replace(unit="", index=0):
            del gone[cable_id], came[cable_id]
    if len(gone) + len(came) > MAX_MOVED:
        return None
    return Moves(gone, came, last)


def patch(moves: Moves, kept: dict[str, Entry]) -> Archive:
    """``archive.index(kept)``, made from the last build's index (``moves.last``, left as it
    was): the lists that hold a cable that went or came are made again, the others shared."""
    last, gone, came = moves.last, moves.gone, moves.came

    def newest_first(cable_id: str) -> tuple[str, str]:
        return kept[cable_id].created, cable_id

    out = Archive(kept, cited_by=dict(last.cited_by), by_tag=dict(last.by_tag), by_origin=dict(last.by_origin),
                  by_year=dict(last.by_year), by_month=dict(last.by_month),
                  by_classification=dict(last.by_classification), year_of=YearOf(kept))
    out.order = remade(last.order, set(gone), list(came), newest_first)
    out.ids = remade(last.ids, set(gone), list(came), str, newest_first=False)
    going: dict[tuple[str, str], set[str]] = {}
    coming: dict[tuple[str, str], list[str]] = {}
    for cable_id, e in gone.items():
        for kind_key in listing_keys(e):
            going.setdefault(kind_key, set()).add(cable_id)
    for cable_id, e in came.items():
        for kind_key in listing_keys(e):
            coming.setdefault(kind_key, []).append(cable_id)
    for kind, key in going.keys() | coming.keys():
        lists = getattr(out, f"by_{kind}")
        put(lists, key, remade(lists.get(key, ()), going.get((kind, key), set()), coming.get((kind, key), []),
                               newest_first))
    _patch_cited_by(out.cited_by, gone, came, kept, newest_first)
    out.neighbours = Neighbours(out.by_origin, kept)
    return out


def _patch_cited_by(cited_by: dict[str, list[str]], gone: dict[str, Entry], came: dict[str, Entry],
                    kept: Mapping[str, Entry], sort_key: Callable[[str], tuple[str, str]]) -> None:
    """``cited_by`` (a copy of the last index's) as ``archive.index`` makes it for ``kept``:
    oldest citer first, each citer once."""
    new_ids = {i for i in came if i not in gone}
    """Cables the last build did not hold: their citers may be any cable (a reference that did
    not resolve then): those are found by a pass over the cables' references."""
    going: dict[str, set[str]] = {}
    coming: dict[str, list[str]] = {}
    for cable_id, e in gone.items():
        for r in cited(e, kept):  # (the lists of the cables that went go below)
            going.setdefault(r, set()).add(cable_id)
    for cable_id, e in came.items():
        for r in cited(e, kept) - new_ids:
            coming.setdefault(r, []).append(cable_id)
    for cable_id in gone:
        if cable_id not in kept:
            cited_by.pop(cable_id, None)
    for r in going.keys() | coming.keys():
        put(cited_by, r, remade(cited_by.get(r, ()), going.get(r, set()), coming.get(r, []), sort_key,
                                newest_first=False))
    if new_ids:
        citers: dict[str, list[str]] = {}
        for e in kept.values():
            if e.ref_ids and not new_ids.isdisjoint(e.ref_ids):
                for r in new_ids.intersection(e.ref_ids):
                    if r != e.id:
                        citers.setdefault(r, []).append(e.id)
        for r, ids in citers.items():
            cited_by[r] = sorted(ids, key=sort_key)


def affected(moves: Moves, archive: Archive) -> set[str]:
    """The cables of ``archive`` whose page may show a cable that went or came: those, the ones
    they cite, the ones citing them and their neighbours of the same origin, before and after."""
    held, last = archive.entries, moves.last
    out: set[str] = set(moves.came)
    for cable_id, e in moves.came.items():
        out.update(e.ref_ids)
        out.update(archive.cited_by.get(cable_id, ()))
        out.update(archive.neighbours.get(cable_id, ()))
    for cable_id, e in moves.gone.items():
        out.update(e.ref_ids)
        out.update(last.cited_by.get(cable_id, ()))
        ids = last.by_origin.get(e.origin or UNKNOWN_ORIGIN, [])
        at = ids.index(cable_id)
        out.update(ids[max(at - 1, 0) : at + 2])
    return {i for i in out if i in held}


def listings(moves: Moves) -> dict[str, set[str]]:
    """Listing base -> the cables that went from it or came to it."""
    holding: dict[str, set[str]] = {}
    for entries in (moves.gone, moves.came):
        for cable_id, e in entries.items():
            for base in listing_bases(e):
                holding.setdefault(base, set()).add(cable_id)
    return holding
