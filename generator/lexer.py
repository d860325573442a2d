"""A Pygments lexer for State Department telegrams as Cablegate published them.

It colours the routing header and the classification lines of a telegram::

    VZCZCXRO8195                                  routing: start of message
    OO RUEHDE                                     precedence + routing indicator
    DE RUEHNO #0577/01 2971509                    originator, serial, Julian time
    ZNY CCCCC ZZH                                 security line
    O 241509Z OCT 07                              precedence + date-time group
    FM USMISSION USNATO                           sender
    TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311       addressee: indicator/station precedence serial
    C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577    banner
    E.O. 12958: DECL: 10/17/2017                  executive order, declassification
    TAGS: NATO PREL MARR RU
    SUBJECT: NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2
    REF: A. USNATO 263
    Classified By: Charge Richard Olson for reasons 1.4 (b),(d)
    1. (C/NF) Summary: In the October 17 NATO-Russia Council    paragraph marking
    USNATO 00000577  002 OF 003                   page marker

Ordinary text is emitted a whole line (or run of lines) at a time so that a
cable of 10 KB lexes in well under a millisecond. The lexer never raises:
anything it does not know is plain ``Text``.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    STANDARD_TYPES,
    Comment,
    Generic,
    Keyword,
    Literal,
    Name,
    Number,
    Punctuation,
    String,
    Text,
    Whitespace,
    _TokenType,
)

__all__ = ["TelegramLexer", "telegram_html"]

_PRECEDENCE = r"(?:FLASH|IMMEDIATE|PRIORITY|ROUTINE|NIACT\s+IMMEDIATE)"
_LEVEL = (
    r"(?:C ?O ?N ?F ?I ?D ?E ?N ?T ?I ?A ?L|S ?E ?C ?R ?E ?T|U ?N ?C ?L ?A ?S(?: ?S ?I ?F ?I ?E ?D)?)"
    r"(?=[ \t]*\n|[ \t]+(?:SECTION|[A-Z]{3,}[A-Z ]*\d{4,}))"
)
_MONTH = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
# A paragraph marking such as (C), (C/NF), (SBU), (S//NF), (U) at the start of a numbered paragraph.
_MARKING = r"\((?:U|SBU|C|S|TS|CONFIDENTIAL|SECRET|UNCLASSIFIED)(?:\s*/{1,2}\s*[A-Z]{2,8})*\)"
# Starts of lines some rule above may colour: a superset, so that runs of plain lines
# can be taken in one token and stop before any line that needs a look.
_SPECIAL = (
    r"VZCZC|[ORPZ]{1,2}[ \t]|DE[ \t]|ZN[YR]|FM[ \t]|TO[ \t]|INFO[ \t]|BT\b|R[A-Z]{3,6}/"
    r"|C ?O ?N ?F|S ?E ?C ?R ?E ?T|U ?N ?C ?L ?A ?S"
    r"|SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE|CXBAGHD|E\.?\s?O|TAGS|SUBJ|REF"
    r"|Classified|CLASSIFIED|[A-Z][A-Z .]{1,30}[ \t]+\d{8}|[ \t]*(?:\d+|[A-Z])\.|\(|X{4}"
)


class TelegramLexer(RegexLexer):
    """Lexer for cable telegrams: routing header, classification lines, markings."""

    name = "Telegram"
    aliases = ["telegram", "cable"]
    filenames = ["*.cable"]
    mimetypes = ["text/x-telegram"]
    flags = re.MULTILINE

    tokens = {
        "root": [
            # routing header
            (r"^(VZCZC)(\w*)([ \t]*\n)", bygroups(Keyword.Declaration, Name.Constant, Whitespace)),
            (r"^([ORPZ]{1,2})([ \t]+)(R[A-Z]{3,6}(?:[ \t]+R[A-Z]{3,6})*)([ \t]*\n)",
             bygroups(Keyword.Reserved, Whitespace, Name.Constant, Whitespace)),
            (r"^(DE)([ \t]+)(R[A-Z]{3,6})([ \t]+)(#\d+(?:/\d+)?)([ \t]+)(\d+)([^\n]*)(\n)",
             bygroups(Keyword.Declaration, Whitespace, Name.Constant, Whitespace, Number,
                      Whitespace, Number, Text, Whitespace)),
            (r"^(ZN[YR])([ \t]+)([A-Z]{5})([ \t]+)(ZZH)([^\n]*)(\n)",
             bygroups(Keyword.Declaration, Whitespace, Generic.Strong, Whitespace,
                      Keyword.Declaration, Text, Whitespace)),
            (r"^([ORPZ])([ \t]+)(\d{6}Z[ \t]+" + _MONTH + r"[ \t]+\d{2})([^\n]*)(\n)",
             bygroups(Keyword.Reserved, Whitespace, Literal.Date, Text, Whitespace)),
            (r"^(FM|TO|INFO)([ \t]+)", bygroups(Keyword.Declaration, Whitespace), "address"),
            (r"^(BT)([ \t]*\n)", bygroups(Keyword.Declaration, Whitespace)),
            (r"^(R[A-Z]{3,6})(/)", bygroups(Name.Constant, Punctuation), "address"),
            # classification banner, with its section count and post/serial
            (r"^(" + _LEVEL + r")([ \t]+SECTION[ \t]+\d+[ \t]+OF[ \t]+\d+)?([^\n]*)(\n)",
             bygroups(Generic.Strong, Generic.Subheading, Comment.Special, Whitespace)),
            (r"^(SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE|CXBAGHD\w*)([ \t]*\n)",
             bygroups(Generic.Strong, Whitespace)),
            (r"^(E\.?\s?O\.?[ \t]+\d{5}:?)([ \t]*)(DECL:?|N/A)?([^\n]*)(\n)",
             bygroups(Keyword.Declaration, Whitespace, Keyword.Declaration, Literal.Date, Whitespace)),
            (r"^(TAGS:?)([^\n]*)(\n)", bygroups(Keyword.Declaration, Name.Tag, Whitespace)),
            (r"^(SUBJECT:|SUBJ:)([^\n]*)(\n)", bygroups(Keyword.Declaration, Generic.Heading, Whitespace)),
            (r"^(REFS?:|REFTELS?:)([^\n]*)(\n)", bygroups(Keyword.Declaration, Name.Label, Whitespace)),
            (r"^(Classified[ \t]+By:?|CLASSIFIED[ \t]+BY:?)([^\n]*)(\n)",
             bygroups(Keyword.Declaration, String, Whitespace)),
            # page marker: "USNATO 00000577  002 OF 003"
            (r"^([A-Z][A-Z .]{1,30}[ \t]+\d{8}[ \t]+\d{3}[ \t]+OF[ \t]+\d{3})([ \t]*\n)",
             bygroups(Comment.Preproc, Whitespace)),
            # numbered paragraph with marking: "1. (C/NF) Summary: ..."
            (r"^([ \t]*(?:\d+|[A-Z])\.(?:[A-Z0-9]+\.)*)([ \t]*)(" + _MARKING + r")",
             bygroups(Generic.Prompt, Whitespace, Generic.Emph)),
            (r"^(" + _MARKING + r")", Generic.Emph),
            # redactions
            (r"X{4,}", Generic.Deleted),
            # plain text: the rest of a line, then whole lines that start with nothing special
            (r"[^\nX]+(?:X{1,3}[^\nX]+)*\n(?:(?!" + _SPECIAL + r")[^\nX]*(?:X{1,3}[^\nX]+)*\n)*", Text),
            (r"[^\nX]+(?:X{1,3}[^\nX]+)*", Text),
            (r"X{1,3}", Text),
            (r"\n", Whitespace),
        ],
        "address": [
            (r"[ \t]+", Whitespace),
            (r"(R[A-Z]{3,6})(/)", bygroups(Name.Constant, Punctuation)),
            (_PRECEDENCE + r"(?=[ \t]|\n|$)", Keyword.Reserved),
            (r"\d{4}(?=[ \t]*\n|[ \t]*$)", Number),
            (r"[^\n]+?(?=[ \t]+" + _PRECEDENCE + r"|[ \t]+\d{4}\b|\n|$)", Name.Entity),
            (r"\n", Whitespace, "#pop"),
        ],
    }


_LEXER = TelegramLexer(stripnl=False, ensurenl=False)


def _css_class(token: _TokenType) -> str:
    """Pygments' short class for a token type (``Keyword.Declaration`` -> ``kd``); ``""`` for text."""
    while token not in STANDARD_TYPES:
        token = token.parent
    return STANDARD_TYPES[token]


_ESCAPED = re.compile("[&<>\"']")
"""What markupsafe's ``escape`` changes."""


def telegram_html(text: str) -> Markup:
    """``text`` highlighted as a telegram: escaped, with ``<span class="kd">`` and the like.

    The same classes as Pygments' ``HtmlFormatter(nowrap=True)``, without its per-call cost;
    the caller wraps it in ``<pre>``.
    """
    out: list[str] = []
    classes: dict[_TokenType, str] = {}
    for _, token, value in _LEXER.get_tokens_unprocessed(text):
        cls = classes.get(token)
        if cls is None:
            cls = classes[token] = _css_class(token)
        if _ESCAPED.search(value) is not None:  # most tokens hold nothing to escape
            value = escape(value)  # markupsafe's C escape: ten times str.translate's speed
        if cls in ("", "w"):
            out.append(value)
        else:
            out.append(f'<span class="{cls}">{value}</span>')
    # markupsafe writes &#34; where Pygments writes &quot;: one pass keeps its exact bytes
    return Markup("".join(out).replace("&#34;", "&quot;"))
