"""A person's relational round under the GDPR: what the export shows, what erasure deletes.

The round is confidential, not anonymous: its rows carry pseudonyms that the server can
compute for any person (:func:`trustmirror.relational.pseudonyms.pseudonym`). So, unlike the
anonymous questionnaire, a person's round can be found, and it is handed out or deleted:

* the **export** holds, per scan with the round or the leader mirror, whether the person
  took part, the ratings they gave (with their colleagues' names: they gave them), their
  leader prediction and their published mirror; never the ratings colleagues gave about
  them, which are those colleagues' confidential answers;
* **erasure** deletes the person's round entry, every rating they gave or that was given
  about them, their prediction and their published mirror with its charts. Published team
  pictures stay: they are aggregates over at least k people and name nobody.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from trustmirror.orgs.models import Person
from trustmirror.relational.models import (
    LeaderPrediction,
    PublishedMirror,
    RoundAnswer,
    RoundEntry,
)
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.results.models import PublishedChart
from trustmirror.surveys.models import Scan

__all__ = ["round_erase", "round_export"]

_QUESTIONS = ("reliance", "disclosure", "meta")
#: The keys of a person's own charts (trustmirror.relational.reading), per pseudonym.
_MIRROR_CHARTS = ("mirror-trust", "mirror-leader")


def _scans(person: Person) -> list[Scan]:
    """The person's scans that ask the round or the leader mirror."""
    return list(
        Scan.objects.filter(invitations__person=person)
        .filter(Q(relational_round=True) | Q(leader_mirror=True))
        .order_by("opens_on", "pk")
    )


def round_export(person: Person) -> list[dict[str, Any]]:
    """Per scan with a round or leader mirror: what is stored about ``person`` in it."""
    out = []
    for scan in _scans(person):
        me = pseudonym(scan.pk, person.pk)
        entry = RoundEntry.objects.filter(scan=scan, rater=me).first()
        given = list(RoundAnswer.objects.filter(scan=scan, rater=me).order_by("pk"))
        colleagues = Person.objects.filter(invitations__scan=scan).exclude(pk=person.pk)
        names = {pseudonym(scan.pk, p.pk): p.name for p in colleagues} if given else {}
        prediction = LeaderPrediction.objects.filter(scan=scan, lead=me).first()
        mirrors = PublishedMirror.objects.filter(publication__scan=scan, pseudonym=me)
        out.append(
            {
                "scan": scan.name,
                "round": entry.state if entry else None,
                "ratings_given": [
                    {
                        "colleague": names.get(answer.target),
                        "skipped": answer.skipped,
                        **{q: getattr(answer, q) for q in _QUESTIONS},
                    }
                    for answer in given
                ],
                "leader_prediction": dict(prediction.answers) if prediction else None,
                "mirror": [m.data for m in mirrors.order_by("publication__version")],
            }
        )
    return out


def round_erase(person: Person) -> int:
    """Delete everything of the round that is about ``person``; return the rows deleted.

    Call it before the person's invitations are deleted (it finds the scans through them).
    """
    deleted = 0
    for scan in _scans(person):
        me = pseudonym(scan.pk, person.pk)
        for queryset in (
            RoundAnswer.objects.filter(scan=scan).filter(Q(rater=me) | Q(target=me)),
            RoundEntry.objects.filter(scan=scan, rater=me),
            LeaderPrediction.objects.filter(scan=scan, lead=me),
            PublishedMirror.objects.filter(publication__scan=scan, pseudonym=me),
            PublishedChart.objects.filter(
                publication__scan=scan, key__in=[f"{chart}:{me}" for chart in _MIRROR_CHARTS]
            ),
        ):
            deleted += queryset.delete()[0]
    return deleted
