"""The two plain-text forms of a cablegate page.

Key-line form (``cablegate-text/<ID>.txt``)::

    Identifier: 07ACCRA2140
    Created: 2007-10-09 13:01
    Released: 2010-12-14 21:09
    Classification: SECRET
    Origin: Embassy Accra

    VZCZCXRO4463
    ...

Seed layout (``seed/07USNATO577.txt``, a page copied as a reader sees it)::

    Identifier
    Created
    Classification
    Origin
    07USNATO577
    2007-10-24 15:09:00
    CONFIDENTIAL//NOFORN
    Mission USNATO
    Cable title:
    ...
    Tags:  NATO PREL MARR RU
    pdf how-to read a cable
    VZCZCXRO8195
    ...

Each reader returns ``(meta, telegram)`` or ``None`` when the text is not in its form.
"""

from __future__ import annotations

import re

LABELS = {
    "identifier": "id",
    "reference id": "id",
    "id": "id",
    "created": "created",
    "released": "released",
    "classification": "classification",
    "origin": "origin",
}
_KEY_LINE = re.compile(r"^(Identifier|Reference ID|Created|Released|Classification|Origin):[ \t]*(.*?)\s*$")
_PAGE_CHROME = re.compile(r"^(?:pdf\s+how-to read a cable|Viewing cable \S+.*|Tags:.*)$")


def looks_like_key_lines(text: str) -> bool:
    return text.lstrip("\ufeff").startswith(("Identifier:", "Reference ID:"))


def looks_like_seed(text: str) -> bool:
    head = text.lstrip("\ufeff").split("\n", 2)
    return len(head) >= 2 and head[0].strip() == "Identifier" and head[1].strip() in ("Created", "Released")


def _line_at(text: str, pos: int) -> tuple[str, int]:
    """The line of ``text`` starting at ``pos`` and where the next starts (the end: ``("", len)``)."""
    end = text.find("\n", pos)
    return (text[pos:], len(text)) if end < 0 else (text[pos:end], end + 1)


def read_key_lines(text: str) -> tuple[dict[str, str], str] | None:
    """Metadata from the ``Key: value`` lines and the telegram after the blank line.

    The lines are taken one at a time from the start (the text is not split into its
    hundred-odd lines and joined again for the five at its head)."""
    meta: dict[str, str] = {}
    text = text.lstrip("\ufeff")
    pos = 0
    while True:  # at the end the line is "", which is no key line
        line, after = _line_at(text, pos)
        m = _KEY_LINE.match(line)
        if not m:
            break
        meta[LABELS[m.group(1).lower()]] = m.group(2)
        pos = after
    if "id" not in meta:
        return None
    line, after = _line_at(text, pos)
    if not line.strip():  # the blank line after the key lines
        pos = after
    return meta, text[pos:].rstrip("\n")


def read_seed(text: str) -> tuple[dict[str, str], str] | None:
    """Metadata from the label block then value block, and the telegram after the page chrome."""
    lines = text.lstrip("\ufeff").split("\n")
    labels: list[str] = []
    while len(labels) < len(lines) and lines[len(labels)].strip().lower() in LABELS:
        labels.append(LABELS[lines[len(labels)].strip().lower()])
    if "id" not in labels:
        return None
    n = len(labels)
    values = [v.strip() for v in lines[n : 2 * n]]
    meta = dict(zip(labels, values, strict=False))
    i = 2 * n
    start = None
    for j in range(i, len(lines)):
        if _PAGE_CHROME.match(lines[j].strip()):
            start = j + 1
            if lines[j].strip().lower().startswith("pdf"):
                break
    if start is None:
        start = next((j for j in range(i, len(lines)) if lines[j].startswith("VZCZC")), i)
    return meta, "\n".join(lines[start:]).rstrip("\n")
