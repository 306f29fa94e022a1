"""/s/lost/: a person who lost their link asks for a new one by e-mail.

The page answers exactly the same whatever address is entered, so it tells nobody who is
invited; it is rate-limited per network address, and one address gets at most one new link
per half hour, whoever asks.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from trustmirror.delivery.models import Message
from trustmirror.delivery.sending import messages_send
from trustmirror.instrument import load_instrument
from trustmirror.surveys.answering import (
    LinkInvalid,
    invitation_for_token,
    page_save,
    response_draft,
)

URL = "/s/lost/"


def _ask(client, email, **extra):
    return client.post(URL, {"email": email}, **extra)


def test_the_page_is_there_for_everyone_and_warns_about_the_old_link(client, db):
    assert reverse("delivery:lost-link") == URL
    html = client.get(URL).content.decode()
    assert "Lost your link?" in html
    assert "the old link stops working" in html
    assert 'type="email"' in html and 'autocomplete="email"' in html


def test_the_answer_is_the_same_for_an_invited_address_and_any_other(
    client, acme, open_scan, smtp_server
):
    messages_send()
    invited = _ask(client, "Ann@Acme.test")
    stranger = _ask(client, "nobody@elsewhere.test")
    other_org = _ask(client, "olga@globex.test")
    assert invited.status_code == stranger.status_code == other_org.status_code == 200
    assert invited.content == stranger.content == other_org.content
    assert "Check your e-mail" in invited.content.decode()
    assert Message.objects.filter(kind=Message.NEW_LINK).count() == 1


def test_a_new_link_replaces_the_old_one_and_its_draft(client, acme, open_scan, smtp_server):
    messages_send()
    (invitation,) = smtp_server.to("ann@acme.test")
    (old,) = set(invitation.tokens)
    first_page = load_instrument().pages[0]
    page_save(
        invitation=invitation_for_token(old),
        token=old,
        page_number=1,
        answers={item: 4 for item in first_page.item_ids},
        language="en",
    )
    _ask(client, "ann@acme.test")
    assert messages_send().sent == 1
    new_message = smtp_server.to("ann@acme.test")[-1]
    assert new_message.message["Subject"].strip() == (
        "Your new link for the trust scan “Spring pulse”"
    )
    assert "Your earlier link no longer works" in new_message.text
    (new,) = set(new_message.tokens)
    try:
        invitation_for_token(old)
    except LinkInvalid:
        pass
    else:
        raise AssertionError("the old link still works")
    new_invitation = invitation_for_token(new)
    assert new_invitation.person.name == "Ann"
    assert response_draft(invitation=new_invitation, token=new) is None  # the draft is lost
    assert client.get(f"/s/{new}", follow=True).status_code == 200


def test_one_new_link_per_address_per_half_hour_whoever_asks(client, acme, open_scan, smtp_server):
    messages_send()
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        _ask(client, "bob@acme.test", REMOTE_ADDR=address)
    assert messages_send().sent == 1
    assert len(smtp_server.to("bob@acme.test")) == 2  # the invitation and one new link


def test_requests_are_rate_limited_per_address(client, acme, open_scan, settings):
    settings.TRUSTMIRROR_LOST_LINK_LIMIT = (3, 600)
    answers = [_ask(client, f"x{n}@elsewhere.test").status_code for n in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert _ask(client, "y@elsewhere.test", REMOTE_ADDR="127.0.0.9").status_code == 200


def test_only_open_scans_and_links_already_sent(client, acme, open_scan, smtp_server):
    from trustmirror.surveys.services import scan_close, scan_create

    # Before the invitation went out there is no link to have lost.
    _ask(client, "cas@acme.test")
    assert not Message.objects.filter(kind=Message.NEW_LINK).exists()
    messages_send()
    today = timezone.localdate()
    closed = scan_create(
        organisation=acme.org,
        name="Last year",
        opens_on=today - dt.timedelta(days=30),
        closes_on=today - dt.timedelta(days=2),
    )
    messages_send(today=closed.opens_on)
    scan_close(scan=closed)
    smtp_server.received.clear()
    _ask(client, "dana@acme.test")
    assert messages_send().sent == 1
    (only,) = smtp_server.received
    assert "Spring pulse" in only.text and "Last year" not in only.text


def test_bad_input_is_a_form_error_not_a_server_error(client, db):
    for data in ({}, {"email": "not an address"}, {"email": "x" * 400 + "@example.org"}):
        response = client.post(URL, data)
        assert response.status_code == 200
        assert 'id="lost-link"' in response.content.decode()
    assert client.put(URL).status_code == 405
