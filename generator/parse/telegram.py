"""Build a :class:`~generator.model.Cable` from a telegram plus what its source form knows.

The telegram is the text a cable page shows (07USNATO577)::

    VZCZCXRO8195
    O 241509Z OCT 07
    FM USMISSION USNATO
    TO RUEHC/SECSTATE WASHDC IMMEDIATE 1311
    C O N F I D E N T I A L SECTION 01 OF 03 USNATO 000577
    ...

The five metadata values a form may carry (``id``, ``created``, ``released``,
``classification``, ``origin``) win over what the telegram says; when a form
has none (a bare telegram) they are derived from the banner, the date-time
group and the ``FM`` line. Every other field comes from the telegram through
the field parsers. A field that cannot be found gives a warning; a record
with no id gives an error and no record. Nothing here raises on bad text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..model import ERROR, WARNING, Cable, Diagnostic
from . import fields, ids, refs, subject, tags
from .body import clean_body, split_header

PARTIAL_NOTE = "This record is a partial extract of the original cable."
_PARTIAL = re.compile(r"^\s*This record is a partial extract of the original cable\.[^\n]*\n?")
_SIPDIS = re.compile(r"^[^\S\n]*SIPDIS\b", re.MULTILINE)
"""A line opening with SIPDIS (not ``^\\s*``: from every line start of a million blank lines
it ran to their end, a quadratic search)."""
_CUT = re.compile(  # the site's snippet: text, a line "...", then only the banner line again
    r"\n[ \t]*\.\.\.[ \t]*\n(?:[ \t]*\n)*[ \t]*(?:(?:[A-Z] ){4,}|UNCLAS|CONFIDENTIAL|SECRET)[^\n]*\s*\Z")
_CREATED = (
    re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?"),
    re.compile(
        r"^\s*(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?"
    ),
)
_TRUE = {"1", "true", "yes", "y", "on"}


def normalize_created(value: str) -> str:
    """``YYYY-MM-DD HH:MM`` from ``2007-10-24 15:09:00``, ``10/24/2007 15:09`` or a bare date."""
    m = _CREATED[0].match(value)
    if m:
        y, mo, d, hh, mm = m.groups()
    else:
        m = _CREATED[1].match(value)
        if not m:
            return ""
        y, mo, d, hh, mm = m.group("y", "m", "d", "H", "M")
    return f"{y}-{int(mo):02d}-{int(d):02d} {int(hh or 0):02d}:{mm or '00'}"


_ORIGIN_EXACT = {
    "SECSTATE WASHDC": "Secretary of State",
    "SECSTATE WASHINGTON DC": "Secretary of State",
    "USMISSION USNATO": "Mission USNATO",
    "USMISSION USUN NEW YORK": "USUN New York",
    "USMISSION UNVIE VIENNA": "UNVIE",
    "USMISSION GENEVA": "US Mission Geneva",
    "USEU BRUSSELS": "USEU Brussels",
    "AIT TAIPEI": "American Institute Taiwan, Taipei",
    "IRAN RPO DUBAI": "Iran RPO Dubai",
    "RPO DUBAI": "Iran RPO Dubai",
    "REO BASRAH": "REO Basrah",
    "USDEL SECRETARY": "US Delegation, Secretary",
}
_ORIGIN_PREFIX = (
    ("AMEMBASSY ", "Embassy "),
    ("AMCONSUL ", "Consulate "),
    ("USINT ", "US Interests Section "),
    ("USMISSION ", "Mission "),
)
_KEEP_UPPER = re.compile(r"^(?:US[A-Z]*|UN[A-Z]*|[A-Z]{1,3}\d*)$")


def _title(words: str) -> str:
    return " ".join(
        w if _KEEP_UPPER.match(w) and len(w) <= 6 and w[:2] in ("US", "UN") else w.capitalize()
        for w in words.split()
    )


def origin_name(fm: str) -> str:
    """The archive's name for the sender of an ``FM`` line: ``AMEMBASSY ROME`` -> ``Embassy Rome``."""
    fm = " ".join(fm.split()).upper()
    if fm in _ORIGIN_EXACT:
        return _ORIGIN_EXACT[fm]
    for prefix, name in _ORIGIN_PREFIX:
        if fm.startswith(prefix):
            return name + _title(fm[len(prefix) :])
    return _title(fm)


