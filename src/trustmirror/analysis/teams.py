"""Per-unit statistics for every scale: what a team report shows.

For each unit (team, department, ...) and construct: the number of respondents, mean, SD and
a t-based confidence interval of the scale scores, the share of favourable answers, the
answer distribution, within-group agreement :math:`r_{wg(J)}` and an agreement marker; and
per level, ICC(1)/ICC(2) of every construct.

Everything is computed for all units at once with :func:`numpy.bincount` over integer unit
codes (one loop over constructs, none over units), so an organisation of 100,000
respondents in 5,000 teams takes well under a second.

These are raw numbers. Nothing here decides what may be shown: pass every figure through
:mod:`trustmirror.privacy` (minimum group size, complementary suppression) before display.

Agreement marker
----------------
:math:`r_{wg(J)} \\geq .70` is the customary sign that a team "agrees" enough to report its
mean as a shared view (James, Demaree & Wolf 1984; Lance, Butts & Michels 2006 trace and
question the cut-off). It is arbitrary, and :math:`r_{wg(J)}` grows with the number of
items, so random answering on a long scale can pass it (Lindell, Brandt & Whitney 1999;
see also LeBreton & Senter 2008, who propose graded bands: .00-.30 lack of agreement,
.31-.50 weak, .51-.70 moderate, .71-.90 strong, .91-1.00 very strong). Trustmirror therefore
shows agreement as information, never as a gate, next to ICC(1)/ICC(2) of the level, and
makes every cut-off a parameter. The default three levels merge LeBreton & Senter's bands:
``"low"`` below .50, ``"moderate"`` from .50, ``"high"`` from .70.

References
----------
James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
reliability with and without response bias. *Journal of Applied Psychology, 69*(1), 85-98.

Lance, C. E., Butts, M. M., & Michels, L. C. (2006). The sources of four commonly reported
cutoff criteria: What did they really say? *Organizational Research Methods, 9*(2), 202-220.

LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater
reliability and interrater agreement. *Organizational Research Methods, 11*(4), 815-852.

Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability.
In K. J. Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in
organizations* (pp. 349-381). Jossey-Bass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from trustmirror.analysis.agreement import (
    NullVariance,
    _group_index,
    _rwg_j_by_code,
    expected_null_variance,
    icc_table,
)

__all__ = [
    "DEFAULT_AGREEMENT_CUTOFFS",
    "TeamStatistics",
    "agreement_level",
    "level_icc",
    "scale_summaries",
    "team_statistics",
]

DEFAULT_AGREEMENT_CUTOFFS = (0.50, 0.70)
"""Lower bounds of "moderate" and "high" agreement on :math:`r_{wg(J)}`."""

DONT_KNOW = 0


@dataclass(frozen=True)
class TeamStatistics:
    """Result of :func:`team_statistics`.

    Attributes
    ----------
    scales : pandas.DataFrame
        One row per (unit, construct), MultiIndex ``("unit", "construct")``. Columns:

        * ``n``: respondents with a scale score; ``mean``, ``sd`` (denominator n - 1),
          ``se``, ``ci_low``, ``ci_high``: the t-based confidence interval of the mean;
        * ``n_answers``: answered items of the construct (keyed, 1..A);
          ``favourable``: the share of those answers at or above ``favourable_from``;
        * ``rwg_j``, ``rwg_j_lindell``, ``rwg_j_n`` (complete cases used), ``agreement``
          (ordered categorical ``"low"`` < ``"moderate"`` < ``"high"``, missing without
          ``rwg_j``; see :func:`agreement_level`) and ``agrees``
          (``rwg_j >= agreement_cutoffs[1]``, missing when ``rwg_j`` is).
    distribution : pandas.DataFrame
        Same index; columns ``1..scale_points``: counts of the keyed answers.
    icc : pandas.DataFrame
        ICC(1), ICC(2) and the ANOVA of each construct over the units (see
        :func:`trustmirror.analysis.agreement.icc_table`).
    """

    scales: pd.DataFrame
    distribution: pd.DataFrame
    icc: pd.DataFrame


def agreement_level(
    rwg_j: object, *, cutoffs: tuple[float, float] = DEFAULT_AGREEMENT_CUTOFFS
) -> np.ndarray:
    """Three-level agreement marker from :math:`r_{wg(J)}`.

    Parameters
    ----------
    rwg_j : array-like
        Agreement values; NaN gives a missing marker (``None``).
    cutoffs : (float, float)
        Lower bounds of ``"moderate"`` and ``"high"``, ``0 <= low <= high <= 1``.
        Default (.50, .70); see the module notes on the .70 convention and its criticism.

    Returns
    -------
    numpy.ndarray of object
        ``"low"`` (:math:`r < c_1`), ``"moderate"`` (:math:`c_1 \\le r < c_2`), ``"high"``
        (:math:`r \\ge c_2`) or ``None``: codes, which the pages translate.
    """
    low, high = _check_cutoffs(cutoffs)
    values = np.asarray(rwg_j, dtype=float)
    levels = np.array(["low", "moderate", "high"], dtype=object)[
        (values >= low).astype(np.intp) + (values >= high)
    ]
    levels[np.isnan(values)] = None
    return levels


def level_icc(
    scores: pd.DataFrame,
    levels: Mapping[str, object],
    *,
    group_size: Literal["mean", "n0"] = "mean",
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of every construct at every organisational level.

    Parameters
    ----------
    scores : pandas.DataFrame
        Respondents x constructs (scale scores; NaN is missing and dropped).
    levels : mapping of level name to unit labels
        E.g. ``{"team": team_of_respondent, "department": ..., "division": ...}``, each one
        label per respondent (or a :class:`~trustmirror.analysis.agreement.GroupIndex`).
    group_size : {"mean", "n0"}
        The k of ICC(1), see :func:`trustmirror.analysis.agreement.icc`.

    Returns
    -------
    pandas.DataFrame
        MultiIndex ``("level", "construct")``; the columns of
        :class:`~trustmirror.analysis.agreement.ICCResult`.
    """
    if not isinstance(scores, pd.DataFrame):
        raise ValueError("scores must be a pandas DataFrame (respondents x constructs)")
    tables = {
        name: icc_table(scores, units, group_size=group_size) for name, units in levels.items()
    }
    if not tables:
        raise ValueError("levels is empty: give at least one level of unit labels")
    return pd.concat(tables, names=["level", "construct"])


