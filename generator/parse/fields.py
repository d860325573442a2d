"""Header and trailer fields of a cable's telegram, one small parser each.

Syntax accepted, with real lines from 07USNATO577 as examples:

- classification value ``CONFIDENTIAL//NOFORN`` -> level and caveats;
- banner ``C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577`` (also run together
  ``CONFIDENTIAL USNATO 000577``, ``UNCLAS SENSITIVE``, ``S E C R E T``) -> level, caveats,
  station and serial;
- date-time group ``O 241509Z OCT 07`` -> ``2007-10-24 15:09``;
- ``FM USMISSION USNATO``;
- addressees ``TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311`` and ``INFO ...`` lists;
- ``Classified By: Charge Richard Olson for reasons 1.4 (b),(d)``;
- ``E.O. 12958: DECL: 10/17/2017``;
- ``1. (C/NF) Summary: ... End summary.``;
- the signer, the last line of the text: ``OLSON``.

Every function is pure, takes the text as a str and never raises: it returns empty
values when it finds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Recipient


def _fold(text: str) -> str:
    """Whitespace runs as one space, ends stripped (``str.split`` splits at what ``\\s`` matches)."""
    return " ".join(text.split())


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- classification ---------------------------------------------------------------------

FOUO = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
_FOUO_VALUE = re.compile(
    r"^\s*UNCLAS(?:SIFIED)?\s*(?://|/|\s)\s*(?:FOR\s+OFFICIAL\s+USE\s+ONLY|FOUO|SENSITIVE|SBU)\b",
    re.IGNORECASE,
)


def split_classification(value: str) -> tuple[str, tuple[str, ...]]:
    """``CONFIDENTIAL//NOFORN`` -> (``CONFIDENTIAL``, (``NOFORN``,)); FOUO stays in the level."""
    if not isinstance(value, str):
        return "", ()
    value = _fold(value).upper()
    if not value:
        return "", ()
    m = _FOUO_VALUE.match(value)
    if m:
        level, rest = FOUO, value[m.end() :]
    else:
        level, _, rest = value.partition("//")
        level = level.strip()
    caveats = tuple(c.strip() for c in re.split(r"/+", rest) if c.strip())
    return level, caveats


# --- banner -----------------------------------------------------------------------------


def _spaced(word: str) -> str:
    return r"\s?".join(word)


_BANNER = re.compile(
    r"(?<![A-Za-z])(?P<level>" + _spaced("CONFIDENTIAL") + "|" + _spaced("SECRET") + "|"
    + _spaced("UNCLASSIFIED") + "|" + _spaced("UNCLAS") + r"|LIMITED\s+OFFICIAL\s+USE)"
    r"(?P<sens>[ \t]+SENSITIVE)?"
    r"(?:[ \t]+(?:SECTION|SECTON)[ \t]+\d{1,2}[ \t]+OF[ \t]+\d{1,2})?"
    r"[ \t]+(?P<station>[A-Z][A-Z.'-]*(?:[ \t][A-Z][A-Z.'-]*){0,3}?)"
    r"[ \t]+(?P<serial>\d{3,7})(?!\d)"
)
_CAVEAT = re.compile(r"\b(NOFORN|NODIS|EXDIS|LIMDIS|ORCON|STADIS|ROGER|CHEROKEE)\b")
_CAVEAT_WINDOW = 400
_SENSITIVE = re.compile(r"\bSENSITIVE\b")
_END_OF_PREAMBLE = re.compile(r"E\.?\s?O\.?\s*1\d{4}|\bTAGS\b|\bSUBJECT\b", re.IGNORECASE)


def parse_banner(text: str) -> tuple[str, tuple[str, ...], str, str]:
    """(level, caveats, station, serial) of the first banner line; ``("", (), "", "")`` if none."""
    if not isinstance(text, str):
        return "", (), "", ""
    m = _BANNER.search(text)
    if not m:
        return "", (), "", ""
    word = m.group("level").replace(" ", "").upper()
    if word.startswith("UNCLAS"):
        level = FOUO if m.group("sens") else "UNCLASSIFIED"
    elif word.startswith("LIMITED"):
        level = "LIMITED OFFICIAL USE"
    else:
        level = word
    window = text[m.end() : m.end() + _CAVEAT_WINDOW]
    stop = _END_OF_PREAMBLE.search(window)
    if stop:
        window = window[: stop.start()]
    if level == "UNCLASSIFIED" and _SENSITIVE.search(window):
        level = FOUO  # UNCLAS ... 000123 / SIPDIS / SENSITIVE: cablegate's FOUO level
    caveats: list[str] = []
    for c in _CAVEAT.findall(window):
        if c not in caveats:
            caveats.append(c)
    return level, tuple(caveats), _fold(m.group("station")), m.group("serial")


