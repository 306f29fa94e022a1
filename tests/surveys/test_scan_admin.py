"""The consultant's scan pages: creation, the one-time links and their CSV download.

Personas from tests/conftest.py: Carla is Acme's admin; Dana leads Team North, Eli is a member
of Team South and Olga is admin of Globex: none of them may manage Acme's scans.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from trustmirror.orgs.models import Person
from trustmirror.surveys.models import Invitation, Scan
from trustmirror.surveys.tokens import token_hash

LINK = re.compile(r"/s/([A-Za-z0-9_-]{22})\b")


@pytest.mark.parametrize("user", ["dana", "eli", "olga"])
def test_only_admins_create_scans(client, acme, user):
    client.force_login(getattr(acme, user))
    assert client.get(reverse("scans:create", kwargs={"org": "acme"})).status_code == 404


def test_scan_creation_shows_each_link_once_and_stores_only_hashes(client, acme):
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {
            "name": "Spring",
            "opens_on": "2026-01-01",
            "closes_on": "2030-01-01",
            "min_group_size": 5,
        },
    )
    assert response.status_code == 200
    tokens = set(LINK.findall(response.content.decode()))
    scan = Scan.objects.get(name="Spring")
    invitations = Invitation.objects.filter(scan=scan)
    assert (
        len(tokens) == invitations.count() == Person.objects.filter(organisation=acme.org).count()
    )
    assert {token_hash(t) for t in tokens} == set(invitations.values_list("token_hash", flat=True))
    # No column anywhere holds a token in clear.
    for invitation in invitations:
        assert invitation.token_hash not in tokens and len(invitation.token_hash) == 64

    # The CSV download takes the tokens back from the page and ignores forged ones.
    forged = "A" * 22
    download = client.post(
        reverse("scans:links", kwargs={"org": "acme", "scan_id": scan.pk}),
        {"token": [*sorted(tokens), forged, "<script>"]},
    )
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "email", "language", "unit", "link"]
    assert len(rows) == 1 + len(tokens)
    assert {LINK.search(row[4]).group(1) for row in rows[1:]} == tokens


def test_scan_form_refuses_k_below_three_and_reversed_dates(client, acme):
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {"name": "Bad", "opens_on": "2026-02-01", "closes_on": "2026-01-01", "min_group_size": 2},
    )
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 3." in html
    assert "The scan cannot close before it opens." in html
    assert not Scan.objects.exists()
