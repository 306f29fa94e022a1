"""The Social Relations Model (SRM) for round-robin ratings: one group or thousands.

In a round-robin design every member of a group rates every other member. The SRM splits a
rating :math:`x_{ij}` of perceiver (actor) :math:`i` about target (partner) :math:`j` into

.. math:: x_{ij} = \\mu + a_i + b_j + g_{ij}

(Warner, Kenny & Stoto 1979; Kenny 1994): the group mean, the actor effect (how *i* rates
others in general), the partner effect (how *j* is rated in general) and the relationship
effect (how *i* rates *j* in particular). The variance components say how much of the
variance in the ratings is due to perceivers, targets and relationships, and the two
covariances measure generalized reciprocity (actor with partner effect of the same
person) and dyadic reciprocity (:math:`g_{ij}` with :math:`g_{ji}`).

The entry point is :func:`fit`. The estimates, their tests and every rule for missing data
and exclusions reproduce TripleR 1.5.4 (Schönbrodt, Back & Schmukle 2012), checked to
1e-9 against ``tests/reference`` (see its README, sections 5.3 to 5.5). They are
implemented here from the published formulas and that description, not from TripleR's
code.

Conventions
-----------
Input
    A long table: one row per ordered pair (perceiver, target) of a group, with one
    rating column (and, for the bivariate form, a second one, ``meta``). A row with
    perceiver == target is a **self rating**: it feeds the ``self``/``enhance`` columns
    and the self correlations, never the SRM components. A missing dyad may be an absent
    row or a row with ``NaN``. Person ids must be unique across groups.

Building each group's matrix (TripleR's rules, README 5.4)
    1. Only persons who occur both as perceiver and as target in the rows present (rows
       with ``NaN`` ratings count) are kept; the others are excluded with the reason
       ``"no_ratings_given"`` (never a perceiver) or ``"no_ratings_received"`` (never a
       target).
    2. The diagonal (self ratings) is removed.
    3. Repeatedly, a person whose row (ratings given) or column (ratings received) has
       fewer than ``min_data`` (default 1) non-missing values is excluded, row and column
       (same two reason codes, the row is tested first).
    4. A group left with 3 members or fewer is excluded (``"too_few_members"``): the
       estimators divide by :math:`n - 2` and by :math:`(n-1)(n-2)/2 - 1`.
    5. With ``na_rm=False`` any remaining missing off-diagonal cell is an error.

    In the bivariate form a person excluded in either variable is excluded from both
    (listwise); the passes of step 3 look at both variables at once.

Missing dyads (README 5.5)
    With ``na_rm=True`` a group with missing off-diagonal cells is imputed iteratively
    (the missing cells *and the diagonal* are filled with the mean of their row mean and
    column mean, until no actor or partner effect moves by more than 0.01 between passes)
    before the effects are estimated; relationship effects of missing cells stay ``NaN``
    and the sums behind the relationship variance and covariance skip them, without any
    correction of their denominators. This is TripleR's procedure, kept exactly, stopping
    rule included (:func:`impute`).

Several groups
    Each group is estimated on its own (the formulas below), then pooled as weighted means
    with weights :math:`n_g - 1`. Standard errors are Lashley & Bond's (1997), pooled as
    :math:`\\sqrt{\\sum w_g^2 \\mathrm{SEVAR}_g} / \\sum w_g` with
    :math:`df = \\sum (n_g - 1)`, or (``se="soremo"``) a weighted one-sample t-test of the
    group estimates across groups (Kenny & La Voie 1984). Groups of equal size are
    stacked into one ``(G, n, n)`` array and estimated together: there is no Python loop
    per group, only one per distinct group size and per imputation pass.

Significance (TripleR's conventions, README 5.4)
    One group: :math:`df = n - 1`; p is one-sided for the three variances and for the
    relationship covariance, two-sided for the actor-partner covariance; all six
    bivariate rows are two-sided. Several groups, Lashley-Bond: p two-sided and halved for
    the variances; bivariate rows one-sided. SOREMO: two-sided, halved for the variances.
    A variance that is not positive has no standard error, t or p; a covariance whose
    variances are not positive neither.

Standardized values
    Variances: share of the sum of the non-negative variances (a negative variance gets
    ``NaN`` and stays out of the sum). Actor-partner covariance: generalized reciprocity
    :math:`s_{ab}/\\sqrt{s_a^2 s_b^2}`; relationship covariance: dyadic reciprocity
    :math:`s_{gg'}/s_g^2`; bivariate rows: correlations; all clamped to [-1, 1]. An actor
    (partner) variance whose standardized value is negative or ``NaN`` (pooled over the
    groups when there are several) leaves every actor (partner) effect ``NaN``
    (TripleR's ``minVar = 0``).

Codes instead of sentences
    Row labels are the component names of :data:`COMPONENTS` and :data:`BIVARIATE`. What
    they mean for a perception and its meta-perception is given as codes
    (:data:`COMPONENT_CODES`, :data:`BIVARIATE_META_CODES`), which the pages translate.

Out of scope
    The latent form with two indicators per construct (TripleR's ``a/b ~ ...``) and
    TripleR's ``RR.style`` other than ``"behavior"``.

References
----------
Warner, R. M., Kenny, D. A., & Stoto, M. (1979). A new round robin analysis of variance
for social interaction data. *Journal of Personality and Social Psychology, 37*(10),
1742-1757.

Kenny, D. A., & La Voie, L. (1984). The social relations model. *Advances in Experimental
Social Psychology, 18*, 141-182.

Kenny, D. A. (1994). *Interpersonal perception: A social relations analysis.* Guilford.

Bond, C. F., Jr., & Lashley, B. R. (1996). Round-robin analysis of social interaction:
Exact and estimated standard errors. *Psychometrika, 61*(2), 303-311.

Lashley, B. R., & Bond, C. F., Jr. (1997). Significance testing for round robin data.
*Psychological Methods, 2*(3), 278-291.

Kwan, V. S. Y., John, O. P., Kenny, D. A., Bond, M. H., & Robins, R. W. (2004).
Reconceptualizing individual differences in self-enhancement bias: An interpersonal
approach. *Psychological Review, 111*(1), 94-110.

Bonito, J. A., & Kenny, D. A. (2010). The measurement of reliability of social relations
components from round-robin designs. *Personal Relationships, 17*(2), 235-251.

Schönbrodt, F. D., Back, M. D., & Schmukle, S. C. (2012). TripleR: An R package for
social relations analyses based on round-robin designs. *Behavior Research Methods,
44*(2), 455-470.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from trustmirror.analysis import srm_se

__all__ = [
    "BIVARIATE",
    "BIVARIATE_META_CODES",
    "COMPONENTS",
    "COMPONENT_CODES",
    "EXCLUSION_REASONS",
    "ImputationTrace",
    "SRMResult",
    "fit",
    "impute",
    "round_robin_effects",
]

# The component rows, in the order of the standard errors' module (one list for both).
COMPONENTS: tuple[str, ...] = srm_se.UNIVARIATE_ORDER
# What each component (its standardized value) means for a perception: perceiver variance,
# target variance, relationship variance, generalized and dyadic reciprocity.
COMPONENT_CODES: tuple[str, ...] = (
    "perceiver_variance",
    "target_variance",
    "relationship_variance",
    "generalized_reciprocity",
    "dyadic_reciprocity",
)
BIVARIATE: tuple[str, ...] = srm_se.BIVARIATE_ORDER
# The six bivariate rows when the first variable is a perception ("I trust <name>") and the
# second its meta-perception ("<name> trusts me"), in the order of BIVARIATE (Kenny 1994).
BIVARIATE_META_CODES: tuple[str, ...] = (
    "perceiver_assumed_reciprocity",
    "generalized_assumed_reciprocity",
    "perceiver_meta_accuracy",
    "generalized_meta_accuracy",
    "dyadic_assumed_reciprocity",
    "dyadic_meta_accuracy",
)
EXCLUSION_REASONS: tuple[str, ...] = (
    "no_ratings_given",
    "no_ratings_received",
    "too_few_members",
)

IMPUTATION_TOLERANCE = 0.01  # TripleR's stopping rule (README 5.5)
IMPUTATION_MAX_PASSES = 100
MIN_GROUP_SIZE = 4  # groups with <= 3 members are excluded

_SE_METHODS = ("lashley-bond", "soremo", None)
SEMethod = Literal["lashley-bond", "soremo"] | None

# Column positions in the (..., 5) component arrays.
_SAA, _SBB, _SCC, _SAB, _SCCS = range(5)
_VARIANCES = np.array([True, True, True, False, False])


# --------------------------------------------------------------------------- core formulas


def _effects_from_means(
    rows: np.ndarray, cols: np.ndarray, grand: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Actor and partner effects from row, column and grand means (Kenny 1994, eq. 8.1-8.2).

    .. math::

        a_i = \\frac{(n-1)^2}{n(n-2)} \\bar x_{i\\cdot} + \\frac{n-1}{n(n-2)} \\bar x_{\\cdot i}
              - \\frac{n-1}{n-2} \\bar x_{\\cdot\\cdot}

    and symmetrically for :math:`b_j`. ``rows``/``cols`` have shape (..., n), ``grand``
    shape (...).
    """
    k1 = (n - 1) ** 2 / (n * (n - 2))
    k2 = (n - 1) / (n * (n - 2))
    k3 = (n - 1) / (n - 2)
    grand = grand[..., None]
    actor = k1 * rows + k2 * cols - k3 * grand
    partner = k1 * cols + k2 * rows - k3 * grand
    return actor, partner


