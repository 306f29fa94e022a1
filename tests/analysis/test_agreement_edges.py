"""ICC and rwg at their edges, with expected values worked out by hand (no reference data).

The ICC formulas are those of Bliese (2000), as in the docstring of
``trustmirror.analysis.agreement.icc``: with N observations in G groups,

    MSB = sum_g n_g (mean_g - grand mean)^2 / (G - 1)
    MSW = sum_g sum_i (y_i - mean_g)^2 / (N - G)
    ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW),   ICC(2) = (MSB - MSW) / MSB

with k = N / G, or n0 = (N - sum_g n_g^2 / N) / (G - 1) for unequal groups (Snedecor &
Cochran 1989). rwg and rwg(j) follow James, Demaree & Wolf (1984) and r*wg(j) Lindell, Brandt &
Whitney (1999). Undefined results are NaN and raise no warning ("never an error").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis.agreement import (
    expected_null_variance,
    icc,
    icc_table,
    rwg,
    rwg_j,
    rwg_j_lindell,
    rwg_j_table,
    rwg_table,
)

pytestmark = pytest.mark.filterwarnings("error")

# Three groups of unequal size (2, 3, 4), worked out by hand:
#   a: 1, 3        mean 2
#   b: 2, 4, 6     mean 4
#   c: 4, 6, 5, 5  mean 5          N = 9, G = 3, grand mean 36/9 = 4
# SSB = 2(2-4)^2 + 3(4-4)^2 + 4(5-4)^2 = 8 + 0 + 4 = 12, df 2, MSB = 6
# SSW = (1 + 1) + (4 + 0 + 4) + (1 + 1 + 0 + 0) = 12, df 6, MSW = 2
# k = N/G = 3:   ICC(1) = (6 - 2)/(6 + 2 * 2) = 4/10
# n0 = (9 - (4 + 9 + 16)/9)/2 = (52/9)/2 = 26/9:
#                ICC(1) = 4/(6 + (26/9 - 1) * 2) = 4/(88/9) = 9/22
# ICC(2) = (6 - 2)/6 = 2/3 either way.
THREE_VALUES = [1, 3, 2, 4, 6, 4, 6, 5, 5]
THREE_GROUPS = ["a", "a", "b", "b", "b", "c", "c", "c", "c"]


def test_icc_of_three_unequal_groups_by_hand():
    result = icc(THREE_VALUES, THREE_GROUPS)
    assert result.msb == pytest.approx(6.0)
    assert result.msw == pytest.approx(2.0)
    assert (result.df_between, result.df_within, result.n_obs, result.n_groups) == (2, 6, 9, 3)
    assert result.mean_group_size == result.group_size == 3.0
    assert result.icc1 == pytest.approx(4 / 10)
    assert result.icc2 == pytest.approx(2 / 3)


def test_n0_of_three_unequal_groups_by_hand():
    """With two groups (G - 1 = 1) dividing or multiplying by G - 1 agree; with three not."""
    result = icc(THREE_VALUES, THREE_GROUPS, group_size="n0")
    assert result.group_size == pytest.approx(26 / 9)
    assert result.mean_group_size == 3.0
    assert result.icc1 == pytest.approx(9 / 22)
    assert result.icc2 == pytest.approx(2 / 3)


def test_one_degree_of_freedom_within_groups_is_enough():
    """a: 1, 3 and b: 5. N - G = 1: MSW = ((1-2)^2 + (3-2)^2)/1 = 2; means 2 and 5, grand 3,
    MSB = (2(2-3)^2 + 1(5-3)^2)/1 = 6; k = 3/2: ICC(1) = 4/(6 + 0.5 * 2) = 4/7."""
    result = icc([1, 3, 5], ["a", "a", "b"])
    assert (result.msw, result.msb) == (pytest.approx(2.0), pytest.approx(6.0))
    assert result.icc1 == pytest.approx(4 / 7)


# -- missing answers ---------------------------------------------------------------------------

# Groups a (1, 3) and b (4, 6): MSB = 9, MSW = 2, ICC(1) = 7/11, ICC(2) = 7/9 (as in
# test_agreement.py::test_icc_hand_computed_and_undefined_cases).
TWO_GROUPS_ICC1, TWO_GROUPS_ICC2 = 7 / 11, 7 / 9


def test_a_group_without_answers_does_not_count_in_the_icc():
    """Team c skipped the item entirely: G is 2, not 3, so df and MSB are those of a and b."""
    result = icc([1, 3, 4, 6, np.nan, np.nan], ["a", "a", "b", "b", "c", "c"])
    assert (result.n_groups, result.df_between, result.df_within, result.n_obs) == (2, 1, 2, 4)
    assert result.msb == pytest.approx(9.0)
    assert result.icc1 == pytest.approx(TWO_GROUPS_ICC1)
    assert result.icc2 == pytest.approx(TWO_GROUPS_ICC2)


def test_icc_table_counts_a_group_only_in_the_columns_it_answered():
    """Column x: three groups (c answered 2, 2); column y: c answered nothing, so two groups.

    x by hand: means 2, 5, 2, grand 3; SSB = 2 + 8 + 2 = 12, MSB = 12/2 = 6;
    SSW = 2 + 2 + 0 = 4, MSW = 4/3; k = 2: ICC(1) = (14/3)/(6 + 4/3) = 7/11.
    """
    frame = pd.DataFrame(
        {"x": [1, 3, 4, 6, 2, 2], "y": [1, 3, 4, 6, np.nan, np.nan]}, index=list("pqrstu")
    )
    table = icc_table(frame, ["a", "a", "b", "b", "c", "c"])
    assert list(table.index) == ["x", "y"]
    assert table.loc["x", "n_groups"] == 3 and table.loc["y", "n_groups"] == 2
    assert table.loc["x", "msb"] == pytest.approx(6.0)
    assert table.loc["x", "msw"] == pytest.approx(4 / 3)
    assert table.loc["x", "icc1"] == pytest.approx(7 / 11)
    assert table.loc["y", "df_between"] == 1
    assert table.loc["y", "icc1"] == pytest.approx(TWO_GROUPS_ICC1)
    assert table.loc["y", "icc2"] == pytest.approx(TWO_GROUPS_ICC2)
    single = icc(frame["y"], ["a", "a", "b", "b", "c", "c"])
    assert table.loc["y", "icc1"] == single.icc1 and table.loc["y", "msw"] == single.msw


def test_missing_answers_and_labels_are_dropped_from_the_icc():
    """A missing answer inside a group, a respondent without a group, and pandas' NA."""
    values = pd.Series([1, 3, pd.NA, 4, 6, 9], dtype="Int64")
    result = icc(values, ["a", "a", "a", "b", "b", None])
    assert (result.n_obs, result.n_groups) == (4, 2)
    assert result.icc1 == pytest.approx(TWO_GROUPS_ICC1)


