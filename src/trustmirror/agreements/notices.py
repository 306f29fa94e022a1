"""Reminders to the owners of agreements: by e-mail, and in the app for those who log in.

An agreement waits for its owners' check-in when its agreed check-in day has come, or its due
date, and nobody has checked in since (:func:`waiting_since`). Kept or withdrawn agreements
wait for nothing.

By e-mail, in two steps, both run by the background worker (:mod:`trustmirror.agreements.tasks`):

1. :func:`notices_plan` writes one :class:`~trustmirror.agreements.models.Notice` per owner
   for each agreement that waits. Planning again plans nothing new (one notice per agreement,
   owner, kind and day).
2. :func:`notices_send` sends them the way survey messages are sent
   (:func:`trustmirror.delivery.sending.send_each`): claimed and committed as ``sending``
   before the mail server has them, so that none is sent twice, also across a worker that dies
   (:func:`notices_interrupted`). The claim checks again that the notice still applies: an
   agreement withdrawn or checked in meanwhile is not reminded of.

Each e-mail carries a fresh personal follow link (:func:`trustmirror.agreements.links.
follow_link_issue`), made inside the claim: the token exists in the e-mail and nowhere else.
The e-mail is written in the owner's language, else the organisation's
(:func:`trustmirror.delivery.compose.person_language`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from trustmirror.agreements.links import VALID_DAYS, follow_link_issue
from trustmirror.agreements.models import Agreement, Notice
from trustmirror.agreements.services import DUE, OPEN, state_of, theme_choices
from trustmirror.delivery.compose import HEADERS, person_language
from trustmirror.delivery.sending import (
    ComposeFailed,
    Outcome,
    Pacer,
    SendReport,
    describe_error,
    outcome_record,
    send_each,
)
from trustmirror.orgs.models import Person

__all__ = [
    "CATCH_UP_DAYS",
    "compose_notice",
    "notices_interrupted",
    "notices_plan",
    "notices_send",
    "waiting_for",
    "waiting_since",
]

logger = logging.getLogger(__name__)

#: A day that came while no worker ran is still reminded of this many days later; an older
#: one is not (an e-mail about a day long gone helps nobody). The app keeps showing it.
CATCH_UP_DAYS = 14


def waiting_since(agreement: Agreement, today: dt.date) -> tuple[str, dt.date] | None:
    """(kind, day) when ``agreement`` waits for a check-in on ``today``, else None.

    ``Notice.DUE`` once the due date has come, ``Notice.CHECK_IN`` once the agreed check-in
    day has come; either only while no check-in was recorded on or after that day, and never
    for an agreement withdrawn or kept. The due date goes first: one reminder at a time.
    Uses ``agreement.check_ins.all()`` (prefetch it for lists).
    """
    if state_of(agreement, today).state not in (OPEN, DUE):
        return None
    days = [c.on for c in agreement.check_ins.all() if c.on <= today]

    def checked_in_since(day: dt.date) -> bool:
        return any(on >= day for on in days)

    if agreement.due_on <= today and not checked_in_since(agreement.due_on):
        return Notice.DUE, agreement.due_on
    check_in_on = agreement.check_in_on
    if check_in_on is not None and check_in_on <= today and not checked_in_since(check_in_on):
        return Notice.CHECK_IN, check_in_on
    return None


def waiting_for(person: Person, today: dt.date | None = None) -> list[Agreement]:
    """The agreements of their team that ``person`` owns and that wait for their check-in."""
    today = today or timezone.localdate()
    owned = (
        Agreement.objects.filter(owners=person, unit=person.unit_id, withdrawn_at__isnull=True)
        .filter(Q(due_on__lte=today) | Q(check_in_on__lte=today))
        .select_related("unit")
        .prefetch_related("check_ins")
    )
    return [agreement for agreement in owned if waiting_since(agreement, today) is not None]


def _cannot_reach(agreement: Agreement, person: Person) -> str:
    """Why ``person`` gets no e-mail about ``agreement`` ("" when they do)."""
    if not person.email.strip():
        return "no e-mail address"
    if person.unit_id != agreement.unit_id:
        # Their follow link opens their own (new) team's agreements, not this one.
        return "no longer in the team"
    return ""


def notices_plan(today: dt.date | None = None) -> int:
    """Plan the notices due ``today``: one per owner who can be reached. Returns how many
    are new; running it again the same day (or any later day) plans none twice."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=CATCH_UP_DAYS)
    candidates = (
        Agreement.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(due_on__range=(since, today)) | Q(check_in_on__range=(since, today)))
        .prefetch_related("owners", "check_ins")
    )
    wanted = []
    for agreement in candidates:
        waiting = waiting_since(agreement, today)
        if waiting is None or waiting[1] < since:
            continue
        kind, on = waiting
        wanted.extend(
            Notice(agreement=agreement, person=owner, kind=kind, on=on)
            for owner in agreement.owners.all()
            if not _cannot_reach(agreement, owner)
        )
    if not wanted:
        return 0
    known = set(
        Notice.objects.filter(agreement__in={n.agreement_id for n in wanted}).values_list(
            "agreement", "person", "kind", "on"
        )
    )
    new = [n for n in wanted if (n.agreement_id, n.person_id, n.kind, n.on) not in known]
    # Another worker planning at the same moment cannot make a second one: the constraint.
    Notice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def notices_interrupted() -> int:
    """Report every notice a stopped worker left ``sending`` as ``unknown``; never resend it.

    Called when a worker starts, beside
    :func:`~trustmirror.delivery.sending.messages_interrupted`.
    """
    return Notice.objects.filter(state=Notice.SENDING).update(state=Notice.UNKNOWN)


