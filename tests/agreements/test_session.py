"""The team session: a team's results on a screen, theme by theme, then its agreements.

Personas (tests/conftest.py): Carla is organisation admin; Dana leads Team North; Eli is a
member of Team South; Alex is the analyst (reads results, manages nothing); Olga is admin of
Globex and must see nothing of Acme. Made here: Lena leads Logistics (above North and
South), Sam leads Team South, Ann has a member's login in Team North.

The scan (k = 5): all six of Team North answered (shown), two of Team South and three of
Team East (both hidden). North answers low on reliability and the others high, so
reliability is North's clear attention point.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from trustmirror.agreements.models import Agreement

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the personas' password in tests/conftest.py
K = 5
# Anything that looks like a score or a share: "3.4", "3,4", "72%".
SCORE = re.compile(r"\d[.,]\d|\d\s*%")
STEPS = 8  # welcome, six themes, agreements


def instrument_of(scan):
    from trustmirror.instrument import load_instrument

    return load_instrument(scan.instrument_id, scan.instrument_version, scan.form)


@pytest.fixture
def scan(acme, publish):
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Autumn 2026",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
    )
    instrument = instrument_of(scan)
    reliability = {item.id for item in instrument.construct("reliability").items}
    for unit, count in ((acme.north, 6), (acme.south, 2), (acme.east, 3)):
        for i in range(count):
            answers = {}
            for item in instrument.items:
                if item in reliability:
                    answers[item] = 1 + i % 2 if unit == acme.north else 4 + i % 2
                else:
                    answers[item] = 3 + i % 2
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers=answers,
                submitted=True,
            )
    publish(scan)
    return scan


@pytest.fixture
def more_people(acme):
    """Lena leads Logistics; Sam leads Team South; Ann signs in as a member of Team North."""
    from django.contrib.auth import get_user_model

    from trustmirror.orgs.models import Role

    User = get_user_model()
    lena = User.objects.create_user("lena", password=PASSWORD)
    sam = User.objects.create_user("sam", password=PASSWORD)
    ann = User.objects.create_user("ann", password=PASSWORD)
    Role.objects.create(user=lena, organisation=acme.org, kind=Role.LEAD, unit=acme.north.parent)
    Role.objects.create(user=sam, organisation=acme.org, kind=Role.LEAD, unit=acme.south)
    Role.objects.create(user=ann, organisation=acme.org, kind=Role.MEMBER, unit=acme.north)
    acme.people["Ann"].user = ann
    acme.people["Ann"].save()
    return {"lena": lena, "sam": sam, "ann": ann}


def session_url(scan, unit, step=None, org="acme", **query):
    url = reverse("agreements:session", kwargs={"org": org, "scan_id": scan.pk, "unit_id": unit.pk})
    if step is not None:
        query = {"step": step, **query}
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def main_of(response) -> str:
    """The page's step and its navigation: the part a team sees on the screen."""
    html = response.content.decode()
    return html.split("<main", 1)[1].split("</main>", 1)[0]


# -- who may run a session -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("dana", 200),  # the lead of the team
        ("lena", 200),  # a lead above it
        ("carla", 200),  # the organisation's admin
        ("ann", 404),  # a member of the team
        ("eli", 404),  # a member of another team
        ("sam", 404),  # the lead of another team
        ("alex", 404),  # the analyst reads results, but manages no agreements
        ("olga", 404),  # another organisation's admin
    ],
)
def test_session_role_matrix(client, acme, scan, more_people, user, status):
    client.force_login(more_people.get(user) or getattr(acme, user))
    assert client.get(session_url(scan, acme.north)).status_code == status
    assert client.get(session_url(scan, acme.north, step=STEPS - 1)).status_code == status
    posted = client.post(session_url(scan, acme.north), {"what": "Try to sneak one in"})
    assert posted.status_code in ((400,) if status == 200 else (404,))
    assert not Agreement.objects.exists()


def test_strangers_and_other_organisations_get_404(client, acme, scan):
    client.force_login(acme.olga)
    assert client.get(session_url(scan, acme.north, org="globex")).status_code == 404
    client.force_login(acme.carla)
    other = reverse(
        "agreements:session", kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": 999_999}
    )
    assert client.get(other).status_code == 404
    client.logout()
    response = client.get(session_url(scan, acme.north))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_unit_page_offers_a_session_to_those_who_may_run_it(client, acme, scan):
    results_url = reverse(
        "results:unit_profile",
        kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
    )
    client.force_login(acme.dana)
    page = client.get(results_url).content.decode()
    assert 'id="run-session"' in page and session_url(scan, acme.north) in page
    client.force_login(acme.eli)
    south = reverse(
        "results:unit_profile",
        kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.south.pk},
    )
    assert 'id="run-session"' not in client.get(south).content.decode()


