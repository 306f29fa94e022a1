"""Writes and reads of agreements: record, check in, withdraw; who may do which; say-do.

Every write refuses what is not allowed with a :class:`~django.core.exceptions.ValidationError`
or :class:`PermissionDenied` whose message says what and where, and writes all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from trustmirror.agreements.models import MAX_PER_SCAN, Agreement, CheckIn
from trustmirror.instrument import load_instrument
from trustmirror.orgs.access import visible_units
from trustmirror.orgs.models import Organisation, Person, Role, Unit
from trustmirror.surveys.models import Scan

__all__ = [
    "MAX_DUE_DAYS",
    "AgreementFacts",
    "AgreementState",
    "CheckInFacts",
    "SayDo",
    "Viewer",
    "agreement_check_in",
    "agreement_create",
    "agreement_withdraw",
    "agreements_for_units",
    "can_check_in",
    "can_manage",
    "say_do",
    "state_of",
    "team_agreements",
    "theme_choices",
]

#: An agreement is due within this many days: a team's horizon, not a five-year plan.
MAX_DUE_DAYS = 400


@dataclass(frozen=True)
class Viewer:
    """Who is looking at or writing agreements: a signed-in user with roles, or a person.

    ``person`` is the viewer's own person record (through their login or their personal
    link); ``roles`` their roles in the organisation (none through a personal link).
    """

    organisation: Organisation
    roles: tuple[Role, ...] = ()
    person: Person | None = None
    user: AbstractBaseUser | AnonymousUser | None = None

    @classmethod
    def for_user(cls, user, organisation: Organisation) -> Viewer:
        roles = tuple(
            Role.objects.filter(user=user, organisation=organisation).select_related("unit")
        )
        person = Person.objects.filter(user=user, organisation=organisation).first()
        return cls(organisation=organisation, roles=roles, person=person, user=user)

    @classmethod
    def for_person(cls, person: Person) -> Viewer:
        return cls(organisation=person.organisation, person=person)

    @property
    def is_admin(self) -> bool:
        return any(role.kind == Role.ADMIN for role in self.roles)

    def leads(self, unit: Unit) -> bool:
        """An admin, or a lead of ``unit`` or of a unit above it."""
        if self.is_admin:
            return True
        return any(
            role.kind == Role.LEAD and role.unit is not None and role.unit.is_ancestor_of(unit)
            for role in self.roles
        )

    def belongs_to(self, unit: Unit) -> bool:
        """A member of ``unit``: their person record, or a member role, names it."""
        if self.person is not None and self.person.unit_id == unit.pk:
            return True
        return any(role.kind == Role.MEMBER and role.unit_id == unit.pk for role in self.roles)

    def may_follow(self, unit: Unit) -> bool:
        """May see the agreements of ``unit``: its members, its leads and the admins."""
        return self.leads(unit) or self.belongs_to(unit)

    def units(self) -> QuerySet[Unit]:
        """The units whose agreements this viewer may see: the results pages' own rule for
        admins, leads and members (an analyst reads results, not agreements), and the
        viewer's own team."""
        roles = [role for role in self.roles if role.kind != Role.ANALYST]
        units = visible_units(roles, self.organisation)
        if self.person is not None and not self.is_admin:
            units = units | Unit.objects.filter(pk=self.person.unit_id)
        return units


def can_manage(viewer: Viewer, unit: Unit) -> bool:
    """Record and withdraw the agreements of ``unit``: its leads and the organisation's admins."""
    return viewer.leads(unit)


def can_check_in(viewer: Viewer, agreement: Agreement) -> bool:
    """Check in: an owner, or a lead or admin recording what the team said."""
    if agreement.withdrawn_at is not None:
        return False
    if viewer.leads(agreement.unit):
        return True
    return viewer.person is not None and any(
        owner.pk == viewer.person.pk for owner in agreement.owners.all()
    )


def theme_choices(scan: Scan, lang: str) -> list[tuple[str, str]]:
    """(construct id, name) an agreement may link to: the scan's themes, then other scales."""
    instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
    themes = [(c.id, c.label[lang]) for c in instrument.themes]
    others = [
        (c.id, c.label[lang])
        for c in instrument.constructs
        if c.group != "theme" and c.polarity != "neutral" and c.group != "outcome"
    ]
    return themes + others


