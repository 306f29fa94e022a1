"""The heatmap's colour follows the comparison the reader chose, from the numbers shown.

Scenario (tests/results/conftest.py, k = 5): Carla is the admin. Operations/Logistics holds
Team North (6 respondents, shown), Team South (2) and Team East (3).
"""

from __future__ import annotations

import pytest

from trustmirror.results import wording

from .test_views import logistics, overview_url

pytestmark = pytest.mark.django_db


def shown(stat) -> float:
    return round(stat.mean, 1)


@pytest.mark.parametrize("versus", ["organisation", "level"])
def test_each_cell_shows_its_difference_from_the_chosen_comparison(client, acme, scan, versus):
    client.force_login(acme.carla)
    level = logistics(acme)  # its units: Team North (shown), South and East (too small)
    response = client.get(overview_url(scan), {"level": f"u:{level.pk}", "vs": versus})
    assert response.context["heat_versus"] == versus
    results = response.context["results"]
    reference_group = results.org if versus == "organisation" else results.group(f"u:{level.pk}")
    if not reference_group.shown:
        reference_group = None  # Logistics is hidden to protect South: nothing to compare with
    themes = results.instrument.themes
    checked = 0
    for row in response.context["heatmap_rows"]:
        if not row.group.shown:
            continue
        for theme, cell in zip(themes, row.cells, strict=True):
            stat = row.group.stat(theme.id)
            reference = reference_group.stat(theme.id) if reference_group else None
            if stat is None:
                continue
            expected = wording.signed(shown(stat) - shown(reference)) if reference else ""
            assert cell.difference == expected, (row.label, theme.id)
            checked += 1
    assert checked >= 4  # Team North's shown themes
    page = response.content.decode()
    assert f'vs={versus}#heatmap" aria-current="true"' in page
    # The organisation's page, too, starts with its story.
    assert page.index('id="story"') < page.index('id="participation"') < page.index('id="heatmap"')


def test_an_unknown_comparison_or_one_not_offered_falls_back_to_the_organisation(
    client, acme, scan
):
    client.force_login(acme.carla)
    # At the organisation's own level there is no "level" to compare with.
    for asked in ("level", "<b>", "previous"):
        response = client.get(overview_url(scan), {"vs": asked})
        assert response.status_code == 200
        assert response.context["heat_versus"] == "organisation"
