"""Shared fixtures of the instrument tests."""

from __future__ import annotations

import pytest


def _all_texts(instrument):
    """Yield ``(where, {language: text})`` for every text a respondent or a reader sees:
    name, intro, the "don't know" label, groups, constructs, items, open questions, and each
    form with its pages (titles, and intros where a page or form has one)."""
    yield "name", instrument.name
    yield "intro", instrument.intro
    yield "dont_know_label", instrument.dont_know_label
    for group in instrument.groups:
        yield f"group {group.id} label", group.label
        yield f"group {group.id} explanation", group.explanation
    for construct in instrument.constructs:
        yield f"construct {construct.id} label", construct.label
        yield f"construct {construct.id} explanation", construct.explanation
    for item in instrument.items.values():
        yield f"item {item.id}", item.text
    for question in instrument.open_questions:
        yield f"open question {question.id}", question.text
    for form in instrument.forms.values():
        yield f"form {form.id}", form.label
        if form.intro is not None:
            yield f"form {form.id} intro", form.intro
        for page in form.pages:
            yield f"form {form.id} page {page.id}", page.title
            if page.intro is not None:
                yield f"form {form.id} page {page.id} intro", page.intro


@pytest.fixture
def all_texts():
    """Every user-facing text of an instrument, for the tests of each version's file."""
    return _all_texts
