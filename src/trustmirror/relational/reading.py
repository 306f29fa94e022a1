"""What the pages show of the relational round: read from published versions, in words.

Pages never read :class:`~trustmirror.relational.models.RoundAnswer`; they read the team
pictures and mirrors that publishing stored after :mod:`trustmirror.privacy.relational`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trustmirror.charts.profile import profile_chart
from trustmirror.charts.relational import PATTERN_COLOURS, shares_chart
from trustmirror.charts.svg import Series
from trustmirror.instrument.recommendations import (
    OVERESTIMATED,
    UNDERESTIMATED,
    leader_reflections,
)
from trustmirror.privacy import relational as rules
from trustmirror.relational.models import PublishedMirror, PublishedRound
from trustmirror.relational.pseudonyms import pseudonym
from trustmirror.results import wording
from trustmirror.results.figures import stored_chart
from trustmirror.results.models import Publication
from trustmirror.results.selectors import PublishedResults

__all__ = ["final_results", "mirror_context", "team_round_context"]

MEASURE_LABELS = {
    "reliance": gettext_lazy("Relying on each other"),
    "disclosure": gettext_lazy("Sharing doubts and mistakes"),
}
PART_LABELS = {
    "giver": gettext_lazy("The one who gives trust"),
    "receiver": gettext_lazy("The one who receives it"),
    "relationship": gettext_lazy("The particular pair"),
}
PATTERN_LABELS = {
    "mutual": gettext_lazy("Mutual"),
    "one_sided": gettext_lazy("One-sided"),
    "middle": gettext_lazy("In between"),
    "low_both": gettext_lazy("Low both ways"),
}
READINGS = {
    "giver": gettext_lazy(
        "In this team, trust says most about the one who gives it: some people rely on all "
        "their colleagues more than others do. Talk about what makes it easier or harder for "
        "each of you to rely on others."
    ),
    "receiver": gettext_lazy(
        "In this team, trust says most about the one who receives it: some people are relied "
        "on by nearly everyone more than others. Talk about what the team needs from each of "
        "you to rely on you."
    ),
    "relationship": gettext_lazy(
        "In this team, trust is mostly a matter of the particular pair: who relies on whom "
        "differs from pair to pair. Talk about how the team works across its pairs."
    ),
}
NO_READING = gettext_lazy("No single part stands out in this team.")
VERDICTS = {
    "underestimated": gettext_lazy(
        "You expected less trust than your colleagues gave you: they rely on you more than "
        "you think."
    ),
    "overestimated": gettext_lazy(
        "You expected more trust than your colleagues gave you. Ask them what would help."
    ),
    "about_right": gettext_lazy("You judged well how much your colleagues trust you."),
}
#: A difference between a lead's expectation and the team's view (shown numbers) from which
#: the mirror offers reflections: the half point the page calls worth a conversation.
LEADER_GAP = 0.5

ROUND_REASONS = {
    rules.REASON_ROUND_TOO_SMALL: gettext_lazy(
        "The team is too small for the relational round (fewer than four people)."
    ),
    rules.REASON_ROUND_FEW_RATERS: gettext_lazy(
        "Fewer than %(k)s team members completed the relational round, so it shows nothing."
    ),
    rules.REASON_ROUND_NOT_ESTIMABLE: gettext_lazy(
        "The relational round's answers were too few to estimate how trust is built up here."
    ),
}


def final_results(scan) -> PublishedResults | None:
    """The scan's final published results (the round is only ever in a final version)."""
    publication = (
        Publication.objects.filter(
            scan=scan, track=Publication.RESULTS, status=Publication.PUBLISHED, final=True
        )
        .select_related("scan", "scan__organisation")
        .defer("meta", "payload")
        .order_by("-version")
        .first()
    )
    return PublishedResults(publication) if publication is not None else None


def _dyadic_text(value: float | None) -> str | None:
    """Dyadic reciprocity (the relationship covariance as a correlation) in words.

    Only dyadic reciprocity is put into words: generalized reciprocity rests on the two
    person-level variances, which a team of a few people estimates too roughly.
    """
    if value is None:
        return None
    if value >= 0.3:
        return _(
            "Within pairs trust is largely returned: who relies on a colleague tends to be "
            "relied on by that colleague."
        )
    if value <= -0.3:
        return _("Within pairs trust tends to run one way.")
    return _("Within pairs, whether trust is returned differs from pair to pair.")


