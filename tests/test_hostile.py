"""Hostile and broken input through the whole ``cablesite build`` command.

Each case of ``hostile_corpus.py`` (empty, binary, latin-1, cp1252, NUL bytes,
script and attribute breakouts in every field of every input form, ids like
``../../etc/passwd``, duplicates, a broken ``cables.csv`` row) is built beside
three good cables through the command line (``generator.cli.main``, in-process
so that any exception is a test failure with its traceback), and:

- the diagnostics naming the hostile file are what the case expects (one error,
  one warning, or at most one), with the row for CSV; no traceback;
- exit status 0, and 1 with ``--strict`` whenever there is a diagnostic;
- the good cables (and whatever the hostile file still holds) are built;
- nothing outside ``output/`` and its ``.output.cache`` changed;
- no element, attribute or URL of the output came from the input unescaped.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile_corpus import GOOD_IDS, SCRIPT, Case, cases, write_big_cable, write_case

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
DIAGNOSTIC = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+): (?P<severity>error|warning): (?P<message>.+)$")
SUMMARY = re.compile(r"^cablesite: (\d+) cables, ")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset"}


def _theme_tags() -> frozenset[str]:
    """Every element name the theme's templates or the renderer's Python code can write."""
    sources = [*(REPO / "themes" / "default" / "templates").glob("*.html"), *(REPO / "generator").glob("*.py")]
    names = set()
    for path in sources:
        names |= {m.lower() for m in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>/]", path.read_text(encoding="utf-8"))}
    return frozenset(names - {"script", "img", "iframe", "object", "embed", "style"})


ALLOWED_TAGS = _theme_tags()


class _Audit(HTMLParser):
    """Records whatever in a page could run script or was not written by the theme."""

    def __init__(self, rel: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rel = rel
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"{self.rel}: <{tag}>"
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not re.fullmatch(r"(\.\./)*static/[\w.-]+\.js(\?v=[0-9a-f]+)?", src):
                self.problems.append(f"{where} script that is not the site's own .js ({src!r})")
        elif tag not in ALLOWED_TAGS:
            self.problems.append(f"{where} element the theme never writes")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{where} event handler attribute {name}={value!r}")
            if name == "style":
                self.problems.append(f"{where} inline style {value!r}")
            if name in URL_ATTRS and value:
                folded = re.sub(r"[\x00-\x20]", "", value).lower()
                if folded.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"{where} script URL {name}={value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit_site(root: Path) -> list[str]:
    """Every unsafe thing in the built site's HTML, and XML files that do not parse."""
    problems = []
    for page in sorted(root.rglob("*.html")):
        audit = _Audit(page.relative_to(root).as_posix())
        audit.feed(page.read_text(encoding="utf-8"))
        audit.close()
        problems += audit.problems
    for feed in sorted(root.rglob("*.xml")):
        try:
            tree = ET.parse(feed)
        except ET.ParseError as exc:
            problems.append(f"{feed.relative_to(root)}: not well-formed XML: {exc}")
            continue
        if any(el.tag.rsplit("}", 1)[-1] == "script" for el in tree.iter()):
            problems.append(f"{feed.relative_to(root)}: script element")
    return problems


def page_text(path: Path) -> str:
    audit = _Audit(path.name)
    audit.feed(path.read_text(encoding="utf-8"))
    return "".join(audit.text)


