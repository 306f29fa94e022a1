"""Beta: an organisation of six teams with two published scans, for agreements across teams.

Who is who (k = 3 teams, and 3 respondents):
- Bea is Beta's admin (sees the organisation page and every team's agreements).
- Abe is Beta's analyst (sees every results page, no team's agreements).
- Mia is a member of Sales/Team S1 (sees her own team's page, not the organisation's).
- Ned is a member of Sales/Team S2.

Departments: Sales (teams S1..S4) and Support (teams P1, P2); Support/Empty has no people
and is no team. Spring (closed) and Autumn (closed, the next scan) each have 4 answers per
team, and both are published, Autumn with the change since Spring.
"""

from __future__ import annotations

import datetime as dt
import secrets

import numpy as np
import pytest

from tests.conftest import PASSWORD, publish_now
from tests.delivery.conftest import smtp_server  # noqa: F401  (the reminders' real SMTP server)

K = 3
SALES = ["S1", "S2", "S3", "S4"]
SUPPORT = ["P1", "P2"]
TEAMS = SALES + SUPPORT


def _answers(rng, item_ids, shift):
    return {item: int(np.clip(rng.integers(1, 6) + shift, 1, 5)) for item in item_ids}


@pytest.fixture
def beta(db):
    from django.contrib.auth import get_user_model

    from trustmirror.instrument import load_instrument
    from trustmirror.orgs.importing import ensure_unit
    from trustmirror.orgs.models import Organisation, Person, Role
    from trustmirror.surveys.models import Response, Scan
    from trustmirror.surveys.services import scan_close, scan_create

    User = get_user_model()
    org = Organisation.objects.create(name="Beta", slug="beta", default_language="en")
    cache: dict = {}
    units = {}
    for name in TEAMS:
        department = "Sales" if name in SALES else "Support"
        units[name], _ = ensure_unit(org, f"{department}/Team {name}", cache)
    ensure_unit(org, "Support/Empty", cache)
    people = {}
    for name, unit in units.items():
        for i in range(4):
            person = Person.objects.create(
                organisation=org,
                name=f"{name}-{i}",
                email=f"{name.lower()}{i}@beta.test",
                language="en",
                unit=unit,
            )
            people.setdefault(name, []).append(person)
    users = {}
    for username, kind, team in (
        ("bea", Role.ADMIN, None),
        ("abe", Role.ANALYST, None),
        ("mia", Role.MEMBER, "S1"),
        ("ned", Role.MEMBER, "S2"),
    ):
        users[username] = User.objects.create_user(username, password=PASSWORD)
        Role.objects.create(
            user=users[username], organisation=org, kind=kind, unit=units[team] if team else None
        )
        if team:
            person = people[team][1]
            person.user = users[username]
            person.save()
    instrument = load_instrument()
    item_ids = list(instrument.items)
    rng = np.random.default_rng(12)
    scans = []
    for number, (name, opens) in enumerate(
        (("Spring", dt.date(2026, 3, 1)), ("Autumn", dt.date(2026, 9, 1)))
    ):
        scan = scan_create(
            organisation=org,
            name=name,
            opens_on=opens,
            closes_on=opens + dt.timedelta(days=20),
            min_group_size=K,
        )
        for index, team in enumerate(TEAMS):
            for _ in range(4):
                Response.objects.create(
                    scan=scan,
                    unit=units[team],
                    resume_key=secrets.token_hex(32),
                    # Autumn moves teams apart, so their changes differ.
                    answers=_answers(rng, item_ids, shift=number * (index % 3 - 1)),
                    submitted=True,
                )
        if scan.status == Scan.OPEN:
            scan_close(scan=scan)
        publish_now(scan)
        scans.append(scan)

    class Beta:
        pass

    beta = Beta()
    beta.org, beta.units, beta.people, beta.users = org, units, people, users
    beta.spring, beta.autumn = scans
    return beta


def agreement(beta, team, *, themes=("reliability",), due, check_ins=(), scan=None, what=""):
    """An agreement of ``team`` after Spring with check-ins ``(date, status)``, as history."""
    from trustmirror.agreements.models import Agreement, CheckIn

    found = Agreement.objects.create(
        organisation=beta.org,
        unit=beta.units[team],
        scan=scan or beta.spring,
        what=what or f"{team} agrees on {', '.join(themes)}",
        themes=list(themes),
        due_on=due,
    )
    found.owners.set(beta.people[team][:1])
    for on, status in check_ins:
        CheckIn(agreement=found, status=status, on=on).save(force_insert=True)
    return found
