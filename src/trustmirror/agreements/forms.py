"""The check-in form: kept, partly kept or not kept, a short note, and the next moment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmirror.agreements.models import CheckIn


class CheckInForm(forms.Form):
    agreement = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(
        label=_("Did we do what we said?"),
        choices=CheckIn.STATUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose kept, partly kept or not kept.")},
    )
    note = forms.CharField(
        label=_("A short note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_check_in_on = forms.DateField(
        label=_("Next check-in (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class WithdrawForm(forms.Form):
    agreement = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
