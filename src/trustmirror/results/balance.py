"""The trust-control balance and feeling beside reason, from a group's published means.

Trust and control complement each other; they are not opposites (the book's chapter 6). A
group's place in the balance is read from two published scales:

* **trust**: the mean of the group's shown means on the scales of trust in the team and in
  the manager (the instrument's groups ``team`` and ``leader``: competence, bond, ability,
  good intentions, integrity), each counted once;
* **control**: the scale ``control``, the amount of steering and checking people experience.

Each is *high* above the scale's neutral middle and *low* at or below it, which gives four
quadrants, each with its meaning. Where the questionnaire also asks how the control is
experienced (``control_fit``, Trust Scan 2), the page says whether it is felt as fitting or
as distrust: that tells whether control complements trust or crowds it out.

Feeling and reason: affective trust (the bond, ``team_affective``) beside cognitive trust
(confidence in each other's competence, ``team_cognitive``).

Only published means are read, each of which passed the privacy policy; a group missing one
of them gets no balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from trustmirror.instrument import Instrument
from trustmirror.results.selectors import Group

__all__ = ["QUADRANTS", "Balance", "FeelingReason", "feeling_and_reason", "group_balance"]

TRUST_GROUPS = ("team", "leader")
CONTROL = "control"
CONTROL_FIT = "control_fit"

#: The four quadrants: (trust high, control high) -> (key, name, meaning).
QUADRANTS = {
    (True, True): (
        "complement",
        gettext_lazy("Trust with a firm hold"),
        gettext_lazy(
            "People trust each other and work within clear rules and checks. Here control can "
            "support trust: keep explaining why each check is there and keep it in proportion, "
            "so that it does not start to feel like distrust."
        ),
    ),
    (True, False): (
        "room",
        gettext_lazy("Trust with room"),
        gettext_lazy(
            "People trust each other and get room to do their work their own way. This works "
            "as long as agreements are clear and kept: room without agreements can turn into "
            "blind trust. Do what you say, and say what you do."
        ),
    ),
    (False, True): (
        "instead",
        gettext_lazy("Control in place of trust"),
        gettext_lazy(
            "Rules and checks are doing the work that trust does not do. More control rarely "
            "builds trust and can feed distrust. Talk about what people need to rely on each "
            "other, and about which checks could go once that is there."
        ),
    ),
    (False, False): (
        "neither",
        gettext_lazy("Neither trust nor hold"),
        gettext_lazy(
            "People trust each other little and there is little steering: that leaves "
            "uncertainty. Start small, with a few clear agreements that are kept, and make "
            "visible that they are."
        ),
    ),
}


@dataclass(frozen=True)
class Balance:
    trust: float  # a tenth, as the page prints it
    control: float
    trust_high: bool
    control_high: bool
    #: How the control is experienced (Trust Scan 2), a tenth; None where not asked or shown.
    fit: float | None
    midpoint: float

    @property
    def key(self) -> str:
        return QUADRANTS[(self.trust_high, self.control_high)][0]

    @property
    def name(self) -> str:
        return str(QUADRANTS[(self.trust_high, self.control_high)][1])

    @property
    def meaning(self) -> str:
        return str(QUADRANTS[(self.trust_high, self.control_high)][2])

    @property
    def fit_reading(self) -> str:
        """``fitting``, ``distrust`` or ``mixed``; empty without the question."""
        if self.fit is None:
            return ""
        if self.fit > self.midpoint:
            return "fitting"
        return "distrust" if self.fit < self.midpoint else "mixed"


@dataclass(frozen=True)
class FeelingReason:
    feeling: float  # the bond (affective), a tenth
    reason: float  # confidence in competence (cognitive), a tenth

    @property
    def leaning(self) -> str:
        """``feeling``, ``reason`` or ``even``: which is at least 0.3 higher."""
        if self.feeling - self.reason >= 0.3 - 1e-9:
            return "feeling"
        if self.reason - self.feeling >= 0.3 - 1e-9:
            return "reason"
        return "even"


def _shown(group: Group, construct_id: str) -> float | None:
    stat = group.stat(construct_id)
    return round(stat.mean, 1) if stat is not None else None


def group_balance(instrument: Instrument, group: Group) -> Balance | None:
    """Where ``group`` stands between trust and control; None when a scale is not shown."""
    ids = [c.id for c in instrument.constructs if c.group in TRUST_GROUPS and not c.sensitive]
    if not ids or CONTROL not in {c.id for c in instrument.constructs}:
        return None
    means = [_shown(group, construct_id) for construct_id in ids]
    control = _shown(group, CONTROL)
    if control is None or any(mean is None for mean in means):
        return None
    trust = round(sum(means) / len(means), 1)
    midpoint = (1 + instrument.scale_points) / 2
    fit = _shown(group, CONTROL_FIT)  # None where the form does not ask it
    return Balance(trust, control, trust > midpoint, control > midpoint, fit, midpoint)


def feeling_and_reason(group: Group) -> FeelingReason | None:
    feeling, reason = _shown(group, "team_affective"), _shown(group, "team_cognitive")
    if feeling is None or reason is None:
        return None
    return FeelingReason(feeling, reason)
