"""`cablesite build`: the golden site, link checks, escaping, determinism, incremental builds, safety."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, edit_csv_subject, need_corpus, small_csv
from linkcheck import broken_links

from generator.build import BuildError, build
from generator.config import Config, load_config

GOLDEN = REPO / "tests" / "golden"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=600)


def test_golden_site(tmp_path: Path) -> None:
    """The small golden archive builds to exactly the checked-in output (CABLESITE_REGEN_GOLDEN=1 rewrites it)."""
    out = tmp_path / "site"
    result = build(GOLDEN / "content", out, Config(cable_json=True), jobs=1)
    got = tree(out)
    expected_dir = GOLDEN / "expected"
    if os.environ.get("CABLESITE_REGEN_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir)
    expected = tree(expected_dir)
    assert sorted(got) == sorted(expected), "set of output files differs from tests/golden/expected"
    for rel in got:
        assert got[rel] == expected[rel], f"{rel} differs from the golden output"
    assert result.cables == 3
    assert any("empty.txt" in str(d) and d.severity == "error" for d in result.diagnostics)


def test_golden_site_links_resolve(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(GOLDEN / "content", out, Config(cable_json=True), jobs=1)
    assert broken_links(out) == []
    for rel in ("index.html", "404.html", "robots.txt", "sitemap.xml", "feed.xml", "tags.html",
                "origins.html", "dates.html", "classifications.html", "tag/PREL.html",
                "origin/embassy-rome.html", "date/2008.html", "date/2008-03.html",
                "classification/secret.html", "pages/about.html", "cable/2008/03/08ROME100.html",
                "cable/2008/03/08ROME100.json", "static/style.css"):
        assert (out / rel).is_file(), rel


def test_cable_json_is_off_by_default(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(GOLDEN / "content", out, Config(), jobs=1)
    page = (out / "cable/2008/03/08ROME100.html").read_text(encoding="utf-8")
    assert list(out.rglob("*.json")) == []
    assert ".json" not in page and "This cable as JSON" not in page
    assert broken_links(out) == []


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(path: Path) -> _Elements:
    p = _Elements()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def link_targets(root: Path, rel: str) -> set[str]:
    """Root-relative paths of the files the page at ``rel`` links to."""
    page = elements(root / rel)
    out = set()
    for tag, attrs in page.tags:
        href = attrs.get("href")
        if tag == "a" and href and "://" not in href and not href.startswith("#"):
            target = os.path.normpath(os.path.join(os.path.dirname(rel), href.split("#")[0]))
            out.add(target.replace(os.sep, "/"))
    return out


def test_reference_links_and_backlinks(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(GOLDEN / "content", out, Config(), jobs=1)
    citing = "cable/2008/03/08ROME100.html"
    assert "cable/2008/02/08ROME90.html" in link_targets(out, citing)  # REF A is in the archive
    assert "not in this archive" in " ".join(elements(out / citing).text)  # REF B (STATE 12345) is not
    cited = "cable/2008/02/08ROME90.html"
    assert citing in link_targets(out, cited)
    assert "Referenced by" in " ".join(elements(out / cited).text)


def test_hostile_text_is_shown_as_text(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(GOLDEN / "content", out, Config(), jobs=1)
    for rel in ("cable/2009/01/09PARIS5.html", "tag/PREL.html", "index.html"):
        page = elements(out / rel)
        assert not any(t == "script" and not (a.get("src") or "").endswith(".js") for t, a in page.tags), rel
        assert not any(t == "img" and "onerror" in a for t, a in page.tags), rel
        assert not any(t == "b" for t, a in page.tags), rel
    text = " ".join(elements(out / "cable/2009/01/09PARIS5.html").text)
    assert "<script>alert(1)</script>" in text


def test_output_is_the_same_whatever_the_jobs(tmp_path: Path) -> None:
    corpus = need_corpus()
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted((corpus / "cablegate-text").glob("08*.txt"))[:150]:
        shutil.copy(path, content / path.name)
    build(content, tmp_path / "one", Config(), jobs=1)
    build(content, tmp_path / "two", Config(), jobs=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def _copy_small_corpus(tmp_path: Path, n: int = 120) -> Path:
    corpus = need_corpus()
    content = tmp_path / "content"
    content.mkdir()
    names = sorted(p.name for p in (corpus / "cablegate-text").glob("09*.txt"))[:n]
    for name in names:
        shutil.copy(corpus / "cablegate-text" / name, content / name)
    return content


def test_incremental_build_equals_clean_build(tmp_path: Path) -> None:
    content = _copy_small_corpus(tmp_path)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=2)
    files = sorted(content.iterdir())
    # edit one cable's subject, delete another, add a new one (a copy under a new id)
    edited = files[3]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("SUBJECT:", "SUBJECT: EDITED FOR THE TEST", 1), encoding="utf-8")
    files[7].unlink()
    src = files[10].read_text(encoding="utf-8")
    first_id = src.splitlines()[0].split(":", 1)[1].strip()
    (content / "added.txt").write_text(src.replace(first_id, first_id + "99"), encoding="utf-8")
    second = build(content, out, Config(), jobs=2)
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    assert second.written > 0 and second.deleted > 0
    third = build(content, out, Config(), jobs=2)
    assert third.written == 0 and third.deleted == 0
    # an edit alone rewrites only the pages that show the cable (and the search pieces of its words)
    text = files[4].read_text(encoding="utf-8")
    files[4].write_text(text.replace("SUBJECT:", "SUBJECT: SECOND EDIT", 1), encoding="utf-8")
    fourth = build(content, out, Config(), jobs=2)
    assert 0 < fourth.written < 60, fourth.written
    clean2 = tmp_path / "clean2"
    build(content, clean2, Config(), jobs=1)
    assert tree(out) == tree(clean2)


def test_a_change_of_a_quarter_of_the_files_or_less_patches_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``PATCH_LIMIT`` files, up to a quarter of the site's, ``output/`` is patched in
    place through the journal (a fresh tree links every other file, 27 s of an add at
    251,287 cables); a change of every page swaps a fresh tree in. Either way the output is
    a clean build's."""
    from generator import build as build_module

    monkeypatch.setattr(build_module, "PATCH_LIMIT", 3)
    content = _copy_small_corpus(tmp_path)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=2)
    files = len([p for p in out.rglob("*") if p.is_file()])
    folder = out.stat().st_ino  # a fresh tree is another folder swapped in; a patch keeps this one
    edited = sorted(content.iterdir())[10]
    edited.write_text(edited.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    result = build(content, out, Config(), jobs=2)
    assert 3 < result.written <= files // 4, (result.written, files)
    assert out.stat().st_ino == folder, "a change of a few pages made a fresh tree"
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    result = build(content, out, Config(title="Another archive"), jobs=2)
    assert result.written > files // 4
    assert out.stat().st_ino != folder, "every page changed: a fresh tree is swapped in"
    build(content, clean, Config(title="Another archive"), jobs=1)
    assert tree(out) == tree(clean)


def test_first_build_names_a_cable_template_fault(tmp_path: Path) -> None:
    """A first build renders the cable pages in the search index's tasks: a fault in the
    cable template still names the template and the page, and leaves no output."""
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "themes" / "default", theme)
    cable_tpl = theme / "templates" / "cable.html"
    cable_tpl.write_text(cable_tpl.read_text().replace("{% block main %}", "{% block main %}{{ no_such.x }}", 1))
    out = tmp_path / "out"
    for jobs in (1, 2):
        with pytest.raises(BuildError, match=r"template error in cable\.html line \d+ while rendering cable/"):
            build(GOLDEN / "content", out, load_config(None, theme=theme), jobs=jobs)
        assert not out.exists()
        assert not any(p.name.startswith(f".{out.name}.staging") for p in tmp_path.iterdir())


