"""The breakdown page: the organisation's theme means per band of a characteristic.

Only organisation admins and analysts reach it (everyone else gets a 404). Every offered cut
was decided and computed when the final results were published
(:mod:`trustmirror.results.breakdown`); this module validates the request, records the view
and puts the stored numbers into words, a table and a chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.results import figures, wording
from trustmirror.results.breakdown import (
    BreakdownRequestError,
    CellResult,
    breakdown_from,
    parse_dimensions,
)
from trustmirror.results.selectors import published_results
from trustmirror.results.views.common import analysed_scan, status_context
from trustmirror.results.wording import cell_label
from trustmirror.surveys.models import Scan

PARAMETER = "by"


@dataclass(frozen=True)
class CellLine:
    """One row of the breakdown table: the cell's label, n and a text per theme."""

    label: str
    n: int | None  # None where the organisation's count is withheld
    values: list[str | None]
    is_other: bool = False


@login_required
@require_GET
def scan_breakdown_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    results, _participation = published_results(scan)
    context = {
        "organisation": organisation,
        "scan": scan,
        "k": results.k if results else scan.min_group_size,
        "max_dimensions": scan.max_cut_dimensions,
        "parameter": PARAMETER,
        "results": results,
        **status_context(scan, results),
    }
    if scan.max_cut_dimensions == 0 or scan.interim_results:
        context["off"] = True
        context["interim"] = scan.interim_results
        return render(request, "results/breakdown.html", context)
    stored = results.publication.payload.get("breakdowns") if results is not None else None
    if stored is None:
        context["not_yet"] = True
        return render(request, "results/breakdown.html", context)
    available = list(stored.get("dimensions", []))
    context["available"] = available
    context["available_labels"] = [(name, wording.characteristic(name)) for name in available]
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

    breakdown = breakdown_from(stored, dimensions)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_RESULTS,
        target=f"scan {scan.pk} breakdown by {' + '.join(dimensions)}",
    )
    lang = wording.reader_language()
    themes = results.instrument.themes
    context["breakdown"] = breakdown
    context["dimension_text"] = " × ".join(wording.characteristic(name) for name in dimensions)
    if not breakdown.allowed:
        context["reason"] = wording.reason_text(breakdown.reason, k=results.k)
        return render(request, "results/breakdown.html", context)
    lines = [_line(cell, themes) for cell in breakdown.cells]
    if breakdown.other is not None:
        lines.append(_line(breakdown.other, themes))
    context.update(
        {
            "theme_labels": [theme.label[lang] for theme in themes],
            "lines": lines,
            "chart": figures.breakdown_figure(results, breakdown, cell_label),
            "scale": wording.scale_text(results.instrument, lang),
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
        return wording.too_many_dimensions_text(scan.max_cut_dimensions)
    return _("Breakdowns are switched off for this scan.")


def _line(cell: CellResult, themes) -> CellLine:
    return CellLine(
        label=cell_label(cell.key),
        n=cell.n,
        values=[
            wording.number(cell.means[theme.id]) if cell.means.get(theme.id) is not None else None
            for theme in themes
        ],
        is_other=cell.key is None,
    )
