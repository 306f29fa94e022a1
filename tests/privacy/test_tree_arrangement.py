"""Which safe arrangement of the unit tree is chosen, and what the disclosure then reports.

Among the arrangements that reveal no group below k, ``disclose_tree`` prefers, in this order
(module docstring of ``trustmirror.privacy.tree``): the most units shown; then the most
roll-ups; then the most respondents in shown units, so the smallest groups are the ones
hidden; then the most hidden units placed in a roll-up. Each worked example below is built so
that the earlier criteria tie and one criterion decides, and checks that the arrangement not
chosen would have been safe too: the preference decides there, not the safety rule.

The property tests at the end compare the choice on small random trees with an exhaustive
search over every arrangement the module docstring allows, so they check the dynamic
programme against enumeration, not against itself.
"""

from __future__ import annotations

from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_ROLLED_UP,
    GroupCount,
    Policy,
    RollUp,
    Visibility,
    find_disclosure,
    laminar_violations,
)
from trustmirror.privacy.tree import disclose_tree

K = 5


def tree(*rows: tuple[str, str | None, int]) -> list[GroupCount]:
    return [GroupCount(*row) for row in rows]


def subtrees(units: list[GroupCount]) -> dict[str, set[str]]:
    """Unit id -> the ids of its whole subtree (itself included)."""
    parent = {u.id: u.parent_id for u in units}
    out: dict[str, set[str]] = {u.id: set() for u in units}
    for u in units:
        node = u.id
        while node is not None:
            out[node].add(u.id)
            node = parent[node]
    return out


def shown(disclosure) -> set[str]:
    return {unit for unit, v in disclosure.visible.items() if v.shown}


def safe(units: list[GroupCount], published: dict, k: int = K) -> bool:
    """The exact linear-algebra check of trustmirror.privacy.audit."""
    return find_disclosure({u.id: u.n for u in units}, published, k) is None


def hidden(reason: str, rolled_into=None) -> Visibility:
    return Visibility(False, None, reason, rolled_into)


# -- 1. most units shown -------------------------------------------------------------------


def test_three_teams_shown_beat_a_department_and_one_team():
    """Ops has 3 people of its own; department Plant has 2 of its own above Early (5) and
    Late (6); team Office (5) reports to Ops directly.

    Plant and both its teams cannot all be shown (Plant - Early - Late = 2 people). Showing
    Plant and Late would put more respondents in shown units (13 + 6 = 19) than showing
    Early, Late and Office (16), and it is safe too, but it shows two units instead of three.
    """
    units = tree(
        ("Ops", None, 3),
        ("Plant", "Ops", 2),
        ("Early", "Plant", 5),
        ("Late", "Plant", 6),
        ("Office", "Ops", 5),
    )
    members = subtrees(units)
    rejected = {ORGANISATION: members["Ops"]} | {u: members[u] for u in ("Ops", "Plant", "Late")}
    assert safe(units, rejected)

    disclosure = Policy(K).suppress_tree_with_rollups(units, rollups=False)
    assert shown(disclosure) == {"Ops", "Early", "Late", "Office"}
    assert disclosure.visible["Plant"] == hidden(REASON_COMPLEMENTARY)

    # With roll-ups the same three teams are shown; Plant's own 2 people are reported with
    # Ops' own 3 in "other teams and people of Ops" (16, of which Early's and Late's 11 are
    # also shown on their own).
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"Ops", "Early", "Late", "Office"}
    assert disclosure.rollups == [RollUp(("other", "Ops"), "Ops", ("Plant",), True, 16)]
    assert disclosure.visible["Plant"] == hidden(REASON_ROLLED_UP, ("other", "Ops"))


# -- 2. most roll-ups ----------------------------------------------------------------------


