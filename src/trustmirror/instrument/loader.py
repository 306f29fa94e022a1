"""Read instrument TOML files and check them before anyone builds on them.

An instrument file is data: a scan stores answers against its item ids for years, so a typo
must fail loudly when the file is loaded, not show up later as an empty column. Every rule
below raises :class:`InstrumentError` naming the file, the offending id and the problem.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from trustmirror.instrument.model import (
    FULL_FORM,
    LANGUAGES,
    POLARITIES,
    REFERENTS,
    Construct,
    Form,
    Group,
    Instrument,
    InstrumentError,
    Item,
    OpenQuestion,
    Page,
    Text,
)
from trustmirror.privacy.policy import DEFAULT_MIN_GROUP_SIZE

__all__ = ["available_instruments", "load_instrument", "load_instrument_file"]

# Ids end up as answer columns, URL parts and translation keys: keep them plain.
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
# Packaged files are named "<id>-v<version>.toml"; the pattern also keeps callers from
# reaching outside the data directory.
_PACKAGED_NAME = re.compile(r"(?P<id>[a-z][a-z0-9_]*)-v(?P<version>[0-9A-Za-z_.]+)\.toml\Z")

_TOP_REQUIRED = (
    "id",
    "version",
    "name",
    "intro",
    "scale_points",
    "dont_know",
    "scale_labels",
    "dont_know_label",
    "groups",
    "constructs",
    "items",
    "pages",
    "minutes",
)
_TOP_OPTIONAL = ("open_questions", "sensitive_min_group_size", "forms", "leads_count_in_parent")


def load_instrument(
    instrument_id: str = "trustscan", version: str = "1", form: str = "full"
) -> Instrument:
    """Load a packaged instrument, e.g. the Trust Scan version 1, as one of its forms asks it.

    The file is ``trustmirror/instrument/data/<instrument_id>-v<version>.toml``. It is read
    and checked once per process; later calls return the same object, so do not modify it.
    ``form`` (default the full questionnaire) gives :meth:`Instrument.asked_in`.

    Raises
    ------
    InstrumentError
        If there is no such packaged instrument or form, or the file breaks a rule.
    """
    return _load_form(instrument_id, str(version), form)


@functools.cache
def _load_form(instrument_id: str, version: str, form: str) -> Instrument:
    instrument = _load_packaged(instrument_id, version)
    try:
        return instrument.asked_in(form)
    except KeyError:
        known = ", ".join(instrument.forms)
        raise InstrumentError(
            f"{instrument.source}: {instrument_id} version {version} has no form {form!r} "
            f"(forms: {known})"
        ) from None


def load_instrument_file(path: str | os.PathLike[str]) -> Instrument:
    """Load and check an instrument from a TOML file at ``path`` (not cached).

    Raises
    ------
    InstrumentError
        If the file is not valid TOML or breaks a rule.
    OSError
        If the file cannot be read.
    """
    with open(path, "rb") as handle:
        return _parse(handle, source=os.fspath(path))


def available_instruments() -> list[tuple[str, str]]:
    """Return ``(instrument_id, version)`` of every packaged instrument, sorted."""
    found = []
    for entry in _data_dir().iterdir():
        match = _PACKAGED_NAME.match(entry.name)
        if match and entry.is_file():
            found.append((match["id"], match["version"]))
    return sorted(found)


def _data_dir() -> Traversable:
    return resources.files("trustmirror.instrument") / "data"


@functools.cache
def _load_packaged(instrument_id: str, version: str) -> Instrument:
    file_name = f"{instrument_id}-v{version}.toml"
    resource = _data_dir() / file_name
    if not _PACKAGED_NAME.match(file_name) or not resource.is_file():
        known = ", ".join(f"{i} v{v}" for i, v in available_instruments()) or "none"
        raise InstrumentError(
            f"{file_name}: no packaged instrument {instrument_id!r} version {version!r} "
            f"(available: {known})"
        )
    with resource.open("rb") as handle:
        instrument = _parse(handle, source=str(resource))
    if (instrument.id, instrument.version) != (instrument_id, version):
        raise InstrumentError(
            f"{resource}: instrument: the file declares id {instrument.id!r} version "
            f"{instrument.version!r}, but its name says {instrument_id!r} version {version!r}"
        )
    return instrument


def _parse(handle: Any, *, source: str) -> Instrument:
    try:
        data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{source}: not valid TOML: {exc}") from exc
    return _Reader(source).instrument(data)


class _Reader:
    """Turns the parsed TOML of one file into an :class:`Instrument`, checking as it goes."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, problem: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {problem}")

    # -- the instrument as a whole --------------------------------------------------------

    def instrument(self, data: dict[str, Any]) -> Instrument:
        where = "instrument"
        self.keys(data, where, _TOP_REQUIRED, _TOP_OPTIONAL)
        instrument_id = self.ident(data, "id", where)
        version = self.string(data, "version", where)
        minutes = self.positive(data, "minutes", where)
        scale_points = self.integer(data, "scale_points", where)
        if scale_points < 2:
            raise self.error(where, f"scale_points must be at least 2, got {scale_points}")
        dont_know = self.integer(data, "dont_know", where)
        if 1 <= dont_know <= scale_points:
            raise self.error(
                where,
                f"dont_know ({dont_know}) must lie outside the answer scale 1..{scale_points}",
            )

        groups = [
            self.group(entry, at)
            for at, entry in self.entries(data, "groups", "group", required=True)
        ]
        self.unique(groups, "group")
        group_ids = {group.id for group in groups}

        items = [self.item(entry, at) for at, entry in self.entries(data, "items", "item")]
        self.unique(items, "item")

        constructs = [
            self.construct(entry, at, group_ids, items)
            for at, entry in self.entries(data, "constructs", "construct", required=True)
        ]
        self.unique(constructs, "construct")
        construct_ids = {construct.id for construct in constructs}
        # An item pointing at a misspelt construct also leaves that construct empty; the
        # item's own mistake is the one worth reporting, so it is checked first.
        for item in items:
            if item.construct not in construct_ids:
                raise self.error(f"item {item.id!r}", f"unknown construct {item.construct!r}")
        for construct in constructs:
            if not construct.items:
                raise self.error(f"construct {construct.id!r}", "has no items")
        for group in groups:
            if not any(construct.group == group.id for construct in constructs):
                raise self.error(f"group {group.id!r}", "has no constructs")
        sensitive_min_group_size = self.sensitive_min_group_size(data, items)

        open_questions = [
            self.open_question(entry, at)
            for at, entry in self.entries(data, "open_questions", "open question")
        ]
        self.unique(open_questions, "open question")
        item_ids = {item.id for item in items}
        for question in open_questions:
            if question.id in item_ids:
                # Both become answer fields of one response, so they share one namespace.
                raise self.error(f"open question {question.id!r}", "id is already used by an item")

        pages = [
            self.page(entry, at) for at, entry in self.entries(data, "pages", "page", required=True)
        ]
        self.unique(pages, "page")
        self.check_placement(pages, items, open_questions)

        name = self.text(data, "name", where)
        intro = self.text(data, "intro", where)
        forms = {
            FULL_FORM: Form(id=FULL_FORM, label=name, minutes=minutes, pages=pages, intro=intro)
        }
        for form_id, entry in self.form_entries(data):
            forms[form_id] = self.form(form_id, entry, intro, items, open_questions)

        # Last, because it reads another file: this file's own mistakes are reported first.
        self.check_comparable(instrument_id, version, scale_points, dont_know, constructs)

        return Instrument(
            id=instrument_id,
            version=version,
            name=name,
            intro=intro,
            scale_points=scale_points,
            dont_know=dont_know,
            scale_labels=self.scale_labels(data, where, scale_points),
            dont_know_label=self.text(data, "dont_know_label", where),
            groups=groups,
            constructs=constructs,
            open_questions=open_questions,
            pages=pages,
            items={item.id: item for item in items},
            minutes=minutes,
            forms=forms,
            sensitive_min_group_size=sensitive_min_group_size,
            leads_count_in_parent=self.boolean(data, "leads_count_in_parent", where),
            source=self.source,
        )

    def sensitive_min_group_size(self, data: dict[str, Any], items: list[Item]) -> int | None:
        """The higher threshold for sensitive items: required with them, and only with them."""
        where = "instrument"
        sensitive = [item.id for item in items if item.sensitive]
        if "sensitive_min_group_size" not in data:
            if sensitive:
                raise self.error(
                    where,
                    f"item {sensitive[0]!r} is sensitive, so the file must state "
                    "sensitive_min_group_size",
                )
            return None
        size = self.integer(data, "sensitive_min_group_size", where)
        if size <= DEFAULT_MIN_GROUP_SIZE:
            raise self.error(
                where,
                f"sensitive_min_group_size must be greater than the default minimum group "
                f"size of {DEFAULT_MIN_GROUP_SIZE}, got {size}",
            )
        if not sensitive:
            raise self.error(where, "sensitive_min_group_size is set, but no item is sensitive")
        return size

    # -- the parts ------------------------------------------------------------------------

    def group(self, entry: dict[str, Any], where: str) -> Group:
        self.keys(entry, where, ("id", "label", "explanation"))
        group_id = self.ident(entry, "id", where)
        where = f"group {group_id!r}"
        return Group(
            id=group_id,
            label=self.text(entry, "label", where),
            explanation=self.text(entry, "explanation", where),
        )

    def item(self, entry: dict[str, Any], where: str) -> Item:
        self.keys(entry, where, ("id", "construct", "text", "referent"), ("reverse", "sensitive"))
        item_id = self.ident(entry, "id", where)
        where = f"item {item_id!r}"
        return Item(
            id=item_id,
            construct=self.ident(entry, "construct", where),
            text=self.text(entry, "text", where),
            referent=self.choice(entry, "referent", where, REFERENTS),
            reverse=self.boolean(entry, "reverse", where),
            sensitive=self.boolean(entry, "sensitive", where),
        )

    def construct(
        self, entry: dict[str, Any], where: str, group_ids: set[str], items: list[Item]
    ) -> Construct:
        self.keys(
            entry, where, ("id", "group", "label", "explanation", "polarity"), ("comparable",)
        )
        construct_id = self.ident(entry, "id", where)
        where = f"construct {construct_id!r}"
        group_id = self.ident(entry, "group", where)
        if group_id not in group_ids:
            raise self.error(where, f"unknown group {group_id!r}")
        return Construct(
            id=construct_id,
            group=group_id,
            label=self.text(entry, "label", where),
            explanation=self.text(entry, "explanation", where),
            items=[item for item in items if item.construct == construct_id],
            polarity=self.choice(entry, "polarity", where, POLARITIES),
            comparable=self.comparable(entry, where),
        )

    def comparable(self, entry: dict[str, Any], where: str) -> dict[str, str]:
        value = entry.get("comparable", {})
        if not isinstance(value, dict):
            raise self.error(
                where,
                "comparable must be a table from an earlier version to a construct id, "
                f'e.g. comparable = {{ "1" = "psych_safety" }}, got {value!r}',
            )
        for version in value:
            self.ident(value, version, f"{where}: comparable")
        return dict(value)

    def check_comparable(
        self,
        instrument_id: str,
        version: str,
        scale_points: int,
        dont_know: int,
        constructs: list[Construct],
    ) -> None:
        """A construct marked comparable has exactly the items of the earlier construct.

        Change between two scans is only meaningful when both asked the same questions in the
        same words and scored them the same way, so the claim is checked against the earlier
        version's packaged file rather than trusted.
        """
        for construct in constructs:
            where = f"construct {construct.id!r}"
            for earlier_version, earlier_id in construct.comparable.items():
                claim = f"comparable with version {earlier_version!r} construct {earlier_id!r}"
                own_order, earlier_order = _version_order(version), _version_order(earlier_version)
                if own_order is None or earlier_order is None:
                    raise self.error(
                        where,
                        f"{claim}: versions must be numbers such as '1' or '2.1' to be ordered "
                        f"(this version is {version!r})",
                    )
                if earlier_order >= own_order:
                    raise self.error(
                        where,
                        f"{claim}: version {earlier_version!r} is not earlier than {version!r}",
                    )
                try:
                    earlier = _load_packaged(instrument_id, earlier_version)
                except InstrumentError as exc:
                    raise self.error(where, f"{claim}: cannot load that version: {exc}") from exc
                if (earlier.scale_points, earlier.dont_know) != (scale_points, dont_know):
                    raise self.error(
                        where,
                        f"{claim}: the answer scales differ (scale_points {earlier.scale_points}"
                        f" and dont_know {earlier.dont_know} there, {scale_points} and "
                        f"{dont_know} here)",
                    )
                try:
                    theirs = earlier.construct(earlier_id)
                except KeyError:
                    raise self.error(
                        where, f"{claim}: version {earlier_version!r} has no such construct"
                    ) from None
                difference = _first_difference(construct.items, theirs.items, earlier_version)
                if difference:
                    raise self.error(where, f"{claim}, but {difference}")

    def open_question(self, entry: dict[str, Any], where: str) -> OpenQuestion:
        self.keys(entry, where, ("id", "text"))
        question_id = self.ident(entry, "id", where)
        return OpenQuestion(
            id=question_id, text=self.text(entry, "text", f"open question {question_id!r}")
        )

    def page(self, entry: dict[str, Any], where: str, prefix: str = "") -> Page:
        self.keys(entry, f"{prefix}{where}", ("id", "title"), ("items", "open_questions", "intro"))
        page_id = self.ident(entry, "id", f"{prefix}{where}")
        where = f"{prefix}page {page_id!r}"
        item_ids = self.id_list(entry, "items", where)
        question_ids = self.id_list(entry, "open_questions", where)
        if not item_ids and not question_ids:
            raise self.error(where, "has no items and no open questions")
        return Page(
            id=page_id,
            title=self.text(entry, "title", where),
            item_ids=item_ids,
            open_question_ids=question_ids,
            intro=self.text(entry, "intro", where) if "intro" in entry else None,
        )

    def form_entries(self, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Return ``(form_id, table)`` for each ``[forms.<id>]`` table, in file order."""
        forms = data.get("forms", {})
        if not isinstance(forms, dict):
            raise self.error("instrument", "forms must be a table of forms ([forms.<id>])")
        result = []
        for form_id, entry in forms.items():
            if not _ID.match(form_id):
                raise self.error(
                    f"form {form_id!r}",
                    "id must be lower case letters, digits and _, starting with a letter",
                )
            if form_id == FULL_FORM:
                raise self.error(
                    f"form {form_id!r}",
                    "the full form is the file's [[pages]]; it cannot be declared again",
                )
            result.append((form_id, self.table(entry, f"form {form_id!r}")))
        return result

    def form(
        self,
        form_id: str,
        entry: dict[str, Any],
        intro: Text,
        items: list[Item],
        open_questions: list[OpenQuestion],
    ) -> Form:
        """A shorter form: some of the items, each asked at most once, on its own pages."""
        where = f"form {form_id!r}"
        self.keys(entry, where, ("label", "minutes", "pages"), ("intro",))
        pages = [
            self.page(page, at, prefix=f"{where}: ")
            for at, page in self.entries(entry, "pages", "page", required=True, where=where)
        ]
        self.unique(pages, "page", prefix=f"{where}: ")
        self.place(
            pages, items, open_questions, prefix=f"{where}: ", rule="a form asks it at most once"
        )
        return Form(
            id=form_id,
            label=self.text(entry, "label", where),
            minutes=self.positive(entry, "minutes", where),
            pages=pages,
            intro=self.text(entry, "intro", where) if "intro" in entry else intro,
        )

    def check_placement(
        self, pages: list[Page], items: list[Item], open_questions: list[OpenQuestion]
    ) -> None:
        """Every item and open question is asked exactly once, and pages ask nothing else."""
        placed = self.place(pages, items, open_questions, rule="it must be on exactly one page")
        for kind, known in (
            ("item", [item.id for item in items]),
            ("open question", [q.id for q in open_questions]),
        ):
            for known_id in known:
                if known_id not in placed[kind]:
                    raise self.error(f"{kind} {known_id!r}", "is not on any page")

    def place(
        self,
        pages: list[Page],
        items: list[Item],
        open_questions: list[OpenQuestion],
        *,
        rule: str,
        prefix: str = "",
    ) -> dict[str, dict[str, str]]:
        """Where each item and open question is asked: ``{kind: {id: page id}}``.

        Refuses an id the instrument does not have, and one asked on two pages (``rule``
        says why that is wrong for this set of pages).
        """
        placed: dict[str, dict[str, str]] = {}
        for kind, attribute, known in (
            ("item", "item_ids", {item.id for item in items}),
            ("open question", "open_question_ids", {q.id for q in open_questions}),
        ):
            placed[kind] = {}
            for page in pages:
                for asked_id in getattr(page, attribute):
                    if asked_id not in known:
                        raise self.error(
                            f"{prefix}page {page.id!r}", f"unknown {kind} {asked_id!r}"
                        )
                    if asked_id in placed[kind]:
                        raise self.error(
                            f"{prefix}{kind} {asked_id!r}",
                            f"is on page {placed[kind][asked_id]!r} and again on page "
                            f"{page.id!r}; {rule}",
                        )
                    placed[kind][asked_id] = page.id
        return placed

    def scale_labels(
        self, data: dict[str, Any], where: str, scale_points: int
    ) -> dict[str, list[str]]:
        labels = self.table(data["scale_labels"], f"{where}: scale_labels")
        self.keys(labels, f"{where}: scale_labels", LANGUAGES)
        result = {}
        for language in LANGUAGES:
            path = f"scale_labels.{language}"
            values = labels[language]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.error(where, f"{path} must be a list of strings")
            if len(values) != scale_points:
                raise self.error(
                    where,
                    f"{path} has {len(values)} labels, but scale_points is {scale_points}",
                )
            if not all(value.strip() for value in values):
                raise self.error(where, f"{path} contains an empty label")
            result[language] = list(values)
        return result

    # -- small checks ---------------------------------------------------------------------

    def entries(
        self,
        data: dict[str, Any],
        key: str,
        kind: str,
        *,
        required: bool = False,
        where: str = "instrument",
    ) -> list[tuple[str, dict[str, Any]]]:
        """Return ``(where, table)`` for each entry of an array of tables."""
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            raise self.error(where, f"{key} must be an array of tables ([[{key}]])")
        if required and not value:
            raise self.error(where, f"needs at least one {kind}")
        return [(self.name(kind, number, entry), entry) for number, entry in enumerate(value, 1)]

    @staticmethod
    def name(kind: str, number: int, entry: Mapping[str, Any]) -> str:
        """Name an entry by its id, or by its position (1-based) when it has no usable id."""
        entry_id = entry.get("id")
        return f"{kind} {entry_id!r}" if isinstance(entry_id, str) else f"{kind} #{number}"

    def keys(
        self,
        table: Mapping[str, Any],
        where: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        required = tuple(required)
        allowed = required + tuple(optional)
        # Unknown keys first: a misspelt required key reads better as "unknown 'lable'"
        # than as "missing 'label'".
        unknown = [key for key in table if key not in allowed]
        if unknown:
            raise self.error(
                where,
                f"unknown key {_names(unknown)} (allowed: {_names(allowed)})",
            )
        missing = [key for key in required if key not in table]
        if missing:
            raise self.error(where, f"missing key {_names(missing)}")

    def unique(self, parts: list[Any], kind: str, prefix: str = "") -> None:
        seen: set[str] = set()
        for part in parts:
            if part.id in seen:
                raise self.error(f"{prefix}{kind} {part.id!r}", f"duplicate {kind} id")
            seen.add(part.id)

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InstrumentError(f"{self.source}: {where}: must be a table")
        return value

    def string(self, table: Mapping[str, Any], key: str, where: str) -> str:
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(where, f"{key} must be a non-empty string, got {value!r}")
        return value

    def ident(self, table: Mapping[str, Any], key: str, where: str) -> str:
        value = self.string(table, key, where)
        if not _ID.match(value):
            raise self.error(
                where,
                f"{key} {value!r} must be lower case letters, digits and _, starting with a letter",
            )
        return value

    def integer(self, table: Mapping[str, Any], key: str, where: str) -> int:
        value = table[key]
        # bool is a subclass of int; `scale_points = true` is a mistake, not 1.
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(where, f"{key} must be a whole number, got {value!r}")
        return value

    def positive(self, table: Mapping[str, Any], key: str, where: str) -> int:
        value = self.integer(table, key, where)
        if value < 1:
            raise self.error(where, f"{key} must be at least 1, got {value}")
        return value

    def boolean(self, table: Mapping[str, Any], key: str, where: str) -> bool:
        """An optional true/false key that defaults to false."""
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error(where, f"{key} must be true or false, got {value!r}")
        return value

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...]
    ) -> str:
        value = table[key]
        if value not in allowed:
            raise self.error(where, f"{key} must be one of {_names(allowed)}, got {value!r}")
        return value

    def text(self, table: Mapping[str, Any], key: str, where: str) -> Text:
        value = table[key]
        if not isinstance(value, dict):
            raise self.error(where, f"{key} must give a text per language ({key}.nl, {key}.en)")
        self.keys(value, f"{where}: {key}", LANGUAGES)
        for language in LANGUAGES:
            if not isinstance(value[language], str) or not value[language].strip():
                raise self.error(where, f"{key}.{language} must be a non-empty text")
        return {language: value[language] for language in LANGUAGES}

    def id_list(self, table: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(where, f"{key} must be a list of ids")
        return list(value)


def _names(keys: Iterable[str]) -> str:
    return ", ".join(repr(key) for key in keys)


def _version_order(version: str) -> tuple[int, ...] | None:
    """``"2.1"`` -> ``(2, 1)``; ``None`` when the version is not made of numbers."""
    parts = version.split(".")
    if not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def _first_difference(ours: list[Item], theirs: list[Item], version: str) -> str | None:
    """Describe the first way two constructs' items differ, or return ``None``.

    Items are matched by id; their order within the construct does not matter.
    """
    by_id = {item.id: item for item in ours}
    for earlier in theirs:
        item = by_id.get(earlier.id)
        if item is None:
            return f"version {version!r}'s item {earlier.id!r} is missing here"
        for language in LANGUAGES:
            if item.text[language] != earlier.text[language]:
                return (
                    f"item {item.id!r} has a different text.{language} "
                    f"(here {item.text[language]!r}, in version {version!r} "
                    f"{earlier.text[language]!r})"
                )
        if item.key != earlier.key:
            return (
                f"item {item.id!r} is keyed differently (reverse = "
                f"{str(item.reverse).lower()} here, {str(earlier.reverse).lower()} in version "
                f"{version!r})"
            )
    earlier_ids = {item.id for item in theirs}
    for item in ours:
        if item.id not in earlier_ids:
            return f"item {item.id!r} is not in version {version!r}'s construct"
    return None
