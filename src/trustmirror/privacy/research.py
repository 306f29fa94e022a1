"""What a respondent-level (research) export may say about where and how a respondent answered.

A research file has one row per respondent. Its rows carry no person, but a row's unit, its
language and its bands could still single a respondent out: a team of two is two people.
The rules (docs/privacy.md, "Exports"):

- **Units below k are merged upward.** Every unit whose rows (its own respondents and the
  small units already merged into it) are fewer than *k* hands them to its parent, deepest
  units first, so each row ends in its nearest ancestor that gathers at least *k*. What
  reaches the top goes to the organisation as a whole; if that is still fewer than *k*,
  the smallest remaining units join it (in tree order on a tie) until it has *k*. So every
  unit value in the file belongs to 0 or at least *k* rows.
- **Language only where it hides.** Within one (merged) unit the answering language is kept
  only when every language in it has at least *k* rows; otherwise the whole unit's rows get
  no language, so a blank says nothing about who answered in which language.
- **Bands only as stored.** A response stores only the bands that at least *k* invited
  people of its unit share (surveys.answering.band_recoding); the export copies them and
  never adds, splits or recodes one.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

__all__ = ["TOP", "language_per_unit", "research_units"]

#: The organisation as a whole, where rows go that no unit keeps.
TOP = None


def _depth(unit: int, parents: Mapping[int, int | None]) -> int:
    depth, seen = 0, set()
    while (unit := parents.get(unit)) is not None:
        if unit in seen:
            raise ValueError(f"the unit tree has a cycle at unit {unit}")
        seen.add(unit)
        depth += 1
    return depth


def research_units(
    parents: Mapping[int, int | None], counts: Mapping[int, int], *, k: int
) -> dict[int, int | None]:
    """Where each unit's rows go in a research file: a unit id, or :data:`TOP`.

    Parameters
    ----------
    parents : mapping of unit id to its parent's id (None at the top), in tree order
    counts : mapping of unit id to its respondents (units without any may be left out)
    k : the scan's minimum group size

    Returns a mapping for every unit in ``counts`` with respondents. Raises ``ValueError``
    when the whole organisation has fewer than ``k`` respondents (no file may be made) or a
    unit of ``counts`` is not in ``parents``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    unknown = [unit for unit, n in counts.items() if n and unit not in parents]
    if unknown:
        raise ValueError(f"units not in the tree: {sorted(unknown)}")
    total = sum(counts.values())
    if total < k:
        raise ValueError(f"{total} respondents: fewer than k = {k}, no research file")
    order = {unit: i for i, unit in enumerate(parents)}
    pool = {unit: n for unit, n in counts.items() if n}
    moved: dict[int, int | None] = {}
    top = 0
    for unit in sorted(parents, key=lambda u: (-_depth(u, parents), order[u])):
        n = pool.get(unit, 0)
        if 0 < n < k:
            parent = parents[unit]
            moved[unit] = parent
            pool[unit] = 0
            if parent is None:
                top += n
            else:
                pool[parent] = pool.get(parent, 0) + n
    if 0 < top < k:
        # The top keeps too few: the smallest units that kept their rows join it.
        for unit in sorted((u for u, n in pool.items() if n), key=lambda u: (pool[u], order[u])):
            moved[unit] = TOP
            top += pool[unit]
            pool[unit] = 0
            if top >= k:
                break

    def final(unit: int) -> int | None:
        while unit in moved:
            target = moved[unit]
            if target is None:
                return TOP
            unit = target
        return unit

    return {unit: final(unit) for unit, n in counts.items() if n}


def language_per_unit(rows: Sequence[tuple[object, str]], *, k: int) -> dict[object, bool]:
    """For each unit value of ``rows`` ((unit, language) pairs): whether its language is kept.

    Kept only when every language in that unit has at least ``k`` rows.
    """
    per_unit: dict[object, Counter] = {}
    for unit, language in rows:
        per_unit.setdefault(unit, Counter())[language] += 1
    return {unit: all(n >= k for n in counter.values()) for unit, counter in per_unit.items()}
