"""A small stand-alone site around the search page, for tests and benchmarks.

``write_search_site(out, cables)`` writes ``search.html`` (the theme's template),
the theme's static files, the index of :class:`~generator.search.SearchIndexer` and a
minimal page per cable at its real path (``cable/2007/10/07USNATO577.html``), so the
search can be tried from disk or over http without the rest of the build.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from .. import paths
from ..model import Cable
from ..views import PageContext, SiteInfo
from .index import SearchIndexer
from .partials import DOC_CHUNK

THEME = Path(__file__).resolve().parents[2] / "themes" / "default"


def _write(out: Path, rel: str, data: bytes) -> None:
    target = out / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def cable_stub(cable: Cable) -> bytes:
    """A plain page naming the cable: where an id query lands."""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(cable.id)}</title></head><body>"
        f"<h1 id=\"cable-id\">{html.escape(cable.id)}</h1><p>{html.escape(cable.subject)}</p>"
        "</body></html>\n"
    ).encode()


def render_search_page(theme: Path = THEME, title: str = "Cables") -> bytes:
    from ..render import Renderer

    site = SiteInfo(title, "", True)
    renderer = Renderer(theme, site)
    template = renderer.env.get_template("search.html")
    return template.render(page=PageContext("search.html", "", site), site=site).encode()


def write_search_site(out: Path, cables: Iterable[Cable], theme: Path = THEME, batch: int = 0) -> int:
    """Write the search site for ``cables`` (sorted by id, first of each id kept) into ``out``.

    ``batch``: after each ``batch`` cables the doc numbers skip to the next doc-table chunk,
    as the build's batches leave a few doc numbers of no cable (``searchplan.Batches``)."""
    kept: dict[str, Cable] = {}
    for c in cables:
        kept.setdefault(c.id, c)
    indexer = SearchIndexer()
    doc = 0
    for i, cable_id in enumerate(sorted(kept)):
        if batch and i and i % batch == 0:
            doc = -(-doc // DOC_CHUNK) * DOC_CHUNK
        cable = kept[cable_id]
        href = paths.cable_page(cable.id, cable.created)
        indexer.add(doc, cable, href)
        doc += 1
        _write(out, href, cable_stub(cable))
    for rel, data in indexer.files():
        _write(out, rel, data)
    static = theme / "static"
    for p in sorted(static.rglob("*")):
        if p.is_file():
            _write(out, f"static/{p.relative_to(static).as_posix()}", p.read_bytes())
    _write(out, "search.html", render_search_page(theme))
    return len(kept)
