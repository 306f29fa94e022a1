"""No request ends in a server error: every URL, every persona, valid and hostile input.

The crawl fills each URL pattern with real ids, ids of another organisation, ids that do not
exist and garbage, then sends GET, an empty POST and a POST of junk fields. Anything but a
4xx/2xx/3xx answer (or an exception, which the test client re-raises) fails the test, and so
does an HTML page that prints template comment text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Unit
from trustmirror.surveys.models import Response
from trustmirror.surveys.services import links_issue, scan_create

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
    values = {
        "org": ["acme", "globex", "nope"],
        "scan_id": [scan.pk, g_scan.pk, 987654],
        "unit_id": [acme.north.pk, acme.south.pk, g_unit.pk, 987654],
        "token": [links[0].token, "A" * 22, "short", "x" * 300],
        "number": ["1", "0", "99", "abc", "1" * 30],
        "rest": ["x/y", "p/1/extra"],
        "key": ["1.M1P1.host", "..", "x" * 300],
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
    failures = []
    for user in users:
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            for query in QUERIES if "/s/" not in url else ["", "?lang=xx"]:
                for method, data in (("get", None), ("post", {}), ("post", JUNK)):
                    response = getattr(client, method)(url + query, data or {})
                    who = user.username if user else "anonymous"
                    if response.status_code >= 500:
                        failures.append(
                            f"{who} {method.upper()} {url}{query}: {response.status_code}"
                        )
                    elif "html" in response.get("Content-Type", "") and (
                        b"{#" in response.content or b"#}" in response.content
                    ):
                        failures.append(f"{who} {method.upper()} {url}{query}: comment text")
    assert not failures, "\n".join(failures[:30])
    assert reverse("home") in urls
