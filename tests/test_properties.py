"""Hypothesis: no text makes the parser raise; the editable form gives back the same record."""

from __future__ import annotations

import dataclasses
import functools

from conftest import need_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.model import Cable, Recipient, Reference
from generator.parse import read
from generator.parse.forms.frontmatter import write_frontmatter
from generator.parse.telegram import parse_telegram

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def seed() -> str:
    return (need_corpus() / "seed" / "07USNATO577.txt").read_text(encoding="utf-8")


def no_internal_error(data: bytes, name: str = "x.txt") -> None:
    cables, diags = read(name, data)
    assert isinstance(cables, list)
    assert not [d for d in diags if "internal parser error" in d.message], diags


@SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    no_internal_error(data)


@SETTINGS
@given(st.text(max_size=2000), st.sampled_from(["a.txt", "a.html", "a.csv", "a.md", "a"]))
def test_random_text_never_raises(text: str, name: str) -> None:
    no_internal_error(text.encode("utf-8", "surrogatepass"), name)


_PREFIXES = ["", "---\nid: 07USNATO577\n---\n", '"1","10/24/2007 15:09","07USNATO577","M","C","","', "<table class='cable'><tr><td>"]
_PIECES = ["\n", "SECTION 01 OF 03", "REF: A. ", "TAGS", "SUBJECT:", "SIPDIS\n", "¶", "USNATO 00000577 002 OF 003\n",
           "\x93", "\x00", '"', "\\", "<pre>", "</pre>", "&#x000A;", "FM ", "---\n", "1. (C) ", "E.O. 12958: DECL:"]


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    text = seed()
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 400)))
        kind = draw(st.sampled_from(["cut", "insert", "dup", "truncate", "junk"]))
        if kind == "cut":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(_PIECES)) + text[i:]
        elif kind == "dup":
            text = text[:j] + text[i:j] + text[j:]
        elif kind == "truncate":
            text = text[:i]
        else:
            text = text[:i] + draw(st.text(max_size=40)) + text[j:]
    return draw(st.sampled_from(_PREFIXES)) + text


@SETTINGS
@given(mutated_seed(), st.sampled_from(["a.txt", "a.html", "a.csv", "a.md"]))
def test_mutated_cable_text_never_raises(text: str, name: str) -> None:
    no_internal_error(text.encode("utf-8", "surrogatepass"), name)


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00\ufeff"),
    max_size=60,
)
_WORD = st.from_regex(r"[A-Z]{2,8}", fullmatch=True)
_ID = st.builds(lambda y, s, n: f"{y:02d}{s}{n}", st.integers(0, 99), _WORD, st.integers(1, 99999))
_DATE = st.one_of(
    st.just(""),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")).filter(lambda s: s[:4] >= "1000"),
)


@st.composite
def front_matter_values(draw: st.DrawFn) -> dict[str, object]:
    refs = st.builds(Reference, _TEXT, _TEXT, st.one_of(st.just(""), _ID))
    recipients = st.builds(Recipient, st.sampled_from(["to", "info"]), _TEXT, _TEXT, _TEXT, _TEXT)
    return {
        "id": draw(_ID),
        "created": draw(_DATE),
        "released": draw(_DATE),
        "classification": draw(_TEXT),
        "caveats": tuple(draw(st.lists(_WORD, max_size=3))),
        "sipdis": draw(st.booleans()),
        "origin": draw(_TEXT),
        "station": draw(_TEXT),
        "subject": draw(_TEXT),
        "tags": tuple(draw(st.lists(_WORD, max_size=5))),
        "references": tuple(draw(st.lists(refs, max_size=3))),
        "classified_by": draw(_TEXT),
        "reasons": draw(_TEXT),
        "declassify_on": draw(_TEXT),
        "recipients": tuple(draw(st.lists(recipients, max_size=3))),
        "summary": draw(_TEXT),
        "signer": draw(_TEXT),
        "partial": draw(st.booleans()),
        "truncated": draw(st.booleans()),
    }


def base_cable(telegram: str) -> Cable:
    cable, _ = parse_telegram(telegram, {"id": "07USNATO577"}, path="c.md")
    assert cable is not None
    return cable


@SETTINGS
@given(front_matter_values(), st.one_of(st.just("seed"), _TEXT))
def test_frontmatter_round_trip(values: dict[str, object], telegram: str) -> None:
    if telegram == "seed":
        text = seed()
        telegram = text[text.index("VZCZC") :]
    cable = dataclasses.replace(base_cable(telegram), **values)
    cables, diags = read("c.md", write_frontmatter(cable).encode("utf-8"))
    assert cables == [cable], diags
