"""Reminders go to everyone invited, hold no link, and read right whether or not one answered.

Carla (Acme's admin) sends them from the scan's page. The system does not know who answered,
by design, so everyone gets one; it cannot repeat anyone's link (only its hash is stored),
so it points to the invitation e-mail and to the "lost your link?" page.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tests.delivery.conftest import CLOSES
from trustmirror.audit.models import AuditEvent
from trustmirror.delivery.models import Message, Reminder
from trustmirror.delivery.sending import messages_send

ANY_LINK = re.compile(r"/s/[A-Za-z0-9_-]{22}")


def _remind(client, scan, **data):
    return client.post(
        reverse("scans:remind", kwargs={"org": "acme", "scan_id": scan.pk}), data, follow=True
    )


def test_everyone_gets_one_reminder_with_no_link_and_the_lost_link_pointer(
    client, acme, open_scan, smtp_server
):
    messages_send()
    invitations = {item.to: item for item in smtp_server.received}
    client.force_login(acme.carla)
    html = _remind(client, open_scan, **{"remind-confirm": "on"}).content.decode()
    assert "Reminder 1 is on its way to all 14 people invited." in html
    assert AuditEvent.objects.filter(action=AuditEvent.SEND_REMINDER).get().target == (
        f"scan {open_scan.pk}: reminder 1 to 14 people"
    )
    smtp_server.received.clear()
    assert messages_send().sent == 14

    assert Counter(item.to for item in smtp_server.received) == Counter(invitations.keys())
    sent_on = date_format(timezone.localdate(), "j F Y")
    for item in smtp_server.received:
        text, html = item.text, item.html
        assert not ANY_LINK.search(text) and not ANY_LINK.search(html)
        assert "http://testserver/s/lost/" in text and 'href="http://testserver/s/lost/"' in html
        if item.message["Content-Language"] == "en":
            assert item.message["Subject"].strip() == (
                "Reminder: the trust scan “Spring pulse” is open until 15 March 2099"
            )
            # Right for both: those who answered and those who did not.
            assert "If you have already answered: thank you, there is nothing more to do." in text
            assert "If not, there is still time." in text
            invitation_subject = invitations[item.to].message["Subject"].strip()
            assert (
                f"Your personal link is in the e-mail we sent you on {sent_on}, with the subject "
                f"“{invitation_subject}”." in text
            )
            assert "cannot repeat your link" in text
        else:
            assert "15 maart 2099" in text  # Dutch dates: the message is in Bob's language

    # The page shows the round's progress; a second reminder is possible once it is out.
    html = client.get(
        reverse("scans:manage", kwargs={"org": "acme", "scan_id": open_scan.pk})
    ).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Reminder 1 (" in text and "14 sent, 0 to send, 0 could not be delivered" in text
    assert 'id="remind"' in html


def test_a_reminder_waits_until_the_invitations_are_out(client, acme, open_scan, smtp_server):
    client.force_login(acme.carla)
    url = reverse("scans:manage", kwargs={"org": "acme", "scan_id": open_scan.pk})
    html = client.get(url).content.decode()
    assert 'id="remind"' not in html
    assert "The invitations are still being sent." in html
    response = _remind(client, open_scan, **{"remind-confirm": "on"})
    assert "The invitations are still being sent." in response.content.decode()
    assert not Reminder.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.SEND_REMINDER).exists()

    messages_send()
    assert _remind(client, open_scan).status_code == 200  # not confirmed: nothing happens
    assert not Reminder.objects.exists()
    _remind(client, open_scan, **{"remind-confirm": "on"})
    # While one is on its way, no second one.
    html = _remind(client, open_scan, **{"remind-confirm": "on"}).content.decode()
    assert "The previous reminder is still being sent." in html
    assert Reminder.objects.count() == 1
    assert Message.objects.filter(kind=Message.REMINDER).count() == 14


@pytest.mark.parametrize("user", ["alex", "dana", "eli", "olga"])
def test_only_admins_send_reminders(client, acme, open_scan, smtp_server, user):
    messages_send()
    client.force_login(getattr(acme, user))
    response = client.post(
        reverse("scans:remind", kwargs={"org": "acme", "scan_id": open_scan.pk}),
        {"remind-confirm": "on"},
    )
    assert response.status_code == 404
    assert not Reminder.objects.exists()


def test_a_reminder_for_a_letter_scan_points_to_the_letter(client, acme, smtp_server):
    import datetime as dt

    from trustmirror.surveys.services import links_issue, scan_create

    scan = scan_create(
        organisation=acme.org,
        name="On paper",
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=CLOSES,
        delivery="letters",
    )
    client.force_login(acme.carla)
    html = _remind(client, scan, **{"remind-confirm": "on"}).content.decode()
    assert "Download the letter file first" in html
    links_issue(scan=scan)  # the letter file was downloaded
    _remind(client, scan, **{"remind-confirm": "on"})
    assert messages_send().sent == 14
    english = [item for item in smtp_server.received if item.message["Content-Language"] == "en"]
    assert all(
        "Your personal link is in the letter you received for this scan." in item.text
        for item in english
    )
    assert not any(ANY_LINK.search(item.text) for item in smtp_server.received)
