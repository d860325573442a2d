"""Turn one input file, in any form a cable archive comes in, into Cable records.

The form is sniffed from the content (the file name is only a hint):

- a cablegate page, fragment or whole saved page (``<table class='cable'>`` and ``<pre>``);
- a text page of key lines (``Identifier: 07ACCRA2140`` ... then the telegram);
- the seed layout (``Identifier`` / ``Created`` / ... labels, then their values);
- the editable form (``---`` YAML front-matter, then the telegram);
- the community ``cables.csv`` (``"1","12/28/1966 18:48","66BUENOSAIRES2481",...``);
- a bare telegram (``FM USMISSION USNATO`` / ``C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577``).

Nothing here reads files: callers hand over the bytes (or a binary stream for
big CSV files). Nothing raises: text that is not a cable gives one error
:class:`~generator.model.Diagnostic` naming the file and no record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ..model import ERROR, Cable, Diagnostic
from .forms import cablegate_html, cablegate_text, csvform, frontmatter
from .telegram import parse_telegram

__all__ = ["decode", "read", "read_csv", "iter_csv", "parse_telegram"]

_CP1252 = {0xDC00 + b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BARE = re.compile(
    r"^(?:FM[ \t]+\S|VZCZC|(?:C O N F I D E N T I A L|S E C R E T|UNCLAS|CONFIDENTIAL|SECRET)\b.*\b\d{3,}[ \t]*$)",
    re.MULTILINE,
)


def decode(data: bytes) -> str:
    """Text of ``data``: UTF-8, each invalid sequence read as cp1252; NULs dropped, CRLF to LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape").translate(_CP1252)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def _one(
    cable: Cable | None, diags: list[Diagnostic]
) -> tuple[list[Cable], list[Diagnostic]]:
    return ([cable] if cable is not None else []), diags


def _read(path: str, data: bytes) -> tuple[list[Cable], list[Diagnostic]]:
    if not data.strip(b" \t\r\n\x00"):
        return [], [Diagnostic(path, 0, ERROR, "not a cable: the file is empty")]
    if data.count(b"\x00") > len(data) // 10:
        return [], [Diagnostic(path, 0, ERROR, "not a cable: the file is binary data")]
    text = decode(data)
    if _looks_binary(text):
        return [], [Diagnostic(path, 0, ERROR, "not a cable: the file is binary data")]
    if frontmatter.looks_like_frontmatter(text):
        return _one(*frontmatter.read_frontmatter(text, path))
    if cablegate_text.looks_like_key_lines(text):
        form = cablegate_text.read_key_lines(text)
    elif cablegate_text.looks_like_seed(text):
        form = cablegate_text.read_seed(text)
    elif cablegate_html.looks_like_page(text):
        form = cablegate_html.read_page(text)
    elif csvform.looks_like_csv(text):
        return read_csv(path, data)
    elif _BARE.search(text) and "<html" not in text[:2000].lower():
        return _one(*parse_telegram(text.strip("\n"), {}, path=path))
    else:
        form = None
    if form is None:
        what = "an HTML page with no cable table" if "<" in text[:2000] else "no cable metadata"
        return [], [
            Diagnostic(path, 0, ERROR, f"not a cable: {what}, routing header or classification banner")
        ]
    meta, telegram = form
    return _one(*parse_telegram(telegram, meta, path=path))


def read(path: str, data: bytes) -> tuple[list[Cable], list[Diagnostic]]:
    """The cables in one file's bytes and the problems found; never raises."""
    try:
        return _read(path, data)
    except Exception as exc:  # the contract: bad text never becomes a traceback
        return [], [Diagnostic(path, 0, ERROR, f"internal parser error: {type(exc).__name__}: {exc}")]


def read_csv(path: str, data: bytes) -> tuple[list[Cable], list[Diagnostic]]:
    """The cables of a ``cables.csv``'s bytes (the whole file, or a range of it that opens a
    record: a record's number is its first field, so rows keep their numbers) and the
    problems found; never raises."""
    cables: list[Cable] = []
    diags: list[Diagnostic] = []
    for cable, found in _csv_cables(path, csvform.iter_data_rows(data, decode)):
        cables.extend([cable] if cable is not None else [])
        diags.extend(found)
    return cables, diags


def iter_csv(path: str, stream: BinaryIO) -> Iterator[tuple[Cable | None, list[Diagnostic]]]:
    """Each row of a ``cables.csv`` stream as ``(cable or None, diagnostics)``, in constant memory."""
    return _csv_cables(path, csvform.iter_rows(stream, decode))


def _csv_cables(path: str, rows: Iterator[csvform.Row]) -> Iterator[tuple[Cable | None, list[Diagnostic]]]:
    while True:
        try:
            number, fields, problem = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            yield None, [Diagnostic(path, 0, ERROR, f"internal parser error: {type(exc).__name__}: {exc}")]
            return
        if fields is None:
            yield None, [Diagnostic(path, number, ERROR, f"row {number}: {problem}")]
            continue
        try:
            meta, telegram, header = csvform.to_meta(fields)
            yield parse_telegram(telegram, meta, path=path, line=number, header=header)
        except Exception as exc:
            message = f"row {number}: internal parser error: {type(exc).__name__}: {exc}"
            yield None, [Diagnostic(path, number, ERROR, message)]
