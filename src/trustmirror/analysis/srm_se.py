r"""Lashley-Bond standard errors of the Social Relations Model's variance components.

The sampling variances (``SEVAR``, the squared standard errors) of the round-robin ANOVA
estimates of the Social Relations Model (SRM; Warner, Kenny & Stoto 1979; Kenny 1994) for
one round-robin group of :math:`n` persons, univariate (five components) and bivariate (six
covariances between two variables). Pure numpy and vectorised: every argument broadcasts,
so thousands of groups are computed at once. Multi-group pooling (Lashley & Bond 1997:
:math:`se = \sqrt{\sum_g w_g^2 \mathrm{SEVAR}_g} / \sum_g w_g`, :math:`w_g = n_g - 1`) is
left to the caller.

The result depends only on :math:`n` and the estimates. With missing dyads the estimates
come from the imputed matrix, and the same formula is used with the complete-data degrees
of freedom (no correction for the missing dyads), as in TripleR (see
``tests/reference/README.md``, 5.4). No further inputs are needed.

Model and mean squares
----------------------
:math:`x_{ij} = \mu + a_i + b_j + g_{ij}` (:math:`i \ne j`), with person effects
:math:`(a_i, b_i)` i.i.d. normal (variances :math:`\sigma_a^2, \sigma_b^2`, covariance
:math:`\sigma_{ab}`) and dyadic pairs :math:`(g_{ij}, g_{ji})` i.i.d. normal (variance
:math:`\sigma_g^2`, covariance :math:`\sigma_{gg'}`). With the estimated actor and
partner effects :math:`\hat a_i, \hat b_i`, relationship effects :math:`\hat g_{ij}`,
:math:`e_{ij} = (\hat g_{ij} + \hat g_{ji})/2` and :math:`d_{ij} = \hat g_{ij} - \hat g_{ji}`:

.. math::

    A = \frac{\sum_i \hat a_i^2}{\nu},\quad B = \frac{\sum_i \hat b_i^2}{\nu},\quad
    C = \frac{\sum_i \hat a_i \hat b_i}{\nu},\quad \nu = n - 1,

    D = \frac{\sum_{i \ne j} e_{ij}^2}{f_D},\quad f_D = \frac{(n-1)(n-2)}{2} - 1,\qquad
    E = \frac{\sum_{i \ne j} d_{ij}^2 / 2}{2 f_E},\quad f_E = \frac{(n-1)(n-2)}{2}.

The estimators are (with :math:`k = (n-1)/(n(n-2))`, :math:`l = 1/(n(n-2))`)

.. math::

    \hat\sigma_g^2 = \tfrac12 (D + E),\qquad \hat\sigma_{gg'} = \tfrac12 (D - E),

    \hat\sigma_a^2 = A - k\hat\sigma_g^2 - l\hat\sigma_{gg'}
                   = A - \frac{D}{2(n-2)} - \frac{E}{2n},\qquad
    \hat\sigma_b^2 = B - \frac{D}{2(n-2)} - \frac{E}{2n},

    \hat\sigma_{ab} = C - k\hat\sigma_{gg'} - l\hat\sigma_g^2
                    = C - \frac{D}{2(n-2)} + \frac{E}{2n},

so :math:`A, B, C, D, E` are recovered from the estimates by inverting these relations.

Sampling distribution (normal SRM, complete round robin)
--------------------------------------------------------
The decomposition of the :math:`n(n-1)` observations into grand mean (1 df), person effects
(:math:`2\nu` df), symmetric (:math:`f_D`) and antisymmetric (:math:`f_E`) relationship
parts is orthogonal, and the covariance of the data commutes with the projections
(permutations of persons and transposition), so the three parts are independent and

.. math::

    \nu \begin{pmatrix} A & C \\ C & B \end{pmatrix}
        \sim W_2\!\left(\nu, \begin{pmatrix}\alpha & \gamma \\ \gamma & \beta\end{pmatrix}
        \right),\qquad
    \frac{f_D D}{\delta} \sim \chi^2_{f_D},\qquad \frac{f_E E}{\varepsilon} \sim \chi^2_{f_E},

with :math:`\alpha = E[A] = \sigma_a^2 + k\sigma_g^2 + l\sigma_{gg'}`, :math:`\beta = E[B]`
likewise, :math:`\gamma = E[C] = \sigma_{ab} + k\sigma_{gg'} + l\sigma_g^2`,
:math:`\delta = E[D] = \sigma_g^2 + \sigma_{gg'}` and
:math:`\varepsilon = E[E] = \sigma_g^2 - \sigma_{gg'}`. For a Wishart mean-square matrix
:math:`S` on :math:`f` df with :math:`E[S] = \Sigma`,
:math:`\mathrm{Var}(S_{ij}) = (\Sigma_{ii}\Sigma_{jj} + \Sigma_{ij}^2)/f`. Hence the exact
sampling variances (Bond & Lashley 1996) are

.. math::

    \mathrm{Var}(\hat\sigma_a^2) = \frac{2\alpha^2}{\nu} + R,\quad
    \mathrm{Var}(\hat\sigma_b^2) = \frac{2\beta^2}{\nu} + R,\quad
    \mathrm{Var}(\hat\sigma_{ab}) = \frac{\alpha\beta + \gamma^2}{\nu} + R,

    \mathrm{Var}(\hat\sigma_g^2) = \mathrm{Var}(\hat\sigma_{gg'})
        = \frac14\left(\frac{2\delta^2}{f_D} + \frac{2\varepsilon^2}{f_E}\right),\qquad
    R = \frac{2\delta^2/f_D}{4(n-2)^2} + \frac{2\varepsilon^2/f_E}{4n^2}.

Estimated sampling variances (what this module returns)
-------------------------------------------------------
Each product of population moments is replaced by its *unbiased* estimate from the mean
squares, so that ``SEVAR`` is an unbiased estimator of the exact sampling variance. From
:math:`E[S_{ii}S_{jj}] = \Sigma_{ii}\Sigma_{jj} + 2\Sigma_{ij}^2/f` and
:math:`E[S_{ij}^2] = \Sigma_{ij}^2 + (\Sigma_{ii}\Sigma_{jj} + \Sigma_{ij}^2)/f`:

.. math::

    \widehat{V}_f(S_{ii}, S_{jj}, S_{ij})
        = \frac{f\, S_{ii} S_{jj} + (f - 2)\, S_{ij}^2}{(f + 2)(f - 1)}
        \quad\text{estimates}\quad \frac{\Sigma_{ii}\Sigma_{jj} + \Sigma_{ij}^2}{f},
    \qquad \widehat{V}_f(S, S, S) = \frac{2 S^2}{f + 2}.

So, univariate, with :math:`\hat R = \widehat V_{f_D}(D,D,D)/(4(n-2)^2) +
\widehat V_{f_E}(E,E,E)/(4n^2)`:

.. math::

    \mathrm{SEVAR}(\hat\sigma_a^2) = \frac{2A^2}{\nu + 2} + \hat R,\quad
    \mathrm{SEVAR}(\hat\sigma_b^2) = \frac{2B^2}{\nu + 2} + \hat R,\quad
    \mathrm{SEVAR}(\hat\sigma_{ab}) = \frac{\nu AB + (\nu - 2) C^2}{(\nu + 2)(\nu - 1)}
        + \hat R,

    \mathrm{SEVAR}(\hat\sigma_g^2) = \mathrm{SEVAR}(\hat\sigma_{gg'})
        = \frac14\left(\frac{2D^2}{f_D + 2} + \frac{2E^2}{f_E + 2}\right).

Bivariate (variables 1 and 2; Kenny 1994, ch. 12): the cross mean squares
:math:`A_{12} = \sum \hat a_{1i}\hat a_{2i}/\nu`, :math:`B_{12}`,
:math:`C_{12} = \sum \hat a_{1i}\hat b_{2i}/\nu`, :math:`C_{21}`,
:math:`D_{12} = \sum e_{1ij}e_{2ij}/f_D`, :math:`E_{12} = \sum d_{1ij}d_{2ij}/(4 f_E)`
give the intrapersonal relationship covariance :math:`(D_{12}+E_{12})/2`, the
interpersonal one :math:`(D_{12}-E_{12})/2`, and the person-level covariances with the
same bias corrections as above (intrapersonal in place of :math:`\sigma_g^2`,
interpersonal in place of :math:`\sigma_{gg'}`), e.g.
:math:`\hat\sigma_{a_1a_2} = A_{12} - D_{12}/(2(n-2)) - E_{12}/(2n)` and
:math:`\hat\sigma_{a_1b_2} = C_{12} - D_{12}/(2(n-2)) + E_{12}/(2n)`. The four-variate
person effects are Wishart and the bivariate symmetric and antisymmetric parts are each
bivariate Wishart, so with :math:`\hat R_{12} = \widehat V_{f_D}(D_1, D_2, D_{12})/(4(n-2)^2)
+ \widehat V_{f_E}(E_1, E_2, E_{12})/(4n^2)`:

.. math::

    \mathrm{SEVAR}(\hat\sigma_{a_1a_2}) = \widehat V_\nu(A_1, A_2, A_{12}) + \hat R_{12},\quad
    \mathrm{SEVAR}(\hat\sigma_{b_1b_2}) = \widehat V_\nu(B_1, B_2, B_{12}) + \hat R_{12},

    \mathrm{SEVAR}(\hat\sigma_{a_1b_2}) = \widehat V_\nu(A_1, B_2, C_{12}) + \hat R_{12},\quad
    \mathrm{SEVAR}(\hat\sigma_{b_1a_2}) = \widehat V_\nu(B_1, A_2, C_{21}) + \hat R_{12},

    \mathrm{SEVAR}(\text{intra}) = \mathrm{SEVAR}(\text{inter})
        = \tfrac14\left(\widehat V_{f_D}(D_1, D_2, D_{12})
                        + \widehat V_{f_E}(E_1, E_2, E_{12})\right).

The univariate formulas are the bivariate ones with variable 2 = variable 1. These
expressions reproduce TripleR 1.5.4's ``SEVAR`` (single groups and every group of a
multi-group analysis, including groups with missing dyads) to about 1e-16 absolute on the
reference cases in ``tests/reference``.

Edge cases: groups with :math:`n < 4` give ``NaN`` (the symmetric relationship part has
no degrees of freedom at :math:`n = 3`). A negative variance estimate still gives a finite
(raw) ``SEVAR``; gating standard errors of non-positive variances to ``NaN`` is the
caller's business. ``NaN`` inputs propagate.

References
----------
Bond, C. F., Jr., & Lashley, B. R. (1996). Round-robin analysis of social interaction:
Exact and estimated standard errors. *Psychometrika, 61*(2), 303-311.

Lashley, B. R., & Bond, C. F., Jr. (1997). Significance testing for round robin data.
*Psychological Methods, 2*(3), 278-291.

Warner, R. M., Kenny, D. A., & Stoto, M. (1979). A new round robin analysis of variance for
social interaction data. *Journal of Personality and Social Psychology, 37*(10), 1742-1757.

Kenny, D. A. (1994). *Interpersonal perception: A social relations analysis*. Guilford.
"""

