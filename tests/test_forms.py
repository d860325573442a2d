"""Each input form: seed layout, text page, cablegate page (fragment and whole page),
CSV (sample and a broken row), bare telegram, editable front-matter, and bad input."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from conftest import REPO, need_corpus

from generator.model import ERROR, WARNING, Cable
from generator.parse import decode, iter_csv, read
from generator.parse.forms.frontmatter import write_frontmatter

FIXTURES = REPO / "tests" / "fixtures" / "forms"
SEED_EXPECTED = json.loads((FIXTURES / "07USNATO577.expected.json").read_text(encoding="utf-8"))


def only(path: str, data: bytes) -> Cable:
    cables, diags = read(path, data)
    assert [d for d in diags if d.severity == ERROR] == []
    assert len(cables) == 1, diags
    return cables[0]


def seed_bytes() -> bytes:
    return (need_corpus() / "seed" / "07USNATO577.txt").read_bytes()


def seed_telegram() -> str:
    text = seed_bytes().decode("utf-8")
    return text[text.index("VZCZC") :]


def check_seed_fields(cable: Cable) -> None:
    exp = SEED_EXPECTED
    for name in ("id", "created", "classification", "origin", "station", "subject", "classified_by",
                 "reasons", "declassify_on", "signer", "sipdis", "partial", "truncated"):
        assert getattr(cable, name) == exp[name], name
    assert cable.caveats == tuple(exp["caveats"])
    assert cable.tags == tuple(exp["tags"])
    assert [dataclasses.asdict(r) for r in cable.references] == exp["references"]
    assert len(cable.recipients) == exp["recipients"]
    assert dataclasses.asdict(cable.recipients[0]) == exp["first_recipient"]
    assert cable.summary.startswith(exp["summary_starts"])
    assert cable.summary.endswith("no threat to Europe or the United States.")


def test_seed_layout_gives_the_issue_values() -> None:
    cable = only("seed/07USNATO577.txt", seed_bytes())
    check_seed_fields(cable)
    assert cable.released == ""
    assert cable.original == seed_telegram().rstrip("\n")
    assert cable.header.startswith("VZCZCXRO8195\nOO RUEHDE")
    assert "USNATO 00000577 002 OF 003" in cable.original
    assert "USNATO 00000577 002 OF 003" not in cable.body


def test_bare_telegram_derives_metadata_from_the_telegram() -> None:
    cable = only("bare.txt", seed_telegram().encode("utf-8"))
    check_seed_fields(cable)


def test_text_page_and_cablegate_page_agree() -> None:
    corpus = need_corpus()
    text = only("t.txt", (corpus / "cablegate-text" / "07ACCRA2140.txt").read_bytes())
    page = only("p.html", (corpus / "cablegate-html/cable/2007/10/07ACCRA2140.html").read_bytes())
    assert text.front_matter() == page.front_matter()
    assert (page.id, page.created, page.released) == ("07ACCRA2140", "2007-10-09 13:01", "2010-12-14 21:09")
    # the link text, not the (wrong) title= attribute, is the classification
    assert page.classification == "SECRET"
    assert page.origin == "Embassy Accra"
    assert page.references[0].id == "05ACCRA2517"
    assert "\u00b6" not in page.body and "<a" not in page.body


def test_whole_saved_page() -> None:
    fragment = (need_corpus() / "cablegate-html/cable/2007/10/07ACCRA2140.html").read_text(encoding="utf-8")
    page = (
        "<!DOCTYPE html><html><head><title>Cable reference id: #07ACCRA2140</title></head><body>"
        "<div id='nav'><pre>not this</pre></div><h3>Viewing cable 07ACCRA2140</h3>"
        f"{fragment}<div id='footer'>Cablegate</div></body></html>"
    )
    whole = only("whole.html", page.encode("utf-8"))
    assert whole.front_matter() == only("frag.html", fragment.encode("utf-8")).front_matter()
    assert not whole.original.startswith("not this")


def test_partial_extract_flag() -> None:
    cable = only("p.txt", (need_corpus() / "cablegate-text" / "06SANJOSE612.txt").read_bytes())
    assert cable.partial and cable.header == ""
    assert cable.body.startswith("UNCLAS SECTION 01 OF 04 SAN JOSE 000612")


def test_truncated_flag() -> None:
    cable = only("t.txt", (need_corpus() / "cablegate-text" / "05CARACAS90.txt").read_bytes())
    assert cable.truncated and cable.partial


def test_csv_sample() -> None:
    data = (need_corpus() / "cables-sample.csv").read_bytes()
    cables, diags = read("cables-sample.csv", data)
    assert [c.id for c in cables] == ["66BUENOSAIRES2481", "72TEHRAN1164"]
    first = cables[0]
    assert (first.created, first.origin, first.classification) == (
        "1966-12-28 18:48", "Embassy Buenos Aires", "UNCLASSIFIED")
    assert first.source_line == 1 and cables[1].source_line == 2
    assert first.header.startswith("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES")
    assert 'OF "PREFERENTIAL JURISDICTION" FOR FISHING' in first.body.replace("\n", " ")
    assert first.tags == ("EFIS", "PBTS", "AR")
    assert first.references[0].id == "66STATE106206"
    assert [d for d in diags if d.severity == ERROR] == []
    streamed = [c for c, _ in iter_csv("cables-sample.csv", io.BytesIO(data))]
    assert [c.front_matter() for c in streamed if c] == [c.front_matter() for c in cables]


def test_csv_broken_row_is_reported_and_reading_goes_on() -> None:
    data = (FIXTURES / "csv-broken.csv").read_bytes()
    rows = list(iter_csv("broken.csv", io.BytesIO(data)))
    assert [c.id if c else None for c, _ in rows] == ["07USNATO577", None, "66BUENOSAIRES2481"]
    errors = [d for _, ds in rows for d in ds if d.severity == ERROR]
    assert len(errors) == 1
    assert (errors[0].path, errors[0].line) == ("broken.csv", 2)
    assert 'a "quoted" word' in rows[0][0].body
    assert rows[0][0].subject == SEED_EXPECTED["subject"]


def test_frontmatter_round_trip_of_the_seed() -> None:
    cable = only("seed.txt", seed_bytes())
    again = only("seed.txt", write_frontmatter(cable).encode("utf-8"))
    assert again == cable


def test_frontmatter_values_win_and_unknown_keys_kept() -> None:
    text = (
        "---\nid: 07USNATO577\nsubject: My own subject\ntags: [PREL, XX]\nreviewer: Ann\n"
        "created: 2007-10-24 15:09:00\n---\n" + seed_telegram()
    )
    cable = only("edit.md", text.encode("utf-8"))
    assert cable.subject == "My own subject"
    assert cable.tags == ("PREL", "XX")
    assert cable.created == "2007-10-24 15:09"
    assert cable.extra == {"reviewer": "Ann"}
    assert cable.signer == "OLSON"  # not written: derived from the telegram


def test_frontmatter_malformed_id_repaired_with_warning() -> None:
    cable, diags = read("x.md", b"---\nid: 09SECTION01OF03SANJOSE525\n---\nSome text.\n")
    assert [c.id for c in cable] == ["09SANJOSE525"]
    assert [d.severity for d in diags if "SECTION" in d.message] == [WARNING]


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "<script>", ""])
def test_frontmatter_hostile_id_dropped_with_error(bad_id: str) -> None:
    cables, diags = read("x.md", f"---\nid: '{bad_id}'\n---\nno telegram here\n".encode())
    assert cables == []
    assert [d.severity for d in diags].count(ERROR) == 1


def test_frontmatter_bad_yaml_is_one_error() -> None:
    cables, diags = read("x.md", b"---\nid: [unclosed\n---\ntext\n")
    assert cables == [] and [d.severity for d in diags] == [ERROR]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.txt", b""),
        ("blank.txt", b"\n \n\t\n"),
        ("binary.bin", bytes(range(256)) * 20),
        ("zeros.txt", b"\x00" * 100),
        ("page.html", b"<html><head><title>News</title></head><body><p>Hello</p></body></html>"),
        ("notes.txt", b"Shopping list\neggs\nmilk\n"),
        ("half.csv", b'"1","12/28/1966 18:48","66BUENOSAIRES2481","Embassy'),
    ],
)
def test_not_a_cable_gives_one_error_naming_the_file(name: str, data: bytes) -> None:
    cables, diags = read(name, data)
    assert cables == []
    assert len(diags) == 1
    assert diags[0].severity == ERROR and diags[0].path == name


def test_nul_bytes_and_cp1252_keep_the_cable() -> None:
    raw = seed_telegram().replace("Unity is the only solution", "\x93Unity\x94 is the only solution")
    data = raw.encode("utf-8").replace("\x93".encode(), b"\x93").replace("\x94".encode(), b"\x94")
    data = data.replace(b"OLSON", b"OL\x00SON")
    cable = only("cp.txt", data)
    assert "\u201cUnity\u201d is the only solution" in cable.body
    assert cable.signer == "OLSON" and cable.id == "07USNATO577"


def test_truncated_file_does_not_raise() -> None:
    data = seed_bytes()
    for cut in (10, 100, 400, 700, 2000, len(data) // 2):
        cables, diags = read("cut.txt", data[:cut])
        assert len(cables) + sum(d.severity == ERROR for d in diags) == 1


def test_decode() -> None:
    assert decode("caf\u00e9".encode()) == "caf\u00e9"
    assert decode(b"\x93quoted\x94 and caf\xc3\xa9\r\nnext\x00") == "\u201cquoted\u201d and caf\u00e9\nnext"
    assert decode(b"\x81") == "\x81"  # undefined in cp1252: kept, not lost


class CountingStream(io.BytesIO):
    """A binary stream that remembers how far it has been read."""

    high_water = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.high_water = max(self.high_water, self.tell())
        return line

    def __next__(self) -> bytes:
        line = super().__next__()
        self.high_water = max(self.high_water, self.tell())
        return line


def test_iter_csv_streams_row_by_row() -> None:
    row = (FIXTURES / "csv-broken.csv").read_text(encoding="utf-8").split('\n"2"')[0] + "\n"
    rows = [row.replace('"1",', f'"{n}",', 1).replace("USNATO577", f"USNATO{n}") for n in range(1, 2001)]
    data = "".join(rows).encode("utf-8")
    stream = CountingStream(data)
    found = iter_csv("big.csv", stream)
    first, _ = next(found)
    assert first is not None and first.id == "07USNATO1"
    assert 0 < stream.high_water < len(data) // 100  # only the first record was read
    rest = [c.id for c, _ in found]
    assert len(rest) == 1999 and rest[-1] == "07USNATO2000"


def test_csv_fields_with_escapes() -> None:
    """A field ends at its first unescaped quote, whatever follows an escaped one."""
    from generator.parse.forms.csvform import split_record

    fields = ['1', '12/28/1966 18:48', '66X1', 'Embassy X', 'SECRET', '',
              r'a \"quoted\", word', 'ends with a backslash \\\\']
    record = ",".join(f'"{f}"' for f in fields)
    got = split_record(record)
    assert got is not None
    assert got["header"] == 'a "quoted", word'
    assert got["body"] == "ends with a backslash \\"
    assert split_record(record + "\n \t") == got  # trailing blank space is not a field
    assert split_record(record[:-1]) is None  # the last field never closes
    assert split_record(record.replace(r'\"quoted\"', '"quoted"')) is None  # bare quote inside
    assert split_record(record + ',"ninth"') is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Identifier: 07X1\nOrigin: Embassy X\n\nVZCZC\nFM X\n", ({"id": "07X1", "origin": "Embassy X"}, "VZCZC\nFM X")),
    ("\ufeffIdentifier: 07X1\n \t\nbody", ({"id": "07X1"}, "body")),  # a blank line of spaces
    ("Identifier: 07X1\nbody\n", ({"id": "07X1"}, "body")),  # no blank line
    ("Identifier: 07X1\n\n\nbody", ({"id": "07X1"}, "\nbody")),  # one blank line taken, no more
    ("Identifier: 07X1", ({"id": "07X1"}, "")),
    ("Identifier: 07X1\n", ({"id": "07X1"}, "")),
    ("Origin: Embassy X\n\nbody", None),  # no id
])
def test_key_lines_then_the_telegram(text: str, expected: object) -> None:
    from generator.parse.forms.cablegate_text import read_key_lines

    assert read_key_lines(text) == expected
