"""Fixtures for the respondent's side: a scan of Acme with real links (tokens).

Ann works in Team North and answers in English; Bob (Team North) prefers Dutch. Their links
come from ``scan_create`` exactly as the consultant gets them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def instrument():
    from trustmirror.instrument import load_instrument

    return load_instrument()


@pytest.fixture
def survey(acme):
    from trustmirror.surveys.services import links_issue, scan_create

    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Autumn trust scan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
    )
    links = links_issue(scan=scan)

    class Survey:
        pass

    survey = Survey()
    survey.scan = scan
    survey.acme = acme
    survey.tokens = {link.person.name: link.token for link in links}
    survey.invitations = {inv.person.name: inv for inv in scan.invitations.select_related("person")}
    return survey


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Wrong links count towards a per-address limit kept in the cache; start each test at 0."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
