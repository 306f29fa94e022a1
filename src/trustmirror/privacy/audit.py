"""Verify that a set of published aggregates reveals no group below k.

The model
---------
The *atoms* are the smallest groups of respondents the data knows about: in the unit tree, the
respondents attached directly to one unit; for a demographic cut, one cell of one unit. Every
published aggregate (a unit's mean, a roll-up, a filter) covers a set of atoms, and for every
additive statistic (a count, a sum of answers, a count of "favourable" answers) the viewer
learns the sum over those atoms. Means are sums divided by the published ``n``, so they add
nothing beyond the sums.

Write each published aggregate as its indicator vector over the atoms. A viewer who combines
published numbers can compute the statistic for any vector ``v`` in the row space of these
indicators (over the rationals: sums can be scaled and subtracted freely). Such a combination
says something about exactly the respondents in the atoms where ``v`` is non-zero. The
publication is **safe for threshold k** when every non-zero ``v`` in the row space touches
atoms holding at least k respondents together. Atoms without respondents carry no data and
are left out.

Two checks implement this:

* :func:`find_disclosure` is exact for any family of sets. A vector of the row space with
  support inside a set ``S`` of atoms exists exactly when the rows of a null-space basis,
  restricted to ``S``, are linearly dependent (a vector supported on ``S`` lies in the row
  space iff it is orthogonal to the whole null space). Only sets with fewer than k
  respondents matter, and an atom holds at least one respondent, so only sets of at most
  k - 1 atoms are examined: polynomial in the number of atoms for a fixed k, exact rational
  arithmetic throughout. It is meant for tests and for audits of moderate size (tens of
  atoms); its cost grows as ``atoms ** (k - 1)`` when many atoms are small.
* :func:`laminar_violations` is exact and linear for *laminar* families (any two sets are
  disjoint or nested), which is what the unit tree with roll-ups produces. The indicator of
  each set equals the indicator of its *residual* (the atoms not covered by any published set
  strictly inside it) plus the indicators of its maximal published subsets. The residuals are
  disjoint, so they span the same space and every vector of it is a combination of disjoint
  residual indicators; its support is a union of residuals. The publication is therefore safe
  exactly when every residual holds 0 or at least k respondents.

Limits: both checks treat the published numbers as exact sums over fixed groups. They do not
model knowledge from outside the data (a manager who knows how one person answered can
subtract that person), rounding, or non-linear statistics such as medians and standard
deviations of small residuals; the policy therefore only publishes statistics of groups it
has approved here, never of residuals.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from trustmirror.privacy.laminar import Forest

__all__ = [
    "Disclosure",
    "find_disclosure",
    "laminar_violations",
    "null_space",
]


@dataclass(frozen=True)
class Disclosure:
    """A set of atoms that published numbers isolate.

    Attributes
    ----------
    atoms
        The atoms touched by the revealing combination (a minimal such set).
    n
        The respondents in those atoms (between 1 and k - 1).
    combination
        Coefficients per published aggregate whose weighted sum is non-zero only on ``atoms``
        (empty when not computed, e.g. for the laminar check).
    """

    atoms: frozenset[Hashable]
    n: int
    combination: Mapping[Hashable, Fraction]


def _rref(rows: list[list[Fraction]], n_cols: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form over the rationals; returns the non-zero rows and pivots."""
    matrix = [row[:] for row in rows]
    pivots: list[int] = []
    rank = 0
    for col in range(n_cols):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    return matrix[:rank], pivots


def null_space(rows: list[list[int]], n_cols: int) -> list[list[Fraction]]:
    """An exact basis of ``{x : M x = 0}`` as a list of column vectors (each of length n_cols)."""
    reduced, pivots = _rref([[Fraction(v) for v in row] for row in rows], n_cols)
    free = [col for col in range(n_cols) if col not in set(pivots)]
    basis = []
    for f in free:
        x = [Fraction(0)] * n_cols
        x[f] = Fraction(1)
        for row, p in zip(reduced, pivots, strict=True):
            x[p] = -row[f]
        basis.append(x)
    return basis


