from __future__ import annotations

import pytest

from generator import paths


@pytest.mark.parametrize("name", ["../../etc/passwd", "CON", "a/b", "x" * 300, "", "<script>", "nul", "é"])
def test_safe_name_is_a_plain_bounded_file_name(name: str) -> None:
    safe = paths.safe_name(name)
    assert safe and len(safe) <= 90
    assert all(c.isalnum() and c.isascii() or c in "_-" for c in safe)
    assert safe.upper() not in {"CON", "NUL", "PRN", "AUX"}


def test_safe_name_keeps_safe_names_and_separates_changed_ones() -> None:
    assert paths.safe_name("07USNATO577") == "07USNATO577"
    assert paths.safe_name("ZANU-PF") == "ZANU-PF"
    assert paths.safe_name("a/b") != paths.safe_name("a_b")


def test_page_paths() -> None:
    assert paths.cable_page("07USNATO577", "2007-10-24 15:09") == "cable/2007/10/07USNATO577.html"
    assert paths.paged("tag/PREL", 1) == "tag/PREL.html"
    assert paths.paged("tag/PREL", 2) == "tag/PREL/2.html"
    assert paths.root_prefix("tag/PREL/2.html") == "../../"
    assert paths.root_prefix("index.html") == ""
    assert paths.origin_base("Embassy Port Au Prince") == "origin/embassy-port-au-prince"
    assert paths.month_label("2007-10") == "October 2007"
