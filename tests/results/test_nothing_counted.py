"""A scan nobody's answers count in yet says "0 of 14 invited", not a table of empty rows.

Scenario: Acme's 14 people (tests/conftest.py) are invited; k = 5. Carla, the admin, opens
the overview; Dana, who leads Team North, opens her team's page. Pages read the published
version only: the invited count comes from the publication, never from the invitations.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest

from trustmirror.results.models import PublishedGroup
from trustmirror.surveys.models import Invitation, Response, Scan

from .test_views import overview_url, unit_url

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    main = response.content.decode().split("<main", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _answer(scan, unit, n: int) -> None:
    for _ in range(n):
        Response.objects.create(
            scan=scan, unit=unit, resume_key=secrets.token_hex(32), answers={}, submitted=True
        )


@pytest.mark.parametrize("interim", [False, True], ids=["participation", "interim results"])
def test_an_open_scan_without_answers_says_0_of_its_invited(
    client, acme, issue_survey, publish, interim
):
    scan = issue_survey(name="Quiet", interim_results=interim, max_cut_dimensions=0).scan
    publication = publish(scan)
    org = PublishedGroup.objects.get(publication=publication, key="org")
    assert org.participation == {
        "reason": "shown",
        "invited": 14,
        "responded": 0,
        "rate": 0,
        "rate_at_least": None,
    }
    # The units get no figures of their own (Policy.nothing_counted).
    units = PublishedGroup.objects.filter(publication=publication).exclude(key="org")
    assert all(group.participation is None for group in units)

    # The page reads the publication: invitations added later do not change its figure.
    Invitation.objects.filter(scan=scan).first().delete()
    client.force_login(acme.carla)
    response = client.get(overview_url(scan))
    text = text_of(response)
    assert "Acme: No answers counted yet: 0 of 14 invited." in text
    page = response.content.decode()
    for absent in ("<svg", 'id="heatmap"', 'id="story"', 'id="profile"', "participation-table"):
        assert absent not in page, absent
    assert "Not enough responses" not in text

    client.cookies["django_language"] = "nl"
    text = text_of(client.get(overview_url(scan)))
    assert "Nog geen antwoorden geteld: 0 van de 14 uitgenodigden." in text


def test_a_closed_scan_without_answers_says_none_is_in_the_results(client, acme, publish):
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Silent spring",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
    )
    publish(scan)
    client.force_login(acme.carla)
    response = client.get(overview_url(scan))
    assert "No answers in the results: 0 of 14 invited." in text_of(response)
    assert "<svg" not in response.content.decode()

    # Dana's team page says it in the same words, without "not enough responses".
    client.force_login(acme.dana)
    team = text_of(client.get(unit_url(scan, acme.north)))
    assert "No answers yet" in team and "Acme: No answers in the results: 0 of 14" in team
    assert "Not enough responses" not in team


def test_answers_waiting_below_k_are_not_called_nobody_answered(
    client, acme, issue_survey, publish
):
    """Three answers in Team North wait for k = 5: the page says none is *counted* yet."""
    scan = issue_survey(name="Trickle").scan
    _answer(scan, acme.north, 3)
    publish(scan)
    client.force_login(acme.carla)
    text = text_of(client.get(overview_url(scan)))
    assert "No answers counted yet: 0 of 14 invited." in text
    assert "updated in steps of at least 5 answers per unit" in text


def test_once_answers_count_the_usual_figures_return(client, acme, issue_survey, publish):
    scan = issue_survey(name="Busy").scan
    _answer(scan, acme.north, 6)
    _answer(scan, acme.south, 5)
    publish(scan)
    client.force_login(acme.carla)
    text = text_of(client.get(overview_url(scan)))
    assert "No answers" not in text
    assert "0 of 14" not in text
    assert Scan.objects.get(pk=scan.pk).phase() == Scan.OPEN


def test_the_policy_gives_0_of_the_invited_and_nothing_for_an_empty_organisation():
    from trustmirror.privacy import Policy

    figures = Policy(5).nothing_counted(147)
    assert (figures.reason, figures.invited, figures.responded, figures.rate) == (
        "shown",
        147,
        0,
        0,
    )
    assert not Policy(5).nothing_counted(0).shown
