"""Reliability per scale: the chart of the measurement-quality page.

Drawn and rendered with :mod:`trustmirror.charts.svg` like every chart (inline SVG fit for a
strict CSP, deterministic output, text kept as text, Okabe & Ito colours): alpha and omega of
each scale as grouped horizontal bars on 0..1 with the customary .70 marked. Coefficients are
shown with two decimals, as reliability is usually reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustmirror.charts.svg import (
    COEFFICIENT_DIGITS,
    SERIES_COLOURS,
    Series,
    check_chart_id,
    check_series,
    figure,
    note,
    number,
    reference_line,
    render,
    row_axis,
    series_legend,
    value_label,
)

__all__ = ["reliability_chart"]


def reliability_chart(
    *,
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    summary: str,
    missing_label: str,
    threshold: float = 0.70,
    threshold_label: str,
    decimal: str = ".",
    digits: int = COEFFICIENT_DIGITS,
) -> str:
    """Horizontal bars of reliability coefficients per scale, with a line at ``threshold``.

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    categories : sequence of str
        Scale labels, top to bottom.
    series : sequence of Series
        One or two coefficients (e.g. alpha and omega), one value per scale; ``None`` draws
        ``missing_label`` instead of a bar. Confidence intervals are ignored.
    title, summary : str
        Accessible name and description.
    missing_label : str
        Text for a coefficient that cannot be computed (e.g. omega of a two-item scale).
    threshold : float, default 0.70
        Where the dashed reference line is drawn.
    threshold_label : str
        Text at the reference line.
    decimal : str
        Decimal separator of the reader's language.
    digits : int, default 2
        Decimals the page prints: every coefficient is rounded to them before it is drawn.

    Returns
    -------
    str
        An ``<svg>`` element.

    Notes
    -----
    The axis runs from 0 to 1. A negative coefficient (possible for alpha when items
    contradict each other) gets no bar but its number, drawn at 0.
    """
    check_chart_id(chart_id)
    check_series("reliability_chart", series, categories, SERIES_COLOURS)
    series = [one.rounded(digits) for one in series]
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    with figure((0.2 * n_ser + 0.14) * n_cat + 1.4) as (fig, ax):
        for s, one in enumerate(series):
            for i, value in enumerate(one.values):
                y = i - 0.4 + bar * (s + 0.5)
                if value is None:
                    note(ax, 0.01, y, missing_label, fontsize=9)
                    continue
                length = min(max(value, 0.0), 1.0)
                ax.barh(y, length, left=0, height=bar * 0.9, color=SERIES_COLOURS[s])
                text = number(value, digits=digits, decimal=decimal)
                value_label(ax, length + 0.015, y, text, fontsize=10, pad=0.8)
        reference_line(ax, threshold, threshold_label)
        ax.set_xlim(0, 1.12)
        ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        ax.set_xticks(ticks, [number(t, decimal=decimal) for t in ticks])
        ax.set_ylim(n_cat - 0.5, -0.85)
        row_axis(ax, categories, width=24)
        series_legend(fig, series, SERIES_COLOURS, ncols=n_ser)
        return render(fig, chart_id=chart_id, title=title, summary=summary)
