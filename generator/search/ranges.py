"""Patch the search index in ``output/`` for batches whose docs were renumbered in place.

An add or a delete of a cable changes its batch (``searchplan.Batches``): the docs after it
in the batch move by one. The batch keeps its first doc number, and unless it gains or
loses a doc-table chunk (one add in eight), its range of doc numbers: every other batch
keeps its docs' numbers. So the index a full build would make differs from the one in
``output/`` only inside that range, and :func:`patch` rewrites only that: each term's
postings inside the range (its old postings there replaced by the batch's new partial
index), the filters', the id tables', the dates' and ``meta.js``. A full build instead
merges every batch's partial index, at 251,287 cables the most of an add's time.

Locating a range in a long posting list means decoding the gaps before it: :func:`locate`
does that with NumPy for long lists, in plain Python for short ones.

The result is the bytes a full build would write (``tests/test_search_update.py`` compares
them); anything this cannot patch (a batch whose range moved, an index of another version)
gives ``None``, and the build makes the whole index.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from . import codec
from .index import VERSION, _facet_file, _script
from .partials import DOC_CHUNK, FOLDER, Partial
from .update import Patch, read_script, rewrite_groups, term_patch

LONG = 256
"""Characters of postings from which :func:`locate` decodes with NumPy (a call costs tens of
microseconds, as long as the plain loop over a few hundred characters)."""

_VALUES = np.zeros(256, np.uint8)
"""Byte -> its value (:mod:`.codec`)."""
_VALUES[np.frombuffer(codec.ALPHABET.encode("ascii"), np.uint8)] = np.arange(64, dtype=np.uint8)
_GOES_ON = _VALUES >= 32
"""Bytes after which a number goes on (values 32 to 63)."""
_ENDS = np.zeros(256, bool)
_ENDS[np.frombuffer(codec.ALPHABET[:32].encode("ascii"), np.uint8)] = True
_STEP = np.stack([((_VALUES & 31) >> shift) + _ENDS for shift in (0, 2)]).astype(np.uint8)
"""For unweighted (0) and weighted (1) postings, byte -> what it adds to the running doc count
as the first byte of a number: its value's bits above the weight's, and 1 if the number ends
there (a doc is ``gap - 1`` past the last one)."""
_LAST = frozenset(codec.ALPHABET[:32])


def _running(data: np.ndarray, shift: int) -> np.ndarray:
    """For each byte of a posting list (whole numbers only), the doc count so far: at the
    last byte of each number, its doc plus one (in between, no more than that)."""
    steps = _STEP[shift >> 1][data]
    later = np.flatnonzero(_GOES_ON[data]) + 1  # the bytes of a number after its first
    if not len(later):  # every number one byte: most of a common word's gaps
        return np.cumsum(steps, dtype=np.int64)
    place = np.ones(len(later), np.int64)  # how far into its number each of them is
    run = np.ones(len(later), bool)
    back = later - 1
    while True:
        back = back - 1
        run &= (back >= 0) & _GOES_ON[data[np.maximum(back, 0)]]
        if not run.any():
            break
        place += run
    values = (_VALUES[data[later]] & 31).astype(np.int64)
    counts = steps.astype(np.int64)
    counts[later] += ((values << (5 * place)) >> shift) - (values >> shift)
    return np.cumsum(counts, out=counts)


def locate(text: str, lo: int, hi: int, weighted: bool) -> tuple[int, int, int, tuple[int, int] | None]:
    """Where the postings of docs ``lo`` to ``hi`` lie in ``text``: ``(cut, before, end, after)``,
    the text from ``cut`` to ``end`` holding them and the first posting past ``hi``
    (``after``: its doc and weight, None when there is none and ``end`` is the text's end);
    ``before`` is the last doc ahead of ``lo`` (-1 when none)."""
    shift = 2 if weighted else 0
    if len(text) >= LONG and text[-1] in _LAST:  # whole numbers (else the plain way drops the cut one)
        data = np.frombuffer(text.encode("ascii"), np.uint8)
        docs = _running(data, shift)  # doc + 1, at each number's last byte
        cut = int(np.searchsorted(docs, lo + 1))  # in the first number whose doc is lo or more
        while cut and _GOES_ON[data[cut - 1]]:
            cut -= 1
        before = int(docs[cut - 1]) - 1 if cut else -1
        j = int(np.searchsorted(docs, hi + 2))  # in the first number whose doc is past hi
        if j == len(data):
            return cut, before, len(text), None
        start = j
        while start and _GOES_ON[data[start - 1]]:
            start -= 1
        while _GOES_ON[data[j]]:
            j += 1
        value = next(iter(codec.decode(text[start : j + 1])))
        return cut, before, j + 1, (int(docs[j]) - 1, value & 3 if weighted else 0)
    cut, before, doc, begin = -1, -1, -1, 0
    for end, value in _plain(text):
        doc += (value >> shift) + 1
        if doc > hi:
            return (cut if cut >= 0 else begin), before, end, (doc, value & 3 if weighted else 0)
        if doc < lo:
            before = doc
        elif cut < 0:
            cut = begin
        begin = end
    return (cut if cut >= 0 else len(text)), before, len(text), None


def _plain(text: str) -> Iterator[tuple[int, int]]:
    """(index past it, value) of each number of ``text``, in plain Python."""
    value = shift = 0
    for i, c in enumerate(text):
        d = codec._VALUE[c]
        value |= (d & 31) << shift
        if d & 32:
            shift += 5
        else:
            yield i + 1, value
            value = shift = 0


def replace(text: str, lo: int, hi: int, first: tuple[int, int] | None, rest: bytes, last: int,
            weighted: bool) -> str:
    """``text`` with its postings of docs ``lo`` to ``hi`` replaced by a run given as a
    partial holds it: ``first`` (doc, weight) or None for no posting, ``rest`` the later
    postings' gaps as written, ``last`` the run's last doc."""
    cut, before, end, after = locate(text, lo, hi, weighted)
    shift = 2 if weighted else 0
    out = bytearray()
    prev = before
    if first is not None:
        codec.put(out, (first[0] - before - 1) << shift | first[1])
        out += rest
        prev = last
    if after is not None:
        codec.put(out, (after[0] - prev - 1) << shift | after[1])
    return text[:cut] + out.decode("ascii") + text[end:]


def _docs_run(docs: Iterable[int], offset: int) -> tuple[tuple[int, int] | None, bytes, int]:
    """Doc numbers (sorted) as :func:`replace` takes a run, unweighted, moved by ``offset``."""
    ordered = [d + offset for d in sorted(set(docs))]
    if not ordered:
        return None, b"", -1
    rest = bytearray()
    for a, b in zip(ordered, ordered[1:], strict=False):
        codec.put(rest, b - a - 1)
    return (ordered[0], 0), bytes(rest), ordered[-1]


def _size(part: Partial) -> int:
    """Docs of a batch's partial numbered from 0: one past its last."""
    return max(part.days) + 1 if part.days else 0


def patch(output: Path, ranges: list[tuple[int, Partial, Partial]]
          ) -> tuple[dict[str, bytes], list[str]] | None:
    """The files to write (path -> bytes) and to remove, for batches starting at doc ``start``
    whose partial index (numbered from 0) went from the first to the second; ``None`` when
    only a full build can say. The doc-table files are not among them: the workers write
    those of the new partials (``workers.index_task``), and remove none."""
    root = output / "search"
    try:
        meta = read_script(root / "meta.js")
        dates = read_script(root / "dates.js")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != VERSION or not isinstance(dates, str):
        return None
    n = meta["docs"]
    if len(dates) != 3 * n:
        return None
    spans: list[tuple[int, int, int, Partial, Partial]] = []
    """Each batch's first doc, last doc of its range, the docs after it, and its partials."""
    files: dict[str, bytes] = {}
    removed: list[str] = []
    for start, old, new in ranges:
        old_end, new_end = (start + -(-_size(p) // DOC_CHUNK) * DOC_CHUNK for p in (old, new))
        if not old.days or not new.days or start % DOC_CHUNK or start + _size(old) > n:
            return None
        tail = start + _size(old) == n  # the last batch: its range may grow or shrink
        if not tail and old_end != new_end:
            return None  # the later batches' doc numbers moved
        hi = (1 << 40) if tail else old_end - 1
        spans.append((start, hi, start + _size(new) if tail else n, old, new))
        gone = range(-(-(start + _size(new)) // DOC_CHUNK), -(-(start + _size(old)) // DOC_CHUNK))
        removed += [f"search/d/{c // FOLDER}/{c}.js" for c in gone]  # a tail batch's last chunks
    patches: dict[str, list[Patch]] = {}
    for start, hi, _n, old, new in spans:
        for term in old.body.keys() | new.body.keys():  # a subject's terms are its body's too
            if old.body.get(term) != new.body.get(term) or old.subject.get(term) != new.subject.get(term):
                patches.setdefault(term, []).append(_term_patch(start, hi, new.body.get(term), new.subject.get(term)))
    shards = rewrite_groups(root, set(meta["shards"]), patches, files, removed)
    if shards is None:
        return None
    facets_changed = _patch_facets(root, meta, spans, files, removed)
    stations = _patch_ids(root, meta, spans, files, removed)
    if facets_changed is None or stations is None:
        return None
    for start, hi, new_n, _old, new in spans:
        end = min(hi + 1, new_n)
        dates = dates[: 3 * start] + "".join(codec.day_chars(new.days.get(d - start, 0))
                                              for d in range(start, end)) + dates[3 * min(hi + 1, n):]
        n = len(dates) // 3
    files["search/dates.js"] = _script("dates", dates)
    if shards != set(meta["shards"]) or facets_changed or stations != meta["stations"] or n != meta["docs"]:
        meta["shards"], meta["stations"], meta["docs"] = sorted(shards), stations, n
        files["search/meta.js"] = _script("meta", meta)
    return files, removed


def _term_patch(start: int, hi: int, body: tuple[int, bytes, int] | None, subject: array | None) -> Patch:
    """What replaces a term's postings of docs ``start`` to ``hi`` by a batch's (its partial's
    ``body`` and ``subject`` entries, numbered from 0; None where the batch lacks the term)."""
    run = ((start + (body[0] >> 2), body[0] & 3), body[1], start + body[2]) if body else (None, b"", -1)
    subject_run = _docs_run(subject or (), start)
    return term_patch(lambda text: replace(text, start, hi, *run, weighted=True),
                      lambda text: replace(text, start, hi, *subject_run, weighted=False))


def _patch_facets(root: Path, meta: dict, spans: list, files: dict[str, bytes], removed: list[str]) -> bool | None:
    """Rewrite the filter files whose docs changed in the ranges; whether ``meta``'s list of
    them changed (None: a file could not be read)."""
    keys = {k for _s, _h, _n, old, new in spans for k in old.facets.keys() | new.facets.keys()
            if old.facets.get(k) != new.facets.get(k)}
    changed = False
    for kind, value in sorted(keys):
        key = _facet_file(kind, value)
        listed = meta["facets"].setdefault(kind, {})
        text = ""
        if value in listed:
            try:
                text = read_script(root / f"{key}.js")
            except (OSError, ValueError, UnicodeDecodeError):
                return None
            if not isinstance(text, str):
                return None
        for start, hi, _n, _old, new in spans:
            text = replace(text, start, hi, *_docs_run(new.facets.get((kind, value), ()), start), weighted=False)
        if text:
            files[f"search/{key}.js"] = _script(key, text)
            changed |= value not in listed
            listed[value] = key
        elif value in listed:
            removed.append(f"search/{key}.js")
            del listed[value]
            changed = True
    return changed


def _patch_ids(root: Path, meta: dict, spans: list, files: dict[str, bytes], removed: list[str]) -> list[str] | None:
    """Rewrite the id tables of the stations whose ids changed in the ranges; the stations
    after it (None: a file could not be read)."""
    stations = set(meta["stations"])
    for station in sorted({s for _s, _h, _n, old, new in spans for s in old.ids.keys() | new.ids.keys()
                           if old.ids.get(s) != new.ids.get(s)}):
        table: object = {}
        if station in stations:
            try:
                table = read_script(root / "id" / f"{station}.js")
            except (OSError, ValueError, UnicodeDecodeError):
                return None
            if not isinstance(table, dict):
                return None
        for start, _h, _n, old, new in spans:
            for cable_id in old.ids.get(station, {}):
                table.pop(cable_id, None)
            table.update({i: d + start for i, d in new.ids.get(station, {}).items()})
        if table:
            files[f"search/id/{station}.js"] = _script(f"id/{station}", table)
            stations.add(station)
        elif station in stations:
            removed.append(f"search/id/{station}.js")
            stations.discard(station)
    return sorted(stations)

