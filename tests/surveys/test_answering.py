"""Answering services: save per page, resume, submit exactly once, refuse what is not allowed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import models
from django.utils import timezone

from trustmirror.orgs.models import Person
from trustmirror.surveys import answer_rows
from trustmirror.surveys.answering import (
    AlreadySubmitted,
    LinkInvalid,
    SurveyNotOpen,
    invitation_for_token,
    page_save,
    response_draft,
    response_language_set,
    response_submit,
    resume_page_number,
    scan_availability,
)
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.services import invitation_reissue
from trustmirror.surveys.tokens import resume_key


def assert_invitation_untouched(invitation):
    """Answering must never write the invitation row (no shared write links it to a response)."""
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert stored == {
        "id": invitation.pk,
        "scan_id": invitation.scan_id,
        "person_id": invitation.person_id,
        "token_hash": invitation.token_hash,
    }


def first_page_answers(instrument, values=(4, 2, 0, 5)):
    """Answers for the first page, cycling through ``values`` (0 = don't know)."""
    item_ids = instrument.pages[0].item_ids
    return {item_id: values[i % len(values)] for i, item_id in enumerate(item_ids)}


def save(survey, name, number, answers, *, open_answers=None, language="en", today=None):
    return page_save(
        invitation=invitation_for_token(survey.tokens[name]),
        token=survey.tokens[name],
        page_number=number,
        answers=answers,
        open_answers=open_answers,
        language=language,
        today=today,
    )


# --- finding the invitation -------------------------------------------------------------


def test_token_finds_its_invitation(survey):
    invitation = invitation_for_token(survey.tokens["Ann"])
    assert invitation.pk == survey.invitations["Ann"].pk
    assert invitation.person.name == "Ann"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tampered: one character changed
        lambda t: t[:-1],  # truncated
        lambda t: t + "x",  # too long
        lambda t: t[:10] + "%00" + t[13:],  # characters a token never has
        lambda t: "",
        lambda t: "../../etc/passwd",
    ],
)
def test_tampered_or_malformed_token_is_refused(survey, mangle):
    with pytest.raises(LinkInvalid):
        invitation_for_token(mangle(survey.tokens["Ann"]))


def test_reissued_link_replaces_the_old_one(survey):
    old = survey.tokens["Ann"]
    new = invitation_reissue(invitation=survey.invitations["Ann"]).token
    with pytest.raises(LinkInvalid):
        invitation_for_token(old)
    assert invitation_for_token(new).person.name == "Ann"


# --- the stored response ----------------------------------------------------------------


def test_response_model_has_no_person_and_no_time():
    """The privacy model: nothing in the row points at a person or a moment."""
    for field in Response._meta.get_fields():
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField)
        if field.is_relation:
            assert field.related_model is not Person
            assert field.related_model is not Invitation
    columns = {f.column for f in Response._meta.concrete_fields}
    assert columns == {
        "id",
        "scan_id",
        "unit_id",
        "resume_key",
        "language",
        "answers",
        "page_revisions",
        "open_answers",
        "submitted",
        "bands",  # only band values shared by at least k invited people of the unit
        "answer_row",  # the same answers as a line of numbers (surveys.answer_rows)
    }
    assert isinstance(Response._meta.pk, models.UUIDField)


def test_saving_a_page_creates_an_anonymous_draft(survey, instrument):
    answers = first_page_answers(instrument)
    response = save(survey, "Ann", 1, answers)

    stored = Response.objects.get()
    assert stored.pk == response.pk
    assert isinstance(stored.pk, uuid.UUID) and stored.pk.version == 4
    assert stored.scan == survey.scan
    assert stored.unit == survey.acme.north
    assert stored.resume_key == resume_key(survey.tokens["Ann"])
    assert survey.tokens["Ann"] not in str(stored.__dict__)
    assert stored.answers == answers
    assert stored.language == "en"
    assert stored.submitted is False
    assert_invitation_untouched(survey.invitations["Ann"])


def test_pages_add_up_and_resaving_a_page_replaces_only_that_page(survey, instrument):
    page1, page2 = instrument.pages[0], instrument.pages[1]
    save(survey, "Ann", 1, {item_id: 3 for item_id in page1.item_ids})
    save(survey, "Ann", 2, {item_id: 5 for item_id in page2.item_ids})
    # Back on page 1, the first item is now skipped and the second changed.
    changed = {item_id: 3 for item_id in page1.item_ids[1:]} | {page1.item_ids[1]: 1}
    save(survey, "Ann", 1, changed)

    answers = Response.objects.get().answers
    assert page1.item_ids[0] not in answers
    assert answers[page1.item_ids[1]] == 1
    assert all(answers[item_id] == 5 for item_id in page2.item_ids)
    assert Response.objects.count() == 1


