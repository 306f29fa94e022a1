"""Demographic breakdowns: what is stored with a response, and what the page may show.

The storage rule (trustmirror.surveys.answering.band_recoding) keeps every stored value of
bands shared by 0 or at least k invited people of a unit. The page shows the organisation's
theme means per cell only where the privacy policy allows the cell, and only when no
combination with the unit results of the overview isolates fewer than k respondents; the
attack tests collect what the pages publish and let the exact disclosure audit search.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
import re
import secrets
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from trustmirror.audit.models import AuditEvent
from trustmirror.orgs.importing import ensure_unit
from trustmirror.orgs.models import Organisation, Role
from trustmirror.privacy.audit import find_disclosure
from trustmirror.privacy.cuts import _first_leak, _stoer_wagner
from trustmirror.results.publishing import publication_attempt
from trustmirror.surveys.answering import (
    band_recoding,
    invitation_for_token,
    page_save,
    response_submit,
)
from trustmirror.surveys.models import Response
from trustmirror.surveys.services import links_issue, scan_create

from .conftest import random_answers

K = 5
ROW = re.compile(r'<tr(?: class="other")?>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)


# -- storage --------------------------------------------------------------------------------


def test_a_band_shared_by_k_people_is_stored_a_lonely_one_is_not():
    people = {f"a{i}": {"tenure": "1-5"} for i in range(5)}
    people |= {f"b{i}": {"tenure": "5+"} for i in range(4)}
    people["alone"] = {"tenure": "<1"}
    stored = band_recoding(people, K)
    assert all(stored[f"a{i}"] == {"tenure": "1-5"} for i in range(5))
    assert stored["alone"] == {}
    # Four sharing "5+" are fewer than k: they are stored like the lonely one, without bands.
    assert all(stored[f"b{i}"] == {} for i in range(4))


def test_the_only_people_without_bands_are_never_fewer_than_k():
    # Five share a band, one does not: storing the five would single out the sixth as "the
    # one without a band", so nobody's band is stored.
    people = {f"a{i}": {"tenure": "1-5"} for i in range(5)} | {"f": {"tenure": "5+"}}
    assert set(map(len, band_recoding(people, K).values())) == {0}
    assert band_recoding({f"p{i}": {"tenure": "x"} for i in range(4)}, K) == {
        f"p{i}": {} for i in range(4)
    }


def test_combinations_are_kept_where_k_share_them_and_reduced_where_not():
    people = {f"u{i}": {"tenure": "1-5", "location": "Utrecht"} for i in range(5)}
    people |= {f"a{i}": {"tenure": "1-5", "location": "Amsterdam"} for i in range(3)}
    people |= {f"n{i}": {"tenure": "1-5", "location": "Zwolle"} for i in range(2)}
    stored = band_recoding(people, K)
    assert stored["u0"] == {"location": "Utrecht", "tenure": "1-5"}
    # Three in Amsterdam and two in Zwolle: no location is shared by k, their tenure is.
    assert stored["a0"] == stored["n1"] == {"tenure": "1-5"}


@pytest.mark.parametrize("seed", range(25))
def test_every_stored_value_is_shared_by_zero_or_at_least_k_invited(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    people = {}
    for i in range(size):
        bands = {}
        if rng.random() < 0.9:
            bands["tenure"] = str(rng.choice(["<1", "1-5", "5+"], p=[0.2, 0.5, 0.3]))
        if rng.random() < 0.8:
            bands["location"] = str(rng.choice(["Utrecht", "Zwolle"], p=[0.8, 0.2]))
        people[i] = bands
    stored = band_recoding(people, K)
    classes = Counter(tuple(sorted(v.items())) for v in stored.values())
    # A unit smaller than k stores no bands at all (its response rows name the unit anyway).
    assert all(n >= K or (value == () and n == size) for value, n in classes.items()), classes
    for key, value in stored.items():
        assert value.items() <= people[key].items()


@pytest.fixture
def small_k_scan(acme):
    bands = {
        "Ann": "1-5",
        "Bob": "1-5",
        "Cas": "1-5",
        "Dana": "5+",
        "Evi": "<1",
        "Fay": "<1",
    }
    for name, tenure in bands.items():
        acme.people[name].bands = {"tenure": tenure, "location": "Utrecht"}
        acme.people[name].save()
    today = dt.date.today()
    scan = scan_create(
        organisation=acme.org,
        name="Small k",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
        min_group_size=3,
    )
    links = links_issue(scan=scan)
    return scan, {link.person.name: link.token for link in links}


def _submit(token: str) -> Response:
    invitation = invitation_for_token(token)
    page_save(invitation=invitation, token=token, page_number=1, answers={}, language="en")
    assert response_submit(invitation=invitation_for_token(token), token=token)
    return Response.objects.get(scan=invitation.scan, submitted=True, unit=invitation.person.unit)


def test_submission_stores_only_bands_k_invited_people_of_the_unit_share(small_k_scan):
    scan, tokens = small_k_scan
    assert _submit(tokens["Ann"]).bands == {"location": "Utrecht", "tenure": "1-5"}
    Response.objects.filter(scan=scan).delete()
    # Dana is alone with "5+" in Team North: only what three share (the location) is stored.
    assert _submit(tokens["Dana"]).bands == {"location": "Utrecht"}
    Response.objects.filter(scan=scan).delete()
    # Kim, Lou and Max of Team East have no bands at all.
    assert _submit(tokens["Kim"]).bands == {}


def test_no_bands_are_stored_when_breakdowns_are_off(small_k_scan):
    scan, tokens = small_k_scan
    scan.max_cut_dimensions = 0
    scan.save()
    assert _submit(tokens["Ann"]).bands == {}


# -- the page -------------------------------------------------------------------------------


@pytest.fixture
def beta(db):
    """An organisation of three teams of ten respondents; Carla is admin, Alex analyst."""
    from django.contrib.auth import get_user_model

    users = get_user_model()
    org = Organisation.objects.create(name="Beta", slug="beta", default_language="en")
    cache: dict = {}
    units = {
        name: ensure_unit(org, path, cache)[0]
        for name, path in (("north", "Ops/North"), ("south", "Ops/South"), ("east", "Sales/East"))
    }
    admin = users.objects.create_user("bea", password="x-correct-horse")
    analyst = users.objects.create_user("ben", password="x-correct-horse")
    lead = users.objects.create_user("bo", password="x-correct-horse")
    Role.objects.create(user=admin, organisation=org, kind=Role.ADMIN)
    Role.objects.create(user=analyst, organisation=org, kind=Role.ANALYST)
    Role.objects.create(user=lead, organisation=org, kind=Role.LEAD, unit=units["north"])
    return {"org": org, "units": units, "admin": admin, "analyst": analyst, "lead": lead}


def make_scan(beta, instrument, bands_per_unit: dict[str, list[dict]], *, max_dims: int = 1):
    """A scan whose respondents per unit carry the given stored bands (one dict each)."""
    scan = scan_create(
        organisation=beta["org"],
        name="Breakdown scan",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
        max_cut_dimensions=max_dims,
        people=[],
    )
    rng = np.random.default_rng(7)
    item_ids = list(instrument.items)
    for name, band_list in bands_per_unit.items():
        for bands in band_list:
            Response.objects.create(
                scan=scan,
                unit=beta["units"][name],
                resume_key=secrets.token_hex(32),
                answers=random_answers(rng, item_ids),
                bands=bands,
                submitted=True,
            )
    # The scan closed on 31 October: its final results (with the breakdowns) are published.
    assert publication_attempt(scan=scan, force=True).kind == "published"
    return scan


def tenure(*counts: tuple[str | None, int]) -> list[dict]:
    return [{"tenure": band} if band else {} for band, n in counts for _ in range(n)]


def page(client, beta, scan, *by: str, user="admin"):
    client.force_login(beta[user])
    query = "&".join(f"by={b}" for b in by)
    return client.get(f"/o/beta/scans/{scan.pk}/breakdown/?{query}")


def shown_rows(content: str) -> dict[str, tuple[int, list[str]]]:
    """Cell label -> (n, theme texts) from the breakdown table."""
    table = re.search(r'<table class="data" id="breakdown-table">(.*?)</table>', content, re.S)
    if table is None:
        return {}
    rows = {}
    for label, cells in ROW.findall(table.group(1)):
        n = int(re.search(r"n = (\d+)", cells).group(1))
        # The n cell carries a data-label; the theme cells do not.
        values = re.findall(r'<td class="num[^"]*">(.*?)</td>', cells, re.S)
        rows[html.unescape(label).strip()] = (n, [re.sub(r"<[^>]+>", "", v) for v in values])
    return rows


def pandas_theme_means(scan, instrument) -> pd.DataFrame:
    """Theme scores per respondent with pandas only: reverse keys, "don't know" missing,
    a score only with at least two thirds of the items answered."""
    responses = list(Response.objects.filter(scan=scan, submitted=True))
    frame = pd.DataFrame([r.answers for r in responses]).reindex(columns=list(instrument.items))
    frame = frame.astype(float).where(lambda x: x > 0)
    keys = instrument.scoring_keys()
    out = pd.DataFrame(index=frame.index)
    for theme in instrument.themes:
        items = keys[theme.id]
        part = pd.DataFrame(
            {item: frame[item] if sign > 0 else 6 - frame[item] for item, sign in items.items()}
        )
        enough = part.notna().sum(axis=1) >= math.ceil(2 / 3 * len(items))
        out[theme.id] = part.mean(axis=1).where(enough)
    out["tenure"] = [r.bands.get("tenure", "not recorded") for r in responses]
    return out


def test_page_numbers_equal_an_independent_pandas_computation(client, beta, instrument):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix, "east": mix})
    response = page(client, beta, scan, "tenure")
    assert response.status_code == 200
    rows = shown_rows(response.content.decode())
    assert set(rows) == {"1-5 years", "not recorded"}
    expected = pandas_theme_means(scan, instrument).groupby("tenure")
    for label, (n, texts) in rows.items():
        group = expected.get_group(label)
        assert n == len(group) == 15
        for theme, text in zip(instrument.themes, texts, strict=True):
            assert text == f"{group[theme.id].mean():.1f}", (label, theme.id)
    assert 'id="breakdown"' in response.content.decode()
    assert "<svg" in response.content.decode()


def test_a_small_cell_shows_no_number(client, beta, instrument):
    location = [{"location": "Utrecht"}] * 10
    east = [{"location": "Amsterdam"}] * 7 + [{"location": "Remote"}] * 3
    scan = make_scan(beta, instrument, {"north": location, "south": location, "east": east})
    content = page(client, beta, scan, "location").content.decode()
    rows = shown_rows(content)
    assert "Remote" not in rows and "Amsterdam" not in rows
    assert not re.search(r"n = [1-4]\b", content)
    assert not re.search(r"Remote[^<]*n = \d", content)
    assert rows["Utrecht"][0] == 20
    assert rows["Other and not shown separately"][0] == 10


def _published_sets(scan, content, cell_atoms):
    """Everything the overview and the breakdown page publish, as sets of (unit, cell) atoms."""
    meta = scan.publications.get(track="results").meta
    published = {
        ("tree", name): {atom for atom in cell_atoms if atom[0] in meta["members"][name]}
        for name in meta["families"]["respondents"]
    }
    rows = shown_rows(content)
    shown = {label for label in rows if label != "Other and not shown separately"}
    for label in shown:
        published[("cell", label)] = {atom for atom in cell_atoms if atom[1] == label}
    if "Other and not shown separately" in rows:
        published[("cell", "other")] = {atom for atom in cell_atoms if atom[1] not in shown}
    return published


def test_filter_and_complement_attack(client, beta, instrument):
    """Cells A (27) and B (3): showing A beside the organisation's total would give B."""
    scan = make_scan(
        beta,
        instrument,
        {
            "north": tenure(("A", 10)),
            "south": tenure(("A", 10)),
            "east": tenure(("A", 7), ("B", 3)),
        },
    )
    content = page(client, beta, scan, "tenure").content.decode()
    assert "n = 27" not in content and "n = 3" not in content
    assert 'id="breakdown-hidden"' in content
    cells = {"A": 27, "B": 3}
    published = {"organisation": {"A", "B"}}
    published |= {label: {label} for label in shown_rows(content)}
    assert find_disclosure(cells, published, K) is None


