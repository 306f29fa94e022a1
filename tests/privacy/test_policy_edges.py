"""The policy at its edges: display order, refused cuts, participation near k, mask language."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy import (
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    REASON_TOO_MANY_DIMENSIONS,
    GroupCount,
    OtherCells,
    Participation,
    Policy,
    Visibility,
    order_for_display,
)

K = 5
POLICY = Policy(K)


# -- order for display ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A team in a sorted list; rows cannot be compared, only their value and label."""

    label: str
    score: float | None  # None: hidden by the policy


def ordered(rows: list[Row], **options) -> list[str]:
    return [
        r.label
        for r in order_for_display(
            rows, value=lambda r: r.score, label=lambda r: r.label, **options
        )
    ]


ROWS = [
    Row("Delta", 3.1),
    Row("Night", None),
    Row("Alpha", 4.2),
    Row("Evening", None),
    Row("Bravo", 3.1),
    Row("Charlie", 2.0),
]


def test_shown_rows_come_highest_first_ties_by_label_hidden_last_by_label():
    assert ordered(ROWS) == ["Alpha", "Bravo", "Delta", "Charlie", "Evening", "Night"]


def test_ascending_order_keeps_ties_and_hidden_rows_by_label():
    assert ordered(ROWS, descending=False) == [
        "Charlie",
        "Bravo",
        "Delta",
        "Alpha",
        "Evening",
        "Night",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([1.0, 2.5, 3.0, 4.5]), st.booleans()), max_size=8),
    st.lists(st.floats(1, 5), min_size=8, max_size=8),
    st.booleans(),
)
def test_a_hidden_rows_true_value_never_moves_it(teams, other_values, descending):
    """Whatever a hidden team really scored, the list (and so every page of it) is the same:
    shown teams by value (ties by label), then the hidden ones by label."""
    labels = [f"team {i}" for i in range(len(teams))]

    def listing(true_values: list[float]) -> list[str]:
        rows = [
            Row(label, None if is_hidden else true)
            for label, true, (_, is_hidden) in zip(labels, true_values, teams, strict=False)
        ]
        return ordered(rows, descending=descending)

    as_drawn = listing([value for value, _ in teams])
    hidden_redrawn = [
        other if is_hidden else value
        for (value, is_hidden), other in zip(teams, other_values, strict=False)
    ]
    assert listing(hidden_redrawn) == as_drawn

    sign = -1 if descending else 1
    shown = [
        (sign * value, label)
        for label, (value, is_hidden) in zip(labels, teams, strict=True)
        if not is_hidden
    ]
    hidden = [label for label, (_, is_hidden) in zip(labels, teams, strict=True) if is_hidden]
    assert as_drawn == [label for _, label in sorted(shown)] + sorted(hidden)


# -- the tree through the policy -------------------------------------------------------------


def test_suppress_tree_without_rollups_really_has_none():
    units = [
        GroupCount("P", None, 0),
        GroupCount("A", "P", 10),
        GroupCount("B", "P", 3),
        GroupCount("C", "P", 3),
    ]
    assert POLICY.suppress_tree(units)["B"] == Visibility(
        False, None, REASON_ROLLED_UP, ("other", "P")
    )
    assert POLICY.suppress_tree(units, rollups=False)["B"] == Visibility(
        False, None, REASON_BELOW_K, None
    )


# -- demographic cuts: refusals ---------------------------------------------------------------


def cell(**bands: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(bands.items()))


def test_a_refused_cut_names_its_dimensions_and_hides_every_cell_for_that_reason():
    cells = {cell(site="A"): 2, cell(site="B"): 2}
    cut = POLICY.demographic_cuts(cells, 4, 1)
    assert cut.dimensions == ("site",)
    assert cut.allowed is False
    assert (cut.reason, cut.cells, cut.other) == (REASON_BELOW_K, {}, None)
    assert cut.hidden == {cell(site="A"): REASON_BELOW_K, cell(site="B"): REASON_BELOW_K}


def test_every_cell_below_k_in_a_large_group_is_refused_as_below_k():
    """Six respondents, three per site: the group reaches k, no cell does."""
    cut = POLICY.demographic_cuts({cell(site="A"): 3, cell(site="B"): 3}, 6, 1)
    assert (cut.allowed, cut.reason) == (False, REASON_BELOW_K)
    assert cut.hidden == {cell(site="A"): REASON_BELOW_K, cell(site="B"): REASON_BELOW_K}


def test_a_cell_hidden_only_for_the_people_without_a_band_is_complementary():
    """Eight respondents, six gave site A and two gave none: A would show the two by subtraction."""
    cut = POLICY.demographic_cuts({cell(site="A"): 6}, 8, 1)
    assert (cut.allowed, cut.reason) == (False, REASON_COMPLEMENTARY)
    assert cut.hidden == {cell(site="A"): REASON_COMPLEMENTARY}


def test_too_many_dimensions_refuses_every_cell_with_that_reason():
    cells = {cell(site="A", tenure="<2"): 10, cell(site="B", tenure="<2"): 10}
    cut = POLICY.demographic_cuts(cells, 20, 1)
    assert cut.dimensions == ("site", "tenure")
    assert (cut.allowed, cut.reason, cut.cells, cut.other) == (
        False,
        REASON_TOO_MANY_DIMENSIONS,
        {},
        None,
    )
    assert cut.hidden == dict.fromkeys(cells, REASON_TOO_MANY_DIMENSIONS)


def test_a_cut_where_nobody_has_a_band_shows_nothing():
    cut = POLICY.demographic_cuts({}, 10, 1)
    assert (cut.dimensions, cut.allowed, cut.reason) == ((), False, REASON_BELOW_K)
    assert (cut.cells, cut.other, cut.hidden) == ({}, None, {})


