"""Trust against control: where groups stand in the four quadrants of the balance.

Trust runs along the horizontal axis, the amount of control along the vertical one, both on
the answer scale; dashed lines at the scale's midpoint divide the four quadrants, each named
in its corner. Every group is a dot (its own shape and colour) named in the legend. Drawn
with :mod:`trustmirror.charts.svg` like every chart (inline SVG fit for a strict CSP,
deterministic, text kept as text, Okabe & Ito colours); positions are rounded to what the
page prints before they are drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustmirror.charts.svg import (
    MEAN_DIGITS,
    MUTED,
    SERIES_COLOURS,
    check_chart_id,
    figure,
    plain,
    render,
    rounded,
    wrap,
)

__all__ = ["QuadrantPoint", "quadrant_chart"]

MARKERS = ("o", "s", "D")


@dataclass(frozen=True)
class QuadrantPoint:
    """One group in the chart: its name, its trust and its amount of control."""

    label: str
    trust: float
    control: float


def quadrant_chart(
    *,
    chart_id: str,
    points: Sequence[QuadrantPoint],
    corner_labels: Sequence[str],
    trust_label: str,
    control_label: str,
    title: str,
    summary: str,
    scale: tuple[int, int] = (1, 5),
    digits: int = MEAN_DIGITS,
) -> str:
    """A square of trust (x) against control (y) with the groups as labelled dots.

    Parameters
    ----------
    points : sequence of QuadrantPoint
        One to three groups; the first is the page's own and is drawn largest.
    corner_labels : sequence of str
        The quadrants' names: high trust with high control, high trust with low control,
        low trust with high control, low trust with low control.
    trust_label, control_label : str
        Axis titles.

    Raises
    ------
    ValueError
        Without points, with more points than colours, or without four corner labels.
    """
    check_chart_id(chart_id)
    if not 1 <= len(points) <= len(SERIES_COLOURS):
        raise ValueError(f"quadrant_chart takes 1 to {len(SERIES_COLOURS)} points")
    if len(corner_labels) != 4:
        raise ValueError("quadrant_chart needs four corner labels")
    low, high = scale
    mid = (low + high) / 2
    with figure(4.4 + 0.3 * ((len(points) + 1) // 2), width=4.6) as (fig, ax):
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        for value in (mid,):
            ax.axvline(value, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
            ax.axhline(value, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
        pad = 0.08
        corners = (
            (high - pad, high - pad, "right", "top"),
            (high - pad, low + pad, "right", "bottom"),
            (low + pad, high - pad, "left", "top"),
            (low + pad, low + pad, "left", "bottom"),
        )
        for (x, y, ha, va), text in zip(corners, corner_labels, strict=True):
            ax.text(x, y, wrap(text, 16), ha=ha, va=va, fontsize=10.5, color=MUTED)
        handles = []
        for position, (point, colour) in enumerate(zip(points, SERIES_COLOURS, strict=False)):
            x, y = rounded(point.trust, digits), rounded(point.control, digits)
            # Shape as well as colour tells the groups apart; the page's own is largest.
            handles.append(
                ax.scatter(
                    [x],
                    [y],
                    s=120 if position == 0 else 80,
                    marker=MARKERS[position],
                    color=colour,
                    zorder=3 - position * 0.1,
                    edgecolors="white",
                    label=plain(point.label),
                )
            )
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 2),
            frameon=False,
            fontsize=11,
        )
        ticks = list(range(low, high + 1))
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.tick_params(labelsize=11)
        ax.set_xlabel(wrap(trust_label, 34), fontsize=11)
        ax.set_ylabel(wrap(control_label, 30), fontsize=11)
        return render(fig, chart_id=chart_id, title=title, summary=summary)
