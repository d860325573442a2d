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
from bisect import bisect_right
from collections.abc import Iterator

from markupsafe import Markup
from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    STANDARD_TYPES,
    Comment,
    Error,
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

from .htmlescape import escape_text

__all__ = ["TelegramLexer", "telegram_html", "tokens"]

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


_RULES: dict[str, list[tuple[str, object, str | None]]] = {
    "root": [
        # routing header
        (r"^(VZCZC)(\w*)([ \t]*\n)", (Keyword.Declaration, Name.Constant, Whitespace), None),
        (r"^([ORPZ]{1,2})([ \t]+)(R[A-Z]{3,6}(?:[ \t]+R[A-Z]{3,6})*)([ \t]*\n)",
         (Keyword.Reserved, Whitespace, Name.Constant, Whitespace), None),
        (r"^(DE)([ \t]+)(R[A-Z]{3,6})([ \t]+)(#\d+(?:/\d+)?)([ \t]+)(\d+)([^\n]*)(\n)",
         (Keyword.Declaration, Whitespace, Name.Constant, Whitespace, Number, Whitespace, Number, Text,
          Whitespace), None),
        (r"^(ZN[YR])([ \t]+)([A-Z]{5})([ \t]+)(ZZH)([^\n]*)(\n)",
         (Keyword.Declaration, Whitespace, Generic.Strong, Whitespace, Keyword.Declaration, Text, Whitespace),
         None),
        (r"^([ORPZ])([ \t]+)(\d{6}Z[ \t]+" + _MONTH + r"[ \t]+\d{2})([^\n]*)(\n)",
         (Keyword.Reserved, Whitespace, Literal.Date, Text, Whitespace), None),
        (r"^(FM|TO|INFO)([ \t]+)", (Keyword.Declaration, Whitespace), "address"),
        (r"^(BT)([ \t]*\n)", (Keyword.Declaration, Whitespace), None),
        (r"^(R[A-Z]{3,6})(/)", (Name.Constant, Punctuation), "address"),
        # classification banner, with its section count and post/serial
        (r"^(" + _LEVEL + r")([ \t]+SECTION[ \t]+\d+[ \t]+OF[ \t]+\d+)?([^\n]*)(\n)",
         (Generic.Strong, Generic.Subheading, Comment.Special, Whitespace), None),
        (r"^(SIPDIS|NOFORN|EXDIS|NODIS|LIMDIS|STADIS|SENSITIVE|CXBAGHD\w*)([ \t]*\n)",
         (Generic.Strong, Whitespace), None),
        (r"^(E\.?\s?O\.?[ \t]+\d{5}:?)([ \t]*)(DECL:?|N/A)?([^\n]*)(\n)",
         (Keyword.Declaration, Whitespace, Keyword.Declaration, Literal.Date, Whitespace), None),
        (r"^(TAGS:?)([^\n]*)(\n)", (Keyword.Declaration, Name.Tag, Whitespace), None),
        (r"^(SUBJECT:|SUBJ:)([^\n]*)(\n)", (Keyword.Declaration, Generic.Heading, Whitespace), None),
        (r"^(REFS?:|REFTELS?:)([^\n]*)(\n)", (Keyword.Declaration, Name.Label, Whitespace), None),
        (r"^(Classified[ \t]+By:?|CLASSIFIED[ \t]+BY:?)([^\n]*)(\n)",
         (Keyword.Declaration, String, Whitespace), None),
        # page marker: "USNATO 00000577  002 OF 003"
        (r"^([A-Z][A-Z .]{1,30}[ \t]+\d{8}[ \t]+\d{3}[ \t]+OF[ \t]+\d{3})([ \t]*\n)",
         (Comment.Preproc, Whitespace), None),
        # numbered paragraph with marking: "1. (C/NF) Summary: ..."
        (r"^([ \t]*(?:\d+|[A-Z])\.(?:[A-Z0-9]+\.)*)([ \t]*)(" + _MARKING + r")",
         (Generic.Prompt, Whitespace, Generic.Emph), None),
        (r"^(" + _MARKING + r")", Generic.Emph, None),
        # redactions
        (r"X{4,}", Generic.Deleted, None),
        # plain text: the rest of a line, then whole lines that start with nothing special
        # (possessive: a line with a redaction fails at once instead of backtracking through it)
        (r"[^\nX]++(?:X{1,3}+[^\nX]++)*+\n(?:(?!" + _SPECIAL + r")[^\nX]*+(?:X{1,3}+[^\nX]++)*+\n)*", Text, None),
        (r"[^\nX]++(?:X{1,3}+[^\nX]++)*+", Text, None),
        (r"X{1,3}", Text, None),
        (r"\n", Whitespace, None),
    ],
    "address": [
        (r"[ \t]+", Whitespace, None),
        (r"(R[A-Z]{3,6})(/)", (Name.Constant, Punctuation), None),
        (_PRECEDENCE + r"(?=[ \t]|\n|$)", Keyword.Reserved, None),
        (r"\d{4}(?=[ \t]*\n|[ \t]*$)", Number, None),
        (r"[^\n]+?(?=[ \t]+" + _PRECEDENCE + r"|[ \t]+\d{4}\b|\n|$)", Name.Entity, None),
        (r"\n", Whitespace, "#pop"),
    ],
}
"""Each state's rules, tried in order: (regex, token or one token a group, next state)."""


