"""The one policy that decides which numbers and comments may be shown.

Every page, chart, filter, export, API answer and e-mail asks a :class:`Policy` (built from the
scan's minimum group size k) before it shows anything derived from responses. The rules, and
why each is needed, are in ``docs/privacy.md``; the proofs that the tree rules are enough are
in :mod:`trustmirror.privacy.audit` and :mod:`trustmirror.privacy.tree`.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from trustmirror.privacy.comments import MASK, mask_names
from trustmirror.privacy.laminar import Forest
from trustmirror.privacy.reasons import (
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_COUNT_COMBINES,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    REASON_TOO_MANY_DIMENSIONS,
)
from trustmirror.privacy.tree import (
    GroupCount,
    TreeDisclosure,
    Visibility,
    disclose_tree,
)

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "MIN_GROUP_SIZE_FLOOR",
    "CellKey",
    "DemographicCut",
    "OtherCells",
    "Participation",
    "K_CHANGE_PROMISED",
    "K_CHANGE_PUBLISHED",
    "K_CHANGE_BELOW_FLOOR",
    "Policy",
    "k_change_refusal",
    "order_for_display",
]

MIN_GROUP_SIZE_FLOOR = 3
DEFAULT_MIN_GROUP_SIZE = 5

# Why a scan's k may not change as asked (codes; the words are the caller's, in gettext).
K_CHANGE_BELOW_FLOOR = "below_floor"
K_CHANGE_PUBLISHED = "published"
K_CHANGE_PROMISED = "promised"


def k_change_refusal(*, current: int, new: int, opened: bool, published: bool) -> str | None:
    """Why a scan's minimum group size may not go from ``current`` to ``new``; None if it may.

    Raising k is always allowed: what was published stays as safe as it was, and what follows
    is safer. Lowering it is refused

    * once any version of the scan was published (``published``): the release rule
      (:mod:`trustmirror.privacy.release`) protects all versions together only down to the
      smallest k any of them used, so numbers published under the higher k could be combined
      with new ones to single out fewer people than the readers of the first were promised;
    * once the scan opened (``opened``): its respondents answered under the promise of groups
      of at least ``current`` people.

    Never below :data:`MIN_GROUP_SIZE_FLOOR`.
    """
    if new < MIN_GROUP_SIZE_FLOOR:
        return K_CHANGE_BELOW_FLOOR
    if new < current and published:
        return K_CHANGE_PUBLISHED
    if new < current and opened:
        return K_CHANGE_PROMISED
    return None


# A demographic cell: one band per dimension, e.g. (("location", "Utrecht"), ("tenure", "2-5")).
CellKey = tuple[tuple[str, str], ...]

T = TypeVar("T")


@dataclass(frozen=True)
class OtherCells:
    """Hidden cells (and respondents without a band) reported together as "other"."""

    member_keys: tuple[CellKey, ...]
    includes_unknown: bool
    n: int


@dataclass(frozen=True)
class DemographicCut:
    """What may be shown of one cut of one group.

    ``allowed`` is False when no cell may be shown (then ``reason`` says why: ``below_k``,
    ``complementary`` or ``too_many_dimensions``). ``cells`` maps each shown cell to its
    respondent count; ``other`` is the reportable remainder, if any; ``hidden`` maps each
    hidden cell to its reason code.
    """

    dimensions: tuple[str, ...]
    allowed: bool
    reason: str
    cells: dict[CellKey, int]
    other: OtherCells | None
    hidden: dict[CellKey, str]


@dataclass(frozen=True)
class Participation:
    """The participation figures that may be shown for one group.

    Exactly one of four forms:

    * ``reason == "shown"``: exact ``invited``, ``responded`` and ``rate`` (whole percent);
      only then may the group's respondent count (its n) be shown anywhere;
    * ``reason == "few_nonrespondents"``: between 1 and k - 1 people did not answer; only
      ``invited`` and ``rate_at_least`` are given, the same bound for every such count;
    * ``reason == "count_combines"``: k or more did not answer, but the exact figure would
      combine with other groups' figures into the count of a group where 1 to k - 1 did
      not; only ``invited`` is given;
    * ``reason == "below_k"``: fewer than k responded; nothing but that fact.

    The headcount (``invited``) is never secret: who belongs to a team is known at work. So
    a respondent count is as telling as a participation figure: n = 8 next to 9 invited
    says "one of you did not answer". ``count_shown`` says whether the n may be shown.
    """

    reason: str
    invited: int | None = None
    responded: int | None = None
    rate: int | None = None
    rate_at_least: int | None = None

    @property
    def shown(self) -> bool:
        return self.reason != REASON_BELOW_K

    @property
    def count_shown(self) -> bool:
        """Whether the group's exact respondent count may be shown (its n)."""
        return self.reason == REASON_SHOWN


