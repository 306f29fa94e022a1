"""The agreements pages: a team's agreements with their history, check-ins and say-do ratio.

Reached after logging in (``agreements:index`` and ``agreements:team``) or, for people who do
not log in, through a personal follow link (``/a/<token>``, :mod:`.links`): the link is swapped
for a session at once and leaves the address bar, as a survey link does. Through the link a
person sees their own team's agreements and checks in those they own; nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trustmirror.agreements.forms import CheckInForm
from trustmirror.agreements.links import follow_link_person
from trustmirror.agreements.models import Agreement
from trustmirror.agreements.services import (
    Viewer,
    agreement_check_in,
    agreement_withdraw,
    agreements_for_units,
    can_check_in,
    can_manage,
    say_do,
    state_of,
    theme_choices,
)
from trustmirror.orgs.access import organisation_or_404
from trustmirror.orgs.models import Person, Unit
from trustmirror.results.models import Publication
from trustmirror.results.wording import reader_language
from trustmirror.surveys.models import Scan

#: The session key that holds the person of an opened follow link.
FOLLOW_SESSION_KEY = "agreements_follow_person"
LANGUAGES = ("nl", "en")


def _theme_names(scans, lang: str) -> dict[int, dict[str, str]]:
    return {scan.pk: dict(theme_choices(scan, lang)) for scan in scans}


def _team_context(
    viewer: Viewer, unit: Unit, lang: str, *, forms: dict[int, CheckInForm] | None = None
) -> dict:
    """What the team page shows: the say-do ratio, then the agreements by scan, newest first."""
    today = timezone.localdate()
    agreements = list(agreements_for_units([unit]))
    scans = {a.scan_id: a.scan for a in agreements}
    names = _theme_names(scans.values(), lang)
    items = []
    for agreement in agreements:
        state = state_of(agreement, today)
        may_check_in = can_check_in(viewer, agreement)
        form = (forms or {}).get(agreement.pk)
        if form is None and may_check_in:
            form = CheckInForm(initial={"agreement": agreement.pk}, auto_id=f"a{agreement.pk}-%s")
        items.append(
            {
                "agreement": agreement,
                "state": state.state,
                "themes": [names[agreement.scan_id].get(t, t) for t in agreement.themes],
                "owners": [p.name for p in agreement.owners.all()],
                "check_ins": sorted(
                    agreement.check_ins.all(), key=lambda c: (c.created_at, c.pk), reverse=True
                ),
                "form": form if may_check_in else None,
                "waiting": may_check_in
                and state.state in ("open", "due")
                and (
                    (agreement.check_in_on is not None and agreement.check_in_on <= today)
                    or agreement.due_on <= today
                ),
            }
        )
    by_scan: dict[int, list] = {}
    for item in items:
        by_scan.setdefault(item["agreement"].scan_id, []).append(item)
    groups = [
        {"scan": scans[scan_id], "items": by_scan[scan_id]}
        for scan_id in sorted(by_scan, key=lambda s: scans[s].closes_on, reverse=True)
    ]
    manage = can_manage(viewer, unit)
    return {
        "unit": unit,
        "organisation": viewer.organisation,
        "say_do": say_do(agreements, today),
        "groups": groups,
        "can_manage": manage,
        "sessions": _session_scans(viewer, unit) if manage else [],
    }


def _session_scans(viewer: Viewer, unit: Unit) -> list[Scan]:
    """Scans with published results, newest first, for a team session's link."""
    published = Publication.objects.filter(
        scan=OuterRef("pk"), track=Publication.RESULTS, status=Publication.PUBLISHED
    )
    return list(
        Scan.objects.filter(Exists(published), organisation=viewer.organisation).order_by(
            "-closes_on"
        )[:3]
    )


