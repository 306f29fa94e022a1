"""Rules for the texts of every packaged instrument version, v1 and v2 alike."""

from __future__ import annotations

import re

import pytest

from trustmirror.instrument import LANGUAGES, available_instruments, load_instrument


@pytest.fixture(params=available_instruments(), ids=lambda found: f"{found[0]}-v{found[1]}")
def scan(request):
    return load_instrument(*request.param)


def test_every_version_is_checked():
    assert {version for _id, version in available_instruments()} >= {"1", "2"}


def test_every_text_exists_in_both_languages_and_is_translated(scan, all_texts):
    """A Dutch text copied into the English slot (or the reverse) is a forgotten translation."""
    for where, text in all_texts(scan):
        assert set(text) == set(LANGUAGES), where
        assert all(text[language].strip() == text[language] != "" for language in LANGUAGES)
        assert text["nl"] != text["en"], where


def test_items_are_short_complete_statements(scan):
    for item in scan.items.values():
        for language in LANGUAGES:
            text = item.text[language]
            assert len(text) <= 100, (item.id, language)
            assert text.endswith("."), (item.id, language)


def test_item_ids_are_short(scan):
    assert all(re.fullmatch(r"[a-z]{3}\d", item_id) for item_id in scan.items)


def test_explanations_are_one_to_three_sentences(scan):
    for part in [*scan.groups, *scan.constructs]:
        for language in LANGUAGES:
            sentences = re.findall(r"[.!?](?:\s|$)", part.explanation[language])
            assert 1 <= len(sentences) <= 3, (part.id, language)
