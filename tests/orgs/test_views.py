"""The organisation's pages: the dashboard and the import through the web."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trustmirror.orgs.models import Person


def test_dashboard_shows_the_unit_tree(client, acme):
    client.force_login(acme.carla)
    response = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"}))
    assert response.status_code == 200
    html = response.content.decode()
    for path in ("Operations", "Operations/Logistics", "Operations/Logistics/Team North"):
        assert f'data-unit="{path}"' in html
    assert "14 people" in html


def test_lead_sees_only_own_subtree_in_the_tree(client, acme):
    client.force_login(acme.dana)
    html = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
    assert 'data-unit="Operations/Logistics/Team North"' in html
    assert "Team South" not in html and "Team East" not in html


@pytest.mark.parametrize("user", ["dana", "eli", "olga"])
@pytest.mark.parametrize("name", ["orgs:people_import"])
def test_only_admins_manage(client, acme, user, name):
    client.force_login(getattr(acme, user))
    assert client.get(reverse(name, kwargs={"org": "acme"})).status_code == 404


def test_strangers_and_anonymous_users(client, acme):
    assert client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).status_code == 302
    client.force_login(acme.olga)
    assert client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).status_code == 404
    assert client.get(reverse("orgs:dashboard", kwargs={"org": "nope"})).status_code == 404


def test_web_import_reports_errors_and_saves_nothing(client, acme):
    client.force_login(acme.carla)
    before = Person.objects.count()
    upload = SimpleUploadedFile(
        "people.csv", b"name,email,language,unit,lead\nNew,new@acme.test,nl,A//B,no\n"
    )
    response = client.post(reverse("orgs:people_import", kwargs={"org": "acme"}), {"file": upload})
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert "Line 2: the unit path A//B has an empty segment." in response.content.decode()
    assert Person.objects.count() == before


def test_web_import_success(client, acme):
    client.force_login(acme.carla)
    upload = SimpleUploadedFile(
        "people.csv", b"name,email,language,unit,lead\nNew,new@acme.test,nl,Sales/Team West,no\n"
    )
    response = client.post(
        reverse("orgs:people_import", kwargs={"org": "acme"}), {"file": upload}, follow=True
    )
    assert "Import done. New people: 1." in response.content.decode()
    assert Person.objects.get(email="new@acme.test").unit.path == "Sales/Team West"


def test_dashboard_sends_leads_and_members_to_their_own_unit(client, acme):
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Spring",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2030, 1, 1),
    )
    overview = reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    for user, unit, sees_overview in (
        (acme.carla, None, True),
        (acme.dana, acme.north, False),
        (acme.eli, acme.south, False),
    ):
        client.force_login(user)
        html = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
        assert (f'href="{overview}"' in html) is sees_overview
        if unit is not None:
            own = reverse(
                "results:unit_profile",
                kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": unit.pk},
            )
            assert own in html
            assert client.get(own).status_code == 200
