"""Per-unit statistics: against R's multilevel results (lq2002) and independent scipy code."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from trustmirror.analysis.agreement import icc
from trustmirror.analysis.teams import (
    agreement_level,
    level_icc,
    scale_summaries,
    team_statistics,
)

LQ_KEYS = {
    "LEAD": {f"LEAD{i:02d}": 1 for i in range(1, 12)},
    "TSIG": {f"TSIG{i:02d}": 1 for i in range(1, 4)},
}


@pytest.fixture
def lq2002(reference_case):
    """lq2002: 2042 soldiers in 49 companies; LEAD and TSIG items on a 1..5 scale.

    The HOSTIL items run 0..4 and are left out: team_statistics reads 0 as "don't know".
    """
    return reference_case("multilevel_lq2002")


def test_rwg_j_and_icc_per_company_match_multilevel(lq2002) -> None:
    """rwg(j), r*wg(j), complete cases and ICC as multilevel::rwg.j / ICC1 / ICC2 (README 5.1)."""
    data = lq2002.data
    result = team_statistics(data[["LEAD", "TSIG"]], data, data["COMPID"], LQ_KEYS)
    for construct in ["LEAD", "TSIG"]:
        block = lq2002.expected["rwg_j"][construct]
        for record in block["per_group"]:
            row = result.scales.loc[(int(record["grpid"]), construct)]
            assert row["rwg_j"] == pytest.approx(record["rwg_j"], abs=1e-9)
            assert row["rwg_j_lindell"] == pytest.approx(record["rwg_j_lindell"], abs=1e-9)
            assert row["rwg_j_n"] == record["gsize"]
        expected = lq2002.expected["icc"][construct]
        assert result.icc.loc[construct, "icc1"] == pytest.approx(expected["ICC1"], abs=1e-9)
        assert result.icc.loc[construct, "icc2"] == pytest.approx(expected["ICC2"], abs=1e-9)
        assert result.icc.loc[construct, "msb"] == pytest.approx(expected["MSB"], abs=1e-9)
    assert len(result.scales) == 49 * 2


def test_mean_sd_and_t_interval_match_scipy(lq2002) -> None:
    """Mean, SD and the t interval per company equal scipy.stats on each company alone."""
    data = lq2002.data
    result = team_statistics(
        data[["LEAD"]], data, data["COMPID"], {"LEAD": LQ_KEYS["LEAD"]}, confidence=0.9
    )
    for company, members in data.groupby("COMPID"):
        scores = members["LEAD"].to_numpy()
        row = result.scales.loc[(company, "LEAD")]
        low, high = stats.t.interval(
            0.9, len(scores) - 1, loc=scores.mean(), scale=stats.sem(scores)
        )
        assert row["n"] == len(scores)
        assert row["mean"] == pytest.approx(scores.mean(), abs=1e-12)
        assert row["sd"] == pytest.approx(scores.std(ddof=1), abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)


def _tiny() -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict]:
    """Team "north": three people; item b is reverse keyed; 0 is "don't know".

    Keyed answers (b -> 6 - b): ann (5, 4), bob (4, 5), cas (2, missing).
    Favourable (4 or 5): 4 of 5 answers = 0.8; distribution 1:0 2:1 3:0 4:2 5:2.
    Scores (given, as scoring would make them): 4.5, 4.5, NaN -> n 2, mean 4.5, SD 0.
    rwg(j) on complete cases ann and bob: item variances 0.5 and 0.5 -> S = 0.5,
    ratio 0.25, rwg(j) = 2(0.75)/(2(0.75) + 0.25) = 1.5/1.75 = 6/7.
    Team "south": one person -> no SD, interval or rwg(j).
    """
    answers = pd.DataFrame({"a": [5, 4, 2, 3], "b": [2, 1, 0, 3]})
    scores = pd.DataFrame({"trust": [4.5, 4.5, np.nan, 3.0]})
    units = ["north", "north", "north", "south"]
    keys = {"trust": {"a": 1, "b": -1}}
    return scores, answers, units, keys


def test_hand_computed_team() -> None:
    scores, answers, units, keys = _tiny()
    result = team_statistics(scores, answers, units, keys)
    north = result.scales.loc[("north", "trust")]
    assert north["n"] == 2
    assert north["mean"] == 4.5
    assert north["sd"] == 0.0
    assert north["n_answers"] == 5
    assert north["favourable"] == pytest.approx(0.8)
    assert north["rwg_j"] == pytest.approx(6 / 7)
    assert north["rwg_j_n"] == 2
    assert north["agreement"] == "high"
    assert bool(north["agrees"]) is True
    assert list(result.distribution.loc[("north", "trust")]) == [0, 1, 0, 2, 2]

    south = result.scales.loc[("south", "trust")]
    assert south["n"] == 1 and south["mean"] == 3.0
    assert math.isnan(south["sd"]) and math.isnan(south["ci_low"])
    assert math.isnan(south["rwg_j"])
    assert pd.isna(south["agreement"])
    assert pd.isna(south["agrees"])


def test_favourable_threshold_and_agreement_cutoff_are_parameters() -> None:
    scores, answers, units, keys = _tiny()
    result = team_statistics(
        scores, answers, units, keys, favourable_from=5, agreement_cutoffs=(0.5, 0.9)
    )
    north = result.scales.loc[("north", "trust")]
    assert north["favourable"] == pytest.approx(2 / 5)
    assert north["agreement"] == "moderate"
    assert bool(north["agrees"]) is False


def test_agreement_level_bands() -> None:
    """Below .50 low, from .50 moderate, from .70 high (cut-offs included in the upper band)."""
    levels = agreement_level([0.0, 0.49, 0.5, 0.69, 0.7, 1.0, np.nan])
    assert list(levels) == ["low", "low", "moderate", "moderate", "high", "high", None]
    assert list(agreement_level([0.6], cutoffs=(0.3, 0.5))) == ["high"]


def test_level_icc_per_level_equals_icc(lq2002) -> None:
    """Each level's ICC equals agreement.icc on that level's labels."""
    data = lq2002.data
    battalion = (data["COMPID"] // 10).to_numpy()
    table = level_icc(data[["LEAD", "TSIG"]], {"company": data["COMPID"], "battalion": battalion})
    assert list(table.index.get_level_values("level").unique()) == ["company", "battalion"]
    assert table.loc[("company", "LEAD"), "icc1"] == pytest.approx(
        lq2002.expected["icc"]["LEAD"]["ICC1"], abs=1e-9
    )
    assert table.loc[("battalion", "TSIG"), "icc2"] == icc(data["TSIG"], battalion).icc2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": ["north"]}, "labels but there are"),
        ({"keys": {"other": {"a": 1}}}, "no scoring keys"),
        ({"keys": {"trust": {"a": 1, "zz": 1}}}, "no column"),
        ({"keys": {"trust": {"a": 2, "b": 1}}}, r"\+1 or -1"),
        ({"answers": pd.DataFrame({"a": [5, 4, 9, 3], "b": [2, 1, 0, 3]})}, "outside"),
        ({"answers": pd.DataFrame({"a": [5, 4], "b": [2, 1]})}, "rows"),
        ({"agreement_cutoffs": (0.8, 0.7)}, "cutoffs"),
        ({"confidence": 1.5}, "confidence"),
        ({"favourable_from": 6}, "favourable_from"),
        ({"scale_points": 1}, "at least 2"),
    ],
)
def test_bad_input_raises_value_error(change: dict, message: str) -> None:
    scores, answers, units, keys = _tiny()
    arguments = {"scores": scores, "answers": answers, "units": units, "keys": keys}
    arguments.update(change)
    options = {
        name: arguments.pop(name)
        for name in ["agreement_cutoffs", "confidence", "favourable_from", "scale_points"]
        if name in arguments
    }
    with pytest.raises(ValueError, match=message):
        team_statistics(
            arguments["scores"],
            arguments["answers"],
            arguments["units"],
            arguments["keys"],
            **options,
        )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=80),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_vectorised_equals_loop_over_units(n: int, n_units: int, seed: int) -> None:
    """Every unit's row equals the same statistics computed on that unit alone."""
    rng = np.random.default_rng(seed)
    answers = pd.DataFrame(rng.integers(0, 6, size=(n, 3)), columns=["x", "y", "z"])
    keys = {"s": {"x": 1, "y": -1, "z": 1}}
    keyed = answers.replace(0, np.nan).assign(y=lambda frame: 6 - frame["y"])
    scores = pd.DataFrame({"s": keyed.mean(axis=1)})
    units = rng.integers(0, n_units, size=n)
    result = team_statistics(scores, answers, units, keys)
    summaries = scale_summaries(scores, units)
    for unit in np.unique(units):
        members = units == unit
        alone = team_statistics(scores[members], answers[members], units[members], keys)
        pd.testing.assert_series_equal(
            result.scales.loc[(unit, "s")], alone.scales.loc[(unit, "s")], atol=1e-12
        )
        assert summaries.loc[(unit, "s"), "n"] == alone.scales.loc[(unit, "s"), "n"]
