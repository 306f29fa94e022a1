"""A submitted response's answers as one line of numbers, for reading 100,000 of them fast.

``Response.answers`` (JSON, item id -> value) is what the survey writes and what every
careful reader uses. Publishing reads every submitted answer of a scan at once; at 100,000
respondents and a hundred items, parsing the JSON documents and picking the items out of them
took about 7 s of a publication (and on PostgreSQL the server's conversion of each document to
text another 3 s). So at submission the same answers are also written as one line::

    "3f9a2c1e:3,2,,4,0,5"

the first eight hex digits of a digest of the item order, then each item's value in that
order, empty where the item was not answered. A reader that knows the same item order reads
all lines with one C-speed parse (:func:`decode`); a line whose order differs (a file whose
items were reordered after the answers were given), that is empty (a response stored before
lines existed) or that does not parse is read from the JSON instead, so the line is only ever
a faster way to the same numbers. ``tests/surveys/test_answer_rows.py`` holds both ways to
give the same matrix.

Pure Python and numpy/pandas: no Django.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def layout(item_ids: Sequence[str]) -> str:
    """Eight hex digits naming an order of items."""
    return hashlib.sha256(",".join(item_ids).encode()).hexdigest()[:8]


def encode(item_ids: Sequence[str], answers: Mapping[str, object]) -> str:
    """The line for ``answers`` in the order of ``item_ids``; ``""`` if it cannot be one.

    Only whole numbers are written; an answer of any other kind (which the survey never
    stores) or an answer to an item outside ``item_ids`` gives ``""``, and the JSON is read.
    """
    values = []
    for item in item_ids:
        value = answers.get(item)
        if value is None:
            values.append("")
        elif type(value) is int:
            values.append(str(value))
        else:
            return ""
    if len(answers) != sum(1 for item in item_ids if item in answers):
        return ""
    return f"{layout(item_ids)}:{','.join(values)}"


def decode(lines: Sequence[str], item_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read the lines written for ``item_ids`` in one parse.

    Returns ``(matrix, read)``: a ``len(lines) x len(item_ids)`` float matrix (NaN where not
    answered) and a boolean vector of the lines it holds; the rows where ``read`` is False
    are NaN and must be read from the JSON.
    """
    prefix = layout(item_ids) + ":"
    width = len(item_ids)
    commas = width - 1
    read = np.fromiter(
        (line.startswith(prefix) and line.count(",") == commas for line in lines),
        dtype=bool,
        count=len(lines),
    )
    matrix = np.full((len(lines), width), np.nan)
    positions = np.flatnonzero(read)
    if not len(positions) or not width:
        return matrix, read & (width > 0)
    start = len(prefix)
    text = "\n".join(lines[i][start:] for i in positions.tolist())
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=range(width),
            dtype=float,
            skip_blank_lines=False,
            engine="c",
        )
    except (ValueError, pd.errors.ParserError):
        return matrix, np.zeros(len(lines), dtype=bool)
    if frame.shape != (len(positions), width):
        return matrix, np.zeros(len(lines), dtype=bool)
    matrix[positions] = frame.to_numpy(dtype=float)
    return matrix, read
