"""Unit means of one scale as a dot plot with confidence intervals: the ``analyze`` report.

People read a report's charts before its tables, so the HTML report of ``trustmirror
analyze`` gives each scale a dot plot of the unit means; the table beside it stays the
accessible, exact complement. Drawn and rendered with :mod:`trustmirror.charts.svg` like
every chart.

Like every chart here it knows nothing about privacy: callers pass only units that the
privacy policy lets them show. It rounds what it draws to the decimals the report prints
(``digits``), and orders units by those rounded means, so that neither a dot's position nor
the order of two dots tells more than the printed numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.lines import Line2D

from trustmirror.charts.svg import (
    BLUE,
    MEAN_DIGITS,
    MUTED,
    check_chart_id,
    figure,
    plain,
    render,
    rounded,
)

__all__ = [
    "AGREEMENT_CUTOFF",
    "MAX_UNITS",
    "SHOWN_AT_EACH_END",
    "UnitMean",
    "drawn_units",
    "unit_means_chart",
]

AGREEMENT_CUTOFF = 0.70
# Beyond this many units a dot plot stops being readable; the extremes are what people look
# for, so the chart keeps the lowest and highest SHOWN_AT_EACH_END and says so.
MAX_UNITS = 40
SHOWN_AT_EACH_END = 20
# Long names would squeeze the plot; the full name is in the summary and the table.
MAX_LABEL_CHARS = 32
# Wider than the web charts: a report is read on a screen, and unit names are long.
UNIT_MEANS_WIDTH_INCHES = 7.0


@dataclass(frozen=True)
class UnitMean:
    """One unit's scale result as the report may show it.

    ``n`` is the number of scored respondents; ``ci_low``/``ci_high`` the confidence
    interval of the mean and ``rwg_j`` the agreement, each ``None`` when not computable.
    """

    unit: str
    n: int
    mean: float
    ci_low: float | None
    ci_high: float | None
    rwg_j: float | None


def drawn_units(units: Sequence[UnitMean], *, digits: int = MEAN_DIGITS) -> list[UnitMean]:
    """The units :func:`unit_means_chart` draws, top to bottom: the order of its summary.

    Units with a finite mean, sorted by the mean rounded to ``digits`` (highest first; equal
    rounded means keep the caller's order); beyond :data:`MAX_UNITS` only the
    :data:`SHOWN_AT_EACH_END` highest and lowest.
    """
    drawable = [u for u in units if u.mean is not None and math.isfinite(u.mean)]
    ordered = sorted(drawable, key=lambda u: -rounded(u.mean, digits))
    if len(ordered) > MAX_UNITS:
        ordered = ordered[:SHOWN_AT_EACH_END] + ordered[-SHOWN_AT_EACH_END:]
    return ordered


def unit_means_chart(
    *,
    chart_id: str,
    units: Sequence[UnitMean],
    title: str,
    summary: str,
    axis_label: str,
    agree_label: str,
    disagree_label: str,
    overall_mean: float | None = None,
    overall_label: str = "",
    scale_points: int,
    digits: int = MEAN_DIGITS,
) -> str | None:
    """A dot per unit at its mean, with its confidence interval, on the answer scale.

    Units run from the highest mean at the top (see :func:`drawn_units`); the overall mean
    is a vertical dashed line. A unit whose :math:`r_{wg(J)}` is below
    :data:`AGREEMENT_CUTOFF` (or not computable) gets a hollow marker. With more than
    :data:`MAX_UNITS` units a dotted line separates the highest from the lowest.

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    units : sequence of UnitMean
        Only units the privacy policy lets the report show, in table order.
    title, summary : str
        Accessible name and description; list the units of :func:`drawn_units` in the
        summary, in that order.
    axis_label : str
        Caption of the answer scale.
    agree_label, disagree_label : str
        Legend texts of the filled and the hollow marker.
    overall_mean : float or None
        Mean of all scored respondents, or ``None`` to draw no line.
    overall_label : str
        Legend text of the overall mean's line.
    scale_points : int
        Answers run from 1 to ``scale_points``; the axis spans that range.
    digits : int, default 1
        Decimals the report prints: means and interval ends are rounded to them before they
        are drawn or ordered.

    Returns
    -------
    str or None
        An ``<svg>`` element, or ``None`` when no unit has a mean to draw.
    """
    check_chart_id(chart_id)
    ordered = drawn_units(units, digits=digits)
    if not ordered:
        return None
    truncated = len(ordered) < sum(1 for u in units if u.mean is not None and math.isfinite(u.mean))
    means = [rounded(u.mean, digits) for u in ordered]
    intervals = [_interval(u, digits) for u in ordered]
    filled = [u.rwg_j is not None and u.rwg_j >= AGREEMENT_CUTOFF for u in ordered]
    # Row 0 is the top; a gap row after the highest units when the middle is left out.
    rows = [i if not truncated or i < SHOWN_AT_EACH_END else i + 1 for i in range(len(ordered))]
    n_rows = rows[-1] + 1
    lows = [ci[0] for ci in intervals if ci] + means
    highs = [ci[1] for ci in intervals if ci] + means
    overall = rounded(overall_mean, digits)
    with figure(1.5 + 0.21 * n_rows, width=UNIT_MEANS_WIDTH_INCHES) as (fig, ax):
        for row, mean, ci, full in zip(rows, means, intervals, filled, strict=True):
            if ci:
                ax.plot(ci, (row, row), color=BLUE, linewidth=1.4, solid_capstyle="butt")
            ax.plot(
                mean,
                row,
                marker="o",
                markersize=6.5,
                markeredgewidth=1.5,
                markeredgecolor=BLUE,
                markerfacecolor=BLUE if full else "white",
                linestyle="none",
                zorder=3,
            )
        if truncated:
            ax.axhline(SHOWN_AT_EACH_END, color=MUTED, linewidth=0.8, linestyle=(0, (1, 3)))
        handles = [
            Line2D([], [], marker="o", color=BLUE, linestyle="none", label=plain(agree_label)),
            Line2D(
                [],
                [],
                marker="o",
                markeredgecolor=BLUE,
                markerfacecolor="white",
                markeredgewidth=1.5,
                linestyle="none",
                label=plain(disagree_label),
            ),
        ]
        if overall is not None and math.isfinite(overall):
            ax.axvline(overall, color=MUTED, linewidth=1.0, linestyle="--", zorder=1)
            handles.append(Line2D([], [], color=MUTED, linestyle="--", label=plain(overall_label)))
        ax.set_yticks(rows, [_short(u.unit) for u in ordered], fontsize=9)
        ax.set_ylim(n_rows - 0.3, -0.7)
        ax.set_xlim(min(1.0, min(lows)) - 0.15, max(float(scale_points), max(highs)) + 0.15)
        ax.set_xticks(range(1, scale_points + 1))
        ax.set_xlabel(plain(axis_label), fontsize=10)
        ax.grid(axis="x", color="#E4E7EA", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=9)
        return render(fig, chart_id=chart_id, title=title, summary=summary)


def _interval(unit: UnitMean, digits: int) -> tuple[float, float] | None:
    low, high = rounded(unit.ci_low, digits), rounded(unit.ci_high, digits)
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return None
    return low, high


def _short(label: str) -> str:
    label = str(label)
    return plain(label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…")
