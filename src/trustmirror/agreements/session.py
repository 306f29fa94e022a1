"""A team session: the team's results on a screen, one theme at a time, then its agreements.

A lead or a facilitator puts this page on a screen in a team meeting. Step 0 welcomes the
team and tells the story of its results ("In short"); then one step per theme of the
scan's questionnaire, in order, with the team's result in plain words, a chart beside the
organisation and the questions for the conversation; the last step records agreements.

Only what the team's published results page shows, and less: no intervals, no agreement
figures, no counts. A team below k, or a scan without published results, gets the themes
and their questions without a single number, so the conversation can still happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trustmirror.agreements.forms import AgreementForm
from trustmirror.agreements.models import MAX_PER_SCAN, Agreement
from trustmirror.agreements.services import Viewer, agreement_create, can_manage, theme_choices
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.charts.profile import profile_chart
from trustmirror.charts.svg import Series
from trustmirror.instrument import Construct, Instrument, load_instrument
from trustmirror.instrument.conversation import conversation_questions
from trustmirror.orgs.access import organisation_or_404
from trustmirror.orgs.models import Unit
from trustmirror.results import figures, story, wording
from trustmirror.results.selectors import Group, PublishedResults, published_results
from trustmirror.surveys.models import Scan

__all__ = ["ThemeStep", "agreeing_text", "team_session"]


@dataclass(frozen=True)
class TeamResults:
    """The team's shown, published results and what it is set beside (the organisation)."""

    results: PublishedResults
    group: Group
    versus: story.Comparison | None


@dataclass
class ThemeStep:
    """One theme on the screen. ``shown`` False: no number at all, only words and questions."""

    construct: Construct
    label: str
    explanation: str
    questions: list[str]
    #: Team-level interventions for this theme (the recommendations library), only where
    #: the results point to them: see :func:`_theme_step`.
    interventions: list[str] = field(default_factory=list)
    shown: bool = False
    chart: str = ""
    agreeing: str = ""
    sentences: list[str] = field(default_factory=list)
    tone: str = ""  # story.STRENGTH, ATTENTION or DIVIDED when the theme stands out

    @property
    def attention(self) -> bool:
        return self.tone in (story.ATTENTION, story.DIVIDED)

    @property
    def tone_label(self) -> str:
        return str(story.TONE_LABELS[self.tone]) if self.tone else ""


def agreeing_text(share: float) -> str:
    """The share of a team's answers that agree, in words addressed to the team.

    The bands use the whole percentage printed beside them, so "60%" never reads as
    "about half".
    """
    percent = round(100 * float(share))
    values = {"percent": wording.percent(share)}
    if percent >= 80:
        return (
            _("Nearly all of your answers agree with the statements on this theme (%(percent)s).")
            % values
        )
    if percent >= 60:
        return (
            _("Most of your answers agree with the statements on this theme (%(percent)s).")
            % values
        )
    if percent >= 40:
        return (
            _("About half of your answers agree with the statements on this theme (%(percent)s).")
            % values
        )
    if percent >= 20:
        return (
            _("A minority of your answers agree with the statements on this theme (%(percent)s).")
            % values
        )
    if percent >= 1:
        return (
            _("Few of your answers agree with the statements on this theme (%(percent)s).") % values
        )
    return _("None of your answers agree with the statements on this theme.")


def _team_results(scan: Scan, unit: Unit) -> tuple[bool, TeamResults | None]:
    """(published, the team's results): None for a hidden team or without results."""
    results, _participation = published_results(scan)
    if results is None:
        return False, None
    group = results.unit_group(unit)
    if group is None or not group.shown:
        return True, None
    choices = story.comparisons_for(results, group, parent=None)
    versus = next((c for c in choices if c.kind == story.ORGANISATION), None)
    return True, TeamResults(results, group, versus)


