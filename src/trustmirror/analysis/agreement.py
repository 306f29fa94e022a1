"""Within-group agreement and reliability of group means: rwg, rwg(j), ICC(1), ICC(2).

Every function works for one group (no ``groups`` given) and, vectorised, for thousands of
groups at once (``groups`` gives one label per respondent). Group statistics are computed
with :func:`numpy.bincount` over integer group codes; there is no Python loop per group.

Conventions shared by all functions
-----------------------------------
Missing answers
    ``NaN`` (or ``None``/``pd.NA``) is missing. Zeros are *not* treated as missing here,
    because some scales run from 0: convert "don't know" answers to ``NaN`` first
    (``scoring.scale_scores`` and ``teams.team_statistics`` do that themselves).
    Respondents whose group label is missing are ignored.

    * :func:`rwg`: a respondent without an answer is dropped for that item only.
    * :func:`rwg_j` and :func:`rwg_j_lindell`: *listwise* deletion, a respondent with any
      missing item of the scale is dropped for the whole scale (James, Demaree & Wolf 1984
      define :math:`r_{wg(J)}` on complete response vectors). ``gsize`` counts the
      remaining complete cases.
    * :func:`icc`: respondents with a missing value are dropped.

Groups
    Group labels are matched by position (pandas indexes are ignored). Results come back
    as a :class:`pandas.Series`/:class:`pandas.DataFrame` indexed by group label, sorted
    (numeric order for numbers, code-point order for strings, category order for a
    categorical). A group with no usable respondent does not appear. A group with a single
    usable respondent appears with ``NaN``: a variance needs two observations.

Null distribution
    The expected variance of random answering on an :math:`A`-point scale under the uniform
    null is :math:`\\sigma_{EU}^2 = (A^2 - 1)/12` (2 for five points, 4 for seven points).
    ``null_variance`` accepts a number (any positive variance) or the name of one of the
    skewed or peaked null distributions of LeBreton & Senter (2008, table 2) for a
    five-point scale, see :data:`NULL_DISTRIBUTIONS`.

References
----------
James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
reliability with and without response bias. *Journal of Applied Psychology, 69*(1), 85-98.

Lindell, M. K., Brandt, C. J., & Whitney, D. J. (1999). A revised index of interrater
agreement for multi-item ratings of a single target. *Applied Psychological Measurement,
23*(2), 127-135.

Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability:
Implications for data aggregation and analysis. In K. J. Klein & S. W. J. Kozlowski (Eds.),
*Multilevel theory, research, and methods in organizations* (pp. 349-381). Jossey-Bass.

LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater
reliability and interrater agreement. *Organizational Research Methods, 11*(4), 815-852.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "NULL_DISTRIBUTIONS",
    "ICCResult",
    "GroupIndex",
    "expected_null_variance",
    "icc",
    "icc_table",
    "rwg",
    "rwg_j",
    "rwg_j_lindell",
    "rwg_j_table",
    "rwg_table",
]

# Answer proportions of the alternative nulls for a five-point scale (LeBreton & Senter
# 2008, table 2). Their variances are the published ones: 1.34, 0.90, 0.44, 1.32, 1.04.
NULL_DISTRIBUTIONS: Mapping[str, tuple[float, ...]] = {
    "slight_skew": (0.05, 0.15, 0.20, 0.35, 0.25),
    "moderate_skew": (0.00, 0.10, 0.15, 0.40, 0.35),
    "heavy_skew": (0.00, 0.00, 0.10, 0.40, 0.50),
    "triangular": (0.11, 0.22, 0.34, 0.22, 0.11),
    "normal": (0.07, 0.24, 0.38, 0.24, 0.07),
}

NullVariance = float | str | None


def expected_null_variance(scale_points: int, null_variance: NullVariance = None) -> float:
    """Variance expected when respondents answer at random.

    Parameters
    ----------
    scale_points : int
        Number of answer options :math:`A` (at least 2).
    null_variance : float, str or None
        ``None`` or ``"uniform"``: the uniform null of James, Demaree & Wolf (1984),

        .. math:: \\sigma_{EU}^2 = \\frac{A^2 - 1}{12}.

        A name from :data:`NULL_DISTRIBUTIONS` (five-point scales only): the variance
        :math:`\\sum_a p_a (a - \\mu)^2` of that distribution (LeBreton & Senter 2008).
        A positive number: used as is.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``scale_points < 2``, the name is unknown or does not fit the scale, or the
        number is not positive and finite.
    """
    points = _check_scale_points(scale_points)
    if null_variance is None or (isinstance(null_variance, str) and null_variance == "uniform"):
        return (points * points - 1) / 12.0
    if isinstance(null_variance, str):
        if null_variance not in NULL_DISTRIBUTIONS:
            known = ", ".join(["uniform", *NULL_DISTRIBUTIONS])
            raise ValueError(f"unknown null distribution {null_variance!r}; known: {known}")
        proportions = np.asarray(NULL_DISTRIBUTIONS[null_variance])
        if points != proportions.size:
            raise ValueError(
                f"null distribution {null_variance!r} is defined for a "
                f"{proportions.size}-point scale, not for {points} points; "
                "pass null_variance as a number instead"
            )
        answers = np.arange(1, points + 1)
        mean = float(proportions @ answers)
        return float(proportions @ (answers - mean) ** 2)
    if isinstance(null_variance, bool) or not isinstance(null_variance, int | float | np.number):
        raise ValueError(f"null_variance must be a number, a name or None, not {null_variance!r}")
    value = float(null_variance)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"null_variance must be positive and finite, got {null_variance!r}")
    return value


# --------------------------------------------------------------------------- input helpers


def _check_scale_points(scale_points: int) -> int:
    if isinstance(scale_points, bool) or not isinstance(scale_points, int | np.integer):
        raise ValueError(f"scale_points must be an integer, got {scale_points!r}")
    if scale_points < 2:
        raise ValueError(f"scale_points must be at least 2, got {scale_points}")
    return int(scale_points)


def _as_float_array(data: object, *, what: str) -> np.ndarray:
    if isinstance(data, pd.DataFrame | pd.Series):
        data = data.to_numpy(dtype=float, na_value=np.nan)
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be numeric (NaN for missing): {error}") from None
    if np.isinf(array).any():
        raise ValueError(f"{what} contains infinite values")
    return array


def _as_values(values: object) -> np.ndarray:
    array = _as_float_array(values, what="values")
    if array.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {array.shape}")
    return array


def _as_items(items: object) -> np.ndarray:
    array = _as_float_array(items, what="items")
    if array.ndim != 2:
        raise ValueError(
            f"items must be two-dimensional (respondents x items), got shape {array.shape}"
        )
    if array.shape[1] == 0:
        raise ValueError("items must have at least one column")
    return array


@dataclass(frozen=True)
class GroupIndex:
    """Integer codes for group labels, computed once and reusable across calls.

    ``codes[i]`` is the position of respondent ``i``'s group in ``labels``, or ``-1`` when
    the label is missing. Pass a ``GroupIndex`` wherever ``groups`` is accepted to avoid
    factorising the same labels again (e.g. for every scale of a report).
    """

    codes: np.ndarray
    labels: pd.Index

    @classmethod
    def from_labels(cls, groups: object) -> GroupIndex:
        """Factorise labels into sorted groups (``NaN``/``None`` labels get code -1)."""
        if isinstance(groups, GroupIndex):
            return groups
        if isinstance(groups, pd.DataFrame) or np.ndim(groups) != 1:
            raise ValueError("groups must be one-dimensional: one label per respondent")
        if not isinstance(groups, pd.Series | pd.Index | pd.Categorical | np.ndarray):
            groups = pd.Series(list(groups))
        codes, labels = pd.factorize(groups, sort=True)
        if not isinstance(labels, pd.Index):
            labels = pd.Index(labels)
        return cls(codes=np.asarray(codes, dtype=np.intp), labels=labels)

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    def __len__(self) -> int:
        return self.codes.size


def _group_index(groups: object, n: int) -> GroupIndex:
    index = GroupIndex.from_labels(groups)
    if len(index) != n:
        raise ValueError(f"groups has {len(index)} labels but there are {n} respondents")
    return index


def _group_variances(
    columns: list[np.ndarray], codes: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and sample variances (n - 1) per group for each of ``columns``.

    The columns hold only usable rows (no NaN, valid code). Two passes (means, then squared
    deviations) keep the variance exact for identical answers, where the one-pass
    formula would leave rounding noise instead of 0.
    """
    counts = np.bincount(codes, minlength=n_groups)
    variances = np.empty((n_groups, len(columns)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for position, values in enumerate(columns):
            means = np.bincount(codes, weights=values, minlength=n_groups) / counts
            deviations = values - means[codes]
            squares = np.bincount(codes, weights=deviations * deviations, minlength=n_groups)
            variances[:, position] = squares / (counts - 1)
    variances[counts < 2] = np.nan
    return counts, variances


def _complete_columns(x: np.ndarray, usable: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Drop rows with any NaN (listwise); return contiguous columns and the row mask."""
    # Column by column on a Fortran-ordered array: much faster than a row-wise any()
    # over a narrow C-ordered array.
    x = np.asfortranarray(x)
    for column in range(x.shape[1]):
        usable &= ~np.isnan(x[:, column])
    return [np.compress(usable, x[:, column]) for column in range(x.shape[1])], usable


# --------------------------------------------------------------------------- rwg


def _rwg_from_variance(variance: np.ndarray, null: float) -> np.ndarray:
    # James et al. (1984) and multilevel::rwg: an observed variance above the null is
    # set to the null, so rwg is truncated at 0 instead of going negative.
    return 1.0 - np.minimum(variance, null) / null


def rwg_table(
    values: object,
    groups: object,
    *,
    scale_points: int,
    null_variance: NullVariance = None,
) -> pd.DataFrame:
    """rwg and the number of answers for every group (one item).

    Parameters
    ----------
    values : array-like or Series, shape (n,)
        Answers to one item; ``NaN`` is missing and dropped.
    groups : array-like, Series or GroupIndex, shape (n,)
        Group label per respondent.
    scale_points : int
        Number of answer options :math:`A`.
    null_variance : float, str or None
        See :func:`expected_null_variance`; default the uniform null.

    Returns
    -------
    pandas.DataFrame
        Indexed by group label, columns ``rwg`` and ``gsize`` (answers used). Groups with
        no answer are absent; groups with one answer have ``rwg`` NaN.

    See Also
    --------
    rwg : definition and edge cases.
    """
    x = _as_values(values)
    index = _group_index(groups, x.size)
    null = expected_null_variance(scale_points, null_variance)
    columns, usable = _complete_columns(x[:, None], index.codes >= 0)
    counts, variances = _group_variances(columns, index.codes[usable], index.n_groups)
    present = counts > 0
    return pd.DataFrame(
        {
            "rwg": _rwg_from_variance(variances[present, 0], null),
            "gsize": counts[present],
        },
        index=index.labels[present],
    )


def rwg(
    values: object,
    *,
    scale_points: int,
    groups: object = None,
    null_variance: NullVariance = None,
) -> float | pd.Series:
    """Within-group agreement on a single item, :math:`r_{wg}` (James, Demaree & Wolf 1984).

    .. math::

        r_{wg} = 1 - \\frac{\\min(s_x^2, \\sigma_E^2)}{\\sigma_E^2},
        \\qquad \\sigma_E^2 = \\sigma_{EU}^2 = \\frac{A^2 - 1}{12}

    where :math:`s_x^2` is the sample variance (denominator :math:`n - 1`) of the group's
    answers and :math:`\\sigma_E^2` the variance of random answering on an :math:`A`-point
    scale.

    Parameters
    ----------
    values : array-like or Series, shape (n,)
        Answers to one item. ``NaN`` is missing: such a respondent is dropped.
    scale_points : int
        Number of answer options :math:`A` (at least 2).
    groups : array-like, Series or GroupIndex, shape (n,), optional
        Group label per respondent. Without it, ``values`` is one group.
    null_variance : float, str or None
        Null variance :math:`\\sigma_E^2`, see :func:`expected_null_variance`. Default:
        the uniform null above.

    Returns
    -------
    float or pandas.Series
        One value without ``groups``; otherwise a Series named ``rwg`` indexed by group.

    Notes
    -----
    Edge cases, as in James et al. (1984) and ``multilevel::rwg`` (Bliese):

    * one answer: ``NaN`` (no variance); no answers: ``NaN`` for one group, and the
      group is absent from the Series;
    * two answers: the ordinary sample variance, e.g. answers 3 and 5 give
      :math:`s^2 = 2` and :math:`r_{wg} = 0` on five points;
    * all answers equal (:math:`s^2 = 0`): 1;
    * :math:`s^2 > \\sigma_E^2` (more spread than random answering): truncated to 0.

    Use :func:`rwg_table` for the number of answers per group.

    Raises
    ------
    ValueError
        On non-numeric or non-1-D values, ``scale_points < 2``, a bad ``null_variance``
        or a ``groups`` length that differs from ``values``.
    """
    if groups is not None:
        table = rwg_table(values, groups, scale_points=scale_points, null_variance=null_variance)
        return table["rwg"]
    x = _as_values(values)
    null = expected_null_variance(scale_points, null_variance)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return float("nan")
    return float(_rwg_from_variance(np.var(x, ddof=1), null))


# --------------------------------------------------------------------------- rwg(j)


def _rwg_j_arrays(
    mean_variance: np.ndarray, n_items: int, null: float
) -> tuple[np.ndarray, np.ndarray]:
    ratio = mean_variance / null
    lindell = 1.0 - ratio
    # James et al. (1984): the mean item variance is truncated at the null, so rwg(j)
    # lies in [0, 1]; Lindell et al. (1999) keep the untruncated ratio on purpose.
    truncated = np.minimum(ratio, 1.0)
    agreement = n_items * (1.0 - truncated)
    with np.errstate(invalid="ignore", divide="ignore"):
        james = agreement / (agreement + truncated)
    return james, lindell


def _rwg_j_by_code(
    x: np.ndarray, index: GroupIndex, null: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Complete cases, rwg(j) and r*wg(j) for every group code (absent groups: 0, NaN)."""
    columns, usable = _complete_columns(x, index.codes >= 0)
    counts, variances = _group_variances(columns, np.compress(usable, index.codes), index.n_groups)
    james, lindell = _rwg_j_arrays(variances.mean(axis=1), x.shape[1], null)
    return counts, james, lindell


def _rwg_j_frame(x: np.ndarray, index: GroupIndex, null: float) -> pd.DataFrame:
    counts, james, lindell = _rwg_j_by_code(x, index, null)
    present = counts > 0
    return pd.DataFrame(
        {"rwg_j": james[present], "rwg_j_lindell": lindell[present], "gsize": counts[present]},
        index=index.labels[present],
    )


def rwg_j_table(
    items: object,
    groups: object,
    *,
    scale_points: int,
    null_variance: NullVariance = None,
) -> pd.DataFrame:
    """:math:`r_{wg(J)}`, :math:`r^*_{wg(J)}` and complete cases for every group.

    Parameters
    ----------
    items : array-like or DataFrame, shape (n, J)
        Answers of the scale's items; a respondent with any ``NaN`` is dropped (listwise).
    groups : array-like, Series or GroupIndex, shape (n,)
        Group label per respondent.
    scale_points : int
        Number of answer options :math:`A`.
    null_variance : float, str or None
        See :func:`expected_null_variance`.

    Returns
    -------
    pandas.DataFrame
        Indexed by group label, columns ``rwg_j`` (:func:`rwg_j`), ``rwg_j_lindell``
        (:func:`rwg_j_lindell`) and ``gsize`` (complete cases used). Groups without a
        complete case are absent; groups with one have NaN in both indices.
    """
    x = _as_items(items)
    index = _group_index(groups, x.shape[0])
    null = expected_null_variance(scale_points, null_variance)
    return _rwg_j_frame(x, index, null)


def rwg_j(
    items: object,
    *,
    scale_points: int,
    groups: object = None,
    null_variance: NullVariance = None,
) -> float | pd.Series:
    """Within-group agreement on a scale of J parallel items, :math:`r_{wg(J)}`.

    James, Demaree & Wolf (1984), equation 3:

    .. math::

        r_{wg(J)} = \\frac{J\\,(1 - \\bar s^2/\\sigma_E^2)}
                         {J\\,(1 - \\bar s^2/\\sigma_E^2) + \\bar s^2/\\sigma_E^2}

    where :math:`\\bar s^2` is the mean of the :math:`J` item sample variances (denominator
    :math:`n - 1`) within the group, truncated at :math:`\\sigma_E^2` (so :math:`r_{wg(J)}`
    is 0 when the answers spread more than random answering), and :math:`\\sigma_E^2`
    the null variance, by default :math:`(A^2 - 1)/12`.

    Parameters
    ----------
    items : array-like or DataFrame, shape (n, J)
        Answers, respondents x items.
    scale_points : int
        Number of answer options :math:`A` (at least 2).
    groups : array-like, Series or GroupIndex, shape (n,), optional
        Group label per respondent. Without it, all rows are one group.
    null_variance : float, str or None
        See :func:`expected_null_variance`.

    Returns
    -------
    float or pandas.Series
        One value without ``groups``; otherwise a Series named ``rwg_j`` by group.

    Notes
    -----
    * Missing answers: listwise, a respondent with any missing item is dropped, as in
      ``multilevel::rwg.j``. Use :func:`rwg_j_table` for the complete cases per group.
    * Fewer than two complete cases: ``NaN`` (the group is absent from the Series when
      it has none).
    * :math:`\\bar s^2 = 0`: 1. :math:`\\bar s^2 \\geq \\sigma_E^2`: 0.
    * Because it grows with J, :math:`r_{wg(J)}` can pass the customary .70 for random
      answers on long scales (Lindell et al. 1999); :func:`rwg_j_lindell` does not.

    Raises
    ------
    ValueError
        On bad shapes, non-numeric data, ``scale_points < 2``, a bad ``null_variance``
        or a ``groups`` length that differs from the number of rows.
    """
    if groups is not None:
        table = rwg_j_table(items, groups, scale_points=scale_points, null_variance=null_variance)
        return table["rwg_j"]
    x = _as_items(items)
    null = expected_null_variance(scale_points, null_variance)
    frame = _rwg_j_frame(x, GroupIndex(np.zeros(x.shape[0], np.intp), pd.Index([0])), null)
    return float(frame["rwg_j"].iloc[0]) if len(frame) else float("nan")


def rwg_j_lindell(
    items: object,
    *,
    scale_points: int,
    groups: object = None,
    null_variance: NullVariance = None,
) -> float | pd.Series:
    """Lindell, Brandt & Whitney's (1999) multi-item agreement, :math:`r^*_{wg(J)}`.

    .. math:: r^*_{wg(J)} = 1 - \\frac{\\bar s^2}{\\sigma_E^2}

    with :math:`\\bar s^2` the mean item sample variance, **not** truncated: the index is
    negative when the answers spread more than random answering, and it does not grow
    with the number of items J. Missing answers, small groups and parameters as in
    :func:`rwg_j`; for one group :math:`r^*_{wg(J)} = 1` when all answers agree.

    Returns
    -------
    float or pandas.Series
        One value without ``groups``; otherwise a Series named ``rwg_j_lindell``.
    """
    if groups is not None:
        table = rwg_j_table(items, groups, scale_points=scale_points, null_variance=null_variance)
        return table["rwg_j_lindell"]
    x = _as_items(items)
    null = expected_null_variance(scale_points, null_variance)
    frame = _rwg_j_frame(x, GroupIndex(np.zeros(x.shape[0], np.intp), pd.Index([0])), null)
    return float(frame["rwg_j_lindell"].iloc[0]) if len(frame) else float("nan")


# --------------------------------------------------------------------------- ICC


@dataclass(frozen=True)
class ICCResult:
    """ICC(1), ICC(2) and the one-way ANOVA they come from (see :func:`icc`)."""

    icc1: float
    icc2: float
    msb: float
    msw: float
    df_between: int
    df_within: int
    n_obs: int
    n_groups: int
    mean_group_size: float
    group_size: float
    """The k used in ICC(1): ``mean_group_size`` or n0, see ``group_size`` of :func:`icc`."""


def _icc_columns(
    y: np.ndarray, index: GroupIndex, group_size: Literal["mean", "n0"]
) -> list[ICCResult]:
    results = []
    y = np.asfortranarray(y)
    for column in range(y.shape[1]):
        values = y[:, column]
        usable = (index.codes >= 0) & ~np.isnan(values)
        values = values[usable]
        codes = index.codes[usable]
        counts = np.bincount(codes, minlength=index.n_groups).astype(float)
        sums = np.bincount(codes, weights=values, minlength=index.n_groups)
        present = counts > 0
        n_obs = int(values.size)
        n_groups = int(present.sum())
        df_between = n_groups - 1
        df_within = n_obs - n_groups
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / counts
            grand = values.mean() if n_obs else np.nan
            ss_between = float(np.sum(counts[present] * (means[present] - grand) ** 2))
            deviations = values - means[codes]
            ss_within = float(np.sum(deviations * deviations))
        msb = ss_between / df_between if df_between > 0 else float("nan")
        msw = ss_within / df_within if df_within > 0 else float("nan")
        mean_size = n_obs / n_groups if n_groups else float("nan")
        if group_size == "mean":
            k = mean_size
        else:
            k = (
                (n_obs - float(np.sum(counts * counts)) / n_obs) / df_between
                if df_between > 0
                else float("nan")
            )
        icc1_denominator = msb + (k - 1.0) * msw
        icc1 = (msb - msw) / icc1_denominator if icc1_denominator != 0 else float("nan")
        icc2 = (msb - msw) / msb if msb != 0 else float("nan")
        results.append(
            ICCResult(
                icc1=float(icc1),
                icc2=float(icc2),
                msb=float(msb),
                msw=float(msw),
                df_between=int(df_between),
                df_within=int(df_within),
                n_obs=n_obs,
                n_groups=n_groups,
                mean_group_size=float(mean_size),
                group_size=float(k),
            )
        )
    return results


def _check_group_size(group_size: str) -> Literal["mean", "n0"]:
    if group_size not in ("mean", "n0"):
        raise ValueError(f"group_size must be 'mean' or 'n0', got {group_size!r}")
    return group_size  # type: ignore[return-value]


def icc(values: object, groups: object, *, group_size: Literal["mean", "n0"] = "mean") -> ICCResult:
    """ICC(1) and ICC(2) from a one-way random-effects ANOVA (Bliese 2000).

    With :math:`N` observations in :math:`G` groups, group means :math:`\\bar y_g` and
    grand mean :math:`\\bar y`:

    .. math::

        MSB = \\frac{\\sum_g n_g (\\bar y_g - \\bar y)^2}{G - 1}, \\qquad
        MSW = \\frac{\\sum_g \\sum_{i \\in g} (y_i - \\bar y_g)^2}{N - G}

        ICC(1) = \\frac{MSB - MSW}{MSB + (k - 1)\\,MSW}, \\qquad
        ICC(2) = \\frac{MSB - MSW}{MSB}

    ICC(1) estimates the share of variance due to group membership (the reliability of a
    single answer as an estimate of its group mean); ICC(2) the reliability of the group
    means. An ICC(1) of .05 already counts as a small-to-medium group effect.

    Parameters
    ----------
    values : array-like or Series, shape (n,)
        One variable (an item or a scale score). ``NaN`` rows are dropped.
    groups : array-like, Series or GroupIndex, shape (n,)
        Group label per respondent; rows with a missing label are dropped.
    group_size : {"mean", "n0"}
        The :math:`k` in ICC(1). ``"mean"`` (default, Bliese 2000 and
        ``multilevel::ICC1``): :math:`k = N/G`, the plain mean size of the groups that have
        data. ``"n0"``: the size adjusted for unequal groups,
        :math:`n_0 = (N - \\sum_g n_g^2 / N)/(G - 1)` (Snedecor & Cochran 1989).

    Returns
    -------
    ICCResult
        ``icc1``, ``icc2``, ``msb``, ``msw``, ``df_between`` (:math:`G-1`),
        ``df_within`` (:math:`N-G`), ``n_obs``, ``n_groups``, ``mean_group_size`` and the
        ``group_size`` :math:`k` used.

    Notes
    -----
    Undefined results are ``NaN``, never an error: fewer than two groups with data (MSB
    undefined), only groups of one (MSW undefined), MSB = 0 (ICC(2)), and all values equal
    (ICC(1)). Groups without data do not count in :math:`G`.

    Raises
    ------
    ValueError
        On non-numeric or non-1-D values, or a ``groups`` length that differs from
        ``values``.
    """
    y = _as_values(values)
    index = _group_index(groups, y.size)
    return _icc_columns(y[:, None], index, _check_group_size(group_size))[0]


def icc_table(
    frame: pd.DataFrame, groups: object, *, group_size: Literal["mean", "n0"] = "mean"
) -> pd.DataFrame:
    """:func:`icc` for every column of ``frame`` (e.g. all scale scores) at one level.

    Parameters
    ----------
    frame : pandas.DataFrame, shape (n, p)
        One variable per column; missing values are dropped per column.
    groups : array-like, Series or GroupIndex, shape (n,)
        Unit label per respondent.
    group_size : {"mean", "n0"}
        See :func:`icc`.

    Returns
    -------
    pandas.DataFrame
        One row per column of ``frame``; columns are the fields of :class:`ICCResult`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("frame must be a pandas DataFrame")
    y = _as_items(frame)
    index = _group_index(groups, y.shape[0])
    results = _icc_columns(y, index, _check_group_size(group_size))
    return pd.DataFrame([vars(result) for result in results], index=frame.columns)
