"""The story of a results page: what stands out, in at most five plain lines.

A team lead should see in thirty seconds what goes well, what needs attention and what
changed. This module chooses those lines from a published version's numbers (never from
responses) by fixed, documented rules, and words them in the reader's language:

* **Strength / attention point**: a scale whose shown mean differs from the comparison's shown
  mean by at least :data:`MIN_GAP` in the better (worse) direction, while the comparison's
  mean lies outside the group's 95% interval. "Better" follows the scale's polarity in the
  instrument: for fear a lower score is better. Scales whose polarity is ``neutral`` (the
  amount of control, the tendency to trust) are left out of the story: neither direction
  is better in itself.
* **Change**: a scale whose difference since the previous scan has a 95% interval that
  excludes zero. Changes are part of the story whatever the comparison is.
* **Divided**: a scale on which the group's answers agree little (the published agreement
  level ``low``, r\\ :sub:`wg(J)` below .50): the mean hides different experiences.

Candidates of each kind are ranked by size (the largest gap or change first, the lowest
agreement first) and taken by turns (attention point, change, strength, divided) until the
story has :data:`MAX_LINES` lines. A scale that qualifies twice (lower than the organisation
*and* down since the previous scan) is one line with both facts. Differences are computed
from the numbers shown, so "3.4 -> 2.1" reads "-1.3".

Comparisons (chosen by the reader): the organisation, the unit above, or the same group in
the previous scan. Attention points and "seen differently" lines get two or three questions
for the team conversation and what can be done about them, from the recommendations library
(:mod:`trustmirror.instrument.recommendations`): a unit's story offers the team-level
interventions, the organisation's story the organisation-level ones. Other lines get none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trustmirror.instrument import Construct
from trustmirror.instrument.recommendations import recommendations_for
from trustmirror.results import keys, wording
from trustmirror.results.selectors import CLEAR_HIGHER, CLEAR_LOWER, Group, PublishedResults

__all__ = [
    "ATTENTION",
    "COMPARISONS",
    "DIVIDED",
    "MAX_LINES",
    "MIN_GAP",
    "STRENGTH",
    "Comparison",
    "Story",
    "StoryLine",
    "comparisons_for",
    "group_story",
]

#: At most this many lines: a story, not a second table.
MAX_LINES = 5
#: The smallest difference of shown means that counts as "clearly" higher or lower: smaller
#: gaps are within what a scale's rounding and a team's size make noise of.
MIN_GAP = 0.3

STRENGTH = "strength"
ATTENTION = "attention"
DIVIDED = "divided"

ORGANISATION = "organisation"
PARENT = "parent"
PREVIOUS = "previous"
COMPARISONS = (ORGANISATION, PARENT, PREVIOUS)

TONE_LABELS = {
    ATTENTION: gettext_lazy("Attention point"),
    STRENGTH: gettext_lazy("Strength"),
    DIVIDED: gettext_lazy("Seen differently"),
}


@dataclass(frozen=True)
class Comparison:
    """What a group is set beside: another published group, or itself in the previous scan."""

    kind: str  # one of COMPARISONS
    label: str  # in a sentence: "Kwartelhaven Logistiek", "Warehouse", "Trust scan May 2026"
    group: Group | None = None  # None for PREVIOUS

    def mean(self, own: Group, construct_id: str) -> float | None:
        """The comparison's shown mean (a tenth) of ``construct_id``, or None."""
        if self.kind == PREVIOUS:
            change = own.change(construct_id)
            return round(change.before.mean, 1) if change is not None else None
        stat = self.group.stat(construct_id) if self.group is not None else None
        return round(stat.mean, 1) if stat is not None else None


@dataclass
class StoryLine:
    construct: Construct
    tone: str  # STRENGTH, ATTENTION or DIVIDED
    anchor: str  # where its detail is, a fragment of the page
    label: str = ""  # the construct's name in the reader's language
    sentences: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    #: What can be done about it, at the story's level (Story.level).
    actions: list[str] = field(default_factory=list)

    @property
    def tone_label(self) -> str:
        return str(TONE_LABELS[self.tone])

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Story:
    lines: list[StoryLine]
    #: The previous scan's name when changes were looked for (a previous scan was published).
    previous: str | None
    #: Said instead of lines when nothing stands out.
    empty_text: str = ""
    #: Whose actions the lines offer: "team" (a unit's story) or "organisation".
    level: str = "team"

    @property
    def min_gap(self) -> str:
        """:data:`MIN_GAP` as the page prints numbers (0,3 in Dutch)."""
        return wording.number(MIN_GAP)


