"""Building published results: read once, decide what may be shown, compute only that, store.

The flow of one publication (the worker runs it on its schedule; ``trustmirror manage
publish_results SCAN_ID`` runs it now):

1. **Is one due?** A scan publishes its results when it closes, or in steps while it is open
   if the consultant switched interim results on (:func:`publication_due`). An open scan
   without interim results publishes its participation only, in the same steps.
2. **Read** the scan's submitted responses once, score them once.
3. **Decide** with :mod:`trustmirror.privacy.release` which waiting answers enter and which
   groups (and which constructs of each group) may be shown, across every earlier version.
4. **Compute** statistics, change since the previous published scan, participation,
   measurement quality and breakdowns for what may be shown, and nothing else; in the
   version made at close, the open answers each shown group may show, masked and shuffled
   (:meth:`_Builder.open_answers`).
5. **Store** the version in one transaction and only then mark it published; mark the
   answers that entered. A build that dies leaves the previous version in place.

Charts of the organisation level are drawn after publishing, once per language
(:mod:`trustmirror.results.figures`); those of single units when first asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import secrets
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from trustmirror.analysis.change import change_from_summaries
from trustmirror.analysis.scoring import answers_frame, scale_scores
from trustmirror.analysis.teams import team_statistics
from trustmirror.charts.svg import MEAN_DIGITS
from trustmirror.instrument import Instrument, load_instrument
from trustmirror.orgs.models import Person, Unit
from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_ROLLED_UP,
    GroupCount,
    Participation,
    Policy,
)
from trustmirror.privacy.comments import comment_masker
from trustmirror.privacy.release import RESPONDENTS, Step, plan_release
from trustmirror.relational.publishing import publish_round
from trustmirror.results import keys
from trustmirror.results.models import IncludedResponse, Publication, PublishedGroup
from trustmirror.results.stored import DIGITS, pack_change, pack_stat, unpack_stat
from trustmirror.surveys import answer_rows
from trustmirror.surveys.answering import invited_per_counting_unit
from trustmirror.surveys.models import Response, Scan

__all__ = [
    "STALE_BUILD",
    "Outcome",
    "latest",
    "publication_attempt",
    "publication_due",
    "publication_is_due",
]

logger = logging.getLogger(__name__)

#: A build still marked "being built" after this long has died; the next attempt takes over.
STALE_BUILD = dt.timedelta(minutes=30)
LANGUAGES = ("nl", "en")
_WRITE_BATCH = 500
_UPDATE_BATCH = 5000
#: Rows (respondent x group) per call of team_statistics while publishing.
_STATISTICS_CHUNK = 150_000


def comment_shuffler() -> random.Random:
    """The source of the comments' order: the operating system's, so that the order cannot be
    reproduced (tests replace it with a seeded one)."""
    return secrets.SystemRandom()


#: The outcomes whose drivers the organisation's page shows, where the instrument has them.
DRIVER_OUTCOMES = ("satisfaction", "engagement", "intention_to_stay")


@dataclass(frozen=True)
class Outcome:
    """What an attempt did: ``published``, ``not_due``, ``waiting``, ``busy`` or ``failed``.

    ``lines`` explain it in plain English for the operator (command line, worker log).
    """

    scan_id: int
    kind: str
    publication: Publication | None = None
    lines: tuple[str, ...] = ()


def latest(scan: Scan, track: str | None = None) -> Publication | None:
    """The newest published version of a scan (of ``track``, or of either)."""
    publications = Publication.objects.filter(scan=scan, status=Publication.PUBLISHED).defer("meta")
    if track is not None:
        publications = publications.filter(track=track)
    return publications.order_by("-published_at", "-pk").first()


def publication_due(scan: Scan, *, today: dt.date | None = None) -> str | None:
    """The track a publication of ``scan`` would publish today, or None.

    A draft or scheduled scan publishes nothing; a closed one its final results (once); an
    open one its results with interim results on, else its participation.
    """
    phase = scan.phase(today)
    if phase in (Scan.DRAFT, Scan.SCHEDULED):
        return None
    if phase == Scan.CLOSED:
        return Publication.RESULTS
    return Publication.RESULTS if scan.interim_results else Publication.PARTICIPATION


def publication_is_due(scan: Scan, *, now: dt.datetime | None = None) -> bool:
    """Whether the worker should attempt a publication of ``scan`` now (its schedule).

    Due: a closed scan without its final results, or an open one whose last version of its
    track is older than ``TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES`` (or that has none).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    track = publication_due(scan, today=today)
    if track is None:
        return False
    previous = latest(scan, track)
    if scan.phase(today) == Scan.CLOSED:
        return previous is None or not previous.final
    interval = dt.timedelta(minutes=settings.TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES)
    return previous is None or now - previous.published_at >= interval


