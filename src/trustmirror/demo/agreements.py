"""The demo's agreements: what teams agreed after each scan, with their check-ins.

Written directly as rows, not through :func:`trustmirror.agreements.services.agreement_create`:
the history lies in the past, where a real team recorded it day by day (the service refuses
a due date that has passed, as it should today). The specs are in :mod:`trustmirror.demo.story`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trustmirror.agreements.models import Agreement, CheckIn
from trustmirror.demo import story
from trustmirror.orgs.models import Organisation, Person, Unit
from trustmirror.surveys.models import Scan

__all__ = ["seed_agreements"]


def _moment(day: dt.date) -> dt.datetime:
    """Noon of ``day``: check-ins of one agreement keep the order of their days."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def seed_agreements(
    *,
    organisation: Organisation,
    units: dict[str, Unit],
    people: list[Person],
    scan1: Scan,
    scan2: Scan,
    member: Person | None,
    today: dt.date,
) -> list[Agreement]:
    """Create the agreements after scan 1 (with their history) and the open ones after scan 2."""
    team_people: dict[str, list[Person]] = {}
    for person in people:  # in the plan's order: a team's lead first
        team_people.setdefault(person.unit.path, []).append(person)
    created = []
    batches = (
        (scan1, story.AGREEMENTS_SCAN1, scan1.closes_on),
        (scan2, story.AGREEMENTS_SCAN2, today),
    )
    for scan, specs, start in batches:
        for number, spec in enumerate(specs):
            members = team_people[spec.team]
            owners = [members[position] for position in spec.owners]
            if spec.member_owner and member is not None and member not in owners:
                owners.append(member)
            made_on = (
                start + dt.timedelta(days=7) if scan is scan1 else today - dt.timedelta(days=3)
            )
            agreement = Agreement.objects.create(
                organisation=organisation,
                unit=units[spec.team],
                scan=scan,
                what=spec.what,
                signal=spec.signal,
                themes=list(spec.themes),
                due_on=start + dt.timedelta(days=spec.due_day),
                check_in_on=(
                    today + dt.timedelta(days=spec.check_in_day)
                    if spec.check_in_day is not None
                    else None
                ),
                # A minute apart: the order in which the team wrote them down.
                created_at=_moment(made_on) + dt.timedelta(minutes=number),
            )
            agreement.owners.set(owners)
            for day, status, note in spec.check_ins:
                on = start + dt.timedelta(days=day)
                CheckIn(
                    agreement=agreement,
                    status=status,
                    note=note,
                    on=on,
                    created_at=_moment(on),
                    by_person=owners[0],
                ).save(force_insert=True)
            created.append(agreement)
    return created
