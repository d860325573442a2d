"""Header and trailer fields: real lines (fixtures/fields/lines.yaml) and whole corpus cables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import need_corpus

from generator.model import Recipient
from generator.parse import fields

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fields"
LINES = yaml.safe_load((FIXTURES / "lines.yaml").read_text(encoding="utf-8"))


def _as_tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_as_tuples(v) for v in value)
    return value


def _cases(function: str) -> list[pytest.param]:
    return [pytest.param(function, c, id=f"{function}-{c['cable']}") for c in LINES[function]]


ALL_LINE_CASES = [p for name in LINES for p in _cases(name)]


def test_every_function_has_three_real_lines() -> None:
    for name in ("split_classification", "parse_banner", "parse_dtg", "parse_from",
                 "parse_classified_by", "parse_declassify"):
        assert len(LINES[name]) >= 3, name


@pytest.mark.parametrize(("function", "case"), ALL_LINE_CASES)
def test_real_line(function: str, case: dict) -> None:
    result = getattr(fields, function)(case["text"])
    assert result == _as_tuples(case["expected"])


def _cable(name: str, source: str = "") -> str:
    corpus = need_corpus()
    return (corpus / (source or f"cablegate-text/{name}.txt")).read_text(encoding="utf-8")


def _seed() -> str:
    return _cable("07USNATO577", "seed/07USNATO577.txt")


# --- recipients --------------------------------------------------------------------------


def test_recipients_of_the_seed_cable() -> None:
    got = fields.parse_recipients(_seed())
    assert got[0] == Recipient("to", "RUEHC", "SECSTATE WASHDC", "IMMEDIATE", "1311")
    assert got[1] == Recipient("info", "RUEHZG", "NATO EU COLLECTIVE", "IMMEDIATE", "")
    assert got[2] == Recipient("info", "RUEHMO", "AMEMBASSY MOSCOW", "IMMEDIATE", "5780")
    assert got[-1] == Recipient("info", "RHMFISS", "USNMR SHAPE BE", "IMMEDIATE", "")
    assert len(got) == 11  # 1 TO + 10 INFO, stopping at the banner


def test_recipients_without_routing_indicators() -> None:
    got = fields.parse_recipients(_cable("00HARARE5461"))
    assert got == (
        Recipient("to", "", "SECSTATE WASHDC", "IMMEDIATE", "7212"),
        Recipient("info", "", "NSC WASHDC", "IMMEDIATE", ""),
        Recipient("info", "", "SOUTHERN AFRICAN DEVELOPMENT COMMUNITY", "", ""),
    )


def test_recipients_skip_action_info_block_and_read_continuations() -> None:
    got = fields.parse_recipients(_cable("09STATE34688"))  # has "INFO  LOG-00   EEB-00 ..." first
    assert [r.station for r in got] == [
        "AMEMBASSY ABU DHABI", "GULF COOPERATION COUNCIL COLLECTIVE", "AMEMBASSY BAGHDAD",
        "AMEMBASSY BEIRUT", "AMCONSUL JERUSALEM", "AMEMBASSY TEL AVIV", "AMEMBASSY ISLAMABAD",
    ]
    assert [r.kind for r in got] == ["to"] + ["info"] * 6
    assert got[1].precedence == "PRIORITY"


def test_recipients_zen_lines_and_serial_ranges() -> None:
    got = fields.parse_recipients(_cable("08STATE103511"))
    assert got[0] == Recipient("to", "", "AMEMBASSY BELMOPAN", "NIACT IMMEDIATE", "2276-2279")
    assert got[1] == Recipient("to", "RUEHKV", "AMEMBASSY KYIV", "NIACT IMMEDIATE", "7881-7884")
    assert Recipient("info", "", "AMEMBASSY ADDIS ABABA", "IMMEDIATE", "5844-5847") in got


def test_recipients_synthetic_stop_at_bt() -> None:
    header = "FM AMEMBASSY X\nTO RUEHC/SECSTATE WASHDC PRIORITY 0001\nBT\nINFO NOT A LIST\n"
    assert fields.parse_recipients(header) == (
        Recipient("to", "RUEHC", "SECSTATE WASHDC", "PRIORITY", "0001"),
    )


# --- summary -----------------------------------------------------------------------------


def test_summary_of_the_seed_cable() -> None:
    summary = fields.parse_summary(_seed())
    assert summary.startswith("In the October 17 NATO-Russia Council (NRC) reinforced meeting")
    assert summary.endswith("no threat to Europe or the United States.")
    assert "\n" not in summary and "  " not in summary


def test_summary_under_a_heading_to_end_summary() -> None:
    summary = fields.parse_summary(_cable("00HARARE5461"))
    assert summary.startswith("ACCORDING TO A SENIOR MDC ADVISOR")
    assert summary.endswith("ZIMBABWE’S CURRENT MESS.")
    assert "END SUMMARY" not in summary and "¶" not in summary


def test_summary_underlined_heading_and_paragraph_marking() -> None:
    summary = fields.parse_summary(_cable("09BOGOTA3035"))
    assert summary.startswith("President Alvaro Uribe emphasized to the Ambassador")
    assert not summary.startswith(("-", "¶", "(S"))


def test_labels_are_found_as_the_regex_finds_them() -> None:
    """``_matches`` (``str.find`` over ASCII text) gives ``finditer``'s matches."""
    texts = ["SUMMARY: a", "x summary. b SUMMARY- c", "(SUMMARY: d)", "nosummary: e", "Summary\n---\nf",
             "SUBJECT: SUMMARY OF TALKS\n1. Summary: g", "summary", "SUMMARY AND COMMENT: h", "Sum\u017fmary: i",
             "\u0130 summary: j", "SUMMARYSUMMARY: k", ". summary:summary: l", "CLASSIFIED BY: x",
             "Classified  by Classified By: y", "declassified by z", "classified\tBY:classified by: w"]
    folder = need_corpus() / "cablegate-text"
    texts += [p.read_text(errors="replace") for p in sorted(folder.glob("*.txt"))[::5]]
    for text in texts:
        for pattern, word in ((fields._SUMMARY, "summary"), (fields._CLASSIFIED_BY, "classified")):
            assert [m.span() for m in fields._matches(pattern, word, text)] == \
                [m.span() for m in pattern.finditer(text)]


