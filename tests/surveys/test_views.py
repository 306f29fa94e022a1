"""The respondent's pages through Django's test client: responses *and* the database.

Each test client is one browser. The link (``/s/<token>``) gives that browser its survey
cookie; every other survey page has an address without the token.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.session import COOKIE_NAME, IDLE_SECONDS, form_guard


def assert_invitation_untouched(invitation):
    """Answering must never write the invitation row (no shared write links it to a response)."""
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert stored == {
        "id": invitation.pk,
        "scan_id": invitation.scan_id,
        "person_id": invitation.person_id,
        "token_hash": invitation.token_hash,
    }


def link(token):
    return f"/s/{token}"


def page_url(number):
    return f"/s/p/{number}"


REVIEW = "/s/review"
THANKS = "/s/thanks"
START = "/s/start"


def open_link(client, token):
    """Open the invitation's link in this browser, as a click in the mail would."""
    response = client.get(link(token))
    assert response.status_code == 302 and response["Location"] == START
    return response


def stored_revision(token, number):
    """The revision page ``number`` of this link's draft has now: what a fresh page shows."""
    from trustmirror.surveys.answering import instrument_for, page_revision
    from trustmirror.surveys.tokens import resume_key

    response = Response.objects.filter(resume_key=resume_key(token)).first()
    if response is None or not 1 <= number <= len(instrument_for(response.scan).pages):
        return 0
    return page_revision(instrument_for(response.scan), response, number)


def post_page(client, token, number, answers, **extra):
    """Post a page as its form would: with the guard of the link it was rendered for and
    the revision of the page as it is stored now (as if the page had just been opened)."""
    data = {f"item-{item_id}": str(value) for item_id, value in answers.items()}
    data["survey"] = form_guard(token)
    data["revision"] = str(stored_revision(token, number))
    data.update(extra)
    return client.post(page_url(number), data)


def post_review(client, token, *, follow=False, **data):
    return client.post(REVIEW, {"survey": form_guard(token), **data}, follow=follow)


def all_of_page(instrument, number, value):
    return {item_id: value for item_id in instrument.pages[number - 1].item_ids}


@pytest.fixture
def ann(survey, client):
    """Ann's link, opened in this test's browser; she works in Team North and reads English."""
    token = survey.tokens["Ann"]
    open_link(client, token)
    return token


# --- the link ---------------------------------------------------------------------------


def test_the_link_swaps_its_token_for_a_cookie_and_leaves_the_address(client, survey):
    token = survey.tokens["Ann"]
    response = client.get(link(token))
    assert response.status_code == 302
    assert response["Location"] == START
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/s/"
    assert not cookie["secure"]  # secure in production, see the next test
    assert not cookie["max-age"] and not cookie["expires"]  # gone when the browser closes
    # Signed: the token, a time stamp and a signature; nothing a server stores.
    assert cookie.value.startswith(token + ":") and cookie.value.count(":") == 2
    assert not Response.objects.exists()


def test_the_survey_cookie_is_secure_in_production(client, survey, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert client.get(link(survey.tokens["Ann"])).cookies[COOKIE_NAME]["secure"] is True


def test_start_shows_the_privacy_promise_in_the_persons_language(client, ann, instrument):
    response = client.get(START)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your answers are anonymous" in html
    assert "at least 5 people" in html
    assert 'href="/privacy/"' in html
    assert instrument.intro["en"] in html
    assert 'href="/s/p/1?lang=en"' in html
    assert ann not in html
    # No server-side session: the survey cookie (renewed) and Django's random CSRF cookie.
    assert set(response.cookies) <= {COOKIE_NAME, "csrftoken"}
    assert response["Vary"] and "Cookie" in response["Vary"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not Response.objects.exists()


@pytest.mark.parametrize("suffix", ["/", "/p/3", "/review", "/thanks", "/anything/else"])
def test_the_link_with_more_after_it_is_still_the_link(client, survey, suffix):
    """A mail program's slash, or a page address bookmarked when every address held it."""
    response = client.get(link(survey.tokens["Ann"]) + suffix)
    assert response.status_code == 302 and response["Location"] == START


def test_a_percent_encoded_link_still_works(client, survey):
    token = survey.tokens["Ann"]
    encoded = "".join(f"%{ord(c):02X}" if i % 2 else c for i, c in enumerate(token))
    response = client.get("/s/" + encoded)
    assert response.status_code == 302 and response.cookies[COOKIE_NAME].value.startswith(token)


def test_a_language_asked_in_the_link_is_kept(client, survey, instrument):
    response = client.get(link(survey.tokens["Ann"]) + "?lang=nl")
    assert response["Location"] == START + "?lang=nl"
    assert instrument.intro["nl"] in client.get(response["Location"]).content.decode()


def test_dutch_speaker_gets_dutch_by_default(client, survey, instrument):
    open_link(client, survey.tokens["Bob"])
    response = client.get(START)
    assert instrument.intro["nl"] in response.content.decode()
    assert '<html lang="nl">' in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "AAAAAAAAAAAAAAAAAAAAAA",  # well-formed, unknown
        "not-a-token",  # malformed
        "x" * 300,
        "%E2%9C%93%E2%9C%93",
    ],
)
def test_unknown_and_malformed_links_get_the_same_friendly_404(client, survey, token):
    response = client.get(link(token))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert COOKIE_NAME not in response.cookies


