"""Charts: valid inline SVG that works under the strict CSP, deterministic, labels escaped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trustmirror.charts.profile import profile_chart
from trustmirror.charts.quadrant import QuadrantPoint, quadrant_chart
from trustmirror.charts.svg import BLUE, SVG_NS, Series
from trustmirror.charts.unit_means import UnitMean, unit_means_chart

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SCORE = re.compile(r"\d[.,]\d")
THEMES = [
    "Safety and security",
    "Power and own place",
    "Reliability",
    "Performance",
    "Collaboration",
    "Innovation",
]


def profile(**overrides) -> str:
    arguments = {
        "chart_id": "profile",
        "categories": THEMES,
        "series": [
            Series(
                "Team North",
                [3.4, 2.9, None, 4.1, 3.8, 3.05],
                [3.0, 2.5, None, 3.8, 3.5, 2.7],
                [3.8, 3.3, None, 4.4, 4.1, 3.4],
            ),
            Series("Acme", [3.5, 3.0, 3.3, 3.9, 3.6, 3.2]),
        ],
        "title": "Team North beside Acme",
        "summary": "Team North: Safety and security 3.4, ...",
        "suppressed_label": "not enough responses",
        "midpoint_label": "neutral (3)",
    }
    arguments.update(overrides)
    return profile_chart(**arguments)


def unit_means(**overrides) -> str:
    arguments = {
        "chart_id": "scale-1",
        "units": [
            UnitMean("Team North", 6, 3.42, 3.01, 3.83, 0.81),
            UnitMean("Team South", 5, 2.64, 2.02, 3.26, 0.42),
        ],
        "title": "Trust: unit means with 95% confidence intervals",
        "summary": "...",
        "axis_label": "mean score",
        "agree_label": "rwg(j) .70 or higher",
        "disagree_label": "rwg(j) below .70",
        "overall_mean": 3.1,
        "overall_label": "overall mean 3.10",
        "scale_points": 5,
    }
    arguments.update(overrides)
    return unit_means_chart(**arguments)


def quadrant(**overrides) -> str:
    arguments = {
        "chart_id": "balance-chart",
        "points": [QuadrantPoint("Team North", 3.84, 2.26), QuadrantPoint("Acme", 3.5, 3.4)],
        "corner_labels": ["firm hold", "room", "control instead", "neither"],
        "trust_label": "Trust",
        "control_label": "Control",
        "title": "Team North between trust and control",
        "summary": "Team North: trust 3.8, control 2.3; Acme: trust 3.5, control 3.4",
    }
    arguments.update(overrides)
    return quadrant_chart(**arguments)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("make", [profile, unit_means, quadrant])
def test_charts_are_inline_svg_fit_for_a_strict_csp(make):
    svg = make()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.get("role") == "img"
    chart_id = root.get("id")
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text
    assert desc.tag == f"{SVG}desc"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    # Inline style is refused by the site's CSP: colours must be presentation attributes.
    assert not any(e.get("style") for e in root.iter())
    assert not list(root.iter(f"{SVG}style")) and not list(root.iter(f"{SVG}metadata"))
    assert any(e.get("fill") == BLUE.lower() or e.get("fill") == BLUE for e in root.iter())
    # Every id is the chart's own (several charts share a page) and every reference resolves.
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(chart_id) for i in ids)
    for element in root.iter():
        for value in element.attrib.values():
            for ref in re.findall(r"url\(#([^)]+)\)", value):
                assert ref in ids
        href = element.get(XLINK_HREF)
        if href and not href.startswith("data:image/png;base64,"):  # CSP: img-src data:
            assert href[1:] in ids, href[:40]
    assert "<?xml" not in svg and "DOCTYPE" not in svg


def test_charts_are_deterministic_also_across_processes():
    assert profile() == profile()
    assert unit_means() == unit_means()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from test_charts import profile; "
        "sys.stdout.write(profile())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    assert other == profile()


def test_charts_stay_plain_svg_after_another_library_changes_elementtrees_prefixes():
    """WeasyPrint (the PDF reports) maps ElementTree's empty prefix to no namespace when it is
    imported; a chart drawn afterwards in the same process must still be ``<svg ...>``, which
    a browser's HTML parser recognises, and not ``<ns0:svg ...>``, which it does not."""
    before = profile()
    ET.register_namespace("", "")  # what weasyprint.pdf.metadata does on import
    ET.register_namespace("xlink", "urn:example:not-xlink")
    try:
        after = profile()
    finally:
        ET.register_namespace("", SVG_NS)
        ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    assert after == before
    assert after.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "ns0:" not in after


def test_labels_are_escaped_and_never_start_math_mode():
    nasty = '<script>alert("x")</script> & $5 for "Team" $x$'
    svg = profile(
        categories=[nasty] + THEMES[1:],
        title=nasty,
        summary=nasty,
        series=[Series(nasty, [3.0] * 6)],
    )
    assert "<script" not in svg
    root = ET.fromstring(svg)
    assert root[0].text == nasty and root[1].text == nasty
    # Wrapped over lines, but every character is drawn as written, the dollars included.
    drawn = "".join(texts(root)).replace(" ", "")
    assert nasty.replace(" ", "") in drawn


def test_values_that_may_not_be_shown_leave_no_number_in_the_chart():
    svg = profile(
        series=[Series("Team South", [None] * 6, [None] * 6, [None] * 6)],
        summary="Team South: not enough responses",
    )
    root = ET.fromstring(svg)
    assert texts(root).count("not enough responses") == 6
    words = texts(root) + [root[0].text, root[1].text]
    assert not any(SCORE.search(w) for w in words)
    assert not re.search(r"data-|<!--", svg)


def test_profile_writes_the_values_and_marks_the_midpoint():
    shown = texts(ET.fromstring(profile()))
    for value in ["3.4", "2.9", "4.1", "3.8", "3.0", "3.5", "3.3", "3.9", "3.6", "3.2"]:
        assert value in shown
    assert "neutral (3)" in shown and "not enough responses" in shown
    assert "Team North" in shown and "Acme" in shown  # the legend


@pytest.mark.parametrize(
    "bad",
    [
        {"chart_id": "Not valid"},
        {"categories": THEMES[:2]},
        {"series": []},
    ],
)
def test_profile_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        profile(**bad)


def test_the_quadrant_names_its_corners_and_groups_and_is_deterministic():
    svg = quadrant()
    assert svg == quadrant()
    words = texts(ET.fromstring(svg))
    for expected in ("firm hold", "room", "control instead", "neither", "Team North", "Acme"):
        assert any(expected in word for word in words), expected
    # No more precision than the page prints: 3.84 and 2.26 are drawn at 3.8 and 2.3.
    assert quadrant() == quadrant(
        points=[QuadrantPoint("Team North", 3.8, 2.3), QuadrantPoint("Acme", 3.5, 3.4)]
    )


@pytest.mark.parametrize(
    "bad",
    [{"points": []}, {"corner_labels": ["a", "b"]}, {"chart_id": "Not An Id"}],
)
def test_the_quadrant_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        quadrant(**bad)
