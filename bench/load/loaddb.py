"""Store the organisation the load benchmark answers for: people, an open scan, their links.

``people`` people in teams of ``team_size`` under departments of ten teams, all invited to
a scan (Trust Scan ``version``, full form) that opened yesterday and closes in two weeks;
nobody has answered yet. The links' tokens are made here, as
:func:`trustmirror.surveys.tokens.new_token` makes them, and written to ``tokens_path`` one
per line (the database keeps only their SHA-256, as always): the load generator's virtual
respondents open those links. Nothing of it belongs in the repository: it lives in the
benchmark's data directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

BATCH = 2_000
TEAMS_PER_DEPARTMENT = 10


@dataclass(frozen=True)
class StoredScan:
    scan_id: int
    organisation_slug: str
    people: int
    teams: int
    pages: int
    tokens_path: str


def store_open_scan(
    people: int,
    tokens_path: Path,
    *,
    team_size: int = 25,
    version: str = "2",
    min_group_size: int = 5,
    interim_results: bool = False,
    progress: bool = True,
) -> StoredScan:
    """Write the organisation, its people, an open scan and an invitation each (Django set up).

    ``interim_results`` has the worker publish the scan's results in steps while it is open
    (the crash test wants publications built, and killed, during the load); without it the
    worker publishes its participation only. ``min_group_size`` is the scan's k: an interim
    version takes a team's new answers once at least k of them wait.
    """
    from django.db import transaction
    from tqdm import tqdm

    from trustmirror.instrument import load_instrument
    from trustmirror.orgs.models import Organisation, Person, Unit
    from trustmirror.surveys.models import Invitation, Scan
    from trustmirror.surveys.tokens import new_token, token_hash

    today = dt.datetime.now(dt.UTC).date()
    n_teams = -(-people // team_size)
    n_departments = -(-n_teams // TEAMS_PER_DEPARTMENT)
    tokens = [new_token() for _ in range(people)]
    with tqdm(total=4, desc="storing", disable=not progress) as bar, transaction.atomic():
        org = Organisation.objects.create(name="Load Org", slug="load", default_language="nl")
        departments = Unit.objects.bulk_create(
            [
                Unit(organisation=org, name=f"Department {d}", path=f"Dep{d}", depth=0)
                for d in range(n_departments)
            ]
        )
        teams = Unit.objects.bulk_create(
            [
                Unit(
                    organisation=org,
                    parent=departments[t // TEAMS_PER_DEPARTMENT],
                    name=f"Team {t}",
                    path=f"Dep{t // TEAMS_PER_DEPARTMENT}/Team{t}",
                    depth=1,
                )
                for t in range(n_teams)
            ],
            BATCH,
        )
        bar.update()
        persons = Person.objects.bulk_create(
            [
                Person(
                    organisation=org,
                    name=f"Person {i}",
                    email=f"p{i}@load.test",
                    language="en" if i % 5 == 0 else "nl",
                    unit=teams[i // team_size],
                )
                for i in range(people)
            ],
            BATCH,
        )
        bar.update()
        scan = Scan.objects.create(
            organisation=org,
            name="Load scan",
            opens_on=today - dt.timedelta(days=1),
            closes_on=today + dt.timedelta(days=14),
            min_group_size=min_group_size,
            status=Scan.OPEN,
            instrument_version=version,
            interim_results=interim_results,
        )
        Invitation.objects.bulk_create(
            [
                Invitation(scan=scan, person=person, token_hash=token_hash(token))
                for person, token in zip(persons, tokens, strict=True)
            ],
            BATCH,
        )
        bar.update()
        Path(tokens_path).write_text("\n".join(tokens) + "\n", encoding="ascii")
        bar.update()
    pages = len(load_instrument("trustscan", version, "full").pages)
    return StoredScan(
        scan_id=scan.pk,
        organisation_slug=org.slug,
        people=people,
        teams=n_teams,
        pages=pages,
        tokens_path=str(tokens_path),
    )
