"""The open answers of a published version: reading them for a page, and hiding one.

What a group shows was decided when the version was published
(:meth:`trustmirror.results.publishing._Builder.open_answers`); here a page reads it and
leaves out what a consultant hid. Hiding refers to a comment by a hash of its scan, question
and published text (:func:`comment_id`), so that it stays hidden on every page that shows it
and in every later version of the scan, and no answer is linked to a response.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.privacy.comments import comment_parts
from trustmirror.results.models import HiddenComment, Publication
from trustmirror.results.selectors import PublishedResults

__all__ = [
    "Comment",
    "QuestionComments",
    "comment_hide",
    "comment_id",
    "comment_in_publication",
    "comment_unhide",
    "comments_context",
    "group_comments",
]

# What a reader sees where something was masked, by kind (privacy.comments.MARKS).
MASK_LABELS = {
    "name": _("[name]"),
    "email": _("[e-mail address]"),
    "phone": _("[phone number]"),
    "unit": _("[team]"),
}


def comment_id(*, scan_id: int, question_id: str, text: str) -> str:
    """The stable id of a published comment: the same text to the same question of the same
    scan has the same id on every group's page and in every version."""
    digest = hashlib.sha256(f"{scan_id}\x1f{question_id}\x1f{text}".encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Comment:
    id: str
    parts: list[tuple[bool, str]]  # (masked, text): a mask's text is in the reader's language
    reason: str = ""  # a hidden comment's reason, for consultants


@dataclass
class QuestionComments:
    """One open question on one group's page."""

    question_id: str
    text: str
    comments: list[Comment] = field(default_factory=list)
    hidden: list[Comment] = field(default_factory=list)  # filled for consultants only
    hidden_count: int = 0  # for consultants only


def _parts(text: str) -> list[tuple[bool, str]]:
    return [
        (True, str(MASK_LABELS[kind])) if kind else (False, piece)
        for kind, piece in comment_parts(text)
    ]


def comments_context(
    results: PublishedResults | None, group_key: str, language: str, *, moderator: bool
) -> dict:
    """What the comments section of a group's page needs (templates/results/_comments.html)."""
    shown = group_comments(results, group_key, language, moderator=moderator)
    later = (
        shown is None
        and results is not None
        and results.is_results
        and not results.publication.final
        and bool(results.instrument.open_questions)
    )
    return {
        "open_answers": shown or None,
        "open_answers_later": later,
        "moderator": moderator,
        "comments_group": group_key,
    }


def _published(results: PublishedResults) -> dict | None:
    publication = results.publication
    if publication.track != Publication.RESULTS:
        return None
    payload = Publication.objects.filter(pk=publication.pk).values_list("payload", flat=True)
    stored = (payload.first() or {}).get("open_answers")
    return stored if isinstance(stored, dict) and stored.get("questions") else None


def _published_group(results: PublishedResults, group_key: str) -> tuple[list | None, dict | None]:
    """The version's open questions and one group's answers, read from the database alone.

    A page needs one group's answers: only those two keys of the payload are read (a JSON
    path in the query), not the whole payload with every group's answers, quality and
    breakdowns.
    """
    publication = results.publication
    if publication.track != Publication.RESULTS:
        return None, None
    row = (
        Publication.objects.filter(pk=publication.pk)
        .values_list(
            "payload__open_answers__questions", f"payload__open_answers__groups__{group_key}"
        )
        .first()
    )
    if row is None:
        return None, None
    questions, per_question = row
    if not isinstance(questions, list):
        return None, None
    return questions, per_question if isinstance(per_question, dict) else None


def group_comments(
    results: PublishedResults | None, group_key: str, language: str, *, moderator: bool
) -> list[QuestionComments] | None:
    """The open answers a group's page shows, per question, in their published order.

    None when the version holds no open answers (before the scan closes, or a questionnaire
    without open questions); an empty list when the group has no comments section (a hidden
    group). Hidden comments are left out; a moderator gets them apart, with their count.
    """
    if results is None:
        return None
    questions, per_question = _published_group(results, group_key)
    if not questions:
        return None
    if per_question is None:
        return []
    scan_id = results.scan.pk
    hidden = {
        (h.question_id, h.comment_id): h.reason
        for h in HiddenComment.objects.filter(scan_id=scan_id).only(
            "question_id", "comment_id", "reason"
        )
    }
    texts = {q.id: q.text for q in results.instrument.open_questions}
    out = []
    for question_id in questions:
        if question_id not in texts:
            continue
        section = QuestionComments(question_id, texts[question_id].get(language, ""))
        for text in per_question.get(question_id, []):
            cid = comment_id(scan_id=scan_id, question_id=question_id, text=text)
            if (question_id, cid) in hidden:
                section.hidden_count += 1
                if moderator:
                    section.hidden.append(Comment(cid, _parts(text), hidden[(question_id, cid)]))
                continue
            section.comments.append(Comment(cid, _parts(text)))
        if not moderator:
            section.hidden_count = 0
        out.append(section)
    return out


def comment_in_publication(results: PublishedResults, *, question_id: str, cid: str) -> bool:
    """Whether the published version shows a comment with this id (on any group's page)."""
    stored = _published(results)
    if stored is None or question_id not in stored["questions"]:
        return False
    scan_id = results.scan.pk
    return any(
        comment_id(scan_id=scan_id, question_id=question_id, text=text) == cid
        for per_question in stored.get("groups", {}).values()
        for text in per_question.get(question_id, [])
    )


def _target(scan_id: int, question_id: str, cid: str, group_key: str) -> str:
    # No text of the comment, nor the consultant's reason (which may quote it).
    return f"scan {scan_id} {question_id} comment {cid[:12]} on {group_key or '-'}"


@transaction.atomic
def comment_hide(
    *,
    user,
    results: PublishedResults,
    question_id: str,
    cid: str,
    group_key: str,
    reason: str = "",
) -> HiddenComment:
    """Hide a published comment for every reader, in this and later versions; logged."""
    scan = results.scan
    hidden, created = HiddenComment.objects.get_or_create(
        scan=scan,
        question_id=question_id,
        comment_id=cid,
        defaults={
            "publication": results.publication,
            "group_key": group_key,
            "reason": reason.strip()[:300],
            "hidden_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    if created:
        audit_record(
            user=user,
            organisation=scan.organisation,
            action=AuditEvent.HIDE_COMMENT,
            target=_target(scan.pk, question_id, cid, group_key),
        )
    return hidden


@transaction.atomic
def comment_unhide(
    *, user, results: PublishedResults, question_id: str, cid: str, group_key: str
) -> bool:
    """Show a hidden comment again; logged. False when it was not hidden."""
    scan = results.scan
    deleted, _rows = HiddenComment.objects.filter(
        scan=scan, question_id=question_id, comment_id=cid
    ).delete()
    if deleted:
        audit_record(
            user=user,
            organisation=scan.organisation,
            action=AuditEvent.UNHIDE_COMMENT,
            target=_target(scan.pk, question_id, cid, group_key),
        )
    return bool(deleted)
