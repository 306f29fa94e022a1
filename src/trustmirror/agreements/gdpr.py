"""A person's GDPR rights over agreements: what they own and what they checked in.

Agreements belong to the team, not to one person: erasing a person removes them as an owner
(the agreement stays, with its other owners), unlinks their check-ins from them and blanks the
notes they wrote (the status stays part of the team's history, the text was theirs), and
deletes their follow links and the reminders sent to them. Called by :mod:`trustmirror.orgs.gdpr`.
"""

from __future__ import annotations

from typing import Any

from trustmirror.agreements.models import Agreement, CheckIn, FollowLink, Notice
from trustmirror.orgs.models import Person

__all__ = ["agreements_erase", "agreements_export"]


def agreements_export(person: Person) -> dict[str, Any]:
    owned = Agreement.objects.filter(owners=person).select_related("unit", "scan").order_by("pk")
    check_ins = (
        CheckIn.objects.filter(by_person=person)
        .select_related("agreement")
        .order_by("created_at", "pk")
    )
    return {
        "owned": [
            {
                "team": agreement.unit.path,
                "scan": agreement.scan.name,
                "what": agreement.what,
                "signal": agreement.signal,
                "themes": list(agreement.themes),
                "due_on": agreement.due_on.isoformat(),
                "withdrawn": agreement.withdrawn_at is not None,
            }
            for agreement in owned
        ],
        "check_ins": [
            {
                "agreement": check_in.agreement.what,
                "status": check_in.status,
                "note": check_in.note,
                "on": check_in.on.isoformat(),
            }
            for check_in in check_ins
        ],
        "follow_links": FollowLink.objects.filter(person=person).count(),
        # The reminders e-mailed to the person: which agreement, what about, how far it got.
        "reminders": [
            {
                "agreement": notice.agreement.what,
                "kind": notice.kind,
                "on": notice.on.isoformat(),
                "state": notice.state,
                "sent_on": notice.sent_on.isoformat() if notice.sent_on else None,
            }
            for notice in Notice.objects.filter(person=person)
            .select_related("agreement")
            .order_by("pk")
        ],
    }


def agreements_erase(person: Person) -> int:
    """Remove ``person`` from what agreements hold about them; return the rows changed."""
    changed = CheckIn.objects.filter(by_person=person).update(by_person=None, note="")
    for agreement in Agreement.objects.filter(owners=person):
        agreement.owners.remove(person)
        changed += 1
    changed += FollowLink.objects.filter(person=person).delete()[0]
    changed += Notice.objects.filter(person=person).delete()[0]
    return changed