def test_pages_shown_at_a_link_address_send_it_nowhere(client, survey):
    """The bad-link page is shown at /s/<what was typed>, which may be a near miss of a real
    token: its style sheets and links are requested without a Referer."""
    near_miss = survey.tokens["Ann"][:-1]
    html = client.get(link(near_miss)).content.decode()
    sheets = re.findall(r"<link [^>]*>", html)
    assert sheets and all('referrerpolicy="no-referrer"' in sheet for sheet in sheets)
    anchors = re.findall(r"<a [^>]*>", html)
    assert anchors and all("noreferrer" in anchor for anchor in anchors)
    assert '<meta name="referrer" content="same-origin">' in html  # forms keep their Origin


def test_a_double_slash_gets_the_quiet_survey_404(client, survey):
    response = client.get("/s//" + survey.tokens["Ann"])
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert COOKIE_NAME not in response.cookies


def test_tampered_link_gets_the_same_404_as_an_unknown_one(client, survey):
    ann = survey.tokens["Ann"]
    tampered = ann[:-1] + ("A" if ann[-1] != "A" else "B")
    unknown = client.get(link("AAAAAAAAAAAAAAAAAAAAAA"))
    response = client.get(link(tampered))
    assert response.status_code == 404
    assert response.content == unknown.content
    for path in (f"/s/{tampered}/p/1", f"/s/{tampered}/review", f"/s/{tampered}/x/y"):
        assert client.get(path).status_code == 404
    assert not client.cookies.get(COOKIE_NAME)
    assert not Response.objects.exists()


def test_pages_without_the_cookie_ask_for_the_link_from_the_invitation(client, survey, instrument):
    """Never opened here: a friendly page (not a 404, which would count as guessing)."""
    answers = all_of_page(instrument, 1, 3)
    for response in (
        client.get(START),
        client.get(page_url(1)),
        client.get(page_url(99)),
        client.get(REVIEW),
        client.get(THANKS),
        post_page(client, survey.tokens["Ann"], 1, answers, go="next"),
        post_review(client, survey.tokens["Ann"], submit="1"),
    ):
        assert response.status_code == 403
        html = response.content.decode()
        assert "Please open the link from your invitation" in html
        assert "Everything you saved is kept" in html
        assert "item-" not in html
    assert not Response.objects.exists()


def test_a_forged_cookie_is_no_session(client, survey):
    """Only cookies the server signed count: the token alone, or a wrong signature, do not."""
    ann = survey.tokens["Ann"]
    for value in (ann, f"{ann}:1abcde:wrongsignature", "x"):
        client.cookies[COOKIE_NAME] = value
        client.cookies[COOKIE_NAME]["path"] = "/s/"
        assert client.get(START).status_code == 403


def test_each_page_renews_the_cookie_and_an_idle_one_ends(client, ann, monkeypatch):
    import time

    response = client.get(page_url(1))
    assert response.status_code == 200
    assert response.cookies[COOKIE_NAME].value.startswith(ann + ":")  # a fresh time stamp

    later = time.time() + IDLE_SECONDS + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.get(page_url(1))
    assert response.status_code == 403
    assert "Please open the link from your invitation" in response.content.decode()
    open_link(client, ann)
    assert client.get(page_url(1)).status_code == 200


