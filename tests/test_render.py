"""The renderer and the default theme: what a reader sees on each page kind, and that cable text stays text."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from generator.chart import year_chart
from generator.model import Block, Cable, Recipient, Reference
from generator.render import Renderer, body_html, mark_text, pager_numbers, ref_hrefs, reflow
from generator.views import (
    CableRow,
    CableView,
    DatesIndexView,
    EditorialView,
    HomeView,
    Link,
    LinksIndexView,
    ListingView,
    PageContext,
    Pager,
    RefView,
    SiteInfo,
    TagGroup,
    TagInfo,
    TagsIndexView,
    YearEntry,
)

THEME = REPO / "themes" / "default"
PAGES = (Link("About this archive", "pages/about.html", 0),
         Link("How to read a cable", "pages/how-to-read-a-cable.html", 0))
SITE = SiteInfo("Cable Archive", "", pages=PAGES)
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
SEED = REPO / "content" / "cables" / "07USNATO577.txt"


class Page(HTMLParser):
    """Elements, attributes and text of a page, for assertions."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self._stack: list[str] = []
        self.by_id: dict[str, str] = {}
        self._capture: list[tuple[str, list[str]]] = []
        self.html = html
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag not in ("meta", "link", "input", "br", "img", "hr", "line", "rect"):
            self._capture.append((a.get("id", ""), []))
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
            ident, parts = self._capture.pop()
            text = " ".join("".join(parts).split())
            if ident:
                self.by_id[ident] = text
            if self._capture:
                self._capture[-1][1].append("".join(parts))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._capture:
            self._capture[-1][1].append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.texts).split())

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag]

    def links(self) -> dict[str, str]:
        """href -> link text, from a second pass over <a> elements."""
        out: dict[str, str] = {}
        for m in re.finditer(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', self.html, re.S):
            out[m.group(1).replace("&amp;", "&")] = " ".join(re.sub(r"<[^>]+>", "", m.group(2)).split())
        return out

    def title(self) -> str:
        m = re.search(r"<title>(.*?)</title>", self.html, re.S)
        return m.group(1) if m else ""

    def h1(self) -> str:
        m = re.search(r"<h1[^>]*>(.*?)</h1>", self.html, re.S)
        return " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split()) if m else ""


def row(cid: str, subject: str, created: str = "2007-06-01 10:00", origin: str = "Mission USNATO",
        classification: str = "CONFIDENTIAL") -> CableRow:
    return CableRow(cid, created, subject, origin, classification,
                    f"cable/{created[:4]}/{created[5:7]}/{cid}.html")


def seed_cable(**over: object) -> Cable:
    fields: dict[str, object] = dict(
        id="07USNATO577", created="2007-10-24 15:09", released="2011-08-30 01:44",
        classification="CONFIDENTIAL", caveats=("NOFORN",), sipdis=True, origin="Mission USNATO",
        station="USNATO", subject="NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER",
        tags=("NATO", "PREL", "MARR", "RU"),
        references=(Reference("A", "USNATO 263", "07USNATO263"), Reference("B", "USNATO 430", "07USNATO430"),
                    Reference("C", "USNATO 544", "07USNATO544")),
        classified_by="Charge Richard Olson", reasons="1.4 (b),(d)", declassify_on="10/17/2017",
        recipients=(Recipient("to", "RUEHC", "SECSTATE WASHDC", "IMMEDIATE", "1311"),
                    Recipient("info", "RUEHMO", "AMEMBASSY MOSCOW", "IMMEDIATE", "5780")),
        summary="In the October 17 NATO-Russia Council\n(NRC) reinforced meeting on missile defense.",
        signer="OLSON",
        header="VZCZCXRO8195\nOO RUEHDE\nDE RUEHNO #0577/01 2971509\nZNY CCCCC ZZH\nO 241509Z OCT 07\n"
               "FM USMISSION USNATO\nTO RUEHC/SECSTATE WASHDC IMMEDIATE 1311",
        body="1. (C/NF) Summary: In the October 17 NATO-Russia Council\n(NRC) reinforced meeting.\n\n"
             "10. (C) Canada, the UK, Denmark, Germany, Hungary, and the\n(CAX 2007) to be held in "
             "Germany in November (see REF C). Met XXXXXXXXXXXX.\n\nOLSON",
    )
    fields.update(over)
    return Cable(**fields)  # type: ignore[arg-type]


def seed_view(cable: Cable | None = None, **over: object) -> CableView:
    cable = cable or seed_cable()
    fields: dict[str, object] = dict(
        cable=cable,
        refs=(RefView("A", "USNATO 263", "07USNATO263", row("07USNATO263", "NRC MISSILE DEFENSE", "2007-04-20 10:00"), ""),
              RefView("B", "USNATO 430", "07USNATO430", None, ""),
              RefView("C", "USNATO 544", "07USNATO544", None, "https://example.org/cable/07USNATO544")),
        referenced_by=(row("07USNATO600", "FOLLOW-UP ON 2+2", "2007-11-02 09:00"),),
        prev=row("07USNATO570", "PREVIOUS CABLE", "2007-10-20 12:00"),
        next=row("07USNATO580", "NEXT CABLE", "2007-10-26 12:00"),
        tags=(TagInfo("NATO", "North Atlantic Treaty Organization", "organization", "tag/NATO.html"),
              TagInfo("PREL", "External Political Relations", "subject", "tag/PREL.html"),
              TagInfo("MARR", "Military and Defense Arrangements", "subject", "tag/MARR.html"),
              TagInfo("RU", "Russia", "geo", "tag/RU.html")),
        origin_href="origin/mission-usnato.html", classification_href="classification/confidential.html",
        json_href="cable/2007/10/07USNATO577.json",
    )
    fields.update(over)
    return CableView(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(THEME, SITE)


def ctx(path: str) -> PageContext:
    return PageContext(path, "../" * path.count("/"), SITE)


CABLE_CTX = ctx("cable/2007/10/07USNATO577.html")


# -- the cable page -----------------------------------------------------------------------------


def test_cable_page_shows_title_and_metadata(renderer: Renderer) -> None:
    p = Page(renderer.cable(CABLE_CTX, seed_view()))
    assert p.h1() == "NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER"
    assert p.title().startswith("NRC: RUSSIANS ILL-PREPARED")
    text = p.text
    for value in ("07USNATO577", "2007-10-24 15:09", "2011-08-30 01:44", "NOFORN", "SIPDIS",
                  "Charge Richard Olson", "1.4 (b),(d)", "10/17/2017", "OLSON", "SECSTATE WASHDC",
                  "AMEMBASSY MOSCOW", "External Political Relations"):
        assert value in text, value
    links = p.links()
    assert links["../../../origin/mission-usnato.html"] == "Mission USNATO"
    assert links["../../../classification/confidential.html"] == "CONFIDENTIAL"
    assert links["../../../tag/PREL.html"] == "PREL"
    assert links["../../../cable/2007/10/07USNATO577.json"] == "This cable as JSON"
    assert '<link rel="stylesheet" href="../../../static/style.css?v=' in p.html


def test_compiled_templates_are_kept_and_give_the_same_page(tmp_path: Path) -> None:
    """The workers keep the compiled templates in the cache folder (``bytecode``): a new
    Renderer loads them instead of compiling, and renders the same page; the files of another
    theme or code version (another fingerprint) go."""
    import shutil

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "jinja2-0.0-stale-cable.cache").write_bytes(b"old")
    first = Renderer(THEME, SITE, folder).cable(CABLE_CTX, seed_view())
    kept = sorted(p.name for p in folder.iterdir())
    assert kept and all(n.startswith("jinja2-") and "stale" not in n for n in kept)
    again = Renderer(THEME, SITE, folder)
    compiled = []
    original = again.env.compile
    again.env.compile = lambda *a, **k: compiled.append(a) or original(*a, **k)  # type: ignore[method-assign]
    assert again.cable(CABLE_CTX, seed_view()) == first == Renderer(THEME, SITE).cable(CABLE_CTX, seed_view())
    assert compiled == []  # every template came compiled from the folder
    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<p>edited theme</p></body>"))
    edited = Renderer(theme, SITE, folder).cable(CABLE_CTX, seed_view())
    assert "<p>edited theme</p>" in edited and "<p>edited theme</p>" not in first
    assert not set(kept) & {p.name for p in folder.iterdir()}


def test_cable_page_lists_to_and_info_addressees_in_their_rows(renderer: Renderer) -> None:
    def rows(html: str) -> dict[str, list[str]]:
        got = re.findall(r'<th scope="row">(To|Info)</th><td><ul class="recipients">(.*?)</ul>', html, re.S)
        return {label: re.findall(r"<li>(.*?)</li>", items, re.S) for label, items in got}

    both = rows(renderer.cable(CABLE_CTX, seed_view()))
    assert both == {"To": ['SECSTATE WASHDC <span class="routing">RUEHC</span> <span class="precedence">immediate</span>'],
                    "Info": ['AMEMBASSY MOSCOW <span class="routing">RUEHMO</span> <span class="precedence">immediate</span>']}
    info_only = seed_cable(recipients=(Recipient("info", "", "AMEMBASSY <ROME>", "", ""),
                                       Recipient("info", "RUEHFR", "AMEMBASSY PARIS", "PRIORITY", "")))
    view = seed_view(info_only)
    assert [label for label, _ in view.recipient_lists] == ["Info"]
    assert rows(renderer.cable(CABLE_CTX, view)) == {
        "Info": ["AMEMBASSY &lt;ROME&gt;", 'AMEMBASSY PARIS <span class="routing">RUEHFR</span> '
                 '<span class="precedence">priority</span>']}
    assert rows(renderer.cable(CABLE_CTX, seed_view(seed_cable(recipients=())))) == {}


def test_cable_page_references(renderer: Renderer) -> None:
    p = Page(renderer.cable(CABLE_CTX, seed_view()))
    assert "NRC MISSILE DEFENSE" in p.by_id["ref-A"] and "2007-04-20" in p.by_id["ref-A"]
    assert "not in this archive" in p.by_id["ref-B"]
    assert "not in this archive" in p.by_id["ref-C"]
    links = p.links()
    assert links["../../../cable/2007/04/07USNATO263.html"] == "07USNATO263"
    assert "https://example.org/cable/07USNATO544" in links  # external link only when set
    assert not any("07USNATO430" in h for h in links)


def test_ref_mentions_in_text_link_to_the_same_target(renderer: Renderer) -> None:
    html = renderer.cable(CABLE_CTX, seed_view())
    assert '(see REF <a class="refmention" href="https://example.org/cable/07USNATO544">C</a>)' in html
    hrefs = ref_hrefs(seed_view().refs, "../")
    assert str(mark_text("as reported in ref a and REFS B AND C", hrefs)) == (
        'as reported in ref <a class="refmention" href="../cable/2007/04/07USNATO263.html">a</a> and REFS '
        '<a class="refmention" href="#ref-B">B</a> AND '
        '<a class="refmention" href="https://example.org/cable/07USNATO544">C</a>'
    )
    one = ref_hrefs((RefView("", "STATE 1234", "07STATE1234", row("07STATE1234", "X"), ""),), "")
    assert str(mark_text("Per REFTEL, and REF,", one)) == (
        'Per <a class="refmention" href="cable/2007/06/07STATE1234.html">REFTEL</a>, and '
        '<a class="refmention" href="cable/2007/06/07STATE1234.html">REF</a>,'
    )
    # several references: a bare REFTEL is ambiguous and stays text; REFERENCE is not a mention
    assert str(mark_text("REFTEL and the REFERENCE", hrefs)) == "REFTEL and the REFERENCE"


def test_body_paragraphs_markings_and_redactions() -> None:
    blocks = [Block("paragraph", "Summary: the meeting\nwent well for everybody who was there.", "1", "C/NF"),
              Block("heading", "BACKGROUND"),
              Block("paragraph", "Public line.", "2", "U"),
              Block("text", "Source XXXXXXXXXXXX said so.")]
    html = str(body_html(blocks, {}))
    assert '<section class="para para-c" id="p1">' in html
    assert '<abbr class="mark mark-c mark-nf" title="Confidential, No foreign nationals (NOFORN)">(C/NF)</abbr>' in html
    assert '<abbr class="mark mark-u" title="Unclassified">(U)</abbr>' in html
    assert '<h3 class="cable-heading">BACKGROUND</h3>' in html
    assert '<span class="redacted" title="Redacted in the release">XXXXXXXXXXXX</span>' in html
    assert '<span class="pnum">1.</span>' in html


def test_text_before_first_paragraph_keeps_its_lines() -> None:
    blocks = [Block("text", "E.O. 12958: DECL: 10/17/2017\nTAGS: NATO PREL MARR RU\n\nREF: A. USNATO 263"),
              Block("paragraph", "Summary.", "1", "C"), Block("text", "OLSON")]
    html = str(body_html(blocks, {"A": "#ref-A"}))
    assert html.startswith('<div class="preamble"><p>E.O. 12958: DECL: 10/17/2017\nTAGS: NATO PREL MARR RU</p>'
                           '<p><a class="refmention" href="#ref-A">REF</a>: A. USNATO 263</p></div>')
    assert html.endswith('<p class="text">OLSON</p>')


def test_reflow_joins_wrapped_lines_keeps_lists() -> None:
    text = ("In the October 17 NATO-Russia Council\n(NRC) reinforced meeting on missile defense and\n"
            "the sites in Poland and Czech Republic\n-- ideas presented by Secretaries Rice and Gates:\n"
            "-- first item;\n-- second item\n\nNext paragraph.")
    assert reflow(text) == [
        "In the October 17 NATO-Russia Council (NRC) reinforced meeting on missile defense and "
        "the sites in Poland and Czech Republic -- ideas presented by Secretaries Rice and Gates:\n"
        "-- first item;\n-- second item",
        "Next paragraph.",
    ]


def reflow_line_by_line(text: str) -> list[str]:
    """``reflow`` as first written: every line tested (``reflow`` skips the tests when no line can pass)."""
    paras = []
    for chunk in re.split(r"\n\s*\n", text.strip("\n")):
        lines = [ln for ln in map(str.strip, chunk.split("\n")) if ln]
        if not lines:
            continue
        width = max(map(len, lines))
        out = lines[0]
        for prev, line in zip(lines, lines[1:], strict=False):
            keep = (len(prev) < 0.3 * width
                    or re.match(r"^\s*(?:[-*\u2022]\s|\(?[A-Za-z0-9]{1,2}[.)]\s)", line) is not None
                    or ((len(prev) < 0.75 * width or line.startswith("--")) and prev[-1] in ".:;!?)\"'"))
            out += ("\n" if keep else " ") + line
        paras.append(out)
    return paras


_LINE_PIECES = ("word ", "WORDS AND MORE WORDS ", "a", "-- ", "- ", "* ", "\u2022 ", "A. ", "(1) ", "12) ", "b.",
                ".", ":", ";", ")", "'", " ", "\t", "\n", "\n\n", "\n \n", "\u00a0")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=60))
