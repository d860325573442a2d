"""Atomic output: staging, swap, patch journal, recovery, and path safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import write


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("rel", ["../x.html", "/etc/passwd", "a/../../b", "a//b", "", "a\\b", "./a", "a/\0"])
def test_safe_join_refuses_escapes(tmp_path: Path, rel: str) -> None:
    with pytest.raises(write.UnsafePath):
        write.safe_join(tmp_path, rel)


@pytest.mark.parametrize("rel", ["../x.html", "/etc/passwd", "a/../../b", "a//b", "", "a\\b", "./a", "a/\0"])
def test_put_refuses_escapes(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "output"
    write.begin(out)
    with pytest.raises(write.UnsafePath):
        write.put(out, "fresh", rel, b"x")
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".output.staging"]


def test_link_makes_the_folder_keeps_an_existing_link_and_says_when_the_source_is_gone(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(b"A")
    write.link(tmp_path / "a.html", tmp_path / "new" / "deep" / "a.html")  # folders made
    assert (tmp_path / "new" / "deep" / "a.html").stat().st_ino == (tmp_path / "a.html").stat().st_ino
    write.link(str(tmp_path / "a.html"), str(tmp_path / "new" / "deep" / "a.html"))  # already there
    with pytest.raises(FileNotFoundError):
        write.link(tmp_path / "gone.html", tmp_path / "new" / "gone.html")
    with pytest.raises(FileNotFoundError):
        write.link(tmp_path / "gone.html", tmp_path / "other" / "gone.html")


def test_link_is_not_misled_by_a_folder_another_worker_makes_meanwhile(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The race that once failed a build: the folder is missing when the link is tried, and
    another worker makes it before the failure is looked into. The source is there: linked."""
    (tmp_path / "a.html").write_bytes(b"A")
    real, calls = write._link_or_copy, []

    def racing(source: object, target: str | Path) -> None:
        calls.append(target)
        if len(calls) == 1:
            Path(target).parent.mkdir()  # the other worker
            raise FileNotFoundError(2, "No such file or directory", str(target))
        real(source, target)

    monkeypatch.setattr(write, "_link_or_copy", racing)
    write.link(tmp_path / "a.html", tmp_path / "tag" / "a.html")
    assert (tmp_path / "tag" / "a.html").read_bytes() == b"A" and len(calls) == 2


def test_fresh_build_then_swap_keeps_unchanged_inode(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write.begin(out)
    write.put(out, "fresh", "a.html", b"A")
    write.put(out, "fresh", "d/b.html", b"B")
    write.commit_fresh(out, [])
    assert tree(out) == {"a.html": b"A", "d/b.html": b"B"}
    inode = (out / "a.html").stat().st_ino
    write.begin(out)
    assert write.put(out, "fresh", "a.html", b"A") is False  # same bytes: linked, not rewritten
    assert write.put(out, "fresh", "c.html", b"C") is True
    write.commit_fresh(out, [])
    assert tree(out) == {"a.html": b"A", "c.html": b"C"}  # d/b.html was not planned: gone
    assert (out / "a.html").stat().st_ino == inode
    assert not write.staging_dir(out).exists()


def test_patch_applies_moves_and_deletions(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write.begin(out)
    for rel in ("a.html", "x/b.html", "x/c.html"):
        write.put(out, "fresh", rel, rel.encode())
    write.commit_fresh(out, [])
    write.begin(out)
    assert write.put(out, "patch", "a.html", b"a.html") is False
    assert write.put(out, "patch", "x/b.html", b"new") is True
    write.commit_patch(out, ["x/b.html"], ["x/c.html"])
    assert tree(out) == {"a.html": b"a.html", "x/b.html": b"new"}


def test_interrupted_patch_is_rolled_forward(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write.begin(out)
    write.put(out, "fresh", "a.html", b"old")
    write.put(out, "fresh", "gone.html", b"x")
    write.commit_fresh(out, [])
    # A build that staged its files and wrote its journal, then was killed before applying.
    write.begin(out)
    write.put(out, "patch", "a.html", b"new")
    journal = write.staging_dir(out) / write.JOURNAL
    journal.write_text("M a.html\nD gone.html\nEND\n")
    assert "finished" in write.recover(out)
    assert tree(out) == {"a.html": b"new"}


def test_interrupted_staging_without_journal_is_discarded(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write.begin(out)
    write.put(out, "fresh", "a.html", b"old")
    write.commit_fresh(out, [])
    write.begin(out)
    write.put(out, "patch", "a.html", b"half")
    (write.staging_dir(out) / write.JOURNAL).write_text("M a.html\n")  # no END: incomplete
    assert write.recover(out) == "discarded an interrupted build"
    assert tree(out) == {"a.html": b"old"}
    assert not write.staging_dir(out).exists()
