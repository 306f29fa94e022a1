"""Dana, lead of Team North, signs in and sees her team's profile beside the organisation's."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

PASSWORD = "correct-horse-battery"  # the personas' password in tests/conftest.py
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dana_sees_her_team_beside_the_organisation(page, live_server, acme, scan, settings):
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    team_url = reverse(
        "results:unit_profile",
        kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
    )
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/?next={team_url}")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**{team_url}")

    assert page.request.get(f"{live_server.url}/static/trustmirror/results.css").ok
    assert page.locator("h1").inner_text().startswith("Team North")
    chart = page.locator("svg#profile-chart")
    chart.wait_for(state="visible")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 200
    # The chart names both series and is an accessible image with a summary.
    legend = chart.locator("text").all_text_contents()
    assert "Team North" in legend and "Acme" in legend
    assert chart.get_attribute("role") == "img"
    assert "Team North" in chart.locator("title").text_content()
    # Colours survive the strict CSP: the bars are painted blue and orange, not black.
    fills = chart.evaluate(
        "svg => Array.from(svg.querySelectorAll('path')).map(p => getComputedStyle(p).fill)"
    )
    assert "rgb(0, 114, 178)" in fills and "rgb(230, 159, 0)" in fills
    explanation = page.locator("#profile .explain").first
    assert explanation.is_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-profile.png"), full_page=True)

    # On a phone the chart still fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator("svg#profile-chart").bounding_box()
    assert box is not None and box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "team-profile-phone.png"), full_page=False)
