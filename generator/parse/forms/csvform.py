r"""The community ``cables.csv`` of the whole release, read row by row.

Eight columns, every field quoted, quotes inside fields escaped with a backslash
(``cables-sample.csv``)::

    "1","12/28/1966 18:48","66BUENOSAIRES2481","Embassy Buenos Aires","UNCLASSIFIED",
    "66STATE106206","P R 281848Z DEC 66
    FM AMEMBASSY BUENOS AIRES
    ...","UNCLASSIFIED BUENOS AIRES 2481 ... OF \"PREFERENTIAL JURISDICTION\" ..."

Columns: row number, created (``M/D/YYYY H:MM``), reference id, origin,
classification, references (``|``-separated ids), header, body. A record may span
many lines; :func:`iter_rows` gathers the lines of one record by following the
quotes and never holds more than one record, so the real 1.7 GB file streams in
constant memory. A record that cannot be read is reported and skipped; the next
line that opens a record (``"<n>","<M/D/YYYY>``) starts afresh.

A byte range of the file, as the build reads it, goes through :func:`iter_data_rows`:
each well-formed record is read whole, its fields' ends found by ``str.find`` (a record
of 10 KB is 150 lines, and following their quotes one line at a time cost 0.29 ms of a
worker's 3.3 a cable at 251,287 cables); the first record it cannot take, and all after it, go through
:func:`iter_rows`, so the rows are the same.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator

COLUMNS = ("row", "created", "id", "origin", "classification", "references", "header", "body")
_FIELD = re.compile(r'"((?:[^"\\]++|\\.)*+)"(,|[ \t\n]*\Z)', re.DOTALL)
"""One quoted field and what follows it. Possessive: a field's end is the first unescaped
quote whatever follows, and a 10 KB body is matched a run at a time, not a character at a
time with a backtracking point each (0.17 -> 0.03 ms a record)."""
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_ROW_START = re.compile(r'^"\d+","\d{1,2}/\d{1,2}/\d{4}')
_ROW_NUMBER = re.compile(r'^"(\d+)"')

Row = tuple[int, dict[str, str] | None, str]
"""``(record number, fields or None, problem)``."""


def looks_like_csv(text: str) -> bool:
    return bool(_ROW_START.match(text.lstrip("\ufeff")))


def _quotes(line: str) -> int:
    return line.count('"') - line.count('\\"') + line.count('\\\\"')


def _unescape(value: str) -> str:
    """A field's value with ``\\"`` and ``\\\\`` read, left to right, as ``"`` and ``\\``."""
    if "\\" not in value:
        return value
    return "\\".join(part.replace('\\"', '"') for part in value.split("\\\\"))


def split_record(record: str) -> dict[str, str] | None:
    """The eight fields of one complete record, ``None`` when it is malformed."""
    values: list[str] = []
    pos = 0
    while pos < len(record):
        m = _FIELD.match(record, pos)
        if not m:
            return None
        value = m.group(1)
        values.append(_unescape(value))
        pos = m.end()
        if m.group(2) != ",":
            break
    if pos < len(record) or len(values) != len(COLUMNS):
        return None
    return dict(zip(COLUMNS, values, strict=True))


def iter_data_rows(data: bytes, decode: Callable[[bytes], str]) -> Iterator[Row]:
    """The rows of a whole file's or a byte range's bytes, as :func:`iter_rows` gives them.

    The bytes are decoded at once where that gives the lines :func:`iter_rows` would
    decode one by one (``decode`` works a line at a time, but a lone CR becomes a line
    break and a byte-order mark is dropped only at a line's start). A generator, as
    :func:`iter_rows`: what goes wrong is raised by ``next``, where the caller reports it."""
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        yield from iter_rows(io.BytesIO(data), decode)
        return
    text = decode(data)
    if "\ufeff" in text:
        yield from iter_rows(io.BytesIO(data), decode)
        return
    yield from _text_rows(text)


