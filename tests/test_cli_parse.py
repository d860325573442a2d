"""``cablesite parse``, ``check`` and ``import`` through main(argv) and one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, need_corpus

from generator.cli import main
from generator.model import FRONT_MATTER_FIELDS

SEED_ID = "07USNATO577"


def test_parse_json_prints_fields_in_order_then_body(capsys: pytest.CaptureFixture[str]) -> None:
    seed = need_corpus() / "seed" / "07USNATO577.txt"
    assert main(["parse", str(seed), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert list(obj) == [*FRONT_MATTER_FIELDS, "body"]
    assert obj["id"] == SEED_ID and obj["origin"] == "Mission USNATO"
    assert obj["references"][0] == {"letter": "A", "text": "USNATO 263", "id": "07USNATO263"}
    assert obj["body"].startswith("C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577")


def test_parse_folder_recursively_and_bad_file_to_stderr(tmp_path: Path, capsys) -> None:
    corpus = need_corpus()
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "07ACCRA2140.txt").write_bytes((corpus / "cablegate-text/07ACCRA2140.txt").read_bytes())
    (tmp_path / "a" / "07USNATO577.txt").write_bytes((corpus / "seed/07USNATO577.txt").read_bytes())
    (tmp_path / "junk.html").write_text("<html><body>hello</body></html>")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert main(["parse", str(tmp_path), "--no-body"]) == 1
    out, err = capsys.readouterr()
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert sorted(ids) == ["07ACCRA2140", SEED_ID]
    assert all("body" not in json.loads(line) for line in out.splitlines())
    assert f"{tmp_path / 'junk.html'}:0: error: not a cable" in err
    assert "image.png" not in err


def test_check_prints_diagnostics_and_table(tmp_path: Path, capsys) -> None:
    corpus = need_corpus()
    for name in ("07ACCRA2140", "09SECTION01OF03SANJOSE525", "07USNATO577"):
        src = corpus / "cablegate-text" / f"{name}.txt"
        if src.exists():
            (tmp_path / src.name).write_bytes(src.read_bytes())
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "09SECTION01OF03SANJOSE525.txt:0: warning: malformed cable id" in out
    table = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert table["cables"].split()[1] == "2"
    assert "REF items" in table and "speed, one core" in table
    assert main(["check", "--strict", str(tmp_path)]) == 1
    capsys.readouterr()
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["check", "--quiet", str(tmp_path)]) == 1
    assert "error" not in capsys.readouterr().out.split("cables")[0]


def test_check_reads_what_the_build_reads(tmp_path: Path, capsys) -> None:
    """``cablesite check`` on the content folder reads the cables ``cablesite build`` reads: not
    the editorial pages, a README, editor backups or hidden folders (each of which it once
    parsed, and reported as broken cables)."""
    from generator.build import build
    from generator.config import Config

    content = tmp_path / "content"
    (content / "cables").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / ".git").mkdir()
    seed = (REPO / "content" / "cables").glob("*")
    for src in seed:
        (content / "cables" / src.name).write_bytes(src.read_bytes())
        (content / "cables" / f"{src.name}~").write_bytes(src.read_bytes())
        (content / ".git" / src.name).write_bytes(src.read_bytes())
    for page in (REPO / "content" / "pages").glob("*.md"):
        (content / "pages" / page.name).write_bytes(page.read_bytes())
    (content / "README.md").write_text("# My archive\n\nNotes, not a cable.\n")
    (content / "cables" / "broken.txt").write_text("not a cable at all")
    assert main(["check", str(content)]) == 1  # broken.txt: an error, as in the build
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if ": error:" in line or ": warning:" in line]
    assert errors == [f"{content / 'cables' / 'broken.txt'}:0: error: not a cable: no cable metadata, "
                      "routing header or classification banner"]
    table = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    result = build(content, tmp_path / "out", Config())
    assert table["cables"].split()[1] == str(result.cables) == "1"
    assert [d.path for d in result.diagnostics if d.severity == "error"] == ["cables/broken.txt"]


def test_import_writes_front_matter_files_and_keeps_existing(tmp_path: Path, capsys) -> None:
    seed = need_corpus() / "seed" / "07USNATO577.txt"
    content = tmp_path / "content"
    assert main(["import", str(seed), "--content", str(content)]) == 0
    target = content / "cables" / "2007" / "10" / "07USNATO577.md"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("---\nid: 07USNATO577\n")
    assert "\n---\nVZCZCXRO8195\n" in text
    target.write_text(text.replace("subject: 'NRC:", "subject: 'EDITED NRC:"), encoding="utf-8")
    assert main(["import", str(seed), "--content", str(content)]) == 1
    assert "EDITED NRC" in target.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["parse", str(target)]) == 0
    assert json.loads(capsys.readouterr().out)["subject"].startswith("EDITED NRC:")
    assert main(["import", str(seed), "--content", str(content), "--force"]) == 0
    assert "EDITED" not in target.read_text(encoding="utf-8")


def test_console_script_in_a_subprocess() -> None:
    seed = need_corpus() / "seed" / "07USNATO577.txt"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "parse", str(seed), "--no-body"],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tags"] == ["NATO", "PREL", "MARR", "RU"]


def test_the_program_says_everything_before_it_exits(tmp_path: Path) -> None:
    """``cablesite`` ends its process at once after a build (``cli.entry``, ``os._exit``),
    without freeing what the build holds: what it printed is all there, and its exit status
    is the build's, through a pipe as at a terminal. (No corpus needed: the default site.)"""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell has it
    out = tmp_path / "out"
    args = [sys.executable, "-m", "generator", "build", "--content", str(REPO / "content"), "--output", str(out)]
    done = subprocess.run([*args, "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1].startswith("cablesite: 1 cables, ") and (out / "index.html").is_file()
    failed = subprocess.run([*args[:5], str(tmp_path / "missing"), *args[6:]], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=env)
    assert failed.returncode == 1 and failed.stderr.startswith("cablesite: error: content folder not found")
    # the report of a strict build with a warning, its status 1
    content = tmp_path / "content"
    content.mkdir()
    (content / "07USNATO577.txt").write_bytes(next((REPO / "content" / "cables").iterdir()).read_bytes())
    (content / "bad.txt").write_text("not a cable", encoding="utf-8")
    strict = subprocess.run([*args[:5], str(content), *args[6:], "--strict"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=env)
    assert strict.returncode == 1 and "bad.txt:0: error" in strict.stderr
    assert strict.stderr.splitlines()[-2].startswith("cablesite: 1 cables, ")
    assert strict.stderr.splitlines()[-1].startswith("cablesite: --strict: the build stopped on 0 warnings and 1 errors")
    # what a command writes to a pipe, block-buffered, is flushed before the process ends
    parsed = subprocess.run([sys.executable, "-m", "generator", "parse", "--no-body", str(content / "07USNATO577.txt")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert parsed.returncode == 0 and json.loads(parsed.stdout)["id"] == "07USNATO577"
