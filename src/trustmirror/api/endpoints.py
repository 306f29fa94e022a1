"""The REST API (OpenAPI at /api/v1/openapi.json): what an organisation's pages show.

A token acts for its organisation as an admin reads: units, scans, and from the published
snapshots only, participation and results as the analysts' pages print them (k-safe: a hidden
group has its reason and no number). A write token may also import people, all or nothing,
as the import page does. A token never reaches another organisation: its objects are 404,
worded as for an id that does not exist.

Each token may make 600 requests a minute and 30 imports an hour (the site's settings may
differ); past that, 429 with ``Retry-After`` and the seconds in ``retry_after``. Every refusal
is JSON: ``detail`` says what is wrong, ``errors`` (where present) lists each problem and
where it is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security.base import AuthBase
from pydantic import Field

from trustmirror.api import refusals
from trustmirror.api.models import ApiToken
from trustmirror.api.services import TokenRefused, api_token_authenticate
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.importing import ImportFailed, people_import
from trustmirror.orgs.models import Unit
from trustmirror.privacy.reasons import REASON_FEW_NONRESPONDENTS
from trustmirror.ratelimit import Exceeded, api_rate_exceeded
from trustmirror.results import wording
from trustmirror.results.exports import ExportError, aggregates_table, shown_results
from trustmirror.results.models import Publication, PublishedGroup
from trustmirror.results.reading import group_label
from trustmirror.results.selectors import Group, published_results
from trustmirror.surveys.models import Scan

Language = Literal["en", "nl"]
# An id as the database stores it: a larger number is refused (400) before any query.
ScanId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RateLimited(Exception):
    """A recognised token over its rate limit (answered 429)."""

    def __init__(self, exceeded: Exceeded):
        super().__init__(exceeded)
        self.exceeded = exceeded


class BearerToken(AuthBase):
    """``Authorization: Bearer <token>``: the token becomes ``request.auth``.

    Else :class:`TokenRefused` (401, saying what is wrong with the header). A recognised
    token's request is counted against its rate limit of ``kind``: past it, 429. Only
    recognised tokens are counted, so nobody can use up another's requests without it.
    """

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = "An API token of the organisation (tm_...), made by its admin."

    def __init__(self, kind: str = "api"):
        super().__init__()
        self.kind = kind

    def __call__(self, request: HttpRequest) -> ApiToken:
        token = api_token_authenticate(request.headers.get("Authorization", ""))
        exceeded = api_rate_exceeded(self.kind, token.token_hash)
        if exceeded is not None:
            raise RateLimited(exceeded)
        return token


api = NinjaAPI(
    title="Trustmirror API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    auth=BearerToken(),
    docs_url=None,  # the interactive page loads scripts from elsewhere, which the CSP refuses
)


class Message(Schema):
    detail: str


class Refused(Schema):
    """A request refused as a whole: what is wrong, and where."""

    detail: str
    errors: list[str]


class RetryLater(Schema):
    """Too many requests with one token: when the next window begins, in seconds."""

    detail: str
    retry_after: int


# What any call may be answered besides its own answers.
REFUSALS = {401: Message, 429: RetryLater}


def _json(request: HttpRequest, body: Schema, status: int) -> HttpResponse:
    return api.create_response(request, body.model_dump(), status=status)


@api.exception_handler(TokenRefused)
def token_refused(request: HttpRequest, error: TokenRefused):
    response = _json(request, Message(detail=refusals.token_refused(error.reason)), 401)
    # RFC 6750: a sent token that is not (or no longer) valid is an "invalid_token".
    sent = error.reason in (TokenRefused.UNKNOWN, TokenRefused.REVOKED)
    response["WWW-Authenticate"] = 'Bearer realm="trustmirror"' + (
        ', error="invalid_token"' if sent else ""
    )
    return response


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, error: RateLimited):
    exceeded = error.exceeded
    detail = refusals.rate_limited(exceeded)
    response = _json(request, RetryLater(detail=detail, retry_after=exceeded.retry_after), 429)
    response["Retry-After"] = str(exceeded.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404):
    return _json(request, Message(detail=_("Not found.")), 404)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
@api.exception_handler(MultiPartParserError)
def unreadable(request: HttpRequest, error: Exception):
    """A body Django refuses to parse: two files, too many fields, a broken multipart."""
    problem = refusals.unreadable_body(error)
    body = Refused(detail=_("The request is not valid: nothing was done."), errors=[problem])
    return _json(request, body, 400)


def _not_a_form(request: HttpRequest, error: ValidationError) -> bool:
    """An import whose body is no multipart form at all (JSON, a bare CSV, nothing)."""
    return request.content_type != "multipart/form-data" and any(
        tuple(item.get("loc", ()))[:1] == ("file",) for item in error.errors
    )


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError):
    if _not_a_form(request, error):
        detail = refusals.not_a_form(request.content_type)
        return _json(request, Message(detail=detail), 415)
    errors = [refusals.parameter_problem(request, item) for item in error.errors]
    body = Refused(detail=_("The request is not valid: nothing was done."), errors=errors)
    return _json(request, body, 400)


class UnitOut(Schema):
    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int
    people: int


class ScanOut(Schema):
    id: int
    name: str
    opens_on: date
    closes_on: date
    phase: Literal["draft", "scheduled", "open", "closed"]
    min_group_size: int
    results_published: bool


class ImportOut(Schema):
    created: int
    updated: int
    units_created: int


class ParticipationRow(Schema):
    group: str
    unit_path: str
    shown: bool
    percent: int | None
    at_least: bool
    text: str


class Snapshot(Schema):
    scan_id: int
    version: int | None
    final: bool
    published_at: datetime | None
    k: int


class ParticipationOut(Snapshot):
    groups: list[ParticipationRow]


class ResultRow(Schema):
    group: str
    unit_path: str
    kind: str
    shown: bool
    not_shown_because: str
    participation: str
    scale_id: str | None
    scale: str | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    agree_percent: int | None
    agreement: str | None


class ResultsOut(Snapshot):
    language: Language
    rows: list[ResultRow]


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,return-value]


def _record(request: HttpRequest, what: str) -> None:
    token = _token(request)
    audit_record(
        user=None,
        organisation=token.organisation,
        action=AuditEvent.API_CALL,
        target=f"token {token.pk} {token.name}: {what}",
    )


def _scan(request: HttpRequest, scan_id: int) -> Scan:
    """The scan, if it is the token's organisation's; another's is worded as one that is not."""
    found = Scan.objects.filter(pk=scan_id, organisation=_token(request).organisation).first()
    if found is None:
        raise HttpError(404, _("There is no scan %(id)d for this token.") % {"id": scan_id})
    return found


