"""A scan on Trust Scan v2 publishes and shows its results like a v1 scan (issue "Trust Scan
v2"): every results page answers, in both languages, with v2's groups and scales."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import numpy as np
import pytest
from django.urls import reverse

from .conftest import random_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def v2_scan(acme, publish):
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    v2 = load_instrument("trustscan", "2")
    scan = scan_create(
        organisation=acme.org,
        name="Autumn v2",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=5,
        max_cut_dimensions=0,
        instrument_version="2",
    )
    rng = np.random.default_rng(2)
    # Trust Scan v2 counts a lead's answers in the unit above (Dana leads North: Logistics).
    logistics = acme.north.parent
    for unit, n in ((acme.north, 5), (logistics, 1), (acme.south, 5), (acme.east, 3)):
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers=random_answers(rng, list(v2.items)),
                language="nl" if rng.random() < 0.3 else "en",
                submitted=True,
            )
    publish(scan)
    return scan, v2


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_results_page_of_a_v2_scan_answers(client, acme, v2_scan, language):
    scan, v2 = v2_scan
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    pages = {
        "overview": reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk}),
        "unit": reverse(
            "results:unit_profile",
            kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
        ),
        "quality": reverse("results:quality", kwargs={"org": "acme", "scan_id": scan.pk}),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
    # 14 respondents: Dutch and English are not compared, and the page says why.
    assert 'id="languages-not-tested"' in client.get(pages["quality"]).content.decode()
    unit = client.get(pages["unit"]).content.decode()
    # v2's own groups and scales, in the reader's language.
    assert v2.group("received").label[language] in unit
    assert v2.construct("reliance_manager").label[language] in unit


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_pulse_after_a_full_scan_shows_its_own_scales_and_compares_only_the_same_questions(
    client, acme, v2_scan, publish, language
):
    from trustmirror.instrument import load_instrument
    from trustmirror.results.models import PublishedGroup
    from trustmirror.results.stored import unpack_change
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    _full, v2 = v2_scan
    pulse = load_instrument("trustscan", "2", "pulse")
    scan = scan_create(
        organisation=acme.org,
        name="Pulse in November",
        opens_on=dt.date(2026, 11, 10),
        closes_on=dt.date(2026, 11, 20),
        min_group_size=5,
        max_cut_dimensions=0,
        instrument_version="2",
        form="pulse",
    )
    rng = np.random.default_rng(3)
    for unit, n in ((acme.north, 6), (acme.south, 5)):
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                # Every item answered: a one-question scale needs k answers in the group.
                answers={item: int(rng.integers(1, 6)) for item in pulse.items},
                language=language,
                submitted=True,
            )
    publish(scan)
    north = PublishedGroup.objects.get(
        publication__scan=scan, publication__track="results", key=f"u:{acme.north.pk}"
    )
    # The pulse's constructs only, each scored on the items the pulse asks.
    # The pulse's constructs only, each scored on the items the pulse asks (a scale of
    # sensitive questions needs 10 in the group; North has 6).
    assert set(north.stats) == {c.id for c in pulse.constructs if not c.sensitive}
    assert any(c.sensitive for c in pulse.constructs)
    assert "propensity" not in north.stats and "fear" in north.stats
    # Each construct is compared on the items the pulse asked, with the full scan's score
    # on just those items (computed here from the stored answers, independently).
    full_scan = v2_scan[0]
    before_answers = list(
        Response.objects.filter(scan=full_scan, unit=acme.north, submitted=True).values_list(
            "answers", flat=True
        )
    )
    before = PublishedGroup.objects.get(
        publication__scan=full_scan, publication__track="results", key=f"u:{acme.north.pk}"
    )
    # Compared where both versions show the scale (a part needs k answers of its own).
    compared = {c for c in north.stats if f"{c}@pulse" in before.stats}
    assert set(north.change) == compared and len(compared) >= 15
    for construct in pulse.constructs:
        if construct.id not in compared:
            continue
        keys = {item.id: item.key for item in construct.items}
        scores = []
        for answers in before_answers:
            values = [
                (6 - answers[i] if key < 0 else answers[i])
                for i, key in keys.items()
                if answers.get(i, 0) >= 1
            ]
            if len(values) >= 2 / 3 * len(keys):  # a scale score needs 2/3 of its items
                scores.append(sum(values) / len(values))
        stored = unpack_change(north.change[construct.id])
        # Stored to six decimals, or to a tenth where a count is withheld (as printed).
        printed = stored["before"]["n"] is None
        expected = sum(scores) / len(scores)
        assert stored["before"]["mean"] == pytest.approx(
            round(expected, 1) if printed else expected, abs=1e-6
        )

    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    url = reverse(
        "results:unit_profile",
        kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert pulse.construct("fear").label[language] in html
    assert v2.construct("propensity").label[language] not in html
    expected = {
        "en": "The previous scan used the full questionnaire, this one the pulse survey. Each "
        "scale is compared on the questions both scans asked",
        "nl": "De vorige scan gebruikte de volledige vragenlijst, deze scan de pulsmeting. Elke "
        "schaal wordt vergeleken op de vragen die beide scans stelden",
    }[language]
    assert 'id="change-forms"' in html and expected in html
    assert 'id="change-chart"' in html  # the themes are compared, so they are drawn


@pytest.mark.parametrize("language", ["en", "nl"])
def test_sensitive_scales_show_a_mean_only_and_only_for_groups_of_ten(
    client, acme, v2_scan, language
):
    from trustmirror.results.models import PublishedGroup
    from trustmirror.results.stored import unpack_stat

    scan, v2 = v2_scan
    assert v2.sensitive_min_group_size == 10
    sensitive = {c.id for c in v2.constructs if c.sensitive}
    assert sensitive == {"disclosure_manager", "received_manager", "intention_to_stay"}
    # psychological safety and fear have one sensitive question among four or six
    assert not v2.construct("psych_safety").sensitive and not v2.construct("fear").sensitive
    groups = {
        g.key: g
        for g in PublishedGroup.objects.filter(
            publication__scan=scan, publication__track="results", shown=True
        )
    }
    org, north = groups["org"], groups[f"u:{acme.north.pk}"]
    assert north.n == 5 and "psych_safety" in north.stats
    assert unpack_stat(north.stats["psych_safety"])["sd"] is not None
    for construct in sensitive:
        assert construct not in north.stats  # 5 respondents: fewer than 10
        stat = unpack_stat(org.stats[construct])  # 14 respondents
        assert stat["n"] >= 10 and stat["mean"] is not None
        assert {name: stat[name] for name in stat if name not in ("n", "mean")} == {
            "sd": None,
            "ci_low": None,
            "ci_high": None,
            "favourable": None,
            "agreement": None,
            "rwg_j": None,
        }
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    html = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
        )
    ).content.decode()
    note = {
        "en": "Sensitive questions: only the mean is shown, and only for groups of at least 10.",
        "nl": "Gevoelige vragen: alleen het gemiddelde wordt getoond, en alleen voor groepen "
        "van ten minste 10.",
    }[language]
    assert html.count(note) == len(sensitive)
    # North (6 respondents) shows why its sensitive scales are empty.
    empty = {
        "en": "not shown: sensitive questions, shown only for groups of at least 10",
        "nl": "niet getoond: gevoelige vragen, alleen getoond voor groepen van ten minste 10",
    }[language]
    assert html.count(empty) == len(sensitive)


def _factor_answers(instrument, n, rng, *, shift=None):
    """Answers from one factor per construct (reverse-keyed items reflected), 1..5."""
    rows = [{} for _ in range(n)]
    for construct in instrument.constructs:
        latent = rng.normal(size=n)
        for item in construct.items:
            x = 3.0 + 0.9 * latent + rng.normal(scale=0.7, size=n) + (shift or {}).get(item.id, 0)
            x = np.clip(np.rint(x), 1, 5)
            x = 6 - x if item.reverse else x
            for row, value in zip(rows, x.tolist(), strict=True):
                row[item.id] = int(value)
    return rows


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_quality_page_says_whether_dutch_and_english_measure_the_same(
    client, acme, publish, language
):
    """A known answer by simulation: both languages answer from the same model, except one
    question about the manager's integrity that Dutch speakers answer 0.6 points higher at the
    same trust. That group of scales may be related but not compared on means; the others
    may be compared."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    v2 = load_instrument("trustscan", "2")
    scan = scan_create(
        organisation=acme.org,
        name="Languages",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=5,
        max_cut_dimensions=0,
        instrument_version="2",
    )
    rng = np.random.default_rng(5)
    shifted = v2.construct("leader_integrity").items[1].id
    for answer_language, shift in (("en", None), ("nl", {shifted: 0.6})):
        Response.objects.bulk_create(
            Response(
                scan=scan,
                unit=acme.north,
                resume_key=secrets.token_hex(32),
                answers=answers,
                language=answer_language,
                submitted=True,
            )
            for answers in _factor_answers(v2, 400, rng, shift=shift)
        )
    publish(scan)
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    html = client.get(
        reverse("results:quality", kwargs={"org": "acme", "scan_id": scan.pk})
    ).content.decode()
    assert 'id="invariance-table"' in html
    verdicts = dict(
        re.findall(
            r'<th scope="row" class="construct">([^<]+)<p class="explain">[^<]*</p></th>\s*'
            r'<td class="verdict-([a-z_]+)"',
            html,
        )
    )
    assert verdicts[v2.group("leader").label[language]] == "comparable_relations"
    others = {label: code for label, code in verdicts.items() if code != "comparable_relations"}
    assert len(others) == len(verdicts) - 1 >= 8
    assert set(others.values()) == {"comparable_scores"}
    plain = {
        "en": "Partly comparable: the questions measure the same thing in both languages",
        "nl": "Deels vergelijkbaar: de vragen meten in beide talen hetzelfde",
    }[language]
    assert plain in html


