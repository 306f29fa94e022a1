"""A submitted response's answers as a line of numbers (surveys.answer_rows): the fast read
gives exactly what the JSON gives, and every line it cannot trust is read from the JSON."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.surveys import answer_rows

ITEMS = ["saf1", "saf2", "pow1", "rel1", "fea2"]

answers_strategy = st.dictionaries(
    st.sampled_from(ITEMS), st.integers(min_value=-3, max_value=12), max_size=len(ITEMS)
)


def from_json(records: list[dict], items: list[str]) -> np.ndarray:
    """The slow, obvious reading: NaN where an item was not answered."""
    return np.array(
        [[float(r[i]) if i in r else np.nan for i in items] for r in records], dtype=float
    ).reshape(len(records), len(items))


@settings(max_examples=200, deadline=None)
@given(st.lists(answers_strategy, max_size=30))
def test_lines_read_back_as_the_json_would(records):
    lines = [answer_rows.encode(ITEMS, r) for r in records]
    matrix, read = answer_rows.decode(lines, ITEMS)
    assert read.all()
    np.testing.assert_array_equal(matrix, from_json(records, ITEMS))


def test_a_line_is_numbers_in_item_order_after_the_orders_digest():
    line = answer_rows.encode(ITEMS, {"rel1": 4, "saf1": 0, "fea2": 5})
    digest, numbers = line.split(":")
    assert digest == answer_rows.layout(ITEMS) and len(digest) == 8
    assert numbers == "0,,,4,5"
    assert answer_rows.layout(list(reversed(ITEMS))) != digest


@pytest.mark.parametrize(
    "answers",
    [
        {"saf1": 3.5},  # not a whole number
        {"saf1": "3"},  # text
        {"saf1": True},  # a boolean is not an answer
        {"saf1": 3, "zzz9": 4},  # an item the questionnaire does not have
    ],
)
def test_answers_that_are_not_plain_item_numbers_get_no_line(answers):
    assert answer_rows.encode(ITEMS, answers) == ""


def test_lines_it_cannot_trust_are_left_to_the_json():
    good = answer_rows.encode(ITEMS, {"saf1": 2, "pow1": 5})
    other_order = answer_rows.encode(list(reversed(ITEMS)), {"saf1": 2})
    lines = [
        good,
        "",  # stored before lines existed
        other_order,  # the file's items were reordered since
        good.split(":")[0] + ":1,2,3",  # too few numbers
        good,
    ]
    matrix, read = answer_rows.decode(lines, ITEMS)
    assert read.tolist() == [True, False, False, False, True]
    np.testing.assert_array_equal(matrix[0], [2, np.nan, 5, np.nan, np.nan])
    assert np.isnan(matrix[1:4]).all()


def test_a_line_that_does_not_parse_sends_every_line_to_the_json():
    good = answer_rows.encode(ITEMS, {"saf1": 2})
    broken = good.split(":")[0] + ":1,x,3,4,5"
    matrix, read = answer_rows.decode([good, broken], ITEMS)
    assert not read.any() and np.isnan(matrix).all()
