"""Change since the previous scan on the results pages, through the privacy policy.

Personas (tests/conftest.py): Carla is organisation admin, Alex the analyst; Dana leads Team
North; Eli is a member of Team South and must not see North's numbers. The current scan is
the one of tests/results/conftest.py (k = 5): Team North 6 respondents, Team South 2, Team
East 3. Each test adds an earlier scan of its own shape.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import secrets

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from scipy import special, stats

from trustmirror.orgs.models import Unit
from trustmirror.privacy.audit import find_disclosure

from .conftest import K, random_answers
from .test_views import SCORE, independent_scores, overview_url, unit_url

pytestmark = pytest.mark.django_db

# Published numbers are stored to six decimals (trustmirror.results.stored); a change between
# scans is computed from two such numbers, so it carries a little more of that rounding.
STORED = 1e-6
STORED_DERIVED = 1e-5

THEME = "Safety and security"
SECTION = re.compile(r'<section class="card" id="change">(.*?)</section>', re.S)
ROW = re.compile(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num" data-label="[^"]*">(.*?)</td>', re.S)


def earlier_scan(acme, instrument, sizes: dict[str, int], *, k: int = K, seed: int = 7):
    """A scan half a year before the fixture scan with ``sizes`` respondents per team."""
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Spring 2026",
        opens_on=dt.date(2026, 4, 1),
        closes_on=dt.date(2026, 4, 30),
        min_group_size=k,
    )
    rng = np.random.default_rng(seed)
    item_ids = list(instrument.items)
    for name, n in sizes.items():
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=getattr(acme, name),
                resume_key=secrets.token_hex(32),
                answers=random_answers(rng, item_ids),
                submitted=True,
            )
    # Change is part of a published version: publish the earlier scan, then the later ones
    # again, as they would have been published after it.
    republish(scan)
    return scan


def republish(earlier):
    from trustmirror.results.models import IncludedResponse, Publication
    from trustmirror.results.publishing import publication_attempt
    from trustmirror.surveys.models import Scan

    Publication.objects.filter(scan=earlier).delete()
    IncludedResponse.objects.filter(scan=earlier).delete()
    assert publication_attempt(scan=earlier, force=True).kind == "published"
    for later in Scan.objects.filter(
        organisation_id=earlier.organisation_id, opens_on__gt=earlier.opens_on
    ).order_by("opens_on"):
        Publication.objects.filter(scan=later).delete()
        IncludedResponse.objects.filter(scan=later).delete()
        assert publication_attempt(scan=later, force=True).kind == "published"


def answers_of(scan, unit):
    from trustmirror.surveys.models import Response

    return list(
        Response.objects.filter(scan=scan, unit=unit, submitted=True).values_list(
            "answers", flat=True
        )
    )


def change_section(page: str) -> str:
    found = SECTION.search(page)
    return found.group(1) if found else ""


def visible_numbers(page: str) -> list[str]:
    """Every number a reader sees in the page's main part (text and chart labels), except
    the clock time of the status line: republishing in the next minute is not a leak."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"(\d{4}), \d{2}:\d{2}", r"\1", main)
    return re.findall(r"\d+(?:[.,]\d+)?", " ".join(re.findall(r">([^<]*)<", main)))


def hedges_g(before: np.ndarray, after: np.ndarray) -> float:
    """Hedges' g by hand: pooled SD and the exact gamma correction (Hedges 1981)."""
    n1, n2 = len(before), len(after)
    m = n1 + n2 - 2
    pooled = np.sqrt(((n1 - 1) * before.var(ddof=1) + (n2 - 1) * after.var(ddof=1)) / m)
    correction = special.gamma(m / 2) / (np.sqrt(m / 2) * special.gamma((m - 1) / 2))
    return correction * (after.mean() - before.mean()) / pooled


def signed(value: float) -> str:
    rounded = round(value, 1)
    text = f"{abs(rounded):.1f}"
    return ("+" if rounded > 0 else "\u2212" if rounded < 0 else "") + text


# -- numbers -------------------------------------------------------------------------------


