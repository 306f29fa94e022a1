"""Owners are reminded of their agreements' check-in days and due dates: by e-mail, through the
survey mail's sending (a real SMTP server here), and on the dashboard when they sign in.

Personas (tests/conftest.py): Team North is Ann, Bob (prefers Dutch), Cas, Dana (its lead,
who signs in), Evi and Fay. Eli is a member of Team South and owns nothing in North.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from trustmirror.agreements.links import follow_link_person
from trustmirror.agreements.models import Agreement, FollowLink, Notice
from trustmirror.agreements.notices import (
    CATCH_UP_DAYS,
    notices_interrupted,
    notices_plan,
    notices_send,
    waiting_for,
)
from trustmirror.agreements.services import (
    Viewer,
    agreement_check_in,
    agreement_create,
    agreement_withdraw,
)
from trustmirror.delivery.mailbox import MailboxBackend, mailbox_messages
from trustmirror.delivery.sending import MAX_ATTEMPTS
from trustmirror.logfilters import redact
from trustmirror.surveys.tokens import token_hash

FOLLOW = re.compile(r"https?://[^\s\"<]+/a/([A-Za-z0-9_-]{22})\b")
NL_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def _nl(day: dt.date) -> str:
    return f"{day.day} {NL_MONTHS[day.month - 1]} {day.year}"


def _en(day: dt.date) -> str:
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


@pytest.fixture
def team(issue_survey):
    """Team North's agreements, made today by Dana (its lead):

    - ``talk``: owners Ann and Bob; check in on day 5, due on day 10;
    - ``kept``: owner Cas; due on day 3, checked in as kept on day 2;
    - ``gone``: owner Evi; check in on day 5, withdrawn;
    - ``mute``: owner Fay, whose e-mail address is empty; check in on day 5.
    """
    survey = issue_survey(name="Trust scan")
    acme = survey.acme
    dana = Viewer.for_user(acme.dana, acme.org)
    people = acme.people
    start = timezone.localdate()

    def day(n: int) -> dt.date:
        return start + dt.timedelta(days=n)

    def make(what, owners, *, due, check_in=None):
        return agreement_create(
            viewer=dana,
            scan=survey.scan,
            unit=acme.north,
            what=what,
            themes=["reliability"],
            owners=[people[name] for name in owners],
            due_on=day(due),
            check_in_on=day(check_in) if check_in is not None else None,
            today=start,
        )

    class Team:
        pass

    t = Team()
    t.acme, t.people, t.dana, t.day, t.make = acme, people, dana, day, make
    t.talk = make("We say it when a deadline slips", ("Ann", "Bob"), due=10, check_in=5)
    t.kept = make("Friday demo for the whole team", ("Cas",), due=3)
    agreement_check_in(viewer=dana, agreement=t.kept, status="kept", today=day(2))
    t.gone = make("A weekly stand-up", ("Evi",), due=10, check_in=5)
    agreement_withdraw(viewer=dana, agreement=t.gone)
    people["Fay"].email = ""
    people["Fay"].save()
    t.mute = make("Fay writes the minutes", ("Fay",), due=10, check_in=5)
    return t


def _planned() -> Counter:
    return Counter(
        (n.agreement_id, n.person.name, n.kind, n.on)
        for n in Notice.objects.select_related("person")
    )


def _every_stored_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_notices_are_planned_once_for_the_owners_of_open_agreements_on_their_days(team):
    day, talk = team.day, team.talk
    assert notices_plan(day(4)) == 0  # no day has come (the kept one was kept in time)

    assert notices_plan(day(5)) == 2
    assert _planned() == Counter(
        {(talk.pk, "Ann", Notice.CHECK_IN, day(5)): 1, (talk.pk, "Bob", Notice.CHECK_IN, day(5)): 1}
    )
    # Again that day, or the next: nothing new (Evi's is withdrawn, Fay has no address).
    assert notices_plan(day(5)) == 0
    assert notices_plan(day(6)) == 0

    # Ann checks in (partly) and the team agrees the next moment: day 8 is reminded of.
    ann = Viewer.for_person(team.people["Ann"])
    agreement_check_in(
        viewer=ann, agreement=talk, status="partly", next_check_in_on=day(8), today=day(6)
    )
    assert notices_plan(day(7)) == 0
    assert notices_plan(day(8)) == 2
    assert notices_plan(day(10)) == 2  # the due date
    assert {(kind, on) for _a, _p, kind, on in _planned()} == {
        (Notice.CHECK_IN, day(5)),
        (Notice.CHECK_IN, day(8)),
        (Notice.DUE, day(10)),
    }
    assert set(Notice.objects.values_list("person__name", flat=True)) == {"Ann", "Bob"}
    assert notices_plan(day(11)) == 0

    # Checked in on the due date: the due date waits for nothing any more.
    late = team.make("Tell each other what we are working on", ("Cas",), due=12)
    agreement_check_in(viewer=team.dana, agreement=late, status="not_kept", today=day(12))
    assert notices_plan(day(12)) == 0

    # A day that came while no worker ran is reminded of for a while, then no more.
    old = team.make("Share the planning", ("Dana",), due=20)
    assert notices_plan(day(20 + CATCH_UP_DAYS + 1)) == 0
    assert not Notice.objects.filter(agreement=old).exists()
    assert notices_plan(day(20 + CATCH_UP_DAYS)) == 1


def test_each_owner_gets_one_email_in_their_language_with_a_personal_follow_link(
    client, team, smtp_server, caplog
):
    caplog.set_level(logging.DEBUG)
    day = team.day
    notices_plan(day(5))
    report = notices_send(today=day(5))
    assert (report.sent, report.failed, report.unknown) == (2, 0, 0)
    assert Counter(item.to for item in smtp_server.received) == Counter(
        {"ann@acme.test": 1, "bob@acme.test": 1}
    )
    tokens = {}
    for item in smtp_server.received:
        person = team.people[item.to.split("@")[0].title()]
        message, text, html = item.message, item.text, item.html
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["Content-Language"] == person.language
        assert message["From"] == "Trustmirror <trust@acme.test>"
        what = "We say it when a deadline slips"
        assert what in text and what in html
        assert "Team North" in text
        # The due date and the check-in day, in the owner's language.
        spell = _nl if person.language == "nl" else _en
        for date in (day(5), day(10)):
            assert spell(date) in text and spell(date) in html
        if person.language == "en":
            assert message["Subject"].strip() == f"Time to check in: “{what}”"
            assert "kept, partly kept or not kept" in text
        else:
            assert _en(day(10)) not in text
        (token,) = set(FOLLOW.findall(text))
        assert set(FOLLOW.findall(html)) == {token}
        team_url = reverse("agreements:team", kwargs={"org": "acme", "unit_id": team.acme.north.pk})
        assert f"http://testserver{team_url}" in text  # where those who sign in find it
        assert not re.search(r"<img|src=|url\(|@import", html, re.I)
        for href in re.findall(r'href="([^"]+)"', html):
            assert href.startswith("http://testserver/"), href
        tokens[person.name] = token

    # Each link is its owner's.
    assert follow_link_person(tokens["Ann"]) == team.people["Ann"]
    assert follow_link_person(tokens["Bob"]) == team.people["Bob"]

    # Only the hashes are stored; no link is in the database or the application's log.
    stored = set(FollowLink.objects.values_list("token_hash", flat=True))
    assert stored == {token_hash(token) for token in tokens.values()}
    everything = _every_stored_text()
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail")
    )
    for token in tokens.values():
        assert token not in everything
        assert token not in logged
    assert set(Notice.objects.values_list("state", "sent_on")) == {(Notice.SENT, day(5))}

    # Planning and sending again sends nothing twice.
    assert notices_plan(day(5)) == 0
    assert notices_send(today=day(5)).sent == 0
    assert len(smtp_server.received) == 2

    # The due date comes: one more each, saying so.
    notices_plan(day(10))
    assert notices_send(today=day(10)).sent == 2
    due = smtp_server.to("ann@acme.test")[-1]
    assert due.message["Subject"].strip() == (
        f"Due on {_en(day(10))}: “We say it when a deadline slips”"
    )
    assert "The due date of this agreement of Team North" in due.text


def test_a_notice_left_sending_by_a_dead_worker_is_unknown_and_never_resent(
    team, smtp_server, monkeypatch
):
    from django.core.management import call_command

    from trustmirror.results.management.commands import run_worker
    from trustmirror.results.tasks import Scheduler

    notices_plan(team.day(5))
    ann = Notice.objects.get(person__name="Ann")
    Notice.objects.filter(pk=ann.pk).update(state=Notice.SENDING)  # the worker died here

    # The worker starts: it reports the notice as unknown before it sends anything.
    monkeypatch.setattr(run_worker, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(Scheduler, "start", lambda self: None)
    call_command("run_worker")
    ann.refresh_from_db()
    assert ann.state == Notice.UNKNOWN

    assert notices_send(today=team.day(5)).sent == 1
    assert [item.to for item in smtp_server.received] == ["bob@acme.test"]
    assert notices_interrupted() == 0
    assert notices_send(today=team.day(6)).sent == 0
    assert Notice.objects.get(pk=ann.pk).state == Notice.UNKNOWN


def test_a_refused_recipient_fails_after_the_tries(team, smtp_server):
    smtp_server.refuse["ann@acme.test"] = "450 4.2.1 Mailbox busy, try again later"
    notices_plan(team.day(5))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = notices_send(today=team.day(5))
        ann = Notice.objects.get(person__name="Ann")
        assert (report.retry, ann.attempts) == (1, attempt)
        assert ann.state == (Notice.PENDING if attempt < MAX_ATTEMPTS else Notice.FAILED)
    assert ann.reason == "450 4.2.1 Mailbox busy, try again later"
    assert not smtp_server.to("ann@acme.test")
    assert len(smtp_server.to("bob@acme.test")) == 1


def test_an_agreement_withdrawn_or_kept_after_planning_is_not_reminded_of(team, smtp_server):
    other = team.make("Lunch together on Thursdays", ("Cas",), due=10, check_in=5)
    notices_plan(team.day(5))
    assert Notice.objects.count() == 3
    agreement_withdraw(viewer=team.dana, agreement=team.talk)
    agreement_check_in(viewer=team.dana, agreement=other, status="kept", today=team.day(5))

    report = notices_send(today=team.day(5))
    assert report.sent == 0
    assert smtp_server.received == []
    assert set(Notice.objects.values_list("state", flat=True)) == {Notice.CANCELLED}
    assert not FollowLink.objects.exists()  # no link was made for a message never sent


def test_the_demo_mailbox_shows_the_notices(team, tmp_path):
    box = tmp_path / "mailbox"
    notices_plan(team.day(10))
    report = notices_send(connection=MailboxBackend(directory=box), today=team.day(10))
    assert report.sent == 2
    entries = mailbox_messages(box)
    assert sorted(entry.to for entry in entries) == ["ann@acme.test", "bob@acme.test"]
    (ann,) = [entry for entry in entries if entry.to == "ann@acme.test"]
    assert ann.subject.strip().startswith(f"Due on {_en(team.day(10))}")
    assert FOLLOW.search(ann.text) and FOLLOW.search(ann.html)


def test_the_worker_task_plans_and_sends_once(team, smtp_server, frozen_today):
    from django_tasks_db.models import DBTaskResult

    from trustmirror.agreements.tasks import enqueue_due_notices, send_notices

    frozen_today(team.day(5))
    assert enqueue_due_notices() is True
    assert enqueue_due_notices() is False  # one task waits already
    assert DBTaskResult.objects.filter(task_path=send_notices.module_path).count() == 1
    assert send_notices.call()["sent"] == 2
    assert len(smtp_server.received) == 2


def test_a_follow_link_in_a_refusal_never_reaches_the_log_or_the_admin():
    token = "3gtUSnPCioaBl1zP5cle9w"
    for line in (
        f"550 Message refused: https://trust.example.org/a/{token}",
        f"GET /a/{token} HTTP/1.1",
        f"GET %2Fa%2F{token} HTTP/1.1",
        f"GET /accounts/login/?next=/a/{token}",
    ):
        assert token not in redact(line) and "/a/[token]" in redact(line)
    assert redact("GET /a/ HTTP/1.1") == "GET /a/ HTTP/1.1"


def test_the_dashboard_tells_an_owner_how_many_agreements_wait_for_their_check_in(
    client, team, frozen_today
):
    acme = team.acme
    # Dana, who signs in, owns two agreements whose days have come, and one not yet.
    team.make("Dana shares the planning on Mondays", ("Dana",), due=3)
    team.make("Dana asks for feedback", ("Dana", "Ann"), due=9, check_in=4)
    team.make("Dana books the retrospective", ("Dana",), due=9)
    frozen_today(team.day(5))
    assert len(waiting_for(acme.people["Dana"])) == 2
    url = reverse("orgs:dashboard", kwargs={"org": "acme"})
    team_url = reverse("agreements:team", kwargs={"org": "acme", "unit_id": acme.north.pk})

    client.force_login(acme.dana)
    html = client.get(url).content.decode()
    block = re.search(r'<p class="card waiting" id="waiting-check-ins">(.*?)</p>', html, re.S)
    assert block is not None
    assert "2 agreements wait for your check-in" in block.group(1)
    assert f'href="{team_url}"' in block.group(1)

    # Eli owns nothing; Carla (admin) is nobody's owner: no such line for them.
    for user in (acme.eli, acme.carla):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "waiting-check-ins" not in response.content.decode()

    # Once Dana checks both in, nothing waits.
    for agreement in waiting_for(acme.people["Dana"]):
        agreement_check_in(viewer=team.dana, agreement=agreement, status="partly")
    client.force_login(acme.dana)
    assert "waiting-check-ins" not in client.get(url).content.decode()
    assert Agreement.objects.filter(owners=acme.people["Dana"]).count() == 3
