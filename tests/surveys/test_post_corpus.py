"""The bad-input corpus of the survey: each hostile or broken page post with its answer.

One table of posts a respondent's browser can send by mistake (a double click, an old tab,
a stale link) or an attacker on purpose, each with the status and the words of the page it
must get, and the rule that nothing of a refused post is stored. Then a property test: any
POST of the page form's fields, however mangled, gets a page (200, 302, 400 or 409), never
a server error and never a save of something off the scale. The API's calls have their own
corpus, tests/api/test_call_corpus.py. docs/bad-input.md lists the limits.

Ann (Team North) answers in English; each test client is one browser, which opened her link.
Survey posts whose size alone is refused are in tests/security/test_body_limits.py; revisions
in depth in tests/surveys/test_stale_saves.py.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from trustmirror.surveys.answering import OPEN_ANSWER_MAX_LENGTH
from trustmirror.surveys.models import Response, Scan
from trustmirror.surveys.session import form_guard

PAGE = "/s/p/1"
LAST = "/s/p/9"  # the page with the open questions
NOT_ON_SCALE = "is not one of the options. Please choose an answer on the scale."
NOTHING_SAVED = "Nothing on this page was saved yet."


@dataclass(frozen=True)
class Post:
    """A post to ``url`` (the page form's usual fields, changed by ``change``)."""

    id: str
    change: dict = field(default_factory=dict)
    status: int = 200
    says: tuple[str, ...] = ()
    url: str = PAGE
    drop: tuple[str, ...] = ()  # fields of the usual form left out


def _item(instrument, number: int = 1, index: int = 0) -> str:
    return "item-" + instrument.pages[number - 1].item_ids[index]


def _form(instrument, token: str, url: str) -> dict:
    number = int(url.rsplit("/", 1)[1])
    data = {f"item-{i}": "3" for i in instrument.pages[number - 1].item_ids}
    return {"survey": form_guard(token), "revision": "0", "go": "next", **data}


CORPUS = [
    # Out of range: off the scale of 1-5 and 0 for "don't know".
    *(
        Post(f"value-{value!r}", {"ITEM": value}, says=(NOT_ON_SCALE, NOTHING_SAVED))
        for value in ["6", "-1", "3.5", " 3", "+3", "03", "٣", "3\x00", "1e1", "9" * 400, "abc"]
    ),
    Post("two-values-for-one-item", {"ITEM": ["2", "7"]}, says=(NOT_ON_SCALE,)),
    # Unknown items: not in the instrument, and of another page.
    Post(
        "unknown-item",
        {"item-nope": "3"},
        says=("An answer was sent for “nope”, which is not a question on this page.",),
    ),
    Post(
        "unknown-item-with-markup",
        {"item-<script>alert(1)</script>": "3"},
        says=("An answer was sent for “<script>alert(1)</script>”",),
    ),
    Post("item-of-another-page", {"OTHER_PAGE_ITEM": "3"}, says=("which is not a question",)),
    Post(
        "open-answer-too-long",
        {"open-open_increase": "x" * (OPEN_ANSWER_MAX_LENGTH + 1)},
        url=LAST,
        says=(
            f"is too long: at most {OPEN_ANSWER_MAX_LENGTH} characters "
            f"(it has {OPEN_ANSWER_MAX_LENGTH + 1}).",
        ),
    ),
    Post(
        "open-answer-with-a-nul",
        {"open-open_increase": "fine\x00"},
        url=LAST,
        says=("contains characters that cannot be stored. Please retype it.",),
    ),
    # The page's hidden fields: revision (see test_stale_saves) and the link's guard.
    Post("no-revision", drop=("revision",), status=400, says=("This page could not be saved",)),
    Post(
        "revision-from-the-future",
        {"revision": "7"},
        status=409,
        says=("This page was saved meanwhile in another tab or window",),
    ),
    Post("no-guard", drop=("survey",), status=409, says=("Another survey link was opened",)),
    Post(
        "tampered-guard",
        {"survey": "0" * 32},
        status=409,
        says=("Another survey link was opened",),
    ),
    # Pages that do not exist.
    Post("page-zero", url="/s/p/0", status=404),
    Post("page-after-the-last", url="/s/p/10", status=404),
    Post("page-not-a-number", url="/s/p/%D9%A3", status=404),
]


@pytest.fixture
def ann(survey, client):
    token = survey.tokens["Ann"]
    assert client.get(f"/s/{token}").status_code == 302
    return token


def _post(client, instrument, token: str, case: Post):
    url = case.url
    data = _form(instrument, token, url) if url in (PAGE, LAST) else _form(instrument, token, PAGE)
    for name in case.drop:
        del data[name]
    for name, value in case.change.items():
        if name == "ITEM":
            name = _item(instrument)
        elif name == "OTHER_PAGE_ITEM":
            name = _item(instrument, number=2)
        data[name] = value
    return client.post(url, data)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_a_bad_page_post_gets_its_answer_and_saves_nothing(client, ann, instrument, case):
    response = _post(client, instrument, ann, case)
    assert response.status_code == case.status
    page = html.unescape(response.content.decode())
    for words in case.says:
        assert words in page
    assert "<script>alert" not in response.content.decode()
    assert not Response.objects.exists()


def test_a_post_for_a_closed_scan_saves_nothing(client, survey, ann, instrument):
    Scan.objects.filter(pk=survey.scan.pk).update(status=Scan.CLOSED)
    for url in (PAGE, "/s/review"):
        data = _form(instrument, ann, PAGE) | {"submit": "1"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "This scan is closed" in response.content.decode()
    assert not Response.objects.exists()


def test_a_replayed_page_and_submission_after_submitting_change_nothing(
    client, survey, ann, instrument
):
    page = _form(instrument, ann, PAGE)
    assert client.post(PAGE, page).status_code == 302
    submit = {"survey": form_guard(ann), "submit": "1"}
    assert client.post("/s/review", submit).status_code == 302
    stored = Response.objects.get()
    for url, data in ((PAGE, page | {"ITEM": "1"}), ("/s/review", submit), (PAGE, page)):
        replay = client.post(url, data)
        assert replay.status_code == 200
        assert "Your answers have been submitted" in replay.content.decode()
    again = Response.objects.get()
    assert (again.pk, again.answers, again.submitted) == (stored.pk, stored.answers, True)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one letter changed
        lambda t: t[:-1],  # one letter short
        lambda t: t + "A",  # one letter too many
        lambda t: t.upper() if t.upper() != t else t.lower(),
        lambda t: quote("\N{LATIN SMALL LETTER E WITH ACUTE}") + t[1:],
    ],
    ids=["changed", "short", "long", "case", "non-ascii"],
)
def test_a_tampered_link_opens_nothing_and_its_posts_save_nothing(survey, instrument, mangle):
    browser = Client()
    token = survey.tokens["Ann"]
    response = browser.get(f"/s/{mangle(token)}")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    # The tampered link gave this browser no session: a page post is asked for the link.
    posted = browser.post(PAGE, _form(instrument, token, PAGE))
    assert posted.status_code == 403
    assert "Please open the link from your invitation" in posted.content.decode()
    assert not Response.objects.exists()


