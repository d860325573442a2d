"""Split a telegram into routing header and text; clean the text; find its structure.

A telegram as the sources give it (07USNATO577)::

    VZCZCXRO8195
    OO RUEHDE
    DE RUEHNO #0577/01 2971509
    ZNY CCCCC ZZH
    O 241509Z OCT 07
    FM USMISSION USNATO
    TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311
    C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577
    ...
    USNATO 00000577 002 OF 003

:func:`split_header` cuts the ``VZCZC``...``FM``/``TO``/``INFO`` part off;
:func:`clean_body` removes what the transmission added (the header block
repeated after ``SECTION nn OF nn``, page markers such as
``USNATO 00000577 002 OF 003`` or ``PAGE 02 ROME 01196 01 OF 02 082030Z``,
a ``SIPDIS`` line dropped inside a sentence, the ``¶`` paragraph marks);
:func:`blocks` finds numbered paragraphs ``1. (C/NF) ...``, sub-paragraphs
``A. ...`` and headings for the renderer. None of them raises.
"""

from __future__ import annotations

import functools
import re

from ..model import Block

_BANNER = re.compile(
    r"^\s*(?:C\s?O\s?N\s?F\s?I\s?D\s?E\s?N\s?T\s?I\s?A\s?L|S\s?E\s?C\s?R\s?E\s?T|UNCLAS|"
    r"U\s?N\s?C\s?L\s?A\s?S|LIMITED OFFICIAL USE|CONFIDENTIAL|SECRET)\b"
)
_HEADER_START = re.compile(r"VZCZC|DE[ \t]+R[A-Z]{3,}[ \t]+#|(?:[OPRZ]{1,2}[ \t]+){1,2}\d{6}Z[ \t]+[A-Z]{3}[ \t]+\d{2}\b|FM[ \t]")
_HEADER_LINE = re.compile(r"(?:DE|ZNY|ZNR|FM|TO|INFO)[ \t]|[OPRZ]{1,2}[ \t]+(?:[OPRZ][ \t]+)?\d{6}Z|[OPRZ]{1,2}[ \t]+R[A-Z]{4}")
_SECTION = re.compile(r"\bSECTION\s+\d+\s+OF\s+\d+\b")
_SECTION_NO = re.compile(r"(SECTION\s+)\d+(\s+OF)")
_PAGE_MARKER = re.compile(
    r"^[ \t]*(?:PAGE\s+\d+\s+)?[A-Z][A-Z .'()-]*?\s+\d{3,}\s+\d{2,3}\s+OF\s+\d{2,3}"
    r"(?:\s+\d{6}Z)?[ \t]*$"
)
_STRAY_SIPDIS_ANY = re.compile(r"SIPDIS(?:[ \t]*\n\s*|[ \t]+)[a-z]")
_SENTENCE_END = re.compile(r"""[.:;!?)"'\]]\s*$""")
_PILCROW = re.compile(r"\n¶[ \t]*")
_SIPDIS_LEAD = re.compile(r"^SIPDIS[ \t]+(?=[a-z])")

_PARA = re.compile(r"^(\d{1,3})\s*[.)]\s*(?:\(([A-Z][A-Z/ -]{0,15})\)\s*)?")
_SUBPARA = re.compile(r"^(?:\(([A-Z])\)|([A-Z])[.)])\s+(?:\(([A-Z][A-Z/ -]{0,15})\)\s*)?(?=\S)")
_DASHES = re.compile(r"^[ \t]*-{3,}[- \t]*$")
_CAPS_COLON = re.compile(r"^[A-Z0-9][A-Z0-9 ,'/&().-]{2,78}:$")


def split_header(telegram: str) -> tuple[str, str]:
    """``(header, text)``: the routing header (``VZCZC``... to the TO/INFO lines) and the rest.

    A telegram that does not start with a routing header gives ``("", telegram)``.
    The header ends at the first blank line or at the classification banner.
    """
    stripped = telegram.lstrip("\n")
    if not _HEADER_START.match(stripped):
        return "", telegram
    lines = stripped.split("\n")
    seen_fm = False
    for i, line in enumerate(lines):
        if not line.strip():
            if not seen_fm and _header_goes_on(lines, i):
                continue
            return "\n".join(lines[:i]), "\n".join(lines[i + 1 :])
        if line.startswith("FM "):
            seen_fm = True
        elif seen_fm and _BANNER.match(line) and not line.startswith(("TO ", "INFO ")):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return stripped, ""


