"""The trust-control balance and feeling beside reason, read from published means.

Groups are stubs with chosen shown means (tests/results/test_story.py); the page test uses
the results fixture's scan (Trust Scan 1: no question on how control is experienced).
"""

from __future__ import annotations

import pytest

from trustmirror.instrument import load_instrument
from trustmirror.results.balance import feeling_and_reason, group_balance

from .test_story import group, stat

V1 = load_instrument("trustscan", "1")
V2 = load_instrument("trustscan", "2")
TRUST = ["team_cognitive", "team_affective", "leader_ability", "leader_benevolence"]


def trusting(level: float, control: float | None, **more) -> dict:
    stats = {cid: stat(level) for cid in [*TRUST, "leader_integrity"]}
    if control is not None:
        stats["control"] = stat(control)
    stats.update({key: stat(value) for key, value in more.items()})
    return stats


@pytest.mark.parametrize(
    ("trust", "control", "key"),
    [
        (3.8, 3.6, "complement"),
        (3.8, 2.4, "room"),
        (2.6, 3.9, "instead"),
        (2.6, 2.0, "neither"),
        (3.0, 3.1, "instead"),  # at the midpoint is not high
    ],
)
def test_the_quadrant_follows_the_scales_midpoint(trust, control, key):
    balance = group_balance(V1, group(stats=trusting(trust, control)))
    assert balance is not None and balance.key == key
    assert (balance.trust, balance.control) == (trust, control)
    assert balance.fit is None and balance.fit_reading == ""


def test_trust_is_the_mean_of_the_shown_team_and_manager_means():
    # 3.44 shows as 3.4: the mean of what is shown is (3.4 * 4 + 4.0) / 5 = 3.52 -> 3.5.
    stats = {cid: stat(3.44) for cid in TRUST} | {"leader_integrity": stat(4.0)}
    stats["control"] = stat(2.0)
    assert group_balance(V1, group(stats=stats)).trust == 3.5


def test_no_balance_without_every_scale_it_needs():
    assert group_balance(V1, group(stats=trusting(3.8, None))) is None
    stats = trusting(3.8, 3.0)
    del stats["leader_ability"]  # held back for this group
    assert group_balance(V1, group(stats=stats)) is None


@pytest.mark.parametrize(("fit", "reading"), [(3.6, "fitting"), (2.2, "distrust"), (3.0, "mixed")])
def test_trust_scan_2_says_how_the_control_is_experienced(fit, reading):
    balance = group_balance(V2, group(stats=trusting(3.8, 3.6, control_fit=fit)))
    assert balance.fit == fit and balance.fit_reading == reading


@pytest.mark.parametrize(
    ("feeling", "reason", "leaning"),
    [(4.2, 3.8, "feeling"), (3.4, 3.9, "reason"), (3.7, 3.9, "even"), (3.6, 3.9, "reason")],
)
def test_feeling_beside_reason(feeling, reason, leaning):
    found = feeling_and_reason(
        group(stats={"team_affective": stat(feeling), "team_cognitive": stat(reason)})
    )
    assert (found.feeling, found.reason, found.leaning) == (feeling, reason, leaning)


@pytest.mark.django_db
def test_the_team_page_shows_where_the_team_stands_between_trust_and_control(client, acme, scan):
    """Dana's Team North: the section names the quadrant its published means give."""
    from .test_views import unit_url

    client.force_login(acme.dana)
    response = client.get(unit_url(scan, acme.north))
    balance = response.context["balance"]
    assert balance is not None
    page = response.content.decode()
    section = page.split('id="balance"', 1)[1].split("</section>", 1)[0]
    assert balance.name in section and 'id="balance-chart"' in section
    north = response.context["results"].unit_group(acme.north)
    control = round(north.stat("control").mean, 1)
    assert balance.control == control and balance.control_high == (control > 3)
