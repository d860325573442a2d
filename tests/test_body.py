"""Body cleaning and structure: the seed cable 07USNATO577 and hand-made marker cases."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, need_corpus

from generator.parse.body import blocks, clean_body, split_header

FIXTURES = REPO / "tests" / "fixtures" / "body"
SEED_CASE = json.loads((FIXTURES / "07USNATO577.json").read_text(encoding="utf-8"))
MARKER_CASES = json.loads((FIXTURES / "page_markers.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def seed_body() -> str:
    text = (need_corpus() / SEED_CASE["cable"]).read_text(encoding="utf-8")
    telegram = text[text.index("VZCZC") :]
    header, rest = split_header(telegram)
    assert header.startswith("VZCZCXRO8195") and header.endswith("RHMFISS/USNMR SHAPE BE IMMEDIATE")
    return clean_body(rest, station="USNATO", serial="577")


@pytest.mark.parametrize("snippet", SEED_CASE["appears_once"])
def test_seed_repeated_header_appears_once(seed_body: str, snippet: str) -> None:
    assert seed_body.count(snippet) == 1


@pytest.mark.parametrize("snippet", SEED_CASE["absent"])
def test_seed_markers_and_stray_sipdis_gone(seed_body: str, snippet: str) -> None:
    assert snippet not in seed_body


@pytest.mark.parametrize("snippet", SEED_CASE["contains"])
def test_seed_split_text_joined(seed_body: str, snippet: str) -> None:
    assert snippet in seed_body


def test_seed_body_ends(seed_body: str) -> None:
    assert seed_body.startswith(SEED_CASE["starts_with"])
    assert seed_body.endswith(SEED_CASE["ends_with"])


def test_seed_structure(seed_body: str) -> None:
    found = blocks(seed_body)
    paragraphs = [[b.number, b.marking] for b in found if b.kind == "paragraph"]
    assert paragraphs == SEED_CASE["paragraphs"]
    assert [b.text for b in found if b.kind == "heading"] == SEED_CASE["headings"]
    para2 = next(b for b in found if b.number == "2")
    assert para2.text.startswith("On October 17, Defense Under Secretary")
    assert "that the United States and Russia agreed" in para2.text  # blank line inside kept in it
    assert seed_body.split("\n")[para2.line - 1].startswith("2. (C) On October 17")


@pytest.mark.parametrize("case", MARKER_CASES, ids=lambda c: c["expected"][:30])
def test_marker_cases(case: dict) -> None:
    assert clean_body(case["text"], station=case["station"], serial=case["serial"]) == case["expected"]


def test_split_header_without_routing_header() -> None:
    text = "UNCLAS SECTION 01 OF 04 SAN JOSE 000612\n\nSIPDIS\n"
    assert split_header(text) == ("", text)


def test_split_header_at_blank_line() -> None:
    header, rest = split_header("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES\nTO SECSTATE WASHDC\n\nUNCLASSIFIED")
    assert header.endswith("TO SECSTATE WASHDC") and rest == "UNCLASSIFIED"


def test_blocks_subparagraphs_and_caps_heading() -> None:
    body = "1. (S) Two points:\n\nA. (C) The first.\n\nB. The second.\n\nCOMMENT:\n\n2. (U) End."
    found = blocks(body)
    assert [(b.kind, b.number, b.marking) for b in found] == [
        ("paragraph", "1", "S"),
        ("paragraph", "1.A", "C"),
        ("paragraph", "1.B", ""),
        ("heading", "", ""),
        ("paragraph", "2", "U"),
    ]
    assert found[3].text == "COMMENT:"
    assert found[1].text == "The first."


def test_clean_body_never_raises_on_odd_text() -> None:
    for text in ("", "\n\n", "SIPDIS", "SECTION 01 OF 02\nSECTION 02 OF 02", "X 0001 01 OF 02\n" * 3):
        assert isinstance(clean_body(text, station="", serial=""), str)
        assert isinstance(blocks(text), list)
