"""Measurement invariance between groups: do two language versions measure the same?

:func:`measurement_invariance` fits a multi-group confirmatory factor analysis (Jöreskog 1971)
at the three classic levels of Meredith (1993), each nested in the one before:

``configural``
    The same simple structure in every group (each item loads on one factor, factors
    correlate freely, residuals are uncorrelated); every parameter is free per group.
``metric`` (weak)
    Loadings equal across groups. When it holds, an item means the same thing in every
    group, so relations (correlations, regressions) of the constructs can be compared.
``scalar`` (strong)
    Loadings and intercepts equal across groups, latent means free in every group but the
    first (fixed to 0 there). When it holds, the items also sit on the same scale, so scale
    means can be compared between the groups.

The estimation follows lavaan's defaults for ``cfa(model, data, group = ...)`` with
``group.equal = "loadings"`` and ``c("loadings", "intercepts")`` (Rosseel 2012): normal-theory
maximum likelihood on complete cases, a mean structure, the first loading of each factor fixed
to 1 (the factor takes that item's unit), residual variances and factor (co)variances free per
group. With :math:`n_g` complete respondents in group :math:`g`, :math:`N = \\sum_g n_g`,
:math:`p` items, :math:`\\bar x_g` and :math:`S_g` the group's means and covariance matrix
(denominator :math:`n_g`), and the model-implied moments

.. math::

    \\Sigma_g = \\Lambda_g \\Phi_g \\Lambda_g' + \\Theta_g, \\qquad
    \\mu_g = \\nu_g + \\Lambda_g \\kappa_g,

the estimates minimise the multi-group ML discrepancy (Bollen 1989, ch. 8)

.. math::

    F = \\sum_g \\frac{n_g}{N} \\Big[\\ln|\\Sigma_g| + \\operatorname{tr}(S_g \\Sigma_g^{-1})
    - \\ln|S_g| - p + (\\bar x_g - \\mu_g)' \\Sigma_g^{-1} (\\bar x_g - \\mu_g)\\Big],
    \\qquad \\chi^2 = N F

(lavaan's ``likelihood = "normal"``: :math:`N`, not :math:`N - 1`). The fit indices use the
independence model with free means and variances per group,
:math:`\\chi^2_0 = \\sum_g n_g (\\sum_i \\ln S_{g,ii} - \\ln|S_g|)` on
:math:`df_0 = G\\,p(p-1)/2`, and lavaan's multi-group conventions:

.. math::

    CFI = 1 - \\frac{\\max(\\chi^2 - df, 0)}{\\max(\\chi^2 - df, \\chi^2_0 - df_0, 0)}, \\quad
    TLI = \\frac{\\chi^2_0/df_0 - \\chi^2/df}{\\chi^2_0/df_0 - 1}, \\quad
    RMSEA = \\sqrt{G}\\,\\sqrt{\\frac{\\max(\\chi^2 - df, 0)}{df\\,N}}

(the :math:`\\sqrt{G}` of Steiger 1998), and SRMR as the :math:`n_g/N`-weighted mean of the
groups' Bentler SRMR *with* the mean residuals:

.. math::

    SRMR_g = \\sqrt{\\frac{\\sum_{i \\le j} r_{ij}^2 + \\sum_i m_i^2}{p(p+1)/2 + p}}, \\quad
    r_{ij} = \\frac{S_{g,ij} - \\Sigma_{g,ij}}{\\sqrt{S_{g,ii} S_{g,jj}}}, \\quad
    m_i = \\frac{\\bar x_{g,i} - \\mu_{g,i}}{\\sqrt{S_{g,ii}}}.

Nested levels are compared with the chi-square difference (likelihood-ratio) test and with
the change in CFI and RMSEA.

Why not semopy: semopy (used by :mod:`trustmirror.analysis.factor`) fits several groups only
one by one (``semopy.multigroup``) and cannot constrain a parameter to be equal across
groups, so the multi-group likelihood above is implemented here with numpy and scipy, with
its analytic gradient and L-BFGS-B. The data are first centred and scaled per item with the
same constants in every group; this changes no fit statistic (each is invariant under such a
rescaling, which keeps equal loadings and intercepts equal) and lets one absolute tolerance
serve every answer scale.

Verdicts
--------
``configural`` holds when the configural model fits acceptably: :math:`CFI \\ge .90`
(Bentler & Bonett 1980) and :math:`RMSEA \\le .10` (above .10 is "poor" in MacCallum,
Browne & Sugawara 1996). It is a precondition, so only a poor fit fails it.
``metric`` (against configural) and ``scalar`` (against metric) hold by Chen's (2007) rule
for samples above 300 with equal-sized groups: :math:`\\Delta CFI \\ge -.010` and
:math:`\\Delta RMSEA \\le .015`. The chi-square difference test (:math:`\\alpha = .05`) is a
second opinion: reported and said to agree or not, but not deciding, because with the
samples this needs it rejects differences too small to matter (Cheung & Rensvold 2002). It
decides only if a change in CFI or RMSEA is undefined. The highest level reached in order is
the verdict. All bounds are settings of :class:`Criteria`.

Every verdict and refusal is a :class:`Message`, a code with parameters that a translation
layer can render; :func:`render` and :func:`describe` give the English text from
:data:`ENGLISH`.

References
----------
Bentler, P. M., & Bonett, D. G. (1980). Significance tests and goodness of fit in the
analysis of covariance structures. *Psychological Bulletin, 88*(3), 588-606.

Bollen, K. A. (1989). *Structural equations with latent variables*. Wiley.

Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
invariance. *Structural Equation Modeling, 14*(3), 464-504.

Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. *Structural Equation Modeling, 9*(2), 233-255.

Jöreskog, K. G. (1971). Simultaneous factor analysis in several populations.
*Psychometrika, 36*(4), 409-426.

MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination
of sample size for covariance structure modeling. *Psychological Methods, 1*(2), 130-149.

Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
*Psychometrika, 58*(4), 525-543.

Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software, 48*(2), 1-36.

Steiger, J. H. (1998). A note on multiple sample extensions of the RMSEA fit index.
*Structural Equation Modeling, 5*(4), 411-419.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from trustmirror.analysis.factor import _one_blas_thread

__all__ = [
    "ENGLISH",
    "LEVELS",
    "MIN_ITEMS_PER_FACTOR",
    "Criteria",
    "InvarianceResult",
    "LevelFit",
    "Message",
    "StepTest",
    "describe",
    "measurement_invariance",
    "render",
    "testable",
]

LEVELS = ("configural", "metric", "scalar")

# A factor with two items is identified only through its covariance with another factor, and
# its metric test would rest on a single loading; one item has no measurement model at all.
MIN_ITEMS_PER_FACTOR = 3

# Largest absolute gradient of F (on the rescaled data) accepted as converged; the
# chi-square is then exact to far below the reported precision.
_GRADIENT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Criteria:
    """The rules that turn fit statistics into verdicts.

    Attributes
    ----------
    delta_cfi : float, default -0.010
        A constrained level holds only if :math:`CFI_{constrained} - CFI_{free}` is at least
        this (Chen 2007).
    delta_rmsea : float, default 0.015
        ... and :math:`RMSEA_{constrained} - RMSEA_{free}` is at most this (Chen 2007).
        Chen proposes -.005 and .010 for a total sample of 300 or less.
    alpha : float, default 0.05
        Level of the chi-square difference test, the second opinion.
    configural_cfi : float, default 0.90
        The configural model fits acceptably only if its CFI is at least this ...
    configural_rmsea : float, default 0.10
        ... and its RMSEA at most this.
    """

    delta_cfi: float = -0.010
    delta_rmsea: float = 0.015
    alpha: float = 0.05
    configural_cfi: float = 0.90
    configural_rmsea: float = 0.10

    def __post_init__(self) -> None:
        if not self.delta_cfi <= 0:
            raise ValueError(f"delta_cfi must be zero or negative, got {self.delta_cfi!r}")
        if not self.delta_rmsea >= 0:
            raise ValueError(f"delta_rmsea must be zero or positive, got {self.delta_rmsea!r}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must lie between 0 and 1, got {self.alpha!r}")
        if not 0 <= self.configural_cfi <= 1:
            raise ValueError(f"configural_cfi must lie in [0, 1], got {self.configural_cfi!r}")
        if not self.configural_rmsea >= 0:
            raise ValueError(
                f"configural_rmsea must be zero or positive, got {self.configural_rmsea!r}"
            )


@dataclass(frozen=True)
class Message:
    """A sentence as data: a code and its parameters, rendered by a translation layer.

    :data:`ENGLISH` holds the English template of every code, with ``%(name)s``-style
    placeholders filled from ``params`` (:func:`render`).

    Attributes
    ----------
    code : str
        What the sentence says, e.g. ``"comparable_scores"`` or ``"refused_group_too_small"``.
    params : dict
        The values it mentions (group labels as str, counts as int, statistics as float).
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelFit:
    """Global fit of one level of the multi-group model (lavaan conventions, ML).

    Attributes
    ----------
    level : {"configural", "metric", "scalar"}
    chisq : float
        :math:`N F_{ML}`, against the saturated model.
    df : int
        :math:`G(p(p+1)/2 + p)` minus ``npar``.
    p_value : float
        Upper tail of chi-square on ``df`` (NaN when ``df == 0``).
    cfi, tli : float
        Against the independence model (TLI is NaN when ``df == 0``).
    rmsea : float
        With lavaan's :math:`\\sqrt{G}` for several groups (0 when ``df == 0``).
    srmr : float
        Bentler's SRMR with mean residuals, averaged over groups with weights :math:`n_g/N`.
    npar : int
        Free parameters (a parameter held equal across groups counts once).
    converged : bool
        Whether the optimiser reached a point where the gradient vanishes.
    improper : bool
        True when a group has a negative residual variance or a factor covariance matrix
        that is not positive semi-definite (a Heywood case): the fit statistics are still
        those of the ML solution, but the model is misspecified or the data too few.
    """

    level: str
    chisq: float
    df: int
    p_value: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    npar: int
    converged: bool
    improper: bool


