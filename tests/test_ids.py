"""Canonical cable ids, their repair, and post names -> id stations."""

from __future__ import annotations

import re

import pytest
from conftest import need_corpus

from generator.parse.ids import (
    ALIASES,
    STATIONS,
    STATIONS_FILE,
    canonical_id,
    normalize_station,
    repair_id,
    split_id,
)


def test_canonical_id_drops_leading_zeros() -> None:
    assert canonical_id("07", "USNATO", "000577") == "07USNATO577"
    assert canonical_id("2005", "moscow", "14734") == "05MOSCOW14734"
    assert canonical_id("09", "STATE", "000") == "09STATE0"


def test_split_id_is_the_inverse() -> None:
    assert split_id("07USNATO577") == ("07", "USNATO", "577")
    assert split_id(canonical_id(*split_id("09SANJOSE525"))) == ("09", "SANJOSE", "525")
    for bad in ("", "USNATO577", "07USNATO", "../../etc/passwd", "07 USNATO 577", "7USNATO577"):
        assert split_id(bad) is None


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("09SECTION01OF03SANJOSE525", "09SANJOSE525"),
        ("08ECTION01OF02MANAMA492", "08MANAMA492"),
        ("08SCTION02OF02SAOPAULO335", "08SAOPAULO335"),
        ("08SECTION01GF02BISHIEK21", "08BISHKEK21"),
        ("07USNATO000577", "07USNATO577"),
        (" 07usnato577\n", "07USNATO577"),
        ("07 USNATO 577", "07USNATO577"),
        ("2007USNATO577", "07USNATO577"),
    ],
)
def test_repair_id_fixes_malformed_ids_with_a_warning(raw: str, fixed: str) -> None:
    cable_id, warning = repair_id(raw)
    assert cable_id == fixed
    assert warning and fixed in warning


def test_repair_id_leaves_good_ids_alone() -> None:
    assert repair_id("07USNATO577") == ("07USNATO577", "")


@pytest.mark.parametrize("raw", ["", "../../etc", "07USNATO", "hello world", "0/../1", "123"])
def test_repair_id_refuses_what_it_cannot_read(raw: str) -> None:
    cable_id, warning = repair_id(raw)
    assert cable_id == ""
    assert warning


def test_repaired_ids_are_always_safe() -> None:
    for raw in ("07US/../NATO577", "07USNATO577.html", "07<script>577", "07ÜSNATO577"):
        cable_id, _ = repair_id(raw)
        assert cable_id == "" or re.fullmatch(r"[0-9]{2}[A-Z]+[0-9]+", cable_id)


@pytest.mark.parametrize(
    ("words", "station"),
    [
        ("SAN JOSE", "SANJOSE"),
        ("NEW DELHI", "NEWDELHI"),
        ("PORT AU PRINCE", "PORTAUPRINCE"),
        ("RIO DE JAN", "RIODEJANEIRO"),
        ("RIO DE JANEIRO", "RIODEJANEIRO"),
        ("USUN NEW YORK", "USUNNEWYORK"),
        ("SECSTATE", "STATE"),
        ("SECSTATE WASHDC", "STATE"),
        ("USMISSION USNATO", "USNATO"),
        ("USMISSION USUN NEW YORK NY", "USUNNEWYORK"),
        ("AMEMBASSY MOSCOW", "MOSCOW"),
        ("AMCONSUL SAO PAULO", "SAOPAULO"),
        ("Reykjavik", "REYKJAVIK"),
        ("THE HAGUE", "THEHAGUE"),
        ("USEU BRUSSELS", "USEUBRUSSELS"),
        ("UNVIE", "UNVIEVIENNA"),
        ("MEXICO CITY", "MEXICO"),
        ("TGG", "TEGUCIGALPA"),
    ],
)
def test_normalize_station(words: str, station: str) -> None:
    assert normalize_station(words) == station


@pytest.mark.parametrize("words", ["", "FOO", "THE", "NATO EU COLLECTIVE", "A STATE", "SAN"])
def test_normalize_station_unknown(words: str) -> None:
    assert normalize_station(words) == ""


def test_station_table_is_loaded_from_package_data() -> None:
    assert STATIONS_FILE.read_text(encoding="utf-8").startswith("#")
    assert {"STATE", "USNATO", "USUNNEWYORK", "USEUBRUSSELS", "UNVIEVIENNA", "SANJOSE"} <= STATIONS
    assert all(re.fullmatch(r"[A-Z]+", s) for s in STATIONS)
    assert all(station in STATIONS for station in ALIASES.values()), {
        k: v for k, v in ALIASES.items() if v not in STATIONS
    }


def test_every_corpus_id_is_canonical_or_repairable() -> None:
    corpus = need_corpus()
    names = [p.stem for p in (corpus / "cablegate-text").glob("*.txt")]
    assert len(names) > 6000
    repaired = {}
    for name in names:
        cable_id, warning = repair_id(name)
        assert cable_id, name
        if warning:
            repaired[name] = cable_id
        else:
            assert split_id(cable_id)[1] in STATIONS, name
    assert repaired == {
        "09SECTION01OF03SANJOSE525": "09SANJOSE525",
        "08ECTION01OF02MANAMA492": "08MANAMA492",
        "08SCTION02OF02SAOPAULO335": "08SAOPAULO335",
        "08SECTION01GF02BISHIEK21": "08BISHKEK21",
    }
