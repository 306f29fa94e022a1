"""Participation: the response rate per unit as horizontal bars from 0 to 100 %.

Drawn and rendered with :mod:`trustmirror.charts.svg`. A unit whose rate may not be shown
(``None``) gets the caller's text and no bar.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustmirror.charts.svg import (
    BLUE,
    PERCENT_DIGITS,
    check_chart_id,
    figure,
    note,
    plain,
    render,
    rounded,
    row_axis,
)

__all__ = ["participation_chart"]


def participation_chart(
    *,
    chart_id: str,
    labels: Sequence[str],
    rates: Sequence[float | None],
    notes: Sequence[str],
    title: str,
    summary: str,
    axis_label: str,
    suppressed_label: str,
    digits: int = PERCENT_DIGITS,
) -> str:
    """Response rate per unit as horizontal bars from 0 to 100 %.

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    labels : sequence of str
        Units, top to bottom.
    rates : sequence of float or None
        Share responded, 0..1; ``None`` draws ``suppressed_label`` instead of a bar.
    notes : sequence of str
        Text after each bar, e.g. "62% (8 of 13)"; ignored where the rate is ``None``.
    title, summary : str
        Accessible name and description.
    axis_label : str
        Caption of the percentage axis.
    suppressed_label : str
        Text for a unit whose participation may not be shown.
    digits : int, default 0
        Decimals of the percentage the page prints (whole percents): each bar's length is
        rounded to them, so the chart tells no more than its notes.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    check_chart_id(chart_id)
    if not len(labels) == len(rates) == len(notes):
        raise ValueError("labels, rates and notes must have the same length")
    with figure(0.38 * len(labels) + 0.9) as (fig, ax):
        for i, (rate, text) in enumerate(zip(rates, notes, strict=True)):
            if rate is None:
                note(ax, 1, i, suppressed_label, fontsize=10)
                continue
            percent = rounded(100 * min(max(rate, 0.0), 1.0), digits)
            ax.barh(i, percent, height=0.7, color=BLUE)
            ax.text(percent + 1.5, i, plain(text), va="center", ha="left", fontsize=11)
        ax.set_xlim(0, 135)
        ax.set_xticks(range(0, 101, 25), [f"{p}%" for p in range(0, 101, 25)])
        ax.set_xlabel(plain(axis_label), fontsize=9, loc="left")
        ax.set_ylim(len(labels) - 0.5, -0.5)
        row_axis(ax, labels, width=22)
        return render(fig, chart_id=chart_id, title=title, summary=summary)
