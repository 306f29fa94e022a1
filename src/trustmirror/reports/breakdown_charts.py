"""The chart of the breakdown page, drawn like :mod:`.charts`.

Same conventions as :mod:`trustmirror.reports.charts` (inline SVG fit for a strict CSP,
deterministic output, text kept as text), whose helpers it reuses: one group of horizontal
bars per theme, one bar per shown cell of the breakdown, on the answer scale with its midpoint
marked. A breakdown can have more cells than the profile chart has series, so the colours are
the full Okabe & Ito (2008) palette. Like every chart here it draws only what it is given:
``None`` is drawn as the caller's "not shown" text, never as a bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

from trustmirror.reports.charts import (
    INK,
    MUTED,
    RC,
    WIDTH_INCHES,
    Series,
    _check_id,
    _first_shown,
    _number,
    _plain,
    _render,
    _wrap,
)

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend, on purpose)
from matplotlib.patches import Patch  # noqa: E402

__all__ = ["BREAKDOWN_COLOURS", "breakdown_chart"]

# Okabe & Ito (2008) without black, in an order that keeps neighbouring bars distinct.
BREAKDOWN_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
)


def breakdown_chart(
    *,
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    summary: str,
    suppressed_label: str,
    midpoint_label: str,
    scale: tuple[int, int] = (1, 5),
    decimal: str = ".",
) -> str:
    """Grouped horizontal bars: per category (theme) one bar per series (cell).

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    categories : sequence of str
        Theme labels, top to bottom.
    series : sequence of Series
        One per shown cell (at most ``len(BREAKDOWN_COLOURS)``), one value per category;
        ``None`` draws ``suppressed_label`` instead of a bar. Intervals are ignored.
    title, summary : str
        Accessible name and description.
    suppressed_label : str
        Text drawn where a value may not be shown.
    midpoint_label : str
        Text at the dashed line through the scale's midpoint.
    scale : (int, int)
        Lowest and highest answer.
    decimal : str
        Decimal separator of the reader's language.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    _check_id(chart_id)
    if not 1 <= len(series) <= len(BREAKDOWN_COLOURS):
        raise ValueError(f"breakdown_chart takes 1 to {len(BREAKDOWN_COLOURS)} series")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.label!r} has {len(one.values)} values")
    low, high = scale
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    legend_rows = (n_ser + 1) // 2
    with matplotlib.rc_context(RC):
        fig = Figure(
            figsize=(WIDTH_INCHES, (0.24 * n_ser + 0.25) * n_cat + 0.95 + 0.3 * legend_rows),
            layout="constrained",
        )
        ax = fig.add_subplot()
        for s, one in enumerate(series):
            colour = BREAKDOWN_COLOURS[s]
            for i, value in enumerate(one.values):
                y = i - 0.4 + bar * (s + 0.5)
                if value is None:
                    ax.text(
                        low + 0.05,
                        y,
                        _plain(suppressed_label),
                        va="center",
                        ha="left",
                        fontsize=9,
                        fontstyle="italic",
                        color=MUTED,
                    )
                    continue
                ax.barh(
                    y,
                    value - low,
                    left=low,
                    height=bar * 0.9,
                    color=colour,
                    label=_plain(one.label) if i == _first_shown(one.values) else None,
                )
                ax.text(
                    value + 0.06,
                    y,
                    _number(value, decimal),
                    va="center",
                    ha="left",
                    fontsize=9,
                    color=INK,
                    bbox={"facecolor": "#FFFFFF", "edgecolor": "none", "pad": 0.5},
                )
        mid = (low + high) / 2
        ax.axvline(mid, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
        ax.text(
            mid, -0.55, _plain(midpoint_label), ha="center", va="bottom", fontsize=10, color=MUTED
        )
        ax.set_xlim(low, high + 0.45)
        ax.set_xticks(range(low, high + 1))
        ax.set_ylim(n_cat - 0.5, -0.85)
        ax.set_yticks(range(n_cat), [_wrap(c, 20) for c in categories])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color="#E6E9EB", linewidth=0.8)
        ax.set_axisbelow(True)
        handles = [
            Patch(color=BREAKDOWN_COLOURS[s], label=_plain(one.label))
            for s, one in enumerate(series)
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(n_ser, 2), frameon=False)
        return _render(fig, chart_id=chart_id, title=title, summary=summary)