def _record_at(text: str, pos: int) -> tuple[list[str], int] | None:
    """The eight raw fields of the record at ``pos`` and where the next line starts, if it
    is one :func:`iter_rows` reads alone and as a whole: eight quoted fields, the first two
    opening it as a record line does (``"<n>","<M/D/YYYY``), the last ending its line.

    A field ends at the first quote after an even number of backslashes (as :data:`_FIELD`
    reads it), found with ``str.find``, not a regex a character at a time. None also where
    a quote follows three backslashes: counting quotes line by line, as :func:`iter_rows`
    does, takes a quote after two or more backslashes for unescaped, a regex after an even
    number; with none after three the two agree, so :func:`iter_rows` ends the record here
    too."""
    end = len(text)
    find = text.find
    values: list[str] = []
    i = pos
    for k in range(8):
        if i >= end or text[i] != '"':
            return None
        i += 1
        j = i
        while True:
            j = find('"', j)
            if j < 0:
                return None
            b = j
            while b > i and text[b - 1] == "\\":
                b -= 1
            if not (j - b) % 2:
                break
            j += 1
        values.append(text[i:j])
        i = j + 1
        if k < 7:
            if i >= end or text[i] != ",":
                return None
            i += 1
    while i < end and text[i] in " \t":
        i += 1
    if i < end:
        if text[i] != "\n":
            return None
        i += 1
    if not values[0].isdecimal() or not _DATE.match(values[1]) or find('\\\\\\"', pos, i) >= 0:
        return None
    return values, i


def _text_rows(text: str) -> Iterator[Row]:
    """The rows of decoded text: well-formed records by :func:`_record_at`, the rest from
    the first record it does not take by :func:`iter_rows`."""
    pos, end, number = 0, len(text), 0
    while pos < end:
        found = _record_at(text, pos)
        if found is None:
            break
        values, pos = found
        values = [_unescape(v) for v in values]
        number = int(values[0])
        yield number, dict(zip(COLUMNS, values, strict=True)), ""
    if pos < end:
        yield from iter_rows(io.StringIO(text[pos:], newline="\n"), str, number)


def iter_rows(lines: Iterable[bytes] | Iterable[str], decode: Callable[[bytes], str] | Callable[[str], str],
              number: int = 0) -> Iterator[Row]:
    """Each record of the file in order; a broken one gives ``(n, None, why)``.

    A record's number is its first field (the release's row number) when it has
    one. After a broken record, lines that do not open a record
    (``"<n>","<M/D/YYYY``) are skipped, so one stray quote costs one record.
    ``number``: the record before the first line's (0: none, the first line opens one).
    """
    buf: list[str] = []
    open_quote = False
    skipping = False

    def finish() -> Row:
        record = "".join(buf).rstrip("\n")
        fields = split_record(record)
        if fields is None:
            return number, None, "malformed CSV record (expected 8 quoted fields)"
        return number, fields, ""

    for raw in lines:
        line = decode(raw)
        if buf and open_quote and line[:1] == '"' and _ROW_START.match(line):
            yield number, None, "unterminated quoted field; record skipped"
            buf = []
            open_quote = False
        if not buf:
            if not line.strip():
                continue
            start = _ROW_START.match(line)
            if not start and (skipping or number):
                skipping = True
                continue
            skipping = False
            m = _ROW_NUMBER.match(line)
            number = int(m.group(1)) if m else number + 1
        buf.append(line)
        if '"' in line and _quotes(line) % 2:
            open_quote = not open_quote
        if not open_quote:
            row = finish()
            skipping = row[1] is None
            yield row
            buf = []
    if buf:
        yield number, None, "file ends inside a quoted field; record skipped"


def to_meta(fields: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """``(meta, telegram, header)`` of one record: header and body joined by a blank line."""
    meta = {k: fields[k] for k in ("id", "created", "origin", "classification")}
    header = fields["header"].strip("\n")
    body = fields["body"]
    telegram = f"{header}\n\n{body}" if header else body
    return meta, telegram, header
