"""Error pages speak the app's language and layout (accessibility audit, items 6 and minor).

Django's own CSRF page was English markup with an inline style (blocked by the CSP), no main
landmark and no way back, even on a Dutch page; error titles were bare numbers ("404").
Personas from tests/conftest.py: Carla (consultant) is signed in when noted.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from trustmirror import views


@pytest.fixture(autouse=True)
def _restore_language():
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate()


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _is_app_page(html: str, lang: str) -> None:
    assert f'<html lang="{lang}">' in html
    assert '<main class="content">' in html and '<header class="topbar">' in html
    assert "<style" not in html  # the CSP allows no inline style
    assert 'href="/"' in html  # a way back


def test_not_found_is_titled_in_words(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert _title(html) == "Not found · Trustmirror"
    assert "<h1>Not found</h1>" in html
    _is_app_page(html, "en")


def test_signed_in_not_found_page_offers_sign_out(client, acme):
    client.force_login(acme.carla)
    html = client.get("/no-such-page/").content.decode()
    assert "carla" in html and "Sign out" in html


def test_bad_request_is_titled_in_words(client, db):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert _title(response.content.decode()) == "Bad request · Trustmirror"


def test_forbidden_page(rf, acme):
    request = rf.get("/")
    request.user = acme.carla
    response = views.forbidden(request)
    html = response.content.decode()
    assert response.status_code == 403
    assert _title(html) == "No access · Trustmirror"
    _is_app_page(html, "en")


def test_server_error_page_asks_nothing_of_the_session(rf):
    class Unreadable:
        @property
        def is_authenticated(self):
            raise AssertionError("the 500 page must not load the user")

    request = rf.get("/")
    request.user = Unreadable()
    response = views.server_error(request)
    assert response.status_code == 500
    assert _title(response.content.decode()) == "Something went wrong · Trustmirror"


def test_csrf_failure_is_the_apps_own_page(db):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "carla", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert _title(html) == "No access · Trustmirror"
    assert "<h1>No access</h1>" in html
    assert "reload the page and try again" in html
    assert "CSRF verification failed" not in html
    _is_app_page(html, "en")
    assert "Content-Security-Policy" in response


def test_csrf_failure_page_in_dutch(db):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = strict.post(reverse("login"), {"username": "carla", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    _is_app_page(html, "nl")
    assert _title(html) == "Geen toegang · Trustmirror"
    assert "Terug naar het begin" in html
    assert "Verboden" not in html  # Django's own Dutch CSRF page


def test_csrf_failure_page_for_staff_keeps_the_account_menu(acme):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.carla)
    response = strict.post(reverse("scans:create", kwargs={"org": "acme"}), {"name": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Sign out" in html
    # The page's own forms (sign out, language) carry a fresh token, so they work.
    assert 'name="csrfmiddlewaretoken"' in html


def test_not_found_in_dutch(client, acme):
    client.force_login(acme.carla)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get("/no-such-page/").content.decode()
    _is_app_page(html, "nl")
    assert _title(html) == "Niet gevonden · Trustmirror"
    assert "Uitloggen" in html


def test_a_page_out_of_reach_says_the_reader_is_still_signed_in(client, acme):
    """A lead who follows a link to the organisation's results gets 404, and the page does not
    look like a sign-out: it names the account and leads back to the overview."""
    client.force_login(acme.dana)
    response = client.get("/o/acme/scans/999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "You are still signed in as dana" in html
    assert 'href="/">To your overview</a>' in html and "Back to the start" not in html
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get("/o/acme/scans/999/").content.decode()
    assert "Je bent nog steeds ingelogd als dana" in html and "Naar je overzicht" in html
