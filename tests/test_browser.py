"""A reader's journey through a built corpus extract in headless Chromium, over file:// and http.

Home page -> tag index -> a tag -> its page 2 -> a cable; then a cable whose REF
resolves: follow the REF link, come back through "Referenced by", open the
original telegram. Each step asserts what the reader sees (headings, text,
visibility). The whole journey fails on any console error, page error,
Content-Security-Policy violation, or request leaving the site (another host,
or a file outside the site folder). Over http the server sends the headers of
``netlify.toml`` (its Content-Security-Policy) with every response.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import PER_PAGE, Site, Watch, build_site, launch, netlify_headers, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.getbasetemp() / "browser-site")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launch() as b:
        yield b


@pytest.fixture(params=["file", "http"])
def base_url(request: pytest.FixtureRequest, site: Site) -> Iterator[str]:
    if request.param == "file":
        yield site.root.resolve().as_uri() + "/"
    else:
        headers = netlify_headers()
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        with serve(site.root, headers) as url:
            yield url


def h1(page) -> str:
    """The page's visible heading, as in the markup (the theme may upper-case parts of it)."""
    heading = page.locator("main h1")
    assert heading.is_visible()
    return " ".join(heading.text_content().split())


def test_csp_header_is_sent_over_http(site: Site) -> None:
    """The test server really sends the policy the browser checks against."""
    from urllib.request import urlopen

    with serve(site.root, netlify_headers()) as url, urlopen(url + "index.html") as resp:
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "Cable archive" in resp.read().decode("utf-8")


def test_reader_journey(browser, site: Site, base_url: str) -> None:
    page = browser.new_page()
    watch = Watch.attach(page)

    # home page
    page.goto(base_url + "index.html")
    assert h1(page) == "Cable archive"
    assert "300 US diplomatic cables" in page.locator("p.lede").inner_text()
    assert page.locator("a.skip").get_attribute("href") == "#main"

    # tags index, then the tag with the most pages
    page.locator("nav[aria-label=Main] a", has_text="Tags").click()
    page.wait_for_url("**/tags.html")
    assert h1(page) == "Tags"
    tag = site.paged_tag
    page.locator(f'main a[href="tag/{tag}.html"]').first.click()
    page.wait_for_url(f"**/tag/{tag}.html")
    assert h1(page) == f"Tag {tag}"
    total = page.locator("p.total").inner_text()
    assert ", page 1 of " in total
    assert page.locator("table.cables tbody tr").count() == PER_PAGE

    # page 2 of the tag
    page.locator("nav.pager a", has_text="2").first.click()
    page.wait_for_url(f"**/tag/{tag}/2.html")
    assert h1(page) == f"Tag {tag}"
    assert ", page 2 of " in page.locator("p.total").inner_text()
    assert page.locator("nav.pager a[aria-current=page]").inner_text() == "2"
    first = page.locator("table.cables tbody tr").first
    cable_id = first.locator("td.id a").inner_text()
    assert cable_id in site.subjects

    # a cable from that page
    first.locator("td.id a").click()
    page.wait_for_url("**/" + site.pages[cable_id])
    assert h1(page) == (" ".join(site.subjects[cable_id].split()) or "(no subject)")
    assert page.locator("table.meta td.id").inner_text() == cable_id
    assert page.locator(f'table.meta ul.tags a:text-is("{tag}")').count() == 1

    # a cable whose REF is in the archive: follow it, come back through "Referenced by"
    page.goto(base_url + site.pages[site.citing])
    assert h1(page) == " ".join(site.subjects[site.citing].split())
    page.locator("section.refs a", has_text=site.cited).first.click()
    page.wait_for_url("**/" + site.pages[site.cited])
    assert h1(page) == " ".join(site.subjects[site.cited].split())
    cited_by = page.locator("section.cited-by")
    assert cited_by.locator("h2").inner_text() == "Referenced by"
    cited_by.locator("a", has_text=site.citing).click()
    page.wait_for_url("**/" + site.pages[site.citing])
    assert h1(page) == " ".join(site.subjects[site.citing].split())

    # the original telegram is folded until its summary is clicked
    telegram = page.locator("details.original pre.telegram")
    assert not telegram.is_visible()
    page.locator("details.original summary", has_text="Original telegram").click()
    assert telegram.is_visible()
    text = telegram.inner_text()
    assert "SUBJECT" in text.upper() and len(text) > 200

    # the editorial page and the 404 page render with their own heading
    page.goto(base_url + "pages/about.html")
    assert page.locator("main h1").count() == 1 and h1(page)
    page.goto(base_url + "404.html")
    assert h1(page) == "Page not found"

    assert watch.requests, "the watcher saw no request"
    assert any(u.split("?")[0].endswith("static/style.css") for u in watch.requests)
    assert watch.problems(base_url) == []
    page.close()


