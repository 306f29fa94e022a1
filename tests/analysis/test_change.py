"""Change between scans: Welch interval against scipy and statsmodels, Hedges' g by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from trustmirror.analysis.change import (
    change_from_summaries,
    hedges_correction,
    unit_changes,
    welch_change,
)


def test_welch_matches_scipy_and_statsmodels() -> None:
    """t, df, p and the interval equal scipy's Welch test and statsmodels' unequal-variance CI."""
    rng = np.random.default_rng(20261127)
    before = rng.normal(3.2, 0.9, size=23)
    after = rng.normal(3.6, 0.5, size=31)
    change = welch_change(before, after, confidence=0.9)
    reference = stats.ttest_ind(after, before, equal_var=False)
    assert change.difference == pytest.approx(after.mean() - before.mean(), abs=1e-12)
    assert change.t == pytest.approx(reference.statistic, abs=1e-12)
    assert change.df == pytest.approx(reference.df, abs=1e-9)
    assert change.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    low, high = reference.confidence_interval(0.9)
    assert (change.ci_low, change.ci_high) == pytest.approx((low, high), abs=1e-12)
    compare = CompareMeans(DescrStatsW(after), DescrStatsW(before))
    assert (change.ci_low, change.ci_high) == pytest.approx(
        compare.tconfint_diff(alpha=0.1, usevar="unequal"), abs=1e-12
    )


def test_hedges_g_hand_computed() -> None:
    """before 1, 2, 3 and after 2, 3, 4: difference 1, s1 = s2 = 1, pooled SD 1, d = 1.

    m = 4: J(4) = Gamma(2) / (sqrt(2) Gamma(1.5)) = 1 / (1.4142136 * 0.8862269) = 0.7978846,
    so g = 0.7978846. Welch: SE = sqrt(1/3 + 1/3) = 0.8164966, df = 4.
    """
    change = welch_change([1, 2, 3], [2, 3, 4])
    assert change.difference == 1.0
    assert change.hedges_g == pytest.approx(0.7978846, abs=1e-7)
    assert change.se == pytest.approx(0.8164966, abs=1e-7)
    assert change.df == pytest.approx(4.0)


def test_hedges_correction_table_values() -> None:
    """Hedges (1981) / Hedges & Olkin (1985, table 2): J(10) = .9227."""
    assert hedges_correction(10) == pytest.approx(0.9227, abs=5e-5)
    # The usual approximation 1 - 3/(4m - 1) is close for moderate m, and J -> 1.
    assert hedges_correction(30) == pytest.approx(1 - 3 / 119, abs=1e-4)
    assert hedges_correction(1e6) == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(float(hedges_correction(1)))


def test_undefined_cases_are_nan() -> None:
    """One score has no SD; two scans without spread have SE 0: no t, interval or g."""
    single = welch_change([3.0], [2, 3, 4])
    assert math.isnan(single.se) and math.isnan(single.ci_low) and math.isnan(single.hedges_g)
    assert single.difference == 0.0
    flat = welch_change([3, 3, 3], [4, 4])
    assert flat.difference == 1.0
    assert math.isnan(flat.t) and math.isnan(flat.df) and math.isnan(flat.hedges_g)
    with_missing = welch_change([1, np.nan, 2, 3], [2, 3, 4, np.nan])
    assert with_missing.n_before == 3 and with_missing.n_after == 3


def test_unit_changes_equal_per_unit_welch() -> None:
    """Per unit and construct, the vectorised table equals welch_change on that unit alone."""
    rng = np.random.default_rng(7)
    before = pd.DataFrame(rng.normal(3, 1, size=(120, 2)), columns=["trust", "fear"])
    after = pd.DataFrame(rng.normal(3.3, 1, size=(100, 3)), columns=["trust", "fear", "new"])
    before.iloc[::9, 0] = np.nan
    before_units = rng.choice(["a", "b", "c"], size=120)
    after_units = rng.choice(["a", "b", "d"], size=100)
    table = unit_changes(before, before_units, after, after_units)
    assert list(table.index.get_level_values("construct").unique()) == ["trust", "fear"]
    for unit in ["a", "b"]:
        for construct in ["trust", "fear"]:
            alone = welch_change(
                before.loc[before_units == unit, construct],
                after.loc[after_units == unit, construct],
            )
            row = table.loc[(unit, construct)]
            for field in ["difference", "se", "df", "p_value", "ci_low", "ci_high", "hedges_g"]:
                assert row[field] == pytest.approx(getattr(alone, field), abs=1e-12), field
            assert row["n_before"] == alone.n_before
    # A unit in one scan only: counted as 0 on the other side, no change.
    only_before = table.loc[("c", "trust")]
    assert only_before["n_after"] == 0 and math.isnan(only_before["difference"])
    assert table.loc[("d", "fear"), "n_before"] == 0


def test_from_summaries_vectorised() -> None:
    frame = change_from_summaries([10, 20], [3.0, 3.0], [1.0, 1.0], [10, 20], [3.5, 2.5], [1, 1])
    assert list(frame["difference"]) == [0.5, -0.5]
    assert frame["df"].tolist() == pytest.approx([18.0, 38.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: welch_change([[1, 2]], [1, 2]), "one-dimensional"),
        (lambda: welch_change(["a"], [1, 2]), "numeric"),
        (lambda: welch_change([1, 2], [1, 2], confidence=0), "confidence"),
        (lambda: change_from_summaries([1, 2], [1, 2, 3], 1, 2, 1, 1), "matching lengths"),
        (lambda: change_from_summaries(5, 3, -1, 5, 3, 1), "standard deviations"),
        (lambda: change_from_summaries(-5, 3, 1, 5, 3, 1), "counts"),
        (
            lambda: unit_changes(
                pd.DataFrame({"a": [1.0]}), ["x"], pd.DataFrame({"b": [1.0]}), ["x"]
            ),
            "share no construct",
        ),
    ],
)
def test_bad_input_raises_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
