"""Fixtures for the relational round: a scan of Acme with the round and the leader mirror.

Team North has six invited people (Ann, Bob, Cas, Dana, Evi, Fay); Dana leads it. Team South
has five, Team East three (too small for a round of at least four). The scans come from
the ``issue_survey`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def round_survey(issue_survey):
    return issue_survey(name="Round scan", relational_round=True, leader_mirror=True)


@pytest.fixture
def plain_survey(issue_survey):
    return issue_survey(name="Round scan")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
