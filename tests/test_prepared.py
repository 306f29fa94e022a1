"""A PreparedRead returns what the queryset it replaces returns (on SQLite and PostgreSQL).

Compared field by field against the ORM, related instances included: dates, JSON answers,
booleans and nulls go through the same converters, and a null foreign key leaves the
relation (and everything below it) ``None`` as ``select_related`` does.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trustmirror.orgs.models import Person, Unit
from trustmirror.prepared import PreparedRead
from trustmirror.surveys.answering import (
    instrument_for,
    invitation_for_token,
    page_save,
    response_draft,
)
from trustmirror.surveys.models import Invitation, Response
from trustmirror.surveys.tokens import token_hash

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def _same(prepared, expected) -> None:
    assert type(prepared) is type(expected)
    assert _fields(prepared) == _fields(expected)
    assert prepared._state.adding is False and prepared._state.db == expected._state.db


def test_the_invitation_behind_a_link_is_the_orms(issue_survey):
    survey = issue_survey(name="Prepared")
    token = survey.tokens["Ann"]
    expected = Invitation.objects.select_related(
        "scan", "scan__organisation", "person", "person__unit"
    ).get(token_hash=token_hash(token))

    with CaptureQueriesContext(connection) as queries:
        invitation = invitation_for_token(token)
        # Every relation came with it: no query after the first.
        scan, organisation, person, unit = (
            invitation.scan,
            invitation.scan.organisation,
            invitation.person,
            invitation.person.unit,
        )
    assert len(queries) == 1

    _same(invitation, expected)
    _same(scan, expected.scan)
    _same(organisation, expected.scan.organisation)
    _same(person, expected.person)
    _same(unit, expected.person.unit)
    assert scan.opens_on.__class__.__name__ == "date"  # converted, not SQLite's text
    assert person.name == "Ann" and unit.name == expected.person.unit.name


def test_a_draft_with_answers_is_the_orms(issue_survey):
    survey = issue_survey(name="Prepared drafts")
    token = survey.tokens["Ann"]
    invitation = invitation_for_token(token)
    assert response_draft(invitation=invitation, token=token) is None

    first_page = instrument_for(invitation.scan).pages[0]
    answers = {item_id: 4 for item_id in first_page.item_ids}
    page_save(invitation=invitation, token=token, page_number=1, answers=answers, language="en")
    draft = response_draft(invitation=invitation, token=token)
    expected = Response.objects.get(scan=survey.scan)
    _same(draft, expected)
    assert draft.answers == answers  # JSON back as a dict, numbers as numbers


def test_a_null_foreign_key_leaves_the_relation_none(acme):
    units = PreparedRead(Unit, where=["id"], related=["parent", "parent__parent"])
    top = Unit.objects.filter(parent__isnull=True, organisation=acme.org).first()
    child = Unit.objects.filter(parent=top).first()

    read_top = units.get(id=top.id)
    _same(read_top, top)
    assert read_top.parent is None
    read_child = units.get(id=child.id)
    _same(read_child, child)
    _same(read_child.parent, top)
    assert read_child.parent.parent is None


def test_first_takes_the_lowest_key_and_nothing_found_is_none(acme):
    people = PreparedRead(Person, where=["organisation"], related=["unit"], first=True)
    expected = Person.objects.filter(organisation=acme.org).order_by("pk").first()
    _same(people.get(organisation=acme.org.id), expected)
    assert people.get(organisation=acme.org.id + 1000) is None


def test_the_values_must_name_the_where_fields():
    read = PreparedRead(Person, where=["email"])
    with pytest.raises(TypeError, match="email"):
        read.get(name="Ann")
    with pytest.raises(ValueError, match="list 'unit' before it"):
        PreparedRead(Person, where=["id"], related=["unit__parent"])._compose(connection)
