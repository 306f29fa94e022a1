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

from trustmirror.reports.charts import (
    Series,
    _check_id,
    _check_series,
    _figure,
    _first_shown,
    _note,
    _number,
    _plain,
    _reference_line,
    _render,
    _row_axis,
    _series_legend,
    _value_label,
)

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
    _check_series("breakdown_chart", series, categories, BREAKDOWN_COLOURS)
    low, high = scale
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    legend_rows = (n_ser + 1) // 2
    with _figure((0.24 * n_ser + 0.25) * n_cat + 0.95 + 0.3 * legend_rows) as (fig, ax):
        for s, one in enumerate(series):
            colour = BREAKDOWN_COLOURS[s]
            for i, value in enumerate(one.values):
                y = i - 0.4 + bar * (s + 0.5)
                if value is None:
                    _note(ax, low + 0.05, y, suppressed_label, fontsize=9)
                    continue
                ax.barh(
                    y,
                    value - low,
                    left=low,
                    height=bar * 0.9,
                    color=colour,
                    label=_plain(one.label) if i == _first_shown(one.values) else None,
                )
                _value_label(ax, value + 0.06, y, _number(value, decimal), fontsize=9, pad=0.5)
        _reference_line(ax, (low + high) / 2, midpoint_label)
        ax.set_xlim(low, high + 0.45)
        ax.set_xticks(range(low, high + 1))
        ax.set_ylim(n_cat - 0.5, -0.85)
        _row_axis(ax, categories, 20)
        _series_legend(fig, series, BREAKDOWN_COLOURS, ncols=min(n_ser, 2))
        return _render(fig, chart_id=chart_id, title=title, summary=summary)
