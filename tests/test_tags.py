"""TAGS: real TAGS lines of the corpus, hand-written shapes, the glossary and corpus coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO, need_corpus

from generator.parse.tags import GLOSSARY, KNOWN_TAGS, find_tags, split_tags

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tags"
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
def test_real_tags_line(case: dict) -> None:
    tags, line = find_tags(_cable_text(case))
    assert list(tags) == case["tags"]
    if "line" in case:
        assert line == case["line"]
    assert line > 0


@pytest.mark.parametrize("case", SYNTHETIC_CASES, ids=lambda c: c["name"])
def test_synthetic_tags(case: dict) -> None:
    assert find_tags(case["text"]) == (tuple(case["tags"]), case["line"])


def test_split_tags_tokenizer() -> None:
    assert split_tags("PGOV, PINS, ZI, MDC, ZANU-PF ") == ("PGOV", "PINS", "ZI", "MDC", "ZANU-PF")
    assert split_tags("OVIP (RICE, CONDOLEEZZA) PREL") == ("OVIP", "PREL")
    assert split_tags("ECONEFIN") == ("ECON", "EFIN")
    assert split_tags("UNESCO NATIONAL") == ("UNESCO", "NATIONAL")  # not ES+CO, not NA+TI+...
    assert split_tags("UNGA/C-6, AU-1") == ("UNGA/C-6", "AU-1")
    assert split_tags("prel pgov") == ("PREL", "PGOV")
    assert split_tags("") == ()


@pytest.mark.parametrize("bad", ["", "TAGS", "TAGS:", "\x00\x00", "TAGS: (((", "TAGS: " + "A" * 5000, None])
def test_never_raises(bad: object) -> None:
    tags, line = find_tags(bad)  # type: ignore[arg-type]
    assert isinstance(tags, tuple) and isinstance(line, int)


def test_glossary_loaded_from_package_data() -> None:
    assert GLOSSARY["PREL"][1] == "subject"
    assert GLOSSARY["RU"] == ("Russia", "geo")
    assert GLOSSARY["RS"] == ("Russia", "geo")
    assert GLOSSARY["NATO"][1] == "organization"
    assert GLOSSARY["KPAO"][1] == "program"
    assert {kind for _, kind in GLOSSARY.values()} == {"subject", "program", "geo", "organization"}
    assert frozenset(GLOSSARY) == KNOWN_TAGS


def test_glossary_holds_every_reference_tag() -> None:
    reference = REPO.parent / "shared" / "reference" / "tags.tsv"
    if not reference.is_file():
        pytest.skip("reference tables absent")
    rows = [line.split("\t") for line in reference.read_text(encoding="utf-8").splitlines()[1:]]
    for tag, meaning, kind, *_ in rows:
        assert GLOSSARY[tag] == (meaning, kind)


HAS_TAGS_LINE = re.compile(r"\bTAGS?\b\s*:|^\s*TAGS\s+[A-Z]", re.IGNORECASE | re.MULTILINE)


def test_corpus_coverage() -> None:
    corpus = need_corpus()
    files = sorted((corpus / "cablegate-text").glob("*.txt"))
    with_line = found = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not HAS_TAGS_LINE.search(text):
            continue
        with_line += 1
        tags, line = find_tags(text)
        found += bool(tags) and line > 0
    ratio = found / with_line
    print(f"find_tags: {found}/{with_line} cables with a TAGS line = {ratio:.2%} (of {len(files)})")
    assert with_line > 5900
    assert ratio >= 0.995
