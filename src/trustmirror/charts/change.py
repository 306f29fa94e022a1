"""The change between two scans as an arrow per construct: previous mean -> current mean.

Drawn and rendered with :mod:`trustmirror.charts.svg`, so the SVG is post-processed like
every chart's: no ``style`` attributes or ``<style>`` element (strict CSP), ids prefixed with
the chart's id, deterministic output, text kept as text.

Like every chart here it knows nothing about privacy: callers pass ``None`` for a construct
whose change may not be shown, which draws the caller's text and no number of either scan.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.lines import Line2D

from trustmirror.charts.svg import (
    BLUE,
    INK,
    MEAN_DIGITS,
    MUTED,
    check_chart_id,
    figure,
    note,
    number,
    plain,
    render,
    rounded,
    row_axis,
)

__all__ = ["change_chart"]

# Offset of a number from its point, in scale units.
_LABEL_GAP = 0.09
# The two scans' points, in the chart and in its legend.
_BEFORE_MARKER = {
    "marker": "o",
    "markersize": 8,
    "markerfacecolor": "#FFFFFF",
    "markeredgecolor": MUTED,
    "markeredgewidth": 1.6,
    "linestyle": "none",
}
_AFTER_MARKER = {"marker": "o", "markersize": 9, "color": BLUE, "linestyle": "none"}


def change_chart(
    *,
    chart_id: str,
    categories: Sequence[str],
    before: Sequence[float | None],
    after: Sequence[float | None],
    before_label: str,
    after_label: str,
    title: str,
    summary: str,
    suppressed_label: str,
    scale: tuple[int, int] = (1, 5),
    decimal: str = ".",
    digits: int = MEAN_DIGITS,
) -> str:
    """One row per category: an open circle at the previous mean, an arrow to the current one.

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    categories : sequence of str
        Row labels (constructs), top to bottom.
    before, after : sequence of float or None
        Previous and current mean per category. A category where either is ``None`` shows
        ``suppressed_label`` and neither number.
    before_label, after_label : str
        Legend texts (the names of the two scans).
    title, summary : str
        Accessible name and description.
    suppressed_label : str
        Text for a category whose change may not be shown.
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
    if not len(categories) == len(before) == len(after):
        raise ValueError("categories, before and after must have the same length")
    before = [rounded(value, digits) for value in before]
    after = [rounded(value, digits) for value in after]
    low, high = scale
    n_cat = len(categories)
    with figure(0.5 * n_cat + 1.6) as (fig, ax):
        for i, (old, new) in enumerate(zip(before, after, strict=True)):
            if old is None or new is None:
                note(ax, low + 0.05, i, suppressed_label, fontsize=10)
                continue
            if abs(new - old) >= 0.15:  # shorter arrows would be all head
                ax.annotate(
                    "",
                    xy=(new, i),
                    xytext=(old, i),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": INK,
                        "linewidth": 1.4,
                        "shrinkA": 5,
                        "shrinkB": 6,
                        "mutation_scale": 12,
                    },
                )
            ax.plot([old], [i], **_BEFORE_MARKER)
            ax.plot([new], [i], **_AFTER_MARKER)
            # Each number sits on the outer side of its point, so the two never overlap.
            rising = new >= old
            ax.text(
                old + (-_LABEL_GAP if rising else _LABEL_GAP),
                i - 0.28,
                number(old, digits=digits, decimal=decimal),
                ha="right" if rising else "left",
                va="center",
                fontsize=10,
                color=MUTED,
            )
            ax.text(
                new + (_LABEL_GAP if rising else -_LABEL_GAP),
                i - 0.28,
                number(new, digits=digits, decimal=decimal),
                ha="left" if rising else "right",
                va="center",
                fontsize=11,
                fontweight="bold",
                color=INK,
            )
        ax.set_xlim(low - 0.1, high + 0.1)
        ax.set_xticks(range(low, high + 1))
        ax.set_ylim(n_cat - 0.5, -0.7)
        row_axis(ax, categories, width=20)
        handles = [
            Line2D([], [], **_BEFORE_MARKER, label=plain(before_label)),
            Line2D([], [], **_AFTER_MARKER, label=plain(after_label)),
        ]
        # One entry a line: scan names are long and would be cut off side by side.
        fig.legend(handles=handles, loc="outside lower center", ncols=1, frameon=False)
        return render(fig, chart_id=chart_id, title=title, summary=summary)
