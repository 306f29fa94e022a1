"""Results pages: the consultant's scan overview and a unit's profile beside the organisation.

Access is decided in the queries (``organisation_or_404`` and ``visible_units``); what may be
shown is decided by :mod:`trustmirror.results.selectors`, which holds only numbers the privacy
policy approved. The views turn those into text, tables and charts in the reader's language.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.charts.change import change_chart
from trustmirror.charts.heatmap import heatmap_chart
from trustmirror.charts.participation import participation_chart
from trustmirror.charts.profile import profile_chart
from trustmirror.charts.svg import Series
from trustmirror.instrument import Construct
from trustmirror.orgs.access import ANALYSE, has_kind, organisation_or_404, visible_units
from trustmirror.orgs.models import Organisation
from trustmirror.privacy import (
    REASON_BELOW_K,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASONS,
    ROLLUP_LABELS,
    Participation,
    RollUp,
)
from trustmirror.results.change import (
    CLEAR_HIGHER,
    CLEAR_LOWER,
    ConstructChange,
    GroupChange,
    change_since_previous,
)
from trustmirror.results.selectors import (
    HIGHER_IS_WORSE,
    ORGANISATION,
    GroupRow,
    ScaleStat,
    ScanResults,
    scan_results,
    unit_label,
)
from trustmirror.surveys.models import Scan


@dataclass(frozen=True)
class ConstructLine:
    """One construct as a page shows it: text in the reader's language and shown numbers."""

    construct: Construct
    label: str
    explanation: str
    unit: ScaleStat | None
    organisation: ScaleStat | None
    higher_is_worse: bool


@dataclass(frozen=True)
class ChangeLine:
    """One construct's change since the previous scan, as text; ``change`` None when hidden."""

    label: str
    change: ConstructChange | None
    before: str = ""
    after: str = ""
    difference: str = ""
    interval: str = ""
    hedges_g: str = ""
    verdict: str = ""
    tone: str = ""


@dataclass(frozen=True)
class ConstructGroup:
    label: str
    explanation: str
    lines: list[ConstructLine]


@login_required
@require_GET
def scan_overview(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    results = scan_results(scan=scan)
    lang = reader_language()
    rows = results.rows()
    themes = results.instrument.themes
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_RESULTS,
        target=f"scan {scan.pk}",
    )
    context = {
        "organisation": organisation,
        "scan": scan,
        "results": results,
        "k": results.k,
        "participation_rows": [_participation_row(results, row, lang) for row in rows],
        "participation_chart": _participation_chart(results, rows, lang),
    }
    if results.organisation_shown:
        context.update(
            {
                "profile_chart": _profile_chart(results, themes, None, lang),
                "heatmap": _heatmap(results, rows, themes, lang),
                "theme_lines": _lines(results, themes, None, lang),
                "groups": _groups(results, None, lang),
                "scale": scale_text(results, lang),
                **_change_context(results, ORGANISATION, organisation.name, themes, (), lang),
            }
        )
    return render(request, "results/overview.html", context)


@login_required
@require_GET
def unit_profile(request: HttpRequest, org: str, scan_id: int, unit_id: int) -> HttpResponse:
    organisation, roles = organisation_or_404(request.user, org)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    unit = get_object_or_404(visible_units(roles, organisation), pk=unit_id)
    results = scan_results(scan=scan)
    lang = reader_language()
    visibility = results.visibility(unit.pk)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_UNIT,
        target=f"scan {scan.pk} {unit.path}",
    )
    context = {
        "organisation": organisation,
        "scan": scan,
        "unit": unit,
        "k": results.k,
        "shown": visibility.shown,
        "can_analyse": has_kind(roles, ANALYSE),
    }
    if not visibility.shown:
        context["reason"] = _reason_text(
            results, results.hidden_reason(unit.pk), visibility.rolled_into, lang
        )
        return render(request, "results/unit.html", context)
    themes = results.instrument.themes
    others = results.other_constructs()
    visible_ids = set(visible_units(roles, organisation).values_list("pk", flat=True))
    context.update(
        {
            "participation": _participation_text(results.participation(unit.pk), results, lang),
            "profile_chart": _profile_chart(results, themes, unit, lang),
            "others_chart": _profile_chart(results, others, unit, lang, chart_id="others"),
            "theme_lines": _lines(results, themes, unit.pk, lang),
            "groups": _groups(results, unit.pk, lang),
            "children": [child for child in results.children(unit) if child.pk in visible_ids],
            "scale": scale_text(results, lang),
            **_change_context(results, unit.pk, unit.name, themes, others, lang),
        }
    )
    return render(request, "results/unit.html", context)


