"""Fixtures for the respondent's side: a scan of Acme with real links (tokens).

Ann works in Team North and answers in English; Bob (Team North) prefers Dutch. Their links
come from ``scan_create`` exactly as the consultant gets them.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def instrument():
    from trustmirror.instrument import load_instrument

    return load_instrument()


@pytest.fixture
def survey(issue_survey):
    return issue_survey(name="Autumn trust scan")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Wrong links count towards a per-address limit kept in the cache; start each test at 0."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