@dataclass(frozen=True)
class StepTest:
    """Comparison of a level with the less constrained level before it.

    Attributes
    ----------
    level : {"metric", "scalar"}
        The constrained level.
    against : {"configural", "metric"}
        The level it is compared with.
    chisq_diff : float
        Chi-square difference (likelihood-ratio statistic); not below 0.
    df_diff : int
        Difference in degrees of freedom.
    p_value : float
        Upper tail of chi-square on ``df_diff``.
    delta_cfi, delta_rmsea : float
        CFI and RMSEA of ``level`` minus those of ``against``.
    holds : bool or None
        Whether the constraints of ``level`` hold; None when a fit did not converge.
    decided_by : str
        Which rule decided: ``"delta_cfi_and_delta_rmsea"`` (both changes within Chen's
        bounds, or both outside), ``"delta_cfi"`` or ``"delta_rmsea"`` (only that change
        outside its bound), ``"lrt"`` (a change was undefined, so the chi-square difference
        test decided) or ``"not_converged"``.
    lrt_agrees : bool or None
        Whether the chi-square difference test (at ``Criteria.alpha``) reaches the same
        verdict; None when ``holds`` is None.
    """

    level: str
    against: str
    chisq_diff: float
    df_diff: int
    p_value: float
    delta_cfi: float
    delta_rmsea: float
    holds: bool | None
    decided_by: str
    lrt_agrees: bool | None