def test_two_respondents_get_two_separate_drafts(survey, instrument):
    save(survey, "Ann", 1, first_page_answers(instrument, (5,)))
    save(survey, "Bob", 1, first_page_answers(instrument, (1,)), language="nl")
    ann = response_draft(invitation=survey.invitations["Ann"], token=survey.tokens["Ann"])
    bob = response_draft(invitation=survey.invitations["Bob"], token=survey.tokens["Bob"])
    assert ann.pk != bob.pk
    assert set(ann.answers.values()) == {5}
    assert set(bob.answers.values()) == {1}


def test_open_answers_are_stored_and_blank_ones_dropped(survey, instrument):
    number = next(n for n, p in enumerate(instrument.pages, 1) if len(p.open_question_ids) >= 2)
    first, second = instrument.pages[number - 1].open_question_ids[:2]
    save(survey, "Ann", number, {}, open_answers={first: "More honest talks.", second: ""})
    assert Response.objects.get().open_answers == {first: "More honest talks."}


# --- resuming ---------------------------------------------------------------------------


def test_resume_goes_to_the_first_unanswered_page(survey, instrument):
    token = survey.tokens["Ann"]
    invitation = survey.invitations["Ann"]
    assert resume_page_number(instrument, None) == 1

    save(survey, "Ann", 1, first_page_answers(instrument))
    draft = response_draft(invitation=invitation, token=token)
    assert resume_page_number(instrument, draft) == 2

    # A gap is filled first: page 3 answered, page 2 still open.
    save(survey, "Ann", 3, {instrument.pages[2].item_ids[0]: 4})
    draft = response_draft(invitation=invitation, token=token)
    assert resume_page_number(instrument, draft) == 2

    for number, page in enumerate(instrument.pages, start=1):
        save(survey, "Ann", number, {page.item_ids[0]: 0} if page.item_ids else {})
    draft = response_draft(invitation=invitation, token=token)
    pages_with_items = all(page.item_ids for page in instrument.pages)
    if pages_with_items:
        assert resume_page_number(instrument, draft) == len(instrument.pages) + 1


def test_draft_is_found_by_the_token_only(survey, instrument):
    save(survey, "Ann", 1, first_page_answers(instrument))
    assert response_draft(invitation=survey.invitations["Ann"], token=survey.tokens["Bob"]) is None


# --- submitting -------------------------------------------------------------------------


def test_submit_happens_exactly_once(survey, instrument):
    answers = first_page_answers(instrument)
    save(survey, "Ann", 1, answers)
    token = survey.tokens["Ann"]

    assert response_submit(invitation=invitation_for_token(token), token=token) is True
    assert response_submit(invitation=invitation_for_token(token), token=token) is False

    response = Response.objects.get()
    assert response.submitted is True
    assert response.answers == answers
    # And the same answers as the line of numbers that publishing reads.
    matrix, read = answer_rows.decode([response.answer_row], list(instrument.items))
    assert read.tolist() == [True]
    assert {
        item: int(value)
        for item, value in zip(instrument.items, matrix[0], strict=True)
        if value == value
    } == answers
    assert_invitation_untouched(survey.invitations["Ann"])


def test_double_submit_from_two_stale_requests_gives_one_response(survey, instrument):
    """Two requests that both loaded the invitation as pending (a double click)."""
    token = survey.tokens["Ann"]
    first, second = invitation_for_token(token), invitation_for_token(token)
    save(survey, "Ann", 1, first_page_answers(instrument))

    results = [
        response_submit(invitation=first, token=token),
        response_submit(invitation=second, token=token),
    ]
    assert results == [True, False]
    assert Response.objects.filter(scan=survey.scan).count() == 1
    assert Response.objects.filter(scan=survey.scan, submitted=True).count() == 1


def test_submit_without_a_draft_still_gives_one_response(survey):
    token = survey.tokens["Kim"]
    assert response_submit(invitation=invitation_for_token(token), token=token) is True
    response = Response.objects.get()
    assert response.submitted and response.answers == {} and response.unit == survey.acme.east


def test_submit_records_the_unit_at_submission(survey, instrument):
    save(survey, "Ann", 1, first_page_answers(instrument))
    assert Response.objects.get().unit == survey.acme.north
    ann = survey.acme.people["Ann"]
    ann.unit = survey.acme.south
    ann.save()

    token = survey.tokens["Ann"]
    response_submit(invitation=invitation_for_token(token), token=token)
    assert Response.objects.get().unit == survey.acme.south