@dataclass(frozen=True)
class _Candidate:
    construct: Construct
    kind: str  # "above", "below", "up", "down", "divided"
    size: float  # how strongly it qualifies: larger is told first
    tone: str
    sentence: str
    anchor: str


def comparisons_for(
    results: PublishedResults, group: Group, *, parent: Group | None
) -> list[Comparison]:
    """The comparisons a reader can choose for ``group``, in order; the first is the default.

    The organisation (not for the organisation itself), the unit above when it is shown and
    is not the organisation, and the previous scan when this version has one with changes.
    """
    out = []
    org = results.org
    if org is not None and not group.is_org:
        out.append(Comparison(ORGANISATION, results.scan.organisation.name, org))
    if parent is not None and parent.shown and not parent.is_org and parent.unit is not None:
        out.append(Comparison(PARENT, parent.unit.name, parent))
    previous = results.previous_scan
    if previous is not None and results.is_results and group.raw_changes:
        out.append(Comparison(PREVIOUS, previous.name))
    return out


def _oriented(difference: float, construct: Construct) -> float:
    """A difference made positive when it is better (for fear: lower is better)."""
    return -difference if construct.polarity == "higher_worse" else difference


def _gap_candidate(
    construct: Construct, group: Group, comparison: Comparison, lang: str
) -> _Candidate | None:
    stat = group.stat(construct.id)
    other = comparison.mean(group, construct.id)
    if stat is None or other is None or stat.ci_low is None or stat.ci_high is None:
        return None
    own = round(stat.mean, 1)
    difference = round(own - other, 1)
    # Clearly: a gap that survives rounding and an interval that leaves the comparison out.
    if abs(difference) < MIN_GAP or round(stat.ci_low, 1) <= other <= round(stat.ci_high, 1):
        return None
    values = {
        "scale": construct.label[lang],
        "comparison": comparison.label,
        "value": wording.number(own),
        "other": wording.number(other),
        "difference": wording.signed(difference),
    }
    if difference > 0:
        sentence = _(
            "%(scale)s is clearly higher than in %(comparison)s: %(value)s against "
            "%(other)s (%(difference)s)."
        )
    else:
        sentence = _(
            "%(scale)s is clearly lower than in %(comparison)s: %(value)s against "
            "%(other)s (%(difference)s)."
        )
    better = _oriented(difference, construct) > 0
    return _Candidate(
        construct,
        "above" if difference > 0 else "below",
        abs(difference),
        STRENGTH if better else ATTENTION,
        sentence % values,
        f"scale-{construct.id}",
    )


def _change_candidate(
    construct: Construct, group: Group, previous_name: str, lang: str
) -> _Candidate | None:
    change = group.change(construct.id)
    if change is None or change.direction not in (CLEAR_HIGHER, CLEAR_LOWER):
        return None
    before, after = round(change.before.mean, 1), round(change.after.mean, 1)
    difference = round(after - before, 1)
    if difference == 0:
        return None  # clear before rounding, invisible after: nothing a reader could see
    values = {
        "scale": construct.label[lang],
        "previous": previous_name,
        "before": wording.number(before),
        "after": wording.number(after),
        "difference": wording.signed(difference),
    }
    if change.direction == CLEAR_HIGHER:
        sentence = _(
            "%(scale)s went up since %(previous)s: from %(before)s to %(after)s (%(difference)s)."
        )
    else:
        sentence = _(
            "%(scale)s went down since %(previous)s: from %(before)s to %(after)s (%(difference)s)."
        )
    tone = wording.change_tone(change.direction, construct.polarity)
    return _Candidate(
        construct,
        "up" if difference > 0 else "down",
        abs(difference),
        STRENGTH if tone == "better" else ATTENTION,
        sentence % values,
        "change",
    )


def _divided_candidate(
    construct: Construct, group: Group, group_name: str, lang: str
) -> _Candidate | None:
    stat = group.stat(construct.id)
    if stat is None or stat.agreement != "low":
        return None
    sentence = _(
        "In %(group)s people see %(scale)s differently: the mean of %(value)s hides "
        "different experiences."
    ) % {
        "group": group_name,
        "scale": construct.label[lang],
        "value": wording.number(stat.mean),
    }
    # Lowest agreement first; without a figure (a withheld count) after those with one.
    size = 1.0 - stat.rwg_j if stat.rwg_j is not None else 0.0
    return _Candidate(construct, "divided", size, DIVIDED, sentence, f"scale-{construct.id}")


