"""The REST API (OpenAPI at /api/v1/openapi.json): what an organisation's pages show.

A token acts for its organisation as an admin reads: units, scans, and from the published
snapshots only, participation and results as the analysts' pages print them (k-safe: a hidden
group has its reason and no number). A write token may also import people, all or nothing,
as the import page does. A token never reaches another organisation: its objects are 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Query, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import Field

from trustmirror.api.models import ApiToken
from trustmirror.api.services import api_token_for
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.importing import ImportFailed, people_import
from trustmirror.orgs.models import Unit
from trustmirror.privacy.reasons import REASON_FEW_NONRESPONDENTS
from trustmirror.results import wording
from trustmirror.results.exports import ExportError, aggregates_table, shown_results
from trustmirror.results.models import Publication, PublishedGroup
from trustmirror.results.reading import group_label
from trustmirror.results.selectors import Group, published_results
from trustmirror.surveys.models import Scan

Language = Literal["en", "nl"]
# An id as the database stores it: a larger number is refused (400) before any query.
ScanId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: the token becomes ``request.auth``; else 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return api_token_for(token)


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


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError):
    errors = []
    for item in error.errors:
        where = ".".join(str(part) for part in item.get("loc", ()))
        errors.append(f"{where}: {item.get('msg', '')}")
    body = Refused(detail=_("The request is not valid: nothing was done."), errors=errors)
    return api.create_response(request, body.model_dump(), status=400)


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
    return get_object_or_404(Scan, pk=scan_id, organisation=_token(request).organisation)


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


@api.get("/units", response={200: list[UnitOut], 401: Message}, url_name="units")
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
    response={200: ImportOut, 400: Refused, 401: Message, 403: Message, 413: Message},
    url_name="people_import",
)
def people_import_endpoint(request: HttpRequest, file: File[UploadedFile]):
    """Import people from a CSV or XLSX file, as the import page does: all or nothing.

    Needs a write token. A refused file writes nothing and answers 400 with every problem.
    """
    token = _token(request)
    if token.scope != ApiToken.WRITE:
        return Status(
            403, Message(detail=_("This token may only read: importing needs a write token."))
        )
    name = file.name or "people.csv"
    try:
        result = people_import(organisation=token.organisation, filename=name, content=file.read())
    except ImportFailed as failure:
        return Status(400, Refused(detail=_("Nothing was imported."), errors=failure.errors))
    audit_record(
        user=None,
        organisation=token.organisation,
        action=AuditEvent.IMPORT_PEOPLE,
        target=f"token {token.pk} {token.name}: {name}: "
        f"{result.created} new, {result.updated} updated",
    )
    return ImportOut(
        created=result.created, updated=result.updated, units_created=result.units_created
    )


@api.get("/scans", response={200: list[ScanOut], 401: Message}, url_name="scans")
def scans(request: HttpRequest):
    """Every scan of the organisation, newest first."""
    found = list(
        Scan.objects.filter(organisation=_token(request).organisation).order_by("-opens_on", "-pk")
    )
    published = _published_scan_ids(found)
    return [_scan_out(scan, scan.pk in published) for scan in found]


@api.get(
    "/scans/{scan_id}",
    response={200: ScanOut, 400: Refused, 401: Message, 404: Message},
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
    response={200: ParticipationOut, 400: Refused, 401: Message, 404: Message},
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
    response={200: ResultsOut, 400: Refused, 401: Message, 404: Message},
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
    except ExportError as error:
        return Status(404, Message(detail=str(error)))
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
