"""Demographic breakdowns of one scan: the organisation's theme means per band, where safe.

A breakdown splits the organisation's respondents by the bands stored with their responses
(tenure band, location, ...; see :func:`trustmirror.surveys.answering.band_recoding` for what
is stored). Respondents whose response carries no band for a characteristic form their own
cell, "not recorded", under the same rules as every other cell.

What may be shown is decided in three steps, each of which can only hide more:

1. :meth:`trustmirror.privacy.Policy.demographic_cuts` for each cut on its own: every shown
   cell and its complement reach k, and the remainder ("other") holds 0 or at least k.
2. The combination with everything else a viewer of this scan can see. The unit tree on the
   overview publishes sums over units, and the breakdown page publishes sums over cells of
   every cut it offers (each characteristic, and pairs when the scan allows two). A cell that
   nearly coincides with a shown unit would give the few other people in it by subtraction,
   and two characteristics that nearly coincide would do the same. :func:`_first_leak` checks
   the publication as a whole and cells are hidden, smallest first, until it is safe.
3. The same again per theme, counting only the respondents with a score on that theme, within
   the aggregates the overview shows for that theme.

Only organisation-level breakdowns exist in this version: cells are never split by unit.

The check in step 2, and why it is enough
-----------------------------------------
Every published number is a sum over a set of respondents; a viewer can combine them
linearly. Group the respondents into *residuals* of the unit tree (the respondents of a shown
unit who are in no smaller shown unit; the overview's rules make each hold 0 or at least k)
and into *atoms* of the breakdowns (respondents with the same shown cell, or "other", in every
offered cut). A unit's sum is constant over its residuals' respondents and a cell's sum is
constant over its atoms' respondents, so every combination the viewer can compute has, on the
respondents of residual r and atom a, a weight of the form ``x[r] + y[a]``. Allowing *any*
``y`` (more than the cuts really allow) only gives the viewer more, so it is safe to check
that. A combination is non-zero exactly on the pairs (r, a) where ``x[r] != -y[a]``: label each
residual by ``x[r]`` and each atom by ``-y[a]``; the respondents described are those on the
edges of the bipartite graph "residual -- atom" (weighted by respondents) whose ends carry
different labels. Some combination therefore describes 1 to k - 1 respondents exactly when
some cut of that graph has a weight between 1 and k - 1, which the global minimum cut of each
connected part (Stoer & Wagner, 1997) decides exactly. With a single offered cut the check is
exact; with several it is conservative (it may hide a cell that would have been safe).

References
----------
Stoer, M., & Wagner, F. (1997). A simple min-cut algorithm. Journal of the ACM, 44(4),
585-591.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from trustmirror.analysis.scoring import answers_frame, scale_scores
from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_SHOWN,
    CellKey,
    Policy,
)
from trustmirror.results.selectors import ScanResults, scan_results
from trustmirror.surveys.models import Response, Scan

__all__ = [
    "NOT_RECORDED",
    "Breakdown",
    "BreakdownRequestError",
    "CellResult",
    "available_dimensions",
    "offered_cuts",
    "parse_dimensions",
    "scan_breakdown",
]

#: Band value of a respondent whose response carries no band for a characteristic. Stored
#: bands are never empty (see ``band_recoding``), so this cannot collide with a real one.
NOT_RECORDED = ""
_OTHER = ("other",)
_RESPONDENTS = "respondents"
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
    n: int
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


def available_dimensions(scan: Scan) -> list[str]:
    """The characteristics stored with at least one submitted response, in name order."""
    names: set[str] = set()
    for bands in Response.objects.filter(scan=scan, submitted=True).values_list("bands", flat=True):
        if isinstance(bands, Mapping):
            names.update(str(name) for name in bands)
    return sorted(names)


def offered_cuts(dimensions: Sequence[str], max_dimensions: int) -> list[tuple[str, ...]]:
    """Every cut the page offers: each combination of up to ``max_dimensions`` names."""
    names = sorted(dimensions)
    return [cut for size in range(1, max_dimensions + 1) for cut in combinations(names, size)]


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


def scan_breakdown(
    scan: Scan, dimensions: Sequence[str], *, results: ScanResults | None = None
) -> Breakdown:
    """The organisation's theme means per cell of ``dimensions``, as far as they may be shown.

    ``dimensions`` must come from :func:`parse_dimensions`. Every cut the scan offers is
    disclosed together (see the module docstring), so that no two breakdown pages can be
    combined into a small group, and ``dimensions`` picks one of them.
    """
    results = results or scan_results(scan=scan)
    dimensions = tuple(sorted(dimensions))
    policy = results.policy
    rows = list(
        Response.objects.filter(scan=scan, submitted=True).values_list(
            "unit_id", "answers", "bands"
        )
    )
    if not dimensions or not results.organisation_shown or len(rows) < policy.k:
        return Breakdown(dimensions, False, REASON_BELOW_K, [], None, 0)
    available = sorted({str(name) for _u, _a, b in rows if isinstance(b, Mapping) for name in b})
    cuts = offered_cuts(available, scan.max_cut_dimensions)
    if dimensions not in cuts:
        raise BreakdownRequestError("unknown", "+".join(dimensions))

    instrument = results.instrument
    themes = [construct.id for construct in instrument.themes]
    item_ids = list(instrument.items)
    known = set(item_ids)
    answers = answers_frame(
        [{i: v for i, v in (a or {}).items() if i in known} for _u, a, _b in rows],
        items=item_ids,
    )
    scores = scale_scores(answers, instrument.scoring_keys(), scale_points=instrument.scale_points)
    units = [u for u, _a, _b in rows]
    cell_of = {cut: [_cell(bands, cut) for _u, _a, bands in rows] for cut in cuts}

    everyone = np.ones(len(rows), dtype=bool)
    aggregates = results.disclosure.aggregates()
    shown = _disclose(
        policy, scan.max_cut_dimensions, cuts, cell_of, units, everyone, list(aggregates.values())
    )
    shown_per_theme = {}
    for theme in themes:
        allowed = [
            members for key, members in aggregates.items() if results.stat(key, theme) is not None
        ]
        if results.stat(ORGANISATION, theme) is None:
            shown_per_theme[theme] = {cut: set() for cut in cuts}
            continue
        mask = scores[theme].notna().to_numpy()
        shown_per_theme[theme] = _disclose(
            policy, scan.max_cut_dimensions, cuts, cell_of, units, mask, allowed, within=shown
        )

    cells = cell_of[dimensions]
    counts = Counter(cells)
    visible = shown[dimensions]
    if not visible:
        reason = (
            REASON_BELOW_K
            if all(not policy.may_show(n) for n in counts.values())
            else REASON_COMPLEMENTARY
        )
        return Breakdown(dimensions, False, reason, [], None, len(counts))
    labels = [cell if cell in visible else _OTHER for cell in cells]
    shown_cells = []
    for key in sorted(visible, key=_display_order):
        members = np.array([label == key for label in labels])
        means = {
            theme: _mean(scores[theme], members)
            if key in shown_per_theme[theme][dimensions]
            else None
            for theme in themes
        }
        shown_cells.append(CellResult(key, counts[key], means))
    other = None
    rest = np.array([label == _OTHER for label in labels])
    if rest.any():
        means = {
            theme: _mean(scores[theme], rest)
            if shown_per_theme[theme][dimensions] == visible
            else None
            for theme in themes
        }
        other = CellResult(None, int(rest.sum()), means)
    return Breakdown(dimensions, True, REASON_SHOWN, shown_cells, other, len(counts) - len(visible))


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


def _disclose(
    policy: Policy,
    max_dimensions: int,
    cuts: list[tuple[str, ...]],
    cell_of: Mapping[tuple[str, ...], list[CellKey]],
    units: list[Hashable],
    mask: np.ndarray,
    aggregates: list[frozenset[Hashable]],
    *,
    within: Mapping[tuple[str, ...], set[CellKey]] | None = None,
) -> dict[tuple[str, ...], set[CellKey]]:
    """The cells of every offered cut that may be shown for one measure.

    ``mask`` selects the respondents the measure counts (all, or those with a score on a
    theme); ``aggregates`` are the unit sets the overview publishes for it; ``within`` limits
    the result to cells shown at the level of respondents.
    """
    chosen = np.flatnonzero(mask)
    shown: dict[tuple[str, ...], set[CellKey]] = {}
    counts: dict[tuple[str, ...], Counter] = {}
    for cut in cuts:
        counts[cut] = Counter(cell_of[cut][i] for i in chosen)
        decision = policy.demographic_cuts(counts[cut], len(chosen), max_dimensions)
        cells = set(decision.cells) if decision.allowed else set()
        if within is not None:
            cells &= within[cut]
        shown[cut] = cells
    residual = _residuals(aggregates)
    if any(units[i] not in residual for i in chosen):
        # A respondent outside every published aggregate: nothing to anchor the check on.
        return {cut: set() for cut in cuts}
    while any(shown.values()):
        edges: Counter = Counter()
        for i in chosen:
            atom = tuple(
                cell_of[cut][i] if cell_of[cut][i] in shown[cut] else _OTHER for cut in cuts
            )
            edges[(residual[units[i]], atom)] += 1
        side = _first_leak(edges, policy.k)
        if side is None:
            break
        atoms_on_side = [node[1] for node in side if node[0] == "atom"]
        candidates = [
            (counts[cut][cell], cut, cell)
            for position, cut in enumerate(cuts)
            for cell in shown[cut]
            if any(atom[position] == cell for atom in atoms_on_side)
        ] or [(counts[cut][cell], cut, cell) for cut in cuts for cell in shown[cut]]
        _n, cut, cell = min(candidates)
        shown[cut].discard(cell)
    return shown


def _residuals(aggregates: Iterable[frozenset[Hashable]]) -> dict[Hashable, frozenset]:
    """Each unit's innermost published aggregate (the tree's sets are nested or disjoint)."""
    innermost: dict[Hashable, frozenset] = {}
    for members in sorted(set(aggregates), key=len, reverse=True):
        for unit in members:
            innermost[unit] = members
    return innermost


def _first_leak(edges: Mapping[tuple[Hashable, Hashable], int], k: int) -> set | None:
    """One side of a cut of weight 1..k-1 in the residual--atom graph, or None if none exists.

    Nodes are ("residual", r) and ("atom", a); ``edges[(r, a)]`` is the number of respondents
    in both.
    """
    nodes: list[tuple[str, Hashable]] = []
    index: dict[tuple[str, Hashable], int] = {}
    for r, a in edges:
        for node in (("residual", r), ("atom", a)):
            if node not in index:
                index[node] = len(nodes)
                nodes.append(node)
    weights = np.zeros((len(nodes), len(nodes)))
    for (r, a), n in edges.items():
        i, j = index[("residual", r)], index[("atom", a)]
        weights[i, j] += n
        weights[j, i] += n
    for component in _components(weights):
        if len(component) < 2:
            continue
        value, side = _stoer_wagner(weights[np.ix_(component, component)])
        if value < k:
            return {nodes[component[i]] for i in side}
    return None


def _components(weights: np.ndarray) -> list[list[int]]:
    seen = np.zeros(len(weights), dtype=bool)
    parts = []
    for start in range(len(weights)):
        if seen[start]:
            continue
        stack, part = [start], []
        seen[start] = True
        while stack:
            node = stack.pop()
            part.append(node)
            for other in np.flatnonzero((weights[node] > 0) & ~seen):
                seen[other] = True
                stack.append(int(other))
        parts.append(sorted(part))
    return parts


def _stoer_wagner(weights: np.ndarray) -> tuple[float, list[int]]:
    """Global minimum cut of a connected weighted graph: (weight, the nodes of one side).

    Stoer & Wagner (1997): repeated "maximum adjacency" orderings; the last node of each
    ordering is cut off from the rest at the cost of its adjacency, then merged with the
    second-to-last. O(V^3) with dense arrays, fine for the tens of nodes a scan gives.
    """
    w = weights.astype(float).copy()
    size = len(w)
    members = [[i] for i in range(size)]
    active = list(range(size))
    best, best_side = np.inf, []
    while len(active) > 1:
        added = np.zeros(size, dtype=bool)
        pending = np.zeros(size, dtype=bool)
        pending[active] = True
        connection = np.zeros(size)
        previous = last = active[0]
        added[last] = True
        pending[last] = False
        connection += w[last]
        for _ in range(len(active) - 1):
            candidates = np.flatnonzero(pending)
            chosen = int(candidates[np.argmax(connection[candidates])])
            previous, last = last, chosen
            cut_of_phase = connection[chosen]
            added[chosen] = True
            pending[chosen] = False
            connection += w[chosen]
        if cut_of_phase < best:
            best, best_side = cut_of_phase, list(members[last])
        w[previous] += w[last]
        w[:, previous] += w[:, last]
        w[previous, previous] = 0
        w[last] = 0
        w[:, last] = 0
        members[previous].extend(members[last])
        active.remove(last)
    return float(best), best_side
