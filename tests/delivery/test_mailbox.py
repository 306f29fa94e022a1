"""The demo's mailbox: off everywhere but in the demo, where a visitor opens an invitation.

In any configuration but ``trustmirror demo`` the pages are a 404 for everyone, and the
settings refuse the mailbox together with production.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings

from trustmirror.delivery.mailbox import MailboxBackend, mailbox_messages
from trustmirror.delivery.sending import messages_send

LINK = re.compile(r'href="(http://testserver/s/[A-Za-z0-9_-]{22})"')


def test_the_mailbox_is_off_by_default(client, acme):
    assert django_settings.TRUSTMIRROR_DEMO_MAILBOX is False
    assert django_settings.EMAIL_BACKEND != "trustmirror.delivery.mailbox.MailboxBackend"
    client.force_login(acme.carla)
    for url in ("/demo/mailbox/", "/demo/mailbox/1.M1P1.host/", "/demo/mailbox/1.M1P1.host/html"):
        assert client.get(url).status_code == 404


@pytest.fixture
def demo_mailbox(settings, tmp_path):
    settings.TRUSTMIRROR_DEMO_MAILBOX = True
    settings.TRUSTMIRROR_MAILBOX_DIR = tmp_path / "mailbox"
    settings.EMAIL_BACKEND = "trustmirror.delivery.mailbox.MailboxBackend"
    settings.TRUSTMIRROR_BASE_URL = "http://testserver"
    return tmp_path / "mailbox"


def test_a_visitor_opens_an_invitation_and_follows_its_link(client, acme, open_scan, demo_mailbox):
    assert messages_send().sent == 14
    entries = mailbox_messages()
    assert len(entries) == 14 and len(list(demo_mailbox.glob("*/*"))) == 14
    html = client.get("/demo/mailbox/").content.decode()
    assert "14 messages, newest first." in html
    ann = next(entry for entry in entries if entry.to == "ann@acme.test")
    assert f'href="/demo/mailbox/{ann.key}/"' in html

    page = client.get(f"/demo/mailbox/{ann.key}/").content.decode()
    assert "Your invitation to the trust scan “Spring pulse”" in page
    (link,) = set(LINK.findall(page))
    survey = client.get(link.removeprefix("http://testserver"), follow=True)
    assert 'id="start-survey"' in survey.content.decode()

    as_html = client.get(f"/demo/mailbox/{ann.key}/html")
    assert as_html["Content-Type"] == "text/html; charset=utf-8"
    assert "style-src 'unsafe-inline'" in as_html["Content-Security-Policy"]
    assert "script-src 'self'" in as_html["Content-Security-Policy"]
    assert "Open your survey" in as_html.content.decode()
    assert client.get("/demo/mailbox/not-a-key/").status_code == 404
    assert client.get("/demo/mailbox/../").status_code == 404


def test_the_backend_writes_one_file_per_message(tmp_path):
    from django.core.mail import EmailMessage

    backend = MailboxBackend(directory=tmp_path / "box")
    sent = backend.send_messages(
        [
            EmailMessage("One", "x", "a@b.test", ["c@d.test"]),
            EmailMessage("Two", "y", "a@b.test", ["e@f.test"]),
        ]
    )
    assert sent == 2
    assert sorted(entry.subject for entry in mailbox_messages(tmp_path / "box")) == ["One", "Two"]