def team_statistics(
    scores: pd.DataFrame,
    answers: pd.DataFrame,
    units: object,
    keys: Mapping[str, Mapping[str, int]],
    *,
    scale_points: int = 5,
    confidence: float = 0.95,
    favourable_from: int = 4,
    agreement_cutoffs: tuple[float, float] = DEFAULT_AGREEMENT_CUTOFFS,
    null_variance: NullVariance = None,
    group_size: Literal["mean", "n0"] = "mean",
) -> TeamStatistics:
    """Statistics per unit and construct, vectorised over all units.

    For unit :math:`u` and construct :math:`c` with :math:`n` scale scores :math:`y_i`:

    .. math::

        \\bar y = \\frac1n \\sum_i y_i, \\qquad
        s = \\sqrt{\\frac{\\sum_i (y_i - \\bar y)^2}{n - 1}}, \\qquad
        \\bar y \\pm t_{1-\\alpha/2,\\,n-1} \\frac{s}{\\sqrt n}

    (Student's t interval). ``favourable`` is :math:`\\#\\{x \\ge f\\}/\\#\\{x\\}` over all
    answered items of the construct after reverse keying (:math:`x \\to A + 1 - x`), so a
    favourable answer always points to the high end of the construct. ``rwg_j`` is
    :func:`trustmirror.analysis.agreement.rwg_j` on the construct's items (James, Demaree &
    Wolf 1984), ``rwg_j_lindell`` Lindell et al.'s (1999) :math:`r^*_{wg(J)}`.

    Parameters
    ----------
    scores : pandas.DataFrame
        Respondents x constructs, e.g. from
        :func:`trustmirror.analysis.scoring.scale_scores`; NaN is no score.
    answers : pandas.DataFrame
        Respondents x items, same rows in the same order; values ``1..scale_points``,
        ``0`` ("don't know") or NaN, both missing.
    units : array-like, Series or GroupIndex
        Unit label per respondent (matched by position); a missing label drops the row.
    keys : mapping of construct id to mapping of item id to +1 or -1
        Scoring keys (``Instrument.scoring_keys()``); every column of ``scores`` needs one.
    scale_points : int, default 5
        Number of answer options :math:`A`.
    confidence : float, default 0.95
        Confidence level of the interval.
    favourable_from : int, default 4
        Lowest favourable answer :math:`f` (4 and 5 on the five-point agreement scale).
        For a construct where high is bad (``fear``) read it as "unfavourable".
    agreement_cutoffs : (float, float), default (.50, .70)
        See :func:`agreement_level`.
    null_variance : float, str or None
        Null of :math:`r_{wg(J)}`, see
        :func:`trustmirror.analysis.agreement.expected_null_variance`.
    group_size : {"mean", "n0"}
        The k of ICC(1), see :func:`trustmirror.analysis.agreement.icc`.

    Returns
    -------
    TeamStatistics

    Notes
    -----
    Missing data: mean, SD and interval use the respondents with a scale score (the
    minimum-answered rule of the scoring step applies); ``favourable`` and the distribution
    use every answered item; :math:`r_{wg(J)}` uses complete cases (listwise, as in
    ``multilevel::rwg.j``). Units appear when they have at least one respondent; a unit
    with :math:`n < 2` has no SD or interval, and fewer than two complete cases give no
    :math:`r_{wg(J)}`.

    Raises
    ------
    ValueError
        On mismatched lengths, a construct without keys, keyed items missing from
        ``answers``, answers outside ``0..scale_points``, or a bad option value.
    """
    null = expected_null_variance(scale_points, null_variance)
    _check_cutoffs(agreement_cutoffs)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    if not 1 <= favourable_from <= scale_points:
        raise ValueError(f"favourable_from must lie in 1..{scale_points}, got {favourable_from!r}")
    if not isinstance(scores, pd.DataFrame) or not isinstance(answers, pd.DataFrame):
        raise ValueError("scores and answers must be pandas DataFrames")
    if len(scores) != len(answers):
        raise ValueError(
            f"scores has {len(scores)} rows but answers has {len(answers)}; "
            "they must describe the same respondents in the same order"
        )
    index = _group_index(units, len(scores))
    constructs = list(scores.columns)
    item_ids = _keyed_items(constructs, keys, answers.columns)

    keyed = _keyed_answers(answers, item_ids, keys, scale_points=scale_points)
    try:
        score_values = scores.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"scores must be numeric: {error}") from None
    n_units = index.n_groups
    # Rows without a unit go to an extra bin n_units that is cut off at the end, so the hot
    # loop needs no boolean masking of whole columns.
    codes = np.where(index.codes >= 0, index.codes, n_units)
    present = np.bincount(codes, minlength=n_units + 1)[:n_units] > 0

    shape = (n_units, len(constructs))
    n = np.zeros(shape, dtype=np.int64)
    mean = np.full(shape, np.nan)
    sd = np.full(shape, np.nan)
    n_answers = np.zeros(shape, dtype=np.int64)
    favourable = np.full(shape, np.nan)
    distribution = np.zeros((n_units, len(constructs), scale_points), dtype=np.int64)
    rwg_j = np.full(shape, np.nan)
    rwg_j_lindell = np.full(shape, np.nan)
    rwg_j_n = np.zeros(shape, dtype=np.int64)

    with np.errstate(invalid="ignore", divide="ignore"):
        for position, construct in enumerate(constructs):
            moments = _moments(score_values[:, position], codes, n_units + 1)
            n[:, position], mean[:, position], sd[:, position] = (
                part[:n_units] for part in moments
            )

            block = keyed[construct]
            # Missing answers count in an extra category scale_points, dropped below.
            categories = np.nan_to_num(block, nan=scale_points + 1).astype(np.intp)
            bins = (codes * (scale_points + 1) - 1)[:, None] + categories
            counts = np.bincount(
                bins.ravel(order="K"), minlength=(n_units + 1) * (scale_points + 1)
            )
            counts = counts.reshape(n_units + 1, scale_points + 1)[:n_units, :scale_points]
            distribution[:, position, :] = counts
            n_answers[:, position] = counts.sum(axis=1)
            favourable[:, position] = (
                counts[:, favourable_from - 1 :].sum(axis=1) / n_answers[:, position]
            )

            gsize, james, lindell = _rwg_j_by_code(block, index, null)
            rwg_j[:, position] = james
            rwg_j_lindell[:, position] = lindell
            rwg_j_n[:, position] = gsize

        se = sd / np.sqrt(n)
        critical = _t_quantiles(n, confidence)
        ci_low = mean - critical * se
        ci_high = mean + critical * se

    labels = index.labels[present]
    row_index = pd.MultiIndex.from_product(
        [labels, pd.Index(constructs)], names=["unit", "construct"]
    )

    def flat(array: np.ndarray) -> np.ndarray:
        return array[present].reshape(-1)

    rwg_flat = flat(rwg_j)
    agrees = pd.array(rwg_flat >= agreement_cutoffs[1], dtype="boolean")
    agrees[np.isnan(rwg_flat)] = pd.NA
    table = pd.DataFrame(
        {
            "n": flat(n),
            "mean": flat(mean),
            "sd": flat(sd),
            "se": flat(se),
            "ci_low": flat(ci_low),
            "ci_high": flat(ci_high),
            "n_answers": flat(n_answers),
            "favourable": flat(favourable),
            "rwg_j": rwg_flat,
            "rwg_j_lindell": flat(rwg_j_lindell),
            "rwg_j_n": flat(rwg_j_n),
            "agreement": pd.Categorical(
                agreement_level(rwg_flat, cutoffs=agreement_cutoffs),
                categories=["low", "moderate", "high"],
                ordered=True,
            ),
            "agrees": agrees,
        },
        index=row_index,
    )
    distribution_frame = pd.DataFrame(
        distribution[present].reshape(-1, scale_points),
        index=row_index,
        columns=pd.RangeIndex(1, scale_points + 1, name="answer"),
    )
    return TeamStatistics(
        scales=table,
        distribution=distribution_frame,
        icc=icc_table(scores, index, group_size=group_size),
    )


