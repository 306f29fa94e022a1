"""``trustmirror worker``: the background worker (tasks) and its publication scheduler."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from trustmirror.results.tasks import Scheduler


class Command(BaseCommand):
    help = "Run the background worker: publishes results on schedule (and runs other tasks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=60.0,
            help="seconds between looks for due publications (default 60)",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="task poll interval")

    def handle(self, *args, schedule_every: float, interval: float, **options):
        scheduler = Scheduler(interval=schedule_every)
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
            scheduler.stop()
