"""Editorial Markdown: title, escaping of raw HTML, highlighting, automatic cable links."""

from __future__ import annotations

from conftest import REPO

from generator.markdown import render_markdown

KNOWN = {"07USNATO577": "../cable/2007/10/07USNATO577.html", "07USNATO263": "../cable/2007/04/07USNATO263.html"}


def md(text: str) -> tuple[str, str]:
    return render_markdown(text, link_cable=KNOWN.get)


def test_title_is_first_h1_and_leaves_the_html() -> None:
    title, html = md("# How to read a *cable*\n\nIntro.\n\n# Second\n")
    assert title == "How to read a cable"
    assert "<h1>How to read" not in html and "<h1>Second</h1>" in html
    assert md("Just text.\n")[0] == ""
    assert md("## Not a title\n")[0] == ""


def test_raw_html_is_escaped() -> None:
    _, html = md('Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<div>block</div>\n')
    assert "<script>" not in html and "<img" not in html and "<div>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cable_ids_link_outside_code_and_links() -> None:
    _, html = md('See 07USNATO577, [the ref](x.html "07USNATO263"), [07USNATO263](y.html), '
                 "`07USNATO577` and 09UNKNOWN1.\n\n    07USNATO577 in an indented block\n")
    assert '<a href="../cable/2007/10/07USNATO577.html" class="cable-id">07USNATO577</a>,' in html
    assert '<a href="y.html">07USNATO263</a>' in html  # existing link kept as is
    assert "<code>07USNATO577</code>" in html
    assert "09UNKNOWN1" in html and "09UNKNOWN1</a>" not in html  # not in the archive: no link
    assert html.count("cable-id") == 1


def test_ids_in_tables_link() -> None:
    _, html = md("| id | what |\n|---|---|\n| 07USNATO263 | REF A |\n")
    assert "<table>" in html
    assert '<td><a href="../cable/2007/04/07USNATO263.html" class="cable-id">07USNATO263</a></td>' in html


def test_code_blocks_are_highlighted_with_classes() -> None:
    _, html = md("```telegram\nDE RUEHNO #0577/01 2971509\nTAGS: NATO PREL\n```\n\n```python\nx = 1\n```\n"
                 "\n```nosuchlang\n<b>x</b>\n```\n")
    assert '<pre class="hl telegram"><code><span class="kd">DE</span> <span class="no">RUEHNO</span>' in html
    assert '<span class="kd">TAGS:</span><span class="nt"> NATO PREL</span>' in html
    assert '<code class="language-python"><span class="n">x</span>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "style=" not in html


def test_shipped_pages_render_with_titles() -> None:
    for name, title in (("about.md", "About this archive"), ("how-to-read-a-cable.md", "How to read a cable")):
        got, html = md((REPO / "content" / "pages" / name).read_text())
        assert got == title
        assert "<h2>" in html
    _, html = md((REPO / "content" / "pages" / "how-to-read-a-cable.md").read_text())
    assert html.count('<pre class="hl telegram">') >= 6
    assert "VZCZC" in html and "241509Z OCT 07" in html
