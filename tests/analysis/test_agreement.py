"""rwg, rwg(j) and ICC against R's multilevel package, plus the documented edge cases.

Expected values come from ``tests/reference/expected/multilevel_*.json`` (multilevel 2.7
on R 4.2.2, see the reference README, section 5.1); the tolerance is the README's 1e-9.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trustmirror.analysis.agreement import (
    GroupIndex,
    expected_null_variance,
    icc,
    icc_table,
    rwg,
    rwg_j,
    rwg_j_lindell,
    rwg_j_table,
    rwg_table,
)

TOLERANCE = 1e-9


# --------------------------------------------------------------------------- reference data


def as_number(value: object) -> float:
    """A JSON number, with R's ``"NA"``/``"NaN"``/``"Inf"`` strings (reference README 2)."""
    if isinstance(value, str):
        return {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[value]
    return float(value)


def _label(value: object) -> str:
    """Group ids as the JSON writes them: strings, integers without a decimal point."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _scale_points(case, ranvar: float) -> int:
    """The number of answer options; the uniform null (A^2 - 1)/12 must give ranvar."""
    options = case.expected.get("response_options")
    if isinstance(options, list):
        points = len(options)
    elif isinstance(options, int | float):
        points = int(options)
    elif isinstance(options, dict) and "n" in options:
        points = int(options["n"])
    else:
        points = round(math.sqrt(12 * ranvar + 1))
    assert expected_null_variance(points) == pytest.approx(ranvar, abs=TOLERANCE)
    return points


def _grouping(case, key: str | None) -> pd.Series:
    """Group labels for a ``by_<KEY>`` block; KEY may join columns with "_" (UNIT_PLATOON)."""
    data = case.data
    if key is None:
        column = str(case.expected["group_column"]).split()[0]
        return data[column]
    if key in data.columns:
        return data[key]
    columns = key.split("_")
    assert all(column in data.columns for column in columns), key
    return data[columns].astype(str).agg("_".join, axis=1)


def _blocks(node: dict, marker: str, key: str | None = None) -> Iterator[tuple[str | None, dict]]:
    """Blocks holding ``marker`` with the ``by_<KEY>`` grouping they sit under."""
    if marker in node:
        yield key, node
        return
    for name, child in node.items():
        if isinstance(child, dict):
            yield from _blocks(child, marker, name[3:] if name.startswith("by_") else key)


def _assert_close(actual: float, expected: object, what: str) -> None:
    wanted = as_number(expected)
    if math.isnan(wanted):
        assert math.isnan(actual), f"{what}: expected NA, got {actual}"
    else:
        assert actual == pytest.approx(wanted, abs=TOLERANCE), what


@pytest.fixture
def case(multilevel_case):
    """Each ``multilevel_*`` reference case (see conftest.py), as ``ReferenceCase``."""
    return multilevel_case


def test_rwg_matches_multilevel(case) -> None:
    """rwg per item and group, gsize and absent (all-missing) groups as multilevel::rwg."""
    rwg_block = case.expected["rwg"]
    points = _scale_points(case, rwg_block["ranvar"])
    checked = 0
    for key, items in _item_tables(rwg_block):
        groups = _grouping(case, key)
        for item, records in items.items():
            table = rwg_table(case.data[item], groups, scale_points=points)
            table.index = [_label(label) for label in table.index]
            assert sorted(table.index) == sorted(record["grpid"] for record in records), item
            for record in records:
                row = table.loc[record["grpid"]]
                what = f"{case.name} {key} {item} group {record['grpid']}"
                _assert_close(row["rwg"], record["rwg"], what)
                assert row["gsize"] == record["gsize"], what
                checked += 1
            series = rwg(case.data[item], scale_points=points, groups=groups)
            np.testing.assert_array_equal(series.to_numpy(), table["rwg"].to_numpy())
    assert checked > 0


def _item_tables(rwg_block: dict) -> Iterator[tuple[str | None, dict]]:
    if "results" in rwg_block:
        yield None, rwg_block["results"]
    for name, child in rwg_block.items():
        if name.startswith("by_"):
            yield name[3:], child


def test_rwg_j_matches_multilevel(case) -> None:
    """rwg(j) and Lindell's r*wg(j) per group, gsize, and the summary over groups."""
    blocks = list(_blocks(case.expected["rwg_j"], "per_group"))
    assert blocks
    for key, block in blocks:
        points = _scale_points(case, block["ranvar"])
        groups = _grouping(case, key)
        items = case.data[block["items"]]
        table = rwg_j_table(items, groups, scale_points=points)
        table.index = [_label(label) for label in table.index]
        records = block["per_group"]
        assert sorted(table.index) == sorted(record["grpid"] for record in records)
        for record in records:
            row = table.loc[record["grpid"]]
            what = f"{case.name} {key} {block['items']} group {record['grpid']}"
            _assert_close(row["rwg_j"], record["rwg_j"], what)
            _assert_close(row["rwg_j_lindell"], record["rwg_j_lindell"], what)
            assert row["gsize"] == record["gsize"], what

        # The summary skips NA groups (README 5.1).
        summary = block["summary"]
        assert len(table) == summary["n_groups"]
        assert table["rwg_j"].notna().sum() == summary["n_groups_non_na"]
        _assert_close(table["rwg_j"].mean(), summary["mean_rwg_j"], "mean rwg_j")
        _assert_close(table["rwg_j"].median(), summary["median_rwg_j"], "median rwg_j")
        _assert_close(table["rwg_j_lindell"].mean(), summary["mean_rwg_j_lindell"], "mean lindell")

        by_function = rwg_j(items, scale_points=points, groups=groups)
        np.testing.assert_array_equal(by_function.to_numpy(), table["rwg_j"].to_numpy())
        lindell = rwg_j_lindell(items, scale_points=points, groups=groups)
        np.testing.assert_array_equal(lindell.to_numpy(), table["rwg_j_lindell"].to_numpy())


def test_icc_matches_multilevel(case) -> None:
    """ICC(1) (k = N/G), ICC(2), MSB, MSW, df and sizes as aov + multilevel::ICC1/ICC2."""
    checked = 0
    for key, block in _icc_blocks(case.expected["icc"]):
        groups = _grouping(case, key)
        for variable, spec in block.items():
            values = _icc_values(case, variable, spec)
            if values is None:
                continue  # a derived score whose recipe the JSON does not give
            result = icc(values, groups)
            what = f"{case.name} {key} {variable}"
            for field, name in [
                ("icc1", "ICC1"),
                ("icc2", "ICC2"),
                ("msb", "MSB"),
                ("msw", "MSW"),
                ("mean_group_size", "mean_group_size"),
            ]:
                _assert_close(getattr(result, field), spec[name], f"{what} {name}")
            assert result.df_between == spec["df_between"], what
            assert result.df_within == spec["df_within"], what
            assert result.n_obs == spec["n_obs"], what
            assert result.n_groups == spec["n_groups"], what
            checked += 1
    assert checked > 0


def _icc_values(case, variable: str, spec: dict) -> pd.Series | None:
    """A data column, or the README's derived ``scale_complete``/``scale_available``.

    Those are row means of the keyed ``item*`` columns; a reversed item is written in the
    definition as ``8 - item6`` (or with a minus sign), and is reversed the same way here.
    """
    if variable in case.data.columns:
        return case.data[variable]
    if variable not in ("scale_complete", "scale_available"):
        return None
    items = case.data.filter(regex=r"^item\d+$").astype(float)
    if items.empty:
        return None
    for constant, item in re.findall(r"(\d+)\s*[-\u2212]\s*(item\d+)", spec["definition"]):
        items[item] = float(constant) - items[item]
    return items.mean(axis=1, skipna=variable == "scale_available")


def _icc_blocks(icc_block: dict) -> Iterator[tuple[str | None, dict]]:
    plain = {name: spec for name, spec in icc_block.items() if "ICC1" in spec}
    if plain:
        yield None, plain
    for name, child in icc_block.items():
        if name.startswith("by_"):
            yield name[3:], child


def test_icc_table_equals_icc_per_column(reference_case) -> None:
    """icc_table is icc applied to each column (bh1996 scale scores, reference README 5.1)."""
    data = reference_case("multilevel_bh1996").data
    table = icc_table(data[["COHES", "LEAD", "HRS"]], data["GRP"])
    for column in ["COHES", "LEAD", "HRS"]:
        single = icc(data[column], data["GRP"])
        assert table.loc[column, "icc1"] == single.icc1
        assert table.loc[column, "msw"] == single.msw


# --------------------------------------------------------------------------- edge cases


def test_hand_computed_rwg_and_rwg_j() -> None:
    """A tiny case worked out by hand on a five-point scale (null variance 2).

    Group "a": item 1 answers 4, 4, 5 -> mean 13/3, squared deviations 1/9 + 1/9 + 4/9 = 2/3,
    s^2 = (2/3)/2 = 1/3, rwg = 1 - (1/3)/2 = 5/6. Item 2 answers 2, 3, 4 -> s^2 = 1,
    rwg = 1/2. For rwg(j): mean variance (1/3 + 1)/2 = 2/3, ratio 1/3, J = 2,
    rwg(j) = 2(2/3) / (2(2/3) + 1/3) = (4/3)/(5/3) = 4/5; r*wg(j) = 1 - 1/3 = 2/3.
    """
    items = np.array([[4, 2], [4, 3], [5, 4]], dtype=float)
    assert rwg(items[:, 0], scale_points=5) == pytest.approx(5 / 6, abs=1e-15)
    assert rwg(items[:, 1], scale_points=5) == pytest.approx(1 / 2, abs=1e-15)
    assert rwg_j(items, scale_points=5) == pytest.approx(4 / 5, abs=1e-15)
    assert rwg_j_lindell(items, scale_points=5) == pytest.approx(2 / 3, abs=1e-15)


def test_group_of_one_is_nan_and_group_of_two_uses_sample_variance() -> None:
    """One answer has no variance (NA in multilevel); two answers 3 and 5 give s^2 = 2 -> 0."""
    values = [3.0, 3.0, 5.0, 4.0]
    table = rwg_table(values, ["pair", "pair", "pair2", "single"], scale_points=5)
    assert math.isnan(table.loc["single", "rwg"])
    assert table.loc["single", "gsize"] == 1
    # pair: answers 3 and 3 -> 1; pair2 is the single answer 5 -> NaN
    assert table.loc["pair", "rwg"] == 1.0
    two = rwg_table([3.0, 5.0, 4.0, 5.0], ["x", "x", "y", "y"], scale_points=5)
    assert two.loc["x", "rwg"] == 0.0  # s^2 = 2 = null
    assert two.loc["y", "rwg"] == pytest.approx(1 - 0.5 / 2)  # s^2 = 0.5
    assert math.isnan(rwg([4.0], scale_points=5))
    assert math.isnan(rwg_j([[4.0, 5.0]], scale_points=5))


def test_zero_variance_gives_one_and_spread_above_null_gives_zero() -> None:
    """Perfect agreement is 1; answers split between 1 and 5 (s^2 = 16/3 > 2) truncate to 0."""
    assert rwg([2, 2, 2, 2], scale_points=5) == 1.0
    assert rwg_j([[2, 4], [2, 4], [2, 4]], scale_points=5) == 1.0
    assert rwg_j_lindell([[2, 4], [2, 4], [2, 4]], scale_points=5) == 1.0
    split = [[1, 1], [5, 5], [1, 5], [5, 1]]
    assert rwg([1, 5, 1, 5], scale_points=5) == 0.0
    assert rwg_j(split, scale_points=5) == 0.0
    # Lindell's index is not truncated: 1 - (16/3)/2 = -5/3.
    assert rwg_j_lindell(split, scale_points=5) == pytest.approx(-5 / 3)


def test_missing_answers_pairwise_for_rwg_listwise_for_rwg_j() -> None:
    """rwg drops a missing answer per item; rwg(j) drops the respondent (complete cases)."""
    items = pd.DataFrame({"q1": [3, 3, 5, np.nan], "q2": [1, 4, 4, 4]})
    groups = ["g", "g", "g", "g"]
    item2 = rwg_table(items["q2"], groups, scale_points=5)
    assert item2.loc["g", "gsize"] == 4
    item1 = rwg_table(items["q1"], groups, scale_points=5)
    assert item1.loc["g", "gsize"] == 3
    table = rwg_j_table(items, groups, scale_points=5)
    assert table.loc["g", "gsize"] == 3
    # complete cases (3,1), (3,4), (5,4): variances 4/3 and 3 -> truncated mean 2 -> 0.
    assert table.loc["g", "rwg_j"] == 0.0
    assert table.loc["g", "rwg_j_lindell"] == pytest.approx(1 - (4 / 3 + 3) / 2 / 2)


def test_group_without_answers_is_absent_and_missing_labels_are_ignored() -> None:
    """A group whose members all skipped the item does not appear (README: item5, T08)."""
    values = [4, 5, np.nan, np.nan, 3]
    groups = ["A", "A", "B", "B", None]
    table = rwg_table(values, groups, scale_points=5)
    assert list(table.index) == ["A"]
    assert table.loc["A", "gsize"] == 2
    items = pd.DataFrame({"a": [4, 5, 3, np.nan], "b": [4, 4, np.nan, 2]})
    assert list(rwg_j_table(items, ["A", "A", "B", "B"], scale_points=5).index) == ["A"]


def test_zeros_are_answers_not_missing() -> None:
    """lq2002's HOSTIL items run 0..4: zeros count, only NaN is missing."""
    table = rwg_table([0, 0, 1], ["g", "g", "g"], scale_points=5)
    assert table.loc["g", "gsize"] == 3


def test_scale_points_sets_the_uniform_null() -> None:
    """(A^2 - 1)/12: 2 for five points, 4 for seven (README: ranvar 4 in a hidden case)."""
    assert expected_null_variance(5) == 2.0
    assert expected_null_variance(7) == 4.0
    assert expected_null_variance(2) == 0.25
    # s^2 = 2: 0 against the five-point null, 0.5 against the seven-point one.
    assert rwg([3, 5], scale_points=7) == 0.5


def test_alternative_null_variances() -> None:
    """LeBreton & Senter (2008, table 2) five-point null variances, and an explicit number."""
    published = {
        "slight_skew": 1.34,
        "moderate_skew": 0.90,
        "heavy_skew": 0.44,
        "triangular": 1.32,
        "normal": 1.04,
    }
    for name, variance in published.items():
        assert expected_null_variance(5, name) == pytest.approx(variance, abs=1e-12)
    # s^2 = 0.5 against the heavy-skew null 0.44: truncated to 0.
    assert rwg([3, 4], scale_points=5, null_variance="heavy_skew") == 0.0
    assert rwg([3, 4], scale_points=5, null_variance=1.0) == 0.5
    assert rwg_j([[3, 3], [4, 4]], scale_points=5, null_variance=1.0) == pytest.approx(
        2 * 0.5 / (2 * 0.5 + 0.5)
    )
    with pytest.raises(ValueError, match="5-point"):
        expected_null_variance(7, "slight_skew")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rwg([1, 2], scale_points=1), "at least 2"),
        (lambda: rwg([1, 2], scale_points=4.5), "integer"),
        (lambda: rwg([[1, 2]], scale_points=5), "one-dimensional"),
        (lambda: rwg([1, 2], scale_points=5, groups=["a"]), "1 labels but there are 2"),
        (lambda: rwg(["x", "y"], scale_points=5), "numeric"),
        (lambda: rwg([1, np.inf], scale_points=5), "infinite"),
        (lambda: rwg_j([1, 2], scale_points=5), "two-dimensional"),
        (lambda: rwg_j(np.ones((3, 2)), scale_points=5, groups=[1, 2]), "2 labels but there"),
        (lambda: rwg([1, 2], scale_points=5, null_variance=0), "positive"),
        (lambda: rwg([1, 2], scale_points=5, null_variance="wild"), "unknown null"),
        (lambda: icc([1, 2, 3], [1, 2]), "2 labels but there are 3"),
        (lambda: icc([1, 2], [1, 2], group_size="median"), "group_size"),
    ],
)
def test_bad_input_raises_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_icc_hand_computed_and_undefined_cases() -> None:
    """Two groups of two: (1, 3) and (4, 6).

    Group means 2 and 5, grand mean 3.5: SSB = 2(1.5^2) + 2(1.5^2) = 9, MSB = 9/1 = 9;
    SSW = 1 + 1 + 1 + 1 = 4, MSW = 4/2 = 2; k = 2: ICC(1) = 7/(9 + 2) = 7/11,
    ICC(2) = 7/9.
    """
    result = icc([1, 3, 4, 6], ["a", "a", "b", "b"])
    assert result.msb == pytest.approx(9.0)
    assert result.msw == pytest.approx(2.0)
    assert result.icc1 == pytest.approx(7 / 11)
    assert result.icc2 == pytest.approx(7 / 9)
    assert (result.df_between, result.df_within, result.n_obs, result.n_groups) == (1, 2, 4, 2)

    one_group = icc([1, 2, 3], ["a", "a", "a"])
    assert math.isnan(one_group.icc1) and math.isnan(one_group.msb)
    singletons = icc([1, 2, 3], ["a", "b", "c"])
    assert math.isnan(singletons.msw) and math.isnan(singletons.icc1)
    constant = icc([2, 2, 2, 2], ["a", "a", "b", "b"])
    assert math.isnan(constant.icc1) and math.isnan(constant.icc2)


