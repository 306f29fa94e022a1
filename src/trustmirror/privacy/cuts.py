"""Breakdowns by characteristic, checked together with everything else a reader can see.

A breakdown splits a group's respondents by the bands stored with their responses (tenure
band, location, ...). Each cut on its own passes :meth:`trustmirror.privacy.Policy.
demographic_cuts` (every shown cell and its complement reach k, the remainder holds 0 or at
least k). That is not enough: the unit tree publishes sums over units, and the breakdown page
publishes sums over cells of every cut it offers. :func:`disclose_cuts` checks the whole
publication and hides cells, smallest first, until no combination isolates fewer than k.

The check, and why it is enough
-------------------------------
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
from itertools import combinations

import numpy as np

from trustmirror.privacy.policy import CellKey, Policy

__all__ = ["OTHER", "disclose_cuts", "offered_cuts", "residual_blocks"]

#: The atom label of respondents whose cell is not shown in a cut ("other").
OTHER = ("other",)


def offered_cuts(dimensions: Sequence[str], max_dimensions: int) -> list[tuple[str, ...]]:
    """Every cut a breakdown page offers: each combination of up to ``max_dimensions`` names."""
    names = sorted(dimensions)
    return [cut for size in range(1, max_dimensions + 1) for cut in combinations(names, size)]


def residual_blocks(aggregates: Iterable[frozenset[Hashable]]) -> dict[Hashable, frozenset]:
    """Each unit's innermost published aggregate (the tree's sets are nested or disjoint)."""
    innermost: dict[Hashable, frozenset] = {}
    for members in sorted(set(aggregates), key=len, reverse=True):
        for unit in members:
            innermost[unit] = members
    return innermost


def disclose_cuts(
    policy: Policy,
    max_dimensions: int,
    cuts: list[tuple[str, ...]],
    cell_of: Mapping[tuple[str, ...], Sequence[CellKey]],
    units: Sequence[Hashable],
    mask: np.ndarray,
    aggregates: list[frozenset[Hashable]],
    *,
    within: Mapping[tuple[str, ...], set[CellKey]] | None = None,
) -> dict[tuple[str, ...], set[CellKey]]:
    """The cells of every offered cut that may be shown for one measure.

    Parameters
    ----------
    policy, max_dimensions
        The scan's policy and how many characteristics one breakdown may combine.
    cuts
        Every offered cut (:func:`offered_cuts`).
    cell_of
        Per cut, the cell of each respondent (in the order of ``units``).
    units
        The unit of each respondent.
    mask
        The respondents the measure counts (all, or those with a score on a theme).
    aggregates
        The unit sets the unit tree publishes for this measure.
    within
        Limits the result to cells shown at the level of respondents.
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
    residual = residual_blocks(aggregates)
    if any(units[i] not in residual for i in chosen):
        # A respondent outside every published aggregate: nothing to anchor the check on.
        return {cut: set() for cut in cuts}
    while any(shown.values()):
        edges: Counter = Counter()
        for i in chosen:
            atom = tuple(
                cell_of[cut][i] if cell_of[cut][i] in shown[cut] else OTHER for cut in cuts
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
