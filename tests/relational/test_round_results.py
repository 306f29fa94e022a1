"""The relational round's published results: team pictures, mirrors, and who may see them.

Team North (six people, Dana leads it) completes the round; Team South has only three who
complete it (below k = 5). Ann relies on everyone; nobody relies much on Fay; Evi is rated by
only two colleagues (the others skipped her). The scan closed, so publishing is final.
"""

from __future__ import annotations

import datetime as dt
import secrets

import numpy as np
import pytest

K = 5
NORTH = ["Ann", "Bob", "Cas", "Dana", "Evi", "Fay"]


def _rating(rater: str, target: str) -> int:
    """Ann gives 5 to everyone, Fay receives 2 from everyone else; the rest is 3 or 4."""
    if rater == "Ann":
        return 5
    if target == "Fay":
        return 2
    return 4 if (len(rater) + len(target)) % 2 else 3


@pytest.fixture
def round_scan(acme):
    from trustmirror.instrument import load_instrument
    from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
    from trustmirror.relational.pseudonyms import pseudonym
    from trustmirror.surveys.models import Response, Scan
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Round 2026",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
    )
    Scan.objects.filter(pk=scan.pk).update(relational_round=True, leader_mirror=True)
    scan.refresh_from_db()
    instrument = load_instrument()
    rng = np.random.default_rng(7)
    for unit, n in ((acme.north, 6), (acme.south, 5)):
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers={item: int(rng.integers(2, 6)) for item in instrument.items},
                submitted=True,
            )
    code = {name: pseudonym(scan.pk, acme.people[name].pk) for name in acme.people}
    for name in NORTH:
        RoundEntry.objects.create(
            scan=scan, unit=acme.north, rater=code[name], state=RoundEntry.SUBMITTED
        )
        for other in NORTH:
            if other == name:
                continue
            skipped = other == "Evi" and name not in ("Ann", "Bob")
            value = None if skipped else _rating(name, other)
            RoundAnswer.objects.create(
                scan=scan,
                unit=acme.north,
                rater=code[name],
                target=code[other],
                reliance=value,
                disclosure=value,
                meta=None if skipped else 4,
                skipped=skipped,
            )
    for name in ("Eli", "Gus", "Hal"):
        RoundEntry.objects.create(
            scan=scan, unit=acme.south, rater=code[name], state=RoundEntry.SUBMITTED
        )
        for other in ("Eli", "Gus", "Hal"):
            if other != name:
                RoundAnswer.objects.create(
                    scan=scan,
                    unit=acme.south,
                    rater=code[name],
                    target=code[other],
                    reliance=4,
                    disclosure=4,
                    meta=4,
                )
    leader_items = [i.id for c in instrument.constructs_in("leader") for i in c.items]
    LeaderPrediction.objects.create(
        scan=scan,
        unit=acme.north,
        lead=code["Dana"],
        answers={item: 5 for item in leader_items},
        submitted=True,
    )
    scan.codes = code
    return scan


def test_the_final_version_holds_the_team_picture_and_only_what_the_rules_allow(
    acme, round_scan, publish
):
    from trustmirror.relational.models import PublishedMirror, PublishedRound
    from trustmirror.results.models import PublishedGroup
    from trustmirror.results.stored import unpack_stat

    publication = publish(round_scan)
    north = PublishedRound.objects.get(publication=publication, unit=acme.north)
    south = PublishedRound.objects.get(publication=publication, unit=acme.south)
    assert north.shown and north.data["raters"] == 6
    assert not south.shown and south.reason == "round_few_raters" and south.data == {}
    for measure in ("reliance", "disclosure"):
        shares = north.data["measures"][measure]["shares"]
        assert set(shares) == {"giver", "receiver", "relationship"}
        assert all(value % 5 == 0 for value in shares.values())
        assert abs(sum(shares.values()) - 100) <= 5
    # Ann gives 5 to all and Fay gets 2 from nearly all: giver and receiver both matter.
    assert shares["giver"] > 0 and shares["receiver"] > 0
    assert sum(north.data["patterns"].values()) in range(95, 106)
    # No pseudonym or person appears in a team picture.
    assert not any(code in str(north.data) for code in round_scan.codes.values())

    mirrors = {m.pseudonym: m.data for m in PublishedMirror.objects.filter(publication=publication)}
    code = round_scan.codes
    assert set(mirrors) == {code[name] for name in NORTH}  # South's team is not shown
    ann, fay, evi = mirrors[code["Ann"]], mirrors[code["Fay"]], mirrors[code["Evi"]]
    assert ann["given"]["reliance"] > ann["team"]["reliance"]
    assert fay["received"]["reliance"] < fay["team"]["reliance"]
    # Evi was rated by only two colleagues: no trust received, and no prediction check.
    assert evi["received"] == {} and "prediction" not in evi
    assert ann["prediction"]["expected"] == 4.0
    # Dana's prediction beside her team's published view of her.
    group = PublishedGroup.objects.get(publication=publication, key=f"u:{acme.north.pk}")
    dana = mirrors[code["Dana"]]["leader"]
    for construct, values in dana.items():
        assert values["predicted"] == 5.0
        assert values["team"] == round(unpack_stat(group.stats[construct])["mean"], 1)
    assert set(dana) == {"leader_ability", "leader_benevolence", "leader_integrity"} & set(
        group.stats
    )


