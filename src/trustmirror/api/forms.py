from django import forms
from django.utils.translation import gettext_lazy as _

from trustmirror.api.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example the HR system that imports people."),
    )
    scope = forms.ChoiceField(
        label=_("What it may do"), choices=ApiToken.SCOPE_CHOICES, initial=ApiToken.READ
    )
