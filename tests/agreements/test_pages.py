"""The agreements pages: who sees which team, check-ins as history, withdrawing, the link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from trustmirror.agreements.links import follow_link_issue
from trustmirror.agreements.models import CheckIn
from trustmirror.agreements.services import Viewer, agreement_create


@pytest.fixture
def south_agreement(issue_survey):
    survey = issue_survey(name="Trust scan June")
    acme = survey.acme
    agreement = agreement_create(
        viewer=Viewer.for_user(acme.carla, acme.org),
        scan=survey.scan,
        unit=acme.south,
        what="We tell each other early when a delivery slips",
        signal="No one hears it from a customer first",
        themes=["reliability", "collaboration"],
        owners=[acme.people["Eli"], acme.people["Gus"]],
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return agreement


def _team_url(acme, unit):
    return reverse("agreements:team", kwargs={"org": "acme", "unit_id": unit.pk})


def _login(client, username):
    assert client.login(username=username, password=PASSWORD)


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [
        ("carla", "south", 200),
        ("eli", "south", 200),
        ("dana", "north", 200),
        ("dana", "south", 404),
        ("eli", "north", 404),
        ("alex", "south", 404),
        ("olga", "south", 404),
    ],
)
def test_who_sees_a_teams_agreements(client, south_agreement, acme, user, unit, status):
    _login(client, user)
    response = client.get(_team_url(acme, getattr(acme, unit)))
    assert response.status_code == status
    if status == 200 and unit == "south":
        page = response.content.decode()
        assert "We tell each other early when a delivery slips" in page
        assert "Eli, Gus" in page and "Reliability" in page


def test_the_index_lists_teams_or_goes_straight_to_ones_own(client, south_agreement, acme):
    _login(client, "eli")
    response = client.get(reverse("agreements:index", kwargs={"org": "acme"}))
    assert response.status_code == 302 and response["Location"] == _team_url(acme, acme.south)
    client.logout()
    _login(client, "carla")
    page = client.get(reverse("agreements:index", kwargs={"org": "acme"})).content.decode()
    assert "Team North" in page and "Team South" in page and "1 agreement" in page


def test_an_owner_checks_in_and_the_history_and_ratio_follow(client, south_agreement, acme):
    _login(client, "eli")
    url = _team_url(acme, acme.south)
    page = client.get(url).content.decode()
    assert "No agreement is due yet" in page
    response = client.post(
        url,
        {"action": "check_in", "agreement": south_agreement.pk, "status": "kept", "note": "Done"},
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Thank you: the check-in is recorded." in page
    assert "<strong>100%</strong>" in page and "1 of 1" in page
    assert 'data-state="kept_on_time"' in page and "Done" in page
    # A second check-in is added beside the first, never over it.
    client.post(url, {"action": "check_in", "agreement": south_agreement.pk, "status": "partly"})
    assert list(south_agreement.check_ins.values_list("status", flat=True)) == ["kept", "partly"]


@pytest.mark.parametrize(
    "post",
    [
        {"status": ""},
        {"status": "maybe"},
        {"status": "kept", "note": "x" * 501},
        {"status": "kept", "next_check_in_on": "yesterday"},
        {"status": "kept", "next_check_in_on": "2001-01-01"},
    ],
)
def test_a_bad_check_in_says_what_and_records_nothing(client, south_agreement, acme, post):
    _login(client, "eli")
    response = client.post(
        _team_url(acme, acme.south), {"action": "check_in", "agreement": south_agreement.pk, **post}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_only_owners_and_managers_check_in_and_only_managers_withdraw(
    client, south_agreement, acme
):
    _login(client, "eli")
    url = _team_url(acme, acme.south)
    assert (
        client.post(url, {"action": "withdraw", "agreement": south_agreement.pk}).status_code == 403
    )
    assert (
        client.post(url, {"action": "check_in", "agreement": 999999, "status": "kept"}).status_code
        == 404
    )
    client.logout()
    _login(client, "carla")
    assert (
        client.post(url, {"action": "withdraw", "agreement": south_agreement.pk}).status_code == 302
    )
    south_agreement.refresh_from_db()
    assert south_agreement.withdrawn_at is not None
    page = client.get(url).content.decode()
    assert 'data-state="withdrawn"' in page and "Withdraw this agreement" not in page


def test_a_follow_link_opens_the_persons_team_and_leaves_the_address(client, south_agreement, acme):
    gus = acme.people["Gus"]  # Dutch, no login
    token = follow_link_issue(gus)
    response = client.get(f"/a/{token}")
    assert response.status_code == 302 and response["Location"] == "/a/"
    assert token not in response["Location"]
    page = client.get("/a/").content.decode()
    assert "Afspraken van Team South" in page
    assert "persoonlijke link van Gus" in page
    response = client.post(
        "/a/", {"action": "check_in", "agreement": south_agreement.pk, "status": "not_kept"}
    )
    assert response.status_code == 302
    check_in = south_agreement.check_ins.get()
    assert check_in.by_person == gus and check_in.status == "not_kept"
    # A team the person is not in: not found.
    north_page = client.get(_team_url(acme, acme.north))
    assert north_page.status_code in (302, 404)


def test_a_wrong_or_missing_follow_link_is_not_found(client, south_agreement):
    assert client.get("/a/not-a-token").status_code == 404
    assert client.get("/a/" + "A" * 22).status_code == 404
    assert client.get("/a/").status_code == 404


@pytest.mark.parametrize(("user", "shown"), [("carla", True), ("eli", True), ("alex", False)])
def test_the_dashboard_leads_to_the_agreements(client, acme, user, shown):
    _login(client, user)
    page = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
    assert ('href="/o/acme/agreements/"' in page) is shown


def test_the_unit_page_links_to_the_teams_agreements(client, issue_survey, acme):
    survey = issue_survey(name="Trust scan June")
    url = reverse(
        "results:unit_profile",
        kwargs={"org": "acme", "scan_id": survey.scan.pk, "unit_id": acme.south.pk},
    )
    _login(client, "eli")  # a member of South
    page = client.get(url).content.decode()
    assert f'href="{_team_url(acme, acme.south)}"' in page and 'id="run-session"' not in page
    client.logout()
    _login(client, "carla")
    page = client.get(url).content.decode()
    assert 'id="team-agreements"' in page and 'id="run-session"' in page


def test_the_follow_page_speaks_the_persons_language_until_another_is_chosen(
    client, south_agreement, acme
):
    token = follow_link_issue(acme.people["Gus"])  # Gus reads Dutch
    assert client.get(f"/a/{token}").status_code == 302
    assert "Afspraken van Team South" in client.get("/a/").content.decode()
    # The language switch of the page (Django's own), or ?lang= in the address.
    response = client.get("/a/?lang=en")
    assert response.status_code == 302 and response["Location"] == "/a/"
    assert "Agreements of Team South" in client.get("/a/").content.decode()
    client.post("/i18n/setlang/", {"language": "nl", "next": "/a/"})
    assert "Afspraken van Team South" in client.get("/a/").content.decode()
