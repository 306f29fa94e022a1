"""Switching the round on: the consultant's new-scan form and scan page, what the invitation
and the letters say about it, and what the round's tables can never hold.

Carla is Acme's admin and creates the scans; Bob reads Dutch, Ann English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from trustmirror.delivery.compose import compose_message
from trustmirror.delivery.models import Message
from trustmirror.relational.answering import (
    prediction_save,
    round_page_save,
    round_plan,
    round_submit,
)
from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
from trustmirror.surveys.answering import page_save, response_submit
from trustmirror.surveys.models import Response, Scan
from trustmirror.surveys.services import scan_create

SENTENCE_EN = (
    "This survey includes a part where you say how you work with each colleague. "
    "That part is confidential, not anonymous, and you can skip it."
)
SENTENCE_NL = (
    "Deze vragenlijst heeft een deel waarin je aangeeft hoe je met elke collega samenwerkt. "
    "Dat deel is vertrouwelijk, niet anoniem, en je kunt het overslaan."
)


def _new_scan(**fields):
    return {"name": "Winter", "opens_on": "2027-01-11", "closes_on": "2027-01-31", **fields}


# --- the consultant's form ---------------------------------------------------------------------


def test_the_new_scan_form_switches_the_modules_on(client, acme):
    client.force_login(acme.carla)
    url = reverse("scans:create", kwargs={"org": "acme"})
    html = client.get(url).content.decode()
    assert 'id="module-choice"' in html
    for name in ("relational_round", "leader_mirror", "purge_ratings"):
        assert f'name="{name}"' in html
    assert 'name="round_min_size" value="4"' in html
    assert 'name="round_max_size" value="15"' in html
    response = client.post(
        url,
        _new_scan(
            relational_round="on",
            leader_mirror="on",
            purge_ratings="on",
            round_min_size="5",
            round_max_size="9",
        ),
    )
    assert response.status_code == 302
    scan = Scan.objects.get()
    assert (scan.relational_round, scan.leader_mirror, scan.purge_ratings) == (True, True, True)
    assert (scan.round_min_size, scan.round_max_size) == (5, 9)
    page = client.get(response["Location"]).content.decode()
    assert 'data-module="relational_round"' in page and 'data-module="leader_mirror"' in page
    assert "Relational round, for teams of 5 to 9 people" in page
    assert "each member rates 8 colleagues" in page
    assert "its answers are deleted after the final results" in page


def test_without_the_switches_a_scan_has_no_modules(client, acme):
    client.force_login(acme.carla)
    response = client.post(reverse("scans:create", kwargs={"org": "acme"}), _new_scan())
    scan = Scan.objects.get()
    assert not scan.relational_round and not scan.leader_mirror and not scan.purge_ratings
    assert (scan.round_min_size, scan.round_max_size) == (4, 15)
    page = client.get(response["Location"]).content.decode()
    assert 'id="scan-modules"' in page and "data-module" not in page


@pytest.mark.parametrize(
    ("sizes", "field", "message"),
    [
        ({"round_min_size": "3"}, "round_min_size", "A team needs at least 4 people to take part."),
        (
            {"round_min_size": "8", "round_max_size": "6"},
            "round_max_size",
            "The largest team rated in full cannot be smaller than the smallest team in the "
            "round (8).",
        ),
    ],
)
def test_round_sizes_are_checked_with_field_errors(client, acme, sizes, field, message):
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}), _new_scan(relational_round="on", **sizes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Scan.objects.exists()


def test_the_service_refuses_impossible_round_sizes(acme):
    today = timezone.localdate()
    common = {"organisation": acme.org, "name": "X", "opens_on": today, "closes_on": today}
    with pytest.raises(ValueError):
        scan_create(**common, round_min_size=3)
    with pytest.raises(ValueError):
        scan_create(**common, round_min_size=6, round_max_size=5)
    assert not Scan.objects.exists()


# --- what the invitation says ------------------------------------------------------------------


@pytest.mark.parametrize("round_on", [True, False])
def test_the_invitation_mentions_the_round_in_the_persons_language(acme, round_on):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Mail",
        opens_on=today,
        closes_on=today + dt.timedelta(days=9),
        relational_round=round_on,
    )
    messages = Message.objects.filter(scan=scan, kind=Message.INVITATION).select_related(
        "invitation__person"
    )
    by_name = {m.invitation.person.name: m for m in messages}
    ann = compose_message(by_name["Ann"], token="A" * 22)
    bob = compose_message(by_name["Bob"], token="B" * 22)
    ann_html, bob_html = ann.alternatives[0][0], bob.alternatives[0][0]
    assert (SENTENCE_EN in " ".join(ann.body.split())) is round_on
    assert (SENTENCE_EN in " ".join(ann_html.split())) is round_on
    assert (SENTENCE_NL in " ".join(bob.body.split())) is round_on
    assert (SENTENCE_NL in " ".join(bob_html.split())) is round_on


def test_the_letter_file_carries_the_round_sentence(client, acme):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="On paper",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=20),
        delivery=Scan.LETTERS,
        relational_round=True,
    )
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:letters", kwargs={"org": "acme", "scan_id": scan.pk}),
        {"letters-confirm": "on"},
    )
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "email", "language", "unit", "link", "round_notice"]
    notices = {row[0]: row[5] for row in rows[1:]}
    assert notices["Ann"] == SENTENCE_EN and notices["Bob"] == SENTENCE_NL


# --- unlinkability -----------------------------------------------------------------------------

#: Every column of the round's raw tables. None holds a person id, name, e-mail, token,
#: resume key, response id or moment: rater and target are pseudonyms. ``page_revisions``
#: counts the saves of each page while answering (never a clock), emptied at the end.
ROUND_COLUMNS = {
    "relational_roundentry": {"id", "scan_id", "unit_id", "rater", "state", "page_revisions"},
    "relational_roundanswer": {
        "id",
        "scan_id",
        "unit_id",
        "rater",
        "target",
        "reliance",
        "disclosure",
        "meta",
        "skipped",
    },
    "relational_leaderprediction": {"id", "scan_id", "unit_id", "lead", "answers", "submitted"},
}


def test_the_round_tables_have_no_person_time_or_response_column(db):
    with connection.cursor() as cursor:
        for table, expected in ROUND_COLUMNS.items():
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
            assert columns == expected, table


def test_no_stored_round_value_names_a_person_or_their_answers(acme, issue_survey):
    """Dana answers the questionnaire and the round; nothing stored joins the two or her."""
    survey = issue_survey(name="Round scan", relational_round=True, leader_mirror=True)
    token = survey.tokens["Dana"]
    invitation = survey.invitations["Dana"]
    page_save(invitation=invitation, token=token, page_number=1, answers={}, language="en")
    assert response_submit(invitation=invitation, token=token)
    plan = round_plan(invitation=invitation)
    round_page_save(
        plan=plan,
        page_number=1,
        ratings={c.pseudonym: {"reliance": 4, "meta": 2} for c in plan.colleagues_on_page(1)},
    )
    prediction_save(plan=plan, answers={"lab1": 4})
    assert round_submit(plan=plan)

    response = Response.objects.get()
    people = survey.acme.people.values()
    forbidden = {token, response.resume_key, str(response.id), response.id.hex}
    forbidden |= {str(i.token_hash) for i in survey.invitations.values()}
    forbidden |= {p.name for p in people} | {p.email for p in people}
    ids = {str(p.pk) for p in people} | {str(i.pk) for i in survey.invitations.values()}

    stored = []
    for model in (RoundEntry, RoundAnswer, LeaderPrediction):
        for row in model.objects.values():
            for column, value in row.items():
                stored.append((model.__name__, column, str(value)))
    assert len(stored) > 20
    for model, column, value in stored:
        assert not any(secret and secret in value for secret in forbidden), (model, column)
        if column in ("rater", "target", "lead"):
            assert len(value) == 32 and value not in ids
    # The prediction's answers are keyed by item, never by person.
    assert LeaderPrediction.objects.get().answers == {"lab1": 4}


@pytest.mark.django_db(transaction=True)
def test_the_round_never_writes_in_the_transaction_of_the_response_or_the_invitation(
    acme, issue_survey
):
    """On PostgreSQL a shared write would show as equal transaction ids (xmin/xmax).

    Each service call commits on its own, as in production: the round's rows never carry
    the transaction id of the anonymous response, and the invitation row is never written.
    """
    survey = issue_survey(name="Round scan", relational_round=True, leader_mirror=True)
    is_postgres = connection.vendor == "postgresql"
    system = "xmin::text, xmax::text" if is_postgres else "1, 1"

    def rows(table):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {system} FROM {table} ORDER BY id")
            return cursor.fetchall()

    invitations_before = rows("surveys_invitation")
    for name in ("Ann", "Dana"):
        token, invitation = survey.tokens[name], survey.invitations[name]
        page_save(invitation=invitation, token=token, page_number=1, answers={}, language="en")
        assert response_submit(invitation=invitation, token=token)
        plan = round_plan(invitation=invitation)
        target = plan.colleagues_on_page(1)[0].pseudonym
        round_page_save(plan=plan, page_number=1, ratings={target: {"meta": 3}})
        if plan.predicts:
            prediction_save(plan=plan, answers={"lab1": 4})
        assert round_submit(plan=plan)
    assert rows("surveys_invitation") == invitations_before
    if is_postgres:
        response_xids = {xmin for _, xmin, _ in rows("surveys_response")}
        round_xids = set()
        for table in ROUND_COLUMNS:
            round_xids |= {xmin for _, xmin, _ in rows(table)}
        assert response_xids and round_xids and not response_xids & round_xids