def _scan_out(scan: Scan, published: bool) -> ScanOut:
    return ScanOut(
        id=scan.pk,
        name=scan.name,
        opens_on=scan.opens_on,
        closes_on=scan.closes_on,
        phase=scan.phase(),
        min_group_size=scan.min_group_size,
        results_published=published,
    )


def _published_scan_ids(scans) -> set[int]:
    return set(
        Publication.objects.filter(
            scan__in=scans, track=Publication.RESULTS, status=Publication.PUBLISHED
        ).values_list("scan_id", flat=True)
    )


@api.get("/units", response={200: list[UnitOut], **REFUSALS}, url_name="units")
def units(request: HttpRequest):
    """Every unit of the organisation, in tree order, with its number of people."""
    found = Unit.objects.filter(organisation=_token(request).organisation).annotate(
        n_people=Count("people")
    )
    return [
        UnitOut(
            id=u.pk,
            name=u.name,
            path=u.path,
            parent_id=u.parent_id,
            depth=u.depth,
            people=u.n_people,
        )
        for u in found
    ]


@api.post(
    "/people/import",
    response={200: ImportOut, 400: Refused, 403: Message, 413: Message, 415: Message, **REFUSALS},
    url_name="people_import",
    auth=BearerToken("api_import"),
)
def people_import_endpoint(request: HttpRequest, file: File[UploadedFile]):
    """Import people from a CSV or XLSX file, as the import page does: all or nothing.

    Needs a write token (403 otherwise). The file goes as multipart/form-data in the field
    ``file`` (415 for any other body); a refused file writes nothing and answers 400 with every
    problem and its line. A body over 11 MB is refused unread (413), as is one over 128 KB
    without a valid write token.
    """
    token = _token(request)
    if token.scope != ApiToken.WRITE:
        return Status(
            403, Message(detail=_("This token may only read: importing needs a write token."))
        )
    name = file.name or "people.csv"
    try:
        # The people and the record of their import, or neither: a failure while recording
        # must not leave an import in place that the client was told had failed.
        with transaction.atomic():
            result = people_import(
                organisation=token.organisation, filename=name, content=file.read()
            )
            audit_record(
                user=None,
                organisation=token.organisation,
                action=AuditEvent.IMPORT_PEOPLE,
                target=f"token {token.pk} {token.name}: {name}: "
                f"{result.created} new, {result.updated} updated",
            )
    except ImportFailed as failure:
        return Status(400, Refused(detail=_("Nothing was imported."), errors=failure.errors))
    return ImportOut(
        created=result.created, updated=result.updated, units_created=result.units_created
    )


