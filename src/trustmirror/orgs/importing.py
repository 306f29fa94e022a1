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

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
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
# The largest file read at all; the upload form and the request body limit say the same, and
# the command line is held to it too. 50,000 people take about 3 MB as CSV.
MAX_FILE_BYTES = 10 * 1024 * 1024
# The columns' limits (PostgreSQL refuses a longer value; SQLite would store it).
NAME_MAX_LENGTH = Person._meta.get_field("name").max_length
EMAIL_MAX_LENGTH = Person._meta.get_field("email").max_length
UNIT_NAME_MAX_LENGTH = Unit._meta.get_field("name").max_length
UNIT_PATH_MAX_LENGTH = Unit._meta.get_field("path").max_length
MAX_COLUMNS = 50
# Bands are coarse categories ("2-5 years"); a longer value is not one.
BAND_MAX_LENGTH = 100
# A cell longer than any column holds (Python's csv module refuses longer ones by itself).
CELL_MAX_LENGTH = 100_000
# Shown in a message in place of a longer value, so that pasted junk does not flood the page.
VALUE_IN_MESSAGE_MAX = 40
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Empty rows are skipped, but each still costs a read: ten megabytes of empty lines are ten
# million rows. More empty rows than an import takes people is not a list of people.
MAX_EMPTY_ROWS = MAX_ROWS
# What a workbook may unpack to. 50,000 people in seven wide columns unpack to 27 MB
# (measured; inline strings, the larger way to store them); a zip bomb of 2 MB that unpacks
# to hundreds of megabytes is refused before anything is parsed.
MAX_XLSX_UNPACKED_BYTES = 64_000_000


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
    """Read a CSV or XLSX upload into (line number, row dict) pairs with normalised headers.

    Rows are read one at a time and reading stops as soon as the file holds more people (or
    more empty rows) than an import takes, so a file's cost is bounded by these limits, not
    by what it claims to hold.
    """
    if len(content) > MAX_FILE_BYTES:
        raise ImportFailed(
            [
                _(
                    "The file is %(size).1f MB; a people file may be at most %(max)d MB. "
                    "Save only the list of people, or split it into several files."
                )
                % {"size": len(content) / 1024 / 1024, "max": MAX_FILE_BYTES // 1024 // 1024}
            ]
        )
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif lower.endswith((".csv", ".txt")):
        rows = _read_csv(content)
    else:
        raise ImportFailed(
            [_("Upload a .csv or .xlsx file; %(name)s is neither.") % {"name": filename}]
        )
    with contextlib.closing(rows):
        first = next(rows, None)
        if first is None:
            raise ImportFailed([_("The file is empty.")])
        header = _read_header(first[1])
        table = []
        empty = 0
        for line, values in rows:
            if not any(v.strip() for v in values):
                empty += 1
                if empty > MAX_EMPTY_ROWS:
                    raise ImportFailed(
                        [
                            _(
                                "Line %(line)d: the file has more than %(max)d empty rows. "
                                "Delete them and upload it again."
                            )
                            % {"line": line, "max": MAX_EMPTY_ROWS}
                        ]
                    )
                continue
            if len(table) == MAX_ROWS:
                raise ImportFailed(
                    [
                        _(
                            "Line %(line)d: the file has more than %(max)d people. Split it "
                            "into files of at most %(max)d people and import them one by one."
                        )
                        % {"line": line, "max": MAX_ROWS}
                    ]
                )
            padded = list(values) + [""] * (len(header) - len(values))
            table.append((line, {h: v.strip() for h, v in zip(header, padded, strict=False) if h}))
    return table


def _read_header(values: list[str]) -> list[str]:
    header = [_normalise_header(h) for h in values]
    while header and not header[-1]:  # spreadsheets often save trailing empty columns
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise ImportFailed(
            [
                _("Line 1: the header has more than %(max)d columns.") % {"max": MAX_COLUMNS},
            ]
        )
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
    return header


def _read_csv(content: bytes) -> Iterator[tuple[int, list[str]]]:
    first = _first_line(content)
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        first and first.count(b"\x00") * 4 >= len(first)
    ):
        # Excel's "Unicode text" and some HR systems' exports: two or four bytes a letter.
        raise ImportFailed(
            [
                _(
                    "The file is saved as UTF-16 (Unicode text). Save it as 'CSV UTF-8' "
                    "and upload it again."
                )
            ]
        )
    bad_line = _first_line_not_utf8(content)
    if bad_line is not None:
        raise ImportFailed(
            [
                _(
                    "Line %(line)d is not valid UTF-8 text. Save the file as 'CSV UTF-8' "
                    "and upload it again."
                )
                % {"line": bad_line}
            ]
        )
    header = first.decode("utf-8-sig", errors="replace")
    # Dutch Excel separates with semicolons, "Unicode text" and some exports with tabs.
    delimiter = max((",", ";", "\t"), key=header.count)
    # A text stream over the bytes, not one string: a str of ten million empty lines held
    # in a StringIO costs 50 MB before the first row is read.
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        last = 0
        for row in reader:
            if reader.line_num > last + 1 and any("\n" in v or "\r" in v for v in row):
                # A quoted value over several lines: in a list of people, a quotation mark
                # that was opened and never closed, which swallows the lines after it.
                raise ImportFailed(
                    [
                        _(
                            "Line %(line)d: a value runs on to line %(end)d. Is a closing "
                            "quotation mark missing?"
                        )
                        % {"line": last + 1, "end": reader.line_num}
                    ]
                )
            yield reader.line_num, row
            last = reader.line_num
    except csv.Error as exc:
        if "field limit" in str(exc):
            problem = _(
                "Line %(line)d: a value is longer than %(max)d characters. Is a closing "
                "quotation mark missing?"
            ) % {"line": reader.line_num, "max": csv.field_size_limit()}
        else:
            problem = _("Line %(line)d cannot be read as CSV: %(problem)s") % {
                "line": reader.line_num,
                "problem": exc,
            }
        raise ImportFailed([problem]) from None


