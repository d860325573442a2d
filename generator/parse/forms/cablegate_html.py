"""A cablegate site page: the metadata table and the two ``<pre>`` blocks.

The fragment (``cablegate-html/cable/2007/10/07ACCRA2140.html``) or a whole saved page::

    <table class='cable'>
    <tr><th>Reference ID</th><th>Created</th><th>Released</th><th>Classification</th><th>Origin</th></tr>
    <tr><td><a href='/cable/2007/10/07ACCRA2140.html'>07ACCRA2140</a></td>
    <td><a href='/date/2007-10_0.html'>2007-10-09 13:01</a></td> ...
    <td><a href='/classification/3_0.html' title='confidential'>SECRET</a></td> ...
    <code><pre>VZCZCXRO4463&#x000A;OO RUEHPA&#x000A;...</pre></code>
    <code><pre>S E C R E T SECTION 01 OF 03 ACCRA 002140 &#x000A;...</pre></code>

The link text is the value (the ``title=`` of the classification link is wrong on
that site). The ``<pre>`` text becomes the telegram exactly as the text form has
it: ``&#x000A;`` to newlines, ``<a>`` tags dropped, entities unescaped, the two
blocks joined by a blank line.
"""

from __future__ import annotations

import html
import re

from .cablegate_text import LABELS

_TABLE = re.compile(r"<table\s+class=['\"]cable['\"][^>]*>(.*?)</table>", re.IGNORECASE | re.DOTALL)
_CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def looks_like_page(text: str) -> bool:
    return bool(_TABLE.search(text)) and "<pre" in text.lower()


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment.replace("&#x000A;", "\n")))


def read_page(text: str) -> tuple[dict[str, str], str] | None:
    """``(meta, telegram)`` of a cable page, ``None`` when it has no cable table and ``<pre>``."""
    table = _TABLE.search(text)
    if not table:
        return None
    cells = _CELL.findall(table.group(1))
    heads = [_text(c).strip().lower() for kind, c in cells if kind.lower() == "th"]
    values = [_text(c).strip() for kind, c in cells if kind.lower() == "td"]
    meta = {LABELS[h]: v for h, v in zip(heads, values, strict=False) if h in LABELS}
    pres = [_text(p) for p in _PRE.findall(text, table.end())]
    if "id" not in meta or not pres:
        return None
    return meta, "\n\n".join(pres[:2]).rstrip("\n")
