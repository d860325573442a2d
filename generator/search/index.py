"""The offline search index: :class:`SearchIndexer` turns cables into small JS files.

Workers make the partial index of a batch of cables (:mod:`.partials`, which also writes the
doc-table files); the indexer merges them in the main process and writes the rest.

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
    text being the first :data:`.partials.TEXT_LIMIT` characters of the body (snippets, phrases).

Body postings index the id, subject and body; stop words (tokenizer) are left out.
Doc numbers are those the build gives (below ``meta.docs``; a few between two batches hold
no cable: ``searchplan.Batches``); output is the same bytes whatever order cables or partial
indexes arrive in.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from array import array
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

from ..model import Cable
from . import codec, partials
from .partials import Partial, doc_table, partial, posting_pairs
from .tokenizer import STOP_WORDS

SHARD_BYTES = 200_000
"""A term shard above this size is split by one more character of its prefix."""
VERSION = 1


def _facet_file(kind: str, value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:40] or "x"
    return f"f/{kind}/{slug}-{hashlib.sha1(value.encode('utf-8')).hexdigest()[:6]}"


def _script(key: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f'CablesiteSearch.register("{key}",{payload});\n'.encode("ascii")


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

    def merge(self, part: Partial, offset: int = 0) -> None:
        """Add a partial index made by :func:`partial` (any order of arrival), its doc numbers
        moved up by ``offset`` (a batch's partial is numbered from 0: ``searchplan.Batches``).
        A body posting list keeps its gaps: only its first posting (``doc << 2 | weight``) and
        its last doc move."""
        mine_all, put, codes, small = self._body, codec.put, codec.CODES, codec.TABLE_SIZE
        move = offset << 2
        for term, (first, rest, last) in part.body.items():
            first += move
            last += offset
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
        for lists, mine_lists in ((part.subject, self._subject), (part.facets, self._facets)):
            for key, docs in lists.items():
                mine_lists.setdefault(key, array("I")).extend([d + offset for d in docs] if offset else docs)
        for station, table in part.ids.items():
            self._ids.setdefault(station, {}).update({i: d + offset for i, d in table.items()} if offset else table)
        self._rows.update({d + offset: r for d, r in part.rows.items()} if offset else part.rows)
        self._days.update({d + offset: n for d, n in part.days.items()} if offset else part.days)
        self._spill.seek(0, 2)
        for doc, text in part.texts.items():
            self._texts[doc + offset] = (self._spill.tell(), len(text))
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
        Without ``doc_tables`` when the workers wrote them (:func:`.partials.tables_at`)."""
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
        for c in sorted({d // partials.DOC_CHUNK for d in self._rows}) if doc_tables else ():
            yield self.chunk_file(c, n)  # none for a chunk of no cable
        meta = {
            "version": VERSION, "docs": n, "docChunk": partials.DOC_CHUNK,
            "folder": partials.FOLDER, "textLimit": partials.TEXT_LIMIT, "shards": sorted(shards),
            "stations": sorted(self._ids), "facets": facets, "stop": sorted(STOP_WORDS),
        }
        yield "search/meta.js", _script("meta", meta)

    def chunk_file(self, c: int, n: int) -> tuple[str, bytes]:
        """Doc-table file ``c`` (docs ``c * partials.DOC_CHUNK`` on, below ``n``)."""
        start = c * partials.DOC_CHUNK
        return doc_table(c, [(self._rows[d], self._text(d)) if d in self._rows else None
                             for d in range(start, min(n, start + partials.DOC_CHUNK))])

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


