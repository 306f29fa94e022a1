"""The analysts' measurement-quality page: who may open it, and that its numbers are right.

Personas (tests/conftest.py): Carla is organisation admin; Dana leads Team North; Eli is a
member of Team South; Olga is admin of another organisation. Here Sven is added as Acme's
analyst. Only Carla and Sven may see the page.

Expected numbers are computed in this file from the raw stored answers with plain
numpy/pandas formulas (Cronbach 1951; Bliese 2000), independently of trustmirror.analysis,
which is itself checked against psych, lavaan and multilevel in tests/analysis.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

K = 5
SCORE = re.compile(r"\d[.,]\d")
# Respondents per team in the simulated scan: all three teams reach k.
STRUCTURED = {"north": 60, "south": 50, "east": 40}
# A scale with some "don't know" and skipped answers, to exercise pairwise deletion.
GAPPY = "reliability"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Scan ids can repeat between tests (rolled-back sequences), and the page caches per id.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sven(acme):
    """Sven is Acme's analyst: he sees everything an admin sees, but manages nothing."""
    from django.contrib.auth import get_user_model

    from trustmirror.orgs.models import Role

    user = get_user_model().objects.create_user("sven", password="x")
    Role.objects.create(user=user, organisation=acme.org, kind=Role.ANALYST)
    return user


def quality_url(scan, org="acme"):
    return reverse("results:quality", kwargs={"org": org, "scan_id": scan.pk})


def make_scan(acme, name="Spring 2026"):
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name=name,
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
        min_group_size=K,
    )
    return scan


def add_response(scan, unit, answers):
    from trustmirror.surveys.models import Response

    Response.objects.create(
        scan=scan,
        unit=unit,
        resume_key=secrets.token_hex(32),
        answers=answers,
        submitted=True,
    )


def simulate(instrument, rng, team_shift):
    """One respondent whose answers follow "each construct is a factor over its items".

    Each construct's latent score is a general factor (correlation .36 between constructs)
    plus its own part; the team shifts the general factor, so the team level matters.
    """
    general = rng.normal() + team_shift
    answers = {}
    for construct in instrument.constructs:
        eta = 0.6 * general + 0.8 * rng.normal()
        for item in construct.items:
            x = int(np.clip(np.rint(3 + 0.8 * eta + rng.normal(0, 0.55)), 1, 5))
            stored = 6 - x if item.reverse else x
            if construct.id == GAPPY:
                roll = rng.random()
                if roll < 0.03:
                    continue  # skipped
                if roll < 0.06:
                    stored = 0  # don't know
            answers[item.id] = stored
    return answers


@pytest.fixture
def structured_scan(acme, instrument, publish):
    scan = make_scan(acme)
    rng = np.random.default_rng(7)
    shifts = {"north": 0.6, "south": -0.5, "east": 0.0}
    for team, n in STRUCTURED.items():
        for _ in range(n):
            add_response(scan, getattr(acme, team), simulate(instrument, rng, shifts[team]))
    publish(scan)
    return scan


def stored_answers(scan):
    """Respondents x items as stored, "don't know" (0) and skipped answers missing.

    Only the responses the published numbers include (all of them in a closed scan's final
    version; an interim version may hold some back).
    """
    from trustmirror.surveys.models import Response

    rows = list(
        Response.objects.filter(scan=scan, submitted=True, included__isnull=False).values_list(
            "unit_id", "answers"
        )
    )
    frame = pd.DataFrame([answers for _unit, answers in rows], dtype=float)
    return frame.replace(0, np.nan), np.array([unit for unit, _answers in rows])


def keyed(frame, construct):
    """The construct's items with reverse-keyed ones turned around (6 - x)."""
    return pd.DataFrame(
        {
            item.id: (6 - frame[item.id]) if item.reverse else frame[item.id]
            for item in construct.items
        }
    )


def two(value):
    return f"{value:.2f}"


# -- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [("carla", 200), ("sven", 200), ("dana", 404), ("eli", 404), ("olga", 404)],
)
def test_the_page_is_for_admins_and_analysts_only(client, acme, scan, sven, user, status):
    client.force_login(sven if user == "sven" else getattr(acme, user))
    assert client.get(quality_url(scan)).status_code == status


def test_olga_cannot_reach_acme_through_her_own_organisation(client, acme, scan):
    client.force_login(acme.olga)
    assert client.get(quality_url(scan, org="globex")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, acme, scan):
    response = client.get(quality_url(scan))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_overview_links_to_the_page(client, acme, scan):
    client.force_login(acme.carla)
    html = client.get(reverse("results:scan_overview", args=["acme", scan.pk])).content.decode()
    assert quality_url(scan) in html and "Measurement quality (for analysts)" in html