def test_failed_build_keeps_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(GOLDEN / "content", out, Config(), jobs=1)
    before = tree(out)
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "themes" / "default", theme)
    cable_tpl = theme / "templates" / "cable.html"
    broken = cable_tpl.read_text().replace("{% block main %}", "{% block main %}{{ no_such_variable.x }}", 1)
    assert "no_such_variable" in broken
    cable_tpl.write_text(broken)
    with pytest.raises(BuildError, match=r"template error in cable\.html line \d+ while rendering cable/"):
        build(GOLDEN / "content", out, load_config(None, theme=theme), jobs=1)
    assert tree(out) == before
    assert not any(p.name.startswith(f".{out.name}.staging") for p in tmp_path.iterdir())
    # the build turns Python's garbage collector off while it indexes: a failed build, in a
    # long-running `cablesite serve`, must leave it on
    import gc

    assert gc.isenabled()
    with pytest.raises(BuildError):
        build(tmp_path / "no-such-folder", out, Config(), jobs=1)
    assert gc.isenabled()


def test_cli_build_summary_and_strict(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("build", "--content", str(GOLDEN / "content"), "--output", str(out), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "empty.txt" in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("cablesite: 3 cables,") and "errors" in last
    assert "Traceback" not in proc.stderr
    strict = run_cli("build", "--content", str(GOLDEN / "content"), "--output", str(out), "--strict")
    assert strict.returncode == 1


def test_strict_stops_on_a_warning_before_writing_and_builds_when_there_is_none(tmp_path: Path) -> None:
    """``--strict``: a warning fails the build and leaves ``output/`` as it was (the site
    deployed stays the last good one); with no warning it builds as without."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    out = tmp_path / "out"
    good = run_cli("build", "--content", str(content), "--output", str(out), "--strict")
    assert good.returncode == 0, good.stderr
    assert "0 warnings, 0 errors" in good.stderr
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    seed = next((content / "cables").iterdir())
    seed.write_text(seed.read_text(encoding="utf-8").replace("TAGS:", "TAGS: ZZSTRICT", 1), encoding="utf-8")
    (content / "cables" / "broken.txt").write_text("not a cable at all\n", encoding="utf-8")
    strict = run_cli("build", "--content", str(content), "--output", str(out), "--strict")
    assert strict.returncode == 1
    assert "broken.txt:0: error:" in strict.stderr and "Traceback" not in strict.stderr
    assert f"--strict: the build stopped on 0 warnings and 1 errors; {out} left as it was" in strict.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # not the edited cable's page
    plain = run_cli("build", "--content", str(content), "--output", str(out))
    assert plain.returncode == 0
    assert any(b"ZZSTRICT" in p.read_bytes() for p in out.rglob("*.html"))
    again = run_cli("build", "--content", str(content), "--output", str(out), "--strict")  # nothing changed
    assert again.returncode == 1 and "broken.txt:0: error:" in again.stderr
    assert f"--strict: the build stopped on 0 warnings and 1 errors; {out} left as it was" in again.stderr


def test_an_archive_of_no_good_cable_builds_and_takes_one_added_later(tmp_path: Path) -> None:
    """Every input malformed: a line for each, a site of no cables (the search index's batches
    of no ids crashed the build), and a good cable added or taken away again builds as a clean
    build does."""
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "binary.txt").write_bytes(b"\xff\xfe\x00garbage\x00\x00")
    (content / "evil.txt").write_text("Identifier: ../../etc/passwd\nCreated: 2007-10-24 15:09\n\n"
                                      "SUBJECT: <script>alert(1)</script>\n", encoding="utf-8")
    (content / "sub" / "cables.csv").write_text('"1","10/24/2007 15:09","07ROME1","Embassy Rome","SECRET",'
                                                '"","hdr","unterminated', encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("build", "--content", str(content), "--output", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split(":", 1)[0] for line in lines[:-1]] == ["binary.txt", "evil.txt", "sub/cables.csv"]
    assert lines[-1].startswith("cablesite: 0 cables,") and "3 errors" in lines[-1]
    assert (out / "index.html").is_file() and (out / "search.html").is_file()
    assert '"docs":0' in (out / "search" / "meta.js").read_text()  # the search page finds no cable, not no index
    assert not any("<script>alert" in data.decode("utf-8", "replace") for data in tree(out).values())

    def same_as_clean(name: str) -> None:
        result = build(content, out, Config(), jobs=2)
        clean = tmp_path / name
        build(content, clean, Config(), jobs=1)
        assert tree(out) == tree(clean)
        assert result.written > 0

    shutil.copy(REPO / "content" / "cables" / "07USNATO577.txt", content / "07USNATO577.txt")
    same_as_clean("clean-one")
    assert (out / "cable" / "2007" / "10" / "07USNATO577.html").is_file()
    (content / "07USNATO577.txt").unlink()
    same_as_clean("clean-none")
    assert not (out / "cable").exists()
    assert build(content, out, Config(), jobs=2).written == 0  # nothing changed: the empty index stays
    assert '"docs":0' in (out / "search" / "meta.js").read_text()


def test_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(GOLDEN / "content", content)
    (content / "cablesite.toml").write_text("per_page = 'many'\n")
    proc = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "per_page must be a int" in proc.stderr and "Traceback" not in proc.stderr


def test_base_url_makes_absolute_feed_and_sitemap_urls(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(GOLDEN / "content", out, load_config(None, base_url="https://cables.example.org"), jobs=1)
    sitemap = (out / "sitemaps" / "sitemap-1.xml").read_text()
    assert "<loc>https://cables.example.org/cable/2008/03/08ROME100.html</loc>" in sitemap
    assert "https://cables.example.org/sitemaps/sitemap-1.xml" in (out / "sitemap.xml").read_text()
    assert 'href="https://cables.example.org/cable/2009/01/09PARIS5.html"' in (out / "feed.xml").read_text()


@pytest.mark.slow
def test_corpus_html_builds_with_no_broken_link(tmp_path: Path) -> None:
    corpus = need_corpus()
    out = tmp_path / "site"
    result = build(corpus / "cablegate-html", out, Config(cable_json=True), jobs=2)
    # two malformed ids repair to ids the corpus already holds: reported, one kept
    assert result.cables == 6039
    duplicates = [d for d in result.diagnostics if "duplicate id" in d.message]
    assert len(duplicates) == 2, duplicates
    assert broken_links(out) == []
    # every reference that resolves in the archive is a link, and the cited page lists the citer
    import json

    checked = 0
    for jpath in sorted((out / "cable").rglob("*.json"))[:2000]:
        data = json.loads(jpath.read_text(encoding="utf-8"))
        for ref in data["references"]:
            if not ref["id"]:
                continue
            target = next((out / "cable").glob(f"*/*/{ref['id']}.html"), None)
            if target is None:
                continue
            page_rel = jpath.with_suffix(".html").relative_to(out).as_posix()
            assert target.relative_to(out).as_posix() in link_targets(out, page_rel), (data["id"], ref)
            assert data["id"] in target.read_text(encoding="utf-8")
            checked += 1
    assert checked > 50


def test_parse_cache_is_one_database_and_survives_damage(tmp_path: Path) -> None:
    """Parsed cables live in one SQLite file and a few packs (not a file per cable); a damaged one is started again,
    and an edited cable's old parse is dropped from it."""
    import sqlite3

    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    build(content, out, Config(), jobs=1)
    cache = tmp_path / ".site.cache"
    assert sorted(p.name for p in cache.iterdir() if p.is_file() and "sqlite" not in p.name) == [
        "entries.marshal", "index.marshal", "lock", "manifest.marshal"]
    first = tree(out)

    def keys() -> set[str]:
        with sqlite3.connect(cache / "cache.sqlite") as db:
            return {k for (k,) in db.execute("SELECT key FROM units")}

    before = keys()
    assert len(before) >= 3
    cable = next((content / "cables").rglob("*ROME100*"))
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    build(content, out, Config(), jobs=1)
    after = keys()
    assert len(after) == len(before) and len(after - before) == 1  # the old parse is gone, the new one in

    (cache / "manifest.marshal").unlink()
    for p in cache.glob("cache.sqlite*"):
        p.write_bytes(b"not a database" * 100)
    build(content, out, Config(), jobs=2)
    fresh = tmp_path / "fresh"
    build(content, fresh, Config(), jobs=1)
    assert tree(out) == tree(fresh) != first


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("loss", ["packs deleted", "pack cut short"])
def test_a_parse_the_record_counts_on_lost_from_the_cache_costs_a_reread_not_the_build(
        tmp_path: Path, jobs: int, loss: str) -> None:
    """The record says a file is unchanged, but its parse is gone from the cache (the packs
    deleted by hand, or damaged): the build reads every file again instead of failing, and
    the site is a clean build's."""
    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    first = build(content, out, Config(), jobs=jobs)
    cable = next((content / "cables").rglob("*ROME100*"))
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    packs = tmp_path / ".site.cache" / "packs"
    if loss == "packs deleted":
        shutil.rmtree(packs)
    else:
        for pack in packs.iterdir():
            pack.write_bytes(pack.read_bytes()[:100])
    result = build(content, out, Config(), jobs=jobs)
    assert (result.errors, result.cables) == (first.errors, first.cables)
    fresh = tmp_path / "fresh"
    build(content, fresh, Config(), jobs=1)
    assert tree(out) == tree(fresh)
    assert build(content, out, Config(), jobs=jobs).written == 0  # and the record is whole again


def test_an_edit_rewrites_two_shards_of_the_record_and_a_lost_shard_costs_a_reread(tmp_path: Path) -> None:
    """The record's units live in shards by key: an edit rewrites the shards of the old and the
    new parse only; a damaged or missing shard makes its files be read again, same output."""
    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    build(content, out, Config(), jobs=1)
    shards = tmp_path / ".site.cache" / "units"

    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in shards.glob("*.pickle")}

    before = snapshot()
    assert len(before) >= 3
    cable = next((content / "cables").rglob("*ROME100*"))
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    build(content, out, Config(), jobs=1)
    after = snapshot()
    rewritten = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    assert 1 <= len(rewritten) <= 2, rewritten

    edited = tree(out)
    for i, path in enumerate(sorted(shards.glob("*.pickle"))):
        if i % 2:
            path.write_bytes(b"damaged")
        else:
            path.unlink()
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT: EDITED", "SUBJECT: AGAIN", 1),
                     encoding="utf-8")
    build(content, out, Config(), jobs=2)
    fresh = tmp_path / "fresh"
    build(content, fresh, Config(), jobs=1)
    assert tree(out) == tree(fresh) != edited
    assert len(snapshot()) == len(before)


