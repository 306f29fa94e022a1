"""Agreements: recording, checking in (history), who may do what, and the say-do ratio."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trustmirror.agreements.links import follow_link_issue, follow_link_person
from trustmirror.agreements.models import MAX_PER_SCAN, CheckIn
from trustmirror.agreements.services import (
    DUE,
    KEPT_LATE,
    KEPT_ON_TIME,
    OPEN,
    Viewer,
    agreement_check_in,
    agreement_create,
    agreement_withdraw,
    say_do,
    state_of,
    team_agreements,
)

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def survey(issue_survey):
    return issue_survey(name="Trust scan June")


def _record(survey, viewer, *, what="We say it when a deadline slips", owners=("Ann",), **kw):
    people = survey.acme.people
    options = {"themes": ["reliability"], "due_on": TODAY + dt.timedelta(days=30)}
    options.update(kw)
    return agreement_create(
        viewer=viewer,
        scan=survey.scan,
        unit=survey.acme.north,
        what=what,
        owners=[people[name] for name in owners],
        today=TODAY,
        **options,
    )


def test_a_lead_records_an_agreement_with_owners_from_the_team(survey):
    acme = survey.acme
    dana = Viewer.for_user(acme.dana, acme.org)
    agreement = _record(survey, dana, owners=("Ann", "Bob"), signal="  No surprises  at Friday ")
    assert agreement.signal == "No surprises at Friday"
    assert {p.name for p in agreement.owners.all()} == {"Ann", "Bob"}
    assert agreement.created_by == acme.dana
    assert [a.pk for a in team_agreements(acme.north)] == [agreement.pk]


def test_members_and_other_leads_may_not_record(survey):
    acme = survey.acme
    for user in (acme.eli, acme.alex, acme.olga):
        with pytest.raises(PermissionDenied):
            _record(survey, Viewer.for_user(user, acme.org))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"what": "   "}, "what"),
        ({"what": "x" * 501}, "what"),
        ({"themes": []}, "themes"),
        ({"themes": ["astrology"]}, "themes"),
        ({"owners": ()}, "owners"),
        ({"owners": ("Eli",)}, "owners"),
        ({"due_on": TODAY - dt.timedelta(days=1)}, "due_on"),
        ({"due_on": TODAY + dt.timedelta(days=800)}, "due_on"),
        ({"check_in_on": TODAY + dt.timedelta(days=40)}, "check_in_on"),
    ],
)
def test_bad_agreements_are_refused_with_the_field_named(survey, change, field):
    dana = Viewer.for_user(survey.acme.dana, survey.acme.org)
    with pytest.raises(ValidationError) as refused:
        _record(survey, dana, **change)
    assert field in refused.value.message_dict
    assert not team_agreements(survey.acme.north)


def test_a_handful_per_scan(survey):
    dana = Viewer.for_user(survey.acme.dana, survey.acme.org)
    made = [_record(survey, dana, what=f"Agreement {i}") for i in range(MAX_PER_SCAN)]
    with pytest.raises(ValidationError, match="withdraw one first"):
        _record(survey, dana, what="One too many")
    agreement_withdraw(viewer=dana, agreement=made[0])
    _record(survey, dana, what="Now there is room")


def test_check_ins_are_history_and_owners_may_add_them(survey):
    acme = survey.acme
    dana = Viewer.for_user(acme.dana, acme.org)
    agreement = _record(survey, dana)
    ann = Viewer.for_person(acme.people["Ann"])
    bob = Viewer.for_person(acme.people["Bob"])
    with pytest.raises(PermissionDenied):
        agreement_check_in(viewer=bob, agreement=agreement, status=CheckIn.KEPT, today=TODAY)
    first = agreement_check_in(
        viewer=ann, agreement=agreement, status=CheckIn.PARTLY, note="Twice", today=TODAY
    )
    agreement_check_in(viewer=dana, agreement=agreement, status=CheckIn.KEPT, today=TODAY)
    assert [c.status for c in agreement.check_ins.all()] == ["partly", "kept"]
    assert first.by_person == acme.people["Ann"] and first.by_user is None
    first.note = "changed"
    with pytest.raises(ValueError, match="history"):
        first.save()
    with pytest.raises(ValidationError) as refused:
        agreement_check_in(viewer=ann, agreement=agreement, status="maybe", today=TODAY)
    assert "status" in refused.value.message_dict


def test_the_state_and_the_say_do_ratio(survey):
    dana = Viewer.for_user(survey.acme.dana, survey.acme.org)
    due = TODAY + dt.timedelta(days=10)
    on_time, late, missed, pending, gone = (
        _record(survey, dana, what=f"A{i}", due_on=due) for i in range(5)
    )
    agreement_check_in(viewer=dana, agreement=on_time, status=CheckIn.KEPT, today=TODAY)
    agreement_check_in(viewer=dana, agreement=late, status=CheckIn.NOT_KEPT, today=TODAY)
    after = due + dt.timedelta(days=3)
    agreement_check_in(viewer=dana, agreement=late, status=CheckIn.KEPT, today=after)
    agreement_withdraw(viewer=dana, agreement=gone)
    agreements = team_agreements(survey.acme.north)
    states = {a.what: state_of(a, after).state for a in agreements}
    assert states == {"A0": KEPT_ON_TIME, "A1": KEPT_LATE, "A2": DUE, "A3": DUE, "A4": "withdrawn"}
    assert state_of(pending, TODAY).state == OPEN
    # After the due date: three of four count, one of them kept on time.
    ratio = say_do(agreements, after)
    assert (ratio.settled, ratio.kept_on_time, ratio.percent) == (4, 1, 25)
    # Before it: only the one already kept counts.
    before = say_do(agreements, TODAY)
    assert (before.settled, before.kept_on_time, before.open) == (1, 1, 3)


def test_a_follow_link_names_its_person_until_it_expires(survey):
    ann = survey.acme.people["Ann"]
    token = follow_link_issue(ann, today=TODAY)
    assert follow_link_person(token, today=TODAY) == ann
    assert follow_link_person(token, today=TODAY + dt.timedelta(days=121)) is None
    assert follow_link_person(token[:-1] + "A" if token[-1] != "A" else token[:-1] + "B") is None
    assert follow_link_person("../etc/passwd") is None
