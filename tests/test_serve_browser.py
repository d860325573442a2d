"""``cablesite serve`` in headless Chromium: an open tab reloads by itself after an edit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_serve import (
    CITED_PAGE,
    CITING,
    CITING_PAGE,
    NEW_SUBJECT,
    OLD_SUBJECT,
    Served,
    make_archive,
    set_subject,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.browser


CONNECTED = "() => document.documentElement.hasAttribute('data-cablesite-build')"
"""The reload script marks the page once its event stream has said which build is current."""


FIXED = "() => document.documentElement.outerHTML.includes('<!-- fixed -->')"
"""The page shows the fixed template's output (the comment is in the served page, not in the old one)."""


def is_favicon(url: str) -> bool:
    """Chromium asks every site for /favicon.ico; the theme has none yet (a theme matter, not serve's)."""
    return url.endswith("/favicon.ico")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path)


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        msg = f"no Chromium at {CHROMIUM}"
        if os.environ.get("CABLESITE_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_an_open_tab_reloads_after_an_edit(browser, archive: Path) -> None:
    served = Served(archive, "--theme", str(archive / "theme"))
    try:
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url', '')}")
                if m.type == "error" and not is_favicon(m.location.get("url", "")) else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        base = f"http://localhost:{served.port}"
        page.goto(base + CITING_PAGE)
        assert OLD_SUBJECT in page.content()
        page.wait_for_function(CONNECTED)
        page.evaluate("window.__notReloaded = true")
        set_subject(archive / "content" / "cables" / f"{CITING}.txt", NEW_SUBJECT)
        page.wait_for_function("() => window.__notReloaded === undefined", timeout=30_000)
        page.wait_for_selector(f"text={NEW_SUBJECT}", timeout=10_000)
        assert OLD_SUBJECT not in page.content()
        assert problems == []
    finally:
        served.stop()


def test_a_broken_template_shows_an_overlay_until_fixed(browser, archive: Path) -> None:
    served = Served(archive, "--theme", str(archive / "theme"))
    try:
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"http://localhost:{served.port}{CITED_PAGE}")
        page.wait_for_function(CONNECTED)
        template = archive / "theme" / "templates" / "cable.html"
        good = template.read_text(encoding="utf-8")
        template.write_text(good.replace("</", "{% if %}</", 1), encoding="utf-8")
        overlay = page.wait_for_selector("#cablesite-error", timeout=30_000)
        assert "template error" in overlay.inner_text()
        template.write_text(good.replace("</", "<!-- fixed --></", 1), encoding="utf-8")
        # The tab reloads after the fixed build; reading page.content() between the overlay
        # going and the new page loading races the navigation, so wait on the new page itself.
        page.wait_for_function(FIXED, timeout=30_000)
        page.wait_for_function(CONNECTED, timeout=30_000)
        assert page.query_selector("#cablesite-error") is None
        assert problems == []
    finally:
        served.stop()