# -- the steps -----------------------------------------------------------------------------


def test_the_steps_go_from_the_story_through_each_theme_to_the_form(client, acme, scan):
    from trustmirror.instrument.conversation import conversation_questions

    client.force_login(acme.dana)
    themes = instrument_of(scan).themes
    assert STEPS == len(themes) + 2
    first = client.get(session_url(scan, acme.north))
    html = main_of(first)
    assert "1 of 8" in html and "In short" in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert first.context["story"].lines  # North stands out: the story has lines
    for number, theme in enumerate(themes, start=1):
        response = client.get(session_url(scan, acme.north, step=number))
        html = main_of(response)
        assert f"{number + 1} of {STEPS}" in html
        assert f'<h1 id="step-heading">{theme.label["en"]}</h1>' in html
        for question in conversation_questions(theme.id, "en"):
            assert question.replace("'", "&#x27;") in html
        # A shown team: a chart beside the organisation, without intervals or counts.
        assert "<svg" in html and "Acme" in html
        assert "n = " not in html and "interval" not in html.lower()
        assert "rwg" not in html.lower()
        assert f'href="{session_url(scan, acme.north, step=number - 1)}"' in html
        assert f'href="{session_url(scan, acme.north, step=number + 1)}"' in html
    last = client.get(session_url(scan, acme.north, step=STEPS - 1))
    assert 'id="agreement-form"' in main_of(last) and 'rel="next"' not in main_of(last)


def test_an_attention_point_is_said_on_its_theme(client, acme, scan):
    client.force_login(acme.dana)
    themes = [t.id for t in instrument_of(scan).themes]
    step = themes.index("reliability") + 1
    response = client.get(session_url(scan, acme.north, step=step))
    theme = response.context["theme"]
    assert theme.tone == "attention"
    html = main_of(response)
    assert 'id="theme-tone"' in html and "Attention point" in html
    assert "clearly lower than in Acme" in html
    # The share of agreeing answers in words, as published for the team.
    from trustmirror.agreements.session import agreeing_text
    from trustmirror.results.selectors import published_results

    stat = published_results(scan)[0].unit_group(acme.north).stat("reliability")
    assert theme.agreeing == agreeing_text(stat.favourable) and theme.agreeing in html
    # Where the results point, the library's team actions; never as a generic list.
    from trustmirror.instrument.recommendations import recommendations_for

    actions = recommendations_for("reliability", "en").team
    assert actions and theme.interventions == actions
    assert "What the team can do" in html
    assert actions[0].replace("'", "&#x27;") in html
    # A theme that does not stand out says so, without a tone and without actions.
    other = client.get(session_url(scan, acme.north, step=themes.index("innovation") + 1))
    assert other.context["theme"].tone == "" and other.context["theme"].interventions == []
    assert "does not clearly differ from Acme" in main_of(other)
    assert "What the team can do" not in main_of(other)


@pytest.mark.parametrize(
    ("share", "words"),
    [
        (0.95, "Nearly all of your answers agree"),
        (0.795, "Nearly all of your answers agree"),  # printed as 80%
        (0.6, "Most of your answers agree"),
        (0.45, "About half of your answers agree"),
        (0.25, "A minority of your answers agree"),
        (0.04, "Few of your answers agree"),
        (0.0, "None of your answers agree"),
    ],
)
def test_the_share_that_agrees_in_words(share, words):
    from trustmirror.agreements.session import agreeing_text

    text = agreeing_text(share)
    assert text.startswith(words)
    assert f"({round(100 * share)}%)" in text or share == 0


def test_a_hidden_team_gets_themes_and_questions_without_a_single_number(client, acme, scan):
    """Team South has two respondents (k = 5): the session still runs, without numbers."""
    from trustmirror.instrument.conversation import conversation_questions

    client.force_login(acme.carla)
    themes = instrument_of(scan).themes
    welcome = main_of(client.get(session_url(scan, acme.south)))
    assert 'id="no-numbers"' in welcome and "In short" not in welcome
    assert SCORE.findall(welcome) == [] and "<svg" not in welcome
    for theme in themes:
        assert theme.label["en"] in welcome
    for number, theme in enumerate(themes, start=1):
        response = client.get(session_url(scan, acme.south, step=number))
        assert response.status_code == 200 and not response.context["theme"].shown
        assert response.context["theme"].interventions == []
        html = main_of(response)
        for question in conversation_questions(theme.id, "en"):
            assert question.replace("'", "&#x27;") in html
        # Only the step counter and the scan's name may hold a digit.
        assert SCORE.findall(html) == []
        assert "<svg" not in html and "n = " not in html and "%" not in html
        without_counter = html.replace(f"{number + 1} of {STEPS}", "").replace(scan.name, "")
        text = html_module.unescape(re.sub(r"<[^>]*>", " ", without_counter))
        assert re.findall(r".{0,30}\d.{0,10}", text) == []


