"""The form of one survey page: a scale question per item, a text box per open question.

Every question is optional. A value off the scale ("7", "abc") or an answer to a question
that is not on the page makes the whole page invalid, with a message naming the question,
so nothing of a tampered page is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from django import forms
from django.template.loader import render_to_string
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from trustmirror.surveys.answering import OPEN_ANSWER_MAX_LENGTH

ITEM_PREFIX = "item-"
OPEN_PREFIX = "open-"
# Long enough to recognise a question, short enough that pasted junk does not flood the page.
NAME_IN_MESSAGE_MAX = 60


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    checked: bool


QUESTION_TEMPLATE = "surveys/_scale_question.html"


@dataclass(frozen=True)
class ScaleQuestion:
    item_id: str
    name: str
    number: int
    text: str
    options: tuple[Option, ...]
    errors: tuple[str, ...]

    @property
    def html(self) -> str:
        """The question's markup. Without errors it depends on nothing but these fields, so
        it is rendered once per question, language and answer and then kept: a page of
        twelve questions with six options each cost more to render than to save."""
        if self.errors:
            return render_to_string(QUESTION_TEMPLATE, {"q": self})
        return _question_html(self)


@lru_cache(maxsize=4096)
def _question_html(question: ScaleQuestion) -> str:
    return render_to_string(QUESTION_TEMPLATE, {"q": question})


@dataclass(frozen=True)
class PageError:
    """One message of the error summary; ``question_id`` is the question it is about."""

    message: str
    question_id: str | None


@dataclass(frozen=True)
class OpenQuestionField:
    question_id: str
    name: str
    text: str
    value: str
    errors: list[str]


class OpenAnswerField(forms.CharField):
    """Free text whose line breaks count once, as the browser's ``maxlength`` counts them."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def _percent_safe(text: str) -> str:
    # Field error messages are %-formatted with their params by ValidationError.
    return text.replace("%", "%%")


def _shorten(text: str) -> str:
    return text if len(text) <= NAME_IN_MESSAGE_MAX else text[: NAME_IN_MESSAGE_MAX - 1] + "…"


def _off_scale(text: str) -> str:
    return _(
        "The answer to “%(question)s” is not one of the options. "
        "Please choose an answer on the scale."
    ) % {"question": _percent_safe(_shorten(text))}


_off_scale_message = lazy(_off_scale, str)


class _ScaleChoices(BaseChoiceIterator):
    """A scale's choices, already in Django's normal form.

    Django normalises a plain list of choices anew for every field (a page has 6-12), which
    was 7 % of a web worker's time under load; a choice iterator is taken as it is.
    """

    def __init__(self, values: tuple[int, ...]):
        self.pairs = tuple((str(value), str(value)) for value in values)

    def __iter__(self):
        return iter(self.pairs)


@lru_cache(maxsize=16)
def _scale_choices(values: tuple[int, ...]) -> _ScaleChoices:
    return _ScaleChoices(values)


