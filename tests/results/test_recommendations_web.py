"""Recommendations where the results point to them: under the story's attention points, in
the group's own quadrant of the trust-control balance, and on a lead's own mirror.

The scan here has chosen answers (k = 5) so that the story is known in advance:

* Team North (Dana's team, six answers) scores reliability low (1.5) and trust in the team
  and the manager high (4), with an average amount of control (3): the quadrant "room";
* Team South (five answers) scores reliability high (4.5), trust as high as North, and more
  control (4);
* the organisation is both teams: reliability is split between them ("seen differently"),
  and trust and control are both above the middle: the quadrant "complement".
"""

from __future__ import annotations

import datetime as dt
import secrets
from types import SimpleNamespace

import pytest

from tests.relational import test_round_results
from tests.results.test_views import overview_url, unit_url
from trustmirror.instrument import load_instrument
from trustmirror.instrument.recommendations import (
    OVERESTIMATED,
    QUADRANT_IDS,
    UNDERESTIMATED,
    leader_reflections,
    quadrant_advice,
    recommendations_for,
)
from trustmirror.results.story import ATTENTION, DIVIDED

V1 = load_instrument()
round_scan = test_round_results.round_scan  # a scan with Dana's leader mirror (a fixture)

#: Per team, the level each group of constructs is answered around (the rest: 3).
LEVELS = {
    "north": {"reliability": 1.5, "team": 4, "leader": 4},
    "south": {"reliability": 4.5, "team": 4, "leader": 4, "control": 4},
}


def answers_of(person: int, levels: dict) -> dict[str, int]:
    """Answers spread around each construct's level (score 1..5; reverse items turned round)."""
    answers = {}
    for position, item in enumerate(V1.items.values()):
        construct = V1.construct(item.construct)
        level = levels.get(construct.id, levels.get(construct.group, 3))
        if level in (1.5, 4.5):  # two values, alternating: 1,2 or 4,5
            score = int(level - 0.5) + (person + position) % 2
        else:  # three values around the level, as many of each over six people
            score = level - 1 + (person + position) % 3
        answers[item.id] = 6 - score if item.reverse else score
    return answers


@pytest.fixture
def chosen_scan(acme, publish):
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Chosen 2026",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=5,
    )
    for name, n in (("north", 6), ("south", 5)):
        for person in range(n):
            Response.objects.create(
                scan=scan,
                unit=getattr(acme, name),
                resume_key=secrets.token_hex(32),
                answers=answers_of(person, LEVELS[name]),
                submitted=True,
            )
    publish(scan)
    return scan


def story_section(page: str) -> str:
    return page.split('id="story"', 1)[1].split("</section>", 1)[0]


def balance_section(page: str) -> str:
    return page.split('id="balance"', 1)[1].split("</section>", 1)[0]


def texts_of(level: str, constructs) -> set[str]:
    return {text for c in constructs for text in getattr(recommendations_for(c, "en"), level)}


def escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


NOT_NEUTRAL = [c.id for c in V1.constructs if c.polarity != "neutral"]


@pytest.mark.django_db
def test_a_team_page_offers_what_the_team_can_do_under_its_attention_points_only(
    client, acme, chosen_scan
):
    """Dana leads Team North, whose reliability is clearly below the organisation's."""
    client.force_login(acme.dana)
    response = client.get(unit_url(chosen_scan, acme.north))
    lines = response.context["story"].lines
    pointed = [line.construct.id for line in lines if line.tone in (ATTENTION, DIVIDED)]
    assert "reliability" in pointed
    story = story_section(response.content.decode())
    assert "What the team can do" in story and "What the organisation can do" not in story
    shown = texts_of("team", pointed)
    for text in shown:
        assert escaped(text) in story
    for text in texts_of("team", set(NOT_NEUTRAL) - set(pointed)) - shown:
        assert escaped(text) not in story, text  # no other construct's interventions
    for text in texts_of("organisation", NOT_NEUTRAL):
        assert escaped(text) not in story


@pytest.mark.django_db
def test_a_team_page_without_attention_points_offers_no_interventions(client, acme, chosen_scan):
    """Team South only stands out for the better (reliability): nothing to offer."""
    client.force_login(acme.carla)
    response = client.get(unit_url(chosen_scan, acme.south))
    lines = response.context["story"].lines
    assert [(line.construct.id, line.tone) for line in lines] == [("reliability", "strength")]
    assert lines[0].actions == [] and lines[0].questions == []
    page = response.content.decode()
    assert "What the team can do" not in page
    for text in texts_of("team", NOT_NEUTRAL) | texts_of("organisation", NOT_NEUTRAL):
        assert escaped(text) not in page


