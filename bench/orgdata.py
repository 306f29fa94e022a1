"""A large synthetic organisation for benchmarks, generated in memory with a fixed seed.

Nothing is written to disk. The item and construct structure comes from the Trust Scan
instrument (``trustmirror.instrument.load_instrument()``) when it is available, otherwise from
a fallback of 27 constructs x 3 items.

Answers follow a simple multilevel model per construct: division + department + team +
person effects on a latent score, plus item noise, rounded and clipped to 1..5; then a share
of answers is removed (NaN, skipped) or set to 0 ("don't know").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEED = 20261127


@dataclass(frozen=True)
class Organisation:
    answers: pd.DataFrame  # respondents x items, 1..5, 0 = don't know, NaN = skipped
    keys: Mapping[str, Mapping[str, int]]
    team: np.ndarray  # unit id per respondent (integers, as database ids would be)
    department: np.ndarray
    division: np.ndarray
    scale_points: int
    source: str  # where the item structure came from

    @property
    def n_teams(self) -> int:
        return int(np.unique(self.team).size)


def instrument_keys(version: str = "1") -> tuple[dict[str, dict[str, int]], str]:
    """Scoring keys of the Trust Scan, or the fallback structure if it cannot be loaded."""
    try:
        from trustmirror.instrument import load_instrument

        keys = load_instrument("trustscan", version).scoring_keys()
        return {c: dict(items) for c, items in keys.items()}, f"trustscan v{version}"
    except Exception:  # the benchmark must run before/without the instrument package
        keys = {}
        for construct in range(27):
            keys[f"c{construct:02d}"] = {
                f"c{construct:02d}_{item}": (-1 if item == 2 and construct % 3 == 0 else 1)
                for item in range(1, 4)
            }
        return keys, "fallback 27 constructs x 3 items"


def team_sizes(rng: np.random.Generator, n_respondents: int, n_teams: int) -> np.ndarray:
    """Team sizes between 5 and 40 that add up to ``n_respondents`` exactly."""
    if not 5 * n_teams <= n_respondents <= 40 * n_teams:
        raise ValueError("n_respondents must lie between 5 and 40 times n_teams")
    # Spread the people above the minimum of 5 with a skewed (gamma) profile, capped at 40.
    weights = rng.gamma(1.5, size=n_teams)
    extra = np.minimum(
        np.floor(weights / weights.sum() * (n_respondents - 5 * n_teams)), 35
    ).astype(int)
    sizes = 5 + extra
    while (missing := n_respondents - sizes.sum()) != 0:
        room = np.flatnonzero(sizes < 40) if missing > 0 else np.flatnonzero(sizes > 5)
        chosen = rng.choice(room, size=min(abs(missing), room.size), replace=False)
        sizes[chosen] += np.sign(missing)
    return sizes


def generate_organisation(
    n_respondents: int = 100_000,
    n_teams: int = 5_000,
    *,
    teams_per_department: int = 10,
    departments_per_division: int = 10,
    skipped: float = 0.03,
    dont_know: float = 0.02,
    seed: int = SEED,
    version: str = "1",
) -> Organisation:
    """Generate answers of ``n_respondents`` people in ``n_teams`` teams of 5 to 40, to the
    full form of Trust Scan ``version``."""
    rng = np.random.default_rng(seed)
    keys, source = instrument_keys(version)
    sizes = team_sizes(rng, n_respondents, n_teams)
    team = np.repeat(np.arange(1, n_teams + 1), sizes)
    rng.shuffle(team)  # answers arrive in no particular order
    department = (team - 1) // teams_per_department + 1
    division = (department - 1) // departments_per_division + 1

    items = [item for construct_items in keys.values() for item in construct_items]
    answers = np.empty((n_respondents, len(items)), dtype=np.float64)
    column = 0
    for construct_items in keys.values():
        level = rng.normal(3.4, 0.35)
        latent = (
            level
            + rng.normal(0, 0.15, division.max() + 1)[division]
            + rng.normal(0, 0.2, department.max() + 1)[department]
            + rng.normal(0, 0.35, n_teams + 1)[team]
            + rng.normal(0, 0.7, n_respondents)
        )
        for key in construct_items.values():
            raw = latent + rng.normal(0, 0.6, n_respondents)
            keyed = raw if key == 1 else 6 - raw
            answers[:, column] = np.clip(np.rint(keyed), 1, 5)
            column += 1
    draw = rng.random(answers.shape)
    answers[draw < skipped] = np.nan
    answers[(draw >= skipped) & (draw < skipped + dont_know)] = 0
    return Organisation(
        answers=pd.DataFrame(answers, columns=items),
        keys=keys,
        team=team,
        department=department,
        division=division,
        scale_points=5,
        source=source,
    )
