"""Reads for the results pages: the latest published version of a scan, never the responses.

Every number here was decided and computed when the version was published
(:mod:`trustmirror.results.publishing`); a page only picks the rows it shows. A hidden
group's row carries its reason and no number, so no page can show one by mistake.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import orjson
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from trustmirror.instrument import Construct, Instrument, load_instrument
from trustmirror.orgs.models import Unit
from trustmirror.results import keys
from trustmirror.results.models import Publication, PublishedGroup
from trustmirror.results.stored import unpack_change, unpack_stat
from trustmirror.surveys.models import Scan

__all__ = [
    "CLEAR_HIGHER",
    "CLEAR_LOWER",
    "NO_CLEAR_CHANGE",
    "ConstructChange",
    "Group",
    "PublishedResults",
    "ResultsState",
    "ScaleStat",
    "UnitChange",
    "building",
    "has_published",
    "published_results",
    "results_state",
]

CLEAR_HIGHER = "higher"
CLEAR_LOWER = "lower"
NO_CLEAR_CHANGE = "unclear"
# Cohen's (1988) conventional bounds of |g| for a small, medium and large effect.
EFFECT_SIZES = ((0.8, "large"), (0.5, "medium"), (0.2, "small"))


@dataclass(frozen=True)
class ScaleStat:
    """The published statistics of one group on one construct.

    ``n`` is None where the group's count is withheld (then so are ``sd``, ``favourable``
    and ``rwg_j``, and the mean and interval are stored to a tenth).
    """

    n: int | None
    mean: float
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    favourable: float | None = None
    agreement: str | None = None
    rwg_j: float | None = None

    @classmethod
    def from_json(cls, data: Mapping | list) -> ScaleStat:
        values = unpack_stat(data)
        return cls(**{name: values.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ConstructChange:
    """The published change of one group on one construct since the previous scan.

    ``difference`` is current minus previous; ``ci_low``/``ci_high`` its 95% Welch interval
    and ``hedges_g`` the standardised difference (None where undefined).
    """

    construct_id: str
    before: ScaleStat
    after: ScaleStat
    difference: float
    ci_low: float | None
    ci_high: float | None
    hedges_g: float | None

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"`` when the 95% interval excludes 0, else ``"unclear"``."""
        if self.ci_low is not None and self.ci_low > 0:
            return CLEAR_HIGHER
        if self.ci_high is not None and self.ci_high < 0:
            return CLEAR_LOWER
        return NO_CLEAR_CHANGE

    @property
    def size(self) -> str | None:
        """``"large"``, ``"medium"``, ``"small"`` or ``"negligible"`` by |g| (.8/.5/.2)."""
        if self.hedges_g is None:
            return None
        return next(
            (name for bound, name in EFFECT_SIZES if abs(self.hedges_g) >= bound), "negligible"
        )


@dataclass(frozen=True, slots=True)
class UnitChange:
    """A unit's published change on one construct, as much as a mean over units needs."""

    difference: float
    before: float  # the mean at the previous scan
    after: float  # the mean now


