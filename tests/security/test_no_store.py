"""No page may stay in a shared computer's cache (security review L4).

Every kind of page a person could leave behind on a shared computer, signed in and out:
the survey (a draft shows filled in), results, the dashboard, the letter file, error pages.
Personas from tests/conftest.py: Carla (consultant), Dana (lead of Team North).
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.urls import reverse

from trustmirror.instrument import load_instrument
from trustmirror.surveys.models import Response, Scan
from trustmirror.surveys.services import links_issue, scan_create


def _no_store(response) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, (response.status_code, response.get("Cache-Control"))


@pytest.fixture
def links(acme):
    scan = scan_create(
        organisation=acme.org,
        name="Cache",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    links = links_issue(scan=scan)
    return scan, links


@pytest.fixture
def scan(acme, publish):
    """A closed scan with six answers from Team North, published."""
    scan = scan_create(
        organisation=acme.org,
        name="Published",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 2, 1),
    )
    items = load_instrument().items
    for _ in range(6):
        Response.objects.create(
            scan=scan,
            unit=acme.north,
            resume_key=secrets.token_hex(32),
            answers={item: 4 for item in items},
            submitted=True,
        )
    publish(scan)
    return scan


def test_survey_pages_are_not_stored(client, links):
    _scan, invitations = links
    url = "/s/" + invitations[0].token
    response = client.get(url, follow=True)
    assert response.status_code == 200
    _no_store(response)
    for hop, _status in response.redirect_chain:
        _no_store(client.get(hop))
    _no_store(client.get("/s/" + "A" * 22))  # an unknown link too


def test_results_pages_are_not_stored(client, acme, scan):
    for user, url in (
        (acme.carla, reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})),
        (
            acme.dana,
            reverse(
                "results:unit_profile",
                kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
            ),
        ),
        (acme.carla, reverse("results:quality", kwargs={"org": "acme", "scan_id": scan.pk})),
        (acme.carla, reverse("results:breakdown", kwargs={"org": "acme", "scan_id": scan.pk})),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        _no_store(response)
        client.logout()
        signed_out = client.get(url)
        assert signed_out.status_code == 302  # to the login page
        _no_store(signed_out)


def test_dashboard_and_import_are_not_stored(client, acme):
    client.force_login(acme.carla)
    for name in ("orgs:dashboard", "orgs:people_import"):
        response = client.get(reverse(name, kwargs={"org": "acme"}))
        assert response.status_code == 200
        _no_store(response)


def test_the_letter_file_is_not_stored(client, acme):
    scan = scan_create(
        organisation=acme.org,
        name="On paper",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
        delivery=Scan.LETTERS,
    )
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:letters", kwargs={"org": "acme", "scan_id": scan.pk}),
        {"letters-confirm": "on"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    _no_store(response)


def test_login_and_error_pages_are_not_stored(client, db):
    _no_store(client.get(reverse("login")))
    _no_store(client.post(reverse("login"), {"username": "x", "password": "y"}))
    _no_store(client.get("/no-such-page/"))


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/trustmirror/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