def test_with_units_equal_a_rollup_beats_more_respondents_in_shown_units():
    """Sales has 5 people of its own and team Inside (5); department Field has 2 of its own
    above team Route (6). Field (8) and Route (6) cannot both be shown (8 - 6 = 2).

    Either way two units are shown. Showing Route hides Field, whose 2 people are then
    reported with Sales' own 5 as "other teams and people of Sales": one roll-up more, so
    that arrangement is chosen although Field would put 2 more respondents in a shown unit.
    Without roll-ups that tie-breaker is gone and the larger Field is shown.
    """
    units = tree(
        ("Sales", None, 5), ("Inside", "Sales", 5), ("Field", "Sales", 2), ("Route", "Field", 6)
    )
    members = subtrees(units)
    rejected = {ORGANISATION: members["Sales"]} | {
        u: members[u] for u in ("Sales", "Inside", "Field")
    }
    assert safe(units, rejected)

    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"Sales", "Inside", "Route"}
    assert disclosure.rollups == [RollUp(("other", "Sales"), "Sales", ("Field",), True, 13)]
    assert disclosure.rollup(("other", "Sales")).label_key == "teams_and_people"
    assert disclosure.visible["Field"] == hidden(REASON_ROLLED_UP, ("other", "Sales"))

    without = Policy(K).suppress_tree_with_rollups(units, rollups=False)
    assert shown(without) == {"Sales", "Inside", "Field"}
    assert without.visible["Route"] == hidden(REASON_COMPLEMENTARY)


# -- 3. most respondents in shown units: the smallest group is hidden ------------------------


@pytest.mark.parametrize("rollups", [True, False])
def test_the_smaller_of_two_nested_groups_is_hidden(rollups):
    """A chain: Division (3 of its own) > Department (3) > Section (1) > Team (7).

    Section (8) and Team (7) differ by one person, so only one of them can be shown, and
    Department (11) cannot be shown beside Division (14 - 11 = 3). Showing Team would be as
    safe; Section is shown because it is the larger group. The two candidates sit on
    different levels, so the rule must hold across levels, not only among siblings.
    """
    units = tree(
        ("Division", None, 3),
        ("Department", "Division", 3),
        ("Section", "Department", 1),
        ("Team", "Section", 7),
    )
    members = subtrees(units)
    rejected = {ORGANISATION: members["Division"]} | {u: members[u] for u in ("Division", "Team")}
    assert safe(units, rejected)

    disclosure = Policy(K).suppress_tree_with_rollups(units, rollups=rollups)
    assert disclosure.visible == {
        "Division": Visibility(True, 14, "shown"),
        "Department": hidden(REASON_COMPLEMENTARY),
        "Section": Visibility(True, 8, "shown"),
        "Team": hidden(REASON_COMPLEMENTARY),
    }
    assert disclosure.rollups == []


# -- 4. most hidden units placed in a roll-up ----------------------------------------------


def test_every_small_team_goes_into_the_rollup_not_just_enough_of_them():
    """Department P: team A (10) and four small teams B (3), C (3), D (2), E (3).

    "Other teams of P" made of B and C alone (6) would be safe too, leaving D and E (5) as
    P minus the rest; so would D and E alone. All four go into it, so each of them can be
    told where its answers are counted.
    """
    units = tree(
        ("P", None, 0), ("A", "P", 10), ("B", "P", 3), ("C", "P", 3), ("D", "P", 2), ("E", "P", 3)
    )
    members = subtrees(units)
    smaller = {ORGANISATION: members["P"], "P": members["P"], "A": {"A"}, "other": {"B", "C"}}
    assert safe(units, smaller)

    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"P", "A"}
    assert disclosure.rollups == [RollUp(("other", "P"), "P", ("B", "C", "D", "E"), False, 11)]
    for team in "BCDE":
        assert disclosure.visible[team] == hidden(REASON_ROLLED_UP, ("other", "P"))


def test_the_parents_own_people_join_the_rollup_when_they_can():
    """P has 5 people of its own, team A (10) and small teams B (3) and C (3).

    "Other teams of P" (B and C, 6) would be safe, P's own 5 being P minus the rest. They
    are reported in it too: "other teams and people of P" (11).
    """
    units = tree(("P", None, 5), ("A", "P", 10), ("B", "P", 3), ("C", "P", 3))
    without_own_people = {
        ORGANISATION: {"P", "A", "B", "C"},
        "P": {"P", "A", "B", "C"},
        "A": {"A"},
        "other": {"B", "C"},
    }
    assert safe(units, without_own_people)

    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"P", "A"}
    assert disclosure.rollups == [RollUp(("other", "P"), "P", ("B", "C"), True, 11)]
    assert disclosure.members(("other", "P")) == {"P", "B", "C"}


