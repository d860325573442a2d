"""A batch's body postings made at once (generator/search/columns.py) are those the tokenizer
gives cable by cable, inverted and encoded one posting at a time (``partials.plain_postings``,
which indexes a batch of a few cables: an edit's)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from conftest import need_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import codec, partials
from generator.search.columns import body_postings
from generator.search.partials import plain_postings as _one_by_one


def test_counts_weights_and_gaps_of_a_small_batch() -> None:
    texts = ["07USNATO577 NRC: RUSSIA'S CAX (REF 07USNATO000577) the the",
             "russia russia russia russia 577 x",
             "Russia " * 9 + "São Paulo O'NEILL's 0007 don't",
             ""]
    got = body_postings(texts, [40, 41, 1500, 1501])
    assert got == _one_by_one(texts, [40, 41, 1500, 1501])
    first, rest, last = got["russia"]
    assert (first >> 2, first & 3, last) == (40, 0, 1500)  # once, then 4 times (weight 2), then 9 (3)
    assert [v for v in codec.decode(rest)] == [0 << 2 | 2, (1500 - 41 - 1) << 2 | 3]
    assert got["577"][0] == 40 << 2 | 1  # 577 and 000577 in the id and the REF
    assert {"usnato", "7", "07usnato577", "oneill", "dont", "sao", "paulo"} <= got.keys()
    assert "the" not in got and "s" not in got


def test_no_text_and_no_terms() -> None:
    assert body_postings([], []) == {}
    assert body_postings(["the of and", "--- ..."], [0, 1]) == {}


def test_corpus_batch_is_the_one_by_one_postings() -> None:
    corpus = need_corpus()
    files = sorted((corpus / "cablegate-text").iterdir())[:1000]
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    docs = [7000 + 3 * i for i in range(len(texts))]  # gaps of two docs between them: weights and gaps both carry
    assert body_postings(texts, docs) == _one_by_one(texts, docs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="aZ09' \u2019-éx", max_size=60), min_size=1, max_size=12),
       st.lists(st.integers(0, 40_000), min_size=12, max_size=12, unique=True))
def test_any_texts_and_doc_numbers(texts, numbers) -> None:
    docs = sorted(numbers)[: len(texts)]
    texts = [t + " " + "ab0" * 20 + " 00'S" if i % 3 == 0 else t for i, t in enumerate(texts)]
    assert body_postings(texts, docs) == _one_by_one(texts, docs)


def test_a_batch_past_arrows_string_limit(monkeypatch) -> None:
    """Past 2 GiB of text a batch is split as ``large_string`` (64-bit offsets), with the same
    postings; the limit is lowered here so that a small batch crosses it."""
    from generator.search import columns

    texts = ["07USNATO577 NRC: RUSSIA'S CAX", "Russia " * 9 + "0007 don't", "the end"]
    expected = _one_by_one(texts, [3, 9, 2000])
    monkeypatch.setattr(columns, "STRING_BYTES", 10)
    assert body_postings(texts, [3, 9, 2000]) == expected


def test_more_distinct_words_than_a_16_bit_sort_holds() -> None:
    """Past 65,536 distinct runs in a batch the sort by term takes 32-bit numbers."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [a + b + c + d for a in letters for b in letters for c in letters for d in letters[:4]]  # 70,304
    texts = [" ".join(words[: 40_000]), " ".join(words[30_000:]) + " zzzz 0042", " ".join(words[::7])]
    assert len(set(words)) > 1 << 16
    assert body_postings(texts, [0, 5, 6]) == _one_by_one(texts, [0, 5, 6])


def test_a_few_cables_are_indexed_without_arrow(monkeypatch) -> None:
    """An edit indexes one or two cables: the plain way, with the same partial index as a
    batch's, and without importing Arrow and NumPy (0.3-0.7 s of a worker's time)."""
    from generator.parse import read

    seed = Path(__file__).resolve().parents[1] / "content" / "cables" / "07USNATO577.txt"
    cable = read(seed.name, seed.read_bytes())[0][0]
    docs = [(3, cable, "cable/a.html"), (8, replace(cable, id="07USNATO578", subject="RUSSIANS"), "cable/b.html")]
    few = partials.partial(docs)
    monkeypatch.setattr(partials, "FEW", 0)
    assert partials.partial(docs) == few
    assert few.body["russians"][0] >> 2 == 3 and few.body["russians"][2] == 8
    code = ("import sys; from pathlib import Path; from generator.parse import read; "
            "from generator.search.partials import partial; "
            f"p = Path({str(seed)!r}); c = read(p.name, p.read_bytes())[0][0]; "
            "part = partial([(0, c, 'x.html')]); "
            "assert 'nrc' in part.body; assert 'pyarrow' not in sys.modules and 'numpy' not in sys.modules, 'imported'")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
