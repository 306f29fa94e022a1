"""Which demographic bands a response may carry: k-anonymous recoding at submission.

A response names its unit. The bands stored with it (tenure band, location, ...) must not
narrow the people it could belong to below k, and the operator can compute the recoding from
the people table, so the rule is decided for a whole unit at once (:func:`band_recoding`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from itertools import combinations

__all__ = ["band_recoding", "unit_band_recoding"]


def _clean_bands(bands: object) -> dict[str, str]:
    """A person's bands as text; empty values count as no band."""
    if not isinstance(bands, Mapping):
        return {}
    cleaned = {}
    for name, value in bands.items():
        if value is None or isinstance(value, Mapping | list):
            continue
        text = str(value).strip()
        if text:
            cleaned[str(name)] = text
    return cleaned


def band_recoding(people: Mapping[Hashable, object], k: int) -> dict[Hashable, dict[str, str]]:
    """The bands each person's response may carry, for the invited people of ONE unit.

    The response row already names the unit, so the bands stored with it must not narrow the
    people it could belong to below k. The operator can compute this function from the people
    table, so it is not enough that the stored bands of one person are shared by k people:
    everyone who *gets the same stored bands* must number at least k. The rule:

    1. Combinations of bands are tried from the most bands to the fewest (and in name order
       among equally many). Among the people not yet placed, every group of at least k who
       share the values of one combination gets exactly those values; the rest go on to the
       smaller combinations.
    2. Whoever is left gets no bands. If 1 to k - 1 people would be left like that, the
       smallest group placed so far joins them (repeated), because "the only people of the
       unit without bands" would be a group below k too.

    So each possible stored value (including "no bands") is shared by 0 or at least k of the
    unit's invited people, and a unit with fewer than k invited people stores no bands at all.

    Parameters
    ----------
    people
        Person key -> that person's bands (``{"tenure": "2-5 years", ...}``) for every
        invited person of the unit.
    k
        The scan's minimum group size.

    Returns
    -------
    dict
        Person key -> the bands to store for that person (possibly empty).
    """
    bands = {key: _clean_bands(value) for key, value in people.items()}
    order = sorted(bands, key=repr)
    names = sorted({name for one in bands.values() for name in one})
    placed: dict[Hashable, dict[str, str]] = {}
    groups: list[tuple[tuple[tuple[str, str], ...], list[Hashable]]] = []
    for size in range(len(names), 0, -1):
        for combination in combinations(names, size):
            candidates: dict[tuple[str, ...], list[Hashable]] = defaultdict(list)
            for key in order:
                if key not in placed and all(name in bands[key] for name in combination):
                    candidates[tuple(bands[key][name] for name in combination)].append(key)
            for values, members in sorted(candidates.items()):
                if len(members) >= k:
                    stored = tuple(zip(combination, values, strict=True))
                    groups.append((stored, members))
                    for key in members:
                        placed[key] = dict(stored)
    left = sum(1 for key in order if key not in placed)
    while 0 < left < k and groups:
        smallest = min(groups, key=lambda group: (len(group[1]), group[0]))
        groups.remove(smallest)
        for key in smallest[1]:
            del placed[key]
        left += len(smallest[1])
    return {key: placed.get(key, {}) for key in order}


def unit_band_recoding(
    invited: Iterable[tuple[Hashable, Hashable, object]], k: int
) -> dict[Hashable, dict[str, str]]:
    """:func:`band_recoding` for every unit at once.

    ``invited`` holds (person key, unit id, bands) for every invited person of the scan; the
    unit is the one the response will carry.
    """
    by_unit: dict[Hashable, dict[Hashable, object]] = defaultdict(dict)
    for key, unit_id, bands in invited:
        by_unit[unit_id][key] = bands
    stored: dict[Hashable, dict[str, str]] = {}
    for people in by_unit.values():
        stored.update(band_recoding(people, k))
    return stored
