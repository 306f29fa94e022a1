"""Charts of a published version, drawn once per version and language and kept.

A chart is drawn from a publication's stored numbers the first time a page (or the worker,
for the organisation level) asks for it, and stored in :class:`PublishedChart`; every later
request in that language reads the stored SVG. Values are rounded to what the page prints
before they are drawn, so a chart never tells more than the text beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from trustmirror.charts.breakdown import BREAKDOWN_COLOURS, breakdown_chart
from trustmirror.charts.change import change_chart
from trustmirror.charts.profile import profile_chart
from trustmirror.charts.quadrant import QuadrantPoint, quadrant_chart
from trustmirror.charts.reliability import reliability_chart
from trustmirror.charts.svg import Series
from trustmirror.instrument import Construct
from trustmirror.results import keys, wording
from trustmirror.results.balance import QUADRANTS, Balance
from trustmirror.results.breakdown import Breakdown
from trustmirror.results.models import PublishedChart
from trustmirror.results.quality import GOOD, OK, MeasurementQuality
from trustmirror.results.selectors import Group, PublishedResults
from trustmirror.results.story import ORGANISATION, PREVIOUS, Comparison

__all__ = [
    "breakdown_figure",
    "change_figure",
    "draw_lead_charts",
    "draw_organisation_charts",
    "profile_figure",
    "quality_figure",
    "stored_chart",
]

LANGUAGES = ("nl", "en")


def _stored(results: PublishedResults, key: str, draw: Callable[[], str]) -> SafeString:
    """The stored chart ``key`` in the reader's language, drawn and stored if missing."""
    lang = wording.reader_language()
    publication = results.publication
    found = (
        PublishedChart.objects.filter(publication=publication, key=key, language=lang)
        .values_list("svg", flat=True)
        .first()
    )
    if found is None:
        found = draw()
        try:
            with transaction.atomic():
                PublishedChart.objects.create(
                    publication=publication, key=key, language=lang, svg=found
                )
        except IntegrityError:
            pass  # another request drew it at the same moment; the drawings are identical
    # Only SVG made by trustmirror.charts, which escapes every label, is marked safe.
    return mark_safe(found)


def stored_chart(results: PublishedResults, key: str, draw: Callable[[], str]) -> SafeString:
    """:func:`_stored` for the other apps' charts of a publication (the relational round)."""
    return _stored(results, key, draw)