def test_a_replayed_link_after_a_new_one_was_issued_saves_nothing(client, survey, ann, instrument):
    """The old link, reissued since (e.g. reported lost), is refused even in its browser."""
    from trustmirror.surveys.services import invitation_reissue

    invitation_reissue(invitation=survey.invitations["Ann"])
    response = client.post(PAGE, _form(instrument, ann, PAGE))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert not Response.objects.exists()


def test_too_many_fields_is_a_bad_request_not_an_error(client, ann, instrument):
    data = _form(instrument, ann, PAGE)
    data.update({f"x{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert not Response.objects.exists()


def test_a_body_that_is_not_utf8_or_not_a_form_is_refused_cleanly(client, ann, instrument):
    guard = form_guard(ann)
    item = _item(instrument)
    # Bytes that are not UTF-8 in a value: the value is not on the scale.
    bad_value = f"survey={guard}&revision=0&{item}=%FF%FE".encode()
    response = client.generic(
        "POST", PAGE, bad_value, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and NOT_ON_SCALE in html.unescape(response.content.decode())
    # Bodies that hold no form: no guard of the link, so nothing is even read.
    for body, content_type in (
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"item": 3}', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
    ):
        response = client.generic("POST", PAGE, body, content_type=content_type)
        assert response.status_code == 409, (body, response.status_code)
        assert "Another survey link was opened" in response.content.decode()
    assert not Response.objects.exists()


# --- property: any post of the page's fields --------------------------------------------

VALUES = st.one_of(
    st.sampled_from(["", "0", "1", "3", "5", "6", "-1", "9" * 20, "٣", " 2"]),
    st.text(max_size=40),
)


def _page_posts(instrument):
    items = [f"item-{i}" for i in instrument.pages[0].item_ids]
    names = st.sampled_from(
        [*items, "item-nope", "open-open_increase", "revision", "survey", "go", "lang", "language"]
    )
    return st.dictionaries(names, st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=12)


@pytest.mark.django_db
def test_any_page_post_gets_a_page_and_stores_only_answers_on_the_scale(issue_survey, instrument):
    """Hypothesis sends any mix of the page's fields; the guard and revision are kept valid
    in half the posts so that the form itself is reached."""
    survey = issue_survey(name="Property")
    token = survey.tokens["Ann"]
    browser = Client()
    assert browser.get(f"/s/{token}").status_code == 302
    statuses = set()

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(post=_page_posts(instrument), keep_hidden_fields=st.booleans())
    def check(post, keep_hidden_fields):
        if keep_hidden_fields:
            post = post | {"survey": form_guard(token), "revision": _current_revision()}
        response = browser.post(PAGE, post)
        assert response.status_code in (200, 302, 400, 409), response.status_code
        statuses.add(response.status_code)
        stored = Response.objects.first()
        if stored is not None:
            assert set(stored.answers.values()) <= {0, 1, 2, 3, 4, 5}
            assert set(stored.answers) <= set(instrument.pages[0].item_ids)

    def _current_revision() -> str:
        from trustmirror.surveys.answering import page_revision

        stored = Response.objects.first()
        return str(page_revision(instrument, stored, 1)) if stored else "0"

    check()
    assert {200, 302, 409} <= statuses, statuses  # the form, a save and the guard were reached