def _header_goes_on(lines: list[str], i: int) -> bool:
    """Whether the routing header continues after the blank line ``i`` (no FM line yet)."""
    for line in lines[i + 1 : i + 4]:
        if line.strip():
            return bool(_HEADER_LINE.match(line))
    return False


def _norm(line: str) -> str:
    return " ".join(_SECTION_NO.sub(r"\1\2", line).split())


REPEAT_MAX = 100
"""Lines of a repeated header compared at most. The corpus's longest repeat is 13 lines; with
no bound, a file of thousands of identical sections took time quadratic in its length (a
100 MB one parsed for more than ten minutes)."""


def _drop_repeated_header(lines: list[str]) -> list[str]:
    """Remove the header block that reappears after a later ``SECTION nn OF nn`` banner."""
    starts = [i for i, line in enumerate(lines) if "SECTION" in line and _SECTION.search(line) and _BANNER.match(line)]
    if len(starts) < 2:
        return lines
    first = starts[0]
    drop: set[int] = set()
    normed: dict[int, str] = {}

    def norm(i: int) -> str:
        got = normed.get(i)
        if got is None:
            got = normed[i] = _norm(lines[i])
        return got

    for j in starts[1:]:
        limit = min(j - first, REPEAT_MAX)
        k = 0
        while k < limit and j + k < len(lines) and norm(first + k) == norm(j + k):
            k += 1
        # keep blank lines at the end of the repeat: they separate what follows
        while k > 0 and not lines[j + k - 1].strip():
            k -= 1
        drop.update(range(j, j + k))
    return [line for i, line in enumerate(lines) if i not in drop]


def _splice(lines: list[str], is_noise) -> list[str]:
    """Remove lines for which ``is_noise(line)`` holds and rejoin the text they split.

    Blank lines around a removed line go too when the text before it does not end a
    sentence (the marker fell mid-paragraph); otherwise one blank line is kept.
    """
    out: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not is_noise(line):
            out.append(line)
            i += 1
            continue
        # swallow the noise line and the blank lines after it
        i += 1
        while i < n and (not lines[i].strip() or is_noise(lines[i])):
            i += 1
        blanks = 0
        while out and not out[-1].strip():
            out.pop()
            blanks += 1
        prev = out[-1] if out else ""
        nxt = lines[i] if i < n else ""
        if out and i < n and (blanks or _SENTENCE_END.search(prev)) and not _continues(prev, nxt):
            out.append("")
    return out


def _continues(prev: str, nxt: str) -> bool:
    """True when ``nxt`` carries on the sentence ``prev`` left open."""
    if not prev.strip() or not nxt.strip():
        return False
    if _SENTENCE_END.search(prev):
        return nxt.lstrip()[:1].islower()
    first = nxt.lstrip()[:1]
    return first.islower() or first.isdigit() or not _DASHES.match(nxt) and not _PARA.match(nxt.lstrip("¶ "))


def _is_marker(line: str) -> bool:
    return " OF " in line and "SECTION" not in line and bool(_PAGE_MARKER.match(line))


def _is_stray_sipdis(lines: list[str], i: int) -> bool:
    if lines[i].strip() != "SIPDIS":
        return False
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    k = i + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    if j < 0 or k >= len(lines):
        return False
    return not _SENTENCE_END.search(lines[j]) and lines[k].lstrip()[:1].islower()


