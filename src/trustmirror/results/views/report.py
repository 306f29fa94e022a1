"""Downloading a scan's reports: the organisation's and a unit's, as PDF or printable HTML.

Who may download a report is who may open its page: the organisation's report for those who
analyse (the scan overview), a unit's report for those who may open that unit's page. A unit
that the page shows without numbers has no report. Each download is logged in the audit log.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import organisation_or_404, visible_units
from trustmirror.results import reports, wording
from trustmirror.results.views.common import analysed_scan
from trustmirror.surveys.models import Scan


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang")
    return lang if lang in reports.LANGUAGES else wording.reader_language()


def _respond(request, organisation, scan, make, target: str, fmt: str) -> HttpResponse:
    if fmt not in reports.FORMATS:
        raise Http404
    lang = _language(request)
    try:
        report = make(lang)
    except reports.ReportError as error:
        context = {"organisation": organisation, "scan": scan, "message": str(error)}
        return render(request, "results/report_unavailable.html", context, status=404)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.DOWNLOAD_REPORT,
        target=f"scan {scan.pk} {target} {fmt} {lang}",
    )
    response = HttpResponse(report.content, content_type=report.media_type)
    disposition = "attachment" if fmt == "pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def organisation_report(request: HttpRequest, org: str, scan_id: int, fmt: str) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    return _respond(
        request,
        organisation,
        scan,
        lambda lang: reports.organisation_report(scan, lang=lang, fmt=fmt, standalone=False),
        "organisation report",
        fmt,
    )


@login_required
@require_GET
def unit_report(
    request: HttpRequest, org: str, scan_id: int, unit_id: int, fmt: str
) -> HttpResponse:
    organisation, roles = organisation_or_404(request.user, org)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    unit = get_object_or_404(visible_units(roles, organisation), pk=unit_id)
    return _respond(
        request,
        organisation,
        scan,
        lambda lang: reports.team_report(scan, unit, lang=lang, fmt=fmt, standalone=False),
        f"{unit.path} report",
        fmt,
    )