@dataclass(frozen=True)
class InvarianceResult:
    """Configural, metric and scalar invariance of one model between groups.

    Attributes
    ----------
    level : str or None
        The highest level that holds, in order: ``"scalar"``, ``"metric"``,
        ``"configural"`` or ``"none"``; None when the test was refused or a fit needed for
        the verdict did not converge.
    verdict : Message
        The conclusion (see :data:`ENGLISH` for the codes): ``comparable_scores``,
        ``comparable_relations``, ``not_comparable_metric``, ``not_comparable_configural``,
        ``not_converged``, or a ``refused_*`` code.
    details : tuple of Message
        One sentence per level judged: which rule decided and, for metric and scalar, what
        the chi-square difference test says. Empty when refused.
    refused : bool
        True when nothing was fitted (``verdict`` says why).
    groups : tuple
        Group labels with complete answers, sorted (numeric order for numbers, code-point
        order for strings, category order for a categorical); the first is the reference
        group whose latent means are fixed to 0 in the scalar model.
    n_used : dict
        Complete respondents per group.
    n_dropped : dict
        Respondents per group left out for a missing answer on a model item.
    n_without_group : int
        Rows left out because their group label is missing.
    factors : dict of str to list of str
        The model.
    fits : dict of str to LevelFit
        Per level, in the order of :data:`LEVELS`; empty when refused.
    tests : dict of str to StepTest
        ``"metric"`` (against configural) and ``"scalar"`` (against metric); empty when
        refused.
    criteria : Criteria
        The rules used.
    """

    level: str | None
    verdict: Message
    details: tuple[Message, ...]
    refused: bool
    groups: tuple[Hashable, ...]
    n_used: dict[Hashable, int]
    n_dropped: dict[Hashable, int]
    n_without_group: int
    factors: dict[str, list[str]]
    fits: dict[str, LevelFit]
    tests: dict[str, StepTest]
    criteria: Criteria


# The English text of every message code: whole sentences with %(name)s placeholders, the
# source strings for a translation catalogue.
ENGLISH: Mapping[str, str] = {
    "comparable_scores": (
        "Scores can be compared between the groups: the items measure the same thing on "
        "the same scale (scalar invariance holds)."
    ),
    "comparable_relations": (
        "Relations can be compared, means cannot: the items measure the same thing, but not "
        "on the same scale (metric invariance holds, scalar invariance does not)."
    ),
    "not_comparable_metric": (
        "The groups answer the items differently; do not compare them (metric invariance fails)."
    ),
    "not_comparable_configural": (
        "The groups answer the items differently; do not compare them (the model does not "
        "fit the groups: configural invariance fails)."
    ),
    "not_converged": (
        "No verdict: the %(level)s model could not be fitted (the estimation did not converge)."
    ),
    "refused_too_few_groups": (
        "Not tested: complete answers come from fewer than two groups (%(n_groups)d)."
    ),
    "refused_group_too_small": (
        "Not tested: group %(group)s has %(n)d complete answers; at least %(minimum)d are "
        "needed in every group."
    ),
    "refused_factor_too_few_items": (
        "Not tested: factor %(factor)s has %(n_items)d items; at least %(minimum)d are "
        "needed to test it."
    ),
    "refused_item_without_variance": (
        "Not tested: in group %(group)s everyone gave the same answer to item %(item)s."
    ),
    "refused_singular_covariance": (
        "Not tested: in group %(group)s the answers to some items are exact combinations of "
        "others, so their covariance matrix cannot be inverted."
    ),
    "configural_holds": (
        "Configural invariance holds: the model fits the groups acceptably "
        "(CFI %(cfi).3f, at least %(cfi_min).2f; RMSEA %(rmsea).3f, at most %(rmsea_max).2f)."
    ),
    "configural_fails": (
        "Configural invariance fails: the model does not fit the groups acceptably "
        "(CFI %(cfi).3f, at least %(cfi_min).2f needed; RMSEA %(rmsea).3f, at most "
        "%(rmsea_max).2f allowed)."
    ),
    "metric_holds": (
        "Metric invariance holds by Chen's rule: equal loadings change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed) and RMSEA by %(delta_rmsea).4f "
        "(at most %(rmsea_limit).3f allowed)."
    ),
    "metric_fails_delta_cfi": (
        "Metric invariance fails by Chen's rule on CFI: equal loadings change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed); RMSEA changes by "
        "%(delta_rmsea).4f (at most %(rmsea_limit).3f allowed)."
    ),
    "metric_fails_delta_rmsea": (
        "Metric invariance fails by Chen's rule on RMSEA: equal loadings change RMSEA by "
        "%(delta_rmsea).4f (at most %(rmsea_limit).3f allowed); CFI changes by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed)."
    ),
    "metric_fails_delta_cfi_and_delta_rmsea": (
        "Metric invariance fails by Chen's rule: equal loadings change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed) and RMSEA by %(delta_rmsea).4f "
        "(at most %(rmsea_limit).3f allowed)."
    ),
    "metric_holds_lrt": (
        "Metric invariance holds by the chi-square difference test (CFI or RMSEA is "
        "undefined): chi-square %(chisq_diff).2f on %(df_diff)d df, p = %(p_value).3g."
    ),
    "metric_fails_lrt": (
        "Metric invariance fails by the chi-square difference test (CFI or RMSEA is "
        "undefined): chi-square %(chisq_diff).2f on %(df_diff)d df, p = %(p_value).3g."
    ),
    "scalar_holds": (
        "Scalar invariance holds by Chen's rule: equal intercepts change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed) and RMSEA by %(delta_rmsea).4f "
        "(at most %(rmsea_limit).3f allowed)."
    ),
    "scalar_fails_delta_cfi": (
        "Scalar invariance fails by Chen's rule on CFI: equal intercepts change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed); RMSEA changes by "
        "%(delta_rmsea).4f (at most %(rmsea_limit).3f allowed)."
    ),
    "scalar_fails_delta_rmsea": (
        "Scalar invariance fails by Chen's rule on RMSEA: equal intercepts change RMSEA by "
        "%(delta_rmsea).4f (at most %(rmsea_limit).3f allowed); CFI changes by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed)."
    ),
    "scalar_fails_delta_cfi_and_delta_rmsea": (
        "Scalar invariance fails by Chen's rule: equal intercepts change CFI by "
        "%(delta_cfi).4f (at least %(cfi_limit).3f allowed) and RMSEA by %(delta_rmsea).4f "
        "(at most %(rmsea_limit).3f allowed)."
    ),
    "scalar_holds_lrt": (
        "Scalar invariance holds by the chi-square difference test (CFI or RMSEA is "
        "undefined): chi-square %(chisq_diff).2f on %(df_diff)d df, p = %(p_value).3g."
    ),
    "scalar_fails_lrt": (
        "Scalar invariance fails by the chi-square difference test (CFI or RMSEA is "
        "undefined): chi-square %(chisq_diff).2f on %(df_diff)d df, p = %(p_value).3g."
    ),
    "lrt_agrees": (
        "The chi-square difference test agrees: chi-square %(chisq_diff).2f on %(df_diff)d "
        "df, p = %(p_value).3g."
    ),
    "lrt_disagrees": (
        "The chi-square difference test disagrees: chi-square %(chisq_diff).2f on "
        "%(df_diff)d df, p = %(p_value).3g (it is sensitive to sample size, so Chen's rule "
        "decides)."
    ),
}


