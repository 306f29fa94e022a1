"""The breakdown page: the organisation's theme means per band of a characteristic.

Only organisation admins and analysts reach it (everyone else gets a 404). Which cells may be
shown is decided in :mod:`trustmirror.results.breakdown`; this module validates the request,
records the view and puts the shown numbers into words, a table and a chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.charts.breakdown import BREAKDOWN_COLOURS, breakdown_chart
from trustmirror.charts.svg import Series
from trustmirror.privacy import REASON_TOO_MANY_DIMENSIONS, REASONS
from trustmirror.privacy.policy import CellKey
from trustmirror.results.breakdown import (
    NOT_RECORDED,
    Breakdown,
    BreakdownRequestError,
    CellResult,
    available_dimensions,
    parse_dimensions,
    scan_breakdown,
)
from trustmirror.results.selectors import scan_results
from trustmirror.results.views import (
    analysed_scan,
    midpoint_text,
    number,
    reader_language,
    scale_text,
)
from trustmirror.surveys.models import Scan

PARAMETER = "by"


@dataclass(frozen=True)
class CellLine:
    """One row of the breakdown table: the cell's label, n and a text per theme."""

    label: str
    n: int
    values: list[str | None]
    is_other: bool = False


@login_required
@require_GET
def scan_breakdown_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    context = {
        "organisation": organisation,
        "scan": scan,
        "k": scan.min_group_size,
        "max_dimensions": scan.max_cut_dimensions,
        "parameter": PARAMETER,
    }
    if scan.max_cut_dimensions == 0:
        context["off"] = True
        return render(request, "results/breakdown.html", context)
    available = available_dimensions(scan)
    context["available"] = available
    requested = request.GET.getlist(PARAMETER)
    # The selects show what was asked for (a known name only), also when it was refused.
    context["slots"] = [
        requested[i] if i < len(requested) and requested[i] in available else ""
        for i in range(scan.max_cut_dimensions)
    ]
    try:
        dimensions = parse_dimensions(requested, available, scan.max_cut_dimensions)
    except BreakdownRequestError as error:
        context["error"] = _error_text(error, scan)
        return render(request, "results/breakdown.html", context, status=400)
    if not dimensions:
        return render(request, "results/breakdown.html", context)

    results = scan_results(scan=scan)
    breakdown = scan_breakdown(scan, dimensions, results=results)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_RESULTS,
        target=f"scan {scan.pk} breakdown by {' + '.join(dimensions)}",
    )
    lang = reader_language()
    themes = results.instrument.themes
    context["breakdown"] = breakdown
    context["dimension_text"] = " × ".join(dimensions)
    if not breakdown.allowed:
        context["reason"] = REASONS[breakdown.reason][lang] % {
            "k": scan.min_group_size,
            "max": scan.max_cut_dimensions,
            "group": "",
        }
        return render(request, "results/breakdown.html", context)
    lines = [_line(cell, themes) for cell in breakdown.cells]
    if breakdown.other is not None:
        lines.append(_line(breakdown.other, themes))
    context.update(
        {
            "theme_labels": [theme.label[lang] for theme in themes],
            "lines": lines,
            "chart": _chart(breakdown, themes, results, lang),
            "scale": scale_text(results, lang),
        }
    )
    return render(request, "results/breakdown.html", context)


def _error_text(error: BreakdownRequestError, scan: Scan) -> str:
    if error.code == "unknown":
        return _(
            "There is no characteristic “%(name)s” in this scan. Choose one from the list."
        ) % {"name": error.name}
    if error.code == "repeated":
        return _("Choose each characteristic only once.")
    if error.code == "too_many":
        return REASONS[REASON_TOO_MANY_DIMENSIONS][reader_language()] % {
            "max": scan.max_cut_dimensions
        }
    return _("Breakdowns are switched off for this scan.")


def cell_label(key: CellKey | None) -> str:
    """A cell as text: its bands joined, "not recorded" where no band was stored."""
    if key is None:
        return _("Other and not shown separately")
    return " · ".join(_("not recorded") if band == NOT_RECORDED else band for _name, band in key)


def _line(cell: CellResult, themes) -> CellLine:
    return CellLine(
        label=cell_label(cell.key),
        n=cell.n,
        values=[
            number(cell.means[theme.id]) if cell.means.get(theme.id) is not None else None
            for theme in themes
        ],
        is_other=cell.key is None,
    )


def _chart(breakdown: Breakdown, themes, results, lang: str) -> SafeString | None:
    cells = [*breakdown.cells, *([breakdown.other] if breakdown.other else [])]
    series = [
        Series(
            label=f"{cell_label(cell.key)} (n = {cell.n})",
            values=[cell.means.get(theme.id) for theme in themes],
        )
        for cell in cells
    ]
    if not series or len(series) > len(BREAKDOWN_COLOURS):
        return None  # the table says it all; more bars per theme would not be readable
    labels = [theme.label[lang] for theme in themes]
    summary = "; ".join(
        f"{one.label}: "
        + ", ".join(
            f"{label} {number(value)}" if value is not None else f"{label}: {_('not shown')}"
            for label, value in zip(labels, one.values, strict=True)
        )
        for one in series
    )
    # Only SVG generated by trustmirror.charts, which escapes every label, is marked safe.
    return mark_safe(
        breakdown_chart(
            chart_id="breakdown",
            categories=labels,
            series=series,
            title=_("Mean per theme by %(characteristic)s")
            % {"characteristic": " × ".join(breakdown.dimensions)},
            summary=summary,
            suppressed_label=_("not shown"),
            midpoint_label=_("neutral (%(mid)s)") % {"mid": midpoint_text(results)},
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )
    )
