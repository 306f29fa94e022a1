"""The relational round's part of a scan's final published results.

Called by :mod:`trustmirror.results.publishing` inside the transaction that writes the final
version (never for an interim one, :mod:`trustmirror.privacy.relational` says why), so a
version holds its team pictures and mirrors or nothing at all. Everything stored here passed
:mod:`trustmirror.privacy.relational`:

* :class:`~trustmirror.relational.models.PublishedRound` per team in the round: the shares
  of the giver, the receiver and the relationship in trust (Social Relations Model,
  :func:`trustmirror.analysis.srm.fit`, per team), dyadic and generalized reciprocity, and
  the shares of mutual, one-sided and low pairs (:mod:`trustmirror.analysis.dyads`);
* :class:`~trustmirror.relational.models.PublishedMirror` per person who completed the round
  in a shown team (trust given, received, and the prediction of it) and per lead who made a
  prediction (beside the team's published view of them).

A scan set to purge its ratings deletes the raw round answers and predictions in the same
transaction, keeping only what was published.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from trustmirror.analysis import dyads, srm
from trustmirror.privacy import relational as rules
from trustmirror.relational.models import (
    LeaderPrediction,
    PublishedMirror,
    PublishedRound,
    RoundAnswer,
    RoundEntry,
)
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.surveys.models import Invitation, Scan

__all__ = ["MEASURES", "publish_round"]

#: The two trust ratings of the round; meta-perception is compared with their mean.
MEASURES = ("reliance", "disclosure")
_VARIANCES = {
    "giver": "actor variance",
    "receiver": "partner variance",
    "relationship": "relationship variance",
}
#: A prediction within this distance of what was received reads "about right".
CLOSE_ENOUGH = 0.5


def publish_round(
    publication,
    scan: Scan,
    *,
    team_means: Mapping[int, Mapping[str, float | None]],
    leader_constructs: Mapping[str, Mapping[str, int]],
    say: Callable[[str], None] = lambda _text: None,
) -> dict:
    """Store the round's team pictures and mirrors for ``publication``; return counts.

    ``team_means`` gives, per unit id, the published mean of each construct where the core
    results show it (None or absent otherwise). ``leader_constructs`` maps each leader
    construct to its scoring key ``{item id: +1/-1}``.
    """
    members = _members(scan)
    pictures: list[PublishedRound] = []
    mirrors: dict[str, dict] = defaultdict(dict)
    mirror_units: dict[str, int] = {}
    if scan.relational_round:
        say("estimating the relational round")
        submitted = _submitted_raters(scan)
        frame = _ratings(scan, submitted)
        shown = [
            unit_id
            for unit_id, raters in submitted.items()
            if rules.round_visibility(
                members=members.get(unit_id, 0),
                raters=len(raters),
                k=scan.min_group_size,
                min_size=scan.round_min_size,
            )
            == rules.REASON_ROUND_SHOWN
        ]
        estimable = frame[frame["unit"].isin(shown)] if not frame.empty else frame
        # Every table in one pass over all teams, then only dictionary look-ups per team and
        # person (a filter per team grows with the square of the number of teams).
        fitted = {measure: _fit_teams(estimable, measure) for measure in MEASURES}
        patterns = (
            dyads.pair_patterns(estimable, value="trust", group="unit").to_dict("index")
            if len(estimable)
            else {}
        )
        counts = _person_counts(estimable)
        for unit_id in sorted(set(members) | set(submitted)):
            picture, personal = _team(
                scan,
                unit_id,
                members.get(unit_id, 0),
                submitted,
                fitted,
                patterns.get(unit_id),
                counts,
            )
            pictures.append(picture)
            for person, data in personal.items():
                mirrors[person].update(data)
                mirror_units[person] = unit_id
    if scan.leader_mirror:
        for prediction in LeaderPrediction.objects.filter(scan=scan, submitted=True):
            leader = _leader(prediction, team_means.get(prediction.unit_id, {}), leader_constructs)
            if leader:
                mirrors[prediction.lead]["leader"] = leader
                mirror_units.setdefault(prediction.lead, prediction.unit_id)
    PublishedRound.objects.bulk_create(
        [PublishedRound(publication=publication, **_fields(p)) for p in pictures]
    )
    PublishedMirror.objects.bulk_create(
        [
            PublishedMirror(
                publication=publication, unit_id=mirror_units[person], pseudonym=person, data=data
            )
            for person, data in sorted(mirrors.items())
        ]
    )
    if scan.purge_ratings:
        RoundAnswer.objects.filter(scan=scan).delete()
        LeaderPrediction.objects.filter(scan=scan).delete()
    return {"teams": sum(p.shown for p in pictures), "mirrors": len(mirrors)}


def _fields(picture: PublishedRound) -> dict:
    return {
        "unit_id": picture.unit_id,
        "shown": picture.shown,
        "reason": picture.reason,
        "data": picture.data,
    }


def _members(scan: Scan) -> dict[int, int]:
    """Invited people per team: the round's team sizes."""
    units = Invitation.objects.filter(scan=scan).values_list("person__unit_id", flat=True)
    return dict(Counter(units))


