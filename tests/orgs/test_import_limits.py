"""The people import costs what its limits allow, whatever a file claims (security review L1).

Each hostile file is one a consultant's laptop could send by mistake or an attacker with an
admin's session on purpose: millions of rows in a small XLSX, a huge shared string, a zip
that lies about its size, ten megabytes of empty lines. Every one fails with a clear message,
within a memory budget and after reading no more rows than the limit allows, far below
what reading the whole file took before (225 s and 1 GB for the review's 2.3 MB bomb; 12 s
and 600 MB for 10 MB of empty lines). Work is counted in rows read, not timed: a timed test
fails on a busy machine (the time it takes is in BENCHMARKS.md's province, not the suite's).
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager

import pytest
from openpyxl import Workbook

from trustmirror.orgs import importing
from trustmirror.orgs.importing import (
    MAX_EMPTY_ROWS,
    MAX_ROWS,
    MAX_XLSX_UNPACKED_BYTES,
    ImportFailed,
    read_table,
)

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
COLUMNS = ["name", "email", "language", "unit", "lead"]


@contextmanager
def budget(*, megabytes: float):
    """Fail unless the block allocates at most ``megabytes`` at its peak."""
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert peak < megabytes, f"allocated {peak:.0f} MB at the peak"


class RowsRead:
    """How many rows the import pulled from a reader (header included)."""

    def __init__(self, monkeypatch, reader: str):
        self.count = 0
        real = getattr(importing, reader)

        def counting(data):
            for row in real(data):
                self.count += 1
                yield row

        monkeypatch.setattr(importing, reader, counting)


@pytest.fixture
def xlsx_rows(monkeypatch) -> RowsRead:
    return RowsRead(monkeypatch, "_read_xlsx")


@pytest.fixture
def csv_rows(monkeypatch) -> RowsRead:
    return RowsRead(monkeypatch, "_read_csv")


@pytest.fixture
def no_workbook_opened(monkeypatch):
    """Fail if openpyxl is asked to open a workbook: the refusal must come before."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _refusal(filename: str, content: bytes) -> str:
    with pytest.raises(ImportFailed) as failure:
        read_table(filename, content)
    return " ".join(failure.value.errors)


