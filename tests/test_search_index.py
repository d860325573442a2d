"""The search index builder: postings, subject terms, filters, ids, chunks, determinism."""

from __future__ import annotations

import json
import random
import re

from generator.model import Cable
from generator.search import SearchIndexer, codec, index, partial, partials
from generator.search.tokenizer import terms

REGISTER = re.compile(r'^CablesiteSearch\.register\("([^"]+)",(.*)\);\n$', re.S)


def _cable(i: int, subject: str, body: str, **kw) -> Cable:
    return Cable(id=kw.pop("id", f"07USNATO{i}"), created=kw.pop("created", f"2007-10-{i % 28 + 1:02d} 10:00"),
                 subject=subject, body=body, origin=kw.pop("origin", "Mission USNATO"),
                 station=kw.pop("station", "USNATO"), classification=kw.pop("classification", "SECRET"),
                 tags=kw.pop("tags", ("NATO", "PREL")), **kw)


def _load(files: dict[str, bytes]) -> dict[str, object]:
    """key -> data of every file, checking that each file registers its own key."""
    out = {}
    for path, data in files.items():
        m = REGISTER.match(data.decode("ascii"))
        assert m, path
        assert path == f"search/{m.group(1)}.js"
        out[m.group(1)] = json.loads(m.group(2))
    return out


def _postings(pieces: dict[str, object], term: str) -> tuple[list[tuple[int, int]], list[int]]:
    """(doc, weight) of the body and docs of the subject for ``term``, as search.js reads them."""
    shards = pieces["meta"]["shards"]
    prefix = max((p for p in shards if term.startswith(p)), key=len, default=None)
    if prefix is None:
        return [], []
    body, subject = pieces[f"t/{prefix[0]}/t{prefix}"].get(term, ["", ""])
    values = list(codec.decode(body))
    docs = list(codec.undo_gaps(v >> 2 for v in values))
    return list(zip(docs, (v & 3 for v in values), strict=True)), list(codec.undo_gaps(codec.decode(subject)))


def _build(cables: list[Cable]) -> dict[str, bytes]:
    ix = SearchIndexer()
    for doc, c in enumerate(cables):
        ix.add(doc, c, f"cable/2007/10/{c.id}.html")
    return dict(ix.files())


CABLES = [
    _cable(0, "NRC: RUSSIA'S MISSILE DEFENSE OFFER", "1. (C) Missile defense was discussed. ¶2. Talks."),
    _cable(1, "AFGHANISTAN: ISAF UPDATE", "1. (S) The missile missile missile missile issue; see 07USNATO0577.",
           tags=("AF", "MARR"), origin="Embassy Kabul", station="KABUL", id="07KABUL12",
           classification="CONFIDENTIAL", created="2006-01-05 09:00"),
    _cable(2, "BUDGET", "1. Nothing about rockets. The END.", tags=("PREL",), created=""),
]


def test_codec_round_trip():
    values = [0, 1, 31, 32, 1023, 1024, 2**31 + 5]
    assert list(codec.decode(codec.encode(values))) == values
    assert codec.encode([0, 31, 32]) == "AfgB"
    docs = [0, 1, 5, 100]
    assert list(codec.undo_gaps(codec.gaps(docs))) == docs
    assert codec.day_number("1900-01-01 00:00") == 1
    assert codec.day_number("") == 0
    assert codec.weight(1) == 0 and codec.weight(3) == 1 and codec.weight(5) == 2 and codec.weight(9) == 3


def test_word_postings_weights_and_subject_terms():
    pieces = _load(_build(CABLES))
    body, subject = _postings(pieces, "missile")
    assert body == [(0, 1), (1, 2)]  # twice in cable 0 (subject + body): 2-3; 4 times in cable 1: 4-7
    assert subject == [0]
    assert _postings(pieces, "russia") == ([(0, 0)], [0])  # RUSSIA'S
    assert _postings(pieces, "the") == ([], [])  # stop word
    assert _postings(pieces, "rockets")[0] == [(2, 0)]
    assert _postings(pieces, "absent") == ([], [])


