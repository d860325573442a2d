"""A batch's partial index, made in a worker: what :meth:`.index.SearchIndexer.merge` takes.

:func:`partial` turns cables, each with its doc number and page, into a :class:`Partial`:
each term's body postings already encoded (:mod:`.codec`), subject terms, filters, ids,
and each doc's row and snippet text. :func:`cached` turns it into the form the build caches:
the rows of its doc-table files (``search/d/<k>/<n>.js``, :data:`DOC_CHUNK` docs each), for
the worker to write (:func:`tables_at`) so that the main process does not, and the rest
packed (:func:`pack`; :func:`unpack` reads it in the main process).

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

import xxhash

from ..model import Cable
from . import codec
from .tokenizer import term_counts, terms

FEW = 16
"""Docs up to which :func:`partial` makes the body postings cable by cable
(:func:`plain_postings`): an edit's patch indexes one or two cables, and importing Arrow and
NumPy for them took 0.3-0.7 s of a worker's time in an edit of the release."""
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
    return table_file(c, _table_rows(docs))


def _table_rows(docs: list[tuple[str, str] | None]) -> bytes:
    while docs and docs[-1] is None:  # the doc numbers between two batches (searchplan.Batches)
        docs = docs[:-1]
    return ",".join("null" if d is None else f"{d[0][:-1]},{json.dumps(d[1], ensure_ascii=True)}]"
                    for d in docs).encode("ascii")


def table_entries(entries: list) -> list[tuple[str, str] | None]:
    """A doc table's entries read back (JSON arrays, ``null`` for a gap) as :func:`doc_table`
    takes them: each doc's row (JSON, as :func:`partial` writes it) and snippet text."""
    return [None if e is None else (json.dumps(e[:-1], ensure_ascii=True, separators=(",", ":")), e[-1])
            for e in entries]


def table_file(c: int, rows: bytes) -> tuple[str, bytes]:
    """Doc-table file ``c`` holding ``rows`` (:func:`doc_table`'s, between its brackets)."""
    key = f"d/{c // FOLDER}/{c}"
    return f"search/{key}.js", b'CablesiteSearch.register("%s",[%s]);\n' % (key.encode("ascii"), rows)


class Cached(NamedTuple):
    """A batch's partial index as the build caches it (:func:`cached`), its docs numbered
    from 0: the workers write its doc tables wherever the batch lies (:func:`tables_at`) and
    hand the rest to the merge, neither unpacking nor packing it again."""

    tables: list[bytes]
    """The rows of each of its doc-table chunks (:func:`table_file`), chunk 0 first."""
    rest: bytes
    """The partial without its rows and texts, packed (:func:`pack`)."""


_MAGIC = b"cablesite partial 1\0"
"""What a cached partial's file starts with; a checksum of the rest follows it."""


def cached(part: Partial) -> Cached:
    """The cached form of a batch's partial index numbered from 0 (its docs fill chunks from
    0, as a batch's do)."""
    n = max(part.rows) + 1 if part.rows else 0
    tables = [_table_rows([(part.rows[d], part.texts.get(d, b"").decode("utf-8", "replace"))
                           if d in part.rows else None for d in range(c, min(n, c + DOC_CHUNK))])
              for c in range(0, n, DOC_CHUNK)]
    return Cached(tables, pack(part._replace(rows={}, texts={})))