def _post(request: HttpRequest, viewer: Viewer, unit: Unit) -> dict[int, CheckInForm]:
    """Handle a check-in or a withdrawal; the forms with errors (none when it was done)."""
    action = request.POST.get("action")
    if action not in ("check_in", "withdraw"):
        return {}
    agreement_id = request.POST.get("agreement", "")
    agreement = None
    if agreement_id.isdigit():
        agreement = (
            Agreement.objects.filter(pk=int(agreement_id), unit=unit)
            .select_related("unit")
            .prefetch_related("owners")
            .first()
        )
    if agreement is None:
        raise Http404
    if action == "withdraw":
        if not can_manage(viewer, unit):
            raise PermissionDenied
        agreement_withdraw(viewer=viewer, agreement=agreement)
        messages.success(request, _("The agreement is withdrawn; it stays in the history."))
        return {}
    form = CheckInForm(request.POST, auto_id=f"a{agreement.pk}-%s")
    if form.is_valid():
        try:
            agreement_check_in(
                viewer=viewer,
                agreement=agreement,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                next_check_in_on=form.cleaned_data["next_check_in_on"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Thank you: the check-in is recorded."))
            return {}
    return {agreement.pk: form}


def _respond(request, viewer, unit, lang, template_context) -> HttpResponse:
    forms: dict = {}
    if request.method == "POST":
        forms = _post(request, viewer, unit)
        if not forms:
            return HttpResponseRedirect(request.path)
    context = {**_team_context(viewer, unit, lang, forms=forms), **template_context}
    return render(request, "agreements/team.html", context, status=400 if forms else 200)


@login_required
@require_http_methods(["GET", "HEAD"])
def agreements_index(request: HttpRequest, org: str) -> HttpResponse:
    """The teams whose agreements the reader may follow; straight to the only one."""
    organisation, _roles = organisation_or_404(request.user, org)
    viewer = Viewer.for_user(request.user, organisation)
    units = list(viewer.units().filter(children__isnull=True).order_by("path"))
    if len(units) == 1:
        return redirect("agreements:team", org=organisation.slug, unit_id=units[0].pk)
    counts = dict(
        Agreement.objects.filter(unit__in=units, withdrawn_at__isnull=True)
        .values_list("unit")
        .annotate(n=Count("pk"))
        .values_list("unit", "n")
    )
    rows = [{"unit": unit, "count": counts.get(unit.pk, 0)} for unit in units]
    return render(
        request,
        "agreements/index.html",
        {"organisation": organisation, "rows": rows, "is_admin": viewer.is_admin},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_agreements_view(request: HttpRequest, org: str, unit_id: int) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org)
    viewer = Viewer.for_user(request.user, organisation)
    unit = get_object_or_404(Unit, pk=unit_id, organisation=organisation)
    if not viewer.may_follow(unit):
        raise Http404
    return _respond(request, viewer, unit, reader_language(), {"via_link": False})


# --- The personal follow link ---------------------------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _remember_language(response: HttpResponse, lang: str | None) -> None:
    """Keep a language asked for in the address, as the page's language switch would."""
    if lang in LANGUAGES:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, samesite="Lax")


@require_http_methods(["GET", "HEAD"])
def follow_link(request: HttpRequest, token: str) -> HttpResponse:
    """Swap the link's token for a session, then show the page without it in the address."""
    person = follow_link_person(token)
    if person is None:
        response = render(request, "agreements/link_invalid.html", status=404)
        return _no_store(response)
    request.session.cycle_key()
    request.session[FOLLOW_SESSION_KEY] = person.pk
    response = _no_store(HttpResponseRedirect(reverse("follow:page")))
    _remember_language(response, request.GET.get("lang"))
    # The next request needs no Referer at all (the mail program's would hold the token).
    # Only here: a page that sent "no-referrer" would make its own forms post with
    # "Origin: null", which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def follow_page(request: HttpRequest) -> HttpResponse:
    """The agreements of the link's person's own team; owners check in here."""
    person_id = request.session.get(FOLLOW_SESSION_KEY)
    person = (
        Person.objects.select_related("organisation", "unit").filter(pk=person_id).first()
        if isinstance(person_id, int)
        else None
    )
    if person is None:
        return _no_store(render(request, "agreements/link_invalid.html", status=404))
    asked = request.GET.get("lang")
    if request.method != "POST" and asked in LANGUAGES:
        response = _no_store(HttpResponseRedirect(reverse("follow:page")))
        _remember_language(response, asked)
        return response
    # Chosen (the link's ?lang=, or the page's language switch: Django's language cookie),
    # else the person's own language, else the organisation's.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    lang = next(
        (
            lang
            for lang in (chosen, person.language, person.organisation.default_language)
            if lang in LANGUAGES
        ),
        "en",
    )
    viewer = Viewer.for_person(person)
    with translation.override(lang):
        response = _respond(
            request, viewer, person.unit, lang, {"via_link": True, "person": person}
        )
    return _no_store(response)
