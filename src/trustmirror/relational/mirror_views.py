"""A person's own mirror: through their survey link (after the scan closed) or their login.

Only the person themselves reaches their mirror: the link's cookie names their invitation, a
login their person record; there is no address that names another person, so no one (an
admin included) can open someone else's mirror through the app.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from trustmirror.orgs.models import Person
from trustmirror.relational.reading import final_results, mirror_context
from trustmirror.surveys.answering import response_draft
from trustmirror.surveys.models import Scan
from trustmirror.surveys.pages import (
    READ_METHODS,
    method_not_allowed,
    other_language,
    render_page,
    respondent_language,
    session_invitation,
    survey_view,
)


def _context(scan: Scan, person: Person) -> dict:
    results = final_results(scan)
    mirror = mirror_context(results, person) if results is not None else None
    return {"scan": scan, "mirror": mirror, "published": results is not None}


@survey_view
def survey_mirror(request: HttpRequest) -> HttpResponse:
    """/s/mirror: the mirror of the person whose link this browser opened."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    token, invitation, early = session_invitation(request)
    if early is not None:
        return early
    language = respondent_language(
        request, invitation, response_draft(invitation=invitation, token=token)
    )
    context = {
        **_context(invitation.scan, invitation.person),
        "other_language": other_language(language),
        "via_link": True,
    }
    return render_page(request, "relational/mirror.html", context, language=language)


@login_required
@require_GET
def account_mirror(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    """The signed-in person's own mirror of one scan of their organisation (404 otherwise)."""
    person = get_object_or_404(
        Person.objects.select_related("organisation"), user=request.user, organisation__slug=org
    )
    scan = get_object_or_404(Scan, pk=scan_id, organisation=person.organisation)
    context = {**_context(scan, person), "organisation": person.organisation, "via_link": False}
    return render(request, "relational/mirror_account.html", context)
