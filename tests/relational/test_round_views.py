"""The round's pages through Django's test client, as one browser per person.

Dana leads Team North and predicts her team's view of her; Ann is a member of Team North and
never sees that page; Kim's Team East is too small for a round.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest

from trustmirror.relational.answering import leader_items, round_page_revision, round_plan
from trustmirror.relational.models import LeaderPrediction, RoundAnswer, RoundEntry
from trustmirror.surveys.models import Response
from trustmirror.surveys.session import form_guard

START = "/s/start"
THANKS = "/s/thanks"
ROUND = "/s/round"
REVIEW = "/s/round/review"


def round_page(number):
    return f"/s/round/p/{number}"


def open_link(client, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 302 and response["Location"] == START


def submit_core(client, token, instrument_page_items=("tm1",)):
    """Answer one core statement and submit, as the core pages would."""
    guard = form_guard(token)
    data = {f"item-{item}": "4" for item in instrument_page_items}
    posted = {**data, "survey": guard, "go": "next", "revision": "0"}
    assert client.post("/s/p/1", posted).status_code == 302
    response = client.post("/s/review", {"survey": guard, "submit": "1"})
    assert response.status_code == 302 and response["Location"] == THANKS
    return response


def stored_revision(token, number):
    """The revision the round's page ``number`` has now: what a freshly opened page carries."""
    from trustmirror.surveys.answering import invitation_for_token

    plan = round_plan(invitation=invitation_for_token(token))
    return round_page_revision(plan, number)


def post_round_page(client, token, number, colleagues=None, skip=(), extra=None, go="next"):
    """``colleagues`` maps a Colleague to (reliance, disclosure, meta), None left blank.

    The page is posted at the revision stored now, as if it had just been opened."""
    data = {"survey": form_guard(token), "go": go, "language": "en"}
    data["revision"] = str(stored_revision(token, number))
    for colleague, values in (colleagues or {}).items():
        for question, value in zip(("reliance", "disclosure", "meta"), values, strict=True):
            if value is not None:
                data[f"c-{colleague.key}-{question}"] = str(value)
    for colleague in skip:
        data[f"c-{colleague.key}-skip"] = "1"
    data.update(extra or {})
    return client.post(round_page(number), data)


@pytest.fixture
def first_item(round_survey):
    from trustmirror.surveys.answering import instrument_for

    return instrument_for(round_survey.scan).pages[0].item_ids[0]


def person(client, survey, name, first_item):
    token = survey.tokens[name]
    open_link(client, token)
    submit_core(client, token, (first_item,))
    return token, round_plan(invitation=survey.invitations[name])


