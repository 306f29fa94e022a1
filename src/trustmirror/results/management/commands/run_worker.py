"""``trustmirror worker``: the background worker (tasks), its publication scheduler, its
e-mail scheduler and the scheduler of the agreements' reminders."""

from __future__ import annotations

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand

from trustmirror.agreements.notices import notices_interrupted
from trustmirror.agreements.tasks import NoticeScheduler
from trustmirror.delivery.sending import messages_interrupted
from trustmirror.delivery.tasks import DeliveryScheduler
from trustmirror.results.tasks import Scheduler

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the background worker: publishes results on schedule and sends the e-mail."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=60.0,
            help="seconds between looks for due publications (default 60)",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="task poll interval")

    def handle(self, *args, schedule_every: float, interval: float, **options):
        # Messages a stopped worker was sending may have arrived: never send them again.
        interrupted = messages_interrupted()
        if interrupted:
            logger.warning(
                "%d message(s) were being sent when the worker stopped: reported as unknown, "
                "not resent",
                interrupted,
            )
        interrupted = notices_interrupted()
        if interrupted:
            logger.warning(
                "%d agreement notice(s) were being sent when the worker stopped: reported as "
                "unknown, not resent",
                interrupted,
            )
        schedulers = [
            Scheduler(schedule_every),
            DeliveryScheduler(schedule_every),
            NoticeScheduler(schedule_every),
        ]
        for scheduler in schedulers:
            scheduler.start()
        try:
            call_command(
                "db_worker",
                interval=interval,
                reload=False,
                startup_delay=False,
                verbosity=options.get("verbosity", 1),
            )
        finally:
            for scheduler in schedulers:
                scheduler.stop()