@dataclass(frozen=True)
class TeamRound:
    shown: bool
    reason: str
    raters: int | None = None
    reading: str = ""
    build_chart: str = ""
    pattern_chart: str = ""
    lines: tuple = ()
    pairs: int | None = None


def team_round_context(results: PublishedResults, unit, *, charts: bool = True) -> TeamRound | None:
    """The team's picture, or why there is none; None if the team was not in a round.

    ``charts=False`` leaves the two charts out (a person's mirror shows only the reading,
    and should not draw charts that nobody may have asked for yet).
    """
    if not results.publication.final:
        return None
    row = PublishedRound.objects.filter(publication=results.publication, unit=unit).first()
    if row is None:
        return None
    if not row.shown:
        reason = ROUND_REASONS.get(row.reason, ROUND_REASONS[rules.REASON_ROUND_FEW_RATERS])
        return TeamRound(shown=False, reason=str(reason) % {"k": results.k})
    data = row.data
    measures = data["measures"]

    def draw_build() -> str:
        names = list(measures)
        return shares_chart(
            chart_id="round-build",
            rows=[str(MEASURE_LABELS[m]) for m in names],
            parts=[str(PART_LABELS[p]) for p in PART_LABELS],
            values=[[(measures[m]["shares"] or {}).get(p) for p in PART_LABELS] for m in names],
            title=_("What trust in this team says most about"),
            summary="; ".join(
                f"{MEASURE_LABELS[m]}: "
                + ", ".join(
                    f"{PART_LABELS[p]} {(measures[m]['shares'] or {}).get(p, 0)} %"
                    for p in PART_LABELS
                )
                for m in names
            ),
            missing_label=_("not estimable"),
        )

    def draw_patterns() -> str:
        patterns = data.get("patterns") or {}
        return shares_chart(
            chart_id="round-pairs",
            rows=[_("Pairs in the team")],
            parts=[str(PATTERN_LABELS[p]) for p in PATTERN_LABELS],
            values=[[patterns.get(p) for p in PATTERN_LABELS]],
            title=_("How mutual trust is within pairs"),
            summary=", ".join(
                f"{PATTERN_LABELS[p]} {patterns.get(p, 0)} %" for p in PATTERN_LABELS
            ),
            missing_label=_("not enough pairs"),
            colours=PATTERN_COLOURS,
        )

    lines = [
        (MEASURE_LABELS[measure], text)
        for measure, values in measures.items()
        if (text := _dyadic_text(values.get("dyadic")))
    ]
    return TeamRound(
        shown=True,
        reason="",
        raters=data.get("raters"),
        reading=str(READINGS.get(data.get("reading"), NO_READING)),
        build_chart=stored_chart(results, f"round-build:{unit.pk}", draw_build) if charts else "",
        pattern_chart=stored_chart(results, f"round-pairs:{unit.pk}", draw_patterns)
        if charts and data.get("patterns")
        else "",
        lines=tuple(lines),
        pairs=data.get("pairs"),
    )


def mirror_context(results: PublishedResults, person) -> dict | None:
    """``person``'s own mirror in words and numbers, or None when there is none."""
    key = pseudonym(results.scan.pk, person.pk)
    row = PublishedMirror.objects.filter(publication=results.publication, pseudonym=key).first()
    if row is None:
        return None
    data: Mapping = row.data
    measures, raw = [], []
    for measure in ("reliance", "disclosure"):
        team = (data.get("team") or {}).get(measure)
        given = (data.get("given") or {}).get(measure)
        received = (data.get("received") or {}).get(measure)
        if team is None and given is None:
            continue
        measures.append(
            {
                "label": MEASURE_LABELS[measure],
                "team": _number(team),
                "given": _number(given),
                "received": _number(received),
            }
        )
        raw.append(
            {
                "label": str(MEASURE_LABELS[measure]),
                "team": team,
                "given": given,
                "received": received,
            }
        )
    prediction = data.get("prediction")
    leader = [
        {
            "label": results.instrument.construct(construct).label[wording.reader_language()],
            "predicted": _number(values["predicted"]),
            "team": _number(values["team"]),
            "difference": wording.signed(values["team"] - values["predicted"]),
            "raw_predicted": values["predicted"],
            "raw_team": values["team"],
        }
        for construct, values in (data.get("leader") or {}).items()
    ]
    return {
        "leader_reflections": _leader_reflections(results, data.get("leader") or {}),
        "measures": measures,
        "measures_chart": _mirror_chart(
            results,
            key=f"mirror-trust:{key}",
            chart_id="mirror-trust-chart",
            title=_("Trust you give and receive, beside your team"),
            categories=[m["label"] for m in raw],
            series=[
                (_("You give"), [m["given"] for m in raw]),
                (_("You receive"), [m["received"] for m in raw]),
                (_("Team average"), [m["team"] for m in raw]),
            ],
        )
        if raw
        else "",
        "leader_chart": _mirror_chart(
            results,
            key=f"mirror-leader:{key}",
            chart_id="mirror-leader-chart",
            title=_("Your view and your team's view of you as a manager"),
            categories=[line["label"] for line in leader],
            series=[
                (_("You expected"), [line["raw_predicted"] for line in leader]),
                (_("Your team"), [line["raw_team"] for line in leader]),
            ],
        )
        if leader
        else "",
        "prediction": (
            {
                "expected": _number(prediction["expected"]),
                "received": _number(prediction["received"]),
                "verdict": VERDICTS[prediction["verdict"]],
            }
            if prediction
            else None
        ),
        "leader": leader,
        "min_raters": rules.MIN_RATERS_RECEIVED,
        "team_round": team_round_context(results, row.unit, charts=False),
        "unit": row.unit,
    }


