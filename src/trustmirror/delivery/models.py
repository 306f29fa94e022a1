"""The messages sent to invited people, and the reminder rounds of a scan.

A :class:`Message` is one e-mail to one person. Its ``state`` is how far it got, and the
rule that makes sending *at most once*: the worker moves a message from ``pending`` to
``sending`` (storing the hash of the new link with it) and commits *before* it hands the
message to the mail server; only afterwards does it record ``sent`` or ``failed``. A worker
that dies in between leaves the message ``sending``; the next worker to start turns it into
``unknown`` and never sends it again, because the person may well have it. The admin sees it
as "unknown, not resent" and can deliberately send that person a new link.

What a message records is that the system wrote to someone, never whether or when they
answered: answering writes neither a message nor an invitation.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmirror.surveys.models import Invitation, Scan


class Reminder(models.Model):
    """One reminder round of a scan: a message to everyone invited, numbered 1, 2, ..."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scan", "number"], name="reminder_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scan} / reminder {self.number}"


class Message(models.Model):
    INVITATION = "invitation"  # the first message with a person's link
    NEW_LINK = "new_link"  # a new link: asked for on /s/lost/, or sent by an admin
    REMINDER = "reminder"  # to everyone; holds no link
    KIND_CHOICES = [
        (INVITATION, _("invitation")),
        (NEW_LINK, _("new link")),
        (REMINDER, _("reminder")),
    ]
    #: The kinds that carry a link: the worker makes a new token when it sends one.
    WITH_LINK = (INVITATION, NEW_LINK)

    PENDING = "pending"  # to send
    SENDING = "sending"  # handed to the mail server by a worker that has not reported back
    SENT = "sent"  # accepted by the mail server
    FAILED = "failed"  # refused by the mail server: could not be delivered
    UNKNOWN = "unknown"  # the worker died while sending: perhaps delivered, never resent
    STATE_CHOICES = [
        (PENDING, _("to send")),
        (SENDING, _("sending")),
        (SENT, _("sent")),
        (FAILED, _("could not be delivered")),
        (UNKNOWN, _("unknown, not resent")),
    ]

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="messages")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=PENDING)
    # Tries that the mail server refused for the time being (4xx); the message is then sent
    # again, because a refusal means it was not delivered.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The day the mail server accepted it (a reminder quotes the date of the invitation).
    sent_on = models.DateField(null=True, blank=True)
    # The mail server's answer when it refused the message, for the admin; never a token.
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "scan"], name="message_state_scan")]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(kind="invitation"),
                name="message_one_invitation_per_person",
            ),
            models.UniqueConstraint(
                fields=["invitation", "reminder"],
                condition=models.Q(kind="reminder"),
                name="message_one_reminder_per_round",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder__isnull=True) | models.Q(kind="reminder"),
                name="message_reminder_only_for_reminders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to invitation {self.invitation_id}: {self.state}"
