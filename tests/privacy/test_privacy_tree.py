"""Complementary suppression and roll-ups in the unit tree (worked examples)."""

from __future__ import annotations

import pytest

from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    GroupCount,
    Policy,
    Visibility,
    find_disclosure,
)

POLICY = Policy(5)


def tree(*rows: tuple[str, str | None, int]) -> list[GroupCount]:
    return [GroupCount(*row) for row in rows]


def assert_safe(units: list[GroupCount], k: int = 5) -> None:
    disclosure = Policy(k).suppress_tree_with_rollups(units)
    atoms = {u.id: u.n for u in units}
    assert find_disclosure(atoms, disclosure.aggregates(), k) is None


def test_everything_shown_when_every_group_and_difference_reaches_k():
    units = tree(("org", None, 0), ("A", "org", 6), ("B", "org", 7))
    visible = POLICY.suppress_tree(units)
    assert visible == {
        "org": visible["org"],
        "A": visible["A"],
        "B": visible["B"],
    }
    assert [(v.shown, v.n_shown, v.reason) for v in visible.values()] == [
        (True, 13, REASON_SHOWN),
        (True, 6, REASON_SHOWN),
        (True, 7, REASON_SHOWN),
    ]


@pytest.mark.parametrize("order", ["larger first", "smaller first"])
def test_small_team_hides_a_sibling_so_the_parent_cannot_be_subtracted(order):
    """Org = A(10) + B(8) + C(2): showing A and B would give C as org - A - B.

    Hiding A instead of B would be as safe; the smaller sibling goes because of its size,
    whichever of the two is given first (a tie would go to the first, see
    test_tree_arrangement.py).
    """
    rows = [("A", "org", 10), ("B", "org", 8)]
    units = tree(
        ("org", None, 0), *(rows if order == "larger first" else rows[::-1]), ("C", "org", 2)
    )
    visible = POLICY.suppress_tree(units)
    assert visible["org"] == Visibility(True, 20, REASON_SHOWN)
    assert visible["A"] == Visibility(True, 10, REASON_SHOWN)
    # The smaller sibling goes: B is rolled up with C into "other teams of org".
    assert visible["B"] == Visibility(False, None, REASON_ROLLED_UP, ("other", "org"))
    assert visible["C"] == Visibility(False, None, REASON_ROLLED_UP, ("other", "org"))
    assert_safe(units)


def test_two_small_teams_are_reported_together_instead_of_disappearing():
    units = tree(("P", None, 0), ("A", "P", 10), ("B", "P", 3), ("C", "P", 3), ("D", "P", 10))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert [(r.id, r.member_ids, r.includes_direct, r.n) for r in disclosure.rollups] == [
        (("other", "P"), ("B", "C"), False, 6)
    ]
    assert disclosure.rollups[0].label_key == "teams"
    assert {u for u, v in disclosure.visible.items() if v.shown} == {"P", "A", "D"}
    assert disclosure.members(("other", "P")) == {"B", "C"}
    assert disclosure.members("P") == {"P", "A", "B", "C", "D"}
    assert disclosure.members(ORGANISATION) == {"P", "A", "B", "C", "D"}
    assert_safe(units)


def test_a_team_too_small_even_with_its_siblings_is_simply_below_k():
    units = tree(("P", None, 0), ("A", "P", 10), ("B", "P", 1), ("C", "P", 11))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    # B (1) cannot stand alone; with A (the smaller sibling) it forms "other teams of P".
    assert disclosure.visible["C"].shown
    assert disclosure.visible["A"].reason == REASON_ROLLED_UP
    assert disclosure.visible["B"].reason == REASON_ROLLED_UP
    assert disclosure.rollups[0].n == 11
    assert_safe(units)


def test_people_attached_directly_to_a_department_are_protected_like_a_team():
    """Dept D has 2 people of its own and two teams of 6: D - T1 - T2 would show those 2."""
    units = tree(("D", None, 2), ("T1", "D", 6), ("T2", "D", 6))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert disclosure.visible["D"].shown
    assert [v.shown for k, v in disclosure.visible.items() if k != "D"].count(True) == 1
    (rollup,) = disclosure.rollups
    assert rollup.includes_direct and rollup.n == 8
    assert rollup.label_key == "teams_and_people"
    assert "D" in disclosure.members(rollup.id)
    assert_safe(units)


