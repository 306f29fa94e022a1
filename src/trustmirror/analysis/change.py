"""Change between two scans: difference of means with a Welch interval and Hedges' g.

The core scan is anonymous, so answers of the same person in two scans cannot be linked:
the two scans are analysed as **independent samples**. When much the same people answer
both times, the scans are positively correlated and the independent-samples standard error
is then too large, so the interval is conservative (wider than a paired one would be).

Formulas (scan 1 = before, scan 2 = after; :math:`n_k`, :math:`\\bar y_k`, :math:`s_k` the
count, mean and SD with denominator :math:`n_k - 1`):

.. math::

    \\Delta = \\bar y_2 - \\bar y_1, \\qquad
    SE = \\sqrt{\\frac{s_1^2}{n_1} + \\frac{s_2^2}{n_2}}, \\qquad
    \\nu = \\frac{SE^4}{\\dfrac{(s_1^2/n_1)^2}{n_1 - 1} + \\dfrac{(s_2^2/n_2)^2}{n_2 - 1}}

    \\Delta \\pm t_{1-\\alpha/2,\\,\\nu}\\, SE, \\qquad t = \\Delta / SE
    \\text{ (two-sided } p \\text{ from } t_\\nu)

(Welch 1947; the degrees of freedom after Satterthwaite 1946), and the standardised effect

.. math::

    s_p = \\sqrt{\\frac{(n_1 - 1)s_1^2 + (n_2 - 1)s_2^2}{n_1 + n_2 - 2}}, \\qquad
    g = J(m)\\,\\frac{\\Delta}{s_p}, \\qquad
    J(m) = \\frac{\\Gamma(m/2)}{\\sqrt{m/2}\\;\\Gamma((m-1)/2)}, \\quad m = n_1 + n_2 - 2

(Hedges 1981; :math:`J(m) \\approx 1 - 3/(4m - 1)`). g uses the pooled SD as in Hedges'
definition, while the interval of :math:`\\Delta` does not assume equal variances.

Undefined values are NaN: a scan with fewer than two scores (no SD), :math:`SE = 0` (both
scans without spread: no t, p, :math:`\\nu` or interval), :math:`s_p = 0` (no g).

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. *Biometrika, 34*(1-2), 28-35.

Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
components. *Biometrics Bulletin, 2*(6), 110-114.

Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related
estimators. *Journal of Educational Statistics, 6*(2), 107-128.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from trustmirror.analysis.teams import scale_summaries

__all__ = ["Change", "change_from_summaries", "hedges_correction", "unit_changes", "welch_change"]

_COLUMNS = [
    "n_before",
    "mean_before",
    "sd_before",
    "n_after",
    "mean_after",
    "sd_after",
    "difference",
    "se",
    "df",
    "t",
    "p_value",
    "ci_low",
    "ci_high",
    "hedges_g",
]


@dataclass(frozen=True)
class Change:
    """Difference between two independent samples (see :func:`welch_change`)."""

    n_before: int
    mean_before: float
    sd_before: float
    n_after: int
    mean_after: float
    sd_after: float
    difference: float
    se: float
    df: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float
    hedges_g: float


def hedges_correction(m: object) -> np.ndarray:
    """Small-sample correction :math:`J(m) = \\Gamma(m/2) / (\\sqrt{m/2}\\,\\Gamma((m-1)/2))`.

    Parameters
    ----------
    m : array-like
        Degrees of freedom :math:`n_1 + n_2 - 2`; NaN where :math:`m < 2`.

    Returns
    -------
    numpy.ndarray

    References
    ----------
    Hedges, L. V. (1981). *Journal of Educational Statistics, 6*(2), 107-128, eq. 6e.
    """
    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore"):
        # Log-gamma keeps large m (thousands of respondents) from overflowing.
        log_j = special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2)
        return np.where(m >= 2, np.exp(log_j), np.nan)


def change_from_summaries(
    n_before: object,
    mean_before: object,
    sd_before: object,
    n_after: object,
    mean_after: object,
    sd_after: object,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Welch difference and Hedges' g from counts, means and SDs (vectorised).

    Useful when only aggregates of an earlier scan are kept. Formulas in the module
    docstring.

    Parameters
    ----------
    n_before, mean_before, sd_before, n_after, mean_after, sd_after : array-like
        Equal-length arrays (or scalars); SDs with denominator :math:`n - 1`.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_before``, ``mean_before``, ``sd_before``, ``n_after``, ``mean_after``,
        ``sd_after``, ``difference`` (after - before), ``se``, ``df``, ``t``, ``p_value``
        (two-sided), ``ci_low``, ``ci_high``, ``hedges_g``.

    Raises
    ------
    ValueError
        If the arrays cannot be broadcast together, a count or SD is negative, or
        ``confidence`` is not in (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    try:
        n1, m1, s1, n2, m2, s2 = np.broadcast_arrays(
            *(
                np.atleast_1d(np.asarray(value, dtype=float))
                for value in (n_before, mean_before, sd_before, n_after, mean_after, sd_after)
            )
        )
    except ValueError as error:
        raise ValueError(f"summaries must have matching lengths: {error}") from None
    if np.any(n1 < 0) or np.any(n2 < 0):
        raise ValueError("counts must not be negative")
    if np.any(s1 < 0) or np.any(s2 < 0):
        raise ValueError("standard deviations must not be negative")

    with np.errstate(invalid="ignore", divide="ignore"):
        # A scan with n < 2 has no SD; make sure nothing downstream pretends it has.
        s1 = np.where(n1 > 1, s1, np.nan)
        s2 = np.where(n2 > 1, s2, np.nan)
        v1 = s1 * s1 / n1
        v2 = s2 * s2 / n2
        difference = m2 - m1
        se = np.sqrt(v1 + v2)
        spread = se > 0
        df = np.where(spread, (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1)), np.nan)
        t = np.where(spread, difference / se, np.nan)
        p_value = 2 * stats.t.sf(np.abs(t), df)
        critical = stats.t.ppf((1 + confidence) / 2, df)
        ci_low = difference - critical * se
        ci_high = difference + critical * se
        m = n1 + n2 - 2
        pooled = np.sqrt(((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / m)
        hedges_g = np.where(pooled > 0, hedges_correction(m) * difference / pooled, np.nan)

    values = [n1, m1, s1, n2, m2, s2, difference, se, df, t, p_value, ci_low, ci_high, hedges_g]
    frame = pd.DataFrame(dict(zip(_COLUMNS, values, strict=True)))
    frame["n_before"] = frame["n_before"].astype(np.int64)
    frame["n_after"] = frame["n_after"].astype(np.int64)
    return frame


def welch_change(before: object, after: object, *, confidence: float = 0.95) -> Change:
    """Change from one sample of scores to another (independent samples).

    Parameters
    ----------
    before, after : array-like, shape (n,)
        Scale scores of the two scans; NaN is dropped.
    confidence : float, default 0.95
        Confidence level of the interval of the difference.

    Returns
    -------
    Change
        Counts, means, SDs, ``difference`` (after - before), ``se``, Welch ``df``, ``t``,
        two-sided ``p_value``, ``ci_low``, ``ci_high`` and ``hedges_g``. Formulas and
        undefined cases in the module docstring.

    Raises
    ------
    ValueError
        On non-numeric or non-1-D input, or ``confidence`` outside (0, 1).
    """
    samples = []
    for name, sample in (("before", before), ("after", after)):
        try:
            array = np.asarray(sample, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be numeric: {error}") from None
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        samples.append(array[~np.isnan(array)])
    summaries = []
    for sample in samples:
        summaries += [
            sample.size,
            sample.mean() if sample.size else np.nan,
            sample.std(ddof=1) if sample.size > 1 else np.nan,
        ]
    frame = change_from_summaries(*summaries, confidence=confidence)
    return Change(
        **{
            name: (int if name.startswith("n_") else float)(frame[name].iloc[0])
            for name in _COLUMNS
        }
    )


def unit_changes(
    before_scores: pd.DataFrame,
    before_units: object,
    after_scores: pd.DataFrame,
    after_units: object,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change per unit and construct between two scans, vectorised over units.

    Parameters
    ----------
    before_scores, after_scores : pandas.DataFrame
        Respondents x constructs of each scan (scale scores; NaN is no score).
    before_units, after_units : array-like, Series or GroupIndex
        Unit label per respondent of each scan (by position).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        MultiIndex ``("unit", "construct")`` over every unit in either scan and the
        constructs both scans share (in the order of ``after_scores``); the columns of
        :func:`change_from_summaries`. A unit present in one scan only has count 0 and NaN
        for the other side and for the change.
    """
    before = scale_summaries(before_scores, before_units)
    after = scale_summaries(after_scores, after_units)
    shared = [column for column in after_scores.columns if column in before_scores.columns]
    if not shared:
        raise ValueError("the two scans share no construct")
    units = (
        before.index.get_level_values("unit")
        .unique()
        .union(after.index.get_level_values("unit").unique())
    )
    index = pd.MultiIndex.from_product([units, shared], names=["unit", "construct"])
    before = before.reindex(index)
    after = after.reindex(index)
    frame = change_from_summaries(
        before["n"].fillna(0),
        before["mean"],
        before["sd"],
        after["n"].fillna(0),
        after["mean"],
        after["sd"],
        confidence=confidence,
    )
    frame.index = index
    return frame
