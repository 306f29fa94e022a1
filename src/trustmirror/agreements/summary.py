"""Reading agreements across teams: the organisation's say-do ratio, and change at the next scan.

Two questions an organisation asks once teams make agreements:

- Do teams make agreements, and do they keep them? :func:`organisation_summary` counts the
  teams that made agreements after a scan and pools their say-do ratio, only over at least k
  teams (:mod:`trustmirror.privacy.teams`): a team's own ratio is the team's, and teams are
  never ranked.
- Did the themes that agreements were about change? :func:`linked_changes` (a team's page of
  the next scan) and :func:`organisation_linked_changes` (the organisation's) put the
  published change on each linked theme beside the mean published change of the teams that
  made no agreement on it. That is a description, not evidence that an agreement caused a
  change: teams choose their agreements, and much else happens in half a year.

Only published numbers are read (a team's change is :meth:`Group.change`); nothing is scored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import fsum

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from trustmirror.agreements.models import Agreement, CheckIn
from trustmirror.agreements.services import AgreementFacts, CheckInFacts, SayDo, say_do
from trustmirror.instrument import Instrument, load_instrument
from trustmirror.orgs.models import Organisation, Person, Unit
from trustmirror.privacy.teams import team_aggregates
from trustmirror.results.selectors import ConstructChange, Group, PublishedResults, UnitChange
from trustmirror.surveys.models import Scan

__all__ = [
    "GroupMeans",
    "LinkedTheme",
    "OrganisationSummary",
    "OrganisationTheme",
    "SayDoFigure",
    "linked_changes",
    "organisation_linked_changes",
    "organisation_summary",
    "teams_of",
]


# --- Who is a team ---------------------------------------------------------------------------


def _teams(organisation: Organisation):
    has_children = Unit.objects.filter(parent=OuterRef("pk"))
    has_people = Person.objects.filter(unit=OuterRef("pk"))
    return (
        Unit.objects.filter(organisation=organisation)
        .filter(~Exists(has_children), Exists(has_people))
        .order_by("path")
    )


def teams_of(organisation: Organisation) -> list[Unit]:
    """The organisation's teams: units without units below them that have people, in tree order."""
    return list(_teams(organisation))


def _team_paths(organisation: Organisation) -> list[tuple[int, str]]:
    """(id, path) of each of the organisation's teams, in tree order: what the summaries need
    (building 5,000 Unit objects cost more than the query)."""
    return list(_teams(organisation).values_list("pk", "path"))


# --- The organisation's say-do ratio ---------------------------------------------------------


@dataclass(frozen=True)
class SayDoFigure:
    """The pooled say-do ratio of a group of teams: the organisation or a department.

    ``say_do`` is None when it may not be shown; ``reason`` then says why. ``teams`` is the
    number of teams with agreements that count (kept, or past their due date).
    """

    label: str
    teams: int
    say_do: SayDo | None
    reason: str = ""

    @property
    def shown(self) -> bool:
        return self.say_do is not None and self.say_do.ratio is not None


@dataclass(frozen=True)
class OrganisationSummary:
    """Agreements after one scan across the organisation: no team's own figure in it."""

    scan: Scan
    k: int
    teams: int
    teams_with_agreements: int
    agreements: int
    open: int
    organisation: SayDoFigure
    departments: list[SayDoFigure]

    @property
    def any(self) -> bool:
        return self.teams_with_agreements > 0


def _below_k(k: int) -> str:
    return _(
        "Not shown: a figure is pooled over at least %(k)d teams with agreements that are due "
        "or kept, and only where no subtraction reveals fewer teams."
    ) % {"k": k}


