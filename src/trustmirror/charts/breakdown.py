"""The chart of the breakdown page: a group of bars per theme, one bar per shown cell.

Drawn and rendered with :mod:`trustmirror.charts.svg` like every chart: one group of horizontal
bars per theme, one bar per shown cell of the breakdown, on the answer scale with its midpoint
marked. A breakdown can have more cells than the profile chart has series, so the colours are
the full Okabe & Ito (2008) palette. Like every chart here it draws only what it is given:
``None`` is drawn as the caller's "not shown" text, never as a bar.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustmirror.charts.svg import (
    MEAN_DIGITS,
    Series,
    check_chart_id,
    check_series,
    figure,
    grouped_bars,
    render,
    row_axis,
    scale_axis,
    series_legend,
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
    digits: int = MEAN_DIGITS,
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
    digits : int, default 1
        Decimals the page prints: every value is rounded to them before it is drawn, so the
        chart tells no more than the text.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    check_chart_id(chart_id)
    check_series("breakdown_chart", series, categories, BREAKDOWN_COLOURS)
    series = [one.rounded(digits) for one in series]
    low, high = scale
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    legend_rows = (n_ser + 1) // 2
    with figure((0.24 * n_ser + 0.25) * n_cat + 0.95 + 0.3 * legend_rows) as (fig, ax):
        grouped_bars(
            ax,
            series,
            BREAKDOWN_COLOURS,
            low=low,
            bar=bar,
            suppressed_label=suppressed_label,
            decimal=decimal,
            fontsize=9,
            note_fontsize=9,
            pad=0.5,
            intervals=False,
            digits=digits,
        )
        scale_axis(ax, low=low, high=high, n_rows=n_cat, midpoint_label=midpoint_label)
        row_axis(ax, categories, width=20)
        series_legend(fig, series, BREAKDOWN_COLOURS, ncols=min(n_ser, 2))
        return render(fig, chart_id=chart_id, title=title, summary=summary)