def test_viewing_the_page_is_audited(client, acme, scan, sven):
    from trustmirror.audit.models import AuditEvent

    client.force_login(sven)
    client.get(quality_url(scan))
    event = AuditEvent.objects.get(action=AuditEvent.VIEW_RESULTS)
    assert event.user == sven and event.target == f"scan {scan.pk} quality"


# -- privacy -------------------------------------------------------------------------------


def test_a_scan_below_k_shows_no_number(client, acme, instrument, publish):
    """Four respondents with k = 5: the page says so and shows no coefficient at all."""
    scan = make_scan(acme, name="Tiny")
    rng = np.random.default_rng(3)
    for _ in range(K - 1):
        add_response(scan, acme.north, simulate(instrument, rng, 0.0))
    publish(scan)
    client.force_login(acme.carla)
    response = client.get(quality_url(scan))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not enough responses" in html
    assert not response.context["quality"].shown
    assert "scales" not in response.context and "fits" not in response.context
    assert SCORE.findall(html) == [] and "<svg" not in html


def test_icc_needs_two_teams_that_are_shown_anyway(client, acme, scan):
    """Only Team North reaches k in the shared scan, so no ICC is computed from South/East."""
    client.force_login(acme.carla)
    response = client.get(quality_url(scan))
    assert all(not line.shown for line in response.context["iccs"])
    assert "Fewer than two teams with at least 5 respondents" in response.content.decode()


def test_too_few_complete_cases_for_a_factor_model_is_said_plainly(client, acme, scan):
    client.force_login(acme.carla)
    response = client.get(quality_url(scan))
    fits = response.context["fits"]
    assert fits and all(not fit.shown for fit in fits)
    assert "Not estimated:" in response.content.decode()


@pytest.mark.parametrize("kind", ["straight_lines", "all_the_same"])
def test_answers_without_variation_give_a_clear_note_not_a_server_error(
    client, acme, instrument, publish, kind
):
    """The security review: omega divided by zero when every respondent straight-lined."""
    scan = make_scan(acme, name="Flat")
    for i in range(12):
        value = 1 + i % 5 if kind == "straight_lines" else 3
        add_response(
            scan, acme.north if i < 6 else acme.south, dict.fromkeys(instrument.items, value)
        )
    publish(scan)
    client.force_login(acme.carla)
    response = client.get(quality_url(scan))
    assert response.status_code == 200
    lines = response.context["scales"]
    assert len(lines) == len(instrument.constructs)
    if kind == "all_the_same":
        # Nobody varied: no coefficient can be computed, and the page says why.
        assert all(not line.shown for line in lines)
        assert "everyone gave the same answer" in response.content.decode()
    else:
        # Each person answered every question alike: questions keyed the same way agree
        # perfectly (alpha 1), a reversed one disagrees; where the reversed questions cancel
        # out, the score does not vary and alpha is 0 / 0: said so, not shown as a number.
        performance = next(line for line in lines if line.label == "Performance")
        assert performance.shown and performance.raw_alpha == "1.00"
        for line in lines:
            assert line.shown or line.note, line.label
            if line.shown:
                assert line.raw_alpha not in ("", "–"), line.label


# -- numbers -------------------------------------------------------------------------------


def test_reliability_of_a_scale_equals_the_covariance_formula(
    client, acme, structured_scan, instrument
):
    """Alpha from the pairwise covariance matrix of the keyed items, by hand (Cronbach 1951).

    alpha = k/(k-1) * (1 - tr(C) / sum(C)); standardised alpha uses the correlation matrix
    C / sqrt(diag C diag C'); the corrected item-total r of item i is its covariance with the
    sum of the other items over the sd of each. Pairwise: every covariance uses everyone who
    answered both items (pandas' DataFrame.cov), as psych::alpha does.
    """
    construct = instrument.construct(GAPPY)
    frame, _units = stored_answers(structured_scan)
    items = keyed(frame, construct)
    assert items.isna().any(axis=None), "the scale must have missing answers to test pairwise"
    c = items.cov().to_numpy()
    k = c.shape[0]
    raw = k / (k - 1) * (1 - np.trace(c) / c.sum())
    sd = np.sqrt(np.diag(c))
    r = c / np.outer(sd, sd)
    std = k / (k - 1) * (1 - k / r.sum())
    colsum, diag = c.sum(axis=0), np.diag(c)
    r_drop = (colsum - diag) / np.sqrt(diag * (c.sum() - 2 * colsum + diag))
    weakest = items.columns[int(np.argmin(r_drop))]

    client.force_login(acme.carla)
    response = client.get(quality_url(structured_scan))
    shown = next(s for s in response.context["quality"].scales if s.construct_id == GAPPY)
    assert shown.raw_alpha == pytest.approx(raw, abs=1e-10)
    assert shown.std_alpha == pytest.approx(std, abs=1e-10)
    assert shown.weakest_item == weakest
    assert shown.weakest_r == pytest.approx(r_drop.min(), abs=1e-10)
    assert shown.n == int(items.notna().any(axis=1).sum())

    line = next(s for s in response.context["scales"] if s.label == construct.label["en"])
    assert (line.raw_alpha, line.std_alpha, line.weakest_r) == (
        two(raw),
        two(std),
        two(r_drop.min()),
    )
    assert instrument.items[weakest].text["en"] in line.weakest
    html = response.content.decode()
    assert two(raw) in html and instrument.items[weakest].text["en"] in html


