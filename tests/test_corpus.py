"""Every cable of the real corpus, in both forms, parses; metadata matches the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import need_corpus

from generator.model import ERROR, Cable
from generator.parse import read
from generator.parse.ids import repair_id

MALFORMED = {"09SECTION01OF03SANJOSE525", "08SECTION01GF02BISHIEK21", "08SCTION02OF02SAOPAULO335",
             "08ECTION01OF02MANAMA492"}
"""The ids the corpus itself gets wrong; the parser repairs them (with a warning)."""

_CELL = re.compile(r"<td>\s*<a [^>]*>([^<]*)</a>\s*</td>", re.DOTALL)


def table_of_page(html: str) -> dict[str, str]:
    """The five values of a cable page's metadata table, read independently of the parser."""
    values = _CELL.findall(html)[:5]
    return dict(zip(("id", "created", "released", "classification", "origin"), values, strict=True))


def table_of_text(text: str) -> dict[str, str]:
    keys = {"Identifier": "id", "Created": "created", "Released": "released",
            "Classification": "classification", "Origin": "origin"}
    out = {}
    for line in text.split("\n")[:5]:
        key, _, value = line.partition(": ")
        out[keys[key]] = value.strip()
    return out


def repaired(table: dict[str, str]) -> dict[str, str]:
    if table["id"] in MALFORMED:
        return {**table, "id": repair_id(table["id"])[0]}
    return table


def as_table(cable: Cable) -> dict[str, str]:
    level = "//".join((cable.classification, *cable.caveats))
    return {"id": cable.id, "created": cable.created, "released": cable.released,
            "classification": level, "origin": cable.origin}


def parse_all(files: list[Path]) -> dict[str, tuple[list[Cable], list]]:
    return {f.stem: read(str(f), f.read_bytes()) for f in files}


@pytest.fixture(scope="module")
def pages() -> tuple[list[Path], dict]:
    files = sorted((need_corpus() / "cablegate-html" / "cable").rglob("*.html"))
    return files, parse_all(files)


@pytest.fixture(scope="module")
def texts() -> tuple[list[Path], dict]:
    files = sorted((need_corpus() / "cablegate-text").glob("*.txt"))
    return files, parse_all(files)


def test_corpus_size(pages, texts) -> None:
    assert len(pages[0]) == len(texts[0]) == 6041


@pytest.mark.parametrize("form", ["pages", "texts"])
def test_every_cable_parses_without_error(form: str, request) -> None:
    files, parsed = request.getfixturevalue(form)
    failures = {k: d for k, (c, d) in parsed.items() if len(c) != 1 or any(x.severity == ERROR for x in d)}
    assert failures == {}


def test_page_metadata_equals_table(pages) -> None:
    files, parsed = pages
    wrong = {}
    for f in files:
        want = repaired(table_of_page(f.read_text(encoding="utf-8", errors="replace")))
        got = as_table(parsed[f.stem][0][0])
        if got != want:
            wrong[f.stem] = (got, want)
    assert wrong == {}
    repairs = {f.stem for f in files if f.stem in MALFORMED}
    assert repairs == MALFORMED
    assert {parsed[k][0][0].id for k in repairs} == {"09SANJOSE525", "08BISHKEK21", "08SAOPAULO335", "08MANAMA492"}
    assert all(any("malformed" in d.message for d in parsed[k][1]) for k in repairs)


def test_text_metadata_equals_table(texts) -> None:
    files, parsed = texts
    wrong = {}
    for f in files:
        want = repaired(table_of_text(f.read_text(encoding="utf-8", errors="replace")))
        got = as_table(parsed[f.stem][0][0])
        if got != want:
            wrong[f.stem] = (got, want)
    assert wrong == {}


def test_page_and_text_give_the_same_cable(pages, texts) -> None:
    differ = []
    for key, (cables, _) in pages[1].items():
        a, b = cables[0], texts[1][key][0][0]
        if a.front_matter() != b.front_matter() or a.body != b.body or a.header != b.header:
            differ.append(key)
    assert differ == []


def test_subject_and_tags_coverage(texts) -> None:
    has_subject = re.compile(r"^[ \t]*SUBJ(?:ECT)?\b", re.MULTILINE | re.IGNORECASE)
    has_tags = re.compile(r"^[ \t]*TAGS?\b", re.MULTILINE | re.IGNORECASE)
    cables = [c[0] for c, _ in texts[1].values()]
    with_line = [c for c in cables if has_subject.search(c.body)]
    with_tags = [c for c in cables if has_tags.search(c.body)]
    assert sum(bool(c.subject) for c in with_line) >= 0.995 * len(with_line)
    assert sum(bool(c.tags) for c in with_tags) >= 0.995 * len(with_tags)


def test_flags_match_the_corpus_readme(texts) -> None:
    cables = [c[0] for c, _ in texts[1].values()]
    partial = sum(c.partial for c in cables)
    assert partial == sum(
        "This record is a partial extract" in f.read_text(encoding="utf-8", errors="replace")[:400]
        for f in texts[0]
    )
    assert 0 < sum(c.truncated for c in cables) < 200
    assert all(c.header == "" for c in cables if c.partial)
