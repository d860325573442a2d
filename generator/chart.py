"""Cables-per-year bar charts as inline SVG, made at build time (no script, no style attribute).

Input is the ``per_year`` tuple of the views, oldest first, e.g. for the seed
cable's tag page ``(("2006", 12), ("2007", 40))``. The SVG is accessible
(``role="img"`` with a ``<title>`` and ``<desc>``), scales with its container
through its ``viewBox``, and is coloured by the theme's CSS classes
(``chart-bar``, ``chart-axis``, ``chart-label``) so the dark scheme applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 160
_TOP = 14
_BOTTOM = 22
_SIDE = 4
_LABEL_HALF = 15
"""Half the width of a year label (four digits at the theme's 11px): no label centre is
nearer an edge than this, so the first and last years are not cut off."""


def _label_every(n: int) -> int:
    """Show every year up to 12 bars, then every 2nd, 5th or 10th."""
    for step in (1, 2, 5, 10):
        if n <= 12 * step:
            return step
    return 20


def year_chart(per_year: Sequence[tuple[str, int]], *, label: str = "Cables per year") -> Markup:
    """An SVG bar chart of ``(year, count)`` pairs; empty Markup when there is nothing to draw.

    Every page of a listing shows the same chart: it is made once (at 251,287 cables an add
    re-renders the 1,775 pages of the PREL tag, and making the chart for each took 15% of their time)."""
    return _chart(tuple((str(y), max(int(c), 0)) for y, c in per_year), escape(label))  # escaped once, here


@lru_cache(maxsize=64)
def _chart(data: tuple[tuple[str, int], ...], label: str) -> Markup:
    if not data:
        return Markup("")
    peak = max(c for _, c in data) or 1
    slot = (WIDTH - 2 * _SIDE) / len(data)
    bar = min(max(slot * 0.8, 1.0), 48.0)
    plot = HEIGHT - _TOP - _BOTTOM
    step = _label_every(len(data))
    total = sum(c for _, c in data)
    desc = f"{total:,} cables from {data[0][0]} to {data[-1][0]}; most in {max(data, key=lambda d: d[1])[0]} ({peak:,})."
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-t chart-d"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-t">{escape(label)}</title><desc id="chart-d">{escape(desc)}</desc>',
        f'<line class="chart-axis" x1="0" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - _BOTTOM}"/>',
    ]
    for i, (year, count) in enumerate(data):
        h = round(plot * count / peak, 1)
        if count and h < 1:
            h = 1.0
        x = round(_SIDE + i * slot + (slot - bar) / 2, 1)
        y = round(HEIGHT - _BOTTOM - h, 1)
        parts.append(
            f'<rect class="chart-bar" x="{x}" y="{y}" width="{round(bar, 1)}" height="{h}">'
            f"<title>{escape(year)}: {count:,}</title></rect>"
        )
        if i % step == 0 or i == len(data) - 1 and len(data) > 1 and (i % step) * 2 >= step:
            cx = round(min(max(_SIDE + i * slot + slot / 2, _LABEL_HALF), WIDTH - _LABEL_HALF), 1)
            parts.append(
                f'<text class="chart-label" x="{cx}" y="{HEIGHT - 6}" text-anchor="middle">{escape(year)}</text>'
            )
    parts.append(f'<text class="chart-label" x="{_SIDE}" y="10">{peak:,}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
