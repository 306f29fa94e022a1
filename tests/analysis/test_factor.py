"""Confirmatory factor analysis against lavaan 0.6-14, plus fit-index behaviour.

Reference: ``tests/reference/expected/psych_bfi.json`` -> ``cfa_one_factor_ml``, made with
``lavaan::cfa("f =~ items", std.lv = TRUE, estimator = "ML")`` on complete cases, reversed
items recoded as 7 - x (README section 5.2). lavaan and our fit (semopy's optimiser) are both
iterative; they agree to about 1e-6, the test asks 1e-5 (the brief's bound is 1e-3).
The fit-index tests use simulated data where the truth is known: they check behaviour, not
reference numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis.factor import cfa

BLOCKS = ("agreeableness", "conscientiousness")


@pytest.mark.parametrize("block", BLOCKS)
def test_one_factor_ml_matches_lavaan(bfi, block):
    data, expected = bfi
    ref = expected[block]
    lavaan = ref["cfa_one_factor_ml"]
    low, high = ref["response_range"]
    items = data[ref["items"]].copy()
    for item, key in zip(ref["items"], ref["keys"], strict=True):
        if key == -1:
            items[item] = (low + high) - items[item]

    result = cfa(items, {"f": ref["items"]})

    assert result.converged is lavaan["converged"]
    assert result.n_used == lavaan["n_used"]
    assert not result.heywood
    assert result.loadings.tolist() == pytest.approx(lavaan["loadings"], abs=1e-5)
    assert result.residual_variances.tolist() == pytest.approx(
        lavaan["residual_variances"], abs=1e-5
    )
    assert result.std_loadings.tolist() == pytest.approx(lavaan["std_loadings"], abs=1e-5)
    assert result.std_residual_variances.tolist() == pytest.approx(
        lavaan["std_residual_variances"], abs=1e-5
    )
    assert result.omega() == pytest.approx(lavaan["omega_model_implied"], abs=1e-6)
    assert result.omega(standardized=True) == pytest.approx(lavaan["omega_standardized"], abs=1e-6)


def _simulate(n: int, loadings: dict[str, tuple[str, float]], corr: float, seed: int):
    """Items loading on factors F1/F2 (correlation ``corr``), unit-variance errors."""
    rng = np.random.default_rng(seed)
    factors = rng.multivariate_normal([0.0, 0.0], [[1.0, corr], [corr, 1.0]], size=n)
    column = {"F1": 0, "F2": 1}
    return pd.DataFrame(
        {
            item: weight * factors[:, column[factor]] + rng.normal(size=n)
            for item, (factor, weight) in loadings.items()
        }
    )


ONE_FACTOR = {f"t{i}": ("F1", w) for i, w in enumerate([0.9, 0.8, 0.7, 1.0, 0.6, 0.85])}
TWO_FACTOR = {f"a{i}": ("F1", 0.9) for i in range(4)} | {f"b{i}": ("F2", 0.9) for i in range(4)}


def test_fit_indices_are_near_perfect_when_the_model_is_true():
    data = _simulate(3000, ONE_FACTOR, corr=0.0, seed=11)

    result = cfa(data, {"trust": list(ONE_FACTOR)})

    assert result.fit.df == 6 * 7 // 2 - 12
    assert result.fit.cfi > 0.99
    assert result.fit.tli > 0.99
    assert result.fit.rmsea < 0.03
    assert result.fit.srmr < 0.02
    assert result.fit.p_value > 0.001
    assert result.loadings.tolist() == pytest.approx([w for _, w in ONE_FACTOR.values()], abs=0.08)
    assert result.residual_variances.tolist() == pytest.approx([1.0] * 6, abs=0.1)


def test_fit_indices_reveal_a_misspecified_model():
    data = _simulate(3000, TWO_FACTOR, corr=0.3, seed=12)
    a_items = [f"a{i}" for i in range(4)]
    b_items = [f"b{i}" for i in range(4)]

    right = cfa(data, {"A": a_items, "B": b_items})
    wrong = cfa(data, {"G": a_items + b_items})

    assert right.fit.cfi > 0.99
    assert right.fit.rmsea < 0.03
    assert right.factor_correlations.loc["A", "B"] == pytest.approx(0.3, abs=0.1)
    assert wrong.fit.cfi < 0.8
    assert wrong.fit.tli < 0.75
    assert wrong.fit.rmsea > 0.15
    assert wrong.fit.srmr > 0.1
    assert wrong.fit.chi2 > 20 * right.fit.chi2
    assert wrong.fit.df == right.fit.df + 1


def test_fit_indices_follow_their_definitions(bfi):
    """CFI, TLI and RMSEA recomputed from chi-square with lavaan's formulas (N, not N - 1)."""
    data, expected = bfi
    ref = expected["agreeableness"]
    items = data[ref["items"]].assign(A1=lambda d: 7 - d["A1"])

    fit = cfa(items, {"f": ref["items"]}).fit
    n = ref["cfa_one_factor_ml"]["n_used"]

    assert fit.df == 5
    assert fit.df_baseline == 10
    assert fit.cfi == pytest.approx(
        1 - (fit.chi2 - fit.df) / (fit.chi2_baseline - fit.df_baseline), abs=1e-12
    )
    assert fit.tli == pytest.approx(
        (fit.chi2_baseline / 10 - fit.chi2 / 5) / (fit.chi2_baseline / 10 - 1), abs=1e-12
    )
    assert fit.rmsea == pytest.approx(np.sqrt((fit.chi2 - 5) / (5 * n)), abs=1e-12)