def test_partial_postings_far_apart_and_every_weight():
    """One partial whose docs lie far apart (gaps past the encoding table) and whose word
    counts reach each weight: the postings read back are the docs and weights written."""
    counts = {0: 1, 7: 2, 9_000: 3, 40_000: 4, 40_001: 7, 200_000: 8, 200_003: 100}
    docs = [(d, _cable(d, "S", " ".join(["tanker"] * n + [f"only{d}"])), "x.html") for d, n in counts.items()]
    part = partial(docs[::-1])  # given in any order
    assert set(part.body) >= {"tanker", "only0", "only200003"}
    ix = SearchIndexer()
    ix.merge(part)
    pieces = _load(dict(ix.files()))
    assert _postings(pieces, "tanker")[0] == [(d, codec.weight(n)) for d, n in counts.items()]
    assert _postings(pieces, "only40000")[0] == [(40_000, 0)]


def test_partial_terms_of_two_docs_near_and_far() -> None:
    """A term in exactly two docs of a partial (a sixth of a batch's terms, encoded apart):
    its postings read back whether the gap is in the encoding table or past it."""
    docs = [(0, _cable(0, "S", "near near"), "x.html"), (7, _cable(7, "S", "near far"), "x.html"),
            (9_000, _cable(9_000, "S", "far far far far"), "x.html")]
    ix = SearchIndexer()
    ix.merge(partial(docs))
    pieces = _load(dict(ix.files()))
    assert _postings(pieces, "near")[0] == [(0, 1), (7, 0)]
    assert _postings(pieces, "far")[0] == [(7, 0), (9_000, 2)]


def test_ids_searchable_as_tokens_and_by_station():
    pieces = _load(_build(CABLES))
    assert [d for d, _ in _postings(pieces, "07usnato577")[0]] == []  # text says 07USNATO0577
    assert [d for d, _ in _postings(pieces, "577")[0]] == [1]
    assert [d for d, _ in _postings(pieces, "07kabul12")[0]] == [1]  # the cable's own id
    assert pieces["id/KABUL"] == {"07KABUL12": 1}
    assert pieces["id/USNATO"] == {"07USNATO0": 0, "07USNATO2": 2}
    assert pieces["meta"]["stations"] == ["KABUL", "USNATO"]


def test_facets_dates_and_doc_table():
    pieces = _load(_build(CABLES))
    facets = pieces["meta"]["facets"]
    assert sorted(facets["tag"]) == ["AF", "MARR", "NATO", "PREL"]
    prel = list(codec.undo_gaps(codec.decode(pieces[facets["tag"]["PREL"]])))
    assert prel == [0, 2]
    kabul = list(codec.undo_gaps(codec.decode(pieces[facets["origin"]["Embassy Kabul"]])))
    assert kabul == [1]
    dates = pieces["dates"]
    assert len(dates) == 9 and dates[6:] == "AAA"
    assert pieces["d/0/0"][1] == ["07KABUL12", "2006-01-05", "AFGHANISTAN: ISAF UPDATE", "Embassy Kabul",
                                 "CONFIDENTIAL", "cable/2007/10/07KABUL12.html", "AF MARR",
                                 "1. (S) The missile missile missile missile issue; see 07USNATO0577."]
    assert pieces["d/0/0"][0][7] == "1. (C) Missile defense was discussed. ¶2. Talks."


def test_snippet_text_starts_at_paragraph_one():
    body = "S E C R E T USNATO 000577\n\nSIPDIS\n\nE.O. 12958: DECL\nTAGS: NATO\n\n1. (C) Summary:   here\n  it is."
    assert partials.snippet_text(body) == "1. (C) Summary: here it is."
    assert partials.snippet_text("no paragraphs  here") == "no paragraphs here"
    assert len(partials.snippet_text("word " * 2000)) <= partials.TEXT_LIMIT


def _many(n: int) -> list[Cable]:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(400)] + ["common"] * 50
    return [_cable(i, " ".join(rng.choices(vocab, k=4)), " ".join(rng.choices(vocab, k=60)),
                   id=f"08USNATO{i}") for i in range(n)]


