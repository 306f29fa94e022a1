"""Import people from a CSV or XLSX file: all or nothing, with errors that name the line.

Columns (header names are case-insensitive; Dutch names are accepted too):

=========  ==========================  =============================================
column     Dutch alias                 meaning
=========  ==========================  =============================================
name       naam                        full name
email      e-mail, mail                e-mail address, unique in the file
language   taal                        nl or en (also Dutch/Nederlands/English/Engels)
unit       eenheid, afdeling           unit path, e.g. Operations/Logistics/Team North
lead       leidinggevende              yes/no (ja/nee, true/false, 1/0; empty = no)
band_*     band_*                      optional demographic band, e.g. band_tenure
=========  ==========================  =============================================

Bands are coarse categories on purpose ("2-5 years", not a start date): the privacy policy
only shows cuts whose every cell reaches the minimum group size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trustmirror.orgs.models import UNIT_PATH_SEPARATOR, Organisation, Person, Unit

REQUIRED = ("name", "email", "language", "unit", "lead")
ALIASES = {
    "naam": "name",
    "e-mail": "email",
    "mail": "email",
    "emailadres": "email",
    "e-mailadres": "email",
    "taal": "language",
    "eenheid": "unit",
    "afdeling": "unit",
    "leidinggevende": "lead",
}
LANGUAGES = {
    "nl": "nl",
    "dutch": "nl",
    "nederlands": "nl",
    "en": "en",
    "english": "en",
    "engels": "en",
}
YES = {"yes", "y", "ja", "j", "true", "1", "x"}
NO = {"no", "n", "nee", "false", "0", ""}
MAX_ROWS = 50_000


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` lists every problem with its line."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class PersonRow:
    line: int
    name: str
    email: str
    language: str
    unit_path: str
    is_lead: bool
    bands: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    created: int
    updated: int
    units_created: int


def _normalise_header(raw: str) -> str:
    key = raw.strip().lower().lstrip("\ufeff")
    return ALIASES.get(key, key)


def read_table(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or XLSX upload into (line number, row dict) pairs with normalised headers."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif lower.endswith((".csv", ".txt")):
        rows = _read_csv(content)
    else:
        raise ImportFailed(
            [_("Upload a .csv or .xlsx file; %(name)s is neither.") % {"name": filename}]
        )
    if not rows:
        raise ImportFailed([_("The file is empty.")])
    header = [_normalise_header(h) for h in rows[0][1]]
    missing = [col for col in REQUIRED if col not in header]
    if missing:
        raise ImportFailed(
            [
                ngettext(
                    "Line 1: the header misses the column %(columns)s. Expected: %(expected)s.",
                    "Line 1: the header misses the columns %(columns)s. Expected: %(expected)s.",
                    len(missing),
                )
                % {"columns": ", ".join(missing), "expected": ", ".join(REQUIRED)}
            ]
        )
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise ImportFailed(
            [
                ngettext(
                    "Line 1: the column %(columns)s appears twice.",
                    "Line 1: the columns %(columns)s appear twice.",
                    len(duplicates),
                )
                % {"columns": ", ".join(duplicates)}
            ]
        )
    table = []
    for line, values in rows[1:]:
        if not any(v.strip() for v in values):
            continue
        padded = list(values) + [""] * (len(header) - len(values))
        table.append((line, {h: v.strip() for h, v in zip(header, padded, strict=False) if h}))
    if len(table) > MAX_ROWS:
        raise ImportFailed([_("The file has more than %(max)d people.") % {"max": MAX_ROWS}])
    return table


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [
                _(
                    "Line %(line)d is not valid UTF-8 text. Save the file as 'CSV UTF-8' "
                    "and upload it again."
                )
                % {"line": line}
            ]
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportFailed(
            [_("Line %(line)d: %(problem)s") % {"line": reader.line_num, "problem": exc}]
        ) from None


def _read_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise ImportFailed([_("The file is not a readable .xlsx workbook.")]) from None
    sheet = workbook.worksheets[0]
    rows = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append((number, ["" if v is None else str(v) for v in row]))
    workbook.close()
    return rows


def parse_people(table: Iterable[tuple[int, dict[str, str]]]) -> list[PersonRow]:
    """Validate every row; collect all problems before failing, so one upload shows them all."""
    errors: list[str] = []
    people: list[PersonRow] = []
    seen_emails: dict[str, int] = {}
    for line, row in table:
        problems = []
        name = row.get("name", "")
        if not name:
            problems.append(_("the name is empty"))
        email = row.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("%(email)s is not an e-mail address") % {"email": email or "''"})
        else:
            if email in seen_emails:
                problems.append(
                    _("the e-mail %(email)s is also on line %(other)d")
                    % {"email": email, "other": seen_emails[email]}
                )
            else:
                seen_emails[email] = line
        language = LANGUAGES.get(row.get("language", "").lower())
        if language is None:
            problems.append(
                _("language %(value)s is not nl or en") % {"value": row.get("language", "") or "''"}
            )
        unit_path, unit_problem = normalise_unit_path(row.get("unit", ""))
        if unit_problem:
            problems.append(unit_problem)
        lead_raw = row.get("lead", "").lower()
        if lead_raw not in YES | NO:
            problems.append(_("lead %(value)s is not yes or no") % {"value": row.get("lead")})
        bands = {
            key.removeprefix("band_"): value
            for key, value in row.items()
            if key.startswith("band_") and value
        }
        if problems:
            for problem in problems:
                errors.append(_("Line %(line)d: %(problem)s.") % {"line": line, "problem": problem})
            continue
        people.append(
            PersonRow(line, name, email, language or "nl", unit_path, lead_raw in YES, bands)
        )
    if errors:
        raise ImportFailed(errors)
    if not people:
        raise ImportFailed([_("The file has a header but no people.")])
    return people


def normalise_unit_path(raw: str) -> tuple[str, str | None]:
    """Return the cleaned unit path and a problem description (or None)."""
    if not raw.strip():
        return "", _("the unit is empty")
    segments = [segment.strip() for segment in raw.split(UNIT_PATH_SEPARATOR)]
    if any(not segment for segment in segments):
        return "", _("the unit path %(path)s has an empty segment") % {"path": raw}
    return UNIT_PATH_SEPARATOR.join(segments), None


def ensure_unit(organisation: Organisation, path: str, cache: dict[str, Unit]) -> tuple[Unit, int]:
    """Find or create the unit at ``path`` and its ancestors; return it and how many were new."""
    if path in cache:
        return cache[path], 0
    created = 0
    parent = None
    segments = path.split(UNIT_PATH_SEPARATOR)
    for depth in range(len(segments)):
        sub = UNIT_PATH_SEPARATOR.join(segments[: depth + 1])
        unit = cache.get(sub)
        if unit is None:
            unit, was_created = Unit.objects.get_or_create(
                organisation=organisation,
                path=sub,
                defaults={"name": segments[depth], "parent": parent, "depth": depth},
            )
            created += int(was_created)
            cache[sub] = unit
        parent = unit
    return cache[path], created


@transaction.atomic
def people_import(*, organisation: Organisation, filename: str, content: bytes) -> ImportResult:
    """Import people into ``organisation``; update people whose e-mail exists already.

    Raises :class:`ImportFailed` and writes nothing when any row is wrong.
    """
    people = parse_people(read_table(filename, content))
    cache = {unit.path: unit for unit in Unit.objects.filter(organisation=organisation)}
    existing = {p.email: p for p in Person.objects.filter(organisation=organisation)}
    created = updated = units_created = 0
    for row in people:
        unit, new_units = ensure_unit(organisation, row.unit_path, cache)
        units_created += new_units
        person = existing.get(row.email)
        if person is None:
            Person.objects.create(
                organisation=organisation,
                name=row.name,
                email=row.email,
                language=row.language,
                unit=unit,
                is_lead=row.is_lead,
                bands=row.bands,
            )
            created += 1
        else:
            person.name, person.language, person.unit = row.name, row.language, unit
            person.is_lead, person.bands = row.is_lead, row.bands
            person.save()
            updated += 1
    return ImportResult(created=created, updated=updated, units_created=units_created)
