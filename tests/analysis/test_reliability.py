"""Cronbach's alpha and McDonald's omega against psych 2.2.9 (R) on psych's bfi data.

Expected values: ``tests/reference/expected/psych_bfi.json`` (see its README, section 5.2),
made with ``psych::alpha`` and ``psych::omega(nfactors = 1, fm = "minres")``. Blocks:
agreeableness A1..A5 with A1 reversed, conscientiousness C1..C5 with C4 and C5 reversed.
Alpha and item statistics are closed forms (1e-9). Omega comes from an iterative fit: psych's
optimiser stops up to ~2e-6 short in the loadings, so omega is compared with psych to 1e-6
and with the file's high-precision ULS fit (``tight_uls_check``) to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis import reliability

BLOCKS = ("agreeableness", "conscientiousness")


def _case(bfi, block: str, source: str):
    """Items, keys and (data, missing option) for a reference alpha/omega block."""
    data, expected = bfi
    ref = expected[block]
    items = data[ref["items"]]
    if source.endswith("complete_cases"):
        return items.dropna(), ref["keys"], ref
    return items, ref["keys"], ref


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("source", ["alpha_pairwise", "alpha_complete_cases"])
def test_alpha_matches_psych(bfi, block, source):
    items, keys, ref = _case(bfi, block, source)
    expected = ref[source]

    result = reliability.alpha(items, keys=keys)

    total = expected["total"]
    assert result.raw_alpha == pytest.approx(total["raw_alpha"], abs=1e-9)
    assert result.std_alpha == pytest.approx(total["std_alpha"], abs=1e-9)
    assert result.average_r == pytest.approx(total["average_r"], abs=1e-9)
    assert result.median_r == pytest.approx(total["median_r"], abs=1e-9)
    assert result.signal_noise == pytest.approx(total["S_N"], abs=1e-9)
    assert result.g6_smc == pytest.approx(total["G6_smc"], abs=1e-9)
    assert result.mean == pytest.approx(total["mean"], abs=1e-9)
    assert result.sd == pytest.approx(total["sd"], abs=1e-9)
    assert result.k == len(ref["items"])


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("source", ["alpha_pairwise", "alpha_complete_cases"])
def test_item_statistics_match_psych(bfi, block, source):
    items, keys, ref = _case(bfi, block, source)
    expected = ref[source]
    # psych names a reversed item with a trailing "-"; match by name, not position.
    stats = {row["item"].rstrip("-"): row for row in expected["item_stats"]}
    dropped = {row["item"].rstrip("-"): row for row in expected["alpha_if_dropped"]}

    table = reliability.alpha(items, keys=keys).items

    assert sorted(stats) == sorted(table.index)
    for item, row in table.iterrows():
        assert row["n"] == stats[item]["n"]
        assert row["r_drop"] == pytest.approx(stats[item]["r.drop"], abs=1e-9), item
        assert row["raw_r"] == pytest.approx(stats[item]["raw.r"], abs=1e-9), item
        assert row["std_r"] == pytest.approx(stats[item]["std.r"], abs=1e-9), item
        assert row["mean"] == pytest.approx(stats[item]["mean"], abs=1e-9), item
        assert row["sd"] == pytest.approx(stats[item]["sd"], abs=1e-9), item
        assert row["alpha_if_deleted"] == pytest.approx(dropped[item]["raw_alpha"], abs=1e-9)
        assert row["std_alpha_if_deleted"] == pytest.approx(dropped[item]["std.alpha"], abs=1e-9)
        assert row["average_r_if_deleted"] == pytest.approx(dropped[item]["average_r"], abs=1e-9)
        assert row["median_r_if_deleted"] == pytest.approx(dropped[item]["med.r"], abs=1e-9)
        assert row["var_r_if_deleted"] == pytest.approx(dropped[item]["var.r"], abs=1e-9)


@pytest.mark.parametrize("block", BLOCKS)
def test_listwise_option_equals_psych_on_complete_cases(bfi, block):
    data, expected = bfi
    ref = expected[block]
    complete = ref["alpha_complete_cases"]

    result = reliability.alpha(data[ref["items"]], keys=ref["keys"], missing="listwise")

    assert result.n == complete["n_rows"]
    assert result.n_complete == complete["n_rows"]
    assert result.raw_alpha == pytest.approx(complete["total"]["raw_alpha"], abs=1e-9)
    manual = ref["manual_complete_case_checks"]["corrected_item_total_r"]
    assert result.items["r_drop"].tolist() == pytest.approx(manual, abs=1e-9)


@pytest.mark.parametrize("block", BLOCKS)
def test_pairwise_is_the_default_and_differs_from_listwise(bfi, block):
    data, expected = bfi
    ref = expected[block]

    pairwise = reliability.alpha(data[ref["items"]], keys=ref["keys"])
    listwise = reliability.alpha(data[ref["items"]], keys=ref["keys"], missing="listwise")

    assert pairwise.missing == "pairwise"
    assert pairwise.n_complete == ref["alpha_complete_cases"]["n_rows"]
    assert abs(pairwise.raw_alpha - listwise.raw_alpha) > 1e-5


def test_keys_as_mapping_and_array_input_give_the_same_alpha(bfi):
    data, expected = bfi
    ref = expected["conscientiousness"]
    items = data[ref["items"]].dropna()

    by_name = reliability.alpha(items, keys={"C4": -1, "C5": -1})
    by_array = reliability.alpha(items.to_numpy(), keys=ref["keys"])

    assert by_name.raw_alpha == pytest.approx(ref["alpha_complete_cases"]["total"]["raw_alpha"])
    assert by_array.raw_alpha == pytest.approx(by_name.raw_alpha, abs=1e-15)
    assert list(by_array.items.index) == ["item1", "item2", "item3", "item4", "item5"]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize(
    ("source", "missing"), [("omega_pairwise", "pairwise"), ("omega_complete_cases", "listwise")]
)
def test_omega_total_matches_psych(bfi, block, source, missing):
    data, expected = bfi
    ref = expected[block]
    omega_ref = ref[source]
    tight = omega_ref["tight_uls_check"]

    result = reliability.omega_total(data[ref["items"]], keys=ref["keys"], missing=missing)

    assert result.n == omega_ref["n_rows"]
    assert result.converged
    assert not result.heywood
    assert result.total_variance == pytest.approx(omega_ref["Vt_sum_R"], abs=1e-9)
    assert result.omega_total == pytest.approx(omega_ref["omega_tot"], abs=1e-6)
    assert result.omega_psych == pytest.approx(tight["forms"]["omega_psych_total"], abs=1e-8)
    assert result.omega_model_implied == pytest.approx(
        tight["forms"]["omega_model_implied"], abs=1e-8
    )
    assert result.omega_hierarchical == pytest.approx(
        tight["forms"]["omega_observed_denominator"], abs=1e-8
    )
    assert result.loadings.tolist() == pytest.approx(tight["loadings"], abs=1e-8)
    psych_loadings = [row["g"] for row in omega_ref["loadings"]]
    assert result.loadings.tolist() == pytest.approx(psych_loadings, abs=2e-6)
    psych_u2 = [row["u2"] for row in omega_ref["loadings"]]
    assert result.uniquenesses.tolist() == pytest.approx(psych_u2, abs=5e-6)


def test_omega_definition_option_selects_the_model_implied_form(bfi):
    data, expected = bfi
    ref = expected["agreeableness"]
    tight = ref["omega_pairwise"]["tight_uls_check"]["forms"]

    result = reliability.omega_total(
        data[ref["items"]], keys=ref["keys"], definition="model_implied"
    )

    assert result.definition == "model_implied"
    assert result.omega_total == pytest.approx(tight["omega_model_implied"], abs=1e-8)


def test_reverse_keying_matters():
    rng = np.random.default_rng(7)
    factor = rng.normal(size=400)
    items = pd.DataFrame({f"q{i}": factor + rng.normal(size=400) for i in range(4)})
    items["q3"] = -items["q3"]

    unkeyed = reliability.alpha(items)
    keyed = reliability.alpha(items, keys={"q3": -1})

    assert keyed.raw_alpha > 0.7
    assert unkeyed.raw_alpha < keyed.raw_alpha - 0.3
    assert keyed.items.loc["q3", "r_drop"] > 0.4
    assert unkeyed.items.loc["q3", "r_drop"] < 0
    assert reliability.omega_total(items, keys=[1, 1, 1, -1]).omega_total > 0.7


def test_corrected_item_total_equals_pearson_r_with_rest_score():
    rng = np.random.default_rng(3)
    items = pd.DataFrame(rng.integers(1, 6, size=(60, 4)), columns=list("abcd")).astype(float)
    items["b"] = 6 - items["b"]

    r_drop = reliability.corrected_item_total(items, keys={"b": -1})

    keyed = items.assign(b=6 - items["b"])
    for item in items.columns:
        rest = keyed.drop(columns=item).sum(axis=1)
        assert r_drop[item] == pytest.approx(np.corrcoef(keyed[item], rest)[0, 1], abs=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reliability.alpha(pd.DataFrame({"a": [1.0, 2.0]})), "at least 2 items"),
        (lambda: reliability.omega_total(pd.DataFrame({"a": [1, 2], "b": [2, 1]})), "at least 3"),
        (
            lambda: reliability.alpha(pd.DataFrame({"a": [1, 2, 3], "b": [3, 3, 3]})),
            "item 'b' has no variance",
        ),
        (
            lambda: reliability.alpha(pd.DataFrame({"a": [1, 2, 3], "b": list("xyz")})),
            "item column 'b' is not numeric",
        ),
        (
            lambda: reliability.alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), keys=[1]),
            "got 1 keys for 2 items",
        ),
        (
            lambda: reliability.alpha(
                pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), keys={"a": 0}
            ),
            "key of item 'a'",
        ),
        (
            lambda: reliability.alpha(
                pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), keys={"zz": -1}
            ),
            "not columns: zz",
        ),
        (
            lambda: reliability.alpha(
                pd.DataFrame({"a": [1, 2, 3], "b": [1, 3, 2]}), missing="everything"
            ),
            "missing must be",
        ),
        (
            lambda: reliability.alpha(
                pd.DataFrame(
                    {"a": [1, 2, np.nan, np.nan], "b": [np.nan, np.nan, 1, 3], "c": [1, 2, 3, 1]}
                )
            ),
            "items 'a' and 'b' were answered together by fewer than two",
        ),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_two_item_scale_has_alpha_but_no_alpha_if_deleted():
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 2.0], "b": [2.0, 2.0, 4.0, 5.0, 1.0]})

    result = reliability.alpha(items)

    cov = items.cov().to_numpy()
    assert result.raw_alpha == pytest.approx(2 * (1 - np.trace(cov) / cov.sum()), abs=1e-12)
    assert result.items["alpha_if_deleted"].isna().all()
    assert result.items["r_drop"]["a"] == pytest.approx(np.corrcoef(items["a"], items["b"])[0, 1])


def test_pairwise_alpha_equals_the_formula_on_pandas_pairwise_covariances() -> None:
    """The fast covariance code agrees with pandas' pairwise-complete covariance matrix."""
    rng = np.random.default_rng(7)
    latent = rng.normal(size=(3000, 1))
    raw = np.clip(np.rint(3 + latent + rng.normal(scale=0.9, size=(3000, 4))), 1, 5)
    raw[rng.random(raw.shape) < 0.12] = np.nan
    frame = pd.DataFrame(raw, columns=["a", "b", "c", "d"])
    keys = np.array([1, 1, -1, 1])
    frame["c"] = 6 - frame["c"]  # a reverse-worded item, answered the other way round
    cov = frame.cov().to_numpy() * np.outer(keys, keys)
    k = 4
    expected = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    result = reliability.alpha(frame, keys=keys)
    assert result.raw_alpha == pytest.approx(expected, abs=1e-12)
    r_drop = (cov.sum(axis=0) - np.diag(cov)) / np.sqrt(
        np.diag(cov) * (cov.sum() - 2 * cov.sum(axis=0) + np.diag(cov))
    )
    np.testing.assert_allclose(result.items["r_drop"].to_numpy(), r_drop, atol=1e-12)


