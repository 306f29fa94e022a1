"""Pair patterns of a round-robin group (trustmirror.analysis.dyads)."""

from __future__ import annotations

import pandas as pd
import pytest

from trustmirror.analysis.dyads import PATTERNS, pair_patterns


def _ratings(rows):
    return pd.DataFrame(rows, columns=["group", "perceiver", "target", "rating"])


def test_each_pair_rated_both_ways_is_counted_once_in_its_pattern():
    frame = _ratings(
        [
            ("A", 1, 2, 5),
            ("A", 2, 1, 4),  # mutual
            ("A", 1, 3, 5),
            ("A", 3, 1, 2),  # one-sided
            ("A", 2, 3, 1),
            ("A", 3, 2, 2),  # low both ways
            ("A", 1, 4, 3),
            ("A", 4, 1, 3),  # in between
            ("A", 2, 4, 5),  # rated one way only: not a pair
            ("A", 4, 4, 5),  # a self rating: ignored
            ("B", 7, 8, 4),
            ("B", 8, 7, 4),
        ]
    )
    counts = pair_patterns(frame, group="group")
    assert counts.loc["A", list(PATTERNS)].tolist() == [1, 1, 1, 1]
    assert counts.loc["A", "pairs"] == 4
    assert counts.loc["B", "mutual"] == 1 and counts.loc["B", "pairs"] == 1


def test_missing_values_are_no_pair_and_bad_input_is_named():
    frame = _ratings([("A", 1, 2, 5), ("A", 2, 1, None)])
    assert pair_patterns(frame, group="group").loc["A", "pairs"] == 0
    with pytest.raises(ValueError, match="no column 'score'"):
        pair_patterns(frame, value="score")
    with pytest.raises(ValueError, match="twice"):
        pair_patterns(_ratings([("A", 1, 2, 5), ("A", 1, 2, 4)]), group="group")