class PageForm(forms.Form):
    """Answers to one page of the instrument, in the respondent's language.

    ``answers`` and ``open_answers`` are the stored draft, shown pre-filled when unbound.
    ``first_number`` numbers the questions across pages (the first item of the page).
    """

    def __init__(
        self,
        data=None,
        *,
        instrument,
        page,
        language: str,
        answers: dict[str, int] | None = None,
        open_answers: dict[str, str] | None = None,
        first_number: int = 1,
    ) -> None:
        super().__init__(data)
        self.instrument = instrument
        self.page = page
        self.language = language
        self.first_number = first_number
        answers = answers or {}
        open_answers = open_answers or {}
        open_texts = {q.id: q.text for q in instrument.open_questions}
        choices = _scale_choices(tuple(self._scale_values()))
        for item_id in page.item_ids:
            text = instrument.items[item_id].text[language]
            self.fields[ITEM_PREFIX + item_id] = forms.TypedChoiceField(
                label=text,
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                initial=answers.get(item_id),
                # Worded only if it is shown: most pages are valid, and most are only shown.
                error_messages={"invalid_choice": _off_scale_message(text)},
            )
        for question_id in page.open_question_ids:
            text = open_texts[question_id][language]
            self.fields[OPEN_PREFIX + question_id] = OpenAnswerField(
                label=text,
                required=False,
                max_length=OPEN_ANSWER_MAX_LENGTH,
                initial=open_answers.get(question_id, ""),
                error_messages={
                    # Filled in later by the validator with limit_value and show_value.
                    "max_length": _(
                        "The answer to “%(question)s” is too long: at most %(limit_value)d "
                        "characters (it has %(show_value)d)."
                    ).replace("%(question)s", _percent_safe(_shorten(text))),
                    "null_characters_not_allowed": _(
                        "The answer to “%(question)s” contains characters that cannot be "
                        "stored. Please retype it."
                    )
                    % {"question": _percent_safe(_shorten(text))},
                },
            )

    def _scale_values(self) -> list[int]:
        return [*range(1, self.instrument.scale_points + 1), self.instrument.dont_know]

    def clean(self):
        cleaned = super().clean()
        if self.data is not None:
            for name in self.data:
                if name.startswith((ITEM_PREFIX, OPEN_PREFIX)) and name not in self.fields:
                    self.add_error(None, self._foreign_question_message(name))
        return cleaned

    def _foreign_question_message(self, name: str) -> str:
        key = name.removeprefix(ITEM_PREFIX).removeprefix(OPEN_PREFIX)
        item = self.instrument.items.get(key) if name.startswith(ITEM_PREFIX) else None
        question = item.text[self.language] if item is not None else key
        return _(
            "An answer was sent for “%(question)s”, which is not a question on this page. "
            "Nothing on this page was saved; please check your answers and try again."
        ) % {"question": _shorten(question)}

    @property
    def answers(self) -> dict[str, int]:
        """The scale answers given on this page (skipped items left out)."""
        return {
            name.removeprefix(ITEM_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(ITEM_PREFIX) and value is not None
        }

    @property
    def open_answers(self) -> dict[str, str]:
        return {
            name.removeprefix(OPEN_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(OPEN_PREFIX) and value
        }

    def _current(self, name: str):
        # A re-rendered page shows what was sent; an unbound one what was stored.
        if self.is_bound:
            return self.data.get(name, "")
        value = self.fields[name].initial
        return "" if value is None else value

    @cached_property
    def scale_questions(self) -> list[ScaleQuestion]:
        labels = [*self.instrument.scale_labels[self.language]]
        labels.append(self.instrument.dont_know_label[self.language])
        questions = []
        for offset, item_id in enumerate(self.page.item_ids):
            name = ITEM_PREFIX + item_id
            current = str(self._current(name))
            options = tuple(
                Option(value=value, label=label, checked=current == str(value))
                for value, label in zip(self._scale_values(), labels, strict=True)
            )
            questions.append(
                ScaleQuestion(
                    item_id=item_id,
                    name=name,
                    number=self.first_number + offset,
                    text=self.fields[name].label,
                    options=options,
                    errors=tuple(self.errors.get(name, ())) if self.is_bound else (),
                )
            )
        return questions

    @cached_property
    def open_questions(self) -> list[OpenQuestionField]:
        fields = []
        for question_id in self.page.open_question_ids:
            name = OPEN_PREFIX + question_id
            fields.append(
                OpenQuestionField(
                    question_id=question_id,
                    name=name,
                    text=self.fields[name].label,
                    value=str(self._current(name)),
                    errors=list(self.errors.get(name, [])) if self.is_bound else [],
                )
            )
        return fields

    @cached_property
    def error_summary(self) -> list[PageError]:
        """All messages of the page, each naming its question, for the box at the top.

        A message about one question of the page links to it (``#q-<id>``); one about the
        page as a whole (an answer to a question that is not on it) links nowhere.
        """
        if not self.is_bound:
            return []
        summary = [PageError(str(message), None) for message in self.non_field_errors()]
        for name in self.fields:
            question_id = name.removeprefix(ITEM_PREFIX).removeprefix(OPEN_PREFIX)
            summary.extend(PageError(str(m), question_id) for m in self.errors.get(name, []))
        return summary