@api.get("/scans", response={200: list[ScanOut], **REFUSALS}, url_name="scans")
def scans(request: HttpRequest):
    """Every scan of the organisation, newest first."""
    found = list(
        Scan.objects.filter(organisation=_token(request).organisation).order_by("-opens_on", "-pk")
    )
    published = _published_scan_ids(found)
    return [_scan_out(scan, scan.pk in published) for scan in found]


@api.get(
    "/scans/{scan_id}",
    response={200: ScanOut, 400: Refused, 404: Message, **REFUSALS},
    url_name="scan",
)
def scan_detail(request: HttpRequest, scan_id: ScanId):
    scan = _scan(request, scan_id)
    return _scan_out(scan, bool(_published_scan_ids([scan])))


def _snapshot(results) -> dict:
    publication = results.publication
    return {
        "scan_id": publication.scan_id,
        "version": publication.version,
        "final": publication.final,
        "published_at": publication.published_at,
        "k": publication.k,
    }


@api.get(
    "/scans/{scan_id}/participation",
    response={200: ParticipationOut, 400: Refused, 404: Message, **REFUSALS},
    url_name="participation",
)
def participation(request: HttpRequest, scan_id: ScanId, lang: Query[Language | None] = None):
    """Participation per group from the latest published snapshot, as the pages show it.

    A group below k has no percentage; where only a bound may be told, ``at_least`` is true.
    """
    scan = _scan(request, scan_id)
    _results, published = published_results(scan)
    if published is None:
        return Status(404, Message(detail=_("Nothing has been published for this scan yet.")))
    _record(request, f"participation of scan {scan.pk}")
    language = lang or scan.organisation.default_language
    rows = []
    with translation.override(language):
        for row in PublishedGroup.objects.filter(publication=published.publication).select_related(
            "unit"
        ):
            group = Group.from_row(row)
            figures = group.participation
            share = wording.participation_share(figures)
            rows.append(
                ParticipationRow(
                    group=group_label(published, group),
                    unit_path=group.unit.path if group.unit is not None else "",
                    shown=share is not None,
                    percent=share,
                    at_least=bool(
                        share is not None
                        and figures
                        and figures.get("reason") == REASON_FEW_NONRESPONDENTS
                    ),
                    text=wording.participation_short(figures),
                )
            )
    return ParticipationOut(**_snapshot(published), groups=rows)


def _number(value: object) -> float | None:
    return None if value in (None, "") else float(value)  # type: ignore[arg-type]


def _count(value: object) -> int | None:
    return None if value in (None, "") else int(value)  # type: ignore[call-overload]


@api.get(
    "/scans/{scan_id}/results",
    response={200: ResultsOut, 400: Refused, 404: Message, **REFUSALS},
    url_name="results",
)
def results(request: HttpRequest, scan_id: ScanId, lang: Query[Language | None] = None):
    """The published results: one row per group, and per scale for a shown group.

    The same rows as the results download (the numbers the pages print, rounded as they
    print them); a hidden group has one row with the reason and no number.
    """
    scan = _scan(request, scan_id)
    try:
        shown = shown_results(scan)
    except ExportError:
        # The export's own words point to the export page; an API client reads these.
        return Status(404, Message(detail=_("No results have been published for this scan yet.")))
    _record(request, f"results of scan {scan.pk}")
    language = lang or scan.organisation.default_language
    with translation.override(language):
        table = aggregates_table(shown, language)
        yes = _("yes")
        rows = [
            ResultRow(
                group=str(row[0]),
                unit_path=str(row[1]),
                kind=str(row[2]),
                shown=row[3] == yes,
                not_shown_because=str(row[4]),
                participation=str(row[5]),
                scale_id=str(row[6]) if row[3] == yes else None,
                scale=str(row[7]) if row[3] == yes else None,
                mean=_number(row[8]),
                ci_low=_number(row[9]),
                ci_high=_number(row[10]),
                n=_count(row[11]),
                agree_percent=_count(row[12]),
                agreement=str(row[13]) if row[13] not in (None, "") else None,
            )
            for row in table.rows
        ]
    return ResultsOut(**_snapshot(shown), language=language, rows=rows)
