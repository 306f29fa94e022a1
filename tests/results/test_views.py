"""The results pages: who may open them, what they show and what they never show.

Personas (tests/conftest.py): Carla is organisation admin; Dana leads Team North and sees
its subtree only; Eli is a member of Team South and must not see North's numbers; Olga is
admin of another organisation and must see nothing of Acme.
"""

from __future__ import annotations

import math
import re
import secrets

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from scipy import stats

pytestmark = pytest.mark.django_db

# Published numbers are stored to six decimals (trustmirror.results.stored); a change between
# scans is computed from two such numbers, so it carries a little more of that rounding.
STORED = 1e-6
STORED_DERIVED = 1e-5

K = 5  # the minimum group size of the scans made here and in conftest.py

# Anything that looks like a score or a share: "3.4", "3,4", "0.71".
SCORE = re.compile(r"\d[.,]\d")


def overview_url(scan, org="acme"):
    return reverse("results:scan_overview", kwargs={"org": org, "scan_id": scan.pk})


def unit_url(scan, unit, org="acme"):
    return reverse(
        "results:unit_profile", kwargs={"org": org, "scan_id": scan.pk, "unit_id": unit.pk}
    )


def logistics(acme):
    return acme.north.parent


# -- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"), [("carla", 200), ("dana", 404), ("eli", 404), ("olga", 404)]
)
def test_overview_is_for_admins_and_analysts_only(client, acme, scan, user, status):
    client.force_login(getattr(acme, user))
    assert client.get(overview_url(scan)).status_code == status


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [
        ("carla", "north", 200),
        ("carla", "south", 200),
        ("carla", "logistics", 200),
        ("dana", "north", 200),
        ("dana", "south", 404),  # a sibling team
        ("dana", "logistics", 404),  # the department above her team
        ("dana", "east", 404),
        ("eli", "south", 200),  # his own team
        ("eli", "north", 404),
        ("eli", "logistics", 404),
        ("olga", "north", 404),
        ("olga", "south", 404),
    ],
)
def test_unit_page_role_matrix(client, acme, scan, user, unit, status):
    target = logistics(acme) if unit == "logistics" else getattr(acme, unit)
    client.force_login(getattr(acme, user))
    assert client.get(unit_url(scan, target)).status_code == status


