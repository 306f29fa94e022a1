"""Thresholds, item detail, change, demographic cuts, comments and participation."""

from __future__ import annotations

import random

import pytest

from trustmirror.privacy import (
    REASON_BELOW_K,
    REASON_CODES,
    REASON_COMPLEMENTARY,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    REASON_TOO_MANY_DIMENSIONS,
    GroupCount,
    Policy,
    find_disclosure,
    mask_names,
)

PEOPLE = ["Anna de Vries", "Jan Jansen", "Mohammed El Amrani", "Bo Li"]


# -- the threshold ------------------------------------------------------------------------


def test_default_threshold_is_five():
    policy = Policy()
    assert policy.k == 5
    assert not policy.may_show(4) and policy.may_show(5)


@pytest.mark.parametrize("k", [2, 1, 0, -5])
def test_threshold_below_three_is_refused(k):
    with pytest.raises(ValueError, match="at least 3"):
        Policy(k)


@pytest.mark.parametrize("k", [True, 4.0, "5"])
def test_threshold_must_be_a_plain_integer(k):
    with pytest.raises(ValueError, match="integer"):
        Policy(k)


def test_item_detail_needs_k_answers_to_the_item_itself():
    policy = Policy(5)
    assert policy.item_detail_allowed(5)
    assert not policy.item_detail_allowed(2)


def test_change_needs_both_scans_to_reach_k():
    policy = Policy(5)
    assert policy.change_allowed(5, 9)
    assert not policy.change_allowed(4, 9)
    assert not policy.change_allowed(9, 4)


def test_item_detail_in_the_tree_follows_the_residual_rule():
    """P has teams A (6 respondents) and B (6); in B only 1 answered the item.

    P's item detail minus A's would show that one answer, so one of them must go.
    """
    policy = Policy(5)
    units = [GroupCount("P", None, 0), GroupCount("A", "P", 6), GroupCount("B", "P", 6)]
    disclosure = policy.suppress_tree_with_rollups(units)
    allowed = policy.item_detail_tree(disclosure, {"A": 6, "B": 1})
    assert not allowed["B"]
    assert allowed["P"] != allowed["A"]
    atoms = {"P": 0, "A": 6, "B": 1}
    published = {key: disclosure.members(key) for key, ok in allowed.items() if ok}
    assert find_disclosure(atoms, published, 5) is None


def test_item_detail_stays_where_every_group_answered():
    policy = Policy(5)
    units = [GroupCount("P", None, 0), GroupCount("A", "P", 6), GroupCount("B", "P", 6)]
    disclosure = policy.suppress_tree_with_rollups(units)
    allowed = policy.item_detail_tree(disclosure, {"A": 6, "B": 5})
    assert all(allowed.values()) and set(allowed) == set(disclosure.aggregates())


# -- demographic cuts -----------------------------------------------------------------------


def cell(**bands: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(bands.items()))


def test_a_cut_shows_cells_that_reach_k_with_their_complement():
    cut = Policy(5).demographic_cuts(
        {cell(tenure="<2"): 6, cell(tenure="2-5"): 8, cell(tenure="5+"): 7}, 21, 1
    )
    assert cut.allowed and cut.reason == REASON_SHOWN
    assert cut.dimensions == ("tenure",)
    assert cut.cells == {cell(tenure="<2"): 6, cell(tenure="2-5"): 8, cell(tenure="5+"): 7}
    assert cut.other is None and cut.hidden == {}


def test_small_cells_go_to_other_and_the_smallest_visible_cell_follows_if_needed():
    cells = {cell(tenure="<2"): 2, cell(tenure="2-5"): 8, cell(tenure="5+"): 7}
    cut = Policy(5).demographic_cuts(cells, 17, 1)
    # Hiding "<2" alone leaves 17 - 8 - 7 = 2: the cell would be back. So "5+" joins it.
    assert cut.cells == {cell(tenure="2-5"): 8}
    assert cut.other is not None and cut.other.n == 9
    assert set(cut.other.member_keys) == {cell(tenure="<2"), cell(tenure="5+")}
    assert cut.hidden == {cell(tenure="<2"): REASON_ROLLED_UP, cell(tenure="5+"): REASON_ROLLED_UP}


def test_respondents_without_a_band_count_as_a_hidden_remainder():
    """10 + 7 shown of 19: the 2 without a band must not appear as 19 - 10 - 7."""
    cut = Policy(5).demographic_cuts({cell(site="A"): 10, cell(site="B"): 7}, 19, 1)
    assert cut.cells == {cell(site="A"): 10}
    assert cut.other is not None and cut.other.includes_unknown and cut.other.n == 9


def test_a_cell_whose_complement_is_below_k_is_not_shown():
    cut = Policy(5).demographic_cuts({cell(site="A"): 12, cell(site="B"): 3}, 15, 1)
    assert not cut.allowed
    assert cut.reason == REASON_COMPLEMENTARY
    assert cut.cells == {} and cut.other is None


