"""Which safe arrangement of the unit tree is chosen, and what the disclosure then reports."""

from __future__ import annotations

from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_ROLLED_UP,
    GroupCount,
    Policy,
    RollUp,
    Visibility,
)

K = 5


def tree(*rows: tuple[str, str | None, int]) -> list[GroupCount]:
    return [GroupCount(*row) for row in rows]


def shown(disclosure) -> set[str]:
    return {unit for unit, v in disclosure.visible.items() if v.shown}


def hidden(reason: str, rolled_into=None) -> Visibility:
    return Visibility(False, None, reason, rolled_into)


# -- what a roll-up may be ---------------------------------------------------------------


def test_a_rollup_never_repeats_its_parents_number():
    """Org has 1 person of its own, team A (6) and department B (2 of its own) above team
    X (3).

    A roll-up "other teams and people of B" of B's own 2 and X would hold exactly B's 5
    people: B's own number under another name, and (counted as a roll-up) it used to tip the
    choice to showing B (5) and hiding the larger A (6). A roll-up must leave some of its
    parent's respondents out, so A is shown and B and X are reported with Org's own person.
    """
    units = tree(("Org", None, 1), ("A", "Org", 6), ("B", "Org", 2), ("X", "B", 3))
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"Org", "A"}
    assert disclosure.rollups == [RollUp(("other", "Org"), "Org", ("B",), True, 6)]
    assert disclosure.visible["B"] == hidden(REASON_ROLLED_UP, ("other", "Org"))
    assert disclosure.visible["X"] == hidden(REASON_ROLLED_UP, ("other", "Org"))


def test_no_rollup_repeats_the_organisation_total():
    """Two top units of 2 and 3: "other units of the organisation" would be the total again."""
    units = tree(("Sales", None, 2), ("Board", None, 3))
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert disclosure.organisation_n == 5
    assert disclosure.rollups == []
    assert disclosure.aggregates() == {ORGANISATION: {"Sales", "Board"}}
    assert disclosure.visible == {"Sales": hidden(REASON_BELOW_K), "Board": hidden(REASON_BELOW_K)}