def _clean_text(value: str, field: str, *, required: bool, limit: int = 500) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError({field: _("Write what the team will do.")})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("At most %(limit)d characters (now %(n)d).")
                % {"limit": limit, "n": len(text)}
            }
        )
    return text


def agreement_create(
    *,
    viewer: Viewer,
    scan: Scan,
    unit: Unit,
    what: str,
    signal: str = "",
    themes: Sequence[str] = (),
    owners: Iterable[Person] = (),
    due_on: dt.date,
    check_in_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Agreement:
    """Record one agreement of ``unit`` after ``scan``; refused with a clear message."""
    today = today or timezone.localdate()
    if (
        scan.organisation_id != viewer.organisation.pk
        or unit.organisation_id != scan.organisation_id
    ):
        raise PermissionDenied
    if not can_manage(viewer, unit):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    try:
        what = _clean_text(what, "what", required=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        signal = _clean_text(signal, "signal", required=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    known = dict(theme_choices(scan, "en"))
    themes = list(dict.fromkeys(themes))
    unknown = [theme for theme in themes if theme not in known]
    if unknown:
        errors["themes"] = [_("Unknown theme: %(ids)s.") % {"ids": ", ".join(unknown)}]
    elif not themes:
        errors["themes"] = [_("Choose at least one theme the agreement is about.")]
    owners = list(owners)
    strangers = [p.name for p in owners if p.unit_id != unit.pk]
    if strangers:
        errors["owners"] = [
            _("Owners are members of the team: %(names)s is not.") % {"names": ", ".join(strangers)}
        ]
    elif not owners:
        errors["owners"] = [_("Choose at least one owner from the team.")]
    if due_on < today:
        errors["due_on"] = [_("The due date has passed: choose today or a later day.")]
    elif due_on > today + dt.timedelta(days=MAX_DUE_DAYS):
        errors["due_on"] = [
            _("Choose a due date within %(days)d days: a team's horizon, not a long plan.")
            % {"days": MAX_DUE_DAYS}
        ]
    if check_in_on is not None and not (today <= check_in_on <= due_on):
        errors["check_in_on"] = [_("The check-in falls between today and the due date.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the team's agreements of this scan, so two facilitators cannot both record
        # the last allowed one.
        existing = list(
            Agreement.objects.select_for_update()
            .filter(scan=scan, unit=unit, withdrawn_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if len(existing) >= MAX_PER_SCAN:
            raise ValidationError(
                _(
                    "This team already has %(n)d agreements for this scan: keep it to a handful, "
                    "or withdraw one first."
                )
                % {"n": len(existing)}
            )
        agreement = Agreement.objects.create(
            organisation=scan.organisation,
            unit=unit,
            scan=scan,
            what=what,
            signal=signal,
            themes=themes,
            due_on=due_on,
            check_in_on=check_in_on,
            created_by=viewer.user if getattr(viewer.user, "is_authenticated", False) else None,
        )
        agreement.owners.set(owners)
    return agreement


def agreement_check_in(
    *,
    viewer: Viewer,
    agreement: Agreement,
    status: str,
    note: str = "",
    next_check_in_on: dt.date | None = None,
    today: dt.date | None = None,
) -> CheckIn:
    """Add a check-in (history: nothing is overwritten); optionally agree the next moment."""
    today = today or timezone.localdate()
    if agreement.organisation_id != viewer.organisation.pk or not can_check_in(viewer, agreement):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if status not in dict(CheckIn.STATUS_CHOICES):
        errors["status"] = [_("Choose kept, partly kept or not kept.")]
    try:
        note = _clean_text(note, "note", required=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if next_check_in_on is not None and next_check_in_on <= today:
        errors["next_check_in_on"] = [_("The next check-in falls after today.")]
    if errors:
        raise ValidationError(errors)
    person = viewer.person
    user = viewer.user if getattr(viewer.user, "is_authenticated", False) else None
    with transaction.atomic():
        check_in = CheckIn(
            agreement=agreement, status=status, note=note, on=today, by_person=person, by_user=user
        )
        check_in.save(force_insert=True)
        Agreement.objects.filter(pk=agreement.pk).update(check_in_on=next_check_in_on)
        agreement.check_in_on = next_check_in_on
    return check_in


def agreement_withdraw(*, viewer: Viewer, agreement: Agreement) -> None:
    """Withdraw: the agreement stays in the history, but no longer counts or reminds."""
    if agreement.organisation_id != viewer.organisation.pk or not can_manage(
        viewer, agreement.unit
    ):
        raise PermissionDenied
    Agreement.objects.filter(pk=agreement.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


# --- Reading --------------------------------------------------------------------------------

OPEN = "open"  # not checked in as kept, and not yet due
DUE = "due"  # past its due date without being kept
KEPT_ON_TIME = "kept_on_time"
KEPT_LATE = "kept_late"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    """What an agreement's state needs of it, read without building the model (long lists)."""

    pk: int
    unit_id: int
    due_on: dt.date
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CheckInFacts:
    """What an agreement's state needs of a check-in, read without building the model."""

    pk: int
    status: str
    on: dt.date
    created_at: dt.datetime


@dataclass(frozen=True)
class AgreementState:
    """Where an agreement stands today, from its check-ins."""

    state: str  # OPEN, DUE, KEPT_ON_TIME, KEPT_LATE, WITHDRAWN
    latest: CheckIn | None

    @property
    def settled(self) -> bool:
        """Counts in the say-do ratio: kept, or due without being kept."""
        return self.state in (KEPT_ON_TIME, KEPT_LATE, DUE)


def state_of(
    agreement: Agreement | AgreementFacts,
    today: dt.date | None = None,
    check_ins: Iterable[CheckIn | CheckInFacts] | None = None,
) -> AgreementState:
    """Kept on time: the latest check-in says kept, and a "kept" was said by the due date.

    As it stood on ``today``: check-ins of later days are not yet counted.

    Uses ``check_ins`` (the agreement's; needed for :class:`AgreementFacts`), else
    ``agreement.check_ins.all()`` (prefetch it for lists).
    """
    today = today or timezone.localdate()
    given = agreement.check_ins.all() if check_ins is None else check_ins
    check_ins = sorted((c for c in given if c.on <= today), key=lambda c: (c.created_at, c.pk))
    latest = check_ins[-1] if check_ins else None
    if agreement.withdrawn_at is not None:
        return AgreementState(WITHDRAWN, latest)
    if latest is not None and latest.status == CheckIn.KEPT:
        in_time = any(c.status == CheckIn.KEPT and c.on <= agreement.due_on for c in check_ins)
        return AgreementState(KEPT_ON_TIME if in_time else KEPT_LATE, latest)
    if agreement.due_on < today:
        return AgreementState(DUE, latest)
    return AgreementState(OPEN, latest)


@dataclass(frozen=True)
class SayDo:
    """The share of agreements kept on time, among those that count (kept, or past due)."""

    settled: int
    kept_on_time: int
    open: int

    @property
    def ratio(self) -> float | None:
        return self.kept_on_time / self.settled if self.settled else None

    @property
    def percent(self) -> int | None:
        ratio = self.ratio
        return round(100 * ratio) if ratio is not None else None


def say_do(
    agreements: Iterable[Agreement | AgreementFacts],
    today: dt.date | None = None,
    check_ins: Mapping[int, Sequence[CheckIn | CheckInFacts]] | None = None,
) -> SayDo:
    """The say-do ratio of ``agreements``, withdrawn ones left out.

    ``check_ins`` gives each agreement's check-ins by its id (none where absent); without it
    each agreement's prefetched check-ins are used.
    """
    today = today or timezone.localdate()
    settled = kept = open_ = 0
    for agreement in agreements:
        own = None if check_ins is None else check_ins.get(agreement.pk, ())
        state = state_of(agreement, today, own).state
        if state == WITHDRAWN:
            continue
        if state == OPEN:
            open_ += 1
            continue
        settled += 1
        kept += state == KEPT_ON_TIME
    return SayDo(settled=settled, kept_on_time=kept, open=open_)


def agreements_for_units(units) -> QuerySet[Agreement]:
    """The agreements of ``units`` with what a list shows, fetched in a few queries."""
    return (
        Agreement.objects.filter(unit__in=units)
        .select_related("unit", "scan")
        .prefetch_related(
            "owners",
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("by_person", "by_user")),
        )
        .order_by("unit__path", "withdrawn_at", "due_on", "pk")
    )


def team_agreements(unit: Unit) -> list[Agreement]:
    return list(agreements_for_units([unit]))
