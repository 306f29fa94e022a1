"""How a published group's numbers are stored: compact, and to six decimals.

A publication of 5,000 teams stores some 130,000 construct statistics; written as dicts with
full float precision they came to 28 MB of JSON per version. Each statistic is stored as a
list in the order of :data:`STAT_FIELDS` and every number to six decimals, far below the one
decimal a page prints (and still exact enough for the change between scans computed from it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["DIGITS", "STAT_FIELDS", "pack_change", "pack_stat", "unpack_change", "unpack_stat"]

STAT_FIELDS = ("n", "mean", "sd", "ci_low", "ci_high", "favourable", "agreement", "rwg_j")
DIGITS = 6


def _number(value):
    if isinstance(value, float):
        return round(value, DIGITS)
    return value


def pack_stat(stat: Mapping) -> list:
    # Inlined _number: this runs for every statistic of a publication (130,000 at 5,000 teams).
    return [
        round(value, DIGITS) if isinstance(value, float) else value
        for value in map(stat.get, STAT_FIELDS)
    ]


def unpack_stat(stored: Sequence | Mapping) -> dict:
    if isinstance(stored, Mapping):
        return dict(stored)
    return dict(zip(STAT_FIELDS, stored, strict=True))


def pack_change(change: Mapping) -> list:
    return [
        pack_stat(change["before"]),
        pack_stat(change["after"]),
        _number(change["difference"]),
        _number(change["ci_low"]),
        _number(change["ci_high"]),
        _number(change["hedges_g"]),
    ]


def unpack_change(stored: Sequence | Mapping) -> dict:
    if isinstance(stored, Mapping):
        return dict(stored)
    before, after, difference, ci_low, ci_high, hedges_g = stored
    return {
        "before": unpack_stat(before),
        "after": unpack_stat(after),
        "difference": difference,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "hedges_g": hedges_g,
    }