def test_a_reissued_link_ends_the_session_of_the_old_one(client, survey, ann):
    from trustmirror.surveys.services import invitation_reissue

    new = invitation_reissue(invitation=survey.invitations["Ann"])
    response = client.get(START)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert response.cookies[COOKIE_NAME].value == ""  # deleted
    open_link(client, new.token)
    assert client.get(START).status_code == 200


# --- two links in one browser: the one opened last wins -----------------------------------


@pytest.fixture
def second_scan(survey):
    """Another open scan of Acme, so Ann has a second link."""
    from trustmirror.surveys.services import links_issue, scan_create

    scan = scan_create(
        organisation=survey.acme.org,
        name="Spring pulse",
        opens_on=survey.scan.opens_on,
        closes_on=survey.scan.closes_on,
    )
    links = links_issue(scan=scan)
    return scan, {link.person.name: link.token for link in links}


def test_the_link_opened_last_wins_and_an_earlier_page_saves_nothing(
    client, survey, ann, instrument, second_scan
):
    scan, tokens = second_scan
    assert "Autumn trust scan" in client.get(START).content.decode()
    open_link(client, tokens["Ann"])
    assert "Spring pulse" in client.get(START).content.decode()

    # A tab still showing the autumn scan's page 1 posts it: refused, nothing stored anywhere.
    response = post_page(client, ann, 1, all_of_page(instrument, 1, 4), go="next")
    assert response.status_code == 409
    assert "Another survey link was opened" in response.content.decode()
    assert "nothing on this page was saved" in response.content.decode()
    assert post_review(client, ann, submit="1").status_code == 409
    assert client.post(page_url(1), {"go": "next"}).status_code == 409  # no guard at all
    assert not Response.objects.exists()

    # The spring scan answers normally, and the autumn link brings the autumn scan back.
    post_page(client, tokens["Ann"], 1, all_of_page(instrument, 1, 2), go="next")
    assert Response.objects.get().scan == scan
    open_link(client, ann)
    assert post_page(client, ann, 1, all_of_page(instrument, 1, 4), go="next").status_code == 302
    assert Response.objects.filter(scan=survey.scan).get().answers == all_of_page(instrument, 1, 4)


def test_another_browser_with_the_same_link_has_its_own_session(client, survey, ann, instrument):
    """The link from another device: the survey continues there, with what was saved."""
    from django.test import Client

    post_page(client, ann, 1, all_of_page(instrument, 1, 5), go="next")
    phone = Client()
    assert phone.get(START).status_code == 403
    open_link(phone, ann)
    assert phone.get(START)["Location"] == page_url(2)
    html = phone.get(page_url(1)).content.decode()
    for item_id in instrument.pages[0].item_ids:
        assert f'name="item-{item_id}" value="5" checked' in html


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_tokens_never_reach_the_log(client, survey, ann, instrument):
    """Our views must not make Django log a path, whatever the log filters do later."""
    collect = Collect()
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request", "trustmirror")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(collect)
        logger.setLevel(logging.DEBUG)
    try:
        tampered = ann[:-1] + ("A" if ann[-1] != "A" else "B")
        client.get(link(tampered))
        client.get(f"/s/{tampered}/nowhere")
        client.get("/s//" + ann)
        client.put(link(ann))
        client.get(link(ann))
        client.get(page_url(99))
        client.post(page_url(1), {"item-nope": "3", "survey": form_guard(ann)})
        client.post(page_url(1), {"item-nope": "3"})
        post_page(client, ann, 1, all_of_page(instrument, 1, 3), language="en", go="next")
        post_review(client, ann, submit="1")
        post_review(client, ann, submit="1")
        client.cookies.pop(COOKIE_NAME)
        client.get(page_url(1))
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    assert not any(ann in message or tampered in message for message in collect.messages)
    assert not any("/s/" in message for message in collect.messages)


