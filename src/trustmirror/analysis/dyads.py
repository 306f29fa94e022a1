"""How mutual trust is within the pairs of a round-robin group.

For every unordered pair {i, j} whose both directions were rated, the pair is

* ``mutual``: both ratings are high (at least ``high``, 4 on a five-point agreement scale:
  "agree" or "strongly agree");
* ``one_sided``: one direction is high and the other is not;
* ``low_both``: both ratings are low (at most ``low``, 2: "disagree" or below);
* ``middle``: neither high, and not both low.

This is a description of the observed ratings, not a model estimate; the Social Relations
Model's relationship covariance (:mod:`trustmirror.analysis.srm`, dyadic reciprocity) is the
model-based counterpart. Kenny (1994, ch. 7) discusses both readings of reciprocity.

Kenny, D. A. (1994). *Interpersonal perception: A social relations analysis.* Guilford.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PATTERNS", "pair_patterns"]

PATTERNS = ("mutual", "one_sided", "middle", "low_both")


def pair_patterns(
    ratings: pd.DataFrame,
    *,
    perceiver: str = "perceiver",
    target: str = "target",
    value: str = "rating",
    group: str | None = None,
    high: float = 4.0,
    low: float = 2.0,
) -> pd.DataFrame:
    """Counts of pairs per pattern, per group (one row per group, columns :data:`PATTERNS`
    plus ``pairs``, the number of pairs rated both ways).

    ``ratings`` is long format, one row per ordered (perceiver, target); self ratings and
    missing values are ignored. Without ``group`` every row is one group labelled 0.
    """
    for column in (perceiver, target, value, *([group] if group else [])):
        if column not in ratings.columns:
            raise ValueError(f"pair_patterns: no column {column!r} in the ratings")
    if low >= high:
        raise ValueError("pair_patterns: low must be below high")
    frame = pd.DataFrame(
        {
            "g": ratings[group].to_numpy() if group else np.zeros(len(ratings), dtype=int),
            "p": ratings[perceiver].to_numpy(),
            "t": ratings[target].to_numpy(),
            "x": pd.to_numeric(ratings[value], errors="raise").to_numpy(dtype=float),
        }
    )
    frame = frame[(frame["p"] != frame["t"]) & np.isfinite(frame["x"])]
    if frame.duplicated(["g", "p", "t"]).any():
        raise ValueError("pair_patterns: a (perceiver, target) pair occurs twice in a group")
    back = frame.rename(columns={"p": "t", "t": "p", "x": "y"})
    pairs = frame.merge(back, on=["g", "p", "t"])
    # Each unordered pair appears twice (i->j and j->i); keep the one with p < t.
    pairs = pairs[pairs["p"].astype(str) < pairs["t"].astype(str)]
    x, y = pairs["x"].to_numpy(), pairs["y"].to_numpy()
    high_x, high_y = x >= high, y >= high
    pattern = np.where(
        high_x & high_y,
        "mutual",
        np.where(
            high_x ^ high_y, "one_sided", np.where((x <= low) & (y <= low), "low_both", "middle")
        ),
    )
    counts = pd.crosstab(pairs["g"].to_numpy(), pattern).reindex(
        columns=list(PATTERNS), fill_value=0
    )
    groups = pd.Index(sorted(frame["g"].unique().tolist()), name="group")
    counts = counts.reindex(groups, fill_value=0)
    counts.index.name = "group"
    counts.columns.name = None
    counts["pairs"] = counts[list(PATTERNS)].sum(axis=1)
    return counts.astype(int)
