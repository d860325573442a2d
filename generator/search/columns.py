"""A batch's body postings made at once, by Arrow's string kernels and NumPy arrays.

:func:`body_postings` gives for a batch of texts what :func:`.tokenizer.term_counts` of each
text, inverted and encoded by :func:`.partials.partial`, would give, byte for byte: each
term's postings ``doc << 2 | weight`` as :attr:`.partials.Partial.body` holds them. The
texts are the id, subject and body of each cable, as the seed cable gives them::

    07USNATO577 NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2

Cable by cable, CPython spends about 0.3 ms a cable splitting, counting, inverting and
encoding, most of it making a string and a dictionary entry for each of its ~1,300 words.
Here a batch goes through a few calls of C++ and C loops instead:

1. Each text is folded and cut into runs as ``term_counts`` does (``encode`` with the fold
   handler, one ``bytes.translate``); Arrow splits the runs (``ascii_split_whitespace``)
   and numbers the distinct ones (``dictionary_encode``): ~40,000 for 1,000 cables.
2. Each distinct run is turned into its terms once: a run of letters, or of digits without
   a leading zero, is its own term (a stop word none); any other (``russia's``, ``000577``,
   ``07usnato577``) goes through ``term_counts`` itself, so the rules live in one place.
   A text's term counts are the sum of its runs' terms (``term_counts`` is additive over
   runs: each rule rewrites one run, or adds the runs of one word, by its count).
3. Every occurrence becomes its terms' numbers; a stable sort by term (the occurrences are
   in doc order) puts each (term, doc) pair's occurrences side by side: their count gives
   the weight (:func:`.codec.weight`), and each term's run of docs is encoded as gaps
   (:mod:`.codec`) by array arithmetic.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import codec
from .tokenizer import _FOLD_ERRORS, _RUN_BYTES, MAX_LEN, STOP_WORDS, term_counts

_ALPHABET = np.frombuffer(codec.ALPHABET.encode("ascii"), dtype=np.uint8)
_STOP = pa.array(sorted(STOP_WORDS), pa.string())
_WEIGHT = np.array([codec.weight(n) for n in range(9)], dtype=np.int64)
""":func:`.codec.weight` of each count up to 8; it is the same for every count from 8 on."""
STRING_BYTES = (1 << 31) - 1
"""The most characters an Arrow ``string`` array holds (32-bit offsets); a batch of more
(a few huge cables) goes through ``large_string`` instead."""


@lru_cache(maxsize=1 << 16)
def _terms_of_run(run: str) -> tuple[str, ...]:
    """The terms of one run that is not its own term, each as often as it counts."""
    return tuple(t for t, n in term_counts(run).items() for _ in range(n))


def _number_terms(runs: pa.Array) -> tuple[list[str], np.ndarray, dict[int, tuple[int, ...]]]:
    """The distinct runs' terms, numbered (a run that is its own term keeps its number): the
    term of each number; for each run its one term's number, or -1 for none (a stop word),
    -2 for several; and the numbers of the terms of those that make several."""
    plain = pc.and_(pc.less_equal(pc.utf8_length(runs), MAX_LEN),
                    pc.or_(pc.ascii_is_alpha(runs),
                           pc.and_(pc.ascii_is_decimal(runs), pc.invert(pc.starts_with(runs, "0")))))
    stop = pc.is_in(runs, value_set=_STOP).to_numpy(zero_copy_only=False)
    single = np.where(stop, -1, np.arange(len(runs), dtype=np.int32)).astype(np.int32)
    names: list[str] = runs.to_pylist()
    odd = np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist()
    several: dict[int, tuple[int, ...]] = {}
    if not odd:
        return names, single, several
    number = dict(zip(names, range(len(names)), strict=True)).get
    extra: dict[str, int] = {}
    for r in odd:
        made = []
        for term in _terms_of_run(names[r]):
            n = number(term)
            if n is None:
                n = extra.get(term)
                if n is None:
                    n = extra[term] = len(names) + len(extra)
            made.append(n)
        if len(made) == 1:
            single[r] = made[0]
        else:
            single[r] = -2 if made else -1
            if made:
                several[r] = tuple(made)
    return names + list(extra), single, several


def _gap_chars(gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The :mod:`.codec` characters of each of ``gaps`` (>= 0) in a row, and where each
    gap's characters end (exclusive)."""
    count = np.ones(len(gaps), dtype=np.int64)
    top = gaps >> 5
    while top.any():
        count += top > 0
        top >>= 5
    ends = np.cumsum(count)
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    at, rest, more = ends - count, gaps.copy(), count.copy()
    while len(at):
        more -= 1
        out[at] = _ALPHABET[(rest & 31) | ((more > 0) << 5)]
        keep = more > 0
        at, rest, more = at[keep] + 1, rest[keep] >> 5, more[keep]
    return out, ends