# -- ties --------------------------------------------------------------------------------


def test_a_tie_goes_to_the_unit_given_first():
    """P has 1 person of its own and two teams of 5: one team is shown, the other is
    reported with P's own person. Nothing in the numbers prefers A or B, so the order of the
    units decides; a scan must therefore pass its units in one fixed order everywhere, or
    two pages could show A and B and give P's own person by subtraction.
    """
    forward = tree(("P", None, 1), ("A", "P", 5), ("B", "P", 5))
    backward = tree(("P", None, 1), ("B", "P", 5), ("A", "P", 5))
    first = Policy(K).suppress_tree_with_rollups(forward)
    assert shown(first) == {"P", "A"}
    assert first.rollups == [RollUp(("other", "P"), "P", ("B",), True, 6)]
    second = Policy(K).suppress_tree_with_rollups(backward)
    assert shown(second) == {"P", "B"}
    assert second.rollups == [RollUp(("other", "P"), "P", ("A",), True, 6)]
    assert Policy(K).suppress_tree_with_rollups(forward) == first


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


def test_the_parents_own_people_can_be_what_a_rollup_leaves_out():
    """P has 5 people of its own and small teams B (3) and C (2): "other teams of P" (5) is
    reported, and P's own 5 are the remainder that makes it something other than P."""
    units = tree(("P", None, 5), ("B", "P", 3), ("C", "P", 2))
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert shown(disclosure) == {"P"}
    assert disclosure.rollups == [RollUp(("other", "P"), "P", ("B", "C"), False, 5)]
    assert disclosure.visible["B"] == hidden(REASON_ROLLED_UP, ("other", "P"))


def test_a_hidden_team_left_out_of_a_rollup_is_a_remainder_even_of_one():
    """Dept has 4 people of its own above Section (2 of its own) with teams Day (3) and
    Night (1). Section (6) cannot be shown: Dept - Section = 4.

    Section's own 2 and Day (5) are reported as "other teams and people of Section"; Night's
    one person, left out, is what makes that group differ from Section, and with Dept's own
    4 it is a residual of 5. No other roll-up under Section reaches k without being Section.
    """
    units = tree(
        ("Dept", None, 4), ("Section", "Dept", 2), ("Day", "Section", 3), ("Night", "Section", 1)
    )
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert disclosure.visible == {
        "Dept": Visibility(True, 10, "shown"),
        "Section": hidden(REASON_COMPLEMENTARY),
        "Day": hidden(REASON_ROLLED_UP, ("other", "Section")),
        "Night": hidden(REASON_BELOW_K),
    }
    assert disclosure.rollups == [RollUp(("other", "Section"), "Section", ("Day",), True, 5)]


def test_no_rollup_repeats_the_organisation_total():
    """Two top units of 2 and 3: "other units of the organisation" would be the total again."""
    units = tree(("Sales", None, 2), ("Board", None, 3))
    disclosure = Policy(K).suppress_tree_with_rollups(units)
    assert disclosure.organisation_n == 5
    assert disclosure.rollups == []
    assert disclosure.aggregates() == {ORGANISATION: {"Sales", "Board"}}
    assert disclosure.visible == {"Sales": hidden(REASON_BELOW_K), "Board": hidden(REASON_BELOW_K)}


# -- what the disclosure reports ------------------------------------------------------------