# --- date-time group --------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DTG = re.compile(
    r"(?m)^[ \t]*(?:[ZOPRM][ \t]){0,2}[ \t]*(\d{2})(\d{2})(\d{2})Z[ \t]+"
    r"(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEPT?|OCT|NOV|DEC)[ \t]+(\d{4}|\d{2})\b",
    re.IGNORECASE,
)


def _two_digit_year(yy: str) -> int:
    n = int(yy)
    return 1900 + n if n >= 66 else 2000 + n


def parse_dtg(text: str) -> str:
    """``O 241509Z OCT 07`` -> ``2007-10-24 15:09`` (years 66..99 are 19xx); ``""`` if none."""
    if not isinstance(text, str):
        return ""
    for m in _DTG.finditer(text):
        day, hour, minute = int(m.group(1)), int(m.group(2)), int(m.group(3))
        month = _MONTHS[m.group(4).upper()[:3]]
        year_s = m.group(5)
        year = int(year_s) if len(year_s) == 4 else _two_digit_year(year_s)
        if 1 <= day <= 31 and hour < 24 and minute < 60:
            return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
    return ""


# --- FM, TO, INFO -----------------------------------------------------------------------

_FM = re.compile(r"(?m)^[ \t]*FM[ \t]+(\S.*?)[ \t]*$")


def parse_from(text: str) -> str:
    """``FM USMISSION USNATO`` -> ``USMISSION USNATO``; ``""`` if there is no FM line."""
    if not isinstance(text, str):
        return ""
    m = _FM.search(text)
    return _fold(m.group(1)) if m else ""


_LIST_START = re.compile(r"^[ \t]*(TO|INFO)[ \t]+(\S.*)$")
_ACTION_INFO = re.compile(r"\b[A-Z]{1,5}-\d{2}\b")  # INFO  LOG-00   EEB-00 ... (not addressees)
_ADDRESSEE = re.compile(
    r"^(?:(?P<routing>[A-Z][A-Z0-9]{2,7})/)?(?P<station>.*?)"
    r"(?:[ \t]+(?P<prec>(?:NIACT[ \t]+)?(?:IMMEDIATE|PRIORITY|ROUTINE|FLASH)))?"
    r"(?:[ \t]+(?P<serial>\d{1,5}(?:-\d{1,5})?))?[ \t]*$"
)
_LIST_STOP = re.compile(
    r"^[ \t]*(?:BT\b|Z[A-Z]{2}[ \t]|SIPDIS\b|E\.?\s?O\.?\s*1\d{4}|TAGS\b|SUBJECT\b|"
    + _spaced("CONFIDENTIAL") + "|" + _spaced("SECRET") + "|" + _spaced("UNCLAS") + ")",
    re.IGNORECASE,
)


def _addressee(kind: str, entry: str) -> Recipient | None:
    entry = _fold(entry).rstrip(",;")
    if not entry:
        return None
    m = _ADDRESSEE.match(entry)
    if not m or not m.group("station").strip():
        return None
    routing = m.group("routing") or ""
    if routing == "ZEN":  # ZEN/...: delivered by other means, no routing indicator
        routing = ""
    prec = _fold(m.group("prec") or "")
    return Recipient(kind=kind, routing=routing, station=_fold(m.group("station")),
                     precedence=prec, serial=m.group("serial") or "")


def parse_recipients(header: str) -> tuple[Recipient, ...]:
    """The TO then INFO addressees of the routing header, continuation lines in the last list."""
    if not isinstance(header, str):
        return ()
    lines = header.splitlines()
    fm = next((i for i, line in enumerate(lines) if _FM.match(line)), -1)
    out: list[Recipient] = []
    kind = ""
    for line in lines[fm + 1 :]:
        if not line.strip():
            if kind:
                break
            continue
        start = _LIST_START.match(line)
        if start and not _ACTION_INFO.search(line):
            kind = start.group(1).lower()
            entry = start.group(2)
        elif not kind:
            continue
        elif _LIST_STOP.match(line):
            break
        else:
            entry = line
        r = _addressee(kind, entry)
        if r is not None:
            out.append(r)
    return tuple(out)


