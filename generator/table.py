"""The build record's two big dicts, read an entry at a time: input files and output pages.

At 251,287 cables the record maps 251,287 input files to their stamps and 315,857 output
files to their keys. An edit of one cable looks up a few dozen of the files and the cable
pages and changes about 25 entries, but unpacking both dicts from the record took 0.69 s of
a 3.4 s edit on a slow machine, and going through the cable pages' keys to copy them into
the new record 0.3 s more. So :data:`~generator.record.MANIFEST` holds each of them in two
parts: the entries whose keys start with a prefix (every file; the pages under ``cable/``)
as :class:`Columns`, the keys sorted and joined, each value marshalled on its own, and the
others (the 64,570 listing, search and other pages, that an edit's plan looks up) as a
plain dict. A :class:`Table` finds an entry of its columns by binary search and unpacks
its value when asked for; it unpacks them all once asked for more than
:data:`DECODE_AFTER` (a full build looks up every one). A build's new table takes the last
one's columns as they are (:meth:`Table.update`, :meth:`Table.take`) with its own entries
over them, so comparing the two, and writing the changes as the record's journal, go
through the changes only.
"""

from __future__ import annotations

import bisect
import marshal
from array import array
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from itertools import accumulate, chain
from operator import methodcaller
from typing import Any

DECODE_AFTER = 20_000
"""Values looked up in one :class:`Columns` before it unpacks all of them into a dict (a
binary search in Python costs about 40 times a dict's lookup)."""
_SEP = "\0"
_MARSHAL_VERSION = 2
_MISSING: Any = object()
UNPACK_ERRORS = (ValueError, EOFError, TypeError)
"""What :func:`marshal.loads` raises on damaged bytes."""


class Damaged(Exception):
    """A value of a table's columns cannot be unpacked: the record's file is damaged within
    (``build.build`` then builds again without the record)."""


class Columns:
    """Sorted keys that all start with ``prefix``, joined by NUL (key ``n`` at
    ``joined[starts[n]:starts[n + 1] - 1]``), with their values, each marshalled on its own
    (value ``n`` at ``blob[offsets[n]:offsets[n + 1]]``). Never changed once read: the
    tables of successive builds share them."""

    __slots__ = ("prefix", "joined", "starts", "blob", "offsets", "_names", "_decoded", "_asked")

    def __init__(self, prefix: str, joined: str, starts: array, blob: bytes, offsets: array) -> None:
        self.prefix = prefix
        self.joined, self.starts, self.blob, self.offsets = joined, starts, blob, offsets
        self._names: list[str] | None = None
        self._decoded: dict[str, Any] | None = None
        self._asked = 0

    @property
    def names(self) -> list[str]:
        """The keys, sorted (split from ``joined`` when first asked for)."""
        if self._names is None:
            self._names = self.joined.split(_SEP) if self.joined else []
        return self._names

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def index(self, key: str) -> int:
        """The position of ``key``, or -1: a binary search of the joined keys, without
        splitting them (making the 251,287 strings took 0.05 s, for an edit's few lookups)."""
        names = self._names
        if names is not None:
            n = bisect.bisect_left(names, key)
            return n if n < len(names) and names[n] == key else -1
        joined, starts = self.joined, self.starts
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if joined[starts[mid] : starts[mid + 1] - 1] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(starts) - 1 and joined[starts[lo] : starts[lo + 1] - 1] == key else -1

    def has(self, key: str) -> bool:
        return key in self._decoded if self._decoded is not None else self.index(key) >= 0

    def value(self, n: int) -> Any:
        try:
            return marshal.loads(self.blob[self.offsets[n] : self.offsets[n + 1]])
        except UNPACK_ERRORS:
            raise Damaged(f"entry {n} of the record's columns of {self.prefix!r}") from None

    def values(self) -> list[Any]:
        """Every value, in the keys' order."""
        loads, blob, offsets = marshal.loads, self.blob, self.offsets
        try:
            return [loads(blob[a:b]) for a, b in zip(offsets, offsets[1:], strict=False)]
        except UNPACK_ERRORS:
            raise Damaged(f"the record's columns of {self.prefix!r}") from None

    def lookup(self, key: str, default: Any) -> Any:
        """The value of ``key``, or ``default``."""
        if self._decoded is None:
            self._asked += 1
            if self._asked <= DECODE_AFTER:
                n = self.index(key)
                return self.value(n) if n >= 0 else default
            self.decode()
        return self._decoded.get(key, default)  # type: ignore[union-attr]

    def decode(self) -> dict[str, Any]:
        """Every key and its value, unpacked once."""
        if self._decoded is None:
            self._decoded = dict(zip(self.names, self.values(), strict=True))
        return self._decoded

    def span(self, prefix: str) -> range:
        """The positions of the keys that start with ``prefix``."""
        names = self.names
        lo = n = bisect.bisect_left(names, prefix)
        while n < len(names) and names[n].startswith(prefix):
            n += 1
        return range(lo, n)