def test_the_server_keeps_no_token_anywhere(client, survey, ann, instrument):
    """Not in a table (sessions included), not in the cache: only the browser holds it."""
    from django.apps import apps
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    for number in range(1, len(instrument.pages) + 1):
        post_page(client, ann, number, all_of_page(instrument, number, 4), go="next")
    post_review(client, ann, lang="nl")
    post_review(client, ann, submit="1")
    assert 'id="thanks"' in client.get(THANKS).content.decode()
    assert Response.objects.get().submitted

    assert not Session.objects.exists()
    for model in apps.get_models():
        for row in model.objects.values_list():
            assert ann not in repr(row), model
    # The local-memory cache keeps pickled values under its own keys.
    stored = list(getattr(cache, "_cache", {}).items())
    assert not any(ann.encode() in repr(item).encode() for item in stored)


# --- a page -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["0", "past-the-end", "99999", "-1", "abc", "1.5", "٣"])
def test_page_number_out_of_range_is_404(client, survey, ann, instrument, number):
    if number == "past-the-end":
        number = str(len(instrument.pages) + 1)
    response = client.get(page_url(number))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert 'href="/s/start"' in response.content.decode()
    assert post_page(client, ann, number, {}, go="next").status_code == 404
    assert not Response.objects.exists()


def test_page_renders_questions_scale_and_progress(client, survey, ann, instrument):
    response = client.get(page_url(2))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Page 2 of {len(instrument.pages)}" in html
    assert instrument.pages[1].title["en"] in html
    assert "Strongly disagree" in html and "Don&#x27;t know / not applicable" in html
    for item_id in instrument.pages[1].item_ids:
        assert instrument.items[item_id].text["en"] in html
        values = re.findall(rf'name="item-{re.escape(item_id)}" value="(\d)"', html)
        assert sorted(values) == ["0", "1", "2", "3", "4", "5"]
    assert 'name="lang" value="nl"' in html