def test_full_walk_from_the_core_submit_to_thanks(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Ann", first_item)
    # The core response is submitted and anonymous as before.
    assert Response.objects.get().submitted
    response = client.get(THANKS)
    assert response.status_code == 302 and response["Location"] == ROUND
    start = client.get(ROUND)
    html = start.content.decode()
    assert start.status_code == 200
    assert "This part is confidential, not anonymous" in html
    assert "stored under a code, not under your name" in html
    assert "at least 5 people took part" in html
    assert "Skip this part" in html and 'id="start-round"' in html
    assert 'href="/s/round/p/1?lang=en"' in html
    assert not RoundEntry.objects.exists()  # looking is not taking part

    page1 = client.get(round_page(1))
    html = page1.content.decode()
    assert "Page 1 of 2" in html
    on_page1 = plan.colleagues_on_page(1)
    for colleague in on_page1:
        assert f"I can count on {colleague.name} to do what they say." in html
        assert f"I can share doubts and mistakes with {colleague.name}." in html
        assert f"{colleague.name} trusts me." in html
        assert f"Skip {colleague.name}" in html
        assert colleague.pseudonym not in html
    assert "Strongly agree" in html  # the instrument's scale labels
    assert "How do you expect your team" not in html

    response = post_round_page(
        client,
        token,
        1,
        {on_page1[0]: (5, 4, 3), on_page1[1]: (2, None, None), on_page1[2]: (4, 4, 4)},
        skip=[on_page1[3]],
    )
    assert response.status_code == 302 and response["Location"] == "/s/round/p/2?lang=en"
    page2 = client.get(response["Location"])
    assert "Page 2 of 2" in page2.content.decode()
    last = plan.colleagues_on_page(2)[0]
    response = post_round_page(client, token, 2, {last: (3, 3, 3)})
    assert response["Location"] == "/s/round/review?lang=en"

    review = client.get(REVIEW).content.decode()
    assert "You answered about 4 of 5 colleagues." in review
    assert "You skipped 1." in review
    assert "How your team sees you" not in review
    response = client.post(REVIEW, {"survey": form_guard(token), "submit": "1"})
    assert response.status_code == 302 and response["Location"] == START
    thanks = client.get(THANKS)
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert 'id="thanks"' in html and 'id="mirror-later"' in html
    assert "available through this same link after the scan closes" in html

    entry = RoundEntry.objects.get()
    assert entry.state == RoundEntry.SUBMITTED and entry.rater == plan.rater
    answers = {a.target: a for a in RoundAnswer.objects.filter(rater=plan.rater)}
    assert len(answers) == 5
    assert (answers[on_page1[0].pseudonym].reliance, answers[on_page1[0].pseudonym].meta) == (5, 3)
    assert answers[on_page1[3].pseudonym].skipped
    # Finished: every round page leads to the start (the thanks page), nothing changes any more.
    for url in (ROUND, round_page(1), REVIEW):
        assert client.get(url)["Location"] == START
    assert 'id="thanks"' in client.get(START).content.decode()
    post_round_page(client, token, 1, {on_page1[0]: (1, 1, 1)})
    assert RoundAnswer.objects.get(target=on_page1[0].pseudonym).reliance == 5


def test_leaving_mid_round_resumes_at_the_first_unanswered_colleague(
    client, round_survey, first_item
):
    token, plan = person(client, round_survey, "Ann", first_item)
    on_page1 = plan.colleagues_on_page(1)
    response = post_round_page(client, token, 1, {c: (4, 4, 4) for c in on_page1}, go="save")
    assert response["Location"] == "/s/round/p/1?lang=en&saved=1"
    assert (
        "Your answers on this page are saved" in client.get(response["Location"]).content.decode()
    )
    # A day later, the link again: past the finished core, on to page 2 of the round.
    client.cookies.clear()
    open_link(client, token)
    response = client.get(START)
    assert response.status_code == 302 and response["Location"] == ROUND
    response = client.get(ROUND)
    assert response.status_code == 302 and response["Location"] == "/s/round/p/2?lang=en"
    # Answers are shown again where they were.
    html = client.get(round_page(1)).content.decode()
    assert html.count("checked") == 12


def test_a_leads_prediction_page_comes_after_the_colleagues(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Dana", first_item)
    assert plan.predicts and plan.page_count == 3
    assert "As a team lead" in client.get(ROUND).content.decode()
    html = client.get(round_page(3)).content.decode()
    assert "Page 3 of 3" in html
    assert (
        "How do you expect your team to answer these statements about you? "
        "Answer as you think they will, on average."
    ) in html
    for item in leader_items(round_survey.scan):
        assert escape(item.text["en"]) in html
    data = {"survey": form_guard(token), "go": "next", "language": "en", "revision": "0"}
    data.update({"item-lab1": "4", "item-lin2": "2"})
    response = client.post(round_page(3), data)
    assert response["Location"] == "/s/round/review?lang=en"
    assert LeaderPrediction.objects.get().answers == {"lab1": 4, "lin2": 2}
    review = client.get(REVIEW).content.decode()
    assert "How your team sees you: 2 of 9 statements answered." in review
    client.post(REVIEW, {"survey": form_guard(token), "submit": "1"})
    assert LeaderPrediction.objects.get().submitted


def test_a_member_never_sees_the_prediction_page(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Ann", first_item)
    assert plan.page_count == 2
    response = client.get(round_page(3))
    assert response.status_code == 404 and 'id="page-not-found"' in response.content.decode()
    data = {"survey": form_guard(token), "go": "next", "item-lab1": "4", "revision": "0"}
    response = client.post(round_page(2), data)
    assert response.status_code == 200
    assert "not one of your colleagues on this page" in response.content.decode()
    assert not LeaderPrediction.objects.exists() and not RoundEntry.objects.exists()


def test_a_scan_without_the_module_goes_straight_to_thanks(client, plain_survey, first_item):
    token = plain_survey.tokens["Dana"]
    open_link(client, token)
    submit_core(client, token, (first_item,))
    thanks = client.get(THANKS)
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert 'id="thanks"' in html and 'id="mirror-later"' not in html
    response = client.get(ROUND)  # no round: back to the start, which says thank you
    assert response.status_code == 302 and response["Location"] == START
    assert 'id="thanks"' in client.get(START).content.decode()
    assert not RoundEntry.objects.exists()


def test_a_team_too_small_goes_straight_to_thanks(client, round_survey, first_item):
    token = round_survey.tokens["Kim"]
    open_link(client, token)
    submit_core(client, token, (first_item,))
    html = client.get(THANKS).content.decode()
    assert 'id="thanks"' in html and 'id="mirror-later"' not in html


def test_skipping_the_round_goes_to_thanks_and_stays_skipped(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Ann", first_item)
    response = client.post(ROUND, {"survey": form_guard(token), "decline": "1"})
    assert response.status_code == 302 and response["Location"] == START
    assert RoundEntry.objects.get().state == RoundEntry.DECLINED
    assert 'id="thanks"' in client.get(THANKS).content.decode()
    assert client.get(round_page(1))["Location"] == START
    post_round_page(client, token, 1, {plan.colleagues[0]: (4, 4, 4)})
    assert not RoundAnswer.objects.exists()


def test_the_round_can_come_first_so_it_tells_nothing_about_the_questionnaire(client, round_survey):
    """A round answered says nothing about whether the anonymous questionnaire was
    submitted: the start page offers the round before the questionnaire, and after it the
    person continues with the questionnaire, which is then still unsubmitted."""
    token = round_survey.tokens["Ann"]
    open_link(client, token)
    start = client.get(START).content.decode()
    assert 'id="round-offer"' in start and 'href="/s/round?lang=en"' in start
    first = client.get(ROUND)
    assert first.status_code == 200
    assert "answers have been submitted" not in first.content.decode()
    response = client.post(ROUND, {"survey": form_guard(token), "decline": "1"})
    assert response["Location"] == START
    assert RoundEntry.objects.get().state == RoundEntry.DECLINED
    assert not Response.objects.filter(submitted=True).exists()
    page = client.get(START).content.decode()
    assert 'id="start-survey"' in page and 'id="round-offer"' not in page


def test_off_scale_values_and_strangers_are_refused_with_a_message(
    client, round_survey, first_item
):
    token, plan = person(client, round_survey, "Ann", first_item)
    colleague = plan.colleagues_on_page(1)[0]
    response = post_round_page(client, token, 1, {colleague: (7, None, None)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not one of the options" in html and 'id="page-errors"' in html
    response = post_round_page(
        client, token, 1, {colleague: (4, 4, 4)}, extra={"c-0123456789abcdef-meta": "3"}
    )
    assert "not one of your colleagues on this page" in response.content.decode()
    page2_colleague = plan.colleagues_on_page(2)[0]
    response = post_round_page(client, token, 1, {colleague: (4, 4, 4), page2_colleague: (3,) * 3})
    assert "not one of your colleagues on this page" in response.content.decode()
    assert not RoundAnswer.objects.exists() and not RoundEntry.objects.exists()


def test_round_pages_without_the_cookie_show_the_no_session_page(client, round_survey):
    for url in (ROUND, round_page(1), REVIEW):
        response = client.get(url)
        assert response.status_code == 403
        assert 'id="no-session"' in response.content.decode()


def test_a_page_number_out_of_range_is_the_page_not_found_page(client, round_survey, first_item):
    person(client, round_survey, "Ann", first_item)
    for number in ("0", "9", "abc", "١"):
        response = client.get(round_page(number))
        assert response.status_code == 404
        assert 'id="page-not-found"' in response.content.decode()


def test_a_form_of_another_link_is_refused(client, round_survey, first_item):
    person(client, round_survey, "Ann", first_item)
    response = client.post(ROUND, {"survey": form_guard(round_survey.tokens["Bob"]), "decline": 1})
    assert response.status_code == 409
    assert not RoundEntry.objects.exists()


def test_after_the_close_the_round_shows_the_not_open_page(
    client, round_survey, first_item, frozen_today
):
    person(client, round_survey, "Ann", first_item)
    frozen_today(round_survey.scan.closes_on + dt.timedelta(days=1))
    for url in (ROUND, round_page(1), REVIEW):
        html = client.get(url).content.decode()
        assert 'id="not-open"' in html and 'data-state="closed"' in html
        assert 'id="mirror-later"' in html
    # The core pages show the thanks page, with the mirror sentence.
    html = client.get(START).content.decode()
    assert 'id="thanks"' in html and 'id="mirror-later"' in html


def test_the_round_reads_in_dutch(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Bob", first_item)  # Bob reads Dutch
    html = client.get(ROUND).content.decode()
    assert 'lang="nl"' in html
    assert "Dit deel is vertrouwelijk, niet anoniem" in html
    colleague = plan.colleagues_on_page(1)[0]
    page = client.get(round_page(1)).content.decode()
    assert f"{colleague.name} vertrouwt mij." in page
    # The language switch on a page keeps what was entered and the new language.
    response = post_round_page(
        client, token, 1, {colleague: (4, 4, 4)}, extra={"lang": "en", "language": "nl"}
    )
    assert response["Location"] == "/s/round/p/1?lang=en"
    assert f"{colleague.name} trusts me." in client.get(response["Location"]).content.decode()
    assert RoundAnswer.objects.get().reliance == 4


def test_junk_posted_to_the_round_never_ends_in_a_server_error(client, round_survey, first_item):
    token, plan = person(client, round_survey, "Dana", first_item)
    key = plan.colleagues_on_page(1)[0].key
    guard = form_guard(token)
    junk = [
        {},
        {"go": "elsewhere", "lang": "xx", "language": "xx"},
        {f"c-{key}-reliance": "99999999999999999999999", f"c-{key}-skip": "maybe"},
        {f"c-{key}-meta": ["1", "2"], f"c-{key}-disclosure": "\x00"},
        {"c-": "1", "c--": "2", "item-": "3", "item-lab1": "-1"},
        {"revision": ""},
        {"revision": "-1"},
        {"revision": "1e3"},
        {"revision": "１"},
        {"revision": "9" * 40},
        {"revision": ["0", "1"]},
    ]
    for url in (round_page(1), round_page(3), round_page("99999"), REVIEW, ROUND):
        for data in junk:
            response = client.post(url, {"survey": guard, "revision": "0", **data})
            assert response.status_code < 500, (url, data)
            assert 'id="page-form"' in response.content.decode() or response.status_code in (
                302,
                404,
            )
    assert not RoundAnswer.objects.exists() and not LeaderPrediction.objects.exists()
    assert RoundEntry.objects.get().state == RoundEntry.ANSWERING
    # Then the two endings, posted with junk beside them.
    response = client.post(REVIEW, {"survey": guard, "submit": "", "lang": "xx"})
    assert response.status_code == 302 and RoundEntry.objects.get().state == "submitted"
