"""Two e-mail backends of our own: the demo's mailbox, and the one that refuses to send.

:class:`MailboxBackend` writes each message as a file into a Maildir (a standard mailbox
format a mail program can open) in the data directory; the demo's ``/demo/mailbox/`` page
reads it back (:func:`mailbox_messages`). It is only ever configured by ``trustmirror demo``.

:class:`NotConfiguredBackend` is the default without ``TRUSTMIRROR_EMAIL_HOST``: it refuses
to open, so the worker sends nothing and keeps the messages waiting. Django's console backend
would have printed every link to the log instead.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

__all__ = [
    "EmailNotConfigured",
    "MailboxBackend",
    "MailboxEntry",
    "NotConfiguredBackend",
    "mailbox_entry",
    "mailbox_messages",
]


class EmailNotConfigured(ConnectionError):
    """No mail server is configured (``TRUSTMIRROR_EMAIL_HOST``)."""


class NotConfiguredBackend(BaseEmailBackend):
    def open(self):
        raise EmailNotConfigured("TRUSTMIRROR_EMAIL_HOST is not set: no e-mail is sent")

    def send_messages(self, email_messages):
        if email_messages:
            self.open()
        return 0


def _maildir(directory: Path | None, *, create: bool) -> mailbox.Maildir:
    return mailbox.Maildir(directory or settings.TRUSTMIRROR_MAILBOX_DIR, create=create)


class MailboxBackend(BaseEmailBackend):
    """Every message becomes one file in a Maildir (``TRUSTMIRROR_MAILBOX_DIR``)."""

    def __init__(self, *args, directory: Path | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(directory) if directory else None

    def send_messages(self, email_messages):
        box = _maildir(self.directory, create=True)
        for message in email_messages:
            box.add(message.message().as_bytes())
        return len(email_messages)


@dataclass(frozen=True)
class MailboxEntry:
    key: str
    to: str
    subject: str
    date: object  # an aware datetime, or None
    language: str
    text: str
    html: str


def _entry(key: str, raw: bytes) -> MailboxEntry:
    parsed: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    try:
        date = parsedate_to_datetime(parsed["Date"]) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    return MailboxEntry(
        key=key,
        to=str(parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        date=date,
        language=str(parsed["Content-Language"] or ""),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
    )


def mailbox_messages(directory: Path | None = None) -> list[MailboxEntry]:
    """Every message in the mailbox, newest first."""
    path = Path(directory or settings.TRUSTMIRROR_MAILBOX_DIR)
    if not path.is_dir():
        return []
    box = _maildir(path, create=False)
    entries = [_entry(key, box.get_bytes(key)) for key in box.keys()]
    # Maildir keys begin with the time of delivery and are unique: a stable order.
    return sorted(entries, key=lambda entry: entry.key, reverse=True)


def mailbox_entry(key: str, directory: Path | None = None) -> MailboxEntry | None:
    path = Path(directory or settings.TRUSTMIRROR_MAILBOX_DIR)
    if not path.is_dir():
        return None
    box = _maildir(path, create=False)
    try:
        raw = box.get_bytes(key)
    except (KeyError, ValueError, OSError):
        return None
    return _entry(key, raw)
