"""Scale scores from item answers.

A scale score is the mean of a respondent's answered items of one construct, after reversing
the reverse-keyed items. A respondent who answered too few items of a construct gets no score
for it (NaN) rather than a score resting on one or two answers: by default at least two
thirds of the items, rounded up (2 of 3, 3 of 4, 4 of 6).

Answers use the instrument's agreement scale ``1..scale_points``; ``0`` means "don't know /
not applicable" and counts as missing, like an unanswered item.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["DONT_KNOW", "answers_frame", "min_items", "reverse", "scale_scores"]

DONT_KNOW = 0
"""Stored value for "don't know / not applicable"; treated as missing in every analysis."""


def min_items(n_items: int, min_answered: float = 2 / 3) -> int:
    """Smallest number of answered items that still gives a scale score.

    Parameters
    ----------
    n_items : int
        Items in the scale.
    min_answered : float, default 2/3
        Required share of answered items, ``0 < min_answered <= 1``.

    Returns
    -------
    int
        ``ceil(min_answered * n_items)``, at least 1.
    """
    if n_items < 1:
        raise ValueError(f"a scale needs at least one item, got {n_items}")
    _check_share(min_answered)
    # The small slack keeps 2/3 * 6 (= 4.000000000000001 in floating point) at 4.
    return max(1, math.ceil(min_answered * n_items - 1e-9))


def reverse(values: pd.Series | pd.DataFrame | np.ndarray, *, scale_points: int = 5):
    """Reverse answers on a ``1..scale_points`` scale: ``(1 + scale_points) - x``.

    Parameters
    ----------
    values : Series, DataFrame or ndarray
        Answers; NaN stays NaN.
    scale_points : int, default 5
        Number of answer options.

    Returns
    -------
    Same type as ``values``.
    """
    return (1 + scale_points) - values


def scale_scores(
    answers: pd.DataFrame,
    keys: Mapping[str, Mapping[str, int]],
    *,
    scale_points: int = 5,
    min_answered: float = 2 / 3,
) -> pd.DataFrame:
    """Score every construct for every respondent.

    Parameters
    ----------
    answers : pandas.DataFrame
        Respondents x item columns with values ``1..scale_points``; NaN or 0 ("don't know")
        for a missing answer. Columns not named in ``keys`` are ignored.
    keys : mapping of construct id to mapping of item id to +1 or -1
        Scoring keys, as from ``Instrument.scoring_keys()``; -1 marks a reverse-keyed item.
    scale_points : int, default 5
        Number of answer options.
    min_answered : float, default 2/3
        Share of a construct's items that must be answered; fewer gives NaN. The number of
        items needed is ``ceil(min_answered * n_items)``.

    Returns
    -------
    pandas.DataFrame
        Respondents (same index as ``answers``) x constructs (in ``keys`` order): the mean of
        the answered items after reversing reverse-keyed items as ``(1 + scale_points) - x``.

    Raises
    ------
    ValueError
        A key names an item that is not a column, a key is not +1 or -1, a construct has no
        items, an answer is not a whole number in ``0..scale_points``, or an option is out of
        range. The message names the construct, item or column and the row.
    """
    if not isinstance(scale_points, int | np.integer) or scale_points < 2:
        raise ValueError(f"scale_points must be a whole number of at least 2, got {scale_points!r}")
    _check_share(min_answered)
    _check_keys(keys, answers.columns)

    used = list(dict.fromkeys(item for items in keys.values() for item in items))
    duplicated = sorted({str(c) for c in answers.columns[answers.columns.duplicated()]} & set(used))
    if duplicated:
        raise ValueError(f"answers has duplicate item columns: {', '.join(duplicated)}")
    values = _validated(answers[used], scale_points=scale_points)

    scores = {}
    for construct, items in keys.items():
        block = values[list(items)].copy()
        reversed_items = [item for item, key in items.items() if key == -1]
        if reversed_items:
            block[reversed_items] = reverse(block[reversed_items], scale_points=scale_points)
        answered = block.notna().sum(axis=1)
        mean = block.mean(axis=1, skipna=True)
        scores[construct] = mean.where(answered >= min_items(len(items), min_answered))
    return pd.DataFrame(scores, index=answers.index, columns=list(keys))


def answers_frame(
    records: Iterable[Mapping[str, int | float | None]],
    *,
    items: Sequence[str] | None = None,
    index: Sequence | pd.Index | None = None,
    dont_know_as_missing: bool = True,
) -> pd.DataFrame:
    """Turn stored answer dicts (one ``{item_id: value}`` per response) into a DataFrame.

    Parameters
    ----------
    records : iterable of mapping
        One mapping per response. An absent item or ``None`` is a missing answer.
    items : sequence of str, optional
        Column order. Default: items in order of first appearance. With ``items`` given, an
        item id outside it is an error (it would otherwise be dropped silently).
    index : sequence, optional
        Row labels, one per record. Default: 0..n-1.
    dont_know_as_missing : bool, default True
        Store "don't know" (0) as NaN, as every analysis treats it.

    Returns
    -------
    pandas.DataFrame
        Responses x items, float64, NaN for missing.

    Raises
    ------
    ValueError
        An unknown item id (with ``items`` given), a non-numeric value, or an ``index`` whose
        length differs from the number of records. The message names the record and item.
    """
    rows = records if isinstance(records, list | tuple) else list(records)
    if items is None:
        columns = list(dict.fromkeys(item for row in rows for item in row))
    else:
        columns = list(items)
    position = {item: i for i, item in enumerate(columns)}
    if len(position) != len(columns):
        raise ValueError("items contains duplicate item ids")

    # Filling one preallocated array is several times faster than DataFrame(list_of_dicts)
    # for the tens of thousands of responses of a large organisation.
    data = np.full((len(rows), len(columns)), np.nan)
    for r, row in enumerate(rows):
        for item, value in row.items():
            col = position.get(item)
            if col is None:
                raise ValueError(f"record {r}: unknown item id {item!r}")
            if value is None:
                continue
            try:
                data[r, col] = value
            except (TypeError, ValueError):
                raise ValueError(
                    f"record {r}: answer to item {item!r} is not a number: {value!r}"
                ) from None
    if dont_know_as_missing:
        data[data == DONT_KNOW] = np.nan
    if index is not None and len(index) != len(rows):
        raise ValueError(f"index has {len(index)} labels for {len(rows)} records")
    return pd.DataFrame(data, columns=columns, index=index)


def _check_share(min_answered: float) -> None:
    if not 0 < min_answered <= 1:
        raise ValueError(f"min_answered must be in (0, 1], got {min_answered!r}")


def _check_keys(keys: Mapping[str, Mapping[str, int]], columns: pd.Index) -> None:
    if not keys:
        raise ValueError("keys is empty: no construct to score")
    for construct, items in keys.items():
        if not items:
            raise ValueError(f"construct {construct!r} has no items")
        for item, key in items.items():
            if key not in (1, -1):
                raise ValueError(
                    f"construct {construct!r}: key of item {item!r} must be +1 or -1, got {key!r}"
                )
            if item not in columns:
                raise ValueError(f"construct {construct!r}: item {item!r} is not in the answers")


def _validated(values: pd.DataFrame, *, scale_points: int) -> pd.DataFrame:
    checked = {}
    for column in values.columns:
        series = values[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            numeric = pd.to_numeric(series, errors="coerce")
            bad = series.notna() & numeric.isna()
            if bad.any():
                row = bad.idxmax()
                raise ValueError(
                    f"item {column!r}, row {row!r}: answer is not a number: {series[row]!r}"
                )
            series = numeric
        series = series.astype(float)
        present = series.notna()
        invalid = present & ~(
            (series == DONT_KNOW)
            | ((series >= 1) & (series <= scale_points) & (series == np.round(series)))
        )
        if invalid.any():
            row = invalid.idxmax()
            raise ValueError(
                f"item {column!r}, row {row!r}: answer {series[row]!r} is not 0 (don't know) "
                f"or a whole number from 1 to {scale_points}"
            )
        checked[column] = series.mask(series == DONT_KNOW)
    return pd.DataFrame(checked, index=values.index)
