"""The consultant's scan pages: creation (which shows no link to anyone), a scan's own page
with its settings and actions, and the scans on the organisation's dashboard. The delivery of
the links has its own tests (tests/delivery).

Personas from tests/conftest.py: Carla is Acme's admin; Dana leads Team North, Eli is a member
of Team South and Olga is admin of Globex: none of them may manage Acme's scans.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from django.urls import reverse

from trustmirror.audit.models import AuditEvent
from trustmirror.delivery.models import Message
from trustmirror.orgs.models import Person
from trustmirror.results.models import Publication
from trustmirror.surveys.models import Invitation, Response, Scan

LINK = re.compile(r"/s/([A-Za-z0-9_-]{22})\b")


@pytest.mark.parametrize("user", ["dana", "eli", "olga"])
def test_only_admins_create_scans(client, acme, user):
    client.force_login(getattr(acme, user))
    assert client.get(reverse("scans:create", kwargs={"org": "acme"})).status_code == 404


def test_creating_a_scan_shows_no_link_to_anyone_and_stores_none(client, acme):
    """Review H2: the consultant no longer receives the links. The invitations wait for the
    worker, which makes each link when it sends it."""
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {
            "name": "Spring",
            "opens_on": "2026-01-01",
            "closes_on": "2030-01-01",
            "min_group_size": 5,
            "delivery": "email",
        },
        follow=True,
    )
    scan = Scan.objects.get(name="Spring")
    assert response.redirect_chain == [(manage_url(scan), 302)]
    html = response.content.decode()
    assert not LINK.search(html)
    assert "The scan is created. Its 14 invitations are being sent by e-mail now." in html
    invitations = Invitation.objects.filter(scan=scan)
    assert invitations.count() == Person.objects.filter(organisation=acme.org).count() == 14
    assert set(invitations.values_list("token_hash", flat=True)) == {None}
    assert Message.objects.filter(scan=scan, kind=Message.INVITATION, state="pending").count() == 14
    assert _audit() == [
        ("carla", AuditEvent.CREATE_SCAN, f"scan {scan.pk}: 14 invitations by email")
    ]
    # The old one-time links page and its CSV endpoint are gone.
    assert client.post(f"/o/acme/scans/{scan.pk}/links/").status_code == 404


def test_scan_form_refuses_k_below_three_and_reversed_dates(client, acme):
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {"name": "Bad", "opens_on": "2026-02-01", "closes_on": "2026-01-01", "min_group_size": 2},
    )
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 3." in html
    assert "The scan cannot close before it opens." in html
    assert not Scan.objects.exists()


# --- the new scan form -------------------------------------------------------------------------


def _new_scan(**fields):
    return {"name": "Winter", "opens_on": "2027-01-11", "closes_on": "2027-01-31", **fields}


def test_the_form_offers_interim_results_off_by_default_and_explains_them(client, acme):
    client.force_login(acme.carla)
    html = client.get(reverse("scans:create", kwargs={"org": "acme"})).content.decode()
    checkbox = re.search(r'<input type="checkbox" name="interim_results"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    assert "Answers enter only in groups of at least the minimum size" in html

    client.post(reverse("scans:create", kwargs={"org": "acme"}), _new_scan(max_cut_dimensions=1))
    assert Scan.objects.get(name="Winter").interim_results is False


def test_interim_results_with_breakdowns_is_a_field_error_not_a_server_error(client, acme):
    client.force_login(acme.carla)
    url = reverse("scans:create", kwargs={"org": "acme"})
    response = client.post(url, _new_scan(interim_results="on", max_cut_dimensions=1))
    assert response.status_code == 200
    assert "Interim results rule out breakdowns by characteristic: set this to 0" in (
        response.content.decode()
    )
    assert not Scan.objects.exists()

    # Breakdowns left empty: with interim results their default is none.
    assert client.post(url, _new_scan(interim_results="on")).status_code == 302
    scan = Scan.objects.get()
    assert (scan.interim_results, scan.max_cut_dimensions) == (True, 0)


def test_new_scans_take_k_from_the_setting(client, acme, settings):
    from trustmirror.surveys.services import scan_create

    settings.TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE = 7
    client.force_login(acme.carla)
    url = reverse("scans:create", kwargs={"org": "acme"})
    html = client.get(url).content.decode()
    assert re.search(r'<input type="number" name="min_group_size" value="7"', html)

    client.post(url, _new_scan(name="Through the form"))
    assert Scan.objects.get(name="Through the form").min_group_size == 7
    scan = scan_create(
        organisation=acme.org,
        name="Through the service",
        opens_on=dt.date(2027, 1, 11),
        closes_on=dt.date(2027, 1, 31),
    )
    assert scan.min_group_size == 7


def test_dutch_date_fields_show_and_accept_iso_dates(client, acme, frozen_today, settings):
    """<input type=date> reads only ISO dates; in Dutch the form used to come up empty."""
    frozen_today(dt.date(2027, 1, 20))
    client.force_login(acme.carla)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    url = reverse("scans:create", kwargs={"org": "acme"})
    html = client.get(url).content.decode()
    assert '<html lang="nl">' in html
    assert re.search(r'<input type="date" name="opens_on" value="2027-01-20"', html)
    assert re.search(r'<input type="date" name="closes_on" value="2027-02-10"', html)

    response = client.post(url, _new_scan(name="Winterscan", min_group_size=5))
    assert response.status_code == 302
    scan = Scan.objects.get(name="Winterscan")
    assert (scan.opens_on, scan.closes_on) == (dt.date(2027, 1, 11), dt.date(2027, 1, 31))

    html = client.get(manage_url(scan)).content.decode()
    assert re.search(r'<input type="date" name="opens_on" value="2027-01-11"', html)
    assert re.search(r'<input type="date" name="extend-closes_on" value="2027-02-07"', html)


# --- a scan's own page -------------------------------------------------------------------------

JAN_5, JAN_20, FEB_3 = dt.date(2027, 1, 5), dt.date(2027, 1, 20), dt.date(2027, 2, 3)


@pytest.fixture
def winter(acme):
    """Acme's winter scan: 11 to 31 January 2027, k = 5, 14 invitations."""
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Winter",
        opens_on=dt.date(2027, 1, 11),
        closes_on=dt.date(2027, 1, 31),
        min_group_size=5,
    )
    return scan


