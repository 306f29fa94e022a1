"""Adversarial tests: a curious manager or analyst with legitimate access tries to learn
something about a group below k. Every attack must fail.

The organisation (k = 5):
- Operations (Dana leads it and sees its whole subtree) has 2 people of its own and the teams
  Day (7 respondents), Evening (6) and Night (2). Dana wants to know what Night answered.
- Sales (Sven is an analyst who sees everything) has the teams Inside (8) and Field (3).
- The Board (2 respondents) reports to the top; the analyst wants the Board's numbers.

Each respondent has a private score; a shown number is the sum and count over exactly the
units the policy names for it. The attacker only ever sees those shown numbers.
"""

from __future__ import annotations

import itertools
import random

import pytest

from trustmirror.privacy import (
    ORGANISATION,
    GroupCount,
    Policy,
    find_disclosure,
    order_for_display,
)

K = 5
POLICY = Policy(K)
UNITS = [
    GroupCount("Acme", None, 0),
    GroupCount("Operations", "Acme", 2),
    GroupCount("Day", "Operations", 7),
    GroupCount("Evening", "Operations", 6),
    GroupCount("Night", "Operations", 2),
    GroupCount("Sales", "Acme", 0),
    GroupCount("Inside", "Sales", 8),
    GroupCount("Field", "Sales", 3),
    GroupCount("Board", "Acme", 2),
]
DIRECT = {u.id: u.n for u in UNITS}


def scores(seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed)
    return {unit: [rng.randint(1, 5) for _ in range(n)] for unit, n in DIRECT.items()}


def shown_numbers(disclosure, answers) -> dict[object, tuple[int, int]]:
    """What a viewer sees: (respondents, sum of scores) for every shown aggregate."""
    return {
        key: (sum(len(answers[u]) for u in members), sum(sum(answers[u]) for u in members))
        for key, members in disclosure.aggregates().items()
    }


def curious_analyst(shown: dict[object, tuple[int, int]], members) -> list[tuple[int, int]]:
    """Try every combination with coefficients -1, 0, +1 of the shown numbers.

    Returns the (respondents, sum) of every combination that describes a nonempty group of
    people smaller than k: the attacker's catch. ``members`` tells which units each shown
    number covers, as the attacker can read from the labels on the screen.
    """
    keys = list(shown)
    catches = []
    for coefficients in itertools.product((-1, 0, 1), repeat=len(keys)):
        weight: dict[str, int] = {}
        for c, key in zip(coefficients, keys, strict=True):
            for unit in members[key]:
                weight[unit] = weight.get(unit, 0) + c
        support = {u for u, w in weight.items() if w and DIRECT[u]}
        if all(w in (0, 1) for w in weight.values()) and 0 < sum(DIRECT[u] for u in support) < K:
            n = sum(c * shown[key][0] for c, key in zip(coefficients, keys, strict=True))
            catches.append((n, support))
    return catches


@pytest.fixture
def disclosure():
    return POLICY.suppress_tree_with_rollups(UNITS)


def test_dana_subtracts_the_visible_teams_from_operations(disclosure):
    shown = shown_numbers(disclosure, scores(1))
    assert not disclosure.visible["Night"].shown
    needed = {"Operations", "Day", "Evening"}
    if needed <= set(shown):
        # All three are shown, so their difference must hold at least k people.
        n = shown["Operations"][0] - shown["Day"][0] - shown["Evening"][0]
        assert n >= K
    assert curious_analyst(shown, disclosure.aggregates()) == []


def test_analyst_subtracts_the_departments_from_the_organisation(disclosure):
    shown = shown_numbers(disclosure, scores(2))
    assert not disclosure.visible["Board"].shown
    parts = [key for key in ("Operations", "Sales") if key in shown]
    rest = shown[ORGANISATION][0] - sum(shown[key][0] for key in parts)
    assert rest == 0 or rest >= K


def test_sibling_sums_and_rollups_do_not_split_a_small_team(disclosure):
    shown = shown_numbers(disclosure, scores(3))
    assert curious_analyst(shown, disclosure.aggregates()) == []
    for rollup in disclosure.rollups:
        assert rollup.n >= K