def test_north_change_matches_scipy_welch_and_hedges_g(client, acme, scan, instrument):
    spring = earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    before_answers, after_answers = answers_of(spring, acme.north), answers_of(scan, acme.north)
    client.force_login(acme.dana)
    lead_page = client.get(unit_url(scan, acme.north)).content.decode()
    # Effect sizes are for analysts: the lead reads the change in words.
    assert "Hedges" not in lead_page and "clearly" in lead_page
    client.force_login(acme.alex)
    response = client.get(unit_url(scan, acme.north))
    change = response.context["change"]
    assert change.previous == spring and change.k == K and change.shown
    page = html.unescape(change_section(response.content.decode()))
    compared, tones = 0, {}
    for construct in instrument.constructs:
        one = change.get(construct.id)
        before = independent_scores(before_answers, construct).dropna().to_numpy()
        after = independent_scores(after_answers, construct).dropna().to_numpy()
        if min(len(before), len(after)) < K:
            assert one is None, construct.id
        if one is None:
            continue
        compared += 1
        welch = stats.ttest_ind(after, before, equal_var=False)
        low, high = welch.confidence_interval(0.95)
        assert one.before.n == len(before) and one.after.n == len(after)
        assert one.before.mean == pytest.approx(before.mean(), abs=STORED)
        assert one.difference == pytest.approx(after.mean() - before.mean(), abs=STORED)
        assert one.ci_low == pytest.approx(low, abs=STORED_DERIVED)
        assert one.ci_high == pytest.approx(high, abs=STORED_DERIVED)
        assert one.hedges_g == pytest.approx(hedges_g(before, after), abs=STORED_DERIVED)
        assert (one.direction == "unclear") == (low <= 0 <= high)
        label = construct.label["en"]
        # The difference printed is that of the two means as printed (3.3 -> 2.8: -0.5).
        shown_difference = round(after.mean(), 1) - round(before.mean(), 1)
        expected = f"{signed(shown_difference)} ({signed(low)} to {signed(high)})"
        row = next(cells for name, cells in ROW.findall(page) if name == label)
        assert expected in re.sub(r"<[^>]+>", "", row), (label, row)
        assert f"{round(one.hedges_g, 2):.2f}".replace("-", "\u2212") in row  # one minus sign
        # Colour follows the instrument's polarity: none for unclear changes and for neutral
        # constructs (the amount of control), reversed where higher is worse (fear).
        rose = low > 0
        tone = (
            "none"
            if low <= 0 <= high or construct.polarity == "neutral"
            else ("better" if rose != (construct.polarity == "higher_worse") else "worse")
        )
        assert f'class="change-{tone}"' in row, (label, tone, row)
        tones[construct.polarity] = tones.get(construct.polarity, 0) + 1
    assert compared >= 6
    assert {"higher_better", "neutral"} <= set(tones)
    assert 'id="change"' in response.content.decode() and "Change since Spring 2026" in page
    assert "<svg" in page and ' style="' not in page  # the arrow chart, CSP-clean


@pytest.mark.parametrize(
    ("construct", "direction", "tone"),
    [
        ("fear", "higher", "worse"),
        ("fear", "lower", "better"),
        ("control", "higher", "none"),
        ("control", "lower", "none"),
        ("psych_safety", "higher", "better"),
        ("psych_safety", "unclear", "none"),
    ],
)
def test_the_colour_of_a_change_follows_the_files_polarity(instrument, construct, direction, tone):
    from trustmirror.results.wording import change_tone

    assert change_tone(direction, instrument.construct(construct).polarity) == tone


