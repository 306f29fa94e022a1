"""Writes for scans and invitations (the consultant's side)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from trustmirror.orgs.models import Organisation, Person
from trustmirror.privacy import MIN_GROUP_SIZE_FLOOR
from trustmirror.surveys.models import (
    MAX_CUT_DIMENSIONS,
    Invitation,
    Scan,
    default_min_group_size,
)
from trustmirror.surveys.tokens import new_token, token_hash


@dataclass(frozen=True)
class IssuedLink:
    person: Person
    token: str

    @property
    def path(self) -> str:
        return f"/s/{self.token}"


@transaction.atomic
def scan_create(
    *,
    organisation: Organisation,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    min_group_size: int | None = None,
    max_cut_dimensions: int = 1,
    interim_results: bool = False,
    people: list[Person] | None = None,
) -> tuple[Scan, list[IssuedLink]]:
    """Create an open scan and one invitation per person.

    ``max_cut_dimensions`` is how many characteristics one breakdown may combine (0 to
    :data:`~trustmirror.surveys.models.MAX_CUT_DIMENSIONS`; 0 switches breakdowns off and
    keeps bands out of the responses). ``interim_results`` publishes results in steps while
    the scan is open; it needs breakdowns off.

    The tokens are returned once, for the consultant to print or mail; only their hashes
    are stored, so they can never be shown again (a lost link is reissued instead).
    """
    if min_group_size is None:
        min_group_size = default_min_group_size()
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(f"min_group_size must be at least {MIN_GROUP_SIZE_FLOOR}")
    if not 0 <= max_cut_dimensions <= MAX_CUT_DIMENSIONS:
        raise ValueError(f"max_cut_dimensions must be between 0 and {MAX_CUT_DIMENSIONS}")
    if closes_on < opens_on:
        raise ValueError("closes_on must not be before opens_on")
    if interim_results and max_cut_dimensions:
        # Across versions a breakdown would need to know when each answer came in, which is
        # deliberately not stored (trustmirror.results.breakdown).
        raise ValueError("interim results and breakdowns exclude each other")
    scan = Scan.objects.create(
        organisation=organisation,
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
        min_group_size=min_group_size,
        max_cut_dimensions=max_cut_dimensions,
        interim_results=interim_results,
        status=Scan.OPEN,
    )
    if people is None:
        people = list(organisation.people.select_related("unit"))
    links = invitations_create(scan=scan, people=people)
    return scan, links


def invitations_create(*, scan: Scan, people: list[Person]) -> list[IssuedLink]:
    links = [IssuedLink(person=person, token=new_token()) for person in people]
    Invitation.objects.bulk_create(
        [
            Invitation(scan=scan, person=link.person, token_hash=token_hash(link.token))
            for link in links
        ]
    )
    return links


@transaction.atomic
def invitation_reissue(*, invitation: Invitation) -> IssuedLink:
    """Give a person a new link; the old one stops working.

    A draft saved under the old link cannot be found with the new one: the draft is keyed by
    the old token, which nobody but the respondent ever had.
    """
    token = new_token()
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return IssuedLink(person=invitation.person, token=token)


def scan_close(*, scan: Scan) -> None:
    scan.status = Scan.CLOSED
    scan.save(update_fields=["status"])
