"""The agreements' forms: a new agreement (the team session), a check-in, a withdrawal.

The forms only turn text into values (dates, theme ids, the team's people); the rules (a
due date ahead, at most a handful per scan, owners from the team) live in
:mod:`trustmirror.agreements.services`, whose messages the views put beside the fields
they name.
"""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trustmirror.agreements.models import CheckIn
from trustmirror.orgs.models import Person, Unit


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


#: Longer input than a field may hold is refused by the service with the count; beyond this
#: the form refuses it before any cleaning (a pasted document, not an agreement).
MAX_INPUT = 5000


class OwnerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class AgreementForm(forms.Form):
    what = forms.CharField(
        label=_("What we will do"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_INPUT,
        error_messages={"required": _("Write what the team will do.")},
    )
    themes = forms.MultipleChoiceField(
        label=_("What it is about"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one theme the agreement is about.")},
    )
    owners = OwnerChoiceField(
        label=_("Who takes it on"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one owner from the team."),
            "invalid_choice": _("Choose owners from the team's people."),
            "invalid_pk_value": _("Choose owners from the team's people."),
        },
    )
    due_on = forms.DateField(
        label=_("Done by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("Choose the date by which it is done."),
            "invalid": _("Enter a date as year-month-day, for example 2027-03-31."),
        },
    )
    check_in_on = forms.DateField(
        label=_("Next check-in (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("A moment before the due date to look at how it goes."),
        error_messages={
            "invalid": _("Enter a date as year-month-day, for example 2027-03-31."),
        },
    )
    signal = forms.CharField(
        label=_("How we will notice it works (optional)"),
        required=False,
        max_length=MAX_INPUT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        unit: Unit,
        themes: list[tuple[str, str]],
        main_themes: frozenset[str] = frozenset(),
        **kwargs,
    ) -> None:
        """``themes``: every choice; ``main_themes``: those offered first (the six themes),
        the other scales behind "More"."""
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = themes
        self.main_themes = main_themes
        self.fields["owners"].queryset = Person.objects.filter(unit=unit).order_by("name", "pk")

    def theme_boxes(self) -> tuple[list, list, bool]:
        """(the themes' boxes, the other scales' boxes, whether one of the others is ticked)."""
        boxes = list(self["themes"])
        main = [box for box in boxes if box.data["value"] in self.main_themes]
        others = [box for box in boxes if box.data["value"] not in self.main_themes]
        return main, others, any(box.data["selected"] for box in others)

    def add_service_errors(self, error: ValidationError, *, skip: Collection[str] = ()) -> None:
        """Put the service's messages beside the fields they name (the rest above the form).

        ``skip``: fields the form refused already, whose own message says it better.
        """
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for name, messages in error.message_dict.items():
            if name in skip:
                continue
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def describe_errors(self) -> None:
        """Tie each field to its error text, so a screen reader reads it with the field."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
