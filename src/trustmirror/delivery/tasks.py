"""The worker's e-mail task, and the scheduler that makes sure it runs.

:func:`send_messages` sends for a few seconds at a time and then queues itself again, so
that a large mailing (50,000 people at 60 a minute take most of a day) never holds up the
publication of results queued meanwhile. The scheduler queues it every minute when messages
are due and none is waiting: after a worker restarts, on the day a scan opens, and after the
mail server refused for a while.
"""

from __future__ import annotations

import logging

from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from trustmirror.delivery.sending import due_messages, messages_send, worker_pacer
from trustmirror.results.tasks import Scheduler

__all__ = [
    "SLICE_SECONDS",
    "DeliveryScheduler",
    "enqueue_due",
    "send_messages",
    "send_messages_soon",
]

logger = logging.getLogger(__name__)

#: How long one run of the task sends before it makes way for other tasks.
SLICE_SECONDS = 10.0


@task()
def send_messages() -> dict:
    """Send due messages for a while; queue the rest. Returns counts, never addresses or links."""
    report = messages_send(pacer=worker_pacer(), seconds=SLICE_SECONDS)
    if report.out_of_time:
        send_messages.enqueue()
    if report.sent or report.failed or report.unknown:
        logger.info("messages: %s", report.as_dict())
    return report.as_dict()


def _waiting() -> bool:
    return DBTaskResult.objects.ready().filter(task_path=send_messages.module_path).exists()


def send_messages_soon() -> None:
    """Queue :func:`send_messages` unless one is already waiting."""
    if not _waiting():
        send_messages.enqueue()


def enqueue_due() -> bool:
    """Queue :func:`send_messages` when messages are due and none is waiting."""
    if due_messages(timezone.localdate()).exists() and not _waiting():
        send_messages.enqueue()
        return True
    return False


class DeliveryScheduler(Scheduler):
    """Looks for due messages every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(interval=interval)
        self.name = "trustmirror-delivery"

    def look(self) -> None:
        try:
            if enqueue_due():
                logger.info("messages are due: sending queued")
        except Exception:  # the scheduler must outlive a database hiccup
            logger.exception("looking for due messages failed")
        finally:
            close_old_connections()
