"""No fault costs the keeper their site: SIGKILL at random moments, and a full disk.

*Kill points.* A corpus extract is built once; then, :data:`KILL_RUNS` times,
some cables change — small edits (the build patches ``output/`` through its
journal) alternating with a new site title (every page changes: a fresh tree
is swapped in) — and ``cablesite build`` is started in a subprocess and its
whole process group is killed with SIGKILL after a random delay. Right after
the kill ``output/`` must be the previous complete build, the new one, or (a
patch caught while applying its journal) a site whose links all resolve and
whose every file parses. Then the build is run to completion: it succeeds and
its output equals a clean build of the same content.

``PATCH_LIMIT`` is lowered in the subprocess (``-c`` wrapper) so that a
200-cable extract exercises both write modes in a few seconds per run.

*Full disk.* ``generator.write.write_file`` raises ``ENOSPC`` after N calls
(``--jobs 1``, in-process): the build says so in one line, exits 1 and leaves
``output/`` exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, need_corpus
from linkcheck import broken_links

from generator import write
from generator.build import build
from generator.cli import main
from generator.config import load_config

KILL_RUNS = 24
CABLES = 200
SEED = 20240607
WRAPPER = ("import sys; import generator.build as b; b.PATCH_LIMIT = 100; "
           "from generator.cli import main; sys.exit(main(sys.argv[1:]))")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def unreadable(root: Path) -> list[str]:
    """Files of the site that do not parse as what their suffix says."""
    bad = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
            if path.suffix == ".html":
                text = data.decode("utf-8")
                parser = HTMLParser()
                parser.feed(text)
                parser.close()
                if not text.rstrip().endswith("</html>"):
                    bad.append(f"{rel}: cut short")
            elif path.suffix == ".json":
                json.loads(data)
            elif path.suffix == ".xml":
                ET.fromstring(data)
            elif not data:
                bad.append(f"{rel}: empty")
        except (UnicodeDecodeError, ValueError, ET.ParseError) as exc:
            bad.append(f"{rel}: {exc}")
    return bad


def make_content(tmp_path: Path) -> Path:
    corpus = need_corpus()
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted((corpus / "cablegate-text").glob("09*.txt"))[:CABLES]:
        shutil.copy(path, content / path.name)
    # a copy of the theme: other work on themes/default must not change the pages between two builds
    shutil.copytree(REPO / "themes" / "default", tmp_path / "theme")
    (content / "cablesite.toml").write_text(config_text(0), encoding="utf-8")
    return content


def config_text(run: int) -> str:
    return f'title = "Archive {run}"\ntheme = "../theme"\n'


def change(content: Path, run: int, rnd: random.Random) -> str:
    """Change the content for the next build; return the write mode it should take."""
    if run % 2:
        (content / "cablesite.toml").write_text(config_text(run), encoding="utf-8")
        return "fresh"
    for path in rnd.sample(sorted(content.glob("*.txt")), 2):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("SUBJECT:", f"SUBJECT: EDIT {run}", 1), encoding="utf-8")
    return "patch"


def build_args(content: Path, output: Path) -> list[str]:
    return ["build", "--content", str(content), "--output", str(output), "--jobs", "2", "--quiet"]


def start(content: Path, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRAPPER, *build_args(content, output)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def clean_build(content: Path, target: Path) -> dict[str, bytes]:
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(target.parent / f".{target.name}.cache", ignore_errors=True)
    build(content, target, load_config(content / "cablesite.toml"), jobs=2)
    return tree(target)


@pytest.mark.slow
def test_sigkill_at_random_moments_never_breaks_output(tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    content = make_content(tmp_path)
    output = tmp_path / "output"
    first = subprocess.run([sys.executable, "-c", WRAPPER, *build_args(content, output)], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    previous = tree(output)
    assert broken_links(output) == []
    landed = {"previous": 0, "new": 0, "between": 0}
    modes = {"patch": 0, "fresh": 0}  # how each build after a kill wrote: patched, or a fresh tree swapped in
    took: dict[str, float] = {}  # seconds a whole build of each kind took
    for run in range(1, KILL_RUNS + 1):
        mode = change(content, run, rnd)
        expected = clean_build(content, tmp_path / "clean")
        inode = output.stat().st_ino
        started = time.monotonic()
        proc = start(content, output)
        # kill within the time such a build takes, so that most kills land while it runs
        delay = rnd.uniform(0.05, took.get(mode, 2.5))
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and its worker processes
        proc.wait(timeout=60)
        proc.stderr.close()
        state = tree(output)
        where = f"run {run} ({mode}), killed after {delay:.2f} s ({time.monotonic() - started:.2f} s)"
        if state == previous:
            landed["previous"] += 1
        elif state == expected:
            landed["new"] += 1
        else:
            landed["between"] += 1
            assert mode == "patch", f"{where}: a fresh build left a mixed output/"
            assert broken_links(output) == [], where
        assert unreadable(output) == [], where

        done_started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", WRAPPER, *build_args(content, output)], cwd=REPO,
                              capture_output=True, text=True, timeout=300)
        if state == previous:  # the completing build did the whole change: time it
            took[mode] = time.monotonic() - done_started
        assert done.returncode == 0, f"{where}: {done.stderr}"
        assert "Traceback" not in done.stderr
        assert tree(output) == expected, f"{where}: the build after the kill differs from a clean build"
        if state != expected:  # which way the completing build wrote: a fresh tree is a new folder
            modes["fresh" if output.stat().st_ino != inode else "patch"] += 1
        assert not write.staging_dir(output).exists()
        previous = expected
    print(f"\n{KILL_RUNS} kill points: output was the previous build {landed['previous']} times, the new one "
          f"{landed['new']} times, between (patch mid-journal) {landed['between']} times; "
          f"completed builds by mode: {modes}")
    assert landed["previous"] >= 3, landed
    assert modes["patch"] >= 3 and modes["fresh"] >= 3, modes


class DiskFull:
    """A writer (``write_file``, or ``_stage`` of the staging tree) that fails with ENOSPC after
    ``after`` calls that count (all but the manifest); ``shared`` shares another one's count."""

    def __init__(self, real, after: int, only_manifest: bool = False, shared: DiskFull | None = None,
                 named: bool = True) -> None:
        self.real, self.after, self.only_manifest, self.named = real, after, only_manifest, named
        self._count = shared._count if shared else [0]

    @property
    def calls(self) -> int:
        return self._count[0]

    def __call__(self, path: str | Path, data: bytes) -> None:
        if (os.path.basename(path) in ("manifest.marshal", "journal.marshal")) == self.only_manifest:
            self._count[0] += 1
            if self.calls > self.after:
                if not self.named:  # as a write() to an open file fails: no file name
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        self.real(path, data)


