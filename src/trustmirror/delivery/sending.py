"""The worker's side: send the messages that are due, one at a time, paced, at most once each.

For each message, in this order:

1. **claim** it in one transaction: ``pending`` becomes ``sending``; for a message with a link
   a new token is made, its hash stored on the invitation, and the e-mail written; commit;
2. **hand it over** to the mail server;
3. **record** what the server said: ``sent``, ``failed`` (refused for good, with its answer),
   or back to ``pending`` (refused for now: nothing was delivered, so it is tried again later).

A worker that dies between 1 and 3 leaves the message ``sending``. When a worker starts, it
turns every such message into ``unknown`` (:func:`messages_interrupted`): the person may have
it, so it is never sent again, and the admin decides. The same goes for a connection that
breaks while a message is on its way. The token exists only in this process's memory between
1 and 2, and in the message: it is never logged, never stored, never returned.

Only one worker is meant to run (README); two would not send anyone a message twice (a claim
is a conditional update), but each would keep its own pace.

The loop, the hand-over and the recording are shared (:func:`send_each`,
:func:`outcome_record`): the agreements' notices (:mod:`trustmirror.agreements.notices`) go
out the same way, through the same worker and at the same pace.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from trustmirror.delivery.compose import compose_message
from trustmirror.delivery.models import Message
from trustmirror.logfilters import redact
from trustmirror.surveys.models import Scan
from trustmirror.surveys.services import invitation_reissue

__all__ = [
    "MAX_ATTEMPTS",
    "ComposeFailed",
    "Outcome",
    "Pacer",
    "SendReport",
    "describe_error",
    "due_messages",
    "messages_interrupted",
    "messages_send",
    "outcome_record",
    "send_each",
    "worker_pacer",
]

logger = logging.getLogger(__name__)

#: A message the mail server refuses for the time being (4xx) is tried this many times.
MAX_ATTEMPTS = 3


class Pacer:
    """Lets at most ``per_minute`` messages through a minute, evenly spaced."""

    def __init__(
        self,
        per_minute: int | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.clock, self.sleep = clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.per_minute:
            return
        now = self.clock()
        if self.next_at > now:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + 60.0 / self.per_minute


_worker_pacer: Pacer | None = None


def worker_pacer() -> Pacer:
    """The process's pacer: the rate holds across the worker's successive send tasks."""
    global _worker_pacer
    rate = settings.TRUSTMIRROR_EMAIL_PER_MINUTE
    if _worker_pacer is None or _worker_pacer.per_minute != rate:
        _worker_pacer = Pacer(rate)
    return _worker_pacer


def due_messages(today):
    """Messages to send now: pending, of a scan that is open today."""
    return Message.objects.filter(
        state=Message.PENDING,
        scan__status=Scan.OPEN,
        scan__opens_on__lte=today,
        scan__closes_on__gte=today,
    )


def messages_interrupted() -> int:
    """Report every message a stopped worker left ``sending`` as ``unknown``; never resend it.

    Called when a worker starts, before it sends anything.
    """
    return Message.objects.filter(state=Message.SENDING).update(state=Message.UNKNOWN)


@dataclass
class SendReport:
    """What one run of :func:`messages_send` did: counts only, never an address or a token."""

    sent: int = 0
    failed: int = 0
    unknown: int = 0
    retry: int = 0
    # Why the run ended before the messages due or the time ran out ("" when it did not).
    stopped: str = ""
    out_of_time: bool = False

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "unknown": self.unknown,
            "retry": self.retry,
            "stopped": self.stopped,
        }


@dataclass(frozen=True)
class Outcome:
    state: str  # SENT, FAILED, UNKNOWN or PENDING (try again later)
    reason: str = ""
    # The connection cannot be trusted any more, or every message would meet the same fate.
    stop: bool = False
    # A refusal that is not about this recipient (our sender address): not counted as a try.
    counts: bool = True


#: Due messages are looked up this many at a time, in the order they go out ...
QUEUE_SIZE = 100
#: ... and looked up afresh after this many seconds, so that a new link someone asks for in
#: the middle of a large mailing waits no longer than this for its turn.
QUEUE_SECONDS = 2.0


@dataclass
class _Run:
    today: object
    scan: Scan | None = None
    skip: set[int] = field(default_factory=set)
    # The ids of the next due messages, the next one last; found at ``queued_at``.
    queue: list[int] = field(default_factory=list)
    queued_at: float = 0.0

    def due(self):
        due = due_messages(self.today)
        return due if self.scan is None else due.filter(scan=self.scan)

    def next_due(self) -> int | None:
        """The id of the next message to try, or None when none is due.

        Finding the next one sorts every due message (new links first): at 50,000 that took
        tens of milliseconds, once per message. The order is kept for :data:`QUEUE_SIZE`
        messages or :data:`QUEUE_SECONDS`, whichever ends first; the claim checks again that
        each is still due.
        """
        now = time.monotonic()
        if not self.queue or now - self.queued_at >= QUEUE_SECONDS:
            # New links first (someone is waiting for one), then in the order they were queued.
            order = Case(
                When(kind=Message.NEW_LINK, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            self.queue = list(
                self.due()
                .exclude(pk__in=self.skip)
                .order_by(order, "pk")
                .values_list("pk", flat=True)[:QUEUE_SIZE]
            )
            self.queue.reverse()
            self.queued_at = now
        return self.queue.pop() if self.queue else None


def _reason(code: int | None, text: bytes | str | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    words = " ".join(f"{code or ''} {text or ''}".split())
    # A server that quotes the message back must not put a link into the admin's page.
    return redact(words)[:300]


def describe_error(error: BaseException) -> str:
    """An error as the admin may read it: its type and text, any link cut out."""
    return redact(f"{type(error).__name__}: {error}")[:300]


def _refused(code: int, text, *, about_recipient: bool = True) -> Outcome:
    if code >= 500 and about_recipient:
        return Outcome(Message.FAILED, _reason(code, text))
    return Outcome(
        Message.PENDING, _reason(code, text), stop=not about_recipient, counts=about_recipient
    )


def _hand_over(connection, email) -> Outcome:
    try:
        sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return _refused(code, text)
    except smtplib.SMTPSenderRefused as error:
        # Our own address was refused: not this person's fault, and every other message
        # would meet the same; wait and try again later.
        return _refused(error.smtp_code, error.smtp_error, about_recipient=False)
    except smtplib.SMTPDataError as error:
        return _refused(error.smtp_code, error.smtp_error)
    except Exception as error:
        # Disconnected, timed out, anything else: the message may have arrived.
        return Outcome(Message.UNKNOWN, describe_error(error), stop=True)
    if sent != 1:
        return Outcome(Message.UNKNOWN, "", stop=True)
    return Outcome(Message.SENT)


def outcome_record(item, outcome: Outcome, today) -> None:
    """Record what the mail server said about ``item``: a :class:`Message`, or any model with
    the same ``state``, ``attempts``, ``sent_on`` and ``reason`` (an agreement's notice)."""
    rows = type(item).objects.filter(pk=item.pk, state__in=(Message.SENDING, Message.UNKNOWN))
    if outcome.state == Message.SENT:
        rows.update(state=Message.SENT, sent_on=today, reason="")
    elif outcome.state == Message.PENDING:
        attempts = item.attempts + (1 if outcome.counts else 0)
        final = attempts >= MAX_ATTEMPTS
        rows.update(
            state=Message.FAILED if final else Message.PENDING,
            attempts=attempts,
            reason=outcome.reason,
        )
    else:
        rows.update(state=outcome.state, reason=outcome.reason)


class ComposeFailed(Exception):
    """The e-mail of a claimed item could not be written: the claim is rolled back."""


def _claim(run: _Run):
    """Claim the next due message and write its e-mail; None when nothing is due."""
    while True:
        pk = run.next_due()
        if pk is None:
            return None
        try:
            with transaction.atomic():
                # Still due (pending, its scan open today), and not taken by another worker.
                claimed = run.due().filter(pk=pk).update(state=Message.SENDING)
                if not claimed:
                    continue
                candidate = Message.objects.select_related(
                    "invitation__person", "invitation__scan__organisation"
                ).get(pk=pk)
                token = None
                if candidate.kind in Message.WITH_LINK:
                    token = invitation_reissue(invitation=candidate.invitation).token
                try:
                    email = compose_message(candidate, token=token)
                    email.message()  # render it now: a broken message is never "sending"
                except Exception as error:
                    raise ComposeFailed(describe_error(error)) from error
        except ComposeFailed as failure:
            logger.error("message %s could not be written: %s", pk, failure)
            Message.objects.filter(pk=pk, state=Message.PENDING).update(
                state=Message.FAILED, reason=str(failure)[:300]
            )
            continue
        return candidate, email


def _connection_alive(connection) -> bool:
    """An SMTP connection that still answers (a server drops idle ones): checked before a
    message is claimed, so that a dead connection is not mistaken for a lost message."""
    if not isinstance(connection, SMTPBackend) or connection.connection is None:
        return True
    try:
        return connection.connection.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def send_each(
    claim: Callable[[], tuple[object, EmailMessage] | None],
    record: Callable[[object, Outcome], None],
    *,
    connection=None,
    pacer: Pacer | None = None,
    seconds: float | None = None,
) -> SendReport:
    """Hand over one claimed e-mail after another until nothing is left or time is up.

    The loop every kind of mail shares (survey messages, agreements' notices): ``claim()``
    claims the next item and commits it as ``sending`` with its e-mail written, or returns
    None; ``record(item, outcome)`` records what the mail server said. The e-mail, and any
    link in it, is dropped as soon as it is handed over.
    """
    report = SendReport()
    deadline = None if seconds is None else time.monotonic() + seconds
    connection = connection or get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:
        report.stopped = describe_error(error)
        logger.warning("could not connect to the mail server: %s", report.stopped)
        return report
    try:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                report.out_of_time = True
                break
            if pacer is not None:
                pacer.wait()
            if not _connection_alive(connection):
                connection.close()
                try:
                    connection.open()
                except Exception as error:
                    report.stopped = describe_error(error)
                    logger.warning("lost the mail server: %s", report.stopped)
                    break
            claimed = claim()
            if claimed is None:
                break
            item, email = claimed
            outcome = _hand_over(connection, email)
            del email, claimed  # the only other places a link was
            record(item, outcome)
            if outcome.state == Message.SENT:
                report.sent += 1
            elif outcome.state == Message.FAILED:
                report.failed += 1
            elif outcome.state == Message.UNKNOWN:
                report.unknown += 1
            else:
                report.retry += 1
            if outcome.stop:
                report.stopped = outcome.reason or outcome.state
                logger.warning("sending stopped: %s", report.stopped)
                break
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide what happened
            logger.debug("closing the mail connection failed", exc_info=True)
    return report


def messages_send(
    *,
    connection=None,
    pacer: Pacer | None = None,
    seconds: float | None = None,
    today=None,
    scan: Scan | None = None,
) -> SendReport:
    """Send due messages until none is due or ``seconds`` have passed; return what happened.

    ``connection`` is an e-mail backend (the configured one by default); ``pacer`` spaces
    the messages (the worker's: ``TRUSTMIRROR_EMAIL_PER_MINUTE``); ``scan`` limits the run
    to one scan's messages (the demo's seed).
    """
    run = _Run(today=today or timezone.localdate(), scan=scan)
    if not run.due().exists():
        return SendReport()

    def record(message: Message, outcome: Outcome) -> None:
        outcome_record(message, outcome, run.today)
        if outcome.state == Message.PENDING:
            run.skip.add(message.pk)  # refused for now: not again in this run

    return send_each(
        lambda: _claim(run), record, connection=connection, pacer=pacer, seconds=seconds
    )