def _pick(ranked: dict[str, list[_Candidate]]) -> list[StoryLine]:
    """Take candidates by turns until MAX_LINES lines; a scale told twice is one line."""
    lines: dict[str, StoryLine] = {}
    queues = {kind: list(found) for kind, found in ranked.items()}
    order = ("attention", "change", "strength", "divided")
    while len(lines) < MAX_LINES and any(queues[kind] for kind in order):
        for kind in order:
            if not queues[kind]:
                continue
            candidate = queues[kind].pop(0)
            line = lines.get(candidate.construct.id)
            if line is None:
                if len(lines) >= MAX_LINES:
                    continue
                line = StoryLine(
                    candidate.construct,
                    candidate.tone,
                    candidate.anchor,
                    candidate.construct.label[wording.reader_language()],
                )
                lines[candidate.construct.id] = line
            line.sentences.append(candidate.sentence)
            # The worse fact sets the tone: a strength that went down is worth talking about.
            if candidate.tone == ATTENTION or (candidate.tone == STRENGTH and line.tone == DIVIDED):
                line.tone = candidate.tone
    tones = (ATTENTION, STRENGTH, DIVIDED)
    return sorted(lines.values(), key=lambda line: tones.index(line.tone))


def group_story(
    results: PublishedResults,
    group: Group,
    comparison: Comparison | None,
    *,
    group_name: str,
    constructs: Sequence[Construct] | None = None,
) -> Story:
    """The story of ``group`` beside ``comparison`` (see the module's rules)."""
    lang = wording.reader_language()
    constructs = list(constructs if constructs is not None else results.instrument.constructs)
    previous = results.previous_scan
    previous_name = previous.name if previous is not None and group.raw_changes else None
    gaps, changes, divided = [], [], []
    for construct in constructs:
        if construct.polarity == "neutral":
            continue
        if comparison is not None and comparison.kind != PREVIOUS:
            found = _gap_candidate(construct, group, comparison, lang)
            if found is not None:
                gaps.append(found)
        if previous_name is not None:
            found = _change_candidate(construct, group, previous_name, lang)
            if found is not None:
                changes.append(found)
        found = _divided_candidate(construct, group, group_name, lang)
        if found is not None:
            divided.append(found)
    by_size = lambda found: sorted(found, key=lambda c: -c.size)  # noqa: E731
    lines = _pick(
        {
            "attention": by_size([c for c in gaps if c.tone == ATTENTION]),
            "strength": by_size([c for c in gaps if c.tone == STRENGTH]),
            "change": by_size(changes),
            "divided": by_size(divided),
        }
    )
    level = ORGANISATION if group.is_org else "team"
    for line in lines:
        if line.tone in (ATTENTION, DIVIDED):
            found = recommendations_for(line.construct.id, lang)
            line.questions = found.questions[:3]
            line.actions = found.organisation if group.is_org else found.team
    empty = ""
    if not lines:
        empty = _empty_text(comparison, previous_name)
    return Story(lines, previous_name, empty, level)


def _empty_text(comparison: Comparison | None, previous_name: str | None) -> str:
    if comparison is not None and comparison.kind != PREVIOUS and previous_name:
        return _(
            "Nothing stands out clearly: no scale is clearly higher or lower than in "
            "%(comparison)s, and nothing changed clearly since %(previous)s."
        ) % {"comparison": comparison.label, "previous": previous_name}
    if comparison is not None and comparison.kind != PREVIOUS:
        return _(
            "Nothing stands out clearly: no scale is clearly higher or lower than in "
            "%(comparison)s."
        ) % {"comparison": comparison.label}
    if previous_name:
        return _("Nothing changed clearly since %(previous)s.") % {"previous": previous_name}
    return _("Nothing stands out clearly.")


def parent_group(results: PublishedResults, group: Group) -> Group | None:
    """The published row of the unit above ``group`` (None at the top or for the org)."""
    if group.is_org or not group.parent_key or group.parent_key == keys.ORG:
        return None
    return results.group(group.parent_key)
