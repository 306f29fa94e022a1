"""Background work on Django's tasks framework: publishing results on a schedule.

``trustmirror worker`` runs the database worker of django-tasks-db together with a small
scheduler that, every minute, enqueues :func:`publish_scan` for each scan with a publication
due (:func:`trustmirror.results.publishing.publication_is_due`) and no such task waiting.
A worker that dies mid-build leaves the previous version in place; the next attempt marks
the half-built one failed and builds again.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from trustmirror.results.publishing import publication_attempt, publication_is_due
from trustmirror.surveys.models import Scan

__all__ = ["Scheduler", "draw_charts", "enqueue_due", "publish_scan"]

logger = logging.getLogger(__name__)


@task()
def publish_scan(scan_id: int) -> list[str]:
    """Attempt the next publication of one scan; draw its organisation charts once published
    and leave the charts of the leads' units to :func:`draw_charts`."""
    from trustmirror.results.figures import draw_organisation_charts
    from trustmirror.results.selectors import PublishedResults

    scan = Scan.objects.filter(pk=scan_id).first()
    if scan is None:
        return [f"Scan {scan_id} no longer exists."]
    outcome = publication_attempt(scan=scan)
    if outcome.kind == "published" and outcome.publication is not None:
        draw_organisation_charts(PublishedResults(outcome.publication))
        draw_charts.enqueue(outcome.publication.pk)
    for line in outcome.lines:
        logger.info(line)
    return list(outcome.lines)


@task(priority=-10)
def draw_charts(publication_id: int) -> int:
    """Draw the charts of every led unit of a publication (after it is published)."""
    from trustmirror.results.figures import draw_lead_charts
    from trustmirror.results.models import Publication
    from trustmirror.results.selectors import PublishedResults

    publication = (
        Publication.objects.filter(pk=publication_id, status=Publication.PUBLISHED)
        .select_related("scan", "scan__organisation", "previous_scan")
        .defer("meta", "payload")
        .first()
    )
    if publication is None:
        return 0
    return draw_lead_charts(PublishedResults(publication))


def enqueue_due() -> list[int]:
    """Enqueue :func:`publish_scan` for every scan that is due and has no task waiting.

    Returns the scan ids enqueued.
    """
    now = timezone.now()
    waiting = {
        result.args_kwargs.get("args", [None])[0]
        for result in DBTaskResult.objects.ready().filter(task_path=publish_scan.module_path)
    }
    enqueued = []
    for scan in Scan.objects.exclude(status=Scan.DRAFT).select_related("organisation"):
        if scan.pk in waiting or not publication_is_due(scan, now=now):
            continue
        publish_scan.enqueue(scan.pk)
        enqueued.append(scan.pk)
    return enqueued


class Scheduler(threading.Thread):
    """Looks for due publications every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(name="trustmirror-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.look()
            self.stopped.wait(self.interval)

    def look(self) -> None:
        try:
            enqueued = enqueue_due()
            if enqueued:
                logger.info("publications enqueued for scans %s", enqueued)
        except Exception:  # the scheduler must outlive a database hiccup
            logger.exception("looking for due publications failed")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
