"""Publishing in steps: which answers may enter the published numbers, version after version.

A reader can keep every version of the results they have seen. Two versions of a team's mean
subtract just like two groups do: five answers on Monday and six on Tuesday give the sixth
person's score as ``6 x Tuesday - 5 x Monday``. The rule that the audit proves therefore
covers every number ever published for a scan, in all its versions together.

The model
---------
Answers enter the published numbers in *steps* (one per published version). An *atom* is now
(unit, step): the respondents of one unit who entered in one step. Version ``v`` publishes,
for every aggregate ``A`` of its family ``F_v`` (shown units, roll-ups, the organisation),
the sum over ``A x [1..v]``: everyone of ``A`` who entered in steps ``1..v``. Statistics other
than sums (means, intervals, shares) are functions of such sums over the same sets, so the
linear model of :mod:`trustmirror.privacy.audit` applies: the publication is safe when every
non-zero vector in the span of all published indicators touches at least k respondents.

The rule
--------
Version ``v`` adds the respondents ``N_v`` (per unit) and publishes the family ``F_v``. It is
allowed when

(a) ``F_v`` is safe on the newcomers ``N_v`` alone: in the laminar family ``F_v``, every
    residual of the newcomers holds 0 or at least k (:mod:`trustmirror.privacy.laminar`);
(b) every aggregate ``A`` of ``F_v`` is *expressible* in every earlier step ``w``: on the atoms
    with newcomers in step ``w``, ``A`` is a union of blocks of ``F_w`` (a block is the set of
    atoms whose innermost published set is the same).

Proof that (a) and (b) suffice. Let ``K_v`` be the span of everything published up to version
``v``. Claim: ``K_v`` is the direct sum over steps ``w <= v`` of ``span(F_w)`` on step ``w``'s
atoms. For ``v = 1`` this is the definition. For ``v > 1``, version ``v`` adds ``A x [1..v]``
for each ``A`` in ``F_v``, which is ``A x [1..v-1]`` plus ``A x {v}``; by (b), each
``A x {w}`` (``w < v``) lies in ``span(F_w)`` on step ``w``, so ``A x [1..v-1]`` already lies
in ``K_{v-1}`` and the new information is exactly ``A x {v}``, i.e. ``span(F_v)`` on step
``v``. The steps' atoms are disjoint, so the sum is direct, and a non-zero vector of it has a
non-zero part in some step ``w``, which by (a) for that step touches at least k respondents
of that step alone. Hence no combination of all versions isolates fewer than k respondents.

Per measure. A construct's numbers count only the respondents with a score on it (and, for
the share of favourable answers, with an answer to its items); the same rule is applied to
each such count, with a family per construct (a subset of the respondents' family: a
construct may be withheld where the unit is shown). Participation figures are counts of the
respondents' family.

Choosing what to release (the planner)
--------------------------------------
The rule says what is allowed; :func:`plan_release` chooses within it, and
:func:`check_step` verifies the choice independently before anything is stored:

* all or nothing per unit: a unit's waiting respondents enter together or wait together, so
  the choice never depends on the order in which people answered (which is not stored);
* in an interim version a unit's newcomers enter only where they are *well placed*: at least
  k of them, in the unit's own shown number, with no roll-ups. Newcomers that would land in
  a larger group's residual or a roll-up wait, because mixing them with others would make
  the unit unexpressible in later versions (rule b) and so hide it for the rest of the
  scan. Units that never reach k enter at close, in a larger group's number or a roll-up;
* a group shown in the previous version stays shown if at all possible: newcomers that would
  hide it wait instead;
* the final version (at close) releases what it can without those two preferences, but
  under the same rule, so some answers may never enter (the page says how many answers its
  numbers include).

The tree is disclosed on the newcomers with :func:`trustmirror.privacy.tree.disclose_tree`
(residual rule on the step, shown only when the whole group reaches k), restricted to
aggregates that satisfy (b).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from trustmirror.privacy.laminar import Forest, NotLaminar
from trustmirror.privacy.tree import GroupCount, TreeDisclosure, disclose_tree

__all__ = [
    "RESPONDENTS",
    "ReleasePlan",
    "Step",
    "check_step",
    "plan_release",
]

#: The family (and measure) of respondents: which groups are shown at all, and their counts.
RESPONDENTS = "respondents"

Counts = Mapping[Hashable, int]
Members = Mapping[Hashable, frozenset]


@dataclass(frozen=True)
class Step:
    """One published version as the release rule remembers it.

    Attributes
    ----------
    added
        Per measure: the respondents per unit that this version added.
    families
        Per family: the published aggregates (key -> member unit ids).
    """

    added: Mapping[str, Counts]
    families: Mapping[str, Members]


@dataclass(frozen=True)
class ReleasePlan:
    """What one version publishes.

    ``units`` are the units whose waiting respondents enter now; ``held_back`` counts, per unit,
    the respondents who wait. ``disclosure`` is the unit tree's disclosure (respondents'
    family); ``families`` the published aggregates per family; ``step`` what to remember.
    """

    units: frozenset
    held_back: dict[Hashable, int]
    disclosure: TreeDisclosure
    families: dict[str, dict[Hashable, frozenset]]
    step: Step
    rounds: int = 1
    notes: list[str] = field(default_factory=list)


# -- rule (b): expressible in earlier steps ---------------------------------------------------


class _StepBlocks:
    """Blocks of one earlier step for one family, per measure, for the expressibility test."""

    def __init__(self, step: Step, family: str, measures: Sequence[str]) -> None:
        sets = step.families.get(family, {})
        vectors = [step.added.get(m, {}) for m in measures]
        self.per_measure: list[tuple[dict[Hashable, int], dict[int, int]]] = []
        try:
            forest = Forest(sets, vectors)
        except NotLaminar:  # cannot happen for a stored, checked step; be safe
            forest = None
        blocks = forest.blocks() if forest is not None else {}
        for vector in vectors:
            atoms = {a for a, n in vector.items() if n > 0}
            block_of = {a: blocks.get(a, -1) for a in atoms}
            sizes: dict[int, int] = {}
            for b in block_of.values():
                sizes[b] = sizes.get(b, 0) + 1
            self.per_measure.append((block_of, sizes))

    def expressible(self, members: Iterable[Hashable]) -> bool:
        members = members if isinstance(members, (set, frozenset)) else set(members)
        for block_of, sizes in self.per_measure:
            touched: dict[int, int] = {}
            for atom in members:
                b = block_of.get(atom)
                if b is None:
                    continue  # no newcomer of this measure in this step
                if b == -1:
                    return False  # an atom in no published number of that step
                touched[b] = touched.get(b, 0) + 1
            if any(sizes[b] != n for b, n in touched.items()):
                return False
        return True


class _History:
    """The earlier steps, with their blocks built once per family."""

    def __init__(self, steps: Sequence[Step], families: Mapping[str, Sequence[str]]) -> None:
        self.steps = list(steps)
        self.families = families
        self._blocks: dict[str, list[_StepBlocks]] = {}

    def blocks(self, family: str) -> list[_StepBlocks]:
        if family not in self._blocks:
            measures = self.families[family]
            self._blocks[family] = [_StepBlocks(s, family, measures) for s in self.steps]
        return self._blocks[family]

    def last(self, family: str) -> Members:
        return self.steps[-1].families.get(family, {}) if self.steps else {}

    def expressible(self, family: str, members: frozenset) -> bool:
        return all(blocks.expressible(members) for blocks in self.blocks(family))


# -- the verifier -----------------------------------------------------------------------------


def check_step(
    history: Sequence[Step],
    step: Step,
    families: Mapping[str, Sequence[str]],
    k: int,
    family_k: Mapping[str, int] | None = None,
) -> list[str]:
    """Problems with publishing ``step`` after ``history`` under the rule; empty when allowed.

    Independent of the planner: it checks (a) every family on every one of its measures'
    newcomers, with the family's own minimum where ``family_k`` sets one, and (b) every
    published aggregate against every earlier step.
    """
    problems: list[str] = []
    past = _History(history, families)
    measures = [m for family in families for m in families[family]]
    column = {m: i for i, m in enumerate(dict.fromkeys(measures))}
    union: dict[Hashable, frozenset] = {}
    for family in families:
        union.update(step.families.get(family, {}))
    vectors = [step.added.get(m, {}) for m in column]
    try:
        shared = Forest(union, vectors)
    except NotLaminar:
        shared = None  # families of another shape: check each on its own below
    for family, family_measures in families.items():
        sets = step.families.get(family, {})
        least = max(k, (family_k or {}).get(family, k))
        try:
            if shared is not None:
                keep = {shared.node_of[key] for key in sets if key in shared.node_of}
                found = shared.violations(least, keep, vectors=[column[m] for m in family_measures])
            else:
                vectors = [step.added.get(m, {}) for m in family_measures]
                found = Forest(sets, vectors).violations(least)
        except NotLaminar as error:
            problems.append(f"{family}: {error}")
            continue
        for key, residual in found.items():
            problems.append(f"{family}: {key!r} leaves {residual} newcomer(s) by subtraction")
        if not history:
            continue  # (b) holds trivially: there is no earlier step
        last = set(past.last(family).values())
        for key, members in sets.items():
            members = frozenset(members)
            if members in last and _unchanged_since_last(history, family, key, members):
                continue
            if not past.expressible(family, members):
                problems.append(f"{family}: {key!r} cannot be told apart in an earlier version")
    return problems


def _unchanged_since_last(
    history: Sequence[Step], family: str, key: Hashable, members: frozenset
) -> bool:
    """Whether the last version published this very set in this family (then (b) holds by
    induction: it was checked against every earlier step when it first appeared, and it is
    one of the last step's own sets)."""
    return bool(history) and history[-1].families.get(family, {}).get(key) == members


# -- the planner ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tree:
    parent: dict[Hashable, Hashable | None]
    members: dict[Hashable, frozenset]

    @classmethod
    def of(cls, units: Sequence[GroupCount]) -> _Tree:
        parent = {u.id: u.parent_id for u in units}
        children: dict[Hashable, list[Hashable]] = {u.id: [] for u in units}
        for u in units:
            if u.parent_id is not None:
                children[u.parent_id].append(u.id)
        members: dict[Hashable, frozenset] = {}
        order, stack = [], [u.id for u in units if u.parent_id is None]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(children[node])
        for node in reversed(order):
            members[node] = frozenset([node]).union(*(members[c] for c in children[node]))
        return cls(parent, members)


def plan_release(
    *,
    units: Sequence[GroupCount],
    released: Mapping[str, Counts],
    pending: Mapping[str, Counts],
    history: Sequence[Step],
    families: Mapping[str, Sequence[str]],
    k: int,
    final: bool,
    capacity: Counts | None = None,
    family_k: Mapping[str, int] | None = None,
) -> ReleasePlan:
    """Choose the respondents and the published groups of the next version.

    Parameters
    ----------
    units
        The organisation's unit tree now (``GroupCount.n`` is ignored).
    released, pending
        Per measure, respondents per unit already in the published numbers, and waiting.
        ``RESPONDENTS`` must be among the measures.
    history
        The steps of the versions published before, oldest first.
    families
        Per family, the measures it is checked on; ``RESPONDENTS: (RESPONDENTS,)`` first.
    k
        The scan's minimum group size now.
    final
        Whether this is the version at close (no later version will follow).
    capacity
        Per unit, how many people are attached to it directly (invited); kept for callers
        that report it, not used by the rule.
    family_k
        A higher minimum for some construct families (sensitive questions): their numbers
        are shown only for groups of at least that many with a score, and the residual rule
        holds for them with that minimum. Never below ``k``.

    Returns
    -------
    ReleasePlan
        Verified with :func:`check_step`; a plan that fails the check is never returned.
    """
    tree = _Tree.of(units)
    past = _History(history, families)
    waiting = pending.get(RESPONDENTS, {})
    before = released.get(RESPONDENTS, {})
    last = past.last(RESPONDENTS)
    last_sets = set(last.values())

    def expressible(members: frozenset) -> bool:
        return members in last_sets or past.expressible(RESPONDENTS, members)

    preferred = {u.id for u in units if last.get(u.id) == tree.members[u.id]}
    eligible = {u.id for u in units if expressible(tree.members[u.id])}
    chosen = {u for u, n in waiting.items() if n > 0 and u in tree.parent}
    # A group shown before grows by at least k or not at all: fewer of its own newcomers would
    # be its residual in this step (its hidden members' newcomers could fill it up only by
    # landing outside their own numbers, which costs them their detail later).
    chosen -= {u for u in preferred if 0 < waiting.get(u, 0) < k}

    no_rollup_under: set[Hashable | None] = set()
    if not final:
        # An interim version lets newcomers in only where they form the unit's own block:
        # at least k of them, shown in the unit itself. No roll-ups: a roll-up fuses its
        # members for the rest of the scan. The rest wait (for the final version, at worst).
        chosen -= {u for u in chosen if waiting[u] < k}
        no_rollup_under = {None, *tree.parent}
    rounds = 0
    while True:
        rounds += 1
        added = {u: waiting[u] for u in chosen}
        cumulative = {u.id: before.get(u.id, 0) + added.get(u.id, 0) for u in units}
        disclosure = disclose_tree(
            [GroupCount(u.id, u.parent_id, added.get(u.id, 0)) for u in units],
            k,
            cumulative=cumulative,
            eligible=eligible,
            preferred=preferred,
            no_rollup_under=no_rollup_under,
        )
        aggregates = disclosure.aggregates()
        new_rollups = [
            r.parent_id
            for r in disclosure.rollups
            if r.parent_id not in no_rollup_under and not expressible(aggregates[r.id])
        ]
        if new_rollups:
            no_rollup_under.update(new_rollups)
            continue
        hold: set[Hashable] = set()
        lost = preferred - {u for u, v in disclosure.visible.items() if v.shown}
        for unit in lost:
            # Only the innermost lost groups: an outer one is usually lost for their sake.
            inside = tree.members[unit]
            if not any(other != unit and tree.members[other] < inside for other in lost):
                hold.update(chosen & tree.members[unit])
        home = _innermost(aggregates, chosen)
        for unit in chosen:
            where = home.get(unit)
            if where is None:
                hold.add(unit)  # in no published number: entering would only cost later detail
            elif not final and where != unit:
                hold.add(unit)
        if not hold:
            break
        chosen -= hold

    added_respondents = {u: waiting[u] for u in chosen}
    published = {RESPONDENTS: dict(disclosure.aggregates())}
    added_all: dict[str, dict[Hashable, int]] = {RESPONDENTS: added_respondents}
    for measure, counts in pending.items():
        if measure != RESPONDENTS:
            added_all[measure] = {u: counts.get(u, 0) for u in chosen if counts.get(u, 0)}
    published.update(
        _construct_families(
            families,
            published[RESPONDENTS],
            released,
            added_all,
            past,
            k,
            [u.id for u in units],
            family_k or {},
        )
    )
    step = Step(added=added_all, families=published)
    problems = check_step(history, step, families, k, family_k)
    if problems:
        # Fail closed: a version that errors shows nothing new; a leak cannot be undone.
        raise RuntimeError("release plan failed its check: " + "; ".join(problems[:5]))
    return ReleasePlan(
        units=frozenset(chosen),
        held_back={u: n for u, n in waiting.items() if n > 0 and u not in chosen},
        disclosure=disclosure,
        families=published,
        step=step,
        rounds=rounds,
    )


def _construct_families(
    families: Mapping[str, Sequence[str]],
    base: Mapping[Hashable, frozenset],
    released: Mapping[str, Counts],
    added: Mapping[str, Counts],
    past: _History,
    k: int,
    unit_ids: Sequence[Hashable],
    family_k: Mapping[str, int],
) -> dict[str, dict[Hashable, frozenset]]:
    """Per construct family, the aggregates of the respondents' family whose numbers on that
    construct may be shown: enough respondents with a score in all (cumulative), expressible
    in every earlier version, and the residual rule on the newcomers (withdrawing inner sets).
    """
    others = [f for f in families if f != RESPONDENTS]
    if not others:
        return {}
    measures = list(dict.fromkeys(m for f in others for m in families[f]))
    column = {m: i for i, m in enumerate(measures)}
    keys = list(base)
    # Cumulative counts of every aggregate on every measure: one sparse product.
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    rows, cols = [], []
    for row, key in enumerate(keys):
        for unit in base[key]:
            if unit in unit_index:
                rows.append(row)
                cols.append(unit_index[unit])
    membership = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(len(keys), len(unit_ids))
    )
    counts = np.zeros((len(unit_ids), len(measures)), dtype=np.int64)
    for measure, j in column.items():
        for source in (released.get(measure, {}), added.get(measure, {})):
            for unit, n in source.items():
                if unit in unit_index:
                    counts[unit_index[unit], j] += n
    cumulative = np.asarray(membership @ counts)
    forest = Forest(base, [added.get(m, {}) for m in measures])
    out = {}
    for family in others:
        idx = [column[m] for m in families[family]]
        least = max(k, family_k.get(family, k))
        last_sets = set(past.last(family).values())
        enough = np.all(cumulative[:, idx] >= least, axis=1)
        candidates = [keys[row] for row in np.flatnonzero(enough).tolist()]
        if past.steps:
            allowed = [
                key
                for key in candidates
                if base[key] in last_sets or past.expressible(family, base[key])
            ]
        else:  # nothing published before: every set is expressible
            allowed = candidates
        kept = forest.withdraw(least, keep=allowed, vectors=idx)
        out[family] = {key: members for key, members in base.items() if key in kept}
    return out


def _is_rollup(key: Hashable) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] == "other"


def _innermost(
    aggregates: Mapping[Hashable, frozenset], units: Iterable[Hashable]
) -> dict[Hashable, Hashable]:
    """For each unit, the key of the smallest published aggregate that holds it."""
    best: dict[Hashable, tuple[tuple[int, int], Hashable]] = {}
    wanted = set(units)
    for key, members in aggregates.items():
        size = len(members)
        for unit in members & wanted:
            current = best.get(unit)
            # Equal sets: prefer the unit itself, then a roll-up, over an ancestor or the org.
            rank = (size, 0 if key == unit else 1 if _is_rollup(key) else 2)
            if current is None or rank < current[0]:
                best[unit] = (rank, key)
    return {unit: value[1] for unit, value in best.items()}