def test_a_v2_scan_asks_its_own_pages_and_names_whom_each_page_is_about(client, survey):
    """A scan keeps the version it was created with: a Trust Scan v2 scan shows v2's pages,
    each page's referent, and the midpoint "Neither agree nor disagree"; answers are stored
    against v2's items."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import links_issue, scan_create

    v2 = load_instrument("trustscan", "2")
    scan = scan_create(
        organisation=survey.acme.org,
        name="Trust scan v2",
        opens_on=survey.scan.opens_on,
        closes_on=survey.scan.closes_on,
        instrument_version="2",
    )
    token = next(link.token for link in links_issue(scan=scan) if link.person.name == "Ann")
    open_link(client, token)
    with_intro = [n for n, page in enumerate(v2.pages, start=1) if page.intro and page.item_ids]
    assert with_intro
    for number in (1, with_intro[-1]):
        html = client.get(page_url(number)).content.decode()
        page = v2.pages[number - 1]
        assert f"Page {number} of {len(v2.pages)}" in html
        assert page.title["en"] in html and "Neither agree nor disagree" in html
        if page.intro:
            assert f'<p class="page-intro" id="page-intro">{page.intro["en"]}</p>' in html
    first = v2.pages[0].item_ids
    response = post_page(client, token, 1, dict.fromkeys(first, 4), go="next")
    assert response.status_code == 302
    stored = Response.objects.get(scan=scan)
    assert stored.answers == dict.fromkeys(first, 4)
    assert set(first) <= set(v2.items) and not set(first) & {"saf1", "pow1"}  # v2's own items

    # A page of open questions only does not explain the answer scale.
    last = client.get(page_url(len(v2.pages))).content.decode()
    assert not v2.pages[-1].item_ids and "scale-explain" not in last

    # The v1 scan's pages name no referent of their own.
    open_link(client, survey.tokens["Ann"])
    assert 'id="page-intro"' not in client.get(page_url(1)).content.decode()


def test_saving_a_page_moves_on_and_stores_the_answers(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 4)
    response = post_page(client, ann, 1, answers, language="en", go="next")
    assert response.status_code == 302
    assert response["Location"] == page_url(2)
    stored = Response.objects.get()
    assert stored.answers == answers and stored.unit == survey.acme.north


def test_skipped_items_are_allowed(client, survey, ann, instrument):
    first = instrument.pages[0].item_ids[0]
    response = post_page(client, ann, 1, {first: 0}, language="en", go="next")
    assert response.status_code == 302
    assert Response.objects.get().answers == {first: 0}


def test_back_and_save_buttons(client, survey, ann, instrument):
    response = post_page(client, ann, 2, all_of_page(instrument, 2, 2), language="en", go="back")
    assert response["Location"] == page_url(1)
    response = post_page(client, ann, 3, all_of_page(instrument, 3, 3), language="en", go="save")
    assert response["Location"] == page_url(3) + "?saved=1"
    assert (
        "Your answers on this page are saved" in client.get(response["Location"]).content.decode()
    )
    assert len(Response.objects.get().answers) == len(instrument.pages[1].item_ids) + len(
        instrument.pages[2].item_ids
    )


@pytest.mark.parametrize("bad", ["7", "abc", "-1", "6", ""])
def test_answer_off_the_scale_names_the_question_and_saves_nothing(
    client, survey, ann, instrument, bad
):
    post_page(client, ann, 1, all_of_page(instrument, 1, 3), language="en", go="next")
    before = Response.objects.get().answers
    answers = all_of_page(instrument, 1, 5)
    target = instrument.pages[0].item_ids[2]
    answers[target] = bad
    response = post_page(client, ann, 1, answers, language="en", go="next")

    if bad == "":  # an empty value is a skipped question, not an error
        assert response.status_code == 302
        assert target not in Response.objects.get().answers
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing on this page was saved" in html
    assert "The answer to “" in html
    assert instrument.items[target].text["en"][:40].replace("'", "&#x27;") in html
    assert 'id="err-' + target + '"' in html
    assert Response.objects.get().answers == before


def _error_summary(html):
    match = re.search(
        r'<div class="errors error-summary" id="page-errors"([^>]*)>(.*?)</div>', html, re.S
    )
    assert match, "no error summary"
    return match.group(1), match.group(2)


def test_the_error_summary_takes_focus_and_leads_to_each_question(client, ann, instrument):
    """Accessibility review, item 4: focus on the summary without script, links, title."""
    html = client.get(page_url(1)).content.decode()
    assert 'id="page-errors"' not in html and "autofocus" not in html
    assert (
        re.search(r"<title>(.*?)</title>", html)
        .group(1)
        .startswith(instrument.pages[0].title["en"])
    )

    answers = all_of_page(instrument, 1, 3)
    first, third = instrument.pages[0].item_ids[0], instrument.pages[0].item_ids[2]
    answers[first], answers[third] = "7", "abc"
    foreign = instrument.pages[4].item_ids[0]
    html = post_page(client, ann, 1, answers | {foreign: 3}, go="next").content.decode()
    attributes, summary = _error_summary(html)
    assert 'tabindex="-1"' in attributes and "autofocus" in attributes
    assert 'aria-labelledby="page-errors-title"' in attributes
    links = re.findall(r'<li><a href="#q-([^"]+)">', summary)
    assert links == [first, third]
    for item_id in links:
        assert f'id="q-{item_id}"' in html
    # The answer to a question of another page is about the page as a whole: no link.
    assert re.search(r"<li>An answer was sent for “[^<]*</li>", summary)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("Error: " + instrument.pages[0].title["en"][:20].replace("'", "&#x27;"))
    assert "<script" not in html  # the strict CSP allows none inline; none is needed


def test_the_error_summary_links_to_an_open_question(client, ann, instrument):
    last = len(instrument.pages)
    question = instrument.pages[-1].open_question_ids[0]
    response = client.post(
        page_url(last),
        {f"open-{question}": "x" * 2001, "go": "next", "survey": form_guard(ann), "revision": "0"},
    )
    _attributes, summary = _error_summary(response.content.decode())
    assert re.findall(r'<a href="#q-([^"]+)">', summary) == [question]


def test_page_actions_come_in_the_order_they_are_shown(client, ann):
    """Accessibility review, item 9: the next step first in the document, at every width."""
    html = client.get(page_url(2)).content.decode()
    actions = re.search(r'<div class="page-actions">(.*?)</div>', html, re.S).group(1)
    assert re.findall(r'name="go" value="(\w+)"', actions) == ["next", "save", "back"]
    html = client.get(REVIEW).content.decode()
    actions = re.search(r'<div class="page-actions">(.*?)</div>', html, re.S).group(1)
    assert actions.index('id="submit-answers"') < actions.index(">Previous page<")
    from django.contrib.staticfiles import finders

    css = open(finders.find("trustmirror/survey.css"), encoding="utf-8").read()
    rules = re.findall(r"\.page-actions[^{]*\{([^}]*)\}", css)
    assert rules and not any("reverse" in rule or "order:" in rule for rule in rules)


def test_answer_to_a_question_of_another_page_is_refused(client, survey, ann, instrument):
    foreign = instrument.pages[4].item_ids[0]
    answers = all_of_page(instrument, 1, 3) | {foreign: 3}
    response = post_page(client, ann, 1, answers, language="en", go="next")
    assert response.status_code == 200
    html = response.content.decode()
    assert "which is not a question on this page" in html
    assert instrument.items[foreign].text["en"][:30].replace("'", "&#x27;") in html
    assert not Response.objects.exists()

    response = client.post(
        page_url(1),
        {"item-made_up": "3", "go": "next", "survey": form_guard(ann), "revision": "0"},
    )
    assert "made_up" in response.content.decode()
    assert not Response.objects.exists()


def test_open_questions_on_the_last_page(client, survey, ann, instrument):
    last = len(instrument.pages)
    questions = instrument.pages[-1].open_question_ids
    html = client.get(page_url(last)).content.decode()
    for question in instrument.open_questions:
        if question.id in questions:
            assert question.text["en"].replace("'", "&#x27;") in html
            assert f'name="open-{question.id}"' in html

    too_long = {f"open-{questions[0]}": "x" * 2001, "go": "next", "language": "en"}
    too_long["survey"] = form_guard(ann)
    too_long["revision"] = "0"
    response = client.post(page_url(last), too_long)
    assert response.status_code == 200
    assert "is too long: at most 2000 characters (it has 2001)" in response.content.decode()
    assert not Response.objects.exists()

    # 999 line breaks sent as CRLF: 2998 characters on the wire, 1999 in the text box.
    lines = "\r\n".join(["x"] * 1000)
    ok = {f"open-{questions[0]}": "  Talk more.  ", f"open-{questions[1]}": lines, "go": "next"}
    ok["revision"] = "0"
    response = client.post(page_url(last), {**ok, "language": "en", "survey": form_guard(ann)})
    assert response["Location"] == REVIEW
    assert Response.objects.get().open_answers == {
        questions[0]: "Talk more.",
        questions[1]: "\n".join(["x"] * 1000),
    }


def test_each_open_question_says_who_reads_the_answers(client, survey, ann, instrument):
    """The roles that may read a team's results (orgs.access.visible_units) are named at each
    open question; the rules that decide whether an answer is shown once above them."""
    last = len(instrument.pages)
    questions = instrument.pages[-1].open_question_ids
    html = " ".join(client.get(page_url(last)).content.decode().split())
    k = survey.scan.min_group_size
    said = re.findall(r'<p class="hint" id="help-([\w-]+)">(.*?)</p>', html)
    assert [question for question, _text in said] == questions
    for question, text in said:
        assert "Who reads this" in text and "without your name" in text
        assert "its members, its leads and the leads above them" in text
        assert "consultants and analysts" in text
        assert "not shown to anyone" not in text
        assert f'aria-describedby="help-{question} open-rules"' in html
    rules = re.search(r'<p class="hint open-rules" id="open-rules">(.*?)</p>', html).group(1)
    assert f"at least {k} people answered the same question in the same language" in rules
    assert "Names, e-mail addresses and phone numbers are replaced" in rules

    post_page(client, ann, last, {}, language="en", lang="nl")
    dutch = " ".join(client.get(page_url(last)).content.decode().split())
    assert "Wie dit leest" in dutch
    assert f"minstens {k} mensen dezelfde vraag in dezelfde taal beantwoordden" in dutch


def test_language_switch_saves_the_page_first(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 2)
    response = post_page(client, ann, 1, answers, language="en", lang="nl")
    assert response.status_code == 302
    assert response["Location"] == page_url(1)
    stored = Response.objects.get()
    assert stored.answers == answers and stored.language == "nl"

    html = client.get(page_url(1)).content.decode()
    assert instrument.pages[0].title["nl"] in html
    assert instrument.items[instrument.pages[0].item_ids[0]].text["nl"][:30] in html
    for item_id in answers:
        assert f'name="item-{item_id}" value="2" checked' in html
    # The choice is remembered for the rest of the survey.
    assert instrument.pages[3].title["nl"] in client.get(page_url(4)).content.decode()


def test_returning_to_the_link_resumes_at_the_first_unanswered_page(
    client, survey, ann, instrument
):
    post_page(client, ann, 1, all_of_page(instrument, 1, 5), language="en", go="next")
    post_page(client, ann, 2, all_of_page(instrument, 2, 1), language="en", go="next")
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"] == page_url(3)

    html = client.get(page_url(2)).content.decode()
    for item_id in instrument.pages[1].item_ids:
        assert f'name="item-{item_id}" value="1" checked' in html


# --- review, submit, replay -------------------------------------------------------------


def test_review_mentions_skipped_questions_gently(client, survey, ann, instrument):
    post_page(client, ann, 1, all_of_page(instrument, 1, 4), language="en", go="next")
    html = client.get(REVIEW).content.decode()
    total = len(instrument.items)
    answered = len(instrument.pages[0].item_ids)
    assert f"You answered {answered} of {total} statements." in html
    assert f"You skipped {total - answered} statements." in html


def test_submit_once_then_replays_change_nothing(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 4)
    post_page(client, ann, 1, answers, language="en", go="next")

    response = post_review(client, ann, submit="1")
    assert response["Location"] == THANKS
    assert "Thank you" in client.get(response["Location"]).content.decode()

    replay = post_review(client, ann, submit="1")
    assert replay.status_code == 200
    assert "Your answers have been submitted" in replay.content.decode()
    late = post_page(client, ann, 1, all_of_page(instrument, 1, 1), language="en", lang="nl")
    assert late.status_code == 200 and "Thank you" in late.content.decode()
    for path in (START, page_url(1), REVIEW):
        again = client.get(path)
        assert again.status_code == 200
        assert "Your answers have been submitted" in again.content.decode()
        assert "item-" not in again.content.decode()

    response = Response.objects.get()
    assert response.submitted and response.answers == answers and response.language == "en"
    assert_invitation_untouched(survey.invitations["Ann"])


def test_thanks_before_submission_goes_back_to_the_start(client, survey, ann):
    response = client.get(THANKS)
    assert response["Location"] == START


def test_review_language_switch(client, survey, ann, instrument):
    response = post_review(client, ann, lang="nl")
    assert response["Location"] == REVIEW
    assert Response.objects.get().language == "nl"
    assert instrument.pages[0].title["nl"] in client.get(REVIEW).content.decode()


# --- closed scans -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, text",
    [
        ({"status": Scan.CLOSED}, "This scan is closed"),
        ({"closes_on": "2000-01-31", "opens_on": "2000-01-01"}, "This scan is closed"),
        ({"opens_on": "2999-01-01", "closes_on": "2999-02-01"}, "This scan is not open yet"),
    ],
)
def test_closed_scan_shows_a_clear_page_and_stores_nothing(
    client, survey, ann, instrument, change, text
):
    Scan.objects.filter(pk=survey.scan.pk).update(**change)
    for response in (
        client.get(START),
        client.get(page_url(1)),
        post_page(client, ann, 1, all_of_page(instrument, 1, 3), language="en", go="next"),
        post_review(client, ann, submit="1"),
    ):
        assert response.status_code == 200
        assert text in response.content.decode()
    assert not Response.objects.exists()
    assert_invitation_untouched(survey.invitations["Ann"])


def test_other_methods_are_refused_without_error(client, survey, ann):
    assert client.put(START).status_code == 405
    assert client.delete(page_url(1)).status_code == 405
    assert client.post(link(ann)).status_code == 405
    assert client.post(THANKS).status_code == 405
    assert client.head(START).status_code == 200
    assert client.head(link(ann)).status_code == 302


def test_a_forged_cross_site_post_is_refused(survey, ann, instrument):
    """CSRF is enforced on survey pages too, on top of the SameSite survey cookie."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    open_link(strict, ann)
    item = instrument.pages[0].item_ids[0]
    guard = form_guard(ann)
    response = strict.post(
        page_url(1), {f"item-{item}": "5", "go": "next", "survey": guard, "revision": "0"}
    )
    assert response.status_code == 403
    assert not Response.objects.exists()
    # The same browser with the form's token gets through.
    page = strict.get(page_url(1))
    token = page.cookies["csrftoken"].value
    ok = strict.post(
        page_url(1),
        {
            f"item-{item}": "5",
            "go": "next",
            "csrfmiddlewaretoken": token,
            "survey": guard,
            "revision": "0",
        },
    )
    assert ok.status_code == 302
    assert Response.objects.get().answers == {item: 5}


