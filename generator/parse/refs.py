"""The REF block of a cable: where it is and which cables it names.

A REF block follows the SUBJECT line and comes before ``Classified By`` or the
first numbered paragraph, as in 07USNATO577::

    REF: A. USNATO 263

    B. USNATO 430

    C. USNATO 544

    Classified By: Charge Richard Olson for reasons 1.4 (b),(d)

:func:`find_ref_block` cuts that block out of the telegram text (page markers
and repeated section headers may still be in it); :func:`parse_refs` turns it
into ``Reference`` records: ``("A", "USNATO 263", "07USNATO263")``...

Accepted shapes: the keyword ``REF:``, ``REFS:``, ``REF.:``, ``REFERENCE:``,
``REFTEL:`` (or ``REF`` before a bullet); items lettered ``A.``, ``A)``, ``(A)``,
``¶B.``, ``A:`` in sequence (a doubled ``A. (A)`` counts once), over several
lines and blank lines, or one unlettered item; a cable as ``[YY|YYYY] POST
SERIAL [(YY|YYYY)]`` (``A. 2005 MOSCOW 14734``, ``COLOMBO 02259 (2002)``), the
post in any spelling :func:`~generator.parse.ids.normalize_station` knows
(``SAN JOSE``, ``RIO DE JAN``, ``SECSTATE``), several serials of one post
(``BRASILIA 2799 AND 2764``, ``2799, 2764``, ``2799/2764``), or a glued id
(``08CAIRO1234``). Items that name no cable (e-mails, telcons, memcons) are kept
with id ``""``. An item naming several cables gives one Reference per cable,
each with the item's letter and the words that name that cable as text.
References to the citing cable itself and repeats of an id are dropped.
"""

from __future__ import annotations

import re

from ..model import Reference
from .ids import MAX_STATION_WORDS, STATIONS, canonical_id, normalize_station, repair_id, split_id

# --- finding the block -------------------------------------------------------

_REF_START = re.compile(
    r"(?m)^[ \t]*(?:¶[ \t]*)?(?:"
    r"(?:REFS?|REFTELS?|REFERENCES?|Refs?|Reftels?|References?|refs?)[ \t]*\.*[ \t]*:"
    r"|(?:REFS?|REFTELS?|Refs?)(?:[ \t]*\.+|(?=[ \t]+(?:\(?[A-Z][.):]|[A-Z][ \t]|\d|[A-Z]{3,}\b))))"
)
_REF_LETTERED = re.compile(r"(?:^|(?<=[\s;,]))(?i:REFS?)[ \t]+\(?([A-Z])\)?[ \t]*[:.)]?(?=\s)", re.M)
"""``REF A: STATE 120288`` / ``Ref B: Reykjavik 108``: items written with the keyword."""
_CLASSIFIED_BY = re.compile(r"\b(?:Classified|CLASSIFIED|classified)\s+(?:By|BY|by)\b")
_PARA_START = re.compile(r"^\s*(?:¶\s*)?\d{1,2}\s*[.)](?:\s|$|\()|^\s*¶\s*\d{1,2}(?!\d)")
_HEADER_END = re.compile(
    r"^\s*(?:(?:BEGIN\s+|1\.\s*)?SUMMARY\b|Summary\b|(?:E\.\s?O\.|EO)\s+\d{5}|TAGS\b|SUBJECT\b|Subject:|SUBJ:"
    r"|BACKGROUND\b|ACTION\s+REQUEST|THIS\s+IS\s+AN\s+ACTION|SENSITIVE\s+BUT\s+UNCLASSIFIED\b|-{3,}"
    r"|(?:id|date|refid|origin|destination|header):\s"  # metadata of a cable cut off by the site"
    r"|\((?:U|SBU|S/NF|C/NF|S//NF|C//NF|U/FOUO|SBU/NF|FOUO|S/REL)\)|\((?:C|S)\)(?=(?:\s+\S+){10}))"
)
_INLINE_END = re.compile(
    r"\b(?:Classified|CLASSIFIED|classified)\s+(?:By|BY|by)\b|¶\s*\d{1,2}\s*\."
    r"|(?<=\s)1\s?\.\s*(?:\(|[A-Z][a-z]|SUMMARY\b)"
    r"|(?<=\s)\((?:U|SBU|S/NF|C/NF|S//NF|C//NF|U/FOUO|SBU/NF|FOUO)\)\s"
    r"|(?i:sensitive\s+but\s+unclassified\.?\s+please\s+handle)|Visit\s+\w+'s\s+Classified|VZCZC|\*{5}"
    r"|(?:\b[A-Z][a-z]+\s+)?(?:\b[a-z][a-z'’-]*,?\s+){3,}[a-z]"  # a sentence: four lower-case words
)
_BULLET_LINE = re.compile(r"^\s*(?:¶\s*)?(?:\((?P<p>[A-Za-z])\s?\)|(?P<d>[A-Za-z])\s?[.):])(?:\s|$)")
_SECTION_HEADER = re.compile(
    r"^\s*(?:(?:[A-Z] ){4,}[A-Z]|UNCLAS|SECRET|CONFIDENTIAL|UNCLASSIFIED)\s+S?E?C?T?ION\s*\d+\s+[OG]?F\s+\d+\b.*$"
)
_FIRST_SEARCH_LINES = 200
_MAX_BLOCK_LINES = 100