def organisation_summary(
    organisation: Organisation, scan: Scan, today: dt.date | None = None
) -> OrganisationSummary:
    """How many teams made agreements after ``scan``, and how many they kept on time.

    The say-do ratio is pooled over the organisation, and over each department (a top-level
    unit with teams below it), only where at least k teams (the scan's minimum group size)
    have settled agreements (kept, or past their due date), and only so that no
    subtraction of the shown figures isolates fewer than k teams
    (:func:`trustmirror.privacy.teams.team_aggregates`). Departments come in tree order.

    Departments are the top level only: nested departments overlap, and each overlap would be
    another difference to protect.
    """
    k = scan.min_group_size
    teams = _team_paths(organisation)
    team_ids = {pk for pk, _path in teams}
    # Only what a say-do ratio needs, in two queries and without building models: at 5,000
    # teams, prefetching each agreement's check-ins cost more than the rest of the page.
    agreements = [
        AgreementFacts(*row)
        for row in Agreement.objects.filter(scan=scan, withdrawn_at__isnull=True).values_list(
            "pk", "unit_id", "due_on", "withdrawn_at"
        )
        if row[1] in team_ids
    ]
    check_ins: dict[int, list[CheckInFacts]] = {}
    for agreement_id, *facts in CheckIn.objects.filter(
        agreement__scan=scan, agreement__withdrawn_at__isnull=True
    ).values_list("agreement_id", "pk", "status", "on", "created_at"):
        check_ins.setdefault(agreement_id, []).append(CheckInFacts(*facts))
    by_team: dict[int, list[AgreementFacts]] = {}
    for agreement in agreements:
        by_team.setdefault(agreement.unit_id, []).append(agreement)
    ratios = {pk: say_do(found, today, check_ins) for pk, found in by_team.items()}
    settled = {pk for pk, ratio in ratios.items() if ratio.settled}
    # A department is a top-level unit; a team belongs to the one its path starts with.
    tops = Unit.objects.filter(organisation=organisation, parent__isnull=True).order_by("path")
    members: dict[int, list[int]] = {}
    top_of = {top.path: top for top in tops}
    for pk, path in teams:
        head, below, _rest = path.partition("/")
        if below and head in top_of:
            members.setdefault(top_of[head].pk, []).append(pk)
    departments = [top for top in top_of.values() if top.pk in members]
    decided = team_aggregates(
        len(settled),
        {str(d.pk): len(settled.intersection(members[d.pk])) for d in departments},
        k,
    )

    def pooled(pks: Iterable[int]) -> SayDo:
        found = [ratios[pk] for pk in pks if pk in ratios]
        return SayDo(
            settled=sum(r.settled for r in found),
            kept_on_time=sum(r.kept_on_time for r in found),
            open=sum(r.open for r in found),
        )

    return OrganisationSummary(
        scan=scan,
        k=k,
        teams=len(teams),
        teams_with_agreements=len(by_team),
        agreements=len(agreements),
        open=sum(r.open for r in ratios.values()),
        organisation=SayDoFigure(
            label=organisation.name,
            teams=len(settled),
            say_do=pooled(settled) if decided.whole else None,
            reason="" if decided.whole else _below_k(k),
        ),
        departments=[
            SayDoFigure(
                label=department.name,
                teams=len(settled.intersection(members[department.pk])),
                say_do=(
                    pooled(settled.intersection(members[department.pk]))
                    if str(department.pk) in decided.parts
                    else None
                ),
                reason="" if str(department.pk) in decided.parts else _below_k(k),
            )
            for department in departments
        ],
    )


# --- Change on the linked themes at the next scan --------------------------------------------


@dataclass(frozen=True)
class GroupMeans:
    """The mean published change of a group of teams on one theme (each team counts once)."""

    teams: int
    difference: float | None  # None when fewer than k teams
    before: float | None
    after: float | None

    @property
    def shown(self) -> bool:
        return self.difference is not None


def _means(changes: Sequence[UnitChange], k: int) -> GroupMeans:
    if len(changes) < k:
        return GroupMeans(len(changes), None, None, None)
    n = len(changes)
    return GroupMeans(
        teams=n,
        difference=fsum([c.difference for c in changes]) / n,
        before=fsum([c.before for c in changes]) / n,
        after=fsum([c.after for c in changes]) / n,
    )


@dataclass(frozen=True)
class LinkedTheme:
    """One theme a team's agreements linked, with its change and the other teams'."""

    construct_id: str
    label: str
    agreements: list[Agreement]
    own: ConstructChange | None  # None: not compared, or not shown for this team
    others: GroupMeans  # the teams with no agreement on this theme
    compared: bool  # the organisation's change on it is published (same questions, enough)


def _label(construct_id: str, instruments: Sequence[Instrument], lang: str) -> str:
    for instrument in instruments:
        try:
            return instrument.construct(construct_id).label[lang]
        except KeyError:
            continue
    return construct_id


def _instruments(results: PublishedResults) -> list[Instrument]:
    previous = results.previous_scan
    found = [results.instrument]
    if previous is not None:
        found.append(
            load_instrument(previous.instrument_id, previous.instrument_version, previous.form)
        )
    return found


