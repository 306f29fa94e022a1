"""The consultant's scan pages: create a scan, its one-time links and their CSV download.

Only organisation admins reach these pages; another organisation's scan answers 404.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import MANAGE, organisation_or_404
from trustmirror.surveys.models import Invitation, Scan
from trustmirror.surveys.scan_forms import ScanCreateForm
from trustmirror.surveys.services import IssuedLink, scan_create
from trustmirror.surveys.tokens import looks_like_token, token_hash


@login_required
@require_http_methods(["GET", "POST"])
def scan_create_view(request: HttpRequest, org: str) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    form = ScanCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not organisation.people.exists():
            form.add_error(
                None, _("Import people first: a scan invites everyone in the organisation.")
            )
        else:
            scan, links = scan_create(organisation=organisation, **form.cleaned_data)
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.CREATE_SCAN,
                target=f"scan {scan.pk}: {len(links)} invitations",
            )
            # The links are shown exactly once, in this response: only their hashes are stored.
            return _links_page(request, scan, links, created=True)
    return render(request, "surveys/scan_create.html", {"organisation": organisation, "form": form})


def _links_page(
    request: HttpRequest, scan: Scan, links: list[IssuedLink], *, created: bool
) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    rows = sorted(
        ({"person": link.person, "url": base + link.path, "token": link.token} for link in links),
        key=lambda row: (row["person"].unit.path, row["person"].name),
    )
    return render(
        request,
        "surveys/scan_links.html",
        {"organisation": scan.organisation, "scan": scan, "rows": rows, "created": created},
    )


@login_required
@require_POST
def scan_links_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    """Turn the links shown on the page back into a CSV download for a mail merge.

    The server has no copy of the tokens: the browser posts them back from the page it was
    shown, and each is checked against the scan's stored hashes before it is written out.
    """
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    tokens = [t for t in request.POST.getlist("token") if looks_like_token(t)]
    invitations = Invitation.objects.filter(
        scan=scan, token_hash__in=[token_hash(t) for t in tokens]
    ).select_related("person__unit")
    by_hash = {inv.token_hash: inv for inv in invitations}
    base = request.build_absolute_uri("/").rstrip("/")
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.EXPORT_LINKS,
        target=f"scan {scan.pk}: {len(by_hash)} links",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trustmirror-links-scan-{scan.pk}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(["name", "email", "language", "unit", "link"])
    for token in tokens:
        invitation = by_hash.get(token_hash(token))
        if invitation is None:
            continue
        person = invitation.person
        writer.writerow(
            [person.name, person.email, person.language, person.unit.path, f"{base}/s/{token}"]
        )
    return response