def render(message: Message) -> str:
    """The English sentence of one message.

    Parameters
    ----------
    message : Message

    Returns
    -------
    str
    """
    return ENGLISH[message.code] % message.params


def describe(result: InvarianceResult, *, details: bool = False) -> str:
    """The verdict in English, optionally followed by the sentence of every level.

    Parameters
    ----------
    result : InvarianceResult
    details : bool, default False
        Add :attr:`InvarianceResult.details` after the verdict.

    Returns
    -------
    str
    """
    messages = (result.verdict, *result.details) if details else (result.verdict,)
    return " ".join(render(message) for message in messages)


def testable(model: Mapping[str, Sequence[str]]) -> bool:
    """Whether a model can tell the levels apart at all: at least one factor, and not a
    single factor of exactly three items (that fits any answers exactly, with no degrees of
    freedom, so a change in fit from it says nothing). Factors of fewer than
    :data:`MIN_ITEMS_PER_FACTOR` items are refused by :func:`measurement_invariance` itself.
    """
    if not model:
        return False
    return not (len(model) == 1 and sum(len(items) for items in model.values()) == 3)


def measurement_invariance(
    data: pd.DataFrame,
    group: str | pd.Series | Sequence[Hashable],
    model: Mapping[str, Sequence[str]],
    *,
    min_group_size: int = 200,
    criteria: Criteria | None = None,
) -> InvarianceResult:
    """Test configural, metric and scalar invariance of a factor model between groups.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items (numeric); other columns are ignored.
    group : str, pandas.Series or sequence
        The name of the group column in ``data`` (e.g. ``"language"``), or one label per
        row of ``data``, matched by position. Rows without a label are left out.
    model : mapping of str to sequence of str
        Factor name to its items, e.g. ``{"integrity": ["q1", "q2", "q3"]}``. Every item
        loads on one factor; the first item of each factor is its marker (loading 1).
    min_group_size : int, default 200
        Complete respondents needed in every group; with fewer the test is refused
        instead of fitted (fit indices of small samples are too unstable to judge
        invariance by, and Chen's bounds were set for larger samples).
    criteria : Criteria, optional
        Bounds for the verdicts; default :class:`Criteria()` (Chen 2007).

    Returns
    -------
    InvarianceResult
        Fits, tests and verdict; or, with ``refused`` True, only the counts and a verdict
        saying why nothing was fitted: fewer than two groups, a group below
        ``min_group_size``, a factor with fewer than :data:`MIN_ITEMS_PER_FACTOR` items, or
        a group whose item covariance matrix is singular (e.g. an item without variance).

    Raises
    ------
    ValueError
        An empty model, an item on two factors, an item or group column missing from
        ``data``, a non-numeric item, a group of the wrong length, or a bad
        ``min_group_size``.

    Notes
    -----
    Respondents are used when they answered every item of the model (complete cases per
    model, as lavaan does by default); the others are counted in ``n_dropped``. A factor
    needs three items: with two it is identified only through its covariance with another
    factor, so it cannot be tested on its own, and its metric test would rest on a single
    loading. The metric and scalar fits start from the previous level's estimates. The
    module docstring gives the formulas and the verdict rules.

    Examples
    --------
    >>> model = {"integrity": ["q1", "q2", "q3"], "benevolence": ["q4", "q5", "q6"]}
    >>> result = measurement_invariance(answers, "language", model)  # doctest: +SKIP
    >>> result.level, result.verdict.code  # doctest: +SKIP
    ('metric', 'comparable_relations')
    >>> describe(result)  # doctest: +SKIP
    'Relations can be compared, means cannot: the items measure the same thing, ...'
    """
    criteria = Criteria() if criteria is None else criteria
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int | np.integer):
        raise ValueError(f"min_group_size must be an integer, got {min_group_size!r}")
    if min_group_size < 2:
        raise ValueError(f"min_group_size must be at least 2, got {min_group_size!r}")
    factors = _validated_model(model, data)
    items = [item for loading_items in factors.values() for item in loading_items]
    labels = _group_labels(data, group)

    complete = data[items].notna().all(axis=1).to_numpy()
    labelled = labels.notna().to_numpy()
    codes, groups = pd.factorize(labels, sort=True)
    n_used = {
        label: int(np.sum(complete & (codes == k))) for k, label in enumerate(groups.tolist())
    }
    n_dropped = {
        label: int(np.sum(~complete & (codes == k))) for k, label in enumerate(groups.tolist())
    }
    present = tuple(label for label in n_used if n_used[label] > 0)
    counts = {
        "groups": present,
        "n_used": {label: n_used[label] for label in present},
        "n_dropped": {label: n_dropped[label] for label in groups.tolist()},
        "n_without_group": int(np.sum(~labelled)),
        "factors": factors,
        "criteria": criteria,
    }

    refusal = _model_refusal(factors) or _size_refusal(counts["n_used"], min_group_size)
    if refusal is not None:
        return _refused(refusal, counts)

    values = data.loc[complete & labelled, items].to_numpy(dtype=float)
    group_of_row = codes[complete & labelled]
    # Same centring and scaling in every group: fit statistics are unchanged, tolerances
    # become absolute on one scale.
    spread = values.std(axis=0)
    spread[spread == 0] = 1.0
    values = (values - values.mean(axis=0)) / spread
    moments = [
        _Moments.of(values[group_of_row == k])
        for k, label in enumerate(groups.tolist())
        if n_used[label] > 0
    ]
    refusal = _moments_refusal(moments, present, items)
    if refusal is not None:
        return _refused(refusal, counts)

    structure = np.zeros((len(items), len(factors)), dtype=bool)
    for j, loading_items in enumerate(factors.values()):
        for item in loading_items:
            structure[items.index(item), j] = True
    fits: dict[str, LevelFit] = {}
    previous: list[_Matrices] | None = None
    with _one_blas_thread():
        for level in LEVELS:
            fitted, estimates = _fit_level(level, structure, moments, previous)
            fits[level] = fitted
            previous = estimates
    tests = {
        "metric": _step(fits["metric"], fits["configural"], criteria),
        "scalar": _step(fits["scalar"], fits["metric"], criteria),
    }
    reached, verdict, details = _verdict(fits, tests, criteria)
    return InvarianceResult(
        level=reached,
        verdict=verdict,
        details=details,
        refused=False,
        fits=fits,
        tests=tests,
        **counts,
    )


