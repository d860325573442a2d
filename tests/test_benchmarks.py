"""The scale benchmark keeps working: synthetic archive, CSV, edits and the harness at a tiny N.

Not timed: CI runs the harness at N=200 with one run so that the command and its table
do not rot. The build part is skipped, saying why, while ``cablesite build`` cannot build.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, need_corpus

from benchmarks import edits, measure, synth
from benchmarks.run import main as run_main

N = 200
ID = re.compile(r"^\d\d[A-Z]+\d+$")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_corpus()
    out = tmp_path_factory.mktemp("synth") / "archive"
    synth.generate(N, out, seed=1, with_csv=True)
    return out


def _rows(archive: Path) -> list[list[str]]:
    with (archive / "csv" / "cables.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, escapechar="\\"))


def _text_files(archive: Path) -> list[Path]:
    return sorted((archive / "text").rglob("*.txt"))


def test_archive_has_n_unique_canonical_ids_matching_key_lines(archive: Path) -> None:
    files = _text_files(archive)
    ids = [p.stem for p in files]
    assert len(ids) == N and len(set(ids)) == N
    assert all(ID.match(i) for i in ids)
    for path in files[:: N // 20]:
        head = path.read_text(encoding="utf-8").split("\n", 5)
        assert head[0] == f"Identifier: {path.stem}"
        assert head[1].startswith("Created: 20" if path.stem[:2] < "50" else "Created: 19")
        assert head[1][11:13] == path.stem[:2]  # id year = created year
        assert head[4].startswith("Origin: ") and len(head[4]) > 9


def test_folders_hold_at_most_1000_files() -> None:
    need_corpus()
    assert synth.FOLDER_SIZE == 1000
    assert synth.text_path(Path("x"), 999, "A").parent.name == "000"
    assert synth.text_path(Path("x"), 1000, "A").parent.name == "001"


def test_about_a_quarter_of_ref_items_resolve_most_within_the_post(archive: Path) -> None:
    ids = {p.stem for p in _text_files(archive)}
    refs = [(row[2], r) for row in _rows(archive) for r in row[5].split("|") if r]
    assert len(refs) > N // 4
    inside = [(c, r) for c, r in refs if r in ids]
    assert 0.15 <= len(inside) / len(refs) <= 0.35
    station = re.compile(r"^\d\d([A-Z]+)\d+$")
    same = sum(station.match(c).group(1) == station.match(r).group(1) for c, r in inside)
    assert same / len(inside) > 0.5


def test_ref_block_in_text_names_the_resolving_ids(archive: Path) -> None:
    rows = {row[2]: row[5].split("|") for row in _rows(archive) if row[5]}
    checked = 0
    for path in _text_files(archive):
        if path.stem not in rows:
            continue
        text = path.read_text(encoding="utf-8")
        block = text[text.index("REF: ") :].split("\n\n", 1)[0]
        for ref in rows[path.stem]:
            yy, station, serial = re.match(r"^(\d\d)([A-Z]+)(\d+)$", ref).groups()
            assert f"{station} {serial}" in block
            if yy != path.stem[:2]:
                assert re.search(rf"(19|20){yy} {station} {serial}\b", block)
        checked += 1
    assert checked > N // 4


def test_csv_has_n_rows_in_the_release_layout(archive: Path) -> None:
    rows = _rows(archive)
    assert len(rows) == N
    assert all(len(r) == 8 for r in rows)
    assert [r[0] for r in rows] == [str(k) for k in range(1, N + 1)]
    assert {r[2] for r in rows} == {p.stem for p in _text_files(archive)}
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d", r[1]) for r in rows)
    raw = (archive / "csv" / "cables.csv").read_text(encoding="utf-8")
    assert raw.startswith('"1","')
    quoted = [r[7] for r in rows if '"' in r[7]]
    assert not quoted or '\\"' in raw  # quotes inside fields are backslash-escaped


def test_csv_body_is_the_text_files_body(archive: Path) -> None:
    row = _rows(archive)[N // 2]
    path = next(p for p in _text_files(archive) if p.stem == row[2])
    text = path.read_text(encoding="utf-8")
    assert row[7] in text and (not row[6] or row[6] in text)
    assert f"Origin: {row[3]}\n" in text and f"Classification: {row[4]}\n" in text


def test_generation_is_deterministic(archive: Path, tmp_path: Path) -> None:
    synth.generate(N, tmp_path / "again", seed=1, with_csv=False)
    assert (tmp_path / "again" / "manifest.tsv").read_bytes() == (archive / "manifest.tsv").read_bytes()


def test_subject_edit_is_same_length_and_restorable(archive: Path, tmp_path: Path) -> None:
    target = edits.choose(archive)
    csv_path = archive / "csv" / "cables.csv"
    at = edits.csv_subject_offset(csv_path, target.id)
    before = csv_path.read_bytes()
    assert before[at : at + 4] == target.original
    edits.patch(csv_path, at, b"E007")
    rows = _rows(archive)
    row = next(r for r in rows if r[2] == target.id)
    assert "SUBJECT:" in row[7] and "E007" in row[7].split("SUBJECT:", 1)[1][:12]
    size = edits.append_row(csv_path, edits.added_row(target, N + 1))
    assert [r[2] for r in _rows(archive)][-1] == target.new_id
    edits.truncate(csv_path, size)
    edits.patch(csv_path, at, target.original)
    assert csv_path.read_bytes() == before
    edits.insert(csv_path, at, edits.LONGER)
    assert csv_path.read_bytes() == before[:at] + edits.LONGER + before[at:]
    edits.remove(csv_path, at, len(edits.LONGER))
    assert csv_path.read_bytes() == before


def test_tree_rss_counts_children() -> None:
    code = "import subprocess,sys; b=bytearray(60<<20); subprocess.run([sys.executable,'-c','b=bytearray(60<<20); import time; time.sleep(0.6)'])"
    m = measure.run([sys.executable, "-c", code])
    assert m.returncode == 0
    assert m.peak_rss > 120 << 20  # both processes' 60 MiB, not the larger one alone


FAKE_BUILD = """import shutil, sys
from pathlib import Path
content, out = Path(sys.argv[1]), Path(sys.argv[2])
for src in sorted(content.rglob("*.*")):
    dst = out / src.relative_to(content).with_suffix(".html")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)
