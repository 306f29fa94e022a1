"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1, started by the test.

The server records every message it accepts (envelope recipients, raw bytes, arrival time),
and can refuse chosen recipients with a chosen SMTP answer, as a real server would.

Personas from tests/conftest.py: Carla is Acme's admin (she sends reminders and new links);
Bob and Gus prefer Dutch, the others English. Olga, Globex's admin, must see nothing of Acme.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from django.utils import timezone

LINK = re.compile(r"https?://[^\s\"<]+/s/([A-Za-z0-9_-]{22})\b")
#: A closing date whose month is named differently in Dutch and English.
CLOSES = dt.date(2099, 3, 15)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    recipients: list[str]
    raw: bytes
    at: float

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def to(self) -> str:
        (recipient,) = self.recipients
        return recipient

    def part(self, kind: str) -> str:
        body = self.message.get_body(preferencelist=(kind,))
        assert body is not None and body.get_content_type() == f"text/{kind}"
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    @property
    def tokens(self) -> list[str]:
        return LINK.findall(self.text)


class Recorder:
    """The aiosmtpd handler: accepts, records, or refuses with a given answer."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                Received(
                    list(envelope.rcpt_tos), bytes(envelope.original_content), time.monotonic()
                )
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [item for item in self.received if address in item.recipients]


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "Trustmirror <trust@acme.test>"
    # The test client's own host: a link from a message opens with the client as it is.
    settings.TRUSTMIRROR_BASE_URL = "http://testserver"
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def open_scan(acme):
    """Acme's open e-mail scan: opened yesterday, closes 15 March 2099; nothing sent yet."""
    from trustmirror.surveys.services import scan_create

    return scan_create(
        organisation=acme.org,
        name="Spring pulse",
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=CLOSES,
        min_group_size=5,
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits and the lost-link cool-down live in the cache; start each test empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
