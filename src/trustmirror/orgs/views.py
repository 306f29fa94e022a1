"""The organisation's pages: the dashboard and the people import.

Scans are created and managed in :mod:`trustmirror.surveys.admin_views`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trustmirror.agreements.notices import waiting_for
from trustmirror.agreements.services import Viewer
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import ANALYSE, MANAGE, has_kind, organisation_or_404, visible_units
from trustmirror.orgs.forms import PeopleImportForm
from trustmirror.orgs.importing import ImportFailed, people_import
from trustmirror.orgs.models import Person, Role, Unit

UNIT_ROLES = (Role.LEAD, Role.MEMBER)
IMPORT_ERRORS_ID = "import-errors"  # the list of an import's problems (people_import.html)


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
    # The signed-in person's own agreements whose check-in or due day has come.
    person = Person.objects.filter(user=request.user, organisation=organisation).first()
    waiting = waiting_for(person) if person is not None else []
    follows_agreements = Viewer.for_user(request.user, organisation).units().exists()
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
            "waiting": waiting,
            "person": person,
            "follows_agreements": follows_agreements,
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
            form.import_failed(IMPORT_ERRORS_ID)
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
        {
            "organisation": organisation,
            "form": form,
            "errors": errors,
            "errors_id": IMPORT_ERRORS_ID,
        },
    )