"""


def test_harness_prints_its_table_with_a_stand_in_build(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    need_corpus()
    fake = tmp_path / "fake_build.py"
    fake.write_text(FAKE_BUILD)
    code = run_main(["--sizes", str(N), "--runs", "1", "--work", str(tmp_path / "work"),
                     "--sources", "text", "--build-cmd", f"{sys.executable} {fake} {{content}} {{output}}"])
    out = capsys.readouterr().out
    assert code == 0
    assert "nproc" in out and "| N | source | step |" in out
    # the machine's speed at the start and at the end, to set the figures against
    assert re.search(r"^# speed gauge \d+ ms ", out, re.MULTILINE)
    assert re.search(r"^# at the end: load average [\d. ]+; speed gauge \d+ ms ", out, re.MULTILINE)
    lines = {line.split("|")[3].strip(): line.split("|") for line in out.splitlines() if line.startswith(f"| {N} ")}
    assert list(lines) == ["cold", "no-change", "edit", "longer", "add", "delete"]
    assert int(lines["cold"][8].replace(",", "")) == N  # files written
    assert int(lines["no-change"][8].replace(",", "")) == 0
    assert int(lines["edit"][8].replace(",", "")) == 1
    assert int(lines["longer"][8].replace(",", "")) == 1
    assert int(lines["add"][8].replace(",", "")) == 1


def test_alternate_puts_a_hugo_build_after_each_run(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``--alternate``: the stand-in builds and the stand-in Hugo take turns; each row has every run."""
    need_corpus()
    from benchmarks import hugo_site

    log = tmp_path / "order.log"
    fake = tmp_path / "fake_build.py"
    fake.write_text(FAKE_BUILD + f"open({str(log)!r}, 'a').write('build\\n')\n")
    fake_hugo = tmp_path / "fake_hugo.py"
    fake_hugo.write_text("import sys, pathlib\n"
                         "out = pathlib.Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)\n"
                         "(out / 'index.html').write_text('hugo')\n"
                         f"open({str(log)!r}, 'a').write('hugo\\n')\n")
    monkeypatch.setattr(hugo_site, "hugo_command", lambda site, public: [sys.executable, str(fake_hugo), str(public)])
    code = run_main(["--sizes", str(N), "--runs", "2", "--work", str(tmp_path / "work"), "--sources", "text",
                     "--hugo", "--alternate", "--build-cmd", f"{sys.executable} {fake} {{content}} {{output}}"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert log.read_text().split() == (["build"] * 6 + ["hugo"]) * 2
    runs = {(r[2].strip(), r[3].strip()): r[5].strip() for r in (line.split("|") for line in out.splitlines()
                                                                   if line.startswith(f"| {N} "))}
    assert runs == {**{("text", step): "2" for step in ("cold", "no-change", "edit", "longer", "add", "delete")},
                    ("hugo", "cold"): "2"}
    assert any(line.startswith(f"N={N:,}: cablesite text cold") for line in out.splitlines())


def test_trash_is_emptied_before_a_run_that_could_fill_the_disk(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Earlier runs' outputs wait in the trash (deleting them would slow the next cold build), but
    not when the disk could not hold one run more: a stand-in disk of 100 units, 30 a run."""
    need_corpus()
    import shutil as real_shutil

    from benchmarks import run as bench_run

    work = tmp_path / "work"
    place = work / str(N) / "build-text" / "output"

    def disk_usage(path: object) -> real_shutil._ntuple_diskusage:  # type: ignore[name-defined]
        trash = work / "trash"
        used = 30 * (len(list(trash.iterdir())) if trash.is_dir() else 0) + 30 * place.is_dir()
        return real_shutil._ntuple_diskusage(100, used, 100 - used)  # type: ignore[attr-defined]

    monkeypatch.setattr(bench_run.shutil, "disk_usage", disk_usage)
    fake = tmp_path / "fake_build.py"
    fake.write_text(FAKE_BUILD)
    code = run_main(["--sizes", str(N), "--runs", "3", "--work", str(work), "--sources", "text",
                     "--build-cmd", f"{sys.executable} {fake} {{content}} {{output}}"])
    out = capsys.readouterr().out
    assert code == 0, out
    notes = [line for line in out.splitlines() if line.startswith("# trash emptied")]
    # run 2 starts with 70 units free (enough for two runs), run 3 with 40: emptied then only
    assert notes == [f"# trash emptied before text run 3 of N = {N}: 0.0 GiB free, a run takes up to 0.0 GiB"]
    rows = {line.split("|")[3].strip(): line.split("|")[5].strip() for line in out.splitlines()
            if line.startswith(f"| {N} ")}
    assert rows["cold"] == "3"


def _build_available(tmp: Path) -> str:
    """Why the real build cannot be benchmarked yet ("" when it can): it must build content/."""
    probe = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(REPO / "content"),
         "--output", str(tmp / "probe"), "--quiet", "--jobs", "1"],
        capture_output=True, text=True, cwd=tmp,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return f"cablesite build cannot build content/ yet: {last}"
    return ""


def test_harness_runs_the_real_build(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    need_corpus()
    why = _build_available(tmp_path)
    if why:
        pytest.skip(why)
    code = run_main(["--sizes", str(N), "--runs", "1", "--work", str(tmp_path / "work"), "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [line.split("|") for line in out.splitlines() if line.startswith(f"| {N} ")]
    assert [(r[2].strip(), r[3].strip()) for r in rows] == [
        (s, step) for s in ("text", "csv") for step in ("cold", "no-change", "edit", "longer", "add", "delete")
    ]
    for r in rows:
        if r[3].strip() == "cold":
            assert int(r[9].replace(",", "")) >= N  # a page per cable at least
            assert int(r[11].replace(",", "")) <= 54000


def test_filecost_prints_ms_per_operation(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from benchmarks import filecost

    assert filecost.main(["--folder", str(tmp_path / "f"), "--n", "20"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "create a new file", "rewrite an existing file", "hard-link a file", "stat a file"]
    assert all(float(line.split()[-2]) > 0 for line in lines)
    assert not (tmp_path / "f").exists()


def test_pagecost_prints_ms_a_cable_for_each_piece(capsys: pytest.CaptureFixture) -> None:
    from benchmarks import pagecost

    assert pagecost.main(["--n", "20", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# ")
    figures = {line.split()[0]: float(line.split()[1]) for line in lines[1:]}
    assert list(figures) == ["parse", "csv", "csv-rows", "page", "blocks", "body", "telegram"]
    assert all(ms > 0 for ms in figures.values())
    assert figures["page"] > figures["telegram"] and figures["body"] > figures["blocks"]
    assert figures["csv"] > figures["csv-rows"]


def test_pagecost_times_the_same_cables_as_csv_rows() -> None:
    from benchmarks import pagecost
    from benchmarks.synth import source_files
    from generator import parse

    cables = [c for p in source_files()[:30] for c in parse.read(p.name, p.read_bytes())[0]]
    ranges = pagecost.csv_ranges(cables, size=7)
    assert len(ranges) == -(-len(cables) // 7) and cables
    again = [c for r in ranges for c in parse.read_csv("cables.csv", r)[0]]
    assert [(c.id, c.subject, c.tags) for c in again] == [(c.id, c.subject, c.tags) for c in cables]


def test_search_cost_compares_builds_with_and_without_the_index(capsys: pytest.CaptureFixture) -> None:
    from benchmarks import search_cost

    assert search_cost.main(["--content", str(REPO / "tests" / "golden" / "content"), "--runs", "2",
                             "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "| with search |" in out and "| without search |" in out
    assert "The index adds" in out
    runs = [line for line in out.splitlines() if line.startswith(("- with search:", "- without search:"))]
    assert len(runs) == 2 and all(line.count(" / ") == 4 for line in runs)  # two runs of each


def test_edit_time_builds_then_times_edits_and_puts_the_subject_back(archive: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    from benchmarks import edit_time

    work = tmp_path / "work"
    (work / str(N)).mkdir(parents=True)
    (work / str(N) / "archive").symlink_to(archive)
    target = edits.choose(archive)
    before = target.text_path.read_bytes()
    assert edit_time.main(["--n", str(N), "--work", str(work), "--output", str(tmp_path / "site"),
                           "--edits", "2", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cold build") and len(lines) == 3
    assert all(re.match(r"edit \d: [\d.]+ s, \d+ files written \(load ", line) for line in lines[1:]), lines
    assert target.text_path.read_bytes() == before
    page = next((tmp_path / "site").rglob(f"{target.id}.html")).read_text(encoding="utf-8")
    assert "E001" in page


def test_serve_time_times_edits_through_a_real_server(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import socket

    from benchmarks import serve_time

    need_corpus()
    why = _build_available(tmp_path)
    if why:
        pytest.skip(why)
    synth.generate(N, tmp_path / "work" / str(N) / "archive", seed=2, with_csv=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = edits.choose(tmp_path / "work" / str(N) / "archive")
    before = target.text_path.read_bytes()
    code = serve_time.main(["--n", str(N), "--work", str(tmp_path / "work"), "--output", str(tmp_path / "out"),
                            "--edits", "2", "--pause", "0.5", "--port", str(port)])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("serving after ")
    assert [line.split(":")[0] for line in lines[1:]] == ["edit 1", "edit 2"]
    assert all("from the write to: rebuilt in" in line for line in lines[1:]), out
    assert target.text_path.read_bytes() == before  # the subject is put back
    page = next((tmp_path / "out").rglob(f"{target.id}.html")).read_text(encoding="utf-8")
    assert "S001" not in page  # the server rebuilt the subject put back before it stopped


def test_snapshot_is_a_byte_compiled_copy_of_the_code(tmp_path: Path) -> None:
    """The frozen copy the benchmark times holds each module's bytecode, as an installed package
    does, even where Python is told not to write it (each build would compile them again)."""
    from benchmarks.run import snapshot

    code, described = snapshot(tmp_path)
    assert described
    modules = sorted(p.relative_to(code) for p in (code / "generator").rglob("*.py"))
    assert Path("generator/build.py") in modules and (code / "themes" / "default" / "templates").is_dir()
    compiled = {p.parent.parent / p.name.split(".")[0] for p in (code / "generator").rglob("__pycache__/*.pyc")}
    assert {code / m.with_suffix("") for m in modules} <= compiled