def test_icc_table_wants_a_data_frame():
    with pytest.raises(ValueError, match="pandas DataFrame"):
        icc_table(np.ones((4, 2)), [1, 1, 2, 2])
    with pytest.raises(ValueError, match="at least one column"):
        icc_table(pd.DataFrame(index=range(4)), [1, 1, 2, 2])


# -- too little data ---------------------------------------------------------------------------


def test_a_single_group_has_no_between_group_statistics():
    """One group of 1, 2, 3: MSW = 2/2 = 1 is defined; MSB, ICC(1), ICC(2) and n0 are not."""
    for group_size in ("mean", "n0"):
        result = icc([1, 2, 3], ["a", "a", "a"], group_size=group_size)
        assert (result.n_groups, result.df_between, result.df_within) == (1, 0, 2)
        assert result.msw == 1.0
        assert math.isnan(result.msb) and math.isnan(result.icc1) and math.isnan(result.icc2)
    assert math.isnan(icc([1, 2, 3], ["a", "a", "a"], group_size="n0").group_size)


@pytest.mark.parametrize(
    ("values", "groups"),
    [([], []), ([np.nan, np.nan], ["a", "b"]), ([1.0, 2.0], [None, None])],
    ids=["empty", "all missing", "no group"],
)
def test_no_usable_answer_gives_nan_not_an_error(values, groups):
    result = icc(values, groups)
    assert (result.n_obs, result.n_groups) == (0, 0)
    for field in ("icc1", "icc2", "msb", "msw", "mean_group_size"):
        assert math.isnan(getattr(result, field)), field
    assert math.isnan(icc(values, groups, group_size="n0").group_size)


def test_rwg_without_enough_answers_is_nan():
    assert math.isnan(rwg([], scale_points=5))
    assert math.isnan(rwg([np.nan, 3.0], scale_points=5))
    # No complete case at all: every respondent skipped one of the items.
    assert math.isnan(rwg_j([[1.0, np.nan], [np.nan, 2.0]], scale_points=5))
    assert math.isnan(rwg_j_lindell([[1.0, np.nan], [np.nan, 2.0]], scale_points=5))
    assert rwg_table([np.nan, np.nan], ["a", "a"], scale_points=5).empty


# -- null variance with groups -----------------------------------------------------------------


