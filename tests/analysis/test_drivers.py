"""Drivers: correlations of themes with outcomes and their Fisher-z intervals.

Checked against scipy.stats.pearsonr, an independent implementation (its
``confidence_interval`` uses the same Fisher transformation), on Bliese & Halverson's (1996)
soldier data from the reference set (``multilevel_bh1996.csv``: leadership, cohesion and
work hours against well-being, 7,382 soldiers), with missing values added by a fixed draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustmirror.analysis.drivers import correlations, strength

from .conftest import reference_dir


@pytest.fixture(scope="module")
def soldiers() -> pd.DataFrame:
    frame = pd.read_csv(reference_dir() / "data" / "multilevel_bh1996.csv")
    rng = np.random.default_rng(1996)
    for column in ("LEAD", "WBEING"):
        frame.loc[rng.random(len(frame)) < 0.05, column] = np.nan  # 5 % missing each
    return frame


def test_equal_to_scipy_pearsonr_and_its_interval(soldiers):
    table = correlations(
        soldiers, predictors=["LEAD", "COHES", "HRS"], outcomes=["WBEING"], min_n=30
    )
    assert list(table["predictor"]) == ["LEAD", "COHES", "HRS"]
    for row in table.itertuples():
        both = soldiers[[row.predictor, "WBEING"]].dropna()
        reference = stats.pearsonr(both[row.predictor], both["WBEING"])
        low, high = reference.confidence_interval(0.95)
        assert row.n == len(both)
        assert row.r == pytest.approx(reference.statistic, abs=1e-12)
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high), abs=1e-12)
    # Work hours go with less well-being; leadership and cohesion with more.
    signs = dict(zip(table["predictor"], np.sign(table["r"]), strict=True))
    assert signs == {"LEAD": 1, "COHES": 1, "HRS": -1}


def test_other_coverage_is_scipys_too(soldiers):
    table = correlations(soldiers, predictors=["COHES"], outcomes=["WBEING"], confidence=0.9)
    both = soldiers[["COHES", "WBEING"]].dropna()
    low, high = stats.pearsonr(both["COHES"], both["WBEING"]).confidence_interval(0.9)
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx((low, high))


def test_pairs_too_small_or_without_variance_are_left_out():
    scores = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "b": [2.0, 2, 2, 2, 2, 2], "y": range(6)})
    assert correlations(scores, predictors=["a"], outcomes=["y"], min_n=10).empty
    assert correlations(scores, predictors=["b"], outcomes=["y"], min_n=4).empty
    assert len(correlations(scores, predictors=["a"], outcomes=["y"], min_n=4)) == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"predictors": ["nope"]}, "no column"),
        ({"confidence": 1.0}, "confidence"),
        ({"min_n": 3}, "min_n"),
    ],
)
def test_bad_input_is_named(bad, message):
    scores = pd.DataFrame({"a": [1.0, 2, 3, 4], "y": [1.0, 3, 2, 4]})
    arguments = {"predictors": ["a"], "outcomes": ["y"], "min_n": 4} | bad
    with pytest.raises(ValueError, match=message):
        correlations(scores, **arguments)


@pytest.mark.parametrize(
    ("r", "word"), [(0.55, "strong"), (-0.31, "moderate"), (0.1, "small"), (0.09, "negligible")]
)
def test_strength_in_words_follows_cohen(r, word):
    assert strength(r) == word