def snapshot(root: Path, skip: set[str]) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file under ``root`` outside the top-level folders named in ``skip``."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or not path.is_file():
            continue
        st = path.stat()
        out[rel.as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def run(content: Path, output: Path, *extra: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--content", str(content), "--output", str(output), "--jobs", "1", *extra])
    return code, err.getvalue()


def diagnostics(stderr: str) -> list[dict[str, str]]:
    return [m.groupdict() for line in stderr.splitlines() if (m := DIAGNOSTIC.match(line))]


def cable_pages(output: Path) -> dict[str, Path]:
    return {p.stem: p for p in (output / "cable").rglob("*.html")}


def check_case(case: Case, tmp_path: Path) -> dict[str, Path]:
    """Build the case twice (plain, then ``--strict``) and assert the rules; return the cable pages."""
    deep = tmp_path / "a" / "b"
    content, output = deep / "content", deep / "output"
    write_case(case, content)
    if case.name == "big":
        write_big_cable(content / "cables" / "big.txt")
    before = snapshot(tmp_path, {"a"}) | {f"a/b/{k}": v for k, v in snapshot(deep, {"output", ".output.cache"}).items()}

    code, stderr = run(content, output)
    assert "Traceback" not in stderr and "internal parser error" not in stderr, stderr
    assert code == 0, stderr
    found = diagnostics(stderr)
    hostile_files = set(case.files) | ({"cables/big.txt"} if case.name == "big" else set())
    mine = [d for d in found if d["path"] in hostile_files or any(f in d["message"] for f in hostile_files)]
    assert len(found) == len(mine), f"diagnostics about files that are fine: {found}"
    if case.expect in ("error", "warning"):
        assert [d["severity"] for d in mine] == [case.expect], stderr
        assert len(mine[0]["message"]) > 15, mine
    else:
        assert len(mine) <= 1, stderr
    if case.csv_row:
        assert mine[0]["line"] == str(case.csv_row) and f"row {case.csv_row}" in mine[0]["message"], mine
    summary = [m for line in stderr.splitlines() if (m := SUMMARY.match(line))]
    assert summary and int(summary[-1].group(1)) == len(GOOD_IDS) + len(case.built), stderr

    pages = cable_pages(output)
    for cable_id in (*GOOD_IDS, *case.built):
        assert cable_id in pages, f"{cable_id} was not built: {sorted(pages)}"
    assert "ITALY: GOOD CABLE NUMBER 3" in page_text(pages["09ROME3"])
    if case.shows:
        text = page_text(pages[case.built[0]])
        for shown in case.shows:
            assert shown in text, f"{case.built[0]} does not show {shown!r} as text"
    assert audit_site(output) == []

    strict, stderr = run(content, output, "--strict")
    assert "Traceback" not in stderr
    assert strict == (1 if found else 0), stderr
    after = snapshot(tmp_path, {"a"}) | {f"a/b/{k}": v for k, v in snapshot(deep, {"output", ".output.cache"}).items()}
    assert after == before, "files outside output/ were written or changed"
    assert not (tmp_path / "etc").exists() and not (deep / "etc").exists()
    return pages


CASES = cases()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_broken_csv_keeps_every_other_row(tmp_path: Path) -> None:
    """The part of the CSV case that holds today: the nine good rows are built, row 3 is named first."""
    case = next(c for c in CASES if c.name == "csv-broken-quote")
    content, output = tmp_path / "content", tmp_path / "output"
    write_case(case, content)
    code, stderr = run(content, output)
    assert code == 0 and "Traceback" not in stderr
    found = diagnostics(stderr)
    assert found[0]["path"] == "cables.csv" and found[0]["line"] == "3" and "row 3" in found[0]["message"]
    assert set(case.built) <= set(cable_pages(output))
    assert "09ROME103" not in cable_pages(output)
    assert audit_site(output) == []


@pytest.mark.slow
def test_hundred_megabyte_cable(tmp_path: Path) -> None:
    """One 100 MB cable is built next to the good ones, with a warning that its page shows a part;
    no output file is over 10 MB."""
    check_case(Case("big", {}, "warning", ("09PARIS100",), ("FRANCE: A VERY LONG CABLE",)), tmp_path)
    biggest = max((p.stat().st_size, p) for p in (tmp_path).rglob("*") if p.is_file() and "output" in p.parts)
    assert biggest[0] < 10_000_000, biggest


def test_audit_catches_unsafe_markup(tmp_path: Path) -> None:
    """The checker is not blind: each kind of leak is reported."""
    (tmp_path / "p.html").write_text(
        f"<p>{SCRIPT}</p><a href=' JaVa\tScRiPt:alert(1)'>x</a><img src=x onerror=alert(3)>"
        "<span onmouseover=alert(4)>y</span><script src='static/search.js'></script>", encoding="utf-8")
    (tmp_path / "f.xml").write_text("<feed><title>a <b</title></feed>", encoding="utf-8")
    problems = audit_site(tmp_path)
    assert any("script that is not" in p for p in problems)
    assert any("script URL" in p for p in problems)
    assert any("<img> element the theme never writes" in p for p in problems)
    assert any("onmouseover" in p for p in problems) and any("onerror" in p for p in problems)
    assert any("f.xml: not well-formed" in p for p in problems)
    assert not any("search.js" in p for p in problems)


def _mission_cable_with(shape: str) -> str:
    """The mission cable with a pathological stretch of text in it (see the test below)."""
    text = (REPO / "content" / "cables" / "07USNATO577.txt").read_text(encoding="utf-8")
    banner = text.index("C O N F I D E N T I A L SECTION 01 OF 03")
    if shape == "a million blank lines":
        return text[:banner] + "\n" * 1_000_000 + text[banner:]
    # 5,000 banners each followed by the same five lines: every section repeats the first one's header
    section = "C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577\n" + "THE SAME LINE OF TEXT.\n" * 5
    return text[:banner] + section * 5000 + text[banner:]


@pytest.mark.parametrize("shape", ["a million blank lines", "5,000 identical sections"])
def test_pathological_text_parses_in_linear_time(shape: str, tmp_path: Path) -> None:
    """Text shaped to defeat a parser parses in a second or so, not for hours. Each shape hung
    a build: a million blank lines met ``^\\s*SIPDIS`` (multiline: from every line start to
    the end of the blank run) and a ``pop(0)`` loop, both quadratic; thousands of repeated
    section banners made the repeated-header check compare every section with every other.
    A subprocess with a limit far above the time it takes, so that a regression fails the
    test rather than hanging the suite."""
    path = tmp_path / "07USNATO577.txt"
    path.write_text(_mission_cable_with(shape), encoding="utf-8")
    code = ("import sys; from pathlib import Path; from generator import parse; "
            "cables, diags = parse.read('c.txt', Path(sys.argv[1]).read_bytes()); "
            "assert [c.id for c in cables] == ['07USNATO577'], (cables, diags); "
            "print(len(cables[0].body))")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 5000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_named_pipes_and_odd_file_names_are_one_line_each(tmp_path: Path) -> None:
    """A named pipe among the cables (and as an editorial page) is reported, not read: opening
    one waited for a writer and hung the build (and ``cablesite check``). A file name holding
    a newline, a terminal escape or bytes that are not UTF-8 is still named on one line."""
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "07USNATO577.txt").write_bytes((REPO / "content" / "cables" / "07USNATO577.txt").read_bytes())
    os.mkfifo(content / "pipe.txt")
    os.mkfifo(content / "pages" / "about.md")
    (content / "new\nline.txt").write_text("")
    (content / "\x1b[31mred.txt").write_text("")
    (content / os.fsdecode(b"\xff\xfe.txt")).write_text("")
    runs = {"build": (["build", "--content", str(content), "--output", str(tmp_path / "out")], "stderr"),
            "check": (["check", str(content)], "stdout")}
    for command, (args, stream) in runs.items():
        proc = subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                              timeout=120, cwd=REPO)
        said = getattr(proc, stream)
        assert "Traceback" not in proc.stderr
        lines = [line for line in said.splitlines() if ": error: " in line]
        named = sorted(line.split(":0: ", 1)[0].removeprefix(f"{content}/") for line in lines)
        pages = ["pages/about.md"] if command == "build" else []  # check reads the cables only
        assert named == ["\\x1b[31mred.txt", "\\xff\\xfe.txt", "new\\nline.txt", *pages, "pipe.txt"], said
        assert "\x1b" not in said
        assert "not a regular file" in next(line for line in lines if "pipe.txt" in line)
    assert (tmp_path / "out" / "cable" / "2007" / "10" / "07USNATO577.html").is_file()