def flag(meta: Mapping[str, str], key: str) -> bool:
    return str(meta.get(key, "")).strip().lower() in _TRUE


def _derive_id(text: str, station: str, serial: str, created: str) -> str:
    if not (station and serial and serial.isdigit() and created[:4].isdigit()):
        return ""
    return ids.canonical_id(created[2:4], station, serial)


def parse_telegram(
    telegram: str,
    meta: Mapping[str, str],
    *,
    path: str,
    line: int = 0,
    header: str = "",
) -> tuple[Cable | None, list[Diagnostic]]:
    """The cable record of ``telegram`` (header and text, as the source gives it)."""
    diags: list[Diagnostic] = []

    def warn(message: str, at: int = 0) -> None:
        diags.append(Diagnostic(path, line + at if at else line, WARNING, message))

    original = telegram
    partial = flag(meta, "partial") or bool(_PARTIAL.match(telegram))
    rest = _PARTIAL.sub("", telegram, count=1) if partial else telegram
    if header and rest.lstrip("\n").startswith(header):
        text = rest.lstrip("\n")[len(header) :]
    else:
        header, text = split_header(rest)
    level, caveats, b_station, b_serial = fields.parse_banner(text)

    created = normalize_created(meta.get("created", "")) or fields.parse_dtg(header or text)
    raw_id = meta.get("id", "").strip() or _derive_id(text, b_station, b_serial, created)
    cable_id, problem = ids.repair_id(raw_id) if raw_id else ("", "no id in the source")
    if problem and cable_id:
        warn(problem)
    if not cable_id:
        message = problem or "no id in the source"
        diags.append(Diagnostic(path, line, ERROR, f"no cable id could be made: {message}"))
        return None, diags
    parts = ids.split_id(cable_id)
    station = parts[1] if parts else b_station
    body = clean_body(text, station=station, serial=parts[2] if parts else b_serial)

    if meta.get("classification", "").strip():
        level, caveats = fields.split_classification(meta["classification"].strip())
    if not created:
        warn("no creation date (no Created value and no date-time group)")
    if not level:
        warn("no classification (no Classification value and no banner)")
    origin = meta.get("origin", "").strip() or origin_name(fields.parse_from(header or text))
    if not origin:
        warn("no origin (no Origin value and no FM line)")

    subj, _ = subject.find_subject(body)
    tag_list, _ = tags.find_tags(body)
    block, ref_line = refs.find_ref_block(body)
    references: tuple = ()
    if block:
        year = created[:4] if created[:4].isdigit() else ""
        references, ref_warnings = refs.parse_refs(block, citing_id=cable_id, year=year)
        for message in ref_warnings:
            warn(message)
    classified_by, reasons, _ = fields.parse_classified_by(body)
    declassify_on, _ = fields.parse_declassify(body)
    if not partial:
        if not subj:
            warn("no SUBJECT line found")
        if not tag_list:
            warn("no TAGS line found")

    sipdis = "SIPDIS" in caveats or ("SIPDIS" in text and bool(_SIPDIS.search(text)))
    caveats = tuple(c for c in caveats if c != "SIPDIS")
    truncated = flag(meta, "truncated") or body.rstrip().endswith("...") or bool(_CUT.search(body))
    cable = Cable(
        id=cable_id,
        created=created,
        released=normalize_created(meta.get("released", "")),
        classification=level,
        caveats=tuple(caveats),
        sipdis=sipdis,
        origin=origin,
        station=station,
        subject=subj,
        tags=tuple(tag_list),
        references=tuple(references),
        classified_by=classified_by,
        reasons=reasons,
        declassify_on=declassify_on,
        recipients=tuple(fields.parse_recipients(header)) if header else (),
        summary=fields.parse_summary(body),
        signer=fields.parse_signer(body),
        partial=partial,
        truncated=truncated,
        header=header,
        body=body,
        original=original,
        source=path,
        source_line=line,
    )
    del ref_line
    return cable, diags
