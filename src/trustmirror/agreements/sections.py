"""What the results pages show of agreements: the context of two included sections.

- ``agreements/_organisation.html`` on a scan's organisation page: how many teams made
  agreements after this scan, their pooled say-do ratio (only over at least k teams), and for
  the agreements after the previous scan, the change on their themes.
- ``agreements/_linked_changes.html`` on a team's page of the next scan: "Did our agreements
  help?", the team's change on its linked themes beside the other teams'.

The numbers come from :mod:`trustmirror.agreements.summary`; this module words and draws
them. Its chart depends on agreements, which change after publication, so it is drawn per
request and not stored with the published version.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from trustmirror.agreements import services
from trustmirror.agreements.services import Viewer, state_of
from trustmirror.agreements.summary import (
    LinkedTheme,
    linked_changes,
    organisation_linked_changes,
    organisation_summary,
)
from trustmirror.charts.change import change_chart
from trustmirror.results import wording
from trustmirror.results.selectors import Group, PublishedResults
from trustmirror.surveys.models import Scan

__all__ = ["organisation_agreements_context", "unit_agreements_context"]


def _state_label(state: str) -> str:
    return {
        services.OPEN: _("open"),
        services.DUE: _("due, not kept"),
        services.KEPT_ON_TIME: _("kept on time"),
        services.KEPT_LATE: _("kept, late"),
    }.get(state, "")


def _bar(percent: int | None) -> int | None:
    return None if percent is None else 5 * round(percent / 5)


def organisation_agreements_context(
    scan: Scan, results: PublishedResults | None, today: dt.date | None = None
) -> dict:
    """The organisation page's section: ``agreements_summary`` and ``agreements_themes``."""
    summary = organisation_summary(scan.organisation, scan, today)
    themes = []
    if results is not None and results.is_results:
        themes = organisation_linked_changes(results, wording.reader_language())
    return {
        "agreements_summary": summary,
        "agreements_bar": _bar(summary.organisation.say_do.percent)
        if summary.organisation.shown
        else None,
        "agreements_departments": [
            (figure, _bar(figure.say_do.percent)) for figure in summary.departments if figure.shown
        ],
        "agreements_departments_hidden": [f.label for f in summary.departments if not f.shown],
        "agreements_themes_shown": any(line.shown for line in themes),
        "agreements_theme_names": ", ".join(line.label for line in themes),
        "agreements_themes": [
            {
                "line": line,
                "with_text": wording.signed(line.with_agreement.difference) if line.shown else "",
                "without_text": (
                    wording.signed(line.without_agreement.difference) if line.shown else ""
                ),
            }
            for line in themes
        ],
        "agreements_previous": results.previous_scan if themes else None,
    }


def _linked_chart(results: PublishedResults, group: Group, lines: list[LinkedTheme]) -> str:
    """Before and after: the team's and the other teams' (mean) on each linked theme."""
    categories, before, after, summary = [], [], [], []
    for line in lines:
        if line.own is None:
            continue
        categories.append(_("%(theme)s: our team") % {"theme": line.label})
        before.append(line.own.before.mean)
        after.append(line.own.after.mean)
        summary.append(
            _("%(theme)s, our team: %(before)s to %(after)s")
            % {
                "theme": line.label,
                "before": wording.number(line.own.before.mean),
                "after": wording.number(line.own.after.mean),
            }
        )
        others = line.others
        categories.append(
            _("%(theme)s: other teams (%(n)d)") % {"theme": line.label, "n": others.teams}
        )
        before.append(others.before)
        after.append(others.after)
        summary.append(
            _("%(theme)s, other teams (mean): %(before)s to %(after)s")
            % {
                "theme": line.label,
                "before": wording.number(others.before),
                "after": wording.number(others.after),
            }
            if others.shown
            else _("%(theme)s, other teams: not shown") % {"theme": line.label}
        )
    if not categories:
        return ""
    previous = results.previous_scan
    return change_chart(
        chart_id="linked-chart",
        categories=categories,
        before=before,
        after=after,
        before_label=previous.name if previous else "",
        after_label=results.scan.name,
        title=_("Change on the themes of our agreements, beside teams without such an agreement"),
        summary="; ".join(summary),
        suppressed_label=_("not shown"),
        scale=(1, results.instrument.scale_points),
        decimal=formats.get_format("DECIMAL_SEPARATOR"),
    )


def unit_agreements_context(
    results: PublishedResults, group: Group, viewer: Viewer, today: dt.date | None = None
) -> dict:
    """The team page's "Did our agreements help?": ``linked_themes`` (empty: no section).

    The agreements' texts only for those who may follow the team's agreements (its members,
    its leads, the admins); an analyst sees the themes and the numbers.
    """
    # Themes with a change to read first; the ones not compared after them.
    lines = sorted(
        linked_changes(results, group, wording.reader_language()), key=lambda x: not x.compared
    )
    if not lines:
        return {"linked_themes": []}
    may_follow = group.unit is not None and viewer.may_follow(group.unit)
    return {
        "linked_themes": [
            {
                "line": line,
                "own": wording.signed(line.own.difference) if line.own is not None else "",
                "others": wording.signed(line.others.difference) if line.others.shown else "",
                "agreements": [
                    (agreement, _state_label(state_of(agreement, today).state))
                    for agreement in line.agreements
                ]
                if may_follow
                else [],
            }
            for line in lines
        ],
        "linked_previous": results.previous_scan,
        "linked_k": results.k,
        "linked_chart": mark_safe(_linked_chart(results, group, lines)),
    }
