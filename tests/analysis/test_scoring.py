"""Scale scores: reverse keys, the two-thirds rule, "don't know" as missing, bad input.

Expected values are worked out by hand in each test (means of a few small integers).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis.scoring import answers_frame, min_items, reverse, scale_scores

KEYS3 = {"team_affective": {"a1": 1, "a2": 1, "a3": -1}}
KEYS4 = {"leader_integrity": {"l1": 1, "l2": -1, "l3": 1, "l4": 1}}


def test_reverse_keyed_item_is_mirrored_on_the_scale():
    answers = pd.DataFrame({"a1": [5, 1], "a2": [4, 2], "a3": [1, 5]})

    scores = scale_scores(answers, KEYS3)

    # Row 0: 5, 4 and reversed 1 -> 5: mean 14/3. Row 1: 1, 2 and 5 -> 1: mean 4/3.
    assert scores["team_affective"].tolist() == pytest.approx([14 / 3, 4 / 3], abs=1e-12)


def test_reverse_uses_the_number_of_scale_points():
    answers = pd.DataFrame({"a1": [7], "a2": [7], "a3": [2]})

    scores = scale_scores(answers, KEYS3, scale_points=7)

    assert scores.loc[0, "team_affective"] == pytest.approx((7 + 7 + 6) / 3)
    assert reverse(np.array([1, 3, 5]), scale_points=5).tolist() == [5, 3, 1]


def test_three_item_scale_needs_two_answers():
    answers = pd.DataFrame(
        {"a1": [4, 4, np.nan], "a2": [2, np.nan, np.nan], "a3": [np.nan, np.nan, 3]}
    )

    scores = scale_scores(answers, KEYS3)["team_affective"]

    assert scores[0] == pytest.approx(3.0)  # two of three answered: (4 + 2) / 2
    assert math.isnan(scores[1])  # one of three
    assert math.isnan(scores[2])


def test_four_item_scale_needs_three_answers():
    answers = pd.DataFrame({"l1": [5, 5], "l2": [1, np.nan], "l3": [4, np.nan], "l4": [np.nan, 3]})

    scores = scale_scores(answers, KEYS4)["leader_integrity"]

    # ceil(2/3 * 4) = 3: row 0 has l1, l2 (reversed 1 -> 5) and l3 -> 14/3; row 1 only two.
    assert scores[0] == pytest.approx(14 / 3)
    assert math.isnan(scores[1])
    assert min_items(4) == 3
    assert min_items(3) == 2
    assert min_items(6) == 4
    assert min_items(9) == 6
    assert min_items(4, 1.0) == 4


def test_dont_know_counts_as_missing():
    answers = pd.DataFrame({"a1": [4, 0], "a2": [0, 0], "a3": [2, 2]})

    scores = scale_scores(answers, KEYS3)["team_affective"]

    # Row 0: 4 and reversed 2 -> 4, the 0 is skipped: mean 4, not (4 + 0 + 4) / 3.
    assert scores[0] == pytest.approx(4.0)
    assert math.isnan(scores[1])  # only one real answer left


def test_min_answered_option_and_index_and_order_are_kept():
    answers = pd.DataFrame({"a1": [3], "a2": [np.nan], "a3": [np.nan], "x": [1]}, index=["r7"])
    keys = {"z_first": {"a1": 1, "a2": 1, "a3": 1}, "a_second": {"a1": 1}}

    scores = scale_scores(answers, keys, min_answered=0.3)

    assert list(scores.columns) == ["z_first", "a_second"]
    assert list(scores.index) == ["r7"]
    assert scores.loc["r7", "z_first"] == 3.0


@pytest.mark.parametrize(
    ("answers", "keys", "options", "message"),
    [
        (pd.DataFrame({"a1": [1]}), KEYS3, {}, "item 'a2' is not in the answers"),
        (pd.DataFrame({"a1": [1], "a2": [2], "a3": [6]}), KEYS3, {}, "item 'a3', row 0"),
        (pd.DataFrame({"a1": [1], "a2": [2.5], "a3": [3]}), KEYS3, {}, "whole number"),
        (pd.DataFrame({"a1": [1], "a2": [-1], "a3": [3]}), KEYS3, {}, "item 'a2'"),
        (pd.DataFrame({"a1": ["x"], "a2": [1], "a3": [1]}), KEYS3, {}, "not a number: 'x'"),
        (pd.DataFrame({"a1": [1]}), {"c": {"a1": 2}}, {}, "must be +1 or -1"),
        (pd.DataFrame({"a1": [1]}), {"c": {}}, {}, "construct 'c' has no items"),
        (pd.DataFrame({"a1": [1]}), {}, {}, "no construct"),
        (pd.DataFrame({"a1": [1]}), {"c": {"a1": 1}}, {"min_answered": 0}, "min_answered"),
        (pd.DataFrame({"a1": [1]}), {"c": {"a1": 1}}, {"scale_points": 1}, "scale_points"),
    ],
)
def test_bad_input_raises_a_clear_value_error(answers, keys, options, message):
    with pytest.raises(ValueError, match=message.replace("+", r"\+")):
        scale_scores(answers, keys, **options)


def test_answers_frame_builds_columns_in_first_seen_order_and_drops_dont_know():
    records = [{"a1": 4, "a2": 0}, {"a3": 5, "a1": None}, {}]

    frame = answers_frame(records, index=["x", "y", "z"])

    assert list(frame.columns) == ["a1", "a2", "a3"]
    assert list(frame.index) == ["x", "y", "z"]
    assert frame.loc["x", "a1"] == 4.0
    assert frame.isna().to_numpy().tolist() == [
        [False, True, True],
        [True, True, False],
        [True, True, True],
    ]


def test_answers_frame_can_keep_dont_know_and_feeds_scale_scores():
    records = [{"a1": 5, "a2": 4, "a3": 1}, {"a1": 0, "a2": 2, "a3": 2}]

    raw = answers_frame(records, items=["a3", "a2", "a1"], dont_know_as_missing=False)
    scores = scale_scores(raw, KEYS3)

    assert list(raw.columns) == ["a3", "a2", "a1"]
    assert raw.loc[1, "a1"] == 0.0
    assert scores["team_affective"].tolist() == pytest.approx([14 / 3, 3.0])


def test_answers_frame_rejects_unknown_items_and_bad_values():
    with pytest.raises(ValueError, match="record 1: unknown item id 'zz'"):
        answers_frame([{"a1": 1}, {"zz": 2}], items=["a1"])
    with pytest.raises(ValueError, match="record 0: answer to item 'a1' is not a number"):
        answers_frame([{"a1": "high"}])
    with pytest.raises(ValueError, match="index has 1 labels for 2 records"):
        answers_frame([{"a1": 1}, {"a1": 2}], index=["only"])
