"""``search/ranges.py``: a range of doc numbers replaced in posting lists, checked against
decoding the whole list, replacing and encoding it again."""

from __future__ import annotations

import random

import pytest

from generator.search import codec, ranges


def _encode(pairs: dict[int, int], weighted: bool) -> str:
    docs = sorted(pairs)
    shift = 2 if weighted else 0
    return codec.encode(g << shift | pairs[d] for g, d in zip(codec.gaps(docs), docs, strict=True))


@pytest.mark.parametrize(("size", "spread"), [(12, 4), (300, 4), (3000, 4), (3000, 5000)])
def test_replace_equals_decoding_the_whole_list(size: int, spread: int) -> None:
    """Short lists take the plain loop, long ones NumPy (``ranges.LONG``); gaps of one to
    four characters; ranges before, inside, after and across the postings, empty or not."""
    rng = random.Random(size + spread)
    for case in range(100):
        weighted = case % 2 == 0
        docs = sorted(rng.sample(range(size * spread), rng.randint(0, size)))
        old = {d: rng.randrange(4) if weighted else 0 for d in docs}
        lo = rng.randrange(size * spread + 10)
        hi = lo + rng.choice([0, 1, 7, 100, size, 1 << 40])
        within = range(lo, min(hi, lo + size * 5) + 1)
        new = {d: rng.randrange(4) if weighted else 0 for d in rng.sample(within, min(len(within), rng.randint(0, 20)))}
        text = _encode(old, weighted)
        want = _encode({d: w for d, w in old.items() if not lo <= d <= hi} | new, weighted)
        ordered = sorted(new)
        first = (ordered[0], new[ordered[0]]) if ordered else None
        # the later postings as a partial holds them: gaps from the first, not from doc -1
        rest = codec.encode(((b - a - 1) << (2 if weighted else 0)) | new[b]
                            for a, b in zip(ordered, ordered[1:], strict=False)).encode("ascii")
        got = ranges.replace(text, lo, hi, first, rest, ordered[-1] if ordered else -1, weighted)
        assert got == want, (docs, lo, hi, new)


def test_locate_finds_the_same_places_both_ways() -> None:
    """The NumPy way and the plain loop agree on every cut of one list."""
    rng = random.Random(7)
    pairs = {d: rng.randrange(4) for d in sorted(rng.sample(range(200_000), 5000))}
    text = _encode(pairs, True)
    assert len(text) >= ranges.LONG
    for _ in range(200):
        lo = rng.randrange(210_000)
        hi = lo + rng.randrange(5000)
        fast = ranges.locate(text, lo, hi, True)
        ranges_long, ranges.LONG = ranges.LONG, len(text) + 1
        try:
            assert ranges.locate(text, lo, hi, True) == fast
        finally:
            ranges.LONG = ranges_long