def test_reflow_is_the_line_by_line_reflow(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert reflow(text) == reflow_line_by_line(text)


def test_reflow_is_the_line_by_line_reflow_on_the_corpus() -> None:
    from conftest import need_corpus

    texts = [p.read_text(errors="replace") for p in sorted((need_corpus() / "cablegate-text").glob("*.txt"))[::3]]
    assert [reflow(t) for t in texts] == [reflow_line_by_line(t) for t in texts]


def test_referenced_by_prev_next_and_original(renderer: Renderer) -> None:
    p = Page(renderer.cable(CABLE_CTX, seed_view()))
    links = p.links()
    assert links["../../../cable/2007/11/07USNATO600.html"] == "07USNATO600"
    assert "2007-11-02 07USNATO600 FOLLOW-UP ON 2+2" in p.text
    prev = [a for a in p.all("a") if a.get("rel") == "prev"]
    nxt = [a for a in p.all("a") if a.get("rel") == "next"]
    assert prev[0]["href"] == "../../../cable/2007/10/07USNATO570.html"
    assert nxt[0]["href"] == "../../../cable/2007/10/07USNATO580.html"
    assert "Original telegram" in p.text
    assert '<span class="kd">DE</span> <span class="no">RUEHNO</span>' in p.html


def test_partial_and_truncated_notices(renderer: Renderer) -> None:
    view = seed_view(seed_cable(partial=True, truncated=True, header="", references=()), refs=())
    text = Page(renderer.cable(CABLE_CTX, view)).text
    assert "only an extract" in text and "cut this cable off" in text
    assert "References" not in text


def _assert_no_injection(html: str) -> None:
    p = Page(html)
    assert not p.all("script") and not p.all("img")
    assert not any("onerror" in a for _, a in p.elements)
    assert "<script>alert(1)</script>" in p.text  # shown as text


def test_cable_text_is_escaped_everywhere(renderer: Renderer) -> None:
    cable = seed_cable(subject=XSS, origin=XSS, tags=(XSS,), classification=XSS, caveats=(XSS,),
                       classified_by=XSS, summary=XSS, body=f"1. (C) {XSS}\n\nsee REF A {XSS}",
                       original=XSS, signer=XSS,
                       references=(Reference("A", XSS, ""),),
                       recipients=(Recipient("to", XSS, XSS, XSS),))
    view = seed_view(cable, refs=(RefView("A", XSS, XSS, row("07X1", XSS), ""),
                                  RefView("B", XSS, "", None, "")),
                     tags=(TagInfo(XSS, XSS, XSS, "tag/x.html"),),
                     referenced_by=(row("07X2", XSS, origin=XSS),), prev=row("07X3", XSS))
    _assert_no_injection(renderer.cable(CABLE_CTX, view))


def test_links_are_relative_files(renderer: Renderer) -> None:
    html = renderer.cable(CABLE_CTX, seed_view())
    for href in re.findall(r'(?:href|action|src)="([^"]*)"', html):
        if href.startswith(("https://", "#")):
            continue
        assert not href.startswith("/"), href
        assert re.search(r"\.(html|json|css|xml|svg)(\?v=[0-9a-f]+)?(#.*)?$", href), href
    assert "<style" not in html and "style=" not in html and "<script" not in html


def test_markup_has_landmarks_and_search_form(renderer: Renderer) -> None:
    p = Page(renderer.cable(CABLE_CTX, seed_view()))
    tags = {t for t, _ in p.elements}
    assert {"header", "nav", "main", "footer"} <= tags
    assert p.all("meta")[1]["name"] == "viewport"
    form = p.all("form")[0]
    assert form["action"] == "../../../search.html" and form["method"] == "get"
    field = p.all("input")[0]
    assert field["name"] == "q" and p.all("label")[0]["for"] == field["id"]
    assert p.all("a")[0]["href"] == "#main" and p.all("main")[0]["id"] == "main"
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', p.html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", nav) == [
        "Home", "Tags", "Origins", "Dates", "Classifications", "Search", "About this archive", "How to read a cable"]