# --- input ---------------------------------------------------------------------------------


def _validated_model(
    model: Mapping[str, Sequence[str]], data: pd.DataFrame
) -> dict[str, list[str]]:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame (respondents x items)")
    if not model:
        raise ValueError("the model has no factors")
    factors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for factor, factor_items in model.items():
        if isinstance(factor_items, str):
            raise ValueError(f"factor {factor!r}: give its items as a list, not a string")
        factor_items = list(factor_items)
        for item in factor_items:
            if item in seen:
                raise ValueError(
                    f"item {item!r} loads on both {seen[item]!r} and {factor!r}; "
                    "only simple structure is supported"
                )
            if item not in data.columns:
                raise ValueError(f"factor {factor!r}: item {item!r} is not a column of the data")
            column = data[item]
            if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                raise ValueError(f"item column {item!r} is not numeric")
            seen[item] = str(factor)
        factors[str(factor)] = factor_items
    return factors


def _group_labels(data: pd.DataFrame, group: str | pd.Series | Sequence[Hashable]) -> pd.Series:
    if isinstance(group, str):
        if group not in data.columns:
            raise ValueError(f"group column {group!r} is not a column of the data")
        return data[group].reset_index(drop=True)
    labels = group if isinstance(group, pd.Series) else pd.Series(list(group))
    if len(labels) != len(data):
        raise ValueError(f"group has {len(labels)} labels for {len(data)} rows of data")
    return labels.reset_index(drop=True)


def _model_refusal(factors: Mapping[str, list[str]]) -> Message | None:
    for factor, factor_items in factors.items():
        if len(factor_items) < MIN_ITEMS_PER_FACTOR:
            return Message(
                "refused_factor_too_few_items",
                {"factor": factor, "n_items": len(factor_items), "minimum": MIN_ITEMS_PER_FACTOR},
            )
    return None


def _size_refusal(n_used: Mapping[Hashable, int], minimum: int) -> Message | None:
    if len(n_used) < 2:
        return Message("refused_too_few_groups", {"n_groups": len(n_used)})
    smallest = min(n_used, key=lambda label: n_used[label])
    if n_used[smallest] < minimum:
        return Message(
            "refused_group_too_small",
            {"group": str(smallest), "n": n_used[smallest], "minimum": minimum},
        )
    return None


def _moments_refusal(
    moments: Sequence[_Moments], groups: Sequence[Hashable], items: Sequence[str]
) -> Message | None:
    for moment, label in zip(moments, groups, strict=True):
        flat = np.flatnonzero(np.diag(moment.cov) <= 1e-12)
        if flat.size:
            return Message(
                "refused_item_without_variance", {"group": str(label), "item": items[flat[0]]}
            )
        if not np.isfinite(moment.logdet):
            return Message("refused_singular_covariance", {"group": str(label)})
    return None


def _refused(refusal: Message, counts: dict[str, Any]) -> InvarianceResult:
    return InvarianceResult(
        level=None, verdict=refusal, details=(), refused=True, fits={}, tests={}, **counts
    )


# --- the multi-group model -------------------------------------------------------------------


