"""Editorial pages: Markdown (CommonMark with tables) to safe HTML, cable ids linked.

Accepted syntax is CommonMark plus pipe tables; raw HTML is not passed through but
shown as text. The first ``# `` heading is the page title (taken out of the HTML:
the theme shows it). Fenced code blocks are highlighted with Pygments CSS classes;
the ``telegram`` (or ``cable``) language uses :class:`generator.lexer.TelegramLexer`::

    ```telegram
    DE RUEHNO #0577/01 2971509
    ```

Cable ids in running text, such as ``07USNATO577`` in "see 07USNATO577 for the
meeting", become links when ``link_cable(id)`` returns an href (relative to the page);
ids inside code, code blocks and existing links stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .lexer import telegram_html

CABLE_ID = re.compile(r"\b\d{2}[A-Z]{2,}\d+\b")


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """A fenced block as ``<pre class="hl">``; unknown languages are escaped, not coloured."""
    name = (lang or "").strip().lower()
    if name in ("telegram", "cable"):
        return f'<pre class="hl telegram"><code>{telegram_html(code)}</code></pre>\n'
    if name:
        try:
            lexer = get_lexer_by_name(name)
        except ClassNotFound:
            lexer = None
        if lexer is not None:
            body = highlight(code, lexer, HtmlFormatter(nowrap=True))
            return f'<pre class="hl"><code class="language-{escape(name)}">{body}</code></pre>\n'
    return f'<pre class="hl"><code>{escape(code)}</code></pre>\n'


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable("table")


def _link_ids(children: list[Token], link_cable: Callable[[str], str | None]) -> list[Token]:
    """Split text tokens outside links at cable ids that ``link_cable`` knows."""
    out: list[Token] = []
    depth = 0
    for tok in children:
        if tok.type == "link_open":
            depth += 1
        elif tok.type == "link_close":
            depth = max(depth - 1, 0)
        if tok.type != "text" or depth or not CABLE_ID.search(tok.content):
            out.append(tok)
            continue
        pos = 0
        for m in CABLE_ID.finditer(tok.content):
            href = link_cable(m.group(0))
            if not href:
                continue
            if m.start() > pos:
                out.append(_text(tok.content[pos : m.start()]))
            out.append(Token("link_open", "a", 1, attrs={"href": href, "class": "cable-id"}))
            out.append(_text(m.group(0)))
            out.append(Token("link_close", "a", -1))
            pos = m.end()
        if pos < len(tok.content):
            out.append(_text(tok.content[pos:]))
    return out


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _take_title(tokens: list[Token]) -> tuple[str, list[Token]]:
    """The first ``# `` heading's text, and the tokens without it."""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1" and tok.markup == "#" and tok.level == 0:
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            words = [c.content for c in (inline.children or []) if c.type in ("text", "code_inline")] if inline else []
            title = " ".join("".join(words).split())
            return title, tokens[:i] + tokens[i + 3 :]
    return "", tokens


def render_markdown(text: str, *, link_cable: Callable[[str], str | None]) -> tuple[str, str]:
    """``(title, html)`` of a Markdown page; title is ``""`` without a ``# `` heading."""
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    title, tokens = _take_title(tokens)
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            tok.children = _link_ids(tok.children, link_cable)
    return title, md.renderer.render(tokens, md.options, env)
