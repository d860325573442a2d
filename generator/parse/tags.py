"""The TAGS line of a cable: its codes, in order, and the glossary of known codes.

Syntax accepted (the first TAGS line of the text, i.e. the header one, never a
repeated section header), as in 07USNATO577::

    TAGS: NATO PREL MARR RU

and its variants met in the corpus:

- no colon and commas: ``TAGS PGOV, PINS, ZI, MDC, ZANU-PF`` (00HARARE5461);
- lowercase: ``Tags: prel, pgov, sy`` (upper-cased);
- mid-line, after other header text run together:
  ``E.O. 12958: DECL: 08/16/2015TAGS: EMIN PGOV SNAR`` or ``E.O. 12958: N/A TAGS: EAIR EINV``;
- lists running over to the next line when that line holds only codes
  (``TAGS PREL, PGOV, KPKO,`` / ``FR, RS, CH, UK``), never past ``SUBJECT``;
- a ``SUBJECT:`` (or ``REF:``) on the same line ends the list;
- run-together codes split when every piece is a known code and at least
  one piece is a four-letter subject or program code: ``ECONEFIN`` -> ECON, EFIN;
  ``IZPREL`` -> IZ, PREL (``UNESCO`` stays whole);
- person tags ``OVIP (CLINTON, HILLARY)``: the code ``OVIP`` is kept and the
  parenthesised name dropped -- the name is not a code, and split on its comma
  it would make two false tags ``CLINTON`` and ``HILLARY``. The same name written
  without parentheses (``TAGS: OVIP RICE CONDOLEEZZA KISL``: two unknown words
  after OVIP, the second of five letters or more) is dropped too;
- trailing junk: mixed-case words (``TAGS PHUM, PREL, IN, PK, Human Rights``)
  and tokens that are not code-shaped (numbers, ``ID:``) are dropped.

Duplicates are dropped, order is kept. Everything here is pure and never raises.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..glossary import GLOSSARY

KNOWN_TAGS: frozenset[str] = frozenset(GLOSSARY)

# A TAGS label at the start of a line (colon optional), or anywhere with a colon.
_LINE_START = re.compile(r"^[ \t]*TAGS?\b[ \t]*(:?)(.*)$", re.IGNORECASE | re.MULTILINE)
_MID_LINE = re.compile(r"(?<![A-Za-z])TAGS?[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)
# What ends the list on its own line.
_STOP = re.compile(r"\b(?:SUBJECT|SUBJ|REF|CLASSIFIED\s+BY)\b\s*[:.]|\bSUBJECT\b", re.IGNORECASE)
_PARENS = re.compile(r"\([^)]*\)?")
_SEPARATORS = re.compile(r"[\s,;]+")
_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)*$")
_CONTINUATION_TOKEN = re.compile(r"^[A-Z]{2,5}(?:[-/][A-Z0-9]{1,4})*$")
_EDGE_JUNK = ".:'\"*`[]{}<>!?"


def _clean_token(token: str) -> str:
    """One raw token -> a code, or ``""`` when it is not one (prose, numbers, punctuation)."""
    token = token.strip(_EDGE_JUNK)
    if not token:
        return ""
    if token.islower():
        token = token.upper()
    elif not token.isupper() and any(c.isalpha() for c in token):
        return ""  # mixed case: a word of prose, not a code
    return token if _CODE.match(token) else ""


def _is_code4(piece: str) -> bool:
    return len(piece) == 4 and GLOSSARY.get(piece, ("", ""))[1] in ("subject", "program")


def _cost(split: tuple[int, int, tuple[str, ...]]) -> int:
    return 2 * split[1] + split[0]


@lru_cache(maxsize=4096)
def _segment(token: str) -> tuple[str, ...]:
    """Split a run-together token into codes; ``()`` when it is not one.

    Pieces are known codes of 2 to 5 letters, or (at a cost) unknown four-letter
    chunks: ``ETRDEINVTINTCS`` -> ETRD EINV TINT CS (not ... TI NT CS). Each piece
    costs two, each unknown piece one more; the cheapest split wins. It must hold a
    known four-letter subject or program code, and at least two of them for each
    unknown piece.
    """
    n = len(token)
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for end in range(1, n + 1):
        for size in (2, 3, 4, 5):
            start = end - size
            prev = best[start] if start >= 0 else None
            if prev is None:
                continue
            piece = token[start:end]
            unknown = piece not in KNOWN_TAGS
            if unknown and size != 4:
                continue
            candidate = (prev[0] + unknown, prev[1] + 1, (*prev[2], piece))
            current = best[end]
            if current is None or _cost(candidate) < _cost(current):
                best[end] = candidate
    found = best[n]
    if found is None or found[1] < 2:
        return ()
    unknowns, _, pieces = found
    known4 = sum(1 for p in pieces if _is_code4(p))
    if known4 == 0 or (unknowns and known4 < 2 * unknowns):
        return ()
    return pieces


def _expand(token: str) -> tuple[str, ...]:
    """A code as it should be listed: itself, or its pieces when it is a known run-together."""
    if token in KNOWN_TAGS or len(token) < 4 or not token.isalpha():
        return (token,)
    return _segment(token) or (token,)


def _is_name_word(token: str, min_len: int) -> bool:
    return token.isalpha() and len(token) >= min_len and token not in KNOWN_TAGS


def _drop_person_names(tokens: list[str]) -> list[str]:
    """``OVIP RICE CONDOLEEZZA PREL`` -> ``OVIP PREL``: a surname and given name after OVIP."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        if (
            tokens[i] == "OVIP"
            and i + 2 < len(tokens)
            and _is_name_word(tokens[i + 1], 4)
            and _is_name_word(tokens[i + 2], 5)
        ):
            i += 3
            continue
        i += 1
    return out


