"""The records every part of cablesite passes around.

All are frozen, slotted dataclasses: a parser builds them once, everything
after only reads them. Dates are kept as ISO strings (``YYYY-MM-DD HH:MM``)
because that is how they are shown, sorted and written to JSON.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


def fast_pickle(cls):
    """Pickle a slotted dataclass as ``(cls, field values)``.

    The default pickling of slotted dataclasses walks ``dataclasses.fields()``
    for every object; the build pickles millions of small records (to hash
    pages' inputs and to cache parsed cables), and this is twice as fast.
    """
    get = operator.attrgetter(*cls.__slots__)
    if len(cls.__slots__) == 1:
        cls.__reduce__ = lambda self: (cls, (get(self),))
    else:
        cls.__reduce__ = lambda self: (cls, get(self))
    return cls


@fast_pickle
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in one input file: a value, so tests can assert on it."""

    path: str
    """The input file, as the user named it (or as found under the content folder)."""
    line: int
    """1-based line (or CSV row) the problem is on; 0 when it concerns the whole file."""
    severity: str
    """``"error"`` (no record was made) or ``"warning"`` (a record was made, a field is off)."""
    message: str
    """One sentence a reader can act on."""

    def __str__(self) -> str:
        """One line: ``path:line: severity: message``, whatever the file's name holds."""
        return f"{one_line(self.path)}:{self.line}: {self.severity}: {one_line(self.message)}"


def one_line(text: str) -> str:
    """``text`` printable on one line: control characters (a newline in a file's name) as
    Python writes them (``\\n``), and the bytes of a name that is not UTF-8 as ``\\xff``."""
    return text if text.isprintable() else "".join(map(_printable, text))


def _printable(c: str) -> str:
    if c.isprintable():
        return c
    if 0xDC80 <= ord(c) <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{ord(c) - 0xDC00:02x}"
    return c.encode("unicode_escape").decode("ascii")


@fast_pickle
@dataclass(frozen=True, slots=True)
class Reference:
    """One item of a cable's ``REF:`` block."""

    letter: str
    """The item's letter as written (``A``), or ``""`` for a block of one item."""
    text: str
    """The item's text, whitespace folded (``USNATO 263``)."""
    id: str
    """The canonical id it names (``07USNATO263``), ``""`` when it is not a cable."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Recipient:
    """One addressee of the TO or INFO list of the routing header."""

    kind: str
    """``"to"`` or ``"info"``."""
    routing: str
    """Routing indicator (``RUEHC``), ``""`` when the line has none."""
    station: str
    """The addressee as written (``SECSTATE WASHDC``)."""
    precedence: str
    """``IMMEDIATE``, ``PRIORITY``, ``ROUTINE``, ``FLASH`` or ``""``."""
    serial: str = ""
    """The message serial number for that addressee (``1311``), if any."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a cable body's structure, for the renderer."""

    kind: str
    """``"paragraph"`` (a numbered paragraph), ``"heading"`` (a boxed or underlined
    heading) or ``"text"`` (anything else: preamble lines, signature)."""
    text: str
    """The block's text with the number and marking removed, line breaks kept."""
    number: str = ""
    """The paragraph number as written (``"1"``, ``"2.A"``), for paragraphs."""
    marking: str = ""
    """The classification marking (``"C/NF"``, ``"SBU"``, ``"U"``), without parentheses."""
    line: int = 0
    """1-based line of the block's first line in the cleaned body."""


@fast_pickle
@dataclass(frozen=True, slots=True)
class Cable:
    """One cable: its front-matter and its body.

    Field names are those of ``cablesite parse --json`` and of the editable
    front-matter form.
    """

    id: str
    """Canonical id: two-digit year, station, serial without leading zeros (``07USNATO577``)."""
    created: str = ""
    """Date and time the cable was sent, ``YYYY-MM-DD HH:MM`` (UTC)."""
    released: str = ""
    """Date and time of its publication, ``YYYY-MM-DD HH:MM``, when the source gives it."""
    classification: str = ""
    """``UNCLASSIFIED``, ``UNCLASSIFIED//FOR OFFICIAL USE ONLY``, ``CONFIDENTIAL``, ``SECRET``..."""
    caveats: tuple[str, ...] = ()
    """Handling caveats apart from the level (``NOFORN``, ``EXDIS``...)."""
    sipdis: bool = False
    """True when the cable carries the SIPDIS distribution flag."""
    origin: str = ""
    """The sending post as the archive names it (``Mission USNATO``, ``Embassy Moscow``)."""
    station: str = ""
    """The station part of the id (``USNATO``)."""
    subject: str = ""
    """Subject line, joined across lines, leading marking such as ``(C)`` removed."""
    tags: tuple[str, ...] = ()
    """TAGS codes in order (``("NATO", "PREL", "MARR", "RU")``)."""
    references: tuple[Reference, ...] = ()
    """The REF list in order, repeats and self-references dropped."""
    classified_by: str = ""
    """Name and title of the classifying official (``Charge Richard Olson``)."""
    reasons: str = ""
    """Classification reasons (``1.4 (b),(d)``)."""
    declassify_on: str = ""
    """Declassification instruction (``10/17/2017``, or ``X1`` and the like)."""
    recipients: tuple[Recipient, ...] = ()
    """TO then INFO addressees from the routing header."""
    summary: str = ""
    """Text from ``Summary:`` to ``End summary.``, when there is one."""
    signer: str = ""
    """Last name signing the cable (``OLSON``)."""
    partial: bool = False
    """The source holds only an extract, not the full text."""
    truncated: bool = False
    """The source cut the text off (ends in ``...``)."""
    header: str = ""
    """The routing header as in the source (``VZCZC...`` to the ``FM``/``TO``/``INFO`` lines)."""
    body: str = ""
    """The text cleaned for reading: repeated section headers and page markers removed."""
    original: str = ""
    """The telegram exactly as the source gives it (header and text), for the raw view."""
    source: str = ""
    """Path of the file the cable was read from."""
    source_line: int = 0
    """Line (or CSV row) in ``source`` where the cable starts; 0 for one-cable files."""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    """Front-matter keys cablesite does not know, kept for the JSON output."""

    @property
    def year(self) -> str:
        return self.created[:4]

    @property
    def month(self) -> str:
        return self.created[5:7]

    def front_matter(self) -> dict[str, object]:
        """The fields of ``cablesite parse --json`` in their documented order, without body."""
        out: dict[str, object] = {}
        for name in FRONT_MATTER_FIELDS:
            value = getattr(self, name)
            if name in ("references", "recipients"):
                value = [{k: getattr(r, k) for k in r.__slots__} for r in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


FRONT_MATTER_FIELDS: tuple[str, ...] = (
    "id",
    "created",
    "released",
    "classification",
    "caveats",
    "sipdis",
    "origin",
    "station",
    "subject",
    "tags",
    "references",
    "classified_by",
    "reasons",
    "declassify_on",
    "recipients",
    "summary",
    "signer",
    "partial",
    "truncated",
)
"""Front-matter keys in the order they are written (JSON, YAML)."""