def test_the_overview_shows_the_organisations_change_per_theme(client, acme, scan, instrument):
    spring = earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    client.force_login(acme.carla)
    response = client.get(overview_url(scan))
    change = response.context["change"]
    assert change.shown and change.previous == spring
    everyone_before = [
        a for u in (acme.north, acme.south, acme.east) for a in answers_of(spring, u)
    ]
    everyone_after = [a for u in (acme.north, acme.south, acme.east) for a in answers_of(scan, u)]
    # Acme's count is withheld now (3 of 14 did not answer): the change is computed with
    # the real counts but stored as printed, to a tenth, and carries no count.
    for line in response.context["change_theme_lines"]:
        construct = line.change and instrument.construct(line.change.construct_id)
        assert line.change is not None, line.label
        before = independent_scores(everyone_before, construct).dropna()
        after = independent_scores(everyone_after, construct).dropna()
        low, high = stats.ttest_ind(after, before, equal_var=False).confidence_interval()
        assert line.change.ci_low == pytest.approx(low, abs=0.05 + STORED_DERIVED)
        assert line.change.ci_high == pytest.approx(high, abs=0.05 + STORED_DERIVED)
        assert line.change.ci_low == round(line.change.ci_low, 1)
        assert line.change.after.n is None and line.change.after.sd is None
        g = hedges_g(before.to_numpy(), after.to_numpy())
        assert abs(line.change.hedges_g) == pytest.approx(math.floor(abs(g) * 10) / 10)
    assert len(response.context["change_theme_lines"]) == 6


def test_no_previous_scan_no_change_section(client, acme, scan):
    client.force_login(acme.dana)
    response = client.get(unit_url(scan, acme.north))
    assert "change" not in response.context
    assert 'id="change"' not in response.content.decode()


def test_the_previous_scan_is_the_latest_published_one_that_opened_before(
    acme, scan, instrument, publish
):
    """An empty or unpublished scan never becomes "the previous scan" (it once did, and
    removed "change since" from every lead's page)."""
    from trustmirror.results.models import Publication
    from trustmirror.results.publishing import _previous_published
    from trustmirror.surveys.services import scan_create

    spring = earlier_scan(acme, instrument, {"north": 5})
    winter = scan_create(
        organisation=acme.org,
        name="Winter 2025",
        opens_on=dt.date(2025, 12, 1),
        closes_on=dt.date(2025, 12, 31),
    )
    publish(winter)  # published, but nobody answered: the organisation shows nothing
    test_scan = scan_create(
        organisation=acme.org,
        name="A test without answers",
        opens_on=dt.date(2026, 9, 1),
        closes_on=dt.date(2026, 9, 2),
    )
    publish(test_scan)
    unpublished = scan_create(
        organisation=acme.org,
        name="Not yet published",
        opens_on=dt.date(2026, 9, 15),
        closes_on=dt.date(2026, 9, 20),
    )
    later = scan_create(
        organisation=acme.org,
        name="Spring 2027",
        opens_on=dt.date(2027, 4, 1),
        closes_on=dt.date(2027, 4, 30),
    )
    scan_create(
        organisation=acme.globex,
        name="Globex summer",
        opens_on=dt.date(2026, 7, 1),
        closes_on=dt.date(2026, 7, 31),
    )
    assert _previous_published(scan).scan == spring
    assert _previous_published(later).scan == scan
    assert _previous_published(spring) is None
    assert not Publication.objects.filter(scan=unpublished).exists()
    current = Publication.objects.get(scan=scan, track="results")
    assert current.previous_scan == spring


# -- privacy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "k"),
    [
        ({"north": 3, "south": 4, "east": 5}, K),  # North below k in the previous scan
        ({"north": 8, "south": 6, "east": 6}, 7),  # shown there, but not at the stricter k = 7
    ],
)
def test_a_unit_below_k_in_either_scan_shows_no_change_and_no_previous_number(
    client, acme, scan, instrument, sizes, k
):
    client.force_login(acme.dana)
    alone = client.get(unit_url(scan, acme.north)).content.decode()
    earlier_scan(acme, instrument, sizes, k=k)
    response = client.get(unit_url(scan, acme.north))
    page = response.content.decode()
    section = change_section(page)
    assert response.context["shown"]  # North's own numbers of this scan are shown
    assert not response.context["change"].shown
    assert "change_theme_lines" not in response.context
    assert f"Change not shown: fewer than {max(k, K)} respondents" in section
    # The only number in the section is k: no mean, difference or n of either scan.
    text = re.sub(r"<[^>]+>", " ", section).replace("Spring 2026", "")
    assert re.findall(r"\d+", text) == [str(max(k, K))]
    assert "<svg" not in section
    # Nor anywhere else: the page shows exactly the numbers it showed before spring existed.
    assert visible_numbers(page.replace(section, "")) == visible_numbers(alone)


