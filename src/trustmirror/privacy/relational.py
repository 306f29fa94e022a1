"""What the relational round may show, to whom (DESIGN.md, docs/privacy.md rule 13).

The round is confidential, not anonymous: the server knows who rated whom under pseudonyms.
What it shows is held to these rules, decided here and nowhere else:

* **A team's picture** (how trust is built up: giver / receiver / relationship shares, how
  mutual it is) is shown only when at least ``max(k, MIN_ROUND_TEAM)`` members completed the
  round, the same k as the scan's other numbers. It holds shares rounded to
  :data:`SHARE_STEP` percentage points and never a name, a person's effect or a single
  rating; no network drawing (in a team of six, members could decode one from what they know
  they answered themselves).
* **A person's own mirror** is shown only to that person, and only when their team's picture
  is shown. Trust *received* (and how well the person predicted it) appears only when at
  least :data:`MIN_RATERS_RECEIVED` colleagues rated them: a level from fewer would tell
  the person what one or two colleagues said.
* **A lead's self-other mirror** compares the lead's own prediction with the team's published
  numbers on the leader questions, which already passed the core scan's rules; only the lead
  sees it.
* Nothing relational is published before the scan closes: interim versions would let a
  reader difference two pictures of the same small team.

Numbers are rounded here before they are stored: shares to five points, levels to one
decimal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "LEVEL_DIGITS",
    "MIN_RATERS_RECEIVED",
    "MIN_ROUND_TEAM",
    "REASON_ROUND_FEW_RATERS",
    "REASON_ROUND_NOT_ESTIMABLE",
    "REASON_ROUND_TOO_SMALL",
    "REASON_ROUND_SHOWN",
    "ROUND_REASON_CODES",
    "level",
    "received_visible",
    "round_visibility",
    "shares",
]

#: The Social Relations Model needs at least four people in a round-robin group.
MIN_ROUND_TEAM = 4
#: Trust received is a level over at least this many colleagues' ratings.
MIN_RATERS_RECEIVED = 3
#: Shares are published in steps of this many percentage points.
SHARE_STEP = 5
#: Levels (1-5 scale) are published to one decimal.
LEVEL_DIGITS = 1

REASON_ROUND_SHOWN = "shown"
REASON_ROUND_TOO_SMALL = "round_too_small"
REASON_ROUND_FEW_RATERS = "round_few_raters"
REASON_ROUND_NOT_ESTIMABLE = "round_not_estimable"
ROUND_REASON_CODES = frozenset(
    {
        REASON_ROUND_SHOWN,
        REASON_ROUND_TOO_SMALL,
        REASON_ROUND_FEW_RATERS,
        REASON_ROUND_NOT_ESTIMABLE,
    }
)


def round_visibility(*, members: int, raters: int, k: int, min_size: int) -> str:
    """Why a team's picture is shown or not: a reason code.

    ``members`` is the team's size in the round (invited people), ``raters`` how many of them
    completed it, ``k`` the scan's minimum group size and ``min_size`` the smallest team the
    scan lets take part (never below :data:`MIN_ROUND_TEAM`).
    """
    if members < max(min_size, MIN_ROUND_TEAM):
        return REASON_ROUND_TOO_SMALL
    if raters < max(k, MIN_ROUND_TEAM):
        return REASON_ROUND_FEW_RATERS
    return REASON_ROUND_SHOWN


def received_visible(*, team_shown: bool, raters_of_person: int) -> bool:
    """Whether a person may see the trust they received (and their prediction of it)."""
    return team_shown and raters_of_person >= MIN_RATERS_RECEIVED


def shares(variances: Mapping[str, float | None]) -> dict[str, int] | None:
    """Variance shares in whole steps of :data:`SHARE_STEP` points, or None if not estimable.

    A negative or missing variance counts as zero (the Social Relations Model's estimates can
    fall below zero in a small team; its share is then nil). The shares are rounded
    independently, so their sum may differ from 100 by a step.
    """
    clean = {
        name: (value if value is not None and math.isfinite(value) and value > 0 else 0.0)
        for name, value in variances.items()
    }
    total = sum(clean.values())
    if total <= 0:
        return None
    return {
        name: int(SHARE_STEP * round(100 * value / total / SHARE_STEP))
        for name, value in clean.items()
    }


def level(value: float | None) -> float | None:
    """A level on the answer scale as published: one decimal, or None."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), LEVEL_DIGITS)