def test_icc_n0_group_size_for_unequal_groups() -> None:
    """n0 = (N - sum n_g^2 / N)/(G - 1): sizes 1 and 3 give (4 - 10/4)/1 = 1.5, not 2."""
    result = icc([1, 2, 3, 5], ["a", "b", "b", "b"], group_size="n0")
    assert result.group_size == pytest.approx(1.5)
    assert result.mean_group_size == 2.0
    mean_k = icc([1, 2, 3, 5], ["a", "b", "b", "b"])
    assert mean_k.group_size == 2.0
    assert result.icc2 == mean_k.icc2


def test_group_index_can_be_reused() -> None:
    """A precomputed GroupIndex gives the same result as raw labels."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 40, size=500)
    items = rng.integers(1, 6, size=(500, 3)).astype(float)
    index = GroupIndex.from_labels(labels)
    pd.testing.assert_frame_equal(
        rwg_j_table(items, index, scale_points=5), rwg_j_table(items, labels, scale_points=5)
    )


# --------------------------------------------------------------------------- properties


@st.composite
def _grouped_answers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=60))
    n_items = draw(st.integers(min_value=1, max_value=4))
    answers = draw(
        hnp.arrays(
            float,
            (n, n_items),
            elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
        )
    )
    groups = draw(hnp.arrays(np.int64, n, elements=st.integers(min_value=0, max_value=6)))
    return answers, groups


@settings(max_examples=150, deadline=None)
@given(_grouped_answers())
def test_vectorised_equals_per_group_loop(data: tuple[np.ndarray, np.ndarray]) -> None:
    """Computing all groups at once equals computing each group on its own."""
    answers, groups = data
    table = rwg_j_table(answers, groups, scale_points=5)
    item_table = rwg_table(answers[:, 0], groups, scale_points=5)
    for label in np.unique(groups):
        members = answers[groups == label]
        complete = members[~np.isnan(members).any(axis=1)]
        if len(complete) == 0:
            assert label not in table.index
        else:
            single = rwg_j(members, scale_points=5)
            np.testing.assert_allclose(table.loc[label, "rwg_j"], single, atol=1e-12)
            assert table.loc[label, "gsize"] == len(complete)
        first = members[:, 0]
        if np.isnan(first).all():
            assert label not in item_table.index
        else:
            np.testing.assert_allclose(
                item_table.loc[label, "rwg"], rwg(first, scale_points=5), atol=1e-12
            )


@settings(max_examples=150, deadline=None)
@given(_grouped_answers(), st.integers(min_value=2, max_value=9))
def test_rwg_lies_between_zero_and_one(
    data: tuple[np.ndarray, np.ndarray], scale_points: int
) -> None:
    """rwg and rwg(j) are truncated into [0, 1]; r*wg(j) never exceeds 1."""
    answers, groups = data
    table = rwg_j_table(answers, groups, scale_points=scale_points)
    values = table["rwg_j"].dropna()
    assert ((values >= 0) & (values <= 1)).all()
    assert (table["rwg_j_lindell"].dropna() <= 1).all()
    single = rwg_table(answers[:, 0], groups, scale_points=scale_points)["rwg"].dropna()
    assert ((single >= 0) & (single <= 1)).all()
