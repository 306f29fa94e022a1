"""The story at the top of a results page: which lines are chosen, and how they read.

The rules are those documented in :mod:`trustmirror.results.story`; the groups here are
stubs with chosen published numbers, so each test states the numbers a reader would see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.utils import translation

from trustmirror.instrument import load_instrument
from trustmirror.instrument.conversation import conversation_questions
from trustmirror.instrument.loader import available_instruments
from trustmirror.results import story
from trustmirror.results.selectors import ConstructChange, Group, ScaleStat
from trustmirror.results.story import ATTENTION, DIVIDED, MAX_LINES, STRENGTH, Comparison

V2 = load_instrument("trustscan", "2")
MINUS = "\u2212"


@dataclass
class StubGroup(Group):
    """A published row whose statistics and changes are given directly."""

    given_stats: dict = field(default_factory=dict)
    given_changes: dict = field(default_factory=dict)

    def stat(self, construct_id):
        return self.given_stats.get(construct_id)

    def change(self, construct_id):
        return self.given_changes.get(construct_id)


def group(key="u:1", stats=None, changes=None) -> StubGroup:
    return StubGroup(
        key=key,
        unit=None,
        parent_key="org",
        depth=1,
        shown=True,
        reason="shown",
        rolled_into="",
        n=None,
        participation=None,
        rollup=None,
        raw_changes=dict.fromkeys(changes or {}, 1),
        given_stats=stats or {},
        given_changes=changes or {},
    )


def stat(mean, low=None, high=None, agreement="high", rwg=0.9) -> ScaleStat:
    low = mean - 0.2 if low is None else low
    high = mean + 0.2 if high is None else high
    return ScaleStat(n=8, mean=mean, ci_low=low, ci_high=high, agreement=agreement, rwg_j=rwg)


def change(construct_id, before, after, low, high) -> ConstructChange:
    return ConstructChange(
        construct_id, stat(before), stat(after), after - before, low, high, hedges_g=None
    )


def tell(team, org, *, previous="May 2026", constructs=None, lang="en"):
    results = SimpleNamespace(
        previous_scan=SimpleNamespace(name=previous) if previous else None, instrument=V2
    )
    comparison = Comparison(story.ORGANISATION, "Acme", org) if org is not None else None
    with translation.override(lang):
        return story.group_story(
            results, team, comparison, group_name="Team North", constructs=constructs
        )


def test_a_clear_gap_is_told_with_the_difference_of_the_numbers_shown():
    """2.14 shows as 2.1 and 3.36 as 3.4: the line says -1.3, not the raw -1.22."""
    team = group(stats={"safety_security": stat(2.14, 1.4, 2.8)})
    org = group("org", stats={"safety_security": stat(3.36)})
    told = tell(team, org)
    [line] = told.lines
    assert line.tone == ATTENTION and line.anchor == "scale-safety_security"
    assert line.text == (
        f"Security and belonging is clearly lower than in Acme: 2.1 against 3.4 ({MINUS}1.3)."
    )


@pytest.mark.parametrize(
    ("mean", "low", "high", "why"),
    [
        (3.0, 2.4, 3.5, "the interval reaches the comparison's 3.4"),
        (3.2, 3.1, 3.3, "a gap of 0.2 is below the 0.3 that counts"),
    ],
)
def test_a_gap_that_is_not_clear_is_not_told(mean, low, high, why):
    team = group(stats={"reliability": stat(mean, low, high)})
    org = group("org", stats={"reliability": stat(3.4)})
    told = tell(team, org, previous=None)
    assert told.lines == [], why
    assert told.empty_text == (
        "Nothing stands out clearly: no scale is clearly higher or lower than in Acme."
    )


def test_for_fear_lower_is_better_and_neutral_scales_are_left_out():
    team = group(
        stats={
            "fear": stat(3.3, 2.9, 3.7),  # more fear than the organisation: attention
            "psych_safety": stat(4.4, 4.1, 4.7),  # a strength
            "control": stat(4.5, 4.2, 4.8),  # neutral: neither direction is better
        }
    )
    org = group("org", stats={"fear": stat(2.3), "psych_safety": stat(3.4), "control": stat(3.0)})
    told = tell(team, org, previous=None)
    tones = {line.construct.id: line.tone for line in told.lines}
    assert tones == {"fear": ATTENTION, "psych_safety": STRENGTH}
    fear = next(line for line in told.lines if line.construct.id == "fear")
    assert "Fear is clearly higher than in Acme: 3.3 against 2.3 (+1.0)." == fear.text
    # Attention points come first.
    assert [line.tone for line in told.lines] == [ATTENTION, STRENGTH]


def test_a_scale_lower_than_the_organisation_and_down_since_last_time_is_one_line():
    team = group(
        stats={"org_trust": stat(2.1, 1.7, 2.5), "satisfaction": stat(3.5)},
        changes={
            "org_trust": change("org_trust", 3.04, 2.12, -1.4, -0.4),
            # Clear before rounding, but 3.46 and 3.54 both show 3.5: nothing to see.
            "satisfaction": change("satisfaction", 3.46, 3.54, 0.01, 0.15),
        },
    )
    org = group("org", stats={"org_trust": stat(3.2), "satisfaction": stat(3.5)})
    told = tell(team, org)
    [line] = told.lines
    assert line.sentences == [
        f"Trust in the organisation is clearly lower than in Acme: 2.1 against 3.2 ({MINUS}1.1).",
        f"Trust in the organisation went down since May 2026: from 3.0 to 2.1 ({MINUS}0.9).",
    ]
    assert line.tone == ATTENTION


def test_a_change_whose_interval_includes_zero_is_not_told():
    team = group(
        stats={"org_trust": stat(2.8)},
        changes={"org_trust": change("org_trust", 3.3, 2.8, -1.1, 0.1)},
    )
    told = tell(team, None)
    assert told.lines == []
    assert told.empty_text == "Nothing changed clearly since May 2026."


def test_at_most_five_lines_taken_by_turns_the_largest_first():
    themes = [c.id for c in V2.themes]  # six themes, all far below the organisation
    stats = {cid: stat(2.0 + i * 0.1, 1.5 + i * 0.1, 2.5 + i * 0.1) for i, cid in enumerate(themes)}
    stats["team_affective"] = stat(4.6, 4.3, 4.9)
    stats["team_cognitive"] = stat(4.3, 4.0, 4.6)
    stats["collaboration"] = stat(3.5, 2.5, 4.5, agreement="low", rwg=0.3)
    org = group("org", stats={cid: stat(3.5) for cid in stats})
    told = tell(group(stats=stats), org, previous=None)
    assert len(told.lines) == MAX_LINES
    kinds = [line.tone for line in told.lines]
    # By turns: attention, strength, divided, attention, strength -- then sorted by tone.
    assert kinds == [ATTENTION, ATTENTION, STRENGTH, STRENGTH, DIVIDED]
    attention = [line.construct.id for line in told.lines if line.tone == ATTENTION]
    assert attention == ["safety_security", "power_place"]  # the largest gaps first
    strengths = [line.construct.id for line in told.lines if line.tone == STRENGTH]
    assert strengths == ["team_affective", "team_cognitive"]
    divided = next(line for line in told.lines if line.tone == DIVIDED)
    assert divided.text == (
        "In Team North people see Collaboration differently: the mean of 3.5 hides "
        "different experiences."
    )


def test_attention_points_carry_conversation_questions_in_the_readers_language():
    team = group(stats={"power_place": stat(2.4, 1.8, 3.0), "innovation": stat(4.5, 4.2, 4.8)})
    org = group("org", stats={"power_place": stat(3.4), "innovation": stat(3.0)})
    for lang in ("nl", "en"):
        told = tell(team, org, previous=None, lang=lang)
        attention, strength = told.lines
        assert attention.questions == conversation_questions("power_place", lang)
        assert 2 <= len(attention.questions) <= 3
        assert strength.questions == []
    dutch = tell(team, org, previous=None, lang="nl").lines[0]
    assert dutch.text.startswith("Macht en eigen plek") and "2,4" in dutch.text


def test_every_scale_that_can_be_an_attention_point_has_questions_in_both_languages():
    for instrument_id, version in available_instruments():
        instrument = load_instrument(instrument_id, version)
        for construct in instrument.constructs:
            nl = conversation_questions(construct.id, "nl")
            en = conversation_questions(construct.id, "en")
            if construct.polarity == "neutral":
                continue  # never in the story
            assert 2 <= len(nl) == len(en) <= 3, (version, construct.id)
            assert all(q.endswith("?") for q in nl + en), construct.id


# -- on the page --------------------------------------------------------------------------


def story_section(page: str) -> str:
    return page.split('id="story"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
def test_the_team_page_starts_with_its_story_and_the_reader_picks_the_comparison(
    client, acme, scan
):
    """Dana leads Team North: the story comes first, every line links to its detail, and
    each comparison she may choose sets the second column and the chart."""
    import re

    from tests.results.test_views import unit_url

    client.force_login(acme.dana)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert page.index('id="story"') < page.index('id="profile"')
    for anchor in re.findall(r'href="#([^"]+)"', story_section(page)):
        assert f'id="{anchor}"' in page, anchor
    default = client.get(unit_url(scan, acme.north))
    choices = default.context["comparisons"]
    assert choices[0].kind == "organisation" and default.context["versus"] == choices[0]
    for choice in choices:
        response = client.get(unit_url(scan, acme.north), {"vs": choice.kind})
        assert response.status_code == 200 and response.context["versus"] == choice
        for line in response.context["theme_lines"]:
            expected = choice.group.stat(line.construct.id) if choice.group else None
            assert line.organisation == expected
    # Anything else falls back to the organisation; no error.
    odd = client.get(unit_url(scan, acme.north), {"vs": "<script>"})
    assert odd.status_code == 200 and odd.context["versus"].kind == "organisation"
    assert "<script>" not in odd.content.decode()


@pytest.mark.django_db
def test_a_team_too_small_to_report_points_to_where_its_answers_count(client, acme, scan):
    """Team South has 2 respondents (k = 5). Eli, a member, learns where South's answers
    count (without a link he may not follow) and gets questions to talk without numbers;
    Carla, the admin, gets the organisation's page as a link."""
    from tests.results.test_views import SCORE, unit_url

    client.force_login(acme.eli)
    response = client.get(unit_url(scan, acme.south))
    assert response.status_code == 200 and response.context["shown"] is False
    counts_in = response.context["counts_in"]
    assert counts_in and counts_in[-1] == ("Acme", None)
    page = response.content.decode()
    assert "they count in the results of" in page and "<strong>Acme</strong>" in page
    guide = response.context["guide"]
    assert [label for label, _ in guide] == [t.label["en"] for t in scan_instrument(scan).themes]
    assert all(2 <= len(questions) <= 3 for _, questions in guide)
    assert 'id="conversation-guide"' in page
    main = page.split("<main", 1)[1]
    assert not SCORE.search(main.split('id="conversation-guide"', 1)[0])  # no number shown

    client.force_login(acme.carla)
    admin = client.get(unit_url(scan, acme.south)).context["counts_in"]
    name, url = admin[-1]
    assert name == "Acme" and url == f"/o/acme/scans/{scan.pk}/"


def scan_instrument(scan):
    return load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