def test_partials_in_any_order_give_the_same_bytes():
    cables = _many(300)
    direct = _build(cables)
    docs = [(d, c, f"cable/2007/10/{c.id}.html") for d, c in enumerate(cables)]
    spread = docs[::7]  # one worker's docs interleaved with the others'
    rest = [d for d in docs if d[0] % 7]
    parts = [partial(spread)] + [partial(rest[i : i + 70]) for i in range(0, len(rest), 70)]
    for order in (parts, parts[::-1]):
        ix = SearchIndexer()
        for p in order:
            ix.merge(p)
        assert dict(ix.files()) == direct


def test_add_out_of_order_same_bytes():
    cables = _many(120)
    ix = SearchIndexer()
    order = list(range(120))
    random.Random(1).shuffle(order)
    for d in order:
        ix.add(d, cables[d], f"cable/2007/10/{cables[d].id}.html")
    assert dict(ix.files()) == _build(cables)


def test_shards_split_and_every_term_found(monkeypatch):
    monkeypatch.setattr(index, "SHARD_BYTES", 300)
    cables = _many(200)
    files = _build(cables)
    pieces = _load(files)
    shards = pieces["meta"]["shards"]
    assert any(len(p) > 2 for p in shards)
    expected: dict[str, set[int]] = {}
    for d, c in enumerate(cables):
        for t in terms(f"{c.id} {c.subject}\n{c.body}"):
            expected.setdefault(t, set()).add(d)
    for term, docs in expected.items():
        assert {d for d, _ in _postings(pieces, term)[0]} == docs, term
    # every term sits in exactly one shard
    seen = [t for p in shards for t in pieces[f"t/{p[0]}/t{p}"]]
    assert len(seen) == len(set(seen)) == len(expected)


def test_folders_stay_small(monkeypatch):
    monkeypatch.setattr(partials, "FOLDER", 3)
    files = _build(_many(200))
    counts: dict[str, int] = {}
    for path in files:
        parent = path.rsplit("/", 1)[0]
        counts[parent] = counts.get(parent, 0) + 1
    assert max(n for p, n in counts.items() if p.startswith("search/d")) <= 3


def test_splice_replaces_only_the_docs_of_the_span():
    """codec.splice against decoding, replacing and encoding the whole list, on random lists
    (gaps of one to several characters, spans inside, before, after and across them)."""
    rng = random.Random(5)
    for case in range(400):
        weighted = case % 2 == 0
        docs = sorted(rng.sample(range(rng.choice([20, 300, 70_000])), rng.randint(0, 15)))
        old = {d: rng.randrange(4) if weighted else 0 for d in docs}
        universe = docs + [rng.randrange(80_000) for _ in range(3)]
        span = frozenset(rng.sample(universe, rng.randint(1, 3)))
        new = {d: rng.randrange(4) if weighted else 0 for d in span if rng.random() < 0.6}
        shift = 2 if weighted else 0
        text = codec.encode(g << shift | old[d] for g, d in zip(codec.gaps(docs), docs, strict=True))
        want = {d: w for d, w in old.items() if d not in span} | new
        ordered = sorted(want)
        expected = codec.encode(g << shift | want[d] for g, d in zip(codec.gaps(ordered), ordered, strict=True))
        assert codec.splice(text, span, new, weighted) == expected, (docs, span, new)



def test_a_packed_partial_reads_back_equal() -> None:
    """What a worker sends to the merge (``pack``) is the partial itself once read (``unpack``)."""
    docs = [(i, _cable(i, f"NATO-RUSSIA'S CAX {i}", f"1. (C) Text {i} of USNATO 577.", tags=("NATO", f"T{i % 3}")),
             f"cable/{i}.html") for i in range(40)]
    part = partial(docs)
    back = partials.unpack(partials.pack(part))
    assert back == part
    assert back.subject and all(a.typecode == "I" for a in back.subject.values())
    indexer = SearchIndexer()
    indexer.merge(back)
    direct = SearchIndexer()
    direct.merge(part)
    assert dict(indexer.files()) == dict(direct.files())


