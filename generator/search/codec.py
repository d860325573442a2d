"""The compact number encoding of the search index, shared by the builder and ``search.js``.

A posting list is a run of non-negative integers, each written as base-64 characters
holding 5 bits each, lowest bits first; a character with the 6th bit set (value >= 32)
means "more characters follow". ``0`` is ``A``, ``31`` is ``f``, ``32`` is ``gB``.
Doc numbers are written as gaps: ``gap - 1`` from the previous doc (the first from -1),
so a run of consecutive docs is one ``A`` each. Body postings also carry a 2-bit weight
(``(gap - 1) << 2 | weight``, weight :func:`weight` of the term's count in the cable).

Dates are fixed-width: 3 characters (18 bits, lowest first) of days since 1900-01-01
plus one; ``AAA`` is "no date".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_BYTES = ALPHABET.encode("ascii")
_EPOCH = date(1900, 1, 1).toordinal()


def put(out: bytearray, value: int) -> None:
    """Append ``value`` (>= 0) to ``out``."""
    while value >= 32:
        out.append(_BYTES[(value & 31) | 32])
        value >>= 5
    out.append(_BYTES[value])


def encode(values: Iterable[int]) -> str:
    out = bytearray()
    for v in values:
        put(out, v)
    return out.decode("ascii")


TABLE_SIZE = 1 << 12
"""Values :data:`CODES` holds: the merge writes a common term's gap from the last batch by a
lookup (1 << 15 took 12 ms at every start)."""
CODES = [encode((v,)).encode("ascii") for v in range(TABLE_SIZE)]
"""The characters of each value below :data:`TABLE_SIZE` (1 to 3 of them), as bytes."""


def decode(text: str | bytes | bytearray) -> Iterator[int]:
    """The integers of ``text``; a truncated last number is dropped."""
    if not isinstance(text, str):
        text = bytes(text).decode("ascii")
    value = shift = 0
    for c in text:
        d = _VALUE[c]
        value |= (d & 31) << shift
        if d & 32:
            shift += 5
        else:
            yield value
            value = shift = 0


def splice(text: str, span: frozenset[int], new: dict[int, int], weighted: bool) -> str:
    """Postings ``text`` with the docs of ``span`` replaced by ``new`` (doc -> weight, docs of
    ``span`` only; weights ignored unless ``weighted``, the body postings' form).

    Only the postings from the first doc of ``span`` to the first doc after its last are
    decoded and written again; the rest is copied as it is. A common word's postings at
    251,287 cables are hundreds of thousands long, and an edit changes one or two docs."""
    lo, hi = min(span), max(span)
    shift_w = 2 if weighted else 0
    value = shift = 0
    doc = before = -1  # before: the last doc ahead of lo
    cut = -1  # where the postings from lo on begin
    middle: dict[int, int] = {}
    after: tuple[int, int] | None = None  # the first (doc, weight) past hi
    end = len(text)  # where the postings copied as they are begin
    begin = 0  # where the number being read begins
    for i, c in enumerate(text):
        d = _VALUE[c]
        value |= (d & 31) << shift
        if d & 32:
            shift += 5
            continue
        nd = doc + (value >> shift_w) + 1
        if nd >= lo:
            if cut < 0:
                cut, before = begin, doc
            if nd > hi:
                after, end = (nd, value & 3), i + 1
                break
            if nd not in span:
                middle[nd] = value & 3
        doc, value, shift, begin = nd, 0, 0, i + 1
    if cut < 0:  # every posting is ahead of lo
        cut, before = len(text), doc
    middle.update(new)
    out = bytearray()
    prev = before
    for nd in sorted(middle):
        put(out, (nd - prev - 1) << shift_w | (middle[nd] if weighted else 0))
        prev = nd
    if after is not None:
        put(out, (after[0] - prev - 1) << shift_w | (after[1] if weighted else 0))
    return text[:cut] + out.decode("ascii") + text[end:]


def weight(count: int) -> int:
    """2-bit weight of a term that occurs ``count`` times: 1 -> 0, 2-3 -> 1, 4-7 -> 2, 8+ -> 3."""
    return 0 if count < 2 else 1 if count < 4 else 2 if count < 8 else 3


def gaps(docs: Iterable[int]) -> Iterator[int]:
    """``gap - 1`` of each doc from the previous one (from -1): sorted, distinct docs."""
    prev = -1
    for d in docs:
        yield d - prev - 1
        prev = d


def undo_gaps(values: Iterable[int]) -> Iterator[int]:
    doc = -1
    for v in values:
        doc += v + 1
        yield doc


def day_number(created: str) -> int:
    """Days since 1900-01-01 plus one for a ``YYYY-MM-DD...`` date; 0 when there is none."""
    try:
        n = date(int(created[:4]), int(created[5:7]), int(created[8:10])).toordinal() - _EPOCH + 1
    except ValueError:
        return 0
    return n if 0 < n < 1 << 18 else 0


def day_chars(n: int) -> str:
    return ALPHABET[n & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[(n >> 12) & 63]
