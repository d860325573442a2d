"""Turn the frozen view records of :mod:`generator.views` into HTML pages with the theme.

The renderer never writes files and never looks anything up: the build hands it a
:class:`~generator.views.PageContext` and one view record per page. Cable text is
escaped first and only then marked up in Python, so a subject such as
``<script>alert(1)</script>`` shows as text. In the body, redactions
(``XXXXXXXXXXXX``) are marked and mentions of the REF list are linked, as in the
seed cable's line ``(CAX 2007) to be held in Germany in November (see REF C).``
which links ``REF C`` to ``USNATO 544``. Accepted mentions: ``REF A``, ``ref b``,
``REFS A AND B`` (each letter), and ``REFTEL`` / ``REF`` alone when the cable has
one reference.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from .chart import year_chart
from .htmlescape import EscapingCodeGenerator, escape_text
from .lexer import telegram_html
from .model import Block
from .views import (
    CableView,
    DatesIndexView,
    EditorialView,
    HomeView,
    LinksIndexView,
    ListingView,
    PageContext,
    Pager,
    RefView,
    SiteInfo,
    TagsIndexView,
)

RENDER_VERSION = "1"
"""Bump when this module changes what it emits: the build re-renders every page."""

_MARK_LEVELS = {"U": "u", "SBU": "sbu", "FOUO": "sbu", "C": "c", "S": "s", "TS": "s"}
_MARK_NAMES = {
    "U": "Unclassified", "SBU": "Sensitive but unclassified", "FOUO": "For official use only",
    "C": "Confidential", "S": "Secret", "TS": "Top secret", "NF": "No foreign nationals (NOFORN)",
    "REL": "Releasable", "OC": "Originator controlled",
}
_BODY_TOKENS = re.compile(
    r"(?=[XRr])(?:"  # the lookahead lets the regex engine skip to candidate characters: twice as fast
    r"(?P<x>X{4,})"
    r"|\b(?P<w>(?i:reftels?|refs?))\b(?P<l>(?:\s+[A-Za-z]\b(?:\s*(?:,|and|AND|&amp;)\s*[A-Za-z]\b)*)?))"
)
_LETTER = re.compile(r"\b[A-Za-z]\b")
_BREAK_BEFORE = re.compile(r"^\s*(?:[-*\u2022]\s|\(?[A-Za-z0-9]{1,2}[.)]\s)")
_CLAUSE_END = ".:;!?)\"'"
"""A line ending in one of these ends a clause (a shorter one then keeps its line break)."""
_MAY_BREAK = re.compile(r"\n(?:[-*\u2022]|\(?[A-Za-z0-9]{1,2}[.)]\s)")
"""A line (not the first) that ``_BREAK_BEFORE`` may match or that starts with ``--``."""


# -- small pure helpers (used as template filters) ----------------------------------------------


def marking_class(marking: str) -> str:
    """CSS classes for a paragraph marking: ``"C/NF"`` -> ``"mark mark-c mark-nf"``."""
    parts = [p for p in re.split(r"[/\s]+", marking.upper()) if p]
    level = _MARK_LEVELS.get(parts[0], "other") if parts else "other"
    extra = " mark-nf" if any(p in ("NF", "NOFORN") for p in parts[1:]) else ""
    return f"mark mark-{level}{extra}"


def marking_title(marking: str) -> str:
    """Plain words for a marking: ``"C/NF"`` -> ``"Confidential, No foreign nationals (NOFORN)"``."""
    parts = [p for p in re.split(r"[/\s]+", marking.upper()) if p]
    return ", ".join(_MARK_NAMES.get(p, p) for p in parts)


def classification_class(classification: str) -> str:
    """``CONFIDENTIAL//NOFORN`` -> ``cls-c``; unknown -> ``cls-other``."""
    c = classification.upper()
    if c.startswith("SECRET") or c.startswith("TOP SECRET"):
        return "cls-s"
    if c.startswith("CONFIDENTIAL"):
        return "cls-c"
    if "FOR OFFICIAL USE" in c or "SENSITIVE" in c:
        return "cls-sbu"
    return "cls-u" if c.startswith("UNCLASSIFIED") else "cls-other"


def day(created: str) -> str:
    """``2007-10-24 15:09`` -> ``2007-10-24``."""
    return created[:10]