def test_nothing_changes_after_submission(survey, instrument):
    answers = first_page_answers(instrument)
    save(survey, "Ann", 1, answers)
    token = survey.tokens["Ann"]
    stale = invitation_for_token(token)
    response_submit(invitation=invitation_for_token(token), token=token)

    with pytest.raises(AlreadySubmitted):
        page_save(
            invitation=stale,
            token=token,
            page_number=1,
            answers=first_page_answers(instrument, (1,)),
            language="en",
        )
    with pytest.raises(AlreadySubmitted):
        response_language_set(invitation=stale, token=token, language="nl")
    response = Response.objects.get()
    assert response.answers == answers and response.language == "en"


# --- closed scans -----------------------------------------------------------------------


def test_scan_availability_follows_status_and_dates(survey):
    scan = survey.scan
    today = timezone.localdate()
    assert scan_availability(scan, today=today) == "open"
    assert scan_availability(scan, today=scan.closes_on) == "open"
    assert scan_availability(scan, today=scan.closes_on + dt.timedelta(days=1)) == "closed"
    assert scan_availability(scan, today=scan.opens_on - dt.timedelta(days=1)) == "not_yet_open"
    scan.status = Scan.CLOSED
    assert scan_availability(scan, today=today) == "closed"
    scan.status = Scan.DRAFT
    assert scan_availability(scan, today=today) == "not_yet_open"


def test_closed_scan_accepts_no_answers_and_no_submission(survey, instrument):
    save(survey, "Ann", 1, first_page_answers(instrument))
    Scan.objects.filter(pk=survey.scan.pk).update(status=Scan.CLOSED)
    token = survey.tokens["Ann"]

    with pytest.raises(SurveyNotOpen) as closed:
        save(survey, "Ann", 2, {instrument.pages[1].item_ids[0]: 5})
    assert closed.value.state == "closed"
    with pytest.raises(SurveyNotOpen):
        response_submit(invitation=invitation_for_token(token), token=token)
    assert Response.objects.get().submitted is False
    assert Response.objects.get().answers == first_page_answers(instrument)


def test_scan_past_its_closing_day_accepts_nothing(survey, instrument):
    after = survey.scan.closes_on + dt.timedelta(days=1)
    with pytest.raises(SurveyNotOpen):
        save(survey, "Ann", 1, first_page_answers(instrument), today=after)
    before = survey.scan.opens_on - dt.timedelta(days=1)
    with pytest.raises(SurveyNotOpen) as early:
        save(survey, "Ann", 1, first_page_answers(instrument), today=before)
    assert early.value.state == "not_yet_open"
    assert not Response.objects.exists()


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [7, -1, 6, "3", 2.0, None, True])
def test_out_of_range_answer_is_refused_and_nothing_saved(survey, instrument, value):
    save(survey, "Ann", 1, first_page_answers(instrument))
    answers = first_page_answers(instrument, (1,))
    answers[instrument.pages[0].item_ids[-1]] = value
    with pytest.raises(ValueError, match=instrument.pages[0].item_ids[-1]):
        save(survey, "Ann", 1, answers)
    assert Response.objects.get().answers == first_page_answers(instrument)


def test_item_of_another_page_is_refused(survey, instrument):
    other = instrument.pages[1].item_ids[0]
    with pytest.raises(ValueError, match=other):
        save(survey, "Ann", 1, {other: 3})
    assert not Response.objects.exists()


@pytest.mark.parametrize("number", [0, -1])
def test_page_number_out_of_range_is_refused(survey, instrument, number):
    with pytest.raises(ValueError):
        save(survey, "Ann", number, {})
    with pytest.raises(ValueError):
        save(survey, "Ann", len(instrument.pages) + 1, {})
    assert not Response.objects.exists()


def test_open_answer_over_the_limit_is_refused(survey, instrument):
    number = next(n for n, p in enumerate(instrument.pages, 1) if p.open_question_ids)
    question = instrument.pages[number - 1].open_question_ids[0]
    with pytest.raises(ValueError, match=question):
        save(survey, "Ann", number, {}, open_answers={question: "x" * 2001})
    assert not Response.objects.exists()


# --- language ---------------------------------------------------------------------------


def test_language_switch_keeps_the_answers(survey, instrument):
    answers = first_page_answers(instrument)
    save(survey, "Ann", 1, answers, language="en")
    token = survey.tokens["Ann"]
    response_language_set(invitation=invitation_for_token(token), token=token, language="nl")
    # The page form re-saves the same page in the new language when switching mid-page.
    save(survey, "Ann", 1, answers, language="nl")

    response = Response.objects.get()
    assert response.language == "nl"
    assert response.answers == answers


def test_unknown_language_is_refused(survey, instrument):
    with pytest.raises(ValueError):
        save(survey, "Ann", 1, first_page_answers(instrument), language="de")
    assert not Response.objects.exists()
