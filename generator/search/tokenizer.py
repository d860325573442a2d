"""Words of cable text as the search index keys them; ``search.js`` holds the same rules in JS.

Accepted: any text. Rules, in order, on a line such as the seed cable's
``SUBJECT: NATO-RUSSIA'S CAX 2007 (REF 07USNATO000577)``:

1. Unicode compatibility decomposition (NFKD), accents dropped (``Sao Paulo`` from
   ``São Paulo``), curly apostrophes made straight; other non-ASCII characters separate words.
2. Lower-case.
3. A word is a run of letters and digits, apostrophes inside allowed (``russia's``).
   Anything else separates words: ``NATO-RUSSIA`` is ``nato`` and ``russia``.
4. Apostrophes: a final ``'s`` is dropped (``RUSSIA'S`` -> ``russia``), other apostrophes
   are removed (``O'NEILL`` -> ``oneill``, ``DON'T`` -> ``dont``).
5. Numbers lose leading zeros (``000577`` -> ``577``, ``07`` -> ``7``) so that the
   padded serials of the text (``HARARE 005461``) match what people type.
6. A word mixing letters and digits (an id such as ``07USNATO577``) is kept whole and
   also split into its runs: ``07usnato577``, ``7``, ``usnato``, ``577``.
7. Words longer than :data:`MAX_LEN` characters (encoded blobs) are skipped.

No stemming: ``sanction`` and ``sanctions`` are different words (the JS copy stays
small and the highlight shows exactly what matched). Stop words (:data:`STOP_WORDS`)
are left out of the index and of queries, but kept by :func:`words` so that a phrase
in quotes is checked word for word.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter, deque
from functools import lru_cache

MAX_LEN = 40

STOP_WORDS: frozenset[str] = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had", "has",
    "have", "he", "her", "his", "if", "in", "into", "is", "it", "its", "not", "of", "on", "or",
    "our", "she", "that", "the", "their", "them", "there", "these", "they", "this", "those",
    "to", "was", "we", "were", "which", "who", "will", "with", "would",
))
"""Words in nearly every cable that carry no meaning alone (``search.js`` gets them from ``meta.js``)."""
_STOP_TUPLE = tuple(sorted(STOP_WORDS))
_NONES = (None,) * len(_STOP_TUPLE)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_RUNS = re.compile(r"[a-z]+|[0-9]+")
_RUN_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c == 39 else 32
    for c in range(256))
"""``bytes.translate`` table: A-Z lower-cased, a-z, 0-9 and ``'`` kept, anything else a space."""


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    c = unicodedata.normalize("NFKD", c.translate(_APOSTROPHES))
    return "".join(" " if ord(x) > 127 else x for x in c if unicodedata.category(x) != "Mn")


def _fold_run(exc: UnicodeError) -> tuple[str, int]:
    """An ``encode`` error handler: rule 1 on a run of non-ASCII characters."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_fold_char(c) for c in exc.object[exc.start : exc.end]), exc.end


_FOLD_ERRORS = "cablesite-fold"
codecs.register_error(_FOLD_ERRORS, _fold_run)


def fold(text: str) -> str:
    """ASCII, lower-case form of ``text`` (rules 1-2); non-ASCII left overs become spaces."""
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _fold_char(m.group()), text)
    return text.lower()


def _word(raw: str) -> str:
    """Rules 4-5 on one matched word."""
    if "'" in raw:
        parts = raw.split("'")
        if parts[-1] == "s":
            parts.pop()
        raw = "".join(parts)
    if raw.isdigit():
        raw = raw.lstrip("0") or "0"
    return raw


def words(text: str) -> list[str]:
    """The words of ``text`` in order (rules 1-5, 7), ids whole, stop words kept: for phrases."""
    out = [_word(w) if "'" in w or w[0] == "0" else w for w in _WORD.findall(fold(text))]
    return [w for w in out if len(w) <= MAX_LEN]


def tokens(text: str) -> list[str]:
    """Every token of ``text`` in order: :func:`words` plus the runs of mixed words (rule 6)."""
    out = []
    for w in words(text):
        out.append(w)
        if not (w.isalpha() or w.isdigit()):
            for run in _RUNS.findall(w):
                out.append((run.lstrip("0") or "0") if run.isdigit() else run)
    return out


def terms(text: str) -> list[str]:
    """Index terms of ``text``: :func:`tokens` without stop words, in order, repeats kept."""
    return [t for t in tokens(text) if t not in STOP_WORDS]


def term_counts(text: str) -> Counter[str]:
    """How often each index term occurs in ``text``: :func:`terms` counted, made faster.

    The text is encoded to ASCII (non-ASCII runs folded by an error handler), cut into runs
    of letters, digits and apostrophes by one ``bytes.translate`` (which also lower-cases)
    and ``split``, and the runs counted, all in C. Most distinct runs are all letters and
    need nothing more; rules 3-7 are applied only to the others (about one in six), once
    each: a run without an apostrophe is exactly one match of rule 3's regex, which never
    matches across other characters.
    """
    counts = Counter(text.encode("ascii", _FOLD_ERRORS).translate(_RUN_BYTES).decode("ascii").split())
    odd = [w for w in counts if not w.isalpha()]
    if counts and max(map(len, counts)) > MAX_LEN:
        odd += [w for w in counts if len(w) > MAX_LEN and w.isalpha()]
    mixed = []
    for raw in odd:
        if "'" in raw or raw[0] == "0" or len(raw) > MAX_LEN:
            n = counts.pop(raw)
            for match in _WORD.findall(raw) if "'" in raw else (raw,):
                w = _word(match)
                if len(w) <= MAX_LEN:
                    counts[w] += n
                    if not (w.isalpha() or w.isdigit()):
                        mixed.append(w)
        elif not raw.isdigit():
            mixed.append(raw)
    for w in dict.fromkeys(mixed):  # rule 6 on each mixed word's final count
        n = counts[w]
        for run in _RUNS.findall(w):
            counts[(run.lstrip("0") or "0") if run.isdigit() else run] += n
    deque(map(counts.pop, _STOP_TUPLE, _NONES), 0)  # 50 lookups, not a pass over every distinct word
    return counts
