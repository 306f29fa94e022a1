"""The consultant's scan forms: a new scan, its settings later, and its lifecycle actions."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from trustmirror.instrument import available_instruments, load_instrument
from trustmirror.privacy import MIN_GROUP_SIZE_FLOOR
from trustmirror.surveys.models import MAX_CUT_DIMENSIONS, Scan, default_min_group_size
from trustmirror.surveys.services import (
    EDITABLE,
    ROUND_MAX_SIZE_CEILING,
    ROUND_MIN_SIZE_FLOOR,
    interim_breakdowns_error,
)

#: ``<input type=date>`` reads and writes ISO dates only. Rendered in the language's own
#: format (Dutch: 31-12-2026) its value is unreadable, so the field comes up empty.
ISO_DATE = "%Y-%m-%d"


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


class ScanSettingsForm(forms.Form):
    """A scan's settings, as the consultant chooses them."""

    name = forms.CharField(label=_("Name"), max_length=200)
    opens_on = forms.DateField(label=_("Opens on"), widget=date_input())
    closes_on = forms.DateField(label=_("Closes on"), widget=date_input())
    min_group_size = forms.IntegerField(
        label=_("Minimum group size"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
        help_text=_("Groups with fewer respondents show no numbers. Never below 3."),
    )
    max_cut_dimensions = forms.IntegerField(
        label=_("Characteristics per breakdown"),
        min_value=0,
        max_value=MAX_CUT_DIMENSIONS,
        initial=1,
        required=False,
        help_text=_(
            "Breakdowns show the organisation's results per band of a characteristic such as "
            "tenure or location, only where every group reaches the minimum size. 1: one "
            "characteristic at a time; 2: also two combined (smaller groups, so fewer are "
            "shown); 0: no breakdowns, and no bands are stored with the answers."
        ),
    )
    interim_results = forms.BooleanField(
        label=_("Interim results"),
        required=False,
        help_text=Scan._meta.get_field("interim_results").help_text,
    )

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The scan cannot close before it opens."))
        interim = data.get("interim_results", False)
        if "max_cut_dimensions" in data and data["max_cut_dimensions"] is None:
            # Left empty: the default, which is no breakdowns with interim results (they
            # exclude each other) and one characteristic at a time without.
            data["max_cut_dimensions"] = 0 if interim else 1
        if interim and data.get("max_cut_dimensions"):
            self.add_error("max_cut_dimensions", interim_breakdowns_error())
        return data


def questionnaire_choices() -> list[tuple[str, str]]:
    """``("<version>:<form>", label)`` for every packaged Trust Scan form, newest first."""
    lang = translation.get_language() or "en"
    lang = lang if lang in ("nl", "en") else "en"
    choices = []
    versions = sorted(
        (version for name, version in available_instruments() if name == "trustscan"),
        key=int,
        reverse=True,
    )
    for version in versions:
        instrument = load_instrument("trustscan", version)
        for form in instrument.forms.values():
            values = {
                "name": instrument.name[lang],
                "version": version,
                "form": form.label[lang],
                "minutes": form.minutes,
            }
            label = (
                _("%(name)s %(version)s: the full questionnaire, about %(minutes)s minutes")
                if form.id == "full"
                else _("%(name)s %(version)s: %(form)s, about %(minutes)s minutes")
            )
            choices.append((f"{version}:{form.id}", label % values))
    return choices


class ScanCreateForm(ScanSettingsForm):
    # The questionnaire a scan asks, for good: its version and form (full or pulse).
    questionnaire = forms.ChoiceField(
        label=_("Questionnaire"),
        choices=[],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Fixed once the scan is created. A pulse asks about 25 of the questions, for a "
            "measurement between two full scans of the same version; change is computed on "
            "the questions both scans asked."
        ),
    )
    # Chosen once, at creation: by e-mail nobody sees the links; with letters the consultant
    # holds them all (scan_create.html says so where the choice is made).
    delivery = forms.ChoiceField(
        label=_("How people get their link"),
        choices=Scan.DELIVERY_CHOICES,
        initial=Scan.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )

    # The modules besides the questionnaire (trustmirror.relational), chosen once.
    relational_round = forms.BooleanField(
        label=_("Relational round"),
        required=False,
        help_text=Scan._meta.get_field("relational_round").help_text,
    )
    round_min_size = forms.IntegerField(
        label=_("Smallest team in the round"),
        min_value=ROUND_MIN_SIZE_FLOOR,
        max_value=ROUND_MAX_SIZE_CEILING,
        initial=4,
        required=False,
        help_text=_("Smaller teams do not take part in the round. At least 4."),
        error_messages={
            "min_value": _("A team needs at least %(limit_value)s people to take part."),
        },
    )
    round_max_size = forms.IntegerField(
        label=_("Largest team rated in full"),
        min_value=ROUND_MIN_SIZE_FLOOR,
        max_value=ROUND_MAX_SIZE_CEILING,
        initial=15,
        required=False,
        help_text=Scan._meta.get_field("round_max_size").help_text,
    )
    purge_ratings = forms.BooleanField(
        label=_("Delete the round's answers after the results"),
        required=False,
        help_text=Scan._meta.get_field("purge_ratings").help_text,
    )
    leader_mirror = forms.BooleanField(
        label=_("Leader mirror"),
        required=False,
        help_text=Scan._meta.get_field("leader_mirror").help_text,
    )

    #: The module fields, shown together on the form (scan_create.html).
    MODULE_FIELDS = (
        "relational_round",
        "round_min_size",
        "round_max_size",
        "purge_ratings",
        "leader_mirror",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = questionnaire_choices()
        self.fields["questionnaire"].choices = choices
        self.fields["questionnaire"].initial = choices[0][0]  # the newest version, full
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + dt.timedelta(days=21)
        # ``TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE``, read now rather than when the module loads.
        self.fields["min_group_size"].initial = default_min_group_size()
        self.fields["min_group_size"].required = False

    def clean_min_group_size(self):
        value = self.cleaned_data.get("min_group_size")
        return default_min_group_size() if value is None else value

    def clean_delivery(self):
        return self.cleaned_data.get("delivery") or Scan.EMAIL

    def clean_round_min_size(self):
        value = self.cleaned_data.get("round_min_size")
        return 4 if value is None else value

    def clean_round_max_size(self):
        value = self.cleaned_data.get("round_max_size")
        return 15 if value is None else value

    def clean(self):
        data = super().clean()
        smallest, largest = data.get("round_min_size"), data.get("round_max_size")
        if smallest is not None and largest is not None and largest < smallest:
            self.add_error(
                "round_max_size",
                ValidationError(
                    _(
                        "The largest team rated in full cannot be smaller than the smallest "
                        "team in the round (%(smallest)s)."
                    ),
                    code="round_sizes",
                    params={"smallest": smallest},
                ),
            )
        chosen = data.pop("questionnaire", None) or self.fields["questionnaire"].initial
        data["instrument_version"], data["form"] = chosen.split(":", 1)
        return data


class ScanEditForm(ScanSettingsForm):
    """The settings of an existing scan; what its phase no longer allows is shown, disabled."""

    def __init__(self, *args, scan: Scan, **kwargs):
        kwargs.setdefault(
            "initial",
            {name: getattr(scan, name) for name in ScanSettingsForm.base_fields},
        )
        super().__init__(*args, **kwargs)
        editable = EDITABLE[scan.phase()]
        for name, field in self.fields.items():
            field.disabled = name not in editable


class ScanExtendForm(forms.Form):
    closes_on = forms.DateField(label=_("New closing date"), widget=date_input())

    def __init__(self, *args, scan: Scan, **kwargs):
        super().__init__(*args, **kwargs)
        week = dt.timedelta(days=7)
        later = min(max(scan.closes_on, timezone.localdate()), dt.date.max - week) + week
        self.fields["closes_on"].initial = later


class ScanCloseForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, close this scan now"))


class ScanDeleteForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, delete this scan and its invitations"))
