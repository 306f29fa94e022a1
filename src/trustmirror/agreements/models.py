"""A team's agreements, their owners and their check-ins (a history: never changed), and the
e-mails that remind owners of their check-in days and due dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmirror.delivery.models import Message
from trustmirror.orgs.models import Organisation, Person, Unit
from trustmirror.surveys.models import Scan

#: A team records "a handful" of agreements per scan: more than this and none gets done.
MAX_PER_SCAN = 7


class Agreement(models.Model):
    """One thing a team said it will do, after the results of ``scan``."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreements"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="agreements")
    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="agreements")
    what = models.CharField(_("what we will do"), max_length=500)
    # How the team will notice that it works ("we will notice it when ...").
    signal = models.CharField(_("how we will notice it works"), max_length=500, blank=True)
    # Construct ids of the scan's instrument: the themes (or other scales) it is about.
    themes = models.JSONField(default=list)
    owners = models.ManyToManyField(Person, related_name="agreements_owned", blank=True)
    due_on = models.DateField(_("due date"))
    # The next agreed moment to check in, before the due date (optional): owners are
    # reminded on that day, and again on the due date.
    check_in_on = models.DateField(_("next check-in"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A withdrawn agreement stays in the history, but no longer counts or reminds.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organisation", "scan"], name="agreement_org_scan")]

    def __str__(self) -> str:
        return self.what


class CheckIn(models.Model):
    """Whether an agreement was kept, said by an owner or by the team, on ``on``."""

    KEPT = "kept"
    PARTLY = "partly"
    NOT_KEPT = "not_kept"
    STATUS_CHOICES = [
        (KEPT, _("kept")),
        (PARTLY, _("partly kept")),
        (NOT_KEPT, _("not kept")),
    ]

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="check_ins")
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES)
    note = models.CharField(_("note"), max_length=500, blank=True)
    on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)
    # Who checked in: a person (an owner, through their login or their personal link) or a
    # signed-in user (a lead or an admin recording what the team said in a meeting).
    by_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agreement", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.status} on {self.on}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("a check-in is history: add a new one instead of changing it")
        super().save(*args, **kwargs)


class FollowLink(models.Model):
    """A personal link to one's team's agreements, for people who do not log in.

    Like a survey link: 128 random bits in the link, only their SHA-256 here. Every reminder
    e-mail carries a new one; each stays valid until ``expires_on``.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()

    def __str__(self) -> str:
        return f"follow link of person {self.person_id}"


class Notice(models.Model):
    """One e-mail to one owner of an agreement: its check-in day, or its due date, has come.

    Sent the way survey messages are (:class:`trustmirror.delivery.models.Message`), with the
    same states and the same rule of *at most once*: ``pending`` becomes ``sending`` (committed)
    before the mail server has it, and a worker that dies in between leaves it ``unknown``,
    never resent. One notice per agreement, owner, kind and day: planning twice plans nothing
    new. Each e-mail carries a fresh follow link; only the link's hash is stored (FollowLink).
    """

    CHECK_IN = "check_in"  # the agreed check-in day has come
    DUE = "due"  # the due date has come
    KIND_CHOICES = [(CHECK_IN, _("check-in day")), (DUE, _("due date"))]

    PENDING = Message.PENDING
    SENDING = Message.SENDING
    SENT = Message.SENT
    FAILED = Message.FAILED
    UNKNOWN = Message.UNKNOWN
    # Not sent, because it no longer applied when its turn came (the agreement was withdrawn
    # or kept, the check-in was moved or done, the owner left the team or has no address).
    CANCELLED = "cancelled"
    STATE_CHOICES = [*Message.STATE_CHOICES, (CANCELLED, _("not sent: no longer needed"))]

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="notices")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    # The day it is about: the check-in day or the due date it reminds of.
    on = models.DateField()
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_on = models.DateField(null=True, blank=True)
    # The mail server's answer, or why it was not sent; never a link.
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["state"], name="notice_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "person", "kind", "on"], name="notice_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of agreement {self.agreement_id} to {self.person_id}: {self.state}"