def _theme_chart(team: TeamResults, construct: Construct, unit: Unit) -> str:
    """The team's average beside the organisation's on one theme: two big bars, no interval."""
    results, group = team.results, team.group

    def draw() -> str:
        lang = wording.reader_language()
        stat = group.stat(construct.id)
        series = [Series(label=unit.name, values=[stat.mean if stat is not None else None])]
        org = results.org
        if org is not None:
            other = org.stat(construct.id)
            series.append(
                Series(
                    label=results.scan.organisation.name,
                    values=[other.mean if other is not None else None],
                )
            )
        summary = "; ".join(
            f"{one.label}: {wording.number(one.values[0])}"
            if one.values[0] is not None
            else _("%(group)s: not enough responses") % {"group": one.label}
            for one in series
        )
        return profile_chart(
            chart_id=f"session-{construct.id.replace('_', '-')}",
            categories=[construct.label[lang]],
            series=series,
            title=_("%(unit)s beside the organisation on %(theme)s")
            % {"unit": unit.name, "theme": construct.label[lang]},
            summary=summary,
            suppressed_label=_("not enough responses"),
            midpoint_label=_("neutral (%(mid)s)")
            % {"mid": wording.midpoint_text(results.instrument)},
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )

    return figures.stored_chart(results, f"session:{group.key}:{construct.id}", draw)


def _theme_step(construct: Construct, team: TeamResults | None, unit: Unit) -> ThemeStep:
    lang = wording.reader_language()
    step = ThemeStep(
        construct=construct,
        label=construct.label[lang],
        explanation=construct.explanation[lang],
        questions=conversation_questions(construct.id, lang),
    )
    if team is None or team.group.stat(construct.id) is None:
        return step
    stat = team.group.stat(construct.id)
    step.shown = True
    step.chart = _theme_chart(team, construct, unit)
    if stat.favourable is not None:
        step.agreeing = agreeing_text(stat.favourable)
    # The story's rules for this theme alone, so a theme cut from the five lines of
    # "In short" still says what stands out about it.
    told = story.group_story(
        team.results, team.group, team.versus, group_name=unit.name, constructs=[construct]
    )
    if told.lines:
        line = told.lines[0]
        step.sentences, step.tone = list(line.sentences), line.tone
        # TEAM INTERVENTIONS: the library's team-level actions, which the story offers only
        # where the results point (an attention point, or a theme seen differently).
        step.interventions = list(line.actions)
    elif team.versus is not None:
        step.sentences = [
            _("%(theme)s does not clearly differ from %(comparison)s.")
            % {"theme": step.label, "comparison": team.versus.label}
        ]
    return step


def _scale_text(instrument: Instrument, lang: str) -> str:
    labels = instrument.scale_labels[lang]
    return _("The bars show the average answer, from 1 (%(low)s) to %(high)s (%(high_label)s).") % {
        "low": labels[0].lower(),
        "high": instrument.scale_points,
        "high_label": labels[-1].lower(),
    }


def _instrument(scan: Scan, team: TeamResults | None) -> Instrument:
    if team is not None:
        return team.results.instrument
    return load_instrument(scan.instrument_id, scan.instrument_version, scan.form)


def _step_number(raw: str | None, last: int) -> int:
    """``?step=`` as a step on the screen: anything else than a number shows the first."""
    try:
        number = int(raw or 0)
    except (TypeError, ValueError):
        return 0
    return min(max(number, 0), last)


def _url(organisation, scan: Scan, unit: Unit, step: int, theme: str = "") -> str:
    base = reverse(
        "agreements:session",
        kwargs={"org": organisation.slug, "scan_id": scan.pk, "unit_id": unit.pk},
    )
    return f"{base}?step={step}" + (f"&theme={theme}" if theme else "")


def _recorded(scan: Scan, unit: Unit, labels: dict[str, str]) -> list[dict]:
    """The agreements this team recorded after this scan, withdrawn ones left out."""
    found = (
        Agreement.objects.filter(scan=scan, unit=unit, withdrawn_at__isnull=True)
        .prefetch_related("owners")
        .order_by("created_at", "pk")
    )
    return [
        {
            "agreement": agreement,
            "themes": [labels.get(theme, theme) for theme in agreement.themes],
            "owners": sorted(person.name for person in agreement.owners.all()),
        }
        for agreement in found
    ]


