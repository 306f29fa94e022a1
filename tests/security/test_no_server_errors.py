"""No request ends in a server error: every URL, every persona, valid and hostile input.

The crawl fills each URL pattern with real ids, ids of another organisation, ids that do not
exist and garbage, then sends GET, an empty POST and a POST of junk fields. The survey's
pages are crawled twice: in a browser that never opened a link, and in one that has just
opened a valid link (whose form guard the junk then carries). Anything but a
4xx/2xx/3xx answer (or an exception, which the test client re-raises) fails the test, and so
does an HTML page that prints template comment text.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import secrets

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Person, Unit
from trustmirror.surveys.models import Response
from trustmirror.surveys.services import links_issue, scan_create
from trustmirror.surveys.session import COOKIE_NAME, form_guard

JUNK = {
    "name": "x" * 5000,
    "opens_on": "2026-13-45",
    "closes_on": "yesterday",
    "min_group_size": "-7",
    "max_cut_dimensions": "99",
    "interim_results": "perhaps",
    # A scan's actions (their forms are prefixed); confirmed, so that close and delete run.
    "extend-closes_on": "2027-02-30",
    "close-confirm": "yes",
    "delete-confirm": "yes",
    "remind-confirm": "yes",
    "letters-confirm": "yes",
    "new-link-invitation": ["12x", "-1", "99999999999999999999"],
    "email": ["not an address", "x" * 400 + "@example.org"],
    "file": "not a file",
    "token": ["<script>", "A" * 22, ""],
    "item-saf1": "7",
    "item-nope": "3",
    "open-open_increase": "y" * 10_000,
    "lang": "xx",
    "go": "sideways",
    "submit": "1",
    "language": "klingon",
    "username": "carla",
    "password": "",
    "next": "https://evil.example/",
}
QUERIES = [
    "",
    "?lang=xx",
    "?by=nonsense",
    "?by=tenure&by=location&by=x",
    "?saved=1&lang=nl",
    "?level=u:987654&sort=innovation&dir=up",
    "?level=r:top&sort=%3Cscript%3E",
    "?level=org&sort=safety_security&dir=asc",
    "?level=nonsense",
]


def _patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


@pytest.fixture
def crawl_world(acme, settings):
    # Hostile input would trip the rate limit after a while; that is tested elsewhere.
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (10**9, 60), "login": (10**9, 60)}
    cache.clear()
    instrument = load_instrument()
    scan = scan_create(
        organisation=acme.org,
        name="Crawl",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    links = links_issue(scan=scan)
    for _ in range(6):
        Response.objects.create(
            scan=scan,
            unit=acme.north,
            resume_key=secrets.token_hex(32),
            answers={item: 4 for item in instrument.items},
            submitted=True,
        )
    g_unit = Unit.objects.create(organisation=acme.globex, name="G", path="G")
    from trustmirror.orgs.models import Person

    Person.objects.create(
        organisation=acme.globex, name="Gil", email="gil@g.test", language="en", unit=g_unit
    )
    # Globex's scan goes out as printed letters: its letter file is downloaded in the crawl.
    g_scan = scan_create(
        organisation=acme.globex,
        name="G",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
        delivery="letters",
    )
    from trustmirror.api.services import api_token_create

    a_token, _ = api_token_create(organisation=acme.org, name="A", scope="write", created_by=None)
    g_token, _ = api_token_create(organisation=acme.globex, name="G", scope="read", created_by=None)
    values = {
        "org": ["acme", "globex", "nope"],
        "token_id": [a_token.pk, g_token.pk, 987654],
        "scan_id": [scan.pk, g_scan.pk, 987654],
        "unit_id": [acme.north.pk, acme.south.pk, g_unit.pk, 987654],
        "token": [links[0].token, "A" * 22, "short", "x" * 300],
        "number": ["1", "0", "99", "abc", "1" * 30],
        "rest": ["x/y", "p/1/extra"],
        "key": ["1.M1P1.host", "..", "x" * 300],
        "fmt": ["pdf", "html", "docx", "x" * 300],
    }
    yield acme, values
    cache.clear()


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _urls(values):
    """Every route filled with every combination of the test values for its parameters."""
    for route, _pattern in _patterns(get_resolver().url_patterns):
        names = sorted(set(PARAMETER.findall(route)))
        for combo in itertools.product(*(values[n] for n in names)):
            kwargs = dict(zip(names, combo, strict=True))
            yield "/" + PARAMETER.sub(lambda m, kw=kwargs: str(kw[m.group(1)]), route)


def test_no_url_answers_with_a_server_error(client, crawl_world):
    acme, values = crawl_world
    users = [None, acme.carla, acme.alex, acme.dana, acme.eli, acme.olga]
    urls = sorted(set(_urls(values)))
    assert len(urls) > 100, urls
    survey_urls = [url for url in urls if url.startswith("/s/")]
    valid = values["token"][0]
    # Junk that gets past the survey forms' guard of the link this browser opened.
    survey_junk = {**JUNK, "survey": form_guard(valid)}
    failures = []

    def crawl(who, url, queries, junk, before=lambda: None):
        for query in queries:
            for method, data in (("get", None), ("post", {}), ("post", junk)):
                before()
                response = getattr(client, method)(url + query, data or {})
                if response.status_code >= 500:
                    failures.append(f"{who} {method.upper()} {url}{query}: {response.status_code}")
                elif "html" in response.get("Content-Type", "") and (
                    b"{#" in response.content or b"#}" in response.content
                ):
                    failures.append(f"{who} {method.upper()} {url}{query}: comment text")

    for user in users:
        client.logout()
        if user is not None:
            client.force_login(user)
        who = user.username if user else "anonymous"
        for url in urls:
            if url.startswith("/s/"):
                # A browser that never opened a survey link.
                crawl(
                    who, url, ["", "?lang=xx"], JUNK, lambda: client.cookies.pop(COOKIE_NAME, None)
                )
            else:
                crawl(who, url, QUERIES, JUNK)
        # The survey's pages again in a browser that has just opened a valid link.
        for url in survey_urls:
            crawl(who, url, ["", "?lang=xx"], survey_junk, lambda: client.get(f"/s/{valid}"))
    assert not failures, "\n".join(failures[:30])
    assert reverse("home") in urls


def _workbook(*rows: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["name", "email", "language", "unit", "lead"]
LONG = "x" * 300


def _hostile_uploads(xlsx_without_worksheet: bytes) -> list[tuple[str, bytes, str]]:
    """(file name, content, what the page must say): files that once ended in a 500."""
    csv_header = ",".join(HEADER) + "\n"
    return [
        ("no-sheet.xlsx", xlsx_without_worksheet, "has no worksheet"),
        ("long.csv", (csv_header + f"{LONG},a@x.test,nl,A,no\n").encode(), "Line 2: the name"),
        ("long.csv", (csv_header + f"A,{LONG}@x.test,nl,A,no\n").encode(), "Line 2: the e-mail"),
        ("long.csv", (csv_header + f"A,a@x.test,nl,A/{LONG},no\n").encode(), "Line 2: a unit"),
        (
            "long.xlsx",
            _workbook(HEADER, [LONG, "a@x.test", "nl", "A", "no"]),
            "Line 2: the name is longer than 200 characters",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
        ("latin1.csv", (csv_header + "Jürgen,j@x.test,nl,A,no\n").encode("latin-1"), "UTF-8"),
        ("empty.csv", b"", "The submitted file is empty"),  # the form's own check
        ("blank.csv", csv_header.encode() + b"\n" * 60_000, "empty rows"),
        ("nul.csv", csv_header.encode() + b"A\x00,a@x.test,nl,A,no\n", "Line 2"),
        ("people.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file"),
    ]


def test_hostile_people_files_never_end_in_a_server_error(client, acme, xlsx_without_worksheet):
    """On PostgreSQL too (the suite's second run), where a too-long value once was a 500."""
    client.force_login(acme.carla)
    url = reverse("orgs:people_import", kwargs={"org": "acme"})
    before = Person.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    for name, content, message in _hostile_uploads(xlsx_without_worksheet):
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert message in html, (name, message)
    assert Person.objects.count() == before
