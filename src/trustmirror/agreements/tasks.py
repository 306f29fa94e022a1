"""The worker's side of the agreements: plan and send the owners' reminders.

The same worker that sends the survey e-mail runs these (``trustmirror worker``), at the same
pace (:func:`trustmirror.delivery.sending.worker_pacer` is the process's): the scheduler
looks every minute, plans the notices that came due and queues :func:`send_notices` when
some wait. The delivery package knows nothing of agreements; the agreements lean on its
sending.
"""

from __future__ import annotations

import logging

from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from trustmirror.agreements.models import Notice
from trustmirror.agreements.notices import notices_plan, notices_send
from trustmirror.delivery.sending import worker_pacer
from trustmirror.delivery.tasks import SLICE_SECONDS
from trustmirror.results.tasks import Scheduler

__all__ = ["NoticeScheduler", "enqueue_due_notices", "send_notices"]

logger = logging.getLogger(__name__)


@task()
def send_notices() -> dict:
    """Send pending notices for a while; queue the rest. Returns counts, never addresses."""
    report = notices_send(pacer=worker_pacer(), seconds=SLICE_SECONDS)
    if report.out_of_time:
        send_notices.enqueue()
    if report.sent or report.failed or report.unknown:
        logger.info("agreement notices: %s", report.as_dict())
    return report.as_dict()


def _waiting() -> bool:
    return DBTaskResult.objects.ready().filter(task_path=send_notices.module_path).exists()


def enqueue_due_notices() -> bool:
    """Plan today's notices; queue :func:`send_notices` when some wait and none is queued."""
    planned = notices_plan(timezone.localdate())
    if planned:
        logger.info("%d agreement notice(s) planned", planned)
    if Notice.objects.filter(state=Notice.PENDING).exists() and not _waiting():
        send_notices.enqueue()
        return True
    return False


class NoticeScheduler(Scheduler):
    """Plans and queues the agreements' notices every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(interval=interval)
        self.name = "trustmirror-notices"

    def look(self) -> None:
        try:
            enqueue_due_notices()
        except Exception:  # the scheduler must outlive a database hiccup
            logger.exception("looking for due agreement notices failed")
        finally:
            close_old_connections()
