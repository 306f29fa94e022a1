"""The analysts' page on measurement quality: reliability, factor fit and ICCs of one scan.

Only organisation admins and analysts reach it (everyone else gets a 404). The numbers were
computed when the results were published (:mod:`trustmirror.results.quality`) and are read
from the latest version; this module only puts them into words in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.instrument import Instrument
from trustmirror.results import figures, quality
from trustmirror.results.quality import FactorFit, MeasurementQuality, ScaleICC, ScaleReliability
from trustmirror.results.selectors import published_results
from trustmirror.results.views.common import analysed_scan, status_context
from trustmirror.results.wording import coefficient, reader_language

VERDICTS = {
    "good": (
        gettext_lazy("Good"),
        gettext_lazy("The questions measure one thing consistently."),
    ),
    "acceptable": (
        gettext_lazy("Acceptable for group comparisons"),
        gettext_lazy("Good enough to compare groups, too noisy to judge one person."),
    ),
    "care": (
        gettext_lazy("Interpret with care"),
        gettext_lazy("The questions hang together weakly: check the weakest one first."),
    ),
}

# The verdict of Dutch against English, in plain words for analysts (codes of
# trustmirror.analysis.invariance; every refusal reads the same here).
INVARIANCE_VERDICTS = {
    "comparable_scores": gettext_lazy(
        "Comparable: Dutch and English measure these scales the same way and on the same "
        "scale, so their means may be compared."
    ),
    "comparable_relations": gettext_lazy(
        "Partly comparable: the questions measure the same thing in both languages, but not on "
        "the same scale. Compare how the scales relate to each other, not their means."
    ),
    "not_comparable_metric": gettext_lazy(
        "Not comparable: the questions weigh differently in Dutch and English. Do not compare "
        "Dutch- and English-speaking groups on these scales."
    ),
    "not_comparable_configural": gettext_lazy(
        "Not comparable: the model does not fit the two languages. Do not compare Dutch- and "
        "English-speaking groups on these scales."
    ),
    "not_converged": gettext_lazy("No verdict: the models could not be estimated."),
}
INVARIANCE_REFUSED = gettext_lazy(
    "Not tested: too few complete answers in one of the languages, or a question everyone "
    "answered alike."
)


@dataclass(frozen=True)
class InvarianceLine:
    label: str
    factors: str
    verdict_code: str
    verdict: str
    configural: str = ""
    metric: str = ""
    scalar: str = ""


FIT_LEVELS = {
    "good": gettext_lazy("good"),
    "acceptable": gettext_lazy("acceptable"),
    "poor": gettext_lazy("poor"),
}


@dataclass(frozen=True)
class ScaleLine:
    """One scale's reliability as the page shows it."""

    label: str
    group: str
    n_items: int
    shown: bool
    n: int | None = None
    raw_alpha: str = ""
    std_alpha: str = ""
    omega: str = ""
    weakest: str = ""
    weakest_r: str = ""
    dont_know: str = ""
    flagged: tuple[str, ...] = ()
    verdict_code: str = ""
    verdict: str = ""
    explanation: str = ""
    note: str = ""


@dataclass(frozen=True)
class Index:
    """One fit index: its value and how it compares with the usual cut-offs."""

    name: str
    value: str
    level: str = ""
    level_text: str = ""


@dataclass(frozen=True)
class FitLine:
    label: str
    factors: str
    left_out: str
    n_items: int
    n_complete: int | None
    shown: bool
    indices: tuple[Index, ...] = ()
    warning: str = ""
    note: str = ""


@dataclass(frozen=True)
class ICCLine:
    label: str
    shown: bool
    teams: int
    n: int | None
    icc1: str = ""
    icc2: str = ""
    meaning: str = ""
    note: str = ""


