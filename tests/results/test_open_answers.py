"""The open answers: published at close per shown group, masked, shuffled, per language; shown
on the team and organisation pages; hidden by a consultant for everyone.

Personas (tests/conftest.py): Carla is organisation admin (the consultant); Alex an analyst;
Dana leads Team North; Eli is a member of Team South. k = 5. Acme's tree: Operations /
Logistics / Team North (6 people) and Team South (5); Sales / Team East (3).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

import pytest
from django.urls import reverse

from tests.conftest import publish_now

pytestmark = pytest.mark.django_db

QUESTION = "open_works"


def make_scan(acme, answers, **options):
    """A closed scan; ``answers`` maps a unit to (language, text or "") per respondent."""
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Autumn 2026",
        opens_on=options.pop("opens_on", dt.date(2026, 10, 1)),
        closes_on=options.pop("closes_on", dt.date(2026, 10, 31)),
        min_group_size=5,
        **options,
    )
    for unit, respondents in answers.items():
        for language, text in respondents:
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers={},
                language=language,
                open_answers={QUESTION: text} if text else {},
                submitted=True,
            )
    return scan


def published(publication, key):
    return publication.payload["open_answers"]["groups"].get(key, {}).get(QUESTION)


def north_key(acme):
    return f"u:{acme.north.pk}"


def numbered(unit_name, n, language="en", start=0):
    return [(language, f"{unit_name} answer {i:02d}") for i in range(start, start + n)]


@pytest.fixture
def story(acme):
    """North: six English answers that name people, a team, an address and a phone number;
    South and East: five and three English answers. North and the organisation are shown."""
    north = [
        ("en", "Ann helps everyone"),
        ("en", "Mail fay@acme.test or call 06-12345678"),
        ("en", "Team North works well with Logistics"),
        ("en", "Bob and Cas share their doubts"),
        ("en", "In 2024 we scored 4 of 5"),
        ("en", "Good coffee"),
    ]
    scan = make_scan(
        acme,
        {acme.north: north, acme.south: numbered("South", 5), acme.east: numbered("East", 3)},
    )
    return scan, publish_now(scan)


# -- publishing -----------------------------------------------------------------------------


def test_a_shown_group_publishes_its_answers_masked(acme, story):
    _scan, publication = story
    texts = published(publication, north_key(acme))
    assert len(texts) == 6
    joined = "\n".join(texts)
    for word in ("Ann", "Bob", "Cas", "fay@acme.test", "06-12345678", "Team North", "Logistics"):
        assert word not in joined
    assert "In 2024 we scored 4 of 5" in texts
    assert "Good coffee" in texts
    # The organisation shows everyone's: 6 + 5 + 3.
    assert len(published(publication, "org")) == 14


def test_hidden_groups_and_rollups_publish_no_answers(acme, story):
    _scan, publication = story
    groups = publication.payload["open_answers"]["groups"]
    shown = set(
        publication.groups.filter(shown=True, unit__isnull=False).values_list("key", flat=True)
    )
    assert set(groups) == shown | {"org"}
    assert f"u:{acme.south.pk}" not in groups and f"u:{acme.east.pk}" not in groups


def test_a_shown_group_below_k_for_the_question_publishes_no_answers(acme):
    answers = numbered("North", 4) + [("en", "")] * 2  # six responded, four wrote
    scan = make_scan(acme, {acme.north: answers, acme.south: numbered("South", 5)})
    publication = publish_now(scan)
    assert publication.groups.get(key=north_key(acme)).shown
    assert published(publication, north_key(acme)) == []
    assert len(published(publication, "org")) == 9


def test_an_answer_in_a_language_fewer_than_k_wrote_in_is_held_back(acme):
    answers = numbered("North", 5) + [("nl", "Alleen ik schrijf Nederlands")]
    scan = make_scan(acme, {acme.north: answers, acme.south: numbered("South", 5), acme.east: []})
    publication = publish_now(scan)
    assert len(published(publication, north_key(acme))) == 5
    for key in (north_key(acme), "org"):
        assert "Alleen ik schrijf Nederlands" not in published(publication, key)


def test_a_team_gives_way_when_the_organisation_minus_the_team_would_be_few(acme):
    # North and East (5 respondents, 2 wrote) are shown; the organisation's eight English
    # answers minus North's six would be East's two.
    east = numbered("East", 2) + [("en", "")] * 3
    scan = make_scan(acme, {acme.north: numbered("North", 6), acme.east: east})
    publication = publish_now(scan)
    assert publication.groups.get(key=north_key(acme)).shown
    assert publication.groups.get(key=f"u:{acme.east.pk}").shown
    assert published(publication, north_key(acme)) == []
    assert len(published(publication, "org")) == 8


def test_answers_come_in_random_order_not_the_order_of_answering(acme, monkeypatch):
    from trustmirror.results import publishing

    monkeypatch.setattr(publishing, "comment_shuffler", lambda: random.Random(20261031))
    scan = make_scan(acme, {acme.north: numbered("North", 6), acme.south: numbered("South", 6)})
    publication = publish_now(scan)
    in_answer_order = [text for _language, text in numbered("North", 6) + numbered("South", 6)]
    shown = published(publication, "org")
    assert sorted(shown) == sorted(in_answer_order)
    assert shown != in_answer_order
    north = published(publication, north_key(acme))
    assert sorted(north) == in_answer_order[:6] and north != in_answer_order[:6]


def test_a_version_before_close_publishes_no_answers(acme, issue_survey, frozen_today):
    from trustmirror.results.models import Publication

    today = dt.date.today()
    scan = make_scan(
        acme,
        {acme.north: numbered("North", 6), acme.south: numbered("South", 5)},
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        interim_results=True,
        max_cut_dimensions=0,
    )
    publication = publish_now(scan)
    assert publication.track == Publication.RESULTS and not publication.final
    assert "open_answers" not in publication.payload


# -- pages ----------------------------------------------------------------------------------


def unit_url(scan, unit):
    return reverse(
        "results:unit_profile", kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": unit.pk}
    )


def overview_url(scan):
    return reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})


def moderate_url(scan):
    return reverse("results:comment_moderate", kwargs={"org": "acme", "scan_id": scan.pk})


def test_the_team_page_shows_the_answers_without_a_name(client, acme, story):
    scan, _publication = story
    client.force_login(acme.dana)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert "What people wrote" in page
    assert "What works well here when it comes to trust" in page
    assert "6 answers" in page
    assert "Good coffee" in page
    assert '<blockquote><span class="masked">[name]</span> helps everyone</blockquote>' in page
    assert "[e-mail address]" in page and "[phone number]" in page and "[team]" in page
    for name in ("Ann helps", "Bob and", "Cas share", "fay@", "06-12345678"):
        assert name not in page
    assert "Mark as inappropriate" not in page  # Dana leads; she does not moderate


def test_the_page_is_in_the_readers_language(client, acme, story):
    scan, _publication = story
    client.force_login(acme.dana)
    client.cookies["django_language"] = "nl"
    page = client.get(unit_url(scan, acme.north), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Wat mensen schreven" in page
    assert "[naam]</span> helps everyone" in page
    assert "Wat werkt hier goed als het om vertrouwen gaat" in page


def test_a_team_without_answers_to_show_says_why(client, acme):
    answers = numbered("North", 4) + [("en", "")] * 2
    scan = make_scan(acme, {acme.north: answers, acme.south: numbered("South", 5)})
    publish_now(scan)
    client.force_login(acme.dana)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert "No answers to this question are shown for this group" in page
    assert "North answer" not in page


def test_the_organisation_page_shows_everyones_answers(client, acme, story):
    scan, _publication = story
    client.force_login(acme.carla)
    page = client.get(overview_url(scan)).content.decode()
    assert "14 answers" in page and "South answer 03" in page


# -- moderation -----------------------------------------------------------------------------


def hide(client, scan, text_id, **extra):
    return client.post(
        moderate_url(scan),
        {"action": "hide", "question": QUESTION, "comment": text_id, "group": "org", **extra},
    )


def comment_of(scan, text):
    from trustmirror.results.comments import comment_id

    return comment_id(scan_id=scan.pk, question_id=QUESTION, text=text)


def test_a_consultant_hides_an_answer_for_everyone_and_it_is_logged(client, acme, story):
    from trustmirror.audit.models import AuditEvent
    from trustmirror.results.models import HiddenComment

    scan, _publication = story
    client.force_login(acme.carla)
    response = hide(client, scan, comment_of(scan, "Good coffee"), reason="off topic: coffee")
    assert response.status_code == 302
    assert HiddenComment.objects.filter(scan=scan).count() == 1
    event = AuditEvent.objects.get(action=AuditEvent.HIDE_COMMENT)
    assert event.user == acme.carla and "coffee" not in event.target.lower()
    # Gone for the lead, on the team page, and for the consultant's readers on every page.
    client.force_login(acme.dana)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert "Good coffee" not in page and "5 answers" in page and "Hidden as" not in page
    client.force_login(acme.alex)
    assert "Good coffee" not in client.get(overview_url(scan)).content.decode()
    # The consultant sees that it is hidden, with the reason, and can show it again.
    client.force_login(acme.carla)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert "Hidden as inappropriate: 1" in page and "off topic: coffee" in page


def test_a_hidden_answer_stays_hidden_in_a_new_version(client, acme, story):
    scan, _publication = story
    client.force_login(acme.carla)
    hide(client, scan, comment_of(scan, "Good coffee"))
    again = publish_now(scan, again=True)
    assert "Good coffee" in published(again, north_key(acme))  # still published, masked ...
    client.force_login(acme.dana)
    page = client.get(unit_url(scan, acme.north)).content.decode()
    assert "Good coffee" not in page  # ... but not shown
    assert "5 answers" in page


def test_showing_a_hidden_answer_again_is_logged(client, acme, story):
    from trustmirror.audit.models import AuditEvent

    scan, _publication = story
    client.force_login(acme.carla)
    cid = comment_of(scan, "Good coffee")
    hide(client, scan, cid)
    client.post(
        moderate_url(scan),
        {"action": "unhide", "question": QUESTION, "comment": cid, "group": "org"},
    )
    assert AuditEvent.objects.filter(action=AuditEvent.UNHIDE_COMMENT).count() == 1
    client.force_login(acme.dana)
    assert "Good coffee" in client.get(unit_url(scan, acme.north)).content.decode()


@pytest.mark.parametrize("user", ["dana", "eli", "alex", "olga"])
def test_only_the_consultant_may_hide_an_answer(client, acme, story, user):
    from trustmirror.audit.models import AuditEvent
    from trustmirror.results.models import HiddenComment

    scan, _publication = story
    client.force_login(getattr(acme, user))
    assert hide(client, scan, comment_of(scan, "Good coffee")).status_code == 404
    assert not HiddenComment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.HIDE_COMMENT).exists()


def test_hiding_needs_a_post_with_a_published_answer(client, acme, story):
    scan, _publication = story
    client.force_login(acme.carla)
    assert client.get(moderate_url(scan)).status_code == 405
    assert hide(client, scan, comment_of(scan, "never written")).status_code == 404
    client.logout()
    assert hide(client, scan, comment_of(scan, "Good coffee")).status_code == 302  # to log in


def test_hiding_needs_the_csrf_token(acme, story):
    from django.test import Client

    scan, _publication = story
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.carla)
    assert hide(client, scan, comment_of(scan, "Good coffee")).status_code == 403


def test_the_team_report_holds_what_the_page_shows_of_the_answers(client, acme, story):
    """The PDF report carries the team's answers, masked, and leaves out a hidden one."""
    import pypdfium2 as pdfium

    from trustmirror.results import reports

    scan, _publication = story
    client.force_login(acme.carla)
    assert hide(client, scan, comment_of(scan, "Good coffee")).status_code == 302
    content = reports.team_report(scan, acme.north, lang="en", fmt="pdf").content
    text = " ".join(
        " ".join(page.get_textpage().get_text_range().split())
        for page in pdfium.PdfDocument(content)
    )
    assert "What people wrote" in text and "In 2024 we scored 4 of 5" in text
    assert "Good coffee" not in text and "Hidden as" not in text
    for word in ("Ann", "Bob", "fay@acme.test", "06-12345678"):
        assert word not in text
