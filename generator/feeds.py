"""Machine-readable files: sitemaps, Atom feeds, robots.txt.

Sitemaps follow the protocol's limits: at most 50,000 URLs a file, so a big
archive gets ``sitemaps/sitemap-N.xml`` files under a ``sitemap.xml`` index.
Feeds hold absolute URLs when the site has a base URL, relative ones otherwise.
All text is escaped for XML.
"""

from __future__ import annotations

from collections.abc import Sequence

from .views import CableRow


def escape(text: str) -> str:
    """``text`` with ``&``, ``<`` and ``>`` as XML entities (``xml.sax.saxutils.escape``, whose
    module imports ``urllib.request`` and ``http.client``: 12 ms of every build's start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SITEMAP_LIMIT = 50_000


def _url(base_url: str, path: str) -> str:
    return escape(f"{base_url}{path}")


def sitemap_names(count: int) -> list[str]:
    """The files :func:`sitemaps` makes for ``count`` page paths: ``sitemap.xml`` first."""
    return ["sitemap.xml", *(f"sitemaps/sitemap-{n}.xml" for n in range(1, max(1, -(-count // SITEMAP_LIMIT)) + 1))]


def sitemaps(base_url: str, paths: Sequence[str]) -> dict[str, bytes]:
    """``sitemap.xml`` (an index of ``sitemaps/sitemap-N.xml``) for the given page paths."""
    files: dict[str, bytes] = {}
    chunks = [paths[i : i + SITEMAP_LIMIT] for i in range(0, len(paths), SITEMAP_LIMIT)] or [[]]
    names = sitemap_names(len(paths))[1:]
    for name, chunk in zip(names, chunks, strict=True):
        # one escape of the whole chunk (paths hold no NUL): a call a URL took 0.3 s at 251,287 cables
        locs = escape("\0".join(f"{base_url}{p}" for p in chunk)).split("\0") if chunk else []
        body = "".join(f"<url><loc>{loc}</loc></url>\n" for loc in locs)
        files[name] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}</urlset>\n"
        ).encode()
    index = "".join(f"<sitemap><loc>{_url(base_url, n)}</loc></sitemap>\n" for n in names)
    files["sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{index}</sitemapindex>\n"
    ).encode()
    return files


def _stamp(created: str) -> str:
    """``2007-10-24 15:09`` -> ``2007-10-24T15:09:00Z`` (cable times are UTC)."""
    if len(created) >= 16:
        return f"{created[:10]}T{created[11:16]}:00Z"
    if len(created) >= 10:
        return f"{created[:10]}T00:00:00Z"
    return "1970-01-01T00:00:00Z"


def atom(title: str, base_url: str, self_path: str, rows: Sequence[CableRow]) -> bytes:
    """An Atom feed of ``rows`` (newest first). ``updated`` is the newest cable's date, so
    the feed's bytes change only when its cables do."""
    updated = _stamp(rows[0].created) if rows else _stamp("")
    feed_id = f"{base_url}{self_path}" if base_url else f"urn:cablesite:{self_path}"
    entries = []
    for r in rows:
        link = _url(base_url, r.href)
        entry_id = escape(f"{base_url}{r.href}" if base_url else f"urn:cablesite:cable:{r.id}")
        entries.append(
            "<entry>"
            f"<title>{escape(r.id)}: {escape(r.subject or '(no subject)')}</title>"
            f'<link href="{link}"/>'
            f"<id>{entry_id}</id>"
            f"<updated>{_stamp(r.created)}</updated>"
            f"<summary>{escape(f'{r.classification} cable from {r.origin}, {r.created}')}</summary>"
            "</entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="self" href="{_url(base_url, self_path)}"/>\n'
        f"<id>{escape(feed_id)}</id>\n"
        f"<updated>{updated}</updated>\n"
        "<author><name>cablesite</name></author>\n"
        f"{''.join(entries)}</feed>\n"
    ).encode()


def robots(base_url: str) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines.append(f"Sitemap: {base_url}sitemap.xml")
    return ("\n".join(lines) + "\n").encode()
