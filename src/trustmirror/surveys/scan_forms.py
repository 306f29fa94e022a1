"""The consultant's scan forms: a new scan's settings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmirror.privacy import MIN_GROUP_SIZE_FLOOR
from trustmirror.surveys.models import MAX_CUT_DIMENSIONS, default_min_group_size


class ScanCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    min_group_size = forms.IntegerField(
        label=_("Minimum group size"),
        min_value=MIN_GROUP_SIZE_FLOOR,
        max_value=50,
        initial=default_min_group_size,
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + dt.timedelta(days=21)

    def clean_max_cut_dimensions(self):
        # Left empty: the default, one characteristic at a time.
        value = self.cleaned_data.get("max_cut_dimensions")
        return 1 if value is None else value

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The scan cannot close before it opens."))
        return data
