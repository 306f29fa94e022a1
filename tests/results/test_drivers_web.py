"""The organisation's drivers: published with the results, equal to scipy, shown in words.

Carla (admin) reads the overview. A scan of 45 respondents publishes its themes' correlations
with the outcomes; the fixture's scan of 11 publishes none (privacy.drivers: at least 30).
"""

from __future__ import annotations

import pytest
from scipy import stats

from trustmirror.privacy.drivers import DRIVERS_MIN_N

from .test_change_view import answers_of, earlier_scan
from .test_views import independent_scores, overview_url

pytestmark = pytest.mark.django_db


def published_drivers(scan) -> list[dict] | None:
    from trustmirror.results.models import Publication

    latest = Publication.objects.filter(scan=scan, status=Publication.PUBLISHED).latest("version")
    return latest.payload.get("drivers")


def test_drivers_equal_scipy_over_the_organisations_respondents(client, acme, instrument):
    big = earlier_scan(acme, instrument, {"north": 15, "south": 15, "east": 15}, seed=21)
    drivers = published_drivers(big)
    assert drivers, "45 respondents: the drivers are published"
    answers = sum((answers_of(big, unit) for unit in (acme.north, acme.south, acme.east)), [])
    outcomes = {d["outcome"] for d in drivers}
    assert outcomes == {"satisfaction", "engagement", "intention_to_stay"} & {
        c.id for c in instrument.constructs
    }
    for one in drivers:
        x = independent_scores(answers, instrument.construct(one["predictor"]))
        y = independent_scores(answers, instrument.construct(one["outcome"]))
        both = x.notna() & y.notna()
        reference = stats.pearsonr(x[both], y[both])
        low, high = reference.confidence_interval(0.95)
        assert one["n"] == int(both.sum()) >= DRIVERS_MIN_N
        # Stored to two decimals, as printed.
        assert one["r"] == pytest.approx(reference.statistic, abs=0.005 + 1e-12)
        assert (one["ci_low"], one["ci_high"]) == pytest.approx((low, high), abs=0.005 + 1e-12)

    client.force_login(acme.carla)
    page = client.get(overview_url(big)).content.decode()
    section = page.split('id="drivers"', 1)[1].split("</section>", 1)[0]
    assert "association, not a cause" in section
    strongest = max(drivers, key=lambda d: d["r"])
    shown = f"{strongest['r']:.2f}".replace("-", "\u2212")
    assert shown in section


def test_a_small_organisation_publishes_no_drivers(client, acme, scan):
    assert published_drivers(scan) in (None, [])
    client.force_login(acme.carla)
    assert 'id="drivers"' not in client.get(overview_url(scan)).content.decode()