def manage_url(scan, action=""):
    name = f"scans:{action}" if action else "scans:manage"
    return reverse(name, kwargs={"org": scan.organisation.slug, "scan_id": scan.pk})


def _forms(html):
    return set(
        re.findall(r'<form method="post" action="[^"]*" class="stack[^"]*" id="(\w+)"', html)
    )


def _answer(scan, acme, *, submitted=True):
    return Response.objects.create(
        scan=scan, unit=acme.north, resume_key=secrets.token_hex(32), submitted=submitted
    )


def _audit():
    return list(AuditEvent.objects.order_by("pk").values_list("user__username", "action", "target"))


def _publication(scan, *, version, final=False, status=Publication.PUBLISHED, at=None):
    at = at or dt.datetime(2027, 1, 18, 9, 30, tzinfo=dt.UTC)
    return Publication.objects.create(
        scan=scan,
        track=Publication.RESULTS,
        version=version if status == Publication.PUBLISHED else None,
        status=status,
        started_at=at,
        published_at=at if status == Publication.PUBLISHED else None,
        final=final,
        k=scan.min_group_size,
        instrument_id=scan.instrument_id,
        instrument_version=scan.instrument_version,
    )


@pytest.mark.parametrize(
    "today, answered, phase, forms, editable",
    [
        (JAN_5, False, "scheduled", {"extend", "delete", "settings"}, "all"),
        (JAN_20, False, "open", {"close", "extend", "delete", "settings"}, "name and k"),
        (JAN_20, True, "open", {"close", "extend", "settings"}, "name and k"),
        (FEB_3, True, "closed", {"settings"}, "name"),
    ],
)
def test_the_scan_page_offers_what_the_phase_allows(
    client, acme, winter, frozen_today, today, answered, phase, forms, editable
):
    frozen_today(today)
    if answered:
        _answer(winter, acme, submitted=False)
    client.force_login(acme.carla)
    html = client.get(manage_url(winter)).content.decode()
    assert f'data-phase="{phase}"' in html
    assert "11 January 2027 – 31 January 2027" in " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert _forms(html) == forms
    assert ("cannot be deleted: people have started answering" in html) is answered
    enabled = set(re.findall(r'<(?:input|select)[^>]* name="(\w+)"(?![^>]*disabled)', html))
    enabled -= {"csrfmiddlewaretoken", "next"}  # the form's token, the language switch
    enabled = {name for name in enabled if "-" not in name}  # the actions' own fields
    expected = {
        "all": {
            "name",
            "opens_on",
            "closes_on",
            "min_group_size",
            "max_cut_dimensions",
            "interim_results",
        },
        "name and k": {"name", "min_group_size"},
        "name": {"name"},
    }[editable]
    assert enabled == expected


