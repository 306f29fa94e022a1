"""Internal consistency of a scale: Cronbach's alpha and McDonald's omega.

Both entry points take a respondents x items table (a :class:`pandas.DataFrame` or a 2-D
array) and optional scoring ``keys`` (+1 or -1 per item, -1 for reverse-keyed items), and
return small frozen dataclasses.

Missing answers are handled as stated by the ``missing`` option:

``"pairwise"`` (default)
    every covariance or correlation uses the respondents who answered both items. This is
    what ``psych::alpha`` and ``psych::omega`` do by default (``use = "pairwise"``), and it
    keeps the most information in a survey where people skip the odd item.
``"listwise"``
    only respondents who answered every item are used. Unambiguous, at the cost of data.

The numbers are checked against ``psych`` 2.2.9 (Revelle) on its ``bfi`` example data; see
``tests/analysis/test_reliability.py``.

The pairwise moments are sums over respondent blocks with numpy's own loops, no BLAS and no
pandas per-pair code, so a scale of 100,000 respondents takes milliseconds whatever the BLAS
thread settings; for answers on an integer scale every sum is exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize

__all__ = [
    "AlphaResult",
    "OmegaResult",
    "alpha",
    "corrected_item_total",
    "omega_total",
]

Missing = Literal["pairwise", "listwise"]
Keys = Mapping[str, int] | Sequence[int] | np.ndarray | None


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one scale, with item statistics.

    Attributes
    ----------
    raw_alpha : float
        Alpha from the keyed covariance matrix.
    std_alpha : float
        Alpha from the keyed correlation matrix (standardised items).
    average_r : float
        Mean of the off-diagonal inter-item correlations.
    median_r : float
        Median of the off-diagonal inter-item correlations.
    signal_noise : float
        Signal-to-noise ratio ``k * average_r / (1 - average_r)``.
    g6_smc : float
        Guttman's lambda 6 from squared multiple correlations.
    mean, sd : float
        Mean and standard deviation over respondents of their mean keyed answer (available
        items).
    n : int
        Respondents used: with at least one answer (pairwise) or complete (listwise).
    n_complete : int
        Respondents who answered every item.
    k : int
        Number of items.
    missing : str
        ``"pairwise"`` or ``"listwise"``.
    items : pandas.DataFrame
        One row per item (index: item name) with columns ``key``, ``n``, ``mean``, ``sd``
        (of the keyed item), ``raw_r`` (Pearson r of the keyed item with the respondent's
        mean of the items they answered), ``std_r`` (the same on standardised items),
        ``r_drop`` (corrected item-total correlation: the item against the sum of the
        *other* keyed items), and, with the item left out, ``alpha_if_deleted``,
        ``std_alpha_if_deleted``, ``average_r_if_deleted``, ``median_r_if_deleted`` and
        ``var_r_if_deleted``.
    """

    raw_alpha: float
    std_alpha: float
    average_r: float
    median_r: float
    signal_noise: float
    g6_smc: float
    mean: float
    sd: float
    n: int
    n_complete: int
    k: int
    missing: str
    items: pd.DataFrame


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total of one scale from a one-factor minres (ULS) solution.

    Attributes
    ----------
    omega_total : float
        The omega asked for with ``definition`` (``omega_psych`` or ``omega_model_implied``).
    definition : str
        ``"psych"`` or ``"model_implied"``.
    omega_psych : float
        ``(V_t - sum(u2)) / V_t`` with ``V_t`` the sum of all elements of the keyed correlation
        matrix (``psych::omega``'s ``omega.tot``).
    omega_model_implied : float
        ``(sum(lambda))**2 / ((sum(lambda))**2 + sum(u2))``: McDonald's omega with the
        variance of the sum taken from the fitted model instead of the observed matrix.
    omega_hierarchical : float
        ``(sum(lambda))**2 / V_t``; with one factor this is not a separate general-factor
        coefficient, it is reported for completeness (psych's ``omega_h``).
    loadings : pandas.Series
        Standardised loadings on the single factor (signs so that their sum is positive).
    uniquenesses : pandas.Series
        ``1 - loading**2``.
    total_variance : float
        ``V_t``, the sum of the keyed correlation matrix.
    n : int
        Respondents used (pairwise: with at least one answer; listwise: complete).
    missing : str
        ``"pairwise"`` or ``"listwise"``.
    converged : bool
        Whether the least-squares fit reported convergence.
    heywood : bool
        True when a loading reaches 1 or more in absolute value (a uniqueness of 0 or less),
        in which case omega should not be reported.
    """

    omega_total: float
    definition: str
    omega_psych: float
    omega_model_implied: float
    omega_hierarchical: float
    loadings: pd.Series
    uniquenesses: pd.Series
    total_variance: float
    n: int
    missing: str
    converged: bool
    heywood: bool


def alpha(
    items: pd.DataFrame | np.ndarray,
    *,
    keys: Keys = None,
    missing: Missing = "pairwise",
    scale_range: tuple[float, float] | None = None,
) -> AlphaResult:
    r"""Cronbach's alpha, standardised alpha and item statistics of one scale.

    Parameters
    ----------
    items : pandas.DataFrame or numpy.ndarray
        Respondents x items, numeric, NaN for a missing answer. An array gets item names
        ``item1``, ``item2``, ...
    keys : mapping or sequence of int, optional
        +1 or -1 per item (-1 = reverse keyed), either a mapping from column name to key or a
        sequence in column order. Default: all +1.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Pairwise-complete covariances (as ``psych::alpha``) or complete cases only.
    scale_range : (float, float), optional
        Lowest and highest possible answer, used to reverse items as ``(lo + hi) - x`` for the
        reported item and scale means. Default: the lowest and highest value present in
        ``items`` (what ``psych`` does). Covariance-based statistics do not depend on it.

    Returns
    -------
    AlphaResult

    Raises
    ------
    ValueError
        Fewer than two items, a non-numeric column, a bad key, an item without variance, or a
        pair of items that nobody answered together.

    Notes
    -----
    With :math:`C` the keyed covariance matrix of :math:`k` items and :math:`R` the matching
    correlation matrix (:math:`R = D^{-1/2} C D^{-1/2}`, :math:`D = \operatorname{diag} C`),

    .. math::

        \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}
        \right), \qquad
        \alpha_{std} = \frac{k}{k-1}\left(1 - \frac{k}{\mathbf 1' R \mathbf 1}\right),
        \qquad \bar r = \frac{\mathbf 1' R \mathbf 1 - k}{k(k-1)}.

    The corrected item-total correlation of item :math:`i` is

    .. math::

        r_{drop,i} = \frac{\sum_j C_{ij} - C_{ii}}{\sqrt{C_{ii}\,\sum_{j,l \ne i} C_{jl}}},

    the Pearson correlation of the item with the sum of the other keyed items when the data
    are complete. Guttman's :math:`\lambda_6 = 1 - \sum_i (1 - \mathrm{smc}_i) / \mathbf 1'R
    \mathbf 1` with :math:`\mathrm{smc}_i = 1 - 1/(R^{-1})_{ii}`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Guttman, L. (1945). A basis for analyzing test-retest reliability. *Psychometrika*, 10(4),
    255-282.

    Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and Personality
    Research* (version 2.2.9), function ``alpha``.
    """
    frame = _as_frame(items, minimum=2)
    key = _keys(frame, keys)
    _check_missing(missing)
    values = _item_rows(frame, missing)
    answered = ~np.isnan(values)
    k = values.shape[0]

    low, high = _check_items(values, answered, list(frame.columns))
    # psych reverses with the lowest and highest value present unless told the scale.
    lo, hi = scale_range if scale_range is not None else (float(low.min()), float(high.max()))
    # One row per keyed item, then the person's mean of the items they answered.
    rows = np.empty((k + 1, values.shape[1]))
    rows[:k] = values
    rows[:k][key < 0] = (lo + hi) - values[key < 0]
    has = np.empty(rows.shape, dtype=bool)
    has[:k] = answered
    per_person = answered.sum(axis=0)
    np.greater(per_person, 0, out=has[k])
    n_used = int(np.count_nonzero(has[k]))
    n_complete = int(np.count_nonzero(per_person == k))
    # Adding the answered items one by one in column order sums each person's answers as
    # nanmean does, without a zero-filled copy of the data.
    person_sum = np.zeros(values.shape[1])
    for i in range(k):
        np.add(person_sum, rows[i], out=person_sum, where=answered[i])
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(person_sum, per_person, out=rows[k])

    # psych's raw.r is the Pearson r of each keyed item with the person's mean over the
    # items they answered (pairwise complete), so the person mean rides along as one more
    # variable in the pairwise moments; with complete data raw.r equals the covariance form
    # sum_j C_ij / sqrt(C_ii * sum(C)).
    moments = _pairwise_moments(rows, has)
    cov = moments.cov[:k, :k]
    _check_pairs(cov, list(frame.columns))
    cor = _cov2cor(cov, frame.columns)
    raw, std, avg_r, med_r, _ = _alpha_parts(cov, cor)
    raw_r = moments.cor[:k, k]

    total = cov.sum()
    colsum = cov.sum(axis=0)
    diag = np.diag(cov)
    rest = total - 2.0 * colsum + diag
    # An item (or the rest of the scale) without variance has no item-rest correlation: NaN,
    # quietly, as psych reports it, instead of a warning from 0/0.
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (colsum - diag) / np.sqrt(diag * rest)
        std_r = cor.sum(axis=0) / math.sqrt(cor.sum())

    # Alpha of a single remaining item is undefined, so a two-item scale gets NaN here.
    drop = np.full((k, 5), np.nan)
    if k > 2:
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            drop[i] = _alpha_parts(cov[np.ix_(keep, keep)], cor[np.ix_(keep, keep)])

    scored = rows[k][has[k]]
    table = pd.DataFrame(
        {
            "key": key.astype(int),
            "n": moments.n.diagonal()[:k].astype(int),
            "mean": moments.mean[:k],
            "sd": np.sqrt(diag),
            "raw_r": raw_r,
            "std_r": std_r,
            "r_drop": r_drop,
            "alpha_if_deleted": drop[:, 0],
            "std_alpha_if_deleted": drop[:, 1],
            "average_r_if_deleted": drop[:, 2],
            "median_r_if_deleted": drop[:, 3],
            "var_r_if_deleted": drop[:, 4],
        },
        index=frame.columns,
    )
    return AlphaResult(
        raw_alpha=raw,
        std_alpha=std,
        average_r=avg_r,
        median_r=med_r,
        # psych reports Inf when every item correlates perfectly (avg_r = 1).
        signal_noise=k * avg_r / (1.0 - avg_r) if abs(1.0 - avg_r) > 1e-12 else float("inf"),
        g6_smc=_guttman_l6(cor),
        mean=float(scored.mean()),
        sd=float(scored.std(ddof=1)),
        n=n_used,
        n_complete=n_complete,
        k=k,
        missing=missing,
        items=table,
    )


def corrected_item_total(
    items: pd.DataFrame | np.ndarray, *, keys: Keys = None, missing: Missing = "pairwise"
) -> pd.Series:
    """Corrected item-total correlation of each item (shortcut to ``alpha(...).items``).

    Parameters
    ----------
    items : pandas.DataFrame or numpy.ndarray
        Respondents x items.
    keys : mapping or sequence of int, optional
        +1 or -1 per item.
    missing : {"pairwise", "listwise"}, default "pairwise"
        See :func:`alpha`.

    Returns
    -------
    pandas.Series
        ``r_drop`` per item: the item against the sum of the other keyed items.
    """
    return alpha(items, keys=keys, missing=missing).items["r_drop"]


def omega_total(
    items: pd.DataFrame | np.ndarray,
    *,
    keys: Keys = None,
    missing: Missing = "pairwise",
    definition: Literal["psych", "model_implied"] = "psych",
) -> OmegaResult:
    r"""McDonald's omega total from a one-factor minres (unweighted least squares) solution.

    Parameters
    ----------
    items : pandas.DataFrame or numpy.ndarray
        Respondents x items, NaN for missing answers.
    keys : mapping or sequence of int, optional
        +1 or -1 per item (-1 = reverse keyed). Default: all +1.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Pairwise-complete correlations (as ``psych::omega`` on ``cor(x, use = "pairwise")``)
        or complete cases only.
    definition : {"psych", "model_implied"}, default "psych"
        Which omega ``omega_total`` holds; both are always available on the result.

    Returns
    -------
    OmegaResult

    Raises
    ------
    ValueError
        Fewer than three items (one factor is not identified with two), a bad key, a
        non-numeric column, an item without variance or a pair answered by nobody.

    Notes
    -----
    The loadings :math:`\lambda` minimise the squared off-diagonal residuals of the keyed
    correlation matrix :math:`R` (Harman's minres, i.e. ULS with free uniquenesses):

    .. math::

        \min_\lambda \sum_{i<j} (R_{ij} - \lambda_i \lambda_j)^2 ,\qquad u_i^2 = 1 - \lambda_i^2.

    They are found with :func:`scipy.optimize.least_squares` (analytic Jacobian, tolerances at
    machine precision), which lands on the same optimum as a high-precision BFGS fit; psych's
    own optimiser stops up to about 2e-6 short in the loadings. With
    :math:`V_t = \mathbf 1' R \mathbf 1`:

    .. math::

        \omega_{psych} = \frac{V_t - \sum_i u_i^2}{V_t}, \qquad
        \omega_{model} = \frac{(\sum_i \lambda_i)^2}{(\sum_i \lambda_i)^2 + \sum_i u_i^2}.

    ``omega_psych`` is ``psych::omega(x, nfactors = 1, fm = "minres")``'s omega total: the
    observed variance of the unit-weighted sum in the denominator. ``omega_model_implied``
    is McDonald's (1999) omega for a congeneric one-factor model on standardised items: the
    model's own variance of the sum in the denominator. They coincide when the one-factor
    model reproduces :math:`R` exactly.

    References
    ----------
    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    *Psychometrika*, 31(3), 351-368.

    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Revelle, W., & Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb.
    *Psychometrika*, 74(1), 145-154.
    """
    if definition not in ("psych", "model_implied"):
        raise ValueError(f"definition must be 'psych' or 'model_implied', got {definition!r}")
    frame = _as_frame(items, minimum=3)
    key = _keys(frame, keys)
    _check_missing(missing)
    values = _item_rows(frame, missing)
    answered = ~np.isnan(values)
    n_used = int(np.count_nonzero(answered.any(axis=0)))

    _check_items(values, answered, list(frame.columns))
    moments = _pairwise_moments(values, answered)
    _check_pairs(moments.cov, list(frame.columns))
    cor = moments.cor * np.outer(key, key)
    loadings, converged = _minres_one_factor(cor)
    u2 = 1.0 - loadings**2
    vt = float(cor.sum())
    if not np.isfinite(vt) or vt <= 0:
        # Degenerate answers (e.g. every respondent answering alike, so that the keyed
        # correlations cancel out): the total variance of the sum score is zero.
        raise ValueError("omega is undefined: the scale's sum score has no variance")
    common = float(loadings.sum()) ** 2
    omega_psych = (vt - float(u2.sum())) / vt
    omega_model = common / (common + float(u2.sum()))
    return OmegaResult(
        omega_total=omega_psych if definition == "psych" else omega_model,
        definition=definition,
        omega_psych=omega_psych,
        omega_model_implied=omega_model,
        omega_hierarchical=common / vt,
        loadings=pd.Series(loadings, index=frame.columns, name="loading"),
        uniquenesses=pd.Series(u2, index=frame.columns, name="uniqueness"),
        total_variance=vt,
        n=n_used,
        missing=missing,
        converged=converged,
        heywood=bool(np.any(u2 <= 0.0)),
    )


_RUNAWAY_LOADING = 10.0
"""Loading beyond which the one-factor minres fit is taken to run off to infinity.

On a correlation matrix a loading above 1 is already improper (negative uniqueness); one of
10 only arises when the minimum is not attained: on near-zero correlations one loading grows
without bound while the others shrink, and without this stop the optimiser spends its whole
budget (about 0.3 s) following it.
"""


class _RunAway(Exception):
    def __init__(self, lam: np.ndarray) -> None:
        super().__init__("a loading runs off to infinity")
        self.lam = lam


def _minres_one_factor(cor: np.ndarray) -> tuple[np.ndarray, bool]:
    k = cor.shape[0]
    rows, cols = np.triu_indices(k, 1)
    target = cor[rows, cols]

    def residuals(lam: np.ndarray) -> np.ndarray:
        return lam[rows] * lam[cols] - target

    def jacobian(lam: np.ndarray) -> np.ndarray:
        # MINPACK evaluates the Jacobian only at accepted iterates, so trial steps that
        # overshoot do not trigger this.
        if np.max(np.abs(lam)) > _RUNAWAY_LOADING:
            raise _RunAway(lam.copy())
        jac = np.zeros((rows.size, k))
        pairs = np.arange(rows.size)
        jac[pairs, rows] = lam[cols]
        jac[pairs, cols] = lam[rows]
        return jac

    # Start from the first principal axis of R with squared multiple correlations on the
    # diagonal: close to the optimum, so the fit never wanders to a sign-flipped solution.
    reduced = cor.copy()
    try:
        # A nearly singular R (tiny groups) can put a zero on the inverse's diagonal: that
        # item's SMC is then -inf, clipped below like any other out-of-range start.
        with np.errstate(divide="ignore"):
            smc = 1.0 - 1.0 / np.diag(np.linalg.inv(cor))
    except np.linalg.LinAlgError:
        smc = np.full(k, 0.5)
    np.fill_diagonal(reduced, np.clip(smc, 0.05, 0.995))
    values, vectors = np.linalg.eigh(reduced)
    start = vectors[:, -1] * math.sqrt(max(values[-1], 1e-6))
    try:
        fit = optimize.least_squares(
            residuals,
            start,
            jac=jacobian,
            method="lm",
            xtol=1e-15,
            ftol=1e-15,
            gtol=1e-15,
            max_nfev=10_000,
        )
    except _RunAway as stopped:
        lam, converged = stopped.lam, False
    else:
        lam, converged = fit.x, bool(fit.success)
    if lam.sum() < 0:
        lam = -lam
    return lam, converged


def _alpha_parts(cov: np.ndarray, cor: np.ndarray) -> tuple[float, float, float, float, float]:
    k = cov.shape[0]
    # Items that all lack variance (everyone gave the same answers) make these 0/0: NaN or
    # infinite, which the callers report as "cannot be computed", without a warning.
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = k / (k - 1) * (1.0 - np.trace(cov) / cov.sum())
        std = k / (k - 1) * (1.0 - k / cor.sum())
    off = cor[np.tril_indices(k, -1)]
    avg_r = (cor.sum() - k) / (k * (k - 1))
    var_r = float(np.var(off, ddof=1)) if off.size > 1 else math.nan
    return float(raw), float(std), float(avg_r), float(np.median(off)), var_r


def _guttman_l6(cor: np.ndarray) -> float:
    try:
        smc = 1.0 - 1.0 / np.diag(np.linalg.inv(cor))
    except np.linalg.LinAlgError:
        return math.nan
    return float(1.0 - (1.0 - smc).sum() / cor.sum())


def _as_frame(items: pd.DataFrame | np.ndarray, *, minimum: int) -> pd.DataFrame:
    if isinstance(items, pd.DataFrame):
        frame = items
    else:
        array = np.asarray(items)
        if array.ndim != 2:
            raise ValueError(f"items must be 2-dimensional (respondents x items), got {array.ndim}")
        frame = pd.DataFrame(array, columns=[f"item{i + 1}" for i in range(array.shape[1])])
    if frame.shape[1] < minimum:
        raise ValueError(f"need at least {minimum} items, got {frame.shape[1]}")
    if frame.columns.has_duplicates:
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ValueError(f"duplicate item columns: {', '.join(dupes)}")
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
            frame[column]
        ):
            raise ValueError(f"item column {column!r} is not numeric")
    return frame.astype(float)


def _keys(frame: pd.DataFrame, keys: Keys) -> np.ndarray:
    if keys is None:
        return np.ones(frame.shape[1])
    if isinstance(keys, Mapping):
        unknown = [str(name) for name in keys if name not in frame.columns]
        if unknown:
            raise ValueError(f"keys name items that are not columns: {', '.join(unknown)}")
        values = [keys.get(name, 1) for name in frame.columns]
    else:
        values = list(keys)
        if len(values) != frame.shape[1]:
            raise ValueError(f"got {len(values)} keys for {frame.shape[1]} items")
    for name, value in zip(frame.columns, values, strict=True):
        if value not in (1, -1):
            raise ValueError(f"key of item {name!r} must be +1 or -1, got {value!r}")
    return np.asarray(values, dtype=float)


def _check_missing(missing: str) -> None:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")


def _item_rows(frame: pd.DataFrame, missing: Missing) -> np.ndarray:
    """Items x respondents (one contiguous row per item), complete rows only if listwise."""
    values = frame.to_numpy(dtype=float)
    if missing == "listwise":
        values = values[~np.isnan(values).any(axis=1)]
    return np.ascontiguousarray(values.T)


@dataclass(frozen=True)
class _Moments:
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    cor: np.ndarray


# Respondents per block in the pairwise moments: the temporaries of a block stay in the CPU
# cache and are recycled by the allocator instead of being fresh pages for every array.
_BLOCK = 8192


def _pairwise_moments(values: np.ndarray, answered: np.ndarray) -> _Moments:
    """Pairwise-complete counts, covariances and Pearson correlations of the rows of ``values``.

    ``values`` is variables x respondents with NaN exactly where ``answered`` is False. Each
    pair uses the respondents with both variables answered, and that pair's own means (and,
    for the correlation, the pair's own variances), as R's ``cov``/``cor`` with
    ``use = "pairwise"`` and pandas do. ``mean`` is each variable's mean over its answers.
    """
    k, size = values.shape
    blocks = [slice(start, start + _BLOCK) for start in range(0, size, _BLOCK)]
    count = answered.sum(axis=1)
    total = np.zeros(k)
    for block in blocks:
        total += np.where(answered[:, block], values[:, block], 0.0).sum(axis=1)
    low = np.fmin.reduce(values, axis=1, initial=np.nan)
    spread = np.fmax.reduce(values, axis=1, initial=np.nan) - low
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        # Shift each variable by its mean rounded to a power of two at most 1/16 of its
        # range. Close enough to every pair's mean that the one-pass sums below do not
        # cancel; coarse enough that, for answers on an integer scale, the shifted values,
        # their products and all the sums are exact in floating point.
        step = np.exp2(np.floor(np.log2(spread / 16.0)))
        shift = np.round(mean / step) * step
    shift = np.where(spread > 0.0, shift, low)  # a constant gets a variance of exactly 0
    shift[~np.isfinite(shift)] = 0.0

    n = np.zeros((k, k))
    sums = np.zeros((k, k))  # sums[i, j]: variable i over the respondents who also have j
    squares = np.zeros((k, k))
    cross = np.zeros((k, k))
    for block in blocks:
        has = answered[:, block]
        mask = has.astype(float)
        centred = np.where(has, values[:, block] - shift[:, None], 0.0)
        # einsum without ``optimize`` runs numpy's own loops, never BLAS: a threaded BLAS
        # call this small costs more in waking threads than in arithmetic.
        n += np.einsum("in,jn->ij", mask, mask)
        sums += np.einsum("in,jn->ij", centred, mask)
        squares += np.einsum("in,jn->ij", centred * centred, mask)
        cross += np.einsum("in,jn->ij", centred, centred)
    with np.errstate(invalid="ignore", divide="ignore"):
        products = cross - sums * sums.T / n
        cov = products / (n - 1.0)
        deviations = squares - sums * sums / n
        cor = np.clip(products / np.sqrt(deviations * deviations.T), -1.0, 1.0)
    cov[n < 2] = np.nan
    cor[(n < 2) | ~(deviations * deviations.T > 0.0)] = np.nan
    np.fill_diagonal(cor, np.where(np.isnan(np.diag(cor)), np.nan, 1.0))
    return _Moments(n=n, mean=mean, cov=cov, cor=cor)


def _check_items(
    values: np.ndarray, answered: np.ndarray, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Raise unless every item has two different answers; return each item's lowest and highest."""
    low = np.fmin.reduce(values, axis=1, initial=np.nan)
    high = np.fmax.reduce(values, axis=1, initial=np.nan)
    count = answered.sum(axis=1)
    for i, name in enumerate(names):
        if count[i] < 2 or not low[i] < high[i]:
            raise ValueError(f"item {name!r} has no variance (or fewer than two answers)")
    return low, high


def _check_pairs(cov: np.ndarray, names: Sequence[str]) -> None:
    bad = np.argwhere(~np.isfinite(cov))
    if bad.size:
        i, j = bad[0]
        raise ValueError(
            f"items {names[i]!r} and {names[j]!r} were answered together by fewer than two "
            "respondents"
        )


def _cov2cor(cov: np.ndarray, names: Sequence[str]) -> np.ndarray:
    # psych::alpha standardises the pairwise covariance matrix with the item variances
    # (cov2cor), which differs slightly from pairwise correlations when data are missing.
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)
