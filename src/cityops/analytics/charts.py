"""Server-rendered charts: inline SVG from matplotlib (no GUI backend, no JavaScript, prints cleanly).

Only numbers and dates are drawn inside a chart (a CJK font is not guaranteed on the server); titles and
legends are HTML around it, with the same colours (`PALETTE`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Colour-blind-friendly enough and distinct in print; the legend in HTML uses the same list.
PALETTE = ["#0b6bcb", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64",
           "#9e9d24", "#1565c0", "#d84315"]
MAX_TICKS = 12


@dataclass
class Line:
    values: Sequence[float | None]
    color: str = PALETTE[0]
    dashed: bool = False
    width: float = 1.8


def line_chart(labels: Sequence[str], lines: Sequence[Line], *, width: float = 11.0, height: float = 2.6,
               shade_from: int | None = None) -> str:
    """An SVG line chart of `lines` over the x `labels` (dates); `shade_from` greys the x range from that index on."""
    if not labels or not lines:
        return ""
    # `Figure` directly (not pyplot): no global state, safe in a threaded server.
    with rc_context({"svg.fonttype": "none", "font.size": 8, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.hashsalt": "cityops"}):
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
        x = list(range(len(labels)))
        for line in lines:
            values = [float("nan") if v is None else v for v in line.values]
            axes.plot(x[:len(values)], values, color=line.color, linewidth=line.width,
                      linestyle="--" if line.dashed else "-", marker="o" if len(x) <= 16 else None, markersize=3)
        if shade_from is not None:
            axes.axvspan(shade_from - 0.5, len(x) - 0.5, color="#eef2f7", zorder=0)
        step = max(1, -(-len(x) // MAX_TICKS))
        axes.set_xticks(x[::step], [labels[i] for i in x[::step]], rotation=0)
        axes.set_xlim(-0.5, len(x) - 0.5)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 reports
        axes.grid(axis="y", color="#e4e7eb", linewidth=0.6)
        figure.tight_layout(pad=0.4)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _inline(buffer.getvalue())


def _inline(svg: str) -> str:
    """Drop the XML prolog and let the chart scale with its container (its viewBox keeps the proportions)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 width="100%" role="img"', svg, count=1)
