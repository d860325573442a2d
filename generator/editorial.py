"""Editorial pages: ``content/pages/*.md``, each rendered to ``pages/<name>.html``.

They are read before the archive (their titles go in every page's menu) and rendered after
it is indexed, so that cable ids in the text become links to the cables the archive holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import paths, site
from .model import ERROR, Diagnostic
from .scan import open_input
from .views import CableRow, EditorialView


@dataclass(frozen=True, slots=True)
class Editorial:
    """One page's source: its title (first heading) and Markdown text."""

    title: str
    text: str


def read(content: Path) -> tuple[list[Diagnostic], list[tuple[site.Page, Editorial]]]:
    """Read ``content/pages/*.md``: each becomes ``pages/<name>.html``, titled by its first heading."""
    from .markdown import render_markdown

    folder = content / "pages"
    diagnostics: list[Diagnostic] = []
    pages: list[tuple[site.Page, Editorial]] = []
    if not folder.is_dir():
        return diagnostics, pages
    for path in sorted(folder.glob("*.md")):
        rel = path.relative_to(content).as_posix()
        try:
            with open_input(path) as f:
                text = f.read().decode("utf-8", errors="replace")
        except OSError as exc:
            diagnostics.append(Diagnostic(rel, 0, ERROR, f"cannot read: {exc.strerror or exc}"))
            continue
        out = f"pages/{paths.safe_name(path.stem)}.html"
        title = render_markdown(text, link_cable=lambda _i: None)[0] or path.stem.replace("-", " ").capitalize()
        pages.append((site.Page(out, "editorial", None), Editorial(title, text)))
    return diagnostics, pages


def render(pages: list[tuple[site.Page, Editorial]], rows: dict[str, CableRow]) -> list[site.Page]:
    """Render the Markdown now that the archive's ids are known (cable ids in the text become links)."""
    from .markdown import render_markdown

    out = []
    for page, ed in pages:
        html = render_markdown(ed.text, link_cable=lambda i: f"../{rows[i].href}" if i in rows else None)[1]
        out.append(site.Page(page.path, "editorial", EditorialView(ed.title, html)))
    return out
