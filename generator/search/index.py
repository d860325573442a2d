"""The offline search index: :class:`SearchIndexer` turns cables into small JS files.

Every file under ``search/`` is a script calling the page's registration function,
``window.CablesiteSearch.register("t/n/tnat", {...})`` with the file's key (its path
without ``.js``), so pages opened from disk can load them with ``<script>`` elements
(browsers refuse ``fetch`` of ``file://`` URLs). Files:

``search/meta.js``
    counts, chunk sizes, the term-shard prefixes, the stations, the facet files.
``search/t/<c>/t<prefix>.js``
    terms starting with ``prefix`` -> ``[body postings, subject postings]`` (:mod:`.codec`).
    Shards start at two characters and split one character further while above
    :data:`SHARD_BYTES`; a term lives in the shard of its longest listed prefix.
``search/f/<kind>/<name>.js``
    postings of one tag, origin or classification (filters).
``search/id/<STATION>.js``
    id -> doc for the cables of one station (id queries).
``search/dates.js``
    every doc's date, 3 characters each (date filters, date order, ties).
``search/d/<k>/<n>.js``
    doc table chunk ``n``: ``[id, date, subject, origin, classification, href, tags, text]``,
    text being the first :data:`TEXT_LIMIT` characters of the body (snippets, phrases).

Body postings index the id, subject and body; stop words (tokenizer) are left out.
Doc numbers are those the build gives (0..N-1); output is the same bytes whatever
order cables or partial indexes arrive in.
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import re
import tempfile
from array import array
from collections import defaultdict, deque
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter, sub
from typing import NamedTuple

from ..model import Cable
from . import codec
from .tokenizer import STOP_WORDS, term_counts, terms

DOC_CHUNK = 8
"""Cables per doc-table file (metadata and snippet text): 20 results touch at most 20
small files (one file per result shown is the cost that matters: 64 cables a file
and separate text files took twice as long to show a page)."""
TEXT_LIMIT = 2000
"""Characters of each body kept for snippets and phrase checks."""
SHARD_BYTES = 200_000
"""A term shard above this size is split by one more character of its prefix."""
FOLDER = 1000
"""Files per folder of the chunked kinds (Netlify allows 54,000 entries)."""
VERSION = 1

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


def _facet_file(kind: str, value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:40] or "x"
    return f"f/{kind}/{slug}-{hashlib.sha1(value.encode('utf-8')).hexdigest()[:6]}"


def _script(key: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f'CablesiteSearch.register("{key}",{payload});\n'.encode("ascii")


class Partial(NamedTuple):
    """The index of some docs made in a worker (:func:`partial`), for :meth:`SearchIndexer.merge`."""

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
    return Partial(body, {t: _docs(b) for t, b in subject.items()},
                   {k: _docs(b) for k, b in facets.items()}, ids, rows, days, texts)


class SearchIndexer:
    """Collects partial indexes (:meth:`merge`, in any order) or single cables (:meth:`add`)."""

    def __init__(self) -> None:
        self._body: dict[str, list] = {}
        """term -> [postings (bytearray), last doc]."""
        self._late: dict[str, list[tuple[int, int]]] = {}
        """term -> (doc, weight) of postings that arrived after a later doc's."""
        self._subject: dict[str, array] = {}
        self._facets: dict[tuple[str, str], array] = {}
        """Doc numbers as ``array("I")``: 4 bytes each, the lists of 251,287 cables stay small."""
        self._ids: dict[str, dict[str, int]] = {}
        self._rows: dict[int, str] = {}
        self._days: dict[int, int] = {}
        self._texts: dict[int, tuple[int, int]] = {}
        self._spill = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the indexer)

    # -- input --------------------------------------------------------------------------

    def add(self, doc: int, cable: Cable, href: str) -> None:
        """Index one cable as doc number ``doc`` (each doc once)."""
        self.merge(partial([(doc, cable, href)]))

    def merge(self, part: Partial) -> None:
        """Add a partial index made by :func:`partial` (any order of arrival)."""
        mine_all, put, codes, small = self._body, codec.put, codec.CODES, codec.TABLE_SIZE
        for term, (first, rest, last) in part.body.items():
            mine = mine_all.get(term)
            if mine is None:  # a new term: its first gap is from doc -1, the first posting itself
                data = bytearray()
                put(data, first)
                data += rest
                mine_all[term] = [data, last]
            elif first >> 2 > mine[1]:
                gap = ((first >> 2) - mine[1] - 1) << 2 | first & 3
                if gap < small:  # a common term's gap from the last batch: a table lookup
                    mine[0] += codes[gap]
                else:
                    put(mine[0], gap)
                mine[0] += rest
                mine[1] = last
            else:
                self._late.setdefault(term, []).extend(posting_pairs(first, rest))
        for term, docs in part.subject.items():
            self._subject.setdefault(term, array("I")).extend(docs)
        for key, docs in part.facets.items():
            self._facets.setdefault(key, array("I")).extend(docs)
        for station, table in part.ids.items():
            self._ids.setdefault(station, {}).update(table)
        self._rows.update(part.rows)
        self._days.update(part.days)
        self._spill.seek(0, 2)
        for doc, text in part.texts.items():
            self._texts[doc] = (self._spill.tell(), len(text))
            self._spill.write(text)

    # -- output -------------------------------------------------------------------------

    def _postings(self, term: str) -> tuple[str, str]:
        body = self._body[term][0] if term in self._body else bytearray()
        late = self._late.get(term)
        if late:
            values = list(codec.decode(body))
            pairs = dict(zip(codec.undo_gaps(v >> 2 for v in values), (v & 3 for v in values),
                             strict=True))
            pairs.update(late)
            docs = sorted(pairs)
            body_text = codec.encode(g << 2 | pairs[d] for g, d in zip(codec.gaps(docs), docs,
                                                                          strict=True))
        else:
            body_text = body.decode("ascii")
        subject = self._subject.get(term)
        subject_text = codec.encode(codec.gaps(sorted(set(subject)))) if subject else ""
        return body_text, subject_text

    def files(self, doc_tables: bool = True) -> Iterator[tuple[str, bytes]]:
        """Every output file: (path under the site root, starting ``search/``), bytes).
        Without ``doc_tables`` when the workers wrote them (:func:`doc_tables`)."""
        n = max(self._days) + 1 if self._days else 0
        shards: list[str] = []
        for group in self._groups():
            postings = {t: self._postings(t) for t in group}
            for prefix, shard_terms in split_shards(postings):
                shards.append(prefix)
                yield shard_file(prefix, {t: list(postings[t]) for t in shard_terms})
        facets: dict[str, dict[str, str]] = {"tag": {}, "origin": {}, "classification": {}}
        for (kind, value), docs in sorted(self._facets.items()):
            key = _facet_file(kind, value)
            facets[kind][value] = key
            yield f"search/{key}.js", _script(key, codec.encode(codec.gaps(sorted(set(docs)))))
        for station, table in sorted(self._ids.items()):
            yield f"search/id/{station}.js", _script(f"id/{station}", table)
        dates = "".join(codec.day_chars(self._days.get(d, 0)) for d in range(n))
        yield "search/dates.js", _script("dates", dates)
        for c in range((n + DOC_CHUNK - 1) // DOC_CHUNK if doc_tables else 0):
            yield self.chunk_file(c, n)
        meta = {
            "version": VERSION, "docs": n, "docChunk": DOC_CHUNK,
            "folder": FOLDER, "textLimit": TEXT_LIMIT, "shards": sorted(shards),
            "stations": sorted(self._ids), "facets": facets, "stop": sorted(STOP_WORDS),
        }
        yield "search/meta.js", _script("meta", meta)

    def chunk_file(self, c: int, n: int) -> tuple[str, bytes]:
        """Doc-table file ``c`` (docs ``c * DOC_CHUNK`` on, below ``n``)."""
        start = c * DOC_CHUNK
        return doc_table(c, [(self._rows[d], self._text(d)) if d in self._rows else None
                             for d in range(start, min(n, start + DOC_CHUNK))])

    def _text(self, doc: int) -> str:
        where = self._texts.get(doc)
        if where is None:
            return ""
        self._spill.seek(where[0])
        return self._spill.read(where[1]).decode("utf-8", "replace")

    def _groups(self) -> Iterator[list[str]]:
        """The sorted terms of each two-character group (:func:`group_of`), groups in order."""
        for _prefix, group in groupby(sorted(self._body.keys() | self._late.keys()), _GROUP_KEY):
            yield list(group)


_GROUP_KEY = itemgetter(slice(0, 2))
""":func:`group_of` as a C-level key function."""


def doc_table(c: int, docs: list[tuple[str, str] | None]) -> tuple[str, bytes]:
    """Doc-table file ``c``: each doc's row (JSON) with its snippet text appended, ``null``
    for a gap."""
    key = f"d/{c // FOLDER}/{c}"
    rows = ",".join("null" if d is None else f"{d[0][:-1]},{json.dumps(d[1], ensure_ascii=True)}]"
                    for d in docs)
    return f"search/{key}.js", f'CablesiteSearch.register("{key}",[{rows}]);\n'.encode("ascii")


def partial_doc_table(c: int, n: int, rows: dict[int, str], texts: dict[int, bytes]) -> tuple[str, bytes]:
    """Doc-table file ``c`` (docs below ``n``) from a partial index's rows and texts."""
    start = c * DOC_CHUNK
    return doc_table(c, [(rows[d], texts.get(d, b"").decode("utf-8", "replace")) if d in rows else None
                         for d in range(start, min(n, start + DOC_CHUNK))])


def doc_tables(part: Partial) -> tuple[list[tuple[str, bytes]], Partial]:
    """The doc-table files of a partial index's docs, and the partial without them (what
    :meth:`SearchIndexer.merge` then needs). A worker writes them, so the merge does not.

    The partial's docs must be whole chunks but for the archive's last: batches are cut at
    multiples of :data:`DOC_CHUNK`."""
    docs = sorted(part.rows)
    files = []
    if docs:
        n = docs[-1] + 1
        files = [partial_doc_table(c, n, part.rows, part.texts)
                 for c in range(docs[0] // DOC_CHUNK, (n + DOC_CHUNK - 1) // DOC_CHUNK)]
    return files, part._replace(rows={}, texts={})


def group_of(term: str) -> str:
    """A term's group: its first two characters. Shards never mix groups, so a group's shards
    can be remade on their own (:mod:`.update`)."""
    return term[:2]


def shard_file(prefix: str, postings: dict[str, list[str]]) -> tuple[str, bytes]:
    key = f"t/{prefix[0]}/t{prefix}"
    return f"search/{key}.js", _script(key, postings)


def split_shards(postings: dict[str, tuple[str, str] | list[str]]) -> list[tuple[str, list[str]]]:
    """Cut one group's terms (``term -> [body, subject]`` postings) into shards of at most
    :data:`SHARD_BYTES`: (prefix, sorted terms) in prefix order. A shard above the limit is
    split by one more character; a term lives in the shard of its longest listed prefix.
    Sizes come from the postings as written, so a group read back from its files splits alike."""
    size = {t: len(t) + 8 + len(b) + len(s) for t, (b, s) in postings.items()}
    every = sorted(postings)
    if not every:
        return []
    out: list[tuple[str, list[str]]] = []
    todo = [(group_of(every[0]), every)]
    while todo:
        prefix, group = todo.pop()
        longer = [t for t in group if len(t) > len(prefix)]
        if sum(size[t] for t in group) <= SHARD_BYTES or not longer:
            out.append((prefix, group))
            continue
        own = [t for t in group if len(t) == len(prefix)]
        if own:
            out.append((prefix, own))
        split: dict[str, list[str]] = {}
        for t in longer:
            split.setdefault(t[: len(prefix) + 1], []).append(t)
        todo.extend(sorted(split.items(), reverse=True))
    return sorted(out)


_WEIGHT_OF_BITS = (0,) + tuple(codec.weight(1 << (bits - 1)) for bits in range(1, 65))
"""A term's weight (:func:`.codec.weight` of its count) by ``count.bit_length()``: the same
for every count of a bit length (1 -> 0, 2-3 -> 1, 4-7 -> 2, 8+ -> 3)."""
_NEXT = [(v | 3) + 1 for v in range(codec.TABLE_SIZE)]
"""For a posting ``doc << 2 | weight``: ``(doc + 1) << 2``, from which the next one's gap counts."""


def posting_pairs(first: int, rest: bytes) -> list[tuple[int, int]]:
    """(doc, weight) of postings given as :attr:`Partial.body` holds them."""
    doc = first >> 2
    out = [(doc, first & 3)]
    for v in codec.decode(rest):
        doc += (v >> 2) + 1
        out.append((doc, v & 3))
    return out


def _postings_of(values: list[int], base: int) -> tuple[int, bytes, int]:
    """:attr:`Partial.body`'s entry for a term's postings ``(doc - base) << 2 | weight``, in order."""
    last = values[-1]
    if last < codec.TABLE_SIZE:  # then every gap is below it too
        rest = b"".join(map(codec.CODES.__getitem__, map(sub, values[1:], map(_NEXT.__getitem__, values))))
    else:
        out = bytearray()
        for p, v in zip(values[:-1], values[1:], strict=True):
            codec.put(out, v - ((p | 3) + 1))
        rest = bytes(out)
    return values[0] + (base << 2), rest, (last >> 2) + base


def partial(docs: list[tuple[int, Cable, str]]) -> Partial:
    """The partial index of ``docs`` (doc, cable, href), made in a worker for :meth:`SearchIndexer.merge`.

    Each cable's term counts are inverted by ``map`` calls of C functions (the term's list
    looked up, the value ``doc << 2 | weight`` appended, the weight by the count's bit length);
    each term's list becomes codec characters by table lookups at the end. Measured side by
    side, this is as fast as a Python loop doing the same (0.16-0.19 ms a cable either way);
    tokenizing (:func:`.tokenizer.term_counts`) takes as long again."""
    collecting = gc.isenabled()
    gc.disable()  # only acyclic containers are made here; a full collection per batch costs 40%
    try:
        ordered = sorted(docs, key=lambda d: d[0])
        base = ordered[0][0] if ordered else 0
        lists: defaultdict[str, list[int]] = defaultdict(list)
        term_list, append = lists.__getitem__, list.append
        subject: dict[str, array] = {}
        facets: dict[tuple[str, str], array] = {}
        ids: dict[str, dict[str, int]] = {}
        rows: dict[int, str] = {}
        days: dict[int, int] = {}
        texts: dict[int, bytes] = {}
        for doc, cable, href in ordered:
            counts = term_counts(f"{cable.id} {cable.subject}\n{cable.body}")
            value = [((doc - base) << 2) + w for w in _WEIGHT_OF_BITS].__getitem__
            deque(map(append, map(term_list, counts), map(value, map(int.bit_length, counts.values()))), 0)
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
        body = {}
        for term, values in lists.items():
            if len(values) == 1:  # nearly half the terms of a batch
                v = values[0]
                body[term] = (v + (base << 2), b"", (v >> 2) + base)
            else:
                body[term] = _postings_of(values, base)
        return Partial(body, subject, facets, ids, rows, days, texts)
    finally:
        if collecting:
            gc.enable()
