"""Headless Chromium for the browser tests, and a watcher that records what a page did wrong.

:func:`launch` starts Debian's ``/usr/bin/chromium`` through Python playwright
(``playwright install`` cannot download browsers here). Without Chromium or
playwright the test is skipped with the reason, unless ``CABLESITE_REQUIRE_BROWSER``
is set (``.ci/run`` sets it): then it fails.

:class:`Watch` hangs on a page and records, for the whole journey:

- console messages of type ``error`` (``Failed to load resource: ... 404``),
- uncaught page errors,
- Content-Security-Policy violations, from the ``securitypolicyviolation``
  event (an init script forwards them through an exposed function, so they
  survive navigation) and from console messages naming the policy,
- every request URL, so a test can assert that none leaves the site.

:func:`serve` runs ``http.server`` on a free localhost port in a thread and can
send extra headers (the site's Content-Security-Policy) with every response.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
REPO = Path(__file__).resolve().parent.parent
SITE_CABLES = 300
PER_PAGE = 20

_CSP_HOOK = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cablesiteCsp(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _missing(reason: str) -> None:
    if os.environ.get("CABLESITE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (CABLESITE_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@contextmanager
def launch() -> Iterator[object]:
    """A headless Chromium ``Browser``; skip (or fail in CI) when it cannot start."""
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What went wrong on a page, collected over every navigation."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    strict_favicon: bool = False
    """Count the 404 of Chromium's automatic ``/favicon.ico`` request as an error too."""

    @classmethod
    def attach(cls, page) -> Watch:
        watch = cls()
        page.expose_function("__cablesiteCsp", lambda text: watch.csp.append(str(text)))
        page.add_init_script(_CSP_HOOK)
        page.on("console", watch._console)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("request", lambda req: watch.requests.append(req.url))
        return watch

    def _console(self, msg) -> None:
        text = msg.text
        if msg.location.get("url", "").endswith("/favicon.ico") and not self.strict_favicon:
            return  # Chromium's own guess; tests/test_browser.py checks the theme declares an icon
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp.append(text)
        elif msg.type == "error":
            self.console_errors.append(f"{text} ({msg.location.get('url', '')})")

    def foreign_requests(self, site: str) -> list[str]:
        """Requests outside ``site``: another host or port, or a file outside the site folder."""
        base = urlsplit(site)
        out = []
        for url in self.requests:
            u = urlsplit(url)
            if u.scheme in ("data", "about", "blob"):
                continue
            if base.scheme == "file":
                root = Path(unquote(base.path)).resolve()
                target = Path(unquote(u.path)).resolve()
                if u.scheme != "file" or (target != root and root not in target.parents):
                    out.append(url)
            elif (u.scheme, u.hostname, u.port) != (base.scheme, base.hostname, base.port):
                out.append(url)
        return out

    def problems(self, site: str) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"CSP violation: {m}" for m in self.csp]
                + [f"request outside the site: {u}" for u in self.foreign_requests(site)])


def netlify_headers(path: Path = REPO / "netlify.toml") -> dict[str, str]:
    """The headers ``netlify.toml`` sends with every page (its ``for = "/*"`` rule)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for rule in data.get("headers", []):
        if rule.get("for") == "/*":
            return {str(k): str(v) for k, v in rule.get("values", {}).items()}
    return {}


class _Handler(SimpleHTTPRequestHandler):
    extra: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(root: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``root`` on ``http://127.0.0.1:<free port>/`` in a thread; yield that URL."""
    handler = type("Handler", (_Handler,), {"extra": dict(headers or {})})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class Site:
    """A built corpus extract and the facts a browser journey needs about it."""

    root: Path
    subjects: dict[str, str]
    """Cable id -> subject, from the cables' JSON files."""
    pages: dict[str, str]
    """Cable id -> page path relative to the root."""
    citing: str
    """A cable whose REF list names ``cited``, which the site holds."""
    cited: str
    paged_tag: str
    """A tag with more than one page of cables."""


def build_site(base: Path) -> Site:
    """Build :data:`SITE_CABLES` San Jose cables (cablegate HTML form) into ``base/site``, once.

    ``per_page = 20`` makes the common tags span several pages; the repo's
    editorial pages are added so the site has every page kind.
    """
    from conftest import need_corpus

    from generator.build import build
    from generator.config import load_config

    corpus = need_corpus() / "cablegate-html"
    content, root = base / "content", base / "site"
    if not (base / "built").exists():
        shutil.rmtree(base, ignore_errors=True)
        content.mkdir(parents=True)
        for path in sorted(corpus.rglob("*SANJOSE*.html"))[:SITE_CABLES]:
            target = content / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        shutil.copytree(REPO / "content" / "pages", content / "pages")
        (content / "cablesite.toml").write_text(f"per_page = {PER_PAGE}\ncable_json = true\n", encoding="utf-8")
        result = build(content, root, load_config(content / "cablesite.toml"), jobs=2)
        assert result.cables == SITE_CABLES, result.diagnostics[:5]
        (base / "built").touch()
    subjects, pages, refs = {}, {}, []
    for path in sorted((root / "cable").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        subjects[data["id"]] = data["subject"]
        pages[data["id"]] = path.with_suffix(".html").relative_to(root).as_posix()
        refs += [(data["id"], r["id"]) for r in data["references"] if r["id"] and r["id"] != data["id"]]
    citing, cited = next((a, b) for a, b in refs if b in pages)
    paged_tag = max((len(list(p.parent.glob("*.html"))), p.parent.name) for p in (root / "tag").glob("*/2.html"))[1]
    return Site(root, subjects, pages, citing, cited, paged_tag)