def _drop_stray_sipdis(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _is_stray_sipdis(lines, i):
            while out and not out[-1].strip():
                out.pop()
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            continue
        out.append(_SIPDIS_LEAD.sub("", lines[i]) if lines[i].startswith("SIPDIS ") else lines[i])
        i += 1
    return out


@functools.lru_cache(maxsize=2048)
def _station_marker(station: str) -> re.Pattern[str]:
    """Page markers of one station, any serial (one pattern a station, not one a cable)."""
    name = r"[ \t]?".join(re.escape(c) for c in station)
    return re.compile(
        rf"[ \t]*(?:PAGE[ \t]+\d+[ \t]+)?\b{name}[ \t]+0*(\d+)[ \t]+\d{{2,3}}[ \t]+OF[ \t]+\d{{2,3}}\b[ \t]*"
    )


def _inline_marker(station: str, serial: str):
    """A function removing this cable's page markers run into a line
    (``... in 2003  BERN 00000141 002 OF 004   was ...``), or None."""
    if not (station.isalpha() and serial.isdigit()):
        return None
    pattern, number = _station_marker(station.upper()), int(serial)

    def drop(line: str) -> str:
        return pattern.sub(lambda m: " " if int(m.group(1)) == number else m.group(0), line)

    return drop


def clean_body(text: str, *, station: str = "", serial: str = "") -> str:
    """The text of a telegram cleaned for reading (see the module docstring).

    ``station`` and ``serial`` name the cable (``USNATO``, ``577``): page markers on a
    line of their own are recognised for any station; those run into a line of text
    only for this cable's station and serial.
    """
    if "¶" in text:
        text = _PILCROW.sub("\n", "\n" + text)[1:]
    lines = [line.rstrip() for line in text.split("\n")]
    if text.count("SECTION") > 1:
        lines = _drop_repeated_header(lines)
    if " OF " in text and any(_is_marker(line) for line in lines if " OF " in line):
        lines = _splice(lines, _is_marker)
    if _STRAY_SIPDIS_ANY.search(text):
        lines = _drop_stray_sipdis(lines)
    inline = _inline_marker(station, serial)
    if inline is not None and " OF " in text:
        lines = [inline(line).rstrip() if " OF " in line else line for line in lines]
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))  # not pop(0): quadratic
    while len(lines) > first and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines[first:])


def _groups(body: str) -> list[tuple[int, list[str]]]:
    groups: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for n, line in enumerate(body.split("\n"), 1):
        if line.strip():
            if not current:
                start = n
            current.append(line)
        elif current:
            groups.append((start, current))
            current = []
    if current:
        groups.append((start, current))
    return groups


def _heading(lines: list[str]) -> str | None:
    """The heading text of a dashed box, an underlined title or a caps line ending in ``:``."""
    if any("---" in line for line in lines):  # else no line is dashes (most groups)
        inner = [line.strip() for line in lines if not _DASHES.match(line)]
        dashed = len(inner) < len(lines)
        if dashed and 1 <= len(inner) <= 2 and all(len(t) <= 80 for t in inner):
            return "\n".join(inner)
    if len(lines) == 1 and _CAPS_COLON.match(lines[0].strip()):
        return lines[0].strip()
    return None


def blocks(body: str) -> list[Block]:
    """The structure of a cleaned body: paragraphs, headings and other text, in order."""
    out: list[Block] = []
    last_number = ""
    for start, lines in _groups(body):
        first = lines[0].strip()
        title = _heading(lines)
        if title is not None:
            out.append(Block("heading", title, line=start))
            continue
        m = _PARA.match(first)
        if m and (m.group(2) or len(first) > len(m.group(0))):
            last_number = m.group(1)
            text = "\n".join([first[m.end() :], *lines[1:]])
            out.append(Block("paragraph", text, number=m.group(1), marking=m.group(2) or "", line=start))
            continue
        s = _SUBPARA.match(first) if last_number else None
        if s:
            letter = s.group(1) or s.group(2)
            number = f"{last_number}.{letter}" if last_number else letter
            text = "\n".join([first[s.end() :], *lines[1:]])
            out.append(Block("paragraph", text, number=number, marking=s.group(3) or "", line=start))
            continue
        text = "\n".join(lines)
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "paragraph" and first[:1].islower():
            out[-1] = Block(
                prev.kind, prev.text + "\n\n" + text, prev.number, prev.marking, prev.line
            )
            continue
        out.append(Block("text", text, line=start))
    return out
