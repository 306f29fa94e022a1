"""Aggregates over teams (say-do ratios of agreements): shown only over at least k teams.

A team's say-do ratio is the team's own: the organisation sees it only pooled over at least
k teams (the scan's minimum group size), so no team is singled out or ranked. As with
respondents, hiding a small part is not enough when the whole and the other parts are shown:
the organisation's figure minus its shown departments' would be the remaining teams' figure.
So the teams outside every shown department are either none or at least k as well.

Pure Python: the caller counts teams, this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["TeamAggregates", "team_aggregates"]


@dataclass(frozen=True)
class TeamAggregates:
    """Which aggregates may be shown: the whole, and the parts by name."""

    whole: bool
    parts: frozenset[str]


def team_aggregates(total: int, parts: Mapping[str, int], k: int) -> TeamAggregates:
    """Decide which of a whole and its disjoint parts may show a figure over teams.

    Parameters
    ----------
    total : int
        Teams that count in the whole (the organisation).
    parts : mapping of str to int
        Teams that count in each part (a department); the parts do not overlap and lie
        within the whole.
    k : int
        The least number of teams an aggregate is shown over.

    Returns
    -------
    TeamAggregates
        The whole when ``total >= k``; the parts with at least ``k`` teams, less the
        smallest of them until the teams outside every shown part are 0 or at least ``k``
        (complementary suppression: no subtraction isolates fewer than ``k`` teams).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if sum(parts.values()) > total or any(n < 0 for n in parts.values()):
        raise ValueError("the parts must lie within the whole")
    if total < k:
        return TeamAggregates(whole=False, parts=frozenset())
    shown = sorted((n, name) for name, n in parts.items() if n >= k)
    while shown and 0 < total - sum(n for n, _name in shown) < k:
        shown.pop(0)  # the smallest part: the fewest teams hidden to protect the rest
    return TeamAggregates(whole=True, parts=frozenset(name for _n, name in shown))
