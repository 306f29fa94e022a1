"""The respondent's side of a scan: find the invitation behind a link, save pages, submit once.

Privacy (DESIGN.md): the :class:`~trustmirror.surveys.models.Response` row is keyed by
``resume_key(token)`` only; it gets no person, no timestamp and no sequential id. The token
travels in the URL and as a function argument, and is never stored, logged or put in the
session. Nothing in this module logs answers.

Answering never writes or locks the invitation row. A write that touched both the invitation
and the response would let anyone with the database link them (in PostgreSQL the two rows
would carry the same transaction id in ``xmin``/``xmax``). So nothing records *who* has
answered; the response itself knows whether it was submitted.

Concurrency: every write locks the respondent's own response row (``select_for_update``)
inside one transaction and re-checks ``submitted`` there, so double clicks, replayed requests
and two tabs submitting at once end in exactly one submitted response. The unique
(scan, resume_key) constraint makes the creation of the draft itself race-free.

Stale saves: a request can reach the server long after it was sent (a respondent gives up
waiting, opens the link again and answers the page anew; the old request then arrives). So
every page carries the revision of its answers as the respondent saw them
(:func:`page_revision`), and :func:`page_save` accepts a save only if it was made from the
revision stored now, under the row lock, and then counts the revision up. A late save made
from an older revision raises :class:`StaleSave` and changes nothing: it never replaces a
newer, acknowledged one. The revision is a counter per page inside the draft, not a clock
and not a sequence across responses, and it is emptied at submission.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Person
from trustmirror.prepared import PreparedRead
from trustmirror.privacy.recoding import band_recoding, unit_band_recoding
from trustmirror.surveys import answer_rows
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.tokens import looks_like_token, resume_key, token_hash

__all__ = [
    "LANGUAGES",
    "OPEN",
    "OPEN_ANSWER_MAX_LENGTH",
    "AlreadySubmitted",
    "LinkInvalid",
    "StaleSave",
    "SurveyNotOpen",
    "answered_page_numbers",
    "band_recoding",
    "counting_unit_id",
    "instrument_for",
    "invited_per_counting_unit",
    "invitation_for_token",
    "page_revision",
    "page_save",
    "response_draft",
    "response_is_submitted",
    "response_language_set",
    "response_submit",
    "resume_page_number",
    "scan_availability",
    "unit_band_recoding",
]

LANGUAGES = ("nl", "en")
OPEN_ANSWER_MAX_LENGTH = 2000

OPEN = "open"
CLOSED = "closed"
NOT_YET_OPEN = "not_yet_open"


class LinkInvalid(Exception):
    """The token is malformed, unknown or no longer valid (reissued)."""


class SurveyNotOpen(Exception):
    """The scan does not accept answers now; ``state`` is ``"closed"`` or ``"not_yet_open"``."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class AlreadySubmitted(Exception):
    """The response has been submitted; nothing may change any more."""


class StaleSave(Exception):
    """The page was saved since the form was shown: this save is refused, nothing changed.

    ``revision`` is the page's revision stored now.
    """

    def __init__(self, revision: int) -> None:
        super().__init__(revision)
        self.revision = revision


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a survey link, with its scan and person.

    Malformed and unknown tokens raise the same :class:`LinkInvalid`, so a visitor cannot
    tell a near miss from a wild guess.
    """
    if not isinstance(token, str) or not looks_like_token(token):
        raise LinkInvalid
    invitation = _INVITATION_BY_HASH.get(token_hash=token_hash(token))
    if invitation is None:
        raise LinkInvalid
    return invitation


# Read on every survey request: the SQL is built once (trustmirror.prepared). The same as
# Invitation.objects.select_related(*related).get(token_hash=...).
_INVITATION_BY_HASH = PreparedRead(
    Invitation,
    where=["token_hash"],
    related=["scan", "scan__organisation", "person", "person__unit"],
)


def scan_availability(scan: Scan, *, today: dt.date | None = None) -> str:
    """``"open"``, ``"closed"`` or ``"not_yet_open"`` for answering on ``today``.

    The scan's phase (:meth:`~trustmirror.surveys.models.Scan.phase`) decides: a draft or a
    scheduled scan is not open yet. The closing day itself is still open: "closes on 30
    November" means people can answer on the 30th, in the installation's time zone.
    """
    phase = scan.phase(today or timezone.localdate())
    if phase == Scan.CLOSED:
        return CLOSED
    if phase == Scan.OPEN:
        return OPEN
    return NOT_YET_OPEN


def instrument_for(scan: Scan):
    """The instrument (questions, pages, scale labels) the scan was created with."""
    return load_instrument(scan.instrument_id, scan.instrument_version, scan.form)


def counting_unit_id(person: Person, instrument) -> int:
    """The unit a person's answers count in: their own, or for a lead the one above.

    Where the instrument says so (``leads_count_in_parent``, Trust Scan v2), a lead's answers
    count in the parent of the unit they lead, where their own manager is: a lead's "my
    manager" is that manager, so a team's scores about its manager come only from the people
    that manager leads, and a lead's view of their own team never mixes with their team's
    view of them. A lead of a unit without a parent (the top of the tree) counts in it.
    Docs: docs/privacy.md, "Leads count in the unit above".
    """
    if instrument.leads_count_in_parent and person.is_lead and person.unit.parent_id:
        return person.unit.parent_id
    return person.unit_id


def invited_per_counting_unit(scan: Scan) -> Counter:
    """How many invited people count in each unit (:func:`counting_unit_id`)."""
    leads_above = instrument_for(scan).leads_count_in_parent
    invited: Counter = Counter()
    rows = (
        Invitation.objects.filter(scan=scan)
        .values_list("person__unit", "person__is_lead", "person__unit__parent")
        .annotate(n=Count("id"))
        .values_list("person__unit", "person__is_lead", "person__unit__parent", "n")
    )
    for unit_id, is_lead, parent_id, n in rows:
        invited[parent_id if leads_above and is_lead and parent_id else unit_id] += n
    return invited


def response_is_submitted(*, invitation: Invitation, token: str) -> bool:
    return Response.objects.filter(
        scan_id=invitation.scan_id, resume_key=resume_key(token), submitted=True
    ).exists()


def response_draft(*, invitation: Invitation, token: str) -> Response | None:
    """The respondent's saved answers (draft or submitted), found by the resume key only."""
    return _DRAFT_BY_KEY.get(scan=invitation.scan_id, resume_key=resume_key(token))