def _rank(rows: list[list[Fraction]], n_cols: int) -> int:
    return len(_rref(rows, n_cols)[0])


def _combination(
    published: list[tuple[Hashable, frozenset[Hashable]]],
    order: list[Hashable],
    target: frozenset[Hashable],
) -> dict[Hashable, Fraction]:
    """Coefficients y with y M supported on ``target`` and non-zero (for the report only)."""
    outside = [i for i, atom in enumerate(order) if atom not in target]
    # Solve y M[:, outside] = 0 with y M != 0: take the null space of M[:, outside]^T.
    columns = [[1 if order[i] in members else 0 for _, members in published] for i in outside]
    for y in null_space(columns, len(published)):
        v = [sum(y[j] for j, (_, m) in enumerate(published) if atom in m) for atom in order]
        lead = next((value for value in v if value != 0), None)
        if lead is not None:
            # Scale so the isolated statistic has weight 1 on its first atom: readable reports.
            return {key: y[j] / lead for j, (key, _) in enumerate(published) if y[j] != 0}
    return {}


def find_disclosure(
    atoms: Mapping[Hashable, int],
    published: Mapping[Hashable, Iterable[Hashable]],
    k: int,
) -> Disclosure | None:
    """Return a smallest set of atoms that published sums isolate, or None when safe.

    Parameters
    ----------
    atoms
        Respondents per atom. Atoms with 0 respondents are ignored.
    published
        Each published aggregate as the atoms it covers.
    k
        The threshold: any combination must touch at least k respondents.

    Returns
    -------
    Disclosure or None
        A minimal set of atoms with 1 to k - 1 respondents on which some rational combination
        of published sums is supported; None when no such set exists.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    for key, members in published.items():
        unknown = set(members) - set(atoms)
        if unknown:
            raise ValueError(f"published aggregate {key!r} covers unknown atoms {unknown!r}")
    order = [atom for atom, n in atoms.items() if n > 0]
    if not order:
        return None
    index = {atom: i for i, atom in enumerate(order)}
    sets = [
        (key, frozenset(a for a in members if a in index)) for key, members in published.items()
    ]
    rows = [[1 if atom in members else 0 for atom in order] for _, members in sets]
    kernel = null_space(rows, len(order))
    # Row i of K (atoms x kernel vectors); a support S is revealed iff K[S] is row-dependent.
    kernel_rows = [[vector[i] for vector in kernel] for i in range(len(order))]
    small = sorted(order, key=lambda atom: atoms[atom])
    for size in range(1, k):
        for subset in combinations(small, size):
            n = sum(atoms[a] for a in subset)
            if n >= k:
                continue
            chosen = [kernel_rows[index[a]] for a in subset]
            if _rank(chosen, len(kernel)) < size:
                target = frozenset(subset)
                return Disclosure(target, n, _combination(sets, order, target))
    return None


def laminar_violations(
    atoms: Mapping[Hashable, int],
    published: Mapping[Hashable, Iterable[Hashable]],
    k: int,
) -> dict[Hashable, int]:
    """Residuals with 1 to k - 1 respondents in a laminar family of published sets.

    Parameters
    ----------
    atoms
        Respondents per atom.
    published
        Each published aggregate as the atoms it covers; any two must be disjoint or nested
        (aggregates covering the same atoms count once).
    k
        The threshold.

    Returns
    -------
    dict
        For each published aggregate whose residual (its respondents not covered by a published
        set strictly inside it) holds between 1 and k - 1 respondents, that residual count.
        Empty when the publication is safe.

    Raises
    ------
    ValueError
        When two published sets overlap without one containing the other; use
        :func:`find_disclosure` for such families.
    """
    forest = Forest(published, [atoms])
    return forest.violations(k)
