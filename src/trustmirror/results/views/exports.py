"""Downloading a scan's data: the published aggregates, and respondent-level data for research.

The aggregates (CSV or XLSX) are for those who may open the scan overview (admins and
analysts), from the same published version, in the reader's language. Respondent-level data
(a zip with CSV, XLSX, SPSS and a codebook) is for organisation admins only, for a closed scan
with final results. Every download is logged in the audit log; a refusal is a 404, as for
anything a reader may not open.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import MANAGE, organisation_or_404
from trustmirror.results import exports, research, wording
from trustmirror.results.views.common import analysed_scan
from trustmirror.surveys.models import Scan


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang")
    return lang if lang in exports.LANGUAGES else wording.reader_language()


def _unavailable(request, organisation, scan, error: exports.ExportError) -> HttpResponse:
    context = {"organisation": organisation, "scan": scan, "message": str(error)}
    return render(request, "results/export_unavailable.html", context, status=404)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def aggregates_export(request: HttpRequest, org: str, scan_id: int, fmt: str) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    if fmt not in exports.FORMATS:
        raise Http404
    lang = _language(request)
    try:
        if fmt == "csv":
            lines = exports.aggregates_csv(scan, lang=lang)
            response = StreamingHttpResponse(lines, content_type=exports.MEDIA_TYPES[fmt])
        else:
            content = exports.aggregates_xlsx(scan, lang=lang)
            response = HttpResponse(content, content_type=exports.MEDIA_TYPES[fmt])
    except exports.ExportError as error:
        return _unavailable(request, organisation, scan, error)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.EXPORT_AGGREGATES,
        target=f"scan {scan.pk} results {fmt} {lang}",
    )
    return _attachment(response, exports.aggregates_filename(scan, fmt, lang))


@login_required
@require_GET
def research_export(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    lang = _language(request)
    try:
        content = research.research_zip(research.research_data(scan), lang=lang)
    except exports.ExportError as error:
        return _unavailable(request, organisation, scan, error)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.EXPORT_RESEARCH,
        target=f"scan {scan.pk} respondent-level data zip {lang}",
    )
    response = HttpResponse(content, content_type=exports.MEDIA_TYPES["zip"])
    return _attachment(response, research.research_filename(scan, "zip", lang))
