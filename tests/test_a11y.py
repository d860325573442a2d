"""An accessibility pass over each page kind of a built corpus extract, in headless Chromium.

Home, tag listing (page 2 too), tags index, origins, dates, a cable, an editorial
page and the 404 page, each in the light and the dark colour scheme:

- every ``<img>`` has an ``alt``; every ``<svg role=img>`` has a name;
- one ``<h1>``, headings never skip a level going down;
- every form field has a label;
- a skip link is the first thing Tab reaches, and it leads to ``<main>``;
- landmarks: one ``main``, at least one ``nav``, a ``header`` and a ``footer``;
- ``<html lang>`` and a ``<title>``;
- the contrast of every visible text against the background it is painted on,
  from ``getComputedStyle`` (alpha blended up the ancestors), is at least 4.5:1
  (3:1 for large text), WCAG AA. ``tests/test_render.py`` checks the colour
  pairs the stylesheet declares; this checks what the browser really paints.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import Site, Watch, build_site, launch

pytestmark = pytest.mark.browser

AUDIT = r"""
() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const where = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');

  if (!document.documentElement.lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('no title');
  for (const img of document.querySelectorAll('img'))
    if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
  for (const svg of document.querySelectorAll('svg[role=img]'))
    if (!(svg.getAttribute('aria-label') || svg.querySelector('title') || svg.getAttribute('aria-labelledby')))
      problems.push('svg role=img without a name');

  const heads = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  if (heads.filter(l => l === 1).length !== 1) problems.push(`${heads.filter(l => l === 1).length} h1 elements`);
  if (heads[0] !== 1) problems.push(`first heading is h${heads[0]}`);
  for (let i = 1; i < heads.length; i++)
    if (heads[i] > heads[i - 1] + 1) problems.push(`heading h${heads[i - 1]} followed by h${heads[i]}`);

  for (const f of document.querySelectorAll('input,select,textarea')) {
    if (['hidden', 'submit', 'button', 'reset'].includes(f.type)) continue;
    if (!(f.labels && f.labels.length) && !f.getAttribute('aria-label') && !f.getAttribute('aria-labelledby'))
      problems.push(`unlabelled field ${where(f)}`);
  }
  if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one main');
  for (const tag of ['nav', 'header', 'footer'])
    if (!document.querySelector(tag)) problems.push(`no ${tag}`);

  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : (dark ? [0, 0, 0, 1] : [255, 255, 255, 1]);
    while (layers.length) bg = blend(layers.pop(), bg);
    return bg;
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let checked = 0;
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest('svg')) continue;  // chart marks are graphics, not text (their labels have a name)
    seen.add(el);
    const s = getComputedStyle(el);
    const bg = background(el);
    const fg = blend(parse(s.color), bg);
    const ratio = (Math.max(lum(fg), lum(bg)) + 0.05) / (Math.min(lum(fg), lum(bg)) + 0.05);
    const size = parseFloat(s.fontSize), bold = +s.fontWeight >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    checked++;
    if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need} for "${n.textContent.trim().slice(0, 30)}" ` +
      `in ${where(el)} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')}))`);
  }
  return {problems, checked};
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.getbasetemp() / "browser-site")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launch() as b:
        yield b


def page_kinds(site: Site) -> dict[str, str]:
    origin = sorted(p.relative_to(site.root).as_posix() for p in (site.root / "origin").glob("*.html"))[0]
    return {
        "home": "index.html",
        "tag listing": f"tag/{site.paged_tag}.html",
        "tag listing page 2": f"tag/{site.paged_tag}/2.html",
        "tags index": "tags.html",
        "origins": "origins.html",
        "origin listing": origin,
        "dates": "dates.html",
        "cable": site.pages[site.citing],
        "editorial": "pages/how-to-read-a-cable.html",
        "404": "404.html",
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_kind_passes_the_audit(browser, site: Site, scheme: str) -> None:
    page = browser.new_page(color_scheme=scheme)
    watch = Watch.attach(page)
    base = site.root.resolve().as_uri() + "/"
    failures = {}
    for kind, rel in page_kinds(site).items():
        page.goto(base + rel)
        result = page.evaluate(AUDIT)
        assert result["checked"] > 10, f"{kind}: only {result['checked']} text elements checked"
        if result["problems"]:
            failures[kind] = result["problems"][:10]
    page.close()
    assert failures == {}
    assert watch.problems(base) == []


def test_skip_link_is_first_and_leads_to_main(browser, site: Site) -> None:
    page = browser.new_page()
    page.goto(site.root.resolve().as_uri() + "/" + site.pages[site.citing])
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent.trim(), "
                            "document.activeElement.getAttribute('href')]")
    assert focused == ["Skip to content", "#main"]
    box = page.locator("a.skip").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0, "the focused skip link is not on screen"
    page.keyboard.press("Enter")
    # the fragment navigation may land after the key press returns: wait for it (5 s at most)
    page.wait_for_function("() => location.hash === '#main'", timeout=5000)
    assert page.url.endswith("#main")
    assert page.evaluate("() => document.querySelector('main').id") == "main"
    page.close()


def test_audit_finds_what_it_must(browser, site: Site) -> None:
    """The audit is not blind: a page breaking each rule is reported for each."""
    page = browser.new_page()
    page.set_content(
        "<html><body><main><h2>skipped h1</h2><h4>skipped h3</h4><img src='x.png'>"
        "<input id=q><p style='color:#bbb;background:#fff'>pale grey text on white</p></main></body></html>")
    problems = " | ".join(page.evaluate(AUDIT)["problems"])
    page.close()
    for expected in ("html has no lang", "0 h1 elements", "h2 followed by h4", "img without alt",
                     "unlabelled field input#q", "no nav", "contrast 1.9"):
        assert expected in problems, expected
