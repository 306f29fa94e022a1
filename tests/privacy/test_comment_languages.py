"""Which languages of an open question's answers each group may show (Policy.comment_languages).

The tree of tests/privacy: Operations holds Day and Night; the organisation holds Operations
and Sales. Counts are the people per unit who answered the question in a language.
"""

from __future__ import annotations

from trustmirror.privacy import ORGANISATION, Policy

POLICY = Policy(5)
GROUPS = {
    ORGANISATION: ["Day", "Night", "Sales"],
    "Operations": ["Day", "Night"],
    "Day": ["Day"],
    "Night": ["Night"],
}


def test_a_language_is_shown_only_where_k_people_wrote_in_it():
    allowed = POLICY.comment_languages(
        GROUPS, {"nl": {"Day": 6, "Night": 5, "Sales": 5}, "en": {"Day": 1, "Night": 5}}
    )
    assert allowed["Day"] == {"nl"}  # the one English answer in Day is held back
    # Night's five English answers reach k, but Operations' six minus Night's five would be
    # Day's lone English answer: Night gives way, and that answer is one of six.
    assert allowed["Night"] == {"nl"}
    assert allowed["Operations"] == {"nl", "en"}
    assert allowed[ORGANISATION] == {"nl", "en"}


def test_a_language_can_show_in_a_team_where_nothing_else_gives_it_away():
    allowed = POLICY.comment_languages(GROUPS, {"en": {"Night": 5, "Sales": 5}})
    assert allowed["Night"] == allowed["Operations"] == allowed[ORGANISATION] == {"en"}
    assert allowed["Day"] == frozenset()


def test_below_k_for_the_question_shows_nothing_even_when_the_group_is_large():
    allowed = POLICY.comment_languages(GROUPS, {"nl": {"Day": 4}, "en": {"Day": 3}})
    assert allowed["Day"] == frozenset()  # 7 wrote, but no language reaches 5
    assert allowed[ORGANISATION] == frozenset()


def test_a_group_gives_way_when_its_list_subtracted_from_another_leaves_few():
    # Operations shows 8 English answers, Day 6: the other 2 would be Night's.
    allowed = POLICY.comment_languages(GROUPS, {"en": {"Day": 6, "Night": 2}})
    assert "en" in allowed["Operations"]
    assert "en" not in allowed["Day"]
    # Operations minus nothing, the organisation minus Operations: 0 left, which is safe.
    assert "en" in allowed[ORGANISATION]
