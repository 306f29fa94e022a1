"""The respondent's pages through Django's test client: responses *and* the database."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from trustmirror.surveys.models import Invitation, Response, Scan


def assert_invitation_untouched(invitation):
    """Answering must never write the invitation row (no shared write links it to a response)."""
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert stored == {
        "id": invitation.pk,
        "scan_id": invitation.scan_id,
        "person_id": invitation.person_id,
        "token_hash": invitation.token_hash,
    }


def start_url(token):
    return f"/s/{token}"


def page_url(token, number):
    return f"/s/{token}/p/{number}"


def post_page(client, token, number, answers, **extra):
    data = {f"item-{item_id}": str(value) for item_id, value in answers.items()}
    data.update(extra)
    return client.post(page_url(token, number), data)


def all_of_page(instrument, number, value):
    return {item_id: value for item_id in instrument.pages[number - 1].item_ids}


@pytest.fixture
def ann(survey):
    """Ann's link; she works in Team North and reads English."""
    return survey.tokens["Ann"]


# --- the link ---------------------------------------------------------------------------


def test_link_shows_the_privacy_promise_in_the_persons_language(client, survey, ann, instrument):
    response = client.get(start_url(ann))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your answers are anonymous" in html
    assert "at least 5 people" in html
    assert 'href="/privacy/"' in html
    assert instrument.intro["en"] in html
    assert f'href="/s/{ann}/p/1?lang=en"' in html
    # No session: the only cookie a respondent may get is Django's random CSRF cookie.
    assert set(response.cookies) <= {"csrftoken"}
    assert not Response.objects.exists()


def test_link_with_a_trailing_slash_still_works(client, survey, ann):
    assert client.get(start_url(ann) + "/").status_code == 200


def test_dutch_speaker_gets_dutch_by_default(client, survey, instrument):
    response = client.get(start_url(survey.tokens["Bob"]))
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
    response = client.get(start_url(token))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_tampered_link_gets_the_same_404_as_an_unknown_one(client, survey, ann):
    tampered = ann[:-1] + ("A" if ann[-1] != "A" else "B")
    unknown = client.get(start_url("AAAAAAAAAAAAAAAAAAAAAA"))
    response = client.get(start_url(tampered))
    assert response.status_code == 404
    assert response.content == unknown.content
    for path in (page_url(tampered, 1), f"/s/{tampered}/review", f"/s/{tampered}/x/y"):
        assert client.get(path).status_code == 404
    assert client.post(page_url(tampered, 1), {}).status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize("number", ["0", "past-the-end", "99999", "-1", "abc", "1.5", "٣"])
def test_page_number_out_of_range_is_404(client, survey, ann, instrument, number):
    if number == "past-the-end":
        number = str(len(instrument.pages) + 1)
    response = client.get(page_url(ann, number))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert client.post(page_url(ann, number), {"go": "next"}).status_code == 404
    assert not Response.objects.exists()


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
        client.get(start_url(tampered))
        client.get(page_url(ann, 99))
        client.get(f"/s/{ann}/nowhere")
        client.put(start_url(ann))
        client.post(page_url(ann, 1), {"item-nope": "3"})
        post_page(client, ann, 1, all_of_page(instrument, 1, 3), language="en", go="next")
        client.post(f"/s/{ann}/review", {"submit": "1"})
        client.post(f"/s/{ann}/review", {"submit": "1"})
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    assert not any(ann in message or tampered in message for message in collect.messages)
    assert not any("/s/" in message for message in collect.messages)


# --- a page -----------------------------------------------------------------------------


def test_page_renders_questions_scale_and_progress(client, survey, ann, instrument):
    response = client.get(page_url(ann, 2))
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


def test_saving_a_page_moves_on_and_stores_the_answers(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 4)
    response = post_page(client, ann, 1, answers, language="en", go="next")
    assert response.status_code == 302
    assert response["Location"] == page_url(ann, 2)
    stored = Response.objects.get()
    assert stored.answers == answers and stored.unit == survey.acme.north


def test_skipped_items_are_allowed(client, survey, ann, instrument):
    first = instrument.pages[0].item_ids[0]
    response = post_page(client, ann, 1, {first: 0}, language="en", go="next")
    assert response.status_code == 302
    assert Response.objects.get().answers == {first: 0}


