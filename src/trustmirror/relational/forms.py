"""The round's forms: a page of colleagues (three statements each and a skip box), and a
lead's prediction page.

Every answer is optional. A value off the scale, or an answer about someone who is not one of
the rater's colleagues on the page, makes the whole page invalid with a message, so nothing of
a tampered page is stored. Build the forms under the page's language
(``translation.override``): the statements and messages are translated when built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from trustmirror.relational.answering import QUESTIONS, Colleague

COLLEAGUE_PREFIX = "c-"
ITEM_PREFIX = "item-"
SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    checked: bool


@dataclass(frozen=True)
class Statement:
    id: str
    name: str
    text: str
    options: list[Option]
    errors: list[str]


@dataclass(frozen=True)
class ColleagueBlock:
    key: str
    name: str
    statements: list[Statement]
    skip_name: str
    skipped: bool
    errors: list[str]


def statement_text(question: str, name: str) -> str:
    """The statement about colleague ``name``, in the active language."""
    if question == "reliance":
        return _("I can count on %(name)s to do what they say.") % {"name": name}
    if question == "disclosure":
        return _("I can share doubts and mistakes with %(name)s.") % {"name": name}
    return _("%(name)s trusts me.") % {"name": name}


def _scale_field(label: str, initial) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(value), str(value)) for value in SCALE],
        coerce=int,
        required=False,
        empty_value=None,
        initial=initial,
        error_messages={
            "invalid_choice": _(
                "The answer to “%(question)s” is not one of the options. "
                "Please choose an answer on the scale."
            )
            % {"question": label.replace("%", "%%")}
        },
    )


class _ScaleForm(forms.Form):
    """Shared by both pages: the options of a scale field, pre-filled or as sent."""

    def __init__(self, data=None, *, scale_labels: list[str]) -> None:
        super().__init__(data)
        self.scale_labels = scale_labels

    def _current(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name, ""))
        value = self.fields[name].initial
        return "" if value is None else str(value)

    def _statement(self, id_: str, name: str) -> Statement:
        current = self._current(name)
        return Statement(
            id=id_,
            name=name,
            text=self.fields[name].label,
            options=[
                Option(value, label, current == str(value))
                for value, label in zip(SCALE, self.scale_labels, strict=True)
            ],
            errors=list(self.errors.get(name, [])) if self.is_bound else [],
        )

    def _refuse_foreign(self, message: str) -> None:
        for name in self.data:
            if name.startswith((COLLEAGUE_PREFIX, ITEM_PREFIX)) and name not in self.fields:
                self.add_error(None, message)
                return

    def error_summary(self) -> list[str]:
        if not self.is_bound:
            return []
        summary = [str(message) for message in self.non_field_errors()]
        for name in self.fields:
            summary.extend(str(message) for message in self.errors.get(name, []))
        return summary


class RoundPageForm(_ScaleForm):
    """The statements about the colleagues of one page; ``answers`` is what was stored."""

    def __init__(
        self,
        data=None,
        *,
        colleagues: list[Colleague],
        scale_labels: list[str],
        answers: dict | None = None,
    ) -> None:
        super().__init__(data, scale_labels=scale_labels)
        self.colleagues = colleagues
        answers = answers or {}
        for colleague in colleagues:
            stored = answers.get(colleague.pseudonym)
            for question in QUESTIONS:
                self.fields[self._name(colleague, question)] = _scale_field(
                    statement_text(question, colleague.name),
                    getattr(stored, question, None) if stored else None,
                )
            self.fields[self._name(colleague, "skip")] = forms.BooleanField(
                label=_("Skip %(name)s") % {"name": colleague.name},
                required=False,
                initial=bool(stored and stored.skipped),
            )

    @staticmethod
    def _name(colleague: Colleague, part: str) -> str:
        return f"{COLLEAGUE_PREFIX}{colleague.key}-{part}"

    def clean(self):
        cleaned = super().clean()
        self._refuse_foreign(
            _(
                "An answer was sent about someone who is not one of your colleagues on this "
                "page. Nothing on this page was saved; please check your answers and try again."
            ),
        )
        return cleaned

    @property
    def ratings(self) -> dict[str, dict[str, int]]:
        """Target pseudonym to the answers given (skipped colleagues and blanks left out)."""
        ratings = {}
        for colleague in self.colleagues:
            values = {
                question: self.cleaned_data[self._name(colleague, question)]
                for question in QUESTIONS
                if self.cleaned_data.get(self._name(colleague, question)) is not None
            }
            if values:
                ratings[colleague.pseudonym] = values
        return ratings

    @property
    def skipped(self) -> set[str]:
        return {
            colleague.pseudonym
            for colleague in self.colleagues
            if self.cleaned_data.get(self._name(colleague, "skip"))
        }

    def blocks(self) -> list[ColleagueBlock]:
        blocks = []
        for colleague in self.colleagues:
            skip_name = self._name(colleague, "skip")
            skipped = (
                bool(self.data.get(skip_name)) if self.is_bound else self.fields[skip_name].initial
            )
            statements = [
                self._statement(f"{colleague.key}-{q}", self._name(colleague, q)) for q in QUESTIONS
            ]
            blocks.append(
                ColleagueBlock(
                    key=colleague.key,
                    name=colleague.name,
                    statements=statements,
                    skip_name=skip_name,
                    skipped=bool(skipped),
                    errors=[e for s in statements for e in s.errors],
                )
            )
        return blocks


class PredictionForm(_ScaleForm):
    """A lead's prediction: the leader statements, answered as they expect their team to."""

    def __init__(
        self,
        data=None,
        *,
        items: list,
        language: str,
        scale_labels: list[str],
        answers: dict | None = None,
    ) -> None:
        super().__init__(data, scale_labels=scale_labels)
        self.items = items
        answers = answers or {}
        for item in items:
            self.fields[ITEM_PREFIX + item.id] = _scale_field(
                item.text[language], answers.get(item.id)
            )

    def clean(self):
        cleaned = super().clean()
        self._refuse_foreign(
            _(
                "An answer was sent for a statement that is not on this page. Nothing on this "
                "page was saved; please check your answers and try again."
            ),
        )
        return cleaned

    @property
    def answers(self) -> dict[str, int]:
        return {
            name.removeprefix(ITEM_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(ITEM_PREFIX) and value is not None
        }

    def statements(self) -> list[Statement]:
        return [self._statement(item.id, ITEM_PREFIX + item.id) for item in self.items]


__all__ = [
    "ColleagueBlock",
    "PredictionForm",
    "RoundPageForm",
    "Statement",
    "statement_text",
]
