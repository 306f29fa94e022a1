"""The parts of a questionnaire: groups, constructs, items, open questions, pages and forms.

All classes are frozen dataclasses. Their lists and dicts are plain Python containers so that
they work directly with pandas, JSON and templates; treat them as read-only, because
:func:`~trustmirror.instrument.load_instrument` hands out one cached instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

__all__ = [
    "FULL_FORM",
    "LANGUAGES",
    "POLARITIES",
    "REFERENTS",
    "Construct",
    "Form",
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

#: What a higher construct score means: better, worse, or neither (an amount, e.g. of
#: control, or a trait such as propensity, that is read rather than judged).
POLARITIES: tuple[str, ...] = ("higher_better", "higher_worse", "neutral")

#: Whom or what an item asks the respondent to judge: the own team, the own (direct)
#: manager, the organisation (including senior management and other teams), the respondent
#: themself, or people in general.
REFERENTS: tuple[str, ...] = ("team", "manager", "organisation", "self", "people")

#: The id of the form every instrument has: all items, on the file's ``[[pages]]``.
FULL_FORM = "full"

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
    ``referent`` is one of :data:`REFERENTS`. A ``sensitive`` item could expose a person in a
    small group: its distribution is never shown, only its mean, and only for groups of at
    least :attr:`Instrument.sensitive_min_group_size`.
    """

    id: str
    construct: str
    text: Text
    referent: str
    reverse: bool = False
    sensitive: bool = False

    @property
    def key(self) -> int:
        """The scoring key: ``-1`` for a reverse-keyed item, ``+1`` otherwise."""
        return -1 if self.reverse else 1


@dataclass(frozen=True)
class Construct:
    """What a set of items measures, e.g. a theme or the manager's integrity.

    ``polarity`` is one of :data:`POLARITIES`. ``comparable`` maps an earlier version of the
    same instrument to the construct of that version with exactly the same items (ids, texts
    in every language, keys), e.g. ``{"1": "org_trust"}``: only then may change between a
    scan of that version and one of this version be shown for this construct. The loader
    checks the claim against the earlier version's file.
    """

    id: str
    group: str
    label: Text
    explanation: Text
    items: list[Item]
    polarity: str
    comparable: dict[str, str] = field(default_factory=dict)

    @property
    def sensitive(self) -> bool:
        """Whether the construct's score is its sensitive items' (at least half of them).

        Such a construct is published as its mean only (no spread, interval, share agreeing
        or agreement), only for groups of at least the instrument's
        ``sensitive_min_group_size``, and without change or breakdowns: its score stands for
        the sensitive answers. A construct with fewer sensitive items (one question of six
        in psychological safety) is published as any other; the sensitive item's own
        distribution is nowhere on a page (docs/privacy.md, "Sensitive questions").
        """
        return 2 * sum(item.sensitive for item in self.items) >= len(self.items)


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
    """One page of the survey: the items and open questions on it, in order.

    ``intro`` (or ``None``) is shown above the page's questions; it names whom the statements
    are about, e.g. "These statements are about your team: the people you work with every
    day."
    """

    id: str
    title: Text
    item_ids: list[str]
    open_question_ids: list[str]
    intro: Text | None = None


@dataclass(frozen=True)
class Form:
    """One way of asking a version: its pages, expected duration and start-page text.

    Every instrument has the form ``"full"`` (all items, the file's ``[[pages]]``, labelled
    with the instrument's name and introduced by its ``intro``); a file may add shorter forms
    such as ``"pulse"`` that ask some of the same items, scored on the same constructs with
    the same keys. ``minutes`` is the expected time to answer, shown on the start page.
    """

    id: str
    label: Text
    minutes: int
    pages: list[Page]
    intro: Text

    @property
    def item_ids(self) -> list[str]:
        """The ids of the items this form asks, in the order asked."""
        return [item_id for page in self.pages for item_id in page.item_ids]

    @property
    def open_question_ids(self) -> list[str]:
        """The ids of the open questions this form asks, in the order asked."""
        return [question_id for page in self.pages for question_id in page.open_question_ids]