def test_back_and_save_buttons(client, survey, ann, instrument):
    response = post_page(client, ann, 2, all_of_page(instrument, 2, 2), language="en", go="back")
    assert response["Location"] == page_url(ann, 1)
    response = post_page(client, ann, 3, all_of_page(instrument, 3, 3), language="en", go="save")
    assert response["Location"] == page_url(ann, 3) + "?saved=1"
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


def test_answer_to_a_question_of_another_page_is_refused(client, survey, ann, instrument):
    foreign = instrument.pages[4].item_ids[0]
    answers = all_of_page(instrument, 1, 3) | {foreign: 3}
    response = post_page(client, ann, 1, answers, language="en", go="next")
    assert response.status_code == 200
    html = response.content.decode()
    assert "which is not a question on this page" in html
    assert instrument.items[foreign].text["en"][:30].replace("'", "&#x27;") in html
    assert not Response.objects.exists()

    response = client.post(page_url(ann, 1), {"item-made_up": "3", "go": "next"})
    assert "made_up" in response.content.decode()
    assert not Response.objects.exists()


def test_open_questions_on_the_last_page(client, survey, ann, instrument):
    last = len(instrument.pages)
    questions = instrument.pages[-1].open_question_ids
    html = client.get(page_url(ann, last)).content.decode()
    for question in instrument.open_questions:
        if question.id in questions:
            assert question.text["en"].replace("'", "&#x27;") in html
            assert f'name="open-{question.id}"' in html

    too_long = {f"open-{questions[0]}": "x" * 2001, "go": "next", "language": "en"}
    response = client.post(page_url(ann, last), too_long)
    assert response.status_code == 200
    assert "is too long: at most 2000 characters (it has 2001)" in response.content.decode()
    assert not Response.objects.exists()

    # 999 line breaks sent as CRLF: 2998 characters on the wire, 1999 in the text box.
    lines = "\r\n".join(["x"] * 1000)
    ok = {f"open-{questions[0]}": "  Talk more.  ", f"open-{questions[1]}": lines, "go": "next"}
    response = client.post(page_url(ann, last), {**ok, "language": "en"})
    assert response["Location"] == f"/s/{ann}/review"
    assert Response.objects.get().open_answers == {
        questions[0]: "Talk more.",
        questions[1]: "\n".join(["x"] * 1000),
    }


def test_language_switch_saves_the_page_first(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 2)
    response = post_page(client, ann, 1, answers, language="en", lang="nl")
    assert response.status_code == 302
    assert response["Location"] == page_url(ann, 1)
    stored = Response.objects.get()
    assert stored.answers == answers and stored.language == "nl"

    html = client.get(page_url(ann, 1)).content.decode()
    assert instrument.pages[0].title["nl"] in html
    assert instrument.items[instrument.pages[0].item_ids[0]].text["nl"][:30] in html
    for item_id in answers:
        assert f'name="item-{item_id}" value="2" checked' in html
    # The choice is remembered for the rest of the survey.
    assert instrument.pages[3].title["nl"] in client.get(page_url(ann, 4)).content.decode()


def test_returning_to_the_link_resumes_at_the_first_unanswered_page(
    client, survey, ann, instrument
):
    post_page(client, ann, 1, all_of_page(instrument, 1, 5), language="en", go="next")
    post_page(client, ann, 2, all_of_page(instrument, 2, 1), language="en", go="next")
    response = client.get(start_url(ann))
    assert response.status_code == 302
    assert response["Location"] == page_url(ann, 3)

    html = client.get(page_url(ann, 2)).content.decode()
    for item_id in instrument.pages[1].item_ids:
        assert f'name="item-{item_id}" value="1" checked' in html


# --- review, submit, replay -------------------------------------------------------------


def test_review_mentions_skipped_questions_gently(client, survey, ann, instrument):
    post_page(client, ann, 1, all_of_page(instrument, 1, 4), language="en", go="next")
    html = client.get(f"/s/{ann}/review").content.decode()
    total = len(instrument.items)
    answered = len(instrument.pages[0].item_ids)
    assert f"You answered {answered} of {total} statements." in html
    assert f"You skipped {total - answered} statements." in html