# --- Classified By, declassification ----------------------------------------------------

_CLASSIFIED_BY = re.compile(
    r"CLASSIFIED[ \t]+BY[ \t]*:?[ \t]*(?:CLASSIFIED[ \t]+BY[ \t]*:?[ \t]*)?", re.IGNORECASE
)
# ``for reasons``, also as mistyped in the source (``REAS ONS``, ``r easons``).
_REASONS = re.compile(
    r"[,.;:]?\s*\b(?:(?:FOR|UNDER|PER)\s+)?R\s?E\s?A\s?S\s?O\s?N\s?S?\b\s*[:.]?\s*", re.IGNORECASE
)
# No "reasons" keyword: the reason number itself (``PolCouns Dennis Hearne, 1.4 (B) & (D)``).
_REASON_NUMBER = re.compile(
    r"[,;:]?\s*(?:\b(?:PER|UNDER|FOR)\s+)?(?:SECTION\s*)?(?=\b1\.[4-6]\s*\(?[A-H]\b)", re.IGNORECASE
)
# Where the reasons end when the body follows on the same line.
_REASONS_END = re.compile(
    r"\s\((?:U|C|S|SBU|C/NF|S/NF|C//NF|S//NF)\)\s|¶|-{3,}|\s\d{1,2}\s*\.\s*\(|\sSUMMARY\b|\\",
    re.IGNORECASE,
)
_PARA_START = re.compile(r"^\s*(?:¶|\d{1,2}\s*\.|SUMMARY\b|\(\s*[A-Z/]{1,6}\s*\))", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[)\d])\s*\.\s+(?=\S)")


def _joined_lines(text: str, start: int, limit: int = 3) -> str:
    """The line holding ``start`` from there on, plus up to ``limit - 1`` wrapped lines."""
    rest = text[start:].split("\n", limit)[:limit]
    parts = [rest[0]]
    for line in rest[1:]:
        if not line.strip() or _PARA_START.match(line):
            break
        parts.append(line)
    return _fold(" ".join(parts))


def parse_classified_by(text: str) -> tuple[str, str, int]:
    """(official, reasons, line) of ``Classified By: X for reasons 1.4 (b),(d)``; ``("", "", 0)``."""
    if not isinstance(text, str):
        return "", "", 0
    m = next(_matches(_CLASSIFIED_BY, "classified", text), None)
    if not m:
        return "", "", 0
    joined = _joined_lines(text, m.end())
    r = _REASONS.search(joined) or _REASON_NUMBER.search(joined)
    if r:
        who, why = joined[: r.start()], joined[r.end() :]
        for pattern in (_REASONS_END, _SENTENCE_END):
            end = pattern.search(why)
            if end:
                why = why[: end.start()]
    else:
        who, why = joined, ""
    who = who.strip(" ,;:.-")
    why = why.strip(" ,;:.-")
    return who, why, _line_of(text, m.start())