def _mean(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _group_label(group: Group, results: PublishedResults) -> str:
    if group.is_org:
        return results.scan.organisation.name
    if group.unit is not None:
        return group.unit.name
    parent = results.group(keys.unit_key(group.rollup["parent_id"])) if group.rollup else None
    parent_name = parent.unit.name if parent is not None and parent.unit is not None else ""
    return wording.rollup_label(group.rollup, parent_name)


def profile_figure(
    results: PublishedResults,
    group: Group | None,
    constructs: Sequence[Construct],
    *,
    chart_id: str = "profile-chart",
    versus: Comparison | None = None,
) -> SafeString:
    """The group's means beside the organisation's (or the organisation's alone).

    ``versus`` sets the group beside another comparison the reader chose: the unit above,
    or the group's own means in the previous scan.
    """
    key = f"{chart_id}:{group.key if group is not None else keys.ORG}"
    if versus is not None and versus.kind != ORGANISATION and group is not None:
        key += f":{versus.kind}"

    def draw() -> str:
        lang = wording.reader_language()
        org = results.org
        labels = [c.label[lang] for c in constructs]
        series = []
        if group is not None and not group.is_org:
            series.append(_series(group, _group_label(group, results), constructs, ci=True))
        if versus is not None and versus.kind != ORGANISATION and group is not None:
            other = [versus.mean(group, c.id) for c in constructs]
            series.append(Series(label=versus.label, values=other))
        elif org is not None:
            series.append(_series(org, results.scan.organisation.name, constructs, ci=False))
        summary = []
        for one in series:
            parts = [
                f"{label}: {wording.number(value)}"
                if value is not None
                else _("%(group)s: not enough responses") % {"group": label}
                for label, value in zip(labels, one.values, strict=True)
            ]
            summary.append(f"{one.label}: " + ", ".join(parts))
        name = _group_label(group, results) if group is not None else ""
        if group is None or group.is_org:
            title = _("Trust profile of the organisation over the six themes")
        elif versus is not None and versus.kind != ORGANISATION and chart_id == "profile-chart":
            title = _("%(unit)s beside %(other)s over the six themes") % {
                "unit": name,
                "other": versus.label,
            }
        elif versus is not None and versus.kind != ORGANISATION:
            title = _("%(unit)s beside %(other)s on the other scales") % {
                "unit": name,
                "other": versus.label,
            }
        elif chart_id == "profile-chart":
            title = _("%(unit)s beside the organisation over the six themes") % {"unit": name}
        else:
            title = _("%(unit)s beside the organisation on the other scales") % {"unit": name}
        return profile_chart(
            chart_id=chart_id,
            categories=labels,
            series=series,
            title=title,
            summary="; ".join(summary),
            suppressed_label=(
                _("not compared")
                if versus is not None and versus.kind == PREVIOUS
                else _("not enough responses")
            ),
            midpoint_label=_("neutral (%(mid)s)")
            % {"mid": wording.midpoint_text(results.instrument)},
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )

    return _stored(results, key, draw)


def balance_figure(
    results: PublishedResults,
    group: Group,
    balance: Balance,
    others: Sequence[tuple[str, Balance]] = (),
    *,
    variant: str = "",
) -> SafeString:
    """Trust against control: ``group`` (``balance``) and up to two comparisons as dots.

    ``variant`` names the comparison the dots of ``others`` belong to (part of the stored key).
    """
    key = f"balance:{group.key}:{variant}"

    def draw() -> str:
        name = _group_label(group, results)
        points = [QuadrantPoint(name, balance.trust, balance.control)] + [
            QuadrantPoint(label, one.trust, one.control) for label, one in others
        ]
        corners = [str(QUADRANTS[key][1]) for key in ((True, True), (True, False))] + [
            str(QUADRANTS[key][1]) for key in ((False, True), (False, False))
        ]
        summary = "; ".join(
            _("%(group)s: trust %(trust)s, control %(control)s")
            % {
                "group": point.label,
                "trust": wording.number(point.trust),
                "control": wording.number(point.control),
            }
            for point in points
        )
        return quadrant_chart(
            chart_id="balance-chart",
            points=points,
            corner_labels=corners,
            trust_label=_("Trust in each other and in the manager"),
            control_label=_("Amount of control"),
            title=_("%(group)s between trust and control") % {"group": name},
            summary=summary,
            scale=(1, results.instrument.scale_points),
        )

    return _stored(results, key, draw)


def _series(group: Group, label: str, constructs: Sequence[Construct], *, ci: bool):
    stats = [group.stat(c.id) for c in constructs]
    return Series(
        label=label,
        values=[_mean(s.mean) if s else None for s in stats],
        ci_low=[_mean(s.ci_low) if s else None for s in stats] if ci else None,
        ci_high=[_mean(s.ci_high) if s else None for s in stats] if ci else None,
    )


def change_figure(
    results: PublishedResults, group: Group, constructs: Sequence[Construct]
) -> SafeString:
    """Before and after on the six themes, for the changes that were published."""

    def draw() -> str:
        lang = wording.reader_language()
        previous = results.previous_scan
        labels = [c.label[lang] for c in constructs]
        changes = [group.change(c.id) for c in constructs]
        summary = [
            _("%(scale)s: %(before)s to %(after)s, %(verdict)s")
            % {
                "scale": label,
                "before": wording.number(one.before.mean),
                "after": wording.number(one.after.mean),
                "verdict": wording.change_verdict(one.direction, one.size),
            }
            if one is not None
            else _("%(group)s: not shown") % {"group": label}
            for label, one in zip(labels, changes, strict=True)
        ]
        return change_chart(
            chart_id="change-chart",  # the section around it is #change
            categories=labels,
            before=[_mean(one.before.mean) if one else None for one in changes],
            after=[_mean(one.after.mean) if one else None for one in changes],
            before_label=previous.name if previous else "",
            after_label=results.scan.name,
            title=_("%(group)s: change since %(scan)s over the six themes")
            % {"group": _group_label(group, results), "scan": previous.name if previous else ""},
            summary="; ".join(summary),
            suppressed_label=_("not shown"),
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )

    return _stored(results, f"change:{group.key}", draw)


def quality_figure(results: PublishedResults, quality: MeasurementQuality) -> SafeString | None:
    scales = [s for s in quality.scales if s.status == OK]
    if not scales:
        return None

    def draw() -> str:
        lang = wording.reader_language()
        instrument = results.instrument
        labels = [instrument.construct(s.construct_id).label[lang] for s in scales]
        summary = "; ".join(
            _("%(scale)s: alpha %(alpha)s, omega %(omega)s")
            % {
                "scale": label,
                "alpha": wording.coefficient(s.raw_alpha),
                "omega": wording.coefficient(s.omega),
            }
            for label, s in zip(labels, scales, strict=True)
        )
        return reliability_chart(
            chart_id="reliability",
            categories=labels,
            series=[
                Series(
                    label=_("Cronbach's alpha"),
                    values=[_two(s.raw_alpha) for s in scales],
                ),
                Series(label=_("McDonald's omega"), values=[_two(s.omega) for s in scales]),
            ],
            title=_("Reliability per scale"),
            summary=summary,
            missing_label=_("no omega"),
            threshold=GOOD,
            threshold_label=_("good from %(value)s") % {"value": wording.coefficient(GOOD)},
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )

    return _stored(results, "quality", draw)


def _two(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def breakdown_figure(
    results: PublishedResults, breakdown: Breakdown, cell_label: Callable
) -> SafeString | None:
    cells = [*breakdown.cells, *([breakdown.other] if breakdown.other else [])]
    if not cells or len(cells) > len(BREAKDOWN_COLOURS):
        return None  # the table says it all; more bars per theme would not be readable

    def draw() -> str:
        lang = wording.reader_language()
        themes = results.instrument.themes
        series = [
            Series(
                label=(
                    cell_label(cell.key)
                    if cell.n is None
                    else f"{cell_label(cell.key)} (n = {cell.n})"
                ),
                values=[_mean(cell.means.get(theme.id)) for theme in themes],
            )
            for cell in cells
        ]
        labels = [theme.label[lang] for theme in themes]
        summary = "; ".join(
            f"{one.label}: "
            + ", ".join(
                f"{label} {wording.number(value)}"
                if value is not None
                else f"{label}: {_('not shown')}"
                for label, value in zip(labels, one.values, strict=True)
            )
            for one in series
        )
        return breakdown_chart(
            chart_id="breakdown",
            categories=labels,
            series=series,
            title=_("Mean per theme by %(characteristic)s")
            % {"characteristic": " × ".join(breakdown.dimensions)},
            summary=summary,
            suppressed_label=_("not shown"),
            midpoint_label=_("neutral (%(mid)s)")
            % {"mid": wording.midpoint_text(results.instrument)},
            scale=(1, results.instrument.scale_points),
            decimal=formats.get_format("DECIMAL_SEPARATOR"),
        )

    return _stored(results, "breakdown:" + "+".join(breakdown.dimensions), draw)


def draw_organisation_charts(results: PublishedResults) -> int:
    """Draw the organisation's charts in every language now (the worker, after publishing).

    Returns how many charts were drawn. Charts of single units are drawn on first view.
    """
    drawn = 0
    org = results.org
    if org is None:
        return 0
    themes = results.instrument.themes
    for lang in LANGUAGES:
        with translation.override(lang):
            profile_figure(results, org, themes)
            drawn += 1
            if org.raw_changes:
                change_figure(results, org, themes)
                drawn += 1
            quality = results.publication.payload.get("quality")
            if quality:
                quality_figure(results, MeasurementQuality.from_json(quality))
                drawn += 1
    return drawn


def draw_unit_charts(results: PublishedResults, group: Group) -> int:
    """Draw a shown unit's charts (its page's) in every language; returns how many."""
    if not group.shown or results.org is None:
        return 0
    themes = results.instrument.themes
    others = results.other_constructs()
    drawn = 0
    for lang in LANGUAGES:
        with translation.override(lang):
            profile_figure(results, group, themes)
            profile_figure(results, group, others, chart_id="others")
            drawn += 2
            if group.raw_changes:
                change_figure(results, group, themes)
                drawn += 1
    return drawn


def draw_lead_charts(results: PublishedResults) -> int:
    """Draw the charts of every unit someone leads, so that a lead's first visit is quick.

    Other units' charts are drawn on their first view. Returns how many were drawn.
    """
    from trustmirror.orgs.models import Role

    unit_ids = set(
        Role.objects.filter(
            organisation_id=results.scan.organisation_id, kind=Role.LEAD, unit__isnull=False
        ).values_list("unit_id", flat=True)
    )
    groups = results.groups([keys.unit_key(pk) for pk in sorted(unit_ids)])
    return sum(draw_unit_charts(results, group) for group in groups.values())
