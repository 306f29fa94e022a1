"""The consultant's scan pages: create a scan, and the scan's own page with its settings, the
delivery of its links (:mod:`trustmirror.delivery.views`) and the actions of its life (close,
extend, delete). Nobody is ever shown a survey link here.

Only organisation admins reach these pages; another organisation's scan answers 404. Every
action is a POST (with Django's CSRF check) and leaves an audit event.

Whether a scan's results were published decides whether its k may go down, so these views
ask :func:`trustmirror.results.selectors.has_published`: the only place where surveys reads
the results app, and only in this module (the results' status line on the page comes from
the ``scan_results`` template tag).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.delivery.page import delivery_context
from trustmirror.orgs.access import MANAGE, organisation_or_404
from trustmirror.orgs.models import Organisation
from trustmirror.results.selectors import has_published
from trustmirror.surveys.models import Response, Scan
from trustmirror.surveys.scan_forms import (
    ScanCloseForm,
    ScanCreateForm,
    ScanDeleteForm,
    ScanEditForm,
    ScanExtendForm,
    questionnaire_choices,
)
from trustmirror.surveys.services import (
    scan_close,
    scan_create,
    scan_delete,
    scan_extend,
    scan_update,
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
            # Nobody is shown a link here: e-mail goes from the worker to each person, and
            # letters are downloaded once from the scan's page.
            scan = scan_create(organisation=organisation, **form.cleaned_data)
            invitations = scan.invitations.count()
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.CREATE_SCAN,
                target=f"scan {scan.pk}: {invitations} invitations by {scan.delivery}",
            )
            messages.success(request, _created_message(scan, invitations))
            return back_to_scan(scan)
    return render(request, "surveys/scan_create.html", {"organisation": organisation, "form": form})


def _created_message(scan: Scan, invitations: int) -> str:
    params = {"count": invitations, "date": date_format(scan.opens_on)}
    if scan.delivery == Scan.LETTERS:
        return (
            ngettext(
                "The scan is created with %(count)s invitation. Download the letter file below.",
                "The scan is created with %(count)s invitations. Download the letter file below.",
                invitations,
            )
            % params
        )
    if scan.phase() == Scan.OPEN:
        return (
            ngettext(
                "The scan is created. Its %(count)s invitation is being sent by e-mail now.",
                "The scan is created. Its %(count)s invitations are being sent by e-mail now.",
                invitations,
            )
            % params
        )
    return (
        ngettext(
            "The scan is created. Its %(count)s invitation goes out by e-mail when the scan "
            "opens on %(date)s.",
            "The scan is created. Its %(count)s invitations go out by e-mail when the scan "
            "opens on %(date)s.",
            invitations,
        )
        % params
    )


# -- a scan's own page and its actions -----------------------------------------------------------


def managed_scan(request: HttpRequest, org: str, scan_id: int) -> tuple[Organisation, Scan]:
    """The scan ``scan_id`` of ``org`` for one of its admins; 404 for anyone else."""
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    return organisation, get_object_or_404(Scan, pk=scan_id, organisation=organisation)


def manage_page(
    request: HttpRequest,
    scan: Scan,
    *,
    edit_form: ScanEditForm | None = None,
    extend_form: ScanExtendForm | None = None,
    close_form: ScanCloseForm | None = None,
    delete_form: ScanDeleteForm | None = None,
    delivery_forms: dict | None = None,
) -> HttpResponse:
    """The scan's page, with the forms given (bound, with their errors) or fresh ones."""
    phase = scan.phase()
    return render(
        request,
        "surveys/scan_manage.html",
        {
            **delivery_context(scan, **(delivery_forms or {})),
            "organisation": scan.organisation,
            "scan": scan,
            "phase": phase,
            "invitations": scan.invitations.count(),
            "questionnaire": dict(questionnaire_choices()).get(
                f"{scan.instrument_version}:{scan.form}",
                f"{scan.instrument_id} {scan.instrument_version} ({scan.form})",
            ),
            "edit_form": edit_form or ScanEditForm(scan=scan),
            "can_close": phase == Scan.OPEN,
            "close_form": close_form or ScanCloseForm(prefix="close"),
            "can_extend": phase in (Scan.SCHEDULED, Scan.OPEN),
            "extend_form": extend_form or ScanExtendForm(scan=scan, prefix="extend"),
            "can_delete": not Response.objects.filter(scan=scan).exists(),
            "delete_form": delete_form or ScanDeleteForm(prefix="delete"),
        },
    )


def back_to_scan(scan: Scan) -> HttpResponse:
    return redirect("scans:manage", org=scan.organisation.slug, scan_id=scan.pk)


def refused(request: HttpRequest, scan: Scan, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return back_to_scan(scan)


@login_required
@require_GET
def scan_manage_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    _organisation, scan = managed_scan(request, org, scan_id)
    return manage_page(request, scan)


@login_required
@require_POST
def scan_edit_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = ScanEditForm(request.POST, scan=scan)
    if form.is_valid():
        try:
            changes = scan_update(scan=scan, published=has_published(scan), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not changes:
                messages.info(request, _("Nothing changed."))
                return back_to_scan(scan)
            audit_record(
                user=request.user,
                organisation=organisation,
                action=AuditEvent.EDIT_SCAN,
                target=f"scan {scan.pk}: "
                + ", ".join(f"{name} {old} -> {new}" for name, (old, new) in changes.items()),
            )
            messages.success(request, _("The scan's settings are saved."))
            return back_to_scan(scan)
    return manage_page(request, scan, edit_form=form)


@login_required
@require_POST
def scan_close_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = ScanCloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return manage_page(request, scan, close_form=form)
    try:
        scan = scan_close(scan=scan)
    except ValidationError as error:
        return refused(request, scan, error)
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
    return back_to_scan(scan)


@login_required
@require_POST
def scan_extend_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = ScanExtendForm(request.POST, scan=scan, prefix="extend")
    if form.is_valid():
        before = scan.closes_on
        try:
            scan = scan_extend(scan=scan, closes_on=form.cleaned_data["closes_on"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return refused(request, scan, error)
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
                _("The scan now closes on %(date)s.") % {"date": date_format(scan.closes_on)},
            )
            return back_to_scan(scan)
    return manage_page(request, scan, extend_form=form)


@login_required
@require_POST
def scan_delete_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = ScanDeleteForm(request.POST, prefix="delete")
    if not form.is_valid():
        return manage_page(request, scan, delete_form=form)
    pk, name = scan.pk, scan.name
    try:
        invitations = scan_delete(scan=scan)
    except ValidationError as error:
        return refused(request, scan, error)
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
