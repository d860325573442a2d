"""The REF block: finding it in real cables and reading its items into References."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from conftest import CORPUS, REPO, need_corpus

from generator.model import Reference
from generator.parse.refs import find_cables, find_ref_block, parse_refs, split_items

FIXTURES = REPO / "tests" / "fixtures" / "refs"


def _load(name: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def _expected(case: dict) -> tuple[Reference, ...]:
    return tuple(Reference(str(a), str(b), str(c)) for a, b, c in case["refs"])


def _cable_file(cable_id: str) -> Path:
    corpus = need_corpus()
    path = corpus / "cablegate-text" / f"{cable_id}.txt"
    return path if path.exists() else corpus / "seed" / f"{cable_id}.txt"


def _year(text: str) -> str:
    m = re.search(r"\b(\d{4})-\d{2}-\d{2}", text[:400])
    return m.group(1) if m else ""


CORPUS_CASES = _load("corpus.yaml")
SYNTHETIC_CASES = _load("synthetic.yaml")


def test_fixture_files_are_many_and_well_formed() -> None:
    assert len(CORPUS_CASES) >= 60
    assert len({c["cable"] for c in CORPUS_CASES}) == len(CORPUS_CASES)
    for case in CORPUS_CASES + SYNTHETIC_CASES:
        assert all(len(r) == 3 for r in case["refs"]), case


@pytest.mark.parametrize("case", CORPUS_CASES, ids=[c["cable"] for c in CORPUS_CASES])
def test_corpus_ref_block(case: dict) -> None:
    text = _cable_file(case["cable"]).read_text(encoding="utf-8")
    block, line = find_ref_block(text)
    assert block, f"no REF block found in {case['cable']}"
    assert text.split("\n")[line - 1].strip().upper().startswith("REF"), (line, block)
    refs, warnings = parse_refs(block, citing_id=case["cable"], year=_year(text))
    assert refs == _expected(case), block
    assert warnings == []


@pytest.mark.parametrize("case", SYNTHETIC_CASES, ids=[c["name"] for c in SYNTHETIC_CASES])
def test_synthetic_block(case: dict) -> None:
    refs, _ = parse_refs(case["block"], citing_id=case["citing"], year=case["year"])
    assert refs == _expected(case)


def test_block_stops_before_body_and_classified_by() -> None:
    text = (
        "SUBJECT: NRC: RUSSIANS ILL-PREPARED\n\nREF: A. USNATO 263\n\nB. USNATO 430\n\n"
        "Classified By: Charge Richard Olson for reasons 1.4 (b),(d)\n\n"
        "1. (C) Summary. As noted in REF A, the NRC met.\n"
    )
    block, line = find_ref_block(text)
    assert line == 3
    assert block == "REF: A. USNATO 263\n\nB. USNATO 430"


def test_ref_in_body_only_is_not_a_block() -> None:
    text = "SUBJECT: X\n\n¶1. (C) Summary.\nREF: A. STATE 1\n"
    assert find_ref_block(text) == ("", 0)
    assert find_ref_block("") == ("", 0)


def test_lower_case_mentions_are_not_a_block() -> None:
    assert find_ref_block("references to their country\nreference made by")[0] == ""


def test_block_ends_at_prose_on_the_ref_line() -> None:
    block, _ = find_ref_block("REF: SECSTATE 102414 We delivered points in reftel to MFA Deputy Director.")
    assert block == "REF: SECSTATE 102414"


def test_split_items_keeps_sequence() -> None:
    assert split_items("A. USNATO 263 B. USNATO 430") == [("A", "USNATO 263"), ("B", "USNATO 430")]
    # a "C." out of sequence is text, not a bullet
    assert split_items("A. J. C. SMITH EMAIL") == [("A", "J. C. SMITH EMAIL")]
    assert split_items("STATE 1; STATE 2") == [("", "STATE 1"), ("", "STATE 2")]


def test_find_cables_years() -> None:
    assert [c[0] for c in find_cables("A. 2005 MOSCOW 14734", "07")] == ["05MOSCOW14734"]
    assert [c[0] for c in find_cables("06 STATE 12345", "07")] == ["06STATE12345"]
    assert [c[0] for c in find_cables("USNATO 263", "07")] == ["07USNATO263"]
    assert find_cables("USNATO 263", "") == []


def test_missing_year_warns_and_keeps_explicit_years() -> None:
    refs, warnings = parse_refs("REF: A. USNATO 263 B. 06 STATE 1", citing_id="X", year="")
    assert refs == (Reference("A", "USNATO 263", ""), Reference("B", "06 STATE 1", "06STATE1"))
    assert warnings and "year" in warnings[0]


@pytest.mark.parametrize(
    "junk", ["", "REF:", "REF: ((((", "REF: A. B. C.", "REF: " + "9" * 5000, "REF: ¶¶¶ \\\\ A)", "\x00REF:\x00"]
)
def test_parse_refs_never_raises_on_junk(junk: str) -> None:
    refs, warnings = parse_refs(junk, citing_id="07USNATO577", year="2007")
    assert isinstance(refs, tuple) and isinstance(warnings, list)
    assert all(r.id == "" or re.fullmatch(r"[0-9]{2}[A-Z]+[0-9]+", r.id) for r in refs)


def test_whole_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """Every REF block of the corpus parses; print (not assert) how many items got an id."""
    corpus = need_corpus()
    files = sorted((corpus / "cablegate-text").glob("*.txt"))
    texts = [(f.stem, f.read_text(encoding="utf-8")) for f in files]
    known = {stem for stem, _ in texts}
    start = time.perf_counter()
    blocks = items = with_id = in_corpus = 0
    for stem, text in texts:
        block, line = find_ref_block(text)
        if not block:
            continue
        blocks += 1
        refs, _ = parse_refs(block, citing_id=stem, year=_year(text))
        assert line > 0
        for ref in refs:
            items += 1
            assert ref.id == "" or re.fullmatch(r"[0-9]{2}[A-Z]+[0-9]+", ref.id), ref
            assert ref.id != stem
            with_id += bool(ref.id)
            in_corpus += ref.id in known
    elapsed = time.perf_counter() - start
    assert blocks > len(texts) // 2
    with capsys.disabled():
        print(
            f"\nREF blocks: {blocks} of {len(texts)} cables; items: {items}; "
            f"with an id: {with_id} ({with_id / items:.1%}); id in the corpus: {in_corpus} "
            f"({in_corpus / items:.1%}); find_ref_block+parse_refs: {elapsed:.2f}s"
        )


def test_corpus_path_is_beside_the_repo() -> None:
    assert CORPUS.parent.name == "shared"