# --- The e-mail -----------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.TRUSTMIRROR_BASE_URL + path


def _subject(notice: Notice, what: str) -> str:
    short = Truncator(what).chars(60)
    if notice.kind == Notice.DUE:
        return _("Due on %(date)s: “%(what)s”") % {
            "date": date_format(notice.on),
            "what": short,
        }
    return _("Time to check in: “%(what)s”") % {"what": short}


def compose_notice(notice: Notice, *, token: str, today: dt.date) -> EmailMultiAlternatives:
    """The e-mail for ``notice``, with the follow link of ``token``, in the owner's language.

    The token goes into the message and nowhere else: not into the database, not into a log.
    """
    agreement, person = notice.agreement, notice.person
    organisation = agreement.organisation
    language = person_language(person, organisation)
    with translation.override(language):
        names = dict(theme_choices(agreement.scan, language))
        check_ins = sorted(agreement.check_ins.all(), key=lambda c: (c.created_at, c.pk))
        latest = check_ins[-1] if check_ins else None
        context = {
            "language": language,
            "person": person,
            "organisation": organisation,
            "agreement": agreement,
            "team": agreement.unit.name,
            "themes": [names[theme] for theme in agreement.themes if theme in names],
            "day": date_format(notice.on),
            "due_on": date_format(agreement.due_on),
            "latest_status": latest.get_status_display() if latest else "",
            "latest_on": date_format(latest.on) if latest else "",
            "link": _absolute(reverse("follow:link", kwargs={"token": token})),
            "link_until": date_format(today + dt.timedelta(days=VALID_DAYS)),
            "team_url": _absolute(
                reverse(
                    "agreements:team",
                    kwargs={"org": organisation.slug, "unit_id": agreement.unit_id},
                )
            ),
            "privacy_url": _absolute(reverse("privacy")),
            "subject": _subject(notice, agreement.what),
        }
        template = f"agreements/email/{notice.kind}"
        email = EmailMultiAlternatives(
            subject=context["subject"],
            body=render_to_string(f"{template}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            headers={**HEADERS, "Content-Language": language},
        )
        email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


# --- Sending --------------------------------------------------------------------------------


@dataclass
class _Run:
    today: dt.date
    # Refused for now in this run: tried again in a later run.
    skip: set[int] = field(default_factory=set)

    def pending(self):
        return Notice.objects.filter(state=Notice.PENDING).exclude(pk__in=self.skip)


def _no_longer(notice: Notice, today: dt.date) -> str:
    """Why ``notice`` no longer applies ("" when it still does): checked again at its claim."""
    agreement = notice.agreement
    if agreement.withdrawn_at is not None:
        return "the agreement was withdrawn"
    if not agreement.owners.filter(pk=notice.person_id).exists():
        return "no longer an owner"
    unreachable = _cannot_reach(agreement, notice.person)
    if unreachable:
        return unreachable
    if waiting_since(agreement, today) != (notice.kind, notice.on):
        return "checked in, kept, or the day was moved"
    return ""


def _claim(run: _Run) -> tuple[Notice, EmailMultiAlternatives] | None:
    """Claim the next pending notice that still applies and write its e-mail."""
    while True:
        pk = run.pending().order_by("pk").values_list("pk", flat=True).first()
        if pk is None:
            return None
        try:
            with transaction.atomic():
                if not Notice.objects.filter(pk=pk, state=Notice.PENDING).update(
                    state=Notice.SENDING
                ):
                    continue  # taken by another worker
                notice = Notice.objects.select_related(
                    "person", "agreement__organisation", "agreement__unit", "agreement__scan"
                ).get(pk=pk)
                reason = _no_longer(notice, run.today)
                if reason:
                    Notice.objects.filter(pk=pk).update(state=Notice.CANCELLED, reason=reason)
                    logger.info("notice %s not sent: %s", pk, reason)
                    continue
                token = follow_link_issue(notice.person, today=run.today)
                try:
                    email = compose_notice(notice, token=token, today=run.today)
                    email.message()  # render it now: a broken e-mail is never "sending"
                except Exception as error:
                    raise ComposeFailed(describe_error(error)) from error
        except ComposeFailed as failure:
            # The claim and the new link were rolled back together.
            logger.error("notice %s could not be written: %s", pk, failure)
            Notice.objects.filter(pk=pk, state=Notice.PENDING).update(
                state=Notice.FAILED, reason=str(failure)[:300]
            )
            continue
        return notice, email


def notices_send(
    *,
    connection=None,
    pacer: Pacer | None = None,
    seconds: float | None = None,
    today: dt.date | None = None,
) -> SendReport:
    """Send pending notices until none is left or ``seconds`` have passed (as
    :func:`~trustmirror.delivery.sending.messages_send` does for survey messages)."""
    run = _Run(today=today or timezone.localdate())
    if not run.pending().exists():
        return SendReport()

    def record(notice: Notice, outcome: Outcome) -> None:
        outcome_record(notice, outcome, run.today)
        if outcome.state == Notice.PENDING:
            run.skip.add(notice.pk)

    return send_each(
        lambda: _claim(run), record, connection=connection, pacer=pacer, seconds=seconds
    )