def pager_numbers(pager: Pager, width: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and ``width`` either side of the current; ``None`` is a gap."""
    keep = {1, pager.pages, *range(pager.page - width, pager.page + width + 1)}
    out: list[int | None] = []
    for n in range(1, pager.pages + 1):
        if n in keep:
            out.append(n)
        elif out and out[-1] is not None:
            out.append(None)
    return out


# -- the cable body ---------------------------------------------------------------------------


def ref_hrefs(refs: Sequence[RefView], root: str) -> dict[str, str]:
    """Letter -> href for every REF item: the cited page, else the external link, else the list entry."""
    out: dict[str, str] = {}
    for i, r in enumerate(refs):
        key = r.letter.upper() or ("" if len(refs) == 1 else str(i))
        if r.target is not None:
            out[key] = root + r.target.href
        elif r.external_href:
            out[key] = r.external_href
        else:
            out[key] = f"#ref-{ref_anchor(r, i)}"
    return out


def ref_anchor(ref: RefView, index: int) -> str:
    return ref.letter.upper() if ref.letter.isalnum() else str(index + 1)


def mark_text(text: str, hrefs: dict[str, str]) -> Markup:
    """Escape ``text``, then mark redactions and link REF mentions (``hrefs`` from :func:`ref_hrefs`)."""
    escaped = escape_text(text)
    return Markup(_mark(escaped, hrefs) if _may_mark(escaped) else escaped)


def _may_mark(text: str) -> bool:
    """Whether ``text`` may hold a redaction or a REF mention: most paragraphs hold neither,
    and the regex would scan them for nothing (3/4 of the cost)."""
    return "XXXX" in text or "ref" in text.lower()


def _mark(escaped: str, hrefs: dict[str, str]) -> str:
    """Redactions and REF mentions of escaped text marked up."""
    single = next(iter(hrefs.values())) if len(hrefs) == 1 else None

    def repl(m: re.Match[str]) -> str:
        if m.group("x"):
            return f'<span class="redacted" title="Redacted in the release">{m.group("x")}</span>'
        word, letters = m.group("w"), m.group("l") or ""
        if not letters:
            if single is None or word.lower() in ("refs", "reftels"):
                return m.group(0)
            return f'<a class="refmention" href="{escape(single)}">{word}</a>'
        linked = _LETTER.sub(
            lambda lm: (
                f'<a class="refmention" href="{escape(hrefs[lm.group(0).upper()])}">{lm.group(0)}</a>'
                if lm.group(0).upper() in hrefs else lm.group(0)
            ),
            letters,
        )
        if linked == letters and single is not None and word.lower() in ("ref", "reftel"):
            return f'<a class="refmention" href="{escape(single)}">{word}</a>{letters}'
        return word + linked

    return _BODY_TOKENS.sub(repl, escaped)


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def reflow(text: str) -> list[str]:
    """Split a block's text into paragraphs at blank lines and join hard-wrapped lines.

    A line break is kept before a list item (``- ``, ``A.``, ``(1)``; ``--`` after a line that
    ends a clause) and after a line that ends a sentence well short of the wrapping width.
    """
    paras: list[str] = []
    for chunk in _PARAGRAPH_BREAK.split(text.strip("\n")):
        lines = [ln for ln in map(str.strip, chunk.split("\n")) if ln]
        if len(lines) < 2:
            paras += lines
            continue
        lengths = list(map(len, lines))
        width = max(lengths)
        short, wrapped = 0.3 * width, 0.75 * width
        if min(lengths[:-1]) >= wrapped and _MAY_BREAK.search("\n".join(lines)) is None:
            paras.append(" ".join(lines))  # no line is short and none may start an item: all joined
            continue
        out = [lines[0]]
        for prev, line in zip(lines, lines[1:], strict=False):
            # the lines are stripped: a clause ends at the last character, a dash item starts
            # at the first; the cheap tests first (most lines of a wrapped paragraph pass none)
            keep = (len(prev) < short
                    or _BREAK_BEFORE.match(line) is not None
                    or ((len(prev) < wrapped or line.startswith("--")) and prev[-1] in _CLAUSE_END))
            out.append("\n" if keep else " ")
            out.append(line)
        paras.append("".join(out))
    return paras


@lru_cache(maxsize=256)
def _paragraph_head(marking: str) -> tuple[str, str]:
    """A paragraph marking's ``<abbr>`` (with the space after it) and its section's class."""
    if not marking:
        return "", "para-none"
    cls = marking_class(marking)
    return (f'<abbr class="{cls}" title="{escape(marking_title(marking))}">({escape(marking)})</abbr> ',
            cls.split()[1].replace("mark-", "para-"))


_NOT_ANCHOR = re.compile(r"[^A-Za-z0-9]+")


def body_html(blocks: Sequence[Block], hrefs: dict[str, str]) -> Markup:
    """The cable body as HTML: numbered paragraphs with marking, headings and text blocks."""
    out: list[str] = []

    def marked(text: str) -> list[str]:  # a block's paragraphs, escaped and marked
        paras = [escape_text(p) for p in reflow(text)]
        return [_mark(p, hrefs) for p in paras] if _may_mark(text) else paras

    lead = 0
    while lead < len(blocks) and blocks[lead].kind == "text":
        lead += 1
    if lead < len(blocks):  # text before the first paragraph: banner, E.O., TAGS, SUBJECT, REF lines
        pre = "".join(f"<p>{mark_text(chunk.strip(), hrefs)}</p>"
                      for b in blocks[:lead] for chunk in _PARAGRAPH_BREAK.split(b.text) if chunk.strip())
        if pre:
            out.append(f'<div class="preamble">{pre}</div>')
        blocks = blocks[lead:]
    for b in blocks:
        if b.kind == "heading":
            out.append(f'<h3 class="cable-heading">{mark_text(b.text.strip(), hrefs)}</h3>')
        elif b.kind == "paragraph":
            paras = marked(b.text)
            pid = _NOT_ANCHOR.sub("-", b.number).strip("-")
            abbr, level = _paragraph_head(b.marking)
            first = paras[0] if paras else ""
            rest = "".join(f"<p>{p}</p>" for p in paras[1:])
            anchor = f' id="p{pid}"' if pid else ""
            out.append(f'<section class="para {level}"{anchor}><p><span class="pnum">{escape_text(b.number)}.</span> '
                       f"{abbr}{first}</p>{rest}</section>")
        else:
            out.extend(f'<p class="text">{p}</p>' for p in marked(b.text))
    return Markup("\n".join(out))


def _default_blocks(body: str) -> list[Block]:
    return [Block("text", body)] if body.strip() else []


def _load_blocks() -> Callable[[str], list[Block]]:
    """The body parser (``generator.parse.body.blocks``), or one text block until it exists."""
    try:
        from .parse.body import blocks  # type: ignore[import-not-found]
    except ImportError:
        return _default_blocks

    def safe(body: str) -> list[Block]:
        try:
            return list(blocks(body))
        except Exception:  # a parser bug must not stop a 251,287-page build
            return _default_blocks(body)

    return safe


# -- the renderer -----------------------------------------------------------------------------


def _tree_digest(folder: Path) -> str:
    """SHA-256 of the files under ``folder``, each one's path in it and bytes (none: missing)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else ():
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _fingerprint(theme_dir: Path, static_digest: str) -> str:
    """The theme's templates, its static files (``static_digest``: :func:`_tree_digest`) and
    the render code, hashed."""
    h = hashlib.sha256(f"render:{RENDER_VERSION}:{_tree_digest(theme_dir / 'templates')}:{static_digest}".encode())
    for module in ("chart.py", "htmlescape.py", "lexer.py", "render.py"):
        h.update((Path(__file__).parent / module).read_bytes())
    return h.hexdigest()


def _bytecode_cache(folder: Path, fingerprint: str) -> FileSystemBytecodeCache | None:
    """Jinja's cache of compiled templates in ``folder``, its files named by the theme's and
    this code's ``fingerprint`` (which holds the Environment's options): a worker that renders
    the 21 pages of an edit loads ``cable.html`` and the listing and home templates compiled
    (a few ms), not compiles them (0.1 s). The files of other fingerprints are removed.
    ``None`` when the folder cannot be made."""
    prefix = f"jinja2-{jinja2.__version__}-{fingerprint[:16]}-"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if not path.name.startswith(prefix):
                path.unlink(missing_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder), pattern=prefix + "%s.cache")


