"""A batch's partial index, made in a worker: what :meth:`.index.SearchIndexer.merge` takes.

:func:`partial` turns cables, each with its doc number and page, into a :class:`Partial`:
each term's body postings already encoded (:mod:`.codec`), subject terms, filters, ids,
and each doc's row and snippet text. :func:`doc_tables` makes the doc-table files
(``search/d/<k>/<n>.js``, :data:`DOC_CHUNK` docs each) from those rows and texts, for the
worker to write, so that the main process does not; :func:`pack` and :func:`unpack` carry the rest to the main process
and the build's cache.

The text indexed is the cable's id, subject and body, as the seed cable gives it::

    07USNATO577 NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2
    1. (C/NF) Summary: In the October 17 NATO-Russia Council ...

becoming terms by the rules of :func:`.tokenizer.term_counts` (``07usnato577``, ``usnato``,
``577``, ``nrc``, ``russians``, ...), each with a weight from its count (:func:`.codec.weight`),
for the whole batch at once (:func:`.columns.body_postings`).
"""

from __future__ import annotations

import gc
import json
import marshal
import re
from array import array
from typing import NamedTuple

from ..model import Cable
from . import codec
from .tokenizer import terms

DOC_CHUNK = 8
"""Cables per doc-table file (metadata and snippet text): 20 results touch at most 20
small files (one file per result shown is the cost that matters: 64 cables a file
and separate text files took twice as long to show a page)."""
TEXT_LIMIT = 2000
"""Characters of each body kept for snippets and phrase checks."""
FOLDER = 1000
"""Files per folder of the chunked kinds (Netlify allows 54,000 entries)."""

_FIRST_PARA = re.compile(r"^[ \t]*(?:\u00b6[ \t]*)?1\.[ \t]", re.MULTILINE)
_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
_NOT_STATION = re.compile(r"[^A-Z0-9]")


