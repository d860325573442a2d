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
