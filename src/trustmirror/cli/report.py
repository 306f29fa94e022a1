"""``trustmirror report``: a scan's reports for consultants, as PDF or printable HTML.

``--unit ID`` makes one unit's report, ``--all-units`` a zip of the organisation's report and
one report per unit that the published results show (with a progress bar), and neither the
organisation's report. Reports are made from the published results (see
:mod:`trustmirror.results.reports`), so they hold exactly what the results pages show.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scan", type=int, required=True, help="the scan's number")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--unit", type=int, help="one unit's report (its number)")
    which.add_argument(
        "--all-units",
        action="store_true",
        help="a zip of the organisation's report and one report per unit with results",
    )
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf", dest="fmt")
    parser.add_argument("-o", "--output", help="file to write (default: a name in this folder)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _write(path: Path, content: bytes) -> None:
    """Write through a temporary file, so a failed run leaves no half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)


def run(args: argparse.Namespace) -> int:
    from trustmirror.cli import _setup_django

    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from django.utils.text import slugify
    from tqdm import tqdm

    from trustmirror.orgs.models import Unit
    from trustmirror.results import reports
    from trustmirror.surveys.models import Scan

    scan = Scan.objects.select_related("organisation").filter(pk=args.scan).first()
    if scan is None:
        print(f"No scan with number {args.scan}.", file=sys.stderr)
        return 2
    try:
        if args.all_units:
            total = len(reports.reportable_units(scan)) + 1
            with tqdm(
                total=total, desc="Reports", unit="report", disable=args.quiet, file=sys.stderr
            ) as bar:
                content = reports.unit_reports_zip(
                    scan, lang=args.lang, fmt=args.fmt, progress=lambda _unit: bar.update()
                )
            name = f"{slugify(scan.name)}-{args.lang}-{args.fmt}.zip"
        elif args.unit is not None:
            unit = Unit.objects.filter(pk=args.unit, organisation=scan.organisation).first()
            if unit is None:
                print(
                    f"No unit with number {args.unit} in {scan.organisation.name}, "
                    f"the organisation of scan {scan.pk}.",
                    file=sys.stderr,
                )
                return 2
            report = reports.team_report(scan, unit, lang=args.lang, fmt=args.fmt)
            content, name = report.content, report.filename
        else:
            report = reports.organisation_report(scan, lang=args.lang, fmt=args.fmt)
            content, name = report.content, report.filename
    except reports.ReportError as error:
        print(str(error), file=sys.stderr)
        return 1
    path = Path(args.output) if args.output else Path(name)
    _write(path, content)
    print(path)
    return 0
