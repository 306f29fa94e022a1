"""The heatmap: units x themes, one coloured cell per mean, grey where nothing may be shown.

Drawn and rendered with :mod:`trustmirror.charts.svg`. The colours are ColorBrewer's PuOr, a
diverging map that stays distinguishable with the common forms of colour blindness; the
mean is also written in each cell, so the colour is never the only carrier of a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.patches import Patch

from trustmirror.charts.svg import (
    GREY,
    INK,
    MEAN_DIGITS,
    check_chart_id,
    figure,
    number,
    plain,
    render,
    rounded,
    wrap,
)

__all__ = ["HEATMAP_WIDTH_INCHES", "heatmap_chart"]

# Wider than the other charts: on a phone it scrolls sideways instead (see results.css).
HEATMAP_WIDTH_INCHES = 7.0


def heatmap_chart(
    *,
    chart_id: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    title: str,
    summary: str,
    suppressed_label: str | Sequence[str],
    suppressed_legend: str,
    colour_label: str,
    scale: tuple[int, int] = (1, 5),
    decimal: str = ".",
    digits: int = MEAN_DIGITS,
) -> str:
    """Units x themes: one coloured cell per mean, grey cells where nothing may be shown.

    Parameters
    ----------
    chart_id : str
        Unique on the page; prefixes every id in the SVG.
    rows, columns : sequence of str
        Row labels (units) and column labels (themes).
    values : sequence of sequence of float or None
        ``values[r][c]``; ``None`` draws a grey cell with ``suppressed_label``.
    title, summary : str
        Accessible name and description.
    suppressed_label : str or sequence of str
        Short text in a grey cell, e.g. "n < 5" (no score); a sequence gives one per row.
    suppressed_legend : str
        Legend text for the grey cells.
    colour_label : str
        Caption of the colour bar.
    scale : (int, int)
        Lowest and highest answer: the ends of the colour scale.
    decimal : str
        Decimal separator of the reader's language.
    digits : int, default 1
        Decimals the page prints: every value is rounded to them before it is coloured and
        written, so the chart tells no more than the text.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    check_chart_id(chart_id)
    if len(values) != len(rows) or any(len(row) != len(columns) for row in values):
        raise ValueError("values must have one row per row label and one value per column")
    markers = (
        [suppressed_label] * len(rows)
        if isinstance(suppressed_label, str)
        else list(suppressed_label)
    )
    if len(markers) != len(rows):
        raise ValueError("suppressed_label needs one text per row")
    low, high = scale
    grid = np.array(
        [[np.nan if v is None else rounded(v, digits) for v in row] for row in values], dtype=float
    ).reshape(len(rows), len(columns))
    cmap = colormaps["PuOr"].with_extremes(bad=GREY)
    norm = Normalize(vmin=low, vmax=high)
    with figure(0.42 * len(rows) + 2.3, width=HEATMAP_WIDTH_INCHES) as (fig, ax):
        # Vector cells (not imshow's embedded bitmap): crisp at any zoom, small, text-free.
        image = ax.pcolormesh(
            np.arange(-0.5, len(columns)),
            np.arange(-0.5, len(rows)),
            np.ma.masked_invalid(grid),
            cmap=cmap,
            norm=norm,
            edgecolors="#FFFFFF",
            linewidth=2,
        )
        ax.set_xlim(-0.5, len(columns) - 0.5)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        for r in range(len(rows)):
            for c in range(len(columns)):
                value = grid[r, c]
                if np.isnan(value):
                    ax.text(
                        c,
                        r,
                        plain(markers[r]),
                        ha="center",
                        va="center",
                        fontsize=9,
                        color=INK,
                        fontstyle="italic",
                    )
                else:
                    # Light text on the dark ends of the map, dark text in its pale middle.
                    far = abs(norm(value) - 0.5) > 0.3
                    ax.text(
                        c,
                        r,
                        number(value, digits=digits, decimal=decimal),
                        ha="center",
                        va="center",
                        fontsize=10,
                        color="#FFFFFF" if far else INK,
                    )
        ax.set_xticks(range(len(columns)), [wrap(c, 13) for c in columns], fontsize=9)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(rows)), [wrap(r, 30) for r in rows])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(
            image,
            ax=ax,
            orientation="horizontal",
            location="bottom",
            shrink=0.6,
            aspect=30,
            pad=0.02,
        )
        bar.set_ticks(range(low, high + 1))
        bar.set_label(plain(colour_label), fontsize=9)
        bar.outline.set_visible(False)
        fig.legend(
            handles=[Patch(facecolor=GREY, label=plain(suppressed_legend))],
            loc="outside lower center",
            frameon=False,
            fontsize=9,
        )
        return render(fig, chart_id=chart_id, title=title, summary=summary)
