"""The consultant's scan pages: create a scan, its one-time links and their CSV download, and
the scan's own page with its settings and the actions of its life (close, extend, delete).

Only organisation admins reach these pages; another organisation's scan answers 404. Every
action is a POST (with Django's CSRF check) and leaves an audit event.

Whether a scan's results were published decides whether its k may go down, so these views
ask :func:`trustmirror.results.selectors.has_published`: the only place where surveys reads
the results app, and only in this module (the results' status line on the page comes from
the ``scan_results`` template tag).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import MANAGE, organisation_or_404
from trustmirror.orgs.models import Organisation
from trustmirror.results.selectors import has_published
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.scan_forms import (
    ScanCloseForm,
    ScanCreateForm,
    ScanDeleteForm,
    ScanEditForm,
    ScanExtendForm,
)
from trustmirror.surveys.services import (
    IssuedLink,
    scan_close,
    scan_create,
    scan_delete,
    scan_extend,
    scan_update,
)
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


# -- a scan's own page and its actions -----------------------------------------------------------


def _managed_scan(request: HttpRequest, org: str, scan_id: int) -> tuple[Organisation, Scan]:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    return organisation, get_object_or_404(Scan, pk=scan_id, organisation=organisation)


def _manage_page(
    request: HttpRequest,
    scan: Scan,
    *,
    edit_form: ScanEditForm | None = None,
    extend_form: ScanExtendForm | None = None,
    close_form: ScanCloseForm | None = None,
    delete_form: ScanDeleteForm | None = None,
) -> HttpResponse:
    phase = scan.phase()
    return render(
        request,
        "surveys/scan_manage.html",
        {
            "organisation": scan.organisation,
            "scan": scan,
            "phase": phase,
            "invitations": scan.invitations.count(),
            "edit_form": edit_form or ScanEditForm(scan=scan),
            "can_close": phase == Scan.OPEN,
            "close_form": close_form or ScanCloseForm(prefix="close"),
            "can_extend": phase in (Scan.SCHEDULED, Scan.OPEN),
            "extend_form": extend_form or ScanExtendForm(scan=scan, prefix="extend"),
            "can_delete": not Response.objects.filter(scan=scan).exists(),
            "delete_form": delete_form or ScanDeleteForm(prefix="delete"),
        },
    )


def _back_to_scan(scan: Scan) -> HttpResponse:
    return redirect("scans:manage", org=scan.organisation.slug, scan_id=scan.pk)


def _refused(request: HttpRequest, scan: Scan, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return _back_to_scan(scan)


@login_required
@require_GET
def scan_manage_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    _organisation, scan = _managed_scan(request, org, scan_id)
    return _manage_page(request, scan)


@login_required
@require_POST
def scan_edit_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = _managed_scan(request, org, scan_id)
    form = ScanEditForm(request.POST, scan=scan)
    if form.is_valid():
        try:
            changes = scan_update(scan=scan, published=has_published(scan), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not changes:
                messages.info(request, _("Nothing changed."))
                return _back_to_scan(scan)
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.EDIT_SCAN,
                target=f"scan {scan.pk}: "
                + ", ".join(f"{name} {old} -> {new}" for name, (old, new) in changes.items()),
            )
            messages.success(request, _("The scan's settings are saved."))
            return _back_to_scan(scan)
    return _manage_page(request, scan, edit_form=form)


@login_required
@require_POST
def scan_close_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = _managed_scan(request, org, scan_id)
    form = ScanCloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _manage_page(request, scan, close_form=form)
    try:
        scan = scan_close(scan=scan)
    except ValidationError as error:
        return _refused(request, scan, error)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.CLOSE_SCAN,
        target=f"scan {scan.pk}: closes_on {scan.closes_on.isoformat()}",
    )
    messages.success(
        request,
        _(
            "The scan is closed and accepts no more answers. The final results are now "
            "published in the background; they appear within a few minutes."
        ),
    )
    return _back_to_scan(scan)


@login_required
@require_POST
def scan_extend_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = _managed_scan(request, org, scan_id)
    form = ScanExtendForm(request.POST, scan=scan, prefix="extend")
    if form.is_valid():
        before = scan.closes_on
        try:
            scan = scan_extend(scan=scan, closes_on=form.cleaned_data["closes_on"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, scan, error)
            form.add_error(None, error)
        else:
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.EXTEND_SCAN,
                target=f"scan {scan.pk}: closes_on {before.isoformat()} -> "
                f"{scan.closes_on.isoformat()}",
            )
            messages.success(
                request,
                _("The scan now closes on %(date)s.")
                % {"date": date_format(scan.closes_on, "j F Y")},
            )
            return _back_to_scan(scan)
    return _manage_page(request, scan, extend_form=form)


@login_required
@require_POST
def scan_delete_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = _managed_scan(request, org, scan_id)
    form = ScanDeleteForm(request.POST, prefix="delete")
    if not form.is_valid():
        return _manage_page(request, scan, delete_form=form)
    pk, name = scan.pk, scan.name
    try:
        invitations = scan_delete(scan=scan)
    except ValidationError as error:
        return _refused(request, scan, error)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.DELETE_SCAN,
        target=f"scan {pk} {name!r}: {invitations} invitations",
    )
    messages.success(
        request, _("The scan “%(name)s” is deleted, with its invitations.") % {"name": name}
    )
    return redirect("orgs:dashboard", org=organisation.slug)
