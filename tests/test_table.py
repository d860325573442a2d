"""The record's files and pages as tables over columns (``generator/table.py``): a dict to
their users, whatever was read from columns, set, deleted or taken from another table."""

from __future__ import annotations

import marshal
import random

import pytest

from generator import table
from generator.table import Table, pack, unpack


def _pages(n: int) -> dict[str, bytes]:
    """Output paths like the record's: cable pages, listings, search files."""
    pages = {f"cable/2009/0{i % 9 + 1}/09ROME{i}.html": bytes([i % 256]) * 20 for i in range(n)}
    pages.update({f"tag/K{i}.html": bytes([i % 256, 7]) * 10 for i in range(n // 3)})
    pages.update({f"search/d/{i}.js": bytes([i % 256, 9]) * 10 for i in range(n // 4)})
    pages["index.html"] = b"i" * 20
    return pages


def _read(pages: dict, prefix: str = "cable/") -> Table:
    """``pages`` written and read back as the record does."""
    back = unpack(marshal.loads(marshal.dumps(pack(pages, prefix), 2)))
    assert back is not None
    return back


def _same(t: Table, model: dict) -> None:
    """Everything a user of the table can ask gives what the dict gives."""
    assert len(t) == len(model) and t == model and model == dict(t.items())
    assert sorted(t) == sorted(model) and dict(t) == model
    for key in [*model, "cable/2009/01/absent.html", "tag/absent.html", ""]:
        assert (key in t) == (key in model) and t.get(key) == model.get(key)
    assert 42 not in t


def test_a_table_read_back_is_the_dict_written_with_its_cable_pages_in_columns() -> None:
    pages = _pages(300)
    t = _read(pages)
    assert t._cols is not None
    for key in pages:  # looked up without splitting the joined keys
        assert t._cols.index(key) == (sorted(k for k in pages if k.startswith("cable/")).index(key)
                                      if key.startswith("cable/") else -1)
    assert t._cols._names is None
    _same(t, pages)
    assert t._cols is not None and len(t._cols) == 300 and all(k.startswith("cable/") for k in t._cols.names)
    assert len(t._dict) == len(pages) - 300  # the other pages: a dict
    assert sorted(t.prefixed("search/")) == sorted((k, v) for k, v in pages.items() if k.startswith("search/"))
    assert sorted(t.prefixed("cable/2009/03/")) == sorted((k, v) for k, v in pages.items()
                                                           if k.startswith("cable/2009/03/"))
    files = {f"{i:03}/{i}.txt": (i, i * 10, f"key{i}") for i in range(100)}
    assert _read(files, "")._dict == {} and _read(files, "") == files  # every file in columns


def test_random_changes_to_a_table_and_to_a_dict_agree() -> None:
    rng = random.Random(4)
    pages = _pages(400)
    t, model = _read(pages), dict(pages)
    keys = [*pages, *(f"cable/2010/01/10NEW{i}.html" for i in range(40)), *(f"tag/NEW{i}.html" for i in range(40))]
    for step in range(3000):
        key = rng.choice(keys)
        op = rng.random()
        if op < 0.4:
            t[key] = model[key] = bytes([step % 256]) * 20
        elif op < 0.7:
            assert t.pop(key, None) == model.pop(key, None)
        elif op < 0.8:
            if key in model:
                del t[key], model[key]
            else:
                with pytest.raises(KeyError):
                    del t[key]
        else:
            assert t.get(key) == model.get(key)
        if step % 500 == 0:
            _same(t, model)
    _same(t, model)
    _same(_read(dict(t.items())), model)  # and written again
    again = unpack(marshal.loads(marshal.dumps(pack(t, "cable/"), 2)))
    assert again is not None
    _same(again, model)


def test_a_table_made_from_another_shares_its_columns_and_compares_through_the_changes() -> None:
    pages = _pages(300)
    old = _read(pages)
    old["cable/2009/01/09ROME0.html"] = b"journal"  # as a journal read over the record
    del old["cable/2009/02/09ROME1.html"]
    model = dict(old.items())

    new = Table()
    new.update(old)  # an edit's files: the record's, then those read again
    assert new._cols is old._cols and new == old and new.missing(old) == [] and old.missing(new) == []
    new["cable/2009/03/09ROME2.html"] = b"edited"
    assert new != old and old["cable/2009/03/09ROME2.html"] == pages["cable/2009/03/09ROME2.html"]
    del new["cable/2009/04/09ROME3.html"]
    assert old.missing(new) == ["cable/2009/04/09ROME3.html"]
    _same(old, model)

    keys = Table()  # an edit's plan: the other pages' keys, then the cables' as recorded
    keys.update((k, v) for k, v in old.items() if not k.startswith("cable/") and k != "tag/K3.html")
    keys["tag/NEW.html"] = b"n"
    cables = sum(k.startswith("cable/") for k in model)
    assert not keys.take(old, cables + 1)  # the record does not hold them all: not taken
    assert keys.take(old, cables) and keys._cols is old._cols
    keys["cable/2009/05/09ROME4.html"] = b"planned"
    expected = {**model, "tag/NEW.html": b"n", "cable/2009/05/09ROME4.html": b"planned"}
    del expected["tag/K3.html"]
    _same(keys, expected)
    assert old.missing(keys) == ["tag/K3.html"] and keys.missing(old) == ["tag/NEW.html"]
    _same(unpack(marshal.loads(marshal.dumps(pack(keys, "cable/"), 2))), expected)  # type: ignore[arg-type]

    same = _read(pages)  # changed none of its columns: written as they were read
    same["tag/NEW.html"] = b"n"
    assert pack(same, "cable/")[4] is same._cols.blob  # type: ignore[union-attr]


def test_a_table_unpacks_all_its_columns_once_looked_up_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "DECODE_AFTER", 10)
    pages = _pages(100)
    t = _read(pages)
    cols = t._cols
    assert cols is not None
    for key in list(pages)[:10]:
        assert t[key] == pages[key]
    assert cols._decoded is None  # ten values unpacked one by one
    assert all(t[k] == v for k, v in pages.items()) and cols._decoded is not None
    _same(t, pages)


def test_what_pack_did_not_make_is_not_a_table() -> None:
    good = pack({"cable/a.html": b"1", "cable/b.html": b"2", "x.html": b"3"}, "cable/")
    assert unpack(good) == {"cable/a.html": b"1", "cable/b.html": b"2", "x.html": b"3"}
    for n, bad in [(0, 3), (1, []), (2, "cable/a.html"), (3, good[3][:-8]), (3, b"\1" + good[3][1:]),
                   (4, good[4][:-1]), (5, good[5][:-8]), (5, good[5][:-1])]:
        assert unpack(good[:n] + (bad,) + good[n + 1 :]) is None, n
    assert unpack(good[:1] + ({"cable/c.html": b"4"},) + good[2:]) is None  # one of the columns' keys outside them
    assert unpack(None) is None and unpack(good[:5]) is None


def test_a_key_with_a_nul_stays_out_of_the_columns() -> None:
    pages = {"cable/a\0b.html": b"1", "cable/c.html": b"2", "x.html": b"3"}
    t = _read(pages)
    assert t._cols is None
    _same(t, pages)


def test_a_value_that_cannot_be_unpacked_is_said_damaged() -> None:
    pages = _pages(20)
    prefix, rest, joined, starts, blob, offsets = pack(pages, "cable/")
    t = unpack((prefix, rest, joined, starts, b"\0" * len(blob), offsets))
    assert t is not None and len(t) == len(pages) and "index.html" in t  # read: the damage is within
    with pytest.raises(table.Damaged):
        t["cable/2009/01/09ROME0.html"]
    with pytest.raises(table.Damaged):
        dict(t.items())
