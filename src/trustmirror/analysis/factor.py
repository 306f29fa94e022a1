"""Confirmatory factor analysis of an instrument's structure.

Does the data support the constructs the instrument claims? :func:`cfa` fits a simple-structure
model (each item loads on one factor, factors correlate freely, residuals are uncorrelated)
by maximum likelihood with the maintained SEM library `semopy`_, and reports loadings and
the usual fit indices. The optimisation is semopy's; the parametrisation, the fit indices and
the checks around it are ours and follow lavaan's conventions, so results can be compared with
``lavaan::cfa(..., std.lv = TRUE, estimator = "ML")``:

* the factor variances are fixed to 1 (``std.lv = TRUE``), so the loadings are in item units
  per standard deviation of the factor;
* the sample covariance matrix has denominator N (the normal-theory likelihood);
* chi-square is ``N * F_ML``; RMSEA, CFI, TLI and SRMR (Bentler) are computed from it.

.. _semopy: https://semopy.com
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

__all__ = ["CFAResult", "FitIndices", "cfa"]

# SLSQP's ftol per ``tolerance`` of :func:`cfa`.
_FTOL = {"reference": 1e-12, "fast": 1e-8}


@dataclass(frozen=True)
class FitIndices:
    """Global fit of a CFA model (lavaan conventions, ML).

    Attributes
    ----------
    chi2 : float
        Likelihood-ratio statistic ``N * F_ML`` against the saturated model.
    df : int
        Degrees of freedom: ``p(p+1)/2`` minus the free parameters.
    p_value : float
        Upper tail of chi-square with ``df`` degrees of freedom (NaN when ``df == 0``).
    cfi, tli : float
        Comparative fit index and Tucker-Lewis index against the independence model (TLI is
        NaN when ``df == 0``).
    rmsea : float
        Root mean square error of approximation, ``sqrt(max(chi2 - df, 0) / (df * N))``
        (0 when ``df == 0``).
    srmr : float
        Standardised root mean square residual (Bentler): residual covariances divided by the
        observed standard deviations, root mean square over the ``p(p+1)/2`` unique elements.
    chi2_baseline : float
        Chi-square of the independence model.
    df_baseline : int
        Its degrees of freedom, ``p(p-1)/2``.
    """

    chi2: float
    df: int
    p_value: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    chi2_baseline: float
    df_baseline: int


@dataclass(frozen=True)
class CFAResult:
    """A fitted confirmatory factor model.

    Attributes
    ----------
    factors : dict of str to list of str
        The model: items per factor.
    loadings : pandas.Series
        Unstandardised loading of each item on its factor (factor variance 1).
    residual_variances : pandas.Series
        Unstandardised residual (unique) variance of each item.
    std_loadings, std_residual_variances : pandas.Series
        The same with items standardised by their model-implied variance (lavaan's
        ``std.all``).
    factor_correlations : pandas.DataFrame
        Factors x factors (1 on the diagonal).
    fit : FitIndices
        Chi-square, CFI, TLI, RMSEA and SRMR.
    n_used : int
        Respondents used (complete on all model items).
    converged : bool
        Whether the optimiser reported success.
    heywood : bool
        True when a residual variance is zero or negative, or a factor correlation reaches 1
        in absolute value: the solution is improper and should not be interpreted.
    """

    factors: dict[str, list[str]]
    loadings: pd.Series
    residual_variances: pd.Series
    std_loadings: pd.Series
    std_residual_variances: pd.Series
    factor_correlations: pd.DataFrame
    fit: FitIndices
    n_used: int
    converged: bool
    heywood: bool

    def omega(self, factor: str | None = None, *, standardized: bool = False) -> float:
        r"""Model-implied McDonald's omega of one factor's unit-weighted sum.

        .. math:: \omega = \frac{(\sum_i \lambda_i)^2}{(\sum_i \lambda_i)^2 + \sum_i \theta_i}

        Parameters
        ----------
        factor : str, optional
            Factor name; may be left out for a one-factor model.
        standardized : bool, default False
            Use the standardised loadings and residual variances (omega of the sum of
            standardised items) instead of the raw ones.

        Returns
        -------
        float
        """
        if factor is None:
            if len(self.factors) != 1:
                raise ValueError("name the factor: the model has more than one")
            factor = next(iter(self.factors))
        if factor not in self.factors:
            raise ValueError(f"unknown factor {factor!r}")
        items = self.factors[factor]
        lam = (self.std_loadings if standardized else self.loadings)[items]
        theta = (self.std_residual_variances if standardized else self.residual_variances)[items]
        common = float(lam.sum()) ** 2
        return common / (common + float(theta.sum()))


def cfa(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]],
    *,
    estimator: str = "ML",
    tolerance: Literal["reference", "fast"] = "reference",
) -> CFAResult:
    r"""Fit a simple-structure confirmatory factor model by maximum likelihood.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items (numeric). Respondents with a missing value on any model item
        are left out (complete cases); other columns are ignored.
    model : mapping of str to sequence of str
        Factor name to the items that load on it, e.g. ``{"team_trust": ["t1", "t2", "t3"]}``.
        Every item loads on exactly one factor; all factors correlate.
    estimator : {"ML"}, default "ML"
        Only maximum likelihood is offered.
    tolerance : {"reference", "fast"}, default "reference"
        How far the optimiser is driven. ``"reference"`` (``ftol = 1e-12``) reproduces
        lavaan's loadings to about 1e-6. ``"fast"`` (``ftol = 1e-8``) stops earlier: enough
        for fit indices read to three decimals, not for comparing loadings.

    Returns
    -------
    CFAResult

    Raises
    ------
    ValueError
        An empty model, an item on two factors or missing from ``data``, a non-numeric item,
        a factor with fewer than two items (three for a one-factor model), more free
        parameters than covariances, too few complete respondents, or an item without
        variance.

    Notes
    -----
    With :math:`S` the covariance matrix (denominator :math:`N`) of the :math:`p` items and
    :math:`\Sigma = \Lambda\Phi\Lambda' + \Theta` the model-implied one,

    .. math::

        F_{ML} = \ln|\Sigma| - \ln|S| + \operatorname{tr}(S\Sigma^{-1}) - p, \qquad
        \chi^2 = N F_{ML},

    the independence model has :math:`\chi^2_0 = N(\sum_i \ln S_{ii} - \ln|S|)` with
    :math:`p(p-1)/2` degrees of freedom, and

    .. math::

        CFI = 1 - \frac{\max(\chi^2 - df, 0)}{\max(\chi^2 - df, \chi^2_0 - df_0, 0)},\quad
        TLI = \frac{\chi^2_0/df_0 - \chi^2/df}{\chi^2_0/df_0 - 1},\quad
        RMSEA = \sqrt{\frac{\max(\chi^2 - df, 0)}{df\,N}},

    .. math::

        SRMR = \sqrt{\frac{2}{p(p+1)} \sum_{i \le j}
        \left(\frac{S_{ij} - \Sigma_{ij}}{\sqrt{S_{ii} S_{jj}}}\right)^2}.

    semopy fixes the first loading of each factor to 1; the solution is rescaled to factor
    variances of 1, which leaves the likelihood unchanged. By default the optimiser runs with a
    tight tolerance (``ftol = 1e-12``), since semopy's default stops about 5e-4 short in the
    loadings. On psych's ``bfi`` data the loadings and residual variances agree with lavaan
    0.6-14 to about 1e-6; with ``tolerance="fast"`` to about 4e-5, while the fit indices stay
    within about 1e-5 of the tight fit's. The tolerance saves only some 10% of the
    iterations; most of the time goes to semopy's objective and gradient, which run with BLAS
    limited to one thread (on a busy machine a second BLAS thread made a six-factor fit
    ten times slower).

    References
    ----------
    Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological
    Bulletin*, 107(2), 238-246.

    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis. *Structural Equation Modeling*, 6(1), 1-55.

    Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for structural
    equation modeling. *Structural Equation Modeling*, 27(6), 952-963.

    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2), 1-36.
    """
    if estimator != "ML":
        raise ValueError(f"estimator must be 'ML', got {estimator!r}")
    if tolerance not in _FTOL:
        raise ValueError(f"tolerance must be 'reference' or 'fast', got {tolerance!r}")
    factors = _validated_model(model, data)
    items = [item for loading_items in factors.values() for item in loading_items]
    for item in items:
        column = data[item]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise ValueError(f"item column {item!r} is not numeric")
    complete = data[items].dropna(how="any").astype(float)
    n = len(complete)
    p = len(items)
    n_free = 2 * p + len(factors) * (len(factors) - 1) // 2
    df = p * (p + 1) // 2 - n_free
    if df < 0:
        raise ValueError(
            f"the model has {n_free} free parameters but the {p} items give only "
            f"{p * (p + 1) // 2} variances and covariances"
        )
    if n <= p:
        raise ValueError(f"need more complete respondents than items: {n} for {p} items")
    variances = complete.var(ddof=0)
    flat = [str(item) for item in variances.index[variances <= 0]]
    if flat:
        raise ValueError(f"items without variance: {', '.join(flat)}")

    lam, theta, phi, converged = _fit_semopy(complete, factors, ftol=_FTOL[tolerance])

    s = np.cov(complete.to_numpy(), rowvar=False, bias=True)
    loading_matrix = np.zeros((p, len(factors)))
    for j, loading_items in enumerate(factors.values()):
        for item in loading_items:
            loading_matrix[items.index(item), j] = lam[item]
    sigma = loading_matrix @ phi @ loading_matrix.T + np.diag([theta[i] for i in items])
    fit = _fit_indices(s, sigma, n=n, df=df)

    implied_sd = np.sqrt(np.diag(sigma))
    lam_s = pd.Series([lam[i] for i in items], index=items, name="loading")
    theta_s = pd.Series([theta[i] for i in items], index=items, name="residual_variance")
    names = list(factors)
    return CFAResult(
        factors=factors,
        loadings=lam_s,
        residual_variances=theta_s,
        std_loadings=(lam_s / implied_sd).rename("std_loading"),
        std_residual_variances=(theta_s / implied_sd**2).rename("std_residual_variance"),
        factor_correlations=pd.DataFrame(phi, index=names, columns=names),
        fit=fit,
        n_used=n,
        converged=converged,
        heywood=bool(
            (theta_s <= 0).any() or np.any(np.abs(phi[~np.eye(len(names), dtype=bool)]) >= 1)
        ),
    )


def _validated_model(
    model: Mapping[str, Sequence[str]], data: pd.DataFrame
) -> dict[str, list[str]]:
    if not model:
        raise ValueError("the model has no factors")
    factors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for factor, items in model.items():
        items = list(items)
        needed = 3 if len(model) == 1 else 2
        if len(items) < needed:
            raise ValueError(
                f"factor {factor!r} needs at least {needed} items to be identified, "
                f"got {len(items)}"
            )
        for item in items:
            if item in seen:
                raise ValueError(
                    f"item {item!r} loads on both {seen[item]!r} and {factor!r}; "
                    "only simple structure is supported"
                )
            if item not in data.columns:
                raise ValueError(f"factor {factor!r}: item {item!r} is not a column of the data")
            seen[item] = factor
        factors[str(factor)] = items
    return factors


def _fit_semopy(
    complete: pd.DataFrame, factors: Mapping[str, list[str]], *, ftol: float
) -> tuple[dict[str, float], dict[str, float], np.ndarray, bool]:
    import semopy  # imported here: it is slow to import and only this function needs it

    # semopy's model syntax breaks on names with spaces or dots, so fit on neutral aliases.
    items = [item for loading_items in factors.values() for item in loading_items]
    alias = {item: f"x{i}" for i, item in enumerate(items)}
    factor_alias = {factor: f"F{j}" for j, factor in enumerate(factors)}
    description = "\n".join(
        f"{factor_alias[factor]} =~ " + " + ".join(alias[i] for i in loading_items)
        for factor, loading_items in factors.items()
    )
    model = semopy.Model(description)
    with warnings.catch_warnings(), _one_blas_thread():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        result = model.fit(
            complete.rename(columns=alias),
            obj="MLW",
            solver="SLSQP",
            options={"ftol": ftol, "maxiter": 10_000},
        )
    # The fitted matrices, read directly: inspect() would also compute standard errors.
    lam_rows, lam_cols = model.names_lambda
    psi_names = model.names_psi[0]
    theta_names = model.names_theta[0]
    lam_mx, psi_mx, theta_mx = model.mx_lambda, model.mx_psi, model.mx_theta

    factor_names = list(factors)
    psi_index = [psi_names.index(factor_alias[f]) for f in factor_names]
    factor_sd = {
        f: math.sqrt(max(float(psi_mx[k, k]), 0.0))
        for f, k in zip(factor_names, psi_index, strict=True)
    }
    lam: dict[str, float] = {}
    theta: dict[str, float] = {}
    for factor, loading_items in factors.items():
        column = lam_cols.index(factor_alias[factor])
        for item in loading_items:
            row = lam_rows.index(alias[item])
            # Rescale from semopy's marker-item identification to factor variance 1.
            lam[item] = float(lam_mx[row, column]) * factor_sd[factor]
            k = theta_names.index(alias[item])
            theta[item] = float(theta_mx[k, k])
    phi = np.eye(len(factor_names))
    for a in range(len(factor_names)):
        for b in range(a + 1, len(factor_names)):
            covariance = float(psi_mx[psi_index[a], psi_index[b]])
            denominator = factor_sd[factor_names[a]] * factor_sd[factor_names[b]]
            phi[a, b] = phi[b, a] = covariance / denominator if denominator else math.nan
    # A loading's sign is arbitrary under std.lv; report the solution whose loadings sum to
    # a positive number per factor, flipping that factor's correlations with it.
    for j, loading_items in enumerate(factors.values()):
        if sum(lam[item] for item in loading_items) < 0:
            for item in loading_items:
                lam[item] = -lam[item]
            phi[j, :] = -phi[j, :]
            phi[:, j] = -phi[:, j]
    return lam, theta, phi, bool(getattr(result, "success", False))


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # Imported here, like semopy (which depends on it through scikit-learn), and made once:
    # finding the loaded BLAS libraries takes a few milliseconds.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread while fitting.

    The matrices are tiny (a few dozen items), so a second BLAS thread gains nothing; on a
    busy machine OpenBLAS's threads wait for each other on every one of the optimiser's
    thousands of small products, which made a six-factor fit take seconds instead of
    tenths of a second.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def _fit_indices(s: np.ndarray, sigma: np.ndarray, *, n: int, df: int) -> FitIndices:
    p = s.shape[0]
    _, logdet_s = np.linalg.slogdet(s)
    sign, logdet_sigma = np.linalg.slogdet(sigma)
    if sign <= 0:
        f_ml = math.nan
    else:
        f_ml = logdet_sigma - logdet_s + float(np.trace(s @ np.linalg.inv(sigma))) - p
    chi2 = max(n * f_ml, 0.0)
    chi2_base = n * (float(np.log(np.diag(s)).sum()) - logdet_s)
    df_base = p * (p - 1) // 2

    excess = max(chi2 - df, 0.0)
    denominator = max(chi2 - df, chi2_base - df_base, 0.0)
    cfi = 1.0 - excess / denominator if denominator > 0 else 1.0
    if df > 0:
        tli = (chi2_base / df_base - chi2 / df) / (chi2_base / df_base - 1.0)
        rmsea = math.sqrt(excess / (df * n))
        p_value = float(stats.chi2.sf(chi2, df))
    else:
        tli, rmsea, p_value = math.nan, 0.0, math.nan
    sd = np.sqrt(np.diag(s))
    standardized = (s - sigma) / np.outer(sd, sd)
    srmr = math.sqrt(float(np.mean(standardized[np.triu_indices(p)] ** 2)))
    return FitIndices(
        chi2=float(chi2),
        df=int(df),
        p_value=float(p_value),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=float(rmsea),
        srmr=float(srmr),
        chi2_baseline=float(chi2_base),
        df_baseline=int(df_base),
    )
