"""The worker sends each invited person their own link, through a real SMTP server.

What the server receives is read back and checked as the person would see it: one message
each, in their language, plain text and HTML, and a link that opens their survey. Refusals
are reported to the admin, the rate holds, and a message whose fate is unknown is never sent
again by itself.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.delivery.conftest import LINK
from trustmirror.delivery.models import Message
from trustmirror.delivery.sending import (
    MAX_ATTEMPTS,
    Pacer,
    messages_interrupted,
    messages_send,
)
from trustmirror.surveys.answering import LinkInvalid, invitation_for_token
from trustmirror.surveys.models import Invitation
from trustmirror.surveys.tokens import token_hash


def _manage(scan) -> str:
    return reverse("scans:manage", kwargs={"org": scan.organisation.slug, "scan_id": scan.pk})


def _every_stored_text() -> str:
    """Every value in every table, as text: a token must be in none of them."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_every_invited_person_gets_one_message_in_their_language_with_a_working_link(
    client, acme, open_scan, smtp_server, caplog
):
    caplog.set_level(logging.DEBUG)
    report = messages_send()
    assert (report.sent, report.failed, report.unknown) == (14, 0, 0)

    people = {person.email: person for person in acme.org.people.all()}
    assert Counter(item.to for item in smtp_server.received) == Counter(people.keys())  # one each
    tokens = {}
    for item in smtp_server.received:
        person = people[item.to]
        message = item.message
        assert message.get_content_type() == "multipart/alternative"
        assert message["Content-Language"] == person.language
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["From"] == "Trustmirror <trust@acme.test>"
        text, html = item.text, item.html
        if person.language == "nl":
            assert "15 maart 2099" in text and "15 maart 2099" in html
        else:
            assert "15 March 2099" in text and "15 March 2099" in html
            assert message["Subject"].strip() == "Your invitation to the trust scan “Spring pulse”"
        assert f"Hello {person.name}," in text or f"Hallo {person.name}," in text
        (token,) = set(item.tokens)
        assert set(LINK.findall(html)) == {token}  # the same link, in the button and spelled out
        # Nothing remote in the HTML: no images, no tracking, only our own links.
        assert not re.search(r"<img|src=|url\(|@import", html, re.I)
        for href in re.findall(r'href="([^"]+)"', html):
            assert href.startswith("http://testserver/"), href
        tokens[person.name] = token

    # The links work and open the person's own survey.
    for name in ("Ann", "Bob"):
        response = client.get(f"/s/{tokens[name]}", follow=True)
        assert response.status_code == 200
        assert 'id="start-survey"' in response.content.decode()
        assert invitation_for_token(tokens[name]).person.name == name

    # Only the hashes are stored; the links themselves are nowhere on the server.
    stored = set(Invitation.objects.filter(scan=open_scan).values_list("token_hash", flat=True))
    assert stored == {token_hash(token) for token in tokens.values()}
    everything = _every_stored_text()
    # The application's own log (the test's SMTP server, aiosmtpd, logs what it receives).
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail")
    )
    for token in tokens.values():
        assert token not in everything
        assert token not in logged
    sent = Message.objects.filter(scan=open_scan)
    assert set(sent.values_list("state", flat=True)) == {Message.SENT}
    assert set(sent.values_list("sent_on", flat=True)) == {timezone.localdate()}

    # Sending again sends nothing: every message went out once.
    assert messages_send().sent == 0
    assert len(smtp_server.received) == 14


def test_a_refused_recipient_is_reported_with_the_reason_on_the_admins_page(
    client, acme, open_scan, smtp_server
):
    smtp_server.refuse["kim@acme.test"] = (
        "550 5.1.1 <kim@acme.test>: Recipient address rejected: User unknown"
    )
    report = messages_send()
    assert (report.sent, report.failed) == (13, 1)
    assert not smtp_server.to("kim@acme.test")
    kim = Message.objects.get(invitation__person__name="Kim")
    assert kim.state == Message.FAILED
    assert kim.reason == "550 5.1.1 <kim@acme.test>: Recipient address rejected: User unknown"

    client.force_login(acme.carla)
    html = client.get(_manage(open_scan)).content.decode()
    counts = dict(re.findall(r'data-count="([\w-]+)">(\d+)<', html))
    assert counts == {"sent": "13", "to-send": "0", "failed": "1", "unknown": "0"}
    row = re.search(r'<tr data-invitation="(\d+)" data-state="failed">(.*?)</tr>', html, re.S)
    assert row is not None and int(row.group(1)) == kim.invitation_id
    assert "Kim" in row.group(2) and "kim@acme.test" in row.group(2)
    assert "Recipient address rejected: User unknown" in row.group(2)
    assert "Send a new link" in row.group(2)
    # Only the person with a problem is listed: the page is no list of who got what.
    assert html.count("<tr data-invitation=") == 1


def test_a_temporary_refusal_is_tried_again_then_reported(acme, open_scan, smtp_server):
    smtp_server.refuse["lou@acme.test"] = "450 4.2.1 Mailbox busy, try again later"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = messages_send()
        lou = Message.objects.get(invitation__person__name="Lou")
        assert lou.attempts == attempt
        assert lou.reason == "450 4.2.1 Mailbox busy, try again later"
        assert report.retry == 1
        assert lou.state == (Message.PENDING if attempt < MAX_ATTEMPTS else Message.FAILED)
    assert not smtp_server.to("lou@acme.test")
    assert len(smtp_server.received) == 13


