"""The rater's side of the relational round: who is in it, whom they rate, saving, submitting.

Before, after or without the anonymous core questionnaire (so that taking part tells
nothing about it), each member of a team of ``scan.round_min_size`` ..
``scan.round_max_size`` invited people says, for each colleague, whether they can count on
them (reliance), can share doubts with them (disclosure) and think they are trusted by them
(meta-perception). A lead of a scan with the leader mirror also predicts how their team will
answer the leader questions about them.

Privacy (DESIGN.md, docs/privacy.md): the round is confidential, not anonymous. Rater and
target are stored only as pseudonyms (:func:`~trustmirror.relational.pseudonyms.pseudonym`),
with the team. Nothing here reads a survey token or writes anything of the core response:
no resume key, no response id, no moment. Every write is its own transaction, never the one
that wrote the core response, and none writes or locks the invitation row.

Concurrency: every write locks the rater's :class:`RoundEntry` (created on the first write)
and re-checks its state there, so a submitted or declined round never changes again.

Stale saves, as in the questionnaire (:mod:`trustmirror.surveys.answering`): each page form
carries the page's revision as it was shown (:func:`round_page_revision`), and a save is
accepted only at the revision the entry holds now, which it then counts up; a save made
from an older one raises :class:`~trustmirror.surveys.answering.StaleSave` and writes
nothing, so a late request never replaces newer answers. The counters are emptied when the
round is submitted or declined.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.crypto import salted_hmac

from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.surveys.answering import (
    OPEN,
    StaleSave,
    SurveyNotOpen,
    instrument_for,
    scan_availability,
)
from trustmirror.surveys.models import Invitation, Scan

__all__ = [
    "COLLEAGUES_PER_PAGE",
    "QUESTIONS",
    "Colleague",
    "NotInRound",
    "RoundFinished",
    "RoundPlan",
    "colleague_answered",
    "cyclic_targets",
    "has_started",
    "leader_items",
    "prediction_save",
    "round_answers",
    "round_decline",
    "round_entry",
    "round_page_revision",
    "round_page_save",
    "round_pending",
    "round_plan",
    "round_prediction",
    "resume_page_number",
    "round_submit",
    "team_people",
]

#: The three statements about each colleague, in the order asked and stored.
QUESTIONS = ("reliance", "disclosure", "meta")
COLLEAGUES_PER_PAGE = 4
#: About 40 seconds per colleague: a team of eight (seven colleagues) takes about five minutes.
SECONDS_PER_COLLEAGUE = 40
_KEY_SALT = "trustmirror.relational.colleague-key"


class RoundFinished(Exception):
    """The round was submitted or declined; it cannot change any more."""


class NotInRound(Exception):
    """This person takes no part in the round of this scan."""


@dataclass(frozen=True)
class Colleague:
    """A colleague as one rater sees them: a name, and an opaque key for that rater's forms.

    ``key`` is keyed with the secret key and differs per rater, so a page's source shows no
    pseudonym that could be looked up in a database dump.
    """

    name: str
    pseudonym: str
    key: str


@dataclass(frozen=True)
class RoundPlan:
    """What one person's round holds: the colleagues they rate (in their order), and whether
    they predict their team's view of them as a lead.

    ``team_size`` counts the invited people of the rater's unit, the rater included.
    """

    scan: Scan
    unit_id: int
    rater: str
    team_size: int
    rates_colleagues: bool
    predicts: bool
    colleagues: list[Colleague] = field(default_factory=list)

    @property
    def in_round(self) -> bool:
        return self.rates_colleagues or self.predicts

    @property
    def colleague_page_count(self) -> int:
        return math.ceil(len(self.colleagues) / COLLEAGUES_PER_PAGE)

    @property
    def page_count(self) -> int:
        return self.colleague_page_count + (1 if self.predicts else 0)

    @property
    def prediction_page_number(self) -> int | None:
        return self.colleague_page_count + 1 if self.predicts else None

    def colleagues_on_page(self, number: int) -> list[Colleague]:
        """The colleagues of 1-based page ``number`` (none on the prediction page)."""
        if not 1 <= number <= self.colleague_page_count:
            return []
        start = (number - 1) * COLLEAGUES_PER_PAGE
        return self.colleagues[start : start + COLLEAGUES_PER_PAGE]

    @property
    def minutes(self) -> int:
        """The expected time, rounded up to whole minutes (the prediction page about one)."""
        seconds = SECONDS_PER_COLLEAGUE * len(self.colleagues) + (60 if self.predicts else 0)
        return max(1, math.ceil(seconds / 60))


def team_people(scan: Scan, person) -> list:
    """The people invited to ``scan`` in ``person``'s unit, ``person`` (and the lead) included."""
    return [
        invitation.person
        for invitation in Invitation.objects.filter(
            scan=scan, person__unit_id=person.unit_id
        ).select_related("person")
    ]