def test_a_construct_hidden_in_one_scan_shows_no_change_for_it(client, acme, scan, instrument):
    """Only two of North rated the manager's ability in spring: no change on that scale."""
    from trustmirror.surveys.models import Response

    spring = earlier_scan(acme, instrument, {"south": 5, "east": 5})
    ability = {item.id for item in instrument.construct("leader_ability").items}
    for i in range(6):
        answers = {item: 4 for item in instrument.items}
        if i >= 2:
            answers.update(dict.fromkeys(ability, 0))
        Response.objects.create(
            scan=spring,
            unit=acme.north,
            resume_key=secrets.token_hex(32),
            answers=answers,
            submitted=True,
        )
    republish(spring)
    client.force_login(acme.dana)
    response = client.get(unit_url(scan, acme.north))
    change = response.context["change"]
    assert change.shown and change.get("leader_ability") is None
    assert change.get("leader_integrity") is not None
    line = next(
        line for line in response.context["change_other_lines"] if line.label == "Manager's ability"
    )
    assert line.change is None and line.before == ""


@pytest.mark.parametrize(("user", "status"), [("dana", 200), ("eli", 404), ("olga", 404)])
def test_only_who_may_open_north_sees_its_change(client, acme, scan, instrument, user, status):
    earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    client.force_login(getattr(acme, user))
    response = client.get(unit_url(scan, acme.north))
    assert response.status_code == status
    if status == 200:
        assert response.context["change"].shown
        assert "Change since Spring 2026" in response.content.decode()


def test_eli_sees_no_change_for_his_small_team(client, acme, scan, instrument):
    """South had 5 in spring (shown then) and 2 now: nothing of spring on its page."""
    earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    client.force_login(acme.eli)
    response = client.get(unit_url(scan, acme.south))
    page = response.content.decode()
    assert response.status_code == 200 and not response.context["shown"]
    assert "change" not in response.context and 'id="change"' not in page
    assert SCORE.findall(page) == []


def test_dutch_readers_get_the_change_in_dutch(client, acme, scan, instrument):
    earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    client.force_login(acme.dana)
    client.cookies["django_language"] = "nl"
    page = client.get(unit_url(scan, acme.north), headers={"accept-language": "nl"})
    section = html.unescape(change_section(page.content.decode()))
    assert "Verandering sinds Spring 2026" in section
    assert "betrouwbaarheidsinterval" in section and "Change since" not in section
    numbers = SCORE.findall(re.sub(r"<[^>]+>", " ", section.split("</svg>")[-1]))
    assert numbers and all("," in n for n in numbers)


# -- the disclosure audit across scans ------------------------------------------------------


def previous_shown(section: str, label: str) -> bool:
    """Whether the change table of a page shows a previous-scan number on row ``label``."""
    for name, cells in ROW.findall(html.unescape(section)):
        if name.strip() == label:
            found = CELL.findall(cells)
            return bool(found and SCORE.fullmatch(found[0].strip()))
    return False


@pytest.mark.parametrize(
    "sizes",
    [
        {"north": 7, "south": 5, "east": 5},
        {"north": 7, "south": 3, "east": 5},  # spring hides North or Logistics to protect South
        {"north": 9, "south": 6, "east": 3},
    ],
)
def test_spring_numbers_on_autumn_pages_isolate_nobody_of_spring(
    client, acme, scan, instrument, sizes
):
    from trustmirror.results.selectors import published_results

    spring = earlier_scan(acme, instrument, sizes)
    atoms = {getattr(acme, name).path: n for name, n in sizes.items()}
    spring_results, _participation = published_results(spring)
    client.force_login(acme.alex)
    published: dict[str, set[str]] = {}
    for unit in Unit.objects.filter(organisation=acme.org):
        page = client.get(unit_url(scan, unit)).content.decode()
        if previous_shown(change_section(page), THEME):
            assert spring_results.unit_group(unit).shown  # spring published it itself
            published[unit.path] = {
                path for path in atoms if path == unit.path or path.startswith(unit.path + "/")
            }
    overview = client.get(overview_url(scan)).content.decode()
    if previous_shown(change_section(overview), THEME):
        assert spring_results.org is not None
        published["(organisation)"] = set(atoms)
    if sizes["north"] >= K and spring_results.unit_group(acme.north).shown:
        assert acme.north.path in published  # else this test proves nothing
    assert find_disclosure(atoms, published, K) is None, published