# Read on every survey request, its SQL built once: Response.objects.filter(...).first().
_DRAFT_BY_KEY = PreparedRead(Response, where=["scan", "resume_key"], first=True)
# The same, locked for the save: Response.objects.select_for_update().filter(...).first().
_DRAFT_FOR_UPDATE = PreparedRead(
    Response, where=["scan", "resume_key"], first=True, for_update=True
)


def answered_page_numbers(instrument, response: Response | None) -> set[int]:
    """1-based numbers of the pages with at least one answer (a scale answer or open text).

    A page whose questions were all skipped counts as unanswered, so a returning respondent
    is brought back to it once more; skipping stays possible.
    """
    if response is None:
        return set()
    answered = set()
    for number, page in enumerate(instrument.pages, start=1):
        if any(item_id in response.answers for item_id in page.item_ids) or any(
            question_id in response.open_answers for question_id in page.open_question_ids
        ):
            answered.add(number)
    return answered


def resume_page_number(instrument, response: Response | None) -> int:
    """Where a returning respondent continues: the first unanswered page.

    ``len(instrument.pages) + 1`` means every page has answers: continue at the review step.
    """
    answered = answered_page_numbers(instrument, response)
    for number in range(1, len(instrument.pages) + 1):
        if number not in answered:
            return number
    return len(instrument.pages) + 1


def page_revision(instrument, response: Response | None, page_number: int) -> int:
    """The revision of the answers of page ``page_number`` (1-based): 0 before the first save.

    A page form carries it, and :func:`page_save` accepts that form only at this revision.
    """
    if response is None:
        return 0
    return response.page_revisions.get(instrument.pages[page_number - 1].id, 0)


def _check_open(invitation: Invitation, *, today: dt.date | None) -> None:
    state = scan_availability(invitation.scan, today=today)
    if state != OPEN:
        raise SurveyNotOpen(state)


def _draft_for_update(invitation: Invitation, token: str, language: str) -> Response:
    """The respondent's response row, created if needed, locked until the transaction ends.

    Raises :class:`AlreadySubmitted` when it was submitted before (checked under the lock).
    """
    key = resume_key(token)
    response = _DRAFT_FOR_UPDATE.get(scan=invitation.scan_id, resume_key=key)
    if response is None:  # the first save: create it (or find the one a concurrent save made)
        response, _ = Response.objects.select_for_update().get_or_create(
            scan_id=invitation.scan_id,
            resume_key=key,
            defaults={
                "unit_id": counting_unit_id(invitation.person, instrument_for(invitation.scan)),
                "language": language,
            },
        )
    if response.submitted:
        raise AlreadySubmitted
    return response


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")


def _check_page_answers(
    instrument, page, answers: Mapping[str, int], open_answers: Mapping[str, str]
) -> None:
    # The form gives the respondent friendly messages; this guards the stored data against
    # any other caller.
    allowed_values = {instrument.dont_know, *range(1, instrument.scale_points + 1)}
    for item_id, value in answers.items():
        if item_id not in page.item_ids:
            raise ValueError(f"item {item_id!r} is not on page {page.id!r}")
        if type(value) is not int or value not in allowed_values:
            raise ValueError(f"answer to {item_id!r} must be one of {sorted(allowed_values)}")
    for question_id, text in open_answers.items():
        if question_id not in page.open_question_ids:
            raise ValueError(f"open question {question_id!r} is not on page {page.id!r}")
        if not isinstance(text, str) or len(text) > OPEN_ANSWER_MAX_LENGTH:
            raise ValueError(
                f"open answer {question_id!r} must be text of at most "
                f"{OPEN_ANSWER_MAX_LENGTH} characters"
            )


