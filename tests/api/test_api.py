"""The REST API: tokens, scopes, tenants, and only what the pages show.

Personas (tests/conftest.py): Carla is Acme's admin and manages its tokens; Alex (analyst),
Dana (lead) and Eli (member) may not; Olga is Globex's admin and must never reach Acme. The
tokens (conftest.py): Acme's read and write tokens, a revoked one, and Globex's read token.
"""

from __future__ import annotations

import hashlib

import pytest

from trustmirror.api.models import ApiToken
from trustmirror.audit.models import AuditEvent
from trustmirror.orgs.importing import ImportFailed, parse_people, read_table
from trustmirror.orgs.models import Person, Unit
from trustmirror.results.reading import lines, reason_for
from trustmirror.results.selectors import published_results

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


GOOD_CSV = (
    b"name,email,language,unit,lead\n"
    b"Nina,nina@acme.test,en,Operations/Logistics/Team North,no\n"
    b"Otto,otto@acme.test,nl,Finance/Team West,no\n"
)
# The second row has no e-mail address: the whole file must be refused.
BAD_CSV = (
    b"name,email,language,unit,lead\n"
    b"Nina,nina@acme.test,en,Operations/Logistics/Team North,no\n"
    b"Otto,,nl,Finance/Team West,no\n"
)


def _import(client, token, content=GOOD_CSV, name="people.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/people/import",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        **(bearer(token) if token else {}),
    )


# -- tokens -----------------------------------------------------------------------------------


def test_an_admin_creates_a_token_that_is_shown_once_and_stored_hashed(client, acme):
    client.force_login(acme.carla)
    response = client.post("/o/acme/api-tokens/", {"name": "BI tool", "scope": "read"})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token.startswith("tm_") and token in response.content.decode()
    stored = ApiToken.objects.get(name="BI tool")
    assert stored.organisation == acme.org and stored.scope == "read"
    assert stored.created_by == acme.carla
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiToken.objects.values_list()))
    again = client.get("/o/acme/api-tokens/")
    assert token not in again.content.decode() and "BI tool" in again.content.decode()
    assert AuditEvent.objects.filter(
        user=acme.carla, action=AuditEvent.API_TOKEN_CREATE, target__contains="BI tool"
    ).exists()
    assert client.get("/api/v1/units", **bearer(token)).status_code == 200
    assert ApiToken.objects.get(pk=stored.pk).last_used_on is not None


def test_a_revoked_token_is_refused(client, acme, tokens):
    token = ApiToken.objects.get(name="HR system")
    assert client.get("/api/v1/units", **bearer(tokens["write"])).status_code == 200
    client.force_login(acme.carla)
    response = client.post(f"/o/acme/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert client.get("/api/v1/units", **bearer(tokens["write"])).status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(
        user=acme.carla, action=AuditEvent.API_TOKEN_REVOKE, target__contains="HR system"
    ).exists()


