"""The words of the results: numbers, reasons, labels and verdicts in the reader's language.

Every text a results page, report, export, e-mail or API answer shows about published
numbers comes from here, through gettext, so that all of them say the same thing in the same
words and translators find every sentence in the catalogue. The privacy package returns
stable codes (``below_k``, ``rolled_up``, ...); this module turns them into sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from trustmirror.instrument import Instrument
from trustmirror.privacy import (
    REASON_BELOW_K,
    REASON_COMPLEMENTARY,
    REASON_COUNT_COMBINES,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    REASON_TOO_MANY_DIMENSIONS,
)
from trustmirror.results.breakdown import NOT_RECORDED

__all__ = [
    "MINUS",
    "characteristic",
    "cell_label",
    "change_verdict",
    "change_tone",
    "coefficient",
    "midpoint_text",
    "nothing_counted",
    "nothing_counted_text",
    "number",
    "participation_text",
    "percent",
    "reader_language",
    "reason_text",
    "rollup_label",
    "scale_text",
    "signed",
]

#: The minus sign (U+2212): one sign for every negative number the results print.
MINUS = "\u2212"

# Reason codes of the privacy policy, as sentences. Placeholders: %(k)s the threshold,
# %(group)s a roll-up's label, %(rate)s a whole percentage, %(max)s characteristics allowed.
REASONS = {
    REASON_SHOWN: gettext_lazy("Shown."),
    REASON_BELOW_K: gettext_lazy(
        "Fewer than %(k)s respondents: no results are shown for this group."
    ),
    REASON_COMPLEMENTARY: gettext_lazy(
        "Hidden so that the numbers shown for other groups cannot reveal a group of fewer "
        "than %(k)s respondents."
    ),
    REASON_ROLLED_UP: gettext_lazy("Reported together with other small groups in %(group)s."),
    REASON_FEW_NONRESPONDENTS: gettext_lazy(
        "At least %(rate)s%% answered. The exact figure is not shown because fewer than "
        "%(k)s people did not answer."
    ),
    REASON_COUNT_COMBINES: gettext_lazy(
        "The exact figure is not shown: together with the figures of other groups it would "
        "tell how many people of a smaller group did not answer."
    ),
    REASON_TOO_MANY_DIMENSIONS: gettext_lazy(
        "This scan allows at most %(max)s characteristics in one breakdown."
    ),
}

# Roll-up labels: "teams" when only child units are combined, "teams_and_people" when the
# people attached directly to the parent are included, "organisation" under the top level.
ROLLUP_LABELS = {
    "teams": gettext_lazy("Other teams of %(parent)s"),
    "teams_and_people": gettext_lazy("Other teams and people of %(parent)s"),
    "organisation": gettext_lazy("Other units of the organisation"),
}


# Names of the characteristics an organisation commonly imports (the ``band_*`` columns), as a
# reader says them in a sentence ("by location"). Other names are shown as imported.
CHARACTERISTICS = {
    "location": gettext_lazy("location"),
    "tenure": gettext_lazy("tenure"),
    "age": gettext_lazy("age"),
    "role": gettext_lazy("role"),
    "function": gettext_lazy("job"),
    "contract": gettext_lazy("contract"),
    "hours": gettext_lazy("working hours"),
    "gender": gettext_lazy("gender"),
    "shift": gettext_lazy("shift"),
    "education": gettext_lazy("education"),
}


def characteristic(name: str) -> str:
    """An imported characteristic's name in the reader's language, for use in a sentence."""
    known = CHARACTERISTICS.get(name.lower())
    return str(known) if known is not None else name.replace("_", " ")


def cell_label(key: Sequence[tuple[str, str]] | None) -> str:
    """A breakdown's cell as text: its bands joined, "not recorded" where none was stored.

    ``key`` is the cell's (characteristic, band) pairs; None is the remainder ("other").
    """
    if key is None:
        return _("Other and not shown separately")
    return " · ".join(_("not recorded") if band == NOT_RECORDED else band for _name, band in key)


def reader_language() -> str:
    """The reader's language as a key of the instrument's texts: ``nl`` or ``en``."""
    lang = (translation.get_language() or "en")[:2]
    return lang if lang in ("nl", "en") else "en"


def number(value: float, digits: int = 1) -> str:
    """A mean as the page prints it: rounded (not cut off) to ``digits`` in the reader's format."""
    # number_format cuts decimals off (3.46 -> "3.4"); round first so text and charts agree.
    rounded = round(float(value), digits)
    text = formats.number_format(abs(rounded), digits)
    return MINUS + text if rounded < 0 else text


def signed(value: float, digits: int = 1) -> str:
    """A difference with its sign: ``+0.4``, ``−1.3`` or ``0.0``."""
    rounded = round(float(value), digits)
    text = formats.number_format(abs(rounded), digits)
    if rounded > 0:
        return "+" + text
    return MINUS + text if rounded < 0 else text


def coefficient(value: float | None) -> str:
    """A reliability or fit coefficient with two decimals, or a dash when there is none."""
    if value is None:
        return "–"
    return number(value, 2)


def percent(share: float) -> str:
    """A share 0..1 as a whole percentage."""
    return _("%(value)s%%") % {"value": round(100 * float(share))}


