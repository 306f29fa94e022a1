"""A scan on Trust Scan v2 publishes and shows its results like a v1 scan (issue "Trust Scan
v2"): every results page answers, in both languages, with v2's groups and scales."""

from __future__ import annotations

import datetime as dt
import secrets

import numpy as np
import pytest
from django.urls import reverse

from .conftest import random_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def v2_scan(acme, publish):
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    v2 = load_instrument("trustscan", "2")
    scan = scan_create(
        organisation=acme.org,
        name="Autumn v2",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=5,
        max_cut_dimensions=0,
        instrument_version="2",
    )
    rng = np.random.default_rng(2)
    for unit, n in ((acme.north, 6), (acme.south, 5), (acme.east, 3)):
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers=random_answers(rng, list(v2.items)),
                language="nl" if rng.random() < 0.3 else "en",
                submitted=True,
            )
    publish(scan)
    return scan, v2


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_results_page_of_a_v2_scan_answers(client, acme, v2_scan, language):
    scan, v2 = v2_scan
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    pages = {
        "overview": reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk}),
        "unit": reverse(
            "results:unit_profile",
            kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
        ),
        "quality": reverse("results:quality", kwargs={"org": "acme", "scan_id": scan.pk}),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
    unit = client.get(pages["unit"]).content.decode()
    # v2's own groups and scales, in the reader's language.
    assert v2.group("received").label[language] in unit
    assert v2.construct("reliance_manager").label[language] in unit