def _is_marker_line(line: str) -> bool:
    stripped = _strip_markers(line).strip(" \t\\")
    return not stripped or _SECTION_HEADER.match(line) is not None


def find_ref_block(text: str) -> tuple[str, int]:
    """The raw REF block of ``text`` (from the keyword on) and its 1-based line; ``("", 0)`` when none.

    Only a block in the header part counts: the search stops at the first
    numbered paragraph, so ``REF A`` in the body is never taken (the block may
    come after ``Classified By``). The block ends before ``Classified By``, a numbered paragraph,
    ``SUMMARY``, a heading, a paragraph marking such as ``(SBU)``, or a blank
    line followed by anything but the next lettered item.
    """
    lines = text.split("\n", _FIRST_SEARCH_LINES + _MAX_BLOCK_LINES)[: _FIRST_SEARCH_LINES + _MAX_BLOCK_LINES]
    start = -1
    for i, line in enumerate(lines[:_FIRST_SEARCH_LINES]):
        if _REF_START.match(line):
            start = i
            break
        if _PARA_START.match(line):
            return "", 0
    if start < 0:
        return "", 0
    taken: list[str] = []
    blank_before = False
    for i in range(start, len(lines)):
        line = lines[i].rstrip()
        if i > start:
            if not line.strip(" \t\\"):
                blank_before = True
                taken.append(line)
                continue
            if _PARA_START.match(line) or _HEADER_END.match(line) or _CLASSIFIED_BY.match(line.strip()):
                break
            if _is_marker_line(line):
                taken.append(line)
                continue
            if blank_before and _has_content(taken) and not _continues(taken, line):
                break
        m = _INLINE_END.search(line, _REF_START.match(line).end() if i == start else 0)
        if m:
            if line[: m.start()].strip():
                taken.append(line[: m.start()].rstrip())
            break
        taken.append(line)
        blank_before = False
    while taken and not taken[-1].strip(" \t\\"):
        taken.pop()
    return "\n".join(taken), start + 1


def _has_content(taken: list[str]) -> bool:
    """True once the block holds more than its keyword."""
    return bool(_clean_block("\n".join(taken)))


def _continues(taken: list[str], line: str) -> bool:
    """After a blank line: does ``line`` start the item that follows the block's last one?"""
    if _REF_START.match(line):
        return True  # the keyword repeated: "REF: A. NEW DELHI 878" twice
    m = _BULLET_LINE.match(line)
    if not m:
        return False
    letter = m.group("p") or m.group("d")
    if letter in "Aa":
        return False
    return _BULLETS[chr(ord(letter) - 1)].search(_clean_block("\n".join(taken))) is not None