def test_the_quality_page_gives_each_questions_share_of_dont_know(client, acme, v2_scan):
    from trustmirror.surveys.models import Response

    scan, v2 = v2_scan
    stored = list(
        Response.objects.filter(scan=scan, submitted=True).values_list("answers", flat=True)
    )
    client.force_login(acme.carla)
    html = client.get(
        reverse("results:quality", kwargs={"org": "acme", "scan_id": scan.pk})
    ).content.decode()
    for construct_id in ("fear", "psych_safety", "org_trust"):
        items = v2.construct(construct_id).items
        expected = ", ".join(
            f"{item.id} {round(100 * sum(a.get(item.id) == 0 for a in stored) / len(stored))} %"
            for item in items
        )
        assert f'class="dont-know">{expected}</td>' in html, construct_id
    assert sum(a.get(i) == 0 for a in stored for i in v2.items) > 0  # some "don't know"


def test_a_full_scan_after_a_pulse_is_compared_on_the_pulses_questions(acme, publish):
    from trustmirror.instrument import load_instrument
    from trustmirror.results.models import PublishedGroup
    from trustmirror.results.stored import unpack_change, unpack_stat
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    full = load_instrument("trustscan", "2")
    pulse = load_instrument("trustscan", "2", "pulse")
    rng = np.random.default_rng(8)
    scans = []
    for name, form, opens in (("Pulse", "pulse", 10), ("Full", "full", 20)):
        scan = scan_create(
            organisation=acme.org,
            name=name,
            opens_on=dt.date(2026, 11, opens),
            closes_on=dt.date(2026, 11, opens + 5),
            min_group_size=5,
            max_cut_dimensions=0,
            instrument_version="2",
            form=form,
        )
        items = pulse.items if form == "pulse" else full.items
        Response.objects.bulk_create(
            Response(
                scan=scan,
                unit=acme.north,
                resume_key=secrets.token_hex(32),
                answers={item: int(rng.integers(1, 6)) for item in items},
                language="en",
                submitted=True,
            )
            for _ in range(8)
        )
        publish(scan)
        scans.append(scan)

    def north(scan):
        return PublishedGroup.objects.get(
            publication__scan=scan, publication__track="results", key=f"u:{acme.north.pk}"
        )

    before, after = north(scans[0]), north(scans[1])
    compared = {c.id for c in pulse.constructs if not c.sensitive}
    # Stored under each construct's own id, computed from the full scan's score on the
    # pulse's questions (never its score on all questions).
    assert set(after.change) == compared
    for construct in compared:
        change = unpack_change(after.change[construct])
        assert change["before"] == unpack_stat(before.stats[construct])
        assert change["after"]["mean"] == unpack_stat(after.stats[f"{construct}@pulse"])["mean"]