def test_a_scan_without_published_results_runs_on_questions_alone(client, acme, issue_survey):
    survey = issue_survey(name="Not yet published")
    client.force_login(acme.dana)
    welcome = main_of(client.get(session_url(survey.scan, acme.north)))
    assert "not published yet" in welcome
    theme = client.get(session_url(survey.scan, acme.north, step=1))
    assert theme.status_code == 200 and theme.context["theme"].questions
    assert "<svg" not in main_of(theme) and not SCORE.findall(main_of(theme))


@pytest.mark.parametrize("step", ["-3", "99", "abc", "1e9", "", "%00"])
def test_any_step_in_the_address_shows_a_step(client, acme, scan, step):
    client.force_login(acme.dana)
    response = client.get(session_url(scan, acme.north) + f"?step={step}")
    assert response.status_code == 200
    assert 0 <= response.context["step"] <= STEPS - 1


# -- recording agreements ------------------------------------------------------------------


def valid_post(acme, **change):
    today = timezone.localdate()
    data = {
        "what": "We say it the same day when a deadline slips",
        "themes": ["reliability"],
        "owners": [acme.people["Ann"].pk, acme.people["Bob"].pk],
        "due_on": (today + dt.timedelta(days=60)).isoformat(),
        "check_in_on": (today + dt.timedelta(days=30)).isoformat(),
        "signal": "No surprises on Friday",
    }
    data.update(change)
    return {key: value for key, value in data.items() if value is not None}


def test_a_theme_step_offers_an_agreement_on_that_theme(client, acme, scan):
    client.force_login(acme.dana)
    themes = [t.id for t in instrument_of(scan).themes]
    step = themes.index("reliability") + 1
    html = main_of(client.get(session_url(scan, acme.north, step=step)))
    link = session_url(scan, acme.north, step=STEPS - 1, theme="reliability")
    assert f'href="{link.replace("&", "&amp;")}#agreement-form"' in html
    form = client.get(link).context["form"]
    assert form.initial["themes"] == ["reliability"]
    form_html = main_of(client.get(link))
    assert re.search(r'<input[^>]*value="reliability"[^>]*checked', form_html)
    assert client.get(session_url(scan, acme.north, step=STEPS - 1, theme="x")).status_code == 200


def test_posting_an_agreement_records_it_with_its_owners_and_lists_it(client, acme, scan):
    client.force_login(acme.dana)
    response = client.post(session_url(scan, acme.north), valid_post(acme))
    assert response.status_code == 302
    assert response["Location"] == session_url(scan, acme.north, step=STEPS - 1) + "#recorded"
    agreement = Agreement.objects.get()
    assert (agreement.unit, agreement.scan, agreement.themes) == (acme.north, scan, ["reliability"])
    assert {p.name for p in agreement.owners.all()} == {"Ann", "Bob"}
    assert agreement.signal == "No surprises on Friday" and agreement.created_by == acme.dana
    page = client.get(response["Location"])
    html = main_of(page)
    assert "The agreement is recorded." in page.content.decode()
    assert "We say it the same day when a deadline slips" in html
    assert "Ann, Bob" in html and "Reliability" in html
    assert "Add another agreement" in html
    # A second one, by a lead above, without the optional fields.
    client.force_login(acme.carla)
    second = valid_post(acme, what="Retro every month", check_in_on=None, signal=None)
    assert client.post(session_url(scan, acme.north), second).status_code == 302
    assert Agreement.objects.count() == 2


def test_owners_are_offered_from_the_team_only(client, acme, scan):
    client.force_login(acme.dana)
    form = client.get(session_url(scan, acme.north, step=STEPS - 1)).context["form"]
    offered = {person.name for person in form.fields["owners"].queryset}
    assert offered == {"Ann", "Bob", "Cas", "Dana", "Evi", "Fay"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"what": ""}, "what"),
        ({"what": "   \n  "}, "what"),
        ({"what": "x" * 501}, "what"),  # the service's limit, with the count
        ({"what": "x" * 20_000}, "what"),  # far beyond: the form refuses it unread
        ({"themes": None}, "themes"),
        ({"themes": ["astrology"]}, "themes"),
        ({"owners": None}, "owners"),
        ({"owners": ["abc"]}, "owners"),
        ({"owners": ["999999"]}, "owners"),
        ({"owners": "ELI"}, "owners"),  # a person of another team (replaced below)
        ({"due_on": None}, "due_on"),
        ({"due_on": "2026-02-30"}, "due_on"),
        ({"due_on": "31-12-2027"}, "due_on"),
        ({"due_on": "99999-01-01"}, "due_on"),
        ({"due_on": "2020-01-01"}, "due_on"),  # passed
        ({"due_on": "2099-01-01"}, "due_on"),  # beyond a team's horizon
        ({"check_in_on": "2099-01-01"}, "check_in_on"),  # after the due date
        ({"check_in_on": "tomorrow"}, "check_in_on"),
        ({"signal": "y" * 600}, "signal"),
    ],
)
def test_a_bad_agreement_is_refused_beside_its_field_and_keeps_the_input(
    client, acme, scan, change, field
):
    if change.get("owners") == "ELI":
        change = {"owners": [acme.people["Eli"].pk]}
    client.force_login(acme.dana)
    data = valid_post(acme, **change)
    response = client.post(session_url(scan, acme.north), data)
    assert response.status_code == 400
    assert not Agreement.objects.exists()
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = main_of(response)
    assert f'id="id_{field}_error"' in html
    assert 'role="alert"' in html
    if field != "what":  # the text the facilitator typed is still there
        assert "We say it the same day when a deadline slips" in html


