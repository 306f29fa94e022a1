"""The chart toolkit: matplotlib figures rendered as inline SVG, and the parts charts share.

Every chart in Trustmirror is drawn with these functions, and rendered by :func:`render`
alone. Why the output is post-processed rather than used as matplotlib writes it:

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

Charts know nothing about privacy. They draw what they are given: callers pass only numbers
that passed :mod:`trustmirror.privacy`, and ``None`` for a group that may not be shown, which
is drawn as the caller's "not enough responses" text and no number.

Charts carry no more precision than the page prints. Every chart function rounds each value
it draws (bar ends, dot positions, interval ends, cell colours) with :func:`rounded` before
drawing, to its ``digits`` parameter: :data:`MEAN_DIGITS` for means, :data:`PERCENT_DIGITS`
for rates, :data:`COEFFICIENT_DIGITS` for reliability coefficients. Drawn to the full float
precision, the end of a bar would give a reader the exact mean (and, subtracted from other
exact means, possibly a small group's) where the page prints one decimal. Labels are plain text
(:func:`plain`): a ``$`` never starts matplotlib's math mode, and ``<`` or ``&`` come out
escaped.

Colours are from the palette of Okabe & Ito (2008), which stays distinguishable with the
common forms of colour blindness.

The chart families live beside this module, one each: :mod:`.profile`,
:mod:`.participation`, :mod:`.heatmap`, :mod:`.change`, :mod:`.breakdown`,
:mod:`.reliability` and :mod:`.unit_means`.
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
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

__all__ = [
    "BLUE",
    "COEFFICIENT_DIGITS",
    "GREEN",
    "GREY",
    "INK",
    "MEAN_DIGITS",
    "MUTED",
    "ORANGE",
    "PERCENT_DIGITS",
    "SERIES_COLOURS",
    "WIDTH_INCHES",
    "Series",
    "check_chart_id",
    "check_series",
    "figure",
    "grouped_bars",
    "note",
    "number",
    "plain",
    "reference_line",
    "render",
    "rounded",
    "row_axis",
    "scale_axis",
    "series_legend",
    "value_label",
    "without_namespaces",
    "wrap",
]

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
GREY = "#D9D9D9"
INK = "#1F2A33"
MUTED = "#5B6770"
SERIES_COLOURS = (BLUE, ORANGE, GREEN)

# Decimals the pages print, and so the most a chart may draw (see the module notes).
MEAN_DIGITS = 1
PERCENT_DIGITS = 0
COEFFICIENT_DIGITS = 2

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
# wider charts (the heatmap) pass their own width.
WIDTH_INCHES = 5.2
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

    def rounded(self, digits: int) -> Series:
        """The same series with every value and interval end rounded to ``digits``."""
        return Series(
            label=self.label,
            values=[rounded(v, digits) for v in self.values],
            ci_low=None if self.ci_low is None else [rounded(v, digits) for v in self.ci_low],
            ci_high=None if self.ci_high is None else [rounded(v, digits) for v in self.ci_high],
        )


def rounded(value: float | None, digits: int) -> float | None:
    """``value`` rounded to ``digits`` decimals as the pages print it; ``None`` stays ``None``.

    Python's rounding of the exact binary value, as ``f"{value:.1f}"`` does, so the drawn
    position and the number written beside it agree.
    """
    return None if value is None else round(float(value), digits)


def check_chart_id(chart_id: str) -> None:
    """Refuse an id that is not lowercase letters, digits and ``-`` (it prefixes SVG ids).

    Raises
    ------
    ValueError
        On any other id.
    """
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be lowercase letters, digits and '-': {chart_id!r}")


def check_series(
    name: str, series: Sequence[Series], categories: Sequence[str], colours: Sequence[str]
) -> None:
    """One series per colour at most, and one value per category in each.

    Raises
    ------
    ValueError
        Naming the chart function ``name`` and what is wrong.
    """
    if not 1 <= len(series) <= len(colours):
        raise ValueError(f"{name} takes 1 to {len(colours)} series")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.label!r} has {len(one.values)} values")


@contextmanager
def figure(height: float, *, width: float = WIDTH_INCHES) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one axes under the shared rc settings, ``height`` by ``width`` inches.

    Call :func:`render` inside the ``with`` block: ``savefig`` reads ``svg.hashsalt`` and
    ``svg.fonttype`` from those settings, and the output is only deterministic with them.
    """
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        yield fig, fig.add_subplot()


def render(fig: Figure, *, chart_id: str, title: str, summary: str) -> str:
    """The figure as an ``<svg>`` element fit for inline use under a strict CSP.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        From :func:`figure`, still inside its ``with`` block.
    chart_id : str
        Unique on the page: the ``id`` of the ``<svg>`` and the prefix of every id in it.
    title, summary : str
        Accessible name and description (``<title>`` and ``<desc>``), plain text.

    Returns
    -------
    str
        The ``<svg>`` element (no XML prolog), the same bytes for the same input.
    """
    check_chart_id(chart_id)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _clean_svg(buffer.getvalue(), chart_id=chart_id, title=title, summary=summary)


