"""The relational round under the GDPR: a person's export holds what they gave, never what
colleagues said about them; erasure removes every round row about them."""

from __future__ import annotations

from trustmirror.orgs.gdpr import person_erase, person_export
from trustmirror.relational.answering import round_page_save, round_plan, round_submit
from trustmirror.relational.models import RoundAnswer, RoundEntry
from trustmirror.relational.pseudonyms import pseudonym


def _rate_everyone(survey, name, value):
    plan = round_plan(invitation=survey.invitations[name])
    for number in range(1, plan.colleague_page_count + 1):
        ratings = {
            c.pseudonym: {"reliance": value, "disclosure": value, "meta": value}
            for c in plan.colleagues_on_page(number)
        }
        round_page_save(plan=plan, page_number=number, ratings=ratings)
    assert round_submit(plan=plan)
    return plan


def test_export_holds_the_ratings_given_with_names_and_none_received(round_survey):
    _rate_everyone(round_survey, "Ann", 5)
    _rate_everyone(round_survey, "Bob", 2)
    ann = round_survey.acme.people["Ann"]

    (scan,) = person_export(person=ann)["relational_round"]

    assert scan["round"] == RoundEntry.SUBMITTED
    given = {row["colleague"]: row for row in scan["ratings_given"]}
    assert set(given) == {"Bob", "Cas", "Dana", "Evi", "Fay"}
    assert {row["reliance"] for row in given.values()} == {5}
    # What Bob said about Ann (2) is his confidential answer: not in her export.
    assert all(row["reliance"] != 2 for row in scan["ratings_given"])
    assert "Bob" not in str(person_export(person=round_survey.acme.people["Cas"]))


def test_erasure_deletes_every_round_row_about_the_person(round_survey):
    _rate_everyone(round_survey, "Ann", 5)
    _rate_everyone(round_survey, "Bob", 2)
    scan = round_survey.scan
    ann = round_survey.acme.people["Ann"]
    code = pseudonym(scan.pk, ann.pk)

    person_erase(person=ann)

    assert not RoundEntry.objects.filter(rater=code).exists()
    assert not RoundAnswer.objects.filter(rater=code).exists()
    assert not RoundAnswer.objects.filter(target=code).exists()
    # Bob's ratings of the others stay: four colleagues left of five.
    assert (
        RoundAnswer.objects.filter(
            rater=pseudonym(scan.pk, round_survey.acme.people["Bob"].pk)
        ).count()
        == 4
    )
