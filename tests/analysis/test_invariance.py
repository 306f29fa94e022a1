"""Measurement invariance (multi-group CFA) against lavaan 0.6-14, plus known-answer simulations.

Reference: ``tests/reference/expected/lavaan_hs1939_invariance.json`` (README section 8), made
with ``cfa(model, HolzingerSwineford1939, group = "school", group.equal = ...)`` at the
configural, metric (``"loadings"``) and scalar (``c("loadings", "intercepts")``) levels, and
``lavTestLRT`` between them. README's tolerance is 1e-3 relative on chi-square and the fit
indices, df exact; our fit agrees to about 3e-6 (SRMR) and 1e-9 (chi-square), the tests ask
1e-5. The simulations generate two groups from a known model, so the right verdict is known.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis.factor import cfa
from trustmirror.analysis.invariance import (
    ENGLISH,
    LEVELS,
    Criteria,
    Message,
    describe,
    measurement_invariance,
    render,
)

HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
# Both schools have fewer than the default 200 pupils (156 and 145).
HS_MIN_GROUP_SIZE = 100


@pytest.fixture(scope="module")
def hs_result(hs1939):
    data, _ = hs1939
    return measurement_invariance(data, "school", HS_MODEL, min_group_size=HS_MIN_GROUP_SIZE)


@pytest.mark.parametrize("level", LEVELS)
def test_fit_of_each_level_matches_lavaan(hs1939, hs_result, level):
    _, expected = hs1939
    lavaan = expected["levels"][level]
    fit = hs_result.fits[level]

    assert fit.converged
    assert not fit.improper
    assert fit.df == lavaan["df"]
    assert fit.npar == lavaan["npar"]
    for ours, theirs in [
        (fit.chisq, lavaan["chisq"]),
        (fit.cfi, lavaan["cfi"]),
        (fit.tli, lavaan["tli"]),
        (fit.rmsea, lavaan["rmsea"]),
        (fit.srmr, lavaan["srmr"]),
    ]:
        assert ours == pytest.approx(theirs, rel=1e-5)
    assert fit.p_value == pytest.approx(lavaan["pvalue"], rel=1e-4)


def test_chi_square_difference_tests_match_lavtestlrt(hs1939, hs_result):
    _, expected = hs1939
    lrt = expected["lrt"]
    assert lrt["comparisons"] == ["metric vs configural", "scalar vs metric"]
    for position, level in enumerate(("metric", "scalar")):
        test = hs_result.tests[level]
        assert test.against == {"metric": "configural", "scalar": "metric"}[level]
        assert test.df_diff == lrt["df_diff"][position]
        assert test.chisq_diff == pytest.approx(lrt["chisq_diff"][position], rel=1e-5)
        assert test.p_value == pytest.approx(lrt["p"][position], rel=1e-4)


def test_groups_and_counts_match_lavaan(hs1939, hs_result):
    _, expected = hs1939
    assert hs_result.groups == ("Grant-White", "Pasteur")
    assert hs_result.n_used == expected["n"]
    assert hs_result.n_dropped == {"Grant-White": 0, "Pasteur": 0}
    assert hs_result.n_without_group == 0


def test_holzinger_swineford_is_metric_but_not_scalar_invariant(hs_result):
    """README section 8: metric holds (p = .224), scalar does not (p < .001)."""
    metric, scalar = hs_result.tests["metric"], hs_result.tests["scalar"]

    assert hs_result.level == "metric"
    assert not hs_result.refused
    assert hs_result.verdict == Message("comparable_relations")
    assert metric.holds and metric.decided_by == "delta_cfi_and_delta_rmsea" and metric.lrt_agrees
    # Intercepts cost .038 of CFI; RMSEA rises by .0145, just inside Chen's .015: CFI decides.
    assert metric.delta_cfi == pytest.approx(0.920923468576775 - 0.923398380408964, abs=1e-6)
    assert scalar.holds is False and scalar.decided_by == "delta_cfi" and scalar.lrt_agrees
    assert [message.code for message in hs_result.details] == [
        "configural_holds",
        "metric_holds",
        "lrt_agrees",
        "scalar_fails_delta_cfi",
        "lrt_agrees",
    ]
    assert describe(hs_result).startswith("Relations can be compared, means cannot")
    assert "Scalar invariance fails by Chen's rule on CFI" in describe(hs_result, details=True)


def test_configural_chi_square_is_the_sum_of_single_group_fits(hs1939, hs_result):
    """With every parameter free per group, the groups' likelihoods separate: the configural
    chi-square must equal the sum of the one-group CFAs fitted by semopy (factor.cfa)."""
    data, _ = hs1939
    single = sum(cfa(rows, HS_MODEL).fit.chi2 for _, rows in data.groupby("school"))
    assert hs_result.fits["configural"].chisq == pytest.approx(single, rel=1e-6)


def test_fit_does_not_depend_on_item_units_or_group_order(hs1939, hs_result):
    data, _ = hs1939
    rescaled = data.copy()
    rescaled["x1"] = 10 * rescaled["x1"] + 3  # the same change in both groups
    rescaled["x9"] = -0.5 * rescaled["x9"]
    reordered = rescaled.iloc[::-1].reset_index(drop=True)
    labels = reordered["school"].map({"Pasteur": "a", "Grant-White": "b"})  # Pasteur first

    result = measurement_invariance(reordered, labels, HS_MODEL, min_group_size=HS_MIN_GROUP_SIZE)

    assert result.groups == ("a", "b")
    for level in LEVELS:
        assert result.fits[level].chisq == pytest.approx(hs_result.fits[level].chisq, rel=1e-6)
        assert result.fits[level].srmr == pytest.approx(hs_result.fits[level].srmr, rel=1e-5)


# --- simulations with a known answer -------------------------------------------------------

SIM_MODEL = {
    "integrity": ["q1", "q2", "q3", "q4"],
    "benevolence": ["q5", "q6", "q7", "q8"],
    "ability": ["q9", "q10", "q11", "q12"],
}


def _two_languages(
    *, n: int = 500, seed: int, intercept_shift=None, loading_factor=None
) -> pd.DataFrame:
    """Answers of an English and a Dutch group from one three-factor model.

    The groups differ in their latent means (a true difference a comparison should show),
    and, when asked, in one intercept (``(item, shift)``) or one loading
    (``(item, factor)``) of the Dutch group.
    """
    rng = np.random.default_rng(seed)
    loadings = np.array([1.0, 0.8, 0.9, 0.7] * 3)
    intercepts = np.tile([3.0, 3.2, 2.8, 3.1], 3)
    phi = 0.6 * np.array([[1.0, 0.4, 0.3], [0.4, 1.0, 0.5], [0.3, 0.5, 1.0]])
    frames = []
    for g, language in enumerate(("en", "nl")):
        lam, nu = loadings.copy(), intercepts.copy()
        if g == 1 and intercept_shift is not None:
            nu[intercept_shift[0]] += intercept_shift[1]
        if g == 1 and loading_factor is not None:
            lam[loading_factor[0]] *= loading_factor[1]
        eta = rng.multivariate_normal([0.0, 0.2 * g, -0.1 * g], phi, size=n)
        answers = nu + eta[:, np.repeat(np.arange(3), 4)] * lam + rng.normal(0, 0.6, (n, 12))
        frame = pd.DataFrame(answers, columns=[f"q{i}" for i in range(1, 13)])
        frame["language"] = language
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equal_loadings_and_intercepts_give_scalar_invariance(seed):
    result = measurement_invariance(_two_languages(seed=seed), "language", SIM_MODEL)

    assert result.level == "scalar"
    assert result.verdict == Message("comparable_scores")
    assert all(fit.converged for fit in result.fits.values())
    assert [fit.df for fit in result.fits.values()] == [102, 111, 120]
    assert describe(result) == (
        "Scores can be compared between the groups: the items measure the same thing on the "
        "same scale (scalar invariance holds)."
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_shifted_intercept_breaks_scalar_but_not_metric_invariance(seed):
    data = _two_languages(seed=seed, intercept_shift=(5, 0.6))  # q6 half a point higher in nl

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.level == "metric"
    assert result.tests["metric"].holds
    assert result.tests["scalar"].holds is False
    assert result.tests["scalar"].delta_cfi < -0.010
    assert result.tests["scalar"].p_value < 1e-6
    assert describe(result).startswith("Relations can be compared, means cannot")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_changed_loading_breaks_metric_invariance(seed):
    data = _two_languages(seed=seed, loading_factor=(6, 0.4))  # q7 barely loads in nl

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.level == "configural"
    assert result.verdict == Message("not_comparable_metric")
    assert result.tests["metric"].holds is False
    assert [message.code for message in result.details][-1].startswith("lrt_")
    assert describe(result).startswith("The groups answer the items differently")


def test_a_model_that_fits_no_group_fails_configural_invariance():
    data = _two_languages(seed=4)
    scrambled = {  # items assigned across the true factors
        "a": ["q1", "q5", "q9", "q2"],
        "b": ["q6", "q10", "q3", "q7"],
        "c": ["q11", "q4", "q8", "q12"],
    }

    result = measurement_invariance(data, "language", scrambled)

    assert result.level == "none"
    assert result.verdict == Message("not_comparable_configural")
    assert [message.code for message in result.details] == ["configural_fails"]


def test_incomplete_answers_and_missing_labels_are_left_out_and_counted():
    data = _two_languages(seed=5, n=260)
    data.loc[[0, 1, 2], "q3"] = np.nan  # three English respondents
    data.loc[[400], "q12"] = np.nan  # one Dutch respondent
    data.loc[[3, 4], "language"] = None

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.n_used == {"en": 255, "nl": 259}
    assert result.n_dropped == {"en": 3, "nl": 1}
    assert result.n_without_group == 2
    assert not result.refused


# --- refusals and bad input ----------------------------------------------------------------


def test_a_group_below_the_minimum_size_is_refused_without_fitting():
    data = _two_languages(seed=6, n=250)
    data = data.drop(index=range(60))  # 190 English answers left

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.refused and result.level is None
    assert result.fits == {} and result.tests == {} and result.details == ()
    assert result.verdict == Message(
        "refused_group_too_small", {"group": "en", "n": 190, "minimum": 200}
    )
    assert result.n_used == {"en": 190, "nl": 250}
    assert render(result.verdict) == (
        "Not tested: group en has 190 complete answers; at least 200 are needed in every group."
    )
    assert not measurement_invariance(data, "language", SIM_MODEL, min_group_size=190).refused


def test_a_factor_with_two_items_is_refused():
    """Two items identify a factor only through its covariance with another factor, so it
    cannot be tested on its own, and its metric test would rest on a single loading."""
    data = _two_languages(seed=7, n=250)
    model = {**SIM_MODEL, "ability": ["q9", "q10"]}

    result = measurement_invariance(data, "language", model)

    assert result.refused
    assert result.verdict == Message(
        "refused_factor_too_few_items", {"factor": "ability", "n_items": 2, "minimum": 3}
    )


def test_a_single_group_is_refused():
    data = _two_languages(seed=8, n=250)
    data = data[data["language"] == "nl"]

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.verdict == Message("refused_too_few_groups", {"n_groups": 1})


def test_an_item_without_variance_in_one_group_is_refused():
    data = _two_languages(seed=9, n=250)
    data.loc[data["language"] == "nl", "q4"] = 5.0

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.verdict == Message("refused_item_without_variance", {"group": "nl", "item": "q4"})


def test_a_linearly_dependent_item_is_refused():
    data = _two_languages(seed=10, n=250)
    data["q4"] = data["q1"] + data["q2"]

    result = measurement_invariance(data, "language", SIM_MODEL)

    assert result.verdict.code == "refused_singular_covariance"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, m: (d, "language", {}), "no factors"),
        (lambda d, m: (d, "language", {**m, "x": ["q1", "q2", "q3"]}), "loads on both"),
        (lambda d, m: (d, "language", {**m, "x": ["q13", "q14", "q15"]}), "not a column"),
        (lambda d, m: (d, "lang", m), "group column"),
        (lambda d, m: (d, ["en"] * 3, m), "3 labels"),
        (lambda d, m: (d.assign(q1="a"), "language", m), "not numeric"),
        (lambda d, m: (d, "language", {"x": "q1"}), "as a list"),
    ],
)
def test_bad_input_raises_value_error(change, message):
    data, group, model = change(_two_languages(seed=11, n=50), SIM_MODEL)
    with pytest.raises(ValueError, match=message):
        measurement_invariance(data, group, model)


def test_bad_settings_raise_value_error():
    data = _two_languages(seed=12, n=50)
    with pytest.raises(ValueError, match="min_group_size"):
        measurement_invariance(data, "language", SIM_MODEL, min_group_size=1)
    with pytest.raises(ValueError, match="min_group_size"):
        measurement_invariance(data, "language", SIM_MODEL, min_group_size=2.5)
    with pytest.raises(ValueError, match="delta_cfi"):
        Criteria(delta_cfi=0.01)
    with pytest.raises(ValueError, match="alpha"):
        Criteria(alpha=1.5)


def test_criteria_change_the_verdict(hs1939):
    """A stricter RMSEA bound (.010 instead of Chen's .015) makes RMSEA decide as well."""
    data, _ = hs1939
    strict = Criteria(delta_rmsea=0.010)

    result = measurement_invariance(
        data, "school", HS_MODEL, min_group_size=HS_MIN_GROUP_SIZE, criteria=strict
    )

    assert result.criteria == strict
    assert result.tests["scalar"].decided_by == "delta_cfi_and_delta_rmsea"
    assert result.details[3].code == "scalar_fails_delta_cfi_and_delta_rmsea"
    assert result.details[3].params["rmsea_limit"] == 0.010


def test_every_english_template_renders_from_its_parameters():
    """Templates are whole sentences with %(name)s placeholders (for a gettext catalogue)."""
    sample = {
        "level": "metric",
        "n_groups": 1,
        "group": "nl",
        "n": 150,
        "minimum": 200,
        "factor": "ability",
        "n_items": 2,
        "item": "q4",
        "cfi": 0.95,
        "rmsea": 0.05,
        "cfi_min": 0.9,
        "rmsea_max": 0.1,
        "delta_cfi": -0.002,
        "delta_rmsea": 0.004,
        "cfi_limit": -0.01,
        "rmsea_limit": 0.015,
        "chisq_diff": 8.19,
        "df_diff": 6,
        "p_value": 0.22,
    }
    for code, template in ENGLISH.items():
        names = set(re.findall(r"%\((\w+)\)", template))
        text = render(Message(code, {name: sample[name] for name in names}))
        assert text.endswith(".") and "%(" not in text


# --- simulations with a known answer -------------------------------------------------------


def _simulated(n, loadings, *, rng, shift=None):
    """Answers 1..5 from one factor per entry of ``loadings`` (negative: reverse-keyed)."""
    columns = {}
    for items in loadings.values():
        latent = rng.normal(size=n)
        for item, loading in items.items():
            x = 3.0 + loading * latent + rng.normal(scale=0.7, size=n)
            if shift and item in shift:
                x = x + shift[item]
            columns[item] = np.clip(np.rint(x), 1, 5)
    return pd.DataFrame(columns)


def test_a_reverse_keyed_item_converges_and_the_same_model_in_both_groups_is_comparable():
    rng = np.random.default_rng(11)
    # With equal loadings the reverse-keyed item cancelled the others in the starting values.
    loadings = {"propensity": {"p1": 0.9, "p2": 0.9, "p3": -0.9, "p4": 0.9}}
    data = pd.concat(
        [_simulated(600, loadings, rng=rng), _simulated(600, loadings, rng=rng)],
        ignore_index=True,
    )
    group = pd.Series(["en"] * 600 + ["nl"] * 600)
    result = measurement_invariance(data, group, {"propensity": ["p1", "p2", "p3", "p4"]})
    assert all(fit.converged and not fit.improper for fit in result.fits.values())
    assert result.level == "scalar" and result.verdict.code == "comparable_scores"


def test_two_factors_of_three_items_converge_and_a_shifted_item_breaks_scalar_invariance():
    # A starting point from which L-BFGS-B alone stalled (two factors of three questions);
    # in the second group one item is answered a full point higher at the same trust: its
    # intercept differs, so means may not be compared (metric holds, scalar does not).
    rng = np.random.default_rng(1)
    loadings = {
        "cognitive": {"c1": 0.9, "c2": 0.9, "c3": 0.9},
        "affective": {"a1": 0.9, "a2": 0.9, "a3": 0.9},
    }
    model = {"cognitive": ["c1", "c2", "c3"], "affective": ["a1", "a2", "a3"]}
    same = pd.concat(
        [_simulated(2000, loadings, rng=rng), _simulated(2000, loadings, rng=rng)],
        ignore_index=True,
    )
    group = pd.Series(["en"] * 2000 + ["nl"] * 2000)
    result = measurement_invariance(same, group, model)
    assert all(fit.converged for fit in result.fits.values())
    assert result.verdict.code == "comparable_scores"
    shifted = pd.concat(
        [
            _simulated(2000, loadings, rng=rng),
            _simulated(2000, loadings, rng=rng, shift={"c2": 1.0}),
        ],
        ignore_index=True,
    )
    result = measurement_invariance(shifted, group, model)
    assert result.level == "metric" and result.verdict.code == "comparable_relations"


def test_a_model_is_testable_unless_it_is_empty_or_one_factor_of_three_items():
    from trustmirror.analysis.invariance import testable

    assert not testable({})
    assert not testable({"f": ["a", "b", "c"]})  # exactly identified: no degrees of freedom
    assert testable({"f": ["a", "b", "c", "d"]})
    assert testable({"f": ["a", "b", "c"], "g": ["d", "e", "f"]})