def test_the_record_copied_whole_is_the_record_copied_file_by_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``load._take_unchanged`` (the record's unchanged files copied at once) leaves the same
    record and output as the loop over every file, after an edit, an addition and a deletion."""
    from generator import load, record

    content = tmp_path / "content"
    shutil.copytree(GOLDEN / "content", content)
    build(content, tmp_path / "a", Config(), jobs=1)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.copytree(tmp_path / ".a.cache", tmp_path / ".b.cache")
    cables = sorted((content / "cables").rglob("*.txt"))
    cables[0].write_text(cables[0].read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1),
                         encoding="utf-8")
    shutil.copy(cables[1], content / "cables" / "copy.txt")
    cables[2].unlink()
    calls: list[int] = []
    real = load._take_unchanged
    monkeypatch.setattr(load, "_take_unchanged", lambda *a: calls.append(1) or real(*a))
    build(content, tmp_path / "a", Config(), jobs=1)
    assert calls == [1]
    monkeypatch.setattr(load, "_take_unchanged", lambda files, old, new: (files, None))  # the loop does all
    build(content, tmp_path / "b", Config(), jobs=1)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    a, b = record.read(tmp_path / ".a.cache"), record.read(tmp_path / ".b.cache")
    assert (a.files, a.units, a.pages) == (b.files, b.units, b.pages)


def test_a_build_with_nothing_changed_reports_the_same_and_still_sees_page_edits(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    first = build(content, out, Config(), jobs=1)
    again = build(content, out, Config(), jobs=1)
    assert (again.written, again.deleted, again.cables) == (0, 0, first.cables)
    assert again.unchanged == first.written
    assert [str(d) for d in again.diagnostics] == [str(d) for d in first.diagnostics]
    page = next((content / "pages").glob("*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\nA SENTENCE ADDED LATER.\n", encoding="utf-8")
    edited = build(content, out, Config(), jobs=1)
    assert edited.written >= 1
    assert "A SENTENCE ADDED LATER." in (out / "pages" / f"{page.stem}.html").read_text(encoding="utf-8")
    assert tree(out) == (build(content, tmp_path / "clean", Config(), jobs=1) and tree(tmp_path / "clean"))


def test_an_edit_plans_only_the_listings_that_show_the_cable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import site

    content = _copy_small_corpus(tmp_path)
    out = tmp_path / "out"
    made: list[str] = []
    expand = site.Listing.pages

    def spy(self, *args):
        made.append(self.base)
        return expand(self, *args)

    monkeypatch.setattr(site.Listing, "pages", spy)
    build(content, out, Config(), jobs=1)
    every = set(made)
    made.clear()
    edited = sorted(content.iterdir())[3]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("SUBJECT:", "SUBJECT: EDITED FOR THE TEST", 1), encoding="utf-8")
    build(content, out, Config(), jobs=1)
    # the cable's tags, origin, classification, year and month: a handful of the site's listings
    assert 3 <= len(made) <= 20 < len(every), (len(made), len(every))
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)


def test_a_site_without_search_also_stops_early_when_nothing_changed(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "themes" / "default", theme)
    (theme / "templates" / "search.html").unlink()
    config = load_config(None, theme=theme)
    first = build(GOLDEN / "content", tmp_path / "site", config, jobs=1)
    again = build(GOLDEN / "content", tmp_path / "site", config, jobs=1)
    assert not (tmp_path / "site" / "search").exists()
    assert (again.written, again.unchanged) == (0, first.written)
    assert "plan" not in again.phases  # stopped after loading


def test_a_changed_listing_makes_only_its_pages_whose_key_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Listing.page_keys`` gives each page the key ``page_key`` gives the made page, so an edit
    makes only the listing pages that show the edited cable, not every page of its listings."""
    from generator import site

    content = _copy_small_corpus(tmp_path)
    config = Config(per_page=5)
    out = tmp_path / "out"
    made: list[str] = []
    expand = site.Listing.pages

    def spy(self, archive, rows, config, only=None, years=None):
        pages = list(expand(self, archive, rows, config, only, years))
        digests = {i: e.row_digest for i, e in rows.entries.items()}
        keys = dict(self.page_keys(b"fp", digests, site.per_year(self.ids, archive.year_of), config.per_page))
        for page in pages:
            assert keys[page.path] == site.page_key(b"fp", page, digests), page.path
        made.extend(p.path for p in pages)
        return iter(pages)

    monkeypatch.setattr(site.Listing, "pages", spy)
    build(content, out, config, jobs=1)
    every = len(made)
    made.clear()
    edited = sorted(content.iterdir())[3]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("SUBJECT:", "SUBJECT: EDITED FOR THE TEST", 1), encoding="utf-8")
    build(content, out, config, jobs=1)
    # one page of each listing that shows the cable: its tags, origin, classification, year, month
    assert 3 <= len(made) <= 12 < every, (made, every)
    assert all(p.startswith(("tag/", "origin/", "classification/", "date/")) for p in made), made
    clean = tmp_path / "clean"
    build(content, clean, config, jobs=1)
    assert tree(out) == tree(clean)


