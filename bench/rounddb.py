"""Store an organisation whose closed scan ran the relational round and the leader mirror.

``n_teams`` teams of ``size`` people (one lead each, the first person of the team) under
departments of ten teams and divisions of ten departments. Everyone answered the
questionnaire (Trust Scan ``version``, full form) and completed the round: every member
rated every colleague of their team (``size * (size - 1)`` answers per team, about 3 %
skipped as a whole), and every lead predicted the team's view of them. The scan closed
yesterday and nothing is published.

Ratings follow the Social Relations Model per team and measure: a giver (actor) effect
~ N(0, .4), a receiver (partner) effect ~ N(0, .4) and a pair (relationship) effect
~ N(0, .6) with some dyadic reciprocity, added to a level, rounded and clipped to 1..5.
Answers to the questionnaire follow a simple multilevel model per construct (as
:mod:`orgdata`). Everything has a fixed seed; nothing belongs in the repository.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

BATCH = 2_000
SEED = 20261128
#: Standard deviations of the Social Relations Model's parts (giver, receiver, pair).
GIVER_SD, RECEIVER_SD, PAIR_SD = 0.4, 0.4, 0.6
#: Correlation of the two pair effects of a dyad (i -> j and j -> i).
DYADIC_RECIPROCITY = 0.3
SKIPPED = 0.03
TEAMS_PER_DEPARTMENT = 10
DEPARTMENTS_PER_DIVISION = 10


@dataclass(frozen=True)
class StoredRound:
    scan_id: int
    organisation_slug: str
    people: int
    teams: int
    round_answers: int
    skipped: int
    predictions: int
    admin: str
    lead: str  # leads the first team, and a person of it (their own mirror)
    member: str  # a member of the first team with a user and a member role
    team_id: int  # the first team: its lead's and member's
    other_team_id: int  # a team nobody of the benchmark leads (the admin views it)
    third_team_id: int  # another one nobody views (profiled in-process)
    password: str


def _questionnaire(rng, keys, team, department, dont_know: int) -> np.ndarray:
    """Answers people x items (1..5, ``dont_know`` = don't know, NaN = skipped), drawn as
    orgdata draws them (3 % skipped, 2 % don't know)."""
    n = team.size
    items = [item for construct_items in keys.values() for item in construct_items]
    answers = np.empty((n, len(items)), dtype=np.float64)
    column = 0
    for construct_items in keys.values():
        latent = (
            rng.normal(3.4, 0.35)
            + rng.normal(0, 0.2, department.max() + 1)[department]
            + rng.normal(0, 0.35, team.max() + 1)[team]
            + rng.normal(0, 0.7, n)
        )
        for key in construct_items.values():
            raw = latent + rng.normal(0, 0.6, n)
            keyed = raw if key == 1 else 6 - raw
            answers[:, column] = np.clip(np.rint(keyed), 1, 5)
            column += 1
    draw = rng.random(answers.shape)
    answers[draw < 0.03] = np.nan
    answers[(draw >= 0.03) & (draw < 0.05)] = dont_know
    return answers


def _ratings(rng, size: int, level: float) -> np.ndarray:
    """One team's round-robin matrix (rater x target, diagonal unused), 1..5."""
    giver = rng.normal(0, GIVER_SD, size)
    receiver = rng.normal(0, RECEIVER_SD, size)
    shared = rng.normal(0, 1, (size, size))
    shared = np.triu(shared, 1) + np.triu(shared, 1).T  # the same for i -> j and j -> i
    own = rng.normal(0, 1, (size, size))
    pair = PAIR_SD * (np.sqrt(DYADIC_RECIPROCITY) * shared + np.sqrt(1 - DYADIC_RECIPROCITY) * own)
    raw = level + giver[:, None] + receiver[None, :] + pair
    return np.clip(np.rint(raw), 1, 5)


def store_round_organisation(
    n_teams: int, size: int, *, progress: bool = True, version: str = "2"
) -> StoredRound:
    """Write the organisation, its people, the closed scan, every response and the whole
    round (Django set up), in one transaction."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from trustmirror.instrument import load_instrument
    from trustmirror.orgs.models import Organisation, Person, Role, Unit
    from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
    from trustmirror.relational.pseudonyms import pseudonym
    from trustmirror.surveys import answer_rows
    from trustmirror.surveys.models import Invitation, Response, Scan

    if size < 2:
        raise ValueError("a team needs at least two people")
    rng = np.random.default_rng(SEED)
    instrument = load_instrument("trustscan", version)
    item_order = list(instrument.items)
    keys = {c: dict(items) for c, items in instrument.scoring_keys().items()}
    columns = [item for construct_items in keys.values() for item in construct_items]
    leader_key = {item.id: item.key for c in instrument.constructs_in("leader") for item in c.items}
    n_people = n_teams * size
    team_of = np.repeat(np.arange(n_teams), size)  # index of each person's team
    department_of = team_of // TEAMS_PER_DEPARTMENT
    values = _questionnaire(rng, keys, team_of, department_of, dont_know=instrument.dont_know)
    today = dt.datetime.now(dt.UTC).date()
    password = secrets.token_urlsafe(12)
    counts = {"answers": 0, "skipped": 0, "predictions": 0}
    with tqdm(total=6, desc="storing", disable=not progress) as bar, transaction.atomic():
        org = Organisation.objects.create(name="Bench Org", slug="bench", default_language="en")
        n_departments = int(department_of.max()) + 1
        n_divisions = (n_departments - 1) // DEPARTMENTS_PER_DIVISION + 1
        divisions = Unit.objects.bulk_create(
            [
                Unit(organisation=org, name=f"Division {d}", path=f"Div{d}", depth=0)
                for d in range(n_divisions)
            ],
            BATCH,
        )
        departments = Unit.objects.bulk_create(
            [
                Unit(
                    organisation=org,
                    parent=divisions[p // DEPARTMENTS_PER_DIVISION],
                    name=f"Department {p}",
                    path=f"{divisions[p // DEPARTMENTS_PER_DIVISION].path}/Dep{p}",
                    depth=1,
                )
                for p in range(n_departments)
            ],
            BATCH,
        )
        teams = Unit.objects.bulk_create(
            [
                Unit(
                    organisation=org,
                    parent=departments[t // TEAMS_PER_DEPARTMENT],
                    name=f"Team {t}",
                    path=f"{departments[t // TEAMS_PER_DEPARTMENT].path}/Team{t}",
                    depth=2,
                )
                for t in range(n_teams)
            ],
            BATCH,
        )
        bar.update()
        people = Person.objects.bulk_create(
            [
                Person(
                    organisation=org,
                    name=f"Person {i}",
                    email=f"p{i}@bench.test",
                    language="en" if i % 5 == 0 else "nl",
                    unit=teams[team_of[i]],
                    is_lead=i % size == 0,
                )
                for i in range(n_people)
            ],
            BATCH,
        )
        scan = Scan.objects.create(
            organisation=org,
            name="Bench round scan",
            opens_on=today - dt.timedelta(days=22),
            closes_on=today - dt.timedelta(days=1),
            min_group_size=5,
            max_cut_dimensions=0,
            status=Scan.OPEN,
            instrument_version=version,
            form="full",
            relational_round=True,
            leader_mirror=True,
        )
        Invitation.objects.bulk_create(
            [
                Invitation(scan=scan, person=person, token_hash=secrets.token_hex(32))
                for person in people
            ],
            BATCH,
        )
        bar.update()
        # The questionnaire: a lead's answers count in the unit above where the instrument
        # says so (surveys.answering.counting_unit_id), here the team's department.
        leads_above = instrument.leads_count_in_parent
        rows = []
        for i in tqdm(range(n_people), desc="responses", leave=False, disable=not progress):
            stored = {item: int(v) for item, v in zip(columns, values[i], strict=True) if v == v}
            team = teams[team_of[i]]
            unit_id = team.parent_id if leads_above and i % size == 0 else team.pk
            rows.append(
                Response(
                    scan=scan,
                    unit_id=unit_id,
                    resume_key=secrets.token_hex(32),
                    language="en" if i % 5 == 0 else "nl",
                    answers=stored,
                    submitted=True,
                    answer_row=answer_rows.encode(item_order, stored),
                )
            )
            if len(rows) == BATCH:
                Response.objects.bulk_create(rows)
                rows = []
        Response.objects.bulk_create(rows)
        bar.update()
        # The round: every person completed it, in their own team (the lead too).
        codes = [pseudonym(scan.pk, person.pk) for person in people]
        RoundEntry.objects.bulk_create(
            [
                RoundEntry(
                    scan=scan,
                    unit_id=teams[team_of[i]].pk,
                    rater=codes[i],
                    state=RoundEntry.SUBMITTED,
                )
                for i in range(n_people)
            ],
            BATCH,
        )
        answers = []
        for t in tqdm(range(n_teams), desc="round", leave=False, disable=not progress):
            unit_id = teams[t].pk
            reliance = _ratings(rng, size, 3.8)
            disclosure = _ratings(rng, size, 3.3)
            meta = _ratings(rng, size, 3.6)
            skipped = rng.random((size, size)) < SKIPPED
            start = t * size
            for i in range(size):
                for j in range(size):
                    if i == j:
                        continue
                    skip = bool(skipped[i, j])
                    answers.append(
                        RoundAnswer(
                            scan=scan,
                            unit_id=unit_id,
                            rater=codes[start + i],
                            target=codes[start + j],
                            reliance=None if skip else int(reliance[i, j]),
                            disclosure=None if skip else int(disclosure[i, j]),
                            meta=None if skip else int(meta[i, j]),
                            skipped=skip,
                        )
                    )
                    counts["answers"] += 1
                    counts["skipped"] += skip
            if len(answers) >= BATCH:
                RoundAnswer.objects.bulk_create(answers, BATCH)
                answers = []
        RoundAnswer.objects.bulk_create(answers, BATCH)
        bar.update()
        predictions = []
        for t in range(n_teams):
            lead = t * size
            predictions.append(
                LeaderPrediction(
                    scan=scan,
                    unit_id=teams[t].pk,
                    lead=codes[lead],
                    answers={
                        item: int(np.clip(np.rint(rng.normal(4.1 if key > 0 else 1.9, 0.7)), 1, 5))
                        for item, key in leader_key.items()
                    },
                    submitted=True,
                )
            )
        LeaderPrediction.objects.bulk_create(predictions, BATCH)
        counts["predictions"] = len(predictions)
        bar.update()
        users = get_user_model()
        hashed = make_password(password)
        admin = users.objects.create(username="bench-admin", password=hashed)
        Role.objects.create(user=admin, organisation=org, kind=Role.ADMIN)
        team = teams[0]
        lead = users.objects.create(username="bench-lead", password=hashed)
        Role.objects.create(user=lead, organisation=org, kind=Role.LEAD, unit=team)
        Person.objects.filter(pk=people[0].pk).update(user=lead)
        member = users.objects.create(username="bench-member", password=hashed)
        Role.objects.create(user=member, organisation=org, kind=Role.MEMBER, unit=team)
        Person.objects.filter(pk=people[1].pk).update(user=member)
        bar.update()
    return StoredRound(
        scan_id=scan.pk,
        organisation_slug=org.slug,
        people=n_people,
        teams=n_teams,
        round_answers=counts["answers"],
        skipped=counts["skipped"],
        predictions=counts["predictions"],
        admin="bench-admin",
        lead="bench-lead",
        member="bench-member",
        team_id=team.pk,
        other_team_id=teams[min(1, n_teams - 1)].pk,
        third_team_id=teams[min(2, n_teams - 1)].pk,
        password=password,
    )