def test_items_that_lower_alpha_are_flagged(client, acme, structured_scan, instrument):
    """Alpha-if-deleted by hand on the keyed covariance matrix; flagged exactly where higher."""
    frame, _units = stored_answers(structured_scan)
    client.force_login(acme.carla)
    response = client.get(quality_url(structured_scan))
    by_id = {s.construct_id: s for s in response.context["quality"].scales}
    for construct in instrument.constructs:
        if len(construct.items) < 3:
            continue
        c = keyed(frame, construct).cov().to_numpy()
        k = c.shape[0]
        whole = k / (k - 1) * (1 - np.trace(c) / c.sum())
        expected = []
        for i, item in enumerate(construct.items):
            keep = [j for j in range(k) if j != i]
            rest = c[np.ix_(keep, keep)]
            without = (k - 1) / (k - 2) * (1 - np.trace(rest) / rest.sum())
            if without > whole:
                expected.append(item.id)
        assert [item for item, _a in by_id[construct.id].better_without] == expected


def test_verdicts_and_single_items(client, acme, structured_scan, instrument):
    client.force_login(acme.carla)
    response = client.get(quality_url(structured_scan))
    lines = {line.label: line for line in response.context["scales"]}
    satisfaction = lines[instrument.construct("satisfaction").label["en"]]
    assert not satisfaction.shown and "One item: no reliability" in satisfaction.note
    engagement = lines[instrument.construct("engagement").label["en"]]
    assert engagement.shown and engagement.omega == "–"  # omega needs three items
    for scale in response.context["quality"].scales:
        if scale.status != "ok":
            continue
        # Judged on the two decimals shown, so that "0.70" always reads as good.
        judged = round(min(v for v in (scale.raw_alpha, scale.omega) if v is not None), 2)
        expected = "good" if judged >= 0.70 else "acceptable" if judged >= 0.60 else "care"
        assert scale.verdict == expected
    chart = response.context["reliability_chart"]
    assert chart.startswith("<svg") and "good from 0.70" in chart
    assert not re.search(r"\sstyle=", chart)  # the strict CSP would ignore inline styles
    assert 'id="reliability"' in response.content.decode()


