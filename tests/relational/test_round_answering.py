"""The round's services: who is in it, whom each rater rates, saving, skipping, submitting.

Team North: Ann, Bob, Cas, Dana (its lead), Evi, Fay, all invited. Team East (Kim, Lou, Max)
is too small for a round of at least four.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from trustmirror.relational.answering import (
    NotInRound,
    RoundFinished,
    cyclic_targets,
    has_started,
    leader_items,
    prediction_save,
    resume_page_number,
    round_answers,
    round_decline,
    round_page_save,
    round_pending,
    round_plan,
    round_prediction,
    round_submit,
)
from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.surveys.answering import SurveyNotOpen

NORTH = ["Ann", "Bob", "Cas", "Dana", "Evi", "Fay"]


def plan_of(survey, name):
    return round_plan(invitation=survey.invitations[name])


def code(survey, name):
    return pseudonym(survey.scan.pk, survey.acme.people[name].pk)


def test_the_team_is_everyone_invited_in_the_raters_unit_the_lead_included(round_survey):
    plan = plan_of(round_survey, "Ann")
    assert plan.rates_colleagues and plan.team_size == 6
    assert sorted(c.name for c in plan.colleagues) == ["Bob", "Cas", "Dana", "Evi", "Fay"]
    assert {c.pseudonym for c in plan.colleagues} == {code(round_survey, n) for n in NORTH[1:]}
    assert not plan.predicts  # Ann leads nobody
    # Dana rates her team like everyone else, and predicts as its lead.
    dana = plan_of(round_survey, "Dana")
    assert dana.rates_colleagues and dana.predicts
    assert "Dana" not in [c.name for c in dana.colleagues]
    assert dana.page_count == dana.colleague_page_count + 1 == 3


def test_nobody_rates_themself(round_survey):
    for name in NORTH:
        plan = plan_of(round_survey, name)
        assert plan.rater not in {c.pseudonym for c in plan.colleagues}


def test_a_team_below_the_minimum_size_has_no_round(round_survey):
    plan = plan_of(round_survey, "Kim")  # Team East: three people
    assert plan.team_size == 3
    assert not plan.rates_colleagues and not plan.in_round
    assert plan.colleagues == []
    with pytest.raises(NotInRound):
        round_decline(plan=plan)
    assert not RoundEntry.objects.exists()


def test_a_lead_of_a_small_team_still_predicts(acme, issue_survey):
    from trustmirror.orgs.models import Person

    Person.objects.filter(pk=acme.people["Kim"].pk).update(is_lead=True)
    survey = issue_survey(name="Round scan", relational_round=True, leader_mirror=True)
    plan = plan_of(survey, "Kim")
    assert not plan.rates_colleagues and plan.predicts and plan.in_round
    assert plan.page_count == plan.prediction_page_number == 1


def test_without_the_modules_nobody_is_in_a_round(plain_survey):
    for name in ("Ann", "Dana"):
        plan = plan_of(plain_survey, name)
        assert not plan.in_round and not round_pending(plan)


def test_the_minimum_size_is_the_scans(acme, issue_survey):
    survey = issue_survey(name="Round scan", relational_round=True, round_min_size=7)
    assert not plan_of(survey, "Ann").in_round  # North has six


def test_the_cyclic_design_rates_every_target_exactly_m_times():
    team = [f"{i:032x}" for i in (9, 3, 14, 1, 7, 12, 5, 2, 11, 8)]
    for m in range(1, len(team)):
        rated = Counter()
        for rater in team:
            targets = cyclic_targets(team, rater, m)
            assert len(targets) == len(set(targets)) == m
            assert rater not in targets
            rated.update(targets)
        assert set(rated.values()) == {m} and len(rated) == len(team)


def test_a_larger_team_rates_a_balanced_subset(acme, issue_survey):
    """North (6) with a largest full team of 4: each rates 3 and is rated by exactly 3."""
    survey = issue_survey(
        name="Round scan", relational_round=True, round_min_size=4, round_max_size=4
    )
    rated = Counter()
    for name in NORTH:
        plan = plan_of(survey, name)
        assert plan.team_size == 6 and len(plan.colleagues) == 3
        rated.update(c.pseudonym for c in plan.colleagues)
    assert sorted(rated) == sorted(code(survey, n) for n in NORTH)
    assert set(rated.values()) == {3}


def test_the_order_of_colleagues_is_the_raters_own_and_stable(round_survey):
    first = [c.name for c in plan_of(round_survey, "Ann").colleagues]
    again = [c.name for c in plan_of(round_survey, "Ann").colleagues]
    assert first == again
    # Different raters see different orders (the seed is their own pseudonym).
    orders = {tuple(sorted(c.name for c in plan_of(round_survey, n).colleagues)) for n in NORTH}
    shuffled = {tuple(c.name for c in plan_of(round_survey, n).colleagues) for n in NORTH}
    assert len(orders) == 6 and len(shuffled) == 6
    # Not simply alphabetical for everyone.
    assert any(list(o) != sorted(o) for o in shuffled)


def test_colleague_keys_are_per_rater_and_not_pseudonyms(round_survey):
    ann = {c.name: c.key for c in plan_of(round_survey, "Ann").colleagues}
    bob = {c.name: c.key for c in plan_of(round_survey, "Bob").colleagues}
    assert ann["Cas"] != bob["Cas"]
    assert not set(ann.values()) & {code(round_survey, n) for n in NORTH}


def test_saving_a_page_stores_answers_and_skips_under_pseudonyms(round_survey):
    plan = plan_of(round_survey, "Ann")
    first, second, third, fourth = plan.colleagues_on_page(1)
    round_page_save(
        plan=plan,
        page_number=1,
        ratings={
            first.pseudonym: {"reliance": 5, "disclosure": 4, "meta": 3},
            second.pseudonym: {"reliance": 2},
        },
        skipped={third.pseudonym},
    )
    rows = {a.target: a for a in RoundAnswer.objects.all()}
    assert set(rows) == {first.pseudonym, second.pseudonym, third.pseudonym}
    assert (rows[first.pseudonym].reliance, rows[first.pseudonym].meta) == (5, 3)
    assert rows[second.pseudonym].disclosure is None
    assert rows[third.pseudonym].skipped and rows[third.pseudonym].reliance is None
    assert {a.rater for a in rows.values()} == {plan.rater}
    assert {a.unit_id for a in rows.values()} == {round_survey.acme.north.pk}
    entry = RoundEntry.objects.get()
    assert entry.state == RoundEntry.ANSWERING and entry.rater == plan.rater
    # Saved again: updated in place; a colleague left empty is unanswered again.
    round_page_save(
        plan=plan,
        page_number=1,
        ratings={first.pseudonym: {"reliance": 1}, third.pseudonym: {"meta": 4}},
    )
    rows = {a.target: a for a in RoundAnswer.objects.all()}
    assert set(rows) == {first.pseudonym, third.pseudonym}
    assert (rows[first.pseudonym].reliance, rows[first.pseudonym].disclosure) == (1, None)
    assert not rows[third.pseudonym].skipped and rows[third.pseudonym].meta == 4
    assert fourth.pseudonym not in rows


@pytest.mark.parametrize("value", [0, 6, -1, "4", 3.0, True])
def test_a_value_off_the_scale_is_refused_and_nothing_is_written(round_survey, value):
    plan = plan_of(round_survey, "Ann")
    target = plan.colleagues_on_page(1)[0].pseudonym
    with pytest.raises(ValueError):
        round_page_save(plan=plan, page_number=1, ratings={target: {"reliance": value}})
    assert not RoundAnswer.objects.exists() and not RoundEntry.objects.exists()


def test_a_target_that_is_not_a_colleague_on_the_page_is_refused(round_survey):
    plan = plan_of(round_survey, "Ann")
    ok = plan.colleagues_on_page(1)[0].pseudonym
    for stranger in (
        code(round_survey, "Eli"),  # Team South
        plan.rater,  # herself
        plan.colleagues_on_page(2)[0].pseudonym,  # a colleague, but on page 2
    ):
        with pytest.raises(ValueError):
            round_page_save(
                plan=plan,
                page_number=1,
                ratings={ok: {"reliance": 4}, stranger: {"reliance": 4}},
            )
    with pytest.raises(ValueError):
        round_page_save(plan=plan, page_number=1, ratings={}, skipped={code(round_survey, "Eli")})
    assert not RoundAnswer.objects.exists()


def test_resume_is_the_first_page_with_a_colleague_unanswered(round_survey):
    plan = plan_of(round_survey, "Dana")  # five colleagues on two pages, then her prediction
    assert resume_page_number(plan) == 1 and not has_started(plan)
    page1 = plan.colleagues_on_page(1)
    round_page_save(
        plan=plan,
        page_number=1,
        ratings={c.pseudonym: {"meta": 3} for c in page1[:3]},
        skipped={page1[3].pseudonym},
    )
    assert has_started(plan) and resume_page_number(plan) == 2
    round_page_save(plan=plan, page_number=2, ratings={}, skipped={plan.colleagues[4].pseudonym})
    assert resume_page_number(plan) == 3 == plan.prediction_page_number
    prediction_save(plan=plan, answers={leader_items(round_survey.scan)[0].id: 4})
    assert resume_page_number(plan) == 4  # the review


def test_a_leads_prediction_takes_leader_items_only(round_survey):
    plan = plan_of(round_survey, "Dana")
    items = [item.id for item in leader_items(round_survey.scan)]
    assert items[:3] == ["lab1", "lab2", "lab3"] and len(items) == 9
    prediction_save(plan=plan, answers={"lab1": 4, "lin3": 2})
    assert round_prediction(plan) == {"lab1": 4, "lin3": 2}
    prediction = LeaderPrediction.objects.get()
    assert prediction.lead == plan.rater and not prediction.submitted
    with pytest.raises(ValueError):
        prediction_save(plan=plan, answers={"tm1": 4})  # not a leader question
    with pytest.raises(ValueError):
        prediction_save(plan=plan, answers={"lab1": 7})
    assert round_prediction(plan) == {"lab1": 4, "lin3": 2}
    with pytest.raises(NotInRound):
        prediction_save(plan=plan_of(round_survey, "Ann"), answers={"lab1": 4})


def test_submit_finishes_the_round_once(round_survey):
    plan = plan_of(round_survey, "Dana")
    prediction_save(plan=plan, answers={"lab1": 5})
    assert round_pending(plan)
    assert round_submit(plan=plan) is True
    assert round_submit(plan=plan) is False
    assert RoundEntry.objects.get().state == RoundEntry.SUBMITTED
    assert LeaderPrediction.objects.get().submitted
    assert not round_pending(plan)
    target = plan.colleagues_on_page(1)[0].pseudonym
    with pytest.raises(RoundFinished):
        round_page_save(plan=plan, page_number=1, ratings={target: {"meta": 2}})
    with pytest.raises(RoundFinished):
        prediction_save(plan=plan, answers={"lab1": 1})
    assert round_decline(plan=plan) is False
    assert RoundEntry.objects.get().state == RoundEntry.SUBMITTED


def test_decline_deletes_what_was_saved_and_cannot_be_undone(round_survey):
    plan = plan_of(round_survey, "Dana")
    target = plan.colleagues_on_page(1)[0].pseudonym
    round_page_save(plan=plan, page_number=1, ratings={target: {"reliance": 4}})
    prediction_save(plan=plan, answers={"lab1": 5})
    assert round_decline(plan=plan) is True
    assert RoundEntry.objects.get().state == RoundEntry.DECLINED
    assert not RoundAnswer.objects.exists() and not LeaderPrediction.objects.exists()
    assert not round_pending(plan)
    assert round_submit(plan=plan) is False
    with pytest.raises(RoundFinished):
        round_page_save(plan=plan, page_number=1, ratings={target: {"reliance": 4}})


def test_nothing_is_written_once_the_scan_has_closed(round_survey):
    plan = plan_of(round_survey, "Ann")
    target = plan.colleagues_on_page(1)[0].pseudonym
    later = round_survey.scan.closes_on + dt.timedelta(days=1)
    with pytest.raises(SurveyNotOpen):
        round_page_save(plan=plan, page_number=1, ratings={target: {"meta": 2}}, today=later)
    with pytest.raises(SurveyNotOpen):
        round_submit(plan=plan, today=later)
    with pytest.raises(SurveyNotOpen):
        round_decline(plan=plan, today=later)
    assert not RoundEntry.objects.exists()


def test_pseudonyms_equal_nothing_in_the_person_row(round_survey):
    plan = plan_of(round_survey, "Ann")
    round_page_save(
        plan=plan, page_number=1, ratings={c.pseudonym: {"meta": 3} for c in plan.colleagues[:4]}
    )
    stored = set(RoundAnswer.objects.values_list("rater", flat=True))
    stored |= set(RoundAnswer.objects.values_list("target", flat=True))
    stored |= set(RoundEntry.objects.values_list("rater", flat=True))
    person_values = set()
    for person in round_survey.acme.people.values():
        person_values |= {str(person.pk), person.name, person.email, person.name.lower()}
    invitation_values = {
        str(v) for inv in round_survey.invitations.values() for v in (inv.pk, inv.token_hash)
    }
    tokens = set(round_survey.tokens.values())
    assert len(stored) == 5
    for value in stored:
        assert len(value) == 32
        assert value not in person_values | invitation_values | tokens
        assert not any(value in other for other in invitation_values | tokens)
    # Round answers of one person in two scans cannot be joined without the secret.
    assert pseudonym(round_survey.scan.pk, 1) != pseudonym(round_survey.scan.pk + 1, 1)


def test_round_answers_read_the_raters_own_rows_only(round_survey):
    ann, bob = plan_of(round_survey, "Ann"), plan_of(round_survey, "Bob")
    target = ann.colleagues_on_page(1)[0]
    round_page_save(plan=ann, page_number=1, ratings={target.pseudonym: {"reliance": 5}})
    assert set(round_answers(ann)) == {target.pseudonym}
    assert round_answers(bob) == {}