# -- demographic cuts: what is shown -----------------------------------------------------------


def test_other_says_whether_it_includes_people_without_a_band():
    everyone_banded = POLICY.demographic_cuts(
        {cell(tenure="<2"): 2, cell(tenure="2-5"): 8, cell(tenure="5+"): 7}, 17, 1
    )
    assert everyone_banded.other == OtherCells((cell(tenure="5+"), cell(tenure="<2")), False, 9)
    two_without = POLICY.demographic_cuts({cell(tenure="<2"): 3, cell(tenure="2-5"): 8}, 13, 1)
    assert two_without.other == OtherCells((cell(tenure="<2"),), True, 5)
    assert two_without.hidden == {cell(tenure="<2"): REASON_ROLLED_UP}


def test_cells_naming_the_same_bands_in_another_order_are_one_cell():
    """(site A, tenure <2) and (tenure <2, site A) are the same people: 3 + 4 = 7, shown."""
    cells = {
        (("site", "A"), ("tenure", "<2")): 3,
        (("tenure", "<2"), ("site", "A")): 4,
        (("site", "B"), ("tenure", "<2")): 8,
    }
    cut = POLICY.demographic_cuts(cells, 15, 2)
    assert cut.dimensions == ("site", "tenure")
    assert cut.cells == {cell(site="A", tenure="<2"): 7, cell(site="B", tenure="<2"): 8}
    assert cut.other is None and cut.hidden == {}


@pytest.mark.parametrize(
    ("n", "message"),
    [(2.5, "non-negative integer"), (True, "non-negative integer"), (-1, "non-negative integer")],
)
def test_cell_counts_must_be_plain_non_negative_integers(n, message):
    with pytest.raises(ValueError, match=message):
        POLICY.demographic_cuts({cell(site="A"): n, cell(site="B"): 6}, 20, 1)


def test_a_cell_naming_a_dimension_twice_is_refused():
    with pytest.raises(ValueError, match="names a dimension twice"):
        POLICY.demographic_cuts({(("site", "A"), ("site", "B")): 6}, 6, 2)


# -- participation ---------------------------------------------------------------------------


def test_participation_of_nobody_invited_is_below_k_not_an_error():
    assert POLICY.participation(0, 0) == Participation(REASON_BELOW_K)
    assert not POLICY.participation(0, 0).shown


@pytest.mark.parametrize(
    ("invited", "responded", "expected"),
    [
        # exactly k answered and nobody is missing: 100 % names nobody
        (5, 5, Participation(REASON_SHOWN, invited=5, responded=5, rate=100)),
        # exactly k answered and exactly k did not: exact
        (10, 5, Participation(REASON_SHOWN, invited=10, responded=5, rate=50)),
        # k did not answer in a larger group: exact, 8/13 = 61.5 % -> 62
        (13, 8, Participation(REASON_SHOWN, invited=13, responded=8, rate=62)),
        # one did not answer: at least 5 of 6 = 83.3 % -> 83
        (6, 5, Participation(REASON_FEW_NONRESPONDENTS, invited=6, rate_at_least=83)),
        # k - 1 did not answer: at least 5 of 9 = 55.6 % -> 55 (rounded down, never up)
        (9, 5, Participation(REASON_FEW_NONRESPONDENTS, invited=9, rate_at_least=55)),
        # 1 and k - 1 missing of 20 give the same bound, 16 of 20
        (20, 19, Participation(REASON_FEW_NONRESPONDENTS, invited=20, rate_at_least=80)),
        (20, 16, Participation(REASON_FEW_NONRESPONDENTS, invited=20, rate_at_least=80)),
        # k - 1 answered: nothing but that
        (4, 4, Participation(REASON_BELOW_K)),
    ],
)
def test_participation_at_the_edges(invited, responded, expected):
    assert POLICY.participation(invited, responded) == expected
    assert POLICY.participation(invited, responded).shown == (expected.reason != REASON_BELOW_K)


@settings(max_examples=300, deadline=None)
@given(st.integers(3, 8), st.integers(0, 60), st.data())
def test_the_bound_is_the_same_whichever_few_did_not_answer(k, invited, data):
    """For 1..k-1 non-respondents the figures do not depend on how many, and never overstate."""
    responded = data.draw(st.integers(0, invited))
    result = Policy(k).participation(invited, responded)
    missing = invited - responded
    if responded < k:
        assert result == Participation(REASON_BELOW_K)
    elif 0 < missing < k:
        possible = [
            Policy(k).participation(invited, invited - m) for m in range(1, k) if invited - m >= k
        ]
        assert set(possible) == {result}
        assert result.rate_at_least <= 100 * responded / invited
        assert result.rate_at_least == math.floor(
            100 * min(invited - m for m in range(1, k) if invited - m >= k) / invited
        )
    else:
        assert result == Participation(
            REASON_SHOWN,
            invited=invited,
            responded=responded,
            rate=round(100 * responded / invited),
        )


@pytest.mark.parametrize(("invited", "responded"), [(5, 6), (5, -1), (-1, -2), (-1, 0)])
def test_participation_refuses_impossible_counts(invited, responded):
    with pytest.raises(ValueError, match="need 0 <= responded <= invited"):
        POLICY.participation(invited, responded)


# -- comments ------------------------------------------------------------------------------


def test_masked_names_are_in_english_by_default_and_for_unknown_languages():
    comments = ["Ask Anna"]
    assert POLICY.comments(comments, 5, ["Anna de Vries"], random.Random(0)) == ["Ask [name]"]
    assert POLICY.comments(comments, 5, ["Anna de Vries"], random.Random(0), language="fr") == [
        "Ask [name]"
    ]
