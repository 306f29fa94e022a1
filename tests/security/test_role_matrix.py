"""Every role against every URL, including other organisations' objects (tenant isolation).

The matrix must list every named URL of the project: a new page without an entry here fails
the suite, so access rules are decided on purpose, never by accident.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from trustmirror.orgs.models import Role, Unit
from trustmirror.surveys.services import scan_create

PERSONAS = ("anonymous", "carla", "alex", "dana", "eli", "olga")
# Token-based respondent pages and site pages: not role-based, tested in tests/surveys.
NOT_ROLE_BASED = {
    "home",
    "privacy",
    "login",
    "logout",
    "set_language",
    "healthz",
    "surveys:link",
    "surveys:link-slash",
    "surveys:link-rest",
    "surveys:start",
    "surveys:page",
    "surveys:review",
    "surveys:thanks",
    # The relational round after the questionnaire: the same survey cookie (tests/relational).
    "surveys:round",
    "surveys:round-page",
    "surveys:round-review",
    # A person's own relational mirror through their link (tests/relational).
    "surveys:mirror",
    "surveys:not-found",
    # A respondent's "lost your link?" page: answers everyone the same (tests/delivery).
    "delivery:lost-link",
    # A person's follow link to their team's agreements: token-based (tests/agreements).
    "follow:page",
    "follow:link",
    # Single sign-on (tests/sso): the way to the provider and back, before anyone is signed
    # in; 404 unless configured, and what it signs in to is decided by roles as ever.
    "sso:start",
    "sso:callback",
}


def _names(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _names(
                entry.url_patterns, f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


@pytest.fixture(autouse=True)
def _room_for_refused_api_calls(settings):
    # The matrix asks every API address as every visitor, from one address: far more
    # refused calls (401) than a token guesser may make (trustmirror.ratelimit, api_auth).
    settings.TRUSTMIRROR_RATE_LIMITS = {
        **settings.TRUSTMIRROR_RATE_LIMITS,
        "api_auth": (10_000, 600),
    }


@pytest.fixture
def world(acme):
    """Acme with a scan; Globex with its own unit and scan, for cross-tenant attempts."""
    scan = scan_create(
        organisation=acme.org,
        name="Acme scan",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    g_unit = Unit.objects.create(organisation=acme.globex, name="Globex Team", path="Globex Team")
    from trustmirror.orgs.models import Person

    Person.objects.create(
        organisation=acme.globex, name="Gil", email="gil@globex.test", language="en", unit=g_unit
    )
    g_scan = scan_create(
        organisation=acme.globex,
        name="Globex scan",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    return {"acme": acme, "scan": scan, "g_unit": g_unit, "g_scan": g_scan}


def _cases(world):
    """(url name, description, method, url, {persona: expected status})."""
    a = world["acme"]
    scan, g_scan, g_unit = world["scan"], world["g_scan"], world["g_unit"]
    ops = Unit.objects.get(organisation=a.org, path="Operations")
    login = 302  # anonymous users are sent to the login page
    everyone_in_acme = {
        "anonymous": login,
        "carla": 200,
        "alex": 200,
        "dana": 200,
        "eli": 200,
        "olga": 404,
    }
    admin_only = {
        "anonymous": login,
        "carla": 200,
        "alex": 404,
        "dana": 404,
        "eli": 404,
        "olga": 404,
    }
    analysts = {"anonymous": login, "carla": 200, "alex": 200, "dana": 404, "eli": 404, "olga": 404}
    nobody = {"anonymous": login, "carla": 404, "alex": 404, "dana": 404, "eli": 404, "olga": 404}
    s, gs = scan.pk, g_scan.pk
    cases = [
        ("orgs:dashboard", "own org", "get", "/o/acme/", everyone_in_acme),
        ("orgs:dashboard", "other org", "get", "/o/globex/", {**nobody, "olga": 200}),
        ("orgs:people_import", "own org", "get", "/o/acme/people/import/", admin_only),
        (
            "orgs:people_import",
            "other org",
            "get",
            "/o/globex/people/import/",
            {**nobody, "olga": 200},
        ),
        ("scans:create", "own org", "get", "/o/acme/scans/new/", admin_only),
        ("scans:create", "other org", "get", "/o/globex/scans/new/", {**nobody, "olga": 200}),
        ("results:scan_overview", "own scan", "get", f"/o/acme/scans/{s}/", analysts),
        (
            "results:scan_overview",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/",
            nobody,
        ),
        (
            "results:scan_overview",
            "other org's scan",
            "get",
            f"/o/globex/scans/{gs}/",
            {**nobody, "olga": 200},
        ),
        (
            "results:unit_profile",
            "Team North",
            "get",
            f"/o/acme/scans/{s}/units/{a.north.pk}/",
            {**analysts, "dana": 200},
        ),
        (
            "results:unit_profile",
            "Team South",
            "get",
            f"/o/acme/scans/{s}/units/{a.south.pk}/",
            {**analysts, "eli": 200},
        ),
        (
            "results:unit_profile",
            "Operations (above Dana's team)",
            "get",
            f"/o/acme/scans/{s}/units/{ops.pk}/",
            analysts,
        ),
        (
            "results:unit_profile",
            "other org's unit in own scan",
            "get",
            f"/o/acme/scans/{s}/units/{g_unit.pk}/",
            nobody,
        ),
        (
            "results:unit_profile",
            "own unit in other org's scan",
            "get",
            f"/o/acme/scans/{gs}/units/{a.north.pk}/",
            nobody,
        ),
    ]
    # The demo's mailbox exists only while `trustmirror demo` runs: here, for nobody at all.
    off = {persona: 404 for persona in PERSONAS}
    demo = [
        ("delivery:mailbox", "off outside the demo", "get", "/demo/mailbox/", off),
        ("delivery:mailbox-message", "off", "get", "/demo/mailbox/1.M1P1.host/", off),
        ("delivery:mailbox-html", "off", "get", "/demo/mailbox/1.M1P1.host/html", off),
    ]
    return (
        cases
        + _scan_admin_cases(s, gs, nobody)
        + _optional_cases(s, gs, analysts, nobody, a.north.pk)
        + _api_cases(a, s, gs, nobody)
        + demo
    )


def _scan_admin_cases(s, gs, nobody):
    """A scan's own page and its actions: organisation admins only, their own scans only.

    The actions are posted empty, so that an allowed request shows the page with the form's
    errors (200) and changes nothing for the personas after it. That includes the delivery
    of the links: a reminder, a new link for one person, the letter file.
    """
    admin_only = {**nobody, "carla": 200}
    cases = [
        ("scans:manage", "own scan", "get", f"/o/acme/scans/{s}/manage/", admin_only),
        (
            "scans:manage",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/manage/",
            nobody,
        ),
        (
            "scans:manage",
            "other org's scan",
            "get",
            f"/o/globex/scans/{gs}/manage/",
            {**nobody, "olga": 200},
        ),
    ]
    for action in ("edit", "close", "extend", "delete", "remind", "new-link", "letters"):
        cases += [
            (
                f"scans:{action}",
                "own scan",
                "post",
                f"/o/acme/scans/{s}/manage/{action}/",
                admin_only,
            ),
            (
                f"scans:{action}",
                "other org's scan via own org",
                "post",
                f"/o/acme/scans/{gs}/manage/{action}/",
                nobody,
            ),
            (
                f"scans:{action}",
                "other org's scan",
                "post",
                f"/o/globex/scans/{gs}/manage/{action}/",
                {**nobody, "olga": 200},
            ),
        ]
    return cases


def _api_cases(a, s, gs, nobody):
    """API tokens: the organisation's admins manage them. The API itself takes a token only,
    never a session: 401 for every persona here (tokens: tests/api/test_api.py)."""
    from trustmirror.api.services import api_token_create

    token, _secret = api_token_create(
        organisation=a.org, name="Matrix", scope="read", created_by=None
    )
    g_token, _g_secret = api_token_create(
        organisation=a.globex, name="Globex matrix", scope="read", created_by=None
    )
    admin_only = {**nobody, "carla": 200}
    token_only = {persona: 401 for persona in PERSONAS}
    everyone = {persona: 200 for persona in PERSONAS}
    cases = [
        ("api_tokens:index", "own org", "get", "/o/acme/api-tokens/", admin_only),
        ("api_tokens:index", "other org", "get", "/o/globex/api-tokens/", {**nobody, "olga": 200}),
        (
            "api_tokens:revoke",
            "other org's token via own org",
            "post",
            f"/o/acme/api-tokens/{g_token.pk}/revoke/",
            nobody,
        ),
        # Carla revokes it (302 back to the list); the personas after her still get 404.
        (
            "api_tokens:revoke",
            "own token",
            "post",
            f"/o/acme/api-tokens/{token.pk}/revoke/",
            {**nobody, "carla": 302},
        ),
        ("api:openapi-json", "the schema is public", "get", "/api/v1/openapi.json", everyone),
        ("api:api-root", "nothing there", "get", "/api/v1/", {p: 404 for p in PERSONAS}),
        ("api:units", "session", "get", "/api/v1/units", token_only),
        ("api:scans", "session", "get", "/api/v1/scans", token_only),
        ("api:scan", "session", "get", f"/api/v1/scans/{s}", token_only),
        ("api:scan", "other org, session", "get", f"/api/v1/scans/{gs}", token_only),
        ("api:participation", "session", "get", f"/api/v1/scans/{s}/participation", token_only),
        ("api:results", "session", "get", f"/api/v1/scans/{s}/results", token_only),
        ("api:people_import", "session", "post", "/api/v1/people/import", token_only),
    ]
    return cases


def _optional_cases(s, gs, analysts, nobody, north):
    names = set(_names(get_resolver().url_patterns))
    cases = []
    if "results:quality" in names:
        cases += [
            ("results:quality", "own scan", "get", f"/o/acme/scans/{s}/quality/", analysts),
            (
                "results:quality",
                "other org's scan via own org",
                "get",
                f"/o/acme/scans/{gs}/quality/",
                nobody,
            ),
        ]
    # A person's own mirror: whoever is a person of the organisation (Dana, Eli), nobody else
    # (an admin or analyst without a person record has no mirror to open).
    people = {**nobody, "dana": 200, "eli": 200}
    cases += [
        ("results:mirror", "own scan", "get", f"/o/acme/scans/{s}/mirror/", people),
        (
            "results:mirror",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/mirror/",
            nobody,
        ),
    ]
    # Reports: whoever may open the page, as tests/results/test_reports.py shows on a scan
    # with results. This scan has none yet, so even they get 404 ("no report yet").
    cases += [
        ("results:report", "own scan, none yet", "get", f"/o/acme/scans/{s}/report.pdf", nobody),
        (
            "results:unit_report",
            "Team North, none yet",
            "get",
            f"/o/acme/scans/{s}/units/{north}/report.pdf",
            nobody,
        ),
        (
            "results:report",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/report.html",
            nobody,
        ),
    ]
    # Exports: the results table for whoever may open the overview, respondent-level data for
    # admins once the scan has closed (tests/results/test_exports.py, on a scan with results).
    # This scan has none yet, so even they get 404.
    cases += [
        (
            "results:export_aggregates",
            "own scan, none yet",
            "get",
            f"/o/acme/scans/{s}/export/results.csv",
            nobody,
        ),
        (
            "results:export_aggregates",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/export/results.xlsx",
            nobody,
        ),
        (
            "results:export_research",
            "own scan, none yet",
            "get",
            f"/o/acme/scans/{s}/export/research.zip",
            nobody,
        ),
        (
            "results:export_research",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/export/research.zip",
            nobody,
        ),
    ]
    # Hiding an open answer: organisation admins only (an empty post is refused as 400, and
    # the answer must be published: tests/results/test_open_answers.py); 404 for anyone else.
    cases += [
        (
            "results:comment_moderate",
            "own scan, empty post",
            "post",
            f"/o/acme/scans/{s}/comments/",
            {**nobody, "carla": 400},
        ),
        (
            "results:comment_moderate",
            "other org's scan via own org",
            "post",
            f"/o/acme/scans/{gs}/comments/",
            nobody,
        ),
    ]
    # Agreements: a team's members, its leads and the admins follow them; the index sends
    # someone with one team straight there. A team session: the team's leads and the admins.
    south = Unit.objects.get(organisation__slug="acme", path="Operations/Logistics/Team South").pk
    g_unit = Unit.objects.get(organisation__slug="globex", path="Globex Team")
    team_members = {**nobody, "carla": 200, "dana": 200}
    everyone_in_acme = {**nobody, "carla": 200, "alex": 200, "dana": 200, "eli": 200}
    cases += [
        (
            "agreements:index",
            "own org",
            "get",
            "/o/acme/agreements/",
            {**everyone_in_acme, "dana": 302, "eli": 302},
        ),
        ("agreements:index", "other org", "get", "/o/globex/agreements/", {**nobody, "olga": 302}),
        (
            "agreements:team",
            "Team North",
            "get",
            f"/o/acme/agreements/units/{north}/",
            team_members,
        ),
        (
            "agreements:team",
            "Team South",
            "get",
            f"/o/acme/agreements/units/{south}/",
            {**nobody, "carla": 200, "eli": 200},
        ),
        (
            "agreements:team",
            "other org's unit via own org",
            "get",
            f"/o/acme/agreements/units/{g_unit.pk}/",
            nobody,
        ),
        (
            "agreements:session",
            "Team North",
            "get",
            f"/o/acme/scans/{s}/units/{north}/session/",
            team_members,
        ),
        (
            "agreements:session",
            "other org's scan via own org",
            "get",
            f"/o/acme/scans/{gs}/units/{north}/session/",
            nobody,
        ),
    ]
    if "results:breakdown" in names:
        cases += [
            ("results:breakdown", "own scan", "get", f"/o/acme/scans/{s}/breakdown/", analysts),
            (
                "results:breakdown",
                "own scan, a characteristic",
                "get",
                f"/o/acme/scans/{s}/breakdown/?by=tenure",
                # The scan is open: breakdowns come with the final results, and the page
                # says so (only to those who may see it at all).
                analysts,
            ),
            (
                "results:breakdown",
                "other org's scan via own org",
                "get",
                f"/o/acme/scans/{gs}/breakdown/",
                nobody,
            ),
        ]
    return cases


def test_every_named_url_is_in_the_matrix(world):
    covered = {case[0] for case in _cases(world)} | NOT_ROLE_BASED
    missing = set(_names(get_resolver().url_patterns)) - covered
    assert not missing, f"decide who may open these URLs and add them to the matrix: {missing}"


def test_role_matrix(client, world):
    a = world["acme"]
    users = {"carla": a.carla, "alex": a.alex, "dana": a.dana, "eli": a.eli, "olga": a.olga}
    failures = []
    for name, description, method, url, expected in _cases(world):
        for persona in PERSONAS:
            client.logout()
            if persona != "anonymous":
                client.force_login(users[persona])
            response = getattr(client, method)(url)
            if response.status_code != expected[persona]:
                failures.append(
                    f"{persona} {method.upper()} {url} ({name}, {description}): "
                    f"{response.status_code}, expected {expected[persona]}"
                )
    assert not failures, "\n".join(failures)


def test_roles_are_enforced_in_queries_not_only_templates(world):
    """A lead's visible units come from the database query, whatever a template would show."""
    from trustmirror.orgs.access import roles_in, visible_units

    a = world["acme"]
    dana_units = set(visible_units(roles_in(a.dana, a.org), a.org).values_list("path", flat=True))
    assert dana_units == {"Operations/Logistics/Team North"}
    olga_units = visible_units(roles_in(a.olga, a.org), a.org)
    assert not olga_units.exists()
    assert Role.objects.filter(user=a.olga, organisation=a.org).count() == 0
