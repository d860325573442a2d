"""The search page in headless Chromium, from disk (file://) and over http, on corpus cables.

The site is made by ``generator.search.site.write_search_site`` from a spread of the real
corpus (every 15th cable, plus 07USNATO520 and a cable with a hostile subject), so these
tests do not depend on the rest of the build. Expected results come from a plain scan of
the same cables with the Python tokenizer.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import need_corpus

from generator import parse, paths
from generator.search.partials import TEXT_LIMIT, snippet_text
from generator.search.site import write_search_site
from generator.search.tokenizer import tokens, words

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
HOSTILE = '<img src=x id=pwned onerror="document.title=1">AND <b>BOLD</b> MISSILE'

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} is missing"
        if os.environ.get("CABLESITE_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    corpus = need_corpus()
    _need_browser()
    files = sorted((corpus / "cablegate-text").iterdir())
    chosen = files[::15] + [corpus / "cablegate-text" / "07USNATO520.txt"]
    cables = []
    for f in chosen:
        got, _ = parse.read(f"cablegate-text/{f.name}", f.read_bytes())
        cables.extend(got)
    cables.append(dataclasses.replace(cables[0], id="99EVIL1", station="EVIL", subject=HOSTILE))
    out = tmp_path_factory.mktemp("search-site")
    write_search_site(out, cables, batch=37)  # doc numbers of no cable between batches, as a build's
    by_id = {c.id: c for c in sorted(cables, key=lambda c: c.id) if c.id}
    return out, list(by_id.values())


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site[0]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(params=["file", "http"])
def base(request, site):
    if request.param == "file":
        return site[0].as_uri() + "/"
    return request.getfixturevalue("server")


class Visit:
    """One page load with every console error and outside request recorded."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def search(self, query: str) -> dict:
        self.page.goto(f"{self.base}search.html?{query}")
        return self.wait()

    def wait(self) -> dict | None:
        """Poll (wait_for_function would need eval, which the page's CSP forbids)."""
        for _ in range(300):
            stats = self.page.evaluate(
                "location.pathname.indexOf('search.html') < 0 ? {done: true, left: true} : "
                "window.CablesiteSearch ? window.CablesiteSearch.stats : null")
            if stats and stats.get("done"):
                return stats
            time.sleep(0.05)
        raise AssertionError("search did not finish")

    def result_ids(self) -> list[str]:
        return self.page.eval_on_selector_all(".result-id", "els => els.map(e => e.textContent)")

    def status(self) -> str:
        return self.page.inner_text(".search-status")

    def all_ids(self, query: str) -> list[str]:
        """Ids of every result page of ``query`` (a phrase count may read "At least N")."""
        ids: list[str] = []
        page = 1
        while True:
            self.search(query if page == 1 else f"{query}&page={page}")
            got = self.result_ids()
            ids += got
            m = re.match(r"(At least )?([\d,]+) cables?", self.status())
            assert m, self.status()
            total = int(m.group(2).replace(",", ""))
            if not m.group(1) and len(ids) >= total:
                assert len(ids) == total
                return ids
            assert len(got) == 20, f"page {page} of {query} not full but more announced"
            page += 1

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside
        self.page.close()


@pytest.fixture
def visit(browser, base):
    v = Visit(browser, base)
    yield v
    v.close()


def _scan(cables, word: str) -> set[str]:
    return {c.id for c in cables if word in tokens(f"{c.id} {c.subject}\n{c.body}")}


@pytest.mark.parametrize("query", ["07USNATO520", "USNATO 520", "07 USNATO 520", "07usnato00520"])
def test_id_query_goes_to_the_cable(visit, site, query):
    visit.search("q=" + quote(query))
    cable = next(c for c in site[1] if c.id == "07USNATO520")
    assert visit.page.url.endswith(paths.cable_page(cable.id, cable.created))
    assert visit.page.inner_text("#cable-id") == "07USNATO520"


@pytest.mark.parametrize("word", ["missile", "corruption", "Zimbabwe"])
def test_word_query_finds_exactly_the_cables_with_the_word(visit, site, word):
    expected = _scan(site[1], word.lower())
    assert expected
    ids = visit.all_ids("q=" + word)
    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids))


def test_all_words_must_match_and_subject_matches_rank_first(visit, site):
    expected = _scan(site[1], "nuclear") & _scan(site[1], "iran")
    ids = visit.all_ids("q=" + quote("nuclear IRAN"))
    assert set(ids) == expected
    by_id = {c.id: c for c in site[1]}
    in_subject = [bool({"nuclear", "iran"} & set(tokens(by_id[i].subject))) for i in ids]
    assert in_subject == sorted(in_subject, reverse=True)


