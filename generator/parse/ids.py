"""Canonical cable ids and the stations they are made of.

A canonical id is the two-digit year, the station and the serial without
leading zeros: the banner line ``C O N F I D E N T I A L SECTION 01 OF 03
USNATO 000577`` of a 2007 cable gives ``07USNATO577``. Only
``[0-9]{2}[A-Z]+[0-9]+`` is an id, so an id is always safe as a file name.

Posts are written many ways in REF blocks, banners and FM lines (``SAN JOSE``,
``SECSTATE``, ``USMISSION USNATO``, ``RIO DE JAN``); :func:`normalize_station`
maps them to the station of the id (``SANJOSE``, ``STATE``, ``USNATO``,
``RIODEJANEIRO``). The stations and the spellings come from two data files
beside the package, read once at import:

- ``generator/data/stations.txt``: one station per line;
- ``generator/data/stations-aliases.tsv``: ``spelling<TAB>station`` for
  spellings that are not the station with its spaces dropped.

Malformed ids of the source are repaired by :func:`repair_id`:
``09SECTION01OF03SANJOSE525`` -> ``09SANJOSE525`` with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
STATIONS_FILE = DATA_DIR / "stations.txt"
ALIASES_FILE = DATA_DIR / "stations-aliases.tsv"


def _data_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a data file; [] when it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _load_stations(path: Path) -> frozenset[str]:
    return frozenset(line.strip().upper() for line in _data_lines(path))


def _load_aliases(path: Path) -> Mapping[str, str]:
    table: dict[str, str] = {}
    for line in _data_lines(path):
        spelling, _, station = line.partition("\t")
        if station.strip():
            table[" ".join(_words(spelling))] = station.strip().upper()
    return MappingProxyType(table)


_WORD_SPLIT = re.compile(r"[^A-Z0-9]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(text.upper()) if w]


STATIONS: frozenset[str] = _load_stations(STATIONS_FILE)
"""Every station known to appear in an id (``USNATO``, ``SANJOSE``, ``STATE``)."""

ALIASES: Mapping[str, str] = _load_aliases(ALIASES_FILE)
"""Spelling (upper case, single spaces) -> station, for spellings that are not the station itself."""

_PREFIXES = frozenset(
    {"AMEMBASSY", "AMEMB", "AMCONSUL", "AMCONGEN", "USMISSION", "USMISSIN", "EMBASSY", "CONSULATE", "MISSION", "USINT"}
)
_SUFFIXES = frozenset({"WASHDC", "WASHINGTON", "DC", "NY"})

MAX_STATION_WORDS = 4
"""Longest spelling of a post in words (``MAZAR E SHARIF``, ``USUN NEW YORK NY``)."""

SAFE_ID = re.compile(r"[0-9]{2}[A-Z]+[0-9]+")
_SPLIT_ID = re.compile(r"([0-9]{2})([A-Z]+)([0-9]+)")
_SECTION_JUNK = re.compile(r"^[A-Z]{0,4}TION[0-9]{1,2}[A-Z]{1,2}[0-9]{1,2}")


def canonical_id(year2: str, station: str, serial: str) -> str:
    """``("07", "USNATO", "000577")`` -> ``"07USNATO577"``; a 4-digit year keeps its last two digits."""
    year = year2.strip()[-2:]
    number = serial.strip().lstrip("0") or "0"
    return f"{year}{station.strip().upper()}{number}"


def split_id(cable_id: str) -> tuple[str, str, str] | None:
    """``"07USNATO577"`` -> ``("07", "USNATO", "577")``; None when it is not a safe id."""
    m = _SPLIT_ID.fullmatch(cable_id)
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _lookup(words: list[str]) -> str:
    spelled = " ".join(words)
    if spelled in ALIASES:
        return ALIASES[spelled]
    joined = "".join(words)
    if joined in STATIONS:
        return joined
    return ALIASES.get(joined, "")


def normalize_station(words: str) -> str:
    """The id station for a post as written (``"SAN JOSE"`` -> ``"SANJOSE"``); ``""`` when unknown.

    Case, punctuation and the ``AMEMBASSY``/``USMISSION`` prefixes and ``WASHDC``
    suffix of routing lines do not matter: ``"USMISSION USNATO"`` -> ``"USNATO"``,
    ``"SECSTATE WASHDC"`` -> ``"STATE"``.
    """
    parts = _words(words)
    if not parts or len(parts) > MAX_STATION_WORDS + 2:
        return ""
    found = _lookup(parts)
    if found:
        return found
    while parts and parts[0] in _PREFIXES:
        parts = parts[1:]
    while parts and parts[-1] in _SUFFIXES:
        parts = parts[:-1]
    if not parts:
        return ""
    found = _lookup(parts)
    if not found and len(parts) > 1 and len(parts[-1]) == 2:
        found = _lookup(parts[:-1])  # a trailing country code: USEU BRUSSELS BE
    return found


def repair_id(raw: str) -> tuple[str, str]:
    """A canonical id made of ``raw`` and a warning (``""`` when ``raw`` was already canonical).

    ``"09SECTION01OF03SANJOSE525"`` -> ``("09SANJOSE525", "...")``; leading zeros of
    the serial, case, spaces and punctuation are fixed. Returns ``("", message)``
    when no ``[0-9]{2}[A-Z]+[0-9]+`` id can be made.
    """
    text = raw.strip()
    m = _SPLIT_ID.fullmatch(text)
    if m and not m.group(3).startswith("0"):
        return text, ""
    cleaned = re.sub(r"[^A-Z0-9]", "", text.upper())
    m = re.fullmatch(r"([0-9]{4}|[0-9]{2})([A-Z][A-Z0-9]*?)([0-9]+)", cleaned)
    if not m:
        return "", f"cable id {raw!r} is not of the form 07USNATO577 and cannot be repaired"
    station = _SECTION_JUNK.sub("", m.group(2))
    if not station.isalpha():
        return "", f"cable id {raw!r} has no station that can be read"
    station = normalize_station(station) or station
    fixed = canonical_id(m.group(1), station, m.group(3))
    return fixed, f"malformed cable id {raw!r} read as {fixed}"
