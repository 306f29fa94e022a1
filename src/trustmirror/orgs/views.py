"""The consultant's pages: organisation dashboard, people import, scan creation and links."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import ANALYSE, MANAGE, has_kind, organisation_or_404, visible_units
from trustmirror.orgs.forms import PeopleImportForm, ScanCreateForm
from trustmirror.orgs.importing import ImportFailed, people_import
from trustmirror.orgs.models import Person, Role, Unit
from trustmirror.surveys.models import Invitation, Scan
from trustmirror.surveys.services import IssuedLink, scan_create
from trustmirror.surveys.tokens import looks_like_token, token_hash

UNIT_ROLES = (Role.LEAD, Role.MEMBER)


def unit_tree(units: list[Unit], counts: dict[int, int]) -> list[dict]:
    """Nest units for display: [{unit, people, children: [...]}, ...]."""
    nodes = {u.pk: {"unit": u, "people": counts.get(u.pk, 0), "children": []} for u in units}
    roots = []
    for unit in units:
        node = nodes[unit.pk]
        if unit.parent_id in nodes:
            nodes[unit.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


@login_required
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    organisation, roles = organisation_or_404(request.user, org)
    units = list(visible_units(roles, organisation))
    counts = dict(
        Person.objects.filter(organisation=organisation)
        .values_list("unit")
        .annotate(n=Count("id"))
        .values_list("unit", "n")
    )
    return render(
        request,
        "orgs/dashboard.html",
        {
            "organisation": organisation,
            "can_manage": has_kind(roles, MANAGE),
            "can_analyse": has_kind(roles, ANALYSE),
            "tree": unit_tree(units, counts),
            "people_count": sum(counts.get(u.pk, 0) for u in units),
            "scans": organisation.scans.all(),
            # leads and members go straight to the unit(s) their role covers
            "role_units": [r.unit for r in roles if r.unit is not None and r.kind in UNIT_ROLES],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_import_view(request: HttpRequest, org: str) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    errors: list[str] = []
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = people_import(
                organisation=organisation, filename=upload.name, content=upload.read()
            )
        except ImportFailed as failure:
            errors = failure.errors
        else:
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.IMPORT_PEOPLE,
                target=f"{upload.name}: {result.created} new, {result.updated} updated",
            )
            messages.success(
                request,
                _(
                    "Import done. New people: %(created)d. Updated: %(updated)d. "
                    "New units: %(units)d."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "units": result.units_created,
                },
            )
            return redirect("orgs:dashboard", org=organisation.slug)
    return render(
        request,
        "orgs/people_import.html",
        {"organisation": organisation, "form": form, "errors": errors},
    )


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
    return render(request, "orgs/scan_create.html", {"organisation": organisation, "form": form})


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
        "orgs/scan_links.html",
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