# --- when results are shared -------------------------------------------------------------------

JANUARY = {"opens_on": dt.date(2027, 1, 11), "closes_on": dt.date(2027, 1, 31)}


def _submit(client, token, instrument):
    post_page(client, token, 1, all_of_page(instrument, 1, 4), language="en", go="next")
    return post_review(client, token, submit="1", follow=True).content.decode()


def test_thanks_says_results_are_shared_after_the_scan_closes(
    client, survey, ann, instrument, frozen_today
):
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2027, 1, 20))
    html = _submit(client, ann, instrument)
    assert "Results are shared after the scan closes on 31 January 2027." in html
    assert "in steps" not in html


def test_thanks_with_interim_results_says_they_come_in_steps_of_k(
    client, survey, ann, instrument, frozen_today
):
    Scan.objects.filter(pk=survey.scan.pk).update(
        interim_results=True, max_cut_dimensions=0, **JANUARY
    )
    frozen_today(dt.date(2027, 1, 20))
    html = _submit(client, ann, instrument)
    assert (
        "Results are shared while the scan is open, updated in steps of at least 5 answers per "
        "group, and in final form after it closes on 31 January 2027."
    ) in html
    assert "Results are shown only for groups of at least 5 people" in html


def test_thanks_after_the_close_says_results_are_being_shared(
    client, survey, ann, instrument, frozen_today
):
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2027, 1, 20))
    _submit(client, ann, instrument)
    frozen_today(dt.date(2027, 2, 3))
    html = client.get(START).content.decode()
    assert "The scan closed on 31 January 2027, so its results are being shared now." in html


