"""Participation figures and respondent counts are decided together, for all groups at once.

The security review's finding: "at least 55%, because fewer than 5 did not answer" next to
n = 8 and a headcount of 9 gave the exact figure, and a parent's count minus its children's
gave "other teams of Support" by subtraction. Headcounts are known at work, so a published
respondent count is a published count of non-respondents; the tests below audit those
counts exactly, over every linear combination, with :func:`find_disclosure`.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COUNT_COMBINES,
    REASON_FEW_NONRESPONDENTS,
    REASON_SHOWN,
    GroupCount,
    Policy,
    find_disclosure,
)

K = 5
POLICY = Policy(K)


def test_the_reviews_team_of_nine_shows_neither_its_n_nor_its_rate():
    """Eight of nine answered: "n = 8" beside 9 invited says "one of you did not"."""
    figures = POLICY.participations({"team": ["t"]}, {"t": 9}, {"t": 8})["team"]
    assert figures.reason == REASON_FEW_NONRESPONDENTS and not figures.count_shown
    assert figures.invited == 9 and figures.responded is None and figures.rate is None
    assert figures.rate_at_least == 55


def test_a_parent_and_its_shown_children_cannot_be_subtracted():
    """Support: IT 10 of 15 (5 missing), Finance 10 of 16 (6), HR 4 of 6 (2, hidden).

    Exact figures for Support (13 missing) and both shown teams would give HR's 2 by
    subtraction. One of them gives way: the smallest inner group, so that Support keeps its
    figures and the rest of Support counts 7 missing, at least k.
    """
    aggregates = {"support": ["it", "finance", "hr"], "it": ["it"], "finance": ["finance"]}
    invited = {"it": 15, "finance": 16, "hr": 6}
    responded = {"it": 10, "finance": 10, "hr": 4}
    figures = POLICY.participations(aggregates, invited, responded)
    assert figures["support"].count_shown and figures["support"].responded == 24
    assert figures["finance"].count_shown and figures["finance"].rate == 62
    # IT has k missing itself, so it is not "fewer than k": the reason names the combination.
    assert figures["it"].reason == REASON_COUNT_COMBINES
    assert figures["it"].responded is None and figures["it"].rate is None
    assert figures["it"].rate_at_least is None and figures["it"].invited == 15
    exact = {key: aggregates[key] for key, f in figures.items() if f.count_shown}
    missing = {unit: invited[unit] - responded[unit] for unit in invited}
    assert find_disclosure(missing, exact, K) is None
    # What the page showed before (every group exact) gave HR away.
    assert find_disclosure(missing, aggregates, K) is not None


def test_nobody_missing_is_always_exact_and_a_small_group_says_only_that_it_is_small():
    figures = POLICY.participations(
        {"full": ["a"], "small": ["b"], ORGANISATION: ["a", "b"]},
        {"a": 8, "b": 4},
        {"a": 8, "b": 3},
    )
    assert figures["full"].reason == REASON_SHOWN and figures["full"].rate == 100
    assert figures["small"].reason == REASON_BELOW_K and not figures["small"].shown
    # The organisation: 11 of 12, one missing (the small group's): a bound only.
    assert figures[ORGANISATION].reason == REASON_FEW_NONRESPONDENTS


def test_the_bound_is_the_same_for_every_number_missing_below_k():
    bounds = {
        POLICY.participations({"g": ["u"]}, {"u": 20}, {"u": 20 - missing})["g"]
        for missing in range(1, K)
    }
    assert len(bounds) == 1


def test_an_open_link_with_more_answers_than_invitations_misses_nobody():
    figures = POLICY.participations({"g": ["u"]}, {"u": 6}, {"u": 7})["g"]
    assert figures.reason == REASON_SHOWN and figures.invited == 7 and figures.rate == 100


# -- the audit, over random organisations ---------------------------------------------------


@st.composite
def organisations(draw):
    """A unit tree with headcounts and answers per unit, and a k."""
    size = draw(st.integers(1, 9))
    units, invited, responded = [], {}, {}
    for i in range(size):
        parent = None if i == 0 else draw(st.integers(0, i - 1))
        invited[f"u{i}"] = draw(st.integers(0, 14))
        responded[f"u{i}"] = draw(st.integers(0, invited[f"u{i}"]))
        units.append((f"u{i}", None if parent is None else f"u{parent}"))
    return units, invited, responded, draw(st.integers(3, 6))


@settings(max_examples=400, deadline=None)
@given(organisations())
def test_no_combination_of_published_counts_tells_a_small_number_missing(organisation):
    """Every count the tree publishes, exactly audited on the non-respondents.

    The groups are those the tree rule shows (units, roll-ups, the organisation); the
    viewer knows every unit's headcount, so each exact participation figure (and each n)
    publishes that group's number of non-respondents. No rational combination of them may
    be supported on units with 1 to k - 1 non-respondents in all.
    """
    units, invited, responded, k = organisation
    policy = Policy(k)
    tree = policy.suppress_tree_with_rollups(
        [GroupCount(u, parent, responded[u]) for u, parent in units]
    )
    aggregates = tree.aggregates()
    figures = policy.participations(aggregates, invited, responded)
    assert set(figures) == set(aggregates)
    exact = {key: aggregates[key] for key, f in figures.items() if f.count_shown}
    missing = {u: invited[u] - responded[u] for u, _parent in units}
    assert find_disclosure(missing, exact, k) is None
    for key, f in figures.items():
        n = sum(responded[u] for u in aggregates[key])
        gap = sum(missing[u] for u in aggregates[key])
        assert f.shown == (n >= k)
        if f.count_shown:
            assert f.responded == n and (gap == 0 or gap >= k)
        elif f.reason == REASON_FEW_NONRESPONDENTS:
            assert 0 < gap < k and f.responded is None and f.rate is None
        elif f.reason == REASON_COUNT_COMBINES:
            assert gap >= k and f.responded is None and f.rate_at_least is None
