"""TelegramLexer on the seed cable 07USNATO577 (content/cables/07USNATO577.txt, in the repo)."""

from __future__ import annotations

import time

import pytest
from conftest import REPO, need_corpus
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.token import Comment, Generic, Keyword, Literal, Name, Number, Text, Token

from generator.lexer import TelegramLexer, telegram_html
from generator.lexer import tokens as fast_tokens

SEED = REPO / "content" / "cables" / "07USNATO577.txt"


@pytest.fixture(scope="module")
def seed() -> str:
    text = SEED.read_text()
    return text[text.index("VZCZC"):]


def tokens(line: str) -> list[tuple[object, str]]:
    """Non-blank tokens of one line."""
    return [(t, v.rstrip("\n")) for t, v in TelegramLexer().get_tokens(line + "\n") if v.strip()]


def test_routing_lines() -> None:
    assert tokens("VZCZCXRO8195") == [(Keyword.Declaration, "VZCZC"), (Name.Constant, "XRO8195")]
    assert tokens("OO RUEHDE") == [(Keyword.Reserved, "OO"), (Name.Constant, "RUEHDE")]
    assert tokens("DE RUEHNO #0577/01 2971509") == [
        (Keyword.Declaration, "DE"), (Name.Constant, "RUEHNO"), (Number, "#0577/01"), (Number, "2971509")]
    assert tokens("ZNY CCCCC ZZH") == [
        (Keyword.Declaration, "ZNY"), (Generic.Strong, "CCCCC"), (Keyword.Declaration, "ZZH")]
    assert tokens("O 241509Z OCT 07") == [(Keyword.Reserved, "O"), (Literal.Date, "241509Z OCT 07")]


def test_addressees() -> None:
    assert tokens("FM USMISSION USNATO") == [(Keyword.Declaration, "FM"), (Name.Entity, "USMISSION USNATO")]
    assert tokens("TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311") == [
        (Keyword.Declaration, "TO"), (Name.Constant, "RUEHC"), (Token.Punctuation, "/"),
        (Name.Entity, "SECSTATE WASHDC"), (Keyword.Reserved, "IMMEDIATE"), (Number, "1311")]
    assert tokens("RUEKJCS/SECDEF WASHINGTON DC IMMEDIATE") == [
        (Name.Constant, "RUEKJCS"), (Token.Punctuation, "/"), (Name.Entity, "SECDEF WASHINGTON DC"),
        (Keyword.Reserved, "IMMEDIATE")]


def test_banner_and_header_fields() -> None:
    assert tokens("C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577") == [
        (Generic.Strong, "C O N F I D E N T I A L"), (Generic.Subheading, " SECTION 01 OF 03"),
        (Comment.Special, " USNATO 000577")]
    assert tokens("UNCLAS SECTION 01 OF 02 CARACAS 002200")[0] == (Generic.Strong, "UNCLAS")
    assert tokens("SIPDIS") == [(Generic.Strong, "SIPDIS")]
    assert tokens("E.O. 12958: DECL: 10/17/2017") == [
        (Keyword.Declaration, "E.O. 12958:"), (Keyword.Declaration, "DECL:"), (Literal.Date, " 10/17/2017")]
    assert tokens("TAGS: NATO PREL MARR RU") == [(Keyword.Declaration, "TAGS:"), (Name.Tag, " NATO PREL MARR RU")]
    assert tokens("SUBJECT: NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2")[0] == (Keyword.Declaration, "SUBJECT:")
    assert tokens("REF: A. USNATO 263") == [(Keyword.Declaration, "REF:"), (Name.Label, " A. USNATO 263")]
    assert tokens("Classified By: Charge Richard Olson for reasons 1.4 (b),(d)")[0] == (
        Keyword.Declaration, "Classified By:")


def test_body_markings_page_markers_redactions() -> None:
    assert tokens("1. (C/NF) Summary: In the October 17 NATO-Russia Council") == [
        (Generic.Prompt, "1."), (Generic.Emph, "(C/NF)"), (Text, " Summary: In the October 17 NATO-Russia Council")]
    assert tokens("13. (U) This message")[:2] == [(Generic.Prompt, "13."), (Generic.Emph, "(U)")]
    assert tokens("USNATO 00000577 002 OF 003") == [(Comment.Preproc, "USNATO 00000577 002 OF 003")]
    assert tokens("NEW DELHI 00009527  003 OF 005 ") == [(Comment.Preproc, "NEW DELHI 00009527  003 OF 005")]
    assert (Generic.Deleted, "XXXXXXXXXXXX") in tokens("source XXXXXXXXXXXX said; EXXON said")
    # an ordinary sentence in capitals is not a banner
    assert tokens("SECRETARY RICE MET THE MINISTER") == [(Text, "SECRETARY RICE MET THE MINISTER")]


def test_seed_roundtrip_and_line_tokens(seed: str) -> None:
    toks = list(TelegramLexer().get_tokens(seed))
    assert "".join(v for _, v in toks) == seed if seed.endswith("\n") else seed + "\n"
    kinds = {t for t, _ in toks}
    assert {Generic.Prompt, Generic.Emph, Comment.Preproc, Name.Tag, Literal.Date} <= kinds
    assert sum(1 for t, v in toks if t is Comment.Preproc) == 2  # "002 OF 003", "003 OF 003"
    # body text comes in line-sized tokens, not a token per word
    assert len(toks) < len(seed.splitlines()) * 3