class Table(MutableMapping[str, Any]):
    """A dict of str keys, but for those of its :class:`Columns` (``None``: none), which are
    looked up there, unless taken out. The table's own entries win: a key of the columns that
    is set or deleted goes in ``_gone`` (so none of the live columns' keys is in ``_dict``)."""

    __slots__ = ("_dict", "_cols", "_gone")

    def __init__(self, entries: dict[str, Any] | None = None, cols: Columns | None = None) -> None:
        """``entries``: taken as the table's own, not copied (the record's 64,570 other pages);
        none of their keys is one of the columns' (:func:`unpack` checks)."""
        self._dict: dict[str, Any] = entries if entries is not None else {}
        """The entries besides the columns' (and those of the columns set again)."""
        self._cols = cols
        self._gone: set[str] = set()
        """The keys of the columns set again or deleted."""

    def _live(self, key: str) -> bool:
        """Whether ``key`` is one of the columns' keys, not taken out."""
        cols = self._cols
        return cols is not None and key.startswith(cols.prefix) and key not in self._gone and cols.has(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._dict.get(key, _MISSING)
        if value is not _MISSING:
            return value
        cols = self._cols
        if cols is None or not isinstance(key, str) or not key.startswith(cols.prefix) or key in self._gone:
            return default
        return cols.lookup(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __setitem__(self, key: str, value: Any) -> None:
        if self._cols is not None and key not in self._dict and self._live(key):
            self._gone.add(key)
        self._dict[key] = value

    def __delitem__(self, key: str) -> None:
        if key in self._dict:
            del self._dict[key]  # (a key of the columns is in _gone already)
        elif self._live(key):
            self._gone.add(key)
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        if self._cols is None:
            return iter(self._dict)
        gone = self._gone
        return chain(self._dict, (k for k in self._cols.names if k not in gone))

    def __len__(self) -> int:
        return len(self._dict) + (len(self._cols) - len(self._gone) if self._cols is not None else 0)

    def __repr__(self) -> str:
        return f"Table({len(self)} entries, {len(self._cols) if self._cols is not None else 0} in columns)"

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """Every (key, value): the table's own entries, then the columns' (an iterator)."""
        cols = self._cols
        if cols is None:
            return iter(self._dict.items())
        gone = self._gone
        pairs = cols._decoded.items() if cols._decoded is not None else zip(cols.names, cols.values(), strict=True)
        return chain(self._dict.items(), ((k, v) for k, v in pairs if k not in gone))

    def update(self, other: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:  # type: ignore[override]
        """As ``dict.update``; an empty table updated with a table takes its columns as they
        are (a copy that costs its own entries, not the columns')."""
        if isinstance(other, Table):
            if not self._dict and self._cols is None and other._cols is not None:
                self._cols, self._gone = other._cols, set(other._gone)
                self._dict.update(other._dict)
                return
            other = other.items()
        if self._cols is None:
            self._dict.update(other)
            return
        for key, value in other.items() if isinstance(other, Mapping) else other:
            self[key] = value

    def take(self, other: Table, count: int) -> bool:
        """The entries of ``other``'s columns' prefix into this table, as ``other`` holds
        them, without looking at them, when there are ``count`` of them and this table has
        no columns yet; this table's own entries win. Whether it did."""
        cols = other._cols
        if cols is None or self._cols is not None:
            return False
        prefix = cols.prefix
        theirs = {k: other._dict[k] for k in filter(methodcaller("startswith", prefix), other._dict)}
        if len(cols) - len(other._gone) + len(theirs) != count:
            return False
        mine = list(filter(methodcaller("startswith", prefix), self._dict))
        self._cols, self._gone = cols, set(other._gone)
        self._gone.update(k for k in mine if k not in self._gone and cols.has(k))
        for key, value in theirs.items():
            self._dict.setdefault(key, value)
        return True

    def prefixed(self, prefix: str) -> list[tuple[str, Any]]:
        """The entries whose keys start with ``prefix``."""
        found = [(k, v) for k, v in self._dict.items() if k.startswith(prefix)]
        cols = self._cols
        if cols is not None and (prefix.startswith(cols.prefix) or cols.prefix.startswith(prefix)):
            names, gone = cols.names, self._gone
            found += [(names[n], cols.value(n)) for n in cols.span(prefix) if names[n] not in gone]
        return found

    def missing(self, other: Mapping[str, Any]) -> list[str]:
        """This table's keys that ``other`` lacks, sorted. Between two tables of the same
        columns, only the entries besides them and those taken out are compared."""
        if isinstance(other, Table) and self._cols is not None and other._cols is self._cols:
            prefix = self._cols.prefix  # (only keys of the prefix can be in the columns)
            return sorted({k for k in self._dict.keys() - other._dict.keys()
                           if not k.startswith(prefix) or k not in other}
                          | {k for k in other._gone if k not in self._gone and k not in other._dict})
        if isinstance(other, Table) and self._cols is None and other._cols is None:
            return sorted(self._dict.keys() - other._dict.keys())
        return sorted(k for k in self if k not in other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        if isinstance(other, Table) and self._cols is not None and other._cols is self._cols:
            keys = self._dict.keys() | other._dict.keys() | self._gone | other._gone
            return all(self.get(k, _MISSING) == other.get(k, _MISSING) for k in keys)
        get = other.get
        return all(get(k, _MISSING) == v for k, v in self.items())

    __hash__ = None  # type: ignore[assignment]


def pack(table: Mapping[str, Any], prefix: str) -> tuple:
    """``table`` as the record holds it: ``(prefix, the other entries as a dict, the keys that
    start with prefix sorted and joined, the keys' offsets in it, their values marshalled one
    after the other, the values' offsets)``. A table whose columns are of ``prefix`` and that
    changed none of them gives them back as they are."""
    if isinstance(table, Table) and table._cols is not None and table._cols.prefix == prefix \
            and not table._gone and not any(map(methodcaller("startswith", prefix), table._dict)):
        cols = table._cols
        return prefix, table._dict, cols.joined, cols.starts.tobytes(), cols.blob, cols.offsets.tobytes()
    if isinstance(table, Table):
        whole = table._dict if table._cols is None else dict(table.items())
    else:
        whole = table if isinstance(table, dict) else dict(table)
    inside = sorted(k for k in whole if k.startswith(prefix))
    joined = _SEP.join(inside)
    if joined.count(_SEP) != max(len(inside) - 1, 0):  # a key with a NUL (never, but not trusted)
        return prefix, whole, "", array("q", [0]).tobytes(), b"", array("q", [0]).tobytes()
    parts = [marshal.dumps(whole[k], _MARSHAL_VERSION) for k in inside]
    rest = {k: v for k, v in whole.items() if not k.startswith(prefix)}
    starts = array("q", accumulate((len(k) + 1 for k in inside), initial=0))
    offsets = array("q", accumulate(map(len, parts), initial=0))
    return prefix, rest, joined, starts.tobytes(), b"".join(parts), offsets.tobytes()


def unpack(data: object) -> Table | None:
    """The table that :func:`pack` made ``data``; ``None`` when ``data`` is not one."""
    if not (isinstance(data, tuple) and len(data) == 6):
        return None
    prefix, rest, joined, starts, blob, offsets = data
    if not (isinstance(prefix, str) and isinstance(rest, dict) and isinstance(joined, str)
            and isinstance(starts, bytes) and isinstance(blob, bytes) and isinstance(offsets, bytes)
            and len(starts) % 8 == 0 and len(offsets) % 8 == 0):
        return None
    key_table, value_table = array("q"), array("q")
    key_table.frombytes(starts)
    value_table.frombytes(offsets)
    count = joined.count(_SEP) + 1 if joined else 0
    if len(key_table) != count + 1 or key_table[0] != 0 or key_table[-1] != len(joined) + bool(count) \
            or len(value_table) != count + 1 or value_table[0] != 0 or value_table[-1] != len(blob):
        return None
    if not count:
        return Table(rest)
    if any(map(methodcaller("startswith", prefix), rest)):  # pack puts those in the columns
        return None
    return Table(rest, Columns(prefix, joined, key_table, blob, value_table))