@dataclass
class Group:
    """One published row: the organisation, a unit or a roll-up.

    ``raw_stats`` and ``raw_changes`` are the stored numbers; :meth:`stat` and :meth:`change`
    turn one construct's into objects when a page asks for it.
    """

    key: str
    unit: Unit | None
    parent_key: str
    depth: int
    shown: bool
    reason: str
    rolled_into: str
    n: int | None
    participation: dict | None
    rollup: dict | None
    raw_stats: dict = field(default_factory=dict)
    raw_changes: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: PublishedGroup) -> Group:
        return cls(
            key=row.key,
            unit=row.unit if row.unit_id is not None else None,
            parent_key=row.parent_key,
            depth=row.depth,
            shown=row.shown,
            reason=row.reason,
            rolled_into=row.rolled_into,
            n=row.n,
            participation=row.participation,
            rollup=row.rollup,
            raw_stats=row.stats or {},
            raw_changes=row.change or {},
        )

    def stat(self, construct_id: str) -> ScaleStat | None:
        data = self.raw_stats.get(construct_id) if self.shown else None
        return ScaleStat.from_json(data) if data is not None else None

    @property
    def stats(self) -> dict[str, ScaleStat]:
        return {c: ScaleStat.from_json(s) for c, s in self.raw_stats.items()} if self.shown else {}

    def change(self, construct_id: str) -> ConstructChange | None:
        stored = self.raw_changes.get(construct_id) if self.shown else None
        if stored is None:
            return None
        data = unpack_change(stored)
        return ConstructChange(
            construct_id=construct_id,
            before=ScaleStat.from_json(data["before"]),
            after=ScaleStat.from_json(data["after"]),
            difference=data["difference"],
            ci_low=data["ci_low"],
            ci_high=data["ci_high"],
            hedges_g=data["hedges_g"],
        )

    @property
    def changes(self) -> dict[str, ConstructChange]:
        return {c: self.change(c) for c in self.raw_changes} if self.shown else {}

    @property
    def is_org(self) -> bool:
        return self.key == keys.ORG

    @property
    def is_rollup(self) -> bool:
        return self.rollup is not None