def test_summary_absent() -> None:
    assert fields.parse_summary("1. (C) The minister spoke.\n\n2. (C) He left.\n") == ""
    assert fields.parse_summary("SUBJECT: WEEKLY SUMMARY\n\n1. (U) Nothing.\n") == ""


# --- signer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cable", "signer"),
    [
        ("07USNATO577", "OLSON"),
        ("09STATE34688", "CLINTON"),
        ("04BOGOTA3619", "WOOD"),  # above "=====CABLE ENDS====="
        ("00HARARE5461", "MCDONALD"),  # above a " CONFIDENTIAL" page trailer and ">"
        ("10SANJOSE90", ""),  # text cut off at "Legislative / Assembl"
    ],
)
def test_signer(cable: str, signer: str) -> None:
    text = _seed() if cable == "07USNATO577" else _cable(cable)
    assert fields.parse_signer(text) == signer


def test_signer_synthetic() -> None:
    assert fields.parse_signer("text.\n\nOLSON\nBT\n#0577\nNNNN\n") == "OLSON"
    assert fields.parse_signer("text.\n\nVAN VOORST \\\n") == "VAN VOORST"
    assert fields.parse_signer("1. (C) The end of the cable.\n") == ""


# --- declassification, synthetic shapes from the brief --------------------------------------


def test_declassify_other_shapes() -> None:
    assert fields.parse_declassify("E.O. 12958: DECL: 1.6X6\n") == ("1.6X6", 1)
    assert fields.parse_declassify("x\nDECLASSIFIED BY NARA 09/02/2009\n") == (
        "DECLASSIFIED BY NARA 09/02/2009", 2)
    assert fields.parse_declassify("no marking here") == ("", 0)


# --- robustness and speed ----------------------------------------------------------------

FUNCTIONS = ("split_classification", "parse_banner", "parse_dtg", "parse_from", "parse_recipients",
             "parse_classified_by", "parse_declassify", "parse_summary", "parse_signer")


@pytest.mark.parametrize("bad", ["", "\x00", "TO\nINFO\nFM", "Classified By:", "E.O. 12958:", None,
                                 "SUMMARY:" * 2000, "O 999999Z FOO 07"])
def test_never_raises(bad: object) -> None:
    for name in FUNCTIONS:
        getattr(fields, name)(bad)  # must not raise


def test_corpus_fields(corpus: Path) -> None:
    files = sorted((corpus / "cablegate-text").glob("*.txt"))
    counts = dict.fromkeys(FUNCTIONS[1:], 0)
    start = time.perf_counter()
    dtg_agrees = dtg_found = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for name in counts:
            value = getattr(fields, name)(text)
            counts[name] += bool(value[0] if isinstance(value, tuple) and name != "parse_recipients"
                                 else value)
        dtg = fields.parse_dtg(text)
        if dtg:
            dtg_found += 1
            created = text.split("\n", 2)[1].removeprefix("Created: ")
            dtg_agrees += dtg[:13] == created[:13]
    elapsed = time.perf_counter() - start
    print(f"fields over {len(files)} cables in {elapsed:.2f}s: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    assert counts["parse_banner"] >= 0.95 * len(files)
    assert counts["parse_declassify"] >= 0.95 * len(files)
    assert dtg_agrees >= 0.99 * dtg_found  # the DTG gives the Created date and hour
