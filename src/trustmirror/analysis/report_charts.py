"""Charts for the HTML report of ``trustmirror analyze``: unit means and reliability.

People read the report's charts before its tables, so each scale gets a dot plot of the unit
means and the report one bar chart of reliability; the tables stay beside them as the
accessible, exact complement. The charts are inline SVG drawn with matplotlib:

* Output is deterministic (same input, same bytes): a fixed ``svg.hashsalt`` per chart, no
  date, no metadata block, no matplotlib version in the file.
* Several charts share one page, so every id in a chart is prefixed with the chart's id.
* Text stays text (``svg.fonttype = "none"``): it can be selected, searched and read by a
  screen reader. Each SVG carries a ``<title>`` and a ``<desc>`` that lists what it shows,
  in the order drawn.
* Labels are plain text: a ``$`` in a unit or scale name never starts matplotlib's math mode;
  ``<`` and ``&`` are escaped (by matplotlib's XML writer in the drawing, by
  :func:`html.escape` in the texts added here).

These functions know nothing about privacy: callers pass only units that the privacy policy
lets them show.

Colours are from the palette of Okabe & Ito (2008), distinguishable with the common forms of
colour blindness; the markers also differ in shape of fill, not only in colour.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import stats

__all__ = [
    "AGREEMENT_CUTOFF",
    "MAX_UNITS",
    "RELIABILITY_CUTOFF",
    "TEXTS",
    "ScaleReliability",
    "UnitMean",
    "reliability_figure",
    "t_interval",
    "unit_means_figure",
]

AGREEMENT_CUTOFF = 0.70
RELIABILITY_CUTOFF = 0.70
# Beyond this many units a dot plot stops being readable; the extremes are what people look
# for, so the chart keeps the lowest and highest SHOWN_AT_EACH_END and says so.
MAX_UNITS = 40
SHOWN_AT_EACH_END = 20
MAX_LABEL_CHARS = 32

BLUE = "#0072B2"
ORANGE = "#E69F00"
INK = "#1F2A33"
MUTED = "#5B6770"

RC = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.usetex": False,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "text.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDTH_INCHES = 7.0
CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")

TEXTS: dict[str, dict[str, str]] = {
    "means_title": {
        "en": "%(scale)s: unit means with 95%% confidence intervals",
        "nl": "%(scale)s: gemiddelden per eenheid met 95%%-betrouwbaarheidsintervallen",
    },
    "means_axis": {
        "en": "mean score (1 = strongly disagree, %(points)s = strongly agree)",
        "nl": "gemiddelde score (1 = helemaal oneens, %(points)s = helemaal eens)",
    },
    "overall": {"en": "overall mean %(mean)s", "nl": "totaal gemiddelde %(mean)s"},
    "agree": {"en": "rwg(j) .70 or higher", "nl": "rwg(j) .70 of hoger"},
    "disagree": {"en": "rwg(j) below .70", "nl": "rwg(j) lager dan .70"},
    "disagree_or_none": {
        "en": "rwg(j) below .70 or not computable",
        "nl": "rwg(j) lager dan .70 of niet te berekenen",
    },
    "agreement_note": {
        "en": "Hollow markers: members of the unit agree less (rwg(j) below .70). That cut-off "
        "is a convention and is criticised (random answers can pass it): read agreement as "
        "information, together with ICC(1) and ICC(2).",
        "nl": "Open markers: leden van de eenheid zijn het minder eens (rwg(j) lager dan .70). "
        "Die grens is een conventie en staat ter discussie (willekeurige antwoorden kunnen "
        "hem halen): lees overeenstemming als informatie, samen met ICC(1) en ICC(2).",
    },
    "extremes_note": {
        "en": "%(units)s units: the chart shows the %(each)s lowest and the %(each)s highest "
        "means; the table lists all units.",
        "nl": "%(units)s eenheden: de grafiek toont de %(each)s laagste en de %(each)s hoogste "
        "gemiddelden; de tabel noemt alle eenheden.",
    },
    "hidden_note": {
        "en": "Units left out to protect anonymity: %(hidden)s (see the table).",
        "nl": "Eenheden weggelaten om de anonimiteit te beschermen: %(hidden)s (zie de tabel).",
    },
    "unit_point": {
        "en": "%(unit)s: mean %(mean)s, 95%% CI %(ci)s, n %(n)s, rwg(j) %(rwg)s",
        "nl": "%(unit)s: gemiddelde %(mean)s, 95%%-BI %(ci)s, n %(n)s, rwg(j) %(rwg)s",
    },
    "reliability_title": {
        "en": "Reliability per scale: Cronbach's alpha and McDonald's omega",
        "nl": "Betrouwbaarheid per schaal: Cronbachs alfa en McDonalds omega",
    },
    "reliability_axis": {"en": "reliability coefficient", "nl": "betrouwbaarheidscoëfficiënt"},
    "alpha": {"en": "alpha", "nl": "alfa"},
    "omega": {"en": "omega", "nl": "omega"},
    "cutoff_line": {"en": ".70", "nl": ".70"},
    "scale_point": {
        "en": "%(scale)s: alpha %(alpha)s, omega %(omega)s",
        "nl": "%(scale)s: alfa %(alpha)s, omega %(omega)s",
    },
    "reliability_note": {
        "en": "The line marks .70, a common lower bound for reliability. A dash: not "
        "computable (omega needs three items and a proper one-factor solution).",
        "nl": "De lijn staat op .70, een gangbare ondergrens voor betrouwbaarheid. Een streepje: "
        "niet te berekenen (omega vraagt drie items en een goede één-factoroplossing).",
    },
    "not_available": {"en": "–", "nl": "–"},
}


@dataclass(frozen=True)
class UnitMean:
    """One unit's scale result as the report may show it.

    ``n`` is the number of scored respondents; ``sd`` and ``rwg_j`` are ``None`` when not
    computable.
    """

    unit: str
    n: int
    mean: float
    sd: float | None
    rwg_j: float | None


@dataclass(frozen=True)
class ScaleReliability:
    """Alpha and omega of one scale; ``None`` when not computable."""

    scale: str
    alpha: float | None
    omega: float | None


def t_interval(
    mean: float | None, sd: float | None, n: int, *, level: float = 0.95
) -> tuple[float, float] | None:
    r"""Confidence interval of a mean from the t distribution.

    .. math:: \bar x \pm t_{1 - (1 - \text{level}) / 2,\; n - 1} \, s / \sqrt{n}

    Parameters
    ----------
    mean, sd
        Sample mean and standard deviation (``ddof=1``).
    n
        Number of observations.
    level
        Coverage, between 0 and 1.

    Returns
    -------
    tuple of float or None
        ``(low, high)``, or ``None`` when ``n < 2`` or a value is missing or not finite.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if mean is None or sd is None or n < 2 or not (math.isfinite(mean) and math.isfinite(sd)):
        return None
    half = float(stats.t.ppf(1 - (1 - level) / 2, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def unit_means_figure(
    units: Sequence[UnitMean],
    *,
    chart_id: str,
    scale: str,
    overall_mean: float | None,
    scale_points: int,
    n_hidden: int = 0,
    language: str = "en",
) -> str | None:
    """A ``<figure>`` with a dot plot of unit means, 95% t intervals and agreement.

    Units are sorted by mean, highest at the top; the overall mean is a vertical dashed line.
    A unit whose :math:`r_{wg(J)}` is below :data:`AGREEMENT_CUTOFF` (or not computable) gets a
    hollow marker. With more than :data:`MAX_UNITS` units only the lowest and highest
    :data:`SHOWN_AT_EACH_END` are drawn, with a note.

    Parameters
    ----------
    units
        Only units the privacy policy lets the report show.
    chart_id
        Lower-case id, unique on the page; prefixes every id inside the SVG.
    scale
        Scale name, shown in the title.
    overall_mean
        Mean of all scored respondents, or ``None`` to draw no line.
    scale_points
        Answers run from 1 to ``scale_points``; the axis spans that range.
    n_hidden
        Units left out by the privacy policy, mentioned in the caption.
    language
        ``"en"`` or ``"nl"``.

    Returns
    -------
    str or None
        HTML, or ``None`` when no unit can be drawn.
    """
    t = _texts(language)
    _check_id(chart_id)
    drawable = [u for u in units if u.mean is not None and math.isfinite(u.mean)]
    if not drawable:
        return None
    # A stable sort keeps the caller's (table) order among equal means: same input, same SVG.
    ordered = sorted(drawable, key=lambda u: u.mean)
    truncated = len(ordered) > MAX_UNITS
    if truncated:
        ordered = ordered[:SHOWN_AT_EACH_END] + ordered[-SHOWN_AT_EACH_END:]
    # Drawn bottom to top, so the highest mean ends up at the top of the chart.
    rows = list(range(len(ordered)))
    if truncated:
        rows = [i if i < SHOWN_AT_EACH_END else i + 1 for i in rows]
    intervals = [t_interval(u.mean, u.sd, u.n) for u in ordered]
    agree = [u.rwg_j is not None and u.rwg_j >= AGREEMENT_CUTOFF for u in ordered]
    any_missing_rwg = any(u.rwg_j is None for u in ordered)

    lows = [ci[0] for ci in intervals if ci] + [u.mean for u in ordered]
    highs = [ci[1] for ci in intervals if ci] + [u.mean for u in ordered]
    x_low = min(1.0, min(lows)) - 0.15
    x_high = max(float(scale_points), max(highs)) + 0.15
    n_rows = rows[-1] + 1
    height = 1.5 + 0.21 * n_rows

    with matplotlib.rc_context({**RC, "svg.hashsalt": f"trustmirror-{chart_id}"}):
        fig = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for row, unit, ci, filled in zip(rows, ordered, intervals, agree, strict=True):
            if ci:
                ax.plot(ci, (row, row), color=BLUE, linewidth=1.4, solid_capstyle="butt")
            ax.plot(
                unit.mean,
                row,
                marker="o",
                markersize=6.5,
                markeredgewidth=1.5,
                markeredgecolor=BLUE,
                markerfacecolor=BLUE if filled else "white",
                linestyle="none",
                zorder=3,
            )
        if truncated:
            ax.axhline(SHOWN_AT_EACH_END, color=MUTED, linewidth=0.8, linestyle=(0, (1, 3)))
        if overall_mean is not None and math.isfinite(overall_mean):
            ax.axvline(overall_mean, color=MUTED, linewidth=1.0, linestyle="--", zorder=1)
        ax.set_yticks(rows, [_short(u.unit) for u in ordered], parse_math=False, fontsize=9)
        ax.set_ylim(-0.7, n_rows - 0.3)
        ax.set_xlim(x_low, x_high)
        ax.set_xticks(range(1, scale_points + 1))
        ax.set_xlabel(t["means_axis"] % {"points": scale_points})
        ax.grid(axis="x", color="#E4E7EA", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.set_title(t["means_title"] % {"scale": scale}, loc="left", fontsize=11, parse_math=False)
        handles = [
            Line2D([], [], marker="o", color=BLUE, linestyle="none", label=t["agree"]),
            Line2D(
                [],
                [],
                marker="o",
                markeredgecolor=BLUE,
                markerfacecolor="white",
                markeredgewidth=1.5,
                linestyle="none",
                label=t["disagree_or_none" if any_missing_rwg else "disagree"],
            ),
        ]
        if overall_mean is not None and math.isfinite(overall_mean):
            handles.append(
                Line2D(
                    [],
                    [],
                    color=MUTED,
                    linestyle="--",
                    label=t["overall"] % {"mean": _num(overall_mean)},
                )
            )
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        svg = _render(
            fig,
            chart_id=chart_id,
            title=t["means_title"] % {"scale": scale},
            description="; ".join(
                t["unit_point"]
                % {
                    "unit": u.unit,
                    "mean": _num(u.mean),
                    "ci": _ci_text(ci, t),
                    "n": u.n,
                    "rwg": _num(u.rwg_j),
                }
                for u, ci in zip(reversed(ordered), reversed(intervals), strict=True)
            ),
        )
    notes = []
    if truncated:
        notes.append(t["extremes_note"] % {"units": len(drawable), "each": SHOWN_AT_EACH_END})
    notes.append(t["agreement_note"])
    if n_hidden:
        notes.append(t["hidden_note"] % {"hidden": n_hidden})
    return _figure_html(svg, notes)


def reliability_figure(
    scales: Sequence[ScaleReliability], *, chart_id: str, language: str = "en"
) -> str | None:
    """A ``<figure>`` with alpha and omega per scale as bars, and a line at .70.

    Returns
    -------
    str or None
        HTML, or ``None`` when no scale has a coefficient to draw.
    """
    t = _texts(language)
    _check_id(chart_id)
    if not any(s.alpha is not None or s.omega is not None for s in scales):
        return None
    values = [v for s in scales for v in (s.alpha, s.omega) if v is not None]
    x_low = min(0.0, min(values) - 0.05)
    bar = 0.38
    height = 1.4 + 0.55 * len(scales)
    # First scale at the top, as in the report below the chart.
    positions = list(range(len(scales) - 1, -1, -1))
    with matplotlib.rc_context({**RC, "svg.hashsalt": f"trustmirror-{chart_id}"}):
        fig = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for offset, key, colour in ((bar / 2, "alpha", BLUE), (-bar / 2, "omega", ORANGE)):
            for y, scale in zip(positions, scales, strict=True):
                value = getattr(scale, key)
                if value is None:
                    ax.text(
                        max(x_low, 0.0) + 0.01,
                        y + offset,
                        t["not_available"],
                        va="center",
                        fontsize=8,
                        color=MUTED,
                    )
                    continue
                ax.barh(y + offset, value, height=bar, color=colour)
                ax.text(
                    max(value, 0.0) + 0.01,
                    y + offset,
                    _num(value),
                    va="center",
                    fontsize=8,
                    color=INK,
                )
        ax.axvline(RELIABILITY_CUTOFF, color=MUTED, linewidth=1.0, linestyle="--")
        ax.set_xlim(x_low, 1.08)
        ax.set_ylim(-0.6, len(scales) - 0.4)
        ax.set_yticks(positions, [_short(s.scale) for s in scales], parse_math=False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(t["reliability_axis"])
        ax.set_title(t["reliability_title"], loc="left", fontsize=11)
        handles = [
            Line2D([], [], color=BLUE, linewidth=6, label=t["alpha"]),
            Line2D([], [], color=ORANGE, linewidth=6, label=t["omega"]),
            Line2D([], [], color=MUTED, linestyle="--", label=t["cutoff_line"]),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        svg = _render(
            fig,
            chart_id=chart_id,
            title=t["reliability_title"],
            description="; ".join(
                t["scale_point"]
                % {"scale": s.scale, "alpha": _num(s.alpha), "omega": _num(s.omega)}
                for s in scales
            ),
        )
    return _figure_html(svg, [t["reliability_note"]])


def _texts(language: str) -> dict[str, str]:
    if language not in ("en", "nl"):
        raise ValueError(f"language must be 'en' or 'nl', got {language!r}")
    return {key: texts[language] for key, texts in TEXTS.items()}


def _check_id(chart_id: str) -> None:
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must match {CHART_ID.pattern}, got {chart_id!r}")


def _num(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.2f}"


def _ci_text(ci: tuple[float, float] | None, t: Mapping[str, str]) -> str:
    return t["not_available"] if ci is None else f"{_num(ci[0])}–{_num(ci[1])}"


def _short(label: str) -> str:
    # Long names would squeeze the plot; the full name is in the <desc> and the table.
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _render(fig: Figure, *, chart_id: str, title: str, description: str) -> str:
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    return _clean_svg(buffer.getvalue(), chart_id=chart_id, title=title, description=description)


_ID = re.compile(r'( id="|href="#|url\(#)([^")]+)')


def _clean_svg(svg: str, *, chart_id: str, title: str, description: str) -> str:
    # Inline SVG in HTML needs neither the XML prolog nor the namespace declarations, and the
    # report should not point at outside addresses.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "")
    svg = _ID.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)
    e = html.escape
    head, _, body = svg.partition(">")
    return (
        f'{head} role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">\n'
        f'<title id="{chart_id}-title">{e(title)}</title>\n'
        f'<desc id="{chart_id}-desc">{e(description)}</desc>{body}'
    ).rstrip() + "\n"


def _figure_html(svg: str, notes: Sequence[str]) -> str:
    caption = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    return f'<figure class="chart">\n{svg}<figcaption>{caption}</figcaption>\n</figure>'
