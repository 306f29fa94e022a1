"""Team and organisation reports: printable HTML and PDF from the published results.

A report is the results page on paper. It is built from the same published version and by the
same functions as the page (:mod:`trustmirror.results.reading`), so it never shows what the
page would not: a team that the page shows as "not enough responses" has no report, and every
number in a report is one the page prints. The PDF is the HTML drawn by WeasyPrint; the HTML
is the same document with its stylesheet inlined, so it prints and can be mailed on its own.

The organisation report opens with an executive summary page: participation, the story's
lines, where the organisation stands between trust and control, the strongest association per
outcome and how many units reached the minimum group size. Every report ends with a privacy
footer: the minimum group size and what was held back and why.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import multiprocessing
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import connections
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustmirror.orgs.models import UNIT_PATH_SEPARATOR, Unit
from trustmirror.results import keys, wording
from trustmirror.results.comments import comments_context
from trustmirror.results.models import PublishedGroup
from trustmirror.results.reading import (
    group_context,
    group_label,
    organisation_context,
    reason_for,
)
from trustmirror.results.selectors import Group, PublishedResults, published_results
from trustmirror.surveys.models import Scan

__all__ = [
    "FORMATS",
    "Report",
    "ReportError",
    "organisation_report",
    "reportable_units",
    "team_report",
    "unit_reports_zip",
]

FORMATS = ("pdf", "html")
# WeasyPrint reports each CSS rule it does not support (the printable page's screen-only
# rules); they are meant for browsers, so only its errors are worth a log line.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
LANGUAGES = ("nl", "en")
_CSS = Path(__file__).resolve().parent.parent / "static" / "trustmirror" / "report.css"
_MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


class ReportError(Exception):
    """No report can be made (nothing published, a group the page does not show, ...)."""


@dataclass(frozen=True)
class Report:
    filename: str
    content: bytes
    media_type: str


@cache
def _stylesheet() -> str:
    return _CSS.read_text(encoding="utf-8")


def _results(scan: Scan) -> PublishedResults:
    results, _participation = published_results(scan)
    if results is None or results.org is None:
        raise ReportError(
            _("Scan %(scan)s has no published results yet: reports follow its results.")
            % {"scan": scan.name}
        )
    return results


def _check(fmt: str, lang: str) -> None:
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise ReportError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")


# The charts of a report's context: drawn as images of their SVG (see _as_image). The page's
# chart of the other scales is left out (group_context(others_chart=False)): at a readable
# size it is taller than a page, and every one of its numbers is in the tables that follow.
CHART_KEYS = ("profile_chart", "balance_chart", "change_chart")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S)
_DESC = re.compile(r"<desc[^>]*>(.*?)</desc>", re.S)


def _as_image(svg: str) -> str:
    """A chart's SVG as an ``<img>`` whose text alternative is the chart's title and numbers.

    WeasyPrint draws an SVG image several times faster than the same SVG inline in the HTML
    (whose every element goes through the HTML parser and the CSS cascade); a browser shows
    both alike. Every chart of a report also has its numbers in a table beside it.
    """
    if not svg:
        return svg
    alt = ": ".join(
        html.unescape(found.group(1)).strip()
        for pattern in (_TITLE, _DESC)
        if (found := pattern.search(svg)) is not None
    )
    data = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return mark_safe(  # noqa: S308 - our own SVG, base64-encoded; the alt text is escaped
        f'<img class="chart" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'
    )


def _charts_as_images(context: dict) -> dict:
    for key in CHART_KEYS:
        if context.get(key):
            context[key] = _as_image(context[key])
    return context


def _compared_only(context: dict) -> dict:
    """The change table of the other scales without its "not compared" rows: on paper they
    would fill a page; the section already says which scales are compared."""
    if "change_other_lines" in context:
        context["change_other_lines"] = [
            line for line in context["change_other_lines"] if line.change is not None
        ]
    return context


def _common(results: PublishedResults, lang: str, standalone: bool) -> dict:
    publication = results.publication
    return {
        # A standalone report carries its stylesheet; one served by the site links it (the
        # site's Content-Security-Policy allows no inline styles).
        "inline_css": standalone,
        "lang": lang,
        "report": True,
        "organisation": results.scan.organisation,
        "scan": results.scan,
        "publication": publication,
        "k": results.k,
        "made_at": timezone.localtime(),
        "css": _stylesheet(),
    }


def _hidden_reasons(results: PublishedResults, under: Group | None) -> list[tuple[int, str]]:
    """How many units below ``under`` (all of them for None) show no numbers, per reason."""
    rows = PublishedGroup.objects.filter(
        publication=results.publication, shown=False, unit__isnull=False
    )
    if under is not None:
        if under.unit is None:
            return []
        below = Unit.objects.filter(
            organisation=under.unit.organisation_id,
            path__startswith=under.unit.path + UNIT_PATH_SEPARATOR,
        ).values("pk")
        rows = rows.filter(unit__in=below)
    counted = rows.values("reason").order_by("reason").annotate(n=Count("pk"))
    return [
        (row["n"], wording.reason_text(row["reason"], k=results.k, group="").rstrip(" ."))
        for row in counted
    ]


def _held_back_scales(context: dict) -> list[str]:
    """The scales a report shows without a number for the group, as "label: why" lines."""
    out = []
    for group in context.get("groups", []):
        for line in group.lines:
            if line.unit is None and line.sensitive_min:
                out.append(
                    _("%(scale)s: sensitive questions, shown only for groups of at least %(n)s")
                    % {"scale": line.label, "n": line.sensitive_min}
                )
    return out


def _team_context(
    results: PublishedResults, unit: Unit, lang: str, standalone: bool = True
) -> dict:
    group = results.unit_group(unit)
    if group is None or not group.shown:
        why = (
            reason_for(results, group)
            if group is not None
            else wording.reason_text("below_k", k=results.k)
        )
        raise ReportError(_("No report for %(unit)s: %(why)s") % {"unit": unit.name, "why": why})
    context = {
        **_common(results, lang, standalone),
        "unit": unit,
        "label": group_label(results, group),
        "participation": wording.participation_text(group.participation, k=results.k),
        **group_context(results, group, lang, others_chart=False),
        # As everyone but a consultant sees them: hidden answers are left out.
        **comments_context(results, group.key, lang, moderator=False),
    }
    context["held_back"] = _held_back_scales(context)
    context["hidden_below"] = _hidden_reasons(results, group)
    return _charts_as_images(_compared_only(context))


def _summary_drivers(drivers: dict) -> list[tuple[str, object]]:
    """Per outcome, the theme that goes together with it most (the first of its lines)."""
    return [(outcome, found[0]) for outcome, found in drivers.items() if found]


def _heat_rows(results: PublishedResults, lang: str) -> list[dict]:
    """The organisation's units two levels deep, each with its themes' means (or its reason)."""
    themes = results.instrument.themes
    out = []

    def add(parent_key: str, depth: int) -> None:
        for group in results.children(parent_key):
            cells = []
            if group.shown:
                for theme in themes:
                    stat = group.stat(theme.id)
                    cells.append(wording.number(stat.mean) if stat is not None else "–")
            out.append(
                {
                    "label": group_label(results, group),
                    "depth": depth,
                    "shown": group.shown,
                    "cells": cells,
                    "participation": (
                        wording.participation_short(group.participation) if group.shown else ""
                    ),
                    "reason": "" if group.shown else reason_for(results, group),
                }
            )
            if depth == 0 and group.unit is not None:
                add(group.key, depth + 1)

    add(keys.ORG, 0)
    return out


def _organisation_context(results: PublishedResults, lang: str, standalone: bool = True) -> dict:
    org = results.org
    context = {
        **_common(results, lang, standalone),
        "label": results.scan.organisation.name,
        "participation": wording.participation_text(org.participation, k=results.k),
        **organisation_context(results, lang),
        **comments_context(results, keys.ORG, lang, moderator=False),
    }
    themes = results.instrument.themes
    units = PublishedGroup.objects.filter(
        publication=results.publication, unit__isnull=False
    ).exclude(key=keys.ORG)
    context.update(
        {
            "themes": [t.label[lang] for t in themes],
            "org_cells": [wording.number(s.mean) if (s := org.stat(t.id)) else "–" for t in themes],
            "heat_rows": _heat_rows(results, lang),
            "units_total": units.count(),
            "units_shown": units.filter(shown=True).count(),
            "summary_drivers": _summary_drivers(context.get("drivers", {})),
            "held_back": _held_back_scales(context),
            "hidden_below": _hidden_reasons(results, None),
        }
    )
    return _charts_as_images(_compared_only(context))


def _render(template: str, context: dict, fmt: str, filename: str) -> Report:
    page = render_to_string(template, context)
    if fmt == "html":
        return Report(f"{filename}.html", page.encode("utf-8"), _MEDIA["html"])
    from weasyprint import HTML  # imported when a PDF is made: it loads Pango once

    pdf = HTML(string=page, base_url=str(_CSS.parent)).write_pdf()
    return Report(f"{filename}.pdf", pdf, _MEDIA["pdf"])


def _filename(scan: Scan, name: str, lang: str) -> str:
    return f"{slugify(scan.name)}-{slugify(name) or 'unit'}-{lang}"


def team_report(
    scan: Scan, unit: Unit, *, lang: str, fmt: str = "pdf", standalone: bool = True
) -> Report:
    """The report of one unit (team or department) that the results page shows.

    ``standalone``: an HTML report that carries its stylesheet (False: it links the site's).
    """
    _check(fmt, lang)
    results = _results(scan)
    with translation.override(lang):
        context = _team_context(results, unit, lang, standalone or fmt == "pdf")
        return _render("reports/team.html", context, fmt, _filename(scan, unit.name, lang))


def organisation_report(
    scan: Scan, *, lang: str, fmt: str = "pdf", standalone: bool = True
) -> Report:
    """The organisation's report, led by its executive summary page."""
    _check(fmt, lang)
    results = _results(scan)
    with translation.override(lang):
        context = _organisation_context(results, lang, standalone or fmt == "pdf")
        name = scan.organisation.name
        return _render("reports/organisation.html", context, fmt, _filename(scan, name, lang))


def reportable_units(scan: Scan) -> list[Unit]:
    """The units whose results the published version shows, in tree order."""
    results = _results(scan)
    shown = PublishedGroup.objects.filter(
        publication=results.publication, shown=True, unit__isnull=False
    ).exclude(key=keys.ORG)
    return list(Unit.objects.filter(pk__in=shown.values("unit_id")).order_by("path"))


# A job of unit_reports_zip: (scan, unit or None for the organisation, language, format).
Job = tuple[int, int | None, str, str]


def _job(job: Job) -> tuple[int | None, str, bytes]:
    """One report of :func:`unit_reports_zip`, here or in a worker process."""
    scan_pk, unit_pk, lang, fmt = job
    scan = Scan.objects.get(pk=scan_pk)
    if unit_pk is None:
        report = organisation_report(scan, lang=lang, fmt=fmt)
    else:
        report = team_report(scan, Unit.objects.get(pk=unit_pk), lang=lang, fmt=fmt)
    return unit_pk, report.filename, report.content


def _worker_start() -> None:
    # A forked worker must not share the parent's database connections: it opens its own.
    for connection in connections.all(initialized_only=True):
        connection.inc_thread_sharing()
        connection.close()
        connection.dec_thread_sharing()


def _warm_up(fmt: str) -> None:
    """Load WeasyPrint and its fonts once, before the workers are forked from this process."""
    if fmt == "pdf":
        from weasyprint import HTML

        HTML(string=f"<style>{_stylesheet()}</style><p>Trustmirror</p>").write_pdf()


def unit_reports_zip(
    scan: Scan,
    *,
    lang: str,
    fmt: str = "pdf",
    with_organisation: bool = True,
    progress: Callable[[Unit | None], None] | None = None,
    workers: int | None = None,
    units: Sequence[Unit] | None = None,
) -> bytes:
    """A zip of the organisation report (first) and one report per shown unit (of ``units``
    only, when given: a unit that the results do not show is left out).

    The reports are drawn by ``workers`` processes at once (one per core by default; 1
    draws them here, one after the other). ``progress`` is called after each report (with
    the unit, None for the organisation's). The zip is built in memory: nothing is written
    until every report is made.
    """
    _check(fmt, lang)
    _results(scan)  # a clear error before any work when nothing is published
    wanted = None if units is None else {unit.pk for unit in units}
    chosen = {
        unit.pk: unit for unit in reportable_units(scan) if wanted is None or unit.pk in wanted
    }
    jobs: list[Job] = [(scan.pk, None, lang, fmt)] if with_organisation else []
    jobs += [(scan.pk, pk, lang, fmt) for pk in chosen]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _warm_up(fmt)
        connections.close_all()
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
        )
        with pool:
            made = list(_each(pool.map(_job, jobs), chosen, progress))
    else:
        made = list(_each(map(_job, jobs), chosen, progress))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        names: set[str] = set()
        for unit_pk, name, content in made:
            if name in names:  # two units of the same name in different departments
                stem, _dot, ext = name.rpartition(".")
                name = f"{stem}-{unit_pk}.{ext}"
            names.add(name)
            archive.writestr(name, content)
    return buffer.getvalue()


def _each(done, units: dict[int, Unit], progress) -> Iterator[tuple[int | None, str, bytes]]:
    for unit_pk, name, content in done:
        if progress is not None:
            progress(units[unit_pk] if unit_pk is not None else None)
        yield unit_pk, name, content