def test_people_directly_in_operations_are_not_the_difference_of_its_teams(disclosure):
    """Operations' own 2 people would be Operations minus all its teams."""
    shown = shown_numbers(disclosure, scores(4))
    teams = [t for t in ("Day", "Evening", "Night") if t in shown]
    if "Operations" in shown:
        difference = shown["Operations"][0] - sum(shown[t][0] for t in teams)
        assert difference == 0 or difference >= K


def test_the_exhaustive_attacker_finds_nothing_with_any_answers():
    """The catch depends on which numbers are shown, never on the answers behind them."""
    first = POLICY.suppress_tree_with_rollups(UNITS)
    for seed in range(5):
        shown = shown_numbers(first, scores(seed))
        assert curious_analyst(shown, first.aggregates()) == []


def test_the_attacker_would_have_caught_a_naive_threshold():
    """The same attacker against "hide only groups below k" catches Night: the test has teeth."""
    naive = {
        "Acme": set(DIRECT),
        "Operations": {"Operations", "Day", "Evening", "Night"},
        "Day": {"Day"},
        "Evening": {"Evening"},
        "Sales": {"Sales", "Inside", "Field"},
        "Inside": {"Inside"},
    }
    answers = scores(5)
    shown = {
        key: (sum(len(answers[u]) for u in m), sum(sum(answers[u]) for u in m))
        for key, m in naive.items()
    }
    catches = curious_analyst(shown, naive)
    assert any(support == {"Operations", "Night"} for _, support in catches)
    assert any(support == {"Field"} for _, support in catches)


def test_filter_and_its_complement_do_not_reveal_a_small_cell():
    """Sven filters Acme on tenure: "< 1 year" has 2 people, "1 year +" has 28.

    Showing "1 year +" would give "< 1 year" as Acme minus it.
    """
    cells = {(("tenure", "<1"),): 2, (("tenure", "1+"),): 28}
    cut = POLICY.demographic_cuts(cells, 30, 1)
    assert cut.cells == {}
    atoms = dict(cells)
    published = {"Acme": set(cells)} | {key: {key} for key in cut.cells}
    assert find_disclosure(atoms, published, K) is None


def test_people_without_a_band_are_not_the_difference_of_the_cells():
    cells = {(("site", "Utrecht"),): 9, (("site", "Zwolle"),): 6}
    cut = POLICY.demographic_cuts(cells, 17, 1)  # 2 people gave no site
    shown = sum(cut.cells.values())
    assert 17 - shown == 0 or 17 - shown >= K


def test_an_item_with_many_dont_knows_is_not_revealed_by_subtraction():
    """Operations' teams reach k, but in Evening only 1 person answered item 7."""
    units = [
        GroupCount("Operations", None, 0),
        GroupCount("Day", "Operations", 7),
        GroupCount("Evening", "Operations", 6),
    ]
    disclosure = POLICY.suppress_tree_with_rollups(units)
    item_answers = {"Operations": 0, "Day": 7, "Evening": 1}
    allowed = POLICY.item_detail_tree(disclosure, item_answers)
    published = {key: disclosure.members(key) for key, ok in allowed.items() if ok}
    assert find_disclosure(item_answers, published, K) is None
    assert not allowed["Evening"]


def test_consecutive_scans_do_not_reveal_a_team_that_shrank():
    """Night had 5 respondents in spring and 4 in autumn; Dana compares the two scans."""
    spring = [
        GroupCount("Operations", None, 0),
        GroupCount("Day", "Operations", 7),
        GroupCount("Night", "Operations", 5),
    ]
    autumn = [
        GroupCount("Operations", None, 0),
        GroupCount("Day", "Operations", 7),
        GroupCount("Night", "Operations", 4),
    ]
    first = POLICY.suppress_tree_with_rollups(spring)
    second = POLICY.suppress_tree_with_rollups(autumn)
    assert first.visible["Night"].shown and not second.visible["Night"].shown
    assert not POLICY.change_allowed(5, 4)
    # All shown numbers of both scans together, over respondents tagged by scan.
    atoms = {(scan, u.id): u.n for scan, units in (("s", spring), ("a", autumn)) for u in units}
    published = {("s", key): {("s", u) for u in m} for key, m in first.aggregates().items()}
    published |= {("a", key): {("a", u) for u in m} for key, m in second.aggregates().items()}
    assert find_disclosure(atoms, published, K) is None


