"""Change of a group between the previous scan and this one, as far as privacy allows.

The previous scan is the organisation's latest scan that opened before this one. A change of
a group on a construct is shown only when all of these hold:

* the group's number on that construct is shown in **both** scans, each under its own
  suppression (:meth:`ScanResults.stat` is not None in both), so every number of the
  previous scan that a change shows was already published by the previous scan's own pages
  and showing a part of a safe publication is safe again;
* both scans reach k for it, with the **stricter** k of the two scans
  (:meth:`trustmirror.privacy.Policy.change_allowed` on the counts of scores).

Only then are the two scans' scores of that group taken (:meth:`ScanResults.group_scores`,
the same scores the shown statistics came from) and the difference computed with a Welch
interval and Hedges' g (:func:`trustmirror.analysis.change.unit_changes`; the scans are
anonymous, so they are independent samples). A hidden group's scores are never used.

As a last guard, a change is kept only when its counts and means equal the shown ones: a
change over one respondent more than the shown mean would tell that respondent's score.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustmirror.analysis.change import unit_changes
from trustmirror.privacy import Policy
from trustmirror.results.selectors import ORGANISATION, ScaleStat, ScanResults, scan_results
from trustmirror.surveys.models import Scan

__all__ = [
    "CLEAR_HIGHER",
    "CLEAR_LOWER",
    "NO_CLEAR_CHANGE",
    "ConstructChange",
    "GroupChange",
    "change_since_previous",
    "group_change",
    "previous_scan",
]

CLEAR_HIGHER = "higher"
CLEAR_LOWER = "lower"
NO_CLEAR_CHANGE = "unclear"

# Cohen's (1988) conventional bounds of |g| for a small, medium and large effect.
EFFECT_SIZES = ((0.8, "large"), (0.5, "medium"), (0.2, "small"))

# Shown and recomputed means are the same sums in another order.
_SAME_MEAN = 1e-9


@dataclass(frozen=True)
class ConstructChange:
    """The change of one group on one construct, only ever for an approved group.

    ``difference`` is current minus previous; ``ci_low``/``ci_high`` its 95% Welch interval
    and ``hedges_g`` the standardised difference (None where undefined: no spread at all).
    """

    construct_id: str
    before: ScaleStat
    after: ScaleStat
    difference: float
    ci_low: float | None
    ci_high: float | None
    hedges_g: float | None

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"`` when the 95% interval excludes 0, else ``"unclear"``."""
        if self.ci_low is not None and self.ci_low > 0:
            return CLEAR_HIGHER
        if self.ci_high is not None and self.ci_high < 0:
            return CLEAR_LOWER
        return NO_CLEAR_CHANGE

    @property
    def size(self) -> str | None:
        """``"large"``, ``"medium"``, ``"small"`` or ``"negligible"`` by |g| (.8/.5/.2)."""
        if self.hedges_g is None:
            return None
        return next(
            (name for bound, name in EFFECT_SIZES if abs(self.hedges_g) >= bound), "negligible"
        )


@dataclass(frozen=True)
class GroupChange:
    """What may be shown of one group's change since the previous scan.

    ``k`` is the stricter minimum group size of the two scans. ``changes`` holds the approved
    constructs only; when it is empty, nothing of the previous scan may be shown for this
    group.
    """

    previous: Scan
    k: int
    changes: dict[str, ConstructChange]

    @property
    def shown(self) -> bool:
        return bool(self.changes)

    def get(self, construct_id: str) -> ConstructChange | None:
        return self.changes.get(construct_id)


def previous_scan(scan: Scan) -> Scan | None:
    """The organisation's latest scan that opened before ``scan`` (None if there is none)."""
    return (
        Scan.objects.filter(organisation_id=scan.organisation_id, opens_on__lt=scan.opens_on)
        .order_by("-opens_on", "-pk")
        .first()
    )


def change_since_previous(results: ScanResults, key: Hashable) -> GroupChange | None:
    """The change of group ``key`` (a unit id or ORGANISATION) since the previous scan.

    None when the organisation has no earlier scan.
    """
    previous = previous_scan(results.scan)
    if previous is None:
        return None
    return group_change(scan_results(scan=previous), results, key)


def group_change(before: ScanResults, after: ScanResults, key: Hashable) -> GroupChange:
    """The approved changes of group ``key`` from the scan of ``before`` to that of ``after``."""
    policy = Policy(max(before.k, after.k))
    approved: dict[str, tuple[ScaleStat, ScaleStat]] = {}
    if _shown_in(before, key) and _shown_in(after, key):
        for construct in after.instrument.constructs:
            stat_before = before.stat(key, construct.id)
            stat_after = after.stat(key, construct.id)
            if stat_before is None or stat_after is None:
                continue
            if policy.change_allowed(stat_before.n, stat_after.n):
                approved[construct.id] = (stat_before, stat_after)
    changes: dict[str, ConstructChange] = {}
    constructs = list(approved)
    scores_before = before.group_scores(key, constructs) if approved else None
    scores_after = after.group_scores(key, constructs) if approved else None
    if scores_before is not None and scores_after is not None:
        frame = unit_changes(
            scores_before,
            np.zeros(len(scores_before), dtype=np.int64),
            scores_after,
            np.zeros(len(scores_after), dtype=np.int64),
        )
        for construct_id, (stat_before, stat_after) in approved.items():
            row = frame.loc[(0, construct_id)]
            if not (_same(row, "before", stat_before) and _same(row, "after", stat_after)):
                continue
            changes[construct_id] = ConstructChange(
                construct_id=construct_id,
                before=stat_before,
                after=stat_after,
                difference=float(row["difference"]),
                ci_low=_finite(row["ci_low"]),
                ci_high=_finite(row["ci_high"]),
                hedges_g=_finite(row["hedges_g"]),
            )
    return GroupChange(previous=before.scan, k=policy.k, changes=changes)


def _shown_in(results: ScanResults, key: Hashable) -> bool:
    if key == ORGANISATION:
        return results.organisation_shown
    return key in results.disclosure.visible and results.unit_shown(key)


def _same(row: pd.Series, side: str, stat: ScaleStat) -> bool:
    return int(row[f"n_{side}"]) == stat.n and math.isclose(
        float(row[f"mean_{side}"]), stat.mean, rel_tol=0, abs_tol=_SAME_MEAN
    )


def _finite(value: object) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