def test_units_of_a_forest_are_protected_against_the_organisation_total():
    units = tree(("Sales", None, 9), ("Ops", None, 12), ("Board", None, 2))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert disclosure.organisation_n == 23
    assert disclosure.visible["Ops"].shown
    assert disclosure.visible["Board"].reason == REASON_ROLLED_UP
    assert disclosure.rollups[0].parent_id is None
    assert disclosure.rollups[0].label_key == "organisation"
    assert_safe(units)


def test_a_hidden_team_of_k_or_more_is_named_in_a_rollup_not_lost():
    """D holds T1 (6), T2 (2), T3 (3): T2 and T3 together are a reportable roll-up."""
    units = tree(
        ("org", None, 0),
        ("D", "org", 0),
        ("T1", "D", 6),
        ("T2", "D", 2),
        ("T3", "D", 3),
        ("E", "org", 20),
    )
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert {u for u, v in disclosure.visible.items() if v.shown} == {"org", "D", "T1", "E"}
    assert disclosure.visible["T2"].rolled_into == ("other", "D")
    assert disclosure.visible["T3"].rolled_into == ("other", "D")
    assert_safe(units)

    # Y has 2 people of its own above team X (6); Y - X would show those 2. A roll-up of
    # Y's own people and X would be all of Y, Y's own number again, so there is none: X is
    # hidden to protect the 2 (complementary), as without roll-ups.
    units = tree(("org", None, 0), ("Y", "org", 2), ("X", "Y", 6), ("Z", "org", 9))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert disclosure.visible["X"] == Visibility(False, None, REASON_COMPLEMENTARY, None)
    assert disclosure.visible["Y"].shown and disclosure.visible["Z"].shown
    assert disclosure.rollups == []
    assert_safe(units)


def test_without_rollups_a_large_enough_team_is_hidden_as_complementary():
    units = tree(("org", None, 0), ("Y", "org", 2), ("X", "Y", 6), ("Z", "org", 9))
    disclosure = POLICY.suppress_tree_with_rollups(units, rollups=False)
    assert disclosure.rollups == []
    assert disclosure.visible["X"] == disclosure.visible["X"].__class__(
        False, None, REASON_COMPLEMENTARY, None
    )
    assert disclosure.visible["Y"].shown and disclosure.visible["Z"].shown
    atoms = {u.id: u.n for u in units}
    assert find_disclosure(atoms, disclosure.aggregates(), 5) is None


def test_nothing_is_shown_when_the_whole_organisation_is_below_k():
    units = tree(("org", None, 1), ("A", "org", 3))
    disclosure = POLICY.suppress_tree_with_rollups(units)
    assert disclosure.organisation_n is None
    assert disclosure.rollups == []
    assert disclosure.aggregates() == {}
    assert all(
        v.reason == REASON_BELOW_K and v.n_shown is None for v in disclosure.visible.values()
    )


def test_an_empty_team_says_below_k_not_zero():
    """Saying "0 respondents" would tell who did not answer: everyone in that team."""
    units = tree(("org", None, 0), ("A", "org", 8), ("B", "org", 7), ("C", "org", 0))
    visible = POLICY.suppress_tree(units)
    assert visible["C"] == visible["C"].__class__(False, None, REASON_BELOW_K, None)
    assert visible["A"].shown and visible["B"].shown


def test_higher_k_is_respected():
    units = tree(("org", None, 0), ("A", "org", 6), ("B", "org", 7))
    visible = Policy(7).suppress_tree(units)
    assert not visible["A"].shown and not visible["B"].shown
    assert visible["org"].shown


@pytest.mark.parametrize(
    ("units", "message"),
    [
        (tree(("a", None, 1), ("a", None, 2)), "unique"),
        (tree(("a", "b", 1)), "not in the tree"),
        (tree(("a", "b", 1), ("b", "a", 1)), "cycle"),
        (tree(("a", None, -1)), "non-negative"),
    ],
)
def test_malformed_trees_are_refused(units, message):
    with pytest.raises(ValueError, match=message):
        POLICY.suppress_tree(units)
