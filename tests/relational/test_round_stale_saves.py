"""The round's pages are saved page by page too: a late, older save never replaces newer ones.

Team North: Dana leads it, so her round has two pages of colleagues and her prediction page
(page 3). Two forms of the same page stand for two tabs, or a tab and a request that reaches
the server after the respondent had given up on it.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import transaction

from tests.concurrency import in_thread, shared_database_fixture  # noqa: F401
from trustmirror.relational.answering import (
    prediction_save,
    round_answers,
    round_decline,
    round_page_revision,
    round_page_save,
    round_plan,
    round_prediction,
    round_submit,
)
from trustmirror.relational.models import RoundAnswer, RoundEntry
from trustmirror.surveys.answering import StaleSave
from trustmirror.surveys.session import form_guard

STALE_TITLE = "This page was saved meanwhile in another tab or window"
INVALID_TITLE = "This page could not be saved"


def ratings(plan, page_number, value):
    return {
        c.pseudonym: dict.fromkeys(("reliance", "disclosure", "meta"), value)
        for c in plan.colleagues_on_page(page_number)
    }


def stored_values(plan, page_number):
    answers = round_answers(plan)
    on_page = plan.colleagues_on_page(page_number)
    return {c.pseudonym: answers[c.pseudonym].reliance for c in on_page}


@pytest.fixture
def dana(round_survey):
    return round_plan(invitation=round_survey.invitations["Dana"])


# --- the services --------------------------------------------------------------------------


@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_of_two_page_saves_from_the_same_revision_the_first_wins(dana, first, second):
    round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, first), revision=0)
    with pytest.raises(StaleSave) as refused:
        round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, second), revision=0)
    assert refused.value.revision == 1
    assert set(stored_values(dana, 1).values()) == {first}
    assert round_page_revision(dana, 1) == 1 and round_page_revision(dana, 2) == 0


def test_a_late_page_save_never_replaces_newer_answers(dana):
    round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, 4), revision=0)
    round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, 5), revision=1)
    for late in (0, 1):
        with pytest.raises(StaleSave):
            round_page_save(plan=dana, page_number=1, ratings={}, revision=late)
    assert set(stored_values(dana, 1).values()) == {5}  # not emptied by the late save
    assert round_page_revision(dana, 1) == 2


@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_of_two_predictions_from_the_same_revision_the_first_wins(dana, first, second):
    page = dana.prediction_page_number
    prediction_save(plan=dana, answers={"lab1": first}, revision=0)
    with pytest.raises(StaleSave):
        prediction_save(plan=dana, answers={"lab1": second, "lin2": 1}, revision=0)
    assert round_prediction(dana) == {"lab1": first}
    assert round_page_revision(dana, page) == 1


def test_a_refused_save_creates_no_entry(dana):
    with pytest.raises(StaleSave):
        round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, 4), revision=2)
    assert not RoundEntry.objects.exists() and not RoundAnswer.objects.exists()


@pytest.mark.parametrize("ending", [round_submit, round_decline], ids=["submit", "decline"])
def test_the_end_of_the_round_empties_the_revisions(dana, ending):
    round_page_save(plan=dana, page_number=1, ratings=ratings(dana, 1, 4), revision=0)
    assert RoundEntry.objects.get().page_revisions == {"1": 1}
    assert ending(plan=dana)
    assert RoundEntry.objects.get().page_revisions == {}


# --- the page ------------------------------------------------------------------------------


def hidden_revision(html):
    return re.search(r'name="revision" value="([^"]*)"', html).group(1)


def page_form(token, plan, page_number, value, *, revision):
    data = {"survey": form_guard(token), "go": "next", "language": "en"}
    if revision is not None:
        data["revision"] = revision
    for colleague in plan.colleagues_on_page(page_number):
        for question in ("reliance", "disclosure", "meta"):
            data[f"c-{colleague.key}-{question}"] = str(value)
    return data


@pytest.fixture
def dana_browser(client, round_survey):
    token = round_survey.tokens["Dana"]
    assert client.get(f"/s/{token}").status_code == 302
    return token


@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_the_second_tab_of_a_round_page_is_told_and_shown_the_stored_answers(
    client, dana, dana_browser, first, second
):
    assert hidden_revision(client.get("/s/round/p/1").content.decode()) == "0"
    ok = client.post("/s/round/p/1", page_form(dana_browser, dana, 1, first, revision="0"))
    assert ok.status_code == 302
    refused = client.post("/s/round/p/1", page_form(dana_browser, dana, 1, second, revision="0"))
    assert refused.status_code == 409
    html = refused.content.decode()
    assert STALE_TITLE in html and 'id="page-refused"' in html
    for colleague in dana.colleagues_on_page(1):
        assert f'name="c-{colleague.key}-reliance" value="{first}" checked' in html
        assert f'name="c-{colleague.key}-reliance" value="{second}" checked' not in html
    assert hidden_revision(html) == "1"
    assert set(stored_values(dana, 1).values()) == {first}


def test_a_stale_prediction_page_is_refused(client, dana, dana_browser):
    url = f"/s/round/p/{dana.prediction_page_number}"
    base = {"survey": form_guard(dana_browser), "go": "next", "language": "en", "revision": "0"}
    assert client.post(url, {**base, "item-lab1": "4"}).status_code == 302
    refused = client.post(url, {**base, "item-lab1": "1"})
    assert refused.status_code == 409 and STALE_TITLE in refused.content.decode()
    assert 'name="item-lab1" value="4" checked' in refused.content.decode()
    assert round_prediction(dana) == {"lab1": 4}


@pytest.mark.parametrize("revision", [None, "", "x", "-1", "٣", "9" * 12])
def test_a_round_page_without_a_valid_revision_is_a_clear_refusal(
    client, dana, dana_browser, revision
):
    response = client.post("/s/round/p/1", page_form(dana_browser, dana, 1, 3, revision=revision))
    assert response.status_code == 400
    html = response.content.decode()
    assert INVALID_TITLE in html and 'id="page-form"' in html
    assert hidden_revision(html) == "0"
    assert not RoundEntry.objects.exists() and not RoundAnswer.objects.exists()


# --- two threads against the database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_two_concurrent_round_page_saves_end_with_the_first_ones_answers(
    round_survey, shared_database, first, second
):
    """The second save waits for the first one's lock on the rater's entry, then is refused."""
    plan = round_plan(invitation=round_survey.invitations["Dana"])
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first_save():
        with transaction.atomic():
            round_page_save(plan=plan, page_number=1, ratings=ratings(plan, 1, first), revision=0)
            holding.set()
            release.wait(timeout=10)
        return "saved"

    def second_save():
        round_page_save(plan=plan, page_number=1, ratings=ratings(plan, 1, second), revision=0)
        return "saved"

    one = in_thread(first_save, results, "first")
    assert holding.wait(timeout=10), results
    two = in_thread(second_save, results, "second")
    time.sleep(0.5)
    assert two.is_alive(), f"the second save did not wait for the first: {results}"
    release.set()
    one.join(timeout=20)
    two.join(timeout=20)

    assert results["first"] == "saved", results
    assert isinstance(results["second"], StaleSave), results
    assert set(stored_values(plan, 1).values()) == {first}
    assert round_page_revision(plan, 1) == 1