def _moments(
    values: np.ndarray, codes: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and SD (n - 1) of the non-missing ``values`` per unit code."""
    scored = ~np.isnan(values)
    values = values[scored]
    codes = codes[scored]
    count = np.bincount(codes, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.bincount(codes, weights=values, minlength=n_units) / count
        deviations = values - means[codes]
        squares = np.bincount(codes, weights=deviations * deviations, minlength=n_units)
        sd = np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)
    return count, means, sd


def scale_summaries(scores: pd.DataFrame, units: object) -> pd.DataFrame:
    """Number of scores, mean and SD per unit and construct (no item answers needed).

    Parameters
    ----------
    scores : pandas.DataFrame
        Respondents x constructs; NaN is no score.
    units : array-like, Series or GroupIndex
        Unit label per respondent (by position); a missing label drops the row.

    Returns
    -------
    pandas.DataFrame
        MultiIndex ``("unit", "construct")`` over the units with at least one respondent;
        columns ``n``, ``mean`` and ``sd`` (denominator n - 1; NaN when n < 2).
    """
    if not isinstance(scores, pd.DataFrame):
        raise ValueError("scores must be a pandas DataFrame (respondents x constructs)")
    try:
        values = scores.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"scores must be numeric: {error}") from None
    index = _group_index(units, len(scores))
    valid = index.codes >= 0
    codes = index.codes[valid]
    present = np.bincount(codes, minlength=index.n_groups) > 0
    parts = [
        _moments(values[valid, column], codes, index.n_groups) for column in range(values.shape[1])
    ]
    n, mean, sd = (
        np.stack([part[k] for part in parts], axis=1)[present].reshape(-1) for k in range(3)
    )
    return pd.DataFrame(
        {"n": n, "mean": mean, "sd": sd},
        index=pd.MultiIndex.from_product(
            [index.labels[present], scores.columns], names=["unit", "construct"]
        ),
    )


def _t_quantiles(n: np.ndarray, confidence: float) -> np.ndarray:
    """:math:`t_{1-\\alpha/2, n-1}` for an array of sample sizes, NaN where n < 2."""
    # Only a few distinct team sizes occur: evaluate the quantile once per size.
    sizes, positions = np.unique(n, return_inverse=True)
    quantiles = np.full(sizes.shape, np.nan)
    usable = sizes > 1
    quantiles[usable] = stats.t.ppf((1 + confidence) / 2, sizes[usable] - 1)
    return quantiles[positions].reshape(n.shape)


def _check_cutoffs(cutoffs: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(value) for value in cutoffs)
    except (TypeError, ValueError):
        raise ValueError(f"cutoffs must be two numbers (moderate, high), got {cutoffs!r}") from None
    if not 0 <= low <= high <= 1:
        raise ValueError(f"cutoffs must satisfy 0 <= moderate <= high <= 1, got {cutoffs!r}")
    return low, high


def _keyed_items(
    constructs: list[str], keys: Mapping[str, Mapping[str, int]], columns: pd.Index
) -> dict[str, list[str]]:
    items = {}
    for construct in constructs:
        if construct not in keys or not keys[construct]:
            raise ValueError(f"no scoring keys for construct {construct!r}")
        missing = [item for item in keys[construct] if item not in columns]
        if missing:
            raise ValueError(f"answers has no column for item(s) {missing} of {construct!r}")
        bad = {item: key for item, key in keys[construct].items() if key not in (1, -1)}
        if bad:
            raise ValueError(f"keys of {construct!r} must be +1 or -1, got {bad}")
        items[construct] = list(keys[construct])
    return items


def _keyed_answers(
    answers: pd.DataFrame,
    item_ids: Mapping[str, list[str]],
    keys: Mapping[str, Mapping[str, int]],
    *,
    scale_points: int,
) -> dict[str, np.ndarray]:
    """Answers per construct as float arrays, 0 -> NaN, reverse-keyed items reversed."""
    used = list(dict.fromkeys(item for items in item_ids.values() for item in items))
    frame = answers if list(answers.columns) == used else answers[used]
    try:
        if all(dtype == np.float64 for dtype in frame.dtypes):
            values = frame.to_numpy()  # a view for one float block: no copy of the answers
        else:
            values = frame.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"answers must be numeric: {error}") from None
    values = np.asfortranarray(values)
    position = {item: column for column, item in enumerate(used)}
    keyed = {}
    for construct, items in item_ids.items():
        # Per construct, the block is small enough to stay in cache for all the passes.
        columns = [position[item] for item in items]
        block = np.asfortranarray(values[:, columns])
        with np.errstate(invalid="ignore"):
            # NaN fails every comparison, so missing answers never count as outside.
            outside = (
                (block < DONT_KNOW) | (block > scale_points) | (np.abs(block - np.rint(block)) > 0)
            )
        if outside.any():
            _raise_outside(values[:, columns], items, scale_points)
        block[block == DONT_KNOW] = np.nan
        for column, item in enumerate(items):
            if keys[construct][item] == -1:
                block[:, column] = (scale_points + 1) - block[:, column]
        keyed[construct] = block
    return keyed


def _raise_outside(values: np.ndarray, used: list[str], scale_points: int) -> None:
    with np.errstate(invalid="ignore"):
        outside = (
            (values < DONT_KNOW) | (values > scale_points) | (np.abs(values - np.rint(values)) > 0)
        )
    row, column = np.argwhere(outside & ~np.isnan(values))[0]
    raise ValueError(
        f"answer {float(values[row, column])!r} to item {used[column]!r} (row {row}) is outside "
        f"0..{scale_points}"
    )