class _Kept:
    """A small least-recently-used store, shared by a process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# (publication id, published at, construct id) -> {unit id: UnitChange}: some 0.5 MB each at
# 5,000 teams; 48 hold the six themes of eight versions.
_UNIT_CHANGES = _Kept(48)


class PublishedResults:
    """One published version, read lazily: the rows a page asks for and nothing more."""

    def __init__(self, publication: Publication) -> None:
        self.publication = publication
        self.scan: Scan = publication.scan
        self._groups: dict[str, Group | None] = {}

    @property
    def k(self) -> int:
        return self.publication.k

    @property
    def is_results(self) -> bool:
        return self.publication.track == Publication.RESULTS

    @cached_property
    def instrument(self) -> Instrument:
        return load_instrument(
            self.publication.instrument_id,
            self.publication.instrument_version,
            self.publication.scan.form,
        )

    @cached_property
    def previous_scan(self) -> Scan | None:
        return self.publication.previous_scan

    def _rows(self):
        return PublishedGroup.objects.filter(publication=self.publication).select_related("unit")

    def group(self, key: str) -> Group | None:
        if key not in self._groups:
            row = self._rows().filter(key=key).first()
            self._groups[key] = Group.from_row(row) if row is not None else None
        return self._groups[key]

    def groups(self, group_keys: Iterable[str]) -> dict[str, Group]:
        wanted = [key for key in group_keys if key not in self._groups]
        if wanted:
            found = {row.key: Group.from_row(row) for row in self._rows().filter(key__in=wanted)}
            for key in wanted:
                self._groups[key] = found.get(key)
        return {key: self._groups[key] for key in group_keys if self._groups.get(key)}

    def unit_changes(self, construct_ids: Iterable[str]) -> dict[str, dict[int, UnitChange]]:
        """For each construct, the published change of every shown unit that has one, by unit id.

        Only each construct's entry of the change column is read (the database extracts it),
        and kept per process for the next page: a published version never changes. Building
        a Group for each of 5,000 teams, statistics and all, took seconds and hundreds of
        megabytes for a page that needs three numbers per team and theme.
        """
        wanted = list(dict.fromkeys(construct_ids))
        version = (self.publication.pk, self.publication.published_at)
        found = {c: _UNIT_CHANGES.get((*version, c)) for c in wanted}
        missing = [c for c, changes in found.items() if changes is None]
        if missing:
            read = self._read_unit_changes(missing)
            for construct_id, changes in read.items():
                _UNIT_CHANGES.put((*version, construct_id), changes)
            found.update(read)
        return found

    def _read_unit_changes(self, construct_ids: list[str]) -> dict[str, dict[int, UnitChange]]:
        found: dict[str, dict[int, UnitChange]] = {c: {} for c in construct_ids}
        # The stored JSON as text, parsed with orjson: at 5,000 teams the ORM's JSON decoding
        # (or the database's extraction of each theme) took half a second.
        rows = PublishedGroup.objects.filter(
            publication=self.publication,
            shown=True,
            unit__isnull=False,
            key__startswith=keys.UNIT_PREFIX,  # a unit's own row, not a roll-up
        ).values_list("unit_id", Cast("change", TextField()))
        for unit_id, text in rows:
            stored = orjson.loads(text) if text else {}
            for construct_id in construct_ids:
                value = stored.get(construct_id)
                if value is not None:
                    change = unpack_change(value)
                    found[construct_id][unit_id] = UnitChange(
                        difference=change["difference"],
                        before=change["before"]["mean"],
                        after=change["after"]["mean"],
                    )
        return found

    @property
    def org(self) -> Group | None:
        group = self.group(keys.ORG)
        return group if group is not None and group.shown else None

    def children(self, parent_key: str) -> list[Group]:
        """The rows listed under ``parent_key`` (units and a roll-up), in tree order."""
        rows = [Group.from_row(row) for row in self._rows().filter(parent_key=parent_key)]
        for group in rows:
            self._groups.setdefault(group.key, group)
        return rows

    def unit_group(self, unit: Unit) -> Group | None:
        return self.group(keys.unit_key(unit.pk))

    def other_constructs(self) -> list[Construct]:
        """Every construct that is not one of the six themes, in instrument order."""
        return [c for c in self.instrument.constructs if c.group != "theme"]


def published_results(scan: Scan) -> tuple[PublishedResults | None, PublishedResults | None]:
    """(results, participation): the latest published results and participation of ``scan``.

    Participation comes from the results when they exist (they carry their own figures),
    else from the participation track.
    """
    latest = {
        # The release rule's memory (meta) is large and never read by a page; the payload
        # (quality, breakdowns) loads when a page asks for it.
        track: Publication.objects.filter(scan=scan, track=track, status=Publication.PUBLISHED)
        .select_related("scan", "scan__organisation", "previous_scan")
        .defer("meta", "payload")
        .order_by("-version")
        .first()
        for track in (Publication.RESULTS, Publication.PARTICIPATION)
    }
    results = latest[Publication.RESULTS]
    participation = results or latest[Publication.PARTICIPATION]
    return (
        PublishedResults(results) if results is not None else None,
        PublishedResults(participation) if participation is not None else None,
    )


def building(scan: Scan) -> Publication | None:
    """The version of ``scan`` being built right now, if any (for the admin's status line)."""
    return (
        Publication.objects.filter(scan=scan, status=Publication.BUILDING)
        .order_by("-started_at")
        .first()
    )


def has_published(scan: Scan) -> bool:
    """Whether any version of ``scan`` (results or participation) has been published."""
    return Publication.objects.filter(scan=scan, status=Publication.PUBLISHED).exists()


@dataclass(frozen=True)
class ResultsState:
    """What a scan's results are doing, for the admin's status line.

    ``latest`` is the newest published version of the results (not of participation);
    ``building`` whether a new version is being built right now.
    """

    phase: str
    closes_on: dt.date
    interim: bool
    latest: Publication | None
    building: bool

    @property
    def awaiting_final(self) -> bool:
        """Closed, and the final results are not published yet (the worker is due)."""
        return self.phase == Scan.CLOSED and (self.latest is None or not self.latest.final)


def results_state(scan: Scan, *, today: dt.date | None = None) -> ResultsState:
    results, _participation = published_results(scan)
    return ResultsState(
        phase=scan.phase(today or timezone.localdate()),
        closes_on=scan.closes_on,
        interim=scan.interim_results,
        latest=results.publication if results is not None else None,
        building=building(scan) is not None,
    )