def body_postings(texts: list[str], docs: list[int]) -> dict[str, tuple[int, bytes, int]]:
    """Term -> ``(first, rest, last)`` (:attr:`.partials.Partial.body`) of the texts, text
    ``i`` being doc ``docs[i]``; ``docs`` ascending."""
    if not texts:
        return {}
    folded = [t.encode("ascii", _FOLD_ERRORS).translate(_RUN_BYTES).decode("ascii") for t in texts]
    kind = pa.string() if sum(map(len, folded)) <= STRING_BYTES else pa.large_string()
    runs_of = pc.ascii_split_whitespace(pa.array(folded, kind))
    del folded
    encoded = pc.dictionary_encode(pc.list_flatten(runs_of))
    text = pc.list_parent_indices(runs_of).to_numpy().astype(np.int32)
    del runs_of  # the runs' characters: only their numbers are needed from here on
    names, single, several = _number_terms(encoded.dictionary)
    run_ids = encoded.indices.to_numpy().copy()
    del encoded
    pa.default_memory_pool().release_unused()  # else Arrow's allocator keeps the batch's 60 MB
    term = single[run_ids]
    keep = term >= 0
    if several:  # each occurrence of such a run becomes its terms, put among the others in text order
        at = np.flatnonzero(term == -2)
        multi = list(several)
        lengths = np.zeros(len(single), dtype=np.int64)
        lengths[multi] = [len(m) for m in several.values()]
        flat = np.fromiter((n for m in several.values() for n in m), dtype=np.int32)
        starts = np.zeros(len(single), dtype=np.int64)
        starts[multi] = np.cumsum(lengths[multi]) - lengths[multi]
        made = lengths[run_ids[at]]
        first_of = np.cumsum(made) - made
        extra_term = flat[np.repeat(starts[run_ids[at]] - first_of, made) + np.arange(int(made.sum()))]
        extra_text = np.repeat(text[at], made)
        term, text = term[keep], text[keep]
        where = np.searchsorted(text, extra_text, side="right")
        term, text = np.insert(term, where, extra_term), np.insert(text, where, extra_text)
    else:
        term, text = term[keep], text[keep]
    total = len(term)
    if not total:
        return {}
    order = np.argsort(term.astype(np.uint16) if len(names) <= 1 << 16 else term, kind="stable")
    term, text = term[order], text[order]
    # one row per (term, text): its count of occurrences
    new_pair = np.empty(total, dtype=bool)
    new_pair[0] = True
    np.not_equal(term[1:], term[:-1], out=new_pair[1:])
    new_term = new_pair.copy()
    new_pair[1:] |= text[1:] != text[:-1]
    rows = np.flatnonzero(new_pair)
    counts = np.diff(np.append(rows, total))
    term, text, new_term = term[rows], text[rows], new_term[rows]
    base = docs[0]
    local = np.asarray(docs, dtype=np.int64) - base
    weight = _WEIGHT[np.minimum(counts, len(_WEIGHT) - 1)]
    values = local[text] << 2 | weight
    # each term's first posting stands alone; the others are gaps from the one before
    gaps = values[1:] - (((values[:-1] >> 2) + 1) << 2)
    gaps = gaps[~new_term[1:]]
    chars, ends = _gap_chars(gaps)
    heads = np.flatnonzero(new_term)
    # the gaps of term k are those after its head and before the next head: k heads precede them
    cut = np.append(ends, 0)[np.append(heads[1:], len(values)) - np.arange(1, len(heads) + 1) - 1].tolist()
    begin = [0, *cut[:-1]]
    data = chars.tobytes()
    rests = list(map(data.__getitem__, map(slice, begin, cut)))
    firsts = (values[heads] + (base << 2)).tolist()
    lasts = ((values[np.append(heads[1:], len(values)) - 1] >> 2) + base).tolist()
    return dict(zip(map(names.__getitem__, term[heads].tolist()), zip(firsts, rests, lasts, strict=True),
                    strict=True))
