"""The recommendations library: what a team, an organisation and a lead can do (data, versioned).

``data/recommendations.toml`` holds, in Dutch and English:

* per construct of every packaged instrument version (neutral ones excepted), two or three
  interventions at team level and two or three at organisation level; with the conversation
  questions of :mod:`trustmirror.instrument.conversation` they are the construct's entry;
* per quadrant of the trust-control balance (the ids of ``results.balance.QUADRANTS``), two or
  three pieces of advice;
* for leads, two or three reflections per leader construct, and a general set for a lead who
  overestimates or underestimates how the team sees them (the self-other mirror).

Results pages offer them only where their story points to them. The file is checked when it
is first read; a broken file raises :class:`~trustmirror.instrument.InstrumentError` naming
the file, the entry and the problem.

>>> recommendations_for("reliability", "en").team[0].startswith("Keep a list")
True
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from trustmirror.instrument.conversation import conversation_questions
from trustmirror.instrument.model import LANGUAGES, InstrumentError

__all__ = [
    "DIRECTIONS",
    "OVERESTIMATED",
    "QUADRANT_IDS",
    "UNDERESTIMATED",
    "Library",
    "Recommendations",
    "leader_reflections",
    "quadrant_advice",
    "recommendations_for",
]

_FILE = "recommendations.toml"

OVERESTIMATED = "overestimated"  # the lead expected more than the team sees
UNDERESTIMATED = "underestimated"
DIRECTIONS = (OVERESTIMATED, UNDERESTIMATED)
#: The quadrants of the trust-control balance, as ``trustmirror.results.balance`` names them
#: (this package imports no Django; a test keeps the two in step).
QUADRANT_IDS = ("complement", "room", "instead", "neither")

Texts = dict[str, tuple[str, ...]]  # language -> texts


@dataclass(frozen=True)
class Recommendations:
    """What the library has for one construct in one language (empty lists when nothing)."""

    questions: list[str]
    team: list[str]
    organisation: list[str]

    def __bool__(self) -> bool:
        return bool(self.questions or self.team or self.organisation)


@dataclass(frozen=True)
class Library:
    id: str
    version: int
    constructs: dict[str, dict[str, Texts]]  # construct id -> {"team": ..., "organisation": ...}
    quadrants: dict[str, Texts]
    leader: dict[str, Texts]
    directions: dict[str, Texts]


def _texts(entry: dict[str, Any], key: str, where: str) -> Texts:
    """``entry[key]`` as {lang: texts}, checked: both languages, 2-3 non-empty texts each."""
    found = entry.get(key)
    if not isinstance(found, dict) or set(found) != set(LANGUAGES):
        raise InstrumentError(f"{where}: {key} needs exactly the languages {', '.join(LANGUAGES)}")
    for lang in LANGUAGES:
        texts = found[lang]
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise InstrumentError(f"{where}: {key}.{lang} must be a list of non-empty texts")
    counts = {lang: len(found[lang]) for lang in LANGUAGES}
    if len(set(counts.values())) != 1 or not 2 <= counts[LANGUAGES[0]] <= 3:
        shown = ", ".join(f"{lang} {n}" for lang, n in counts.items())
        raise InstrumentError(
            f"{where}: {key} needs two or three texts, as many in every language (has {shown})"
        )
    return {lang: tuple(t.strip() for t in found[lang]) for lang in LANGUAGES}


def _table(
    data: dict[str, Any], table: str, keys: tuple[str, ...], name: str, allowed: tuple = ()
) -> dict[str, dict[str, Texts]]:
    entries = data.get(table, [])
    if not isinstance(entries, list):
        raise InstrumentError(f"{name}: [[{table}]] must be an array of tables")
    found: dict[str, dict[str, Texts]] = {}
    for position, entry in enumerate(entries, start=1):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"{name}: {table}[{position}] ({entry_id!r})"
        if not isinstance(entry_id, str) or not entry_id:
            raise InstrumentError(f"{where}: an entry needs an id")
        if entry_id in found:
            raise InstrumentError(f"{where}: the id {entry_id!r} appears twice")
        if allowed and entry_id not in allowed:
            raise InstrumentError(f"{where}: the id must be one of {', '.join(allowed)}")
        unknown = set(entry) - {"id", *keys}
        if unknown:
            raise InstrumentError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        found[entry_id] = {key: _texts(entry, key, where) for key in keys}
    return found


def _load(path: Path | Traversable) -> Library:
    """Read and check a recommendations file (the seam tests use with a file of their own)."""
    name = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InstrumentError(f"{name}: cannot be read: {error}") from error
    if not isinstance(data.get("id"), str) or not isinstance(data.get("version"), int):
        raise InstrumentError(f"{name}: needs an id (text) and a version (a whole number)")
    # In the file's order, so that the first problem reported is the first one in the file.
    constructs = _table(data, "constructs", ("team", "organisation"), name)
    quadrants = _table(data, "quadrants", ("advice",), name, QUADRANT_IDS)
    leader = _table(data, "leader", ("reflections",), name)
    directions = _table(data, "leader_directions", ("reflections",), name, DIRECTIONS)
    for table, found, expected in (
        ("quadrants", quadrants, QUADRANT_IDS),
        ("leader_directions", directions, DIRECTIONS),
    ):
        if missing := [one for one in expected if one not in found]:
            raise InstrumentError(f"{name}: [[{table}]] has no entry for {', '.join(missing)}")
    return Library(
        id=data["id"],
        version=data["version"],
        constructs=constructs,
        quadrants={key: value["advice"] for key, value in quadrants.items()},
        leader={key: value["reflections"] for key, value in leader.items()},
        directions={key: value["reflections"] for key, value in directions.items()},
    )


@functools.cache
def library() -> Library:
    """The packaged library, read and checked once per process."""
    return _load(resources.files("trustmirror.instrument") / "data" / _FILE)


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")


def recommendations_for(construct_id: str, lang: str) -> Recommendations:
    """The conversation questions and the team and organisation interventions of a construct.

    Empty lists for a construct without entries (the neutral ones: neither direction is
    better, so there is nothing to improve).
    """
    _check_lang(lang)
    entry = library().constructs.get(construct_id, {})
    return Recommendations(
        questions=conversation_questions(construct_id, lang),
        team=list(entry["team"][lang]) if entry else [],
        organisation=list(entry["organisation"][lang]) if entry else [],
    )


def quadrant_advice(quadrant_id: str, lang: str) -> list[str]:
    """The advice for one quadrant of the trust-control balance; [] for an unknown id."""
    _check_lang(lang)
    entry = library().quadrants.get(quadrant_id)
    return list(entry[lang]) if entry is not None else []


def leader_reflections(
    construct_id: str | None, lang: str, *, direction: str | None = None
) -> list[str]:
    """Reflections for a lead: on one leader construct, or general for the mirror's gap.

    ``construct_id`` gives that construct's reflections (about how the lead's behaviour on it
    lands); with ``direction`` (:data:`OVERESTIMATED` or :data:`UNDERESTIMATED`) the general
    set for that direction follows them. ``construct_id=None`` gives the general set only.
    """
    _check_lang(lang)
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}: one of {', '.join(DIRECTIONS)}")
    found: list[str] = []
    if construct_id is not None and (entry := library().leader.get(construct_id)) is not None:
        found.extend(entry[lang])
    if direction is not None:
        found.extend(library().directions[direction][lang])
    return found