@pytest.mark.parametrize("persona", ["alex", "dana", "eli", "olga"])
def test_only_the_organisations_admin_manages_its_tokens(client, acme, tokens, persona):
    token = ApiToken.objects.get(name="Dashboard")
    client.force_login(getattr(acme, persona))
    assert client.get("/o/acme/api-tokens/").status_code == 404
    assert client.post("/o/acme/api-tokens/", {"name": "x", "scope": "write"}).status_code == 404
    assert client.post(f"/o/acme/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(organisation=acme.org, revoked_at__isnull=True).count() == 2


def test_an_admin_cannot_revoke_another_organisations_token(client, acme, tokens):
    globex = ApiToken.objects.get(name="Globex reader")
    client.force_login(acme.carla)
    assert client.post(f"/o/acme/api-tokens/{globex.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/units", **bearer(tokens["globex"])).status_code == 200


# -- the role matrix for tokens ---------------------------------------------------------------


def test_the_role_matrix_holds_for_tokens(client, acme, scan, tokens):
    """Every endpoint against every kind of credential: none, a wrong one, a revoked one, a
    session (the API takes tokens only), Acme's read and write tokens, Globex's token."""
    from trustmirror.surveys.services import scan_create

    g_scan = scan_create(
        organisation=acme.globex,
        name="Globex scan",
        opens_on=scan.opens_on,
        closes_on=scan.closes_on,
    )
    s, gs = scan.pk, g_scan.pk
    credentials = {
        "none": {},
        "wrong": bearer("tm_" + "x" * 43),
        "revoked": bearer(tokens["revoked"]),
        "session": {},
        "read": bearer(tokens["read"]),
        "write": bearer(tokens["write"]),
        "globex": bearer(tokens["globex"]),
    }
    refused = {"none": 401, "wrong": 401, "revoked": 401, "session": 401}
    reads = {**refused, "read": 200, "write": 200, "globex": 200}
    acme_only = {**refused, "read": 200, "write": 200, "globex": 404}
    globex_only = {**refused, "read": 404, "write": 404, "globex": 404}
    cases = [
        ("get", "/api/v1/units", reads),
        ("get", "/api/v1/scans", reads),
        ("get", f"/api/v1/scans/{s}", acme_only),
        ("get", f"/api/v1/scans/{s}/participation", acme_only),
        ("get", f"/api/v1/scans/{s}/results", acme_only),
        ("get", f"/api/v1/scans/{gs}", {**globex_only, "globex": 200}),
        # Globex's scan has nothing published: 404 for its own token too.
        ("get", f"/api/v1/scans/{gs}/participation", globex_only),
        ("get", f"/api/v1/scans/{gs}/results", globex_only),
        ("post", "/api/v1/people/import", {**refused, "read": 403, "write": 200, "globex": 403}),
    ]
    failures = []
    for method, url, expected in cases:
        for who, headers in credentials.items():
            client.logout()
            if who == "session":
                client.force_login(acme.carla)
            if method == "post":
                token = headers.get("HTTP_AUTHORIZATION", "Bearer ")[len("Bearer ") :]
                response = _import(client, token)
            else:
                response = client.get(url, **headers)
            if response.status_code != expected[who]:
                failures.append(f"{who} {method} {url}: {response.status_code} != {expected[who]}")
    assert not failures, "\n".join(failures)


def test_a_token_lists_only_its_own_organisation(client, acme, scan, tokens):
    units = client.get("/api/v1/units", **bearer(tokens["globex"])).json()
    assert units == []
    scans = client.get("/api/v1/scans", **bearer(tokens["globex"])).json()
    assert scans == []
    acme_units = client.get("/api/v1/units", **bearer(tokens["read"])).json()
    assert {u["path"] for u in acme_units} == set(
        Unit.objects.filter(organisation=acme.org).values_list("path", flat=True)
    )
    north = next(u for u in acme_units if u["path"].endswith("Team North"))
    assert north["people"] == 6
    [listed] = client.get("/api/v1/scans", **bearer(tokens["read"])).json()
    assert listed["id"] == scan.pk and listed["phase"] == "closed" and listed["results_published"]


# -- what the pages show ----------------------------------------------------------------------


def test_results_hold_exactly_what_the_pages_show(client, acme, scan, tokens):
    """A shown group's numbers as the page prints them; a hidden group's reason, no number."""
    response = client.get(f"/api/v1/scans/{scan.pk}/results?lang=en", **bearer(tokens["read"]))
    assert response.status_code == 200
    body = response.json()
    results, _participation = published_results(scan)
    assert body["k"] == 5 and body["final"] is True and body["language"] == "en"
    constructs = results.instrument.constructs
    rows = body["rows"]
    by_path: dict[str, list[dict]] = {}
    for row in rows:
        by_path.setdefault(row["unit_path"], []).append(row)
    for name in ("south", "east"):
        unit = getattr(acme, name)
        [hidden] = by_path[unit.path]
        group = results.unit_group(unit)
        assert not group.shown and not hidden["shown"]
        assert hidden["not_shown_because"] == reason_for(results, group)
        numbers = ("mean", "ci_low", "ci_high", "n", "agree_percent", "agreement", "scale_id")
        assert all(hidden[key] is None for key in numbers)
        assert hidden["participation"] == ""
    north = by_path[acme.north.path]
    page = lines(results, constructs, results.unit_group(acme.north), "en")
    assert [row["scale_id"] for row in north] == [c.id for c in constructs]
    for row, line in zip(north, page, strict=True):
        stat = line.unit
        assert row["shown"] and row["scale"] == line.label
        if stat is None:
            assert row["mean"] is None and row["not_shown_because"]
            continue
        assert row["mean"] == round(stat.mean, 1)
        assert row["n"] == stat.n
        assert row["agree_percent"] == (
            None if stat.favourable is None else round(100 * stat.favourable)
        )
    for row in rows:  # no hidden row anywhere holds a number
        if not row["shown"]:
            assert row["mean"] is None and row["n"] is None, row
    assert AuditEvent.objects.filter(
        action=AuditEvent.API_CALL, target__contains=f"results of scan {scan.pk}"
    ).exists()


def test_results_in_dutch(client, scan, tokens):
    body = client.get(f"/api/v1/scans/{scan.pk}/results?lang=nl", **bearer(tokens["read"])).json()
    assert body["language"] == "nl"
    hidden = next(row for row in body["rows"] if not row["shown"])
    english = client.get(f"/api/v1/scans/{scan.pk}/results?lang=en", **bearer(tokens["read"]))
    hidden_en = next(row for row in english.json()["rows"] if not row["shown"])
    assert hidden["not_shown_because"] != hidden_en["not_shown_because"]


def test_participation_gives_no_percentage_below_k(client, acme, scan, tokens):
    body = client.get(f"/api/v1/scans/{scan.pk}/participation", **bearer(tokens["read"])).json()
    rows = {row["unit_path"]: row for row in body["groups"]}
    for name in ("south", "east"):
        row = rows[getattr(acme, name).path]
        assert row["percent"] is None and not row["shown"] and row["text"] == ""
    assert rows[acme.north.path]["shown"]
    assert 0 < rows[acme.north.path]["percent"] <= 100


def test_nothing_published_is_404(client, issue_survey, tokens):
    survey = issue_survey(name="Open scan")
    for what in ("results", "participation"):
        response = client.get(f"/api/v1/scans/{survey.scan.pk}/{what}", **bearer(tokens["read"]))
        assert response.status_code == 404 and response.json()["detail"]


# -- people import ----------------------------------------------------------------------------


def test_a_write_token_imports_people(client, acme, tokens):
    response = _import(client, tokens["write"])
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "units_created": 2}
    assert Person.objects.get(email="otto@acme.test").unit.path == "Finance/Team West"
    assert AuditEvent.objects.filter(
        action=AuditEvent.IMPORT_PEOPLE, user=None, target__contains="HR system"
    ).exists()


