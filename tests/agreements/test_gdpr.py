"""GDPR: a person's export holds the agreements they own and their check-ins; erasure keeps
the team's agreements but removes the person from them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trustmirror.agreements.links import follow_link_issue
from trustmirror.agreements.models import Agreement, CheckIn, FollowLink, Notice
from trustmirror.agreements.services import Viewer, agreement_check_in, agreement_create
from trustmirror.orgs.gdpr import person_erase, person_export


def test_export_and_erasure(issue_survey):
    survey = issue_survey(name="Trust scan June")
    acme = survey.acme
    ann, bob = acme.people["Ann"], acme.people["Bob"]
    agreement = agreement_create(
        viewer=Viewer.for_user(acme.dana, acme.org),
        scan=survey.scan,
        unit=acme.north,
        what="We share the week's plan on Monday",
        themes=["collaboration"],
        owners=[ann, bob],
        due_on=timezone.localdate() + dt.timedelta(days=20),
    )
    agreement_check_in(
        viewer=Viewer.for_person(ann), agreement=agreement, status="partly", note="Ann's words"
    )
    follow_link_issue(ann)
    Notice.objects.create(
        agreement=agreement, person=ann, kind="due", on=agreement.due_on, state="sent"
    )

    data = person_export(person=ann)["agreements"]
    assert [a["what"] for a in data["owned"]] == ["We share the week's plan on Monday"]
    assert data["owned"][0]["team"] == "Operations/Logistics/Team North"
    assert data["check_ins"] == [
        {
            "agreement": "We share the week's plan on Monday",
            "status": "partly",
            "note": "Ann's words",
            "on": timezone.localdate().isoformat(),
        }
    ]
    assert data["follow_links"] == 1
    assert [(r["kind"], r["state"]) for r in data["reminders"]] == [("due", "sent")]

    person_erase(person=ann)
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert [p.name for p in agreement.owners.all()] == ["Bob"]
    check_in = CheckIn.objects.get()
    assert (check_in.status, check_in.note, check_in.by_person) == ("partly", "", None)
    assert not FollowLink.objects.exists() and not Notice.objects.exists()
