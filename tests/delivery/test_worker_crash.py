"""The real ``trustmirror worker``, killed with SIGKILL in the middle of a mailing.

A worker process with its own SQLite database sends 300 invitations to a local SMTP server
(aiosmtpd, started here). While the server holds one message (it has the message, the worker
waits for the answer), the worker is killed. A new worker then sends the rest. In the end
everyone has received exactly one message: the one whose fate the first worker never learned
is reported as unknown and not sent again, and it did arrive once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.delivery.conftest import free_port

PEOPLE = 300
KILL_AFTER = 100
SETUP = f"""
import datetime as dt
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.utils import timezone
from trustmirror.orgs.importing import ensure_unit
from trustmirror.orgs.models import Organisation, Person
from trustmirror.surveys.services import scan_create
org = Organisation.objects.create(name="Crashco", slug="crashco", default_language="en")
unit, _ = ensure_unit(org, "Warehouse/Team", {{}})
Person.objects.bulk_create([
    Person(organisation=org, name=f"Person {{n}}", email=f"p{{n}}@crash.test",
           language="nl" if n % 2 else "en", unit=unit)
    for n in range({PEOPLE})
])
today = timezone.localdate()
scan_create(organisation=org, name="Crash", opens_on=today, closes_on=today + dt.timedelta(days=7))
"""


class SlowServer:
    """Takes its time over each message, and can hold one while the test kills the worker."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.release.set()
        self.holding = threading.Event()
        self.held: str | None = None

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        if not self.release.is_set() and self.held is None:
            # The server has the message; the worker waits for the answer that never comes.
            self.held = envelope.rcpt_tos[0]
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def _states(database: Path) -> Counter:
    with sqlite3.connect(database, timeout=20) as db:
        return Counter(dict(db.execute("SELECT state, count(*) FROM delivery_message GROUP BY 1")))


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server():
    from aiosmtpd.controller import Controller

    handler = SlowServer(delay=0.02)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    handler.release.set()
    controller.stop()


def test_a_worker_killed_mid_send_never_sends_anyone_a_second_message(tmp_path, server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="trustmirror.settings",
        TRUSTMIRROR_DATA_DIR=str(tmp_path / "data"),
        TRUSTMIRROR_EMAIL_HOST="127.0.0.1",
        TRUSTMIRROR_EMAIL_PORT=str(server.port),
        TRUSTMIRROR_EMAIL_TLS="off",
        TRUSTMIRROR_EMAIL_FROM="Trustmirror <trust@crash.test>",
        TRUSTMIRROR_BASE_URL="https://trust.crash.test",
        TRUSTMIRROR_EMAIL_PER_MINUTE="3000",
    )
    database = tmp_path / "data" / "trustmirror.sqlite3"
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=120)
    assert _states(database) == Counter({"pending": PEOPLE})

    def start(log: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "trustmirror.cli", "worker", "--schedule-every", "1"],
            env=env,
            stdout=open(tmp_path / log, "w"),  # a log per worker, read at the end
            stderr=subprocess.STDOUT,
        )

    first = start("first.log")
    try:
        _wait(lambda: len(server.received) >= KILL_AFTER, 120, f"{KILL_AFTER} messages")
        server.release.clear()
        _wait(server.holding.is_set, 30, "a message in flight")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    server.release.set()
    killed_with = _states(database)
    assert killed_with["sending"] == 1, killed_with  # the one in flight
    assert killed_with["sent"] >= KILL_AFTER - 1

    second = start("second.log")
    try:
        _wait(
            lambda: not ({"pending", "sending"} & set(_states(database))),
            180,
            "the second worker to finish",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()

    received = Counter(server.received)
    everyone = {f"p{n}@crash.test" for n in range(PEOPLE)}
    assert set(received) == everyone  # all were sent, the rest after the restart
    assert max(received.values()) == 1, received.most_common(3)  # and nobody twice
    final = _states(database)
    assert final == Counter({"sent": PEOPLE - 1, "unknown": 1}), final
    with sqlite3.connect(database) as db:
        ((unknown,),) = db.execute(
            "SELECT p.email FROM delivery_message m JOIN surveys_invitation i "
            "ON i.id = m.invitation_id JOIN orgs_person p ON p.id = i.person_id "
            "WHERE m.state = 'unknown'"
        )
    # The uncertain one had in fact arrived: resending it would have sent it twice.
    assert unknown == server.held and received[unknown] == 1
    log = (tmp_path / "second.log").read_text()
    assert "not resent" in log
    assert "/s/" not in (tmp_path / "first.log").read_text() + log