def _leader_reflections(results: PublishedResults, leader: Mapping) -> list[dict]:
    """Reflections that fit the direction of each clear gap in a lead's self-other mirror.

    Where the team sees the lead lower than the lead expected (by at least
    :data:`LEADER_GAP` on the numbers shown), that construct's reflections and the general
    ones for overestimating; where higher, the general ones for underestimating. Nothing
    where the lead read the team well.
    """
    lang = wording.reader_language()
    gaps = {
        construct: round(round(values["team"], 1) - round(values["predicted"], 1), 1)
        for construct, values in leader.items()
        if values.get("team") is not None and values.get("predicted") is not None
    }
    lower = sorted((c for c, gap in gaps.items() if gap <= -LEADER_GAP), key=gaps.get)
    higher = sorted((c for c, gap in gaps.items() if gap >= LEADER_GAP), key=lambda c: -gaps[c])

    def names(constructs: list[str]) -> str:
        return ", ".join(results.instrument.construct(c).label[lang] for c in constructs)

    blocks = []
    if lower:
        texts = [text for c in lower for text in leader_reflections(c, lang)]
        blocks.append(
            {
                "direction": OVERESTIMATED,
                "intro": _("Your team sees you lower than you expected on: %(scales)s.")
                % {"scales": names(lower)},
                "texts": texts + leader_reflections(None, lang, direction=OVERESTIMATED),
            }
        )
    if higher:
        blocks.append(
            {
                "direction": UNDERESTIMATED,
                "intro": _("Your team sees you higher than you expected on: %(scales)s.")
                % {"scales": names(higher)},
                "texts": leader_reflections(None, lang, direction=UNDERESTIMATED),
            }
        )
    return blocks


def _mirror_chart(results, *, key, chart_id, title, categories, series) -> str:
    """A person's own levels as grouped bars on the answer scale.

    Drawn at the person's first view and kept with the publication under ``key`` (their
    pseudonym), like the mirror itself: it shows nothing the stored mirror does not hold.
    """
    return stored_chart(
        results,
        key,
        lambda: _draw_mirror_chart(
            results, chart_id=chart_id, title=title, categories=categories, series=series
        ),
    )


def _draw_mirror_chart(results, *, chart_id, title, categories, series) -> str:
    drawn = [Series(label=str(label), values=values) for label, values in series]
    summary = "; ".join(
        f"{one.label}: "
        + ", ".join(
            f"{category}: {wording.number(value) if value is not None else '–'}"
            for category, value in zip(categories, one.values, strict=True)
        )
        for one in drawn
    )
    return profile_chart(
        chart_id=chart_id,
        categories=[str(c) for c in categories],
        series=drawn,
        title=str(title),
        summary=summary,
        suppressed_label=_("not shown"),
        midpoint_label=_("neutral (%(mid)s)") % {"mid": wording.midpoint_text(results.instrument)},
        scale=(1, results.instrument.scale_points),
        decimal=formats.get_format("DECIMAL_SEPARATOR"),
    )


def _number(value: float | None) -> str | None:
    return None if value is None else wording.number(value)
