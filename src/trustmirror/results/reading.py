"""What a results page says about a published group, independent of the request.

The pages (:mod:`trustmirror.results.views`) and the reports (:mod:`trustmirror.results.reports`)
build their context from these functions alike, so a report never shows what the page would not.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from trustmirror.instrument import Construct
from trustmirror.instrument.recommendations import quadrant_advice
from trustmirror.results import keys, wording
from trustmirror.results.selectors import (
    ConstructChange,
    Group,
    PublishedResults,
    ScaleStat,
)
from trustmirror.results.story import PARENT, PREVIOUS, Comparison
from trustmirror.surveys.models import Scan


@dataclass(frozen=True)
class ConstructLine:
    """One construct as a page shows it: text in the reader's language and shown numbers."""

    construct: Construct
    label: str
    explanation: str
    unit: ScaleStat | None
    organisation: ScaleStat | None
    polarity: str  # the instrument's: higher_better, higher_worse or neutral
    #: For a scale of sensitive questions (Construct.sensitive): the smallest group shown.
    sensitive_min: int | None = None
    #: Questions about the respondent's manager, in a questionnaire that counts a lead's
    #: answers in the unit above (Instrument.leads_count_in_parent): the page says so.
    about_manager: bool = False

    @property
    def difference(self) -> str:
        """The group's shown mean minus the comparison's shown mean ("" without both)."""
        if self.unit is None or self.organisation is None:
            return ""
        return wording.signed(round(self.unit.mean, 1) - round(self.organisation.mean, 1))


@dataclass(frozen=True)
class ConstructGroup:
    label: str
    explanation: str
    lines: list[ConstructLine]

    @property
    def about_manager(self) -> bool:
        return any(line.about_manager for line in self.lines)


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
    # The questions of this measure changed between the two instrument versions.
    measure_changed: bool = False


def lines(
    results: PublishedResults,
    constructs: Sequence[Construct],
    group: Group | None,
    lang: str,
    versus: Comparison | None = None,
) -> list[ConstructLine]:
    """``versus``: what the second column shows (the organisation when None)."""
    org = results.org
    least = max(results.k, results.instrument.sensitive_min_group_size or 0)
    return [
        ConstructLine(
            construct=c,
            label=c.label[lang],
            explanation=c.explanation[lang],
            unit=group.stat(c.id) if group is not None else None,
            organisation=(
                _versus_stat(versus, group, c.id)
                if versus is not None and group is not None
                else org.stat(c.id)
                if org is not None
                else None
            ),
            polarity=c.polarity,
            sensitive_min=least if c.sensitive else None,
            about_manager=results.instrument.leads_count_in_parent
            and all(item.referent == "manager" for item in c.items),
        )
        for c in constructs
    ]


def _versus_stat(versus: Comparison, group: Group, construct_id: str) -> ScaleStat | None:
    if versus.kind == PREVIOUS:
        change = group.change(construct_id)
        return change.before if change is not None else None
    return versus.group.stat(construct_id) if versus.group is not None else None


def construct_groups(
    results: PublishedResults, group: Group | None, lang: str, versus: Comparison | None = None
) -> list[ConstructGroup]:
    instrument = results.instrument
    return [
        ConstructGroup(
            label=g.label[lang],
            explanation=g.explanation[lang],
            lines=lines(results, instrument.constructs_in(g.id), group, lang, versus),
        )
        for g in instrument.groups
        if g.id != "theme" and instrument.constructs_in(g.id)
    ]


def change_lines(
    group: Group,
    constructs: Sequence[Construct],
    lang: str,
    comparable: Container[str] | None = None,
) -> list[ChangeLine]:
    """``comparable``: the constructs measured with the same items in both scans (all when
    None); the others say that the measure changed instead of why a number is hidden."""
    out = []
    for construct in constructs:
        one = group.change(construct.id)
        if one is None:
            changed = comparable is not None and construct.id not in comparable
            out.append(
                ChangeLine(label=construct.label[lang], change=None, measure_changed=changed)
            )
            continue
        before, after = wording.number(one.before.mean), wording.number(one.after.mean)
        out.append(
            ChangeLine(
                label=construct.label[lang],
                change=one,
                before=before,
                after=after,
                # From the numbers shown, so "3.4 -> 2.1" reads "-1.3", not "-1.2".
                difference=wording.signed(round(one.after.mean, 1) - round(one.before.mean, 1)),
                interval=(
                    wording.interval_text(one.ci_low, one.ci_high)
                    if one.ci_low is not None and one.ci_high is not None
                    else ""
                ),
                # Stored to a tenth where a count is withheld (see publishing).
                hedges_g=(
                    wording.number(one.hedges_g, 2 if one.after.n is not None else 1)
                    if one.hedges_g is not None
                    else ""
                ),
                verdict=wording.change_verdict(one.direction, one.size),
                tone=wording.change_tone(one.direction, construct.polarity),
            )
        )
    return out


