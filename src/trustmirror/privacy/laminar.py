"""Laminar families of published sets: residuals, blocks and withdrawal in linear time.

A family of sets is *laminar* when any two of its sets are disjoint or nested; the unit tree
with its roll-ups publishes such a family (see :mod:`trustmirror.privacy.audit` for why the
residual rule decides its safety exactly). This module builds the inclusion forest of such a
family once, over the atoms that hold respondents, and answers from it:

* the residual of every set (its respondents outside every published set strictly inside it),
  for one or several count vectors;
* the *block* of every atom (the innermost published set that holds it): the published
  numbers can say something about an atom only through the block it lies in, since any
  combination of them is constant on each block;
* which sets to withdraw, innermost and smallest first, until every residual holds 0 or at
  least k respondents.

Building the forest costs the total size of the sets (the units times the depth of the tree);
each question is then linear in the number of sets. The quadratic scan that this replaces
took 80 seconds for one measure of an organisation of 5,000 teams.

Atoms without respondents (count 0 in every vector) carry no data and are left out, so two
sets that differ only in empty units are the same set here; they are published or withdrawn
together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Forest",
    "NotLaminar",
]


class NotLaminar(ValueError):
    """Two published sets overlap without one containing the other."""

    def __init__(self, first: Hashable, second: Hashable) -> None:
        super().__init__(f"published sets {first!r} and {second!r} overlap without nesting")
        self.first = first
        self.second = second


@dataclass
class _Node:
    keys: list[Hashable]  # the published aggregates with exactly these atoms
    atoms: frozenset[Hashable]
    children: list[int]
    parent: int | None = None


class Forest:
    """The inclusion forest of a laminar family, over the atoms with respondents.

    Parameters
    ----------
    sets
        Each published aggregate (by key) as the atoms it covers.
    counts
        One or more count vectors (respondents per atom, per measure). Only atoms with a
        positive count in at least one vector take part.

    Raises
    ------
    NotLaminar
        When two sets, restricted to those atoms, overlap without nesting.
    """

    def __init__(
        self,
        sets: Mapping[Hashable, Iterable[Hashable]],
        counts: Sequence[Mapping[Hashable, int]],
    ) -> None:
        self.counts = list(counts)
        positive = set()
        for vector in self.counts:
            positive.update(atom for atom, n in vector.items() if n > 0)
        by_atoms: dict[frozenset[Hashable], int] = {}
        self.nodes: list[_Node] = []
        self.node_of: dict[Hashable, int] = {}
        self.empty: list[Hashable] = []  # aggregates without any respondent: zero vectors
        for key, members in sets.items():
            atoms = frozenset(a for a in members if a in positive)
            if not atoms:
                self.empty.append(key)
                continue
            index = by_atoms.get(atoms)
            if index is None:
                index = len(self.nodes)
                by_atoms[atoms] = index
                self.nodes.append(_Node([key], atoms, []))
            else:
                self.nodes[index].keys.append(key)
            self.node_of[key] = index
        # Smallest sets first: a set's children are the current tops of its atoms.
        order = sorted(range(len(self.nodes)), key=lambda i: (len(self.nodes[i].atoms), i))
        top: dict[Hashable, int] = {}
        for index in order:
            node = self.nodes[index]
            seen: dict[int, int] = {}
            for atom in node.atoms:
                below = top.get(atom)
                if below is not None:
                    seen[below] = seen.get(below, 0) + 1
            for child, inside in seen.items():
                if inside != len(self.nodes[child].atoms):
                    raise NotLaminar(self.nodes[child].keys[0], node.keys[0])
                self.nodes[child].parent = index
                node.children.append(child)
            for atom in node.atoms:
                top[atom] = index
        self.order = order  # innermost first
        self.totals = [
            [sum(vector.get(a, 0) for a in node.atoms) for node in self.nodes]
            for vector in self.counts
        ]

    # -- residuals ----------------------------------------------------------------------------

    def residuals(self, keep: set[int] | None = None) -> list[list[int]]:
        """Residual of every node per count vector, counting only kept nodes as published.

        ``keep`` holds node indices (all nodes when None). The residual of a node that is not
        kept is reported as if it were (what publishing it would leave uncovered).
        """
        kept = set(range(len(self.nodes))) if keep is None else keep
        out = []
        for totals in self.totals:
            row = []
            for index in range(len(self.nodes)):
                covered = sum(totals[c] for c in self._kept_below(index, kept))
                row.append(totals[index] - covered)
            out.append(row)
        return out

    def _kept_below(self, index: int, kept: set[int]) -> list[int]:
        """The maximal kept nodes strictly inside node ``index``."""
        found, stack = [], list(self.nodes[index].children)
        while stack:
            child = stack.pop()
            if child in kept:
                found.append(child)
            else:
                stack.extend(self.nodes[child].children)
        return found

    def violations(self, k: int) -> dict[Hashable, int]:
        """Published sets whose residual holds 1 to k - 1 in some count vector (first key)."""
        bad: dict[Hashable, int] = {}
        for row in self.residuals():
            for index, residual in enumerate(row):
                if 0 < residual < k:
                    key = self.nodes[index].keys[0]
                    bad[key] = min(residual, bad.get(key, residual))
        return bad

    # -- withdrawal ---------------------------------------------------------------------------

    def withdraw(
        self,
        k: int,
        *,
        keep: Iterable[Hashable] | None = None,
        rank: Callable[[Hashable], tuple] | None = None,
    ) -> set[Hashable]:
        """Keys to keep so that every kept set's residual holds 0 or at least k in every vector.

        Sets are examined innermost first. Where a residual is bad, the smallest maximal kept
        set inside it is withdrawn (its respondents join the residual) and the set is examined
        again; when nothing is left inside it, the set itself is withdrawn. Showing fewer sets
        of a safe family is safe again, and this removes the fewest large groups.

        Parameters
        ----------
        keep
            Keys that may be kept at all (default: every key); the others count as withdrawn
            from the start.
        rank
            Sort key among candidates of equal size (default: the key's ``repr``), so that
            the outcome does not depend on the input's order.
        """
        allowed = None if keep is None else set(keep)
        rank = rank or (lambda key: (repr(key),))
        kept = {
            index
            for index, node in enumerate(self.nodes)
            if allowed is None or any(key in allowed for key in node.keys)
        }
        first_totals = self.totals[0] if self.totals else [0] * len(self.nodes)
        for index in self.order:
            if index not in kept:
                continue
            while True:
                inner = self._kept_below(index, kept)
                residual_bad = any(
                    0 < totals[index] - sum(totals[c] for c in inner) < k for totals in self.totals
                )
                if not residual_bad:
                    break
                if not inner:
                    kept.discard(index)
                    break
                smallest = min(inner, key=lambda c: (first_totals[c], rank(self.nodes[c].keys[0])))
                kept.discard(smallest)
        out = set(self.empty) if allowed is None else {key for key in self.empty if key in allowed}
        for index in kept:
            node = self.nodes[index]
            out.update(key for key in node.keys if allowed is None or key in allowed)
        return out

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self) -> dict[Hashable, int]:
        """Each atom's block: the node index of the innermost set that holds it.

        Atoms in no set have no block (they are in no published number).
        """
        block: dict[Hashable, int] = {}
        for index in reversed(self.order):  # outermost first; inner sets overwrite
            for atom in self.nodes[index].atoms:
                block[atom] = index
        return block