def test_aggregates_are_exactly_the_shown_units_rollups_and_organisation():
    """Every number a page may compute, each once: the organisation, shown units, roll-ups."""
    units = tree(
        ("Sales", None, 5), ("Inside", "Sales", 5), ("Field", "Sales", 2), ("Route", "Field", 6)
    )
    assert Policy(K).suppress_tree_with_rollups(units).aggregates() == {
        ORGANISATION: {"Sales", "Inside", "Field", "Route"},
        "Sales": {"Sales", "Inside", "Field", "Route"},
        "Inside": {"Inside"},
        "Route": {"Route"},
        ("other", "Sales"): {"Sales", "Field", "Route"},
    }
    # A single top unit covers what the organisation covers: still one key each, no other.
    single = tree(("Acme", None, 4), ("Lab", "Acme", 1))
    assert Policy(K).suppress_tree_with_rollups(single).aggregates() == {
        ORGANISATION: {"Acme", "Lab"},
        "Acme": {"Acme", "Lab"},
    }


@pytest.mark.parametrize("rollups", [True, False])
def test_a_hidden_team_of_exactly_k_is_complementary_not_below_k(rollups):
    """Dept has 1 person of its own above Team (5 = k): Team reaches k, but Dept - Team = 1.

    Team is hidden to protect that one person ("complementary"), not for being small; a
    roll-up of the 1 and Team would be all of Dept again, so there is none.
    """
    units = tree(("Dept", None, 1), ("Team", "Dept", K))
    visible = Policy(K).suppress_tree(units, rollups=rollups)
    assert visible == {"Dept": Visibility(True, 6, "shown"), "Team": hidden(REASON_COMPLEMENTARY)}
    smaller = tree(("Dept", None, 2), ("Team", "Dept", K - 1))
    assert Policy(K).suppress_tree(smaller, rollups=rollups)["Team"] == hidden(REASON_BELOW_K)


def test_disclose_tree_reports_rollups_unless_told_not_to():
    units = tree(("P", None, 0), ("A", "P", 10), ("B", "P", 3), ("C", "P", 3))
    assert [r.member_ids for r in disclose_tree(units, K).rollups] == [("B", "C")]
    assert disclose_tree(units, K, allow_rollups=False).rollups == []


@pytest.mark.parametrize("n", [2.5, True, "3", None])
def test_respondent_counts_must_be_plain_integers(n):
    with pytest.raises(ValueError, match="non-negative integer"):
        Policy(K).suppress_tree([GroupCount("A", None, n)])


# -- properties: the choice against exhaustive search ----------------------------------------


@st.composite
def small_trees(draw, max_units: int = 6):
    """Trees and forests of up to six units, as in test_privacy_properties but smaller."""
    size = draw(st.integers(1, max_units))
    units = []
    for i in range(size):
        parent = None if i == 0 else draw(st.one_of(st.integers(0, i - 1), st.just(None)))
        if i > 0 and parent is None and draw(st.booleans()):
            parent = 0
        units.append(
            GroupCount(f"u{i}", None if parent is None else f"u{parent}", draw(st.integers(0, 9)))
        )
    return units, draw(st.integers(3, 6))


def _respondents(atoms: dict, members) -> int:
    return sum(atoms[a] for a in members)