def test_olga_cannot_reach_acme_through_her_own_organisation(client, acme, scan):
    client.force_login(acme.olga)
    assert client.get(overview_url(scan, org="globex")).status_code == 404
    assert client.get(unit_url(scan, acme.north, org="globex")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, acme, scan):
    for url in (overview_url(scan), unit_url(scan, acme.north)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_viewing_results_is_audited(client, acme, scan):
    from trustmirror.audit.models import AuditEvent

    client.force_login(acme.dana)
    client.get(unit_url(scan, acme.north))
    event = AuditEvent.objects.get(action=AuditEvent.VIEW_UNIT)
    assert event.user == acme.dana and acme.north.path in event.target


# -- privacy -------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["eli", "carla"])
def test_a_team_below_k_shows_no_number_anywhere(client, acme, scan, user):
    """Team South has two respondents (k = 5): the page says so and shows no score at all."""
    client.force_login(getattr(acme, user))
    response = client.get(unit_url(scan, acme.south))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not enough responses" in html and f"fewer than {K}" in html.lower()
    assert SCORE.findall(html) == []
    assert "<svg" not in html and "n = " not in html and "%" not in html
    assert not response.context["shown"]


def test_the_overview_hides_small_units_in_the_heatmap_and_participation(client, acme, scan):
    from trustmirror.results.selectors import published_results

    client.force_login(acme.carla)
    operations = logistics(acme).parent
    # The organisation's level lists Operations and Sales; Operations opens its own units.
    response = client.get(overview_url(scan) + f"?level=u:{logistics(acme).pk}")
    assert response.status_code == 200
    results, _participation = published_results(scan)
    north = results.unit_group(acme.north)
    assert north.shown and north.n == 6
    for unit in (acme.south, acme.east):
        group = results.unit_group(unit)
        assert not group.shown and group.participation is None and group.stats == {}
        assert group.reason == "below_k"
    # South (2) and East (3) are below k; Operations (8) is hidden to protect them.
    assert results.unit_group(operations).reason == "complementary"
    heatmap = {row.label: row for row in response.context["heatmap_rows"]}
    assert heatmap["Team North"].group.shown and heatmap["Team North"].cells[0].shown
    assert not heatmap["Team South"].group.shown
    assert not any(cell.shown or cell.text for cell in heatmap["Team South"].cells)
    assert "Fewer than 5 respondents" in heatmap["Team South"].reason
    rows = {row.label: row for row in response.context["participation_rows"]}
    assert rows["Team North"].participation == "100%" and rows["Team North"].bar == 100
    assert not rows["Team South"].group.shown and not SCORE.search(rows["Team South"].reason)
    html = response.content.decode()
    assert "Team South" in html and "Team North" in html


def test_a_construct_few_people_could_rate_is_hidden_for_that_unit(
    client, acme, instrument, publish
):
    """Only two of Team North rated their manager's ability: no number for North on it."""
    import datetime as dt

    from trustmirror.results.selectors import published_results
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Spring",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
        min_group_size=K,
    )
    ability = {item.id for item in instrument.construct("leader_ability").items}
    for i in range(6):
        answers = {item: 4 for item in instrument.items}
        if i >= 2:
            answers.update(dict.fromkeys(ability, 0))  # "don't know"
        Response.objects.create(
            scan=scan,
            unit=acme.north,
            resume_key=secrets.token_hex(32),
            answers=answers,
            submitted=True,
        )
    for _ in range(5):
        Response.objects.create(
            scan=scan,
            unit=acme.south,
            resume_key=secrets.token_hex(32),
            answers={item: 3 for item in instrument.items},
            submitted=True,
        )
    publish(scan)
    client.force_login(acme.dana)
    response = client.get(unit_url(scan, acme.north))
    lines = {line.construct.id: line for g in response.context["groups"] for line in g.lines}
    assert lines["leader_ability"].unit is None
    assert lines["leader_integrity"].unit is not None and lines["leader_integrity"].unit.n == 6
    # The organisation's ability score rests on 7 people (two of North at 4, South's five at
    # 3); South's 5 alone would give North's 2 by subtraction, so South's number on this
    # scale is the one withdrawn. The organisation's count itself is withheld: 3 of its 14
    # (Team East) did not answer.
    assert lines["leader_ability"].organisation.n is None
    assert lines["leader_ability"].organisation.mean == round((2 * 4 + 5 * 3) / 7, 1)
    results, _participation = published_results(scan)
    south = results.unit_group(acme.south)
    assert south.stat("leader_ability") is None
    assert south.stat("leader_integrity").n == 5


# -- numbers -------------------------------------------------------------------------------


def independent_scores(answer_dicts: list[dict], construct) -> pd.Series:
    """Scale scores with plain pandas, straight from the definition in the brief."""
    items = [item.id for item in construct.items]
    frame = pd.DataFrame(answer_dicts, dtype=float).reindex(columns=items)
    frame = frame.where(frame != 0)  # "don't know" is missing
    for item in construct.items:
        if item.reverse:
            frame[item.id] = 6 - frame[item.id]
    needed = math.ceil(len(items) * 2 / 3)
    return frame.mean(axis=1).where(frame.notna().sum(axis=1) >= needed)


def test_organisation_profile_matches_an_independent_computation(client, acme, scan, instrument):
    from trustmirror.surveys.models import Response

    answers = list(
        Response.objects.filter(scan=scan, submitted=True).values_list("answers", flat=True)
    )
    assert len(answers) == 11  # the unsubmitted draft is not counted
    client.force_login(acme.carla)
    response = client.get(overview_url(scan))
    html = response.content.decode()
    shown = {line.construct.id: line.organisation for line in response.context["theme_lines"]}
    assert set(shown) == {t.id for t in instrument.themes}
    # 3 of Acme's 14 did not answer (Team South's): the organisation's count is withheld,
    # and its means are stored as printed, to a tenth (a finer mean would tell the count).
    for theme in instrument.themes:
        expected = independent_scores(answers, theme)
        stat = shown[theme.id]
        assert stat is not None, theme.id
        assert stat.n is None and stat.sd is None and stat.rwg_j is None
        assert stat.favourable is not None and stat.favourable == round(stat.favourable, 1)
        assert stat.mean == pytest.approx(expected.mean(), abs=0.05 + STORED)
        assert stat.mean == round(stat.mean, 1)
        assert f"{expected.mean():.1f}" in html
    assert "n = 11" not in html and "11 answers" not in html


