"""``trustmirror manage publish_results SCAN_ID``: attempt a publication now, as the worker does."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from trustmirror.results.figures import draw_lead_charts, draw_organisation_charts
from trustmirror.results.publishing import publication_attempt
from trustmirror.results.selectors import PublishedResults
from trustmirror.surveys.models import Scan

STEPS = (
    "reading answers",
    "deciding what may be shown",
    "computing what may be shown",
    "storing the new version",
)


class Command(BaseCommand):
    help = (
        "Publish the next version of a scan's results now, under the same rules as the "
        "worker (interim steps while open with interim results, participation while open "
        "without, final results once closed), and say what was published or held back."
    )

    def add_arguments(self, parser):
        parser.add_argument("scan_id", type=int)
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, scan_id: int, quiet: bool, **options):
        scan = Scan.objects.filter(pk=scan_id).first()
        if scan is None:
            raise CommandError(f"There is no scan {scan_id}.")
        with tqdm(total=len(STEPS), desc="Publishing", disable=quiet, file=self.stderr) as bar:

            def progress(step: str) -> None:
                bar.set_postfix_str(step)
                bar.update()

            outcome = publication_attempt(scan=scan, force=True, progress=progress)
        if outcome.kind == "published" and outcome.publication is not None:
            results = PublishedResults(outcome.publication)
            draw_organisation_charts(results)
            draw_lead_charts(results)
        for line in outcome.lines:
            self.stdout.write(line)
        if outcome.kind == "failed":
            raise CommandError("The publication failed; the previous version stays in place.")
        if outcome.kind == "busy":
            raise CommandError("Another build of this scan is under way; try again shortly.")