def best_score(units: list[GroupCount], k: int, rollups: bool) -> tuple[int, int, int, int] | None:
    """The best score of any allowed arrangement, by trying them all.

    An arrangement shows some units of at least k respondents and, when roll-ups are
    allowed, under each parent (the organisation included) at most one roll-up of two or more
    of its pieces: hidden children with their subtrees, and its own people when it has any.
    It is allowed when the exact residual rule holds for the whole publication, every
    roll-up's residual holds at least k respondents and every roll-up leaves some of its
    parent's respondents out. Score: (units shown, roll-ups, respondents in shown units,
    pieces in roll-ups), compared in that order. None when nothing may be shown.
    """
    atoms = {u.id: u.n for u in units}
    if sum(atoms.values()) < k:
        return None
    members = subtrees(units)
    children: dict[str | None, list[str]] = {None: []} | {u.id: [] for u in units}
    for u in units:
        children[u.parent_id].append(u.id)
    own = object()  # a parent's own people as a piece of its roll-up
    candidates = [u.id for u in units if _respondents(atoms, members[u.id]) >= k]
    best = None
    for size in range(len(candidates) + 1):
        for shown_units in combinations(candidates, size):
            options = []
            for parent in children:
                pieces = [c for c in children[parent] if c not in shown_units]
                if parent is not None and atoms[parent] > 0:
                    pieces.append(own)
                choices = [()]
                if rollups:
                    choices += [
                        c for r in range(2, len(pieces) + 1) for c in combinations(pieces, r)
                    ]
                options.append([(parent, choice) for choice in choices])
            for plan in product(*options):
                published = {ORGANISATION: frozenset(atoms)}
                published |= {u: frozenset(members[u]) for u in shown_units}
                made = []
                for parent, choice in plan:
                    if choice:
                        covered = frozenset().union(
                            *({parent} if piece is own else members[piece] for piece in choice)
                        )
                        published[("other", parent)] = covered
                        made.append((parent, covered, len(choice)))
                if laminar_violations(atoms, published, k):
                    continue
                allowed = True
                for parent, covered, _ in made:
                    n = _respondents(atoms, covered)
                    inside = [s for s in published.values() if s < covered]
                    inner = frozenset().union(*inside) if inside else frozenset()
                    outer = atoms if parent is None else members[parent]
                    if n - _respondents(atoms, inner) < k or n == _respondents(atoms, outer):
                        allowed = False
                if not allowed:
                    continue
                score = (
                    len(shown_units),
                    len(made),
                    sum(_respondents(atoms, members[u]) for u in shown_units),
                    sum(pieces for _, _, pieces in made),
                )
                best = score if best is None or score > best else best
    return best


def score_of(disclosure, units: list[GroupCount]) -> tuple[int, int, int, int]:
    return (
        len(shown(disclosure)),
        len(disclosure.rollups),
        sum(v.n_shown for v in disclosure.visible.values() if v.shown),
        sum(len(r.member_ids) + r.includes_direct for r in disclosure.rollups),
    )


@settings(max_examples=150, deadline=None)
@given(small_trees(), st.booleans())
def test_the_choice_is_the_best_allowed_arrangement(case, rollups):
    units, k = case
    disclosure = Policy(k).suppress_tree_with_rollups(units, rollups=rollups)
    expected = best_score(units, k, rollups)
    if expected is None:
        assert disclosure.aggregates() == {}
    else:
        assert score_of(disclosure, units) == expected


@settings(max_examples=300, deadline=None)
@given(small_trees(max_units=9))
def test_without_rollups_no_combination_isolates_fewer_than_k(case):
    """The exact oracle of test_privacy_properties, for the mode without roll-ups."""
    units, k = case
    policy = Policy(k)
    disclosure = policy.suppress_tree_with_rollups(units, rollups=False)
    atoms = {u.id: u.n for u in units}
    assert disclosure.rollups == []
    assert find_disclosure(atoms, disclosure.aggregates(), k) is None
    assert policy.suppress_tree(units, rollups=False) == disclosure.visible
    sizes = {unit: sum(atoms[u] for u in m) for unit, m in subtrees(units).items()}
    for unit, v in disclosure.visible.items():
        if not v.shown:
            expected = REASON_BELOW_K if sizes[unit] < k else REASON_COMPLEMENTARY
            assert v == hidden(expected)
    # Roll-ups only add choices: with them at least as many units are shown.
    with_rollups = policy.suppress_tree_with_rollups(units)
    assert len(shown(with_rollups)) >= len(shown(disclosure))


@settings(max_examples=300, deadline=None)
@given(small_trees(max_units=9), st.booleans())
def test_what_the_disclosure_lists_is_exactly_what_is_shown(case, rollups):
    units, k = case
    disclosure = Policy(k).suppress_tree_with_rollups(units, rollups=rollups)
    atoms = {u.id: u.n for u in units}
    total = sum(atoms.values())
    expected = set(shown(disclosure)) | {r.id for r in disclosure.rollups}
    if total >= k:
        expected.add(ORGANISATION)
    assert set(disclosure.aggregates()) == expected
    members = subtrees(units)
    for rollup in disclosure.rollups:
        assert disclosure.rollup(rollup.id) is rollup
        parent_n = (
            total if rollup.parent_id is None else _respondents(atoms, members[rollup.parent_id])
        )
        assert rollup.n < parent_n  # never the parent's own number again