def _first_line(content: bytes) -> bytes:
    """The file's first line (at most its first 64 kB): the header."""
    head = content[:65_536]
    end = head.find(b"\n")
    return head if end < 0 else head[:end]


def _first_line_not_utf8(content: bytes, *, chunk: int = 1 << 20) -> int | None:
    """The number of the first line that is not UTF-8, or ``None``; decoded a megabyte at a
    time so that checking a file costs no more memory than a megabyte of text."""
    position = 0
    while position < len(content):
        piece = content[position : position + chunk]
        final = position + chunk >= len(content)
        try:
            _text, consumed = codecs.utf_8_decode(piece, "strict", final)
        except UnicodeDecodeError as exc:
            return content.count(b"\n", 0, position + exc.start) + 1
        if consumed == 0:  # pragma: no cover - a chunk always holds a whole character
            break
        position += consumed
    return None


def _read_xlsx(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    _refuse_large_xlsx(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise ImportFailed([_("The file is not a readable .xlsx workbook.")]) from None
    try:
        if not workbook.worksheets:
            raise ImportFailed(
                [_("The workbook has no worksheet. Put the people on its first sheet.")]
            )
        sheet = workbook.worksheets[0]
        # The sheet's own claim about its size is not believed: a stated range of a million
        # rows or 16,384 columns would be padded out cell by cell.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        for number, row in enumerate(rows, start=1):
            yield number, ["" if v is None else str(v) for v in row]
    except (ImportFailed, GeneratorExit):
        raise
    except Exception:  # a sheet can be broken below its first rows as well
        raise ImportFailed([_("The file is not a readable .xlsx workbook.")]) from None
    finally:
        workbook.close()


def _refuse_large_xlsx(content: bytes) -> None:
    """Refuse a workbook that would unpack to more than MAX_XLSX_UNPACKED_BYTES.

    The sizes come from the zip's directory, before anything is unpacked. A file that
    understates them gains nothing: Python's zipfile, which openpyxl reads through, stops
    at the stated size and then fails the checksum.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportFailed([_("The file is not a readable .xlsx workbook.")]) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFailed(
            [
                _(
                    "The workbook unpacks to more than %(mb)d MB, more than a list of "
                    "%(max)d people needs. Save only the list of people, or save it as CSV."
                )
                % {"mb": MAX_XLSX_UNPACKED_BYTES // 1_000_000, "max": MAX_ROWS}
            ]
        )


def parse_people(table: Iterable[tuple[int, dict[str, str]]]) -> list[PersonRow]:
    """Validate every row; collect all problems before failing, so one upload shows them all."""
    errors: list[str] = []
    people: list[PersonRow] = []
    seen_emails: dict[str, int] = {}
    unit_spellings: dict[str, tuple[str, int]] = {}
    for line, row in table:
        problems = []
        if any(CONTROL_CHARACTER.search(value) for value in row.values()):
            # Never meant (a NUL byte from a broken export); PostgreSQL refuses NUL outright.
            problems.append(_("a value holds an invisible control character"))
        for column, value in row.items():
            if value.startswith("="):
                # A formula that Excel did not work out (or a CSV cell written as one) would
                # be stored as its text and run in whoever's spreadsheet opens an export.
                problems.append(
                    _(
                        "the %(column)s column holds a formula, %(value)s; put the value "
                        "itself in the cell"
                    )
                    % {"column": column, "value": _shorten(value)}
                )
        name = row.get("name", "")
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(
                _("the name is longer than %(max)d characters") % {"max": NAME_MAX_LENGTH}
            )
        email = row.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("%(email)s is not an e-mail address") % {"email": email or "''"})
        else:
            if len(email) > EMAIL_MAX_LENGTH:
                problems.append(
                    _("the e-mail address is longer than %(max)d characters")
                    % {"max": EMAIL_MAX_LENGTH}
                )
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
        for band, value in bands.items():
            if len(value) > BAND_MAX_LENGTH:
                problems.append(
                    _("the band %(band)s is longer than %(max)d characters")
                    % {"band": band, "max": BAND_MAX_LENGTH}
                )
        if unit_path:
            spelling_problem = _unit_spelling_problem(unit_path, line, unit_spellings)
            if spelling_problem:
                problems.append(spelling_problem)
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


def _shorten(value: str) -> str:
    if len(value) <= VALUE_IN_MESSAGE_MAX:
        return value
    return value[: VALUE_IN_MESSAGE_MAX - 1] + "\u2026"


def _unit_prefixes(path: str) -> Iterator[str]:
    segments = path.split(UNIT_PATH_SEPARATOR)
    for depth in range(1, len(segments) + 1):
        yield UNIT_PATH_SEPARATOR.join(segments[:depth])


def _unit_spelling_problem(
    path: str, line: int, spellings: dict[str, tuple[str, int]]
) -> str | None:
    """A problem if ``path`` (or a unit above it) differs from an earlier line only in
    capitals: "Ops/North" and "ops/north" would become two teams, each below k."""
    for prefix in _unit_prefixes(path):
        other, other_line = spellings.setdefault(prefix.casefold(), (prefix, line))
        if other != prefix:
            return _(
                "the unit %(unit)s is written %(other)s on line %(other_line)d; write it the "
                "same way"
            ) % {"unit": prefix, "other": other, "other_line": other_line}
    return None


def units_spelled_otherwise(
    people: Iterable[PersonRow], existing_paths: Iterable[str]
) -> list[str]:
    """Errors for rows whose unit (or a unit above it) exists already in other capitals."""
    known = {path.casefold(): path for path in existing_paths}
    errors = []
    for row in people:
        for prefix in _unit_prefixes(row.unit_path):
            other = known.get(prefix.casefold())
            if other is not None and other != prefix:
                errors.append(
                    _(
                        "Line %(line)d: the unit %(unit)s is called %(other)s in the "
                        "organisation; write it the same way."
                    )
                    % {"line": row.line, "unit": prefix, "other": other}
                )
                break
    return errors


def normalise_unit_path(raw: str) -> tuple[str, str | None]:
    """Return the cleaned unit path and a problem description (or None)."""
    if not raw.strip():
        return "", _("the unit is empty")
    segments = [segment.strip() for segment in raw.split(UNIT_PATH_SEPARATOR)]
    if any(not segment for segment in segments):
        return "", _("the unit path %(path)s has an empty segment") % {"path": raw}
    if any(len(segment) > UNIT_NAME_MAX_LENGTH for segment in segments):
        return "", _("a unit name in the unit path is longer than %(max)d characters") % {
            "max": UNIT_NAME_MAX_LENGTH
        }
    path = UNIT_PATH_SEPARATOR.join(segments)
    if len(path) > UNIT_PATH_MAX_LENGTH:
        return "", _("the unit path is longer than %(max)d characters") % {
            "max": UNIT_PATH_MAX_LENGTH
        }
    return path, None


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
    spelling_errors = units_spelled_otherwise(people, cache)
    if spelling_errors:
        raise ImportFailed(spelling_errors)
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