# --- cleaning the block ------------------------------------------------------

_PAGE_MARKER = re.compile(
    r"PAGE\s+\d{2,3}\s+[A-Z][A-Z ]{0,30}?\s+\d{5}\s+\d{2}\s+OF\s+\d{2}\s+\d{6}Z"
    r"|PAGE\s+\d{2,3}\s+[A-Z][A-Z ]{0,30}?\s+\d{5}\s+\d{6}Z"
)
_SERIAL_MARKER = re.compile(
    rf"(?P<pre>(?:[A-Za-z][A-Za-z'-]*\s+){{0,{MAX_STATION_WORDS}}})\d{{8}}\s+\d{{3}}(?:\.\d+)?\s+OF\s+\d{{3}}\b"
)
_HANDLING = re.compile(
    r"\b(?:SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE\s+BUT\s+UNCLASSIFIED(?:\s*-\s*PLEASE\s+PROTECT)?"
    r"|LIMITED\s+OFFICIAL\s+USE|UNCLASSIFIED|CONFIDENTIAL|SECRET|UNCLAS)\b(?:\s*//?\s*NOFORN)?"
)


def _drop_serial_marker(m: re.Match[str]) -> str:
    """``NEW DELHI 00009127 001.2 OF 006`` -> ``""``, keeping words before the post."""
    words = m.group("pre").split()
    for n in range(len(words), 0, -1):
        spelled = " ".join(words[-n:])
        if normalize_station(spelled) or _is_truncated_station(spelled):
            return " ".join(words[:-n]) + " "
    return m.group("pre")


def _is_truncated_station(spelled: str) -> bool:
    """``TEGUCIGALP``, ``ADDIS ABAB``: page markers cut the post to ten letters."""
    joined = "".join(spelled.upper().split())
    return len(joined) >= 6 and joined.isalpha() and any(s.startswith(joined) for s in STATIONS)


def _strip_markers(text: str) -> str:
    text = _PAGE_MARKER.sub(" ", text)
    return _SERIAL_MARKER.sub(_drop_serial_marker, text)


def _clean_block(block: str) -> str:
    """The block's items as one line: keyword, markers, section headers and ``\\`` removed."""
    lines = [ln.rstrip().rstrip("\\") for ln in block.split("\n") if not _SECTION_HEADER.match(ln)]
    text = _REF_LETTERED.sub(r"\1.", "\n".join(lines))
    text = _REF_START.sub("", text)
    text = _strip_markers(text)
    return " ".join(text.split())


# --- items -------------------------------------------------------------------

_FIRST_BULLET = re.compile(r"^(?:¶\s*)?(?:\((?P<p>[A-Za-z])\s?\)|(?P<d>[A-Za-z])\s?[.):](?=\s|$))")


_REF_LETTER = re.compile(r"^REFS?\s*:?\s*(?:\((?P<p>[A-Za-z])\)|(?P<d>[A-Za-z])\s?[.):]?)(?=\s|$)", re.I)


def _bullet(letter: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:(?<=\s)|(?<=^)|(?<=[,;]))(?:¶\s*)?(?:\({letter}\s?\)|{letter}\s?[.):](?=\s|$|\())"
    )


