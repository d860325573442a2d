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
import pickle
import re
import tempfile
from array import array
from collections.abc import Iterator

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
_ALPHABET_BYTES = codec.ALPHABET.encode("ascii")

_FIRST_PARA = re.compile(r"^[ \t]*(?:\u00b6[ \t]*)?1\.[ \t]", re.MULTILINE)
_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
_NOT_STATION = re.compile(r"[^A-Z0-9]")


def snippet_text(body: str) -> str:
    """What is kept of a body for snippets: from paragraph 1 (past the TAGS/SUBJECT/REF
    preamble) when it starts early, whitespace folded, cut to :data:`TEXT_LIMIT` characters."""
    m = _FIRST_PARA.search(body, 0, 4000)
    text = body[m.start():] if m else body
    return " ".join(text[: TEXT_LIMIT * 2].split())[:TEXT_LIMIT]  # str.split: the whitespace of \s


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


class SearchIndexer:
    """Collects cables one by one (:meth:`add`) or by partial indexes (:meth:`merge`)."""

    def __init__(self) -> None:
        self._body: dict[str, list] = {}
        """term -> [postings (bytearray), last doc]: one lookup a term in :meth:`add`."""
        self._late: dict[str, list[tuple[int, int]]] = {}
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
        counts = term_counts(f"{cable.id} {cable.subject}\n{cable.body}")
        body, put = self._body, codec.put
        for term, count in counts.items():
            entry = body.get(term)
            if entry is None:
                entry = body[term] = [bytearray(), -1]
            if doc > entry[1]:
                value = (doc - entry[1] - 1) << 2 | (0 if count < 2 else 1 if count < 4 else 2 if count < 8 else 3)
                if value < 32:
                    entry[0].append(_ALPHABET_BYTES[value])
                else:
                    put(entry[0], value)
                entry[1] = doc
            else:
                self._late.setdefault(term, []).append((doc, codec.weight(count)))
        for term in sorted(set(terms(cable.subject))):
            self._subject.setdefault(term, array("I")).append(doc)
        for kind, values in (("tag", cable.tags), ("origin", (cable.origin,)),
                             ("classification", (cable.classification,))):
            for value in dict.fromkeys(v for v in values if v):
                self._facets.setdefault((kind, value), array("I")).append(doc)
        station = _station(cable)
        if station:
            self._ids.setdefault(station, {})[cable.id] = doc
        self._rows[doc] = json.dumps(
            [cable.id, cable.created[:10], cable.subject, cable.origin, cable.classification,
             href, " ".join(cable.tags)], ensure_ascii=True, separators=(",", ":"))
        self._days[doc] = codec.day_number(cable.created)
        text = snippet_text(cable.body).encode("utf-8")
        self._spill.seek(0, 2)
        self._texts[doc] = (self._spill.tell(), len(text))
        self._spill.write(text)

    def state(self) -> bytes:
        """Everything collected, pickled: what :meth:`merge` takes."""
        texts = {}
        for doc, (offset, size) in self._texts.items():
            self._spill.seek(offset)
            texts[doc] = self._spill.read(size)
        late = {t: sorted(v) for t, v in self._late.items()}
        data = (VERSION, self._body, late, self._subject, self._facets, self._ids,
                self._rows, self._days, texts)
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)

    def merge(self, partial_bytes: bytes) -> None:
        """Add a partial index made by :func:`partial` (any order of arrival)."""
        (version, body, late, subject, facets, ids, rows, days,
         texts) = pickle.loads(partial_bytes)
        if version != VERSION:
            raise ValueError(f"search partial of version {version}, expected {VERSION}")
        mine_all = self._body
        for term, (data, last) in body.items():
            mine = mine_all.get(term)
            if mine is None:  # a new term: its first gap, from doc -1, is already right
                mine_all[term] = [data, last]
                continue
            value, size = codec.first(data)
            if size and value >> 2 > mine[1]:
                codec.put(mine[0], ((value >> 2) - mine[1] - 1) << 2 | value & 3)
                mine[0].extend(data[size:])
                mine[1] = last
            else:
                values = list(codec.decode(data))
                docs = codec.undo_gaps(v >> 2 for v in values)
                self._late.setdefault(term, []).extend(
                    (d, v & 3) for d, v in zip(docs, values, strict=True))
        for term, pairs in late.items():
            self._late.setdefault(term, []).extend(pairs)
        for term, docs in subject.items():
            self._subject.setdefault(term, array("I")).extend(docs)
        for key, docs in facets.items():
            self._facets.setdefault(key, array("I")).extend(docs)
        for station, table in ids.items():
            self._ids.setdefault(station, {}).update(table)
        self._rows.update(rows)
        self._days.update(days)
        self._spill.seek(0, 2)
        for doc, text in texts.items():
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
        group: list[str] = []
        for t in sorted(set(self._body) | set(self._late)):
            if group and group_of(t) != group_of(group[0]):
                yield group
                group = []
            group.append(t)
        if group:
            yield group


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


def doc_tables(partial_bytes: bytes) -> tuple[list[tuple[str, bytes]], bytes]:
    """The doc-table files of a partial index's docs, and the partial without them (what
    :meth:`SearchIndexer.merge` then needs). A worker writes them, so the merge does not.

    The partial's docs must be whole chunks but for the archive's last: batches are cut at
    multiples of :data:`DOC_CHUNK`."""
    (version, body, late, subject, facets, ids, rows, days, texts) = pickle.loads(partial_bytes)
    docs = sorted(rows)
    files = []
    if docs:
        n = docs[-1] + 1
        files = [partial_doc_table(c, n, rows, texts)
                 for c in range(docs[0] // DOC_CHUNK, (n + DOC_CHUNK - 1) // DOC_CHUNK)]
    rest = (version, body, late, subject, facets, ids, {}, days, {})
    return files, pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL)


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


def partial(docs: list[tuple[int, Cable, str]]) -> bytes:
    """A picklable partial index of ``docs`` made in a worker; pass it to :meth:`SearchIndexer.merge`."""
    collecting = gc.isenabled()
    gc.disable()  # only acyclic containers are made here; a full collection per batch costs 40%
    try:
        indexer = SearchIndexer()
        for doc, cable, href in sorted(docs, key=lambda d: d[0]):
            indexer.add(doc, cable, href)
        return indexer.state()
    finally:
        if collecting:
            gc.enable()
