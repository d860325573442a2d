"""A link checker for a built site: every href and src must name a file inside it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, value))
            elif name in ("id", "name") and value:
                self.ids.add(value)


def page_links(path: Path) -> tuple[list[tuple[str, str]], set[str]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links, parser.ids


def broken_links(root: Path) -> list[str]:
    """``page: link`` for every link that does not resolve to a file under ``root``.

    External links (http, https, mailto) are reported too: the site must work
    offline, so it links outside itself only where the configuration asks.
    """
    root = root.resolve()
    problems: list[str] = []
    ids_cache: dict[Path, set[str]] = {}
    for page in sorted(root.rglob("*.html")):
        links, ids = page_links(page)
        ids_cache[page] = ids
        for _tag, link in links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                problems.append(f"{page.relative_to(root)}: external link {link}")
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in ids:
                    problems.append(f"{page.relative_to(root)}: no anchor #{parts.fragment}")
                continue
            if parts.path.startswith("/"):
                problems.append(f"{page.relative_to(root)}: absolute link {link} (breaks file://)")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if root not in target.parents and target != root:
                problems.append(f"{page.relative_to(root)}: {link} leaves the site")
            elif not target.is_file():
                problems.append(f"{page.relative_to(root)}: {link} -> missing file")
            elif parts.fragment and target.suffix == ".html":
                if target not in ids_cache:
                    ids_cache[target] = page_links(target)[1]
                if parts.fragment not in ids_cache[target]:
                    problems.append(f"{page.relative_to(root)}: {link} -> no such anchor")
    return problems