def _pygments_rule(regex: str, action: object, state: str | None) -> tuple:
    act = bygroups(*action) if type(action) is tuple else action  # a token type is a tuple too
    return (regex, act) if state is None else (regex, act, state)


class TelegramLexer(RegexLexer):
    """Lexer for cable telegrams: routing header, classification lines, markings."""

    name = "Telegram"
    aliases = ["telegram", "cable"]
    filenames = ["*.cable"]
    mimetypes = ["text/x-telegram"]
    flags = re.MULTILINE

    tokens = {state: [_pygments_rule(*rule) for rule in rules] for state, rules in _RULES.items()}


class _Combined:
    """One state's rules as a single alternation: ``re`` tries the branches in order at a
    position, as Pygments tries the rules, but in one call instead of one per rule."""

    __slots__ = ("match", "rules")

    def __init__(self, rules: list[tuple[str, object, str | None]]) -> None:
        parts, self.rules = [], {}
        group = 1
        for regex, action, state in rules:
            parts.append(f"({regex})")
            self.rules[group] = (action, state)
            group += 1 + re.compile(regex).groups
        self.match = re.compile("|".join(parts), re.MULTILINE).match


_COMBINED = {state: _Combined(rules) for state, rules in _RULES.items()}


def _step(stack: list[str], new_state: str) -> str:
    """A rule's next state applied to the state stack (``#pop``, or a state pushed, as in
    Pygments); the state now on top."""
    if new_state == "#pop":
        if len(stack) > 1:
            stack.pop()
    else:
        stack.append(new_state)
    return stack[-1]


