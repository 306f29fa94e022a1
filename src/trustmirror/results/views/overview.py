"""The consultant's scan overview: participation, the organisation's profile and one level of
the unit tree as a heatmap table, with drill-down, from the latest published version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trustmirror.agreements.sections import organisation_agreements_context
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.access import MANAGE, has_kind, roles_in
from trustmirror.orgs.models import Unit
from trustmirror.privacy import order_for_display
from trustmirror.results import keys, wording
from trustmirror.results.breakdown import Breakdown, CellResult, breakdown_from
from trustmirror.results.comments import comments_context
from trustmirror.results.exports import research_available
from trustmirror.results.models import Publication
from trustmirror.results.reading import (
    group_label,
    organisation_context,
    reason_for,
)
from trustmirror.results.selectors import Group, PublishedResults, published_results
from trustmirror.results.views.common import analysed_scan, status_context

# Colour bins of a heatmap cell: its difference from the organisation on that theme, as
# printed (one decimal). Purple above, orange below (ColorBrewer PuOr, safe for colour-blind
# readers); the number is always printed too.
HEAT_BINS = ((0.5, "p2"), (0.2, "p1"), (-0.15, "0"), (-0.45, "m1"))


@dataclass(frozen=True)
class Cell:
    text: str
    heat: str
    shown: bool
    difference: str = ""  # from the comparison, of the numbers shown; "" without one


# What the heatmap's colour compares each cell with (?vs=): the organisation, the unit whose
# units are listed, or the same unit in the previous scan.
HEAT_VERSUS = ("organisation", "level", "previous")


@dataclass(frozen=True)
class Row:
    group: Group
    label: str
    unit: Unit | None
    drill: bool
    cells: list[Cell]
    participation: str
    bar: int | None
    reason: str


@dataclass(frozen=True)
class ValueRow:
    """A heatmap row of everyone in the organisation with one value of a characteristic.

    From the breakdown the version published (:mod:`trustmirror.results.breakdown`); the
    remainder ("other") is ``is_other``.
    """

    label: str
    cells: list[Cell]
    means: Mapping[str, float | None]
    is_other: bool


#: The heatmap's rows by a characteristic (?by=): the same parameter as the breakdown page.
BY = "by"


def _heat(value: float, reference: float | None) -> str:
    """The colour bin of a cell: its shown mean against the shown ``reference``."""
    if reference is None:
        return "0"
    difference = round(value, 1) - round(reference, 1)
    for bound, name in HEAT_BINS:
        if difference >= bound:
            return name
    return "m2"


def _level(results: PublishedResults, level_key: str) -> tuple[Group, list[Group]]:
    """The group whose children are listed, and the path to it from the organisation."""
    try:
        keys.decode(level_key)
    except ValueError:
        raise Http404 from None
    level = results.group(level_key)
    if level is None:
        raise Http404
    trail, current = [], level
    while current is not None and current.parent_key:
        parent = results.group(current.parent_key)
        if parent is None:
            break
        trail.insert(0, parent)
        current = parent
    return level, trail


def _reference(
    results: PublishedResults, group: Group, theme_id: str, versus: str, level: Group | None
) -> float | None:
    """The shown mean a cell is compared with (a tenth), or None."""
    if versus == "previous":
        change = group.change(theme_id)
        return round(change.before.mean, 1) if change is not None else None
    other = level if versus == "level" and level is not None else results.org
    stat = other.stat(theme_id) if other is not None else None
    return round(stat.mean, 1) if stat is not None else None


def _rows(
    results: PublishedResults,
    level_key: str,
    *,
    with_cells: bool,
    lang: str,
    versus: str = "organisation",
) -> list[Row]:
    children = results.children(level_key)
    with_kids = set(
        Unit.objects.filter(parent_id__in=[g.unit.pk for g in children if g.unit is not None])
        .order_by()
        .values_list("parent_id", flat=True)
        .distinct()
    )
    level = results.group(level_key) if versus == "level" else None
    themes = results.instrument.themes
    out = []
    for group in children:
        cells = []
        if with_cells:
            for theme in themes:
                stat = group.stat(theme.id)
                if stat is None:
                    cells.append(Cell("", "none", False))
                    continue
                reference = _reference(results, group, theme.id, versus, level)
                cells.append(
                    Cell(
                        wording.number(stat.mean),
                        _heat(stat.mean, reference),
                        True,
                        (
                            wording.signed(round(stat.mean, 1) - reference)
                            if reference is not None
                            else ""
                        ),
                    )
                )
        share = wording.participation_share(group.participation) if group.shown else None
        out.append(
            Row(
                group=group,
                label=group_label(results, group),
                unit=group.unit,
                drill=group.unit is not None and group.unit.pk in with_kids,
                cells=cells,
                participation=(
                    wording.participation_short(group.participation) if group.shown else ""
                ),
                bar=None if share is None else 5 * round(share / 5),
                reason="" if group.shown else reason_for(results, group),
            )
        )
    return out


def _cells(group: Group | None, themes) -> list[str]:
    """The printed values of a reference row (a hidden group has none)."""
    if group is None or not group.shown:
        return ["–" for _theme in themes]
    return [wording.number(s.mean) if (s := group.stat(t.id)) else "–" for t in themes]


def _sorted(rows: list[Row], results: PublishedResults, sort: str, descending: bool) -> list[Row]:
    themes = [t.id for t in results.instrument.themes]
    if sort not in themes:
        return rows  # tree order

    def value(row: Row) -> float | None:
        stat = row.group.stat(sort)
        return None if stat is None else round(stat.mean, 1)

    return order_for_display(rows, value=value, label=lambda r: r.label, descending=descending)


def _published_breakdowns(results: PublishedResults | None) -> Mapping | None:
    """The breakdowns the version published (final results only), or None."""
    if results is None or not results.is_results or results.org is None:
        return None
    return (
        Publication.objects.filter(pk=results.publication.pk)
        .values_list("payload__breakdowns", flat=True)
        .first()
    )


def _by_choices(stored: Mapping | None, level_key: str) -> list[tuple[str, str]]:
    """The characteristics the heatmap's rows may follow: (name, label).

    Only at the organisation's level, where the breakdown rules publish cells (docs/privacy.md,
    rule 7: never within a unit), and only a characteristic whose cut the rules allowed.
    """
    if not stored or level_key != keys.ORG:
        return []
    return [
        (name, wording.characteristic(name))
        for name in stored.get("dimensions", [])
        if breakdown_from(stored, (name,)).allowed
    ]


def _value_rows(
    results: PublishedResults, breakdown: Breakdown, sort: str, descending: bool
) -> list[ValueRow]:
    """One row per shown value, each cell against the organisation; "other" last."""
    themes = results.instrument.themes
    org = results.org

    def row(cell: CellResult) -> ValueRow:
        cells = []
        for theme in themes:
            mean = cell.means.get(theme.id)
            if mean is None:  # held back for this value (fewer than k with a score on it)
                cells.append(Cell("", "none", False))
                continue
            stat = org.stat(theme.id) if org is not None else None
            reference = round(stat.mean, 1) if stat is not None else None
            difference = "" if reference is None else wording.signed(round(mean, 1) - reference)
            cells.append(Cell(wording.number(mean), _heat(mean, reference), True, difference))
        return ValueRow(wording.cell_label(cell.key), cells, cell.means, cell.key is None)

    rows = [row(cell) for cell in breakdown.cells]
    if sort in {t.id for t in themes}:
        rows = order_for_display(
            rows,
            value=lambda r: None if r.means.get(sort) is None else round(r.means[sort], 1),
            label=lambda r: r.label,
            descending=descending,
        )
    if breakdown.other is not None:
        rows.append(row(breakdown.other))
    return rows


def _heat_choices(results: PublishedResults | None, level_key: str) -> list[str]:
    """The comparisons the heatmap offers at this level (the first is the default)."""
    choices = ["organisation"]
    if level_key != keys.ORG:
        choices.append("level")
    if results is not None and results.is_results and results.previous_scan is not None:
        choices.append("previous")
    return choices


@login_required
@require_GET
def scan_overview(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    moderator = has_kind(roles_in(request.user, organisation), MANAGE)
    results, participation = published_results(scan)
    lang = wording.reader_language()
    level_key = request.GET.get("level") or keys.ORG
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir") != "asc"
    heat_choices = _heat_choices(results, level_key)
    versus = request.GET.get("vs")
    versus = versus if versus in heat_choices else "organisation"
    breakdowns = _published_breakdowns(results)
    by_choices = _by_choices(breakdowns, level_key)
    by = request.GET.get(BY, "")
    by = by if by in dict(by_choices) else ""
    if by:
        versus = "organisation"  # the breakdown publishes no change and no unit's cells
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_RESULTS,
        # Rows by a characteristic are a breakdown, audited as the breakdown page's are.
        target=f"scan {scan.pk} breakdown by {by}" if by else f"scan {scan.pk}",
    )
    context = {
        "organisation": organisation,
        "scan": scan,
        "k": (results or participation).k if (results or participation) else scan.min_group_size,
        "results": results,
        "can_analyse": True,  # the overview is for analysts only (analysed_scan)
        "can_export_research": moderator and research_available(scan, results),
        "level_key": level_key,
        "sort": sort,
        "descending": descending,
        "heat_versus": versus,
        "heat_choices": heat_choices,
        "by": by,
        "by_choices": by_choices,
        "by_label": dict(by_choices).get(by, ""),
        **status_context(scan, results or participation),
        **organisation_agreements_context(scan, results),
    }
    if participation is not None:
        # A scan nobody's answers count in yet says so in one line, without empty rows.
        counted = participation.group(keys.ORG)
        if counted is not None and wording.nothing_counted(counted.participation):
            context["nothing_counted"] = wording.nothing_counted_text(
                counted.participation, closed=participation.publication.final
            )
        level, trail = _level(participation, level_key)
        context.update(
            {
                "level": level,
                "level_label": group_label(participation, level),
                "trail": [(g, group_label(participation, g)) for g in trail],
                "participation_level": wording.participation_text(
                    level.participation, k=participation.k
                )
                if level.shown
                else reason_for(participation, level),
                "participation_rows": _rows(
                    participation,
                    level_key,
                    with_cells=participation is results,
                    lang=lang,
                    versus=versus,
                ),
            }
        )
    if results is not None and results.org is not None:
        themes = results.instrument.themes
        org_group = results.org
        rows = (
            context["participation_rows"]
            if participation is results and "participation_rows" in context
            else _rows(results, level_key, with_cells=True, lang=lang, versus=versus)
        )
        context.update(
            {
                "themes": [(t.id, t.label[lang]) for t in themes],
                "heatmap_rows": _sorted(rows, results, sort, descending),
                "value_rows": (
                    _value_rows(results, breakdown_from(breakdowns, (by,)), sort, descending)
                    if by
                    else []
                ),
                "org_cells": _cells(org_group, themes),
                "level_cells": (
                    _cells(results.group(level_key), themes) if level_key != keys.ORG else []
                ),
                **organisation_context(results, lang),
                **comments_context(results, keys.ORG, lang, moderator=moderator),
            }
        )
    return render(request, "results/overview.html", context)
