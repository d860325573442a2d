"""``cablesite import``: write cables of any input form into the editable form.

``cablesite import ../shared/corpus/cablegate-text --content content`` writes
``content/cables/2007/10/07USNATO577.md``: YAML front-matter, then the original
telegram (see :mod:`generator.parse.forms.frontmatter`). Existing files are kept
unless ``--force``; ids and dates are made safe before they become path parts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from .inspect import iter_files, read_path
from .model import ERROR, Cable
from .parse.forms.frontmatter import write_frontmatter

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def cable_file(content: Path, cable: Cable) -> Path:
    """``content/cables/YYYY/MM/<ID>.md`` (``undated`` when the cable has no date)."""
    name = _UNSAFE.sub("_", cable.id).strip("._-") or "unnamed"
    m = _YEAR_MONTH.match(cable.created)
    folder = content / "cables" / m.group(1) / m.group(2) if m else content / "cables" / "undated"
    return folder / f"{name[:100]}.md"


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def run_import(args: argparse.Namespace) -> int:
    """Write every cable of ``args.sources`` under ``args.content``; exit 1 on any error."""
    written = skipped = 0
    failed = False
    for path in iter_files(args.sources):
        cables, diags, _, _ = read_path(path)
        for d in diags:
            print(d, file=sys.stderr)
            failed = failed or d.severity == ERROR
        for cable in cables:
            target = cable_file(args.content, cable)
            if target.exists() and not args.force:
                print(f"{target}: exists, not overwritten (use --force)", file=sys.stderr)
                skipped += 1
                continue
            _write(target, write_frontmatter(cable))
            written += 1
    print(f"imported {written} cables into {args.content}" + (f", {skipped} kept" if skipped else ""))
    return 1 if failed or skipped else 0