def test_the_page_speaks_the_readers_language(client, acme, scan, instrument, settings):
    """Labels, item texts and explanations in Dutch for a Dutch reader."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    client.force_login(acme.carla)
    response = client.get(quality_url(scan))
    html = response.content.decode()
    shown = [s for s in response.context["quality"].scales if s.status == "ok"]
    assert shown
    for scale in shown:
        construct = instrument.construct(scale.construct_id)
        assert construct.label["nl"] in html
        item = instrument.items[scale.weakest_item]
        assert item.text["nl"].replace("'", "&#x27;") in html
    assert instrument.items["saf1"].text["en"] not in html


def test_icc_equals_a_one_way_anova_by_hand(client, acme, structured_scan, instrument):
    """ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW), ICC(2) = (MSB - MSW) / MSB (Bliese 2000).

    k is the mean team size; scale scores are the mean of the keyed answered items when at
    least two thirds of them are answered.
    """
    construct = instrument.construct(GAPPY)
    frame, units = stored_answers(structured_scan)
    items = keyed(frame, construct)
    enough = items.notna().sum(axis=1) >= math.ceil(2 / 3 * len(construct.items))
    score = items.mean(axis=1).where(enough)
    data = pd.DataFrame({"y": score, "team": units}).dropna()
    groups = data.groupby("team")["y"]
    n, g = len(data), groups.ngroups
    grand = data["y"].mean()
    msb = (groups.size() * (groups.mean() - grand) ** 2).sum() / (g - 1)
    msw = ((data["y"] - groups.transform("mean")) ** 2).sum() / (n - g)
    size = n / g
    icc1 = (msb - msw) / (msb + (size - 1) * msw)
    icc2 = (msb - msw) / msb

    client.force_login(acme.carla)
    response = client.get(quality_url(structured_scan))
    shown = next(i for i in response.context["quality"].iccs if i.construct_id == GAPPY)
    assert (shown.teams, shown.n) == (3, n)
    assert shown.icc1 == pytest.approx(icc1, abs=1e-10)
    assert shown.icc2 == pytest.approx(icc2, abs=1e-10)
    line = next(i for i in response.context["iccs"] if i.label == construct.label["en"])
    assert (line.icc1, line.icc2) == (two(icc1), two(icc2))
    assert icc1 > 0.05  # the simulated team shift is visible


def test_cfa_fit_appears_for_a_clear_factor_structure(
    client, acme, structured_scan, sven, instrument
):
    client.force_login(sven)
    response = client.get(quality_url(structured_scan))
    fits = {fit.group_id: fit for fit in response.context["quality"].fits}
    themes = fits["theme"]
    assert themes.status == "ok"
    assert themes.factors == (
        "safety_security",
        "power_place",
        "reliability",
        "performance",
        "collaboration",
        "innovation",
    )
    assert themes.cfi > 0.9 and themes.tli > 0.9 and themes.rmsea < 0.08
    # Complete cases: only the gappy scale has missing answers in this simulation.
    frame, _units = stored_answers(structured_scan)
    theme_items = [item.id for theme in instrument.themes for item in theme.items]
    assert themes.n_complete == int(frame[theme_items].notna().all(axis=1).sum())
    # One factor over three items is saturated: said, not fitted.
    assert fits["person"].status == "saturated"
    # Outcomes: the one-item scale is left out of the model.
    assert fits["outcome"].left_out == ("satisfaction",)
    html = response.content.decode()
    assert "CFI" in html and "RMSEA" in html and "Complete cases only" in html
    theme_label = instrument.group("theme").label["en"]
    line = next(fit for fit in response.context["fits"] if fit.label == theme_label)
    cfi = next(index for index in line.indices if index.name == "CFI")
    assert cfi.value == two(themes.cfi) and cfi.level in ("good", "acceptable")


# -- published, not computed per request ------------------------------------------------


def test_the_page_reads_the_published_numbers_and_computes_nothing(
    client, acme, scan, instrument, monkeypatch
):
    """The statistics were computed when the results were published; a request only reads
    them, and an answer that arrives later changes nothing until the next version."""
    from trustmirror.results import quality

    def refuse(**_kwargs):
        raise AssertionError("a request computed measurement quality")

    monkeypatch.setattr(quality, "quality_of", refuse)
    client.force_login(acme.carla)
    first = client.get(quality_url(scan))
    assert first.status_code == 200 and first.context["quality"].shown
    # 11 of Acme's 14 answered: the count of respondents is withheld (3 did not answer).
    assert first.context["quality"].respondents is None
    assert "not shown" in first.content.decode() and ">11<" not in first.content.decode()
    add_response(scan, acme.north, simulate(instrument, np.random.default_rng(1), 0.0))
    again = client.get(quality_url(scan))
    assert again.context["quality"] == first.context["quality"]


# -- speed settings ------------------------------------------------------------------------


def test_the_pages_fast_factor_fits_equal_the_reference_fits_on_the_demo(tmp_path):
    """The page fits its models with ``tolerance="fast"``; on both demo scans every fit index
    it shows agrees with the reference (tight) fit of the same model to 1e-4, far below the
    two decimals shown.
    """
    from trustmirror.analysis.factor import cfa
    from trustmirror.demo import seed_demo
    from trustmirror.instrument import load_instrument
    from trustmirror.results.publishing import latest
    from trustmirror.results.quality import MeasurementQuality
    from trustmirror.surveys.models import Scan

    seed_demo(data_dir=tmp_path, progress=False)
    scans = list(Scan.objects.all())
    assert len(scans) == 2
    compared = 0
    for scan in scans:
        # Scan 1 asked Trust Scan 1, scan 2 version 2.
        instrument = load_instrument(scan.instrument_id, scan.instrument_version)
        quality = MeasurementQuality.from_json(latest(scan, "results").payload["quality"])
        frame, _units = stored_answers(scan)
        for fit in quality.fits:
            if fit.status not in ("ok", "improper"):
                continue
            model = {c: [item.id for item in instrument.construct(c).items] for c in fit.factors}
            tight = cfa(frame, model, tolerance="reference").fit
            assert fit.df == tight.df
            assert fit.chi2 == pytest.approx(tight.chi2, rel=1e-4)
            for name in ("cfi", "tli", "rmsea", "srmr"):
                assert getattr(fit, name) == pytest.approx(getattr(tight, name), abs=1e-4)
            compared += 1
    assert compared >= 12  # nearly every group of both scans was fitted