class _NotRecorded(Exception):
    """Rolls back the service's check of a form that was refused already."""


def _record(form: AgreementForm, *, viewer: Viewer, scan: Scan, unit: Unit) -> Agreement | None:
    """Record the form's agreement; None, with every message beside its field, when refused.

    When the form refuses a field itself (a date that is no date, someone not in the team),
    the service still checks the other fields, in a transaction that is always rolled back:
    the team sees every problem at once, and nothing is written.
    """
    valid = form.is_valid()
    data = form.cleaned_data
    flagged = set(form.errors)
    if "due_on" in flagged:
        flagged.add("check_in_on")  # checked against a due date that is not there
    try:
        with transaction.atomic():
            agreement = agreement_create(
                viewer=viewer,
                scan=scan,
                unit=unit,
                what=data.get("what", ""),
                signal=data.get("signal", ""),
                themes=data.get("themes", []),
                owners=list(data.get("owners", [])),
                due_on=data.get("due_on") or timezone.localdate(),
                check_in_on=data.get("check_in_on"),
            )
            if not valid:
                raise _NotRecorded
    except _NotRecorded:
        return None
    except ValidationError as error:
        form.add_service_errors(error, skip=flagged)
        return None
    return agreement


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_session(request: HttpRequest, org: str, scan_id: int, unit_id: int) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    unit = get_object_or_404(Unit, pk=unit_id, organisation=organisation)
    viewer = Viewer.for_user(request.user, organisation)
    # 404 rather than 403, as the results pages: nobody learns which teams exist.
    if not can_manage(viewer, unit):
        raise Http404
    published, team = _team_results(scan, unit)
    instrument = _instrument(scan, team)
    themes = list(instrument.themes)
    last = len(themes) + 1
    lang = wording.reader_language()
    choices = theme_choices(scan, lang)
    labels = dict(choices)
    main_themes = frozenset(theme.id for theme in themes)
    status = 200
    if request.method == "POST":
        step = last
        form = AgreementForm(request.POST, unit=unit, themes=choices, main_themes=main_themes)
        if _record(form, viewer=viewer, scan=scan, unit=unit) is not None:
            messages.success(request, _("The agreement is recorded."))
            return HttpResponseRedirect(_url(organisation, scan, unit, last) + "#recorded")
        form.describe_errors()
        status = 400
    else:
        step = _step_number(request.GET.get("step"), last)
        theme = request.GET.get("theme", "")
        form = AgreementForm(
            unit=unit,
            themes=choices,
            main_themes=main_themes,
            initial={"themes": [theme] if theme in labels else []},
        )
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_UNIT,
        target=f"scan {scan.pk} {unit.path} session",
    )
    context = {
        "organisation": organisation,
        "scan": scan,
        "unit": unit,
        "shown": team is not None,
        "published": published,
        "step": step,
        "step_number": step + 1,
        "total": last + 1,
        "themes": [theme.label[lang] for theme in themes],
        "previous_url": _url(organisation, scan, unit, step - 1) if step > 0 else "",
        "next_url": _url(organisation, scan, unit, step + 1) if step < last else "",
    }
    if step == 0 and team is not None:
        context["story"] = story.group_story(
            team.results, team.group, team.versus, group_name=unit.name
        )
    elif 0 < step < last:
        theme_step = _theme_step(themes[step - 1], team, unit)
        context["theme"] = theme_step
        context["agree_url"] = _url(organisation, scan, unit, last, theme_step.construct.id)
        context["scale"] = _scale_text(instrument, lang) if theme_step.shown else ""
    elif step == last:
        recorded = _recorded(scan, unit, labels)
        context.update(
            {
                "form": form,
                "form_url": _url(organisation, scan, unit, last),
                "recorded": recorded,
                "full": len(recorded) >= MAX_PER_SCAN,
                "max_per_scan": MAX_PER_SCAN,
            }
        )
    return render(request, "agreements/session.html", context, status=status)
