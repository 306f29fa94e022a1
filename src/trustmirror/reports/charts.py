"""Charts as inline SVG strings, drawn on the server with matplotlib.

Why the output is post-processed rather than used as matplotlib writes it:

* The site sends a strict Content-Security-Policy without ``'unsafe-inline'`` for styles.
  Matplotlib writes every colour as a ``style="..."`` attribute and adds a ``<style>``
  element; a browser under that policy ignores both and draws every shape black. Each
  declaration is therefore moved to the equivalent SVG presentation attribute
  (``fill="#0072b2"``), which the policy does not govern.
* Several charts share one HTML page, so every id is prefixed with the chart's own id and
  ids that nothing refers to are dropped.
* Output is deterministic (same input, same bytes): a fixed ``svg.hashsalt`` for the
  clip-path ids, no date and no metadata block.
* Text stays text (``svg.fonttype = "none"``): screen readers can read it, the page stays
  small and tests can inspect it.

These functions know nothing about privacy. They draw what they are given: callers pass only
numbers that passed :mod:`trustmirror.privacy`, and ``None`` for a group that may not be
shown, which is drawn as a grey marker with the caller's "not enough responses" text and no
number. Labels are plain text: a ``$`` never starts matplotlib's math mode, and ``<`` or
``&`` come out escaped.

Colours are from the palette of Okabe & Ito (2008), which stays distinguishable with the
common forms of colour blindness; the heatmap uses ColorBrewer's PuOr, a diverging map that
is also safe for them.
"""

from __future__ import annotations

import io
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402  (after choosing the backend, on purpose)
from matplotlib import colormaps  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

__all__ = [
    "BLUE",
    "GREY",
    "ORANGE",
    "Series",
    "heatmap_chart",
    "participation_chart",
    "profile_chart",
]

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
GREY = "#D9D9D9"
INK = "#1F2A33"
MUTED = "#5B6770"
SERIES_COLOURS = (BLUE, ORANGE, GREEN)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "trustmirror",
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "text.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Narrow figures, so that text stays readable when a phone scales the SVG down to its width;
# the heatmap is wider and scrolls sideways on a phone instead (see results.css).
WIDTH_INCHES = 5.2
HEATMAP_WIDTH_INCHES = 7.0
CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")

# CSS properties matplotlib writes that have an SVG presentation attribute of the same name.
PRESENTATION = {
    "clip-path",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "text-anchor",
}
FONT_FALLBACK = "'DejaVu Sans', Verdana, Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    """One coloured set of bars: a value per category, ``None`` for "may not be shown".

    ``ci_low``/``ci_high`` (optional) give a confidence interval per category, drawn as an
    error bar; ``None`` inside them draws none for that category.
    """

    label: str
    values: Sequence[float | None]
    ci_low: Sequence[float | None] | None = None
    ci_high: Sequence[float | None] | None = None


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

    Returns
    -------
    str
        An ``<svg>`` element, ready to place inline in HTML.
    """
    _check_id(chart_id)
    _check_series("profile_chart", series, categories, SERIES_COLOURS)
    low, high = scale
    n_cat, n_ser = len(categories), len(series)
    bar = 0.8 / n_ser
    per_category = 0.3 * n_ser + 0.22
    legend_room = 0.45 if n_ser > 1 else 0.0
    with _figure(per_category * n_cat + 0.95 + legend_room) as (fig, ax):
        _grouped_bars(
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
        )
        _scale_axis(ax, low, high, n_cat, midpoint_label)
        _row_axis(ax, categories, 20)
        if n_ser > 1:
            _series_legend(fig, series, SERIES_COLOURS, ncols=n_ser)
        return _render(fig, chart_id=chart_id, title=title, summary=summary)


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

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    _check_id(chart_id)
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
        [[np.nan if v is None else float(v) for v in row] for row in values], dtype=float
    ).reshape(len(rows), len(columns))
    cmap = colormaps["PuOr"].with_extremes(bad=GREY)
    norm = Normalize(vmin=low, vmax=high)
    with _figure(0.42 * len(rows) + 2.3, width=HEATMAP_WIDTH_INCHES) as (fig, ax):
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
                        _plain(markers[r]),
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
                        _number(value, decimal),
                        ha="center",
                        va="center",
                        fontsize=10,
                        color="#FFFFFF" if far else INK,
                    )
        ax.set_xticks(range(len(columns)), [_wrap(c, 13) for c in columns], fontsize=9)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(rows)), [_wrap(r, 30) for r in rows])
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
        bar.set_label(_plain(colour_label), fontsize=9)
        bar.outline.set_visible(False)
        fig.legend(
            handles=[Patch(facecolor=GREY, label=_plain(suppressed_legend))],
            loc="outside lower center",
            frameon=False,
            fontsize=9,
        )
        return _render(fig, chart_id=chart_id, title=title, summary=summary)


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

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    _check_id(chart_id)
    if not len(labels) == len(rates) == len(notes):
        raise ValueError("labels, rates and notes must have the same length")
    with _figure(0.38 * len(labels) + 0.9) as (fig, ax):
        for i, (rate, note) in enumerate(zip(rates, notes, strict=True)):
            if rate is None:
                _note(ax, 1, i, suppressed_label, fontsize=10)
                continue
            percent = 100 * min(max(rate, 0.0), 1.0)
            ax.barh(i, percent, height=0.7, color=BLUE)
            ax.text(percent + 1.5, i, _plain(note), va="center", ha="left", fontsize=11)
        ax.set_xlim(0, 135)
        ax.set_xticks(range(0, 101, 25), [f"{p}%" for p in range(0, 101, 25)])
        ax.set_xlabel(_plain(axis_label), fontsize=9, loc="left")
        ax.set_ylim(len(labels) - 0.5, -0.5)
        _row_axis(ax, labels, 22)
        return _render(fig, chart_id=chart_id, title=title, summary=summary)


