"""Reads for the scan's page: how far the messages got, and who needs the admin's attention.

The page lists people only where something went wrong with a message (refused by the mail
server, or its fate unknown after a worker stopped). It never lists who was sent what when,
and nothing here knows who answered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef

from trustmirror.delivery.models import Message, Reminder
from trustmirror.delivery.services import reminder_refusal
from trustmirror.surveys.models import Invitation, Scan

__all__ = [
    "PROBLEMS_SHOWN",
    "Problem",
    "Progress",
    "ScanDelivery",
    "email_configured",
    "scan_delivery",
]

#: The page lists at most this many people per kind of problem (and says how many more).
PROBLEMS_SHOWN = 200
NOT_CONFIGURED = "trustmirror.delivery.mailbox.NotConfiguredBackend"


def email_configured() -> bool:
    return settings.EMAIL_BACKEND != NOT_CONFIGURED


@dataclass(frozen=True)
class Progress:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed + self.unknown

    @property
    def to_send(self) -> int:
        return self.pending + self.sending

    @property
    def done(self) -> bool:
        return self.to_send == 0

    @property
    def settled(self) -> int:
        """Messages whose sending is behind us: sent, refused or unknown."""
        return self.total - self.to_send


@dataclass(frozen=True)
class Problem:
    invitation_id: int
    name: str
    email: str
    unit: str
    kind: str
    state: str
    reason: str


@dataclass(frozen=True)
class ScanDelivery:
    delivery: str
    invited: int
    with_link: int
    invitations: Progress
    new_links: Progress
    reminders: list[tuple[Reminder, Progress]]
    link_problems: list[Problem]
    link_problems_total: int
    reminder_problems: list[Problem]
    reminder_problems_total: int
    email_configured: bool
    reminder_refusal: str | None
    # A temporary refusal the mail server gave to a message that waits for another try.
    waiting_reason: str = ""

    @property
    def letters_left(self) -> int:
        return self.invited - self.with_link


def _progress(counts: dict[str, int]) -> Progress:
    return Progress(**{state: counts.get(state, 0) for state, _label in Message.STATE_CHOICES})


def _problems(messages) -> tuple[list[Problem], int]:
    total = messages.count()
    rows = messages.select_related("invitation__person__unit").order_by(
        "invitation__person__unit__path", "invitation__person__name", "pk"
    )[:PROBLEMS_SHOWN]
    return [
        Problem(
            invitation_id=message.invitation_id,
            name=message.invitation.person.name,
            email=message.invitation.person.email,
            unit=message.invitation.person.unit.path,
            kind=message.kind,
            state=message.state,
            reason=message.reason,
        )
        for message in rows
    ], total


def scan_delivery(scan: Scan) -> ScanDelivery:
    counts: dict[tuple[str, int | None], dict[str, int]] = defaultdict(dict)
    for row in (
        Message.objects.filter(scan=scan)
        .values("kind", "reminder_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row["kind"], row["reminder_id"])
        counts[key][row["state"]] = counts[key].get(row["state"], 0) + row["n"]
    reminders = [
        (reminder, _progress(counts.get((Message.REMINDER, reminder.pk), {})))
        for reminder in scan.reminders.order_by("number")
    ]
    # A link problem matters until a later message with a link went out to the same person.
    later_link = Message.objects.filter(
        invitation=OuterRef("invitation"), kind__in=Message.WITH_LINK, pk__gt=OuterRef("pk")
    )
    link_problems, link_total = _problems(
        Message.objects.filter(
            scan=scan,
            kind__in=Message.WITH_LINK,
            state__in=(Message.FAILED, Message.UNKNOWN),
        ).filter(~Exists(later_link))
    )
    reminder_problems, reminder_total = _problems(
        Message.objects.filter(
            scan=scan, kind=Message.REMINDER, state__in=(Message.FAILED, Message.UNKNOWN)
        )
    )
    waiting = (
        Message.objects.filter(scan=scan, state=Message.PENDING)
        .exclude(reason="")
        .order_by("-pk")
        .values_list("reason", flat=True)
        .first()
    )
    invitations = Invitation.objects.filter(scan=scan)
    return ScanDelivery(
        delivery=scan.delivery,
        invited=invitations.count(),
        with_link=invitations.filter(token_hash__isnull=False).count(),
        invitations=_progress(counts.get((Message.INVITATION, None), {})),
        new_links=_progress(counts.get((Message.NEW_LINK, None), {})),
        reminders=reminders,
        link_problems=link_problems,
        link_problems_total=link_total,
        reminder_problems=reminder_problems,
        reminder_problems_total=reminder_total,
        email_configured=email_configured(),
        reminder_refusal=reminder_refusal(scan),
        waiting_reason=waiting or "",
    )