@dataclass(frozen=True)
class GroupChange:
    """What a page shows of one group's change: the previous scan, the stricter k, the changes."""

    previous: Scan
    k: int
    group: Group
    #: Constructs measured with the same items in both scans (see
    #: :meth:`~trustmirror.instrument.Instrument.comparable_constructs`).
    comparable: frozenset[str] = frozenset()
    #: The instrument versions of the previous scan and of this one, when they differ.
    versions: tuple[str, str] | None = None
    #: The forms (full, pulse) of the previous scan and of this one, when they differ.
    forms: tuple[str, str] | None = None

    @property
    def shown(self) -> bool:
        return self.group.shown and bool(self.group.raw_changes)

    @property
    def nothing_comparable(self) -> bool:
        return (self.versions is not None or self.forms is not None) and not self.comparable

    def get(self, construct_id: str) -> ConstructChange | None:
        return self.group.change(construct_id)


def form_label(instrument, form_id: str) -> str:
    """One form of the instrument in a sentence ("the pulse survey"), the reader's language."""
    if form_id == "full":
        return _("the full questionnaire")
    label = instrument.forms[form_id].label[wording.reader_language()]
    return _("the %(form)s") % {"form": label.lower()}


def change_context(results: PublishedResults, group: Group, lang: str) -> dict:
    """The "change since the previous scan" part of a page; empty without a previous scan."""
    previous = results.previous_scan
    if previous is None or not results.is_results:
        return {}
    themes = results.instrument.themes
    others = results.other_constructs()
    instrument = results.instrument
    # The constructs compared (a part compared on a pulse's items counts as its construct).
    comparable = frozenset(
        instrument.construct_of(key)
        for key in instrument.comparable_constructs(
            previous.instrument_id, previous.instrument_version, previous.form
        )
    )
    versions = (
        None
        if (previous.instrument_id, previous.instrument_version)
        == (instrument.id, instrument.version)
        else (previous.instrument_version, instrument.version)
    )
    forms = None
    if versions is None and previous.form != instrument.form_id:
        forms = (form_label(instrument, previous.form), form_label(instrument, instrument.form_id))
    change = GroupChange(
        previous, max(results.k, previous.min_group_size), group, comparable, versions, forms
    )
    context = {"change": change}
    if change.shown:
        from trustmirror.results import figures

        theme_lines = change_lines(group, themes, lang, comparable)
        context.update(
            {
                # One sentence instead of a table of "not compared" rows (a new version).
                "change_theme_lines": (
                    theme_lines if not all(line.measure_changed for line in theme_lines) else []
                ),
                "change_other_lines": change_lines(group, others, lang, comparable),
                # No chart of empty rows when no theme could be compared (a new version).
                "change_chart": (
                    figures.change_figure(results, group, themes)
                    if any(group.change(c.id) is not None for c in themes)
                    else ""
                ),
            }
        )
    return context


def balance_context(
    results: PublishedResults, group: Group, versus: Comparison | None = None
) -> dict:
    """The trust-control balance and feeling beside reason of ``group`` (empty without them).

    The chart adds the comparison the reader chose (the organisation for the previous scan,
    whose balance is not published as such) and, beside the unit above, the organisation.
    """
    from trustmirror.results import balance, figures

    instrument = results.instrument
    own = balance.group_balance(instrument, group)
    context = {"feeling_reason": balance.feeling_and_reason(group)}
    if own is None:
        return context
    beside = []
    if versus is not None and versus.kind == PARENT and versus.group is not None:
        beside.append((versus.label, versus.group))
    org = results.org
    if org is not None and not group.is_org:
        beside.append((results.scan.organisation.name, org))
    others = [
        (label, found)
        for label, other in beside
        if (found := balance.group_balance(instrument, other)) is not None
    ]
    variant = "parent" if versus is not None and versus.kind == PARENT else ""
    context.update(
        {
            "balance": own,
            # Only the group's own quadrant: advice that fits where it stands, not a list.
            "balance_advice": quadrant_advice(own.key, wording.reader_language()),
            "balance_chart": figures.balance_figure(results, group, own, others, variant=variant),
        }
    )
    return context


@dataclass(frozen=True)
class DriverLine:
    theme: str
    r: str  # two decimals, the reader's format
    interval: str
    strength: str  # in words
    bar: int  # |r| in whole steps of 5 %, for the bar
    negative: bool