def analysed_scan(request: HttpRequest, org: str, scan_id: int) -> tuple[Organisation, Scan]:
    """The organisation and scan of a page for analysts; 404 for everyone else."""
    organisation, _roles = organisation_or_404(request.user, org, kinds=ANALYSE)
    return organisation, get_object_or_404(Scan, pk=scan_id, organisation=organisation)


def reader_language() -> str:
    """The reader's language as a key of the instrument's texts: "nl" or "en"."""
    lang = (translation.get_language() or "en")[:2]
    return lang if lang in ("nl", "en") else "en"


def number(value: float) -> str:
    # number_format cuts decimals off (3.46 -> "3.4"); round first so text and charts agree.
    return formats.number_format(round(float(value), 1), 1)


def _lines(
    results: ScanResults, constructs: Sequence[Construct], unit_id: int | None, lang: str
) -> list[ConstructLine]:
    return [
        ConstructLine(
            construct=c,
            label=c.label[lang],
            explanation=c.explanation[lang],
            unit=results.stat(unit_id, c.id) if unit_id is not None else None,
            organisation=results.stat(ORGANISATION, c.id),
            higher_is_worse=c.id in HIGHER_IS_WORSE,
        )
        for c in constructs
    ]


def _groups(results: ScanResults, unit_id: int | None, lang: str) -> list[ConstructGroup]:
    instrument = results.instrument
    return [
        ConstructGroup(
            label=group.label[lang],
            explanation=group.explanation[lang],
            lines=_lines(results, instrument.constructs_in(group.id), unit_id, lang),
        )
        for group in instrument.groups
        if group.id != "theme" and instrument.constructs_in(group.id)
    ]


def _row_label(results: ScanResults, row: GroupRow, lang: str) -> str:
    if row.key == ORGANISATION:
        return results.scan.organisation.name
    if row.rollup is not None:
        return _rollup_label(results, row.rollup, lang)
    return unit_label(row.unit, results.units)


def _rollup_label(results: ScanResults, rollup: RollUp, lang: str) -> str:
    template = ROLLUP_LABELS[rollup.label_key][lang]
    parent = next((u for u in results.units if u.pk == rollup.parent_id), None)
    return template % {"parent": parent.name if parent else ""}


def _reason_text(results: ScanResults, reason: str, rolled_into: Hashable | None, lang: str) -> str:
    group = ""
    if reason == REASON_ROLLED_UP and rolled_into is not None:
        group = _rollup_label(results, results.disclosure.rollup(rolled_into), lang)
    return REASONS[reason][lang] % {"k": results.k, "group": group}


def _participation_text(figures: Participation | None, results: ScanResults, lang: str) -> str:
    if figures is None or not figures.shown:
        return _("Fewer than %(k)s responses: no figures are shown.") % {"k": results.k}
    if figures.reason == REASON_FEW_NONRESPONDENTS:
        return REASONS[REASON_FEW_NONRESPONDENTS][lang] % {
            "rate": figures.rate_at_least,
            "k": results.k,
        }
    return _("%(rate)s%% (%(responded)s of %(invited)s)") % {
        "rate": figures.rate,
        "responded": figures.responded,
        "invited": figures.invited,
    }


def _participation_row(results: ScanResults, row: GroupRow, lang: str) -> dict:
    hidden = not row.shown
    return {
        "row": row,
        "label": _row_label(results, row, lang),
        "text": (
            _reason_text(results, results.hidden_reason(row.key), row.visibility.rolled_into, lang)
            if hidden
            else _participation_text(row.participation, results, lang)
        ),
        "hidden": hidden,
    }