# -- the other pages ----------------------------------------------------------------------------


def _listing(page: int = 3, pages: int = 9, title: str = "PREL") -> ListingView:
    return ListingView(
        kind="tag", title=title, tag=TagInfo("PREL", "External Political Relations", "subject", "tag/PREL.html"),
        total=1234, per_year=(("2006", 10), ("2007", 40), ("2008", 0)),
        rows=(row("07USNATO577", "NRC: RUSSIANS ILL-PREPARED"), row("07USNATO263", XSS)),
        pager=Pager(page, pages, tuple("tag/PREL.html" if n == 1 else f"tag/PREL/{n}.html" for n in range(1, pages + 1))),
        feed_href="feed/tag/PREL.xml", up=Link("All tags", "tags.html", 0),
    )


def test_listing_page(renderer: Renderer) -> None:
    html = renderer.listing(ctx("tag/PREL/3.html"), _listing())
    p = Page(html)
    assert p.h1() == "Tag PREL"
    assert "External Political Relations" in p.text and "1,234 cables" in p.text
    links = p.links()
    assert links["../../cable/2007/06/07USNATO577.html"] == "07USNATO577"
    assert links["../../feed/tag/PREL.xml"] == "Atom feed"
    assert links["../../tags.html"] == "All tags"
    prev = [a["href"] for a in p.all("a") if a.get("rel") == "prev"]
    nxt = [a["href"] for a in p.all("a") if a.get("rel") == "next"]
    assert prev == ["../../tag/PREL/2.html"] and nxt == ["../../tag/PREL/4.html"]
    current = [a["href"] for a in p.all("a") if a.get("aria-current") == "page"]
    assert current == ["../../tag/PREL/3.html"]
    assert links["../../tag/PREL.html"] == "1" and links["../../tag/PREL/9.html"] == "9"
    svg = p.all("svg")[0]
    assert svg["role"] == "img" and "<title id=\"chart-t\">" in html
    _assert_no_injection(renderer.listing(ctx("tag/PREL/3.html"), _listing(title=XSS)))


