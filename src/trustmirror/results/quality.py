"""Measurement quality of one publication: reliability, factor fit and ICCs.

Three questions about the instrument on one scan's answers, each answered over the whole
organisation (never per group):

* Does each scale measure one thing consistently? Cronbach's alpha (raw and standardised),
  McDonald's omega total, the weakest corrected item-total correlation and any item whose
  removal would raise alpha (:mod:`trustmirror.analysis.reliability`).
* Does the structure "each construct is a factor over its items" fit? One confirmatory
  factor analysis per construct group of the instrument (:mod:`trustmirror.analysis.factor`).
  A single CFA of the 22 multi-item constructs would have 377 free parameters, far more
  than a scan of a hundred people can estimate; the groups are the families the instrument
  reports together (the six themes, team trust, the leader, ...), so each model asks
  whether the scales *shown side by side* are told apart by the respondents. Single-item
  constructs cannot be a factor and are left out; a group left with one factor needs three
  items (with exactly three the model is saturated and its fit cannot be tested); two-item
  factors are identified only next to other factors, which every group with them has.
* Does the team matter? ICC(1) and ICC(2) of each scale over the teams
  (:func:`trustmirror.analysis.agreement.icc`), the usual justification for reporting team
  means (Bliese 2000).

Privacy: nothing is computed when the published numbers include fewer than k respondents,
and a scale's reliability is withheld when fewer than k people answered its items. The ICCs
use only the teams whose numbers on that scale the results pages show anyway: an ICC is a
function of the teams' sizes, means and standard deviations, all of them already visible
there (the standard deviation through the confidence interval), so it cannot reveal
anything about a team that is hidden.

It is computed when a version of the results is published, over the respondents that
version includes (:mod:`trustmirror.results.publishing`), and stored with it: the result
holds ids and numbers only (no text), so one copy serves readers of any language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from trustmirror.analysis.agreement import icc
from trustmirror.analysis.factor import cfa
from trustmirror.analysis.invariance import measurement_invariance, testable
from trustmirror.analysis.reliability import alpha, omega_total
from trustmirror.analysis.scoring import scale_scores
from trustmirror.instrument import Construct, Instrument
from trustmirror.privacy import Policy

__all__ = [
    "GOOD",
    "ACCEPTABLE",
    "MIN_CFA_CASES",
    "FactorFit",
    "MeasurementQuality",
    "ScaleICC",
    "ScaleReliability",
    "quality_of",
    "verdict",
]

GOOD = 0.70
"""Reliability from which a scale counts as good (Nunnally 1978's customary .70)."""
ACCEPTABLE = 0.60
"""Reliability from which a scale is still usable for comparing group means."""
MIN_CFA_CASES = 50
#: Complete answers needed in each language before Dutch and English are compared.
MIN_INVARIANCE_CASES = 200
#: At most this many respondents per language enter the comparison (a fixed random draw):
#: plenty for the verdict, and the models stay quick at 100,000 respondents.
MAX_INVARIANCE_CASES = 2000
"""Fewest complete cases for which a factor model is fitted at all.

Below about 50 the ML estimates and fit indices are too unstable to read; up to about 200
chi-square and RMSEA still penalise small samples, which the page says.
"""

# Status codes the view turns into text.
OK = "ok"
ONE_ITEM = "one_item"
TOO_FEW = "too_few"
FAILED = "failed"
SATURATED = "saturated"
NOT_CONVERGED = "not_converged"
IMPROPER = "improper"
TOO_FEW_TEAMS = "too_few_teams"


@dataclass(frozen=True)
class ScaleReliability:
    """Internal consistency of one construct over the organisation.

    ``status`` is ``"ok"``, ``"one_item"`` (no reliability), ``"too_few"`` (fewer than k
    respondents answered the items: withheld) or ``"failed"`` (the answers do not allow it,
    e.g. an item nobody varied on). ``omega`` is None for two-item scales (one factor is not
    identified with two items) and for an improper one-factor solution. ``better_without``
    lists ``(item id, alpha if that item is deleted)`` for every item whose removal raises
    raw alpha.
    """

    construct_id: str
    n_items: int
    status: str
    n: int | None = None
    raw_alpha: float | None = None
    std_alpha: float | None = None
    omega: float | None = None
    weakest_item: str | None = None
    weakest_r: float | None = None
    better_without: tuple[tuple[str, float], ...] = ()

    @property
    def judged(self) -> float | None:
        """The lower of alpha and omega: the number the verdict is based on."""
        values = [v for v in (self.raw_alpha, self.omega) if v is not None]
        return min(values) if values else None

    @property
    def verdict(self) -> str | None:
        return verdict(self.judged) if self.status == OK else None


@dataclass(frozen=True)
class FactorFit:
    """Fit of the CFA "each construct of the group is a factor over its items".

    ``status``: ``"ok"``, ``"improper"`` (fitted, but a residual variance <= 0 or a factor
    correlation of 1: do not interpret), ``"not_converged"``, ``"saturated"`` (df = 0: fits
    perfectly by construction), ``"too_few"`` (fewer complete cases than
    :data:`MIN_CFA_CASES`, or than k) or ``"failed"`` (the data do not allow the model,
    e.g. an item without variance). ``left_out`` are the group's single-item constructs.
    """

    group_id: str
    factors: tuple[str, ...]
    left_out: tuple[str, ...]
    n_items: int
    n_complete: int | None  # None where withheld (see Policy.participations)
    status: str
    chi2: float | None = None
    df: int | None = None
    cfi: float | None = None
    tli: float | None = None
    rmsea: float | None = None
    srmr: float | None = None

    @property
    def chi2_df(self) -> float | None:
        if self.chi2 is None or not self.df:
            return None
        return self.chi2 / self.df


@dataclass(frozen=True)
class ScaleICC:
    """ICC(1) and ICC(2) of one construct's scale scores over the teams (leaf units).

    ``teams`` and ``n`` count the teams and respondents used: teams whose results on this
    construct are shown on the results pages. ``status`` is ``"ok"`` or
    ``"too_few_teams"`` (fewer than two such teams).
    """

    construct_id: str
    status: str
    teams: int
    n: int | None  # None where withheld (see Policy.participations)
    icc1: float | None = None
    icc2: float | None = None
    mean_team_size: float | None = None


@dataclass(frozen=True)
class LanguageInvariance:
    """Whether Dutch and English measure one group of scales the same way.

    ``verdict`` is the code of :func:`trustmirror.analysis.invariance.measurement_invariance`
    (``comparable_scores``, ``comparable_relations``, ``not_comparable_metric``,
    ``not_comparable_configural``, ``not_converged`` or a ``refused_*`` code); ``level`` the
    highest level that holds. ``fits`` holds CFI and RMSEA per level fitted, ``steps`` the
    change in CFI and RMSEA from one level to the next. No count per language is kept:
    both have at least :data:`MIN_INVARIANCE_CASES` complete answers, or nothing is tested.
    """

    group_id: str
    factors: tuple[str, ...]
    verdict: str
    level: str | None = None
    fits: dict = None  # type: ignore[assignment]
    steps: dict = None  # type: ignore[assignment]


@dataclass(frozen=True)
class MeasurementQuality:
    """Everything the measurement-quality page of one scan may show.

    ``shown`` is False when the scan has fewer than ``k`` submitted responses; the three
    tables are then empty.
    """

    scan_id: int
    respondents: int
    k: int
    shown: bool
    scales: tuple[ScaleReliability, ...] = ()
    fits: tuple[FactorFit, ...] = ()
    iccs: tuple[ScaleICC, ...] = ()
    #: Dutch against English per group of scales; empty when not both languages reach
    #: MIN_INVARIANCE_CASES respondents (``languages_compared`` False).
    invariance: tuple[LanguageInvariance, ...] = ()
    languages_compared: bool = False
    #: Per question, the share of the respondents in the numbers who answered "don't know",
    #: to whole percents (as the page prints it).
    dont_know: dict = None  # type: ignore[assignment]

    def to_json(self) -> dict:
        """Plain data for a publication's payload."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> MeasurementQuality:
        return cls(
            scan_id=data["scan_id"],
            respondents=data["respondents"],
            k=data["k"],
            shown=data["shown"],
            scales=tuple(
                ScaleReliability(
                    **{
                        **scale,
                        "better_without": tuple(tuple(p) for p in scale["better_without"]),
                    }
                )
                for scale in data.get("scales", ())
            ),
            fits=tuple(
                FactorFit(
                    **{**fit, "factors": tuple(fit["factors"]), "left_out": tuple(fit["left_out"])}
                )
                for fit in data.get("fits", ())
            ),
            iccs=tuple(ScaleICC(**line) for line in data.get("iccs", ())),
            invariance=tuple(
                LanguageInvariance(**{**one, "factors": tuple(one["factors"])})
                for one in data.get("invariance", ())
            ),
            languages_compared=data.get("languages_compared", False),
            dont_know=data.get("dont_know") or {},
        )


def verdict(value: float | None) -> str | None:
    """``"good"`` (>= .70), ``"acceptable"`` (.60 to .70), ``"care"`` (below .60), or None.

    Judged on the value rounded to the two decimals the page shows, so that a scale shown
    as 0.70 is never called less than good.
    """
    if value is None or not math.isfinite(value):
        return None
    value = round(value, 2)
    if value >= GOOD:
        return "good"
    if value >= ACCEPTABLE:
        return "acceptable"
    return "care"


def quality_of(
    *,
    answers: pd.DataFrame,
    unit_of: np.ndarray,
    instrument: Instrument,
    policy: Policy,
    shown_teams: Mapping[str, set[int]],
    scan_id: int,
    languages: np.ndarray | None = None,
    dont_know: np.ndarray | None = None,
) -> MeasurementQuality:
    """Reliability per scale, CFA fit per construct group and ICCs over the shown teams.

    Parameters
    ----------
    answers
        The answers of the respondents in the published numbers (1..scale points, NaN).
    unit_of
        Their units.
    shown_teams
        Per construct, the teams (leaf units) whose numbers on it are published: the ICC
        uses those only.
    languages
        The language each respondent answered in; Dutch and English are compared per group
        of scales where each has at least :data:`MIN_INVARIANCE_CASES` respondents.
    dont_know
        Respondents x questions (in the order of ``answers``): True for "don't know".
    """
    if not policy.may_show(len(answers)):
        return MeasurementQuality(scan_id, len(answers), policy.k, shown=False)
    return MeasurementQuality(
        scan_id=scan_id,
        respondents=len(answers),
        k=policy.k,
        shown=True,
        scales=tuple(
            _reliability(c, answers, policy, instrument.scale_points) for c in instrument.constructs
        ),
        fits=tuple(_factor_fits(instrument, answers, policy)),
        iccs=tuple(_team_iccs(instrument, answers, unit_of, shown_teams)),
        **_language_invariance(instrument, answers, languages, scan_id),
        dont_know=_dont_know_shares(answers, dont_know),
    )


def _dont_know_shares(answers: pd.DataFrame, dont_know: np.ndarray | None) -> dict:
    if dont_know is None or dont_know.shape != answers.shape or not len(answers):
        return {}
    shares = dont_know.mean(axis=0)
    return {item: round(float(s), 2) for item, s in zip(answers.columns, shares, strict=True)}


def _reliability(
    construct: Construct, answers: pd.DataFrame, policy: Policy, scale_points: int
) -> ScaleReliability:
    items = [item.id for item in construct.items]
    if len(items) < 2:
        return ScaleReliability(construct.id, len(items), ONE_ITEM)
    block = answers[items]
    answered = int(block.notna().any(axis=1).sum())
    if not policy.may_show(answered):
        return ScaleReliability(construct.id, len(items), TOO_FEW)
    keys = {item.id: item.key for item in construct.items}
    try:
        result = alpha(block, keys=keys, scale_range=(1, scale_points))
    except ValueError:
        return ScaleReliability(construct.id, len(items), FAILED, n=answered)
    if _finite(result.raw_alpha) is None:
        # The scale score does not vary (reversed questions cancel out): alpha is 0 / 0.
        return ScaleReliability(construct.id, len(items), FAILED, n=answered)
    omega = None
    if len(items) >= 3:
        try:
            fitted = omega_total(block, keys=keys)
        except ValueError:
            fitted = None
        if fitted is not None and fitted.converged and not fitted.heywood:
            omega = _finite(fitted.omega_total)
    table = result.items
    weakest = table["r_drop"].idxmin() if table["r_drop"].notna().any() else None
    better = table.loc[table["alpha_if_deleted"] > result.raw_alpha, "alpha_if_deleted"]
    return ScaleReliability(
        construct_id=construct.id,
        n_items=len(items),
        status=OK,
        n=result.n,
        raw_alpha=_finite(result.raw_alpha),
        std_alpha=_finite(result.std_alpha),
        omega=omega,
        weakest_item=str(weakest) if weakest is not None else None,
        weakest_r=_finite(table.at[weakest, "r_drop"]) if weakest is not None else None,
        better_without=tuple((str(item), float(value)) for item, value in better.items()),
    )


def _factor_fits(instrument: Instrument, answers: pd.DataFrame, policy: Policy) -> list[FactorFit]:
    fits = []
    for group in instrument.groups:
        constructs = instrument.constructs_in(group.id)
        factors = {c.id: [item.id for item in c.items] for c in constructs if len(c.items) >= 2}
        left_out = tuple(c.id for c in constructs if len(c.items) < 2)
        n_items = sum(len(items) for items in factors.values())
        if not factors or (len(factors) == 1 and n_items < 3):
            continue  # nothing that a factor model could test
        fits.append(_fit_group(group.id, factors, left_out, answers, policy))
    return fits


def _language_invariance(
    instrument: Instrument, answers: pd.DataFrame, languages: np.ndarray | None, seed: int
) -> dict:
    """Dutch against English, per group of scales (the models of :func:`_factor_fits`)."""
    if languages is None or len(languages) != len(answers):
        return {}
    languages = np.asarray(languages, dtype=object)
    counts = {lang: int((languages == lang).sum()) for lang in ("nl", "en")}
    if min(counts.values()) < MIN_INVARIANCE_CASES:
        return {}
    rng = np.random.default_rng(seed)
    rows = np.sort(
        np.concatenate(
            [
                rng.permutation(np.flatnonzero(languages == lang))[:MAX_INVARIANCE_CASES]
                for lang in ("nl", "en")
            ]
        )
    )
    sample = answers.iloc[rows].reset_index(drop=True)
    group = pd.Series(languages[rows], name="language")
    out = []
    for construct_group in instrument.groups:
        constructs = instrument.constructs_in(construct_group.id)
        factors = {c.id: [item.id for item in c.items] for c in constructs if len(c.items) >= 3}
        if not testable(factors):
            continue
        try:
            result = measurement_invariance(
                sample, group, factors, min_group_size=MIN_INVARIANCE_CASES
            )
        except (ValueError, np.linalg.LinAlgError):
            out.append(LanguageInvariance(construct_group.id, tuple(factors), "not_converged"))
            continue
        out.append(
            LanguageInvariance(
                group_id=construct_group.id,
                factors=tuple(factors),
                verdict=result.verdict.code,
                level=result.level,
                fits={
                    level: {"cfi": _finite(fit.cfi), "rmsea": _finite(fit.rmsea)}
                    for level, fit in result.fits.items()
                },
                steps={
                    level: {
                        "delta_cfi": _finite(test.delta_cfi),
                        "delta_rmsea": _finite(test.delta_rmsea),
                    }
                    for level, test in result.tests.items()
                },
            )
        )
    return {"invariance": tuple(out), "languages_compared": True}


def _fit_group(
    group_id: str,
    factors: dict[str, list[str]],
    left_out: tuple[str, ...],
    answers: pd.DataFrame,
    policy: Policy,
) -> FactorFit:
    items = [item for loading in factors.values() for item in loading]
    # Reverse-keyed items stay as answered: reflecting an item flips the sign of its loading
    # and leaves the likelihood, and so every fit index, unchanged.
    data = answers[items]
    n_complete = int(data.notna().all(axis=1).sum())
    base = {
        "group_id": group_id,
        "factors": tuple(factors),
        "left_out": left_out,
        "n_items": len(items),
        "n_complete": n_complete,
    }
    p, f = len(items), len(factors)
    # Loadings and residual variances per item plus the factor correlations (variances fixed
    # to 1): with as many parameters as covariances the model fits any data exactly.
    if p * (p + 1) // 2 - (2 * p + f * (f - 1) // 2) == 0:
        return FactorFit(**base, status=SATURATED, df=0)
    if n_complete < max(MIN_CFA_CASES, policy.k) or n_complete <= p:
        return FactorFit(**base, status=TOO_FEW)
    try:
        # Fit indices are shown to two decimals; the reference tolerance is for loadings.
        result = cfa(data, factors, tolerance="fast")
    except (ValueError, np.linalg.LinAlgError):
        return FactorFit(**base, status=FAILED)
    fit = result.fit
    if fit.df == 0:
        return FactorFit(**base, status=SATURATED, df=0)
    if not result.converged:
        return FactorFit(**base, status=NOT_CONVERGED)
    values = {name: _finite(getattr(fit, name)) for name in ("chi2", "cfi", "tli", "rmsea", "srmr")}
    if values["chi2"] is None:
        return FactorFit(**base, status=FAILED)
    return FactorFit(**base, status=IMPROPER if result.heywood else OK, df=fit.df, **values)


def _team_iccs(
    instrument: Instrument,
    answers: pd.DataFrame,
    unit_of: np.ndarray,
    shown_teams: Mapping[str, set[int]],
) -> list[ScaleICC]:
    scores = scale_scores(answers, instrument.scoring_keys(), scale_points=instrument.scale_points)
    out = []
    for construct in instrument.constructs:
        # Only teams whose numbers on this scale are shown anyway (see the module notes).
        shown = sorted(shown_teams.get(construct.id, ()))
        values = scores[construct.id].to_numpy(dtype=float)
        usable = np.isin(unit_of, shown) & ~np.isnan(values)
        n = int(usable.sum())
        if len(shown) < 2:
            out.append(ScaleICC(construct.id, TOO_FEW_TEAMS, teams=len(shown), n=n))
            continue
        result = icc(values[usable], unit_of[usable])
        out.append(
            ScaleICC(
                construct_id=construct.id,
                status=OK,
                teams=result.n_groups,
                n=result.n_obs,
                icc1=_finite(result.icc1),
                icc2=_finite(result.icc2),
                mean_team_size=_finite(result.mean_group_size),
            )
        )
    return out


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