from __future__ import annotations

import numpy as np

UNIVARIATE_ORDER = (
    "actor variance",
    "partner variance",
    "relationship variance",
    "actor-partner covariance",
    "relationship covariance",
)
"""Order of the last axis of :func:`univariate_sevar` (and of its ``uni1``/``uni2`` inputs
in :func:`bivariate_sevar`)."""

BIVARIATE_ORDER = (
    "actor-actor covariance",
    "partner-partner covariance",
    "actor-partner covariance",
    "partner-actor covariance",
    "intrapersonal relationship covariance",
    "interpersonal relationship covariance",
)
"""Order of the last axis of :func:`bivariate_sevar` and of its ``biv`` input."""

MIN_GROUP_SIZE = 4
"""Smallest group with defined standard errors; smaller groups give ``NaN``."""


def _degrees_of_freedom(n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``nu = n - 1`` (person effects), ``f_D`` and ``f_E`` (symmetric, antisymmetric)."""
    half = (n - 1.0) * (n - 2.0) / 2.0
    return n - 1.0, half - 1.0, half


def _unbiased_wishart_var(
    s_ii: np.ndarray, s_jj: np.ndarray, s_ij: np.ndarray, df: np.ndarray
) -> np.ndarray:
    """Unbiased estimate of ``Var(S_ij) = (E S_ii E S_jj + (E S_ij)^2) / df`` for a Wishart
    mean-square matrix ``S`` on ``df`` degrees of freedom."""
    return (df * s_ii * s_jj + (df - 2.0) * s_ij**2) / ((df + 2.0) * (df - 1.0))


def _mean_squares(
    n: np.ndarray,
    actor: np.ndarray,
    partner: np.ndarray,
    actor_partner: np.ndarray,
    partner_actor: np.ndarray,
    rel: np.ndarray,
    rel_cross: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Invert the estimator equations: mean squares (A, B, C, C', D, E) from estimates.

    ``rel`` plays the role of the relationship variance (intrapersonal covariance) and
    ``rel_cross`` that of the relationship covariance (interpersonal covariance).
    """
    k = (n - 1.0) / (n * (n - 2.0))
    lam = 1.0 / (n * (n - 2.0))
    a = actor + k * rel + lam * rel_cross
    b = partner + k * rel + lam * rel_cross
    c = actor_partner + k * rel_cross + lam * rel
    c_rev = partner_actor + k * rel_cross + lam * rel
    return a, b, c, c_rev, rel + rel_cross, rel - rel_cross


def _finish(n: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    out = np.stack(np.broadcast_arrays(*columns), axis=-1)
    small = np.broadcast_to((n < MIN_GROUP_SIZE)[..., np.newaxis], out.shape)
    return np.where(small, np.nan, out)


def univariate_sevar(n, saa, sbb, sab, scc, sccs) -> np.ndarray:
    """Estimated sampling variances (squared Lashley-Bond SEs) of one variable's SRM estimates.

    Parameters
    ----------
    n
        Number of persons in the round-robin group (after exclusions).
    saa, sbb, sab, scc, sccs
        Actor variance, partner variance, actor-partner covariance, relationship variance and
        relationship covariance estimates (README 5.4). All arguments are broadcast together.

    Returns
    -------
    numpy.ndarray
        Shape ``broadcast_shape + (5,)``: the ``SEVAR`` of actor variance, partner variance,
        relationship variance, actor-partner covariance and relationship covariance, in that
        order (:data:`UNIVARIATE_ORDER`; note that it differs from the argument order).
        ``NaN`` where ``n < 4``. See the module docstring for the formulas.
    """
    n, saa, sbb, sab, scc, sccs = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (n, saa, sbb, sab, scc, sccs))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        nu, f_d, f_e = _degrees_of_freedom(n)
        a, b, c, _, d, e = _mean_squares(n, saa, sbb, sab, sab, scc, sccs)
        var_d = 2.0 * d**2 / (f_d + 2.0)
        var_e = 2.0 * e**2 / (f_e + 2.0)
        rest = var_d / (4.0 * (n - 2.0) ** 2) + var_e / (4.0 * n**2)
        relationship = (var_d + var_e) / 4.0
        columns = [
            2.0 * a**2 / (nu + 2.0) + rest,
            2.0 * b**2 / (nu + 2.0) + rest,
            relationship,
            _unbiased_wishart_var(a, b, c, nu) + rest,
            relationship,
        ]
        return _finish(n, columns)


def bivariate_sevar(n, uni1, uni2, biv) -> np.ndarray:
    """Estimated sampling variances (squared SEs) of the six bivariate SRM covariances.

    Parameters
    ----------
    n
        Number of persons in the round-robin group; broadcast against ``uni1[..., 0]``.
    uni1, uni2
        Shape ``(..., 5)``: the univariate estimates of variable 1 and variable 2 in
        :data:`UNIVARIATE_ORDER` (actor variance, partner variance, relationship variance,
        actor-partner covariance, relationship covariance).
    biv
        Shape ``(..., 6)``: the bivariate covariances in :data:`BIVARIATE_ORDER`
        (actor-actor, partner-partner, actor(1)-partner(2), partner(1)-actor(2),
        intrapersonal relationship, interpersonal relationship).

    Returns
    -------
    numpy.ndarray
        Shape ``broadcast_shape + (6,)`` in :data:`BIVARIATE_ORDER`; ``NaN`` where
        ``n < 4``. See the module docstring for the formulas.
    """
    uni1 = np.asarray(uni1, dtype=float)
    uni2 = np.asarray(uni2, dtype=float)
    biv = np.asarray(biv, dtype=float)
    if uni1.shape[-1:] != (5,) or uni2.shape[-1:] != (5,) or biv.shape[-1:] != (6,):
        raise ValueError("uni1 and uni2 need a last axis of 5, biv a last axis of 6")
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        nu, f_d, f_e = _degrees_of_freedom(n)
        a1, b1, _, _, d1, e1 = _mean_squares(
            n, uni1[..., 0], uni1[..., 1], uni1[..., 3], uni1[..., 3], uni1[..., 2], uni1[..., 4]
        )
        a2, b2, _, _, d2, e2 = _mean_squares(
            n, uni2[..., 0], uni2[..., 1], uni2[..., 3], uni2[..., 3], uni2[..., 2], uni2[..., 4]
        )
        a12, b12, c12, c21, d12, e12 = _mean_squares(
            n, biv[..., 0], biv[..., 1], biv[..., 2], biv[..., 3], biv[..., 4], biv[..., 5]
        )
        var_d = _unbiased_wishart_var(d1, d2, d12, f_d)
        var_e = _unbiased_wishart_var(e1, e2, e12, f_e)
        rest = var_d / (4.0 * (n - 2.0) ** 2) + var_e / (4.0 * n**2)
        relationship = (var_d + var_e) / 4.0
        columns = [
            _unbiased_wishart_var(a1, a2, a12, nu) + rest,
            _unbiased_wishart_var(b1, b2, b12, nu) + rest,
            _unbiased_wishart_var(a1, b2, c12, nu) + rest,
            _unbiased_wishart_var(b1, a2, c21, nu) + rest,
            relationship,
            relationship,
        ]
        n_full = np.broadcast_to(n, np.broadcast_shapes(n.shape, *(x.shape for x in columns)))
        return _finish(n_full, columns)