# -- the demo's story ----------------------------------------------------------------------


def test_the_demo_returns_team_dropped_across_versions_where_the_questions_stayed(
    client, db, tmp_path
):
    """The demo's open scan asks Trust Scan 2, the closed one version 1: Returns' safety
    is not compared (other questions), its trust in the organisation is, and clearly lower."""
    from trustmirror.demo import seed_demo
    from trustmirror.surveys.models import Scan

    seed_demo(data_dir=tmp_path, progress=False)
    current = Scan.objects.order_by("-opens_on").first()
    returns = Unit.objects.get(path="Operations/Warehouse/Returns")
    client.force_login(get_user_model().objects.get(username="mark"))
    response = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": current.organisation.slug, "scan_id": current.pk, "unit_id": returns.pk},
        )
    )
    assert response.status_code == 200
    assert current.instrument_version == "2"
    change = response.context["change"]
    assert change.versions == ("1", "2")
    assert change.get("safety_security") is None and change.get("fear") is None
    # No theme kept its questions: one sentence instead of six rows without numbers.
    assert response.context["change_theme_lines"] == []
    assert 'id="themes-not-compared"' in response.content.decode()
    trust = change.get("org_trust")
    assert trust is not None and trust.direction == "lower"
    assert trust.ci_high < 0 and trust.before.mean - trust.after.mean > 0.5
    line = next(
        line
        for line in response.context["change_other_lines"]
        if line.change and line.change.construct_id == "org_trust"
    )
    assert "clearly lower" in line.verdict and line.tone == "worse"
    # The story at the top tells it: the drop in safety against the organisation and the
    # drop in trust in the organisation since May, no longer 7,900 px down the page.
    story = [line.text for line in response.context["story"].lines]
    page = response.content.decode()
    assert page.index('id="story"') < page.index('id="profile"') < page.index('id="change"')
    assert story[0].startswith(
        "Security and belonging is clearly lower than in Kwartelhaven Logistiek: 2.1 against"
    )
    assert any(
        text.startswith("Trust in the organisation went down since Vertrouwensscan mei 2026")
        for text in story
    )
    # Ingrid heads Customer Services: its one clear change (the manager's integrity) is in
    # her story, not in a collapsed panel.
    services = Unit.objects.get(path="Customer Services")
    client.force_login(get_user_model().objects.get(username="ingrid"))
    department = client.get(
        reverse(
            "results:unit_profile",
            kwargs={
                "org": current.organisation.slug,
                "scan_id": current.pk,
                "unit_id": services.pk,
            },
        )
    )
    told = department.context["story"].lines
    assert any(
        line.construct.id == "leader_integrity" and "went down since" in line.text for line in told
    ), [line.text for line in told]


