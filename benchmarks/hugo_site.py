"""Turn a synthetic archive (``benchmarks.synth``) into content for the minimal Hugo site.

Reads ``DIR/manifest.tsv`` and ``DIR/text/NNN/<ID>.txt`` and writes
``SITE/content/cables/NNN/<ID>.md``: YAML front matter (title from the ``SUBJECT:`` line,
date, tags from the ``TAGS`` line, origin, classification, refs with the content path of
each REF id) and the cable text in a fenced block. A real line it reads::

    TAGS: NATO, PREL, MARR, RU          -> tags: ["NATO", "PREL", "MARR", "RU"]
    SUBJECT: NRC: RUSSIANS ILL-PREPARED -> title: "NRC: RUSSIANS ILL-PREPARED"

The layouts and ``config.toml`` are in ``benchmarks/hugo/``; :func:`hugo_command` is the
command line the harness times. ``python -m benchmarks.hugo_site DIR SITE``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from .synth import FOLDER_SIZE, key_lines

HUGO_DIR = Path(__file__).resolve().parent / "hugo"
_SUBJECT = re.compile(r"^\s*SUBJECT\s*:?\s*(.+)$", re.MULTILINE)
_TAGS = re.compile(r"^\s*TAGS\s*:?\s*(.+)$", re.MULTILINE)
_MARKING = re.compile(r"^\((?:[A-Z/]{1,6})\)\s*")


def manifest(archive: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(position, id, ref ids) of each cable in the order synth wrote them."""
    with (archive / "manifest.tsv").open(encoding="utf-8") as f:
        for k, line in enumerate(f):
            fields = line.rstrip("\n").split("\t")
            refs = [r for r in fields[3].split("|") if r] if len(fields) > 3 else []
            yield k, fields[0], refs


def subject(text: str) -> str:
    m = _SUBJECT.search(text)
    return _MARKING.sub("", m.group(1).strip()) if m else ""


def tags(text: str) -> list[str]:
    m = _TAGS.search(text)
    if not m:
        return []
    return [t for t in re.split(r"[\s,;]+", m.group(1).strip()) if re.fullmatch(r"[A-Z][A-Z0-9-]{1,10}", t)]


def page(cable_id: str, text: str, ref_paths: list[tuple[str, str]]) -> str:
    """The Hugo content file of one cable."""
    keys, rest = key_lines(text)
    created = keys.get("Created", "2000-01-01 00:00")
    front = {
        "title": subject(text) or cable_id,
        "date": f"{created[:10]}T{created[11:16]}:00Z",
        "cable_id": cable_id,
        "tags": tags(text),
        "origins": [keys.get("Origin", "")],
        "classifications": [keys.get("Classification", "")],
        "refs": [{"id": i, "path": p} for i, p in ref_paths],
    }
    # JSON is valid YAML; one object a line keeps front matter cheap to write and to read.
    lines = ["---"] + [f"{k}: {json.dumps(v)}" for k, v in front.items()] + ["---", "", "````"]
    return "\n".join(lines) + "\n" + rest.replace("````", "'''") + "\n````\n"


def convert(archive: Path, site: Path) -> int:
    """Write the Hugo content for every cable of ``archive``; returns the number of pages."""
    rows = list(manifest(archive))
    where = {cable_id: k for k, cable_id, _ in rows}
    content = site / "content" / "cables"
    for k, cable_id, refs in rows:
        folder = f"{k // FOLDER_SIZE:03d}"
        if k % FOLDER_SIZE == 0:
            (content / folder).mkdir(parents=True, exist_ok=True)
        text = (archive / "text" / folder / f"{cable_id}.txt").read_text(encoding="utf-8")
        paths = [
            (r, f"/cables/{where[r] // FOLDER_SIZE:03d}/{r}" if r in where else f"/cables/{r}")
            for r in refs
        ]
        (content / folder / f"{cable_id}.md").write_text(page(cable_id, text, paths), encoding="utf-8")
    (site / "content" / "_index.md").write_text("---\ntitle: Cables\n---\n", encoding="utf-8")
    return len(rows)


def hugo_command(site: Path, public: Path, hugo: str = "hugo") -> list[str]:
    """The timed command: the site's content with the benchmark's config and layouts."""
    return [
        hugo, "--quiet", "--source", str(site), "--config", str(HUGO_DIR / "config.toml"),
        "--layoutDir", str(HUGO_DIR / "layouts"), "--destination", str(public),
        "--cacheDir", str(site / "cache"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.hugo_site ARCHIVE SITE", file=sys.stderr)
        return 2
    n = convert(Path(args[0]), Path(args[1]))
    print(f"hugo_site: {n:,} pages in {args[1]}/content")
    return 0


if __name__ == "__main__":
    sys.exit(main())
