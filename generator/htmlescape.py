"""HTML escaping to a plain ``str``: markupsafe's escape without its ``Markup`` wrapper.

``markupsafe.escape(s)`` escapes ``&``, ``<``, ``>``, ``"`` and ``'`` in C, then wraps the
result in ``Markup``, whose ``__new__`` is Python code: two thirds of the cost of escaping a
paragraph (0.62 against 0.19 µs). The cable body and the telegram are escaped piece by
piece, a few dozen pieces a page, and joined into one ``Markup`` at the end: they use
:func:`escape_text`. Its output is byte for byte markupsafe's.
"""

from __future__ import annotations

from markupsafe import escape

try:  # markupsafe 3: the C function behind escape()
    from markupsafe import _escape_inner as _inner
except ImportError:  # pragma: no cover (markupsafe 2)
    _inner = None


def _escape_via_markup(text: str) -> str:
    return str(escape(text))


escape_text = _inner if _inner is not None else _escape_via_markup
"""``str(markupsafe.escape(text))`` for a ``str``: the same characters, a plain ``str``."""