_BULLETS = {c: _bullet(f"[{c.upper()}{c.lower()}]") for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


def split_items(items: str) -> list[tuple[str, str]]:
    """``"A. USNATO 263 B. USNATO 430"`` -> ``[("A", "USNATO 263"), ("B", "USNATO 430")]``.

    Letters must follow each other from A; text that does not start with a
    bullet ``A`` is unlettered: one item, or several separated by ``;``.
    """
    first = _FIRST_BULLET.match(items)
    if not first or (first.group("p") or first.group("d")) not in "Aa":
        return [("", part.strip()) for part in items.split(";") if part.strip()]
    lower = (first.group("p") or first.group("d")) == "a"
    out: list[tuple[str, str]] = []
    pos = first.end()
    code = ord("a" if lower else "A")
    while True:
        letter = chr(code)
        nxt = chr(code + 1) if letter not in "zZ" else ""
        m = _BULLETS[nxt].search(items, pos) if nxt else None
        end = m.start() if m else len(items)
        out.append((letter.upper(), _drop_repeated_bullet(items[pos:end].strip(), letter)))
        if not m:
            return out
        pos, code = m.end(), code + 1


def _drop_repeated_bullet(text: str, letter: str) -> str:
    """``"(A) STATE 1149"`` in item A -> ``"STATE 1149"`` (the site doubled some letters)."""
    m = _FIRST_BULLET.match(text) or _REF_LETTER.match(text)
    if m and (m.group("p") or m.group("d")).upper() == letter.upper():
        return text[m.end() :].strip()
    if len(text) > 2 and text[0].upper() == letter.upper() and text[1] == " " and text[2].isupper():
        return text[2:]  # "B HAVANA 772" in item B
    return text


# --- cables in an item -------------------------------------------------------

_TOKEN = re.compile(
    r"\d{1,2}/\d{1,2}/\d{2,4}"  # a date, never a serial
    r"|(?P<glued>\d{2}[A-Z]{3,}\d+)\b"
    r"|(?P<num>\d+)"
    r"|(?P<word>[A-Za-z][A-Za-z'.\-]*)"
    r"|(?P<sep>,|/|&|;|\(|\))"
)
_MONTHS = frozenset(
    {"JAN", "JANUARY", "FEB", "FEBRUARY", "MAR", "MARCH", "APR", "APRIL", "MAY", "JUN", "JUNE", "JUL", "JULY"}
    | {"AUG", "AUGUST", "SEP", "SEPT", "SEPTEMBER", "OCT", "OCTOBER", "NOV", "NOVEMBER", "DEC", "DECEMBER"}
)
_NO_REFS = re.compile(r"^(?:NONE|N/A|NA|NOT APPLICABLE)\.?$", re.I)
_TRAIL = re.compile(r"[\s,;:.]+$")
MAX_SERIAL_DIGITS = 7


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, value, start, end) for each token of an item."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "date"
        out.append((kind, m.group(), m.start(), m.end()))
    return out


def _station_before(toks: list[tuple[str, str, int, int]], i: int) -> tuple[str, int]:
    """The station spelled by the words just before token ``i``, and its first token."""
    for n in range(MAX_STATION_WORDS, 0, -1):
        j = i - n
        if j < 0 or any(t[0] != "word" for t in toks[j:i]):
            continue
        station = normalize_station(" ".join(t[1].strip(".") for t in toks[j:i]))
        if station:
            return station, j
    return "", i


def _year_of(tok: tuple[str, str, int, int] | None) -> str:
    if tok is None or tok[0] != "num":
        return ""
    value = tok[1]
    if len(value) == 2 or (len(value) == 4 and 1960 <= int(value) <= 2019):
        return value[-2:]
    return ""


def _is_serial(toks: list[tuple[str, str, int, int]], i: int) -> bool:
    if i >= len(toks) or toks[i][0] != "num" or len(toks[i][1]) > MAX_SERIAL_DIGITS:
        return False
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return not (nxt and nxt[0] == "word" and nxt[1].upper().strip(".") in _MONTHS)