def test_pager_numbers_window() -> None:
    assert pager_numbers(Pager(1, 1, ("a",))) == [1]
    assert pager_numbers(Pager(10, 40, ("x",) * 40)) == [1, None, 8, 9, 10, 11, 12, None, 40]
    assert pager_numbers(Pager(2, 5, ("x",) * 5)) == [1, 2, 3, 4, 5]


def test_year_chart_labels_stay_inside_the_chart() -> None:
    """The corpus spans 1966-2010: 45 narrow bars; the first and last year labels were cut
    in half by the chart's edges."""
    import re

    from generator.chart import WIDTH

    svg = str(year_chart(tuple((str(y), y % 7) for y in range(1966, 2011))))
    labels = re.findall(r'<text class="chart-label" x="([\d.]+)" y="\d+" text-anchor="middle">(\d{4})</text>', svg)
    assert labels[0][1] == "1966" and labels[-1][1] == "2010"
    # a four-digit label at 11px is about 26 units wide, centred on x
    assert all(13 <= float(x) <= WIDTH - 13 for x, _ in labels), labels


def test_year_chart_is_accessible_svg() -> None:
    svg = str(year_chart((("2006", 5), ("2007", 10)), label="Cables <per> year"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=\"chart-t\">Cables &lt;per&gt; year</title>" in svg
    assert svg.count("<rect") == 2 and "<title>2007: 10</title>" in svg
    assert 'height="124.0"' in svg  # the tallest bar fills the plot
    assert str(year_chart(())) == ""


def test_index_pages(renderer: Renderer) -> None:
    prel = TagInfo("PREL", "External Political Relations", "subject", "tag/PREL.html")
    tags = renderer.tags_index(ctx("tags.html"), TagsIndexView(
        (TagGroup("subject", "Subject codes", ((prel, 1200),)),
         TagGroup("geo", "Countries", ((TagInfo("RU", "Russia", "geo", "tag/RU.html"), 33),))), 2))
    p = Page(tags)
    assert p.links()["tag/PREL.html"] == "PREL" and "1,200" in p.text and "Subject codes" in p.text
    links = renderer.links_index(ctx("origins.html"), LinksIndexView(
        "Origins", "Posts that sent cables.", (Link("Embassy Moscow", "origin/embassy-moscow.html", 42),)))
    assert Page(links).links()["origin/embassy-moscow.html"] == "Embassy Moscow"
    dates = renderer.dates_index(ctx("dates.html"), DatesIndexView(
        (YearEntry(Link("2007", "date/2007.html", 50), (Link("October 2007", "date/2007-10.html", 20),)),)))
    p = Page(dates)
    assert p.links()["date/2007-10.html"] == "October 2007" and p.links()["date/2007.html"] == "2007"


def test_home_page(renderer: Renderer) -> None:
    view = HomeView(total=6041, first="1966-12-01", last="2010-02-28",
                    most_referenced=((row("07USNATO263", "NRC MISSILE DEFENSE"), 7),),
                    newest=(row("10STATE1", "NEWEST"),), tag_count=900, origin_count=186,
                    per_year=(("2009", 3), ("2010", 4)),
                    classifications=(Link("SECRET", "classification/secret.html", 5),),
                    pages=PAGES)
    p = Page(renderer.home(ctx("index.html"), view))
    assert "6,041 US diplomatic cables" in p.text and "1966-12-01 to 2010-02-28" in p.text
    assert "cited by 7" in p.text
    links = p.links()
    assert links["cable/2007/06/07USNATO263.html"] == "NRC MISSILE DEFENSE"
    assert 'href="pages/how-to-read-a-cable.html">How to read a cable</a>' in p.html
    assert "from 186 embassies, consulates and missions, under 900 tags." in " ".join(p.text.split())


def test_home_page_of_one_cable_speaks_in_the_singular(renderer: Renderer) -> None:
    view = HomeView(total=1, first="2007-10-24", last="2007-10-24", most_referenced=(),
                    newest=(row("07USNATO577", "NRC"),), tag_count=1, origin_count=1, per_year=(("2007", 1),),
                    classifications=(), pages=PAGES)
    text = " ".join(Page(renderer.home(ctx("index.html"), view)).text.split())
    assert "1 US diplomatic cable, sent from 2007-10-24 to 2007-10-24, from one post, under 1 tag." in text


def test_editorial_and_404(renderer: Renderer) -> None:
    p = Page(renderer.editorial(ctx("pages/about.html"), EditorialView("About <this>", "<p>Hello</p>")))
    assert p.h1() == "About &lt;this&gt;" and "Hello" in p.text
    assert p.links()["../index.html"] == "Home"
    p = Page(renderer.not_found(ctx("404.html")))
    assert p.h1() == "Page not found" and p.links()["index.html"] == "Go to the home page"
    online = Renderer(THEME, SiteInfo("T", "https://example.org/cables"))
    assert 'href="https://example.org/cables/static/style.css?v=' in online.not_found(ctx("404.html"))


def test_static_files_and_fingerprint(renderer: Renderer, tmp_path: Path) -> None:
    files = renderer.static_files()
    assert "static/style.css" in files and b"prefers-color-scheme: dark" in files["static/style.css"]
    assert len(renderer.fingerprint) == 64
    assert Renderer(THEME, SITE).fingerprint == renderer.fingerprint


def test_asset_version_hashes_the_static_files_alone(tmp_path: Path) -> None:
    """A template's change leaves the ``?v=`` of the static files as it was (the pages of a
    new version of the code keep their bytes); a static file's change moves it."""
    import shutil

    themes = {}
    for name in ("same", "template", "static"):
        themes[name] = tmp_path / name
        shutil.copytree(THEME, themes[name])
    (themes["template"] / "templates" / "404.html").write_text("{% extends 'base.html' %}", encoding="utf-8")
    with (themes["static"] / "static" / "style.css").open("a", encoding="utf-8") as f:
        f.write("\n/* changed */\n")
    versions = {name: Renderer(path, SITE).asset_version for name, path in themes.items()}
    assert versions["same"] == versions["template"] == Renderer(THEME, SITE).asset_version
    assert versions["static"] != versions["same"]
    assert Renderer(themes["template"], SITE).fingerprint != Renderer(themes["same"], SITE).fingerprint
    page = Renderer(themes["static"], SITE).not_found(PageContext("404.html", "", SITE))
    assert f"static/style.css?v={versions['static']}" in page


# -- contrast ---------------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_pairs_meet_wcag_aa() -> None:
    css = (THEME / "static" / "style.css").read_text()
    pairs = re.findall(r"^ \*\s+(--[\w-]+) / (--[\w-]+)", css, re.M)
    assert len(pairs) >= 15
    light = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6});", css.split("@media (prefers-color-scheme: dark)")[0]))
    dark_block = css.split("@media (prefers-color-scheme: dark)")[1].split("\n}\n")[0]
    dark = {**light, **dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6});", dark_block))}
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    for scheme, colours in (("light", light), ("dark", dark)):
        for fg, bg in pairs:
            ratio = contrast(colours[fg], colours[bg])
            assert ratio >= 4.5, f"{scheme}: {fg} on {bg} is {ratio:.2f}"


