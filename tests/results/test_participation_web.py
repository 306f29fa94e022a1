"""Participation figures that combine, through publishing and the pages (security review).

Support has three teams: IT (9 people, 8 answered), Finance (16, 10 answered) and HR (6, 5
answered). Before, the overview said of IT "at least 55%, because fewer than 5 did not
answer" beside n = 8 and a headcount of 9 (one missing, exactly), and Support's count minus
its shown teams' gave the rest of Support's. Now counts and participation are decided
together: no page and no stored row says how many of a small group did not answer.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from trustmirror.instrument import load_instrument
from trustmirror.privacy.audit import find_disclosure
from trustmirror.results.models import PublishedGroup

pytestmark = pytest.mark.django_db

K = 5
TEAMS = {"IT": (9, 8), "Finance": (16, 10), "HR": (6, 5)}


@pytest.fixture
def support(publish):
    from trustmirror.orgs.importing import ensure_unit
    from trustmirror.orgs.models import Organisation, Person, Role
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    org = Organisation.objects.create(name="Initech", slug="initech", default_language="en")
    cache: dict = {}
    units = {}
    for team, (size, _answered) in TEAMS.items():
        units[team], _ = ensure_unit(org, f"Support/{team}", cache)
        for i in range(size):
            Person.objects.create(
                organisation=org,
                name=f"{team} {i}",
                email=f"{team.lower()}{i}@initech.test",
                unit=units[team],
            )
    admin = get_user_model().objects.create_user("carla", password="x" * 20)
    Role.objects.create(user=admin, organisation=org, kind=Role.ADMIN)
    scan = scan_create(
        organisation=org,
        name="Winter",
        opens_on=dt.date(2026, 1, 5),
        closes_on=dt.date(2026, 1, 30),
        min_group_size=K,
    )
    rng = np.random.default_rng(7)
    items = list(load_instrument().items)
    for team, (_size, answered) in TEAMS.items():
        for _ in range(answered):
            Response.objects.create(
                scan=scan,
                unit=units[team],
                resume_key=secrets.token_hex(32),
                answers={item: int(rng.integers(1, 6)) for item in items},
                submitted=True,
            )
    publication = publish(scan)
    return org, scan, units, admin, publication


def test_no_published_count_tells_how_many_of_a_small_group_did_not_answer(support):
    org, scan, units, _admin, publication = support
    rows = {g.key: g for g in PublishedGroup.objects.filter(publication=publication)}
    members = {
        key: set(g.rollup["members"]) if g.rollup else None for key, g in rows.items() if g.shown
    }
    # The units each shown row covers (a unit row: its subtree, here the unit or Support).
    support_unit = units["IT"].parent_id
    everything = {u.pk for u in units.values()} | {support_unit}
    for key in members:
        if key == "org" or key == f"u:{support_unit}":
            members[key] = everything
        elif members[key] is None:
            members[key] = {rows[key].unit_id}
    missing = {u.pk: TEAMS[name][0] - TEAMS[name][1] for name, u in units.items()}
    missing[support_unit] = 0
    # Every group whose n is published publishes its number missing too (headcounts are known).
    exact = {key: members[key] for key, g in rows.items() if g.shown and g.n is not None}
    assert find_disclosure(missing, exact, K) is None
    it = rows[f"u:{units['IT'].pk}"]
    assert it.shown and it.n is None and it.participation["reason"] == "few_nonrespondents"
    assert all(s[0] is None for s in it.stats.values())  # no construct n either
    # Support (8 missing) keeps its figures; beside them Finance's 6 would leave the 2 of IT
    # and HR, so Finance says only that its exact figure would combine.
    assert rows[f"u:{support_unit}"].participation["rate"] == round(100 * 23 / 31)
    assert rows[f"u:{support_unit}"].n == 23
    finance = rows[f"u:{units['Finance'].pk}"]
    assert finance.shown and finance.n is None
    assert finance.participation == {
        "reason": "count_combines",
        "invited": 16,
        "responded": None,
        "rate": None,
        "rate_at_least": None,
    }


def test_the_pages_print_no_count_of_a_group_whose_count_is_withheld(client, support):
    org, scan, units, admin, _publication = support
    client.force_login(admin)
    overview = client.get(
        reverse("results:scan_overview", kwargs={"org": org.slug, "scan_id": scan.pk})
        + f"?level=u:{units['IT'].parent_id}"
    )
    assert overview.status_code == 200
    rows = {row.label: row for row in overview.context["participation_rows"]}
    assert rows["IT"].participation == "at least 55%"
    it_page = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": org.slug, "scan_id": scan.pk, "unit_id": units["IT"].pk},
        )
    )
    assert it_page.status_code == 200
    text = re.sub(r"<[^>]+>", " ", it_page.content.decode())
    assert "At least 55% answered" in text
    assert not re.search(r"n = 8\b", text) and " 8 of 9" not in text
    assert "n = " not in text.split("Organisation", 1)[0]
    # Satisfaction is one question: its mean would tell IT's count in steps of 1/8, 1/7, ...
    assert "not shown: one question would tell the number of respondents" in text