def test_unit_profile_numbers_and_interval_match_an_independent_computation(
    client, acme, scan, instrument
):
    from trustmirror.surveys.models import Response

    answers = list(
        Response.objects.filter(scan=scan, unit=acme.north, submitted=True).values_list(
            "answers", flat=True
        )
    )
    client.force_login(acme.dana)
    response = client.get(unit_url(scan, acme.north))
    assert response.context["shown"]
    compared = 0
    for line in response.context["theme_lines"]:
        scores = independent_scores(answers, line.construct).dropna()
        if len(scores) < K:
            assert line.unit is None
        if line.unit is None:
            continue  # too few scores here, or withdrawn to protect the rest of the tree
        compared += 1
        assert line.unit.n == len(scores)
        half = stats.t.ppf(0.975, len(scores) - 1) * scores.std(ddof=1) / np.sqrt(len(scores))
        assert line.unit.mean == pytest.approx(scores.mean(), abs=STORED)
        assert line.unit.ci_low == pytest.approx(scores.mean() - half, abs=STORED_DERIVED)
        assert line.unit.ci_high == pytest.approx(scores.mean() + half, abs=STORED_DERIVED)
    assert compared >= 3
    html = response.content.decode()
    assert 'id="profile"' in html and "Acme" in html and "Team North" in html


# -- language ------------------------------------------------------------------------------


def test_explanations_follow_the_readers_language(client, acme, scan, instrument):
    client.force_login(acme.dana)
    theme = instrument.themes[0]
    english = client.get(unit_url(scan, acme.north)).content.decode()
    client.cookies["django_language"] = "nl"
    dutch = client.get(unit_url(scan, acme.north), headers={"accept-language": "nl"})
    dutch = dutch.content.decode()
    from django.utils.html import escape

    assert escape(theme.explanation["en"]) in english
    assert escape(theme.explanation["nl"]) in dutch
    assert escape(theme.explanation["en"]) not in dutch
    for construct in instrument.constructs:
        assert escape(construct.explanation["nl"]) in dutch, construct.id


def test_dutch_readers_get_decimal_commas_in_charts_and_tables(client, acme, scan):
    client.force_login(acme.dana)
    client.cookies["django_language"] = "nl"
    html = client.get(unit_url(scan, acme.north)).content.decode()
    text = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])  # text, not SVG coordinates
    numbers = SCORE.findall(text)
    assert numbers and all("," in n for n in numbers), numbers[:5]


def test_a_scan_without_responses_shows_no_results_yet(client, acme, publish):
    import datetime as dt

    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Empty",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
    )
    client.force_login(acme.carla)
    before = client.get(overview_url(scan)).content.decode()
    assert "results are being prepared" in before
    publish(scan)
    overview = client.get(overview_url(scan))
    assert overview.status_code == 200
    assert "No answers in the results: 0 of 14 invited." in overview.content.decode()
    team = client.get(unit_url(scan, acme.north))
    assert team.status_code == 200 and not team.context["shown"]
    assert not SCORE.search(team.content.decode())


def test_numbers_in_text_are_rounded_not_truncated():
    from trustmirror.results.wording import number, signed

    assert number(3.46) == "3.5"
    assert number(2.99) == "3.0"
    assert number(3.44) == "3.4"
    assert signed(-1.25) == "\u22121.2" and signed(0.04) == "0.0" and signed(0.35) == "+0.3"


def test_overview_shows_the_organisation_with_confidence_intervals(client, acme, scan):
    client.force_login(acme.carla)
    html = client.get(f"/o/acme/scans/{scan.pk}/").content.decode()
    assert html.count("(95% interval") >= 6  # every theme, at least
