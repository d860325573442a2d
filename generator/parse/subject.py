"""The SUBJECT line of a cable, joined across lines, its classification marking removed.

Syntax accepted: the first ``SUBJECT:`` label of the text (also ``Subject:``, ``SUBJ:``,
``SUBJECT :``), at the start of a line or after other header text run together on
the same line (``TAGS: PGOV PREL SUBJECT: ...``). As in 07USNATO577::

    SUBJECT: NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2
    MISSILE DEFENSE OFFER

gives ``NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER``.

Continuation lines are joined up to the first blank line (a line holding only a
``\\`` counts as blank), a ``REF:``/``REFS:`` line, ``Classified By``, a numbered
paragraph (``1.``, ``¶1.``), ``Summary``, ``E.O. 12958``, ``TAGS`` or a section
header; page markers (``PAGE 02 HARARE 05461 01 OF 02 271458Z``) are skipped.
On a single run-together line the subject ends at ``REF:``, ``Classified By`` or a
numbered paragraph. Whitespace is folded, a trailing ``\\`` dropped, and the leading
marking removed: ``(C)``, ``(SBU)``, ``(U)``, ``(S/NF)``, ``(C/NF)``, ``C)``...
The function is pure and never raises.
"""

from __future__ import annotations

import re

_MAX_LINES = 8

_LABEL = re.compile(r"(?<![A-Za-z])SUBJ(?:ECT)?[ \t]*:[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)
# Where a subject stops inside one line (run-together text).
_INLINE_STOP = re.compile(
    r"\s(?:REFS?|REFERENCES?|REFTELS?)\s*:"
    r"|REFS?:\s+(?:[A-H][.)]|\([A-H]\)|\d|[A-Z]{3,})"
    r"|\bCLASSIFIED\s+BY\b"
    r"|\s¶\s*\d+\s*\."
    r"|\s\d{1,2}\s*\.\s*\((?:U|C|S|SBU|S/NF|C/NF|TS)\)"
    r"|(?<=[.?!])\s+\((?:U|C|S|SBU|S/NF|C/NF|TS)\)\s"
    r"|\sRef\(s\)\s*:|\sSENSITIVE\s+BUT\s+UNCLASSIFIED\b"
    r"|(?<=\.\.\.)\s*\S"
    r"|\s(?:SIPDIS|E\.?O\.?\s*1\d{4}\s*(?::|DECL|N/A)|TAGS\s*:)"
    r"|\s(?:C\sO\sN\sF\sI|S\sE\sC\sR|UNCLAS\s+[A-Z]+\s+\d{6})",
    re.IGNORECASE,
)
# A line that ends the subject.
_STOP_LINE = re.compile(
    r"^\s*(?:"
    r"REFS?\b|REFERENCES?\b|REFTELS?\b|REF\s*:"
    r"|CLASSIFIED\s+BY\b|CLASSIFICATION\b"
    r"|¶|\d{1,2}\s*[.)]|\(\s*\d{1,2}\s*\)"
    r"|SUMMARY\b|(?:BEGIN\s+)?SUMMARY\s*[:.]"
    r"|E\.?\s*O\.?\s*\d{5}|TAGS?\b\s*:|SIPDIS\b|NOFORN\b|SENSITIVE\s+BUT\s+UNCLASSIFIED\b"
    r"|(?:C\s?O\s?N\s?F|S\s?E\s?C\s?R\s?E\s?T|U\s?N\s?C\s?L\s?A\s?S)\S*\s+SECTION\b"
    r"|(?:C\sO\sN\sF\sI|S\sE\sC\sR|(?:UNCLAS|CONFIDENTIAL|SECRET)\s+[A-Z ]+\d{6}\b)"
    r"|-{3,}|={3,}|_{3,}"
    r")",
    re.IGNORECASE,
)
_PAGE_MARKER = re.compile(r"^\s*PAGE\s+\d{1,3}\s+\S", re.IGNORECASE)
# ``NEW DELHI 00001051 001.2 OF 005``: the section marker of later cables, left in wrapped text
# (also with runs of spaces: ``TRIPOLI 00000592  001.2 OF 003`` in 08TRIPOLI592).
_SECTION_MARKER = re.compile(
    r"\s*\b(?:(?:NEW|THE|PORT|SAN|SANTO|BUENOS|TEL|ABU|SAO|KUALA|ADDIS|HONG|DAR ES|RIO DE|LA|EL"
    r"|GUATEMALA|PANAMA|MEXICO|KUWAIT|PORT OF|SRI|CIUDAD|ST) )?[A-Z]+[ \t]+0{2,}\d+[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}\b"
)
_MARKING = re.compile(
    r"^\(?\s*(?:U|C|S|SBU|TS|FOUO|CUI)(?:\s*/{1,2}\s*[A-Z]{1,8}(?:[ ,]+[A-Z]{2,3})*)*\s*\)\s*[:.-]?\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _clean_line(line: str) -> str:
    """A subject line without its trailing ``\\`` continuation mark and section markers."""
    return _SECTION_MARKER.sub("", line.rstrip().rstrip("\\").rstrip())


def _strip_marking(subject: str) -> str:
    """``(C) FOO`` -> ``FOO``; also ``C) FOO``, ``(S/NF) FOO``; the text kept if nothing else remains."""
    stripped = _MARKING.sub("", subject, count=1)
    return stripped if stripped else subject


def _is_blank(line: str) -> bool:
    return not _clean_line(line).strip()


def find_subject(text: str) -> tuple[str, int]:
    """The subject of ``text`` and the 1-based line of its label; ``("", 0)`` when there is none."""
    if not isinstance(text, str) or not text:
        return "", 0
    m = _LABEL.search(text)
    if not m:
        return "", 0
    line_no = text.count("\n", 0, m.start()) + 1
    first = m.group(1)
    stop = _INLINE_STOP.search(first)
    parts = [_clean_line(first[: stop.start()] if stop else first)]
    if not stop and not parts[0].endswith("..."):
        following = text[m.end() + 1 :].split("\n", _MAX_LINES)[:_MAX_LINES]
        for line in following:
            if _is_blank(line):
                if parts[-1].strip():
                    break
                continue
            if _PAGE_MARKER.match(line):
                continue
            if _STOP_LINE.match(line):
                break
            stop = _INLINE_STOP.search(line)
            parts.append(_clean_line(line[: stop.start()] if stop else line))
            if stop or parts[-1].endswith("..."):
                break
    subject = _strip_marking(_fold(" ".join(parts)))
    return subject, line_no
