"""A scan's life in the services: its phase on given dates, and what each action may change.

The winter scan of Acme (tests/conftest.py) opens on 11 January 2027 and closes on 31 January
2027; every date below is fixed, never today's. The web pages are in test_scan_admin.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from trustmirror.privacy import (
    K_CHANGE_BELOW_FLOOR,
    K_CHANGE_PROMISED,
    K_CHANGE_PUBLISHED,
    k_change_refusal,
)
from trustmirror.results.models import Publication
from trustmirror.results.publishing import publication_due, publication_is_due
from trustmirror.surveys.answering import scan_availability
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.services import (
    scan_close,
    scan_create,
    scan_delete,
    scan_extend,
    scan_update,
)

OPENS, CLOSES = dt.date(2027, 1, 11), dt.date(2027, 1, 31)
BEFORE = dt.date(2027, 1, 5)  # scheduled
DURING = dt.date(2027, 1, 20)  # open
AFTER = dt.date(2027, 2, 3)  # closed by its date


@pytest.fixture
def winter(acme):
    scan = scan_create(
        organisation=acme.org, name="Winter", opens_on=OPENS, closes_on=CLOSES, min_group_size=5
    )
    return scan


def _messages(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- phases ------------------------------------------------------------------------------------


def test_a_scan_opening_in_january_is_scheduled_until_then(winter):
    """December: scheduled, not open. The closing day itself is still open."""
    days = [dt.date(2026, 12, 2), dt.date(2027, 1, 10), OPENS, DURING, CLOSES, dt.date(2027, 2, 1)]
    assert [winter.phase(day) for day in days] == [
        "scheduled",
        "scheduled",
        "open",
        "open",
        "open",
        "closed",
    ]
    # The respondent's link follows the same phases.
    assert [scan_availability(winter, today=day) for day in days] == [
        "not_yet_open",
        "not_yet_open",
        "open",
        "open",
        "open",
        "closed",
    ]


def test_the_consultants_actions_override_the_dates(winter):
    winter.status = Scan.CLOSED
    assert winter.phase(DURING) == winter.phase(BEFORE) == "closed"
    assert scan_availability(winter, today=DURING) == "closed"
    winter.status = Scan.DRAFT
    assert winter.phase(DURING) == "draft"
    assert scan_availability(winter, today=DURING) == "not_yet_open"


# --- close -------------------------------------------------------------------------------------


def test_closing_now_makes_today_the_closing_day_and_the_final_results_due(winter):
    scan_close(scan=winter, today=DURING)
    winter.refresh_from_db()
    assert (winter.status, winter.closes_on) == (Scan.CLOSED, DURING)
    assert winter.phase(DURING) == "closed"
    assert scan_availability(winter, today=DURING) == "closed"
    # The worker's schedule now asks for the final results (before: participation only).
    assert publication_due(winter, today=DURING) == Publication.RESULTS
    noon = dt.datetime(2027, 1, 20, 12, tzinfo=dt.UTC)
    assert publication_is_due(winter, now=noon)


def test_closing_a_scan_past_its_date_keeps_its_date(winter):
    scan_close(scan=winter, today=AFTER)
    winter.refresh_from_db()
    assert (winter.status, winter.closes_on) == (Scan.CLOSED, CLOSES)


def test_a_scheduled_or_closed_scan_cannot_be_closed(winter):
    with pytest.raises(ValidationError, match="has not opened yet"):
        scan_close(scan=winter, today=BEFORE)
    scan_close(scan=winter, today=DURING)
    with pytest.raises(ValidationError, match="already closed"):
        scan_close(scan=winter, today=DURING)
    winter.refresh_from_db()
    assert winter.closes_on == DURING


# --- extend ------------------------------------------------------------------------------------


def test_extending_moves_the_closing_date_later(winter):
    scan_extend(scan=winter, closes_on=dt.date(2027, 2, 14), today=DURING)
    winter.refresh_from_db()
    assert winter.closes_on == dt.date(2027, 2, 14) and winter.status == Scan.OPEN
    scan_extend(scan=winter, closes_on=dt.date(2027, 2, 21), today=BEFORE)  # scheduled too
    winter.refresh_from_db()
    assert winter.closes_on == dt.date(2027, 2, 21)


@pytest.mark.parametrize(
    "today, closes_on, message",
    [
        (DURING, dt.date(2027, 1, 19), "The new closing date is in the past."),
        (BEFORE, dt.date(2027, 1, 8), "The scan cannot close before it opens (11 January 2027)."),
        (DURING, dt.date(2027, 1, 25), "Choose a date after the current closing date"),
    ],
)
def test_extending_refuses_a_date_before_today_the_opening_or_the_current_close(
    winter, today, closes_on, message
):
    with pytest.raises(ValidationError) as excinfo:
        scan_extend(scan=winter, closes_on=closes_on, today=today)
    assert message in _messages(excinfo)["closes_on"][0]
    winter.refresh_from_db()
    assert winter.closes_on == CLOSES


def test_a_closed_scan_cannot_be_extended(winter):
    with pytest.raises(ValidationError, match="Only a scheduled or open scan can be extended."):
        scan_extend(scan=winter, closes_on=dt.date(2027, 3, 1), today=AFTER)
    scan_close(scan=winter, today=DURING)
    with pytest.raises(ValidationError, match="Only a scheduled or open scan"):
        scan_extend(scan=winter, closes_on=dt.date(2027, 3, 1), today=DURING)


# --- delete ------------------------------------------------------------------------------------


def test_deleting_a_scan_nobody_answered_takes_its_invitations(winter, acme):
    assert Invitation.objects.filter(scan=winter).count() == 14
    assert scan_delete(scan=winter) == 14
    assert not Scan.objects.filter(name="Winter").exists()
    assert not Invitation.objects.exists()
    assert acme.org.people.count() == 14  # the people stay


def test_a_scan_with_any_response_cannot_be_deleted_not_even_a_draft(winter, acme):
    Response.objects.create(scan=winter, unit=acme.north, resume_key="a" * 64, submitted=False)
    with pytest.raises(ValidationError, match="cannot be deleted: people have started answering"):
        scan_delete(scan=winter)
    assert Scan.objects.filter(pk=winter.pk).exists()
    assert Invitation.objects.filter(scan=winter).count() == 14
    assert Response.objects.filter(scan=winter).count() == 1


# --- settings ----------------------------------------------------------------------------------


def test_everything_may_change_while_the_scan_is_scheduled(winter):
    changes = scan_update(
        scan=winter,
        published=False,
        today=BEFORE,
        name="Winter 2027",
        opens_on=dt.date(2027, 1, 18),
        closes_on=dt.date(2027, 2, 7),
        min_group_size=4,
        max_cut_dimensions=0,
        interim_results=True,
    )
    winter.refresh_from_db()
    assert changes["min_group_size"] == (5, 4)
    assert (winter.name, winter.opens_on, winter.closes_on) == (
        "Winter 2027",
        dt.date(2027, 1, 18),
        dt.date(2027, 2, 7),
    )
    assert (winter.min_group_size, winter.max_cut_dimensions, winter.interim_results) == (
        4,
        0,
        True,
    )


def test_unchanged_settings_are_no_change(winter):
    assert scan_update(scan=winter, published=False, today=DURING, name="Winter") == {}


def test_once_open_only_the_name_changes_and_k_only_goes_up(winter):
    with pytest.raises(ValidationError) as excinfo:
        scan_update(
            scan=winter,
            published=False,
            today=DURING,
            name="Winter (renamed)",
            closes_on=dt.date(2027, 3, 1),
            max_cut_dimensions=2,
            interim_results=True,
            min_group_size=4,
        )
    errors = _messages(excinfo)
    assert set(errors) == {"closes_on", "max_cut_dimensions", "interim_results", "min_group_size"}
    assert errors["closes_on"] == ["This can no longer change: the scan has opened."]
    assert (
        "respondents answered on the promise of groups of at least 5"
        in (errors["min_group_size"][0])
    )
    winter.refresh_from_db()
    assert (winter.name, winter.min_group_size, winter.closes_on) == ("Winter", 5, CLOSES)

    scan_update(
        scan=winter, published=True, today=DURING, name="Winter (renamed)", min_group_size=7
    )
    winter.refresh_from_db()
    assert (winter.name, winter.min_group_size) == ("Winter (renamed)", 7)


def test_lowering_k_after_a_publication_is_refused_and_says_why(winter):
    with pytest.raises(ValidationError) as excinfo:
        scan_update(scan=winter, published=True, today=BEFORE, min_group_size=3)
    (message,) = _messages(excinfo)["min_group_size"]
    assert message == (
        "The minimum group size cannot be lowered: results of this scan were already published "
        "for groups of at least 5, and numbers published under a smaller minimum could be "
        "combined with them to single out fewer people."
    )
    winter.refresh_from_db()
    assert winter.min_group_size == 5


def test_a_closed_scan_changes_its_name_only(winter):
    with pytest.raises(ValidationError) as excinfo:
        scan_update(scan=winter, published=True, today=AFTER, min_group_size=9)
    assert _messages(excinfo)["min_group_size"] == [
        "This can no longer change: the scan has closed."
    ]
    scan_update(scan=winter, published=True, today=AFTER, name="Winter (closed)")
    winter.refresh_from_db()
    assert winter.name == "Winter (closed)"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"interim_results": True}, "max_cut_dimensions", "Interim results rule out breakdowns"),
        ({"closes_on": dt.date(2027, 1, 9)}, "closes_on", "cannot close before it opens"),
        ({"min_group_size": 2}, "min_group_size", "never below 3"),
        ({"name": "   "}, "name", "A scan needs a name."),
    ],
)
def test_settings_that_contradict_each_other_are_refused(winter, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        scan_update(scan=winter, published=False, today=BEFORE, **changes)
    assert message in _messages(excinfo)[field][0]
    winter.refresh_from_db()
    assert (winter.interim_results, winter.closes_on, winter.min_group_size) == (False, CLOSES, 5)


def test_the_k_rule_itself():
    """Raising is always allowed; lowering never once published or opened; never below 3."""
    assert k_change_refusal(current=5, new=7, opened=True, published=True) is None
    assert k_change_refusal(current=5, new=4, opened=False, published=False) is None
    assert k_change_refusal(current=5, new=4, opened=False, published=True) == K_CHANGE_PUBLISHED
    assert k_change_refusal(current=5, new=4, opened=True, published=False) == K_CHANGE_PROMISED
    assert k_change_refusal(current=5, new=2, opened=False, published=False) == (
        K_CHANGE_BELOW_FLOOR
    )
