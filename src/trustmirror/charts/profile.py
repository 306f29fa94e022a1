"""The trust profile: a mean per theme as horizontal bars on the answer scale.

One series is the organisation's profile; two or three put a unit beside the organisation.
Drawn and rendered with :mod:`trustmirror.charts.svg`; ``None`` draws the caller's "not
enough responses" text and no number.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustmirror.charts.svg import (
    MEAN_DIGITS,
    SERIES_COLOURS,
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

__all__ = ["profile_chart"]


def profile_chart(
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
    """Horizontal bars per category on the answer scale, with the scale midpoint marked.

    One series gives a plain profile (the organisation over the six themes); two give grouped
    bars (a unit beside the organisation). Bars start at the bottom of the scale, so their
    length is the distance from "strongly disagree".

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG (lowercase letters, digits, ``-``).
    categories : sequence of str
        Bar labels (themes or constructs), top to bottom.
    series : sequence of Series
        One to three series, each with one value per category.
    title, summary : str
        Accessible name and description (``<title>`` and ``<desc>``).
    suppressed_label : str
        Text drawn instead of a bar for a ``None`` value.
    midpoint_label : str
        Text at the dashed line through the scale's midpoint.
    scale : (int, int)
        Lowest and highest answer.
    decimal : str
        Decimal separator of the reader's language.
    digits : int, default 1
        Decimals the page prints: every value and interval end is rounded to them before it
        is drawn, so the chart tells no more than the text.

    Returns
    -------
    str
        An ``<svg>`` element, ready to place inline in HTML.
    """
    check_chart_id(chart_id)
    check_series("profile_chart", series, categories, SERIES_COLOURS)
    series = [one.rounded(digits) for one in series]
    low, high = scale
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    per_category = 0.3 * n_ser + 0.22
    legend_room = 0.45 if n_ser > 1 else 0.0
    with figure(per_category * n_cat + 0.95 + legend_room) as (fig, ax):
        grouped_bars(
            ax,
            series,
            SERIES_COLOURS,
            low=low,
            bar=bar,
            suppressed_label=suppressed_label,
            decimal=decimal,
            fontsize=11,
            note_fontsize=10,
            pad=1.0,
            intervals=True,
            digits=digits,
        )
        scale_axis(ax, low=low, high=high, n_rows=n_cat, midpoint_label=midpoint_label)
        row_axis(ax, categories, width=20)
        if n_ser > 1:
            series_legend(fig, series, SERIES_COLOURS, ncols=n_ser)
        return render(fig, chart_id=chart_id, title=title, summary=summary)
