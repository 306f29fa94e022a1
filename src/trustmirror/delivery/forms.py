"""The forms of the delivery actions, and the "lost your link?" form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReminderForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, send a reminder to everyone invited"))


class NewLinkForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LettersForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I will keep the file safe: its links exist nowhere else and cannot be made again")
    )


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