def _participation_chart(results: ScanResults, rows: list[GroupRow], lang: str) -> SafeString:
    labels, rates, notes, summary = [], [], [], []
    for row in rows:
        label = _row_label(results, row, lang)
        figures = row.participation if row.shown else None
        labels.append(label)
        if figures is None or not figures.shown:
            rates.append(None)
            notes.append("")
            summary.append(_("%(group)s: not shown") % {"group": label})
        elif figures.reason == REASON_FEW_NONRESPONDENTS:
            rates.append(figures.rate_at_least / 100)
            note = _("at least %(rate)s%%") % {"rate": figures.rate_at_least}
            notes.append(note)
            summary.append(f"{label}: {note}")
        else:
            rates.append(figures.rate / 100)
            note = _("%(rate)s%% (%(responded)s of %(invited)s)") % {
                "rate": figures.rate,
                "responded": figures.responded,
                "invited": figures.invited,
            }
            notes.append(note)
            summary.append(f"{label}: {note}")
    return _safe(
        participation_chart(
            chart_id="participation",
            labels=labels,
            rates=rates,
            notes=notes,
            title=_("Response rate per unit"),
            summary="; ".join(summary),
            axis_label=_("Response rate"),
            suppressed_label=_("not shown"),
        )
    )


def _profile_chart(
    results: ScanResults,
    constructs: Sequence[Construct],
    unit,
    lang: str,
    *,
    chart_id: str = "profile",
) -> SafeString:
    labels = [c.label[lang] for c in constructs]
    series = []
    if unit is not None:
        series.append(_series(results, unit.pk, unit.name, constructs))
    series.append(_series(results, ORGANISATION, results.scan.organisation.name, constructs))
    summary = []
    for one in series:
        parts = [
            f"{label}: {number(value)}"
            if value is not None
            else _("%(group)s: not enough responses") % {"group": label}
            for label, value in zip(labels, one.values, strict=True)
        ]
        summary.append(f"{one.label}: " + ", ".join(parts))
    if unit is None:
        title = _("Trust profile of the organisation over the six themes")
    elif chart_id == "profile":
        title = _("%(unit)s beside the organisation over the six themes") % {"unit": unit.name}
    else:
        title = _("%(unit)s beside the organisation on the other scales") % {"unit": unit.name}
    return _safe(
        profile_chart(
            chart_id=chart_id,
            categories=labels,
            series=series,
            title=title,
            summary="; ".join(summary),
            suppressed_label=_("not enough responses"),
            midpoint_label=_("neutral (%(mid)s)") % {"mid": midpoint_text(results)},
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )
    )


def _series(
    results: ScanResults, key: Hashable, label: str, constructs: Sequence[Construct]
) -> Series:
    stats = [results.stat(key, c.id) for c in constructs]
    return Series(
        label=label,
        values=[s.mean if s else None for s in stats],
        ci_low=[s.ci_low if s else None for s in stats] if key != ORGANISATION else None,
        ci_high=[s.ci_high if s else None for s in stats] if key != ORGANISATION else None,
    )


def _heatmap(
    results: ScanResults, rows: list[GroupRow], themes: Sequence[Construct], lang: str
) -> SafeString:
    k = results.k
    labels, values, summary, markers = [], [], [], []
    for row in rows:
        label = _row_label(results, row, lang)
        labels.append(label)
        hidden_bigger = not row.shown and results.hidden_reason(row.key) != REASON_BELOW_K
        markers.append(_("hidden") if hidden_bigger else _("n < %(k)s") % {"k": k})
        stats = [results.stat(row.key, t.id) if row.shown else None for t in themes]
        values.append([s.mean if s else None for s in stats])
        shown = [
            f"{t.label[lang]} {number(s.mean)}" for t, s in zip(themes, stats, strict=True) if s
        ]
        summary.append(
            f"{label}: " + ", ".join(shown)
            if shown
            else _("%(group)s: not enough responses") % {"group": label}
        )
    return _safe(
        heatmap_chart(
            chart_id="heatmap",
            rows=labels,
            columns=[t.label[lang] for t in themes],
            values=values,
            title=_("Mean score per unit and theme"),
            summary="; ".join(summary),
            suppressed_label=markers,
            suppressed_legend=_(
                "n < %(k)s: not enough responses; hidden: not shown so as to protect a smaller "
                "group"
            )
            % {"k": k},
            colour_label=scale_text(results, lang),
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )
    )


def midpoint_text(results: ScanResults) -> str:
    mid = (1 + results.instrument.scale_points) / 2
    return str(int(mid)) if mid == int(mid) else number(mid)


def scale_text(results: ScanResults, lang: str) -> str:
    labels = results.instrument.scale_labels[lang]
    return _("Mean on a scale of 1 (%(low)s) to %(high)s (%(high_label)s)") % {
        "low": labels[0].lower(),
        "high": results.instrument.scale_points,
        "high_label": labels[-1].lower(),
    }