def test_a_null_variance_is_used_for_every_group():
    """Group x answers 3, 4 (s^2 = 1/2), group y 2, 2, 2 (s^2 = 0), against a null of 1.

    rwg(x) = 1 - 0.5/1 = 1/2 (against the uniform five-point null 2 it would be 3/4).
    """
    values = [3, 4, 2, 2, 2]
    groups = ["x", "x", "y", "y", "y"]
    table = rwg_table(values, groups, scale_points=5, null_variance=1.0)
    assert table["rwg"].to_dict() == {"x": 0.5, "y": 1.0}
    series = rwg(values, scale_points=5, groups=groups, null_variance=1.0)
    assert series.name == "rwg"
    assert series.to_dict() == {"x": 0.5, "y": 1.0}
    assert rwg(values, scale_points=5, groups=groups).to_dict() == {"x": 0.75, "y": 1.0}
    # A named null: heavy skew (LeBreton & Senter 2008, variance 0.44) is below 1/2: 0.
    assert rwg(values, scale_points=5, groups=groups, null_variance="heavy_skew")["x"] == 0.0


def test_a_null_variance_is_used_for_rwg_j_of_every_group():
    """Group x answers (3, 3) and (4, 4): both item variances 1/2; against a null of 1 the
    ratio is 1/2, rwg(j) = 2(1/2)/(2(1/2) + 1/2) = 2/3 and r*wg(j) = 1 - 1/2 = 1/2.
    Against the uniform null 2: ratio 1/4, rwg(j) = 1.5/1.75 = 6/7, r*wg(j) = 3/4."""
    items = [[3, 3], [4, 4], [2, 5], [2, 5]]
    groups = ["x", "x", "y", "y"]
    table = rwg_j_table(items, groups, scale_points=5, null_variance=1.0)
    assert table.loc["x", "rwg_j"] == pytest.approx(2 / 3)
    assert table.loc["x", "rwg_j_lindell"] == pytest.approx(1 / 2)
    assert table.loc["y", "rwg_j"] == 1.0
    james = rwg_j(items, scale_points=5, groups=groups, null_variance=1.0)
    lindell = rwg_j_lindell(items, scale_points=5, groups=groups, null_variance=1.0)
    assert (james.name, lindell.name) == ("rwg_j", "rwg_j_lindell")
    assert james["x"] == pytest.approx(2 / 3) and lindell["x"] == pytest.approx(1 / 2)
    uniform = rwg_j_lindell(items, scale_points=5, groups=groups)
    assert uniform["x"] == pytest.approx(3 / 4)
    assert rwg_j(items, scale_points=5, groups=groups)["x"] == pytest.approx(6 / 7)
    # One group without labels gives the same numbers.
    assert rwg_j_lindell(items[:2], scale_points=5, null_variance=1.0) == pytest.approx(1 / 2)


def test_groups_come_back_sorted_by_label():
    table = rwg_table([3, 4, 2, 2], ["beta", "beta", "alpha", "alpha"], scale_points=5)
    assert list(table.index) == ["alpha", "beta"]
    assert table["gsize"].to_dict() == {"alpha": 2, "beta": 2}


# -- clear errors ------------------------------------------------------------------------------


def test_the_uniform_null_can_be_named():
    assert expected_null_variance(5, "uniform") == 2.0
    assert expected_null_variance(7, "uniform") == 4.0


@pytest.mark.parametrize("null", [[2.0], True, {"v": 2}])
def test_a_null_variance_must_be_a_number_a_name_or_none(null):
    with pytest.raises(ValueError, match="must be a number, a name or None"):
        expected_null_variance(5, null)


def test_unknown_null_names_list_the_known_ones():
    with pytest.raises(ValueError, match="known: uniform, slight_skew"):
        expected_null_variance(5, "wild")
    with pytest.raises(ValueError, match="pass null_variance as a number instead"):
        expected_null_variance(7, "normal")


def test_groups_must_be_one_label_per_respondent():
    with pytest.raises(ValueError, match="one-dimensional: one label per respondent"):
        rwg([1, 2], scale_points=5, groups=np.array([[1], [2]]))
    with pytest.raises(ValueError, match="one-dimensional: one label per respondent"):
        icc([1, 2], pd.DataFrame({"g": [1, 2]}))


def test_items_need_a_column():
    with pytest.raises(ValueError, match="items must have at least one column"):
        rwg_j(np.empty((3, 0)), scale_points=5)


def test_icc_table_uses_the_group_size_asked_for():
    """The three unequal groups above: k = 3 by default, n0 = 26/9 on request."""
    frame = pd.DataFrame({"score": THREE_VALUES})
    assert icc_table(frame, THREE_GROUPS).loc["score", "group_size"] == 3.0
    n0 = icc_table(frame, THREE_GROUPS, group_size="n0").loc["score"]
    assert n0["group_size"] == pytest.approx(26 / 9)
    assert n0["icc1"] == pytest.approx(9 / 22)


def test_non_numeric_answers_name_what_was_wrong():
    with pytest.raises(ValueError, match="values must be numeric"):
        icc(["x", "y"], [1, 2])
    with pytest.raises(ValueError, match="items must be numeric"):
        rwg_j([["x", "y"]], scale_points=5)
