"""The worker looks up the next due messages a batch at a time, not once per message.

At 50,000 invitations, sorting every due message to find the next one cost tens of
milliseconds per message (bench/run_invitations.py: under 20 messages a second on SQLite).
The order is now kept for a batch (``QUEUE_SIZE``) or a few seconds (``QUEUE_SECONDS``);
what must not change is checked here: new links still go first once the batch is looked up
again, and a message is still sent only while it is due.
"""

from __future__ import annotations

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trustmirror.delivery import sending
from trustmirror.delivery.models import Message
from trustmirror.delivery.sending import messages_send
from trustmirror.surveys.models import Scan


class Backend(EmailBackend):
    """Django's in-memory backend, calling ``on_send(n)`` after the n-th message."""

    def __init__(self, *args, on_send=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_send = on_send
        self.recipients: list[str] = []

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        for message in messages:
            self.recipients.extend(message.to)
            if self.on_send is not None:
                self.on_send(len(self.recipients))
        return sent


def _lookups(queries) -> int:
    """How many queries looked for due messages (the only ones sorted with CASE)."""
    return sum(1 for query in queries if "CASE WHEN" in query["sql"].upper())


@pytest.fixture
def batches(monkeypatch):
    def set_queue(size: int, seconds: float) -> None:
        monkeypatch.setattr(sending, "QUEUE_SIZE", size)
        monkeypatch.setattr(sending, "QUEUE_SECONDS", seconds)

    return set_queue


def test_the_due_messages_are_looked_up_once_a_batch(acme, open_scan, batches):
    batches(5, 3600)
    backend = Backend()
    with CaptureQueriesContext(connection) as queries:
        report = messages_send(connection=backend)
    assert report.sent == 14 == len(set(backend.recipients))
    # 14 messages in batches of 5: three look-ups, and a fourth that finds nothing.
    assert _lookups(queries.captured_queries) == 4


def _new_link_for_first_person(scan: Scan) -> Message:
    sent = Message.objects.filter(scan=scan, state=Message.SENT).order_by("pk").first()
    return Message.objects.create(scan=scan, invitation=sent.invitation, kind=Message.NEW_LINK)


def test_a_new_link_goes_out_as_soon_as_the_queue_is_looked_up_again(acme, open_scan, batches):
    batches(5, 0)  # looked up again before every message
    new_link = []
    backend = Backend(
        on_send=lambda n: new_link.append(_new_link_for_first_person(open_scan)) if n == 2 else 0
    )
    messages_send(connection=backend)
    new_link[0].refresh_from_db()
    assert new_link[0].state == Message.SENT
    # The new link is the third message: straight after the one during which it was asked.
    assert backend.recipients[2] == backend.recipients[0] == new_link[0].invitation.person.email
    assert len(backend.recipients) == 15


def test_a_new_link_waits_at_most_for_the_rest_of_the_batch(acme, open_scan, batches):
    batches(5, 3600)
    new_link = []
    backend = Backend(
        on_send=lambda n: new_link.append(_new_link_for_first_person(open_scan)) if n == 2 else 0
    )
    messages_send(connection=backend)
    # Messages 1-5 were the first batch; the second batch begins with the new link.
    assert backend.recipients[5] == backend.recipients[0] == new_link[0].invitation.person.email


def test_a_queued_message_is_not_sent_once_its_scan_has_closed(acme, open_scan, batches):
    batches(100, 3600)  # all 14 are queued at the start

    def close(n: int) -> None:
        if n == 3:
            Scan.objects.filter(pk=open_scan.pk).update(status=Scan.CLOSED)

    backend = Backend(on_send=close)
    report = messages_send(connection=backend)
    assert report.sent == 3 == len(backend.recipients)
    assert Message.objects.filter(scan=open_scan, state=Message.PENDING).count() == 11