@dataclass(frozen=True)
class Instrument:
    """A versioned questionnaire with its answer scale, constructs, items and pages.

    Answers are stored as ``1..scale_points`` (1 = strongly disagree); ``dont_know``
    (0) is the stored value for "don't know / not applicable" and counts as missing.
    ``groups``, ``constructs`` and ``items`` keep the order of the file. ``pages`` are the
    pages of the full form; ``forms`` holds every form, ``"full"`` first. ``minutes`` is the
    expected time for the full form. ``sensitive_min_group_size`` is ``None`` when no item is
    sensitive.
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
    minutes: int
    forms: dict[str, Form]
    sensitive_min_group_size: int | None = None
    #: A lead's answers count in the unit above the one they lead, where their own manager
    #: is (surveys.answering.counting_unit_id): "my manager" then means one person per unit.
    leads_count_in_parent: bool = False
    #: Where the instrument was read from; used in messages, not in comparisons.
    source: str = field(default="", compare=False)
    #: The form this object asks: ``"full"``, or a shorter form made by :meth:`asked_in`.
    form_id: str = "full"
    #: For a shorter form, the whole version it was made from.
    whole: Instrument | None = field(default=None, compare=False, repr=False)

    def asked_in(self, form_id: str) -> Instrument:
        """This version as one of its forms asks it.

        The pages, items and open questions are the form's; each construct keeps the items
        the form asks (scored with the same keys) and a construct or group it does not ask
        at all is left out. ``minutes`` and ``intro`` are the form's. ``forms`` stays whole.
        Everything that reads an instrument (answering, scoring, publishing, the pages) reads
        a short form as it reads the full one. ``KeyError`` for an unknown form.
        """
        whole = self.whole or self
        if form_id == self.form_id:
            return self
        if form_id == "full":
            return whole
        form = whole.form(form_id)
        asked = set(form.item_ids)
        constructs = [
            replace(construct, items=[item for item in construct.items if item.id in asked])
            for construct in whole.constructs
        ]
        constructs = [construct for construct in constructs if construct.items]
        groups = {construct.group for construct in constructs}
        questions = set(form.open_question_ids)
        return replace(
            whole,
            pages=list(form.pages),
            items={item_id: item for item_id, item in whole.items.items() if item_id in asked},
            constructs=constructs,
            groups=[group for group in whole.groups if group.id in groups],
            open_questions=[q for q in whole.open_questions if q.id in questions],
            minutes=form.minutes,
            intro=form.intro or whole.intro,
            form_id=form_id,
            whole=whole,
        )

    def form(self, form_id: str) -> Form:
        """Return the form with this id (``"full"`` always exists); ``KeyError`` if none."""
        try:
            return self.forms[form_id]
        except KeyError:
            raise KeyError(
                f"instrument {self.id} v{self.version} has no form {form_id!r}"
            ) from None

    def published_keys(self) -> dict[str, dict[str, int]]:
        """The scales a publication of this form computes, as scoring keys.

        Every construct; and for the full form of a version with shorter forms, each
        construct scored on only the items a shorter form asks of it, named
        ``"<construct>@<form>"``, where that is a proper part of the construct. A full scan
        publishes those (never shown as scales of their own) so that a later pulse can be
        compared with it on the questions both asked, and a full scan after a pulse too.
        """
        keys = self.scoring_keys()
        if self.form_id != "full":
            return keys
        for form_id in self.forms:
            if form_id == "full":
                continue
            for construct_id, items in self.scoring_keys(form_id).items():
                if len(items) < len(keys[construct_id]):
                    keys[f"{construct_id}@{form_id}"] = items
        return keys

    @staticmethod
    def construct_of(scale: str) -> str:
        """The construct a published scale belongs to: ``"fear@pulse"`` and ``"fear"`` are
        fear (see :meth:`published_keys`)."""
        return scale.split("@", 1)[0]

    def comparable_constructs(
        self, instrument_id: str, version: str, form_id: str = "full"
    ) -> dict[str, str]:
        """Which scales of this instrument (as its form asks it) may be compared with a scan
        of another version or form: those measured with the same items on both sides.

        Returns ``{scale here: scale there}``, each a construct id or a part of one named by
        :meth:`published_keys`. Within one version: the constructs that both forms ask with
        the same items (all of them between two scans of the same form); between a full scan
        and a shorter form, a construct the shorter form asks only in part is compared on the
        items it asks: ``{"fear": "fear@pulse"}`` from the pulse, ``{"fear@pulse": "fear"}``
        from the full scan. Across versions of one instrument: the constructs whose file marks
        them ``comparable`` with ``version`` (the same items), where both scans ask them whole
        (a shorter form of another version is never compared). Nothing for another
        instrument. Change between scans is shown only for these.
        """
        if instrument_id != self.id:
            return {}
        whole = self.whole or self

        def items(instrument: Instrument) -> dict[str, set[str]]:
            return {c.id: {item.id for item in c.items} for c in instrument.constructs}

        here = items(self)
        if str(version) == self.version:
            there = items(whole.asked_in(form_id))
            same = {c: c for c, asked in here.items() if there.get(c) == asked}
            if self.form_id != "full" and form_id == "full":
                # This shorter form against a full scan: on the items asked here.
                same.update(
                    {c: f"{c}@{self.form_id}" for c, asked in here.items() if asked < there[c]}
                )
            elif self.form_id == "full" and form_id != "full":
                same.update({f"{c}@{form_id}": c for c, asked in there.items() if asked < here[c]})
            return same
        if form_id != "full":
            return {}
        complete = items(whole)
        return {
            construct.id: construct.comparable[str(version)]
            for construct in self.constructs
            if str(version) in construct.comparable and here[construct.id] == complete[construct.id]
        }

    def polarity(self, construct_id: str) -> str:
        """Return the polarity of a construct: one of :data:`POLARITIES`."""
        return self.construct(construct_id).polarity

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

    def scoring_keys(self, form_id: str | None = None) -> dict[str, dict[str, int]]:
        """Return ``{construct_id: {item_id: +1 or -1}}`` for every construct.

        ``-1`` marks a reverse-keyed item. The result is a fresh dict on every call, in the
        shape ``trustmirror.analysis.scoring.scale_scores`` expects. With ``form_id``, only
        the items that form asks are kept, and constructs it does not ask are left out.
        """
        asked = None if form_id is None else set(self.form(form_id).item_ids)
        keys = {
            construct.id: {
                item.id: item.key for item in construct.items if asked is None or item.id in asked
            }
            for construct in self.constructs
        }
        return {construct_id: items for construct_id, items in keys.items() if items}

    def fingerprint(self) -> str:
        """Return a SHA-256 hex digest of everything that gives this version's answers meaning.

        The digest covers the instrument id and version, ``scale_points``, the scale labels
        in every language, the ``dont_know`` value, and for every item its id, construct,
        texts in every language and key (+1 or -1). It leaves out what only describes or
        presents the answers: names, explanations, labels of groups and constructs, page
        layout and intros, forms (so pulse membership), open questions, polarity, referents
        and sensitivity. Those may be improved in a published version; the fingerprint may
        not change, which ``tests/instrument/test_frozen_versions.py`` holds.

        The canonical serialisation is JSON with sorted keys, no insignificant whitespace and
        text as written in the file (UTF-8, not escaped, not normalised), items sorted by id::

            {"dont_know": 0, "id": "trustscan",
             "items": [{"construct": ..., "id": ..., "key": 1, "text": {"en": ..., "nl": ...}},
                       ...],
             "scale_labels": {"en": [...], "nl": [...]}, "scale_points": 5, "version": "1"}
        """
        canonical = {
            "id": self.id,
            "version": self.version,
            "scale_points": self.scale_points,
            "scale_labels": {
                language: list(labels) for language, labels in self.scale_labels.items()
            },
            "dont_know": self.dont_know,
            "items": [
                {
                    "id": item.id,
                    "construct": item.construct,
                    "text": dict(item.text),
                    "key": item.key,
                }
                for item in sorted(self.items.values(), key=lambda item: item.id)
            ],
        }
        serialised = json.dumps(
            canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(serialised.encode("utf-8")).hexdigest()