def split_tags(raw: str) -> tuple[str, ...]:
    """The codes of the text after ``TAGS:`` (``"PGOV, PINS, ZI, MDC, ZANU-PF"``), in order, no repeats."""
    if not isinstance(raw, str):
        return ()
    tokens = [t for t in map(_clean_token, _SEPARATORS.split(_PARENS.sub(" ", raw))) if t]
    out: list[str] = []
    for token in _drop_person_names(tokens):
        for code in _expand(token):
            if code not in out:
                out.append(code)
    return tuple(out)


def _cut_at_stop(raw: str) -> tuple[str, bool]:
    """The part of ``raw`` before a SUBJECT/REF label, and whether one was found."""
    m = _STOP.search(raw)
    return (raw[: m.start()], True) if m else (raw, False)


def _is_continuation(line: str) -> bool:
    """A line holding only codes, e.g. ``FR, RS, CH, UK`` (upper case, no digits but in ``AU-1``)."""
    tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
    if not tokens or len(tokens) > 12:
        return False
    return all(t in KNOWN_TAGS or _CONTINUATION_TOKEN.match(t) for t in tokens)


def _first_label(text: str) -> tuple[int, str] | None:
    """Offset of the first TAGS label's line and the raw text after the label."""
    candidates: list[tuple[int, str]] = []
    for m in _LINE_START.finditer(text):
        colon, rest = m.group(1), m.group(2)
        label = m.group(0).lstrip()[:4]
        if colon or (label.isupper() and rest.strip()[:1].isalpha()):
            candidates.append((m.start(), rest))
            break
    m2 = _MID_LINE.search(text)
    if m2:
        line_start = text.rfind("\n", 0, m2.start()) + 1
        candidates.append((line_start, m2.group(1)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])


def find_tags(text: str) -> tuple[tuple[str, ...], int]:
    """The codes of the first TAGS line of ``text`` and its 1-based line number (``((), 0)`` if none)."""
    if not isinstance(text, str) or not text:
        return (), 0
    found = _first_label(text)
    if found is None:
        return (), 0
    offset, rest = found
    line_no = text.count("\n", 0, offset) + 1
    raw, stopped = _cut_at_stop(rest)
    if not stopped:
        line_end = text.find("\n", offset)
        if line_end >= 0:
            next_end = text.find("\n", line_end + 1)
            following = text[line_end + 1 : next_end if next_end >= 0 else len(text)]
            head, _ = _cut_at_stop(following)
            if head.strip() and _is_continuation(head):
                raw = f"{raw} {head}"
    return split_tags(raw), line_no
