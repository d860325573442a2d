"""A deterministic synthetic archive of N cables made from the real ones, for the scale benchmark.

Each synthetic cable reuses the text of a real cable of the corpus's text form
(``../shared/corpus/cablegate-text``, else the cables in ``content/``), so sizes, posts and
years follow the real release as the corpus samples it. Input, as in ``07USNATO115.txt``::

    Identifier: 07USNATO115
    Created: 2007-02-23 16:04
    Released: 2011-01-21 21:09
    Classification: SECRET//NOFORN
    Origin: Mission USNATO

    VZCZCXRO6288            <- routing header, then a blank line, then the body
    ...
    REF: A. USNATO 274 B. USNATO 275

What changes: a new unique canonical id (same post and year as the real cable, a serial
unique to that post and year, increasing with the date), a new day and time in the same
month, the five key lines rewritten to match, and the ``REF:`` block rewritten with the
same number of items, one a line (``REF: A. USNATO 263`` / ``B. 2006 MOSCOW 14734``), of
which about a quarter name another cable of the synthetic archive (four in five of those
from the same post). Output of ``python -m benchmarks.synth --n 10000 --out DIR [--csv]``::

    DIR/text/NNN/<ID>.txt   one cable a file, at most 1,000 files a folder, oldest first
    DIR/csv/cables.csv      (--csv) the release's layout: 8 quoted columns, \\" escapes
    DIR/manifest.tsv        id, created, origin, ref ids (pipe-separated), 1 if REF resolves

Texts are written as they are made; only the plan (a few small fields a cable) is kept.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FOLDER_SIZE = 1000
RESOLVE_SHARE = 0.26
"""Chance that a REF item names a cable of the archive (a few first cables have none to name)."""
SAME_POST_SHARE = 0.8
NEIGHBOURS = 60
"""A resolving reference of the same post names one of this many earlier cables of the post."""
PARTIAL_MARK = "This record is a partial extract"

_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
_REF_START = re.compile(r"^[ \t]*REFS?\b[ \t]*[:.]?", re.MULTILINE)
_REF_STOP = re.compile(r"\n[ \t]*\n|classified by|\n[ \t]*¶?1\.", re.IGNORECASE)
_REF_ITEM = re.compile(r"(?:^|[\s¶(])[A-H][.)][ \t]")


@dataclass(frozen=True, slots=True)
class Template:
    """A real cable cut where the synthetic one differs from it."""

    station: str
    year: int
    month: int
    released: str
    classification: str
    origin: str
    head: str
    """Text after the key lines, up to the REF block (all of it when there is none)."""
    tail: str
    """Text after the REF block."""
    ref_items: int
    """Items of the REF block, 0 when there is none."""


@dataclass(slots=True)
class Planned:
    """One synthetic cable before its text is written."""

    template: int
    created: str
    station: str
    serial: int = 0
    refs: tuple[str, ...] = ()
    resolved: tuple[bool, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.created[2:4]}{self.station}{self.serial}"


def key_lines(text: str) -> tuple[dict[str, str], str]:
    """The key lines of the text form (or the seed's label block) and the text after them."""
    lines = text.split("\n")
    keys: dict[str, str] = {}
    if lines and lines[0].startswith("Identifier:"):
        i = 0
        while i < len(lines) and ":" in lines[i] and lines[i].strip():
            name, _, value = lines[i].partition(":")
            keys[name.strip()] = value.strip()
            i += 1
        return keys, "\n".join(lines[i + 1 :])
    if lines and lines[0].strip() == "Identifier":
        labels = [s.strip() for s in lines[:4]]
        keys = dict(zip(labels, (s.strip() for s in lines[4:8]), strict=False))
        return keys, "\n".join(lines[8:])
    return keys, text


def make_template(text: str) -> Template | None:
    """Cut one real cable; None when its id or date cannot be reused."""
    keys, rest = key_lines(text)
    m = _ID.match(keys.get("Identifier", ""))
    created = keys.get("Created", "")
    if not m or not re.match(r"^\d{4}-\d\d-\d\d", created):
        return None
    head, tail, items = rest, "", 0
    start = _REF_START.search(rest)
    if start:
        stop = _REF_STOP.search(rest, start.end())
        end = stop.start() if stop else min(len(rest), start.end() + 200)
        block = rest[start.end() : end]
        items = min(8, max(1, len(_REF_ITEM.findall(block))))
        head, tail = rest[: start.start()], rest[end:]
    return Template(
        station=m.group(2),
        year=int(created[:4]),
        month=int(created[5:7]),
        released=keys.get("Released", ""),
        classification=keys.get("Classification", ""),
        origin=keys.get("Origin", ""),
        head=head,
        tail=tail,
        ref_items=items,
    )


def source_files(corpus: Path = CORPUS) -> list[Path]:
    """The real cables to copy from, sorted: the corpus's text form, else ``content/``."""
    folder = corpus / "cablegate-text"
    if folder.is_dir():
        return sorted(folder.glob("*.txt"))
    return sorted(p for p in (REPO / "content").rglob("*.txt") if "pages" not in p.parts)


def load_templates(files: list[Path]) -> list[Template]:
    out = []
    for path in files:
        t = make_template(path.read_text(encoding="utf-8", errors="replace"))
        if t is not None:
            out.append(t)
    return out


def plan(n: int, templates: list[Template], seed: int) -> list[Planned]:
    """N cables in date order with unique ids and their REF targets (ids, not texts)."""
    rng = random.Random(seed)
    cables = []
    for _ in range(n):
        k = rng.randrange(len(templates))
        t = templates[k]
        day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
        created = f"{t.year:04d}-{t.month:02d}-{day:02d} {hour:02d}:{minute:02d}"
        cables.append(Planned(template=k, created=created, station=t.station))
    cables.sort(key=lambda c: (c.created, c.station, c.template))
    last: dict[tuple[str, str], int] = {}
    by_post: dict[str, list[int]] = {}
    for i, c in enumerate(cables):
        key = (c.created[:4], c.station)
        c.serial = last.get(key, rng.randint(0, 300)) + rng.randint(1, 25)
        last[key] = c.serial
        by_post.setdefault(c.station, []).append(i)
    ids = {c.id for c in cables}
    stations = sorted(by_post) + ["STATE"]
    position = {i: q for post in by_post.values() for q, i in enumerate(post)}
    for i, c in enumerate(cables):
        items = templates[c.template].ref_items
        refs, resolved = [], []
        for _ in range(items):
            target = None
            if rng.random() < RESOLVE_SHARE:
                post, q = by_post[c.station], position[i]
                if q > 0 and rng.random() < SAME_POST_SHARE:
                    target = post[rng.randrange(max(0, q - NEIGHBOURS), q)]
                elif i > 0:
                    target = rng.randrange(i)
            if target is not None:
                refs.append(cables[target].id)
                resolved.append(True)
            else:
                refs.append(_outside(rng, c.created[2:4], stations, ids))
                resolved.append(False)
        c.refs, c.resolved = tuple(refs), tuple(resolved)
    return cables


def _outside(rng: random.Random, yy: str, stations: list[str], ids: set[str]) -> str:
    """An id of the citing cable's year that no cable of the archive has."""
    while True:
        ref = f"{yy}{rng.choice(stations)}{rng.randint(1, 99999)}"
        if ref not in ids:
            return ref


def ref_text(ref_id: str, citing_year: str) -> str:
    """``USNATO 263`` for the citing cable's year, ``2006 MOSCOW 14734`` for another."""
    m = _ID.match(ref_id)
    assert m, ref_id
    yy, station, serial = m.groups()
    if yy == citing_year[2:4]:
        return f"{station} {serial}"
    century = "19" if int(yy) > 50 else "20"
    return f"{century}{yy} {station} {serial}"


def ref_block(refs: tuple[str, ...], year: str) -> str:
    if len(refs) == 1:
        return f"REF: {ref_text(refs[0], year)}\n"
    letters = "ABCDEFGH"
    lines = [f"{letters[k]}. {ref_text(r, year)}" for k, r in enumerate(refs)]
    return "REF: " + "\n     ".join(lines) + "\n"


def cable_text(c: Planned, t: Template) -> str:
    """The synthetic cable in the corpus's text form."""
    keys = (
        f"Identifier: {c.id}\nCreated: {c.created}\nReleased: {t.released}\n"
        f"Classification: {t.classification}\nOrigin: {t.origin}\n\n"
    )
    if not c.refs:
        return keys + t.head
    block = ref_block(c.refs, c.created[:4])
    if t.tail.startswith("\n"):
        block = block[:-1]
    return keys + t.head + block + t.tail


def split_header(rest: str) -> tuple[str, str]:
    """(routing header, body) of the text after the key lines; no header for partial extracts."""
    if rest.lstrip().startswith(PARTIAL_MARK):
        return "", rest
    header, sep, body = rest.partition("\n\n")
    return (header, body) if sep else ("", rest)


def csv_created(created: str) -> str:
    """``2007-02-03 09:05`` as the release writes it: ``2/3/2007 9:05``."""
    y, mo, d = created[:10].split("-")
    h, mi = created[11:16].split(":")
    return f"{int(mo)}/{int(d)}/{y} {int(h)}:{mi}"


def csv_row(number: int, c: Planned, t: Template) -> list[str]:
    text = cable_text(c, t)
    header, body = split_header(text.split("\n\n", 1)[1])
    return [str(number), csv_created(c.created), c.id, t.origin, t.classification, "|".join(c.refs), header, body]


def csv_writer(f):
    """The release's dialect: every field quoted, quotes escaped with a backslash."""
    return csv.writer(f, quoting=csv.QUOTE_ALL, doublequote=False, escapechar="\\", lineterminator="\n")


def text_path(out: Path, k: int, cable_id: str) -> Path:
    return out / "text" / f"{k // FOLDER_SIZE:03d}" / f"{cable_id}.txt"


def generate(n: int, out: Path, seed: int = 1, with_csv: bool = False, corpus: Path = CORPUS) -> list[Planned]:
    """Write the archive under ``out``; returns the plan (ids and references)."""
    templates = load_templates(source_files(corpus))
    if not templates:
        raise SystemExit(f"no real cables to copy from in {corpus} or {REPO / 'content'}")
    cables = plan(n, templates, seed)
    out.mkdir(parents=True, exist_ok=True)
    csv_file = None
    if with_csv:
        (out / "csv").mkdir(exist_ok=True)
        csv_file = (out / "csv" / "cables.csv").open("w", encoding="utf-8", newline="")
    writer = csv_writer(csv_file) if csv_file else None
    try:
        with (out / "manifest.tsv").open("w", encoding="utf-8") as manifest:
            for k, c in enumerate(_progress(cables)):
                t = templates[c.template]
                path = text_path(out, k, c.id)
                if k % FOLDER_SIZE == 0:
                    path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(cable_text(c, t), encoding="utf-8")
                if writer:
                    writer.writerow(csv_row(k + 1, c, t))
                flags = "".join("1" if r else "0" for r in c.resolved)
                manifest.write(f"{c.id}\t{c.created}\t{t.origin}\t{'|'.join(c.refs)}\t{flags}\n")
    finally:
        if csv_file:
            csv_file.close()
    return cables


def _progress(items: list[Planned]) -> Iterator[Planned]:
    step = max(1, len(items) // 10)
    for k, item in enumerate(items):
        if k and k % step == 0:
            print(f"synth: {k:,}/{len(items):,}", file=sys.stderr, flush=True)
        yield item


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=10000, help="number of cables (default 10000)")
    p.add_argument("--out", type=Path, required=True, help="folder to write (text/, csv/, manifest.tsv)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--csv", action="store_true", help="also write csv/cables.csv")
    p.add_argument("--corpus", type=Path, default=CORPUS, help="real corpus (default ../shared/corpus)")
    args = p.parse_args(argv)
    cables = generate(args.n, args.out, args.seed, args.csv, args.corpus)
    items = sum(len(c.refs) for c in cables)
    hits = sum(sum(c.resolved) for c in cables)
    print(f"synth: {len(cables):,} cables in {args.out}; {hits:,} of {items:,} REF items resolve "
          f"({hits / max(items, 1):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
