"""No column, ordering or shared write links an invitation to its anonymous response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from trustmirror.instrument import load_instrument
from trustmirror.surveys.answering import invitation_for_token, page_save, response_submit
from trustmirror.surveys.models import Invitation, Response
from trustmirror.surveys.services import links_issue, scan_create

RESPONSE_COLUMNS = {
    "id",
    "scan_id",
    "unit_id",
    "resume_key",
    "language",
    "answers",
    "open_answers",
    # Demographic bands, only those shared by at least k invited people of the unit
    # (trustmirror.surveys.answering.band_recoding; tested in tests/results/test_breakdown.py).
    "bands",
    "submitted",
    # While answering, how many times each page was saved (a counter per page, never a clock;
    # emptied at submission), so a late, older save never replaces a newer one.
    "page_revisions",
    # The same answers as one line of numbers, for publishing (trustmirror.surveys.answer_rows).
    "answer_row",
}


def _answer_and_submit(token: str) -> None:
    instrument = load_instrument()
    first = instrument.pages[0]
    invitation = invitation_for_token(token)
    page_save(
        invitation=invitation,
        token=token,
        page_number=1,
        answers={item: 4 for item in first.item_ids},
        language="en",
    )
    assert response_submit(invitation=invitation_for_token(token), token=token)


@pytest.fixture
def answered_scan(acme):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Unlinkable",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
    )
    links = links_issue(scan=scan)
    return scan, links


def test_response_table_has_no_person_time_or_sequence_column(db):
    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(cursor, "surveys_response")
        }
    assert columns == RESPONSE_COLUMNS
    assert Response._meta.pk.get_internal_type() == "UUIDField"


@pytest.mark.django_db(transaction=True)
def test_answering_never_writes_or_locks_the_invitation(answered_scan):
    """On PostgreSQL a shared write would show as equal transaction ids (xmin/xmax).

    Each service call commits on its own here, as in production. If answering wrote or
    row-locked the invitation, its xmin or xmax would change, and would equal the xmin of
    the response written in the same transaction.
    """
    scan, links = answered_scan
    is_postgres = connection.vendor == "postgresql"
    system = "xmin::text, xmax::text" if is_postgres else "1, 1"

    def invitation_rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, token_hash, {system} FROM surveys_invitation ORDER BY id")
            return cursor.fetchall()

    before = invitation_rows()
    for link in links[:4]:
        _answer_and_submit(link.token)
    assert invitation_rows() == before
    assert Response.objects.filter(scan=scan, submitted=True).count() == 4
    if is_postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text FROM surveys_response")
            response_xids = {row[0] for row in cursor.fetchall()}
        invitation_xids = {row[2] for row in before} | {row[3] for row in before}
        assert not response_xids & invitation_xids


def test_response_order_does_not_follow_invitation_order(answered_scan):
    """Ids are random: sorting responses by id says nothing about who answered first."""
    scan, links = answered_scan
    for link in links[:8]:
        _answer_and_submit(link.token)
    by_id = list(Response.objects.filter(scan=scan).order_by("id").values_list("unit_id", "id"))
    ids = [str(pk) for _, pk in by_id]
    assert len(set(ids)) == 8
    assert all(len(pk) == 36 for pk in ids)
    # uuid4 ids carry no counter or clock: version 4 and random bits only
    assert {pk[14] for pk in ids} == {"4"}
    assert Invitation.objects.filter(scan=scan).count() == len(links)
