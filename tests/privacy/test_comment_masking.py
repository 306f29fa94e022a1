"""Masking open answers: phone numbers, e-mail addresses, people's and units' names.

A comment is published with a mark where something was masked (privacy.comments.MARKS);
a page shows "[name]", "[phone number]" and so on in the reader's language.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy.comments import (
    _PARTICLES,
    MARKS,
    comment_parts,
    mask_comment,
    mask_phone_numbers,
    mask_words,
)

PHONE = "#"


@pytest.mark.parametrize(
    "number",
    [
        "06-12345678",
        "06 12345678",
        "0612345678",
        "06 1234 5678",
        "06 12 34 56 78",
        "010-1234567",
        "010 123 4567",
        "020-123 45 67",
        "+31 6 1234 5678",
        "+31612345678",
        "+31 (0)6 12345678",
        "0031 6 12345678",
        "+44 20 7946 0958",
        "+1 555 123 4567",
    ],
)
def test_phone_numbers_are_masked(number):
    assert mask_phone_numbers(f"Bel me op {number}, graag.", mask=PHONE) == "Bel me op #, graag."
    assert mask_phone_numbers(f"({number})", mask=PHONE) == "(#)"
    assert mask_phone_numbers(f"{number}.", mask=PHONE) == "#."


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 en 2025 werd het beter.",
        "Van 2019-2023 was het onrustig.",
        "45% is tevreden, 3 of 5 teams ook.",
        "Ik geef het een 4/5 of een 8,5.",
        "Op 01-03-2024 begon de verhuizing.",
        "Op 1.3.24 kwam het bericht.",
        "Een score van 0-10 is te grof.",
        "Er werken 1.250 mensen, 0.5 fte per team.",
        "We kregen 12 van de 15 punten.",
        "Rekening NL91ABNA0417164300 klopt niet.",
        "Bel 112 als het misgaat.",
        "Het budget is 0,75 miljoen.",
    ],
)
def test_numbers_that_are_no_phone_numbers_stay(text):
    assert mask_phone_numbers(text, mask=PHONE) == text


def test_only_the_phone_number_of_a_longer_run_is_masked():
    assert mask_phone_numbers("06-12345678 - 3 keer", mask=PHONE) == "# - 3 keer"


def test_unit_names_are_masked_whole_and_short_ones_in_their_own_case():
    units = ["Team North", "Logistics", "IT"]
    text = "Since Team  North joined logistics, IT asks it twice; Northwind is a client."
    assert mask_words(text, units, mask="#") == (
        "Since # joined #, # asks it twice; Northwind is a client."
    )


def test_a_comment_is_masked_in_all_four_ways_and_read_back_as_parts():
    masked = mask_comment(
        "Ask Anna (anna.devries@acme.test, 06-12345678) in Team North",
        people_names=["Anna de Vries"],
        unit_names=["Team North"],
    )
    assert masked == (
        f"Ask {MARKS['name']} ({MARKS['email']}, {MARKS['phone']}) in {MARKS['unit']}"
    )
    assert comment_parts(masked) == [
        ("", "Ask "),
        ("name", ""),
        ("", " ("),
        ("email", ""),
        ("", ", "),
        ("phone", ""),
        ("", ") in "),
        ("unit", ""),
    ]


def test_a_mark_typed_by_a_respondent_is_removed_so_every_mark_comes_from_masking():
    assert mask_comment(f"fine {MARKS['name']}", people_names=[]) == "fine"


# -- properties ---------------------------------------------------------------------------------

# Particles ("van", "de") are no name on their own and are never masked alone.
NAME = st.text(alphabet=string.ascii_letters + "éëïöü", min_size=3, max_size=10).filter(
    lambda name: name.lower() not in _PARTICLES
)
FILLER = st.sampled_from(
    ["ik", "vind", "dat", "de", "van", "team", "zei", "and", "it", ",", ".", "'s", "-", "\n"]
)


@st.composite
def names_and_text(draw):
    people = draw(st.lists(st.tuples(NAME, NAME), min_size=1, max_size=5))
    units = draw(st.lists(NAME, min_size=1, max_size=4))
    full_names = [f"{first} {last}" for first, last in people]
    words = [*full_names, *(p for pair in people for p in pair), *units, *units]
    pieces = draw(st.lists(st.one_of(st.sampled_from(words), FILLER), max_size=30))
    separators = draw(st.lists(st.sampled_from([" ", "", "  ", "\t"]), min_size=len(pieces)))
    text = "".join(p + s for p, s in zip(pieces, separators, strict=False))
    return full_names, units, text


def _contains_word(text: str, word: str, *, ignore_case: bool = True) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, flags) is not None


@settings(max_examples=300, deadline=None)
@given(names_and_text())
def test_masked_output_never_contains_a_listed_name(case):
    full_names, units, text = case
    masked = mask_comment(text, people_names=full_names, unit_names=units)
    for name in full_names:
        for part in name.split(" "):
            assert not _contains_word(masked, part), (part, masked)
    for unit in units:
        # A short unit name ("IT") is masked in its own case only.
        assert not _contains_word(masked, unit, ignore_case=len(unit) > 3), (unit, masked)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=100_000_000, max_value=999_999_999), st.sampled_from(["-", " ", ""]))
def test_every_dutch_mobile_and_landline_form_is_masked(subscriber, separator):
    digits = str(subscriber)
    for number in (f"06{separator}{digits[1:]}", f"0{digits[:2]}{separator}{digits[2:]}"):
        assert mask_phone_numbers(f"nummer {number} bellen", mask=PHONE) == "nummer # bellen"
