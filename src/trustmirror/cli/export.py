"""``trustmirror export``: a scan's published results as a table, or respondent-level data.

``--kind aggregates`` writes what the results pages show (CSV or XLSX, in ``--lang``);
``--kind research`` the respondent-level data of a closed scan with final results (CSV,
XLSX with its codebook, SPSS ``.sav``, or a zip of all of them and the codebook), with the
same privacy rules as the admin's download (:mod:`trustmirror.results.research`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]

KINDS = {"aggregates": ("csv", "xlsx"), "research": ("csv", "xlsx", "sav", "zip")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scan", type=int, required=True, help="the scan's number")
    parser.add_argument("--kind", choices=tuple(KINDS), default="aggregates")
    parser.add_argument(
        "--format", choices=("csv", "xlsx", "sav", "zip"), default="csv", dest="fmt"
    )
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument("-o", "--output", help="file to write (default: a name in this folder)")
    parser.add_argument("--data-dir", default=None)


def _write(path: Path, content: bytes) -> None:
    """Write through a temporary file, so a failed run leaves no half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)


def _content(scan, kind: str, fmt: str, lang: str) -> tuple[bytes, str]:
    from trustmirror.results import exports, research

    if kind == "aggregates":
        name = exports.aggregates_filename(scan, fmt, lang)
        if fmt == "csv":
            return "".join(exports.aggregates_csv(scan, lang=lang)).encode("utf-8"), name
        return exports.aggregates_xlsx(scan, lang=lang), name
    data = research.research_data(scan)
    name = research.research_filename(scan, fmt, lang)
    if fmt == "csv":
        return "".join(research.research_csv(data)).encode("utf-8"), name
    if fmt == "xlsx":
        return research.research_xlsx(data, lang=lang), name
    if fmt == "sav":
        return research.research_sav(data, lang=lang), name
    return research.research_zip(data, lang=lang), name


def run(args: argparse.Namespace) -> int:
    if args.fmt not in KINDS[args.kind]:
        print(
            f"--kind {args.kind} is written as {', '.join(KINDS[args.kind])}, not {args.fmt}.",
            file=sys.stderr,
        )
        return 2
    from trustmirror.cli import _setup_django

    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from trustmirror.results.exports import ExportError
    from trustmirror.surveys.models import Scan

    scan = Scan.objects.select_related("organisation").filter(pk=args.scan).first()
    if scan is None:
        print(f"No scan with number {args.scan}.", file=sys.stderr)
        return 2
    try:
        content, name = _content(scan, args.kind, args.fmt, args.lang)
    except ExportError as error:
        print(str(error), file=sys.stderr)
        return 1
    path = Path(args.output) if args.output else Path(name)
    _write(path, content)
    print(path)
    return 0