def tables_at(tables: list[bytes], offset: int) -> list[tuple[str, bytes]]:
    """The doc-table files of a batch whose docs start at ``offset`` (:attr:`Cached.tables`):
    a batch's first doc number is a multiple of :data:`DOC_CHUNK` (``searchplan.Batches``),
    so its chunks' rows are the same wherever it lies; only their files' names move."""
    if offset % DOC_CHUNK:
        raise ValueError("a batch's docs must start a doc-table chunk")
    return [table_file(offset // DOC_CHUNK + i, rows) for i, rows in enumerate(tables)]


def dump_cached(form: Cached) -> bytes:
    """The bytes of a cached partial's file: a checksum over ``marshal`` of its parts, so that
    a damaged file is made again (:func:`load_cached`), not merged."""
    data = marshal.dumps((form.tables, form.rest))
    return _MAGIC + xxhash.xxh3_64_digest(data) + data


def load_cached(data: bytes) -> Cached:
    """What :func:`dump_cached` wrote; ValueError when ``data`` is not that (damaged, or
    written by other code)."""
    head = len(_MAGIC) + 8
    body = memoryview(data)[head:]  # checked and read in place: a batch's file is megabytes
    if data[: len(_MAGIC)] != _MAGIC or xxhash.xxh3_64_digest(body) != data[len(_MAGIC) : head]:
        raise ValueError("not a cached partial index")
    try:
        tables, rest = marshal.loads(body)
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError("not a cached partial index") from exc
    if not (isinstance(tables, list) and all(type(t) is bytes for t in tables) and type(rest) is bytes):
        raise ValueError("not a cached partial index")
    return Cached(tables, rest)


def posting_pairs(first: int, rest: bytes) -> list[tuple[int, int]]:
    """(doc, weight) of postings given as :attr:`Partial.body` holds them."""
    doc = first >> 2
    out = [(doc, first & 3)]
    for v in codec.decode(rest):
        doc += (v >> 2) + 1
        out.append((doc, v & 3))
    return out


def plain_postings(texts: list[str], docs: list[int]) -> dict[str, tuple[int, bytes, int]]:
    """Body postings as :attr:`Partial.body` holds them, made the plain way: each text's
    :func:`.tokenizer.term_counts`, each term's (doc, weight) in doc order (``docs``
    ascending), written as gaps. :func:`.columns.body_postings` gives the same bytes for a
    batch at once."""
    postings: dict[str, list[tuple[int, int]]] = {}
    for doc, text in zip(docs, texts, strict=True):
        for term, count in term_counts(text).items():
            postings.setdefault(term, []).append((doc, codec.weight(count)))
    return {term: _body_entry(pairs) for term, pairs in postings.items()}


def _body_entry(pairs: list[tuple[int, int]]) -> tuple[int, bytes, int]:
    """(doc, weight) pairs, docs ascending, as :attr:`Partial.body` holds a term's postings."""
    rest = bytearray()
    for (p, _), (d, w) in zip(pairs, pairs[1:], strict=False):
        codec.put(rest, (d - p - 1) << 2 | w)
    return pairs[0][0] << 2 | pairs[0][1], bytes(rest), pairs[-1][0]


def edit_cached(form: Cached, old: Partial, new: Partial) -> Cached | None:
    """A batch's cached partial index (numbered from 0) with some docs' index replaced:
    ``old`` and ``new`` index those docs alone, numbered as in the batch, before and after an
    edit. None when the edit changed their dates, filters or ids (the batch is then indexed
    again when its partial is next needed)."""
    if old.rows.keys() != new.rows.keys() or old.facets != new.facets or old.ids != new.ids or old.days != new.days:
        return None
    part = unpack(form.rest)
    span = set(new.rows)
    body = dict(part.body)
    for term in old.body.keys() | new.body.keys():
        pairs = {d: w for d, w in posting_pairs(*body[term][:2]) if d not in span} if term in body else {}
        if term in new.body:
            pairs.update(posting_pairs(*new.body[term][:2]))
        if pairs:
            body[term] = _body_entry(sorted(pairs.items()))
        else:
            body.pop(term, None)
    subject = dict(part.subject)
    for term in old.subject.keys() | new.subject.keys():
        docs = {d for d in subject.get(term, ()) if d not in span} | set(new.subject.get(term, ()))
        if docs:
            subject[term] = array("I", sorted(docs))
        else:
            subject.pop(term, None)
    tables = list(form.tables)
    for c in sorted({d // DOC_CHUNK for d in span}):
        rows = table_entries(json.loads(b"[" + tables[c] + b"]"))
        for d in span:
            if d // DOC_CHUNK == c:
                rows[d % DOC_CHUNK] = (new.rows[d], new.texts.get(d, b"").decode("utf-8", "replace"))
        tables[c] = _table_rows(rows)
    return Cached(tables, pack(part._replace(body=body, subject=subject)))


def partial(docs: list[tuple[int, Cable, str]]) -> Partial:
    """The partial index of ``docs`` (doc, cable, href), made in a worker for :meth:`.index.SearchIndexer.merge`.

    The body postings of a batch are made at once (:func:`.columns.body_postings`: 0.17 ms a
    cable, against 0.33 ms for tokenizing, inverting and encoding cable by cable); those of
    :data:`FEW` docs or fewer cable by cable (:func:`plain_postings`), without importing
    Arrow and NumPy for them."""
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
        texts_in = [f"{cable.id} {cable.subject}\n{cable.body}" for _doc, cable, _href in ordered]
        numbers = [doc for doc, _cable, _href in ordered]
        if len(ordered) <= FEW:
            body = plain_postings(texts_in, numbers)
        else:  # imported here: Arrow and NumPy take 0.3 s to import, and only indexing needs them
            from .columns import body_postings

            body = body_postings(texts_in, numbers)
        return Partial(body, subject, facets, ids, rows, days, texts)
    finally:
        if collecting:
            gc.enable()
