"""The relational round's disclosure rules (trustmirror.privacy.relational)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustmirror.privacy import relational as rules


@pytest.mark.parametrize(
    ("members", "raters", "k", "min_size", "expected"),
    [
        (3, 3, 3, 4, rules.REASON_ROUND_TOO_SMALL),
        (5, 5, 3, 6, rules.REASON_ROUND_TOO_SMALL),  # the scan's own minimum is higher
        (8, 4, 5, 4, rules.REASON_ROUND_FEW_RATERS),  # k = 5
        (8, 3, 3, 4, rules.REASON_ROUND_FEW_RATERS),  # the model needs 4 even when k = 3
        (8, 5, 5, 4, rules.REASON_ROUND_SHOWN),
        (4, 4, 3, 4, rules.REASON_ROUND_SHOWN),
    ],
)
def test_a_team_picture_needs_the_team_size_and_k_raters(members, raters, k, min_size, expected):
    assert rules.round_visibility(members=members, raters=raters, k=k, min_size=min_size) == (
        expected
    )


def test_every_reason_is_a_known_code():
    for args in [(3, 3), (8, 2), (8, 8)]:
        code = rules.round_visibility(members=args[0], raters=args[1], k=5, min_size=4)
        assert code in rules.ROUND_REASON_CODES


@pytest.mark.parametrize(
    ("raters", "team", "expected"), [(2, True, False), (3, True, True), (9, False, False)]
)
def test_trust_received_needs_three_raters_and_a_shown_team(raters, team, expected):
    assert rules.received_visible(team_shown=team, raters_of_person=raters) is expected


def test_shares_round_to_five_points_and_count_negative_variances_as_nil():
    assert rules.shares({"giver": 0.6, "receiver": -0.1, "relationship": 0.4}) == {
        "giver": 60,
        "receiver": 0,
        "relationship": 40,
    }
    assert rules.shares({"giver": 0.123, "receiver": 0.0, "relationship": 0.877}) == {
        "giver": 10,
        "receiver": 0,
        "relationship": 90,
    }
    assert rules.shares({"giver": -1.0, "receiver": math.nan, "relationship": 0.0}) is None


@given(st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=3, max_size=3))
def test_shares_are_whole_steps_that_add_up_to_about_a_hundred(values):
    result = rules.shares(dict(zip(("a", "b", "c"), values, strict=True)))
    if all(v <= 0 for v in values):
        assert result is None
        return
    assert all(v % rules.SHARE_STEP == 0 and 0 <= v <= 100 for v in result.values())
    assert abs(sum(result.values()) - 100) <= rules.SHARE_STEP


def test_levels_have_one_decimal():
    assert rules.level(3.4567) == 3.5
    assert rules.level(None) is None
    assert rules.level(math.nan) is None