def test_a_read_token_cannot_import(client, acme, tokens):
    before = Person.objects.count()
    response = _import(client, tokens["read"])
    assert response.status_code == 403 and "write token" in response.json()["detail"]
    assert Person.objects.count() == before


def test_a_refused_import_writes_nothing_and_says_why(client, acme, tokens):
    before = (Person.objects.count(), Unit.objects.count())
    response = _import(client, tokens["write"], BAD_CSV)
    assert response.status_code == 400
    with pytest.raises(ImportFailed) as failure:
        parse_people(read_table("people.csv", BAD_CSV))
    assert response.json()["errors"] == failure.value.errors
    assert any("3" in error for error in response.json()["errors"])  # the line of the problem
    assert (Person.objects.count(), Unit.objects.count()) == before


def test_an_import_without_a_file_is_refused_without_a_server_error(client, tokens):
    response = client.post("/api/v1/people/import", {}, **bearer(tokens["write"]))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Form field file is missing: send the people file in it "
        "(for example curl -F file=@people.csv)."
    ]


# -- the command line -------------------------------------------------------------------------


def test_the_command_creates_lists_and_revokes_a_token(client, acme, capsys):
    from trustmirror.cli import main

    assert (
        main(["api-token", "create", "--org", "acme", "--name", "Nightly", "--scope", "write"]) == 0
    )
    token = capsys.readouterr().out.strip()
    assert client.get("/api/v1/units", **bearer(token)).status_code == 200
    stored = ApiToken.objects.get(name="Nightly")
    assert stored.scope == "write" and token not in stored.token_hash
    assert main(["api-token", "list", "--org", "acme"]) == 0
    assert "Nightly\twrite\tactive" in capsys.readouterr().out
    assert main(["api-token", "revoke", "--org", "acme", "--id", str(stored.pk)]) == 0
    assert client.get("/api/v1/units", **bearer(token)).status_code == 401
    assert main(["api-token", "revoke", "--org", "globex", "--id", str(stored.pk)]) == 2
    assert main(["api-token", "create", "--org", "nope", "--name", "x"]) == 2


def test_a_write_token_may_send_a_people_file_larger_than_a_survey_page(client, tokens):
    """The body limit for strangers (128 KB) would refuse a real people file; a write token
    gets the staff limit, anyone else a 413 in JSON, before the file is read."""
    rows = "".join(f"P{i},,en,Team,no\n" for i in range(20_000))  # no e-mail: refused
    big = ("name,email,language,unit,lead\n" + rows).encode()
    assert len(big) > 300_000
    response = _import(client, tokens["write"], big)
    assert response.status_code == 400 and response.json()["errors"]
    for token in (tokens["read"], tokens["revoked"], ""):
        response = _import(client, token, big)
        assert response.status_code == 413, token
        assert response.json()["detail"]
