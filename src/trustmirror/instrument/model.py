"""The parts of a questionnaire: groups, constructs, items, open questions and pages.

All classes are frozen dataclasses. Their lists and dicts are plain Python containers so that
they work directly with pandas, JSON and templates; treat them as read-only, because
:func:`~trustmirror.instrument.load_instrument` hands out one cached instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "LANGUAGES",
    "Construct",
    "Group",
    "Instrument",
    "InstrumentError",
    "Item",
    "OpenQuestion",
    "Page",
    "Text",
]

#: Every user-facing text of an instrument exists in exactly these languages.
LANGUAGES: tuple[str, ...] = ("nl", "en")

#: A user-facing text per language, e.g. ``{"nl": "Angst", "en": "Fear"}``.
Text = dict[str, str]


class InstrumentError(ValueError):
    """An instrument file is missing, unreadable or breaks a rule.

    The message names the file, the offending group, construct, item, open question or page,
    and the problem.
    """


@dataclass(frozen=True)
class Item:
    """One statement that respondents rate on the agreement scale.

    ``reverse`` items are worded against their construct; scoring turns their answers around.
    """

    id: str
    construct: str
    text: Text
    reverse: bool = False

    @property
    def key(self) -> int:
        """The scoring key: ``-1`` for a reverse-keyed item, ``+1`` otherwise."""
        return -1 if self.reverse else 1


@dataclass(frozen=True)
class Construct:
    """What a set of items measures, e.g. a theme or the manager's integrity."""

    id: str
    group: str
    label: Text
    explanation: Text
    items: list[Item]


@dataclass(frozen=True)
class Group:
    """A family of constructs shown together, e.g. the six themes."""

    id: str
    label: Text
    explanation: Text


@dataclass(frozen=True)
class OpenQuestion:
    """A question answered in free text."""

    id: str
    text: Text


@dataclass(frozen=True)
class Page:
    """One page of the survey: the items and open questions on it, in order."""

    id: str
    title: Text
    item_ids: list[str]
    open_question_ids: list[str]


@dataclass(frozen=True)
class Instrument:
    """A versioned questionnaire with its answer scale, constructs, items and pages.

    Answers are stored as ``1..scale_points`` (1 = strongly disagree); ``dont_know``
    (0) is the stored value for "don't know / not applicable" and counts as missing.
    ``groups``, ``constructs`` and ``items`` keep the order of the file.
    """

    id: str
    version: str
    name: Text
    intro: Text
    scale_points: int
    dont_know: int
    scale_labels: dict[str, list[str]]
    dont_know_label: Text
    groups: list[Group]
    constructs: list[Construct]
    open_questions: list[OpenQuestion]
    pages: list[Page]
    items: dict[str, Item]
    #: Where the instrument was read from; used in messages, not in comparisons.
    source: str = field(default="", compare=False)

    def construct(self, construct_id: str) -> Construct:
        """Return the construct with this id; raise ``KeyError`` if there is none."""
        for construct in self.constructs:
            if construct.id == construct_id:
                return construct
        raise KeyError(f"instrument {self.id} v{self.version} has no construct {construct_id!r}")

    def group(self, group_id: str) -> Group:
        """Return the group with this id; raise ``KeyError`` if there is none."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(f"instrument {self.id} v{self.version} has no group {group_id!r}")

    def constructs_in(self, group_id: str) -> list[Construct]:
        """Return the constructs of one group, in file order (empty for an unknown group)."""
        return [construct for construct in self.constructs if construct.group == group_id]

    @property
    def themes(self) -> list[Construct]:
        """The constructs of group ``"theme"``, in file order."""
        return self.constructs_in("theme")

    def scoring_keys(self) -> dict[str, dict[str, int]]:
        """Return ``{construct_id: {item_id: +1 or -1}}`` for every construct.

        ``-1`` marks a reverse-keyed item. The result is a fresh dict on every call, in the
        shape ``trustmirror.analysis.scoring.scale_scores`` expects.
        """
        return {
            construct.id: {item.id: item.key for item in construct.items}
            for construct in self.constructs
        }
