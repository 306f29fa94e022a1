"""A curious analyst and a curious lead try to learn a small team's numbers from the pages.

Scenario (tests/results/conftest.py, k = 5): Team North 6 respondents, Team South 2 and Team
East 3. Without complementary suppression, Operations/Logistics (8) minus Team North (6)
would give Team South's two people, and the organisation (11) minus Operations (8) would give
Team East's three. These tests collect every number the pages publish and let the exact
disclosure audit (trustmirror.privacy.audit) search for any combination that isolates fewer
than k respondents.
"""

from __future__ import annotations

import html
import re

import pytest

from trustmirror.orgs.models import Role, Unit
from trustmirror.privacy.audit import find_disclosure

from .conftest import RESPONDENTS, K

ROW = re.compile(r"<tr[^>]*>\s*<th scope=\"row\" class=\"construct\">(.*?)</tr>", re.S)


def published_on_unit_page(response, label: str) -> tuple[int | None, int | None]:
    """(n of the unit, n of the organisation) behind the row ``label``; None where hidden.

    A lead's table shows no counts; the numbers a row shows stand for the published
    statistics behind it, so the attack reads those (the page's context).
    """
    page_html = response.content.decode()
    context = response.context
    if context is None or not context.get("theme_lines"):
        return None, None  # page shows nothing for this scale (hidden unit)
    rows = [html.unescape(row).split("<", 1)[0].strip() for row in ROW.findall(page_html)]
    every = list(context["theme_lines"]) + [
        line for group in context["groups"] for line in group.lines
    ]
    for line in every:
        if line.label != label:
            continue
        assert label in rows  # the row is on the page
        unit_n = line.unit.n if line.unit is not None else None
        org_n = line.organisation.n if line.organisation is not None else None
        return unit_n, org_n
    return None, None


def atoms_below(unit: Unit, atoms: dict[str, int]) -> set[str]:
    return {path for path in atoms if path == unit.path or path.startswith(unit.path + "/")}


def collect(client, acme, scan, label: str, units) -> dict[str, set[str]]:
    atoms = {
        acme.north.path: RESPONDENTS["north"],
        acme.south.path: RESPONDENTS["south"],
        acme.east.path: RESPONDENTS["east"],
    }
    published: dict[str, set[str]] = {}
    for unit in units:
        response = client.get(f"/o/acme/scans/{scan.pk}/units/{unit.pk}/")
        if response.status_code != 200:
            continue
        unit_n, org_n = published_on_unit_page(response, label)
        if unit_n is not None:
            published[unit.path] = atoms_below(unit, atoms)
            assert unit_n == sum(atoms[a] for a in published[unit.path])
        if org_n is not None:
            published["(organisation)"] = set(atoms)
    return atoms, published


@pytest.mark.parametrize("label", ["Safety and security", "Collaboration"])
def test_analyst_cannot_difference_the_unit_tree(client, acme, scan, label):
    client.force_login(acme.alex)
    units = Unit.objects.filter(organisation=acme.org)
    atoms, published = collect(client, acme, scan, label, units)
    assert published, "the pages must publish something, or this test proves nothing"
    assert acme.north.path in published  # North (6) is reportable and shown
    assert find_disclosure(atoms, published, K) is None, published


def test_lead_of_logistics_cannot_subtract_north_from_logistics(client, acme, scan):
    from django.contrib.auth import get_user_model

    logistics = Unit.objects.get(organisation=acme.org, path="Operations/Logistics")
    lena = get_user_model().objects.create_user("lena", password="x-correct-horse")
    Role.objects.create(user=lena, organisation=acme.org, kind=Role.LEAD, unit=logistics)
    client.force_login(lena)
    units = Unit.objects.filter(organisation=acme.org)
    atoms, published = collect(client, acme, scan, "Safety and security", units)
    assert not ({logistics.path, acme.north.path} <= published.keys())
    assert find_disclosure(atoms, published, K) is None, published