def test_a_cell_that_is_a_unit_plus_a_few_people_is_not_shown(client, beta, instrument):
    """A = Team North (10) + two of South: A minus North would describe those two."""
    scan = make_scan(
        beta,
        instrument,
        {
            "north": tenure(("A", 10)),
            "south": tenure(("A", 2), ("B", 8)),
            "east": tenure(("B", 10)),
        },
    )
    content = page(client, beta, scan, "tenure").content.decode()
    atoms = {("north", "A"): 10, ("south", "A"): 2, ("south", "B"): 8, ("east", "B"): 10}
    unit_ids = {name: unit.pk for name, unit in beta["units"].items()}
    by_id = {(unit_ids[u], c): n for (u, c), n in atoms.items()}
    published = _published_sets(scan, content, by_id)
    assert find_disclosure(by_id, published, K) is None, published
    # Without the check against the unit tree, the policy alone would have shown A and B.
    assert "n = 12" not in content


def test_cells_that_cross_units_safely_are_shown_and_audit_clean(client, beta, instrument):
    spread = tenure(("1-5 years", 5), ("5+ years", 5))
    scan = make_scan(beta, instrument, {"north": spread, "south": spread, "east": spread})
    content = page(client, beta, scan, "tenure").content.decode()
    rows = shown_rows(content)
    assert {label: n for label, (n, _) in rows.items()} == {"1-5 years": 15, "5+ years": 15}
    atoms = {
        (unit.pk, band): 5 for unit in beta["units"].values() for band in ("1-5 years", "5+ years")
    }
    assert find_disclosure(atoms, _published_sets(scan, content, atoms), K) is None


