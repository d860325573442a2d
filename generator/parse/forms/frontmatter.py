"""The project's own editable form: YAML front-matter, then the original telegram.

::

    ---
    id: 07USNATO577
    created: '2007-10-24 15:09'
    classification: CONFIDENTIAL
    caveats: [NOFORN]
    origin: Mission USNATO
    subject: 'NRC: RUSSIANS ILL-PREPARED TO RESPOND TO US 2+2 MISSILE DEFENSE OFFER'
    tags: [NATO, PREL, MARR, RU]
    ...
    ---
    VZCZCXRO8195
    OO RUEHDE
    ...

The text after the closing ``---`` is the telegram exactly as the source gave it;
the reader derives every field from it, then the values written in the
front-matter win. Keys cablesite does not know go to ``Cable.extra``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import yaml

from ...model import ERROR, FRONT_MATTER_FIELDS, Cable, Diagnostic, Recipient, Reference
from ..telegram import normalize_created, parse_telegram

_BOOLS = {"sipdis", "partial", "truncated"}
_LISTS = {"caveats", "tags"}
_META = ("id", "created", "released", "classification", "origin")


_YAML_BREAKS = ("\x85", "\u2028", "\u2029")


def _dump(data: dict[str, Any], *, allow_unicode: bool) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=allow_unicode, default_flow_style=None, width=100
    )


def looks_like_frontmatter(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("---\n")


def write_frontmatter(cable: Cable) -> str:
    """The editable form of ``cable``: every front-matter field, then ``cable.original``."""
    data: dict[str, Any] = cable.front_matter()
    for key, value in cable.extra.items():
        data.setdefault(key, value)
    head = _dump(data, allow_unicode=True)
    if any(c in head for c in _YAML_BREAKS):  # PyYAML writes these raw, then reads them as line breaks
        head = _dump(data, allow_unicode=False)
    return f"---\n{head}---\n{cable.original}"


def split_frontmatter(text: str) -> tuple[str, str] | None:
    """``(yaml, rest)``, or ``None`` when there is no closing ``---`` line."""
    text = text.lstrip("\ufeff")
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.endswith("\n---"):
            return text[4 : len(text) - 4], ""
        return None
    return text[4 : end + 1], text[end + 5 :]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in (s.strip() for s in value.replace(",", " ").split()) if v)
    if isinstance(value, list | tuple):
        return tuple(_text(v) for v in value)
    return (_text(value),)


def _references(value: object) -> tuple[Reference, ...]:
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.append(Reference(_text(item.get("letter")), _text(item.get("text")), _text(item.get("id"))))
        elif item is not None:
            out.append(Reference("", _text(item), ""))
    return tuple(out)


def _recipients(value: object) -> tuple[Recipient, ...]:
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.append(
                Recipient(
                    _text(item.get("kind")) or "to",
                    _text(item.get("routing")),
                    _text(item.get("station")),
                    _text(item.get("precedence")),
                    _text(item.get("serial")),
                )
            )
    return tuple(out)


def _value(name: str, raw: object) -> object:
    if name in _BOOLS:
        return raw is True or _text(raw).strip().lower() in ("true", "yes", "1")
    if name in _LISTS:
        return _strings(raw)
    if name == "references":
        return _references(raw)
    if name == "recipients":
        return _recipients(raw)
    return _text(raw)


def read_frontmatter(text: str, path: str) -> tuple[Cable | None, list[Diagnostic]]:
    """The cable of an editable file; front-matter values win over the telegram's."""
    parts = split_frontmatter(text)
    if parts is None:
        return None, [Diagnostic(path, 1, ERROR, "front-matter opened with --- is never closed")]
    head, telegram = parts
    try:
        data = yaml.safe_load(head) if head.strip() else {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = where.line + 2 if where is not None else 1
        return None, [Diagnostic(path, line, ERROR, f"front-matter is not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Diagnostic(path, 1, ERROR, "front-matter is not a mapping of keys to values")]
    data = {str(k): v for k, v in data.items()}
    meta = {k: _text(data.get(k)) for k in _META if data.get(k) not in (None, "")}
    if "created" in meta:
        meta["created"] = normalize_created(meta["created"]) or meta["created"]
    meta["partial"] = "yes" if data.get("partial") is True else ""
    cable, diags = parse_telegram(telegram, meta, path=path)
    if cable is None:
        return None, diags
    given = {k: _value(k, data[k]) for k in FRONT_MATTER_FIELDS if k in data and k != "id"}
    if "created" in given:
        given["created"] = normalize_created(str(given["created"])) or given["created"]
    extra = {k: v for k, v in data.items() if k not in FRONT_MATTER_FIELDS}
    cable = dataclasses.replace(cable, **given, extra=extra)
    return cable, diags
