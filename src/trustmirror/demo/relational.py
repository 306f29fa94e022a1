"""The demo's relational round and leader mirror: ratings drawn from the story's teams.

Ratings follow the Social Relations Model (Kenny 1994) with each team's parts from
:data:`trustmirror.demo.story.ROUND_TEAMS`: a giver part per rater, a receiver part per
target, and a pair part whose two directions correlate by the team's reciprocity. Disclosure
follows reliance a little lower; the meta-perception ("<name> trusts me") mixes what the
rater gives (assumed reciprocity) with what the colleague really said (meta-accuracy). The
rows are written under pseudonyms exactly as a real round writes them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from trustmirror.demo import story
from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Person
from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.surveys.models import Scan

__all__ = ["seed_round"]


def _scale(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 1, 5).astype(int)


def seed_round(
    scan: Scan, people: Iterable[Person], answered: set[int], rng: np.random.Generator
) -> set[int]:
    """Write the round of ``scan`` for the story's teams; return who completed it.

    ``answered`` holds the ids of the people who answered the scan's questionnaire; of those,
    each team's ``completion`` share completed the round too.
    """
    by_team: dict[str, list[Person]] = {}
    for person in people:
        by_team.setdefault(person.unit.path, []).append(person)
    entries, rows, completed = [], [], set()
    for path, spec in story.ROUND_TEAMS.items():
        team = [p for p in by_team.get(path, []) if p.pk in answered]
        keep = rng.random(len(team)) < spec.completion
        team = [p for p, k in zip(team, keep, strict=True) if k]
        n = len(team)
        if n < scan.round_min_size:
            continue
        giver = rng.normal(0, spec.giver_sd, n)
        receiver = rng.normal(0, spec.receiver_sd, n)
        # Pair parts (g_ij, g_ji) with correlation ``reciprocity``.
        cov = spec.pair_sd**2 * np.array([[1, spec.reciprocity], [spec.reciprocity, 1]])
        pair = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                pair[i, j], pair[j, i] = rng.multivariate_normal([0, 0], cov)
        latent = spec.mean + giver[:, None] + receiver[None, :] + pair
        reliance = _scale(latent + rng.normal(0, 0.25, (n, n)))
        disclosure = _scale(latent - 0.3 + rng.normal(0, 0.45, (n, n)))
        # "j trusts me", as i sees it: i's own giving, half of what j really said, and noise.
        meta = _scale(
            spec.mean
            + 0.5 * giver[:, None]
            + 0.5 * (latent.T - spec.mean)
            + rng.normal(0, 0.4, (n, n))
        )
        names = [pseudonym(scan.pk, p.pk) for p in team]
        unit_id = team[0].unit_id
        for i in range(n):
            entries.append(
                RoundEntry(scan=scan, unit_id=unit_id, rater=names[i], state=RoundEntry.SUBMITTED)
            )
            completed.add(team[i].pk)
            for j in range(n):
                if i == j:
                    continue
                skipped = bool(rng.random() < 0.03)
                rows.append(
                    RoundAnswer(
                        scan=scan,
                        unit_id=unit_id,
                        rater=names[i],
                        target=names[j],
                        reliance=None if skipped else int(reliance[i, j]),
                        disclosure=None if skipped else int(disclosure[i, j]),
                        meta=None if skipped else int(meta[i, j]),
                        skipped=skipped,
                    )
                )
    # Insert in random order, like the questionnaire's responses.
    RoundEntry.objects.bulk_create([entries[i] for i in rng.permutation(len(entries))])
    RoundAnswer.objects.bulk_create([rows[i] for i in rng.permutation(len(rows))])
    _seed_predictions(scan, by_team, rng)
    return completed


def _seed_predictions(scan: Scan, by_team: dict[str, list[Person]], rng) -> None:
    instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
    items = [item for c in instrument.constructs_in("leader") for item in c.items]
    predictions = []
    for path, level in story.LEADER_PREDICTIONS.items():
        lead = next((p for p in by_team.get(path, []) if p.is_lead), None)
        if lead is None:
            continue
        answers = {}
        for item in items:
            value = int(np.clip(np.rint(level + rng.normal(0, 0.3)), 1, 5))
            answers[item.id] = 6 - value if item.reverse else value
        predictions.append(
            LeaderPrediction(
                scan=scan,
                unit_id=lead.unit_id,
                lead=pseudonym(scan.pk, lead.pk),
                answers=answers,
                submitted=True,
            )
        )
    LeaderPrediction.objects.bulk_create(predictions)
