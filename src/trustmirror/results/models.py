"""Published results: immutable, versioned snapshots of everything the results may show.

A :class:`Publication` is one version of a scan's results (or, while results are not yet
shared, of its participation). It is built in the background by the worker
(:mod:`trustmirror.results.publishing`), after the privacy policy decided what may be shown,
and it holds only that: numbers, labels and chart inputs that passed
:mod:`trustmirror.privacy`. Pages, reports, exports and the API read the latest published
version and never score responses themselves.

A version is written in one transaction and only then marked published; a worker that dies
while building leaves a ``building`` row that is never served (the next attempt marks it
``failed``), and the previous version stays in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustmirror.orgs.models import Unit
from trustmirror.surveys.models import Response, Scan


class Publication(models.Model):
    RESULTS = "results"
    PARTICIPATION = "participation"
    TRACK_CHOICES = [(RESULTS, _("results")), (PARTICIPATION, _("participation"))]

    BUILDING = "building"
    PUBLISHED = "published"
    FAILED = "failed"
    STATUS_CHOICES = [
        (BUILDING, _("being built")),
        (PUBLISHED, _("published")),
        (FAILED, _("failed")),
    ]

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="publications")
    track = models.CharField(max_length=20, choices=TRACK_CHOICES)
    # 1, 2, ... per scan and track, given when the version is published (null while building).
    version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=BUILDING)
    started_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    # The version made at close: no later version of this track follows.
    final = models.BooleanField(default=False)
    k = models.PositiveSmallIntegerField()
    # Answers the published numbers include (released respondents); never a number of people
    # who are waiting, which would tell when someone answered. None when the organisation's
    # count is withheld (it would tell how many did not answer: Policy.participations).
    respondents = models.PositiveIntegerField(null=True, blank=True)
    instrument_id = models.CharField(max_length=50)
    instrument_version = models.CharField(max_length=20)
    # The scan the changes in this version are measured against (the previous published one).
    previous_scan = models.ForeignKey(
        Scan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Scan-level results: participation overview, measurement quality, breakdowns.
    payload = models.JSONField(default=dict)
    # The release rule's memory (respondents per unit per measure added in this version, the
    # published families). Counts per unit only; never rendered.
    meta = models.JSONField(default=dict)
    # Why a build failed, for the admin; never answers.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["scan", "track", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "track", "version"], name="publication_version_unique"
            ),
        ]
        indexes = [models.Index(fields=["scan", "track", "status"], name="publication_lookup")]

    def __str__(self) -> str:
        return f"{self.scan} {self.track} v{self.version or '-'} ({self.status})"


class PublishedGroup(models.Model):
    """One row of the published tree: the organisation, a unit or a roll-up of small units.

    ``key`` is ``org``, ``u:<unit id>`` or ``r:<parent unit id>`` / ``r:top`` (a roll-up).
    A hidden group has ``shown`` False, its reason code, and no numbers at all.
    """

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="groups")
    key = models.CharField(max_length=40)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)
    # The row this one is listed under (``org`` for the top units); "" for the organisation.
    parent_key = models.CharField(max_length=40, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    shown = models.BooleanField(default=False)
    reason = models.CharField(max_length=30)
    rolled_into = models.CharField(max_length=40, blank=True)
    # Respondents the group's numbers describe: shown groups whose count may be shown only
    # (a shown group's count is withheld where it would tell how many did not answer).
    n = models.PositiveIntegerField(null=True, blank=True)
    participation = models.JSONField(null=True, blank=True)
    # construct id -> {n, mean, sd, ci_low, ci_high, favourable, agreement, rwg_j}
    stats = models.JSONField(default=dict)
    # construct id -> {before: {...}, after: {...}, difference, ci_low, ci_high, hedges_g}
    change = models.JSONField(default=dict)
    # For a roll-up: the member unit ids and whether the parent's own people are included.
    rollup = models.JSONField(null=True, blank=True)
    # Where the group's count is withheld: construct id -> [n, sd], what the next scan needs
    # to compute the change since this one. An input to computations like Publication.meta:
    # never rendered, exported or sent; the only reader is the next publication's builder.
    change_basis = models.JSONField(default=dict)

    class Meta:
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "key"], name="published_group_unique"),
        ]
        indexes = [
            models.Index(fields=["publication", "parent_key"], name="published_group_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.key}"


class PublishedChart(models.Model):
    """A chart of a publication in one language, drawn once and kept (inline SVG)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="charts")
    key = models.CharField(max_length=80)
    language = models.CharField(max_length=5)
    svg = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "key", "language"], name="published_chart_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.key} {self.language}"


class IncludedResponse(models.Model):
    """A response that the published results of its scan include.

    Rows are added for all of a unit's waiting responses at once when a version is
    published, never for one person, and they hold no moment. A narrow table of its own, so
    that publishing the results of 100,000 respondents inserts small rows instead of
    rewriting every wide response row.

    The database does not check the two references (``db_constraint=False``): every row is
    written by one statement that selects it from the responses themselves, and Django
    deletes it with its response or scan as before. Checking 100,000 references when the
    version's transaction commits took 1.3 s of a 15 s publication on PostgreSQL.
    """

    response = models.OneToOneField(
        Response,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="included",
        db_constraint=False,
    )
    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    def __str__(self) -> str:
        return str(self.response_id)


class HiddenComment(models.Model):
    """An open answer that a consultant marked as inappropriate: hidden on every page.

    It refers to the comment by :func:`trustmirror.results.comments.comment_id` (a hash of
    the scan, the question and the published, masked text), never to a response, so that it
    links no answer to a respondent and still finds the comment in a later version of the
    scan's results, and on every group's page that shows it. ``publication`` and
    ``group_key`` say where it was marked (kept as long as that version exists).
    """

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="hidden_comments")
    question_id = models.CharField(max_length=50)
    comment_id = models.CharField(max_length=64)
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_key = models.CharField(max_length=40, blank=True)
    # The consultant's own words, optional; shown to consultants only, never in the audit log.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scan", "question_id", "comment_id"], name="hidden_comment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scan_id} {self.question_id} {self.comment_id}"