@login_required
@require_GET
def scan_quality(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = analysed_scan(request, org, scan_id)
    results, _participation = published_results(scan)
    lang = reader_language()
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.VIEW_RESULTS,
        target=f"scan {scan.pk} quality",
    )
    context = {
        "organisation": organisation,
        "scan": scan,
        "k": results.k if results else scan.min_group_size,
        "min_cfa_cases": quality.MIN_CFA_CASES,
        "results": results,
        **status_context(scan, results),
    }
    stored = results.publication.payload.get("quality") if results is not None else None
    if stored is None:
        return render(request, "results/quality.html", context)
    numbers = MeasurementQuality.from_json(stored)
    instrument = results.instrument
    context["quality"] = numbers
    if numbers.shown:
        context.update(
            {
                "scales": [_scale_line(s, instrument, numbers, lang) for s in numbers.scales],
                "reliability_chart": figures.quality_figure(results, numbers),
                "fits": [_fit_line(f, instrument, lang) for f in numbers.fits],
                "iccs": [_icc_line(i, instrument, numbers, lang) for i in numbers.iccs],
                "invariance": [_invariance_line(i, instrument, lang) for i in numbers.invariance],
                "languages_compared": numbers.languages_compared,
                "min_invariance_cases": quality.MIN_INVARIANCE_CASES,
                "icc_counts_withheld": any(
                    i.n is None for i in numbers.iccs if i.status == quality.OK
                ),
            }
        )
    return render(request, "results/quality.html", context)


def _invariance_line(one, instrument: Instrument, lang: str) -> InvarianceLine:
    def fit(level: str) -> str:
        values = (one.fits or {}).get(level)
        if not values:
            return ""
        return f"CFI {coefficient(values['cfi'])}, RMSEA {coefficient(values['rmsea'])}"

    def step(level: str) -> str:
        values = (one.steps or {}).get(level)
        if not values or values["delta_cfi"] is None:
            return ""
        return "ΔCFI {:+.3f}, ΔRMSEA {:+.3f}".format(
            values["delta_cfi"], values["delta_rmsea"] or 0.0
        ).replace(".", formats.get_format("DECIMAL_SEPARATOR"))

    return InvarianceLine(
        label=instrument.group(one.group_id).label[lang],
        factors=", ".join(instrument.construct(c).label[lang] for c in one.factors),
        verdict_code=one.verdict,
        verdict=str(INVARIANCE_VERDICTS.get(one.verdict, INVARIANCE_REFUSED)),
        configural=fit("configural"),
        metric=step("metric"),
        scalar=step("scalar"),
    )


def _scale_line(
    scale: ScaleReliability, instrument: Instrument, numbers: MeasurementQuality, lang: str
) -> ScaleLine:
    construct = instrument.construct(scale.construct_id)
    shares = numbers.dont_know or {}
    base = {
        "label": construct.label[lang],
        "group": instrument.group(construct.group).label[lang],
        "n_items": scale.n_items,
        # Each question's share of "don't know", in the scale's order: "lab1 2 %, lab2 4 %".
        "dont_know": ", ".join(
            f"{item.id} {round(shares[item.id] * 100)} %"
            for item in construct.items
            if item.id in shares
        ),
    }
    if scale.status == quality.ONE_ITEM:
        return ScaleLine(
            **base,
            shown=False,
            note=_("One item: no reliability. A single question has no consistency to estimate."),
        )
    if scale.status == quality.TOO_FEW:
        return ScaleLine(
            **base,
            shown=False,
            note=_("Fewer than %(k)s people answered these questions: not shown.")
            % {"k": numbers.k},
        )
    if scale.status != quality.OK:
        return ScaleLine(
            **base,
            shown=False,
            note=_(
                "Cannot be computed on these answers (for instance, everyone gave the same "
                "answer to one of the questions)."
            ),
        )
    verdict, explanation = VERDICTS[scale.verdict or "care"]
    weakest = ""
    if scale.weakest_item is not None:
        weakest = _("%(item)s “%(text)s”") % {
            "item": scale.weakest_item,
            "text": instrument.items[scale.weakest_item].text[lang],
        }
    flagged = tuple(
        _("Without %(item)s “%(text)s” alpha would be %(alpha)s.")
        % {
            "item": item,
            "text": instrument.items[item].text[lang],
            "alpha": coefficient(value),
        }
        for item, value in scale.better_without
    )
    return ScaleLine(
        **base,
        shown=True,
        n=scale.n,
        raw_alpha=coefficient(scale.raw_alpha),
        std_alpha=coefficient(scale.std_alpha),
        omega=coefficient(scale.omega),
        weakest=weakest,
        weakest_r=coefficient(scale.weakest_r),
        flagged=flagged,
        verdict_code=scale.verdict or "care",
        verdict=str(verdict),
        explanation=str(explanation),
    )


