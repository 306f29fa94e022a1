"""Lashley-Bond sampling variances of the SRM components against TripleR, and by simulation.

Every group of every non-latent TripleR reference case (single group of 54, five groups of
10, ten unequal groups with missing dyads): ``SEVAR`` from the reference estimates and the
group size must equal TripleR's raw ``SEVAR`` to 1e-9 absolute (README section 7).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.analysis.conftest import reference_dir
from trustmirror.analysis.srm_se import (
    BIVARIATE_ORDER,
    UNIVARIATE_ORDER,
    bivariate_sevar,
    univariate_sevar,
)

TRIPLER_FILES = ("tripler_likingLong", "tripler_multiLikingLong", "tripler_multiGroup")
TOL = 1e-9


def _num(value) -> float:
    """JSON value to float: the strings "NA"/"NaN" (and infinities) as R meant them."""
    if isinstance(value, str):
        return {"Inf": np.inf, "-Inf": -np.inf}.get(value, np.nan)
    return float(value)


def _load(name: str) -> dict:
    path = reference_dir() / "expected" / f"{name}.json"
    if not path.is_file():
        pytest.fail(f"reference file missing: {path}", pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def _cases():
    for name in TRIPLER_FILES:
        for case_id, case in _load(name)["cases"].items():
            if "latent" in case_id or "error" in case or "SOREMO" in case_id:
                continue
            yield name, case_id, case


def _univariate_groups(block: dict, group_size=None) -> dict[str, tuple[int, dict]]:
    """group id -> (n, {type: record}) for a single-group or multi-group block."""
    if "varComp_groups" in block:
        groups: dict[str, tuple[int, dict]] = {}
        for record in block["varComp_groups"]:
            n, rows = groups.setdefault(record["group.id"], (record["group.size"], {}))
            rows[record["type"]] = record
        return groups
    n = block.get("group_size", group_size)
    return {"1": (n, {record["type"]: record for record in block["varComp"]})}


def _univariate_rows():
    rows = []
    for name, case_id, case in _cases():
        blocks = case["univariate"] if "univariate" in case else [case]
        for index, block in enumerate(blocks):
            for group, (n, records) in _univariate_groups(block, case.get("group_size")).items():
                estimates = [_num(records[t]["estimate"]) for t in UNIVARIATE_ORDER]
                sevar = [_num(records[t]["SEVAR"]) for t in UNIVARIATE_ORDER]
                rows.append((f"{name}/{case_id}/{index}/{group}", n, estimates, sevar))
    return rows


def _bivariate_rows():
    rows = []
    for name, case_id, case in _cases():
        if "bivariate" not in case:
            continue
        unis = [_univariate_groups(block, case.get("group_size")) for block in case["univariate"]]
        if "bivariate_groups" in case:
            groups: dict[str, tuple[int, dict]] = {}
            for record in case["bivariate_groups"]:
                n, records = groups.setdefault(record["group_id"], (record["group_size"], {}))
                records[record["type"]] = record
        else:
            groups = {"1": (case["group_size"], {r["type"]: r for r in case["bivariate"]})}
        for group, (n, records) in groups.items():
            u1, u2 = (
                [_num(uni[group][1][t]["estimate"]) for t in UNIVARIATE_ORDER] for uni in unis
            )
            biv = [_num(records[t]["estimate"]) for t in BIVARIATE_ORDER]
            sevar = [_num(records[t]["SEVAR"]) for t in BIVARIATE_ORDER]
            rows.append((f"{name}/{case_id}/{group}", n, u1, u2, biv, sevar))
    return rows


def test_univariate_sevar_matches_tripler_for_every_group():
    rows = _univariate_rows()
    # 3 + 2 single-group blocks (likingLong), 4 x 5 groups (multiLikingLong) and
    # 5 x 10 groups (multiGroup: ex, ne, ex_enhance and the two bivariate blocks).
    assert len(rows) == 75
    n = np.array([row[1] for row in rows], dtype=float)
    estimates = np.array([row[2] for row in rows])
    expected = np.array([row[3] for row in rows])
    saa, sbb, scc, sab, sccs = estimates.T
    got = univariate_sevar(n, saa=saa, sbb=sbb, sab=sab, scc=scc, sccs=sccs)
    assert got.shape == (len(rows), 5)
    known = ~np.isnan(expected)
    assert known.sum() >= 300
    assert np.isfinite(got).all()
    deviation = np.abs(got - expected)[known]
    worst = int(np.argmax(np.abs(np.where(known, got - expected, 0)).max(axis=1)))
    assert deviation.max() <= TOL, rows[worst][0]


def test_univariate_sevar_one_group_at_a_time_equals_vectorised():
    for label, n, estimates, expected in _univariate_rows()[::7]:
        saa, sbb, scc, sab, sccs = estimates
        got = univariate_sevar(n, saa, sbb, sab, scc, sccs)
        assert got.shape == (5,)
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOL, err_msg=label)


def test_bivariate_sevar_matches_tripler_for_every_group():
    rows = _bivariate_rows()
    assert len(rows) == 1 + 5 + 10
    n = np.array([row[1] for row in rows], dtype=float)
    uni1, uni2, biv, expected = (np.array([row[k] for row in rows]) for k in (2, 3, 4, 5))
    got = bivariate_sevar(n, uni1, uni2, biv)
    assert got.shape == (len(rows), 6)
    assert not np.isnan(expected).any()
    deviation = np.abs(got - expected)
    worst = int(np.argmax(deviation.max(axis=1)))
    assert deviation.max() <= TOL, rows[worst][0]


def test_bivariate_of_a_variable_with_itself_is_univariate():
    rng = np.random.default_rng(3)
    n = rng.integers(4, 40, size=50).astype(float)
    uni = rng.normal(size=(50, 5))
    uni[:, :3] = np.abs(uni[:, :3])
    saa, sbb, scc, sab, sccs = uni.T
    biv = np.stack([saa, sbb, sab, sab, scc, sccs], axis=-1)
    got = bivariate_sevar(n, uni, uni, biv)
    expected = univariate_sevar(n, saa, sbb, sab, scc, sccs)
    np.testing.assert_allclose(got[:, [0, 1, 4, 2, 5]], expected, rtol=1e-13, atol=0)


def test_broadcasting_and_small_groups():
    got = univariate_sevar(np.array([[3.0], [10.0]]), 0.2, 0.1, 0.05, np.array([0.5, 0.6]), 0.1)
    assert got.shape == (2, 2, 5)
    assert np.isnan(got[0]).all() and np.isfinite(got[1]).all()
    biv = bivariate_sevar(10, np.ones((3, 5)), np.ones(5), np.zeros(6))
    assert biv.shape == (3, 6)
    with pytest.raises(ValueError):
        bivariate_sevar(10, np.ones(6), np.ones(5), np.zeros(6))


# --- Monte Carlo: normal SRM with known components ---------------------------------------


def _srm_estimates(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, ...]:
    """Round-robin ANOVA estimates (README 5.4 and 5.6) for complete groups ``(G, n, n)``.

    Returns the univariate estimates of both variables (``(G, 5)`` in UNIVARIATE_ORDER) and
    the bivariate covariances (``(G, 6)`` in BIVARIATE_ORDER).
    """
    n = x1.shape[-1]
    off = ~np.eye(n, dtype=bool)

    def effects(x):
        x = np.where(off, x, np.nan)
        r, c = np.nanmean(x, axis=2), np.nanmean(x, axis=1)
        m = np.nanmean(x, axis=(1, 2))[:, None]
        w1, w2, w3 = (n - 1) ** 2 / (n * (n - 2)), (n - 1) / (n * (n - 2)), (n - 1) / (n - 2)
        a = w1 * r + w2 * c - w3 * m
        b = w1 * c + w2 * r - w3 * m
        g = np.where(off, x - a[:, :, None] - b[:, None, :] - m[:, :, None], 0.0)
        return a, b, (g + g.transpose(0, 2, 1)) / 2, g - g.transpose(0, 2, 1)

    a1, b1, e1, d1 = effects(x1)
    a2, b2, e2, d2 = effects(x2)
    f_d, f_e = (n - 1) * (n - 2) / 2 - 1, (n - 1) * (n - 2) / 2
    k, lam = (n - 1) / (n * (n - 2)), 1 / (n * (n - 2))

    def block(p, q, r, s, e_p, e_q, d_p, d_q):
        big_a, big_b = (p * q).sum(1) / (n - 1), (r * s).sum(1) / (n - 1)
        c_pq, c_rs = (p * s).sum(1) / (n - 1), (r * q).sum(1) / (n - 1)
        big_d = (e_p * e_q).sum((1, 2)) / f_d
        big_e = (d_p * d_q).sum((1, 2)) / 2 / (2 * f_e)
        rel, rel_x = (big_d + big_e) / 2, (big_d - big_e) / 2
        return (
            big_a - k * rel - lam * rel_x,
            big_b - k * rel - lam * rel_x,
            c_pq - k * rel_x - lam * rel,
            c_rs - k * rel_x - lam * rel,
            rel,
            rel_x,
        )

    def uni(a, b, e, d):
        saa, sbb, sab, _, scc, sccs = block(a, a, b, b, e, e, d, d)
        return np.stack([saa, sbb, scc, sab, sccs], axis=-1)

    biv = np.stack(block(a1, a2, b1, b2, e1, e2, d1, d2), axis=-1)
    return uni(a1, b1, e1, d1), uni(a2, b2, e2, d2), biv


def test_monte_carlo_mean_sevar_matches_empirical_variance():
    rng = np.random.default_rng(20240611)
    groups, n = 6000, 7
    # person effects (a1, b1, a2, b2)
    person_cov = np.array(
        [
            [0.50, 0.15, 0.20, 0.05],
            [0.15, 0.30, 0.10, 0.12],
            [0.20, 0.10, 0.40, -0.08],
            [0.05, 0.12, -0.08, 0.25],
        ]
    )
    # dyad (g1_ij, g1_ji, g2_ij, g2_ji): relationship variances 1.0 / 0.8, dyadic
    # reciprocities 0.3 / 0.2, intrapersonal 0.35, interpersonal 0.15
    dyad_cov = np.array(
        [
            [1.00, 0.30, 0.35, 0.15],
            [0.30, 1.00, 0.15, 0.35],
            [0.35, 0.15, 0.80, 0.20],
            [0.15, 0.35, 0.20, 0.80],
        ]
    )
    person = rng.multivariate_normal(np.zeros(4), person_cov, size=(groups, n))
    iu, ju = np.triu_indices(n, 1)
    dyads = rng.multivariate_normal(np.zeros(4), dyad_cov, size=(groups, iu.size))
    x = np.zeros((2, groups, n, n))
    for v in range(2):
        x[v] += person[:, :, 2 * v, None] + person[:, None, :, 2 * v + 1]
        x[v][:, iu, ju] += dyads[:, :, 2 * v]
        x[v][:, ju, iu] += dyads[:, :, 2 * v + 1]

    uni1, uni2, biv = _srm_estimates(x[0], x[1])

    # the estimators are unbiased for the simulated components
    truth1 = [0.50, 0.30, 1.00, 0.15, 0.30]
    truth_biv = [0.20, 0.12, 0.05, 0.10, 0.35, 0.15]
    np.testing.assert_allclose(uni1.mean(0), truth1, atol=0.03)
    np.testing.assert_allclose(biv.mean(0), truth_biv, atol=0.03)

    saa, sbb, scc, sab, sccs = uni1.T
    uni_sevar = univariate_sevar(n, saa, sbb, sab, scc, sccs)
    biv_sevar = bivariate_sevar(n, uni1, uni2, biv)
    for sevar, estimates in ((uni_sevar, uni1), (biv_sevar, biv)):
        empirical = estimates.var(axis=0, ddof=1)
        np.testing.assert_allclose(sevar.mean(axis=0), empirical, rtol=0.1)