def test_omega_on_pure_noise_stops_and_says_the_solution_is_improper() -> None:
    """Noise has no common factor: one loading runs away, and the fit says so quickly."""
    noise = np.random.default_rng(0).integers(1, 6, (100, 3)).astype(float)
    result = reliability.omega_total(noise)
    assert result.converged is False
    assert result.heywood is True
    assert np.all(np.abs(np.asarray(result.loadings, dtype=float)) <= 50)


def test_degenerate_answers_give_defined_results_or_a_clear_error():
    """Everyone answering alike (perfectly correlated items) must not crash the scale's
    reliability: alpha is 1 with an infinite signal-to-noise ratio, as psych reports, and
    omega, undefined when the keyed correlations cancel out, says so with a ValueError."""
    import math

    import pandas as pd

    from trustmirror.analysis.reliability import alpha, omega_total

    items = pd.DataFrame({"a": [4, 4, 3, 3, 4], "b": [4, 4, 3, 3, 4], "c": [4, 4, 3, 3, 4]})
    result = alpha(items)
    assert result.raw_alpha == 1.0 and math.isinf(result.signal_noise)
    opposite = pd.DataFrame({"a": [4, 4, 3, 3, 4], "b": [2, 2, 3, 3, 2], "c": [4, 4, 3, 3, 4]})
    try:
        value = omega_total(opposite, keys={"a": 1, "b": 1, "c": -1}).omega_total
    except ValueError as error:
        assert "variance" in str(error)
    else:
        assert math.isfinite(value)
