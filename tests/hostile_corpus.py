"""Hostile and broken input files, made by the tests (never checked in).

Each :class:`Case` is a set of files dropped into a content folder beside three
good cables (:func:`good_cables`, ``09ROME1`` to ``09ROME3``). The hostile
payloads go into every field a page shows — subject, tags, origin, references,
body — in every input form: the cablegate text page (key lines, as in
``cablegate-text/09PARIS5.txt``)::

    Identifier: 09PARIS5
    Created: 2009-01-02 12:00
    ...
    SUBJECT: FRANCE: <script>alert(1)</script> "><img src=x onerror=alert(2)>

the cablegate HTML page (metadata table cells and ``<pre>`` blocks), the YAML
front-matter form (``id:``/``subject:``/``tags:``/``origin:``/``references:``)
and the community ``cables.csv``.

``expect`` says what the build must make of the case's one hostile file:
``"error"`` (no cable, one error naming the file), ``"warning"`` (the cable is
built, one warning naming the file) or ``"built"`` (the cable is built; at
most one diagnostic names the file).
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(2)"
BREAKOUT = '"><img src=x onerror=alert(3)>'
SQ_BREAKOUT = "' onmouseover=alert(4) x='"
PAYLOADS = (SCRIPT, JS_URL, BREAKOUT, SQ_BREAKOUT)
ALL = " ".join(PAYLOADS)

GOOD_IDS = ("09ROME1", "09ROME2", "09ROME3")
BIG_BYTES = 100 * 1024 * 1024


def telegram(station: str, serial: int, *, subject: str, tags: str = "PREL IT", ref: str = "",
             body: str = "1. (C) The minister spoke about the weather.", created: str = "021200Z JAN 09",
             post: str = "ROME") -> str:
    """A short valid telegram: routing header, banner, TAGS, SUBJECT, REF, one paragraph, signature."""
    lines = [
        f"O {created}",
        f"FM AMEMBASSY {post}",
        "TO RUEHC/SECSTATE WASHDC IMMEDIATE 0001",
        "",
        f"C O N F I D E N T I A L {station} {serial:06d}",
        "",
        "SIPDIS",
        "",
        "E.O. 12958: DECL: 01/02/2019",
        f"TAGS: {tags}",
        f"SUBJECT: {subject}",
        "",
    ]
    if ref:
        lines += [f"REF: {ref}", ""]
    lines += ["Classified By: Ambassador Ronald Spogli for reasons 1.4 (b)", "", body, "", "SPOGLI", ""]
    return "\n".join(lines)


def key_lines(cable_id: str, tel: str, *, origin: str = "Embassy Rome",
              created: str = "2009-01-02 12:00") -> str:
    """The cablegate text form: five key lines, a blank line, the telegram."""
    return (f"Identifier: {cable_id}\nCreated: {created}\nReleased: 2011-08-30 01:44\n"
            f"Classification: CONFIDENTIAL\nOrigin: {origin}\n\n{tel}")


def cablegate_page(cable_id: str, tel: str, *, origin: str, cell_extra: str = "") -> str:
    """The cablegate HTML page: metadata table, then the telegram in a ``<pre>`` (newlines as ``&#x000A;``)."""
    pre = html.escape(tel, quote=False).replace("\n", "&#x000A;")
    return (
        "<table class='cable'>\n<tr><th>Reference ID</th><th>Created</th><th>Released</th>"
        "<th>Classification</th><th>Origin</th></tr>\n<tr>\n"
        f"<td><a href='/cable/2009/01/{html.escape(cable_id)}.html'>{html.escape(cable_id)}</a></td>\n"
        f"<td><a href='/date/2009-01_0.html'>2009-01-02 12:00</a></td>\n"
        f"<td><a href='/reldate/2011-08-30_0.html'>2011-08-30 01:44</a></td>\n"
        f"<td><a href='/classification/3_0.html' title='confidential'>CONFIDENTIAL</a>{cell_extra}</td>\n"
        f"<td><a href='/origin/1_0.html'>{html.escape(origin)}</a>{cell_extra}</td>\n</tr>\n</table>\n"
        f"<code><pre>{pre}</pre></code>\n"
    )


def yaml_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def front_matter(cable_id: str, tel: str, *, subject: str = "", origin: str = "", tags: tuple[str, ...] = (),
                 references: tuple[str, ...] = ()) -> str:
    """The editable form: YAML keys between ``---`` lines, then the telegram."""
    head = [f"id: {yaml_quote(cable_id)}", "created: '2009-01-02 12:00'", "classification: CONFIDENTIAL"]
    if subject:
        head.append(f"subject: {yaml_quote(subject)}")
    if origin:
        head.append(f"origin: {yaml_quote(origin)}")
    if tags:
        head.append("tags: [" + ", ".join(yaml_quote(t) for t in tags) + "]")
    if references:
        head.append("references:")
        for i, text in enumerate(references):
            head += [f"- letter: {chr(65 + i)}", f"  text: {yaml_quote(text)}", f"  id: {yaml_quote(text)}"]
    return "---\n" + "\n".join(head) + "\n---\n" + tel


def csv_field(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def csv_row(n: int, cable_id: str, *, origin: str = "Embassy Rome", refs: str = "",
            subject: str = "ROW", body: str = "1. (C) Row text.") -> str:
    """One ``cables.csv`` record: eight quoted fields, the telegram split into header and body."""
    tel = telegram("ROME", int(cable_id[6:]), subject=subject, body=body)
    header, _, text = tel.partition("\n\n")
    fields = [str(n), "1/2/2009 12:00", cable_id, origin, "CONFIDENTIAL", refs, header, text]
    return ",".join(csv_field(f) for f in fields) + "\n"


def good_cables() -> dict[str, bytes]:
    """Three valid cables; ``09ROME3`` cites ``09ROME1``."""
    out = {}
    for i, cid in enumerate(GOOD_IDS, start=1):
        ref = "A. ROME 1" if i == 3 else ""
        tel = telegram("ROME", i, subject=f"ITALY: GOOD CABLE NUMBER {i}", ref=ref)
        out[f"good/{cid}.txt"] = key_lines(cid, tel, created=f"2009-01-0{i} 12:00").encode("utf-8")
    return out


def _xss_telegram(serial: int, post: str = "PARIS") -> str:
    return telegram(
        post, serial,
        subject=f"FRANCE: {ALL}",
        tags=f"PREL FR {SCRIPT} {JS_URL}",
        ref=f"A. {SCRIPT} B. {JS_URL} C. PARIS 12 {BREAKOUT}",
        body=f"1. (C) Body {ALL}\n<a href=\"{JS_URL}\">click</a> <b>bold</b>",
        post=post,
    )


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    """Content-relative path -> bytes (the big case writes its file itself, see :func:`write_case`)."""
    expect: str = "built"
    """``error``, ``warning`` or ``built``."""
    built: tuple[str, ...] = ()
    """Ids the hostile file(s) must still give (beside the good cables)."""
    shows: tuple[str, ...] = ()
    """Text the page of ``built[0]`` must show as text."""
    csv_row: int = 0
    """For a broken CSV: the record number the diagnostic must name."""


def cases() -> list[Case]:
    rnd = random.Random(1729)
    hostile_ids = {"dotdot": "../../etc/passwd", "con": "CON", "slash": "a/b", "long": "9" * 2 + "X" * 298}
    out = [
        Case("empty", {"cables/empty.txt": b""}, "error"),
        Case("binary", {"cables/binary.txt": rnd.randbytes(8192)}, "error"),
        Case("binary-pdf", {"cables/scan.html": b"%PDF-1.4\n" + bytes(range(256)) * 40}, "error"),
        Case("latin1", {"cables/09PARIS1.txt": key_lines(
            "09PARIS1", telegram("PARIS", 1, subject="FRANCE: CAFÉ SOCIÉTÉ", post="PARIS"),
            origin="Embassy Paris").encode("latin-1")}, "built", ("09PARIS1",), ("CAFÉ SOCIÉTÉ",)),
        Case("random-bytes-in-text", {"cables/09PARIS2.txt": key_lines(
            "09PARIS2", telegram("PARIS", 2, subject="FRANCE: NOISE", post="PARIS",
                                 body="1. (C) Noise follows: @@NOISE@@ end."),
            origin="Embassy Paris").encode("utf-8").replace(b"@@NOISE@@", bytes(rnd.randrange(128, 256) for _ in range(64)))},
            "built", ("09PARIS2",), ("FRANCE: NOISE",)),
        Case("cp1252", {"cables/09PARIS3.txt": key_lines(
            "09PARIS3", telegram("PARIS", 3, subject="FRANCE: \u201cQUOTED\u201d \u2013 DASH", post="PARIS"),
            origin="Embassy Paris").encode("cp1252")}, "built", ("09PARIS3",), ("\u201cQUOTED\u201d \u2013 DASH",)),
        Case("nul-bytes", {"cables/09PARIS4.txt": key_lines(
            "09PARIS4", telegram("PARIS", 4, subject="FRANCE: NUL TEST", post="PARIS"),
            origin="Embassy Paris").encode("utf-8").replace(b"\n\n", b"\n\x00\n")}, "built", ("09PARIS4",),
            ("FRANCE: NUL TEST",)),
        Case("xss-text", {"cables/09PARIS5.txt": key_lines(
            "09PARIS5", _xss_telegram(5), origin=f"Embassy {ALL}").encode("utf-8")}, "built", ("09PARIS5",),
            (SCRIPT,)),
        Case("xss-html", {"cable/2009/01/09PARIS6.html": cablegate_page(
            "09PARIS6", _xss_telegram(6), origin=f"Embassy {ALL}",
            cell_extra=f"{SCRIPT}<img src=x onerror=alert(5)><a href='{JS_URL}'>x</a>").encode("utf-8")},
            "built", ("09PARIS6",), (SCRIPT, BREAKOUT, f"Embassy {ALL}")),
        Case("xss-html-id-cell", {"cable/2009/01/09PARIS8.html": cablegate_page(
            "09PARIS8" + SCRIPT, _xss_telegram(8), origin="Embassy Paris").encode("utf-8")}, "error"),
        Case("xss-frontmatter", {"cables/09PARIS7.md": front_matter(
            "09PARIS7", _xss_telegram(7), subject=f"FRANCE: {ALL}", origin=f"Embassy {ALL}",
            tags=("PREL", SCRIPT, JS_URL, BREAKOUT), references=(SCRIPT, JS_URL, BREAKOUT)).encode("utf-8")},
            "built", ("09PARIS7",), (SCRIPT, BREAKOUT, f"Embassy {ALL}")),
        Case("xss-csv", {"cables.csv": (csv_row(1, "09ROME11", origin=f"Embassy {ALL}", refs=f"{SCRIPT}|{JS_URL}",
                                                subject=f"ITALY: {ALL}", body=f"1. (C) Body {ALL}")
                                        + csv_row(2, "09ROME12")).encode("utf-8")},
             "built", ("09ROME11", "09ROME12"), (SCRIPT, BREAKOUT, f"Embassy {ALL}")),
        Case("duplicate-id", {"cables/a/09ROME2.txt": key_lines(
            "09ROME2", telegram("ROME", 2, subject="ITALY: A DIFFERENT TEXT WITH THE SAME ID")).encode("utf-8")},
            "warning"),
        Case("csv-broken-quote", {"cables.csv": "".join(
            csv_row(n, f"09ROME{100 + n}", subject=f"ITALY: CSV ROW {n}") if n != 3
            else csv_row(n, "09ROME103", subject='ITALY: BROKEN "QUOTE').replace('\\"QUOTE', '"QUOTE')
            for n in range(1, 11)).encode("utf-8")}, "error",
            tuple(f"09ROME{100 + n}" for n in range(1, 11) if n != 3), csv_row=3),
    ]
    for key, bad in hostile_ids.items():
        tel = telegram("PARIS", 9, subject=f"FRANCE: HOSTILE ID {key.upper()}", post="PARIS")
        out.append(Case(f"id-frontmatter-{key}", {f"cables/id-{key}.md": front_matter(bad, tel).encode("utf-8")},
                        "error"))
        out.append(Case(f"id-keyline-{key}", {f"cables/id-{key}.txt": key_lines(bad, tel).encode("utf-8")},
                        "error"))
    return out


def write_case(case: Case, content: Path) -> None:
    """Write the good cables and the case's files under ``content``."""
    for rel, data in {**good_cables(), **case.files}.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_big_cable(path: Path, size: int = BIG_BYTES) -> str:
    """A valid header and ``size`` bytes of numbered paragraphs; return its id."""
    cable_id = "09PARIS100"
    head = key_lines(cable_id, telegram("PARIS", 100, subject="FRANCE: A VERY LONG CABLE", post="PARIS",
                                        body=""), origin="Embassy Paris")
    para = ("THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG AND THE MINISTER TOOK NOTE OF IT. " * 12 + "\n")
    chunk = "".join(f"{n}. (C) {para}\n" for n in range(1, 101)).encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(head.encode("ascii"))
        written = 0
        while written < size:
            f.write(chunk)
            written += len(chunk)
    return cable_id