def tokens(text: str) -> Iterator[tuple[int, _TokenType, str]]:
    """``TelegramLexer().get_tokens_unprocessed(text)``, the same tokens, three times faster."""
    pos, end = 0, len(text)
    stack = ["root"]
    state = _COMBINED["root"]
    while pos < end:
        m = state.match(text, pos)
        if m is None:  # what Pygments does when no rule matches
            if text[pos] == "\n":
                stack = ["root"]
                state = _COMBINED["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
            continue
        outer = m.lastindex
        action, new_state = state.rules[outer]  # type: ignore[index]
        if type(action) is tuple:  # one token a group (a token type is a tuple subclass)
            for i, token in enumerate(action, outer + 1):  # type: ignore[arg-type]
                value = m.group(i)
                if value:
                    yield m.start(i), token, value
        else:
            yield pos, action, m.group()  # type: ignore[misc]
        pos = m.end()
        if new_state is not None:
            state = _COMBINED[_step(stack, new_state)]


def _css_class(token: _TokenType) -> str:
    """Pygments' short class for a token type (``Keyword.Declaration`` -> ``kd``); ``""`` for text."""
    while token not in STANDARD_TYPES:
        token = token.parent
    return STANDARD_TYPES[token]


def _opening(token: _TokenType) -> str:
    """The tag a token's text opens with in HTML: ``""`` for plain text and whitespace."""
    cls = _css_class(token)
    return "" if cls in ("", "w") else f'<span class="{cls}">'


_PLAIN = 4
"""The root state's last rules (a run of plain lines, the rest of a line, a short ``X`` run,
a newline): they make no markup, and :func:`telegram_html` does without them."""
assert [action for _, action, _ in _RULES["root"][-_PLAIN:]] == [Text, Text, Text, Whitespace]

_HEADS = {**_COMBINED, "root": _Combined(_RULES["root"][:-_PLAIN])}
"""Each state's rules as one regex, the root state's without its plain-text rules."""

_HTML = {
    state: {group: (tuple((i, _opening(t)) for i, t in enumerate(action, group + 1))  # type: ignore[arg-type]
                    if type(action) is tuple else ((0, _opening(action)),),  # type: ignore[arg-type]
                    new_state)
            for group, (action, new_state) in combined.rules.items()}
    for state, combined in _HEADS.items()
}
"""State -> its regex's outer group -> ((group, opening tag) of each token, next state):
what :func:`telegram_html` writes for a match, worked out once."""

_ESCAPED = re.compile("[&<>\"']")
"""What markupsafe's ``escape`` changes."""

_ERROR = _opening(Error)
_SPECIAL_LINE = re.compile(r"\n(?=" + _SPECIAL + r")")
_REDACTED = re.compile("XXXX")
"""A redaction (or a piece of one): a literal, which the regex engine finds with a fast scan."""


def _stops(text: str) -> list[int]:
    """Where plain text may stop, sorted: the starts of the lines that may start a token
    (``_SPECIAL`` is a superset of the anchored rules' starts), the redactions, the end."""
    stops = [m.start() + 1 for m in _SPECIAL_LINE.finditer(text)]
    stops += [m.start() for m in _REDACTED.finditer(text)]
    stops.append(len(text))
    stops.sort()
    return stops


def telegram_html(text: str) -> Markup:
    """``text`` highlighted as a telegram: escaped, with ``<span class="kd">`` and the like.

    The same classes as Pygments' ``HtmlFormatter(nowrap=True)``, without its per-call cost;
    the caller wraps it in ``<pre>``. It walks the states as :func:`tokens` does, but writes
    each match's HTML at once (a telegram's header is a hundred small tokens: yielding each
    and looking up its class cost half the time). Where the root state's rules find nothing
    but plain text, no rule can match before the next of :func:`_stops`: the text up to it is
    written as it is. The plain-text rules' regex found the same stretches of text through
    more, smaller tokens (line by line, and at every ``X``), at half the lexer's time; a test
    checks that the HTML is the same as :func:`tokens` gives.
    """
    out: list[str] = []
    append = out.append
    needs_escape = _ESCAPED.search
    stops = _stops(text)
    pos, end = 0, len(text)
    stack = ["root"]
    state, html = _HEADS["root"], _HTML["root"]
    while pos < end:
        m = state.match(text, pos)
        if m is None:
            if stack[-1] == "root":  # plain text: no markup
                stop = stops[bisect_right(stops, pos)]
                value = text[pos:stop]
                append(escape_text(value) if needs_escape(value) is not None else value)
                pos = stop
                continue
            # what Pygments does when no rule matches
            if text[pos] == "\n":
                stack = ["root"]
                state, html = _HEADS["root"], _HTML["root"]
                append("\n")
            else:
                append(f"{_ERROR}{escape_text(text[pos])}</span>")
            pos += 1
            continue
        spans, new_state = html[m.lastindex]  # type: ignore[index]
        for i, opening in spans:
            value = m.group(i)
            if value:
                if needs_escape(value) is not None:  # most tokens hold nothing to escape
                    value = escape_text(value)  # markupsafe's C escape: ten times str.translate's speed
                append(f"{opening}{value}</span>" if opening else value)
        pos = m.end()
        if new_state is not None:
            top = _step(stack, new_state)
            state, html = _HEADS[top], _HTML[top]
    # markupsafe writes &#34; where Pygments up to 2.20 wrote &quot;: one pass keeps those bytes
    # (Pygments 2.21 leaves quotes in text as they are: the same text)
    return Markup("".join(out).replace("&#34;", "&quot;"))
