"""Complementary suppression and roll-ups in the unit tree.

What is published: for every shown unit, the aggregate of its whole subtree; for every roll-up,
the aggregate of its member units' subtrees (and possibly the people attached directly to the
parent); and the organisation total. These sets are laminar (disjoint or nested), so by the
residual argument in :mod:`trustmirror.privacy.audit` the publication is safe exactly when

1. every published aggregate holds at least k respondents, and
2. every published aggregate's *residual* (its respondents not inside a published aggregate
   strictly below it) holds either 0 or at least k respondents.

The choice of what to show is made by dynamic programming over the tree. For every unit and
every "uncovered" respondent count passed to the parent (capped at k, since the rules only ask
whether a sum is 0, below k or at least k, and capping keeps that exact) it keeps the best
arrangement of its subtree. Best means, in this order: most units shown; most roll-ups (so
that small teams are reported together rather than not at all); most respondents in shown
units (so that, where something must be hidden for another's sake, the smallest groups go);
most hidden units placed in a roll-up (so a hidden team can be told where it is counted).
Cost: O(units * k^3) table work; about a second for 2,000 units at k = 5.

Roll-ups: under each parent at most one synthetic group ``("other", parent_id)`` combines at
least two hidden children (the parent's own directly attached respondents count as one
member). Its residual must hold at least k respondents, so it is never just a sum of shown
groups; and some of the parent's respondents must stay outside it, so it never repeats the
parent's own number under another name (nor, for the organisation, the total). It counts as a
published set in the parent's residual like any child.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from trustmirror.privacy.audit import laminar_violations
from trustmirror.privacy.reasons import (
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_ROLLED_UP,
    REASON_SHOWN,
)

__all__ = [
    "ORGANISATION",
    "GroupCount",
    "RollUp",
    "TreeDisclosure",
    "Visibility",
    "disclose_tree",
]

# Aggregate id of the organisation total (all respondents of the scan).
ORGANISATION: tuple[str, None] = ("organisation", None)


@dataclass(frozen=True)
class GroupCount:
    """A unit and the respondents attached directly to it (not its subtree)."""

    id: Hashable
    parent_id: Hashable | None
    n: int


@dataclass(frozen=True)
class Visibility:
    """What may be shown for one unit.

    ``n_shown`` is the subtree's respondent count when shown, else None. ``reason`` is one of
    the ``REASON_*`` codes. ``rolled_into`` is the id of the roll-up that reports this unit's
    respondents when the unit itself is hidden, else None.
    """

    shown: bool
    n_shown: int | None
    reason: str
    rolled_into: Hashable | None = None


@dataclass(frozen=True)
class RollUp:
    """A synthetic group "other teams of <parent>" combining hidden children.

    ``member_ids`` are the child units whose whole subtrees are included, in input order.
    ``includes_direct`` says whether the people attached directly to the parent are included
    too ("other teams and people of <parent>"). ``n`` is the respondent count shown.
    """

    id: tuple[str, Hashable | None]
    parent_id: Hashable | None
    member_ids: tuple[Hashable, ...]
    includes_direct: bool
    n: int

    @property
    def label_key(self) -> str:
        """Which name the roll-up gets (texts in ``trustmirror.results.wording``)."""
        if self.parent_id is None:
            return "organisation"
        return "teams_and_people" if self.includes_direct else "teams"


@dataclass(frozen=True)
class TreeDisclosure:
    """The outcome of complementary suppression for one scan's unit tree.

    Attributes
    ----------
    visible
        Visibility per unit id (every unit of the input).
    rollups
        The published roll-up groups.
    organisation_n
        Respondents of the whole organisation when that total may be shown, else None.
    """

    visible: dict[Hashable, Visibility]
    rollups: list[RollUp]
    organisation_n: int | None
    _members: dict[Hashable, frozenset[Hashable]] = field(repr=False, default_factory=dict)

    def members(self, aggregate_id: Hashable) -> frozenset[Hashable]:
        """Unit ids whose directly attached respondents make up a shown aggregate.

        ``aggregate_id`` is a unit id, a roll-up id or :data:`ORGANISATION`. Compute a shown
        number over the respondents of exactly these units. KeyError if it is not shown.
        """
        return self._members[aggregate_id]

    def aggregates(self) -> dict[Hashable, frozenset[Hashable]]:
        """Every shown aggregate (units, roll-ups, organisation) with its member unit ids."""
        return dict(self._members)

    def rollup(self, rollup_id: Hashable) -> RollUp:
        return next(r for r in self.rollups if r.id == rollup_id)


# Score of an arrangement, compared in this order: preferred units shown (those a previous
# publication showed, so that a group once shown stays shown), units shown, roll-ups shown,
# respondents in shown units, members placed in roll-ups (so a hidden team is named in a
# roll-up when it can).
_Score = tuple[int, int, int, int, int]
_ZERO: _Score = (0, 0, 0, 0, 0)
_ONE_UNIT_ROLLED: _Score = (0, 0, 0, 0, 1)
_ONE_ROLLUP: _Score = (0, 0, 1, 0, 0)


def _add(a: _Score, b: _Score) -> _Score:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


@dataclass(frozen=True)
class _Plan:
    """How one subtree is arranged: shown units and roll-ups inside it."""

    score: _Score
    shown: frozenset[Hashable]
    rollups: tuple[tuple[Hashable, tuple[Hashable, ...], bool], ...]


_EMPTY_PLAN = _Plan(_ZERO, frozenset(), ())


def _merge(a: _Plan, b: _Plan) -> _Plan:
    return _Plan(_add(a.score, b.score), a.shown | b.shown, a.rollups + b.rollups)


def _validate(units: Sequence[GroupCount]) -> None:
    ids = [u.id for u in units]
    if len(set(ids)) != len(ids):
        raise ValueError("unit ids must be unique")
    known = set(ids)
    for u in units:
        if isinstance(u.n, bool) or not isinstance(u.n, int) or u.n < 0:
            raise ValueError(f"unit {u.id!r}: n must be a non-negative integer, got {u.n!r}")
        if u.parent_id is not None and u.parent_id not in known:
            raise ValueError(f"unit {u.id!r}: parent {u.parent_id!r} is not in the tree")
    parent = {u.id: u.parent_id for u in units}
    for start in ids:
        seen = set()
        node = start
        while node is not None:
            if node in seen:
                raise ValueError(f"unit {start!r} is part of a cycle")
            seen.add(node)
            node = parent[node]


def disclose_tree(
    units: Sequence[GroupCount],
    k: int,
    *,
    allow_rollups: bool = True,
    cumulative: Mapping[Hashable, int] | None = None,
    eligible: Collection[Hashable] | None = None,
    preferred: Collection[Hashable] = (),
    no_rollup_under: Collection[Hashable | None] = (),
) -> TreeDisclosure:
    """Decide which units and roll-ups may be shown (see the module docstring).

    With roll-ups allowed, a hidden unit of k or more respondents ends up in a roll-up whenever
    that is possible, so ``complementary`` is rare; without them it is the usual outcome.

    Between equally good arrangements the order of ``units`` decides. Pass a scan's units in
    one fixed order wherever it is disclosed (the results use the tree path): two pages that
    broke a tie differently could together reveal what each of them hides.

    The keyword arguments serve publications in steps (:mod:`trustmirror.privacy.release`):
    there ``GroupCount.n`` holds the respondents a step adds, the residual rule applies to
    those, and ``cumulative`` holds everyone a shown number describes after the step (a unit
    is shown only when that reaches k). ``eligible`` limits which units may be shown at all,
    ``preferred`` units are kept shown before anything else counts, and no roll-up is formed
    under the parents in ``no_rollup_under`` (``None`` for the organisation's top level).
    """
    _validate(units)
    cumulative_direct = {u.id: u.n for u in units} if cumulative is None else dict(cumulative)
    options = _Options(
        k=k,
        allow_rollups=allow_rollups,
        eligible=None if eligible is None else frozenset(eligible),
        preferred=frozenset(preferred),
        no_rollup_under=frozenset(no_rollup_under),
        stepwise=cumulative is not None,
        direct_cumulative=cumulative_direct,
    )
    root = object()  # the organisation: a virtual unit above all roots, forced visible
    children: dict[Hashable, list[Hashable]] = {root: []}
    direct: dict[Hashable, int] = {root: 0}
    for u in units:
        children.setdefault(u.id, [])
        direct[u.id] = u.n
    for u in units:
        children[root if u.parent_id is None else u.parent_id].append(u.id)

    subtree_cumulative: dict[Hashable, int] = {}
    members: dict[Hashable, frozenset[Hashable]] = {}
    order: list[Hashable] = []  # post-order
    stack: list[tuple[Hashable, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            subtree_cumulative[node] = (
                0 if node is root else cumulative_direct.get(node, 0)
            ) + sum(subtree_cumulative[c] for c in children[node])
            own = frozenset() if node is root else frozenset([node])
            members[node] = own.union(*(members[c] for c in children[node]))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children[node]))

    # tables[node][(visible, uncovered)] -> best plan; uncovered is capped at k.
    tables: dict[Hashable, dict[tuple[bool, int], _Plan]] = {}
    for node in order:
        tables[node] = _unit_table(
            node,
            root,
            children[node],
            direct[node],
            subtree_cumulative,
            tables,
            options,
        )
        for c in children[node]:
            del tables[c]  # children are folded into the parent's plans

    total = subtree_cumulative[root]
    organisation_shown = total >= k and (True, 0) in tables[root]
    if organisation_shown:
        plan = tables[root][(True, 0)]
    elif total >= k and tables[root]:
        # The organisation cannot be shown in this step; what is shown inside it still can.
        plan = max(tables[root].values(), key=lambda p: p.score)
    else:
        plan = _EMPTY_PLAN

    rollups: list[RollUp] = []
    rolled_into: dict[Hashable, Hashable] = {}
    published: dict[Hashable, frozenset[Hashable]] = {}
    if organisation_shown:
        published[ORGANISATION] = members[root]
    for parent, member_ids, includes_direct in plan.rollups:
        rollup_id = ("other", None if parent is root else parent)
        covered = frozenset().union(*(members[m] for m in member_ids))
        if includes_direct:
            covered |= {parent}
        n = sum(subtree_cumulative[m] for m in member_ids) + (
            cumulative_direct.get(parent, 0) if includes_direct and parent is not root else 0
        )
        if n < k:
            # A roll-up that adds nobody in this step and describes fewer than k in all: its
            # respondents stay in the parent's residual, which holds the same newcomers (0).
            continue
        rollups.append(RollUp(rollup_id, rollup_id[1], member_ids, includes_direct, n))
        published[rollup_id] = covered
        for unit in covered - {parent}:
            rolled_into.setdefault(unit, rollup_id)
    for unit in plan.shown:
        published[unit] = members[unit]

    visible: dict[Hashable, Visibility] = {}
    for u in units:
        if u.id in plan.shown:
            visible[u.id] = Visibility(True, subtree_cumulative[u.id], REASON_SHOWN)
        elif u.id in rolled_into:
            visible[u.id] = Visibility(False, None, REASON_ROLLED_UP, rolled_into[u.id])
        elif subtree_cumulative[u.id] < k:
            visible[u.id] = Visibility(False, None, REASON_BELOW_K)
        else:
            visible[u.id] = Visibility(False, None, REASON_COMPLEMENTARY)
    # Roll-ups nest inside shown units; for a unit in a roll-up nested in another, the
    # innermost roll-up is the one that reports it: recompute by smallest covering roll-up.
    for u in units:
        if visible[u.id].reason == REASON_ROLLED_UP:
            covering = [r for r in rollups if u.id in published[r.id] and r.parent_id != u.id]
            best = min(covering, key=lambda r: len(published[r.id]))
            visible[u.id] = Visibility(False, None, REASON_ROLLED_UP, best.id)
    atoms = {u.id: u.n for u in units}
    if laminar_violations(atoms, published, k):
        # Fail closed: a page that errors shows nothing, a page with a leak cannot be undone.
        raise RuntimeError("complementary suppression produced an unsafe publication")
    return TreeDisclosure(visible, rollups, total if organisation_shown else None, published)


@dataclass(frozen=True)
class _Options:
    k: int
    allow_rollups: bool
    eligible: frozenset[Hashable] | None
    preferred: frozenset[Hashable]
    no_rollup_under: frozenset[Hashable | None]
    stepwise: bool = False
    direct_cumulative: Mapping[Hashable, int] = field(default_factory=dict)


def _unit_table(
    node: Hashable,
    root: object,
    kids: list[Hashable],
    n_direct: int,
    subtree_cumulative: dict[Hashable, int],
    tables: dict[Hashable, dict[tuple[bool, int], _Plan]],
    options: _Options,
) -> dict[tuple[bool, int], _Plan]:
    k = options.k
    is_root = node is root
    allow_rollups = options.allow_rollups and (
        (None if is_root else node) not in options.no_rollup_under
    )
    # Knapsack over the node's pieces (its direct respondents, then each child). State:
    # (uncovered passed to this node, residual of the roll-up, roll-up members capped at 2,
    # whether some respondents of the node stay outside the roll-up). A roll-up without
    # anything outside it holds the node's respondents exactly: the node's own number again.
    State = tuple[int, int, int, bool]
    # In a step, people attached directly to the node who add nobody now stay outside any
    # roll-up (a roll-up takes the node's direct people only with their newcomers).
    direct_outside = not is_root and n_direct == 0 and options.direct_cumulative.get(node, 0) > 0
    states: dict[State, tuple[_Plan, tuple[Hashable, ...], bool]] = {
        (0, 0, 0, direct_outside): (_EMPTY_PLAN, (), False)
    }

    def offer(
        new: dict[State, tuple[_Plan, tuple[Hashable, ...], bool]],
        key: State,
        value: tuple[_Plan, tuple[Hashable, ...], bool],
    ) -> None:
        if key not in new or value[0].score > new[key][0].score:
            new[key] = value

    if n_direct > 0:
        new: dict[State, tuple[_Plan, tuple[Hashable, ...], bool]] = {}
        for (unc, roll, m, out), (plan, rolled, _) in states.items():
            offer(new, (min(k, unc + n_direct), roll, m, True), (plan, rolled, False))
            if not allow_rollups:
                continue
            with_score = _Plan(_add(plan.score, _ONE_UNIT_ROLLED), plan.shown, plan.rollups)
            offer(
                new, (unc, min(k, roll + n_direct), min(2, m + 1), out), (with_score, rolled, True)
            )
        states = new
    for child in kids:
        table = tables[child]
        new = {}
        # The child's respondents (all of them, not only a step's), if it stays out of a roll-up.
        outside = subtree_cumulative[child] > 0
        for (unc, roll, m, out), (plan, rolled, with_direct) in states.items():
            if (True, 0) in table:
                shown_child = _merge(plan, table[(True, 0)])
                offer(new, (unc, roll, m, True), (shown_child, rolled, with_direct))
            for (shown, r), child_plan in table.items():
                if shown:
                    continue
                merged = _merge(plan, child_plan)
                offer(
                    new, (min(k, unc + r), roll, m, out or outside), (merged, rolled, with_direct)
                )
                if not allow_rollups:
                    continue
                in_rollup = _Plan(
                    _add(merged.score, _ONE_UNIT_ROLLED), merged.shown, merged.rollups
                )
                offer(
                    new,
                    (unc, min(k, roll + r), min(2, m + 1), out),
                    (in_rollup, rolled + (child,), with_direct),
                )
        states = new

    result: dict[tuple[bool, int], _Plan] = {}

    def keep(key: tuple[bool, int], plan: _Plan) -> None:
        if key not in result or plan.score > result[key].score:
            result[key] = plan

    for (unc, roll, m, out), (plan, rolled, with_direct) in states.items():
        too_small = roll < k and not (options.stepwise and roll == 0)
        if m == 1 or (m == 2 and (too_small or not out)):
            # A roll-up needs two members, a residual of at least k (in a step, a roll-up that
            # adds nobody may stay: it says nothing new), and a remainder outside it.
            continue
        if m == 2:
            rollup = (node, rolled, with_direct)
            plan = _Plan(_add(plan.score, _ONE_ROLLUP), plan.shown, plan.rollups + (rollup,))
        if subtree_cumulative[node] >= k and unc in (0, k):
            if is_root:
                keep((True, 0), plan)
            elif options.eligible is None or node in options.eligible:
                gain = (int(node in options.preferred), 1, 0, subtree_cumulative[node], 0)
                shown = _Plan(_add(plan.score, gain), plan.shown | {node}, plan.rollups)
                keep((True, 0), shown)
        if not is_root:
            keep((False, unc), plan)
    return result