def _check_id(chart_id: str) -> None:
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be lowercase letters, digits and '-': {chart_id!r}")


def _check_series(
    name: str, series: Sequence[Series], categories: Sequence[str], colours: Sequence[str]
) -> None:
    """One series per colour at most, and one value per category in each."""
    if not 1 <= len(series) <= len(colours):
        raise ValueError(f"{name} takes 1 to {len(colours)} series")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.label!r} has {len(one.values)} values")


@contextmanager
def _figure(height: float, *, width: float = WIDTH_INCHES) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one axes under the shared rc settings.

    Render inside the ``with`` block: ``savefig`` reads ``svg.hashsalt`` and ``svg.fonttype``
    from those settings, and the output is only deterministic with them.
    """
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        yield fig, fig.add_subplot()


def _note(ax: Axes, x: float, y: float, text: str, *, fontsize: float) -> None:
    """Italic grey text where a value may not, or cannot, be shown."""
    ax.text(
        x,
        y,
        _plain(text),
        va="center",
        ha="left",
        fontsize=fontsize,
        fontstyle="italic",
        color=MUTED,
    )


def _value_label(ax: Axes, x: float, y: float, text: str, *, fontsize: float, pad: float) -> None:
    """A number after its bar; the white box keeps it readable where it crosses a line."""
    ax.text(
        x,
        y,
        text,
        va="center",
        ha="left",
        fontsize=fontsize,
        color=INK,
        bbox={"facecolor": "#FFFFFF", "edgecolor": "none", "pad": pad},
    )


def _reference_line(ax: Axes, x: float, label: str) -> None:
    """A dashed vertical line (scale midpoint, threshold) labelled above the first row."""
    ax.axvline(x, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
    ax.text(x, -0.55, _plain(label), ha="center", va="bottom", fontsize=10, color=MUTED)


def _grouped_bars(
    ax: Axes,
    series: Sequence[Series],
    colours: Sequence[str],
    *,
    low: int,
    bar: float,
    suppressed_label: str,
    decimal: str,
    fontsize: float,
    note_fontsize: float,
    pad: float,
    intervals: bool,
) -> None:
    """Per category one horizontal bar per series, a note where a value is hidden."""
    for s, one in enumerate(series):
        for i, value in enumerate(one.values):
            y = i - 0.4 + bar * (s + 0.5)
            if value is None:
                _note(ax, low + 0.05, y, suppressed_label, fontsize=note_fontsize)
                continue
            ax.barh(
                y,
                value - low,
                left=low,
                height=bar * 0.9,
                color=colours[s],
                label=_plain(one.label) if i == _first_shown(one.values) else None,
            )
            end = value
            ci = _interval(one, i) if intervals else None
            if ci is not None:
                ax.plot(ci, (y, y), color=INK, linewidth=1.2, solid_capstyle="butt")
                for x in ci:
                    ax.plot((x, x), (y - bar * 0.22, y + bar * 0.22), color=INK, linewidth=1.2)
                end = max(end, ci[1])
            _value_label(ax, end + 0.06, y, _number(value, decimal), fontsize=fontsize, pad=pad)


def _scale_axis(ax: Axes, low: int, high: int, n_rows: int, midpoint_label: str) -> None:
    """The answer scale on x with its midpoint marked; rows top to bottom on y."""
    _reference_line(ax, (low + high) / 2, midpoint_label)
    ax.set_xlim(low, high + 0.45)
    ax.set_xticks(range(low, high + 1))
    ax.set_ylim(n_rows - 0.5, -0.85)


def _row_axis(ax: Axes, labels: Sequence[str], width: int) -> None:
    """Wrapped row labels without ticks or spine, and a light vertical grid behind the bars."""
    ax.set_yticks(range(len(labels)), [_wrap(label, width) for label in labels])
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color="#E6E9EB", linewidth=0.8)
    ax.set_axisbelow(True)


def _series_legend(
    fig: Figure, series: Sequence[Series], colours: Sequence[str], *, ncols: int
) -> None:
    """A colour patch per series, below the plot."""
    handles = [Patch(color=colours[s], label=_plain(one.label)) for s, one in enumerate(series)]
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)


def _plain(text: str) -> str:
    """Text that matplotlib shows as written: an unescaped ``$`` would start math mode."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(_plain(text), width=width, break_long_words=True)) or " "


