"""SUBJECT: real subjects of the corpus, hand-written shapes, corpus coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import need_corpus

from generator.parse.subject import find_subject

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "subjects"
CORPUS_CASES = yaml.safe_load((FIXTURES / "corpus.yaml").read_text(encoding="utf-8"))
SYNTHETIC_CASES = yaml.safe_load((FIXTURES / "synthetic.yaml").read_text(encoding="utf-8"))


def _cable_text(case: dict) -> str:
    corpus = need_corpus()
    source = case.get("source") or f"cablegate-text/{case['cable']}.txt"
    return (corpus / source).read_text(encoding="utf-8")


def test_fixture_has_enough_real_cases() -> None:
    assert len(CORPUS_CASES) >= 30
    assert len({c["cable"] for c in CORPUS_CASES}) == len(CORPUS_CASES)


@pytest.mark.parametrize("case", CORPUS_CASES, ids=lambda c: c["cable"])
def test_real_subject(case: dict) -> None:
    subject, line = find_subject(_cable_text(case))
    assert subject == case["subject"]
    if "line" in case:
        assert line == case["line"]
    assert line > 0


@pytest.mark.parametrize("case", SYNTHETIC_CASES, ids=lambda c: c["name"])
def test_synthetic_subject(case: dict) -> None:
    assert find_subject(case["text"]) == (case["subject"], case["line"])


def test_first_subject_wins_over_repeated_section_header() -> None:
    text = "SUBJECT: FIRST\n\nC O N F I D E N T I A L SECTION 02 OF 02 X 000001\nSUBJECT: SECOND\n"
    assert find_subject(text) == ("FIRST", 1)


@pytest.mark.parametrize("bad", ["", "SUBJECT:", "SUBJECT:\n\n\n", "\x00", "SUBJECT: " + "X " * 5000, None])
def test_never_raises(bad: object) -> None:
    subject, line = find_subject(bad)  # type: ignore[arg-type]
    assert isinstance(subject, str) and isinstance(line, int)


HAS_SUBJECT_LINE = re.compile(r"\bSUBJ(?:ECT)?\s*:", re.IGNORECASE)


def test_corpus_coverage() -> None:
    corpus = need_corpus()
    files = sorted((corpus / "cablegate-text").glob("*.txt"))
    with_line = found = too_long = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not HAS_SUBJECT_LINE.search(text):
            continue
        with_line += 1
        subject, line = find_subject(text)
        found += bool(subject) and line > 0
        too_long += len(subject) > 300
    ratio = found / with_line
    print(f"find_subject: {found}/{with_line} cables with a SUBJECT line = {ratio:.2%} (of {len(files)})")
    assert with_line > 5800
    assert ratio >= 0.995
    assert too_long <= 5  # a subject that swallowed the body would be long
