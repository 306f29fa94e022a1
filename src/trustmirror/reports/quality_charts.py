"""The reliability chart of the measurement-quality page, drawn like :mod:`.charts`.

Same conventions as :mod:`trustmirror.reports.charts` (inline SVG fit for a strict CSP,
deterministic output, text kept as text, Okabe & Ito colours), whose helpers it reuses:
alpha and omega of each scale as grouped horizontal bars on 0..1 with the customary .70
marked. Coefficients are shown with two decimals, as reliability is usually reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

from trustmirror.reports.charts import (
    INK,
    MUTED,
    RC,
    SERIES_COLOURS,
    WIDTH_INCHES,
    Series,
    _check_id,
    _plain,
    _render,
    _wrap,
)

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend, on purpose)
from matplotlib.patches import Patch  # noqa: E402

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

    Returns
    -------
    str
        An ``<svg>`` element.

    Notes
    -----
    The axis runs from 0 to 1. A negative coefficient (possible for alpha when items
    contradict each other) gets no bar but its number, drawn at 0.
    """
    _check_id(chart_id)
    if not 1 <= len(series) <= len(SERIES_COLOURS):
        raise ValueError(f"reliability_chart takes 1 to {len(SERIES_COLOURS)} series")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.label!r} has {len(one.values)} values")
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    with matplotlib.rc_context(RC):
        fig = Figure(
            figsize=(WIDTH_INCHES, (0.2 * n_ser + 0.14) * n_cat + 1.4),
            layout="constrained",
        )
        ax = fig.add_subplot()
        for s, one in enumerate(series):
            for i, value in enumerate(one.values):
                y = i - 0.4 + bar * (s + 0.5)
                if value is None:
                    ax.text(
                        0.01,
                        y,
                        _plain(missing_label),
                        va="center",
                        ha="left",
                        fontsize=9,
                        fontstyle="italic",
                        color=MUTED,
                    )
                    continue
                length = min(max(value, 0.0), 1.0)
                ax.barh(y, length, left=0, height=bar * 0.9, color=SERIES_COLOURS[s])
                ax.text(
                    length + 0.015,
                    y,
                    f"{value:.2f}".replace(".", decimal),
                    va="center",
                    ha="left",
                    fontsize=10,
                    color=INK,
                    bbox={"facecolor": "#FFFFFF", "edgecolor": "none", "pad": 0.8},
                )
        ax.axvline(threshold, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
        ax.text(
            threshold,
            -0.55,
            _plain(threshold_label),
            ha="center",
            va="bottom",
            fontsize=10,
            color=MUTED,
        )
        ax.set_xlim(0, 1.12)
        ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        ax.set_xticks(ticks, [f"{t:.1f}".replace(".", decimal) for t in ticks])
        ax.set_ylim(n_cat - 0.5, -0.85)
        ax.set_yticks(range(n_cat), [_wrap(c, 24) for c in categories])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color="#E6E9EB", linewidth=0.8)
        ax.set_axisbelow(True)
        handles = [
            Patch(color=SERIES_COLOURS[s], label=_plain(one.label)) for s, one in enumerate(series)
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=n_ser, frameon=False)
        return _render(fig, chart_id=chart_id, title=title, summary=summary)