def test_a_scheduled_scan_is_not_open_yet_on_its_link(client, survey, ann, frozen_today):
    """In December, a scan that opens in January says so; on its opening day it is open."""
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2026, 12, 2))
    html = client.get(START).content.decode()
    assert "This scan is not open yet" in html
    assert "“Autumn trust scan” opens on 11 January 2027." in html
    assert not Response.objects.exists()
    frozen_today(dt.date(2027, 1, 11))
    assert "This scan is not open yet" not in client.get(START).content.decode()


def test_a_pulse_scan_asks_only_the_pulse_and_stores_its_answers(client, survey):
    """A consultant may create a pulse of v2: its start page gives the pulse's time, its pages
    are the pulse's (about 25 statements), and what is submitted is stored against v2's items."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import links_issue, scan_create

    pulse = load_instrument("trustscan", "2", "pulse")
    assert 20 <= len(pulse.items) <= 30 and pulse.minutes == 6
    scan = scan_create(
        organisation=survey.acme.org,
        name="Pulse in spring",
        opens_on=survey.scan.opens_on,
        closes_on=survey.scan.closes_on,
        instrument_version="2",
        form="pulse",
    )
    token = next(link.token for link in links_issue(scan=scan) if link.person.name == "Ann")
    open_link(client, token)
    start = client.get(START).content.decode()
    assert "It takes about 6 minutes." in start
    assert f"There are {len(pulse.pages)} pages of statements." in start
    for number in range(1, len(pulse.pages) + 1):
        html = client.get(page_url(number)).content.decode()
        assert f"Page {number} of {len(pulse.pages)}" in html
        for item_id in pulse.pages[number - 1].item_ids:
            assert f'name="item-{item_id}"' in html
        response = post_page(client, token, number, all_of_page(pulse, number, 4), go="next")
        assert response.status_code == 302
    assert post_review(client, token, submit="1").status_code == 302
    stored = Response.objects.get(scan=scan)
    assert stored.submitted and stored.answers == dict.fromkeys(pulse.items, 4)
    # Items of the full questionnaire that the pulse does not ask are nowhere on its pages.
    assert "prp1" in load_instrument("trustscan", "2").items and "prp1" not in pulse.items
    assert "item-prp1" not in "".join(
        client.get(page_url(n)).content.decode() for n in range(1, len(pulse.pages) + 1)
    )
