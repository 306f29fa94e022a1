"""Store a large synthetic organisation in the database, as the app would hold it.

The answers come from :mod:`orgdata` (fixed seed). Units form four levels: the organisation,
divisions, departments and teams (5 to 40 people). Every respondent is a person with an
invitation; the scan closed yesterday (so its results are due) and nothing is published.
Nothing of it belongs in the repository: it lives in the benchmark's data directory.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

BATCH = 2_000


@dataclass(frozen=True)
class Stored:
    scan_id: int
    organisation_slug: str
    respondents: int
    teams: int
    admin: str
    analyst: str
    leads: dict[str, tuple[str, int]]  # username -> (what they lead, unit id)
    password: str


def store_organisation(
    n_respondents: int, n_teams: int, *, progress: bool = True, version: str = "1"
) -> Stored:
    """Write the organisation, its people, a closed scan and every response (Django set up)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from orgdata import generate_organisation

    from trustmirror.instrument import load_instrument
    from trustmirror.orgs.models import Organisation, Person, Role, Unit
    from trustmirror.surveys import answer_rows
    from trustmirror.surveys.models import Invitation, Response, Scan

    org_data = generate_organisation(n_respondents, n_teams, version=version)
    answers = org_data.answers
    items = list(answers.columns)
    item_order = list(load_instrument("trustscan", version).items)
    values = answers.to_numpy()
    today = dt.datetime.now(dt.UTC).date()
    password = secrets.token_urlsafe(12)
    with tqdm(total=5, desc="storing", disable=not progress) as bar, transaction.atomic():
        org = Organisation.objects.create(name="Bench Org", slug="bench", default_language="en")
        units: dict[tuple, Unit] = {}
        divisions = sorted(set(org_data.division.tolist()))
        for division in divisions:
            units[("d", division)] = Unit(
                organisation=org, name=f"Division {division}", path=f"Div{division}", depth=0
            )
        Unit.objects.bulk_create(units.values())
        departments = sorted(
            set(zip(org_data.division.tolist(), org_data.department.tolist(), strict=True))
        )
        for division, department in departments:
            parent = units[("d", division)]
            units[("p", department)] = Unit(
                organisation=org,
                parent=parent,
                name=f"Department {department}",
                path=f"{parent.path}/Dep{department}",
                depth=1,
            )
        Unit.objects.bulk_create([u for key, u in units.items() if key[0] == "p"])
        team_parent = dict(zip(org_data.team.tolist(), org_data.department.tolist(), strict=True))
        for team, department in sorted(team_parent.items()):
            parent = units[("p", department)]
            units[("t", team)] = Unit(
                organisation=org,
                parent=parent,
                name=f"Team {team}",
                path=f"{parent.path}/Team{team}",
                depth=2,
            )
        Unit.objects.bulk_create([u for key, u in units.items() if key[0] == "t"], BATCH)
        bar.update()
        team_units = [units[("t", t)] for t in org_data.team.tolist()]
        people = Person.objects.bulk_create(
            [
                Person(
                    organisation=org,
                    name=f"Person {i}",
                    email=f"p{i}@bench.test",
                    language="en" if i % 5 == 0 else "nl",
                    unit=unit,
                )
                for i, unit in enumerate(team_units)
            ],
            BATCH,
        )
        bar.update()
        scan = Scan.objects.create(
            organisation=org,
            name="Bench scan",
            opens_on=today - dt.timedelta(days=22),
            closes_on=today - dt.timedelta(days=1),
            min_group_size=5,
            max_cut_dimensions=0,
            status=Scan.OPEN,
            instrument_version=version,
        )
        Invitation.objects.bulk_create(
            [
                Invitation(scan=scan, person=person, token_hash=secrets.token_hex(32))
                for person in people
            ],
            BATCH,
        )
        bar.update()
        rows = []
        for i in tqdm(range(len(values)), desc="responses", leave=False, disable=not progress):
            row = values[i]
            stored = {item: int(v) for item, v in zip(items, row, strict=True) if v == v}
            rows.append(
                Response(
                    scan=scan,
                    unit=team_units[i],
                    resume_key=secrets.token_hex(32),
                    language="en" if i % 5 == 0 else "nl",  # the person's language
                    answers=stored,
                    submitted=True,
                    # As a submission writes it (surveys.answering.response_submit).
                    answer_row=answer_rows.encode(item_order, stored),
                )
            )
            if len(rows) == BATCH:
                Response.objects.bulk_create(rows)
                rows = []
        Response.objects.bulk_create(rows)
        bar.update()
        users = get_user_model()
        hashed = make_password(password)
        admin = users.objects.create(username="bench-admin", password=hashed)
        analyst = users.objects.create(username="bench-analyst", password=hashed)
        Role.objects.create(user=admin, organisation=org, kind=Role.ADMIN)
        Role.objects.create(user=analyst, organisation=org, kind=Role.ANALYST)
        # Leads at three levels: a division, a department and a team.
        first_team = org_data.team[0]
        chosen = {
            "bench-lead-division": ("division", units[("d", int(org_data.division[0]))]),
            "bench-lead-department": ("department", units[("p", int(org_data.department[0]))]),
            "bench-lead-team": ("team", units[("t", int(first_team))]),
        }
        leads = {}
        for username, (what, unit) in chosen.items():
            user = users.objects.create(username=username, password=hashed)
            Role.objects.create(user=user, organisation=org, kind=Role.LEAD, unit=unit)
            leads[username] = (what, unit.pk)
        bar.update()
    return Stored(
        scan_id=scan.pk,
        organisation_slug=org.slug,
        respondents=len(values),
        teams=int(np.unique(org_data.team).size),
        admin="bench-admin",
        analyst="bench-analyst",
        leads=leads,
        password=password,
    )