def snippet_text(body: str) -> str:
    """What is kept of a body for snippets: from paragraph 1 (past the TAGS/SUBJECT/REF
    preamble) when it starts early, whitespace folded, cut to :data:`TEXT_LIMIT` characters."""
    m = _FIRST_PARA.search(body, 0, 4000)
    text = body[m.start():] if m else body
    # Folding a prefix gives a prefix of the folded text: fold a little more than the limit
    # first (most texts), the whole first 4,000 characters only when that falls short.
    short = " ".join(text[: TEXT_LIMIT + TEXT_LIMIT // 4].split())  # str.split: the whitespace of \s
    if len(short) >= TEXT_LIMIT:
        return short[:TEXT_LIMIT]
    return " ".join(text[: TEXT_LIMIT * 2].split())[:TEXT_LIMIT]


def _station(cable: Cable) -> str:
    m = _ID.match(cable.id)
    station = cable.station or (m.group(2) if m else "")
    return _NOT_STATION.sub("", station.upper())


class Partial(NamedTuple):
    """The index of some docs made in a worker (:func:`partial`), for :meth:`.index.SearchIndexer.merge`."""

    body: dict[str, tuple[int, bytes, int]]
    """term -> (first, rest, last): ``first`` is the first posting's ``doc << 2 | weight``,
    ``rest`` the later postings in :mod:`.codec` gaps, ``last`` the last doc."""
    subject: dict[str, array]
    """term -> docs whose subject holds it, in order."""
    facets: dict[tuple[str, str], array]
    """(kind, value) -> docs: tags, origins, classifications."""
    ids: dict[str, dict[str, int]]
    """station -> {cable id: doc}."""
    rows: dict[int, str]
    """doc -> its doc-table row (JSON, without the snippet text)."""
    days: dict[int, int]
    """doc -> :func:`.codec.day_number` of its date."""
    texts: dict[int, bytes]
    """doc -> its snippet text (:func:`snippet_text`), UTF-8."""


def pack(part: Partial) -> bytes:
    """``part`` as bytes for another process or the cache (:func:`unpack` reads them back):
    ``marshal`` of plain containers, the doc arrays as their bytes. Measured on a batch of
    1,000 cables: 2 ms to write and 7-14 ms to read, against a pickle's 5-8 and 9-20 ms."""
    return marshal.dumps((
        part.body, {t: a.tobytes() for t, a in part.subject.items()},
        {k: a.tobytes() for k, a in part.facets.items()}, part.ids, part.rows, part.days, part.texts))


def _docs(data: bytes) -> array:
    docs = array("I")
    docs.frombytes(data)
    return docs


def unpack(data: bytes) -> Partial:
    """The partial index :func:`pack` wrote; ValueError, EOFError or TypeError when the bytes
    are not one (a damaged cache file)."""
    body, subject, facets, ids, rows, days, texts = marshal.loads(data)
    if not all(isinstance(x, dict) for x in (body, subject, facets, ids, rows, days, texts)):
        raise ValueError("not a partial index")
    return Partial(body, {t: _docs(b) for t, b in subject.items()},
                   {k: _docs(b) for k, b in facets.items()}, ids, rows, days, texts)


def doc_table(c: int, docs: list[tuple[str, str] | None]) -> tuple[str, bytes]:
    """Doc-table file ``c``: each doc's row (JSON) with its snippet text appended, ``null``
    for a gap; none for the gaps at its end."""
    key = f"d/{c // FOLDER}/{c}"
    while docs and docs[-1] is None:  # the doc numbers between two batches (searchplan.Batches)
        docs = docs[:-1]
    rows = ",".join("null" if d is None else f"{d[0][:-1]},{json.dumps(d[1], ensure_ascii=True)}]"
                    for d in docs)
    return f"search/{key}.js", f'CablesiteSearch.register("{key}",[{rows}]);\n'.encode("ascii")


def partial_doc_table(c: int, n: int, rows: dict[int, str], texts: dict[int, bytes]) -> tuple[str, bytes]:
    """Doc-table file ``c`` (docs below ``n``) from a partial index's rows and texts."""
    start = c * DOC_CHUNK
    return doc_table(c, [(rows[d], texts.get(d, b"").decode("utf-8", "replace")) if d in rows else None
                         for d in range(start, min(n, start + DOC_CHUNK))])


def doc_tables(part: Partial, offset: int = 0) -> tuple[list[tuple[str, bytes]], Partial]:
    """The doc-table files of a partial index's docs, their numbers moved up by ``offset``,
    and the partial without them (what :meth:`.index.SearchIndexer.merge` then needs). A
    worker writes them, so the merge does not.

    The docs must fill their chunks of :data:`DOC_CHUNK` alone: a batch's first doc number
    is a multiple of it (``searchplan.Batches``)."""
    if offset % DOC_CHUNK:
        raise ValueError("a batch's docs must start a doc-table chunk")
    rows = {d + offset: r for d, r in part.rows.items()} if offset else part.rows
    texts = {d + offset: t for d, t in part.texts.items()} if offset else part.texts
    docs = sorted(rows)
    files = []
    if docs:
        n = docs[-1] + 1
        files = [partial_doc_table(c, n, rows, texts)
                 for c in range(docs[0] // DOC_CHUNK, (n + DOC_CHUNK - 1) // DOC_CHUNK)]
    return files, part._replace(rows={}, texts={})


def posting_pairs(first: int, rest: bytes) -> list[tuple[int, int]]:
    """(doc, weight) of postings given as :attr:`Partial.body` holds them."""
    doc = first >> 2
    out = [(doc, first & 3)]
    for v in codec.decode(rest):
        doc += (v >> 2) + 1
        out.append((doc, v & 3))
    return out


def partial(docs: list[tuple[int, Cable, str]]) -> Partial:
    """The partial index of ``docs`` (doc, cable, href), made in a worker for :meth:`.index.SearchIndexer.merge`.

    The body postings of the whole batch are made at once (:func:`.columns.body_postings`:
    0.17 ms a cable, against 0.33 ms for tokenizing, inverting and encoding cable by cable)."""
    # imported here: Arrow and NumPy take 0.1 s to import, and only indexing needs them
    from .columns import body_postings

    collecting = gc.isenabled()
    gc.disable()  # only acyclic containers are made here; a full collection per batch costs 40%
    try:
        ordered = sorted(docs, key=lambda d: d[0])
        subject: dict[str, array] = {}
        facets: dict[tuple[str, str], array] = {}
        ids: dict[str, dict[str, int]] = {}
        rows: dict[int, str] = {}
        days: dict[int, int] = {}
        texts: dict[int, bytes] = {}
        for doc, cable, href in ordered:
            for term in sorted(set(terms(cable.subject))):
                subject.setdefault(term, array("I")).append(doc)
            for kind, values in (("tag", cable.tags), ("origin", (cable.origin,)),
                                 ("classification", (cable.classification,))):
                for v in dict.fromkeys(v for v in values if v):
                    facets.setdefault((kind, v), array("I")).append(doc)
            station = _station(cable)
            if station:
                ids.setdefault(station, {})[cable.id] = doc
            rows[doc] = json.dumps(
                [cable.id, cable.created[:10], cable.subject, cable.origin, cable.classification,
                 href, " ".join(cable.tags)], ensure_ascii=True, separators=(",", ":"))
            days[doc] = codec.day_number(cable.created)
            texts[doc] = snippet_text(cable.body).encode("utf-8")
        body = body_postings([f"{cable.id} {cable.subject}\n{cable.body}" for _doc, cable, _href in ordered],
                             [doc for doc, _cable, _href in ordered])
        return Partial(body, subject, facets, ids, rows, days, texts)
    finally:
        if collecting:
            gc.enable()
