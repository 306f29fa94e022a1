"""People import: every bad row is named by line, and an import is all or nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from trustmirror.orgs.importing import ImportFailed, people_import
from trustmirror.orgs.models import Person, Unit

HEADER = "name,email,language,unit,lead,band_tenure\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


@pytest.fixture
def org(db):
    from trustmirror.orgs.models import Organisation

    return Organisation.objects.create(name="Zorg", slug="zorg")


def test_import_creates_people_and_the_unit_tree(org):
    content = csv_bytes(
        "Anna de Vries,anna@zorg.test,nl,Operations/Logistics/Team North,ja,0-2 years",
        "Bram Jansen,BRAM@zorg.test,English,Operations/Logistics/Team South,no,",
        "Chris Bakker,chris@zorg.test,nl, Operations / Finance ,yes,5+ years",
    )
    result = people_import(organisation=org, filename="people.csv", content=content)
    assert (result.created, result.updated) == (3, 0)
    paths = set(Unit.objects.filter(organisation=org).values_list("path", flat=True))
    assert paths == {
        "Operations",
        "Operations/Logistics",
        "Operations/Logistics/Team North",
        "Operations/Logistics/Team South",
        "Operations/Finance",
    }
    north = Unit.objects.get(organisation=org, path="Operations/Logistics/Team North")
    assert north.parent.path == "Operations/Logistics" and north.depth == 2
    anna = Person.objects.get(email="anna@zorg.test")
    assert anna.is_lead and anna.language == "nl" and anna.bands == {"tenure": "0-2 years"}
    bram = Person.objects.get(email="bram@zorg.test")  # e-mail is stored lower-case
    assert bram.language == "en" and not bram.is_lead and bram.bands == {}


def test_reimport_updates_people_found_by_email(org):
    people_import(
        organisation=org,
        filename="a.csv",
        content=csv_bytes("Anna,anna@zorg.test,nl,Ops/North,no,"),
    )
    result = people_import(
        organisation=org,
        filename="a.csv",
        content=csv_bytes("Anna de Vries,anna@zorg.test,en,Ops/South,yes,"),
    )
    assert (result.created, result.updated, result.units_created) == (0, 1, 1)
    anna = Person.objects.get(email="anna@zorg.test")
    assert anna.name == "Anna de Vries" and anna.unit.path == "Ops/South" and anna.is_lead


def test_semicolon_separated_dutch_headers_with_bom(org):
    content = (
        "\ufeffNaam;E-mail;Taal;Eenheid;Leidinggevende\nDirk;dirk@zorg.test;nl;Zorg/Team A;nee\n"
    )
    result = people_import(organisation=org, filename="mensen.csv", content=content.encode())
    assert result.created == 1
    assert Person.objects.get().unit.path == "Zorg/Team A"


def test_xlsx_upload(org):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "email", "language", "unit", "lead"])
    sheet.append(["Eva", "eva@zorg.test", "en", "Sales/Team East", "yes"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = people_import(organisation=org, filename="people.xlsx", content=buffer.getvalue())
    assert result.created == 1 and Person.objects.get().is_lead


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        (["Anna,anna@zorg.test,nl,Ops/North"], "name,email,language,unit\n", "Line 1"),
        (
            ["Anna,anna@zorg.test,nl,Ops/North,no,", "Ann,ANNA@zorg.test,nl,Ops/North,no,"],
            HEADER,
            "Line 4: the e-mail anna@zorg.test is also on line 3",
        ),
        (["Anna,anna@zorg.test,nl,Ops//North,no,"], HEADER, "Line 3: the unit path Ops//North"),
        (["Anna,anna@zorg.test,nl,Ops/North/,no,"], HEADER, "has an empty segment"),
        (["Anna,not-an-email,nl,Ops/North,no,"], HEADER, "Line 3: not-an-email is not an e-mail"),
        (["Anna,anna@zorg.test,fr,Ops/North,no,"], HEADER, "Line 3: language fr is not nl or en"),
        (["Anna,anna@zorg.test,nl,Ops/North,maybe,"], HEADER, "Line 3: lead maybe is not yes"),
        ([",anna@zorg.test,nl,Ops/North,no,"], HEADER, "Line 3: the name is empty"),
        # Longer than the columns hold: PostgreSQL refused these with a server error.
        (
            ["A" * 300 + ",anna@zorg.test,nl,Ops/North,no,"],
            HEADER,
            "Line 3: the name is longer than 200 characters.",
        ),
        (
            ["Anna," + "a" * 290 + "@zorg.test,nl,Ops/North,no,"],
            HEADER,
            "Line 3: the e-mail address is longer than 254 characters.",
        ),
        (
            ["Anna,anna@zorg.test,nl,Ops/" + "U" * 300 + ",no,"],
            HEADER,
            "Line 3: a unit name in the unit path is longer than 200 characters.",
        ),
        (
            ["Anna,anna@zorg.test,nl," + "/".join(["U" * 199] * 6) + ",no,"],
            HEADER,
            "Line 3: the unit path is longer than 1000 characters.",
        ),
        (
            ["Anna\x00,anna@zorg.test,nl,Ops/North,no,band\x1b"],
            HEADER,
            "Line 3: a value holds an invisible control character.",
        ),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(org, rows, header, expected):
    # A valid first row (line 2) shows that one bad row stops the whole import.
    good = "Zed,zed@zorg.test,nl,Ops/North,no,"
    content = (
        csv_bytes(good, *rows, header=header)
        if header == HEADER
        else csv_bytes(*rows, header=header)
    )
    with pytest.raises(ImportFailed) as failure:
        people_import(organisation=org, filename="people.csv", content=content)
    assert any(expected in error for error in failure.value.errors), failure.value.errors
    assert not Person.objects.exists()
    assert not Unit.objects.exists()


def test_missing_column_names_the_column(org):
    with pytest.raises(ImportFailed) as failure:
        people_import(
            organisation=org,
            filename="p.csv",
            content=b"name,email,language,unit\nA,a@zorg.test,nl,X\n",
        )
    assert failure.value.errors == [
        "Line 1: the header misses the column lead. Expected: name, email, language, unit, lead."
    ]


def test_wrong_encoding_names_the_line(org):
    content = csv_bytes(
        "Anna,anna@zorg.test,nl,Ops/North,no,",
        "Jürgen,jurgen@zorg.test,nl,Ops/North,no,",
        encoding="latin-1",
    )
    with pytest.raises(ImportFailed) as failure:
        people_import(organisation=org, filename="p.csv", content=content)
    assert failure.value.errors[0].startswith("Line 3 is not valid UTF-8")


def test_all_errors_reported_at_once(org):
    content = csv_bytes("A,bad,nl,X,no,", "B,b@zorg.test,xx,X,no,", "C,c@zorg.test,nl,,no,")
    with pytest.raises(ImportFailed) as failure:
        people_import(organisation=org, filename="p.csv", content=content)
    assert [e.split(":")[0] for e in failure.value.errors] == ["Line 2", "Line 3", "Line 4"]


def test_other_file_types_are_refused(org):
    with pytest.raises(ImportFailed, match="Upload a .csv or .xlsx"):
        people_import(organisation=org, filename="people.pdf", content=b"%PDF")


def test_broken_xlsx_is_refused(org):
    with pytest.raises(ImportFailed, match="not a readable .xlsx"):
        people_import(organisation=org, filename="people.xlsx", content=b"not a zip")


def test_xlsx_without_a_worksheet_is_refused(org, xlsx_without_worksheet):
    with pytest.raises(ImportFailed) as failure:
        people_import(organisation=org, filename="p.xlsx", content=xlsx_without_worksheet)
    assert failure.value.errors == [
        "The workbook has no worksheet. Put the people on its first sheet."
    ]
    assert not Person.objects.exists()


def test_longest_values_the_columns_hold_are_imported(org):
    """The limits are the columns' own: 200 characters for a name, 254 for an address."""
    name, email = "N" * 200, "e" * 244 + "@zorg.test"
    unit = "/".join(["U" * 200] * 4)
    people_import(
        organisation=org,
        filename="p.csv",
        content=csv_bytes(f"{name},{email},nl,{unit},no,"),
    )
    person = Person.objects.get()
    assert (person.name, person.email, person.unit.path) == (name, email, unit)