def test_partials_far_apart_merged_in_order_read_back() -> None:
    """Batches merged in doc order, a term's gap from one batch to the next below and above the
    encoding table's reach: the postings are every doc and weight written."""
    counts = {0: 1, 3: 2, 900: 5, 1_030: 1, 5_000: 9, 5_001: 3, 70_000: 2, 70_900: 1, 251_286: 4}
    docs = [(d, _cable(d, "S", " ".join(["tanker"] * n)), "x.html") for d, n in counts.items()]
    ix = SearchIndexer()
    for part in ([docs[0], docs[1]], [docs[2]], [docs[3]], docs[4:6], [docs[6]], [docs[7]], [docs[8]]):
        ix.merge(partial(part))
    pieces = _load(dict(ix.files()))
    assert _postings(pieces, "tanker")[0] == [(d, codec.weight(n)) for d, n in counts.items()]


def test_partials_numbered_from_zero_merged_at_their_offsets() -> None:
    """A batch's partial is made and cached with its docs numbered from 0; merged at its
    batch's first doc number it gives the bytes of one made with those numbers, and the gaps
    between batches are docs of no cable: no posting, no date, no doc-table row."""
    cables = _many(90)
    starts, sizes = [0, 24, 64], [21, 37, 32]  # each batch's docs rounded up to whole chunks of 8
    assert all(s % partials.DOC_CHUNK == 0 for s in starts)
    pieces, direct = [], SearchIndexer()
    taken = iter(cables)
    for start, size in zip(starts, sizes, strict=True):
        batch = [next(taken) for _ in range(size)]
        pieces.append((start, partial([(d, c, f"cable/{c.id}.html") for d, c in enumerate(batch)])))
        direct.merge(partial([(start + d, c, f"cable/{c.id}.html") for d, c in enumerate(batch)]))
    for order in (pieces, pieces[::-1]):
        ix = SearchIndexer()
        for start, part in order:
            ix.merge(partials.unpack(partials.pack(part)), start)
        assert dict(ix.files()) == dict(direct.files())
    files = dict(direct.files())
    loaded = _load(files)
    assert loaded["meta"]["docs"] == 64 + 32
    dates = loaded["dates"]
    assert [dates[3 * d : 3 * d + 3] == codec.day_chars(0) for d in range(96)] == \
        [not (0 <= d < 21 or 24 <= d < 61 or 64 <= d < 96) for d in range(96)]
    assert loaded["d/0/2"] == [r for r in loaded["d/0/2"] if r is not None]  # docs 16-20: no trailing gaps
    assert len(loaded["d/0/2"]) == 5 and "d/0/3" in loaded  # docs 24-31
    body = _postings(loaded, cables[21].id.lower())[0]
    assert [d for d, _w in body] == [24]  # the 22nd cable is the second batch's first doc


def test_doc_tables_of_a_batch_at_its_offset() -> None:
    """The doc tables a worker writes for a batch numbered from 0 and cached are those of its
    place, wherever it lies; the cached rest is the partial without its rows and texts."""
    cables = _many(20)
    part = partial([(d, c, f"cable/{c.id}.html") for d, c in enumerate(cables)])
    form = partials.load_cached(partials.dump_cached(partials.cached(part)))
    for offset in (16, 40, 8000):
        files = partials.tables_at(form.tables, offset)
        c = offset // partials.DOC_CHUNK
        assert [p for p, _ in files] == [f"search/d/{k // 1000}/{k}.js" for k in (c, c + 1, c + 2)]
        whole = SearchIndexer()
        whole.merge(part, offset)
        assert {p: b for p, b in whole.files() if p.startswith("search/d/")} == dict(files)
    rest = partials.unpack(form.rest)
    assert not rest.rows and not rest.texts and rest.body == part.body and rest.days == part.days
    try:
        partials.tables_at(form.tables, 4)
    except ValueError:
        pass
    else:
        raise AssertionError("a batch must start a chunk")
