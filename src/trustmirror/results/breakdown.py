"""Breakdowns of one published version: the organisation's theme means per band, where safe.

A breakdown splits the organisation's respondents by the bands stored with their responses
(tenure band, location, ...; :func:`trustmirror.privacy.recoding.band_recoding` decides what
is stored). Respondents whose response carries no band for a characteristic form their own
cell, "not recorded", under the same rules as every other cell.

What may be shown is decided in :mod:`trustmirror.privacy` in three steps, each of which can
only hide more:

1. :meth:`trustmirror.privacy.Policy.demographic_cuts` for each cut on its own;
2. :func:`trustmirror.privacy.cuts.disclose_cuts` for every offered cut together with the unit
   tree the same version publishes;
3. the same again per theme, counting only the respondents with a score on that theme, within
   the groups the version shows for that theme.

Every offered cut is computed when the final results of a scan are published (breakdowns are
not offered with interim results: a breakdown across versions would need to know when each
answer came in, which is not stored) and kept in the publication; the page only reads it.
Only organisation-level breakdowns exist in this version: cells are never split by unit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustmirror.instrument import Instrument
from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_SHOWN,
    CellKey,
    Policy,
)
from trustmirror.privacy.cuts import OTHER, disclose_cuts, offered_cuts
from trustmirror.privacy.release import RESPONDENTS

__all__ = [
    "NOT_RECORDED",
    "Breakdown",
    "BreakdownRequestError",
    "CellResult",
    "breakdown_from",
    "breakdowns_of",
    "cut_name",
    "parse_dimensions",
]

#: Band value of a respondent whose response carries no band for a characteristic. Stored
#: bands are never empty (see ``band_recoding``), so this cannot collide with a real one.
NOT_RECORDED = ""
MAX_DIMENSION_NAME = 100


class BreakdownRequestError(ValueError):
    """A requested breakdown the scan does not offer; ``code`` says why.

    Codes: ``off`` (the scan allows no breakdowns), ``unknown`` (no such characteristic),
    ``repeated`` (a characteristic named twice), ``too_many`` (more than the scan allows).
    """

    def __init__(self, code: str, name: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.name = name


@dataclass(frozen=True)
class CellResult:
    """One shown cell (or the "other" remainder) of a breakdown.

    ``key`` is the cell ((dimension, band) pairs, band ``NOT_RECORDED`` for "not recorded"),
    None for the remainder. ``means`` maps each theme to its mean, or None where that theme
    may not be shown for this cell.
    """

    key: CellKey | None
    n: int | None  # None where the organisation's count is withheld
    means: Mapping[str, float | None]


@dataclass(frozen=True)
class Breakdown:
    """What the breakdown page may show for one cut of the organisation."""

    dimensions: tuple[str, ...]
    allowed: bool
    reason: str
    cells: list[CellResult]
    other: CellResult | None
    hidden_cells: int


def parse_dimensions(
    requested: Iterable[str], available: Sequence[str], max_dimensions: int
) -> tuple[str, ...]:
    """Validate the characteristics asked for (empty values ignored); sorted by name.

    Raises
    ------
    BreakdownRequestError
        When the scan allows no breakdowns, a name is unknown or repeated, or too many are
        asked for.
    """
    names = [str(name).strip()[:MAX_DIMENSION_NAME] for name in requested]
    names = [name for name in names if name]
    if max_dimensions < 1:
        raise BreakdownRequestError("off")
    for name in names:
        if name not in available:
            raise BreakdownRequestError("unknown", name)
    if len(set(names)) != len(names):
        raise BreakdownRequestError("repeated")
    if len(names) > max_dimensions:
        raise BreakdownRequestError("too_many")
    return tuple(sorted(names))


def breakdown_from(payload: Mapping, dimensions: Sequence[str]) -> Breakdown:
    """One cut of a publication's stored breakdowns (see :func:`breakdowns_of`).

    A cut the publication does not hold (fewer than k respondents in all) is refused.
    """
    dimensions = tuple(sorted(dimensions))
    stored = payload.get("cuts", {}).get(cut_name(dimensions))
    if stored is None:
        return Breakdown(dimensions, False, REASON_BELOW_K, [], None, 0)

    def cell(data: Mapping | None) -> CellResult | None:
        if data is None:
            return None
        key = tuple(tuple(pair) for pair in data["key"]) if data["key"] is not None else None
        n = data["n"]
        return CellResult(key, None if n is None else int(n), dict(data["means"]))

    return Breakdown(
        dimensions=dimensions,
        allowed=bool(stored["allowed"]),
        reason=stored["reason"],
        cells=[cell(c) for c in stored["cells"]],
        other=cell(stored["other"]),
        hidden_cells=int(stored["hidden_cells"]),
    )


def breakdowns_of(
    *,
    bands: list[Mapping],
    scores: pd.DataFrame,
    unit_of: np.ndarray,
    instrument: Instrument,
    policy: Policy,
    max_dimensions: int,
    families: Mapping[str, Mapping[Hashable, frozenset]],
) -> dict:
    """Every cut the scan offers, as far as it may be shown, as plain data.

    ``bands``, ``scores`` and ``unit_of`` describe the respondents in the published numbers;
    ``families`` are the published groups per family (respondents and each construct).
    """
    available = sorted({str(name) for b in bands for name in b})
    cuts = offered_cuts(available, max_dimensions)
    result: dict = {"dimensions": available, "cuts": {}}
    aggregates = families.get(RESPONDENTS, {})
    if not cuts or ORGANISATION not in aggregates or len(bands) < policy.k:
        return result
    # A sensitive scale (Construct.sensitive) is never broken down: its mean only, per group.
    themes = [construct.id for construct in instrument.themes if not construct.sensitive]
    units = unit_of.tolist()
    cell_of = {cut: [_cell(b, cut) for b in bands] for cut in cuts}
    everyone = np.ones(len(bands), dtype=bool)
    shown = disclose_cuts(
        policy, max_dimensions, cuts, cell_of, units, everyone, list(aggregates.values())
    )
    shown_per_theme = {}
    for theme in themes:
        theme_family = families.get(theme, {})
        if ORGANISATION not in theme_family:
            shown_per_theme[theme] = {cut: set() for cut in cuts}
            continue
        mask = scores[theme].notna().to_numpy()
        shown_per_theme[theme] = disclose_cuts(
            policy,
            max_dimensions,
            cuts,
            cell_of,
            units,
            mask,
            list(theme_family.values()),
            within=shown,
        )
    for cut in cuts:
        result["cuts"][cut_name(cut)] = _cut_result(
            cut, cell_of[cut], shown, shown_per_theme, scores, themes, policy
        )
    return result


def cut_name(dimensions: Sequence[str]) -> str:
    """The stored name of a cut: its characteristics in name order, joined by "+"."""
    return "+".join(sorted(dimensions))


def _cut_result(cut, cells, shown, shown_per_theme, scores, themes, policy) -> dict:
    counts = Counter(cells)
    visible = shown[cut]
    if not visible:
        reason = (
            REASON_BELOW_K
            if all(not policy.may_show(n) for n in counts.values())
            else REASON_COMPLEMENTARY
        )
        return {
            "allowed": False,
            "reason": reason,
            "cells": [],
            "other": None,
            "hidden_cells": len(counts),
        }
    labels = [cell if cell in visible else OTHER for cell in cells]
    shown_cells = []
    for key in sorted(visible, key=_display_order):
        members = np.array([label == key for label in labels])
        means = {
            theme: _mean(scores[theme], members) if key in shown_per_theme[theme][cut] else None
            for theme in themes
        }
        shown_cells.append({"key": [list(pair) for pair in key], "n": counts[key], "means": means})
    other = None
    rest = np.array([label == OTHER for label in labels])
    if rest.any():
        means = {
            theme: _mean(scores[theme], rest) if shown_per_theme[theme][cut] == visible else None
            for theme in themes
        }
        other = {"key": None, "n": int(rest.sum()), "means": means}
    return {
        "allowed": True,
        "reason": REASON_SHOWN,
        "cells": shown_cells,
        "other": other,
        "hidden_cells": len(counts) - len(visible),
    }


def _cell(bands: object, cut: tuple[str, ...]) -> CellKey:
    bands = bands if isinstance(bands, Mapping) else {}
    return tuple((name, str(bands.get(name, NOT_RECORDED))) for name in cut)


def _display_order(key: CellKey) -> tuple:
    # A fixed order that does not depend on any number: "not recorded" after the bands.
    return tuple((band == NOT_RECORDED, band) for _name, band in key)


def _mean(values: pd.Series, members: np.ndarray) -> float | None:
    chosen = values.to_numpy()[members]
    chosen = chosen[~np.isnan(chosen)]
    return float(chosen.mean()) if chosen.size else None
