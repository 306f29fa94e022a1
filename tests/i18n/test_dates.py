"""Dates read as each language writes them: "26 mei 2026" in Dutch, "26 May 2026" in English.

Dutch month names are lower case (Django's ``M`` would print "Mei"); English pages put the
day before the month, as the readers of a European product expect (not "May 26, 2026").

Personas from tests/conftest.py: Carla is Acme's HR consultant (organisation admin); Bob
works in Team North and prefers Dutch.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
MOMENT = dt.datetime(2026, 5, 26, 14, 5, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("language", "day", "short", "moment"),
    [
        ("nl", "26 mei 2026", "14 dec 2026", "26 mei 2026 om 14:05"),
        ("en", "26 May 2026", "14 Dec 2026", "26 May 2026, 14:05"),
    ],
)
def test_the_named_formats_write_dates_as_the_language_does(language, day, short, moment):
    with translation.override(language):
        assert date_format(dt.date(2026, 5, 26)) == day
        assert date_format(dt.date(2026, 12, 14), "SHORT_DATE_FORMAT") == short
        assert date_format(MOMENT, "DATETIME_FORMAT") == moment


def _scan(acme, opens_on=dt.date(2026, 5, 26), closes_on=dt.date(2026, 12, 14)):
    from trustmirror.surveys.services import scan_create

    return scan_create(
        organisation=acme.org, name="Spring 2026", opens_on=opens_on, closes_on=closes_on
    )


@pytest.mark.parametrize(
    ("language", "expected", "wrong"),
    [
        ("nl", "26 mei 2026", ("26 Mei", "14 Dec")),
        ("en", "26 May 2026", ("May 26", "Dec. 14")),
    ],
)
def test_the_dashboard_prints_a_scans_period_in_the_readers_language(
    client, acme, language, expected, wrong
):
    _scan(acme)
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    page = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
    assert expected in page
    assert ("14 dec 2026" if language == "nl" else "14 Dec 2026") in page
    for text in wrong:
        assert text not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "gepubliceerd op 26 mei 2026 om 14:05"),
        ("en", "published 26 May 2026, 14:05"),
    ],
)
def test_the_results_say_when_they_were_published_in_the_readers_language(
    client, acme, publish, language, expected
):
    from trustmirror.results.models import Publication

    scan = _scan(acme, dt.date(2026, 5, 1), dt.date(2026, 5, 25))  # closed: final results
    publication = publish(scan)
    Publication.objects.filter(pk=publication.pk).update(published_at=MOMENT)
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    url = reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    page = " ".join(client.get(url).content.decode().split())
    assert expected in page


def test_a_reminder_in_dutch_names_the_closing_day_in_lower_case(acme):
    from trustmirror.delivery.compose import subject_for
    from trustmirror.delivery.models import Message

    scan = _scan(acme)
    with translation.override("nl"):
        assert subject_for(Message.REMINDER, scan).endswith("tot en met 14 december 2026")
    with translation.override("en"):
        assert subject_for(Message.REMINDER, scan).endswith("open until 14 December 2026")