def test_purging_keeps_what_was_published_and_deletes_the_ratings(acme, round_scan, publish):
    from trustmirror.relational.models import (
        LeaderPrediction,
        PublishedMirror,
        RoundAnswer,
    )
    from trustmirror.surveys.models import Scan

    Scan.objects.filter(pk=round_scan.pk).update(purge_ratings=True)
    round_scan.refresh_from_db()
    publication = publish(round_scan)
    assert not RoundAnswer.objects.filter(scan=round_scan).exists()
    assert not LeaderPrediction.objects.filter(scan=round_scan).exists()
    assert PublishedMirror.objects.filter(publication=publication).count() == 6


def test_an_open_scan_publishes_nothing_of_the_round(acme, round_scan, publish):
    from trustmirror.relational.models import PublishedMirror, PublishedRound
    from trustmirror.surveys.models import Scan

    Scan.objects.filter(pk=round_scan.pk).update(
        closes_on=dt.date.today() + dt.timedelta(days=5), interim_results=True
    )
    round_scan.refresh_from_db()
    publish(round_scan)
    assert not PublishedRound.objects.exists() and not PublishedMirror.objects.exists()


def test_pages_show_the_team_picture_and_each_mirror_only_to_its_person(
    client, acme, round_scan, publish
):
    publish(round_scan)
    unit_url = f"/o/acme/scans/{round_scan.pk}/units/{acme.north.pk}/"
    mirror_url = f"/o/acme/scans/{round_scan.pk}/mirror/"

    client.force_login(acme.carla)
    page = client.get(unit_url).content.decode()
    assert 'id="relational"' in page and "round-build" in page
    assert "Within pairs" in page  # dyadic reciprocity, in words
    assert mirror_url not in page  # carla is no person of Team North
    for name in NORTH:
        assert name not in page
    assert client.get(mirror_url).status_code == 404  # an admin has no mirror to open

    client.force_login(acme.dana)
    page = client.get(unit_url).content.decode()
    assert mirror_url in page
    mirror = client.get(mirror_url).content.decode()
    assert 'id="mirror-leader"' in mirror and 'id="mirror-given-received"' in mirror
    for name in NORTH:
        assert name not in mirror.replace("Dana", "")  # never a colleague's name

    client.force_login(acme.eli)  # South: not shown, so no mirror
    mirror = client.get(mirror_url).content.decode()
    assert 'id="mirror-none"' in mirror and 'id="mirror-leader"' not in mirror


def test_answers_of_rounds_nobody_submitted_publish_no_picture(acme, round_scan, publish):
    from trustmirror.relational.models import PublishedMirror, PublishedRound, RoundEntry

    RoundEntry.objects.update(state=RoundEntry.ANSWERING)
    publication = publish(round_scan)
    north = PublishedRound.objects.get(publication=publication, unit=acme.north)
    assert not north.shown and north.reason == "round_few_raters"
    # Only Dana's prediction is left to show, beside her team's view.
    (mirror,) = PublishedMirror.objects.filter(publication=publication)
    assert set(mirror.data) == {"leader"}