def test_breakdowns_off(client, beta, instrument):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix}, max_dims=0)
    response = page(client, beta, scan, "tenure")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Breakdowns are switched off for this scan" in content
    assert "n = " not in content


@pytest.mark.parametrize(
    ("by", "message"),
    [
        (("salary",), "There is no characteristic “salary” in this scan"),
        (("tenure", "tenure"), "Choose each characteristic only once"),
        (("tenure", "location"), "at most 1 characteristics"),
    ],
)
def test_a_bad_request_gets_a_clear_message(client, beta, instrument, by, message):
    mix = [{"tenure": "1-5", "location": "Utrecht"}] * 10
    scan = make_scan(beta, instrument, {"north": mix, "south": mix})
    response = page(client, beta, scan, *by)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not AuditEvent.objects.filter(target__contains="breakdown").exists()


def test_two_characteristics_when_the_scan_allows_them(client, beta, instrument):
    both = [{"tenure": "1-5", "location": "Utrecht"}] * 5 + [{"tenure": "5+"}] * 5
    scan = make_scan(beta, instrument, {u: both for u in ("north", "south", "east")}, max_dims=2)
    response = page(client, beta, scan, "tenure", "location")
    assert response.status_code == 200
    rows = shown_rows(response.content.decode())
    assert rows["Utrecht · 1-5"][0] == 15
    assert rows["not recorded · 5+"][0] == 15


