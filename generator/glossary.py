"""The glossary of TAGS codes, ``code -> (meaning, kind)``, from ``generator/data/tags.tsv``.

Its own module, outside ``parse/``: the build's main process needs the meanings for the tag
pages but none of the parsers, and importing the ``parse`` package (its regular expressions
compiled) took 0.1 s of every ``cablesite build``, an edit's included. The workers that
parse import it themselves.
"""

from __future__ import annotations

from pathlib import Path

GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "tags.tsv"


def _load_glossary(path: Path) -> dict[str, tuple[str, str]]:
    """``tag -> (meaning, kind)`` from the TSV (``#`` comment lines and the header skipped)."""
    out: dict[str, tuple[str, str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] == "tag":
            continue
        out[parts[0].strip().upper()] = (parts[1].strip(), parts[2].strip())
    return out


GLOSSARY: dict[str, tuple[str, str]] = _load_glossary(GLOSSARY_PATH)
"""Every code the project knows: ``code -> (meaning, kind)``; kind is subject, program, geo
or organization."""
