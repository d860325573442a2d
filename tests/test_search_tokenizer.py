"""The search tokenizer (generator/search/tokenizer.py) and its JS copy in search.js agree."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest
from conftest import REPO, need_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search.tokenizer import STOP_WORDS, fold, terms, tokens, words

SEARCH_JS = REPO / "themes" / "default" / "static" / "search.js"


def test_all_capitals_and_punctuation():
    # subject line of 07USNATO577
    assert tokens("NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER") == [
        "nrc", "russians", "ill", "prepared", "to", "respond", "to", "us", "2", "2", "missile",
        "defense", "offer",
    ]


def test_apostrophes():
    assert tokens("RUSSIA'S POSITION") == ["russia", "position"]
    assert tokens("Russia\u2019s") == ["russia"]
    assert tokens("O'NEILL DON'T") == ["oneill", "dont"]
    assert tokens("the allies' view") == ["the", "allies", "view"]


def test_ids_kept_whole_and_split():
    assert tokens("07USNATO577") == ["07usnato577", "7", "usnato", "577"]
    assert tokens("REF: A. USNATO 263") == ["ref", "a", "usnato", "263"]


def test_numbers_lose_leading_zeros():
    assert tokens("HARARE 005461 SECTION 01 OF 02") == ["harare", "5461", "section", "1", "of", "2"]
    assert tokens("000") == ["0"]
    assert tokens("1.4 (b),(d)") == ["1", "4", "b", "d"]


def test_accents_folded_and_other_scripts_separate():
    assert tokens("São Paulo, Škoda, MÜNCHEN") == ["sao", "paulo", "skoda", "munchen"]
    assert tokens("Москва 2009") == ["2009"]
    assert fold("ÉTÉ") == "ete"


def test_no_stemming():
    assert tokens("sanction sanctions sanctioned") == ["sanction", "sanctions", "sanctioned"]


def test_long_blobs_skipped():
    assert tokens("a" * 41 + " ok") == ["ok"]


def test_terms_drop_stop_words_words_keep_ids_whole():
    assert terms("The Prime Minister of India") == ["prime", "minister", "india"]
    assert "the" in STOP_WORDS and "the" not in terms("THE")
    assert words("07USNATO577 the") == ["07usnato577", "the"]


def _js_tokens(samples: list[str]) -> list[list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    program = """
const vm = require("vm"), fs = require("fs");
const ctx = {window: {}, performance: {now: () => 0}, URLSearchParams,
  document: {currentScript: null, readyState: "complete", getElementById: () => null}};
ctx.location = {search: ""};
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const samples = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(samples.map(s => ctx.window.CablesiteSearch.tokens(s))));
"""
    out = subprocess.run([node, "-e", program, str(SEARCH_JS)], input=json.dumps(samples),
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


SAMPLES = [
    "NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER",
    "RUSSIA'S O'NEILL DON'T allies' Russia\u2019s `quoted'",
    "07USNATO577 09SECTION01OF03SANJOSE525 HARARE 005461 000 1.4 (b),(d)",
    "São Paulo Škoda MÜNCHEN Москва ﬁnance ① ²  \u00a0tab\there",
    "a" * 41 + " " + "b" * 40,
    "E.O. 12958: DECL: 10/17/2017 TAGS: NATO, PREL, MARR, RU",
    "'s 's's x's 5's ''a''",
]


def test_js_tokenizer_matches_python():
    rng = random.Random(7)
    alphabet = "aZ09 '\u2019-.éÉñ\u0301ß\u00a0X"
    samples = SAMPLES + ["".join(rng.choice(alphabet) for _ in range(30)) for _ in range(300)]
    assert _js_tokens(samples) == [tokens(s) for s in samples]


def test_js_tokenizer_matches_python_on_corpus_text():
    corpus = need_corpus()
    files = sorted((corpus / "cablegate-text").iterdir())[:150]
    samples = [f.read_text(encoding="utf-8", errors="replace")[:4000] for f in files]
    assert _js_tokens(samples) == [tokens(s) for s in samples]


def test_term_counts_is_terms_counted():
    from collections import Counter

    from generator.search.tokenizer import term_counts

    text = "07USNATO577 USNATO 577 the THE Russia's 0577 and 07USNATO577 x7"
    assert term_counts(text) == Counter(terms(text))
    assert term_counts(text)["577"] == 4 and "the" not in term_counts(text)


def test_term_counts_is_terms_counted_on_corpus_text():
    from collections import Counter

    from generator.search.tokenizer import term_counts

    corpus = need_corpus()
    for f in sorted((corpus / "cablegate-text").iterdir())[:300]:
        text = f.read_text(encoding="utf-8", errors="replace")
        assert term_counts(text) == Counter(terms(text)), f.name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZ09' \u2019-é" + "x" * 3, max_size=120))
def test_term_counts_is_terms_counted_on_any_text(text):
    from collections import Counter

    from generator.search.tokenizer import term_counts

    long = text + " " + "ab0" * 20 + "'s 00'S"
    assert term_counts(text) == Counter(terms(text))
    assert term_counts(long) == Counter(terms(long))
