"""Drivers: how strongly each theme goes together with an outcome, with an interval.

For every pair of a predictor (a theme) and an outcome (satisfaction, engagement, intention to
stay) this computes Pearson's correlation over the respondents who have both scores
(pairwise complete) and its confidence interval by Fisher's z transformation:

.. math::

    z = \\operatorname{artanh}(r), \\qquad
    \\mathrm{SE} = \\frac{1}{\\sqrt{n - 3}}, \\qquad
    \\tanh\\left(z \\pm z_{1-\\alpha/2}\\,\\mathrm{SE}\\right)

(Fisher 1921; e.g. Cohen, Cohen, West & Aiken 2003, section 2.8). A correlation is an
association, not a cause: people who see a theme favourably also tend to report the outcome
favourably, for reasons the data cannot tell.

Strength in words follows Cohen (1988): from .10 small, from .30 moderate, from .50 strong.

>>> import pandas as pd
>>> scores = pd.DataFrame({"theme": [1, 2, 3, 4, 5] * 8, "outcome": [2, 1, 4, 3, 5] * 8})
>>> table = correlations(scores, predictors=["theme"], outcomes=["outcome"], min_n=10)
>>> round(float(table.loc[0, "r"]), 2), int(table.loc[0, "n"])
(0.8, 40)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["STRENGTHS", "correlations", "strength"]

#: Cohen's (1988) conventional bounds of |r|.
STRENGTHS = ((0.5, "strong"), (0.3, "moderate"), (0.1, "small"))


def strength(r: float) -> str:
    """``strong``, ``moderate``, ``small`` or ``negligible`` by |r| (.50/.30/.10)."""
    return next((name for bound, name in STRENGTHS if abs(r) >= bound), "negligible")


def correlations(
    scores: pd.DataFrame,
    *,
    predictors: Sequence[str],
    outcomes: Sequence[str],
    confidence: float = 0.95,
    min_n: int = 30,
) -> pd.DataFrame:
    """Correlation of each predictor with each outcome, with a Fisher-z interval.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one column per scale score; NaN where a score is missing.
    predictors, outcomes : sequence of str
        Columns of ``scores``.
    confidence : float
        Coverage of the interval.
    min_n : int
        Pairs with fewer complete respondents (or no variance) are left out.

    Returns
    -------
    DataFrame
        Columns ``outcome``, ``predictor``, ``n``, ``r``, ``ci_low``, ``ci_high``, one row per
        pair that could be estimated, in the order of ``outcomes`` then ``predictors``.

    Raises
    ------
    ValueError
        When a column is missing, ``confidence`` is not in (0, 1) or ``min_n`` is below 4.
    """
    missing = [c for c in [*predictors, *outcomes] if c not in scores.columns]
    if missing:
        raise ValueError(f"correlations: no column {missing[0]!r} in the scores")
    if not 0 < confidence < 1:
        raise ValueError("correlations: confidence must lie between 0 and 1")
    if min_n < 4:
        raise ValueError("correlations: min_n must be at least 4 (the interval needs n > 3)")
    critical = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for outcome in outcomes:
        y_all = scores[outcome].to_numpy(dtype=float)
        for predictor in predictors:
            x_all = scores[predictor].to_numpy(dtype=float)
            both = ~(np.isnan(x_all) | np.isnan(y_all))
            n = int(both.sum())
            if n < min_n:
                continue
            x, y = x_all[both], y_all[both]
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            r = float(np.corrcoef(x, y)[0, 1])
            r = min(1.0, max(-1.0, r))
            if abs(r) == 1.0:
                low = high = r
            else:
                z, se = np.arctanh(r), 1.0 / np.sqrt(n - 3)
                low, high = float(np.tanh(z - critical * se)), float(np.tanh(z + critical * se))
            rows.append(
                {
                    "outcome": outcome,
                    "predictor": predictor,
                    "n": n,
                    "r": r,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows, columns=["outcome", "predictor", "n", "r", "ci_low", "ci_high"])
