"""Fixtures for the relational round: a scan of Acme with the round and the leader mirror.

Team North has six invited people (Ann, Bob, Cas, Dana, Evi, Fay); Dana leads it. Team South
has five, Team East three (too small for a round of at least four). Links come from
``scan_create`` and ``links_issue`` exactly as the consultant's scan gets them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def make_scan(acme, **modules):
    from trustmirror.surveys.services import links_issue, scan_create

    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Round scan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
        **modules,
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


@pytest.fixture
def round_survey(acme):
    return make_scan(acme, relational_round=True, leader_mirror=True)


@pytest.fixture
def plain_survey(acme):
    return make_scan(acme)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