def cyclic_targets(team: list[str], rater: str, count: int) -> list[str]:
    """The ``count`` colleagues ``rater`` rates in a balanced cyclic design.

    ``team`` holds every pseudonym of the team (the rater's too). Sorted, the rater at
    position *i* rates positions *i*+1 .. *i*+``count`` (mod *n*): every member then rates
    ``count`` colleagues and is rated by exactly ``count`` colleagues, never themself.
    """
    ordered = sorted(team)
    n = len(ordered)
    if not 0 <= count < n:
        raise ValueError(f"count must be between 0 and {n - 1}, got {count}")
    i = ordered.index(rater)
    return [ordered[(i + step) % n] for step in range(1, count + 1)]


def _colleague_key(rater: str, target: str) -> str:
    return salted_hmac(_KEY_SALT, f"{rater}:{target}", algorithm="sha256").hexdigest()[:16]


def round_plan(*, invitation: Invitation) -> RoundPlan:
    """The round of the invitation's person, as the scan's modules and their team decide.

    A team of fewer than ``round_min_size`` invited people has no ratings; in a team of more
    than ``round_max_size`` each member rates ``round_max_size - 1`` colleagues
    (:func:`cyclic_targets`). The colleagues come in an order of the rater's own, shuffled
    with a seed from their pseudonym: the same on every visit, different for each rater.
    """
    scan = invitation.scan
    person = invitation.person
    rater = pseudonym(scan.pk, person.pk)
    predicts = bool(scan.leader_mirror and person.is_lead)
    if not scan.relational_round:
        return RoundPlan(scan, person.unit_id, rater, 0, False, predicts)
    names = {pseudonym(scan.pk, member.pk): member.name for member in team_people(scan, person)}
    names[rater] = person.name  # invited, so already there; a safeguard for the arithmetic
    n = len(names)
    if n < scan.round_min_size:
        return RoundPlan(scan, person.unit_id, rater, n, False, predicts)
    count = n - 1 if n <= scan.round_max_size else scan.round_max_size - 1
    targets = cyclic_targets(list(names), rater, count)
    # Sorted first, so the shuffle depends on the seed alone, not on the query's order.
    targets.sort()
    random.Random(int(rater, 16)).shuffle(targets)
    colleagues = [Colleague(names[t], t, _colleague_key(rater, t)) for t in targets]
    return RoundPlan(scan, person.unit_id, rater, n, True, predicts, colleagues)


def leader_items(scan: Scan) -> list:
    """The items of the leader constructs (group ``leader``) the scan's questionnaire asks."""
    instrument = instrument_for(scan)
    return [
        item
        for construct in instrument.constructs
        if construct.group == "leader"
        for item in construct.items
    ]


def round_entry(plan: RoundPlan) -> RoundEntry | None:
    return RoundEntry.objects.filter(scan=plan.scan, rater=plan.rater).first()


def round_pending(plan: RoundPlan) -> bool:
    """Whether this person still has a round to answer (in it, neither submitted nor declined)."""
    if not plan.in_round:
        return False
    entry = round_entry(plan)
    return entry is None or entry.state == RoundEntry.ANSWERING