def test_words_highlighted_and_text_escaped(visit, site):
    visit.search("q=missile")
    marks = visit.page.eval_on_selector_all("mark", "els => els.map(e => e.textContent)")
    assert marks and all("missile" in tokens(m) for m in marks)
    assert "99EVIL1" in visit.result_ids()
    assert visit.page.query_selector("#pwned") is None
    assert visit.page.query_selector(".result b") is None
    assert HOSTILE.replace("MISSILE", "") in visit.page.inner_text(".search-results")


def test_phrase_in_quotes(visit, site):
    phrase = ["prime", "minister"]

    def has(seq):
        return any(seq[i : i + 2] == phrase for i in range(len(seq) - 1))

    expected = {c.id for c in site[1] if has(words(c.subject)) or has(words(snippet_text(c.body)))}
    loose = _scan(site[1], "prime") & _scan(site[1], "minister")
    assert expected and expected < loose
    # every word but not the phrase in the stored text, and that text cut: listed with a note
    unsure = {c.id for c in site[1] if c.id in loose - expected
              and len(snippet_text(c.body)) >= TEXT_LIMIT}
    later = {c.id for c in site[1] if c.id in unsure and has(words(c.body))}
    assert later, "no cable with the phrase past the stored text: the case is not exercised"
    assert set(visit.all_ids("q=" + quote('"Prime Minister"'))) == expected | unsure
    visit.search("q=" + quote('"Prime Minister"'))
    noted = visit.page.eval_on_selector_all(
        ".result", "els => els.map(e => [e.querySelector('.result-id').textContent, !!e.querySelector('.result-note')])")
    assert noted and all(flag == (i in unsure) for i, flag in noted)


def test_filters_narrow_and_work_alone(visit, site):
    cables = site[1]
    words_only = _scan(cables, "government")
    tag = {c.id for c in cables if "PREL" in c.tags}
    assert set(visit.all_ids("q=government&tag=PREL")) == words_only & tag
    origin = "Embassy Baghdad"
    from_origin = {c.id for c in cables if c.origin == origin}
    assert from_origin
    assert set(visit.all_ids("origin=" + quote(origin))) == from_origin
    secret = {c.id for c in cables if c.classification == "SECRET"}
    got = set(visit.all_ids("q=government&classification=SECRET&from=2008-01-01&to=2009-12-31"))
    assert got == {i for i in words_only & secret
                   if "2008-01-01" <= next(c.created for c in cables if c.id == i)[:10] <= "2009-12-31"}
    assert visit.page.input_value("#search-origin") == ""
    visit.search("origin=" + quote(origin))
    assert visit.page.input_value("#search-origin") == origin


def test_a_date_range_alone_skips_the_doc_numbers_of_no_cable(visit, site):
    """A date filter without words walks every doc number: those between batches, which hold
    no cable, are not results."""
    cables = site[1]
    in_range = {c.id for c in cables if "2009-06-01" <= c.created[:10] <= "2009-08-31"}
    assert 20 < len(in_range) < 100
    assert set(visit.all_ids("from=2009-06-01&to=2009-08-31")) == in_range
    assert visit.errors == []


def test_date_order_switch(visit, site):
    visit.search("q=government&sort=date")
    dates = visit.page.eval_on_selector_all(".result-date", "els => els.map(e => e.textContent)")
    assert len(dates) == 20 and dates == sorted(dates, reverse=True)
    assert "Sort by relevance" in visit.status()
    visit.page.click(".search-sort")
    visit.page.wait_for_load_state()
    visit.wait()
    assert "sort=" not in visit.page.url and "by relevance" in visit.status()


def test_no_match_and_stop_words_only(visit):
    visit.search("q=xyzzyplugh")
    assert visit.page.inner_text("#search-output").strip() == "No cable matches."
    visit.search("q=the")
    assert "common words" in visit.page.inner_text("#search-output")


def test_a_site_of_no_cables_says_no_cable_matches(browser, tmp_path):
    """An archive in which no cable parsed still has a search index, of no documents: the
    page says that nothing matches, not that the index is missing."""
    from generator.build import build
    from generator.config import Config

    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.txt").write_bytes(b"\xff\xfe\x00 no cable here")
    build(content, tmp_path / "out", Config(), jobs=1)
    v = Visit(browser, (tmp_path / "out").as_uri() + "/")
    v.search("q=embassy")
    assert v.page.inner_text("#search-output").strip() == "No cable matches."
    v.close()