def _change_context(
    results: ScanResults,
    key: Hashable,
    group_label: str,
    themes: Sequence[Construct],
    others: Sequence[Construct],
    lang: str,
) -> dict:
    """The "change since the previous scan" part of a page; empty without a previous scan.

    Only changes :mod:`trustmirror.results.change` approved carry numbers of the previous
    scan; a page where none is approved gets the previous scan's name and k, nothing else.
    """
    change = change_since_previous(results, key)
    if change is None:
        return {}
    context = {"change": change}
    if change.shown:
        context.update(
            {
                "change_theme_lines": _change_lines(change, themes, lang),
                "change_other_lines": _change_lines(change, others, lang),
                "change_chart": _change_chart(results, change, themes, group_label, lang),
            }
        )
    return context


def _change_lines(
    change: GroupChange, constructs: Sequence[Construct], lang: str
) -> list[ChangeLine]:
    lines = []
    for construct in constructs:
        one = change.get(construct.id)
        if one is None:
            lines.append(ChangeLine(label=construct.label[lang], change=None))
            continue
        interval = ""
        if one.ci_low is not None and one.ci_high is not None:
            interval = _("%(low)s to %(high)s") % {
                "low": _signed(one.ci_low),
                "high": _signed(one.ci_high),
            }
        lines.append(
            ChangeLine(
                label=construct.label[lang],
                change=one,
                before=number(one.before.mean),
                after=number(one.after.mean),
                difference=_signed(one.difference),
                interval=interval,
                hedges_g=(
                    formats.number_format(round(one.hedges_g, 2), 2)
                    if one.hedges_g is not None
                    else ""
                ),
                verdict=_verdict(one),
                tone=_tone(one, construct.id in HIGHER_IS_WORSE),
            )
        )
    return lines


def _verdict(one: ConstructChange) -> str:
    if one.direction == CLEAR_HIGHER:
        return {
            "large": _("clearly higher, a large difference"),
            "medium": _("clearly higher, a medium difference"),
            "small": _("clearly higher, a small difference"),
        }.get(one.size, _("clearly higher, a very small difference"))
    if one.direction == CLEAR_LOWER:
        return {
            "large": _("clearly lower, a large difference"),
            "medium": _("clearly lower, a medium difference"),
            "small": _("clearly lower, a small difference"),
        }.get(one.size, _("clearly lower, a very small difference"))
    return _("no clear change")


def _tone(one: ConstructChange, higher_is_worse: bool) -> str:
    # Colour only repeats what the words say: better or worse for trust, or no clear change.
    if one.direction not in (CLEAR_HIGHER, CLEAR_LOWER):
        return "none"
    return "better" if (one.direction == CLEAR_HIGHER) != higher_is_worse else "worse"


def _signed(value: float) -> str:
    rounded = round(float(value), 1)
    text = formats.number_format(abs(rounded), 1)
    if rounded > 0:
        return "+" + text
    return "\u2212" + text if rounded < 0 else text


def _change_chart(
    results: ScanResults,
    change: GroupChange,
    constructs: Sequence[Construct],
    group_label: str,
    lang: str,
) -> SafeString:
    labels = [c.label[lang] for c in constructs]
    changes = [change.get(c.id) for c in constructs]
    summary = [
        _("%(scale)s: %(before)s to %(after)s, %(verdict)s")
        % {
            "scale": label,
            "before": number(one.before.mean),
            "after": number(one.after.mean),
            "verdict": _verdict(one),
        }
        if one is not None
        else _("%(group)s: not shown") % {"group": label}
        for label, one in zip(labels, changes, strict=True)
    ]
    return _safe(
        change_chart(
            chart_id="change",
            categories=labels,
            before=[one.before.mean if one else None for one in changes],
            after=[one.after.mean if one else None for one in changes],
            before_label=change.previous.name,
            after_label=results.scan.name,
            title=_("%(group)s: change since %(scan)s over the six themes")
            % {"group": group_label, "scan": change.previous.name},
            summary="; ".join(summary),
            suppressed_label=_("not shown"),
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )
    )


def _safe(svg: str) -> SafeString:
    # Only SVG generated by trustmirror.charts, which escapes every label, is marked safe.
    return mark_safe(svg)
