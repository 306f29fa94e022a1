"""The heatmap's rows by a characteristic: only what the breakdown rules published.

Scenario (tests/results/test_breakdown.py, k = 5): Beta has Ops/North, Ops/South and
Sales/East; Bea is its admin. Its scans closed on 31 October with breakdowns by one
characteristic. The overview's heatmap can list the organisation by the values of a
characteristic instead of by unit, only at the organisation's level (docs/privacy.md, rule 7:
never within a unit), only for a characteristic whose cut the rules allowed, and only with
the cells that the breakdown page shows.
"""

from __future__ import annotations

import html
import re

import pytest

from trustmirror.audit.models import AuditEvent

from .test_breakdown import beta, make_scan, page, shown_rows, tenure  # noqa: F401

pytestmark = pytest.mark.django_db

OTHER = "Other and not shown separately"
ROW = re.compile(r'<tr(?: class="rollup")?>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)


def overview(client, beta, scan, **query):  # noqa: F811
    client.force_login(beta["admin"])
    return client.get(f"/o/beta/scans/{scan.pk}/", query)


def value_rows(content: str) -> dict[str, list[str]]:
    """Row label -> the mean printed in each theme's cell ("–" where held back)."""
    table = re.search(r'<table class="data heatmap" id="heatmap-by">(.*?)</table>', content, re.S)
    if table is None:
        return {}
    body = table.group(1).split("</tr>", 2)[2]  # after the header and the organisation's row
    rows = {}
    for label, cells in ROW.findall(body + "</tr>"):
        values = re.findall(r'<td class="num heat heat-[\w-]+">(.*?)</td>', cells, re.S)
        rows[html.unescape(label).strip()] = [
            re.sub(r"<[^>]+>", "", re.sub(r'<span class="diff">.*?</span>', "", v)).strip()
            for v in values
        ]
    return rows


def test_rows_by_a_characteristic_print_the_published_breakdown(
    client,
    beta,  # noqa: F811
    instrument,
):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix, "east": mix})
    response = overview(client, beta, scan, by="tenure")
    assert response.context["by_choices"] == [("tenure", "tenure")]
    content = response.content.decode()
    rows = value_rows(content)
    breakdown = shown_rows(page(client, beta, scan, "tenure").content.decode())
    assert set(rows) == set(breakdown) == {"1-5 years", "not recorded"}
    for label, texts in rows.items():
        assert texts == breakdown[label][1], label
    # Viewing a breakdown through the heatmap is audited like the breakdown page.
    assert AuditEvent.objects.filter(
        action=AuditEvent.VIEW_RESULTS, target=f"scan {scan.pk} breakdown by tenure"
    ).exists()
    # Only the organisation is compared with: no unit's rows, no "units of" drill-down.
    assert 'class="drill"' not in content.split('id="heatmap"')[1].split("</section>")[0]


def test_a_value_below_k_or_one_that_would_combine_never_gets_a_row(
    client,
    beta,  # noqa: F811
    instrument,
):
    """Remote (3) is below k; Amsterdam (7) is East minus Remote: both go to "other"."""
    location = [{"location": "Utrecht"}] * 10
    east = [{"location": "Amsterdam"}] * 7 + [{"location": "Remote"}] * 3
    scan = make_scan(beta, instrument, {"north": location, "south": location, "east": east})
    content = overview(client, beta, scan, by="location").content.decode()
    rows = value_rows(content)
    assert set(rows) == {"Utrecht", OTHER}
    table = content.split('id="heatmap-by"')[1].split("</table>")[0]
    assert "Remote" not in table and "Amsterdam" not in table
    # Sorted by a theme, "other" stays last, after every value.
    sorted_rows = value_rows(
        overview(client, beta, scan, by="location", sort="reliability").content.decode()
    )
    assert list(sorted_rows)[-1] == OTHER


def test_a_characteristic_the_rules_refuse_is_not_offered(
    client,
    beta,  # noqa: F811
    instrument,
):
    """Cells A (27) and B (3): the rules refuse the cut, so the heatmap does not offer it."""
    scan = make_scan(
        beta,
        instrument,
        {
            "north": tenure(("A", 10)),
            "south": tenure(("A", 10)),
            "east": tenure(("A", 7), ("B", 3)),
        },
    )
    response = overview(client, beta, scan, by="tenure")
    assert response.context["by_choices"] == []
    assert response.context["by"] == ""
    content = response.content.decode()
    assert 'id="heatmap-rows"' not in content and 'id="heatmap-by"' not in content
    assert AuditEvent.objects.filter(target=f"scan {scan.pk}").exists()


def test_rows_by_a_characteristic_exist_only_at_the_organisations_level(
    client,
    beta,  # noqa: F811
    instrument,
):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix, "east": mix})
    ops = beta["units"]["north"].parent
    response = overview(client, beta, scan, level=f"u:{ops.pk}", by="tenure")
    assert response.context["by"] == "" and response.context["by_choices"] == []
    assert 'id="heatmap-by"' not in response.content.decode()


def test_no_rows_by_characteristic_when_the_scan_has_no_breakdowns(
    client,
    beta,  # noqa: F811
    instrument,
):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix}, max_dims=0)
    response = overview(client, beta, scan, by="tenure")
    assert response.context["by_choices"] == [] and response.context["by"] == ""