def run_cli(content: Path, output: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["build", "--content", str(content), "--output", str(output), "--jobs", "1"])
    return code, err.getvalue()


def small_content(tmp_path: Path) -> Path:
    from hostile_corpus import good_cables, key_lines, telegram

    content = tmp_path / "content"
    for rel, data in good_cables().items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_bytes(data)
    for n in range(4, 40):
        tel = telegram("ROME", n, subject=f"ITALY: CABLE {n}", tags="PREL ECON IT")
        (content / "good" / f"09ROME{n}.txt").write_text(key_lines(f"09ROME{n}", tel), encoding="utf-8")
    return content


def built_then_edited(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """:func:`small_content` built, then one of its cables edited: the content, the output and
    the output's files as the build left them."""
    content = small_content(tmp_path)
    output = tmp_path / "output"
    assert run_cli(content, output)[0] == 0
    before = tree(output)
    edited = content / "good" / "09ROME5.txt"
    edited.write_text(edited.read_text().replace("CABLE 5", "CABLE FIVE"), encoding="utf-8")
    return content, output, before


@pytest.mark.parametrize("after", [0, 1, 5, 10])
@pytest.mark.parametrize("mode", ["patch", "fresh"])
def test_full_disk_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str,
                                         after: int) -> None:
    content = small_content(tmp_path)
    output = tmp_path / "output"
    code, stderr = run_cli(content, output)
    assert code == 0, stderr
    before = tree(output)
    if mode == "patch":
        edited = content / "good" / "09ROME5.txt"
        edited.write_text(edited.read_text().replace("CABLE 5", "CABLE FIVE"), encoding="utf-8")
    else:  # a new title changes every page; without the manifest the build makes a fresh tree
        (content / "cablesite.toml").write_text('title = "Renamed archive"\n', encoding="utf-8")
        shutil.rmtree(tmp_path / ".output.cache")
    disk = DiskFull(write.write_file, after)
    stage = DiskFull(write._stage, after, shared=disk)
    monkeypatch.setattr(write, "write_file", disk)
    monkeypatch.setattr(write, "_stage", stage)
    code, stderr = run_cli(content, output)
    assert disk.calls > after, "the fault was never hit"
    assert code == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "output left as it was" in lines[0], stderr
    assert tree(output) == before
    assert not write.staging_dir(output).exists()
    monkeypatch.setattr(write, "write_file", disk.real)
    monkeypatch.setattr(write, "_stage", stage.real)
    code, stderr = run_cli(content, output)
    assert code == 0, stderr
    page = (output / "cable" / "2009" / "01" / "09ROME5.html").read_text()
    assert ("CABLE FIVE" in page) == (mode == "patch") and ("Renamed archive" in page) == (mode == "fresh")