def test_an_edited_csv_parses_again_only_the_range_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big ``cables.csv`` is read in byte ranges, each a unit: after one row is edited in
    place, the other ranges are taken from the build record, neither parsed nor unpickled
    from the parse cache, and the output is a clean build's."""
    from generator import cache, csvranges, parse, record

    monkeypatch.setattr(csvranges, "CHUNK", 1500)
    content = tmp_path / "content"
    csv_path = small_csv(content)
    out = tmp_path / "out"
    build(content, out, Config(), jobs=1)
    assert len(csvranges.cut(csv_path)) >= 8

    edit_csv_subject(csv_path, 25)
    data = csv_path.read_bytes()
    edited = next((a, b) for a, b in csvranges.cut(csv_path) if a < data.index(b"SUBJECT: EDIT") < b)
    parsed, asked, loaded = [], [], []
    real_parse, real_present, real_load = parse.read_csv, cache.Cache.present, cache.Cache.load
    monkeypatch.setattr(parse, "read_csv", lambda *a: parsed.append(a[1]) or real_parse(*a))
    monkeypatch.setattr(cache.Cache, "present", lambda self, keys: asked.extend(keys) or real_present(self, keys))
    monkeypatch.setattr(cache.Cache, "load", lambda self, key: loaded.append(key) or real_load(self, key))
    readers, real_index = [], record.load_index
    monkeypatch.setattr(record, "load_index", lambda *a: readers.append(threading.current_thread().name)
                        or real_index(*a))
    result = build(content, out, Config(), jobs=1)
    assert readers == ["cablesite-read_0"]  # the saved index, read in a thread while the edit is read
    # the edited range only (in smaller ranges): looked for in the parse cache (not there), then parsed
    assert b"".join(parsed) == data[slice(*edited)], (parsed, edited)
    assert len(asked) == len(parsed) and loaded == [], (asked, loaded)
    assert 0 < result.written < 40
    # the thread that read the saved index meanwhile has ended (a server forks its next workers)
    assert not [t for t in threading.enumerate() if t.name == "cablesite-read_0"]
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    page = next(out.rglob("07USNATO25.html")).read_text(encoding="utf-8")
    assert "SUBJECT: EDIT" in page