def _fit_line(fit: FactorFit, instrument: Instrument, lang: str) -> FitLine:
    base = {
        "label": instrument.group(fit.group_id).label[lang],
        "factors": ", ".join(instrument.construct(c).label[lang] for c in fit.factors),
        "left_out": ", ".join(instrument.construct(c).label[lang] for c in fit.left_out),
        "n_items": fit.n_items,
        "n_complete": fit.n_complete,
    }
    if fit.status == quality.SATURATED:
        note = _(
            "Not testable: with one factor over three questions the model reproduces the "
            "answers exactly, whatever they are."
        )
        return FitLine(**base, shown=False, note=note)
    if fit.status == quality.TOO_FEW and fit.n_complete is None:
        note = _(
            "Not estimated: fewer than %(min)s respondents answered every question of this model."
        ) % {"min": quality.MIN_CFA_CASES}
        return FitLine(**base, shown=False, note=note)
    if fit.status == quality.TOO_FEW:
        note = _(
            "Not estimated: %(n)s respondents answered every question of this model; at "
            "least %(min)s are needed."
        ) % {"n": fit.n_complete, "min": quality.MIN_CFA_CASES}
        return FitLine(**base, shown=False, note=note)
    if fit.status == quality.NOT_CONVERGED:
        note = _("The model did not converge on these answers, so no fit is reported.")
        return FitLine(**base, shown=False, note=note)
    if fit.status not in (quality.OK, quality.IMPROPER):
        note = _(
            "The model cannot be estimated on these answers (for instance, a question "
            "without variation)."
        )
        return FitLine(**base, shown=False, note=note)
    indices = (
        Index("χ²/df", coefficient(fit.chi2_df)),
        _index("CFI", fit.cfi, good=0.95, acceptable=0.90, higher_is_better=True),
        _index("TLI", fit.tli, good=0.95, acceptable=0.90, higher_is_better=True),
        _index("RMSEA", fit.rmsea, good=0.06, acceptable=0.08, higher_is_better=False),
        _index("SRMR", fit.srmr, good=0.08, acceptable=0.08, higher_is_better=False),
    )
    warning = ""
    if fit.status == quality.IMPROPER:
        warning = _(
            "Improper solution (a residual variance of zero or less, or two factors that "
            "correlate perfectly): do not interpret these fit indices."
        )
    return FitLine(**base, shown=True, indices=indices, warning=warning)


def _index(
    name: str, value: float | None, *, good: float, acceptable: float, higher_is_better: bool
) -> Index:
    if value is None:
        return Index(name, coefficient(value))
    # Judged on the two decimals shown, as the reliability verdicts are.
    value = round(value, 2)
    if higher_is_better:
        level = "good" if value >= good else "acceptable" if value >= acceptable else "poor"
    else:
        level = "good" if value <= good else "acceptable" if value <= acceptable else "poor"
    return Index(name, coefficient(value), level, str(FIT_LEVELS[level]))


def _icc_line(
    line: ScaleICC, instrument: Instrument, numbers: MeasurementQuality, lang: str
) -> ICCLine:
    base = {
        "label": instrument.construct(line.construct_id).label[lang],
        "teams": line.teams,
        "n": line.n,
    }
    if line.status != quality.OK or line.icc1 is None:
        note = _("Fewer than two teams with at least %(k)s respondents on this scale: no ICC.") % {
            "k": numbers.k
        }
        return ICCLine(**base, shown=False, note=note)
    return ICCLine(
        **base,
        shown=True,
        icc1=coefficient(line.icc1),
        icc2=coefficient(line.icc2),
        meaning=_icc_meaning(line.icc1, line.icc2),
    )


def _icc_meaning(icc1: float, icc2: float | None) -> str:
    if icc1 < 0.05:
        return _(
            "Teams hardly differ on this scale: differences between their results are mostly "
            "chance."
        )
    if icc2 is None or icc2 < 0.50:
        return _(
            "Teams differ, but the team means are not yet reliable: read differences between "
            "teams with care."
        )
    if icc2 < 0.70:
        return _("The team matters; team means are fairly reliable.")
    return _("The team matters and team means are reliable: team results are justified.")