_EO = re.compile(r"E\.?[ \t]?O\.?[ \t]*1\d{4}[ \t]*:?[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)
_DECL = re.compile(r"\bDECL(?:ASSIFY)?\b\s*(?:ON)?\s*[:.]?\s*", re.IGNORECASE)
_DECL_END = re.compile(r"\s\bTAGS?\b|TAGS?\s*:|\s\"TAGS\b|\bSUBJECT\b|\bSIPDIS\b|\s\(|\\", re.IGNORECASE)
_NARA = re.compile(r"DECLASSIFIED[ \t]+BY[ \t]+NARA[^\n]*", re.IGNORECASE)


def parse_declassify(text: str) -> tuple[str, int]:
    """``E.O. 12958: DECL: 10/17/2017`` -> (``10/17/2017``, line); ``N/A``, ``GDS 8/12/85``..."""
    if not isinstance(text, str):
        return "", 0
    m = _EO.search(text)
    if m:
        rest = m.group(1)
        d = _DECL.search(rest)
        if d:
            rest = rest[d.end() :]
        end = _DECL_END.search(rest)
        if end:
            rest = rest[: end.start()]
        value = _fold(rest).strip(" ,;:")
        if value.endswith(".") and not re.search(r"\d\.[A-Z0-9]*\.$", value):
            value = value[:-1]
        return value, _line_of(text, m.start())
    n = _NARA.search(text)
    if n:
        return _fold(n.group(0)).rstrip("."), _line_of(text, n.start())
    return "", 0


# --- summary and signer -----------------------------------------------------------------

_SUMMARY = re.compile(
    r"(?im)(?=s)(?<![^\s.)])SUMMARY(?:\s+AND\s+(?:COMMENT|ACTION\s+REQUEST))?"
    r"\s*(?::|\.|-{1,2}|\n\s*-{3,}[ \t]*\n|[ \t]*$)"
)
"""``Summary:`` and its variants; the lookahead first lets the engine skip to candidates."""
_END_SUMMARY = re.compile(r"(?=[(eE])\(?\bEND\s+(?:OF\s+)?SUMMARY\b\s*(?:AND\s+COMMENT\b)?\.?\)?", re.IGNORECASE)
"""``End summary.`` and its variants; the lookahead, as in ``_SUMMARY``, halves the search."""
_PARA_MARK = re.compile(r"^(?:¶\s*)?(?:\d{1,2}\s*\.\s*)?(?:\(\s*[A-Z]{1,4}(?:\s*/+\s*[A-Z]{1,8})*\s*\)\s*)?")
_SUMMARY_MAX = 6000
_SUBJECT_LINE = re.compile(r"\s*SUBJ", re.IGNORECASE)


def _matches(pattern: re.Pattern[str], word: str, text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, for a case-insensitive pattern whose matches all start with
    ``word`` (lower case). In ASCII text, ``str.find`` on the lower-cased text goes from one
    occurrence of the word to the next, several times faster than the regex engine trying
    every character (most of a cable's parsing time went in such scans)."""
    if not text.isascii():  # lower() may change the length of some other characters
        yield from pattern.finditer(text)
        return
    low = text.lower()
    at = low.find(word)
    while at >= 0:
        m = pattern.match(text, at)
        if m is not None:
            yield m
        at = low.find(word, at + 1 if m is None else m.end())


def parse_summary(text: str) -> str:
    """The text between ``Summary:`` and ``End summary.``, whitespace folded; ``""`` if none."""
    if not isinstance(text, str):
        return ""
    for m in _matches(_SUMMARY, "summary", text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _SUBJECT_LINE.match(text, line_start, m.start()):
            continue
        body = text[m.end() : m.end() + _SUMMARY_MAX]
        end = _END_SUMMARY.search(body)
        if end:
            body = body[: end.start()]
        else:
            para = re.search(r"\n[ \t]*\n(?=[ \t]*\S)", body.lstrip("\n -"))
            body = body.lstrip("\n -")
            if para:
                body = body[: para.start()]
        summary = _fold(_PARA_MARK.sub("", _fold(body).lstrip("-=_ :.")))
        if summary:
            return summary
    return ""


_TRAILER_NOISE = re.compile(
    r"^(?:BT|NNNN|#\d+|>+|\.+|=+.*|-+|\\)$|^(?:END\s+OF\s+)?(?:TEXT|MESSAGE)$"
    r"|^(?:CONFIDENTIAL|SECRET|UNCLASSIFIED|UNCLAS|LIMITED OFFICIAL USE)$",
    re.IGNORECASE
)
_NAME = re.compile(r"^[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+)?\.?$")
_NOT_NAMES = frozenset(
    ["SIPDIS", "NOFORN", "CONFIDENTIAL", "SECRET", "UNCLASSIFIED", "UNCLAS", "SENSITIVE", "END", "NOTE", "COMMENT", "BT", "NNNN", "SUMMARY", "DECL", "TAGS", "SUBJECT", "REF", "PAGE", "SECTION"]
)


def parse_signer(text: str) -> str:
    """The last name signing the cable (``OLSON``), upper-cased; ``""`` when the text ends otherwise."""
    if not isinstance(text, str):
        return ""
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip().rstrip("\\").strip()
        if not line or _TRAILER_NOISE.match(line):
            continue
        if not _NAME.match(line):
            return ""
        before = lines[i - 1].strip() if i > 0 else ""
        prose = len(before.split()) >= 5 and not re.search(r"https?:|www\.|website", before, re.I)
        if not line.isupper() and before[-1:].islower() and prose:
            return ""  # ``Legislative / Assembl``: the end of a cut-off sentence, not a signature
        words = line.rstrip(".").upper().split()
        if any(w in _NOT_NAMES for w in words):
            return ""
        if len(words) == 2 and words[0] == words[1]:
            words = words[:1]
        return " ".join(words)
    return ""