def test_only_admins_see_the_scan_page_and_the_dashboard_links_to_it(client, acme, winter):
    client.force_login(acme.carla)
    dashboard = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
    assert f'href="{manage_url(winter)}"' in dashboard
    for user in (acme.alex, acme.dana, acme.eli, acme.olga):
        client.force_login(user)
        assert client.get(manage_url(winter)).status_code == 404
        for action in ("edit", "close", "extend", "delete"):
            assert (
                client.post(manage_url(winter, action), {"close-confirm": "on"}).status_code == 404
            )
        dashboard = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"}))
        assert manage_url(winter) not in dashboard.content.decode()
    winter.refresh_from_db()
    assert winter.status == Scan.OPEN and not AuditEvent.objects.exists()


def test_actions_are_posts_with_csrf(acme, winter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.carla)
    for action in ("edit", "close", "extend", "delete"):
        assert strict.get(manage_url(winter, action)).status_code == 405
        assert strict.post(manage_url(winter, action), {"delete-confirm": "on"}).status_code == 403
    assert Scan.objects.filter(pk=winter.pk).exists()


def test_close_now(client, acme, winter, frozen_today):
    frozen_today(JAN_20)
    client.force_login(acme.carla)
    # Without the confirmation nothing happens.
    response = client.post(manage_url(winter, "close"), {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    winter.refresh_from_db()
    assert winter.status == Scan.OPEN

    response = client.post(manage_url(winter, "close"), {"close-confirm": "on"}, follow=True)
    assert response.redirect_chain == [(manage_url(winter), 302)]
    html = response.content.decode()
    assert "The scan is closed and accepts no more answers. The final results are now " in html
    assert 'data-phase="closed"' in html
    winter.refresh_from_db()
    assert (winter.status, winter.closes_on) == (Scan.CLOSED, JAN_20)
    assert _audit() == [("carla", AuditEvent.CLOSE_SCAN, f"scan {winter.pk}: closes_on 2027-01-20")]

    again = client.post(manage_url(winter, "close"), {"close-confirm": "on"}, follow=True)
    assert "This scan is already closed." in again.content.decode()
    assert len(_audit()) == 1


def test_extend(client, acme, winter, frozen_today):
    frozen_today(JAN_20)
    client.force_login(acme.carla)
    response = client.post(
        manage_url(winter, "extend"), {"extend-closes_on": "2027-02-14"}, follow=True
    )
    assert "The scan now closes on 14 February 2027." in response.content.decode()
    winter.refresh_from_db()
    assert winter.closes_on == dt.date(2027, 2, 14)
    assert _audit() == [
        ("carla", AuditEvent.EXTEND_SCAN, f"scan {winter.pk}: closes_on 2027-01-31 -> 2027-02-14")
    ]

    for date, error in (
        ("2027-01-19", "The new closing date is in the past."),
        ("2027-02-01", "Choose a date after the current closing date (14 February 2027)."),
        ("not a date", "Enter a valid date."),
    ):
        response = client.post(manage_url(winter, "extend"), {"extend-closes_on": date})
        assert response.status_code == 200 and error in response.content.decode()
    winter.refresh_from_db()
    assert winter.closes_on == dt.date(2027, 2, 14) and len(_audit()) == 1


def test_extend_refuses_a_date_before_the_opening(client, acme, winter, frozen_today):
    frozen_today(JAN_5)
    client.force_login(acme.carla)
    response = client.post(manage_url(winter, "extend"), {"extend-closes_on": "2027-01-08"})
    assert "The scan cannot close before it opens (11 January 2027)." in response.content.decode()


def test_a_closed_scan_is_not_extended(client, acme, winter, frozen_today):
    frozen_today(FEB_3)
    client.force_login(acme.carla)
    response = client.post(
        manage_url(winter, "extend"), {"extend-closes_on": "2027-03-01"}, follow=True
    )
    assert "Only a scheduled or open scan can be extended." in response.content.decode()
    winter.refresh_from_db()
    assert winter.closes_on == dt.date(2027, 1, 31) and not AuditEvent.objects.exists()


def test_delete_a_scan_nobody_answered(client, acme, winter):
    client.force_login(acme.carla)
    assert client.post(manage_url(winter, "delete"), {}).status_code == 200  # not confirmed
    assert Scan.objects.filter(pk=winter.pk).exists()

    response = client.post(manage_url(winter, "delete"), {"delete-confirm": "on"}, follow=True)
    assert response.redirect_chain == [(reverse("orgs:dashboard", kwargs={"org": "acme"}), 302)]
    assert "The scan “Winter” is deleted, with its invitations." in response.content.decode()
    assert not Scan.objects.exists() and not Invitation.objects.exists()
    assert _audit() == [
        ("carla", AuditEvent.DELETE_SCAN, f"scan {winter.pk} 'Winter': 14 invitations")
    ]


def test_a_scan_with_answers_is_not_deleted(client, acme, winter):
    _answer(winter, acme)
    client.force_login(acme.carla)
    response = client.post(manage_url(winter, "delete"), {"delete-confirm": "on"}, follow=True)
    assert response.redirect_chain == [(manage_url(winter), 302)]
    html = response.content.decode()
    assert "This scan cannot be deleted: people have started answering it." in html
    assert 'id="delete"' not in html
    assert Scan.objects.filter(pk=winter.pk).exists()
    assert Invitation.objects.filter(scan=winter).count() == 14
    assert Response.objects.filter(scan=winter).count() == 1
    assert not AuditEvent.objects.exists()


def _settings_of(scan, **changes):
    fields = {
        "name": scan.name,
        "opens_on": scan.opens_on.isoformat(),
        "closes_on": scan.closes_on.isoformat(),
        "min_group_size": scan.min_group_size,
        "max_cut_dimensions": scan.max_cut_dimensions,
    }
    if scan.interim_results:
        fields["interim_results"] = "on"
    return {**fields, **changes}


def test_edit_everything_while_scheduled(client, acme, winter, frozen_today):
    frozen_today(JAN_5)
    client.force_login(acme.carla)
    response = client.post(
        manage_url(winter, "edit"),
        _settings_of(
            winter,
            name="Winter 2027",
            opens_on="2027-01-18",
            closes_on="2027-02-07",
            min_group_size=6,
            max_cut_dimensions=0,
            interim_results="on",
        ),
        follow=True,
    )
    assert "The scan&#x27;s settings are saved." in response.content.decode()
    winter.refresh_from_db()
    assert (winter.name, winter.opens_on, winter.closes_on) == (
        "Winter 2027",
        dt.date(2027, 1, 18),
        dt.date(2027, 2, 7),
    )
    assert (winter.min_group_size, winter.max_cut_dimensions, winter.interim_results) == (
        6,
        0,
        True,
    )
    ((user, action, target),) = _audit()
    assert (user, action) == ("carla", AuditEvent.EDIT_SCAN)
    assert target.startswith(f"scan {winter.pk}: name Winter -> Winter 2027, opens_on 2027-01-11")
    assert "min_group_size 5 -> 6" in target

    unchanged = client.post(manage_url(winter, "edit"), _settings_of(winter), follow=True)
    assert "Nothing changed." in unchanged.content.decode()
    assert len(_audit()) == 1


def test_interim_with_breakdowns_is_a_field_error_on_the_scan_page_too(
    client, acme, winter, frozen_today
):
    frozen_today(JAN_5)
    client.force_login(acme.carla)
    response = client.post(manage_url(winter, "edit"), _settings_of(winter, interim_results="on"))
    assert response.status_code == 200
    assert "Interim results rule out breakdowns" in response.content.decode()
    winter.refresh_from_db()
    assert winter.interim_results is False


def test_once_open_locked_settings_ignore_what_is_posted(client, acme, winter, frozen_today):
    frozen_today(JAN_20)
    client.force_login(acme.carla)
    client.post(
        manage_url(winter, "edit"),
        _settings_of(winter, name="Winter (renamed)", closes_on="2027-06-30", min_group_size=8),
    )
    winter.refresh_from_db()
    assert (winter.name, winter.closes_on, winter.min_group_size) == (
        "Winter (renamed)",
        dt.date(2027, 1, 31),
        8,
    )


def test_lowering_k_after_a_publication_is_refused_with_the_reason(
    client, acme, winter, frozen_today
):
    frozen_today(JAN_20)
    _publication(winter, version=1)
    client.force_login(acme.carla)
    response = client.post(manage_url(winter, "edit"), _settings_of(winter, min_group_size=4))
    assert response.status_code == 200
    assert (
        "The minimum group size cannot be lowered: results of this scan were already published "
        "for groups of at least 5, and numbers published under a smaller minimum could be "
        "combined with them to single out fewer people."
    ) in response.content.decode().replace("&#x27;", "'")
    winter.refresh_from_db()
    assert winter.min_group_size == 5 and not AuditEvent.objects.exists()

    client.post(manage_url(winter, "edit"), _settings_of(winter, min_group_size=6))
    winter.refresh_from_db()
    assert winter.min_group_size == 6


def test_garbage_on_the_scan_pages_is_never_a_server_error(client, acme, winter):
    client.force_login(acme.carla)
    garbage = [
        {},
        {"name": "x" * 5000, "opens_on": "2027-02-30", "closes_on": "0000-00-00"},
        {"min_group_size": "9" * 40, "max_cut_dimensions": "-1", "interim_results": "maybe"},
        {"min_group_size": "1e309", "opens_on": "2027-01-11", "closes_on": "2027-01-31"},
        {"extend-closes_on": "9999-12-31", "close-confirm": "", "delete-confirm": "0"},
        {"extend-closes_on": "2027-13-01", "name": "\x00"},
    ]
    for action in ("edit", "close", "extend"):
        for data in garbage:
            response = client.post(manage_url(winter, action), data)
            assert response.status_code in (200, 302), (action, data, response.status_code)
    assert client.get(manage_url(winter) + "?x=%00").status_code == 200
    assert client.get(manage_url(winter).replace(str(winter.pk), "0")).status_code == 404


# --- the dashboard -----------------------------------------------------------------------------


def test_the_dashboard_shows_each_scans_phase_period_and_results(client, acme, frozen_today):
    from trustmirror.surveys.services import scan_create

    frozen_today(JAN_20)

    def scan(name, opens, closes, **kwargs):
        created = scan_create(
            organisation=acme.org, name=name, opens_on=opens, closes_on=closes, **kwargs
        )
        return created

    autumn = scan("Autumn", dt.date(2026, 10, 1), dt.date(2026, 10, 21))
    _publication(autumn, version=1, final=True, at=dt.datetime(2026, 10, 22, 6, 5, tzinfo=dt.UTC))
    winter = scan("Winter", dt.date(2027, 1, 11), dt.date(2027, 1, 31))
    pulse = scan(
        "Pulse",
        dt.date(2027, 1, 4),
        dt.date(2027, 2, 28),
        interim_results=True,
        max_cut_dimensions=0,
    )
    _publication(pulse, version=2, at=dt.datetime(2027, 1, 19, 14, 0, tzinfo=dt.UTC))
    _publication(pulse, version=None, status=Publication.BUILDING)
    spring = scan(
        "Spring",
        dt.date(2027, 4, 1),
        dt.date(2027, 4, 21),
        interim_results=True,
        max_cut_dimensions=0,
    )
    ended = scan("Ended", dt.date(2027, 1, 1), dt.date(2027, 1, 15))

    client.force_login(acme.dana)  # everyone who sees the dashboard sees its scans' status
    html = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()

    def row(scan):
        return re.search(rf'<tr data-scan="{scan.pk}">(.*?)</tr>', html, re.S).group(1)

    def text(scan):
        return " ".join(re.sub(r"<[^>]+>", " ", row(scan)).split())

    assert 'data-phase="closed"' in row(autumn)
    assert "1 Oct 2026 – 21 Oct 2026" in text(autumn)
    # Times in the installation's time zone (Europe/Amsterdam).
    assert "Results published 22 October 2026, 08:05 (final)." in text(autumn)
    assert 'data-phase="open"' in row(winter)
    assert "Results appear when the scan closes on 31 January 2027." in text(winter)
    assert "Interim version 2 published 19 January 2027, 15:00." in text(pulse)
    assert "A new version is being built." in text(pulse)
    assert 'data-phase="scheduled"' in row(spring)
    assert (
        "Results appear in steps while the scan is open, and in final form when it closes on "
        "21 April 2027." in text(spring)
    )
    assert 'data-phase="closed"' in row(ended)
    assert "The scan has closed: the final results are published shortly." in text(ended)
    assert ">scheduled<" in row(spring) and ">open<" in row(winter)


# --- the questionnaire: version and form --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "full", "pulse", "older"),
    [
        (
            "en",
            "Trust Scan 2: the full questionnaire, about 14 minutes",
            "Trust Scan 2: Pulse survey, about 6 minutes",
            "Trust Scan 1: the full questionnaire, about 15 minutes",
        ),
        (
            "nl",
            "Vertrouwensscan 2: de volledige vragenlijst, ongeveer 14 minuten",
            "Vertrouwensscan 2: Pulsmeting, ongeveer 6 minuten",
            "Vertrouwensscan 1: de volledige vragenlijst, ongeveer 15 minuten",
        ),
    ],
)
def test_the_consultant_chooses_version_and_form_with_v2_full_first(
    client, acme, language, full, pulse, older
):
    client.force_login(acme.carla)
    client.cookies["django_language"] = language
    html = client.get(reverse("scans:create", kwargs={"org": "acme"})).content.decode()
    offered = re.findall(r'<input type="radio" name="questionnaire" value="([^"]+)"([^>]*)>', html)
    assert [value for value, _ in offered] == ["2:full", "2:pulse", "1:full"]
    assert "checked" in offered[0][1] and not any("checked" in rest for _, rest in offered[1:])
    assert html.index(full) < html.index(pulse) < html.index(older)


@pytest.mark.parametrize(
    ("chosen", "version", "form"),
    [(None, "2", "full"), ("2:pulse", "2", "pulse"), ("1:full", "1", "full")],
)
def test_a_scan_keeps_the_questionnaire_it_was_created_with(client, acme, chosen, version, form):
    client.force_login(acme.carla)
    fields = _new_scan(min_group_size=5, delivery="email")
    if chosen:
        fields["questionnaire"] = chosen
    response = client.post(reverse("scans:create", kwargs={"org": "acme"}), fields)
    assert response.status_code == 302
    scan = Scan.objects.get(name="Winter")
    assert (scan.instrument_id, scan.instrument_version, scan.form) == ("trustscan", version, form)


def test_an_unknown_questionnaire_is_refused_and_nothing_is_created(client, acme):
    client.force_login(acme.carla)
    fields = _new_scan(min_group_size=5, delivery="email", questionnaire="9:full")
    response = client.post(reverse("scans:create", kwargs={"org": "acme"}), fields)
    assert response.status_code == 200
    assert "Select a valid choice. 9:full is not one of the available choices." in (
        response.content.decode()
    )
    assert not Scan.objects.exists()


def test_a_scans_page_names_its_questionnaire(client, acme):
    client.force_login(acme.carla)
    client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        _new_scan(min_group_size=5, delivery="email", questionnaire="2:pulse"),
    )
    scan = Scan.objects.get(name="Winter")
    client.cookies["django_language"] = "nl"
    html = client.get(manage_url(scan)).content.decode()
    assert (
        '<dd id="scan-questionnaire">Vertrouwensscan 2: Pulsmeting, ongeveer 6 minuten</dd>' in html
    )