def test_registered_and_html(seed: str) -> None:
    assert TelegramLexer.name == "Telegram" and TelegramLexer.aliases == ["telegram", "cable"]
    ours = str(telegram_html(seed))
    theirs = highlight(seed, TelegramLexer(), HtmlFormatter(nowrap=True))
    # Pygments 2.21 leaves quotes in text unescaped (html.escape(quote=False)); ours, as
    # Pygments did before, escapes them: the same text either way
    def strip(html: str) -> str:
        html = html.replace('<span class="w">', "").replace("</span>", "")
        return html.replace("&quot;", '"').replace("&#39;", "'")

    assert "".join(strip(ours).split()) == "".join(strip(theirs).split())
    assert str(telegram_html("<script>&")) == "&lt;script&gt;&amp;"


def test_never_raises_on_odd_text() -> None:
    for text in ("", "\n\n", "TO", "FM \n", "RUEHC/", "(C)", "X" * 5000, "\x00\ufffd ¶ é", "1. (", "DE R"):
        assert "".join(v for _, v in TelegramLexer().get_tokens(text)).rstrip("\n") == text.rstrip("\n")


def test_corpus_cables_lex_fast(corpus: object) -> None:
    folder = need_corpus() / "cablegate-text"
    texts = [p.read_text(errors="replace") for p in sorted(folder.glob("07*.txt"))[:300]]
    size = sum(len(t) for t in texts)
    start = time.perf_counter()
    for t in texts:
        telegram_html(t)
    per_kb = (time.perf_counter() - start) / (size / 1024)
    assert per_kb < 0.0005, f"{per_kb * 1000:.3f} ms per KB"


ODD_TEXTS = ("", "\n\n", "TO", "FM \n", "RUEHC/", "(C)", "X" * 5000, "\x00\ufffd ¶ é", "1. (", "DE R",
             "XXXX abc XXXXX\nX\nXX def XXX\n\nXXXXXXXXXXXX\n", "abc XXX", "(C) XXXXXXXXX\n",
             "TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311\nINFO RUEHXX/XXXXXXXXXXXX\n\x0bBT\n")


def test_fast_tokens_are_the_pygments_lexers_tokens(seed: str) -> None:
    """``tokens`` (one combined regex a state, used by ``telegram_html``) gives exactly what
    Pygments' RegexLexer machinery gives for the same rules."""
    lexer = TelegramLexer(stripnl=False, ensurenl=False)
    for text in (seed, *ODD_TEXTS):
        assert list(fast_tokens(text)) == list(lexer.get_tokens_unprocessed(text)), text[:40]


def test_fast_tokens_on_the_corpus() -> None:
    folder = need_corpus() / "cablegate-text"
    lexer = TelegramLexer(stripnl=False, ensurenl=False)
    differ = [p.name for p in sorted(folder.glob("*.txt"))
              if list(fast_tokens(t := p.read_text(errors="replace"))) != list(lexer.get_tokens_unprocessed(t))]
    assert differ == []


def html_of_tokens(text: str) -> str:
    """What ``telegram_html`` must write: :func:`tokens`' tokens, escaped, each in its class's span."""
    from markupsafe import escape
    from pygments.token import STANDARD_TYPES

    out = []
    for _, token, value in fast_tokens(text):
        while token not in STANDARD_TYPES:
            token = token.parent
        cls, value = STANDARD_TYPES[token], str(escape(value)).replace("&#34;", "&quot;")
        out.append(value if cls in ("", "w") else f'<span class="{cls}">{value}</span>')
    return "".join(out)


def test_html_is_the_tokens_html(seed: str) -> None:
    """``telegram_html`` finds plain text without the plain-text rules' regexes: the same HTML."""
    for text in (seed, *ODD_TEXTS, "abc XX\ndef", "XX\nXXX", "a\nXXXX\nb X\nc\n", "a\n1. (C) b\nc XXXXX d\n",
                 "x <b> & \"q\" 'a'\nTO RUEHC/SECSTATE WASHDC\nplain\n"):
        assert str(telegram_html(text)) == html_of_tokens(text), text[:40]


def test_html_is_the_tokens_html_on_the_corpus() -> None:
    folder = need_corpus() / "cablegate-text"
    differ = [p.name for p in sorted(folder.glob("*.txt"))
              if str(telegram_html(t := p.read_text(errors="replace"))) != html_of_tokens(t)]
    assert differ == []


_PIECES = ("X", "XX", "XXX", "XXXX", "\n", "\n\n", " ", "\t", "a", "Qz", "&", "<", '"', "TO ", "INFO ", "RUEHC/",
           "SECSTATE WASHDC", " IMMEDIATE", " 1311", "1. ", "(C) ", "(S/NF)", "C O N F I D E N T I A L", "SECRET",
           " SECTION 01 OF 02", "USNATO 00000577  002 OF 003", "BT", "VZCZC", "DE RUEHNO #0577/01 2971509",
           "E.O. 12958: DECL: 1/1/2017", "TAGS: PREL", "SUBJECT: X", "REF: A", "Classified By: x", "SIPDIS",
           "O 241509Z OCT 07", "ZNY CCCCC ZZH", "OO RUEHDE")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_html_is_the_tokens_html_on_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert str(telegram_html(text)) == html_of_tokens(text)
