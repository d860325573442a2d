"""Where each page of the site lives, and how names from cables become safe file names.

Every path here is relative to the site root and uses ``/``. Cable pages keep the
original cablegate site's layout (``cable/2007/10/07USNATO577.html``) so links into
that site keep working when an archive moves here.

Names taken from cables (ids, tags, origins) are hostile until proven otherwise:
:func:`safe_name` keeps only ``[A-Za-z0-9_-]``, refuses the device names Windows
reserves, bounds the length, and adds a short hash whenever it had to change the
name, so two different inputs never share a file.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_MAX = 80
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def safe_name(name: str) -> str:
    """A file-name-safe form of ``name``: itself when already safe, else a slug plus a hash."""
    cleaned = _UNSAFE.sub("_", name).strip("_-")[:_MAX]
    if cleaned == name and name.upper() not in _RESERVED and name:
        return name
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned or 'x'}_{digest}"


def slug(label: str) -> str:
    """Lower-case hyphenated slug for origins and classifications (``Embassy Moscow`` -> ``embassy-moscow``)."""
    s = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return safe_name(s) if s else safe_name(label)


CABLES = "cable/"
"""The folder of every cable's page (and of nothing else)."""


def cable_dir(created: str) -> str:
    """``cable/YYYY/MM`` for a ``YYYY-MM-DD...`` date, ``cable/undated`` when there is none."""
    if _YEAR_MONTH.match(created):
        return f"{CABLES}{created[:4]}/{created[5:7]}"
    return f"{CABLES}undated"


def cable_page(cable_id: str, created: str) -> str:
    return f"{cable_dir(created)}/{safe_name(cable_id)}.html"


def cable_json(cable_id: str, created: str) -> str:
    return f"{cable_dir(created)}/{safe_name(cable_id)}.json"


def paged(base: str, page: int) -> str:
    """Page 1 of a listing is ``base.html``, page n is ``base/n.html``."""
    return f"{base}.html" if page == 1 else f"{base}/{page}.html"


def tag_base(tag: str) -> str:
    return f"tag/{safe_name(tag)}"


def origin_base(origin: str) -> str:
    return f"origin/{slug(origin)}"


def classification_base(classification: str) -> str:
    return f"classification/{slug(classification)}"


def year_base(year: str) -> str:
    return f"date/{safe_name(year)}"


def month_base(year_month: str) -> str:
    return f"date/{safe_name(year_month)}"


def tag_feed(tag: str) -> str:
    return f"feed/tag/{safe_name(tag)}.xml"


def root_prefix(path: str) -> str:
    """The relative way back to the root from the page at ``path`` (``tag/PREL/2.html`` -> ``../../``)."""
    return "../" * path.count("/")


def month_label(year_month: str) -> str:
    """``2007-10`` -> ``October 2007``."""
    try:
        return f"{MONTHS[int(year_month[5:7]) - 1]} {year_month[:4]}"
    except (ValueError, IndexError):
        return year_month
