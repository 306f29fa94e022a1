"""Shares that add up to a whole: the relational round's team picture.

One horizontal bar per row, split into coloured parts of 0..100 %: how a team's trust is
built up (the giver, the receiver, the relationship) and how mutual its pairs are. Drawn with
:mod:`trustmirror.charts.svg` like every chart (inline SVG fit for a strict CSP,
deterministic, text kept as text, Okabe & Ito colours). The parts are published in whole
steps already (:mod:`trustmirror.privacy.relational`); a part of at least 10 % carries its
number.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.patches import Patch

from trustmirror.charts.svg import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    check_chart_id,
    figure,
    plain,
    render,
    row_axis,
)

__all__ = ["PART_COLOURS", "PATTERN_COLOURS", "shares_chart"]

#: Okabe & Ito's vermillion, for a part that reads as a warning.
VERMILLION = "#D55E00"
#: Up to four parts; the last (grey) is for "neither" categories.
PART_COLOURS = (BLUE, ORANGE, GREEN, GREY)
#: Mutual, one-sided, in between, low both ways: good green, warning orange, neutral grey,
#: bad vermillion (not the first chart's green, which there means "the pair").
PATTERN_COLOURS = (GREEN, ORANGE, GREY, VERMILLION)
_DARK = (BLUE, GREEN, VERMILLION)
_LABEL_FROM = 10


def shares_chart(
    *,
    chart_id: str,
    rows: Sequence[str],
    parts: Sequence[str],
    values: Sequence[Sequence[int | None]],
    title: str,
    summary: str,
    missing_label: str,
    colours: Sequence[str] = PART_COLOURS,
) -> str:
    """Stacked 100 % bars: ``values[r][p]`` is part ``p``'s percentage in row ``r``.

    A row whose values are all ``None`` draws ``missing_label`` instead of a bar. Values are
    drawn as given and normalised to their sum, so a row rounded to 105 % still fills the
    width exactly.

    Raises
    ------
    ValueError
        With more parts than colours, or a row whose number of values differs from ``parts``.
    """
    check_chart_id(chart_id)
    if not 1 <= len(parts) <= len(colours):
        raise ValueError(f"shares_chart takes 1 to {len(colours)} parts")
    if len(values) != len(rows) or any(len(row) != len(parts) for row in values):
        raise ValueError("shares_chart needs one value per part in every row")
    with figure(0.55 * len(rows) + 1.0) as (fig, ax):
        for r, row in enumerate(values):
            if all(v is None for v in row):
                ax.text(1, r, plain(missing_label), va="center", fontsize=9, style="italic")
                continue
            total = sum(v or 0 for v in row) or 1
            left = 0.0
            for p, value in enumerate(row):
                width = 100.0 * (value or 0) / total
                if width <= 0:
                    continue
                ax.barh(r, width, left=left, height=0.6, color=colours[p])
                if value >= _LABEL_FROM:
                    colour = "white" if colours[p] in _DARK else "black"
                    ax.text(
                        left + width / 2,
                        r,
                        f"{value} %",
                        ha="center",
                        va="center",
                        fontsize=9,
                        color=colour,
                    )
                left += width
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        row_axis(ax, rows, width=22)
        handles = [Patch(color=colours[p], label=plain(label)) for p, label in enumerate(parts)]
        fig.legend(
            handles=handles, loc="outside lower center", ncols=min(len(parts), 2), frameon=False
        )
        return render(fig, chart_id=chart_id, title=title, summary=summary)