class Renderer:
    """One theme, ready to render every page kind."""

    def __init__(self, theme_dir: Path, site: SiteInfo, bytecode: Path | None = None) -> None:
        """``bytecode``: a folder where the compiled templates are kept from build to build
        (:func:`_bytecode_cache`); ``None``: each Renderer compiles those it renders."""
        self.theme_dir = Path(theme_dir)
        self.site = site
        static = _tree_digest(self.theme_dir / "static")
        self.fingerprint: str = _fingerprint(self.theme_dir, static)
        self.asset_version: str = static[:12]
        """The ``?v=`` of the theme's static files in every page: a hash of those files alone,
        so that hosts may cache them for good (``netlify.toml``: ``immutable``) and a new
        version of this code that renders the same pages leaves every page's bytes as they were."""
        self.env = Environment(
            bytecode_cache=_bytecode_cache(bytecode, self.fingerprint) if bytecode is not None else None,
            loader=FileSystemLoader(str(self.theme_dir / "templates")),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # a Renderer lasts one build: no stat of base.html and _macros.html at every page
            auto_reload=False,
        )
        self.env.code_generator_class = EscapingCodeGenerator  # {{ value }} escaped to a plain str
        self.env.filters.update(
            day=day, marking_class=marking_class, marking_title=marking_title,
            classification_class=classification_class,
        )
        self._blocks: Callable[[str], list[Block]] | None = None
        """The body parser, imported when a cable is first rendered (:func:`_load_blocks`)."""
        self._templates: dict[str, object] = {}
        # Asset URLs carry the static files' hash (static/style.css?v=...) so hosts may cache them forever.
        self.env.globals.update(year_chart=year_chart, pager_numbers=pager_numbers,
                                asset_version=self.asset_version)

    def _render(self, name: str, page: PageContext, **context: object) -> str:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template.render(page=page, site=self.site, **context)  # type: ignore[attr-defined]

    def _body_blocks(self, body: str) -> list[Block]:
        # Imported here, not in __init__: the build's main process makes a Renderer for the
        # theme's fingerprint and files and renders no cable; importing the parsers took it 0.1 s.
        if self._blocks is None:
            self._blocks = _load_blocks()
        return self._blocks(body)

    def cable(self, page: PageContext, view: CableView) -> str:
        c = view.cable
        hrefs = ref_hrefs(view.refs, page.root)
        original = c.original or "\n\n".join(p for p in (c.header, c.body) if p)
        return self._render(
            "cable.html", page, view=view, cable=c,
            body=body_html(self._body_blocks(c.body), hrefs),
            summary=[mark_text(p, hrefs) for p in reflow(c.summary)],
            telegram=telegram_html(original),
            ref_anchors=[ref_anchor(r, i) for i, r in enumerate(view.refs)],
        )

    def listing(self, page: PageContext, view: ListingView) -> str:
        return self._render("listing.html", page, view=view)

    def home(self, page: PageContext, view: HomeView) -> str:
        return self._render("home.html", page, view=view)

    def tags_index(self, page: PageContext, view: TagsIndexView) -> str:
        return self._render("tags_index.html", page, view=view)

    def links_index(self, page: PageContext, view: LinksIndexView) -> str:
        return self._render("links_index.html", page, view=view)

    def dates_index(self, page: PageContext, view: DatesIndexView) -> str:
        return self._render("dates_index.html", page, view=view)

    def editorial(self, page: PageContext, view: EditorialView) -> str:
        return self._render("page.html", page, view=view, content=Markup(view.html))

    def not_found(self, page: PageContext) -> str:
        """The 404 page is served at any depth: its links use the site URL when there is one."""
        base = self.site.base_url
        if base:
            page = PageContext(page.path, base if base.endswith("/") else base + "/", page.site)
        return self._render("404.html", page)

    def search(self, page: PageContext) -> str:
        """The search page: its script reads the query from the URL and loads the index pieces."""
        return self._render("search.html", page)

    def static_files(self) -> dict[str, bytes]:
        base = self.theme_dir / "static"
        if not base.is_dir():
            return {}
        return {
            f"static/{p.relative_to(base).as_posix()}": p.read_bytes()
            for p in sorted(base.rglob("*")) if p.is_file()
        }