def test_the_record_reads_back_and_one_it_cannot_trust_is_empty(tmp_path: Path) -> None:
    """The record (``record.MANIFEST``, marshal) reads back as written; a truncated one, one
    written by another Python version and the old pickle name all read as no record."""
    import marshal

    from generator import record

    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    cache = tmp_path / ".site.cache"
    cache.mkdir()
    (cache / "manifest.pickle").write_bytes(b"left by an older cablesite")
    build(content, out, Config(), jobs=1)
    assert not (cache / "manifest.pickle").exists()
    saved = record.read(cache)
    assert saved.pages and saved.files and saved.listings and saved.units
    again = tmp_path / "again"
    record.save(again, saved, {})
    assert record.read(again) == saved

    path = cache / record.MANIFEST
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert record.read(cache).pages == {}
    header, token, rest = marshal.loads(data)
    path.write_bytes(marshal.dumps(((*header[:2], (2, 7), *header[3:]), token, rest)))
    assert record.read(cache).pages == {}
    path.write_bytes(data)
    assert record.read(cache).pages == saved.pages


def test_an_edit_adds_to_the_records_journal_and_leaves_its_manifest(tmp_path: Path) -> None:
    """The record of an edit is written as a journal of the last MANIFEST (not the whole
    record again), and reads back as a clean build's record."""
    from generator import record

    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    build(content, out, Config(), jobs=1)
    cache = tmp_path / ".site.cache"
    manifest = (cache / record.MANIFEST).read_bytes()
    cable = sorted((content / "cables").rglob("*.txt"))[0]
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    assert build(content, out, Config(), jobs=1).written
    assert (cache / record.MANIFEST).read_bytes() == manifest and (cache / record.JOURNAL).is_file()
    assert not (cache / record.PENDING).exists()
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    mine, theirs = record.read(cache), record.read(tmp_path / ".clean.cache")
    assert (mine.files, mine.pages, mine.listings, mine.search_key) == \
        (theirs.files, theirs.pages, theirs.listings, theirs.search_key)
    assert build(content, out, Config(), jobs=1).written == 0  # the journal's record is trusted


