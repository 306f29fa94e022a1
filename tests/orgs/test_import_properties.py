"""Property tests of the people file parser: any file gives people or a clear refusal.

Whatever bytes arrive as a .csv or .xlsx file, reading and checking them either gives
people or raises ImportFailed with at least one message; never another exception (which
the import page would turn into a server error). Tables of people written by a spreadsheet
in any of its separators read back as they were written. The corpus of named bad files is
in test_import_corpus.py.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from trustmirror.orgs.importing import ImportFailed, parse_people, read_table

COLUMNS = ["name", "email", "language", "unit", "lead"]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(filename: str, content: bytes):
    """The people of the file, or the refusal's messages; any other exception escapes."""
    try:
        return parse_people(read_table(filename, content))
    except ImportFailed as failure:
        assert failure.errors and all(isinstance(e, str) and e.strip() for e in failure.errors)
        return failure.errors


CELLS = st.one_of(
    st.sampled_from(["", "nl", "en", "yes", "no", "Ops/North", "a@x.test", "=1+1", '"', ";"]),
    st.text(max_size=30),
)


@pytest.mark.parametrize("filename", ["people.csv", "people.xlsx"])
@PROPERTY
@given(content=st.binary(max_size=2_000))
@example(content=b"\xef\xbb\xbf")
@example(content=b"\xff\xfe")
@example(content=b"PK\x03\x04")
@example(content=b'name,email,language,unit,lead\n"')
def test_any_bytes_give_people_or_a_refusal(filename, content):
    _outcome(filename, content)


@PROPERTY
@given(
    header=st.lists(st.sampled_from([*COLUMNS, "naam", "band_x", "", "Name "]), max_size=8),
    rows=st.lists(st.lists(CELLS, max_size=8), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_table_as_csv_gives_people_or_a_refusal(header, rows, delimiter, prefix, line_end):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    _outcome("p.csv", prefix + buffer.getvalue().encode())


PEOPLE = st.lists(
    st.tuples(
        st.text(
            st.characters(codec="utf-8", categories=["L", "Zs", "Pd"]), min_size=1, max_size=20
        ).filter(lambda s: s.strip() == s and s),
        st.sampled_from(["nl", "en"]),
        st.lists(st.sampled_from(["Ops", "Sales", "Team North", "Zorg"]), min_size=1, max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@PROPERTY
@given(people=PEOPLE, delimiter=st.sampled_from([",", ";", "\t"]))
def test_people_written_by_a_spreadsheet_read_back_as_they_were(people, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(COLUMNS)
    for n, (name, language, unit, lead) in enumerate(people):
        writer.writerow([name, f"p{n}@x.test", language, "/".join(unit), "yes" if lead else "no"])
    rows = parse_people(read_table("p.csv", buffer.getvalue().encode("utf-8-sig")))
    assert [(r.name, r.language, r.unit_path.split("/"), r.is_lead) for r in rows] == [
        (name, language, unit, lead) for name, language, unit, lead in people
    ]


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _workbook([COLUMNS, ["Ann", "ann@x.test", "en", "Ops", "no"]])


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_damaged_workbook_gives_people_or_a_refusal(data):
    """A valid workbook with bytes overwritten anywhere: in the zip's headers, its
    compressed data or its directory."""
    content = bytearray(VALID_XLSX)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    _outcome("p.xlsx", bytes(content))


@settings(max_examples=60, deadline=None)
@given(sheet=st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_any_sheet_inside_a_sound_zip_gives_people_or_a_refusal(sheet):
    """The zip is sound, its first sheet is anything (broken XML, other tags, no rows)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else data)
    _outcome("p.xlsx", out.getvalue())