def drivers_context(results: PublishedResults) -> dict:
    """The organisation's drivers (``payload["drivers"]``, see privacy.drivers), per outcome."""
    from trustmirror.analysis.drivers import strength
    from trustmirror.results.models import Publication

    if not results.is_results:
        return {}
    stored = (
        Publication.objects.filter(pk=results.publication.pk)
        .values_list("payload__drivers", flat=True)
        .first()
    )
    if not stored:
        return {}
    lang = wording.reader_language()
    instrument = results.instrument
    words = {
        "strong": _("strong"),
        "moderate": _("moderate"),
        "small": _("small"),
        "negligible": _("hardly any"),
    }
    order = {c.id: i for i, c in enumerate(instrument.constructs)}
    outcomes: dict[str, list[DriverLine]] = {}
    # Outcomes in the questionnaire's order; within one, the strongest association first.
    for one in sorted(stored, key=lambda d: (order.get(d["outcome"], 0), -d["r"])):
        outcome = instrument.construct(one["outcome"]).label[lang]
        outcomes.setdefault(outcome, []).append(
            DriverLine(
                theme=instrument.construct(one["predictor"]).label[lang],
                r=wording.number(one["r"], 2),
                interval=_("%(low)s to %(high)s")
                % {
                    "low": wording.number(one["ci_low"], 2),
                    "high": wording.number(one["ci_high"], 2),
                },
                strength=words[strength(one["r"])],
                bar=5 * round(abs(one["r"]) * 100 / 5),
                negative=one["r"] < 0,
            )
        )
    return {"drivers": outcomes}


def group_label(results: PublishedResults, group: Group) -> str:
    if group.is_org:
        return results.scan.organisation.name
    if group.unit is not None:
        return group.unit.name
    parent = None
    if group.rollup and group.rollup.get("parent_id") is not None:
        parent = results.group(keys.unit_key(group.rollup["parent_id"]))
    parent_name = parent.unit.name if parent is not None and parent.unit is not None else ""
    return wording.rollup_label(group.rollup, parent_name)


def reason_for(results: PublishedResults, group: Group) -> str:
    """Why a hidden group shows no numbers, as a sentence."""
    rolled = ""
    if group.rolled_into:
        target = results.group(group.rolled_into)
        rolled = group_label(results, target) if target is not None else ""
    return wording.reason_text(group.reason, k=results.k, group=rolled)


def group_context(
    results: PublishedResults,
    group: Group,
    lang: str,
    versus_kind: str | None = None,
    *,
    others_chart: bool = True,
) -> dict:
    """What a shown unit's page and report say about it: the story, the profile beside the
    comparison (``versus_kind``: organisation, parent or previous; the first offered when
    None or not offered), the change, the trust-control balance and every scale.

    ``others_chart``: draw the chart of the other scales too (the report leaves it out).
    """
    from trustmirror.results import figures, story

    themes = results.instrument.themes
    others = results.other_constructs()
    label = group_label(results, group)
    choices = story.comparisons_for(results, group, parent=story.parent_group(results, group))
    versus = next((c for c in choices if c.kind == versus_kind), None)
    versus = versus or (choices[0] if choices else None)
    return {
        "story": story.group_story(results, group, versus, group_name=label),
        "comparisons": choices,
        "versus": versus,
        "profile_chart": figures.profile_figure(results, group, themes, versus=versus),
        "others_chart": (
            figures.profile_figure(results, group, others, chart_id="others", versus=versus)
            if others_chart
            else ""
        ),
        "theme_lines": lines(results, themes, group, lang, versus),
        "groups": construct_groups(results, group, lang, versus),
        "scale": wording.scale_text(results.instrument, lang),
        # Whose count is withheld: their one-question scales are left out (publishing).
        "unit_withheld": group.n is None,
        "org_withheld": results.org is not None and results.org.n is None,
        **change_context(results, group, lang),
        **balance_context(results, group, versus),
    }


def organisation_context(results: PublishedResults, lang: str) -> dict:
    """What the organisation's page and report say about the whole organisation."""
    from trustmirror.results import figures, story

    themes = results.instrument.themes
    org_group = results.org
    return {
        "story": story.group_story(
            results, org_group, None, group_name=results.scan.organisation.name
        ),
        "profile_chart": figures.profile_figure(results, None, themes),
        "theme_lines": lines(results, themes, None, lang),
        "groups": construct_groups(results, None, lang),
        "scale": wording.scale_text(results.instrument, lang),
        "org_withheld": org_group.n is None,
        **change_context(results, org_group, lang),
        **balance_context(results, org_group),
        **drivers_context(results),
    }