def test_a_cut_of_a_small_group_is_refused():
    cut = Policy(5).demographic_cuts({cell(site="A"): 2, cell(site="B"): 2}, 4, 1)
    assert not cut.allowed and cut.reason == REASON_BELOW_K


def test_more_dimensions_than_the_scan_allows_are_refused():
    cells = {cell(site="A", tenure="<2"): 10, cell(site="B", tenure="<2"): 10}
    cut = Policy(5).demographic_cuts(cells, 20, 1)
    assert not cut.allowed and cut.reason == REASON_TOO_MANY_DIMENSIONS
    assert Policy(5).demographic_cuts(cells, 20, 2).allowed


def test_cut_input_errors():
    policy = Policy(5)
    with pytest.raises(ValueError, match="same dimensions"):
        policy.demographic_cuts({cell(site="A"): 5, cell(tenure="x"): 5}, 10, 2)
    with pytest.raises(ValueError, match="more respondents"):
        policy.demographic_cuts({cell(site="A"): 5, cell(site="B"): 6}, 10, 1)


# -- comments -------------------------------------------------------------------------------


def test_comments_are_withheld_below_k():
    assert Policy(5).comments(["fine"], 4, PEOPLE, random.Random(1)) is None


def test_comments_mask_names_and_drop_blanks():
    shown = Policy(5).comments(
        ["Anna helpt altijd", "   ", "", "Ask jan.jansen@acme.test or Jan"],
        6,
        PEOPLE,
        random.Random(3),
        language="nl",
    )
    assert sorted(shown) == ["Ask [naam] or [naam]", "[naam] helpt altijd"]


def test_comments_come_in_random_order():
    texts = [f"comment {i}" for i in range(20)]
    first = Policy(5).comments(texts, 20, [], random.Random(1))
    second = Policy(5).comments(texts, 20, [], random.Random(2))
    assert sorted(first) == sorted(texts)
    assert first != texts and first != second


def test_name_masking_keeps_ordinary_words_and_particles():
    text = "In januari zei Jansen van de afdeling dat El Amrani en Anna de Vries gelijk hebben."
    assert mask_names(text, PEOPLE, mask="#") == (
        "In januari zei # van de afdeling dat # en # gelijk hebben."
    )
    # "Bo" and "Li" are too short to mask alone: they would hit ordinary words.
    assert mask_names("Bo Li and bo", PEOPLE, mask="#") == "# and bo"
    assert mask_names("Jan's idea, JAN said", PEOPLE, mask="#") == "#'s idea, # said"


# -- participation --------------------------------------------------------------------------


def test_participation_exact_when_nobody_or_many_did_not_answer():
    policy = Policy(5)
    full = policy.participation(8, 8)
    assert (full.reason, full.invited, full.responded, full.rate) == (REASON_SHOWN, 8, 8, 100)
    many = policy.participation(30, 12)
    assert (many.reason, many.responded, many.rate) == (REASON_SHOWN, 12, 40)


def test_participation_below_k_shows_nothing():
    result = Policy(5).participation(12, 4)
    assert result.reason == REASON_BELOW_K and not result.shown
    assert (result.invited, result.responded, result.rate, result.rate_at_least) == (
        None,
        None,
        None,
        None,
    )


def test_participation_with_few_nonrespondents_gives_only_a_bound():
    result = Policy(5).participation(20, 18)
    assert result.reason == REASON_FEW_NONRESPONDENTS
    assert result.responded is None and result.rate is None
    assert result.rate_at_least == 80  # 16 of 20: the least that fits 1..4 non-respondents


def test_participation_input_errors():
    with pytest.raises(ValueError):
        Policy(5).participation(5, 6)


def test_every_reason_code_has_a_sentence_in_both_languages():
    """The policy speaks in codes; every code has a sentence, translated into Dutch."""
    from django.utils import translation

    from trustmirror.results.wording import REASONS

    assert set(REASONS) == REASON_CODES
    for code in REASON_CODES:
        with translation.override("en"):
            english = str(REASONS[code])
        with translation.override("nl"):
            dutch = str(REASONS[code])
        assert english and dutch and english != dutch, code


def test_a_hidden_units_reason_says_below_k_whenever_it_has_fewer_than_k():
    from trustmirror.privacy import Visibility

    policy = Policy(5)
    rolled = Visibility(False, None, REASON_ROLLED_UP, ("other", 1))
    assert policy.hidden_reason(rolled, 3) == REASON_BELOW_K  # its own numbers cannot exist
    assert policy.hidden_reason(rolled, 5) == REASON_ROLLED_UP
    hidden = Visibility(False, None, REASON_COMPLEMENTARY)
    assert policy.hidden_reason(hidden, 9) == REASON_COMPLEMENTARY
    assert policy.hidden_reason(Visibility(True, 9, REASON_SHOWN), 9) == REASON_SHOWN
