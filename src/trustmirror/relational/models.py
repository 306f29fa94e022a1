"""The relational round: who relies on whom in a team, stored under pseudonyms.

The core scan is anonymous; this module cannot be (the rating matrix must know that the
rater in one row is the target in another), so it is **confidential** (DESIGN.md): every
person appears only as a pseudonym, HMAC-SHA256 of ``round:<scan id>:<person id>`` under the
server's resume secret (:func:`trustmirror.relational.pseudonyms.pseudonym`). A database dump
alone links no pseudonym to a person; the server, which holds the secret, can, and
docs/privacy.md says so. No row holds a moment, and nothing here refers to a core response:
a round answer cannot be joined to the anonymous questionnaire.

Raw answers (:class:`RoundAnswer`, :class:`LeaderPrediction`) are read only by publishing;
pages read the published :class:`PublishedRound` (a team's picture, k-safe, no names) and
:class:`PublishedMirror` (one person's own mirror, shown only to that person). A scan that
purges its ratings deletes the raw rows once the final results are published.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trustmirror.orgs.models import Unit
from trustmirror.surveys.models import Scan

PSEUDONYM_LENGTH = 32


def _rating_field():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class RoundEntry(models.Model):
    """One rater's round: answering, submitted, or declined (skipped as a whole).

    ``page_revisions`` maps a page number to how many times that page was saved, so that a
    save made from an older state of the page is refused; a counter per page, never a
    moment, and emptied once the round is submitted or declined.
    """

    ANSWERING = "answering"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    STATE_CHOICES = [(ANSWERING, ANSWERING), (SUBMITTED, SUBMITTED), (DECLINED, DECLINED)]

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="round_entries")
    # The team the rater rated in (the unit at the time of answering).
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    rater = models.CharField(max_length=PSEUDONYM_LENGTH)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=ANSWERING)
    page_revisions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "rater"], name="round_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scan_id} {self.rater[:8]} {self.state}"


class RoundAnswer(models.Model):
    """How one rater sees one colleague: reliance, disclosure and meta-perception (1..5).

    A colleague the rater skipped has ``skipped`` set and no values; a value left empty is a
    missing dyad for that question.
    """

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="round_answers")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    rater = models.CharField(max_length=PSEUDONYM_LENGTH)
    target = models.CharField(max_length=PSEUDONYM_LENGTH)
    reliance = _rating_field()
    disclosure = _rating_field()
    meta = _rating_field()
    skipped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "rater", "target"], name="round_answer_unique"),
            models.CheckConstraint(
                condition=~models.Q(rater=models.F("target")), name="round_answer_not_self"
            ),
        ]
        indexes = [models.Index(fields=["scan", "unit"], name="round_answer_unit")]

    def __str__(self) -> str:
        return f"{self.scan_id} {self.rater[:8]}->{self.target[:8]}"


class LeaderPrediction(models.Model):
    """A lead's prediction of how their team will answer the leader questions about them.

    ``answers`` maps item id to 1..5 (the leader items of the scan's questionnaire).
    """

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="leader_predictions")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    lead = models.CharField(max_length=PSEUDONYM_LENGTH)
    answers = models.JSONField(default=dict)
    submitted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "lead"], name="leader_prediction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scan_id} {self.lead[:8]}"


class PublishedRound(models.Model):
    """A team's relational picture in one published version: shares, mutuality, no names.

    ``shown`` False carries a reason code and no numbers.
    """

    publication = models.ForeignKey(
        "results.Publication", on_delete=models.CASCADE, related_name="rounds"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    shown = models.BooleanField(default=False)
    reason = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "unit"], name="published_round_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.unit_id}"


class PublishedMirror(models.Model):
    """One person's own mirror in one published version, under their pseudonym.

    Only that person is ever shown it (through their own link or login); what it holds
    already passed :mod:`trustmirror.privacy.relational`.
    """

    publication = models.ForeignKey(
        "results.Publication", on_delete=models.CASCADE, related_name="mirrors"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    pseudonym = models.CharField(max_length=PSEUDONYM_LENGTH)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "pseudonym"], name="published_mirror_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.pseudonym[:8]}"
