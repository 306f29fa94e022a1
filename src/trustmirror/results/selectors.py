"""Reads for the results pages: one scan's responses, scored, aggregated and disclosed.

The flow is the one of DESIGN.md, in one place: stored answers -> scale scores -> which
groups may be shown (:mod:`trustmirror.privacy`) -> statistics of the shown groups only
(:mod:`trustmirror.analysis.teams`). A number for a hidden group is never computed here, so
no page, chart or summary can show one by mistake: :meth:`ScanResults.stat` returns ``None``.

A unit's numbers describe its whole subtree: a department's are those of all respondents in
the teams below it (and of any respondents attached to the department itself).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from django.db.models import Count

from trustmirror.analysis.scoring import answers_frame, scale_scores
from trustmirror.analysis.teams import team_statistics
from trustmirror.instrument import Construct, Instrument, load_instrument
from trustmirror.orgs.models import Unit
from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_ROLLED_UP,
    GroupCount,
    Participation,
    Policy,
    RollUp,
    TreeDisclosure,
    Visibility,
)
from trustmirror.surveys.models import Invitation, Response, Scan

__all__ = [
    "ORGANISATION",
    "GroupRow",
    "ScaleStat",
    "ScanResults",
    "scan_results",
    "unit_label",
]

# Constructs where a higher score is the less favourable outcome (scored so by design).
HIGHER_IS_WORSE = frozenset({"fear"})


@dataclass(frozen=True)
class ScaleStat:
    """The shown statistics of one group on one construct (only ever for an allowed group)."""

    n: int
    mean: float
    ci_low: float | None
    ci_high: float | None
    favourable: float | None
    agreement: str | None
    rwg_j: float | None


@dataclass(frozen=True)
class GroupRow:
    """One line of the organisation's tree as the overview lists it.

    ``key`` is the aggregate id used by :meth:`ScanResults.stat`: a unit id, a roll-up id or
    :data:`ORGANISATION`. ``visibility`` is None for the organisation and for roll-ups
    (both are listed only when shown).
    """

    key: Hashable
    depth: int
    unit: Unit | None = None
    rollup: RollUp | None = None
    visibility: Visibility | None = None
    participation: Participation | None = None

    @property
    def shown(self) -> bool:
        return self.visibility is None or self.visibility.shown


@dataclass
class ScanResults:
    """Everything the results pages of one scan may show, computed once per request."""

    scan: Scan
    instrument: Instrument
    policy: Policy
    units: list[Unit]
    disclosure: TreeDisclosure
    respondents: int
    _stats: dict[tuple[Hashable, str], ScaleStat] = field(default_factory=dict)
    _participation: dict[Hashable, Participation] = field(default_factory=dict)
    # Respondents per unit subtree: compared with k only, never shown.
    _subtree_n: dict[int, int] = field(default_factory=dict)
    # Every respondent's scale scores and unit, kept for group_scores(); never rendered.
    _scores: pd.DataFrame | None = None
    _unit_of: np.ndarray | None = None

    @property
    def k(self) -> int:
        return self.policy.k

    @property
    def organisation_shown(self) -> bool:
        return self.disclosure.organisation_n is not None

    def visibility(self, unit_id: int) -> Visibility:
        return self.disclosure.visible[unit_id]

    def unit_shown(self, unit_id: int) -> bool:
        return self.disclosure.visible[unit_id].shown

    def stat(self, key: Hashable, construct_id: str) -> ScaleStat | None:
        """Statistics of a group on a construct, or None when they may not be shown."""
        return self._stats.get((key, construct_id))

    def group_scores(self, key: Hashable, constructs: list[str]) -> pd.DataFrame | None:
        """Scale scores of the respondents behind a shown aggregate (None when hidden).

        For analyses that need the individual scores of an approved group (change between
        scans), without reading and scoring the responses again.
        """
        if self._scores is None or key not in self.disclosure.aggregates():
            return None
        members = np.array(sorted(self.disclosure.members(key)), dtype=np.int64)
        rows = np.isin(self._unit_of, members)
        return self._scores.loc[rows, constructs].reset_index(drop=True)

    def participation(self, key: Hashable) -> Participation | None:
        """Participation figures of a shown group (None for a hidden one)."""
        return self._participation.get(key)

    def children(self, unit: Unit) -> list[Unit]:
        return [u for u in self.units if u.parent_id == unit.pk]

    @cached_property
    def _listed_rollups(self) -> dict[Hashable, RollUp]:
        """Roll-ups worth a row of their own, by parent unit id (None: under the top)."""
        aggregates = self.disclosure.aggregates()
        # A roll-up can cover exactly what the organisation or a shown unit covers (e.g. all
        # top units together); listing it again would only repeat that row.
        elsewhere = {members for key, members in aggregates.items() if not isinstance(key, tuple)}
        elsewhere.add(aggregates.get(ORGANISATION, frozenset()))
        return {
            r.parent_id: r for r in self.disclosure.rollups if aggregates[r.id] not in elsewhere
        }

    def hidden_reason(self, unit_id: int) -> str:
        """Why a hidden unit shows no numbers, as a privacy reason code.

        A unit whose own subtree has fewer than k respondents says so ("below_k", which the
        policy reports for any such unit anyway), even where the policy reports it inside a
        roll-up; a roll-up that only repeats the organisation total is not listed, so its
        members are "complementary" (hidden to protect others) instead.
        """
        visibility = self.visibility(unit_id)
        if self._subtree_n.get(unit_id, 0) < self.k:
            return REASON_BELOW_K
        listed = {rollup.id for rollup in self._listed_rollups.values()}
        if visibility.reason == REASON_ROLLED_UP and visibility.rolled_into not in listed:
            return REASON_COMPLEMENTARY
        return visibility.reason

    def rows(self) -> list[GroupRow]:
        """The organisation, then every unit in tree order with its roll-up after its children."""
        rows: list[GroupRow] = []
        if self.organisation_shown:
            rows.append(GroupRow(ORGANISATION, 0, participation=self.participation(ORGANISATION)))
        rollups = self._listed_rollups
        kids: dict[int | None, list[Unit]] = defaultdict(list)
        for unit in self.units:
            kids[unit.parent_id].append(unit)

        def walk(parent_id: int | None, depth: int) -> None:
            for unit in kids.get(parent_id, []):
                rows.append(
                    GroupRow(
                        unit.pk,
                        depth,
                        unit=unit,
                        visibility=self.visibility(unit.pk),
                        participation=self.participation(unit.pk),
                    )
                )
                walk(unit.pk, depth + 1)
            rollup = rollups.get(parent_id)
            if rollup is not None:
                rows.append(
                    GroupRow(
                        rollup.id, depth, rollup=rollup, participation=self.participation(rollup.id)
                    )
                )

        walk(None, 1)
        return rows

    def other_constructs(self) -> list[Construct]:
        """Every construct that is not one of the six themes, in instrument order."""
        return [c for c in self.instrument.constructs if c.group != "theme"]


def scan_results(*, scan: Scan) -> ScanResults:
    """Score a scan's submitted responses and keep the statistics the policy allows.

    One query for the units, one for the responses, one for the invitation counts.
    """
    instrument = load_instrument(scan.instrument_id, scan.instrument_version)
    policy = Policy(scan.min_group_size)
    units = list(Unit.objects.filter(organisation_id=scan.organisation_id).order_by("path"))
    rows = list(
        Response.objects.filter(scan=scan, submitted=True).values_list("unit_id", "answers")
    )
    item_ids = list(instrument.items)
    known = set(item_ids)
    answers = answers_frame(
        [{item: value for item, value in (a or {}).items() if item in known} for _u, a in rows],
        items=item_ids,
    )
    unit_of = np.array([u for u, _a in rows], dtype=np.int64)
    keys = instrument.scoring_keys()
    scores = scale_scores(answers, keys, scale_points=instrument.scale_points)

    direct = Counter(unit_of.tolist())
    disclosure = policy.suppress_tree_with_rollups(
        [GroupCount(u.pk, u.parent_id, direct.get(u.pk, 0)) for u in units]
    )
    subtree_n = dict.fromkeys((u.pk for u in units), 0)
    parent_of = {u.pk: u.parent_id for u in units}
    for unit_id, n in direct.items():
        node = unit_id
        while node is not None:
            subtree_n[node] += n
            node = parent_of[node]
    results = ScanResults(
        scan=scan,
        instrument=instrument,
        policy=policy,
        units=units,
        disclosure=disclosure,
        respondents=len(rows),
        _subtree_n=subtree_n,
        _scores=scores,
        _unit_of=unit_of,
    )
    aggregates = disclosure.aggregates()
    if not aggregates:
        return results
    results._stats = _shown_statistics(
        policy, disclosure, aggregates, scores, answers, unit_of, keys, instrument
    )
    results._participation = _participation(scan, policy, aggregates, direct)
    return results


def _shown_statistics(
    policy: Policy,
    disclosure: TreeDisclosure,
    aggregates: dict[Hashable, frozenset[Hashable]],
    scores: pd.DataFrame,
    answers: pd.DataFrame,
    unit_of: np.ndarray,
    keys: dict[str, dict[str, int]],
    instrument: Instrument,
) -> dict[tuple[Hashable, str], ScaleStat]:
    allowed = _allowed_per_construct(policy, disclosure, scores, answers, unit_of, keys)
    labels = list(aggregates)
    # Aggregates overlap (a department contains its teams), so each respondent's row appears
    # once for every shown aggregate it belongs to, labelled with that aggregate's position.
    rows_of_unit: dict[int, np.ndarray] = {
        unit: np.flatnonzero(unit_of == unit) for unit in np.unique(unit_of).tolist()
    }
    take_parts, code_parts = [], []
    for code, key in enumerate(labels):
        members = [rows_of_unit[u] for u in aggregates[key] if u in rows_of_unit]
        if members:
            taken = np.concatenate(members)
            take_parts.append(taken)
            code_parts.append(np.full(taken.shape, code))
    take = np.concatenate(take_parts)
    codes = np.concatenate(code_parts)
    statistics = team_statistics(
        scores.iloc[take].reset_index(drop=True),
        answers.iloc[take].reset_index(drop=True),
        codes,
        keys,
        scale_points=instrument.scale_points,
    ).scales

    shown: dict[tuple[Hashable, str], ScaleStat] = {}
    for (code, construct), row in statistics.iterrows():
        key = labels[int(code)]
        if key not in allowed.get(construct, ()) or not row["n"] or np.isnan(row["mean"]):
            continue
        shown[(key, construct)] = ScaleStat(
            n=int(row["n"]),
            mean=float(row["mean"]),
            ci_low=_finite(row["ci_low"]),
            ci_high=_finite(row["ci_high"]),
            favourable=_finite(row["favourable"]),
            agreement=row["agreement"] if isinstance(row["agreement"], str) else None,
            rwg_j=_finite(row["rwg_j"]),
        )
    return shown


def _allowed_per_construct(
    policy: Policy,
    disclosure: TreeDisclosure,
    scores: pd.DataFrame,
    answers: pd.DataFrame,
    unit_of: np.ndarray,
    keys: dict[str, dict[str, int]],
) -> dict[str, set[Hashable]]:
    """Shown aggregates whose numbers on one construct may be shown.

    A group can reach k in respondents while fewer have a score on one construct (the
    leader items answered "don't know", say); subtracting a department's mean from its
    teams' would then describe those few. So the residual rule of the tree is applied again
    to the respondents with a score (for the mean, SD and interval) and to the respondents
    with any answer to the construct's items (for the share of favourable answers), and a
    construct's numbers are shown only where both hold. Showing fewer aggregates than a
    safe set is safe again, so the intersection is.
    """
    allowed: dict[str, set[Hashable]] = {}
    units = pd.Series(unit_of)
    for construct, items in keys.items():
        scored = units[scores[construct].notna().to_numpy()].value_counts().to_dict()
        answered_any = answers[list(items)].notna().any(axis=1).to_numpy()
        answered = units[answered_any].value_counts().to_dict()
        by_score = policy.item_detail_tree(disclosure, _plain_counts(scored))
        by_answer = policy.item_detail_tree(disclosure, _plain_counts(answered))
        allowed[construct] = {key for key, ok in by_score.items() if ok and by_answer.get(key)}
    return allowed


def _participation(
    scan: Scan,
    policy: Policy,
    aggregates: dict[Hashable, frozenset[Hashable]],
    responded: Counter,
) -> dict[Hashable, Participation]:
    """Participation of every shown aggregate; hidden groups get none (privacy module rule).

    Invitations count by the person's current unit, responses by the unit at the time of
    answering, so a person who moved during the scan can make a unit look over-complete; the
    rate is then capped at 100% rather than refused.
    """
    invited = Counter(
        dict(
            Invitation.objects.filter(scan=scan)
            .values_list("person__unit")
            .annotate(n=Count("id"))
            .values_list("person__unit", "n")
        )
    )
    figures = {}
    for key, members in aggregates.items():
        n_invited = sum(invited.get(u, 0) for u in members)
        n_responded = sum(responded.get(u, 0) for u in members)
        figures[key] = policy.participation(max(n_invited, n_responded), n_responded)
    return figures


def _plain_counts(counts: dict) -> dict[int, int]:
    return {int(unit): int(n) for unit, n in counts.items()}


def _finite(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def unit_label(unit: Unit, units: Iterable[Unit]) -> str:
    """A unit's name, or its path where another unit has the same name."""
    same = sum(1 for other in units if other.name == unit.name)
    return unit.path if same > 1 else unit.name
