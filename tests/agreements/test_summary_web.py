"""The agreement sections on the results pages, for the right readers only.

Beta (tests/agreements/conftest.py): Bea admin, Abe analyst, Mia member of Team S1, Ned
member of Team S2; k = 3.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from .conftest import TEAMS, agreement

ORG_SECTION = re.compile(
    r'<section class="card" id="agreements-organisation">(.*?)</section>', re.S
)
TEAM_SECTION = re.compile(r'<section class="card" id="agreements-linked">(.*?)</section>', re.S)
DUE = dt.date(2026, 6, 30)


@pytest.fixture
def kept(beta):
    """S1, S2 and S3 kept an agreement on reliability on time; S1's also on collaboration."""
    agreement(
        beta,
        "S1",
        themes=("reliability", "collaboration"),
        due=DUE,
        check_ins=[(dt.date(2026, 6, 1), "kept")],
        what="Daily handover at half past seven",
    )
    for team in ("S2", "S3"):
        agreement(beta, team, due=DUE, check_ins=[(dt.date(2026, 6, 1), "kept")])
    return beta


def overview(client, beta, scan):
    return client.get(
        reverse("results:scan_overview", kwargs={"org": beta.org.slug, "scan_id": scan.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def unit_page(client, beta, scan, team):
    return client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": beta.org.slug, "scan_id": scan.pk, "unit_id": beta.units[team].pk},
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def section(pattern, response) -> str:
    found = pattern.search(response.content.decode())
    return found.group(1) if found else ""


@pytest.mark.parametrize("username", ["bea", "abe"])
def test_the_organisation_page_shows_the_pooled_ratio_and_no_team(client, kept, username):
    client.force_login(kept.users[username])
    text = section(ORG_SECTION, overview(client, kept, kept.spring))
    assert "3 of 6 teams made agreements" in text
    assert "100% kept on time (3 of 3 agreements" in text
    for team in TEAMS:
        assert f"Team {team}" not in text


def test_below_k_teams_the_organisation_sees_the_count_and_no_ratio(client, beta):
    agreement(beta, "S1", due=DUE, check_ins=[(dt.date(2026, 6, 1), "kept")])
    client.force_login(beta.users["bea"])
    text = section(ORG_SECTION, overview(client, beta, beta.spring))
    assert "1 of 6 teams made agreements" in text
    assert "kept on time (" not in text
    assert "Not shown" in text


def test_a_member_sees_the_team_section_and_not_the_organisation_page(client, kept):
    client.force_login(kept.users["mia"])
    assert overview(client, kept, kept.autumn).status_code == 404
    response = unit_page(client, kept, kept.autumn, "S1")
    assert response.status_code == 200
    text = section(TEAM_SECTION, response)
    assert "Did our agreements help?" in text
    assert "not proof of cause" in text
    assert "Daily handover at half past seven" in text
    assert "3 teams without such an agreement" in text  # S4, P1, P2 on reliability
    assert "<svg" in text


def test_the_team_section_is_on_the_next_scan_only_and_only_for_teams_with_agreements(client, kept):
    client.force_login(kept.users["bea"])
    assert section(TEAM_SECTION, unit_page(client, kept, kept.spring, "S1")) == ""
    assert section(TEAM_SECTION, unit_page(client, kept, kept.autumn, "S4")) == ""
    client.force_login(kept.users["ned"])
    assert section(TEAM_SECTION, unit_page(client, kept, kept.autumn, "S2")) != ""


def test_an_analyst_sees_the_themes_without_the_agreements_texts(client, kept):
    client.force_login(kept.users["abe"])
    text = section(TEAM_SECTION, unit_page(client, kept, kept.autumn, "S1"))
    assert "Reliability" in text
    assert "Daily handover" not in text


def test_the_organisation_page_of_the_next_scan_compares_the_linked_themes(client, kept):
    client.force_login(kept.users["bea"])
    text = section(ORG_SECTION, overview(client, kept, kept.autumn))
    assert "0 of 6 teams made agreements" in text
    assert "not proof of cause" in text
    assert 'id="agreements-themes"' in text  # reliability: 3 teams with, 3 without