def test_submit_once_then_replays_change_nothing(client, survey, ann, instrument):
    answers = all_of_page(instrument, 1, 4)
    post_page(client, ann, 1, answers, language="en", go="next")

    response = client.post(f"/s/{ann}/review", {"submit": "1"})
    assert response["Location"] == f"/s/{ann}/thanks"
    assert "Thank you" in client.get(response["Location"]).content.decode()

    replay = client.post(f"/s/{ann}/review", {"submit": "1"})
    assert replay.status_code == 200
    assert "Your answers have been submitted" in replay.content.decode()
    late = post_page(client, ann, 1, all_of_page(instrument, 1, 1), language="en", lang="nl")
    assert late.status_code == 200 and "Thank you" in late.content.decode()
    for path in (start_url(ann), page_url(ann, 1), f"/s/{ann}/review"):
        again = client.get(path)
        assert again.status_code == 200
        assert "Your answers have been submitted" in again.content.decode()
        assert "item-" not in again.content.decode()

    response = Response.objects.get()
    assert response.submitted and response.answers == answers and response.language == "en"
    assert_invitation_untouched(survey.invitations["Ann"])


def test_thanks_before_submission_goes_back_to_the_start(client, survey, ann):
    response = client.get(f"/s/{ann}/thanks")
    assert response["Location"] == start_url(ann)


def test_review_language_switch(client, survey, ann, instrument):
    response = client.post(f"/s/{ann}/review", {"lang": "nl"})
    assert response["Location"] == f"/s/{ann}/review"
    assert Response.objects.get().language == "nl"
    assert instrument.pages[0].title["nl"] in client.get(f"/s/{ann}/review").content.decode()


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
        client.get(start_url(ann)),
        client.get(page_url(ann, 1)),
        post_page(client, ann, 1, all_of_page(instrument, 1, 3), language="en", go="next"),
        client.post(f"/s/{ann}/review", {"submit": "1"}),
    ):
        assert response.status_code == 200
        assert text in response.content.decode()
    assert not Response.objects.exists()
    assert_invitation_untouched(survey.invitations["Ann"])


def test_other_methods_are_refused_without_error(client, survey, ann):
    assert client.put(start_url(ann)).status_code == 405
    assert client.delete(page_url(ann, 1)).status_code == 405
    assert client.head(start_url(ann)).status_code == 200


def test_a_forged_cross_site_post_is_refused(survey, ann, instrument):
    """CSRF is enforced on survey pages too, on top of the secret token in the URL."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    item = instrument.pages[0].item_ids[0]
    response = strict.post(f"/s/{ann}/p/1", {f"item-{item}": "5", "go": "next"})
    assert response.status_code == 403
    assert not Response.objects.exists()
    # The same browser with the form's token gets through.
    page = strict.get(f"/s/{ann}/p/1")
    token = page.cookies["csrftoken"].value
    ok = strict.post(
        f"/s/{ann}/p/1",
        {f"item-{item}": "5", "go": "next", "csrfmiddlewaretoken": token},
    )
    assert ok.status_code == 302
    assert Response.objects.get().answers == {item: 5}


# --- when results are shared -------------------------------------------------------------------

JANUARY = {"opens_on": dt.date(2027, 1, 11), "closes_on": dt.date(2027, 1, 31)}


def _submit(client, token, instrument):
    post_page(client, token, 1, all_of_page(instrument, 1, 4), language="en", go="next")
    return client.post(f"/s/{token}/review", {"submit": "1"}, follow=True).content.decode()


def test_thanks_says_results_are_shared_after_the_scan_closes(
    client, survey, ann, instrument, frozen_today
):
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2027, 1, 20))
    html = _submit(client, ann, instrument)
    assert "Results are shared after the scan closes on Jan. 31, 2027." in html
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
        "group, and in final form after it closes on Jan. 31, 2027."
    ) in html
    assert "Results are shown only for groups of at least 5 people" in html


def test_thanks_after_the_close_says_results_are_being_shared(
    client, survey, ann, instrument, frozen_today
):
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2027, 1, 20))
    _submit(client, ann, instrument)
    frozen_today(dt.date(2027, 2, 3))
    html = client.get(start_url(ann)).content.decode()
    assert "The scan closed on Jan. 31, 2027, so its results are being shared now." in html


def test_a_scheduled_scan_is_not_open_yet_on_its_link(client, survey, ann, frozen_today):
    """In December, a scan that opens in January says so; on its opening day it is open."""
    Scan.objects.filter(pk=survey.scan.pk).update(**JANUARY)
    frozen_today(dt.date(2026, 12, 2))
    html = client.get(start_url(ann)).content.decode()
    assert "This scan is not open yet" in html
    assert "“Autumn trust scan” opens on Jan. 11, 2027." in html
    assert not Response.objects.exists()
    frozen_today(dt.date(2027, 1, 11))
    assert "This scan is not open yet" not in client.get(start_url(ann)).content.decode()