def _number(value: float, decimal: str) -> str:
    return f"{value:.1f}".replace(".", decimal)


def _first_shown(values: Sequence[float | None]) -> int:
    return next((i for i, v in enumerate(values) if v is not None), -1)


def _interval(series: Series, i: int) -> tuple[float, float] | None:
    if series.ci_low is None or series.ci_high is None:
        return None
    low, high = series.ci_low[i], series.ci_high[i]
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    return float(low), float(high)


def _render(fig: Figure, *, chart_id: str, title: str, summary: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _clean_svg(buffer.getvalue(), chart_id=chart_id, title=title, summary=summary)


def _clean_svg(data: bytes, *, chart_id: str, title: str, summary: str) -> str:
    """Make matplotlib's SVG fit for inline use under a strict CSP (see the module notes)."""
    root = ET.fromstring(data)
    svg = f"{{{SVG_NS}}}"
    href = f"{{{XLINK_NS}}}href"
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{svg}metadata", f"{svg}style"):
                parent.remove(child)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{svg}defs" and len(child) == 0:
                parent.remove(child)

    referenced: set[str] = set()
    for element in root.iter():
        referenced.update(re.findall(r"url\(#([^)]+)\)", " ".join(element.attrib.values())))
        target = element.get(href) or element.get("href")
        if target and target.startswith("#"):
            referenced.add(target[1:])

    def rename(old: str) -> str:
        return f"{chart_id}-{old}"

    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _declarations(style):
                element.set(name, value)
        old_id = element.attrib.pop("id", None)
        if old_id in referenced:
            element.set("id", rename(old_id))
        for name, value in list(element.attrib.items()):
            if "url(#" in value:
                element.set(
                    name, re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{rename(m[1])})", value)
                )
            elif name in (href, "href") and value.startswith("#"):
                element.set(name, "#" + rename(value[1:]))

    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    # What the removed <style> element said, as inherited presentation attributes.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("width", "100%")
    root.set("class", "chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("id", chart_id)
    title_element = ET.Element(f"{svg}title", {"id": f"{chart_id}-title"})
    title_element.text = title
    desc_element = ET.Element(f"{svg}desc", {"id": f"{chart_id}-desc"})
    desc_element.text = summary
    root.insert(0, desc_element)
    root.insert(0, title_element)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        element.tail = None
    return ET.tostring(root, encoding="unicode")


def _declarations(style: str) -> list[tuple[str, str]]:
    pairs = []
    for declaration in style.split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "font-family":
            value = FONT_FALLBACK
        if name in PRESENTATION and value:
            pairs.append((name, value))
    return pairs