def round_page_revision(plan: RoundPlan, page_number: int) -> int:
    """The revision of the rater's answers on page ``page_number``: 0 before the first save."""
    entry = round_entry(plan)
    return entry.page_revisions.get(str(page_number), 0) if entry is not None else 0


def round_answers(plan: RoundPlan) -> dict[str, RoundAnswer]:
    """The rater's stored answers, by target pseudonym (their current colleagues only)."""
    targets = [c.pseudonym for c in plan.colleagues]
    return {
        answer.target: answer
        for answer in RoundAnswer.objects.filter(
            scan=plan.scan, rater=plan.rater, target__in=targets
        )
    }


def round_prediction(plan: RoundPlan) -> dict[str, int]:
    """The lead's stored prediction: item id to 1..5."""
    prediction = LeaderPrediction.objects.filter(scan=plan.scan, lead=plan.rater).first()
    return dict(prediction.answers) if prediction else {}


def colleague_answered(answer: RoundAnswer | None) -> bool:
    """A colleague counts as done once skipped or given at least one answer."""
    return answer is not None and (
        answer.skipped or any(getattr(answer, q) is not None for q in QUESTIONS)
    )


def resume_page_number(plan: RoundPlan) -> int:
    """Where a returning rater continues: the first page with a colleague not yet answered,
    else an unanswered prediction page; ``plan.page_count + 1`` means the review step."""
    answers = round_answers(plan)
    for number in range(1, plan.colleague_page_count + 1):
        if not all(
            colleague_answered(answers.get(c.pseudonym)) for c in plan.colleagues_on_page(number)
        ):
            return number
    if plan.predicts and not round_prediction(plan):
        return plan.prediction_page_number
    return plan.page_count + 1


def has_started(plan: RoundPlan) -> bool:
    """Whether anything of the round was saved (the start page is then skipped)."""
    return RoundAnswer.objects.filter(scan=plan.scan, rater=plan.rater).exists() or bool(
        round_prediction(plan)
    )


# -- writes -------------------------------------------------------------------------------------


def _check_open(scan: Scan, today: dt.date | None) -> None:
    state = scan_availability(scan, today=today)
    if state != OPEN:
        raise SurveyNotOpen(state)


def _entry_for_update(plan: RoundPlan) -> RoundEntry:
    """The rater's entry, created if needed, locked until the transaction ends."""
    if not plan.in_round:
        raise NotInRound
    entry, _ = RoundEntry.objects.select_for_update().get_or_create(
        scan=plan.scan, rater=plan.rater, defaults={"unit_id": plan.unit_id}
    )
    if entry.state != RoundEntry.ANSWERING:
        raise RoundFinished
    return entry


def _count_revision(entry: RoundEntry, page_number: int, revision: int | None) -> None:
    """Refuse a save made from another revision of the page than the stored one, else count
    the page's revision up (saved with the entry). ``None`` skips the check (no form)."""
    key = str(page_number)
    current = entry.page_revisions.get(key, 0)
    if revision is not None and revision != current:
        raise StaleSave(current)
    entry.page_revisions = {**entry.page_revisions, key: current + 1}


def _check_rating(target: str, question: str, value) -> None:
    if value is not None and (type(value) is not int or not 1 <= value <= 5):
        raise ValueError(f"{question} for {target[:8]} must be 1..5 or None, got {value!r}")