def test_sorting_and_paging_do_not_place_a_hidden_team():
    """Teams sorted by score, 2 per page: a hidden team's place must not depend on its score."""
    visible = POLICY.suppress_tree(UNITS)

    def listing(hidden_score: float) -> list[str]:
        true_scores = {"Day": 3.9, "Evening": 3.1, "Night": hidden_score, "Inside": 4.2}
        return order_for_display(
            true_scores,
            value=lambda t: true_scores[t] if visible[t].shown else None,
            label=str,
        )

    low, high = listing(1.0), listing(5.0)
    assert low == high
    pages_low = [low[i : i + 2] for i in range(0, len(low), 2)]
    pages_high = [high[i : i + 2] for i in range(0, len(high), 2)]
    assert pages_low == pages_high
    assert low[-1] == "Night"


def test_comment_counts_do_not_reveal_that_a_small_team_commented(disclosure):
    """Dana counts the comments of Operations and of its shown teams."""
    comments_per_unit = {u: [f"{u} says {i}" for i in range(n)] for u, n in DIRECT.items()}
    comments_per_unit["Night"] = ["we are exhausted", "nights are lonely"]
    shown = {}
    for key, members in disclosure.aggregates().items():
        texts = [c for u in members for c in comments_per_unit[u]]
        n_group = sum(DIRECT[u] for u in members)
        shown[key] = POLICY.comments(texts, n_group, [], random.Random(0))
    assert all(texts is not None for texts in shown.values())
    assert POLICY.comments(comments_per_unit["Night"], 2, [], random.Random(0)) is None
    # Whatever Dana subtracts, the comments left over come from at least k respondents.
    if "Operations" in shown:
        inner = [key for key in ("Day", "Evening", "Night") if key in shown]
        inner += [r.id for r in disclosure.rollups if r.parent_id == "Operations"]
        leftover_people = (
            DIRECT["Operations"]
            + sum(DIRECT[u] for u in ("Day", "Evening", "Night"))
            - sum(sum(DIRECT[u] for u in disclosure.members(key)) for key in inner)
        )
        assert leftover_people == 0 or leftover_people >= K


def test_comment_order_does_not_follow_the_order_of_answering():
    in_answer_order = [f"answer {i}" for i in range(12)]
    orders = {tuple(POLICY.comments(in_answer_order, 12, [])) for _ in range(5)}
    assert tuple(in_answer_order) not in orders or len(orders) > 1
    assert len(orders) > 1


def test_participation_of_a_small_team_is_not_shown():
    assert not POLICY.participation(3, 2).shown
    assert not POLICY.participation(3, 0).shown


def test_participation_does_not_say_how_many_did_not_answer_when_few_did_not():
    """Eight of nine answered in Day+: "one of you did not" would start a hunt."""
    bounds = {POLICY.participation(20, 20 - missing) for missing in range(1, K)}
    assert len(bounds) == 1
    (only,) = bounds
    assert only.responded is None and only.rate is None


def test_participation_of_a_hidden_team_cannot_be_pinned_down_by_subtraction():
    """Operations: 13 invited, 8 answered. Day: 10 invited, 8 answered. Night: 3, none."""
    operations = POLICY.participation(13, 8)
    day = POLICY.participation(10, 8)
    assert operations.responded == 8 and operations.invited == 13
    assert day.responded is None  # only "at least x%"
    # Night's non-respondents = 5 - (Day's, anything from 1 to 4): not one value.
    possible = {5 - missing for missing in range(1, K) if 0 <= 5 - missing <= 3}
    assert len(possible) > 1


def test_a_scan_cannot_be_configured_below_three():
    with pytest.raises(ValueError):
        Policy(2)
