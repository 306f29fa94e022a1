"""Writes: which messages are to be sent. The worker sends them (:mod:`.sending`).

Each service refuses what the scan's state does not allow with a
:class:`~django.core.exceptions.ValidationError` whose message the admin reads; the same
refusal decides whether the scan's page offers the action at all (:func:`reminder_refusal`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from trustmirror.delivery.models import Message, Reminder
from trustmirror.surveys.models import Invitation, Scan

__all__ = [
    "invitation_messages_plan",
    "lost_link_request",
    "new_link_refusal",
    "new_link_send",
    "reminder_refusal",
    "reminder_send",
]

BUSY = (Message.PENDING, Message.SENDING)


def _busy_links(invitation):
    """The link messages of an invitation still on their way."""
    return Message.objects.filter(invitation=invitation, kind__in=Message.WITH_LINK, state__in=BUSY)


def _wake_the_sender() -> None:
    from trustmirror.delivery.tasks import send_messages_soon

    transaction.on_commit(send_messages_soon)


def invitation_messages_plan(*, scan: Scan) -> int:
    """One invitation e-mail to send per invitation of ``scan``; the worker sends them from
    the day the scan opens."""
    ids = list(scan.invitations.values_list("pk", flat=True))
    Message.objects.bulk_create(
        [Message(scan=scan, invitation_id=pk, kind=Message.INVITATION) for pk in ids],
        batch_size=2000,
    )
    _wake_the_sender()
    return len(ids)


def _lock(scan: Scan) -> None:
    Scan.objects.select_for_update().filter(pk=scan.pk).first()
    scan.refresh_from_db()


def reminder_refusal(scan: Scan, *, today: dt.date | None = None) -> str | None:
    """Why a reminder cannot be sent for ``scan`` now, or None when it can."""
    if scan.phase(today) != Scan.OPEN:
        return _("Reminders can be sent only while the scan is open.")
    messages = Message.objects.filter(scan=scan, state__in=BUSY)
    if scan.delivery == Scan.EMAIL and messages.filter(kind=Message.INVITATION).exists():
        return _("The invitations are still being sent. A reminder can follow once they are out.")
    if (
        scan.delivery == Scan.LETTERS
        and Invitation.objects.filter(scan=scan, token_hash__isnull=True).exists()
    ):
        return _("Download the letter file first: a reminder points people to their letter.")
    if messages.filter(kind=Message.REMINDER).exists():
        return _("The previous reminder is still being sent.")
    return None


@transaction.atomic
def reminder_send(*, scan: Scan, today: dt.date | None = None) -> Reminder:
    """A reminder to everyone invited to ``scan``: the system does not know who answered.

    The reminder holds no link (only its hash is stored): it points to the person's
    invitation and to the "lost your link?" page.
    """
    _lock(scan)
    refusal = reminder_refusal(scan, today=today)
    if refusal is not None:
        raise ValidationError(refusal, code="reminder_refused")
    number = (scan.reminders.aggregate(last=Max("number"))["last"] or 0) + 1
    reminder = Reminder.objects.create(scan=scan, number=number, created_at=timezone.now())
    Message.objects.bulk_create(
        [
            Message(scan=scan, invitation_id=pk, kind=Message.REMINDER, reminder=reminder)
            for pk in scan.invitations.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    _wake_the_sender()
    return reminder


def new_link_refusal(invitation: Invitation, *, today: dt.date | None = None) -> str | None:
    if invitation.scan.phase(today) != Scan.OPEN:
        return _("A new link can be sent only while the scan is open.")
    if _busy_links(invitation.pk).exists():
        return _("A link for this person is already on its way.")
    return None


@transaction.atomic
def new_link_send(*, invitation: Invitation, today: dt.date | None = None) -> Message:
    """Send a person a new link, deliberately (an admin, for a message that failed or whose
    fate is unknown). Their earlier link stops working when the new one is sent."""
    _lock(invitation.scan)
    refusal = new_link_refusal(invitation, today=today)
    if refusal is not None:
        raise ValidationError(refusal, code="new_link_refused")
    message = Message.objects.create(
        scan=invitation.scan, invitation=invitation, kind=Message.NEW_LINK
    )
    _wake_the_sender()
    return message


@transaction.atomic
def lost_link_request(*, email: str, today: dt.date | None = None) -> int:
    """Queue a new link for ``email`` in every scan open today that invited it and already
    sent it a link; returns how many (the page never says).

    An invitation whose link has not gone out yet (its invitation e-mail or letter file is
    still to come) gets nothing: there is no link to have lost.
    """
    today = today or timezone.localdate()
    address = email.strip()
    if not address:
        return 0
    invitations = (
        Invitation.objects.filter(
            person__email__iexact=address,
            token_hash__isnull=False,
            scan__status=Scan.OPEN,
            scan__opens_on__lte=today,
            scan__closes_on__gte=today,
        )
        .filter(~Exists(_busy_links(OuterRef("pk"))))
        .values_list("pk", "scan_id")
    )
    messages = [
        Message(scan_id=scan_id, invitation_id=pk, kind=Message.NEW_LINK)
        for pk, scan_id in invitations
    ]
    Message.objects.bulk_create(messages)
    if messages:
        _wake_the_sender()
    return len(messages)