@dataclass(frozen=True)
class _Moments:
    """Sufficient statistics of one group: size, means, covariances (denominator n)."""

    n: int
    mean: np.ndarray
    cov: np.ndarray
    logdet: float

    @classmethod
    def of(cls, block: np.ndarray) -> _Moments:
        mean = block.mean(axis=0)
        centred = block - mean
        cov = centred.T @ centred / len(block)
        sign, logdet = np.linalg.slogdet(cov)
        # A covariance matrix that is numerically singular has no usable log-determinant.
        if sign <= 0 or np.linalg.cond(cov) > 1e12:
            logdet = -math.inf
        return cls(n=len(block), mean=mean, cov=cov, logdet=float(logdet))


@dataclass(frozen=True)
class _Matrices:
    """Model matrices of one group."""

    lam: np.ndarray
    phi: np.ndarray
    theta: np.ndarray
    nu: np.ndarray
    kappa: np.ndarray


@dataclass(frozen=True)
class _GroupMap:
    """Where each model matrix element of one group finds its value.

    ``-1`` marks a fixed element (``lam_fixed``'s value for loadings, 0 for latent means);
    any other number is the position of a free parameter, shared by every element (and every
    group) that is held equal to it.
    """

    lam: np.ndarray
    lam_fixed: np.ndarray
    phi: np.ndarray
    theta: np.ndarray
    nu: np.ndarray
    kappa: np.ndarray

    def matrices(self, x: np.ndarray) -> _Matrices:
        return _Matrices(
            lam=np.where(self.lam >= 0, x[self.lam], self.lam_fixed),
            phi=x[self.phi],
            theta=x[self.theta],
            nu=x[self.nu],
            kappa=np.where(self.kappa >= 0, x[self.kappa], 0.0),
        )


def _parameter_maps(
    level: str, structure: np.ndarray, n_groups: int
) -> tuple[list[_GroupMap], int]:
    """Free parameters of a level, lavaan's defaults: markers fixed to 1, ``group.equal``."""
    p, m = structure.shape
    count = 0

    def new() -> int:
        nonlocal count
        count += 1
        return count - 1

    markers = {(int(np.flatnonzero(structure[:, j])[0]), j) for j in range(m)}
    equal_loadings = level in ("metric", "scalar")
    equal_intercepts = level == "scalar"
    shared_lam = {
        (i, j): new()
        for i, j in zip(*np.nonzero(structure), strict=True)
        if equal_loadings and (i, j) not in markers
    }
    shared_nu = [new() for _ in range(p)] if equal_intercepts else None
    maps = []
    for g in range(n_groups):
        lam = np.full((p, m), -1)
        lam_fixed = np.zeros((p, m))
        for i, j in zip(*np.nonzero(structure), strict=True):
            if (i, j) in markers:
                lam_fixed[i, j] = 1.0
            else:
                lam[i, j] = shared_lam[(i, j)] if equal_loadings else new()
        phi = np.full((m, m), -1)
        for a in range(m):
            for b in range(a + 1):
                phi[a, b] = phi[b, a] = new()
        theta = np.array([new() for _ in range(p)])
        nu = np.array(shared_nu) if shared_nu is not None else np.array([new() for _ in range(p)])
        if equal_intercepts and g > 0:
            kappa = np.array([new() for _ in range(m)])
        else:
            kappa = np.full(m, -1)
        maps.append(_GroupMap(lam, lam_fixed, phi, theta, nu, kappa))
    return maps, count


class _Discrepancy:
    """The multi-group ML discrepancy F and its gradient for one level."""

    def __init__(self, maps: list[_GroupMap], npar: int, moments: Sequence[_Moments]) -> None:
        self.maps = maps
        self.npar = npar
        self.moments = moments
        total = sum(moment.n for moment in moments)
        self.weights = [moment.n / total for moment in moments]
        self.p = moments[0].mean.size
        # Per group, the parameter position of every element whose gradient is collected,
        # in the order of _group_gradient's concatenation.
        self.targets = []
        for gmap in maps:
            free_lam = gmap.lam >= 0
            free_kappa = gmap.kappa >= 0
            self.targets.append(
                (
                    free_lam,
                    free_kappa,
                    np.concatenate(
                        [
                            gmap.lam[free_lam],
                            gmap.phi.ravel(),
                            gmap.theta,
                            gmap.nu,
                            gmap.kappa[free_kappa],
                        ]
                    ),
                )
            )

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        total = 0.0
        gradient = np.zeros(self.npar)
        for gmap, moment, weight, (free_lam, free_kappa, target) in zip(
            self.maps, self.moments, self.weights, self.targets, strict=True
        ):
            mx = gmap.matrices(x)
            sigma = mx.lam @ mx.phi @ mx.lam.T + np.diag(mx.theta)
            try:
                chol = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                # Outside the admissible region: a large value sends the line search back.
                return 1e10, np.zeros(self.npar)
            chol_inv = np.linalg.inv(chol)
            sigma_inv = chol_inv.T @ chol_inv
            residual = moment.mean - (mx.nu + mx.lam @ mx.kappa)
            weighted = sigma_inv @ residual
            value = (
                2.0 * float(np.log(np.diag(chol)).sum())
                + float(np.sum(sigma_inv * moment.cov))
                - moment.logdet
                - self.p
                + float(residual @ weighted)
            )
            total += weight * value
            # dF/dSigma and dF/dmu (Bollen 1989, ch. 4 and 8).
            omega = sigma_inv - sigma_inv @ moment.cov @ sigma_inv - np.outer(weighted, weighted)
            d_mu = -2.0 * weighted
            d_lam = 2.0 * omega @ mx.lam @ mx.phi + np.outer(d_mu, mx.kappa)
            d_phi = mx.lam.T @ omega @ mx.lam
            d_kappa = mx.lam.T @ d_mu
            parts = np.concatenate(
                [d_lam[free_lam], d_phi.ravel(), np.diag(omega), d_mu, d_kappa[free_kappa]]
            )
            gradient += weight * np.bincount(target, weights=parts, minlength=self.npar)
        return total, gradient


