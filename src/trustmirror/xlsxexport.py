"""Every XLSX file Trustmirror writes goes through here: the same formula-safe text cells as
:mod:`trustmirror.csvexport`, numbers kept as numbers.

openpyxl stores a string that starts with ``=`` as a formula; a spreadsheet program would
then evaluate an imported name or a label. Text passes :func:`~trustmirror.csvexport.safe_cell`
(a leading apostrophe) and is stored as a string cell, never a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from trustmirror.csvexport import safe_cell

__all__ = ["Sheet", "xlsx_bytes"]

#: (sheet title, header, rows)
Sheet = tuple[str, Sequence[object], Iterable[Sequence[object]]]


def _value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return safe_cell(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else value
    if hasattr(value, "item"):  # a numpy scalar
        return _value(value.item())
    return safe_cell(value)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one sheet per ``(title, header, rows)``; the header row frozen."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        sheet.append([_value(cell) for cell in header])
        for row in rows:
            sheet.append([_value(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
