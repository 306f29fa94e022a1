"""A unit's results beside the organisation's, from the latest published version."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from trustmirror.agreements.sections import unit_agreements_context
from trustmirror.agreements.services import Viewer, can_manage
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.instrument.conversation import conversation_questions
from trustmirror.orgs.access import ANALYSE, MANAGE, has_kind, organisation_or_404, visible_units
from trustmirror.orgs.models import Person
from trustmirror.relational.reading import team_round_context
from trustmirror.results import keys, wording
from trustmirror.results.comments import comments_context
from trustmirror.results.reading import (
    group_context,
    group_label,
    reason_for,
)
from trustmirror.results.selectors import published_results
from trustmirror.results.views.common import status_context
from trustmirror.surveys.models import Scan


@login_required
@require_GET
def unit_profile(request: HttpRequest, org: str, scan_id: int, unit_id: int) -> HttpResponse:
    organisation, roles = organisation_or_404(request.user, org)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    unit = get_object_or_404(visible_units(roles, organisation), pk=unit_id)
    results, participation = published_results(scan)
    lang = wording.reader_language()
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_UNIT,
        target=f"scan {scan.pk} {unit.path}",
    )
    source = results or participation
    context = {
        "organisation": organisation,
        "scan": scan,
        "unit": unit,
        "k": source.k if source else scan.min_group_size,
        "can_analyse": has_kind(roles, ANALYSE),
        "results": results,
        **status_context(scan, source),
    }
    visible_ids = set(visible_units(roles, organisation).values_list("pk", flat=True))
    children = [c for c in unit.children.order_by("name") if c.pk in visible_ids]
    context["children"] = children
    context["session_url"] = _session_url(request, organisation, scan, unit)
    context["agreements_url"] = _agreements_url(request, organisation, unit)
    if source is None:
        return render(request, "results/unit.html", context)
    group = source.unit_group(unit)
    if group is None or not group.shown:
        context["shown"] = False
        context["reason"] = (
            reason_for(source, group)
            if group is not None
            else wording.reason_text("below_k", k=source.k)
        )
        context["counts_in"] = _counted_in(
            source, group, visible_ids, organisation, scan, can_analyse=context["can_analyse"]
        )
        context["guide"] = _conversation_guide(source)
        counted = source.group(keys.ORG)
        if counted is not None and wording.nothing_counted(counted.participation):
            context["nothing_counted"] = wording.nothing_counted_text(
                counted.participation, closed=source.publication.final
            )
        return render(request, "results/unit.html", context)
    context["shown"] = True
    context["participation"] = wording.participation_text(group.participation, k=source.k)
    context["label"] = group_label(source, group)
    if results is None:
        return render(request, "results/unit.html", context)
    context.update(
        {
            **group_context(results, group, lang, request.GET.get("vs")),
            "team_round": team_round_context(results, unit),
            "mirror_url": _mirror_url(request, organisation, scan, unit),
            **comments_context(results, group.key, lang, moderator=has_kind(roles, MANAGE)),
            **unit_agreements_context(results, group, Viewer.for_user(request.user, organisation)),
        }
    )
    return render(request, "results/unit.html", context)


def _counted_in(
    results, group, visible_ids: set[int], organisation, scan: Scan, *, can_analyse: bool
) -> list[tuple[str, str | None]]:
    """The shown groups above a hidden one, where its answers count: (name, address or None).

    An address only where the reader may open that page; the names alone tell a lead that
    the team's answers were not lost.
    """
    found: list[tuple[str, str | None]] = []
    key = group.rolled_into or group.parent_key if group is not None else ""
    seen = set()
    while key and key not in seen:
        seen.add(key)
        above = results.group(key)
        if above is None:
            break
        if above.shown and above.is_org:
            url = (
                reverse(
                    "results:scan_overview", kwargs={"org": organisation.slug, "scan_id": scan.pk}
                )
                if can_analyse
                else None
            )
            found.append((organisation.name, url))
        elif above.shown:
            url = None
            if above.unit is not None and above.unit.pk in visible_ids:
                url = reverse(
                    "results:unit_profile",
                    kwargs={"org": organisation.slug, "scan_id": scan.pk, "unit_id": above.unit.pk},
                )
            found.append((group_label(results, above), url))
        key = above.parent_key
    return found


def _conversation_guide(results) -> list[tuple[str, list[str]]]:
    """The six themes with their questions for a team conversation: no numbers needed."""
    lang = wording.reader_language()
    return [
        (theme.label[lang], conversation_questions(theme.id, lang))
        for theme in results.instrument.themes
    ]


def _session_url(request: HttpRequest, organisation, scan: Scan, unit) -> str | None:
    """The team session of this unit, for those who may record its agreements."""
    if not can_manage(Viewer.for_user(request.user, organisation), unit):
        return None
    return reverse(
        "agreements:session",
        kwargs={"org": organisation.slug, "scan_id": scan.pk, "unit_id": unit.pk},
    )


def _agreements_url(request: HttpRequest, organisation, unit) -> str | None:
    """The team's agreements page, for its members, its leads and the admins."""
    if not Viewer.for_user(request.user, organisation).may_follow(unit):
        return None
    return reverse("agreements:team", kwargs={"org": organisation.slug, "unit_id": unit.pk})


def _mirror_url(request: HttpRequest, organisation, scan: Scan, unit) -> str | None:
    """The signed-in reader's own mirror, when they are a person of this team in a round."""
    if not (scan.relational_round or scan.leader_mirror):
        return None
    person = Person.objects.filter(user=request.user, organisation=organisation).first()
    if person is None or person.unit_id != unit.pk:
        return None
    return reverse("results:mirror", kwargs={"org": organisation.slug, "scan_id": scan.pk})