def _start_values(structure: np.ndarray, moments: Sequence[_Moments]) -> list[_Matrices]:
    """Per-group starting matrices from the sample moments (for the configural fit).

    A loading is the ratio of the item's and the marker's summed covariances with the
    factor's other items (each signed by its covariance with the marker, so that reverse-keyed
    items do not cancel); a factor (co)variance is the least-squares fit of the
    between-item covariances given those loadings; residual variances take what is left
    of each item's variance, at least a tenth of it.
    """
    p, m = structure.shape
    members = [np.flatnonzero(structure[:, j]) for j in range(m)]
    starts = []
    for moment in moments:
        s = moment.cov
        lam = np.zeros((p, m))
        for j, rows in enumerate(members):
            marker = rows[0]
            lam[marker, j] = 1.0
            for i in rows[1:]:
                others = [k for k in rows if k not in (i, marker)]
                # Each other item counts with the sign of its covariance with the marker, so
                # that reverse-keyed items (negative loadings) add up instead of cancelling:
                # with s_ik = l_i l_k phi, both sums carry the same factor phi * sum |l_k|.
                signs = np.sign(s[marker, others]) if others else np.zeros(0)
                denominator = float(signs @ s[marker, others]) if others else 0.0
                ratio = (
                    float(signs @ s[i, others]) / denominator if abs(denominator) > 1e-8 else 1.0
                )
                lam[i, j] = float(np.clip(ratio, -5.0, 5.0))
        phi = np.zeros((m, m))
        for a in range(m):
            for b in range(m):
                products = np.outer(lam[members[a], a], lam[members[b], b])
                block = s[np.ix_(members[a], members[b])]
                if a == b:
                    off = ~np.eye(len(members[a]), dtype=bool)
                    products, block = products[off], block[off]
                denominator = float(np.sum(products**2))
                phi[a, b] = float(np.sum(products * block)) / denominator if denominator else 0.0
        phi = (phi + phi.T) / 2.0
        variances = np.maximum(np.diag(phi), 0.05 * np.array([s[r[0], r[0]] for r in members]))
        sd = np.sqrt(variances)
        correlation = np.clip(phi / np.outer(sd, sd), -0.9, 0.9)
        np.fill_diagonal(correlation, 1.0)
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        correlation = eigenvectors @ np.diag(np.maximum(eigenvalues, 0.05)) @ eigenvectors.T
        d = np.sqrt(np.diag(correlation))
        phi = correlation / np.outer(d, d) * np.outer(sd, sd)
        common = np.diag(lam @ phi @ lam.T)
        theta = np.maximum(np.diag(s) - common, 0.1 * np.diag(s))
        starts.append(
            _Matrices(lam=lam, phi=phi, theta=theta, nu=moment.mean.copy(), kappa=np.zeros(m))
        )
    return starts


def _pack(maps: list[_GroupMap], npar: int, per_group: Sequence[_Matrices]) -> np.ndarray:
    """A parameter vector from per-group matrices, averaging elements held equal."""
    total = np.zeros(npar)
    count = np.zeros(npar)
    for gmap, mx in zip(maps, per_group, strict=True):
        for index, value in (
            (gmap.lam[gmap.lam >= 0], mx.lam[gmap.lam >= 0]),
            (gmap.phi.ravel(), mx.phi.ravel()),
            (gmap.theta, mx.theta),
            (gmap.nu, mx.nu),
            (gmap.kappa[gmap.kappa >= 0], mx.kappa[gmap.kappa >= 0]),
        ):
            np.add.at(total, index, value)
            np.add.at(count, index, 1.0)
    return total / np.maximum(count, 1.0)


def _scalar_starts(previous: Sequence[_Matrices], moments: Sequence[_Moments]) -> list[_Matrices]:
    """Metric estimates, with the reference group's means as intercepts and latent means
    that carry the other groups' mean differences (least squares on the loadings)."""
    nu = moments[0].mean
    starts = []
    for mx, moment in zip(previous, moments, strict=True):
        kappa, *_ = np.linalg.lstsq(mx.lam, moment.mean - nu, rcond=None)
        starts.append(_Matrices(lam=mx.lam, phi=mx.phi, theta=mx.theta, nu=nu, kappa=kappa))
    return starts


def _fit_level(
    level: str,
    structure: np.ndarray,
    moments: Sequence[_Moments],
    previous: list[_Matrices] | None,
) -> tuple[LevelFit, list[_Matrices]]:
    maps, npar = _parameter_maps(level, structure, len(moments))
    if previous is None:
        starts = _start_values(structure, moments)
    elif level == "scalar":
        starts = _scalar_starts(previous, moments)
    else:
        starts = previous
    discrepancy = _Discrepancy(maps, npar, moments)
    x = _pack(maps, npar, starts)
    converged = False
    # L-BFGS-B, restarted from where it stopped; where its line search stalls far from the
    # optimum (it happens from some starting points, two factors of three items each), BFGS
    # from the same point finishes the job.
    for method in ("L-BFGS-B", "L-BFGS-B", "BFGS", "L-BFGS-B", "BFGS"):
        options = (
            {"maxiter": 20_000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-9}
            if method == "L-BFGS-B"
            else {"maxiter": 20_000, "gtol": 1e-9}
        )
        result = optimize.minimize(discrepancy, x, jac=True, method=method, options=options)
        x = result.x
        value, gradient = discrepancy(x)
        converged = value < 1e9 and float(np.max(np.abs(gradient))) < _GRADIENT_TOLERANCE
        if converged:
            break
    estimates = [gmap.matrices(x) for gmap in maps]
    return _level_fit(level, value, npar, moments, estimates, converged), estimates