def _team_changes(
    results: PublishedResults, teams: Sequence[tuple[int, str]], construct_ids: Iterable[str]
) -> dict[str, list[tuple[int, UnitChange]]]:
    """For each construct, (team id, published change) of the shown teams that have one, in
    the teams' order (a hidden team has no change)."""
    found = results.unit_changes(construct_ids)
    return {
        construct_id: [(pk, by_unit[pk]) for pk, _path in teams if pk in by_unit]
        for construct_id, by_unit in found.items()
    }


def _linking(scan: Scan) -> dict[str, set[int]]:
    """For each construct id, the teams (unit ids) with an agreement after ``scan`` linked to it
    (agreements that count: not withdrawn)."""
    linked: dict[str, set[int]] = {}
    rows = Agreement.objects.filter(scan=scan, withdrawn_at__isnull=True).values_list(
        "unit_id", "themes"
    )
    for unit_id, themes in rows:
        for construct_id in themes:
            linked.setdefault(construct_id, set()).add(unit_id)
    return linked


def linked_changes(results: PublishedResults, group: Group, lang: str) -> list[LinkedTheme]:
    """The themes the team's agreements after the previous scan linked, with their change.

    For each linked theme, in the order the agreements name them: the team's published change
    (``group.change``) and the mean published change of the shown teams that made no
    agreement on that theme after the previous scan, only when there are at least k of them
    (k of this version). Empty without a previous scan or agreements. Descriptive only.
    """
    previous = results.previous_scan
    if previous is None or group.unit is None or not group.shown:
        return []
    own = list(
        Agreement.objects.filter(scan=previous, unit=group.unit, withdrawn_at__isnull=True)
        .select_related("unit")
        .prefetch_related("check_ins")
        .order_by("due_on", "pk")
    )
    if not own:
        return []
    linked = _linking(previous)
    teams = _team_paths(previous.organisation)
    themes = list(dict.fromkeys(c for a in own for c in a.themes))
    changes_of = _team_changes(results, teams, themes)
    instruments = _instruments(results)
    org = results.org
    out = []
    for construct_id in themes:
        with_agreement = linked.get(construct_id, set())
        changes = [change for pk, change in changes_of[construct_id] if pk not in with_agreement]
        out.append(
            LinkedTheme(
                construct_id=construct_id,
                label=_label(construct_id, instruments, lang),
                agreements=[a for a in own if construct_id in a.themes],
                own=group.change(construct_id),
                others=_means(changes, results.k),
                compared=org is not None and org.change(construct_id) is not None,
            )
        )
    return out


@dataclass(frozen=True)
class OrganisationTheme:
    """One theme that agreements after the previous scan linked, across the organisation."""

    construct_id: str
    label: str
    with_agreement: GroupMeans
    without_agreement: GroupMeans
    compared: bool  # the organisation's change on it is published

    @property
    def shown(self) -> bool:
        return self.with_agreement.shown and self.without_agreement.shown


def organisation_linked_changes(results: PublishedResults, lang: str) -> list[OrganisationTheme]:
    """Per theme linked by agreements after the previous scan: the mean published change of
    the teams with an agreement on it beside that of the teams without one.

    Both means are shown only when each group has at least k shown teams with a published
    change on the theme; otherwise neither (one mean and the organisation's would give the
    other). Descriptive only. Themes in the order of the instrument.
    """
    previous = results.previous_scan
    if previous is None:
        return []
    linked = _linking(previous)
    if not linked:
        return []
    teams = _team_paths(previous.organisation)
    changes_of = _team_changes(results, teams, linked)
    instruments = _instruments(results)
    order = {c.id: i for i, c in enumerate(results.instrument.constructs)}
    out = []
    for construct_id in sorted(linked, key=lambda c: (order.get(c, len(order)), c)):
        pairs = [(pk in linked[construct_id], change) for pk, change in changes_of[construct_id]]
        with_ = _means([c for has, c in pairs if has], results.k)
        without = _means([c for has, c in pairs if not has], results.k)
        if not (with_.shown and without.shown):
            with_ = GroupMeans(with_.teams, None, None, None)
            without = GroupMeans(without.teams, None, None, None)
        out.append(
            OrganisationTheme(
                construct_id=construct_id,
                label=_label(construct_id, instruments, lang),
                with_agreement=with_,
                without_agreement=without,
                compared=results.org is not None and results.org.change(construct_id) is not None,
            )
        )
    return out