@transaction.atomic
def round_page_save(
    *,
    plan: RoundPlan,
    page_number: int,
    ratings: Mapping[str, Mapping[str, int | None]],
    skipped: set[str] | frozenset[str] = frozenset(),
    revision: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Store one page of the round: the page's state replaces what was stored for it.

    ``revision`` is the page's revision the form was shown at (:func:`round_page_revision`):
    a save made from another one raises :class:`StaleSave` and writes nothing; ``None``
    skips that check (callers without a form).

    ``ratings`` maps a target pseudonym to ``{question: value}`` (1..5; a question left out
    or None is not answered); ``skipped`` holds the targets the rater skipped, whose values
    are then dropped. A colleague of the page with neither is unanswered again (a stored
    answer is removed). ``ValueError`` for a target that is not a colleague on this page, an
    unknown question or a value off the scale; nothing is written then.
    """
    _check_open(plan.scan, today)
    if not 1 <= page_number <= plan.colleague_page_count:
        raise ValueError(f"page {page_number} has no colleagues")
    on_page = {c.pseudonym for c in plan.colleagues_on_page(page_number)}
    for target in (*ratings, *skipped):
        if target not in on_page:
            raise ValueError(f"{target[:8]} is not a colleague on page {page_number}")
    for target, values in ratings.items():
        for question, value in values.items():
            if question not in QUESTIONS:
                raise ValueError(f"unknown question {question!r}")
            _check_rating(target, question, value)
    entry = _entry_for_update(plan)
    _count_revision(entry, page_number, revision)
    entry.unit_id = plan.unit_id
    entry.save(update_fields=["unit", "page_revisions"])
    for target in on_page:
        values = {q: ratings.get(target, {}).get(q) for q in QUESTIONS}
        if target in skipped:
            values = dict.fromkeys(QUESTIONS)
        elif all(value is None for value in values.values()):
            RoundAnswer.objects.filter(scan=plan.scan, rater=plan.rater, target=target).delete()
            continue
        RoundAnswer.objects.update_or_create(
            scan=plan.scan,
            rater=plan.rater,
            target=target,
            defaults={"unit_id": plan.unit_id, "skipped": target in skipped, **values},
        )


@transaction.atomic
def prediction_save(
    *,
    plan: RoundPlan,
    answers: Mapping[str, int],
    revision: int | None = None,
    today: dt.date | None = None,
) -> None:
    """Store the lead's prediction (item id to 1..5; an item left out is not answered).

    The page's state replaces what was stored; with no answer at all nothing is kept.
    ``revision`` as in :func:`round_page_save`, for the prediction page.
    """
    _check_open(plan.scan, today)
    if not plan.predicts:
        raise NotInRound
    allowed = {item.id for item in leader_items(plan.scan)}
    for item_id, value in answers.items():
        if item_id not in allowed:
            raise ValueError(f"{item_id!r} is not a leader question of this scan")
        _check_rating(item_id, item_id, value)
    entry = _entry_for_update(plan)
    _count_revision(entry, plan.prediction_page_number, revision)
    entry.save(update_fields=["page_revisions"])
    if not answers:
        LeaderPrediction.objects.filter(scan=plan.scan, lead=plan.rater).delete()
        return
    LeaderPrediction.objects.update_or_create(
        scan=plan.scan,
        lead=plan.rater,
        defaults={"unit_id": plan.unit_id, "answers": dict(answers)},
    )


@transaction.atomic
def round_submit(*, plan: RoundPlan, today: dt.date | None = None) -> bool:
    """Submit the round; ``True`` if this call did. A second call changes nothing."""
    _check_open(plan.scan, today)
    try:
        entry = _entry_for_update(plan)
    except RoundFinished:
        return False
    entry.state = RoundEntry.SUBMITTED
    entry.unit_id = plan.unit_id
    entry.page_revisions = {}  # no save can follow
    entry.save(update_fields=["state", "unit", "page_revisions"])
    LeaderPrediction.objects.filter(scan=plan.scan, lead=plan.rater).update(submitted=True)
    return True


@transaction.atomic
def round_decline(*, plan: RoundPlan, today: dt.date | None = None) -> bool:
    """Skip the round as a whole: whatever was saved of it is deleted, and it stays skipped.

    ``True`` if this call declined it; ``False`` when it was already submitted or declined.
    """
    _check_open(plan.scan, today)
    try:
        entry = _entry_for_update(plan)
    except RoundFinished:
        return False
    RoundAnswer.objects.filter(scan=plan.scan, rater=plan.rater).delete()
    LeaderPrediction.objects.filter(scan=plan.scan, lead=plan.rater).delete()
    entry.state = RoundEntry.DECLINED
    entry.page_revisions = {}
    entry.save(update_fields=["state", "page_revisions"])
    return True