def _level_fit(
    level: str,
    f_ml: float,
    npar: int,
    moments: Sequence[_Moments],
    estimates: Sequence[_Matrices],
    converged: bool,
) -> LevelFit:
    n_groups = len(moments)
    p = moments[0].mean.size
    n = sum(moment.n for moment in moments)
    df = n_groups * (p * (p + 1) // 2 + p) - npar
    chisq = max(n * f_ml, 0.0)
    chisq_base = sum(
        moment.n * (float(np.log(np.diag(moment.cov)).sum()) - moment.logdet) for moment in moments
    )
    df_base = n_groups * p * (p - 1) // 2
    excess = max(chisq - df, 0.0)
    denominator = max(chisq - df, chisq_base - df_base, 0.0)
    cfi = 1.0 - excess / denominator if denominator > 0 else 1.0
    if df > 0:
        tli = (chisq_base / df_base - chisq / df) / (chisq_base / df_base - 1.0)
        rmsea = math.sqrt(n_groups) * math.sqrt(excess / (df * n))
        p_value = float(stats.chi2.sf(chisq, df))
    else:
        tli, rmsea, p_value = math.nan, 0.0, math.nan
    srmr = 0.0
    improper = False
    upper = np.triu_indices(p)
    for moment, mx in zip(moments, estimates, strict=True):
        sigma = mx.lam @ mx.phi @ mx.lam.T + np.diag(mx.theta)
        mu = mx.nu + mx.lam @ mx.kappa
        sd = np.sqrt(np.diag(moment.cov))
        covariance_residuals = ((moment.cov - sigma) / np.outer(sd, sd))[upper]
        mean_residuals = (moment.mean - mu) / sd
        squares = float(np.sum(covariance_residuals**2) + np.sum(mean_residuals**2))
        srmr += moment.n / n * math.sqrt(squares / (covariance_residuals.size + p))
        improper = improper or bool(
            np.any(mx.theta < 0) or np.min(np.linalg.eigvalsh(mx.phi)) < -1e-10
        )
    return LevelFit(
        level=level,
        chisq=float(chisq),
        df=int(df),
        p_value=float(p_value),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=float(rmsea),
        srmr=float(srmr),
        npar=int(npar),
        converged=bool(converged),
        improper=improper,
    )


# --- verdicts --------------------------------------------------------------------------------


def _step(constrained: LevelFit, free: LevelFit, criteria: Criteria) -> StepTest:
    chisq_diff = max(constrained.chisq - free.chisq, 0.0)
    df_diff = constrained.df - free.df
    p_value = float(stats.chi2.sf(chisq_diff, df_diff)) if df_diff > 0 else math.nan
    delta_cfi = constrained.cfi - free.cfi
    delta_rmsea = constrained.rmsea - free.rmsea
    lrt_holds = not p_value < criteria.alpha
    if not (constrained.converged and free.converged):
        holds, decided_by = None, "not_converged"
    elif math.isnan(delta_cfi) or math.isnan(delta_rmsea):
        holds, decided_by = lrt_holds, "lrt"
    else:
        cfi_ok = delta_cfi >= criteria.delta_cfi
        rmsea_ok = delta_rmsea <= criteria.delta_rmsea
        holds = cfi_ok and rmsea_ok
        if cfi_ok == rmsea_ok:
            decided_by = "delta_cfi_and_delta_rmsea"
        else:
            decided_by = "delta_rmsea" if cfi_ok else "delta_cfi"
    return StepTest(
        level=constrained.level,
        against=free.level,
        chisq_diff=float(chisq_diff),
        df_diff=int(df_diff),
        p_value=p_value,
        delta_cfi=float(delta_cfi),
        delta_rmsea=float(delta_rmsea),
        holds=holds,
        decided_by=decided_by,
        lrt_agrees=None if holds is None else holds == lrt_holds,
    )


def _verdict(
    fits: Mapping[str, LevelFit], tests: Mapping[str, StepTest], criteria: Criteria
) -> tuple[str | None, Message, tuple[Message, ...]]:
    configural = fits["configural"]
    if not configural.converged:
        return None, Message("not_converged", {"level": "configural"}), ()
    fit_params = {
        "cfi": configural.cfi,
        "rmsea": configural.rmsea,
        "cfi_min": criteria.configural_cfi,
        "rmsea_max": criteria.configural_rmsea,
    }
    acceptable = (
        configural.cfi >= criteria.configural_cfi and configural.rmsea <= criteria.configural_rmsea
    )
    details = [Message("configural_holds" if acceptable else "configural_fails", fit_params)]
    if not acceptable:
        return "none", Message("not_comparable_configural"), tuple(details)
    reached = "configural"
    for level in ("metric", "scalar"):
        test = tests[level]
        if test.holds is None:
            return None, Message("not_converged", {"level": level}), tuple(details)
        params = {
            "delta_cfi": test.delta_cfi,
            "delta_rmsea": test.delta_rmsea,
            "cfi_limit": criteria.delta_cfi,
            "rmsea_limit": criteria.delta_rmsea,
            "chisq_diff": test.chisq_diff,
            "df_diff": test.df_diff,
            "p_value": test.p_value,
        }
        if test.decided_by == "lrt":
            code = f"{level}_{'holds' if test.holds else 'fails'}_lrt"
        elif test.holds:
            code = f"{level}_holds"
        else:
            code = f"{level}_fails_{test.decided_by}"
        details.append(Message(code, params))
        if test.decided_by != "lrt":
            details.append(Message("lrt_agrees" if test.lrt_agrees else "lrt_disagrees", params))
        if not test.holds:
            break
        reached = level
    verdict = {
        "configural": "not_comparable_metric",
        "metric": "comparable_relations",
        "scalar": "comparable_scores",
    }[reached]
    return reached, Message(verdict), tuple(details)
