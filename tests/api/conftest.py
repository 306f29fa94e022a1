"""Acme with a closed, published scan (as tests/results/conftest.py) and API tokens.

Who answered (k = 5): all six of Team North (shown), two of Team South and three of Team
East (both below k: the API must never give one of their numbers). Tokens: Acme's read token
and write token, a revoked Acme token, and Globex's read token (another organisation).
"""

from __future__ import annotations

import datetime as dt
import secrets

import numpy as np
import pytest

K = 5
RESPONDENTS = {"north": 6, "south": 2, "east": 3}


@pytest.fixture
def scan(acme, publish):
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Autumn 2026",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
    )
    rng = np.random.default_rng(20261203)
    item_ids = list(load_instrument().items)
    for name, n in RESPONDENTS.items():
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=getattr(acme, name),
                resume_key=secrets.token_hex(32),
                answers={item: int(rng.integers(1, 6)) for item in item_ids},
                submitted=True,
            )
    publish(scan)
    return scan


@pytest.fixture
def tokens(acme):
    from trustmirror.api.services import api_token_create, api_token_revoke

    def make(org, name, scope):
        return api_token_create(organisation=org, name=name, scope=scope, created_by=None)

    _read, read = make(acme.org, "Dashboard", "read")
    _write, write = make(acme.org, "HR system", "write")
    old, revoked = make(acme.org, "Old", "write")
    api_token_revoke(api_token=old, by=acme.carla)
    _globex, globex = make(acme.globex, "Globex reader", "read")
    return {"read": read, "write": write, "revoked": revoked, "globex": globex}


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Calls refused for their token count towards a per-address limit kept in the cache (as
    wrong survey links do): start each test at 0, with room for the many refusals a role
    matrix makes from one address (test_rate_limit.py tightens it where it is the subject)."""
    from django.core.cache import cache

    settings.TRUSTMIRROR_RATE_LIMITS = {
        **settings.TRUSTMIRROR_RATE_LIMITS,
        "api_auth": (10_000, 600),
    }
    cache.clear()
    yield
    cache.clear()
