"""A save never replaces a newer one: each page carries the revision it was shown at.

The load test of issue 13 found that a request the respondent had given up on (a long wait,
then the link opened again and the page answered anew) was finished by the server later and
overwrote the newer, acknowledged answers of that page. Now a save is accepted only from the
page's current revision: of two saves made from the same revision the first one stored wins,
whatever the order, and a late one made from an older revision is refused and changes nothing.

Ann (Team North) answers in English; each test client is one browser, and two forms of the
same page stand for two tabs (or a tab and a request that arrives late).
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import transaction

from tests.concurrency import in_thread, shared_database_fixture  # noqa: F401
from trustmirror.surveys.answering import (
    StaleSave,
    instrument_for,
    invitation_for_token,
    page_revision,
    page_save,
    response_draft,
    response_submit,
)
from trustmirror.surveys.models import Response
from trustmirror.surveys.session import form_guard

STALE_TITLE = "This page was saved meanwhile in another tab or window"
STALE_TEXT = "what you just sent was not saved. Below are the answers that were saved last."
INVALID_TITLE = "This page could not be saved"


def page_answers(instrument, number, value):
    return {item_id: value for item_id in instrument.pages[number - 1].item_ids}


def save(survey, number, answers, *, revision, name="Ann", language="en"):
    token = survey.tokens[name]
    return page_save(
        invitation=invitation_for_token(token),
        token=token,
        page_number=number,
        answers=answers,
        language=language,
        revision=revision,
    )


def draft(survey, name="Ann"):
    token = survey.tokens[name]
    return response_draft(invitation=invitation_for_token(token), token=token)


def revision_of(survey, number, name="Ann"):
    return page_revision(instrument_for(survey.scan), draft(survey, name), number)


# --- the service ---------------------------------------------------------------------------


@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_of_two_saves_from_the_same_revision_the_first_wins(survey, instrument, first, second):
    """Two tabs answered the same page as it was at revision 0: only the first save counts."""
    save(survey, 1, page_answers(instrument, 1, first), revision=0)
    with pytest.raises(StaleSave) as refused:
        save(survey, 1, page_answers(instrument, 1, second), revision=0)
    assert refused.value.revision == 1
    response = Response.objects.get()
    assert response.answers == page_answers(instrument, 1, first)
    assert response.page_revisions == {instrument.pages[0].id: 1}


@pytest.mark.parametrize("existing", [False, True], ids=["first-save", "draft-exists"])
def test_a_late_save_from_an_old_revision_never_replaces_newer_answers(
    survey, instrument, existing
):
    """The request given up on arrives after the page was answered anew and acknowledged."""
    if existing:  # another page saved first: the draft exists, page 1 is still at revision 0
        save(survey, 2, page_answers(instrument, 2, 3), revision=0)
    save(survey, 1, page_answers(instrument, 1, 4), revision=0)  # answered anew: revision 1
    save(survey, 1, page_answers(instrument, 1, 5), revision=1)  # and again: revision 2
    for late in (0, 1):
        with pytest.raises(StaleSave):
            save(survey, 1, page_answers(instrument, 1, 1), revision=late, language="nl")
    response = draft(survey)
    assert {k: response.answers[k] for k in instrument.pages[0].item_ids} == page_answers(
        instrument, 1, 5
    )
    assert response.language == "en"  # a refused save changes nothing, the language neither
    assert revision_of(survey, 1) == 2
    assert revision_of(survey, 2) == (1 if existing else 0)


def test_a_revision_never_handed_out_is_refused_and_creates_nothing(survey, instrument):
    with pytest.raises(StaleSave):
        save(survey, 1, page_answers(instrument, 1, 4), revision=3)
    assert not Response.objects.exists()


def test_each_page_has_its_own_revision(survey, instrument):
    """Saving page 2 in one tab does not make page 1, open in another, stale."""
    save(survey, 2, page_answers(instrument, 2, 3), revision=0)
    save(survey, 1, page_answers(instrument, 1, 4), revision=0)
    save(survey, 2, page_answers(instrument, 2, 2), revision=1)
    assert revision_of(survey, 1) == 1 and revision_of(survey, 2) == 2
    assert draft(survey).answers == page_answers(instrument, 1, 4) | page_answers(instrument, 2, 2)


def test_submission_empties_the_revisions(survey, instrument):
    """A counter is of no use after submission, so the submitted row keeps none."""
    save(survey, 1, page_answers(instrument, 1, 4), revision=0)
    token = survey.tokens["Ann"]
    assert response_submit(invitation=invitation_for_token(token), token=token)
    assert Response.objects.get().page_revisions == {}


# --- two threads against the database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [False, True], ids=["first-save", "draft-exists"])
@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_two_concurrent_saves_of_a_page_end_with_the_first_ones_answers(
    survey, instrument, shared_database, existing, first, second
):
    """Two requests from revision 0 at once: the second waits for the first's lock, then is
    refused. On SQLite it waits for the write lock, on PostgreSQL for the row lock (or, for
    the very first save, for the unique key of the draft the first one is creating)."""
    if existing:
        save(survey, 2, page_answers(instrument, 2, 3), revision=0)
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first_save():
        with transaction.atomic():
            saved = save(survey, 1, page_answers(instrument, 1, first), revision=0)
            holding.set()
            release.wait(timeout=10)
        return saved

    def second_save():
        return save(survey, 1, page_answers(instrument, 1, second), revision=0)

    one = in_thread(first_save, results, "first")
    assert holding.wait(timeout=10), results
    two = in_thread(second_save, results, "second")
    time.sleep(0.5)
    assert two.is_alive(), f"the second save did not wait for the first: {results}"
    release.set()
    one.join(timeout=20)
    two.join(timeout=20)

    assert isinstance(results["first"], Response), results
    assert isinstance(results["second"], StaleSave), results
    assert results["second"].revision == 1
    response = Response.objects.get()
    assert {k: response.answers[k] for k in instrument.pages[0].item_ids} == page_answers(
        instrument, 1, first
    )
    assert revision_of(survey, 1) == 1


# --- the page ------------------------------------------------------------------------------


def page_url(number):
    return f"/s/p/{number}"


def hidden_revision(html):
    return re.search(r'name="revision" value="([^"]*)"', html).group(1)


def page_form(instrument, number, value, *, revision, token, **extra):
    data = {f"item-{item_id}": str(value) for item_id in instrument.pages[number - 1].item_ids}
    return {"survey": form_guard(token), "revision": revision, "go": "next", **data, **extra}


@pytest.fixture
def ann(survey, client):
    token = survey.tokens["Ann"]
    assert client.get(f"/s/{token}").status_code == 302
    return token


def test_the_page_carries_the_revision_it_shows(client, ann, instrument):
    assert hidden_revision(client.get(page_url(1)).content.decode()) == "0"
    client.post(page_url(1), page_form(instrument, 1, 4, revision="0", token=ann))
    assert hidden_revision(client.get(page_url(1)).content.decode()) == "1"
    assert hidden_revision(client.get(page_url(2)).content.decode()) == "0"


@pytest.mark.parametrize("first,second", [(2, 5), (5, 2)], ids=["2-then-5", "5-then-2"])
def test_the_second_tab_is_told_and_shown_what_the_first_saved(
    client, survey, ann, instrument, first, second
):
    """Two tabs opened page 1 at revision 0; the first one saved. The second one's save is
    refused: its page comes back with the stored answers and says why, and saving from there
    works."""
    tab_one = client.get(page_url(1)).content.decode()
    tab_two = client.get(page_url(1)).content.decode()
    assert hidden_revision(tab_one) == hidden_revision(tab_two) == "0"

    ok = client.post(page_url(1), page_form(instrument, 1, first, revision="0", token=ann))
    assert ok.status_code == 302 and ok["Location"] == page_url(2)
    refused = client.post(page_url(1), page_form(instrument, 1, second, revision="0", token=ann))

    assert refused.status_code == 409
    html = refused.content.decode()
    assert STALE_TITLE in html and STALE_TEXT in html
    assert 'id="page-refused"' in html and "autofocus" in html.split('id="page-refused"')[1][:200]
    assert "<title>Error: " in html
    for item_id in instrument.pages[0].item_ids:
        assert f'name="item-{item_id}" value="{first}" checked' in html
        assert f'name="item-{item_id}" value="{second}" checked' not in html
    assert hidden_revision(html) == "1"
    assert Response.objects.get().answers == page_answers(instrument, 1, first)

    # The respondent changes their mind once more, from the page they were shown: saved.
    again = client.post(page_url(1), page_form(instrument, 1, second, revision="1", token=ann))
    assert again.status_code == 302
    assert Response.objects.get().answers == page_answers(instrument, 1, second)


def test_a_late_request_after_a_newer_acknowledged_save_is_refused(client, survey, ann, instrument):
    """The scenario of the load test: the first request hangs, the respondent opens the link
    again and answers anew (acknowledged), then the first request reaches the server."""
    hanging = page_form(instrument, 1, 2, revision="0", token=ann)
    assert client.get(f"/s/{ann}").status_code == 302  # the link opened again
    anew = client.post(page_url(1), page_form(instrument, 1, 5, revision="0", token=ann))
    assert anew.status_code == 302
    late = client.post(page_url(1), hanging)
    assert late.status_code == 409 and STALE_TITLE in late.content.decode()
    assert Response.objects.get().answers == page_answers(instrument, 1, 5)


def test_a_language_switch_from_a_stale_page_is_refused_too(client, survey, ann, instrument):
    client.post(page_url(1), page_form(instrument, 1, 4, revision="0", token=ann))
    stale = page_form(instrument, 1, 1, revision="0", token=ann, lang="nl")
    response = client.post(page_url(1), stale)
    assert response.status_code == 409
    stored = Response.objects.get()
    assert stored.answers == page_answers(instrument, 1, 4) and stored.language == "en"


@pytest.mark.parametrize(
    "revision", [None, "", "abc", "-1", "1.0", " 0", "0x1", "١", "9" * 10, "0" * 50]
)
def test_a_missing_or_tampered_revision_is_a_clear_refusal(
    client, survey, ann, instrument, revision
):
    """Not a server error and not a silent save: 400 with the page as sent and a message."""
    data = page_form(instrument, 1, 3, revision=revision, token=ann)
    if revision is None:
        del data["revision"]
    response = client.post(page_url(1), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert INVALID_TITLE in html and "nothing on this page was saved" in html
    for item_id in instrument.pages[0].item_ids:
        assert f'name="item-{item_id}" value="3" checked' in html
    assert hidden_revision(html) == "0"  # saving once more from here is a deliberate choice
    assert not Response.objects.exists()


def test_an_invalid_page_keeps_the_revision_it_was_shown_at(client, survey, ann, instrument):
    """Correcting a mistake does not make an old page current: the revision stays as sent."""
    client.post(page_url(1), page_form(instrument, 1, 4, revision="0", token=ann))
    item = instrument.pages[0].item_ids[0]
    data = page_form(instrument, 1, 2, revision="0", token=ann) | {f"item-{item}": "9"}
    response = client.post(page_url(1), data)
    assert response.status_code == 200
    assert hidden_revision(response.content.decode()) == "0"
    fixed = page_form(
        instrument, 1, 2, revision=hidden_revision(response.content.decode()), token=ann
    )
    assert client.post(page_url(1), fixed).status_code == 409
    assert Response.objects.get().answers == page_answers(instrument, 1, 4)