def scale_text(instrument: Instrument, lang: str) -> str:
    labels = instrument.scale_labels[lang]
    return _("Mean on a scale of 1 (%(low)s) to %(high)s (%(high_label)s)") % {
        "low": labels[0].lower(),
        "high": instrument.scale_points,
        "high_label": labels[-1].lower(),
    }


def midpoint_text(instrument: Instrument) -> str:
    mid = (1 + instrument.scale_points) / 2
    return str(int(mid)) if mid == int(mid) else number(mid)


def reason_text(code: str, *, k: int, group: str = "", rate: int | None = None) -> str:
    """Why a group or cell shows no numbers (or only a bound), as a sentence."""
    template = REASONS.get(code, REASONS[REASON_COMPLEMENTARY])
    return str(template) % {"k": k, "group": group, "rate": rate, "max": k}


def too_many_dimensions_text(max_dimensions: int) -> str:
    return str(REASONS[REASON_TOO_MANY_DIMENSIONS]) % {"max": max_dimensions}


def rollup_label(rollup: Mapping | None, parent_name: str) -> str:
    """The name of a roll-up row: "Other teams of Support", "Other units of the organisation"."""
    if rollup is None or rollup.get("parent_id") is None:
        return str(ROLLUP_LABELS["organisation"])
    key = "teams_and_people" if rollup.get("includes_direct") else "teams"
    return str(ROLLUP_LABELS[key]) % {"parent": parent_name}


def participation_text(figures: Mapping | None, *, k: int) -> str:
    """Participation of a shown group in words, as exact as the policy allows."""
    if not figures or figures.get("reason") == REASON_BELOW_K:
        return _("Fewer than %(k)s responses: no figures are shown.") % {"k": k}
    if figures["reason"] == REASON_FEW_NONRESPONDENTS:
        return reason_text(REASON_FEW_NONRESPONDENTS, k=k, rate=figures["rate_at_least"])
    if figures["reason"] == REASON_COUNT_COMBINES:
        return _("%(invited)s invited. %(why)s") % {
            "invited": figures["invited"],
            "why": reason_text(REASON_COUNT_COMBINES, k=k),
        }
    return _("%(rate)s%% (%(responded)s of %(invited)s)") % {
        "rate": figures["rate"],
        "responded": figures["responded"],
        "invited": figures["invited"],
    }


def nothing_counted(figures: Mapping | None) -> bool:
    """Whether a group's published participation is "0 of its invited" (no answer counted).

    Only the organisation's can be (:meth:`trustmirror.privacy.Policy.nothing_counted`).
    """
    return bool(figures) and figures.get("reason") == REASON_SHOWN and figures["responded"] == 0


def nothing_counted_text(figures: Mapping, *, closed: bool) -> str:
    """ "No answers counted yet: 0 of 147 invited", or, once closed, none in the results.

    "Counted", not "answered": answers are counted in steps of at least k per unit (the
    page's status line says so), so a few may have come in and be waiting.
    """
    invited = figures["invited"]
    if closed:
        text = ngettext(
            "No answers in the results: 0 of %(invited)s invited.",
            "No answers in the results: 0 of %(invited)s invited.",
            invited,
        )
    else:
        text = ngettext(
            "No answers counted yet: 0 of %(invited)s invited.",
            "No answers counted yet: 0 of %(invited)s invited.",
            invited,
        )
    return text % {"invited": invited}


def participation_short(figures: Mapping | None) -> str:
    """Participation in a table cell: ``80%`` or ``at least 55%``; empty when not shown."""
    if not figures or figures.get("reason") == REASON_BELOW_K:
        return ""
    if figures["reason"] == REASON_FEW_NONRESPONDENTS:
        return _("at least %(rate)s%%") % {"rate": figures["rate_at_least"]}
    if figures["reason"] == REASON_COUNT_COMBINES:
        return _("not shown exactly")
    return _("%(rate)s%%") % {"rate": figures["rate"]}


def participation_share(figures: Mapping | None) -> int | None:
    """The whole percentage a participation bar may draw (the bound where only a bound is shown)."""
    if not figures or figures.get("reason") in (REASON_BELOW_K, REASON_COUNT_COMBINES):
        return None
    if figures["reason"] == REASON_FEW_NONRESPONDENTS:
        return figures["rate_at_least"]
    return figures["rate"]


def change_verdict(direction: str, size: str | None) -> str:
    if direction == "higher":
        return {
            "large": _("clearly higher, a large difference"),
            "medium": _("clearly higher, a medium difference"),
            "small": _("clearly higher, a small difference"),
        }.get(size or "", _("clearly higher, a very small difference"))
    if direction == "lower":
        return {
            "large": _("clearly lower, a large difference"),
            "medium": _("clearly lower, a medium difference"),
            "small": _("clearly lower, a small difference"),
        }.get(size or "", _("clearly lower, a very small difference"))
    return _("no clear change")


def change_tone(direction: str, polarity: str) -> str:
    """``better``, ``worse`` or ``none``: colour only repeats what the words say.

    ``polarity`` is the construct's, from the instrument file: for a ``neutral`` construct
    (the amount of control, the tendency to trust) neither direction is better in itself,
    so a change gets no colour.
    """
    if direction not in ("higher", "lower") or polarity == "neutral":
        return "none"
    return "better" if (direction == "higher") != (polarity == "higher_worse") else "worse"


def interval_text(low: float, high: float) -> str:
    return _("%(low)s to %(high)s") % {"low": signed(low), "high": signed(high)}