def test_change_from_a_v1_scan_to_a_v2_scan_only_where_the_questions_stayed(
    client, acme, scan, instrument, publish
):
    """Autumn asked Trust Scan v1, November asks v2: a change is shown only for the scales the
    v2 file marks comparable (the same items), and computed from those items in both."""
    from trustmirror.instrument import load_instrument
    from trustmirror.results.keys import unit_key
    from trustmirror.results.models import Publication, PublishedGroup
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    v2 = load_instrument("trustscan", "2")
    winter = scan_create(
        organisation=acme.org,
        name="Winter 2026",
        opens_on=dt.date(2026, 11, 2),
        closes_on=dt.date(2026, 11, 20),
        min_group_size=K,
        instrument_version="2",
    )
    rng = np.random.default_rng(11)
    for _ in range(6):
        Response.objects.create(
            scan=winter,
            unit=acme.north,
            resume_key=secrets.token_hex(32),
            answers=random_answers(rng, list(v2.items)),
            submitted=True,
        )
    publish(winter)
    client.force_login(acme.dana)
    response = client.get(unit_url(winter, acme.north))
    change = response.context["change"]
    assert change.previous == scan and change.versions == ("1", "2")
    page = html.unescape(change_section(response.content.decode()))
    assert "The questionnaire changed between the two scans (version 1, now version 2)" in page

    pairs = v2.comparable_constructs("trustscan", "1")
    autumn = Publication.objects.filter(
        scan=scan, track=Publication.RESULTS, status=Publication.PUBLISHED
    ).latest("version")
    autumn_north = PublishedGroup.objects.get(publication=autumn, key=unit_key(acme.north.pk))
    before_answers, after_answers = answers_of(scan, acme.north), answers_of(winter, acme.north)
    compared = 0
    for construct in v2.constructs:
        one = change.get(construct.id)
        if construct.id not in pairs:
            assert one is None, construct.id
            continue
        before = independent_scores(before_answers, instrument.construct(pairs[construct.id]))
        after = independent_scores(after_answers, construct)
        before, after = before.dropna().to_numpy(), after.dropna().to_numpy()
        if min(len(before), len(after)) < K:
            continue
        compared += 1
        if pairs[construct.id] not in autumn_north.stats:
            assert one is None, construct.id  # not published in autumn: nothing to compare
            continue
        assert one is not None, construct.id
        assert one.before.n == len(before) and one.after.n == len(after)
        assert one.difference == pytest.approx(after.mean() - before.mean(), abs=STORED)
    assert compared >= 3
    # No theme kept its questions: one sentence says so instead of six rows without numbers.
    assert response.context["change_theme_lines"] == []
    assert "The six themes are not compared: their questions changed" in page
    assert v2.themes[0].label["en"] not in [name for name, _cells in ROW.findall(page)]
    # No theme kept its questions, so no chart of six empty rows; one id per page.
    assert not any(change.get(theme.id) for theme in v2.themes)
    assert "<svg" not in page and response.content.decode().count('id="change"') == 1


def test_unit_changes_are_each_shown_units_published_change(acme, scan, instrument):
    """The lean read behind the agreements' comparisons gives, for every shown unit, exactly
    the change its Group gives (rollups and hidden units left out), and a new version is read
    anew, not taken from what the process kept of the old one."""
    from trustmirror.results.models import PublishedGroup
    from trustmirror.results.selectors import published_results

    earlier_scan(acme, instrument, {"north": 7, "south": 5, "east": 5})
    results, _ = published_results(scan)
    themes = ["safety_security", "reliability", "no_such_construct"]
    found = results.unit_changes(themes)

    rows = PublishedGroup.objects.filter(publication=results.publication, unit__isnull=False)
    expected = {c: {} for c in themes}
    for row in rows:
        group = results.group(row.key)
        for construct_id in themes:
            change = group.change(construct_id)
            if change is not None and row.key.startswith("u:"):
                expected[construct_id][row.unit_id] = (
                    change.difference,
                    change.before.mean,
                    change.after.mean,
                )
    assert {
        c: {unit: (x.difference, x.before, x.after) for unit, x in by_unit.items()}
        for c, by_unit in found.items()
    } == expected
    assert acme.north.pk in found["safety_security"]  # North is shown in both scans (7, 6)
    assert acme.south.pk not in found["safety_security"]  # South has 2 now: hidden
    assert found["no_such_construct"] == {}

    # The same version again is what the process kept; a republished one is read anew.
    assert results.unit_changes(["safety_security"]) == {
        "safety_security": found["safety_security"]
    }
    earlier = results.previous_scan
    Response = type(scan.responses.first())
    Response.objects.filter(scan=earlier, unit=acme.north).update(
        answers={item: 1 for item in instrument.items},
        answer_row="",  # "" reads the JSON
    )
    republish(earlier)
    again, _ = published_results(scan)
    assert again.publication.pk != results.publication.pk
    assert (
        again.unit_changes(["safety_security"])["safety_security"][acme.north.pk]
        != (found["safety_security"][acme.north.pk])
    )