def _submitted_raters(scan: Scan) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    rows = RoundEntry.objects.filter(scan=scan, state=RoundEntry.SUBMITTED)
    for unit_id, rater in rows.values_list("unit_id", "rater"):
        out[unit_id].add(rater)
    return dict(out)


def _ratings(scan: Scan, submitted: Mapping[int, set[str]]) -> pd.DataFrame:
    """Every answer of a completed round between two people who both completed it."""
    rows = RoundAnswer.objects.filter(scan=scan, skipped=False).values_list(
        "unit_id", "rater", "target", *MEASURES, "meta"
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["unit", "perceiver", "target", *MEASURES, "meta"]
    )
    if frame.empty or not submitted:
        return frame.iloc[0:0]
    # (unit, person) of everyone who completed the round there: both ends of a rating must be.
    done = pd.MultiIndex.from_tuples(
        [(unit, person) for unit, people in submitted.items() for person in people]
    )
    keep = pd.MultiIndex.from_arrays([frame["unit"], frame["perceiver"]]).isin(
        done
    ) & pd.MultiIndex.from_arrays([frame["unit"], frame["target"]]).isin(done)
    frame = frame[keep].copy()
    for column in (*MEASURES, "meta"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["trust"] = frame[list(MEASURES)].mean(axis=1, skipna=True)
    return frame


@dataclass(frozen=True)
class _Fitted:
    """One measure's Social Relations Model for every estimable team, as look-ups."""

    components: dict[int, dict[str, float]]  # unit -> component -> estimate (+ correlations)
    grand_mean: dict[int, float]
    levels: dict[str, tuple[float, float]]  # person -> (given, received) on the scale


@dataclass(frozen=True)
class _Counts:
    """Per person: ratings received per measure, trust received, meta-perceptions given."""

    received: dict[str, dict]  # person -> {(measure, "count"): n, ("trust", "mean"): m, ...}
    expected: dict[str, dict]  # person -> {"count": n, "mean": m}


def _person_counts(frame: pd.DataFrame) -> _Counts:
    if frame.empty:
        return _Counts({}, {})
    received = frame.groupby("target")[[*MEASURES, "trust"]].agg(["count", "mean"])
    expected = frame.groupby("perceiver")["meta"].agg(["count", "mean"])
    return _Counts(received.to_dict("index"), expected.to_dict("index"))


def _team(
    scan: Scan,
    unit_id: int,
    members: int,
    submitted: Mapping[int, set[str]],
    fitted: Mapping[str, _Fitted],
    patterns: Mapping[str, int] | None,
    counts: _Counts,
) -> tuple[PublishedRound, dict[str, dict]]:
    raters = submitted.get(unit_id, set())
    reason = rules.round_visibility(
        members=members, raters=len(raters), k=scan.min_group_size, min_size=scan.round_min_size
    )
    hidden = PublishedRound(unit_id=unit_id, shown=False, reason=reason)
    if reason != rules.REASON_ROUND_SHOWN:
        return hidden, {}
    if any(unit_id not in fitted[measure].components for measure in MEASURES):
        hidden.reason = rules.REASON_ROUND_NOT_ESTIMABLE
        return hidden, {}
    data: dict = {"raters": len(raters), "measures": {}}
    for measure in MEASURES:
        components = fitted[measure].components[unit_id]
        data["measures"][measure] = {
            "shares": rules.shares(
                {part: components.get(name) for part, name in _VARIANCES.items()}
            ),
            "generalized": _correlation(components, "generalized"),
            "dyadic": _correlation(components, "dyadic"),
            "mean": rules.level(fitted[measure].grand_mean[unit_id]),
        }
    pairs = int(patterns["pairs"]) if patterns else 0
    data["pairs"] = pairs
    data["patterns"] = (
        rules.shares({name: float(patterns[name]) for name in dyads.PATTERNS}) if pairs else None
    )
    data["reading"] = _reading(data["measures"])
    picture = PublishedRound(
        unit_id=unit_id, shown=True, reason=rules.REASON_ROUND_SHOWN, data=data
    )
    return picture, _personal(raters, fitted, counts, data)


def _fit_teams(frame: pd.DataFrame, measure: str) -> _Fitted:
    """Every team's Social Relations Model for one measure, in one vectorised fit.

    Per team its components (estimates, with the generalized and dyadic reciprocity
    correlations) and mean; per person the levels given and received (actor and partner
    effects plus the team's mean). A team the model cannot estimate (fewer than four people
    left after the exclusions of :func:`trustmirror.analysis.srm.fit`) is absent.
    """
    empty = _Fitted({}, {}, {})
    rows = frame[["unit", "perceiver", "target", measure]].dropna()
    if rows.empty:
        return empty
    try:
        result = srm.fit(
            rows, perceiver="perceiver", target="target", value=measure, group="unit", se=None
        )
    except ValueError:
        # Every team left fewer than four people after the model's exclusions (the only
        # refusal possible here: the rows come from the database's own checked columns).
        return empty
    if result.group_summary.empty:
        return empty
    table = result.groups.set_index(["group", "component"])
    components = table["estimate"].unstack("component").to_dict("index")
    standardized = table["standardized"].unstack("component")
    generalized = standardized["actor-partner covariance"].to_dict()
    dyadic = standardized["relationship covariance"].to_dict()
    for unit, values in components.items():
        values["generalized"] = generalized[unit]
        values["dyadic"] = dyadic[unit]
    effects = result.effects_gm()
    levels = dict(
        zip(
            effects["person"].tolist(),
            zip(effects["actor"].tolist(), effects["partner"].tolist(), strict=True),
            strict=True,
        )
    )
    return _Fitted(
        components={int(unit): values for unit, values in components.items()},
        grand_mean={int(u): float(m) for u, m in result.group_summary["grand_mean"].items()},
        levels=levels,
    )


def _correlation(components: Mapping[str, float], name: str) -> float | None:
    value = components.get(name)
    if value is None or not math.isfinite(value):
        return None
    return round(max(-1.0, min(1.0, value)), 1)


def _reading(measures: Mapping[str, dict]) -> str | None:
    """Which part says most about trust in this team: ``giver``, ``receiver`` or
    ``relationship`` (the largest mean share over the measures), None if not estimable."""
    totals: Counter = Counter()
    for measure in measures.values():
        for part, share in (measure["shares"] or {}).items():
            totals[part] += share
    if not totals:
        return None
    ranked = totals.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _personal(
    raters: set[str], fitted: Mapping[str, _Fitted], counts: _Counts, picture: dict
) -> dict[str, dict]:
    """Each rater's own mirror: given, received (with 3 raters or more), and the prediction."""
    out: dict[str, dict] = {}
    for person in sorted(raters):
        mine: dict = {"given": {}, "received": {}, "team": {}}
        got = counts.received.get(person)
        for measure in MEASURES:
            mine["team"][measure] = picture["measures"][measure]["mean"]
            level = fitted[measure].levels.get(person)
            if level is None:
                continue
            mine["given"][measure] = rules.level(level[0])
            raters_of_person = int(got[(measure, "count")]) if got else 0
            if rules.received_visible(team_shown=True, raters_of_person=raters_of_person):
                mine["received"][measure] = rules.level(level[1])
        guessed = counts.expected.get(person)
        if (
            guessed
            and got
            and guessed["count"] >= rules.MIN_RATERS_RECEIVED
            and rules.received_visible(
                team_shown=True, raters_of_person=int(got[("trust", "count")])
            )
        ):
            guess, truth = float(guessed["mean"]), float(got[("trust", "mean")])
            mine["prediction"] = {
                "expected": rules.level(guess),
                "received": rules.level(truth),
                "verdict": _verdict(guess, truth),
            }
        out[person] = mine
    return out


def _verdict(expected: float, received: float) -> str:
    if expected < received - CLOSE_ENOUGH:
        return "underestimated"
    if expected > received + CLOSE_ENOUGH:
        return "overestimated"
    return "about_right"


def _leader(
    prediction: LeaderPrediction,
    team: Mapping[str, float | None],
    constructs: Mapping[str, Mapping[str, int]],
) -> dict:
    """Per leader construct the lead's predicted mean beside the team's published mean."""
    out = {}
    for construct, key in constructs.items():
        values = [
            (6 - answer if sign < 0 else answer)
            for item, sign in key.items()
            if isinstance(answer := prediction.answers.get(item), int) and 1 <= answer <= 5
        ]
        published = team.get(construct)
        if not values or published is None:
            continue
        out[construct] = {
            "predicted": rules.level(sum(values) / len(values)),
            "team": rules.level(published),
        }
    return out


def person_pseudonym(scan: Scan, person) -> str:
    """The pseudonym under which ``person``'s mirror of ``scan`` is stored."""
    return pseudonym(scan.pk, person.pk)