def test_the_view_is_audited_and_only_for_admins_and_analysts(client, beta, instrument):
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix, "east": mix})
    assert page(client, beta, scan, "tenure", user="analyst").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.VIEW_RESULTS)
    assert event.target == f"scan {scan.pk} breakdown by tenure"
    assert event.user == beta["analyst"]
    assert page(client, beta, scan, "tenure", user="lead").status_code == 404
    client.logout()
    assert client.get(f"/o/beta/scans/{scan.pk}/breakdown/?by=tenure").status_code == 302


# -- the minimum cut behind the check -------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_minimum_cut_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 8))
    weights = np.triu(rng.integers(0, 4, (size, size)) * (rng.random((size, size)) < 0.6), 1)
    weights = weights + weights.T
    best = min(
        sum(weights[i, j] for i in side for j in range(size) if j not in side)
        for r in range(1, size)
        for side in map(set, itertools.combinations(range(size), r))
    )
    value, side = _stoer_wagner(weights)
    assert value == best
    assert sum(weights[i, j] for i in side for j in range(size) if j not in side) == value


def test_leak_finder_agrees_with_the_exact_audit():
    """Random residual x atom tables: a leak is found exactly when find_disclosure finds one,
    allowing the viewer every atom sum (the conservative model of the module docstring)."""
    rng = np.random.default_rng(3)
    for _ in range(30):
        table = {
            (r, a): int(n)
            for r in range(3)
            for a in range(3)
            if (n := rng.integers(0, 7) * (rng.random() < 0.7))
        }
        published = {("r", r): {key for key in table if key[0] == r} for r in range(3)}
        published |= {("a", a): {key for key in table if key[1] == a} for a in range(3)}
        exact = find_disclosure(table, published, K)
        assert (_first_leak(table, K) is not None) == (exact is not None), table


def test_scan_form_takes_0_to_2_characteristics_default_1():
    from trustmirror.surveys.scan_forms import ScanCreateForm

    base = {"name": "S", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "min_group_size": 5}
    assert ScanCreateForm(base).is_valid()
    form = ScanCreateForm(base)
    form.is_valid()
    assert form.cleaned_data["max_cut_dimensions"] == 1
    assert ScanCreateForm({**base, "max_cut_dimensions": 0}).is_valid()
    assert not ScanCreateForm({**base, "max_cut_dimensions": 3}).is_valid()


def test_a_characteristic_is_named_in_the_readers_language(client, beta, instrument):
    """ "band_tenure" is imported as ``tenure``: Dutch readers read "Naar diensttijd"."""
    mix = tenure(("1-5 years", 5), (None, 5))
    scan = make_scan(beta, instrument, {"north": mix, "south": mix, "east": mix})
    client.cookies["django_language"] = "nl"
    content = page(client, beta, scan, "tenure").content.decode()
    assert "Naar diensttijd" in content and '<option value="tenure" selected>Diensttijd' in content
    assert "Naar tenure" not in content
    client.cookies["django_language"] = "en"
    content = page(client, beta, scan, "tenure").content.decode()
    assert "By tenure" in content and ">Tenure</option>" in content