def publication_attempt(
    *,
    scan: Scan,
    now: dt.datetime | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Publish the next version of ``scan`` if one is due (or now, with ``force``).

    Without ``force`` an open scan publishes at most once per
    ``TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES``. A closed scan publishes its final results once;
    later attempts say so and do nothing.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    track = publication_due(scan, today=today)
    if track is None:
        text = f"Scan {scan.pk} is {scan.phase(today)}: nothing to publish yet."
        return Outcome(scan.pk, "not_due", lines=(text,))
    final = scan.phase(today) == Scan.CLOSED
    previous = latest(scan, track)
    if final and previous is not None and previous.final:
        text = f"Scan {scan.pk} is closed; its final results are published (v{previous.version})."
        return Outcome(scan.pk, "not_due", previous, (text,))
    interval = dt.timedelta(minutes=settings.TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES)
    if not force and not final and previous is not None and now - previous.published_at < interval:
        return Outcome(scan.pk, "not_due", previous, ("Published recently; next on schedule.",))
    building = _claim(scan, track, now)
    if building is None:
        return Outcome(scan.pk, "busy", lines=(f"Scan {scan.pk}: a version is being built.",))
    say = progress or (lambda _text: None)
    try:
        builder = _Builder(scan, building, track=track, final=final, now=now, say=say)
        return builder.run()
    except Exception as error:
        logger.exception("publication of scan %s failed", scan.pk)
        Publication.objects.filter(pk=building.pk).update(
            status=Publication.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        return Outcome(scan.pk, "failed", lines=(f"Scan {scan.pk}: the build failed ({error}).",))


def _claim(scan: Scan, track: str, now: dt.datetime) -> Publication | None:
    """A new ``building`` row, or None while another build of this scan is under way.

    A build older than :data:`STALE_BUILD` has died (a killed worker): it is marked failed.
    """
    with transaction.atomic():
        # Lock the scan row so that two workers cannot both claim (SQLite locks the database).
        Scan.objects.select_for_update().filter(pk=scan.pk).first()
        running = Publication.objects.filter(scan=scan, status=Publication.BUILDING)
        if running.filter(started_at__gt=now - STALE_BUILD).exists():
            return None
        running.update(status=Publication.FAILED, error="abandoned: the build did not finish")
        instrument = (scan.instrument_id, scan.instrument_version)
        return Publication.objects.create(
            scan=scan,
            track=track,
            started_at=now,
            k=scan.min_group_size,
            instrument_id=instrument[0],
            instrument_version=instrument[1],
        )


# -- reading ------------------------------------------------------------------------------------


@dataclass
class _Data:
    """One scan's submitted responses, read and scored once."""

    units: list[Unit]
    invited: Counter
    ids: list
    unit_of: np.ndarray
    released: np.ndarray
    answers: pd.DataFrame
    dont_know: np.ndarray  # respondents x items: True where the answer was "don't know"
    scores: pd.DataFrame
    languages: np.ndarray  # the language each response was given in
    bands: list[dict] = field(default_factory=list)


def _read(scan: Scan, instrument: Instrument, *, with_bands: bool) -> _Data:
    units = list(Unit.objects.filter(organisation_id=scan.organisation_id).order_by("path"))
    invited = invited_per_counting_unit(scan)
    # The stored JSON text, parsed here with orjson: for 100,000 responses the standard
    # library's decoder alone took seconds.
    # Most answers are read from their line of numbers (surveys.answer_rows); the JSON only
    # where a response has no line that fits (then a second query fetches just those).
    base = Response.objects.filter(scan=scan, submitted=True)
    fields = ["id", "unit_id", "included", "language", "answer_row"] + (
        ["raw_bands"] if with_bands else []
    )
    rows = list(
        base.annotate(
            **({"raw_bands": Cast("bands", TextField())} if with_bands else {}),
        ).values_list(*fields)
    )
    item_ids = list(instrument.items)
    matrix, read = answer_rows.decode([row[4] for row in rows], item_ids)
    unread = np.flatnonzero(~read)
    if len(unread):
        texts = dict(
            base.filter(pk__in=[rows[i][0] for i in unread.tolist()])
            .annotate(raw_answers=Cast("answers", TextField()))
            .values_list("id", "raw_answers")
        )
        matrix[unread] = _json_matrix([texts[rows[i][0]] for i in unread.tolist()], item_ids)
    answers, dont_know = _answers(instrument, matrix, item_ids)
    # Every construct, and on a full scan each construct on a shorter form's items too
    # (Instrument.published_keys): what a later pulse is compared with.
    scores = scale_scores(
        answers, instrument.published_keys(), scale_points=instrument.scale_points
    )
    return _Data(
        units=units,
        invited=invited,
        ids=[row[0] for row in rows],
        unit_of=np.array([row[1] for row in rows], dtype=np.int64),
        released=np.array([row[2] is not None for row in rows], dtype=bool),
        answers=answers,
        dont_know=dont_know,
        scores=scores,
        languages=np.array([row[3] for row in rows], dtype=object),
        bands=[_mapping(row[5]) for row in rows] if with_bands else [],
    )


def _mapping(text: str | None) -> dict:
    try:
        value = orjson.loads(text) if text else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_matrix(texts: list[str | None], item_ids: list[str]) -> np.ndarray:
    """Respondents x items from the stored JSON; NaN where not answered.

    A value that is not a number (never stored by the survey) is missing too.
    """
    missing = [float("nan")] * len(item_ids)
    records = [_mapping(text) for text in texts]
    try:
        # map() with two sequences calls r.get(item, nan) without a Python loop per item.
        matrix = np.array([list(map(r.get, item_ids, missing)) for r in records], dtype=float)
    except (TypeError, ValueError):
        # Something that is not a number: the careful path names the record and item.
        known = set(item_ids)
        frame = answers_frame(
            [{i: v for i, v in r.items() if i in known} for r in records],
            items=item_ids,
            dont_know_as_missing=False,
        )
        matrix = frame.to_numpy(dtype=float)
    return matrix.reshape(len(records), len(item_ids))


def _answers(
    instrument: Instrument, matrix: np.ndarray, item_ids: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Respondents x items; answers outside 1..scale points (and "don't know") are missing.

    Also returns where the answer was "don't know" (for its share per question).
    """
    dont_know = matrix == instrument.dont_know
    # Answers outside the scale cannot come from the survey; they count as missing.
    matrix[(matrix < 1) | (matrix > instrument.scale_points)] = np.nan
    return pd.DataFrame(matrix, columns=item_ids), dont_know


def _per_unit(unit_of: np.ndarray, mask: np.ndarray) -> dict[int, int]:
    ids, counts = np.unique(unit_of[mask], return_counts=True)
    return {int(u): int(n) for u, n in zip(ids, counts, strict=True)}


# -- the builder --------------------------------------------------------------------------------


def _measure_names(construct_id: str) -> tuple[str, str]:
    return (f"{construct_id}:scored", f"{construct_id}:answered")


class _Builder:
    def __init__(
        self,
        scan: Scan,
        publication: Publication,
        *,
        track: str,
        final: bool,
        now: dt.datetime,
        say: Callable[[str], None],
    ) -> None:
        self.scan = scan
        self.publication = publication
        self.track = track
        self.final = final
        self.now = now
        self.say = say
        self.instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
        # The scales this version computes: constructs, and parts of them (published_keys).
        self.keys = self.instrument.published_keys()
        self.policy = Policy(scan.min_group_size)
        self.results = track == Publication.RESULTS

    # The measures and families the release rule checks: respondents, and for results each
    # construct's respondents with a score and with an answer.
    def families(self) -> dict[str, tuple[str, ...]]:
        out = {RESPONDENTS: (RESPONDENTS,)}
        if self.results:
            out.update({key: _measure_names(key) for key in self.keys})
        return out

    def sensitive_k(self) -> dict[str, int]:
        """The higher minimum of the sensitive constructs (Construct.sensitive), per family."""
        if not self.results:
            return {}
        least = max(self.policy.k, self.instrument.sensitive_min_group_size or 0)
        sensitive = {c.id for c in self.instrument.constructs if c.sensitive}
        construct_of = self.instrument.construct_of
        return {key: least for key in self.keys if construct_of(key) in sensitive}

    def measures(self, data: _Data, mask: np.ndarray) -> dict[str, dict[int, int]]:
        counts = {RESPONDENTS: _per_unit(data.unit_of, mask)}
        if not self.results:
            return counts
        # One pass per measure over dense unit numbers (bincount), not a sort per measure.
        units, dense = np.unique(data.unit_of, return_inverse=True)
        unit_list = units.tolist()
        answered_items = data.answers.notna().to_numpy()
        column = {item: j for j, item in enumerate(data.answers.columns)}

        def per_unit(selected: np.ndarray) -> dict[int, int]:
            n = np.bincount(dense[selected], minlength=len(unit_list))
            return {unit_list[i]: int(n[i]) for i in np.flatnonzero(n).tolist()}

        for key, items in self.keys.items():
            scored_name, answered_name = _measure_names(key)
            scored = data.scores[key].notna().to_numpy()
            answered = answered_items[:, [column[i] for i in items]].any(axis=1)
            counts[scored_name] = per_unit(mask & scored)
            counts[answered_name] = per_unit(mask & answered)
        return counts

    def history(self) -> list[Step]:
        earlier = Publication.objects.filter(
            scan=self.scan, track=self.track, status=Publication.PUBLISHED
        ).order_by("version")
        return [_step_from_meta(p.meta) for p in earlier.only("meta")]

    def run(self) -> Outcome:
        with_bands = (
            self.results
            and self.final
            and not self.scan.interim_results
            and self.scan.max_cut_dimensions > 0
        )
        self.say("reading answers")
        data = _read(self.scan, self.instrument, with_bands=with_bands)
        history = self.history()
        if self.track == Publication.PARTICIPATION:
            # Participation has its own steps; which answers it counts is in its history.
            counted = _counted_from(history)
            data.released = _mark_counted(data.unit_of, counted)
        self.say("deciding what may be shown")
        released = self.measures(data, data.released)
        pending = self.measures(data, ~data.released)
        plan = plan_release(
            units=[GroupCount(u.pk, u.parent_id, 0) for u in data.units],
            released=released,
            pending=pending,
            history=history,
            families=self.families(),
            k=self.policy.k,
            final=self.final,
            capacity=data.invited,
            family_k=self.sensitive_k(),
        )
        entering = np.isin(data.unit_of, np.array(sorted(plan.units), dtype=np.int64)) & ~(
            data.released
        )
        included = data.released | entering
        self.say("computing what may be shown")
        rows = self.group_rows(data, plan, included)
        # Counts over the whole organisation (how many answers the numbers include, the
        # quality page's and the breakdowns' respondents) add up to the organisation's count,
        # and counts over all shown teams to theirs: each is printed only where those are.
        org_count = rows[keys.ORG]["n"] is not None
        every_count = all(row["n"] is not None for row in rows.values() if row["shown"])
        payload = {"respondents": int(included.sum()) if org_count else None}
        previous_scan = None
        if self.results:
            previous_scan = self.add_statistics(rows, data, plan, included)
            if self.final or self.scan.interim_results:
                payload["quality"] = _quality_counts(
                    self.quality(data, plan, included), organisation=org_count, teams=every_count
                )
                if rows[keys.ORG]["shown"]:
                    payload["drivers"] = self.drivers(data, included, with_counts=org_count)
            if self.final:
                payload["open_answers"] = self.open_answers(data, rows, included)
            if with_bands:
                breakdowns = self.breakdowns(data, plan, included)
                payload["breakdowns"] = (
                    breakdowns if org_count else self.breakdowns_without_counts(breakdowns)
                )
        self.say("storing the new version")
        publication = self.write(plan, rows, payload, data, entering, previous_scan)
        lines = _explain(self.scan, publication, plan, data.units)
        return Outcome(self.scan.pk, "published", publication, tuple(lines))

    # -- the tree -------------------------------------------------------------------------------

    def group_rows(self, data: _Data, plan, included: np.ndarray) -> dict[str, dict]:
        """One row per unit, per listed roll-up and for the organisation, in tree order."""
        disclosure = plan.disclosure
        aggregates = disclosure.aggregates()
        subtree = _subtree_counts(data.units, _per_unit(data.unit_of, included))
        # Every roll-up has a row: the tree never forms one that repeats another group's number.
        listed = {r.parent_id: r for r in disclosure.rollups}
        invited_subtree = _subtree_counts(data.units, dict(data.invited))
        rows: dict[str, dict] = {}

        direct_included = _per_unit(data.unit_of, included)
        # Participation and respondent counts of all shown groups are decided together:
        # with the headcounts known, a parent's count minus its children's tells how many
        # of the rest did not answer (Policy.participations).
        decided = self.policy.participations(
            aggregates,
            {u: n for u, n in data.invited.items() if isinstance(u, int)},
            direct_included,
        )

        def participation_figures(figures: Participation) -> dict:
            return {
                "reason": figures.reason,
                "invited": figures.invited,
                "responded": figures.responded,
                "rate": figures.rate,
                "rate_at_least": figures.rate_at_least,
            }

        def participation(key: Hashable) -> dict | None:
            figures = decided.get(key)
            return participation_figures(figures) if figures is not None else None

        def count(key: Hashable, n: int | None) -> int | None:
            figures = decided.get(key)
            return n if figures is not None and figures.count_shown else None

        position = 0
        org_shown = disclosure.organisation_n is not None
        org_participation = participation(ORGANISATION) if org_shown else None
        if not included.any():
            # Nothing counted yet: the pages say "0 of 147 invited" instead of a table of
            # empty rows (Policy.nothing_counted).
            invited = sum(n for u, n in data.invited.items() if isinstance(u, int))
            figures = self.policy.nothing_counted(invited)
            org_participation = participation_figures(figures) if figures.shown else None
        # The organisation always has a row, so that pages can say why it shows nothing.
        rows[keys.ORG] = {
            "key": keys.ORG,
            "unit_id": None,
            "parent_key": "",
            "depth": 0,
            "position": position,
            "shown": org_shown,
            "reason": "shown" if org_shown else REASON_BELOW_K,
            "n": count(ORGANISATION, disclosure.organisation_n),
            "participation": org_participation,
            "members": aggregates.get(ORGANISATION, frozenset()),
        }
        kids: dict[int | None, list[Unit]] = {}
        for unit in data.units:
            kids.setdefault(unit.parent_id, []).append(unit)

        def walk(parent: int | None, depth: int) -> None:
            nonlocal position
            parent_key = keys.ORG if parent is None else keys.unit_key(parent)
            for unit in kids.get(parent, []):
                position += 1
                visibility = disclosure.visible[unit.pk]
                reason = self.policy.hidden_reason(visibility, subtree.get(unit.pk, 0))
                rows[keys.unit_key(unit.pk)] = {
                    "key": keys.unit_key(unit.pk),
                    "unit_id": unit.pk,
                    "parent_key": parent_key,
                    "depth": depth,
                    "position": position,
                    "shown": visibility.shown,
                    "reason": reason,
                    "rolled_into": (
                        keys.encode(visibility.rolled_into)
                        if reason == REASON_ROLLED_UP and visibility.rolled_into is not None
                        else ""
                    ),
                    "n": count(unit.pk, visibility.n_shown) if visibility.shown else None,
                    "participation": participation(unit.pk) if visibility.shown else None,
                    "members": aggregates.get(unit.pk),
                    "invited": invited_subtree.get(unit.pk, 0),
                }
                walk(unit.pk, depth + 1)
            rollup = listed.get(parent)
            if rollup is not None:
                position += 1
                key = keys.encode(rollup.id)
                rows[key] = {
                    "key": key,
                    "unit_id": None,
                    "parent_key": parent_key,
                    "depth": depth,
                    "position": position,
                    "shown": True,
                    "reason": "shown",
                    "n": count(rollup.id, rollup.n),
                    "participation": participation(rollup.id),
                    "members": aggregates[rollup.id],
                    "rollup": {
                        "parent_id": rollup.parent_id,
                        "members": sorted(int(m) for m in rollup.member_ids),
                        "includes_direct": rollup.includes_direct,
                    },
                }

        walk(None, 1)
        return rows

    # -- statistics -----------------------------------------------------------------------------

    def add_statistics(self, rows: dict[str, dict], data: _Data, plan, included) -> Scan | None:
        """Statistics of every shown group on the constructs its family allows; change."""
        keyed = self.keys
        shown_keys = [key for key, row in rows.items() if row["shown"]]
        positions = np.flatnonzero(included)
        # The included rows of each unit: one sort, not a scan of every row per unit.
        order = positions[np.argsort(data.unit_of[positions], kind="stable")]
        unit_ids, starts = np.unique(data.unit_of[order], return_index=True)
        rows_of_unit = (
            dict(zip(unit_ids.tolist(), np.split(order, starts[1:]), strict=True))
            if len(order)
            else {}
        )
        take_parts, code_parts = [], []
        for code, key in enumerate(shown_keys):
            members = [rows_of_unit[u] for u in rows[key]["members"] if u in rows_of_unit]
            if members:
                taken = np.concatenate(members)
                take_parts.append(taken)
                code_parts.append(np.full(taken.shape, code))
        for row in rows.values():
            row["stats"] = {}
        if not take_parts:
            return None
        # Each respondent is in every group above them, so the groups' rows together are
        # several times the answers: computed in chunks of whole groups, which keeps the
        # build's peak memory down (every statistic is computed per group).
        tables, chunk, size = [], [], 0
        for i, part in enumerate(take_parts):
            chunk.append(i)
            size += len(part)
            if size >= _STATISTICS_CHUNK or i == len(take_parts) - 1:
                take = np.concatenate([take_parts[j] for j in chunk])
                codes = np.concatenate([code_parts[j] for j in chunk])
                tables.append(
                    team_statistics(
                        data.scores.iloc[take].reset_index(drop=True),
                        data.answers.iloc[take].reset_index(drop=True),
                        codes,
                        keyed,
                        scale_points=self.instrument.scale_points,
                    ).scales
                )
                chunk, size = [], 0
        table = tables[0] if len(tables) == 1 else pd.concat(tables)
        allowed = {
            family: {keys.encode(key) for key in members}
            for family, members in plan.families.items()
        }
        index = table.index
        codes = index.get_level_values(0).to_numpy(dtype=np.int64)
        constructs = index.get_level_values(1).to_numpy(dtype=object)
        # Which (group, construct) rows may be stored, decided per construct with numpy
        # rather than in the loop below (at 5,000 teams and 54 scales: 300,000 rows).
        keep = np.zeros(len(index), dtype=bool)
        for construct in pd.unique(constructs):
            on = constructs == construct
            family = allowed.get(construct, set())
            ok = np.fromiter((k in family for k in shown_keys), dtype=bool, count=len(shown_keys))
            keep[on] = ok[codes[on]]
        keep &= table["n"].to_numpy(dtype=float, na_value=0) > 0
        keep &= np.isfinite(table["mean"].to_numpy(dtype=float, na_value=np.nan))
        table = table[keep]
        codes_of = codes[keep].tolist()
        constructs_of = constructs[keep].tolist()

        # Plain Python lists, rounded as stored (stored.DIGITS) and None for what is not a
        # number: indexing numpy arrays element by element is slow at 100,000s.
        # (numpy's rounding, not round() per value: 1.8 million calls took 1.4 s at 100,000
        # respondents of Trust Scan v2.)
        def stored(name: str) -> list:
            values = table[name].to_numpy(dtype=float, na_value=np.nan)
            out = np.round(values, DIGITS).astype(object)
            out[~np.isfinite(values)] = None
            return out.tolist()

        n_of = table["n"].to_numpy(dtype=float, na_value=0).tolist()
        mean_of, sd_of = stored("mean"), stored("sd")
        low_of, high_of = stored("ci_low"), stored("ci_high")
        favourable_of, rwg_of = stored("favourable"), stored("rwg_j")
        agreement = table["agreement"].astype(object).tolist()
        sensitive = set(self.sensitive_k())
        for i, code in enumerate(codes_of):
            key = shown_keys[code]
            construct = constructs_of[i]
            n, mean = n_of[i], mean_of[i]
            if construct in sensitive:
                # Sensitive questions: the mean and its count only, never how answers spread.
                rows[key]["stats"][construct] = [int(n), mean, None, None, None, None, None, None]
                continue
            # Stored as it will be written (stored.STAT_FIELDS order): at 5,000 teams a dict
            # per statistic, packed later, cost 2.5 s of a publication.
            rows[key]["stats"][construct] = [
                int(n),
                mean,
                sd_of[i],
                low_of[i],
                high_of[i],
                favourable_of[i],
                agreement[i] if isinstance(agreement[i], str) else None,
                rwg_of[i],
            ]
        previous = self.add_change(rows)
        for row in rows.values():
            if row["shown"] and row["n"] is None:
                row["change_basis"] = {
                    c: [stat["n"], stat["sd"]]
                    for c, stat in ((c, unpack_stat(v)) for c, v in row["stats"].items())
                }
                row["stats"] = {
                    c: pack_stat(_without_count(v))
                    for c, v in row["stats"].items()
                    if len(keyed[c]) * self.policy.k >= 10**MEAN_DIGITS
                }
        return previous

    def add_change(self, rows: dict[str, dict]) -> Scan | None:
        """Change since the previous published scan, for groups and constructs shown in both.

        A group whose count is withheld now or was then still gets its change, computed with
        the counts the builder holds (the previous version's from its ``change_basis``), but
        stored as printed only: means, difference and interval to a tenth and the effect
        size as the conventional bound it reaches, so that no count follows from them.
        """
        before = _previous_published(self.scan)
        for row in rows.values():
            row["change"] = {}
        if before is None:
            return None
        previous_rows = {}
        for group in PublishedGroup.objects.filter(
            publication=before, shown=True, key__in=list(rows)
        ).only("key", "stats", "change_basis"):
            published = {c: unpack_stat(v) for c, v in group.stats.items()}
            basis = {
                c: {**published[c], "n": n, "sd": sd}
                for c, (n, sd) in group.change_basis.items()
                if c in published
            }
            previous_rows[group.key] = (published, {**published, **basis}, bool(basis))
        strict = Policy(max(self.policy.k, before.k))
        sensitive = set(self.sensitive_k())  # their mean only: no change with an interval
        keyed = self.keys
        # Only scales measured with the same items compare: across versions the constructs
        # the file marks comparable; between a full scan and a pulse each construct on the
        # items the pulse asks (stored under the construct's own id either way).
        same = self.instrument.comparable_constructs(
            before.instrument_id, before.instrument_version, before.scan.form
        )
        for key, row in rows.items():
            if key not in previous_rows or not row["shown"]:
                continue
            published, old, withheld_then = previous_rows[key]
            withheld = withheld_then or row["n"] is None
            pairs = [
                (c, old[same[c]], new)
                for c, new in ((c, unpack_stat(v)) for c, v in row["stats"].items())
                if c not in sensitive
                and same.get(c) in old
                and old[same[c]]["n"] is not None
                and strict.change_allowed(old[same[c]]["n"], new["n"])
                and (not withheld or len(keyed[c]) * self.policy.k >= 10**MEAN_DIGITS)
            ]
            if not pairs:
                continue
            frame = change_from_summaries(
                [o["n"] for _c, o, _n in pairs],
                [o["mean"] for _c, o, _n in pairs],
                [o["sd"] if o["sd"] is not None else np.nan for _c, o, _n in pairs],
                [n["n"] for _c, _o, n in pairs],
                [n["mean"] for _c, _o, n in pairs],
                [n["sd"] if n["sd"] is not None else np.nan for _c, _o, n in pairs],
            )
            for (construct, _old_stat, new_stat), values in zip(
                pairs, frame.itertuples(index=False), strict=True
            ):
                change = {
                    "before": published[same[construct]],
                    "after": new_stat,
                    "difference": float(values.difference),
                    "ci_low": _finite(values.ci_low),
                    "ci_high": _finite(values.ci_high),
                    "hedges_g": _finite(values.hedges_g),
                }
                # "fear@pulse" (fear on the pulse's items) is stored as fear's change.
                shown_as = self.instrument.construct_of(construct)
                row["change"][shown_as] = _change_as_printed(change) if withheld else change
        return before.scan

    def quality(self, data: _Data, plan, included) -> dict:
        from trustmirror.results.quality import quality_of

        teams = {u.pk for u in data.units} - {u.parent_id for u in data.units}
        shown_teams = {
            construct: {k for k in members if isinstance(k, int) and k in teams}
            for construct, members in plan.families.items()
            if construct != RESPONDENTS
        }
        return quality_of(
            answers=data.answers[included],
            unit_of=data.unit_of[included],
            instrument=self.instrument,
            policy=self.policy,
            shown_teams=shown_teams,
            scan_id=self.scan.pk,
            languages=data.languages[included],
            dont_know=data.dont_know[included],
        ).to_json()

    def drivers(self, data: _Data, included, *, with_counts: bool) -> list[dict]:
        """The organisation's themes correlated with its outcomes (privacy.drivers)."""
        from trustmirror.analysis.drivers import correlations
        from trustmirror.privacy.drivers import drivers_min_n

        instrument = self.instrument
        scores = data.scores[included].reset_index(drop=True)
        predictors = [t.id for t in instrument.themes if t.id in scores.columns]
        out = []
        for construct in instrument.constructs:
            if construct.id not in DRIVER_OUTCOMES or construct.id not in scores.columns:
                continue
            least = drivers_min_n(
                k=self.policy.k,
                sensitive_min=instrument.sensitive_min_group_size if construct.sensitive else None,
            )
            table = correlations(
                scores, predictors=predictors, outcomes=[construct.id], min_n=least
            )
            out += [
                {
                    "outcome": row.outcome,
                    "predictor": row.predictor,
                    "n": int(row.n) if with_counts else None,
                    # Two decimals, as the page prints them.
                    "r": round(float(row.r), 2),
                    "ci_low": round(float(row.ci_low), 2),
                    "ci_high": round(float(row.ci_high), 2),
                }
                for row in table.itertuples()
            ]
        return out

    def open_answers(self, data: _Data, rows: Mapping[str, dict], included) -> dict:
        """The answers to the open questions that each shown unit and the organisation show.

        Only in the version made at close: between two versions a new comment would be the
        difference, and it would come from whoever answered last. Per question, a group shows
        the answers in the languages :meth:`Policy.comment_languages` allows it, masked
        (:func:`~trustmirror.privacy.comments.mask_comment`, with every person's name and
        every unit's name of the organisation) and in random order, as text only: no
        respondent, time or language is stored with them. A group that shows none has an
        empty list; why is not stored, since "fewer than k in one language" would point at
        the people who write in the other. Roll-ups have no page and show no comments.
        """
        questions = [q.id for q in self.instrument.open_questions]
        if not questions:
            return {}
        wanted = {pk for pk, keep in zip(data.ids, included.tolist(), strict=True) if keep}
        written: dict[str, list[tuple[int, str, str]]] = {q: [] for q in questions}
        for pk, unit_id, language, answers in (
            Response.objects.filter(scan=self.scan, submitted=True)
            .exclude(open_answers={})
            .values_list("id", "unit_id", "language", "open_answers")
        ):
            if pk not in wanted or not isinstance(answers, dict):
                continue
            for question in questions:
                text = answers.get(question)
                if isinstance(text, str) and text.strip():
                    written[question].append((unit_id, language, text))
        groups = {
            key: row["members"] or frozenset()
            for key, row in rows.items()
            if row["shown"] and (key == keys.ORG or row["unit_id"] is not None)
        }
        people = list(
            Person.objects.filter(organisation_id=self.scan.organisation_id).values_list(
                "name", flat=True
            )
        )
        mask = comment_masker(people_names=people, unit_names=[u.name for u in data.units])
        groups_of: dict[int, list[str]] = {}
        for key, members in groups.items():
            for unit_id in members:
                groups_of.setdefault(unit_id, []).append(key)
        out: dict[str, dict[str, list[str]]] = {key: {} for key in groups}
        shuffle = comment_shuffler()
        for question, answers in written.items():
            writers: dict[str, Counter] = {}
            for unit_id, language, _text in answers:
                writers.setdefault(language, Counter())[unit_id] += 1
            allowed = self.policy.comment_languages(groups, writers)
            texts: dict[str, list[str]] = {key: [] for key in groups}
            for unit_id, language, text in answers:
                showing = [key for key in groups_of.get(unit_id, ()) if language in allowed[key]]
                if not showing:
                    continue
                masked = mask(text)
                if not masked:
                    continue
                for key in showing:
                    texts[key].append(masked)
            for key, shown in texts.items():
                shuffle.shuffle(shown)
                out[key][question] = shown
        return {"questions": questions, "groups": out}

    def breakdowns(self, data: _Data, plan, included) -> dict:
        from trustmirror.results.breakdown import breakdowns_of

        return breakdowns_of(
            bands=[b for b, keep in zip(data.bands, included, strict=True) if keep],
            scores=data.scores[included].reset_index(drop=True),
            unit_of=data.unit_of[included],
            instrument=self.instrument,
            policy=self.policy,
            max_dimensions=self.scan.max_cut_dimensions,
            families=plan.families,
        )

    def breakdowns_without_counts(self, breakdowns: dict) -> dict:
        """The breakdowns without cell counts, when the organisation's count is withheld.

        The counts of a cut's cells and its "other" add up to the organisation's; the means
        stay, to a tenth, as far as a rounded mean cannot tell a cell's count either (see
        :func:`_without_count`).
        """
        items = {c: len(v) for c, v in self.instrument.scoring_keys().items()}

        def cell(data: dict | None) -> dict | None:
            if data is None:
                return None
            means = {
                theme: (
                    round(mean, MEAN_DIGITS)
                    if mean is not None and items[theme] * self.policy.k >= 10**MEAN_DIGITS
                    else None
                )
                for theme, mean in data["means"].items()
            }
            return {**data, "n": None, "means": means}

        cuts = {
            name: {**cut, "cells": [cell(c) for c in cut["cells"]], "other": cell(cut["other"])}
            for name, cut in breakdowns.get("cuts", {}).items()
        }
        return {**breakdowns, "cuts": cuts}

    # -- storing --------------------------------------------------------------------------------

    def write(
        self,
        plan,
        rows: dict[str, dict],
        payload: dict,
        data: _Data,
        entering: np.ndarray,
        previous_scan: Scan | None,
    ) -> Publication:
        publication = self.publication
        newly = [data.ids[i] for i in np.flatnonzero(entering)]
        with transaction.atomic():
            last = (
                Publication.objects.filter(
                    scan=self.scan, track=self.track, status=Publication.PUBLISHED
                )
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            _insert_groups(
                [
                    PublishedGroup(
                        publication=publication,
                        key=row["key"],
                        unit_id=row["unit_id"],
                        parent_key=row["parent_key"],
                        depth=row["depth"],
                        position=row["position"],
                        shown=row["shown"],
                        reason=row["reason"],
                        rolled_into=row.get("rolled_into", ""),
                        n=row["n"],
                        participation=row["participation"],
                        stats=row.get("stats", {}),  # packed by add_statistics
                        change={c: pack_change(v) for c, v in row.get("change", {}).items()},
                        rollup=row.get("rollup"),
                        change_basis=row.get("change_basis", {}),
                    )
                    for row in rows.values()
                ]
            )
            if self.track == Publication.RESULTS and newly:
                self.mark_released(plan, newly)
            if self.results and self.final:
                self.publish_modules(publication, rows)
            publication.version = (last or 0) + 1
            publication.status = Publication.PUBLISHED
            publication.published_at = timezone.now()
            publication.final = self.final
            publication.respondents = payload["respondents"]
            publication.previous_scan = previous_scan
            publication.payload = payload
            publication.meta = _meta_from_step(plan.step)
            publication.save()
        return publication

    def publish_modules(self, publication: Publication, rows: Mapping[str, dict]) -> None:
        """The relational round and the leader mirror, in the final version only."""
        if not (self.scan.relational_round or self.scan.leader_mirror):
            return
        team_means = {
            row["unit_id"]: {
                construct: unpack_stat(stat)["mean"]
                for construct, stat in row.get("stats", {}).items()
            }
            for row in rows.values()
            if row["shown"] and row["key"] == keys.unit_key(row["unit_id"])
        }
        leader = {
            construct.id: {item.id: item.key for item in construct.items}
            for construct in self.instrument.constructs_in("leader")
        }
        publish_round(
            publication, self.scan, team_means=team_means, leader_constructs=leader, say=self.say
        )

    def mark_released(self, plan, newly: list) -> None:
        """Record the answers this version includes (one narrow row each).

        A closed scan takes no more answers: all waiting answers of the chosen units are
        recorded with one set-based statement, and should the count differ from what was
        read (an answer committed at the very moment of closing), nothing is published and
        the next attempt includes it. An open scan's answers are recorded by id, since new
        ones may arrive while the version is built.
        """
        if not self.final:
            IncludedResponse.objects.bulk_create(
                [IncludedResponse(response_id=pk, scan_id=self.scan.pk) for pk in newly],
                batch_size=_UPDATE_BATCH,
            )
            return
        included = IncludedResponse._meta.db_table
        responses = Response._meta.db_table
        units = sorted(int(u) for u in plan.units)
        placeholders = ", ".join(["%s"] * len(units))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {included} (response_id, scan_id) "
                f"SELECT r.id, r.scan_id FROM {responses} r "
                f"WHERE r.scan_id = %s AND r.submitted AND r.unit_id IN ({placeholders}) "
                f"AND NOT EXISTS (SELECT 1 FROM {included} i WHERE i.response_id = r.id)",
                [self.scan.pk, *units],
            )
            if cursor.rowcount != len(newly):
                raise RuntimeError("answers arrived while the version was built; try again")


def _insert_groups(groups: list[PublishedGroup]) -> None:
    """Store a version's rows; on PostgreSQL with COPY.

    At 5,000 teams the rows hold some 130,000 statistics. ``bulk_create`` passes each JSON
    column through psycopg's array quoting (a regular expression per value), which took
    2 s of a 15 s publication; COPY with the JSON written by orjson takes a fraction of that.
    The rows are the same either way (a test reads them back on both databases).
    """
    if connection.vendor != "postgresql":
        PublishedGroup.objects.bulk_create(groups, batch_size=_WRITE_BATCH)
        return
    fields = [f for f in PublishedGroup._meta.concrete_fields if not f.primary_key]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(PublishedGroup._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for group in groups:
                copy.write_row(
                    [
                        _json_text(getattr(group, f.attname))
                        if f.attname in json_fields
                        else getattr(group, f.attname)
                        for f in fields
                    ]
                )


def _json_text(value) -> str | None:
    """A JSON column's text as Django would store it: None is SQL NULL."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# -- helpers ------------------------------------------------------------------------------------


# What stays of a statistic when its group's respondent count is withheld: the mean with its
# interval and the share of answers that agree, each to a tenth, and the agreement in words.
# The count, the standard deviation and r_wg(J) go: from any two of n, sd and the interval's
# width the third follows, and r_wg(J) gives the variance. A mean or share to six decimals is
# a fraction that tells its count too; a scale of q questions moves in steps of 1/(q n), and
# to a tenth fits every count n >= k when q k >= 10, so a scale of fewer questions (one
# question, at k = 5) is left out.


def _without_count(stat: Mapping | Sequence) -> dict:
    kept = {"mean", "ci_low", "ci_high", "favourable", "agreement"}
    out = {name: (value if name in kept else None) for name, value in unpack_stat(stat).items()}
    for name in ("mean", "ci_low", "ci_high", "favourable"):
        if out[name] is not None:
            out[name] = round(out[name], MEAN_DIGITS)
    return out


def _change_as_printed(change: Mapping) -> dict:
    """A change stored no finer than a page prints it (a count is withheld on one side).

    From the interval's exact width, the effect size and one side's n and sd, the other
    side's n follows; to a tenth it does not. The effect size is cut (not rounded) to a
    tenth, so that it stays in its conventional band (below 0.2, 0.5, 0.8 or above).
    """

    def tenth(value: float | None) -> float | None:
        return None if value is None else round(value, MEAN_DIGITS)

    g = change["hedges_g"]
    scale = 10**MEAN_DIGITS
    return {
        "before": _without_count(change["before"]),
        "after": _without_count(change["after"]),
        "difference": tenth(change["difference"]),
        "ci_low": tenth(change["ci_low"]),
        "ci_high": tenth(change["ci_high"]),
        "hedges_g": None if g is None else math.trunc(g * scale) / scale,
    }


def _quality_counts(quality: dict, *, organisation: bool, teams: bool) -> dict:
    """The quality figures without the counts that would tell a withheld count.

    Its respondents, each scale's and each model's cases count the organisation; an ICC's
    respondents (and mean team size) count the teams shown on the scale.
    """
    out = dict(quality)
    if not organisation:
        out["respondents"] = None
        out["scales"] = [{**scale, "n": None} for scale in quality.get("scales", [])]
        out["fits"] = [{**fit, "n_complete": None} for fit in quality.get("fits", [])]
    if not teams:
        out["iccs"] = [
            {**one, "n": None, "mean_team_size": None} for one in quality.get("iccs", [])
        ]
    return out


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _subtree_counts(units: list[Unit], direct: Mapping[int, int]) -> dict[int, int]:
    parent_of = {u.pk: u.parent_id for u in units}
    totals = dict.fromkeys(parent_of, 0)
    for unit_id, n in direct.items():
        node = unit_id
        while node is not None and node in totals:
            totals[node] += n
            node = parent_of[node]
    return totals


def _previous_published(scan: Scan) -> Publication | None:
    """The latest results of the organisation's previous scan that published any.

    Only a scan with published results whose organisation total was shown counts: an empty
    or unpublished test scan never becomes "the previous scan".
    """
    candidates = (
        Publication.objects.filter(
            scan__organisation_id=scan.organisation_id,
            scan__opens_on__lt=scan.opens_on,
            track=Publication.RESULTS,
            status=Publication.PUBLISHED,
            groups__key=keys.ORG,
            groups__shown=True,
        )
        .select_related("scan")
        .order_by("-scan__opens_on", "-scan__pk", "-version")
    )
    return candidates.first()


def _meta_from_step(step: Step) -> dict:
    """The release rule's memory of one version, compactly: newcomers per unit and measure as
    columns, each group's members once, and per construct only the groups it leaves out of
    the respondents' family (usually none)."""
    members: dict[str, list[int]] = {}
    names_of: dict[str, list[str]] = {}
    encoded: dict[Hashable, str] = {}  # every family names mostly the same groups
    for family, aggregates in step.families.items():
        names = []
        for key, units in aggregates.items():
            name = encoded.get(key)
            if name is None:
                name = encoded[key] = keys.encode(key)
            if name not in members:
                members[name] = sorted(int(u) for u in units)
            names.append(name)
        names_of[family] = names
    base = names_of.get(RESPONDENTS, [])
    base_set = set(base)
    families: dict[str, object] = {RESPONDENTS: base}
    for family, names in names_of.items():
        if family == RESPONDENTS:
            continue
        present = set(names)
        if present <= base_set:
            families[family] = {"without": [n for n in base if n not in present]}
        else:
            families[family] = names
    units = sorted({int(u) for counts in step.added.values() for u, n in counts.items() if n})
    added = {
        measure: [int(counts.get(u, 0)) for u in units] for measure, counts in step.added.items()
    }
    return {"units": units, "added": added, "families": families, "members": members}


def _step_from_meta(meta: Mapping) -> Step:
    members = {name: frozenset(units) for name, units in meta.get("members", {}).items()}
    stored = meta.get("families", {})
    base = stored.get(RESPONDENTS, [])
    families = {}
    for family, names in stored.items():
        if isinstance(names, Mapping):
            without = set(names.get("without", []))
            names = [n for n in base if n not in without]
        families[family] = {keys.decode(name): members[name] for name in names}
    units = meta.get("units", [])
    added = {
        measure: {int(u): int(n) for u, n in zip(units, counts, strict=True) if n}
        for measure, counts in meta.get("added", {}).items()
    }
    return Step(added=added, families=families)


def _counted_from(history: list[Step]) -> dict[int, int]:
    counted: Counter = Counter()
    for step in history:
        counted.update(step.added.get(RESPONDENTS, {}))
    return dict(counted)


def _mark_counted(unit_of: np.ndarray, counted: Mapping[int, int]) -> np.ndarray:
    """The first ``counted[u]`` responses of each unit count as already counted.

    Participation publishes counts only, so which of a unit's responses are "counted" does
    not matter, only how many; the read order is the database's and carries no meaning.
    """
    marked = np.zeros(len(unit_of), dtype=bool)
    seen: Counter = Counter()
    for i, unit in enumerate(unit_of.tolist()):
        if seen[unit] < counted.get(unit, 0):
            marked[i] = True
            seen[unit] += 1
    return marked


def _explain(scan: Scan, publication: Publication, plan, units: list[Unit]) -> list[str]:
    what = "results" if publication.track == Publication.RESULTS else "participation"
    kind = "final " if publication.final else ""
    shown = sum(1 for v in plan.disclosure.visible.values() if v.shown)
    lines = [
        f"Published {kind}{what} of scan {scan.pk} ({scan.name}), version {publication.version}: "
        f"{_answers_in(publication)}, {shown} of {len(units)} units shown."
    ]
    path = {u.pk: u.path for u in units}
    for unit, n in sorted(plan.held_back.items(), key=lambda item: path.get(item[0], "")):
        lines.append(
            f"  held back: {n} answer(s) of {path.get(unit, unit)}: entering now would let "
            "a group of fewer than k be worked out from this and earlier versions."
        )
    return lines


def _answers_in(publication: Publication) -> str:
    if publication.respondents is None:
        return "the number of answers withheld (it would tell how many did not answer)"
    return f"{publication.respondents} answers in the numbers"