def test_rate_limit_holds(acme, open_scan, smtp_server):
    """600 a minute: the worker starts a message at most every tenth of a second.

    Measured at the server, each arrival may be late by up to about one interval (the
    database and the SMTP exchange take their time), never early: so any j - i + 1
    consecutive messages span at least (j - i - 1) tenths of a second.
    """
    report = messages_send(pacer=Pacer(600))
    assert report.sent == 14
    arrivals = sorted(item.at for item in smtp_server.received)
    for i, earlier in enumerate(arrivals):
        for j in range(i + 2, len(arrivals)):
            assert arrivals[j] - earlier >= (j - i - 1) * 0.1 - 0.01, (i, j, arrivals)
    assert arrivals[-1] - arrivals[0] >= 12 * 0.1
    # In any second, at most the rate's share (10), and one more at each edge.
    assert max(sum(1 for t in arrivals if start <= t < start + 1) for start in arrivals) <= 12


def test_the_pacer_spaces_messages_evenly():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(120, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        pacer.wait()
    assert slept == [0.5, 0.5, 0.5]
    now[0] += 10  # a pause: no sleep needed, and no burst to catch up
    pacer.wait()
    pacer.wait()
    assert slept == [0.5, 0.5, 0.5, 0.5]
    Pacer(None).wait()  # no limit: returns at once


def test_a_message_whose_fate_is_unknown_is_never_resent_and_the_admin_can_send_a_new_link(
    client, acme, open_scan, smtp_server
):
    """A worker died while handing Ann's invitation to the server: it may have arrived."""
    ann = Message.objects.get(invitation__person__name="Ann")
    Message.objects.filter(pk=ann.pk).update(state=Message.SENDING)
    assert messages_interrupted() == 1  # what a starting worker does first
    messages_send()
    assert not smtp_server.to("ann@acme.test")
    assert len(smtp_server.received) == 13
    ann.refresh_from_db()
    assert ann.state == Message.UNKNOWN

    client.force_login(acme.carla)
    html = client.get(_manage(open_scan)).content.decode()
    assert 'data-count="unknown">1<' in html
    row = re.search(r'<tr data-invitation="\d+" data-state="unknown">(.*?)</tr>', html, re.S)
    assert "Ann" in row.group(1) and "Unknown, not resent" in row.group(1)

    # Deliberately, a new link; sending again still leaves the unknown one alone.
    response = client.post(
        reverse("scans:new-link", kwargs={"org": "acme", "scan_id": open_scan.pk}),
        {"new-link-invitation": ann.invitation_id},
        follow=True,
    )
    assert "A new link is on its way to Ann." in response.content.decode()
    messages_send()
    (new,) = smtp_server.to("ann@acme.test")
    assert new.message["Subject"].strip() == "Your new link for the trust scan “Spring pulse”"
    (token,) = set(new.tokens)
    assert invitation_for_token(token).person.name == "Ann"
    html = client.get(_manage(open_scan)).content.decode()
    assert 'data-state="unknown"' not in html  # a newer link went out: no longer a problem
    assert 'data-count="unknown">1<' in html  # the invitation itself stays counted as unknown


def test_a_connection_lost_while_sending_makes_that_message_unknown(
    acme, open_scan, smtp_server, monkeypatch
):
    """The server took the message but the answer never came: perhaps delivered."""
    original = smtplib.SMTP.sendmail
    calls = []

    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        calls.append(to_addrs)
        if len(calls) == 3:
            original(self, from_addr, to_addrs, msg, *args, **kwargs)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, from_addr, to_addrs, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", sendmail)
    report = messages_send()
    monkeypatch.undo()
    assert (report.sent, report.unknown) == (2, 1)
    assert "SMTPServerDisconnected" in report.stopped
    assert Message.objects.filter(state=Message.UNKNOWN).count() == 1
    # The next run sends the rest, and not the uncertain one.
    assert messages_send().sent == 11
    assert Counter(item.to for item in smtp_server.received).most_common(1)[0][1] == 1
    assert len(smtp_server.received) == 14


def test_nothing_is_sent_before_the_scan_opens_or_after_it_closes(acme, smtp_server):
    import datetime as dt

    from trustmirror.surveys.services import scan_close, scan_create

    today = timezone.localdate()
    later = scan_create(
        organisation=acme.org,
        name="Later",
        opens_on=today + dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=20),
    )
    assert messages_send().sent == 0
    assert messages_send(today=later.opens_on).sent == 14
    closed = scan_create(
        organisation=acme.org,
        name="Closed",
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=20),
    )
    scan_close(scan=closed)
    assert messages_send().sent == 0
    assert Message.objects.filter(scan=closed, state=Message.PENDING).count() == 14


def test_without_a_mail_server_nothing_is_sent_and_the_page_says_so(
    client, acme, open_scan, settings
):
    settings.EMAIL_BACKEND = "trustmirror.delivery.mailbox.NotConfiguredBackend"
    report = messages_send()
    assert report.sent == 0 and "not set" in report.stopped
    assert Message.objects.filter(state=Message.PENDING).count() == 14
    client.force_login(acme.carla)
    html = client.get(_manage(open_scan)).content.decode()
    assert 'id="email-not-configured"' in html


def test_a_link_that_was_replaced_stops_working(acme, open_scan, smtp_server):
    messages_send()
    (first,) = smtp_server.to("ann@acme.test")
    (old,) = set(first.tokens)
    from trustmirror.delivery.services import new_link_send

    new_link_send(invitation=Invitation.objects.get(scan=open_scan, person__name="Ann"))
    messages_send()
    second = smtp_server.to("ann@acme.test")[-1]
    (new,) = set(second.tokens)
    with pytest.raises(LinkInvalid):
        invitation_for_token(old)
    assert invitation_for_token(new).person.name == "Ann"