# -- speed ------------------------------------------------------------------------------------


def test_seed_cable_renders_fast(renderer: Renderer) -> None:
    original = SEED.read_text()
    body = original[original.index("1. (C/NF)"):]
    view = seed_view(seed_cable(original=original, body=body))
    renderer.cable(CABLE_CTX, view)
    timings = []
    for _ in range(5):  # CPU time, best of five: other processes do not count
        start = time.process_time()
        for _ in range(20):
            renderer.cable(CABLE_CTX, view)
        timings.append((time.process_time() - start) / 20)
    per_page = min(timings)
    assert per_page < 0.010, f"{per_page * 1000:.2f} ms per cable page"


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_escape_text_is_markupsafes_escape_as_a_plain_str(text: str) -> None:
    from markupsafe import escape

    from generator.htmlescape import escape_text

    out = escape_text(text)
    assert type(out) is str
    assert out == str(escape(text))


class _Html:
    def __html__(self) -> str:
        return "<b>kept</b>"


@given(st.one_of(st.text(), st.integers(), st.none(), st.floats(allow_nan=False),
                 st.text().map(Markup), st.builds(_Html)))
@settings(max_examples=300, deadline=None)
def test_escape_value_writes_what_markupsafes_escape_writes(value: object) -> None:
    from markupsafe import escape

    from generator.htmlescape import escape_value

    assert str(escape_value(value)) == str(escape(value))


def test_templates_call_escape_value_and_escape_every_value(renderer: Renderer) -> None:
    """The compiled templates' ``escape`` is ``escape_value``; a plain str is escaped, a
    macro's Markup and a value with ``__html__`` are not escaped twice."""
    from generator.htmlescape import escape_value

    template = renderer.env.from_string(
        "{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{% set s %}<u>{{ v }}</u>{% endset %}"
        "{{ v }}|{{ m(v) }}|{{ s }}|{{ h }}|{{ n }}|{{ v ~ 1 }}")
    assert template.root_render_func.__globals__["escape"] is escape_value
    out = template.render(v="<a&'\">", h=_Html(), n=None)
    esc = "&lt;a&amp;&#39;&#34;&gt;"
    assert out == f"{esc}|<i>{esc}</i>|<u>{esc}</u>|<b>kept</b>|None|{esc}1"


def test_escape_text_escapes_markup_in_a_cable_body() -> None:
    hostile = 'REF A said <script>alert("x")</script> & \'more\''
    html = body_html([Block("paragraph", hostile, "1", "C")], {})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;more&#39;" in html