@transaction.atomic
def page_save(
    *,
    invitation: Invitation,
    token: str,
    page_number: int,
    answers: Mapping[str, int],
    open_answers: Mapping[str, str] | None = None,
    language: str,
    revision: int | None = None,
    today: dt.date | None = None,
) -> Response:
    """Store the answers of one page (1-based ``page_number``) in the respondent's draft.

    The page's state replaces what was stored for that page: an item of the page missing
    from ``answers`` is skipped (removed if answered before); answers on other pages are kept.
    ``language`` becomes the draft's language, so a language switch survives leaving.

    ``revision`` is the page's revision the answers were given at (:func:`page_revision` when
    the form was shown). Only a save at the stored revision is accepted, which counts it up;
    any other raises :class:`StaleSave` and stores nothing, so two saves made from the same
    revision end with the first one's answers, whatever their order. ``None`` skips the check,
    for callers that write without a form (the demo's data, tests that set up a draft).

    Raises :class:`AlreadySubmitted` after submission and :class:`SurveyNotOpen` outside
    the answering period; ``ValueError`` for a page, item or value the instrument lacks.
    """
    _check_language(language)
    _check_open(invitation, today=today)
    instrument = instrument_for(invitation.scan)
    if not 1 <= page_number <= len(instrument.pages):
        raise ValueError(f"page {page_number} does not exist")
    page = instrument.pages[page_number - 1]
    open_answers = {k: v for k, v in (open_answers or {}).items() if v}
    _check_page_answers(instrument, page, answers, open_answers)

    response = _draft_for_update(invitation, token, language)
    current = response.page_revisions.get(page.id, 0)
    if revision is not None and revision != current:
        raise StaleSave(current)
    stored = {k: v for k, v in response.answers.items() if k not in page.item_ids}
    stored.update(answers)
    stored_open = {
        k: v for k, v in response.open_answers.items() if k not in page.open_question_ids
    }
    stored_open.update(open_answers)
    response.answers = stored
    response.open_answers = stored_open
    response.language = language
    response.page_revisions = {**response.page_revisions, page.id: current + 1}
    response.save(update_fields=["answers", "open_answers", "language", "page_revisions"])
    return response


@transaction.atomic
def response_language_set(
    *, invitation: Invitation, token: str, language: str, today: dt.date | None = None
) -> Response:
    """Remember the respondent's chosen language in their draft (created if needed)."""
    _check_language(language)
    _check_open(invitation, today=today)
    response = _draft_for_update(invitation, token, language)
    if response.language != language:
        response.language = language
        response.save(update_fields=["language"])
    return response


@transaction.atomic
def response_submit(*, invitation: Invitation, token: str, today: dt.date | None = None) -> bool:
    """Submit the respondent's answers; ``True`` if this call submitted them.

    Idempotent: a second call (double click, replayed request, second tab) finds the
    response submitted under the row lock and returns ``False`` without changing anything.
    The response takes the person's unit at this moment, so a move during the answering
    period counts where they work when they submit, and those of the person's demographic
    bands that at least k invited people of that unit share (:func:`band_recoding`). The
    invitation is not touched.
    """
    _check_open(invitation, today=today)
    language = invitation.person.language if invitation.person.language in LANGUAGES else "nl"
    try:
        response = _draft_for_update(invitation, token, language)
    except AlreadySubmitted:
        return False
    response.unit_id = counting_unit_id(invitation.person, instrument_for(invitation.scan))
    response.bands = _bands_to_store(invitation, response.unit_id)
    response.submitted = True
    # No save can follow a submission, so the counters are of no use any more.
    response.page_revisions = {}
    response.answer_row = answer_rows.encode(
        list(instrument_for(invitation.scan).items), response.answers
    )
    response.save(update_fields=["unit", "bands", "submitted", "page_revisions", "answer_row"])
    return True


def _bands_to_store(invitation: Invitation, unit_id: int) -> dict[str, str]:
    """The bands this submission may carry: computed over the invited people who count in
    ``unit_id`` (:func:`counting_unit_id`) now.

    Only reads: the invitation rows are not written or locked (see the module docstring).
    """
    scan = invitation.scan
    if scan.max_cut_dimensions == 0:
        return {}
    leads_above = instrument_for(scan).leads_count_in_parent
    candidates = Invitation.objects.filter(scan_id=scan.pk).filter(
        Q(person__unit_id=unit_id) | Q(person__is_lead=True, person__unit__parent_id=unit_id)
        if leads_above
        else Q(person__unit_id=unit_id)
    )
    invited = {
        person_id: bands
        for person_id, bands, own, is_lead, parent in candidates.values_list(
            "person_id",
            "person__bands",
            "person__unit_id",
            "person__is_lead",
            "person__unit__parent_id",
        )
        if (parent if leads_above and is_lead and parent else own) == unit_id
    }
    recoded = band_recoding(invited, scan.min_group_size)
    return recoded.get(invitation.person_id, {})