def test_a_record_damaged_within_its_columns_costs_a_full_build_not_the_build(tmp_path: Path) -> None:
    """The record's files and cable pages are unpacked an entry at a time, during the build
    (``generator/table.py``): a value that cannot be unpacked makes the build start again
    without the record, and give a clean build's output."""
    import marshal

    from generator import record

    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(GOLDEN / "content", content)
    build(content, out, Config(), jobs=1)
    path = tmp_path / ".site.cache" / record.MANIFEST
    data = path.read_bytes()
    header, token, rest = marshal.loads(data)
    for name in ("files", "pages"):  # each value's type code made unknown, the lengths kept
        packed = rest[header[4].index(name)]
        blob, starts = packed[4], record_starts(packed[5])
        assert blob and data.count(blob) == 1
        data = data.replace(blob, bytes(b ^ 0x40 if i in starts else b for i, b in enumerate(blob)))
    path.write_bytes(data)
    assert record.read(tmp_path / ".site.cache").pages  # the damage is not seen until a value is read
    cable = sorted((content / "cables").rglob("*.txt"))[0]
    cable.write_text(cable.read_text(encoding="utf-8").replace("SUBJECT:", "SUBJECT: EDITED", 1), encoding="utf-8")
    build(content, out, Config(), jobs=1)
    clean = tmp_path / "clean"
    build(content, clean, Config(), jobs=1)
    assert tree(out) == tree(clean)
    assert build(content, out, Config(), jobs=1).written == 0  # the record written again is read


def record_starts(offsets: bytes) -> set[int]:
    """The positions where the values of a packed table's blob start."""
    from array import array

    table = array("q")
    table.frombytes(offsets)
    return set(table[:-1])


@pytest.mark.parametrize("window", [64 + 1, 97, 1 << 10, 1 << 16])
def test_csv_ranges_start_at_the_first_record_after_each_cut_whatever_the_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    """The ranges of a big ``cables.csv`` are read through small windows: a record's opening
    cut by a window's end is found in the next one (they overlap), so the ranges are those a
    reading of the whole file gives."""
    import re

    from generator import csvranges

    csv_path = small_csv(tmp_path, rows=60)
    data = csv_path.read_bytes()
    monkeypatch.setattr(csvranges, "CHUNK", 3000)
    monkeypatch.setattr(csvranges, "_WINDOW", window)
    expected, pos = [0], 3000
    while pos < len(data):
        m = re.compile(rb'\n"(\d+)","\d{1,2}/\d{1,2}/\d{4}').search(data, pos)
        if not m:
            break
        expected.append(m.start() + 1)
        pos = m.start() + 1 + 3000
    expected.append(len(data))
    assert csvranges.cut(csv_path) == list(zip(expected, expected[1:], strict=False))
    assert len(expected) > 8