def test_loadings_are_reported_with_a_positive_sum_and_odd_names_work():
    data = _simulate(800, ONE_FACTOR, corr=0.0, seed=5)
    data.columns = [f"item {c}.x" for c in data.columns]

    result = cfa(data, {"trust at work": list(data.columns)})

    assert result.loadings.sum() > 0
    assert list(result.loadings.index) == list(data.columns)
    assert result.factors == {"trust at work": list(data.columns)}


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({}, "no factors"),
        ({"F": ["t0", "t1"]}, "at least 3 items"),
        ({"F": ["t0", "t1", "t2"], "G": ["t3"]}, "'G' needs at least 2"),
        ({"F": ["t0", "t1", "t2"], "G": ["t2", "t3"]}, "item 't2' loads on both"),
        ({"F": ["t0", "t1", "nope"]}, "item 'nope' is not a column"),
    ],
)
def test_bad_models_raise_value_error(model, message):
    data = _simulate(100, ONE_FACTOR, corr=0.0, seed=1)
    with pytest.raises(ValueError, match=message):
        cfa(data, model)


def test_bad_data_and_estimator_raise_value_error():
    data = _simulate(100, ONE_FACTOR, corr=0.0, seed=1)
    with pytest.raises(ValueError, match="estimator must be 'ML'"):
        cfa(data, {"F": list(ONE_FACTOR)}, estimator="WLSMV")
    with pytest.raises(ValueError, match="items without variance: t0"):
        cfa(data.assign(t0=3.0), {"F": list(ONE_FACTOR)})
    with pytest.raises(ValueError, match="'t1' is not numeric"):
        cfa(data.assign(t1="x"), {"F": list(ONE_FACTOR)})
    with pytest.raises(ValueError, match="more complete respondents than items"):
        cfa(data.head(5), {"F": list(ONE_FACTOR)})


FIT_INDICES = ("chi2", "cfi", "tli", "rmsea", "srmr")


def _keyed_bfi(data: pd.DataFrame, ref: dict) -> pd.DataFrame:
    low, high = ref["response_range"]
    items = data[ref["items"]].copy()
    for item, key in zip(ref["items"], ref["keys"], strict=True):
        if key == -1:
            items[item] = (low + high) - items[item]
    return items


def test_fast_tolerance_keeps_the_fit_indices_and_stops_short_in_the_loadings(bfi):
    """The "fast" fit is for fit indices shown to two decimals, not for loadings to 1e-5.

    Two correlated factors (agreeableness and conscientiousness) on bfi: the indices agree
    with the reference fit to 1e-4 (chi-square relatively), the loadings with lavaan to 1e-3.
    """
    data, expected = bfi
    blocks = {block: _keyed_bfi(data, expected[block]) for block in BLOCKS}
    items = pd.concat(blocks.values(), axis=1)
    model = {block: list(frame.columns) for block, frame in blocks.items()}

    tight = cfa(items, model)
    fast = cfa(items, model, tolerance="fast")

    assert fast.converged and tight.converged
    assert fast.fit.df == tight.fit.df
    assert fast.fit.chi2 == pytest.approx(tight.fit.chi2, rel=1e-4)
    for name in FIT_INDICES[1:]:
        assert getattr(fast.fit, name) == pytest.approx(getattr(tight.fit, name), abs=1e-4)
    for block in BLOCKS:
        lavaan = expected[block]["cfa_one_factor_ml"]
        one = cfa(blocks[block], {"f": expected[block]["items"]}, tolerance="fast")
        assert one.loadings.tolist() == pytest.approx(lavaan["loadings"], abs=1e-3)


def test_fast_tolerance_agrees_on_a_misspecified_model():
    """Far from a perfect fit the optimiser has the most to do; the indices still agree."""
    data = _simulate(300, TWO_FACTOR, corr=0.3, seed=21)
    model = {"G": list(TWO_FACTOR)}

    tight = cfa(data, model, tolerance="reference")
    fast = cfa(data, model, tolerance="fast")

    assert tight.fit.cfi < 0.9  # the model is wrong, so the fit is far from perfect
    assert fast.fit.chi2 == pytest.approx(tight.fit.chi2, rel=1e-4)
    for name in FIT_INDICES[1:]:
        assert getattr(fast.fit, name) == pytest.approx(getattr(tight.fit, name), abs=1e-4)


def test_reference_tolerance_is_the_default_and_others_are_refused():
    data = _simulate(200, ONE_FACTOR, corr=0.0, seed=3)
    model = {"F": list(ONE_FACTOR)}

    default = cfa(data, model)
    explicit = cfa(data, model, tolerance="reference")

    assert default.loadings.tolist() == explicit.loadings.tolist()
    assert default.fit == explicit.fit
    with pytest.raises(ValueError, match="tolerance must be 'reference' or 'fast'"):
        cfa(data, model, tolerance="loose")


def test_the_fit_runs_blas_on_one_thread_and_restores_it(monkeypatch):
    """Tiny matrices gain nothing from BLAS threads, which stall on a busy machine."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    semopy = pytest.importorskip("semopy")

    def blas_threads() -> list[int]:
        return [
            pool["num_threads"]
            for pool in threadpoolctl.threadpool_info()
            if pool["user_api"] == "blas"
        ]

    before = blas_threads()
    during = []
    real_fit = semopy.Model.fit

    def recording_fit(self, *args, **kwargs):
        during.extend(blas_threads())
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(semopy.Model, "fit", recording_fit)
    cfa(_simulate(200, ONE_FACTOR, corr=0.0, seed=4), {"F": list(ONE_FACTOR)})

    assert during and set(during) == {1}
    assert blas_threads() == before