def test_watch_catches_what_it_must(browser, site: Site, tmp_path: Path) -> None:
    """The journey's guard is not blind: a page breaking each rule is reported for each."""
    bad = site.root / "zz-bad.html"
    bad.write_text(
        "<!doctype html><title>bad</title><link rel=stylesheet href='../../outside.css'>"
        "<img src='https://example.invalid/x.png' alt=''><script src='static/nope.js'></script>"
        "<script>throw new Error('boom')</script>", encoding="utf-8")
    try:
        with serve(site.root, netlify_headers()) as url:
            page = browser.new_page()
            watch = Watch.attach(page)
            page.goto(url + "zz-bad.html")
            page.wait_for_timeout(300)
            problems = watch.problems(url)
            page.close()
        assert any(p.startswith("CSP violation") for p in problems), problems
        assert any("example.invalid" in p for p in problems), problems
        assert any(p.startswith("console error") and "404" in p for p in problems), problems
        page = browser.new_page()
        watch = Watch.attach(page)
        page.goto(bad.resolve().as_uri())
        page.wait_for_timeout(300)
        problems = watch.problems(site.root.resolve().as_uri() + "/")
        page.close()
        assert any(p.startswith("page error") and "boom" in p for p in problems), problems
        assert any("outside.css" in p for p in problems), problems
    finally:
        bad.unlink()


def test_no_favicon_404_over_http(browser, site: Site) -> None:
    with serve(site.root, netlify_headers()) as url:
        page = browser.new_page()
        watch = Watch.attach(page)
        watch.strict_favicon = True
        page.goto(url + "index.html")
        page.wait_for_timeout(500)
        page.close()
    assert watch.problems(url) == []


def _wait_search(page) -> None:
    """Poll until the search page says it is done (wait_for_function would need eval: the CSP forbids it)."""
    for _ in range(300):
        done = page.evaluate("location.pathname.indexOf('search.html') < 0 || "
                             "!!(window.CablesiteSearch && window.CablesiteSearch.stats "
                             "&& window.CablesiteSearch.stats.done)")
        if done:
            return
        time.sleep(0.05)
    raise AssertionError("the search did not finish")


def test_search_box_of_the_built_site(browser, site: Site, base_url: str) -> None:
    """The box on every page of a real build: an id goes to its cable, a word lists the cables with it."""
    page = browser.new_page()
    watch = Watch.attach(page)
    page.goto(base_url + site.pages[site.cited])
    page.fill("header form.search input[name=q]", site.citing)
    page.press("header form.search input[name=q]", "Enter")
    page.wait_for_url("**/" + site.pages[site.citing])
    assert h1(page) == " ".join(site.subjects[site.citing].split())

    word = max((w for w in site.subjects[site.cited].split() if w.isalpha()), key=len)
    page.goto(base_url + "search.html?q=" + word)
    _wait_search(page)
    ids = page.eval_on_selector_all(".result-id", "els => els.map(e => e.textContent)")
    assert site.cited in ids or "next" in page.inner_text(".search-status").lower() or len(ids) == 20, ids
    expected = {i for i, s in site.subjects.items() if word.lower() in s.lower().split()}
    assert set(ids) & expected, (word, ids)
    page.locator(".result-id", has_text=ids[0]).first.click()
    page.wait_for_url("**/" + site.pages[ids[0]])
    assert watch.problems(base_url) == []
    page.close()
