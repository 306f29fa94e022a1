"""Writes for scans and invitations (the consultant's side).

A scan's life after creation: its settings change while it is scheduled (:func:`scan_update`),
it is extended (:func:`scan_extend`) or closed early (:func:`scan_close`), and it is deleted
only while nobody has answered (:func:`scan_delete`). Each refuses what its phase does not
allow with a :class:`~django.core.exceptions.ValidationError` whose message the consultant
reads, per field where there is one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Organisation, Person
from trustmirror.privacy import (
    K_CHANGE_BELOW_FLOOR,
    K_CHANGE_PROMISED,
    K_CHANGE_PUBLISHED,
    MIN_GROUP_SIZE_FLOOR,
    k_change_refusal,
)
from trustmirror.surveys.models import (
    MAX_CUT_DIMENSIONS,
    Invitation,
    Response,
    Scan,
    default_min_group_size,
)
from trustmirror.surveys.tokens import new_token, token_hash

#: The relational round's team sizes, as the scan model's constraint and validators allow.
ROUND_MIN_SIZE_FLOOR = 4
ROUND_MAX_SIZE_CEILING = 40


@dataclass(frozen=True)
class IssuedLink:
    person: Person
    token: str

    @property
    def path(self) -> str:
        return f"/s/{self.token}"


@transaction.atomic
def scan_create(
    *,
    organisation: Organisation,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    min_group_size: int | None = None,
    max_cut_dimensions: int = 1,
    interim_results: bool = False,
    delivery: str = Scan.EMAIL,
    people: list[Person] | None = None,
    instrument_version: str = "1",
    form: str = "full",
    relational_round: bool = False,
    leader_mirror: bool = False,
    purge_ratings: bool = False,
    round_min_size: int = 4,
    round_max_size: int = 15,
) -> Scan:
    """Create an open scan and one invitation per person, with no link yet.

    ``instrument_version`` is the Trust Scan version the scan asks and ``form`` which of its
    forms ("full", "pulse"), for good: answers are stored against its items (an unknown
    version or form raises :class:`~trustmirror.instrument.InstrumentError`, a
    ``ValueError``). The consultant's form offers the newest version's full form first.

    ``max_cut_dimensions`` is how many characteristics one breakdown may combine (0 to
    :data:`~trustmirror.surveys.models.MAX_CUT_DIMENSIONS`; 0 switches breakdowns off and
    keeps bands out of the responses). ``interim_results`` publishes results in steps while
    the scan is open; it needs breakdowns off.

    The modules besides the questionnaire: ``relational_round`` (each member of a team of
    ``round_min_size`` .. ``round_max_size`` invited people rates each colleague; a larger
    team's members rate a subset; ``purge_ratings`` deletes the raw ratings once the final
    results are published) and ``leader_mirror`` (leads predict their team's view of them).
    See :mod:`trustmirror.relational`.

    Nobody gets a link here. With ``delivery`` by e-mail every invitation gets a message to
    send, and the worker makes each link when it sends it, from the day the scan opens
    (:mod:`trustmirror.delivery.sending`); with printed letters the links are made when the
    letter file is downloaded (:mod:`trustmirror.delivery.letters`).
    """
    from trustmirror.delivery.services import invitation_messages_plan

    if min_group_size is None:
        min_group_size = default_min_group_size()
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(f"min_group_size must be at least {MIN_GROUP_SIZE_FLOOR}")
    if not 0 <= max_cut_dimensions <= MAX_CUT_DIMENSIONS:
        raise ValueError(f"max_cut_dimensions must be between 0 and {MAX_CUT_DIMENSIONS}")
    if closes_on < opens_on:
        raise ValueError("closes_on must not be before opens_on")
    if interim_results and max_cut_dimensions:
        # Across versions a breakdown would need to know when each answer came in, which is
        # deliberately not stored (trustmirror.results.breakdown).
        raise ValueError("interim results and breakdowns exclude each other")
    load_instrument("trustscan", instrument_version, form)  # refuses an unknown version or form
    if delivery not in (Scan.EMAIL, Scan.LETTERS):
        raise ValueError(f"delivery must be {Scan.EMAIL!r} or {Scan.LETTERS!r}")
    if round_min_size < ROUND_MIN_SIZE_FLOOR:
        raise ValueError(f"round_min_size must be at least {ROUND_MIN_SIZE_FLOOR}")
    if not round_min_size <= round_max_size <= ROUND_MAX_SIZE_CEILING:
        raise ValueError(
            f"round_max_size must be between round_min_size and {ROUND_MAX_SIZE_CEILING}"
        )
    scan = Scan.objects.create(
        organisation=organisation,
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
        min_group_size=min_group_size,
        max_cut_dimensions=max_cut_dimensions,
        interim_results=interim_results,
        delivery=delivery,
        status=Scan.OPEN,
        instrument_version=instrument_version,
        form=form,
        relational_round=relational_round,
        leader_mirror=leader_mirror,
        purge_ratings=purge_ratings,
        round_min_size=round_min_size,
        round_max_size=round_max_size,
    )
    if people is None:
        people = list(organisation.people.all())
    Invitation.objects.bulk_create(
        [Invitation(scan=scan, person=person) for person in people], batch_size=2000
    )
    if delivery == Scan.EMAIL:
        invitation_messages_plan(scan=scan)
    return scan


def links_issue(*, scan: Scan, limit: int | None = None) -> list[IssuedLink]:
    """Make a link for invitations of ``scan`` that have none yet; return them, once.

    The returned tokens are the only copy anywhere: only their hashes are stored. The letter
    file calls this a chunk (``limit``) at a time, in the order of the file (unit, name);
    tests and the demo call it to answer as a respondent would. An invitation that already
    has a link is never given another here, so two callers never hand out the same person.
    """
    pending = Invitation.objects.filter(scan=scan, token_hash__isnull=True).order_by(
        "person__unit__path", "person__name", "pk"
    )
    if limit is not None:
        pending = pending[:limit]
    with transaction.atomic():
        chosen = list(pending.select_related("person__unit").select_for_update(of=("self",)))
        links, hashes = [], []
        for invitation in chosen:
            token = new_token()
            hashes.append((token_hash(token), invitation.pk))
            links.append(IssuedLink(person=invitation.person, token=token))
        _token_hashes_store(hashes)
    return links


def _token_hashes_store(hashes: list[tuple[str, int]]) -> None:
    """Store each (hash, invitation id) with one prepared UPDATE run for every pair.

    ``bulk_update`` builds a CASE with a branch per row in Python: for the letter file of
    50,000 people that took longer than the database's own work (bench/run_invitations.py).
    """
    table = connection.ops.quote_name(Invitation._meta.db_table)
    column = connection.ops.quote_name(Invitation._meta.get_field("token_hash").column)
    key = connection.ops.quote_name(Invitation._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", hashes)


def invitation_reissue(*, invitation: Invitation) -> IssuedLink:
    """Give a person a new link; the old one stops working. Returns the token, once.

    A draft saved under the old link cannot be found with the new one: the draft is keyed by
    the old token, which nobody but the respondent ever had. The worker calls this when it
    sends a message with a link, inside the transaction that marks the message as sending.
    """
    token = new_token()
    invitation.token_hash = token_hash(token)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation.token_hash)
    return IssuedLink(person=invitation.person, token=token)


#: What may still change in each phase. Before the scan opens, everything; once it is open,
#: its name and a higher k (the next version uses it); once it is closed, its name.
EDITABLE = {
    Scan.DRAFT: frozenset(
        {"name", "opens_on", "closes_on", "min_group_size", "max_cut_dimensions", "interim_results"}
    ),
    Scan.OPEN: frozenset({"name", "min_group_size"}),
    Scan.CLOSED: frozenset({"name"}),
}
EDITABLE[Scan.SCHEDULED] = EDITABLE[Scan.DRAFT]


def _lock(scan: Scan) -> None:
    """Lock the scan's row for the transaction and read it afresh into ``scan``.

    Two admins (or an admin and a respondent's first answer) must not act on a stale copy.
    """
    Scan.objects.select_for_update().filter(pk=scan.pk).first()
    scan.refresh_from_db()


@transaction.atomic
def scan_update(
    *,
    scan: Scan,
    published: bool,
    today: dt.date | None = None,
    name: str | None = None,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    min_group_size: int | None = None,
    max_cut_dimensions: int | None = None,
    interim_results: bool | None = None,
) -> dict[str, tuple]:
    """Change a scan's settings; returns ``{field: (before, after)}`` for what changed.

    A setting left None stays as it is. What may change depends on the phase (see
    :data:`EDITABLE`); k follows :func:`trustmirror.privacy.k_change_refusal`, where
    ``published`` says whether any version of the scan was published.
    """
    _lock(scan)
    today = today or timezone.localdate()
    phase = scan.phase(today)
    asked = {
        "name": name,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "min_group_size": min_group_size,
        "max_cut_dimensions": max_cut_dimensions,
        "interim_results": interim_results,
    }
    changes = {
        field: (getattr(scan, field), value)
        for field, value in asked.items()
        if value is not None and value != getattr(scan, field)
    }
    errors: dict[str, ValidationError] = {}
    for field in changes:
        if field not in EDITABLE[phase]:
            errors[field] = (
                ValidationError(_("This can no longer change: the scan has closed."), code="closed")
                if phase == Scan.CLOSED
                else ValidationError(
                    _("This can no longer change: the scan has opened."), code="opened"
                )
            )
    if "name" in changes and not changes["name"][1].strip():
        errors["name"] = ValidationError(_("A scan needs a name."), code="required")
    if "min_group_size" in changes and "min_group_size" not in errors:
        refusal = k_change_refusal(
            current=scan.min_group_size,
            new=changes["min_group_size"][1],
            opened=phase in (Scan.OPEN, Scan.CLOSED),
            published=published,
        )
        if refusal is not None:
            errors["min_group_size"] = _k_refusal_error(refusal, scan.min_group_size)
    after = {field: new for field, (_before, new) in changes.items() if field not in errors}
    new_opens = after.get("opens_on", scan.opens_on)
    new_closes = after.get("closes_on", scan.closes_on)
    if new_closes < new_opens and "closes_on" not in errors:
        errors["closes_on"] = ValidationError(
            _("The scan cannot close before it opens."), code="before_opening"
        )
    interim = after.get("interim_results", scan.interim_results)
    if interim and after.get("max_cut_dimensions", scan.max_cut_dimensions):
        errors.setdefault("max_cut_dimensions", interim_breakdowns_error())
    if errors:
        raise ValidationError(errors)
    for field, value in after.items():
        setattr(scan, field, value)
    if after:
        scan.full_clean(exclude=["organisation"])
        scan.save(update_fields=sorted(after))
    return changes


def _k_refusal_error(code: str, current: int) -> ValidationError:
    if code == K_CHANGE_BELOW_FLOOR:
        return ValidationError(
            _("The minimum group size is never below %(floor)s."),
            code=code,
            params={"floor": MIN_GROUP_SIZE_FLOOR},
        )
    if code == K_CHANGE_PUBLISHED:
        return ValidationError(
            _(
                "The minimum group size cannot be lowered: results of this scan were already "
                "published for groups of at least %(k)s, and numbers published under a smaller "
                "minimum could be combined with them to single out fewer people."
            ),
            code=code,
            params={"k": current},
        )
    assert code == K_CHANGE_PROMISED, code
    return ValidationError(
        _(
            "The minimum group size cannot be lowered once the scan is open: respondents "
            "answered on the promise of groups of at least %(k)s."
        ),
        code=code,
        params={"k": current},
    )


def interim_breakdowns_error() -> ValidationError:
    # Across versions a breakdown would need to know when each answer came in, which is
    # deliberately not stored (trustmirror.results.breakdown).
    return ValidationError(
        _(
            "Interim results rule out breakdowns by characteristic: set this to 0, or switch "
            "interim results off."
        ),
        code="interim_breakdowns",
    )


@transaction.atomic
def scan_close(*, scan: Scan, today: dt.date | None = None) -> Scan:
    """Close an open scan now: nobody can answer any more, and its closing day is today.

    The worker then publishes its final results (:mod:`trustmirror.results.tasks`). A scan
    whose closing day has passed keeps its date; only its status records the close.
    """
    _lock(scan)
    today = today or timezone.localdate()
    if scan.status == Scan.CLOSED:
        raise ValidationError(_("This scan is already closed."), code="closed")
    if scan.phase(today) in (Scan.DRAFT, Scan.SCHEDULED):
        raise ValidationError(
            _("This scan has not opened yet: change its dates or delete it instead."),
            code="not_open",
        )
    scan.status = Scan.CLOSED
    scan.closes_on = min(scan.closes_on, today)
    scan.save(update_fields=["status", "closes_on"])
    return scan


@transaction.atomic
def scan_extend(*, scan: Scan, closes_on: dt.date, today: dt.date | None = None) -> Scan:
    """Move the closing date of a scheduled or open scan later."""
    _lock(scan)
    today = today or timezone.localdate()
    if scan.phase(today) not in (Scan.SCHEDULED, Scan.OPEN):
        raise ValidationError(
            _("Only a scheduled or open scan can be extended."), code="not_extendable"
        )
    if closes_on < today:
        error = ValidationError(_("The new closing date is in the past."), code="past")
    elif closes_on < scan.opens_on:
        error = ValidationError(
            _("The scan cannot close before it opens (%(date)s)."),
            code="before_opening",
            params={"date": date_format(scan.opens_on)},
        )
    elif closes_on <= scan.closes_on:
        error = ValidationError(
            _("Choose a date after the current closing date (%(date)s)."),
            code="not_later",
            params={"date": date_format(scan.closes_on)},
        )
    else:
        scan.closes_on = closes_on
        scan.save(update_fields=["closes_on"])
        return scan
    raise ValidationError({"closes_on": error})


@transaction.atomic
def scan_delete(*, scan: Scan) -> int:
    """Delete a scan that nobody has answered, with its invitations; returns how many.

    Any response row counts, a draft too: answers once given are never thrown away here.
    The scan row is locked first, so that a response cannot slip in between the check and
    the delete (an answer's insert waits for the lock, then finds no scan).
    """
    _lock(scan)
    if Response.objects.filter(scan=scan).exists():
        raise ValidationError(
            _("This scan cannot be deleted: people have started answering it."),
            code="has_responses",
        )
    invitations = scan.invitations.count()
    scan.delete()
    return invitations
