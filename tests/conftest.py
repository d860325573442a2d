"""Shared test fixtures: where the real corpus lies, and how to skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
REFERENCE = REPO.parent / "shared" / "reference"


def need_corpus() -> Path:
    """The corpus folder; skip the test (fail in CI) when it is absent."""
    if not (CORPUS / "cablegate-text").is_dir():
        msg = f"the real corpus is not at {CORPUS} (it lies in ../shared beside the clone)"
        if os.environ.get("CABLESITE_REQUIRE_CORPUS"):
            pytest.fail(msg)
        pytest.skip(msg)
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return need_corpus()


def small_csv(folder: Path, rows: int = 40) -> Path:
    """``folder/cables.csv``: ``rows`` copies of the fixture's row of 07USNATO577 as ids
    07USNATO1, 07USNATO2...; with a small ``csvranges.CHUNK``, a CSV of many ranges."""
    row = (REPO / "tests" / "fixtures" / "forms" / "csv-broken.csv").read_text(encoding="utf-8").split('\n"2"')[0]
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "cables.csv"
    csv_path.write_text("\n".join(row.replace('"1",', f'"{n}",', 1).replace("USNATO577", f"USNATO{n}")
                                  for n in range(1, rows + 1)) + "\n", encoding="utf-8")
    return csv_path


def edit_csv_subject(csv_path: Path, row: int) -> None:
    """The first four characters of row ``row``'s subject become ``EDIT``, in place."""
    data = csv_path.read_bytes()
    at = data.index(b"SUBJECT:", data.index(f'\n"{row}","'.encode())) + len(b"SUBJECT: ")
    csv_path.write_bytes(data[:at] + b"EDIT" + data[at + 4 :])