def test_full_disk_in_a_write_that_names_no_file_says_so_in_one_line(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A write() to an open file that fails gives no file name: the line says what happened,
    without an empty name after it."""
    content, output, before = built_then_edited(tmp_path)
    monkeypatch.setattr(write, "write_file", DiskFull(write.write_file, 0, named=False))
    code, stderr = run_cli(content, output)
    assert code == 1
    assert stderr.strip() == "cablesite: error: No space left on device (output left as it was)"
    assert tree(output) == before


def test_full_disk_at_the_manifest_says_what_happened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content, output, before = built_then_edited(tmp_path)
    monkeypatch.setattr(write, "write_file", DiskFull(write.write_file, 0, only_manifest=True))
    code, stderr = run_cli(content, output)
    assert code == 1 and "No space left on device" in stderr
    assert (tree(output) == before) == ("output left as it was" in stderr), stderr


def test_a_first_build_failing_while_its_index_is_made_leaves_nothing(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build starts the search index before planning the pages, in a staging folder:
    a failure while planning leaves neither ``output/`` nor the staging folder, and the next
    build makes the whole site."""
    from generator import plan
    from generator.build import build
    from generator.config import Config
    from generator.write import staging_dir

    content, out = tmp_path / "content", tmp_path / "site"
    shutil.copytree(REPO / "tests" / "golden" / "content", content)

    def broken(*args: object) -> None:
        assert staging_dir(out).is_dir()  # the index is on its way there
        raise RuntimeError("planning failed")

    monkeypatch.setattr(plan, "pages", broken)
    with pytest.raises(RuntimeError, match="planning failed"):
        build(content, out, Config(), jobs=2)
    assert not out.exists() and not staging_dir(out).exists()
    monkeypatch.undo()
    result = build(content, out, Config(), jobs=2)
    assert (out / "search.html").is_file() and (out / "index.html").is_file() and result.written > 0


def test_a_second_build_of_the_same_output_waits_its_turn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """While a build writes an output folder, another build of it stops with one clear line
    and touches nothing (it would discard the first one's staging folder); a lock left by a
    killed build does not stop the next one."""
    content = make_content(tmp_path)
    output, cache = tmp_path / "out", tmp_path / ".out.cache"
    assert main(build_args(content, output)) == 0
    before = tree(output)
    (content / sorted(p.name for p in content.glob("*.txt"))[0]).write_text("edited", encoding="utf-8")
    with write.hold(output.resolve(), cache):  # as a running build holds it
        capsys.readouterr()
        assert main(build_args(content, output)) == 1
        err = capsys.readouterr().err
        assert f"another build is writing {output.resolve()}" in err and err.count("\n") == 1, err
        assert tree(output) == before and not (tmp_path / ".out.staging").exists()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from generator import write; h = write.hold(Path(sys.argv[1]), Path(sys.argv[2])); "
                               "h.__enter__(); print('held', flush=True); time.sleep(60)",
                               str(output.resolve()), str(cache)], cwd=REPO, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    assert main(build_args(content, output)) == 1
    holder.kill()
    holder.wait()
    assert main(build_args(content, output)) == 0 and tree(output) != before
