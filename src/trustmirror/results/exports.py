"""A scan's published aggregates as a table (CSV or XLSX), in the reader's language.

The table is read from the same published version as the pages (:mod:`.selectors`) and holds
the numbers the pages print, rounded as they print them: for each shown group and scale its
mean and 95% interval to a tenth, its number of respondents where the page shows it, the
share of answers that agree as a whole percentage and the agreement in words. A hidden group
has one row with the reason the page gives and no number; a scale that a shown group does not
show (sensitive questions, a withheld count) has its reason instead of numbers. So the file
never holds a number the pages would not show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustmirror.csvexport import csv_lines
from trustmirror.results import wording
from trustmirror.results.models import PublishedGroup
from trustmirror.results.reading import group_label, reason_for
from trustmirror.results.selectors import Group, PublishedResults, ScaleStat, published_results
from trustmirror.surveys.models import Scan
from trustmirror.xlsxexport import xlsx_bytes

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "ExportError",
    "Table",
    "aggregates_csv",
    "aggregates_filename",
    "aggregates_table",
    "aggregates_xlsx",
    "final_results",
    "research_available",
]

FORMATS = ("csv", "xlsx")
LANGUAGES = ("nl", "en")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


class ExportError(Exception):
    """No export can be made (nothing published yet, the scan still open, ...)."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[object]]


def shown_results(scan: Scan) -> PublishedResults:
    """The latest published results of ``scan`` with the organisation shown, else ExportError."""
    results, _participation = published_results(scan)
    if results is None or results.org is None:
        raise ExportError(
            _("Scan %(scan)s has no published results yet: exports follow its results.")
            % {"scan": scan.name}
        )
    return results


def final_results(scan: Scan) -> PublishedResults:
    """The final published results of a closed scan, else ExportError (research exports)."""
    results = shown_results(scan)
    if not research_available(scan, results):
        raise ExportError(
            _(
                "Scan %(scan)s has no final results yet: respondent-level data can be exported "
                "once the scan has closed and its final results are published."
            )
            % {"scan": scan.name}
        )
    return results


def research_available(scan: Scan, results: PublishedResults | None) -> bool:
    """Whether respondent-level data may be exported: a closed scan, final results shown."""
    return (
        results is not None
        and results.org is not None
        and results.publication.final
        and scan.phase() == Scan.CLOSED
    )


def _kind(group: Group) -> str:
    if group.is_org:
        return _("organisation")
    if group.is_rollup:
        return _("combined small units")
    return _("unit")


def _agreement(stat: ScaleStat) -> str:
    return {
        "high": _("The group sees this alike"),
        "moderate": _("The group sees this partly alike"),
        "low": _("The group sees this differently"),
    }.get(stat.agreement or "", "")


def _not_shown(results: PublishedResults, group: Group, sensitive: bool) -> str:
    """Why a shown group has no numbers on one scale: the words of the page (_stat.html)."""
    if sensitive:
        least = max(results.k, results.instrument.sensitive_min_group_size or 0)
        return _("not shown: sensitive questions, shown only for groups of at least %(n)s") % {
            "n": least
        }
    if group.n is None:
        return _("not shown: one question would tell the number of respondents")
    return _("not enough responses")


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def aggregates_table(results: PublishedResults, lang: str) -> Table:
    """Every published group, and for a shown one every scale, as the pages show them.

    Call it with ``lang`` active (:func:`django.utils.translation.override`): headers,
    reasons and labels are in the reader's language.
    """
    header = [
        _("Group"),
        _("Unit path"),
        _("Kind"),
        _("Shown"),
        _("Why not shown"),
        _("Participation"),
        _("Scale id"),
        _("Scale"),
        _("Mean"),
        _("95 percent interval: lower bound"),
        _("95 percent interval: upper bound"),
        _("Respondents (n)"),
        _("Answers that agree (percent)"),
        _("Agreement in the group"),
    ]
    constructs = results.instrument.constructs
    rows: list[list[object]] = []
    published = PublishedGroup.objects.filter(publication=results.publication).select_related(
        "unit"
    )
    for row in published:
        group = Group.from_row(row)
        label = group_label(results, group)
        path = group.unit.path if group.unit is not None else ""
        if not group.shown:
            rows.append(
                [label, path, _kind(group), _("no"), reason_for(results, group), ""]
                + [""] * (len(header) - 6)
            )
            continue
        participation = wording.participation_short(group.participation)
        for construct in constructs:
            stat = group.stat(construct.id)
            start = [label, path, _kind(group), _("yes")]
            scale = [construct.id, construct.label[lang]]
            if stat is None:
                why = _not_shown(results, group, construct.sensitive)
                rows.append(start + [why, participation] + scale + [None] * 6)
                continue
            rows.append(
                start
                + ["", participation]
                + scale
                + [
                    _round(stat.mean),
                    _round(stat.ci_low),
                    _round(stat.ci_high),
                    stat.n,
                    None if stat.favourable is None else round(100 * stat.favourable),
                    _agreement(stat),
                ]
            )
    return Table(header=header, rows=rows)


def _table(scan: Scan, lang: str) -> tuple[PublishedResults, Table]:
    if lang not in LANGUAGES:
        raise ExportError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    results = shown_results(scan)
    with translation.override(lang):
        return results, aggregates_table(results, lang)


def aggregates_csv(scan: Scan, *, lang: str) -> Iterator[str]:
    """The aggregates as CSV lines (a BOM first): see :func:`aggregates_table`."""
    _results, table = _table(scan, lang)
    return csv_lines(table.header, table.rows)


def aggregates_xlsx(scan: Scan, *, lang: str) -> bytes:
    """The aggregates as a workbook with one sheet: see :func:`aggregates_table`."""
    _results, table = _table(scan, lang)
    with translation.override(lang):
        title = _("Results")
    return xlsx_bytes([(title, table.header, table.rows)])


def aggregates_filename(scan: Scan, fmt: str, lang: str) -> str:
    return f"{slugify(scan.name) or 'scan'}-results-{lang}.{fmt}"
