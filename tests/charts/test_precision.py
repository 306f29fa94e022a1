"""Charts carry no more precision than the page prints.

A chart that draws a mean to six decimals gives it away exactly, where the page prints one
decimal: a reader can measure a bar's end in the SVG. So each chart rounds every value it
draws (bar ends, dot positions, interval ends, cell colours) to what the page prints: means
to one decimal, rates to a whole percent, reliability coefficients to two decimals.

Each test draws a chart twice from inputs that differ only below that precision (3.46 and
3.54 both print as 3.5) and asks for byte-identical SVG; a control pair that prints
differently must give different SVG, so the comparison is not empty.
"""

from __future__ import annotations

import pytest

from trustmirror.charts.breakdown import breakdown_chart
from trustmirror.charts.change import change_chart
from trustmirror.charts.profile import profile_chart
from trustmirror.charts.reliability import reliability_chart
from trustmirror.charts.svg import Series, rounded
from trustmirror.charts.unit_means import UnitMean, unit_means_chart

THEMES = ["Safety", "Power", "Reliability"]


def profile(a: float, b: float) -> str:
    return profile_chart(
        chart_id="profile",
        categories=THEMES,
        series=[
            Series("Team North", [a, 2.9, None], [3.1, 2.5, None], [3.9, 3.3, None]),
            Series("Acme", [3.1, b, 3.3]),
        ],
        title="Team North beside Acme",
        summary="the same text for both",
        suppressed_label="not enough responses",
        midpoint_label="neutral (3)",
    )


def breakdown(a: float, b: float) -> str:
    return breakdown_chart(
        chart_id="breakdown",
        categories=THEMES,
        series=[Series("Amsterdam (n = 12)", [a, 3.0, None]), Series("Zwolle", [3.2, b, 2.7])],
        title="Mean per theme by location",
        summary="the same text for both",
        suppressed_label="not shown",
        midpoint_label="neutral (3)",
    )


def change(a: float, b: float) -> str:
    return change_chart(
        chart_id="change",
        categories=THEMES,
        before=[a, 3.0, None],
        after=[b, 3.6, 3.1],
        before_label="Spring scan",
        after_label="Autumn scan",
        title="Change since the spring scan",
        summary="the same text for both",
        suppressed_label="not shown",
    )


def reliability(a: float, b: float) -> str:
    return reliability_chart(
        chart_id="reliability",
        categories=THEMES,
        series=[Series("alpha", [a, 0.71, 0.64]), Series("omega", [0.9, b, None])],
        title="Reliability per scale",
        summary="the same text for both",
        missing_label="no omega",
        threshold_label="good from 0.70",
    )


def unit_means(a: float, b: float, *, overall: float = 3.0) -> str:
    chart = unit_means_chart(
        chart_id="unit-means",
        units=[
            UnitMean("North", 6, a, 3.1, 3.9, 0.82),
            UnitMean("South", 7, b, 1.6, 2.5, 0.55),
            UnitMean("East", 5, 3.0, None, None, None),
        ],
        title="Trust: unit means",
        summary="the same text for both",
        axis_label="mean score",
        agree_label="rwg(j) .70 or higher",
        disagree_label="rwg(j) below .70",
        overall_mean=overall,
        overall_label="overall mean",
        scale_points=5,
    )
    assert chart is not None
    return chart


# Per chart: two inputs printed alike, and a pair printed differently, with the decimals
# the page prints for them.
CASES = {
    "profile": (profile, 1, (3.46, 2.04), (3.54, 1.96), (3.44, 2.04)),
    "breakdown": (breakdown, 1, (3.46, 2.04), (3.54, 1.96), (3.44, 2.04)),
    "change": (change, 1, (3.46, 2.04), (3.54, 1.96), (3.44, 2.04)),
    "reliability": (reliability, 2, (0.8151, 0.7749), (0.8249, 0.7651), (0.8149, 0.7749)),
    "unit_means": (unit_means, 1, (3.46, 2.04), (3.54, 1.96), (3.44, 2.04)),
}


@pytest.mark.parametrize("name", CASES)
def test_inputs_printed_alike_give_byte_identical_charts(name):
    make, digits, one, other, _ = CASES[name]
    # The two inputs really differ, but not in what the page prints.
    assert one != other
    for x, y in zip(one, other, strict=True):
        assert rounded(x, digits) == rounded(y, digits)

    assert make(*one) == make(*other)


@pytest.mark.parametrize("name", CASES)
def test_inputs_printed_differently_give_different_charts(name):
    make, _, one, _, printed_differently = CASES[name]

    assert make(*one) != make(*printed_differently)


def test_unit_means_are_ordered_by_the_printed_mean():
    """3.46 above 3.54 or below it: both print 3.5, so the dots keep the table's order."""
    assert unit_means(3.46, 3.54) == unit_means(3.54, 3.46)
    assert unit_means(3.46, 3.54, overall=3.04) == unit_means(3.54, 3.46, overall=2.96)


def test_interval_ends_are_rounded_too():
    """Only the interval's ends differ, below one decimal: the error bar is drawn alike."""

    def chart(low: float, high: float) -> str:
        return profile_chart(
            chart_id="profile",
            categories=["Safety"],
            series=[Series("Team North", [3.5], [low], [high])],
            title="t",
            summary="s",
            suppressed_label="not enough responses",
            midpoint_label="neutral (3)",
        )

    assert chart(3.0 + 0.04, 3.9 - 0.04) == chart(3.0 - 0.04, 3.9 + 0.04)
    assert chart(3.0, 3.9) != chart(3.1, 3.9)


def test_a_page_that_prints_more_decimals_can_ask_for_them():
    """The precision is a parameter: with two decimals 3.46 and 3.54 are drawn apart."""
    assert profile(3.46, 2.0) == profile(3.54, 2.0)

    def two(value: float) -> str:
        return profile_chart(
            chart_id="profile",
            categories=["Safety"],
            series=[Series("Team North", [value])],
            title="t",
            summary="s",
            suppressed_label="not enough responses",
            midpoint_label="neutral (3)",
            digits=2,
        )

    assert two(3.46) != two(3.54)
    assert two(3.461) == two(3.459)
