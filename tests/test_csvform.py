"""``cables.csv`` read from bytes (``iter_data_rows``: whole records at once) gives the rows
that following the quotes line by line (``iter_rows``, the streaming reader) gives, on the
corpus's sample, on the odd shapes a real file holds, and on many random ones."""

from __future__ import annotations

import io
import random

import pytest
from conftest import REPO, need_corpus

from generator.parse import decode
from generator.parse.forms import csvform

BROKEN = REPO / "tests" / "fixtures" / "forms" / "csv-broken.csv"


def by_lines(data: bytes) -> list[csvform.Row]:
    return list(csvform.iter_rows(io.BytesIO(data), decode))


def whole(data: bytes) -> list[csvform.Row]:
    return list(csvform.iter_data_rows(data, decode))


def record(n: int, *fields: str, date: str = "12/28/1966 18:48") -> str:
    values = [str(n), date, f"66X{n}", "Embassy X", "SECRET", "", *fields]
    values += ["x"] * (8 - len(values))
    return ",".join(f'"{v}"' for v in values) + "\n"


def test_the_corpus_sample_reads_the_same_and_whole() -> None:
    data = (need_corpus() / "cables-sample.csv").read_bytes()
    rows = whole(data)
    assert rows == by_lines(data)
    assert [r[0] for r in rows] == [1, 2] and all(r[1] is not None for r in rows)
    text = decode(data)
    first = csvform._record_at(text, 0)
    assert first is not None and csvform._record_at(text, first[1]) is not None  # not by lines


def test_a_well_formed_record_is_read_whole() -> None:
    text = record(7, "P R 281848Z DEC 66\nFM AMEMBASSY X", 'a \\"quoted\\" word,\nand a backslash \\\\ too')
    found = csvform._record_at(text, 0)
    assert found is not None
    values, end = found
    assert end == len(text) and len(values) == 8 and values[0] == "7"
    row = whole(text.encode())[0]
    assert row[1] is not None and row[1]["body"] == 'a "quoted" word,\nand a backslash \\ too'


ODD = {
    "blank lines between records": record(1, "h", "b") + "\n  \n" + record(2, "h", "b"),
    "a broken record in the middle": record(1, "h", "b") + '"2","1/1/1970 0:00","a"b",\n' + record(3, "h", "b"),
    "the fixture's broken row": BROKEN.read_text(encoding="utf-8"),
    "a quote after three backslashes": record(1, 'a \\\\\\" quote\nb', "b") + record(2, "h", "b"),
    "a field ending in an escaped backslash": record(1, "h", "back\\\\") + record(2, "h", "b"),
    "an escaped backslash before a quote inside": record(1, "h", 'a \\\\"b') + record(2, "h", "b"),
    "CRLF line ends": (record(1, "h\nh", "b\nb") + record(2, "h", "b")).replace("\n", "\r\n"),
    "a lone CR": record(1, "h\rh", "b") + record(2, "h", "b"),
    "a lone CR ending a record": record(1, "h", "b").rstrip("\n") + "\r" + record(2, "h", "b"),
    "a byte-order mark at the start": "\ufeff" + record(1, "h", "b") + record(2, "h", "b"),
    "a byte-order mark starting a line": record(1, "h\n\ufeffh", "b") + record(2, "h", "b"),
    "a line inside a field opening a record": record(1, "h", 'b\n"2","1/1/1970 0:00","c') + record(3, "h", "b"),
    "blank space after the last field": record(1, "h", "b").replace('"\n', '"  \t\n') + record(2, "h", "b"),
    "text after the last field": record(1, "h", "b").replace('"\n', '" x\n') + record(2, "h", "b"),
    "a record numbered 0": record(0, "h", "b") + record(0, "h", "b"),
    "a first line that opens no record": "stray\n" + record(1, "h", "b"),
    "a record that never ends": record(1, "h", "b") + '"2","1/1/1970 0:00","unterminated\n',
    "no end of line at the end": record(1, "h", "b") + record(2, "h", "b").rstrip("\n"),
    "a date that is not one": record(1, "h", "b", date="28 Dec 1966") + record(2, "h", "b"),
    "seven fields": record(1, "h", "b").replace(',"x"\n', "\n") + record(2, "h", "b"),
    "nine fields": record(1, "h", "b").replace('"\n', '","ninth"\n') + record(2, "h", "b"),
    "an escaped newline at a field's end": record(1, "h", "b\\\n") + record(2, "h", "b"),
    "NUL bytes": record(1, "h\x00", "b") + record(2, "h", "b"),
}


@pytest.mark.parametrize("name", ODD)
def test_odd_shapes_read_as_line_by_line(name: str) -> None:
    data = ODD[name].encode("utf-8")
    assert whole(data) == by_lines(data)


def test_bytes_that_are_not_utf8_read_as_line_by_line() -> None:
    data = (record(1, "caf\xe9", "b") + record(2, "h", "na\xefve")).encode("cp1252")
    rows = whole(data)
    assert rows == by_lines(data) and rows[0][1]["header"] == "caf\xe9"  # type: ignore[index]


def test_random_records_read_as_line_by_line() -> None:
    """Fields drawn from the characters that make a CSV reader go wrong, some records left
    broken: the same rows either way, for each of 3,000 small files."""
    rng = random.Random(20261202)
    pieces = ['\\"', "\\\\", "\\", '"', ",", "\n", "\r", " ", "a", "b", '","', "\n\"5\",\"1/1/1970"]
    taken = 0
    for _ in range(3000):
        text = ""
        for n in range(1, rng.randrange(2, 6)):
            fields = ["".join(rng.choice(pieces) for _ in range(rng.randrange(4))) for _ in range(2)]
            clean = [f.replace("\\", "").replace('"', "") for f in fields]
            text += record(n, *(fields if rng.random() < 0.5 else clean))
        data = text.encode("utf-8")
        assert whole(data) == by_lines(data), text
        taken += csvform._record_at(decode(data), 0) is not None
    assert taken > 500  # the whole-record reading was tried, not only its fallback
