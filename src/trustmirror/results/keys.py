"""How the groups of a published tree are named in the database and in URLs.

The privacy package names aggregates by unit id, ``("other", parent id)`` for a roll-up and
``ORGANISATION``; stored rows use short strings: ``org``, ``u:<id>``, ``r:<parent id>`` and
``r:top`` for a roll-up under the organisation's top level.
"""

from __future__ import annotations

from collections.abc import Hashable

from trustmirror.privacy import ORGANISATION

__all__ = ["ORG", "UNIT_PREFIX", "decode", "encode", "rollup_key", "unit_key"]

ORG = "org"
UNIT_PREFIX = "u:"


def unit_key(unit_id: int) -> str:
    return f"{UNIT_PREFIX}{unit_id}"


def rollup_key(parent_id: int | None) -> str:
    return "r:top" if parent_id is None else f"r:{parent_id}"


def encode(key: Hashable) -> str:
    """The stored name of a privacy aggregate key."""
    if key == ORGANISATION:
        return ORG
    if isinstance(key, tuple) and key and key[0] == "other":
        return rollup_key(key[1])
    return unit_key(int(key))


def decode(text: str) -> Hashable:
    """The privacy aggregate key of a stored name (ValueError for anything else)."""
    if text == ORG:
        return ORGANISATION
    kind, _, rest = text.partition(":")
    if kind == "u" and rest.isdigit():
        return int(rest)
    if kind == "r" and rest == "top":
        return ("other", None)
    if kind == "r" and rest.isdigit():
        return ("other", int(rest))
    raise ValueError(f"not a group key: {text!r}")