def order_for_display(
    rows: Iterable[T],
    *,
    value: Callable[[T], float | None],
    label: Callable[[T], str],
    descending: bool = True,
) -> list[T]:
    """Sort rows by their shown value; rows without a shown value go last, by label.

    A hidden group's place in a sorted list, a ranking or a page must not depend on its hidden
    number, or "sort by score" would tell where it stands. ``value`` must return None for
    every row the policy hides, so its true value never reaches this function.
    """
    rows = list(rows)
    shown = [r for r in rows if value(r) is not None]
    hidden = [r for r in rows if value(r) is None]
    shown.sort(key=label)
    shown.sort(key=lambda r: value(r), reverse=descending)  # stable: ties stay in label order
    hidden.sort(key=label)
    return shown + hidden


@dataclass(frozen=True)
class Policy:
    """The disclosure rules for one scan.

    Parameters
    ----------
    min_group_size
        k: the fewest respondents any shown number may describe. Default 5; below 3 is refused
        because with two respondents each one knows the other's answers from the mean.
    """

    min_group_size: int = DEFAULT_MIN_GROUP_SIZE

    def __post_init__(self) -> None:
        k = self.min_group_size
        if isinstance(k, bool) or not isinstance(k, int):
            raise ValueError(f"min_group_size must be an integer, got {k!r}")
        if k < MIN_GROUP_SIZE_FLOOR:
            raise ValueError(f"min_group_size must be at least {MIN_GROUP_SIZE_FLOOR}, got {k}")

    @property
    def k(self) -> int:
        return self.min_group_size

    def may_show(self, n: int) -> bool:
        """Whether a single group of ``n`` respondents reaches k (no complementary check)."""
        return n >= self.k

    # -- the unit tree ---------------------------------------------------------------------

    def suppress_tree(
        self, units: Sequence[GroupCount], *, rollups: bool = True
    ) -> dict[Hashable, Visibility]:
        """Visibility per unit after complementary suppression and roll-ups.

        A shown unit's number covers its whole subtree. See :meth:`suppress_tree_with_rollups`
        for the roll-up groups and the exact respondent sets behind each shown number.
        """
        return self.suppress_tree_with_rollups(units, rollups=rollups).visible

    def suppress_tree_with_rollups(
        self, units: Sequence[GroupCount], *, rollups: bool = True
    ) -> TreeDisclosure:
        """Complementary suppression in the unit tree, with "other teams of" roll-ups.

        Guarantees, for every statistic that adds over respondents (counts, sums, shares,
        hence means with their n): no combination of the shown aggregates (units, roll-ups and
        the organisation total) isolates between 1 and k - 1 respondents. Among the
        arrangements with that guarantee it shows the most units, then the most roll-ups, then
        hides the smallest groups.

        Parameters
        ----------
        units
            Every unit of the organisation with the respondents attached directly to it.
            Units without respondents must be included too: they carry the tree.
        rollups
            Whether small hidden siblings may be reported together as "other teams of
            <parent>". Without roll-ups more groups stay hidden (reason ``complementary``).
        """
        return disclose_tree(units, self.k, allow_rollups=rollups)

    def hidden_reason(self, visibility: Visibility, respondents: int) -> str:
        """The reason a unit shows no numbers, as a reader should be told it.

        ``respondents`` counts everyone in the unit's subtree that the published numbers
        include. A unit of fewer than k says so (``below_k``), even where it is reported
        inside a roll-up: "fewer than k" is the reason its own numbers cannot exist. A shown
        unit's reason is ``shown``.
        """
        if visibility.shown:
            return REASON_SHOWN
        if respondents < self.k:
            return REASON_BELOW_K
        return visibility.reason

    # -- items, change, cuts ----------------------------------------------------------------

    def item_detail_allowed(self, n_item_answers: int) -> bool:
        """Whether one item's answers may be shown for a group (answers other than "don't know").

        A group can reach k on a scale while only a few answered one item; then that item's
        detail would describe those few. For a group inside a tree where other groups show
        item detail too, use :meth:`item_detail_tree`.
        """
        return self.may_show(n_item_answers)

    def item_detail_tree(
        self, disclosure: TreeDisclosure, item_answers: Mapping[Hashable, int]
    ) -> dict[Hashable, bool]:
        """Which shown aggregates may show one item's detail.

        The tree may be safe in respondents while the answers to one item are not: a residual
        of six respondents of whom five said "don't know" would show the sixth's answer by
        subtraction. The same residual rule is applied to the item's answer counts, and item
        detail is withdrawn (innermost first, smallest first) until it holds.

        Parameters
        ----------
        disclosure
            The scan's tree disclosure.
        item_answers
            Answers to the item (1..5, not "don't know") per unit, directly attached.
        """
        aggregates = disclosure.aggregates()
        counts = {
            key: sum(item_answers.get(u, 0) for u in members) for key, members in aggregates.items()
        }
        forest = Forest(aggregates, [item_answers])
        keep = forest.withdraw(self.k, keep=[key for key, n in counts.items() if self.may_show(n)])
        return {key: key in keep for key in aggregates}

    def change_allowed(self, n_before: int, n_after: int) -> bool:
        """Whether the change of one group between two scans may be shown.

        Both scans must reach k for the group; the group must also be shown in each scan's own
        disclosure (the caller checks that). Within each scan the suppression is complementary,
        and the respondents of two scans are different records, so differences of shown
        changes isolate nobody either (see docs/privacy.md for the limits).
        """
        return self.may_show(n_before) and self.may_show(n_after)

    def demographic_cuts(
        self,
        cells: Mapping[CellKey, int],
        total_n: int,
        max_dimensions: int,
    ) -> DemographicCut:
        """Which cells of one cut of one shown group may be shown.

        A cell is shown only when it and its complement in the group reach k. The hidden cells
        and the respondents without a band are together the group total minus the shown
        cells, so that remainder must hold 0 or at least k; if it does not, the smallest shown
        cell is hidden too, until it does. A remainder of at least k is reported as "other".

        Parameters
        ----------
        cells
            Respondents per cell. A key is a tuple of (dimension, band) pairs; all keys must
            name the same dimensions. Cells without respondents may be left out.
        total_n
            Respondents of the group (at least the sum of the cells; the difference is the
            respondents with no band for some dimension).
        max_dimensions
            How many dimensions the scan allows in one cut.
        """
        normalised: dict[CellKey, int] = {}
        dimension_sets = set()
        for key, n in cells.items():
            norm = tuple(sorted(key))
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"cell {key!r}: n must be a non-negative integer")
            if len({d for d, _ in norm}) != len(norm):
                raise ValueError(f"cell {key!r} names a dimension twice")
            dimension_sets.add(tuple(d for d, _ in norm))
            normalised[norm] = normalised.get(norm, 0) + n
        if len(dimension_sets) > 1:
            raise ValueError("all cells of a cut must name the same dimensions")
        dimensions = dimension_sets.pop() if dimension_sets else ()
        unknown = total_n - sum(normalised.values())
        if unknown < 0:
            raise ValueError("the cells hold more respondents than the group")

        def refused(reason: str) -> DemographicCut:
            return DemographicCut(
                dimensions, False, reason, {}, None, {key: reason for key in normalised}
            )

        if len(dimensions) > max_dimensions:
            return refused(REASON_TOO_MANY_DIMENSIONS)
        if not self.may_show(total_n):
            return refused(REASON_BELOW_K)
        hidden = {key: REASON_BELOW_K for key, n in normalised.items() if not self.may_show(n)}
        shown = {}
        for key, n in normalised.items():
            if key not in hidden:
                if self.may_show(total_n - n):
                    shown[key] = n
                else:
                    hidden[key] = REASON_COMPLEMENTARY
        while shown:
            rest = total_n - sum(shown.values())
            if rest == 0 or self.may_show(rest):
                break
            smallest = min(shown, key=lambda key: (shown[key], key))
            del shown[smallest]
            hidden[smallest] = REASON_COMPLEMENTARY
        if not shown:
            reason = (
                REASON_BELOW_K
                if all(r == REASON_BELOW_K for r in hidden.values())
                else REASON_COMPLEMENTARY
            )
            return refused(reason)
        rest = total_n - sum(shown.values())
        other = None
        if rest:
            members = tuple(sorted(hidden))
            other = OtherCells(members, unknown > 0, rest)
            hidden = dict.fromkeys(members, REASON_ROLLED_UP)
        return DemographicCut(dimensions, True, REASON_SHOWN, shown, other, hidden)

    # -- comments and participation ---------------------------------------------------------

    def comments(
        self,
        comments: Sequence[str],
        n_group: int,
        people_names: Iterable[str],
        rng: random.Random | None = None,
        *,
        language: str = "en",
    ) -> list[str] | None:
        """The open answers of a group as they may be shown, or None when the group is small.

        Only for groups of at least k respondents (``n_group`` counts respondents, not
        comments) that are shown in the tree disclosure: a hidden group's comments would be
        the difference between its parent's and its siblings' lists. Names of the
        organisation's people and e-mail addresses are masked; blank answers are dropped; the
        order is random, so the order of answering (which a lead could match with who was at
        work when) is lost. Nothing but the text is returned: no time, no id, no unit.

        Parameters
        ----------
        rng
            Source of the shuffle; by default the operating system's random source, so the
            order cannot be reproduced. Tests pass a seeded ``random.Random``.
        language
            Language of the reader, for the mask text.
        """
        if not self.may_show(n_group):
            return None
        mask = MASK.get(language, MASK["en"])
        names = list(people_names)
        texts = [mask_names(c.strip(), names, mask=mask) for c in comments if c and c.strip()]
        (rng or secrets.SystemRandom()).shuffle(texts)
        return texts

    def comment_languages(
        self,
        groups: Mapping[Hashable, Iterable[Hashable]],
        writers: Mapping[str, Mapping[Hashable, int]],
    ) -> dict[Hashable, frozenset[str]]:
        """The languages in which each group may show its answers to one open question.

        A comment is shown in a group only where at least k people of that group answered the
        question (a blank answer is no answer) **in the comment's language**. A comment says
        which language it was written in; where one language is rare, as English often is in
        a Dutch team, that would point at the few who use it. Where no language of a group
        reaches k, the group shows no answers to the question, even when together they do.

        Comments are subtracted like counts: a department's list minus its teams' lists is the
        list of the people outside those teams. So per language the rule of the unit tree is
        applied to the people who wrote: among the groups that show that language, every
        residual (a group's writers outside the showing groups inside it) holds 0 or at least
        k, and groups give way, innermost and smallest first, until it does
        (:meth:`~trustmirror.privacy.laminar.Forest.withdraw`).

        Parameters
        ----------
        groups
            The groups that may show comments at all: shown in the tree disclosure (a hidden
            group's list would be a difference of shown ones) and with a page, as the units
            they cover. They must be nested or disjoint, as the tree's groups are.
        writers
            Per language, the people who answered the question in it, per unit.
        """
        members = {key: list(atoms) for key, atoms in groups.items()}
        allowed: dict[Hashable, set[str]] = {key: set() for key in members}
        for language, per_unit in writers.items():
            counts = {
                key: sum(per_unit.get(atom, 0) for atom in atoms) for key, atoms in members.items()
            }
            candidates = [key for key, n in counts.items() if self.may_show(n)]
            if not candidates:
                continue
            kept = Forest(members, [dict(per_unit)]).withdraw(self.k, keep=candidates)
            for key in kept:
                allowed[key].add(language)
        return {key: frozenset(languages) for key, languages in allowed.items()}

    def participation(self, invited: int, responded: int) -> Participation:
        """Participation figures of one group on its own (a family of one; see below)."""
        if invited < 0 or responded < 0 or responded > invited:
            raise ValueError(
                f"need 0 <= responded <= invited, got responded={responded}, invited={invited}"
            )
        return self.participations({0: [0]}, {0: invited}, {0: responded})[0]

    def participations(
        self,
        aggregates: Mapping[Hashable, Iterable[Hashable]],
        invited: Mapping[Hashable, int],
        responded: Mapping[Hashable, int],
    ) -> dict[Hashable, Participation]:
        """Participation figures of every shown group, decided together.

        ``aggregates`` are the shown groups (a laminar family: units, roll-ups and the
        organisation, as :meth:`TreeDisclosure.aggregates` gives them) as the atoms they
        cover; ``invited`` and ``responded`` count per atom. The headcount of every group is
        taken to be known, so what a group's figures tell is how many of it did *not* answer.

        Decisions:

        * fewer than k responded: no figures at all, only "fewer than k" (the results of the
          group are hidden anyway, and a count of 1 or 2 respondents in a small team comes
          close to naming them);
        * between 1 and k - 1 did not answer: the viewer knows the team, so an exact count or
          rate would say "exactly one of you did not answer", which invites finding out who.
          Only a lower bound on the rate is given, computed so that it is the same for every
          number of non-respondents from 1 to k - 1; the group's n is not shown either, since
          n and the headcount give the same count;
        * nobody, or at least k people, did not answer: exact figures (a rate of 100% points
          at nobody), unless they would combine: a parent's exact count minus its children's
          is the count of the rest. The rule of the unit tree applies to the non-respondents:
          every residual of the groups with exact figures (a group's non-respondents outside
          the exact groups inside it) holds 0 or at least k, and groups are withdrawn to
          exact figures innermost and smallest first until it does (reason
          ``count_combines`` for a withdrawn group with k or more non-respondents).

        Respondent counts follow the same decision: show a group's n only where its
        participation is exact (:attr:`Participation.count_shown`).
        """
        members = {key: list(atoms) for key, atoms in aggregates.items()}
        for atom in set().union(*members.values()) if members else ():
            n_invited, n = invited.get(atom, 0), responded.get(atom, 0)
            if n_invited < 0 or n < 0:
                raise ValueError(f"negative count for {atom!r}: invited={n_invited}, responded={n}")
        # A unit with more respondents than invitations (an open link) has no one missing.
        missing = {
            atom: max(invited.get(atom, 0) - responded.get(atom, 0), 0)
            for atoms in members.values()
            for atom in atoms
        }
        totals = {
            key: (
                sum(max(invited.get(a, 0), responded.get(a, 0)) for a in atoms),
                sum(responded.get(a, 0) for a in atoms),
            )
            for key, atoms in members.items()
        }
        candidates = [key for key, (_i, n) in totals.items() if self.may_show(n)]
        exact = Forest({key: members[key] for key in candidates}, [missing]).withdraw(self.k)
        out: dict[Hashable, Participation] = {}
        for key, (n_invited, n) in totals.items():
            if not self.may_show(n):
                out[key] = Participation(REASON_BELOW_K)
            elif key in exact:
                out[key] = Participation(
                    REASON_SHOWN,
                    invited=n_invited,
                    responded=n,
                    rate=round(100 * n / n_invited),
                )
            elif 0 < n_invited - n < self.k:
                # responded >= k and missing in 1..k-1 give responded >= max(k, invited - k + 1).
                floor_responded = max(self.k, n_invited - self.k + 1)
                out[key] = Participation(
                    REASON_FEW_NONRESPONDENTS,
                    invited=n_invited,
                    rate_at_least=math.floor(100 * floor_responded / n_invited),
                )
            else:
                out[key] = Participation(REASON_COUNT_COMBINES, invited=n_invited)
        return out

    def nothing_counted(self, invited: int) -> Participation:
        """The organisation's figures while no answer is counted anywhere: 0 of ``invited``.

        A count of 0 singles out nobody. It is given only for the organisation as a whole and
        only when no unit has a counted answer: answers are counted in steps of at least k
        per unit (rule 9 of docs/privacy.md), so the organisation's count goes from 0 straight
        to at least k, and "0" never tells when a first few answers came in. The units get no
        figures of their own: theirs add nothing but their headcounts, and a page of a unit
        names the organisation's.
        """
        if invited <= 0:
            return Participation(REASON_BELOW_K)
        return Participation(REASON_SHOWN, invited=invited, responded=0, rate=0)