def test_every_problem_is_said_at_once_and_nothing_is_written(client, acme, scan):
    """The form refuses the owners itself; the service still checks the text and the date."""
    client.force_login(acme.dana)
    data = valid_post(acme, what="x" * 600, owners=None, due_on="2020-01-01", check_in_on=None)
    response = client.post(session_url(scan, acme.north), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"what", "owners", "due_on"}
    assert "At most 500 characters (now 600)." in errors["what"]
    assert "The due date has passed: choose today or a later day." in errors["due_on"]
    assert not Agreement.objects.exists()
    # A date that is no date: the check-in is not judged against it.
    data = valid_post(acme, due_on="someday")
    errors = client.post(session_url(scan, acme.north), data).context["form"].errors
    assert set(errors) == {"due_on"} and not Agreement.objects.exists()


def test_the_handful_limit_is_said_and_the_form_makes_room_for_no_more(client, acme, scan):
    from trustmirror.agreements.models import MAX_PER_SCAN

    client.force_login(acme.dana)
    for i in range(MAX_PER_SCAN):
        assert (
            client.post(session_url(scan, acme.north), valid_post(acme, what=f"A{i}")).status_code
            == 302
        )
    response = client.get(session_url(scan, acme.north, step=STEPS - 1))
    assert 'id="full"' in main_of(response) and 'id="agreement-form"' not in main_of(response)
    refused = client.post(session_url(scan, acme.north), valid_post(acme, what="One more"))
    assert refused.status_code == 400
    assert Agreement.objects.count() == MAX_PER_SCAN


def test_the_form_needs_a_csrf_token(acme, scan):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.dana)
    response = strict.post(session_url(scan, acme.north), valid_post(acme))
    assert response.status_code == 403
    assert not Agreement.objects.exists()
    page = strict.get(session_url(scan, acme.north, step=STEPS - 1)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_page_speaks_dutch_too(client, acme, scan):
    client.force_login(acme.dana)
    client.cookies["django_language"] = "nl"
    response = client.get(session_url(scan, acme.north, step=1))
    assert response.status_code == 200
    assert response.context["theme"].label == instrument_of(scan).themes[0].label["nl"]


# -- the keys ------------------------------------------------------------------------------


def test_the_keyboard_script_is_served_and_referenced(client, acme, scan):
    client.force_login(acme.dana)
    html = client.get(session_url(scan, acme.north)).content.decode()
    assert re.search(r'<script src="/static/trustmirror/session\.js" defer>', html)
    assert '<link rel="stylesheet" href="/static/trustmirror/session.css">' in html
    script = client.get("/static/trustmirror/session.js")
    assert script.status_code == 200
    body = b"".join(script.streaming_content) if script.streaming else script.content
    for key in (b"ArrowRight", b"PageDown", b"ArrowLeft", b"PageUp"):
        assert key in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_arrow_keys_walk_a_lead_through_the_session_to_the_form(page, live_server, acme, scan):
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    start = session_url(scan, acme.north)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/?next={start}")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**{start}")
    assert page.locator("#step-count").inner_text() == f"1 of {STEPS}"
    for number in range(2, STEPS + 1):
        with page.expect_navigation():
            page.keyboard.press("PageDown" if number == 3 else "ArrowRight")
        assert page.locator("#step-count").inner_text() == f"{number} of {STEPS}"
    form = page.locator("#agreement-form")
    assert form.is_visible()
    # Typing in the form keeps the keys: the arrow moves the caret, not the screen.
    page.fill("#id_what", "We share the plan on Monday")
    page.focus("#id_what")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageUp")
    assert page.locator("#step-count").inner_text() == f"{STEPS} of {STEPS}"
    # Outside the form, PageUp (a clicker's "back") goes back a screen.
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("PageUp")
    assert page.locator("#step-count").inner_text() == f"{STEPS - 1} of {STEPS}"
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