@pytest.mark.django_db
def test_the_organisation_page_offers_what_the_organisation_can_do(client, acme, chosen_scan):
    client.force_login(acme.carla)
    response = client.get(overview_url(chosen_scan))
    story = response.context["story"]
    assert story.level == "organisation"
    pointed = [line.construct.id for line in story.lines if line.tone in (ATTENTION, DIVIDED)]
    assert pointed == ["reliability"]  # split between North and South
    section = story_section(response.content.decode())
    assert "What the organisation can do" in section
    for text in recommendations_for("reliability", "en").organisation:
        assert escaped(text) in section
    for text in texts_of("team", NOT_NEUTRAL):
        assert escaped(text) not in section


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "unit", "quadrant"),
    [("dana", "north", "room"), ("carla", None, "complement")],
)
def test_the_balance_offers_the_advice_of_the_groups_own_quadrant_only(
    client, acme, chosen_scan, who, unit, quadrant
):
    client.force_login(getattr(acme, who))
    url = unit_url(chosen_scan, getattr(acme, unit)) if unit else overview_url(chosen_scan)
    response = client.get(url)
    assert response.context["balance"].key == quadrant
    section = balance_section(response.content.decode())
    for text in quadrant_advice(quadrant, "en"):
        assert escaped(text) in section
    for other in set(QUADRANT_IDS) - {quadrant}:
        for text in quadrant_advice(other, "en"):
            assert escaped(text) not in section, other


@pytest.mark.django_db
def test_a_dutch_reader_gets_the_interventions_in_dutch(client, acme, chosen_scan):
    client.force_login(acme.dana)
    response = client.get(unit_url(chosen_scan, acme.north), HTTP_ACCEPT_LANGUAGE="nl")
    line = next(x for x in response.context["story"].lines if x.construct.id == "reliability")
    assert line.actions == recommendations_for("reliability", "nl").team
    story = story_section(response.content.decode())
    assert all(escaped(text) in story for text in line.actions)


@pytest.mark.django_db
def test_the_reports_carry_the_interventions_under_their_story(acme, chosen_scan):
    from trustmirror.results import reports

    team = reports.team_report(chosen_scan, acme.north, lang="en", fmt="html").content.decode()
    for text in recommendations_for("reliability", "en").team:
        assert escaped(text) in team
    organisation = reports.organisation_report(chosen_scan, lang="en", fmt="html")
    html = organisation.content.decode()
    for text in recommendations_for("reliability", "en").organisation:
        assert escaped(text) in html


# -- a lead's own mirror ----------------------------------------------------------------------


def test_a_leads_mirror_reflects_on_the_direction_of_each_clear_gap():
    """Team sees ability 1.0 lower than expected, integrity 0.6 higher, good intentions about
    right (0.2): ability's reflections with the general ones for overestimating, then the
    general ones for underestimating; nothing about good intentions."""
    from django.utils import translation

    from trustmirror.relational.reading import _leader_reflections

    results = SimpleNamespace(instrument=V1)
    leader = {
        "leader_ability": {"predicted": 4.0, "team": 3.0},
        "leader_benevolence": {"predicted": 4.0, "team": 3.8},
        "leader_integrity": {"predicted": 3.9, "team": 4.5},
    }
    with translation.override("en"):
        over, under = _leader_reflections(results, leader)
        assert _leader_reflections(results, {"leader_ability": leader["leader_benevolence"]}) == []
    assert over["direction"] == OVERESTIMATED and under["direction"] == UNDERESTIMATED
    assert over["texts"] == leader_reflections("leader_ability", "en", direction=OVERESTIMATED)
    assert under["texts"] == leader_reflections(None, "en", direction=UNDERESTIMATED)
    assert V1.construct("leader_ability").label["en"] in over["intro"]
    assert V1.construct("leader_integrity").label["en"] in under["intro"]
    assert V1.construct("leader_benevolence").label["en"] not in over["intro"] + under["intro"]


@pytest.mark.django_db
def test_the_lead_sees_the_reflections_on_her_own_mirror(client, acme, round_scan, publish):
    """Dana expected 5 on every leader question; her team's answers are lower, so her own
    mirror (only she sees it) offers the reflections for overestimating."""
    publish(round_scan)
    client.force_login(acme.dana)
    response = client.get(f"/o/acme/scans/{round_scan.pk}/mirror/")
    mirror = response.context["mirror"]
    blocks = mirror["leader_reflections"]
    assert [block["direction"] for block in blocks] == [OVERESTIMATED]
    page = response.content.decode()
    reflections = page.split('id="mirror-reflections"', 1)[1]
    for text in leader_reflections(None, "en", direction=OVERESTIMATED):
        assert escaped(text) in reflections
    for text in leader_reflections(None, "en", direction=UNDERESTIMATED):
        assert escaped(text) not in page
