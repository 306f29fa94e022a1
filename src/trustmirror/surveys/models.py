"""Scans, invitations and anonymous responses.

Privacy model (DESIGN.md): a :class:`Response` carries no person, no timestamp and no
sequential id. The only bridge from an invitation to its response is the resume key, an HMAC
of the respondent's secret token under a server-side secret; the token itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmirror.orgs.models import Organisation, Person, Unit
from trustmirror.privacy import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR

#: A breakdown may cross at most this many characteristics at once: every further one splits
#: the respondents into cells too small to show, and invites differencing between cuts.
MAX_CUT_DIMENSIONS = 2


def default_min_group_size() -> int:
    """k for a new scan: ``TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE``, never below the floor."""
    configured = getattr(settings, "TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE)
    return max(MIN_GROUP_SIZE_FLOOR, int(configured))


class Scan(models.Model):
    """One wave of measurement.

    ``status`` records the consultant's actions (a draft, launched, closed early); what a
    scan *is* on a given day follows from it and the dates: see :meth:`phase`.
    """

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    STATUS_CHOICES = [(DRAFT, _("draft")), (OPEN, _("open")), (CLOSED, _("closed"))]
    PHASE_LABELS = {
        DRAFT: _("draft"),
        SCHEDULED: _("scheduled"),
        OPEN: _("open"),
        CLOSED: _("closed"),
    }

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="scans")
    name = models.CharField(_("name"), max_length=200)
    instrument_id = models.CharField(max_length=50, default="trustscan")
    instrument_version = models.CharField(max_length=20, default="1")
    # Which form of that version the scan asks: "full", or a shorter one such as "pulse"
    # (Instrument.forms). Like the version, chosen at creation and kept for good.
    form = models.CharField(max_length=20, default="full")
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=OPEN)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=default_min_group_size,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
        help_text=_("Groups with fewer respondents show no numbers. Never below 3."),
    )
    # 0 switches breakdowns off, and then no bands are stored with the responses at all.
    max_cut_dimensions = models.PositiveSmallIntegerField(
        _("characteristics per breakdown"),
        default=1,
        validators=[MaxValueValidator(MAX_CUT_DIMENSIONS)],
        help_text=_(
            "How many characteristics (tenure band, location, ...) one breakdown may combine. "
            "0 switches breakdowns off."
        ),
    )

    # Off by default: results appear once, when the scan closes. On: published in steps while
    # the scan is open, under the release rule (trustmirror.privacy.release), which may keep
    # some answers out of the numbers for good.
    interim_results = models.BooleanField(
        _("interim results"),
        default=False,
        help_text=_(
            "Show results while the scan is open, updated in steps. Answers enter only in "
            "groups of at least the minimum size, so some may never count, and breakdowns by "
            "characteristic are not available."
        ),
    )

    # How the links reach people. By e-mail (the default) the worker sends each person their
    # link and nobody else ever sees it; printed letters put every link in one file for the
    # consultant, whoever holds the letters can open them (docs/privacy.md).
    EMAIL = "email"
    LETTERS = "letters"
    DELIVERY_CHOICES = [(EMAIL, _("by e-mail")), (LETTERS, _("printed letters"))]
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=DELIVERY_CHOICES, default=EMAIL
    )

    # Modules besides the core questionnaire (``form``), each switched on per scan. The
    # relational round (trustmirror.relational): after the core pages, each member of a team
    # of round_min_size..round_max_size people rates each colleague; it is confidential, not
    # anonymous (docs/privacy.md). The leader mirror: leads predict how their team will rate
    # them on the leader questions.
    relational_round = models.BooleanField(
        _("relational round"),
        default=False,
        help_text=_(
            "After the questionnaire, each team member says how they rely on each colleague. "
            "Confidential, not anonymous: names are shown to the person answering."
        ),
    )
    leader_mirror = models.BooleanField(
        _("leader mirror"),
        default=False,
        help_text=_("Leads predict how their team will rate them on the leader questions."),
    )
    round_min_size = models.PositiveSmallIntegerField(
        _("smallest team in the round"), default=4, validators=[MinValueValidator(4)]
    )
    round_max_size = models.PositiveSmallIntegerField(
        _("largest team rated in full"),
        default=15,
        validators=[MinValueValidator(4), MaxValueValidator(40)],
        help_text=_("In a larger team each member rates this many colleagues less one."),
    )
    purge_ratings = models.BooleanField(
        _("delete the round's answers after the results"),
        default=False,
        help_text=_("Keep only the estimates once the final results are published."),
    )

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="scan_min_group_size_floor",
            ),
            models.CheckConstraint(
                condition=models.Q(max_cut_dimensions__lte=MAX_CUT_DIMENSIONS),
                name="scan_max_cut_dimensions",
            ),
            models.CheckConstraint(
                condition=models.Q(round_min_size__gte=4)
                & models.Q(round_max_size__gte=models.F("round_min_size")),
                name="scan_round_sizes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.OPEN

    def phase(self, today: dt.date | None = None) -> str:
        """``draft``, ``scheduled``, ``open`` or ``closed`` on ``today`` (the local date).

        The closing day itself is still open, as for answering
        (:func:`trustmirror.surveys.answering.scan_availability`).
        """
        today = today or timezone.localdate()
        if self.status == self.DRAFT:
            return self.DRAFT
        if self.status == self.CLOSED or today > self.closes_on:
            return self.CLOSED
        if today < self.opens_on:
            return self.SCHEDULED
        return self.OPEN

    def phase_label(self) -> str:
        return str(self.PHASE_LABELS[self.phase()])


class Invitation(models.Model):
    """(scan, person) and the hash of the person's secret link.

    There is deliberately no "submitted" status: answering never writes this row, so no
    shared write can link an invitation to its anonymous response, and nobody (the operator
    included) can tell who has answered. Participation is counted from responses per unit.
    """

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    # SHA-256 of the random token; the token itself exists only in the link the person got.
    # None until a link is made: when the worker sends the invitation e-mail, or when the
    # letter file is downloaded (trustmirror.delivery).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "person"], name="invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scan} / {self.person}"


class Response(models.Model):
    """The answers of one anonymous respondent in one scan.

    ``answers`` maps item id to 1..5, or to 0 for "don't know / not applicable".
    ``open_answers`` maps open question id to text (stored and counted, never shown yet).
    ``bands`` holds the respondent's demographic bands, only as far as at least k invited
    people of the same unit share them (see
    :func:`trustmirror.surveys.answering.band_recoding`); often fewer bands than the person
    has, or none.
    ``page_revisions`` maps a page id to how many times that page was saved, so that a save
    made from an older state of the page is refused (:func:`~trustmirror.surveys.answering.
    page_save`); a counter per page, never a clock or a sequence across responses, and
    emptied at submission.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="responses")
    # The unit at the time of answering; a later move of the person does not move the answers.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses")
    # HMAC-SHA256(RESUME_SECRET, token): finds the draft again, links nothing without the token.
    resume_key = models.CharField(max_length=64)
    language = models.CharField(max_length=2, default="nl")
    answers = models.JSONField(default=dict)
    open_answers = models.JSONField(default=dict)
    bands = models.JSONField(default=dict)
    submitted = models.BooleanField(default=False)
    # While answering: page id -> the page's revision (saves so far); {} once submitted.
    page_revisions = models.JSONField(default=dict, blank=True, editable=False)
    # The submitted answers again as one line of numbers in the item order of the scan's
    # questionnaire (surveys.answer_rows), for publishing's fast read; "" before submission.
    answer_row = models.TextField(default="", blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "resume_key"], name="response_resume_unique"),
        ]
        indexes = [models.Index(fields=["scan", "submitted"], name="response_scan_submitted")]

    def __str__(self) -> str:
        return str(self.id)