def _inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def xlsx(
    rows: Iterable[str] = (),
    *,
    shared_strings: Iterable[str] | None = None,
    dimension: str | None = None,
) -> bytes:
    """A workbook whose first sheet holds a header and ``rows`` (row XML), streamed in.

    A real workbook from openpyxl supplies the other parts; the sheet (and, if given, a
    shared-strings part) is written chunk by chunk, so a sheet of millions of rows is built
    in seconds and never held in memory whole.
    """
    template = io.BytesIO()
    Workbook().save(template)
    source = zipfile.ZipFile(template)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename == SHEET:
                with archive.open(SHEET, "w") as sheet:
                    sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'.encode())
                    if dimension:
                        sheet.write(f'<dimension ref="{dimension}"/>'.encode())
                    sheet.write(b"<sheetData>" + _inline_row(1, COLUMNS).encode())
                    chunk: list[str] = []
                    for row in rows:
                        chunk.append(row)
                        if len(chunk) == 10_000:
                            sheet.write("".join(chunk).encode())
                            chunk = []
                    sheet.write("".join(chunk).encode() + b"</sheetData></worksheet>")
                continue
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml" and shared_strings is not None:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            archive.writestr(info, data)
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w") as strings:
                strings.write(f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>'.encode())
                for piece in shared_strings:
                    strings.write(piece.encode())
                strings.write(b"</t></si></sst>")
    return out.getvalue()


def _patch_stated_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the central directory stating ``size`` as ``name``'s unpacked size."""
    patched = bytearray(data)
    at = zipfile.ZipFile(io.BytesIO(data)).start_dir
    while patched[at : at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", patched, at + 28)
        if patched[at + 46 : at + 46 + name_length].decode() == name:
            struct.pack_into("<I", patched, at + 24, size)
            return bytes(patched)
        at += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"{name} is not in the zip")


def _numbers(count: int, start: int = 2) -> Iterable[str]:
    return (f'<row r="{n}"><c t="n"><v>1</v></c></row>' for n in range(start, start + count))


# --- XLSX ---------------------------------------------------------------------------------


def test_an_xlsx_bomb_is_refused_before_parsing(no_workbook_opened):
    """The review's bomb: a small file with three million rows (it took 225 s and 1 GB)."""
    bomb = xlsx("<row><c><v>1</v></c></row>" for _ in range(3_000_000))
    assert len(bomb) < 1_000_000
    with budget(megabytes=40):
        message = _refusal("bomb.xlsx", bomb)
    assert f"unpacks to more than {MAX_XLSX_UNPACKED_BYTES // 1_000_000} MB" in message


def test_a_huge_shared_string_is_refused_before_parsing(no_workbook_opened):
    """openpyxl loads all shared strings at once, before the first row: 200 MB of one."""
    bomb = xlsx(shared_strings=("x" * 1_000_000 for _ in range(200)))
    assert len(bomb) < 2_000_000
    with budget(megabytes=40):
        message = _refusal("strings.xlsx", bomb)
    assert "unpacks to more than" in message


def test_a_zip_that_understates_its_size_cannot_unpack_more():
    """Sizes come from the zip's own directory; a lie there is caught by the checksum."""
    honest = xlsx(_numbers(400_000))
    assert zipfile.ZipFile(io.BytesIO(honest)).getinfo(SHEET).file_size > 10_000_000
    lie = _patch_stated_size(honest, SHEET, 1_000_000)
    assert zipfile.ZipFile(io.BytesIO(lie)).getinfo(SHEET).file_size == 1_000_000
    with budget(megabytes=120):
        message = _refusal("liar.xlsx", lie)
    assert "not a readable .xlsx workbook" in message


def test_reading_an_xlsx_stops_one_row_after_the_limit(xlsx_rows):
    """A workbook within the size cap but with a million rows: read 50,001, then refuse.

    (Reading all million rows took over a minute; 50,001 take a few seconds.)
    """
    many = xlsx(_numbers(1_000_000))
    assert zipfile.ZipFile(io.BytesIO(many)).getinfo(SHEET).file_size < MAX_XLSX_UNPACKED_BYTES
    message = _refusal("many.xlsx", many)
    assert f"more than {MAX_ROWS} people" in message
    assert xlsx_rows.count == 1 + MAX_ROWS + 1  # the header, the people an import takes, one more


def test_an_xlsx_row_far_down_is_not_padded_out_to_it(xlsx_rows):
    """A row numbered 1,048,576 would make openpyxl yield a million empty rows before it."""
    far = xlsx([_inline_row(1_048_576, ["Ann", "ann@x.test", "nl", "A", "no"])])
    with budget(megabytes=60):
        message = _refusal("far.xlsx", far)
    assert f"more than {MAX_EMPTY_ROWS} empty rows" in message
    assert xlsx_rows.count <= 1 + MAX_EMPTY_ROWS + 1  # not the million openpyxl would pad


def test_an_xlsx_claiming_every_column_is_read_only_as_wide_as_the_header(xlsx_rows):
    """A stated range of 16,384 columns was padded out: 2,000 rows made 33 million cells."""
    rows = (_inline_row(n, [f"P{n}", f"p{n}@x.test", "nl", "Ops", "no"]) for n in range(2, 2002))
    wide = xlsx(rows, dimension="A1:XFD2001")
    with budget(megabytes=60):
        table = read_table("wide.xlsx", wide)
    assert len(table) == 2000 and xlsx_rows.count == 2001
    assert table[0] == (
        2,
        {"name": "P2", "email": "p2@x.test", "language": "nl", "unit": "Ops", "lead": "no"},
    )


def test_an_xlsx_with_too_many_columns_is_refused():
    book = Workbook()
    book.active.append([*COLUMNS, *(f"band_{n}" for n in range(60))])
    buffer = io.BytesIO()
    book.save(buffer)
    assert "more than 50 columns" in _refusal("wide.xlsx", buffer.getvalue())


def test_a_broken_sheet_inside_a_valid_zip_is_refused():
    broken = xlsx(["<row r='2'><c t='inlineStr'><is><t>unclosed"])
    assert "not a readable .xlsx workbook" in _refusal("broken.xlsx", broken)


# --- CSV ----------------------------------------------------------------------------------


def test_ten_megabytes_of_empty_lines_cost_little():
    """The review's 10 MB of empty lines took 12 s and 600 MB."""
    content = b"name,email,language,unit,lead\n" + b"\n" * 10_000_000
    with budget(megabytes=20):
        message = _refusal("blank.csv", content)
    assert f"more than {MAX_EMPTY_ROWS} empty rows" in message


def test_empty_lines_between_people_are_still_skipped():
    people = "".join(f"P{n},p{n}@x.test,nl,Ops,no\n\n\n" for n in range(100))
    table = read_table("p.csv", ("name,email,language,unit,lead\n" + people).encode())
    assert len(table) == 100 and table[1][0] == 5


def test_reading_a_csv_stops_one_row_after_the_limit(csv_rows):
    """A 10 MB file of 200,000 people: read 50,001, then refuse."""
    content = "name,email,language,unit,lead\n" + "A,a@x.test,nl,Ops/North,no\n" * 380_000
    content = content.encode()
    assert len(content) > 9_000_000
    with budget(megabytes=120):
        message = _refusal("many.csv", content)
    assert f"more than {MAX_ROWS} people" in message
    assert csv_rows.count == 1 + MAX_ROWS + 1  # the header, the people an import takes, one more


def test_a_csv_header_of_thousands_of_columns_is_refused():
    header = ",".join(COLUMNS + [f"band_{n}" for n in range(100_000)])
    content = (header + "\n" + "x\n" * 100_000).encode()
    with budget(megabytes=60):
        assert "more than 50 columns" in _refusal("wide.csv", content)


def test_trailing_empty_columns_do_not_count():
    content = ("name,email,language,unit,lead" + "," * 200 + "\nA,a@x.test,nl,Ops,no\n").encode()
    assert len(read_table("p.csv", content)) == 1