def without_namespaces(svg: str) -> str:
    """A rendered chart without its ``xmlns`` declarations, for a self-contained HTML file.

    The HTML parser puts an inline ``<svg>`` (and its ``xlink:href``) in the SVG namespace by
    itself, so a report that must not name any outside address can leave them out. The
    result is no longer standalone XML; web pages keep :func:`render`'s output as it is.
    """
    return svg.replace(f' xmlns="{SVG_NS}"', "").replace(f' xmlns:xlink="{XLINK_NS}"', "")


def note(ax: Axes, x: float, y: float, text: str, *, fontsize: float) -> None:
    """Italic grey text where a value may not, or cannot, be shown."""
    ax.text(
        x,
        y,
        plain(text),
        va="center",
        ha="left",
        fontsize=fontsize,
        fontstyle="italic",
        color=MUTED,
    )


def value_label(ax: Axes, x: float, y: float, text: str, *, fontsize: float, pad: float) -> None:
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


def reference_line(ax: Axes, x: float, label: str) -> None:
    """A dashed vertical line (scale midpoint, threshold) labelled above the first row."""
    ax.axvline(x, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
    ax.text(x, -0.55, plain(label), ha="center", va="bottom", fontsize=10, color=MUTED)


def grouped_bars(
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
    digits: int = MEAN_DIGITS,
) -> None:
    """Per category one horizontal bar per series, starting at ``low``.

    Each bar carries its value as a number with ``digits`` decimals (:func:`number`); an
    interval of the series, when ``intervals`` is true, is drawn as an error bar. A ``None``
    value draws ``suppressed_label`` in its place and no number. Values and intervals are
    drawn as given: round them first (:meth:`Series.rounded`).
    """
    for s, one in enumerate(series):
        for i, value in enumerate(one.values):
            y = i - 0.4 + bar * (s + 0.5)
            if value is None:
                note(ax, low + 0.05, y, suppressed_label, fontsize=note_fontsize)
                continue
            ax.barh(
                y,
                value - low,
                left=low,
                height=bar * 0.9,
                color=colours[s],
                label=plain(one.label) if i == _first_shown(one.values) else None,
            )
            ci = _interval(one, i) if intervals else None
            if ci is not None:
                # The interval runs along the bar's upper edge, so that the value can sit at
                # the end of its own bar: after the whisker, "2.1" read as about 2.7.
                top = y - bar * 0.36
                ax.plot(ci, (top, top), color=INK, linewidth=1.2, solid_capstyle="butt")
                for x in ci:
                    ax.plot((x, x), (top - bar * 0.09, top + bar * 0.09), color=INK, linewidth=1.2)
            text = number(value, digits=digits, decimal=decimal)
            value_label(ax, value + 0.06, y + bar * 0.06, text, fontsize=fontsize, pad=pad)


def scale_axis(ax: Axes, *, low: int, high: int, n_rows: int, midpoint_label: str) -> None:
    """The answer scale ``low..high`` on x with its midpoint marked; rows top to bottom on y."""
    reference_line(ax, (low + high) / 2, midpoint_label)
    ax.set_xlim(low, high + 0.45)
    ax.set_xticks(range(low, high + 1))
    ax.set_ylim(n_rows - 0.5, -0.85)


def row_axis(ax: Axes, labels: Sequence[str], *, width: int) -> None:
    """Row labels wrapped at ``width`` characters, no ticks or spine, a light vertical grid."""
    ax.set_yticks(range(len(labels)), [wrap(label, width) for label in labels])
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color="#E6E9EB", linewidth=0.8)
    ax.set_axisbelow(True)


def series_legend(
    fig: Figure, series: Sequence[Series], colours: Sequence[str], *, ncols: int
) -> None:
    """A colour patch per series, below the plot."""
    handles = [Patch(color=colours[s], label=plain(one.label)) for s, one in enumerate(series)]
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)


def plain(text: str) -> str:
    """Text that matplotlib shows as written: an unescaped ``$`` would start math mode."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def wrap(text: str, width: int) -> str:
    """:func:`plain` text broken over lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(plain(text), width=width, break_long_words=True)) or " "


def number(value: float, *, digits: int = MEAN_DIGITS, decimal: str = ".") -> str:
    """``value`` with ``digits`` decimals and the reader's decimal separator."""
    return f"{value:.{digits}f}".replace(".", decimal)


def _first_shown(values: Sequence[float | None]) -> int:
    return next((i for i, v in enumerate(values) if v is not None), -1)


def _interval(series: Series, i: int) -> tuple[float, float] | None:
    if series.ci_low is None or series.ci_high is None:
        return None
    low, high = series.ci_low[i], series.ci_high[i]
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return None
    return float(low), float(high)


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
    # The prefixes are registered again here, not only at import: ElementTree's registry is
    # global, and another library in the process may change it (WeasyPrint maps the empty
    # prefix to no namespace on import), which would turn every element into "ns0:svg".
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
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