def find_cables(text: str, year2: str) -> list[tuple[str, str]]:
    """(id, words naming it) for each cable named in an item's ``text``, in order.

    ``year2`` is used when the item gives no year; with ``year2 == ""`` such
    cables are left out.
    """
    toks = _tokens(text)
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(toks):
        kind, value, start, end = toks[i]
        if kind == "glued":
            cid, _warn = repair_id(value)
            if cid:
                found.append((cid, value))
            i += 1
            continue
        station, first = _station_before(toks, i) if _is_serial(toks, i) else ("", i)
        if not station:
            i += 1
            continue
        year = _year_of(toks[first - 1]) if first > 0 else ""
        lead = toks[first - 1][2] if year else toks[first][2]
        post = text[toks[first][2] : toks[i - 1][3]]
        serials = [(value, text[lead:end])]
        i += 1
        while i + 1 < len(toks) and (toks[i][1] in (",", "/", "&") or toks[i][1].upper() == "AND"):
            if not _is_serial(toks, i + 1) or _starts_cable(toks, i + 2):
                break  # "2799, 08 BRASILIA 1234": 08 is the next cable's year
            serials.append((toks[i + 1][1], f"{post} {toks[i + 1][1]}"))
            i += 2
        year = _trailing_year(toks, i) or year or year2
        if year:
            found.extend((canonical_id(year, station, s), label) for s, label in serials)
    return found


def _starts_cable(toks: list[tuple[str, str, int, int]], k: int) -> bool:
    """True when the words from token ``k`` on are a post followed by a serial."""
    j = k
    while j < len(toks) and j - k < MAX_STATION_WORDS and toks[j][0] == "word":
        j += 1
    return j > k and _is_serial(toks, j) and bool(_station_before(toks, j)[0])


def _trailing_year(toks: list[tuple[str, str, int, int]], i: int) -> str:
    """``(2002)`` / ``(02)`` / ``OF 2006`` right after the serial."""
    if i + 2 < len(toks) and toks[i][1] == "(" and toks[i + 2][1] == ")":
        return _year_of(toks[i + 1])
    if i + 1 < len(toks) and toks[i][1].upper() == "OF" and len(toks[i + 1][1]) == 4:
        return _year_of(toks[i + 1])
    return ""


def _item_text(text: str) -> str:
    """An item's text: handling words and classifications gone, whitespace folded, no trailing ``;``."""
    text = _TRAIL.sub("", " ".join(_HANDLING.sub(" ", text).split()))
    if text.endswith(")") and text.count(")") > text.count("("):
        text = _TRAIL.sub("", text[:-1])
    return text


def parse_refs(block: str, *, citing_id: str, year: str) -> tuple[tuple[Reference, ...], list[str]]:
    """The REF list of ``block`` in order, and warnings.

    ``year`` is the citing cable's year (``"2007"``), used for items that give
    none. Never raises.
    """
    warnings: list[str] = []
    try:
        items = split_items(_clean_block(block))
    except (re.error, ValueError) as exc:  # pragma: no cover - defensive
        return (), [f"REF block could not be read: {exc}"]
    year2 = year[-2:] if re.fullmatch(r"\d{4}|\d{2}", year or "") else ""
    if not year2:
        warnings.append(f"no year for the citing cable {citing_id}: REF items without a year have no id")
    refs: list[Reference] = []
    seen: set[str] = set()
    for letter, raw in items:
        text = _item_text(raw)
        if not text or _NO_REFS.match(text):
            continue
        cables = find_cables(text, year2)
        if not cables and _BARE_SERIAL.fullmatch(text) and refs and refs[-1].id:
            cables = [(_same_post(refs[-1].id, text), text)]  # "A) CALCUTTA 00354 B) 00357"
        if len(cables) <= 1:
            cid = cables[0][0] if cables else ""
            _add(refs, seen, Reference(letter, text, cid), citing_id)
            continue
        for cid, label in cables:
            _add(refs, seen, Reference(letter, _item_text(label), cid), citing_id)
    return tuple(refs), warnings


_BARE_SERIAL = re.compile(rf"\d{{1,{MAX_SERIAL_DIGITS}}}")


def _same_post(cable_id: str, serial: str) -> str:
    """The id of ``serial`` from the post and year of ``cable_id``."""
    parts = split_id(cable_id)
    return canonical_id(parts[0], parts[1], serial) if parts else ""


def _add(refs: list[Reference], seen: set[str], ref: Reference, citing_id: str) -> None:
    if ref.id and (ref.id == citing_id or ref.id in seen):
        return
    if ref.id:
        seen.add(ref.id)
    refs.append(ref)