def _nan_effects(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Effects of (G, n, n) matrices from the means of their non-missing cells."""
    n = x.shape[-1]
    observed = ~np.isnan(x)
    filled = np.where(observed, x, 0.0)
    row_n = observed.sum(axis=2)
    col_n = observed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = filled.sum(axis=2) / row_n
        cols = filled.sum(axis=1) / col_n
        grand = filled.sum(axis=(1, 2)) / observed.sum(axis=(1, 2))
    actor, partner = _effects_from_means(rows, cols, grand, n)
    return actor, partner, grand


@dataclass(frozen=True)
class ImputationTrace:
    """Every pass of :func:`impute` on one group (README 5.5).

    ``matrices[k]`` is the matrix after pass ``k + 1`` (diagonal filled), ``actor[k]`` and
    ``partner[k]`` the effects computed on it and ``stress[k]`` the largest change of any
    effect since the previous pass (the first against the effects of the unimputed
    matrix). ``initial_actor``/``initial_partner`` are those first effects.
    """

    iterations: int
    matrices: tuple[np.ndarray, ...]
    actor: tuple[np.ndarray, ...]
    partner: tuple[np.ndarray, ...]
    stress: tuple[float, ...]
    initial_actor: np.ndarray
    initial_partner: np.ndarray
    converged: bool


def _impute_stack(
    x: np.ndarray,
    *,
    tolerance: float = IMPUTATION_TOLERANCE,
    max_passes: int = IMPUTATION_MAX_PASSES,
    trace: bool = False,
) -> tuple[np.ndarray, np.ndarray, list | None]:
    """TripleR's iterative imputation of missing dyads, on a stack of (G, n, n) matrices.

    ``x`` has ``NaN`` on the diagonal and in missing cells. Every such cell is marked and,
    pass after pass, filled with (row mean + column mean) / 2 of the previous matrix (the
    means of the first pass skip the ``NaN``). After each pass the actor and partner
    effects of the full matrix (diagonal included: ``n`` cells per row, ``n^2`` in all) are
    compared with those of the previous pass; a group stops when no effect moved by more
    than ``tolerance``. A group still moving after ``max_passes`` passes keeps the matrix of
    its first pass (TripleR's fallback). Returns the imputed matrices with the diagonal set
    back to ``NaN``, the number of passes per group, and (``trace=True``) per pass the
    matrices, effects and stress of all groups.
    """
    n = x.shape[-1]
    marked = np.isnan(x)
    actor_prev, partner_prev, _ = _nan_effects(x)
    current = x.copy()
    result = x.copy()
    first = None
    passes = np.zeros(x.shape[0], dtype=np.intp)
    active = np.ones(x.shape[0], dtype=bool)
    history: list | None = [] if trace else None
    for step in range(1, max_passes + 1):
        if step == 1:
            observed = ~marked
            filled = np.where(observed, current, 0.0)
            rows = filled.sum(axis=2) / observed.sum(axis=2)
            cols = filled.sum(axis=1) / observed.sum(axis=1)
        else:
            rows = current.mean(axis=2)
            cols = current.mean(axis=1)
        fill = (rows[:, :, None] + cols[:, None, :]) / 2.0
        new = np.where(marked, fill, x)
        if step == 1:
            first = new.copy()
        actor, partner = _effects_from_means(
            new.mean(axis=2), new.mean(axis=1), new.mean(axis=(1, 2)), n
        )
        stress = np.maximum(
            np.abs(actor - actor_prev).max(axis=1), np.abs(partner - partner_prev).max(axis=1)
        )
        if history is not None:
            history.append((new.copy(), actor.copy(), partner.copy(), stress.copy()))
        current = np.where(active[:, None, None], new, current)
        passes[active] = step
        done = active & (stress <= tolerance)
        result[done] = new[done]
        active &= ~done
        if not active.any():
            break
        actor_prev, partner_prev = actor, partner
    if active.any():  # no convergence: TripleR keeps a single pass
        result[active] = first[active]
    result[:, np.arange(n), np.arange(n)] = np.nan
    return result, passes, history


def impute(
    matrix: object,
    *,
    tolerance: float = IMPUTATION_TOLERANCE,
    max_passes: int = IMPUTATION_MAX_PASSES,
) -> tuple[np.ndarray, ImputationTrace]:
    """Impute the missing dyads of one round-robin matrix, as TripleR does (README 5.5).

    Parameters
    ----------
    matrix : array-like, shape (n, n)
        Ratings, row = perceiver, column = target; ``NaN`` marks missing dyads. The
        diagonal is ignored (treated as missing and imputed along).
    tolerance, max_passes : float, int
        Stop when no actor or partner effect changes by more than ``tolerance``; after
        ``max_passes`` passes without that, the first pass is kept.

    Returns
    -------
    (numpy.ndarray, ImputationTrace)
        The imputed matrix (diagonal ``NaN``) and the pass-by-pass record.
    """
    x = np.array(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] < MIN_GROUP_SIZE:
        raise ValueError(f"matrix must be square with at least 4 rows, got shape {x.shape}")
    np.fill_diagonal(x, np.nan)
    result, passes, history = _impute_stack(
        x[None], tolerance=tolerance, max_passes=max_passes, trace=True
    )
    initial_actor, initial_partner, _ = _nan_effects(x[None])
    trace = ImputationTrace(
        iterations=int(passes[0]),
        matrices=tuple(step[0][0] for step in history),
        actor=tuple(step[1][0] for step in history),
        partner=tuple(step[2][0] for step in history),
        stress=tuple(float(step[3][0]) for step in history),
        initial_actor=initial_actor[0],
        initial_partner=initial_partner[0],
        converged=bool(history[-1][3][0] <= tolerance),
    )
    return result[0], trace


@dataclass
class _Estimates:
    """Per-group results of one variable for a stack of groups of size n."""

    actor: np.ndarray  # (G, n)
    partner: np.ndarray  # (G, n)
    grand: np.ndarray  # (G,)
    relationship: np.ndarray  # (G, n, n), NaN on the diagonal and at missing dyads
    components: np.ndarray  # (G, 5)
    passes: np.ndarray  # (G,) imputation passes (0: complete data)
    missing: np.ndarray  # (G,) missing off-diagonal cells


def _estimate_stack(x: np.ndarray) -> _Estimates:
    """Effects and variance components of a (G, n, n) stack (diagonal ``NaN``).

    Relationship effects :math:`g_{ij} = x_{ij} - a_i - b_j - M`; with
    :math:`e_{ij} = (g_{ij} + g_{ji})/2` and :math:`d_{ij} = g_{ij} - g_{ji}` (Warner,
    Kenny & Stoto 1979; Kenny 1994, ch. 8):

    .. math::

        D = \\frac{\\sum_{i \\ne j} e_{ij}^2}{(n-1)(n-2)/2 - 1},\\quad
        E = \\frac{\\sum_{i \\ne j} d_{ij}^2 / 2}{(n-1)(n-2)},\\quad
        s_g^2 = \\frac{D + E}{2},\\quad s_{gg'} = \\frac{D - E}{2}

    .. math::

        s_a^2 = \\frac{\\sum a_i^2}{n-1} - \\frac{(n-1) s_g^2 + s_{gg'}}{n(n-2)},\\quad
        s_{ab} = \\frac{\\sum a_i b_i}{n-1} - \\frac{(n-1) s_{gg'} + s_g^2}{n(n-2)}

    and :math:`s_b^2` like :math:`s_a^2`. Missing dyads are imputed first (:func:`impute`);
    their relationship effects are ``NaN`` and skipped in the sums.
    """
    groups, n, _ = x.shape
    diagonal = np.eye(n, dtype=bool)
    missing_cells = np.isnan(x) & ~diagonal
    missing = missing_cells.sum(axis=(1, 2))
    passes = np.zeros(groups, dtype=np.intp)
    incomplete = missing > 0
    if incomplete.any():
        x = x.copy()
        imputed, used, _ = _impute_stack(x[incomplete])
        x[incomplete] = imputed
        passes[incomplete] = used
    offdiag = n - 1
    filled = np.where(diagonal, 0.0, x)
    rows = filled.sum(axis=2) / offdiag
    cols = filled.sum(axis=1) / offdiag
    grand = filled.sum(axis=(1, 2)) / (n * offdiag)
    actor, partner = _effects_from_means(rows, cols, grand, n)
    relationship = x - actor[:, :, None] - partner[:, None, :] - grand[:, None, None]
    relationship[missing_cells] = np.nan
    relationship[:, diagonal] = np.nan
    components = _components(actor, partner, actor, partner, relationship, relationship, n)
    return _Estimates(actor, partner, grand, relationship, components, passes, missing)


def _relationship_moments(g1: np.ndarray, g2: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Intrapersonal and interpersonal relationship (co)variance of two stacks.

    With ``g1 is g2`` these are the relationship variance and covariance of one variable
    (Warner, Kenny & Stoto 1979); for two variables the cross-products of the symmetric
    and antisymmetric parts give the bivariate ones (Kenny 1994, ch. 8).
    """
    sym1 = (g1 + g1.transpose(0, 2, 1)) / 2.0
    anti1 = g1 - g1.transpose(0, 2, 1)
    if g2 is g1:
        sym2, anti2 = sym1, anti1
    else:
        sym2 = (g2 + g2.transpose(0, 2, 1)) / 2.0
        anti2 = g2 - g2.transpose(0, 2, 1)
    d = np.nansum(sym1 * sym2, axis=(1, 2)) / ((n - 1) * (n - 2) / 2.0 - 1.0)
    e = np.nansum(anti1 * anti2, axis=(1, 2)) / 2.0 / ((n - 1) * (n - 2))
    return (d + e) / 2.0, (d - e) / 2.0


def _components(a1, b1, a2, b2, g1, g2, n: int) -> np.ndarray:
    """(G, 5) univariate or (G, 6) bivariate components (see :func:`_estimate_stack`).

    Univariate (same variable twice): actor variance, partner variance, relationship
    variance, actor-partner covariance, relationship covariance. Bivariate: actor-actor,
    partner-partner, actor-partner, partner-actor, intrapersonal and interpersonal
    relationship covariance, with the same corrections, the intrapersonal covariance
    taking the place of :math:`s_g^2` and the interpersonal one that of :math:`s_{gg'}`.
    """
    intra, inter = _relationship_moments(g1, g2, n)
    same = (n - 1) * intra / (n * (n - 2)) + inter / (n * (n - 2))
    cross = (n - 1) * inter / (n * (n - 2)) + intra / (n * (n - 2))
    aa = (a1 * a2).sum(axis=1) / (n - 1) - same
    bb = (b1 * b2).sum(axis=1) / (n - 1) - same
    ab = (a1 * b2).sum(axis=1) / (n - 1) - cross
    if a1 is a2 and g1 is g2:
        return np.stack([aa, bb, intra, ab, inter], axis=-1)
    ba = (b1 * a2).sum(axis=1) / (n - 1) - cross
    return np.stack([aa, bb, ab, ba, intra, inter], axis=-1)


def round_robin_effects(matrix: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actor, partner and relationship effects of one complete or incomplete matrix.

    A convenience for a single ``(n, n)`` matrix (row = perceiver), with the same
    imputation and formulas as :func:`fit`. Returns ``(actor, partner, relationship)``.
    """
    x = np.array(matrix, dtype=float)
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] < MIN_GROUP_SIZE:
        raise ValueError(f"matrix must be square with at least 4 rows, got shape {x.shape}")
    np.fill_diagonal(x, np.nan)
    estimates = _estimate_stack(x[None])
    return estimates.actor[0], estimates.partner[0], estimates.relationship[0]


# --------------------------------------------------------------------------- standardizing


def _clamp(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -1.0, 1.0)


def _standardize(comp: np.ndarray, *, pooled: bool) -> np.ndarray:
    """Standardized values of (..., 5) univariate components (README 5.4).

    Variances: share of the sum of the non-negative variances, ``NaN`` when negative.
    Actor-partner covariance: :math:`s_{ab}/\\sqrt{s_a^2 s_b^2}` (generalized reciprocity),
    ``NaN`` unless both variances are positive (one group) or non-negative (pooled).
    Relationship covariance: :math:`s_{gg'}/s_g^2` (dyadic reciprocity), ``NaN`` unless
    :math:`s_g^2 > 0` (one group; not gated when pooled). Correlations are clamped.
    """
    variances = comp[..., :3]
    usable = variances >= 0
    total = np.where(usable, variances, 0.0).sum(axis=-1, keepdims=True)
    out = np.full(comp.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[..., :3] = np.where(usable, variances / total, np.nan)
        saa, sbb, scc = comp[..., _SAA], comp[..., _SBB], comp[..., _SCC]
        gen = _clamp(comp[..., _SAB] / np.sqrt(saa * sbb))
        dyad = _clamp(comp[..., _SCCS] / scc)
    if pooled:
        out[..., _SAB] = np.where((saa < 0) | (sbb < 0), np.nan, gen)
        out[..., _SCCS] = dyad
    else:
        out[..., _SAB] = np.where((saa > 0) & (sbb > 0), gen, np.nan)
        out[..., _SCCS] = np.where(scc > 0, dyad, np.nan)
    return out


def _univariate_gate(comp: np.ndarray, *, pooled: bool) -> np.ndarray:
    """True where a univariate row has a standard error, t and p (README 5.4)."""
    saa, sbb, scc = comp[..., _SAA], comp[..., _SBB], comp[..., _SCC]
    gate = np.empty(comp.shape, dtype=bool)
    if pooled:
        gate[..., :3] = comp[..., :3] >= 0
        gate[..., _SAB] = (saa >= 0) & (sbb >= 0)
        gate[..., _SCCS] = True
    else:
        gate[..., :3] = comp[..., :3] > 0
        gate[..., _SAB] = (saa > 0) & (sbb > 0)
        gate[..., _SCCS] = scc > 0
    return gate


def _bivariate_pairs(uni1: np.ndarray, uni2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two variances behind each of the six bivariate rows, shape (..., 6) each."""
    first = np.stack(
        [uni1[..., _SAA], uni1[..., _SBB], uni1[..., _SAA], uni1[..., _SBB]]
        + [uni1[..., _SCC]] * 2,
        axis=-1,
    )
    second = np.stack(
        [uni2[..., _SAA], uni2[..., _SBB], uni2[..., _SBB], uni2[..., _SAA]]
        + [uni2[..., _SCC]] * 2,
        axis=-1,
    )
    return first, second


def _standardize_bivariate(
    biv: np.ndarray, uni1: np.ndarray, uni2: np.ndarray, *, pooled: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Correlations of the six bivariate rows and where they (and their tests) exist."""
    first, second = _bivariate_pairs(uni1, uni2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = _clamp(biv / np.sqrt(first * second))
    gate = (first > 0) & (second > 0)
    if pooled:  # pooled: only rows 1-4 are gated (README 5.4)
        gate[..., 4:] = True
    return np.where(gate, corr, np.nan), gate


def _reliability(comp: np.ndarray, n: np.ndarray | float) -> np.ndarray:
    """Reliability of actor and partner effects (Bonito & Kenny 2010), shape (..., 2).

    .. math:: \\rho_a = \\frac{s_a^2}{s_a^2 + \\frac{(n-1) s_g^2 + s_{gg'}}{n(n-2)}}

    and the same with :math:`s_b^2`; ``NaN`` when the variance is negative.
    """
    noise = ((n - 1) * comp[..., _SCC] + comp[..., _SCCS]) / (n * (n - 2))
    out = np.empty(comp.shape[:-1] + (2,))
    with np.errstate(invalid="ignore", divide="ignore"):
        for position, column in enumerate((_SAA, _SBB)):
            variance = comp[..., column]
            out[..., position] = np.where(variance < 0, np.nan, variance / (variance + noise))
    return out


# --------------------------------------------------------------------------- significance


def _lashley_bond_sevar(
    n: int, uni: np.ndarray, uni2: np.ndarray | None = None, biv: np.ndarray | None = None
) -> np.ndarray:
    """SEVAR from :mod:`trustmirror.analysis.srm_se` (Bond & Lashley 1996)."""

    if biv is None:
        return np.asarray(
            srm_se.univariate_sevar(
                n, uni[..., _SAA], uni[..., _SBB], uni[..., _SAB], uni[..., _SCC], uni[..., _SCCS]
            ),
            dtype=float,
        )
    return np.asarray(srm_se.bivariate_sevar(n, uni, uni2, biv), dtype=float)


def _p_value(t: np.ndarray, df: np.ndarray | float, two_sided: np.ndarray) -> np.ndarray:
    """One-sided :math:`P(T > |t|)`, doubled where ``two_sided``."""
    with np.errstate(invalid="ignore"):
        one = stats.t.sf(np.abs(t), df)
    return np.where(two_sided, 2.0 * one, one)


def _group_tests(
    estimate: np.ndarray, sevar: np.ndarray, gate: np.ndarray, n: np.ndarray, two_sided
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """se, t and p of one group's rows: :math:`t = est/\\sqrt{SEVAR}`, df = n - 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(gate, np.sqrt(sevar), np.nan)
        t = estimate / se
    p = _p_value(t, (n - 1)[:, None], np.asarray(two_sided))
    return se, t, p


def _pooled_lashley_bond(
    estimates: np.ndarray, sevar: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weighted mean (w = n_g - 1), se = sqrt(sum w^2 SEVAR_g) / sum w, df = sum w."""
    w = (n - 1.0)[:, None]
    total = w.sum()
    estimate = (w * estimates).sum(axis=0) / total
    with np.errstate(invalid="ignore"):
        se = np.sqrt((w * w * sevar).sum(axis=0)) / total
    return estimate, se, se * se, float(total)


def _pooled_soremo(
    estimates: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weighted one-sample t-test of the group estimates (Kenny & La Voie 1984).

    Weights :math:`w = n_g - 1`; :math:`V = (\\sum w x^2 \\sum w - (\\sum w x)^2) /
    ((\\sum w)^2 - \\sum w^2)`; se = :math:`\\sqrt{V / G}`, df = G - 1.
    """
    w = (n - 1.0)[:, None]
    sw, sw2 = w.sum(), (w * w).sum()
    swx = (w * estimates).sum(axis=0)
    swxx = (w * estimates * estimates).sum(axis=0)
    variance = (swxx * sw - swx * swx) / (sw * sw - sw2)
    groups = estimates.shape[0]
    with np.errstate(invalid="ignore"):
        se = np.sqrt(variance / groups)
    return swx / sw, se, se * se, float(groups - 1)


# --------------------------------------------------------------------------- input


@dataclass
class _Block:
    """Groups with the same number n of analysed members, stacked."""

    n: int
    groups: np.ndarray  # (G,) group codes
    persons: np.ndarray  # (G, n) person codes
    x: np.ndarray  # (V, G, n, n), NaN on the diagonal and at missing dyads


@dataclass
class _Prepared:
    group_labels: pd.Index
    person_labels: pd.Index
    person_group: np.ndarray  # group code of each person
    blocks: list[_Block]
    self_ratings: np.ndarray  # (V, persons), NaN when absent
    has_self: np.ndarray  # (V,) any self rating present in the data
    raw_group_means: np.ndarray  # (V, groups) mean of all non-missing values in the data
    excluded: pd.DataFrame


def _check_columns(ratings: pd.DataFrame, names: dict[str, object]) -> None:
    for role, name in names.items():
        if name is None:
            continue
        if name not in ratings.columns:
            known = ", ".join(map(repr, ratings.columns))
            raise ValueError(f"column {name!r} ({role}) is not in ratings; columns: {known}")
    used = [name for name in names.values() if name is not None]
    if len(set(used)) != len(used):
        raise ValueError(f"perceiver, target, value, group and meta must differ, got {names}")


def _values(ratings: pd.DataFrame, name: str) -> np.ndarray:
    column = ratings[name]
    if pd.api.types.is_bool_dtype(column) or not (
        pd.api.types.is_numeric_dtype(column) or column.dtype == object
    ):
        raise ValueError(f"column {name!r} must be numeric, got dtype {column.dtype}")
    try:
        values = pd.to_numeric(column, errors="raise")
    except (TypeError, ValueError):
        bad = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        raise ValueError(
            f"column {name!r} must be numeric (NaN for missing); row {bad.index[0]!r} holds "
            f"{bad.iloc[0]!r}"
        ) from None
    values = values.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        row = ratings.index[np.flatnonzero(np.isinf(values))[0]]
        raise ValueError(f"column {name!r} has an infinite value in row {row!r}")
    return values


def _ids(ratings: pd.DataFrame, name: str) -> pd.Series:
    column = ratings[name]
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(f"column {name!r} has a missing id in row {ratings.index[missing][0]!r}")
    return column


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    try:
        codes, labels = pd.factorize(values, sort=True)
    except TypeError:  # mixed types that do not sort: order of appearance
        codes, labels = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(labels)


def _prepare(
    ratings: pd.DataFrame,
    perceiver: str,
    target: str,
    variables: list[str],
    group: str | None,
    *,
    na_rm: bool,
    min_data: int,
) -> _Prepared:
    if not isinstance(ratings, pd.DataFrame):
        raise ValueError(f"ratings must be a pandas DataFrame, got {type(ratings).__name__}")
    roles = {"perceiver": perceiver, "target": target, "value": variables[0], "group": group}
    if len(variables) > 1:
        roles["meta"] = variables[1]
    _check_columns(ratings, roles)
    values = np.stack([_values(ratings, name) for name in variables])
    perceivers, targets = _ids(ratings, perceiver), _ids(ratings, target)
    if group is None:
        group_codes = np.zeros(len(ratings), dtype=np.intp)
        group_labels = pd.Index([1])
    else:
        group_codes, group_labels = _factorize(_ids(ratings, group))
    n_groups = len(group_labels)

    both = pd.concat([perceivers, targets], ignore_index=True)
    person_codes, person_labels = _factorize(both)
    rows = len(ratings)
    p_code, t_code = person_codes[:rows], person_codes[rows:]
    n_persons = len(person_labels)

    # A person belongs to one group.
    membership = np.unique(person_codes.astype(np.int64) * n_groups + np.tile(group_codes, 2))
    pairs = np.stack([membership // n_groups, membership % n_groups], axis=1)
    if len(pairs) != n_persons:
        person = pairs[np.flatnonzero(np.diff(pairs[:, 0]) == 0)[0], 0]
        found = [group_labels[g] for g in pairs[pairs[:, 0] == person, 1]]
        raise ValueError(
            f"person {person_labels[person]!r} appears in more than one group ({found}); "
            "person ids must be unique across groups"
        )
    person_group = np.empty(n_persons, dtype=np.intp)
    person_group[pairs[:, 0]] = pairs[:, 1]

    key = p_code.astype(np.int64) * n_persons + t_code
    duplicated = pd.Series(key).duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = np.flatnonzero(duplicated)[0]
        raise ValueError(
            f"duplicated rows for perceiver {person_labels[p_code[first]]!r} and target "
            f"{person_labels[t_code[first]]!r} (rows {list(ratings.index[key == key[first]])})"
        )

    raw_means = np.empty((len(variables), n_groups))
    for v in range(len(variables)):
        ok = ~np.isnan(values[v])
        counts = np.bincount(group_codes[ok], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            raw_means[v] = (
                np.bincount(group_codes[ok], weights=values[v][ok], minlength=n_groups) / counts
            )

    is_self = p_code == t_code
    self_ratings = np.full((len(variables), n_persons), np.nan)
    self_ratings[:, p_code[is_self]] = values[:, is_self]
    has_self = (~np.isnan(values[:, is_self])).any(axis=1)

    # Step 1: persons who are both perceivers and targets.
    as_perceiver = np.zeros(n_persons, dtype=bool)
    as_target = np.zeros(n_persons, dtype=bool)
    as_perceiver[p_code] = True
    as_target[t_code] = True
    excluded: list[tuple[int, int, str, int]] = []  # (group, person or -1, reason, stage)
    for person in np.flatnonzero(~(as_perceiver & as_target)):
        reason = "no_ratings_given" if not as_perceiver[person] else "no_ratings_received"
        excluded.append((person_group[person], person, reason, 0))
    kept = as_perceiver & as_target

    # Local positions of the kept persons in their group (sorted by person code).
    order = np.lexsort((np.arange(n_persons), person_group))
    order = order[kept[order]]
    size0 = np.bincount(person_group[order], minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(size0)[:-1]])
    local = np.full(n_persons, -1, dtype=np.intp)
    local[order] = np.arange(order.size) - starts[person_group[order]]

    use = kept[p_code] & kept[t_code] & ~is_self
    rg, ri, rj, rv = group_codes[use], local[p_code[use]], local[t_code[use]], values[:, use]

    blocks: list[_Block] = []
    for n0 in np.unique(size0[size0 > 0]):
        bucket = np.flatnonzero(size0 == n0)
        slot = np.full(n_groups, -1, dtype=np.intp)
        slot[bucket] = np.arange(bucket.size)
        sel = slot[rg] >= 0
        x = np.full((len(variables), bucket.size, n0, n0), np.nan)
        x[:, slot[rg[sel]], ri[sel], rj[sel]] = rv[:, sel]
        persons = order[starts[bucket][:, None] + np.arange(n0)]
        valid = np.ones((bucket.size, n0), dtype=bool)
        stage = 0
        # Step 3: drop persons without enough ratings given or received, until none.
        while True:
            stage += 1
            both_valid = valid[:, :, None] & valid[:, None, :]
            observed = ~np.isnan(x) & both_valid[None]
            row_bad = (observed.sum(axis=3) < min_data).any(axis=0) & valid
            col_bad = (observed.sum(axis=2) < min_data).any(axis=0) & valid
            bad = row_bad | col_bad
            if not bad.any():
                break
            for gi, pi in zip(*np.nonzero(bad), strict=True):
                reason = "no_ratings_given" if row_bad[gi, pi] else "no_ratings_received"
                excluded.append((bucket[gi], persons[gi, pi], reason, stage))
            valid &= ~bad
        sizes = valid.sum(axis=1)
        for n in np.unique(sizes):
            sub = np.flatnonzero(sizes == n)
            if n < MIN_GROUP_SIZE:
                excluded.extend((bucket[gi], -1, "too_few_members", stage + 1) for gi in sub)
                continue
            keep = np.sort(np.argsort(~valid[sub], axis=1, kind="stable")[:, :n], axis=1)
            xs = x[:, sub[:, None, None], keep[:, :, None], keep[:, None, :]]
            blocks.append(
                _Block(
                    n=int(n),
                    groups=bucket[sub],
                    persons=np.take_along_axis(persons[sub], keep, axis=1),
                    x=xs,
                )
            )

    table = pd.DataFrame(excluded, columns=["group", "person", "reason", "stage"])
    table = table.sort_values(["group", "stage"], kind="stable").reset_index(drop=True)
    excluded_frame = pd.DataFrame(
        {
            "group": group_labels[table["group"].to_numpy(dtype=np.intp)],
            "person": pd.Series(
                [None if p < 0 else person_labels[p] for p in table["person"].to_numpy(int)],
                dtype=object,
            ),
            "reason": table["reason"].to_numpy(dtype=object),
        }
    )
    if group is None:
        excluded_frame["group"] = None

    if not na_rm:
        for block in blocks:
            holes = np.isnan(block.x).any(axis=0) & ~np.eye(block.n, dtype=bool)
            if holes.any():
                g, i, j = (int(k[0]) for k in np.nonzero(holes))
                where = "" if group is None else f"group {group_labels[block.groups[g]]!r}, "
                count = int(holes.sum())
                raise ValueError(
                    f"missing rating outside the diagonal ({count} in groups of size "
                    f"{block.n}), first at {where}perceiver "
                    f"{person_labels[block.persons[g, i]]!r}, target "
                    f"{person_labels[block.persons[g, j]]!r}; pass na_rm=True to impute "
                    "missing dyads"
                )

    return _Prepared(
        group_labels=group_labels,
        person_labels=person_labels,
        person_group=person_group,
        blocks=blocks,
        self_ratings=self_ratings,
        has_self=has_self,
        raw_group_means=raw_means,
        excluded=excluded_frame,
    )


# --------------------------------------------------------------------------- result


def _component_frame(
    rows: tuple[str, ...],
    estimate: np.ndarray,
    standardized: np.ndarray,
    se: np.ndarray,
    sevar: np.ndarray,
    t: np.ndarray,
    p: np.ndarray,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "estimate": estimate,
            "standardized": standardized,
            "se": se,
            "sevar": sevar,
            "t": t,
            "p": p,
        },
        index=pd.Index(rows, name="component"),
    )
    return frame


@dataclass(frozen=True)
class SRMResult:
    """Result of :func:`fit` for one variable (and, bivariate, its link with ``meta``).

    Attributes
    ----------
    variable : str
        The rating column analysed.
    components : pandas.DataFrame
        Index :data:`COMPONENTS`; columns ``estimate``, ``standardized``, ``se``,
        ``sevar`` (se squared), ``t``, ``p``; pooled over the groups when ``multigroup``.
    df : float
        Degrees of freedom of ``t``: n - 1 (one group), the sum of n_g - 1 (Lashley-Bond,
        several groups) or G - 1 (SOREMO).
    groups : pandas.DataFrame
        Long table, one row per group and component: ``group``, ``component``,
        ``estimate``, ``standardized``, ``se``, ``sevar``, ``t``, ``p``, ``n``. A group's
        ``sevar`` is kept even where its ``se`` is ``NaN`` (non-positive variance).
    group_summary : pandas.DataFrame
        Index group: ``n`` analysed, ``n_missing`` off-diagonal cells missing after the
        exclusions, ``imputation_passes`` (0 with complete data), ``grand_mean``,
        ``reliability_actor``, ``reliability_partner``.
    effects : pandas.DataFrame
        ``group``, ``person``, ``actor``, ``partner`` and, when there are self ratings,
        ``self`` (centered on the group's mean self rating) and ``enhance`` (Kwan et al.
        2004: self - actor - partner).
    relationship_effects : pandas.DataFrame
        ``group``, ``perceiver``, ``target``, ``dyad``, ``relationship``.
    reliability : pandas.Series
        ``actor``, ``partner``: Bonito & Kenny (2010), pooled when ``multigroup``.
    excluded : pandas.DataFrame
        ``group``, ``person`` (``None`` when a whole group is excluded), ``reason`` (one of
        :data:`EXCLUSION_REASONS`), in the order of exclusion.
    group_var : float
        Variance of the group means beyond what the SRM components imply (several groups;
        ``NaN`` for one group).
    self_correlation : pandas.DataFrame or None
        Self rating with actor and partner effect: index ``actor``/``partner``, columns
        ``r``, ``t``, ``df``, ``p`` (partial, controlling for group, with several groups).
    bivariate, bivariate_groups : pandas.DataFrame or None
        With ``meta``: index :data:`BIVARIATE` with the same columns as ``components``
        plus ``code`` (:data:`BIVARIATE_META_CODES`), and the per-group long table.
    meta : SRMResult or None
        With ``meta``: the univariate result of the second variable (same persons).
    """

    variable: str
    multigroup: bool
    se_method: str | None
    components: pd.DataFrame
    df: float
    groups: pd.DataFrame
    group_summary: pd.DataFrame
    effects: pd.DataFrame
    relationship_effects: pd.DataFrame
    reliability: pd.Series
    excluded: pd.DataFrame
    group_var: float
    self_correlation: pd.DataFrame | None
    bivariate: pd.DataFrame | None = None
    bivariate_groups: pd.DataFrame | None = None
    bivariate_df: float | None = None
    meta: SRMResult | None = field(default=None, repr=False)
    self_raw: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_groups(self) -> int:
        return len(self.group_summary)

    def effects_gm(self) -> pd.DataFrame:
        """Effects with the group mean added to actor and partner; ``self`` uncentered.

        The group mean is that of the analysed matrix (imputed dyads included), as in
        TripleR's ``effects_gm``; ``enhance`` is unchanged.
        """
        grand = self.group_summary["grand_mean"]
        if self.multigroup:
            means = grand.reindex(self.effects["group"]).to_numpy()
        else:
            means = np.full(len(self.effects), grand.iloc[0])
        out = self.effects.copy()
        out["actor"] = out["actor"].to_numpy() + means
        out["partner"] = out["partner"].to_numpy() + means
        if self.self_raw is not None:
            out["self"] = self.self_raw
        return out


# --------------------------------------------------------------------------- fit


@dataclass
class _VariableFit:
    """Everything about one variable, per group in group order."""

    groups: np.ndarray  # (G,) group codes, sorted
    n: np.ndarray  # (G,)
    comp: np.ndarray  # (G, 5)
    sevar: np.ndarray  # (G, 5)
    grand: np.ndarray
    passes: np.ndarray
    missing: np.ndarray
    persons: list[np.ndarray]  # per block
    actor: list[np.ndarray]
    partner: list[np.ndarray]
    relationship: list[np.ndarray]
    block_groups: list[np.ndarray]


def fit(
    ratings: pd.DataFrame,
    *,
    perceiver: str = "perceiver",
    target: str = "target",
    value: str = "rating",
    group: str | None = None,
    meta: str | None = None,
    se: SEMethod = "lashley-bond",
    na_rm: bool = True,
    min_data: int = 1,
) -> SRMResult:
    """Fit the Social Relations Model to round-robin ratings in one group or many.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format, one row per ordered pair (see the module docstring).
    perceiver, target, value : str
        Columns with the perceiver id, the target id and the rating.
    group : str or None
        Column with the group id; ``None``: all rows form one group, with the one-group
        tests. With a column, the multi-group rules apply even if a single group is left.
    meta : str or None
        A second rating column for the bivariate form (e.g. the meta-perception "<name>
        trusts me" next to the perception "I trust <name>"): adds ``bivariate`` (assumed
        reciprocity and meta-accuracy) and ``meta``.
    se : {"lashley-bond", "soremo", None}
        Standard errors: Lashley & Bond (1997) (needs
        :mod:`trustmirror.analysis.srm_se`), SOREMO's between-groups t-test (several
        groups only), or none (se, t and p ``NaN``; the fastest).
    na_rm : bool
        Impute missing dyads (TripleR's ``na.rm = TRUE``). ``False``: a missing rating
        outside the diagonal raises ``ValueError``.
    min_data : int
        Fewest ratings a person must give and receive (TripleR's ``minData``), at least 1.

    Returns
    -------
    SRMResult

    Raises
    ------
    ValueError
        For a missing column, non-numeric ratings, a missing id, a person in two groups,
        duplicated (perceiver, target) rows, no group left to analyse, SOREMO with one
        group, or (``na_rm=False``) a missing dyad; the message names the culprit.
    """
    if se not in _SE_METHODS:
        raise ValueError(f"se must be one of {_SE_METHODS}, got {se!r}")
    if isinstance(min_data, bool) or not isinstance(min_data, int | np.integer) or min_data < 1:
        raise ValueError(f"min_data must be an integer >= 1, got {min_data!r}")
    variables = [value] if meta is None else [value, meta]
    prepared = _prepare(
        ratings, perceiver, target, variables, group, na_rm=na_rm, min_data=int(min_data)
    )
    if not prepared.blocks:
        raise ValueError(
            "no group left to analyse: every group has 3 members or fewer after excluding "
            "persons without ratings given or received (see the exclusion rules)"
        )
    multigroup = group is not None
    n_analysed = sum(block.groups.size for block in prepared.blocks)
    if se == "soremo" and (not multigroup or n_analysed < 2):
        raise ValueError("se='soremo' needs several groups: it is a t-test across groups")

    fits = [_fit_variable(prepared, v, se) for v in range(len(variables))]
    results = [
        _result(prepared, fits[v], variables[v], v, multigroup, se) for v in range(len(variables))
    ]
    if meta is None:
        return results[0]
    bivariate, bivariate_groups, bivariate_df = _bivariate(prepared, fits, results, multigroup, se)
    return SRMResult(
        **{
            **{name: getattr(results[0], name) for name in SRMResult.__dataclass_fields__},
            "bivariate": bivariate,
            "bivariate_groups": bivariate_groups,
            "bivariate_df": bivariate_df,
            "meta": results[1],
        }
    )


def _fit_variable(prepared: _Prepared, v: int, se: SEMethod) -> _VariableFit:
    comps, sevars, grands, passes, missing, ns, codes = [], [], [], [], [], [], []
    persons, actors, partners, relationships, block_groups = [], [], [], [], []
    for block in prepared.blocks:
        est = _estimate_stack(block.x[v])
        comps.append(est.components)
        if se == "lashley-bond":
            sevars.append(_lashley_bond_sevar(block.n, est.components))
        else:
            sevars.append(np.full(est.components.shape, np.nan))
        grands.append(est.grand)
        passes.append(est.passes)
        missing.append(est.missing)
        ns.append(np.full(block.groups.size, block.n))
        codes.append(block.groups)
        persons.append(block.persons)
        actors.append(est.actor)
        partners.append(est.partner)
        relationships.append(est.relationship)
        block_groups.append(block.groups)
    codes_all = np.concatenate(codes)
    order = np.argsort(codes_all, kind="stable")
    return _VariableFit(
        groups=codes_all[order],
        n=np.concatenate(ns)[order],
        comp=np.concatenate(comps)[order],
        sevar=np.concatenate(sevars)[order],
        grand=np.concatenate(grands)[order],
        passes=np.concatenate(passes)[order],
        missing=np.concatenate(missing)[order],
        persons=persons,
        actor=actors,
        partner=partners,
        relationship=relationships,
        block_groups=block_groups,
    )


_UNIVARIATE_TWO_SIDED = np.array([False, False, False, True, False])


def _result(
    prepared: _Prepared, fitted: _VariableFit, name: str, v: int, multigroup: bool, se: SEMethod
) -> SRMResult:
    labels = prepared.group_labels[fitted.groups]
    n = fitted.n.astype(float)
    comp = fitted.comp
    # Per group: the one-group rules.
    g_std = _standardize(comp, pooled=False)
    g_gate = _univariate_gate(comp, pooled=False)
    g_se, g_t, g_p = _group_tests(comp, fitted.sevar, g_gate, n, _UNIVARIATE_TWO_SIDED)
    g_rel = _reliability(comp, n)
    groups_table = pd.DataFrame(
        {
            "group": np.repeat(labels.to_numpy(), 5) if multigroup else None,
            "component": np.tile(np.array(COMPONENTS, dtype=object), len(labels)),
            "estimate": comp.ravel(),
            "standardized": g_std.ravel(),
            "se": g_se.ravel(),
            "sevar": fitted.sevar.ravel(),
            "t": g_t.ravel(),
            "p": g_p.ravel(),
            "n": np.repeat(fitted.n, 5),
        }
    )
    summary = pd.DataFrame(
        {
            "n": fitted.n,
            "n_missing": fitted.missing,
            "imputation_passes": fitted.passes,
            "grand_mean": fitted.grand,
            "reliability_actor": g_rel[:, 0],
            "reliability_partner": g_rel[:, 1],
        },
        index=pd.Index(labels, name="group"),
    )

    if multigroup:
        w = n - 1.0
        pooled = (w[:, None] * comp).sum(axis=0) / w.sum()
        std = _standardize(pooled, pooled=True)
        gate = _univariate_gate(pooled, pooled=True)
        if se == "soremo":
            estimate, se_, sevar, df = _pooled_soremo(comp, n)
        elif se == "lashley-bond":
            estimate, se_, sevar, df = _pooled_lashley_bond(comp, fitted.sevar, n)
        else:
            estimate, se_, sevar, df = pooled, np.full(5, np.nan), np.full(5, np.nan), w.sum()
        se_ = np.where(gate, se_, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = estimate / se_
        p = 2.0 * stats.t.sf(np.abs(t), df)
        p = np.where(_VARIANCES, p / 2.0, p)
        components = _component_frame(
            COMPONENTS, estimate, std, se_, np.where(gate, sevar, np.nan), t, p
        )
        mean_n = float(n.mean())
        reliability = _reliability(pooled, mean_n)
        group_var = _group_var(prepared.raw_group_means[v], pooled, mean_n)
    else:
        std = g_std[0]
        components = _component_frame(
            COMPONENTS, comp[0], std, g_se[0], fitted.sevar[0], g_t[0], g_p[0]
        )
        df = float(n[0] - 1)
        reliability = g_rel[0]
        group_var = np.nan

    effects, relationship = _effects_tables(prepared, fitted, v, std, multigroup)
    self_raw = None
    if "self" in effects:
        codes = prepared.person_labels.get_indexer(effects["person"])
        self_raw = prepared.self_ratings[v][codes]
    self_corr = _self_correlation(effects, multigroup) if "self" in effects else None
    return SRMResult(
        variable=name,
        multigroup=multigroup,
        se_method=se,
        components=components,
        df=float(df),
        groups=groups_table,
        group_summary=summary,
        effects=effects,
        relationship_effects=relationship,
        reliability=pd.Series(reliability, index=["actor", "partner"], name="reliability"),
        excluded=prepared.excluded,
        group_var=float(group_var),
        self_correlation=self_corr,
        self_raw=self_raw,
    )


def _group_var(raw_means: np.ndarray, pooled: np.ndarray, n: float) -> float:
    """Variance of the group means minus what the SRM components imply (Kenny 1994).

    .. math::

        \\mathrm{var}(\\bar x_g) - \\left(\\frac{s_a^2 + s_b^2 + 2 s_{ab}}{n}
        + \\frac{s_g^2 + s_{gg'}}{n(n-1)}\\right)

    with the pooled components and the mean group size. As in TripleR the group means
    are those of every non-missing rating in the data (self ratings, excluded persons and
    excluded groups included).
    """
    means = raw_means[~np.isnan(raw_means)]
    if means.size < 2:
        return np.nan
    expected = (pooled[_SAA] + pooled[_SBB] + 2 * pooled[_SAB]) / n + (
        pooled[_SCC] + pooled[_SCCS]
    ) / (n * (n - 1))
    return float(np.var(means, ddof=1) - expected)


def _effects_tables(
    prepared: _Prepared, fitted: _VariableFit, v: int, std: np.ndarray, multigroup: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-person and per-dyad effects, in group then person order."""
    drop_actor = not (std[_SAA] >= 0)  # TripleR's minVar = 0: NaN or negative
    drop_partner = not (std[_SBB] >= 0)
    person = np.concatenate([p.ravel() for p in fitted.persons])
    actor = np.concatenate([a.ravel() for a in fitted.actor])
    partner = np.concatenate([b.ravel() for b in fitted.partner])
    if drop_actor:
        actor = np.full_like(actor, np.nan)
    if drop_partner:
        partner = np.full_like(partner, np.nan)
    group = prepared.person_group[person]
    order = np.lexsort((person, group))
    person, group, actor, partner = person[order], group[order], actor[order], partner[order]
    effects = pd.DataFrame(
        {
            "group": prepared.group_labels[group] if multigroup else None,
            "person": prepared.person_labels[person],
            "actor": actor,
            "partner": partner,
        }
    )
    if prepared.has_self[v]:
        raw = prepared.self_ratings[v][person]
        ok = ~np.isnan(raw)
        counts = np.bincount(group[ok], minlength=len(prepared.group_labels))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(group[ok], weights=raw[ok], minlength=counts.size) / counts
        centered = raw - mean[group]
        effects["self"] = centered
        effects["enhance"] = centered - actor - partner

    perceivers, targets, rel_values, rel_groups = [], [], [], []
    for persons, rel, codes in zip(
        fitted.persons, fitted.relationship, fitted.block_groups, strict=True
    ):
        count, n = persons.shape
        off = ~np.eye(n, dtype=bool)
        perceivers.append(np.broadcast_to(persons[:, :, None], (count, n, n))[:, off].ravel())
        targets.append(np.broadcast_to(persons[:, None, :], (count, n, n))[:, off].ravel())
        rel_values.append(rel[:, off].ravel())
        rel_groups.append(np.repeat(codes, n * (n - 1)))
    pc, tc = np.concatenate(perceivers), np.concatenate(targets)
    gc, rv = np.concatenate(rel_groups), np.concatenate(rel_values)
    order = np.lexsort((tc, pc, gc))
    pc, tc, gc, rv = pc[order], tc[order], gc[order], rv[order]
    relationship = pd.DataFrame(
        {
            "group": prepared.group_labels[gc] if multigroup else None,
            "perceiver": prepared.person_labels[pc],
            "target": prepared.person_labels[tc],
            "dyad": _dyad_labels(prepared, gc, pc, tc, multigroup),
            "relationship": rv,
        }
    )
    return effects, relationship


def _dyad_labels(
    prepared: _Prepared, gc: np.ndarray, pc: np.ndarray, tc: np.ndarray, multigroup: bool
) -> np.ndarray:
    """TripleR's display label ``<group>_<k>`` of each dyad (README 5.4).

    The persons of a group are put in the string order of their ids; k numbers the pairs
    (i < j) of that order row by row, (1, 2), (1, 3), ..., (2, 3), ..., zero-padded to the
    number of digits of the group size n. The group is ``1`` for a single-group fit.
    """
    persons = np.unique(np.concatenate([pc, tc]))
    strings = pd.Series(np.asarray(prepared.person_labels[persons].astype(str)))
    position = np.empty(len(prepared.person_labels), dtype=np.intp)
    position[persons] = (
        strings.groupby(prepared.person_group[persons]).rank(method="first").to_numpy(int) - 1
    )
    n = np.bincount(prepared.person_group[persons], minlength=len(prepared.group_labels))[gc]
    low = np.minimum(position[pc], position[tc])
    high = np.maximum(position[pc], position[tc])
    k = low * n - low * (low + 1) // 2 + (high - low)
    width = np.char.str_len(n.astype(str))
    numbers = np.char.zfill(k.astype(str), width)
    if multigroup:
        group_strings = np.asarray(prepared.group_labels.astype(str))[gc]
    else:
        group_strings = np.full(gc.size, "1")
    return np.char.add(np.char.add(group_strings, "_"), numbers).astype(object)


def _self_correlation(effects: pd.DataFrame, multigroup: bool) -> pd.DataFrame:
    """Correlation of the centered self rating with the actor and the partner effect.

    One group: Pearson's r with :math:`t = r\\sqrt{df/(1-r^2)}`, df = m - 2 (m complete
    pairs), p two-sided. Several groups: both variables are centered on their group means
    (the residuals of a regression on the group factor), df = m - 2 - (G - 1).
    """
    rows = {}
    for effect in ("actor", "partner"):
        x = effects["self"].to_numpy(dtype=float)
        y = effects[effect].to_numpy(dtype=float)
        ok = ~np.isnan(x) & ~np.isnan(y)
        x, y = x[ok], y[ok]
        if multigroup:
            codes, _ = pd.factorize(effects["group"][ok])
            counts = np.bincount(codes)
            x = x - (np.bincount(codes, weights=x) / counts)[codes]
            y = y - (np.bincount(codes, weights=y) / counts)[codes]
            df = x.size - 2 - (counts.size - 1)
        else:
            x, y = x - x.mean() if x.size else x, y - y.mean() if y.size else y
            df = x.size - 2
        with np.errstate(invalid="ignore", divide="ignore"):
            r = float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))
            r = float(np.clip(r, -1.0, 1.0))
            t = r * np.sqrt(df / (1 - r * r)) if df > 0 else np.nan
        p = float(2 * stats.t.sf(abs(t), df)) if df > 0 else np.nan
        rows[effect] = {"r": r, "t": float(t), "df": float(df), "p": p}
    return pd.DataFrame.from_dict(rows, orient="index")


def _bivariate(
    prepared: _Prepared,
    fits: list[_VariableFit],
    results: list[SRMResult],
    multigroup: bool,
    se: SEMethod,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    first, second = fits
    biv_blocks, codes = [], []
    sevar_blocks = []
    positions = np.searchsorted(first.groups, np.concatenate(first.block_groups))
    start = 0
    for b, block in enumerate(prepared.blocks):
        n = block.n
        biv = _components(
            first.actor[b],
            first.partner[b],
            second.actor[b],
            second.partner[b],
            first.relationship[b],
            second.relationship[b],
            n,
        )
        biv_blocks.append(biv)
        codes.append(block.groups)
        if se == "lashley-bond":
            where = positions[start : start + block.groups.size]
            sevar_blocks.append(_lashley_bond_sevar(n, first.comp[where], second.comp[where], biv))
        else:
            sevar_blocks.append(np.full(biv.shape, np.nan))
        start += block.groups.size
    order = np.argsort(np.concatenate(codes), kind="stable")
    biv = np.concatenate(biv_blocks)[order]
    sevar = np.concatenate(sevar_blocks)[order]
    n = first.n.astype(float)
    g_std, g_gate = _standardize_bivariate(biv, first.comp, second.comp, pooled=False)
    g_se, g_t, g_p = _group_tests(biv, sevar, g_gate, n, np.ones(6, dtype=bool))
    labels = prepared.group_labels[first.groups]
    groups_table = pd.DataFrame(
        {
            "group": np.repeat(labels.to_numpy(), 6) if multigroup else None,
            "component": np.tile(np.array(BIVARIATE, dtype=object), len(labels)),
            "code": np.tile(np.array(BIVARIATE_META_CODES, dtype=object), len(labels)),
            "estimate": biv.ravel(),
            "standardized": g_std.ravel(),
            "se": g_se.ravel(),
            "sevar": sevar.ravel(),
            "t": g_t.ravel(),
            "p": g_p.ravel(),
            "n": np.repeat(first.n, 6),
        }
    )
    if multigroup:
        w = n - 1.0
        pooled = (w[:, None] * biv).sum(axis=0) / w.sum()
        uni1 = results[0].components["estimate"].to_numpy()
        uni2 = results[1].components["estimate"].to_numpy()
        # judged on the pooled univariate estimates (weighted means, not SOREMO's)
        uni1 = (w[:, None] * first.comp).sum(axis=0) / w.sum() if se == "soremo" else uni1
        uni2 = (w[:, None] * second.comp).sum(axis=0) / w.sum() if se == "soremo" else uni2
        std, gate = _standardize_bivariate(pooled, uni1, uni2, pooled=True)
        if se == "soremo":
            estimate, se_, sv, df = _pooled_soremo(biv, n)
            two_sided = True
        elif se == "lashley-bond":
            estimate, se_, sv, df = _pooled_lashley_bond(biv, sevar, n)
            two_sided = False
        else:
            estimate, se_, sv, df = pooled, np.full(6, np.nan), np.full(6, np.nan), w.sum()
            two_sided = False
        se_ = np.where(gate, se_, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = estimate / se_
        p = _p_value(t, df, np.full(6, two_sided))
        table = _component_frame(BIVARIATE, estimate, std, se_, np.where(gate, sv, np.nan), t, p)
    else:
        table = _component_frame(BIVARIATE, biv[0], g_std[0], g_se[0], sevar[0], g_t[0], g_p[0])
        df = float(n[0] - 1)
    table["code"] = BIVARIATE_META_CODES
    return table, groups_table, float(df)
