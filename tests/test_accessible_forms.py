"""Hints and errors are tied to their fields (accessibility audit, items 3 and 5).

A screen reader reads what ``aria-describedby`` points at when a field gets focus; the audit
found ids that pointed nowhere, an import help text never shown, and a login error that was
neither announced nor tied to the fields (and the user name was cleared).
Personas from tests/conftest.py: Carla is the consultant who imports people and makes scans.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation


class Page(HTMLParser):
    """Every element's attributes, by id and in order."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    @property
    def ids(self) -> list[str]:
        return [attrs["id"] for _tag, attrs in self.elements if "id" in attrs]

    def by_id(self, element_id: str) -> dict[str, str]:
        return next(attrs for _tag, attrs in self.elements if attrs.get("id") == element_id)

    def described_by(self, element_id: str) -> list[str]:
        return self.by_id(element_id).get("aria-describedby", "").split()


def _check_references(page: Page) -> None:
    """Every id that aria-describedby names exists, once; and no id is used twice."""
    assert len(page.ids) == len(set(page.ids)), sorted(page.ids)
    for _tag, attrs in page.elements:
        for target in attrs.get("aria-describedby", "").split():
            assert target in page.ids, f"aria-describedby points at missing #{target}"


@pytest.fixture(autouse=True)
def _restore_language():
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate()


# --- Login --------------------------------------------------------------------------------


def test_login_page_without_error_marks_nothing(client, db):
    page = Page(client.get(reverse("login")).content.decode())
    assert "aria-invalid" not in page.by_id("id_username")
    assert "autofocus" in page.by_id("id_username")
    assert "login-error" not in page.ids


@pytest.mark.parametrize(("language", "message"), [("en", "did not match"), ("nl", "Probeer")])
def test_a_failed_login_is_announced_and_tied_to_the_fields(client, db, language, message):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("login"), {"username": 'carla"><b>', "password": "wrong"})
    html = response.content.decode()
    page = Page(html)
    error = page.by_id("login-error")
    assert error["role"] == "alert"
    assert message in html
    for field in ("id_username", "id_password"):
        assert page.by_id(field)["aria-invalid"] == "true"
        assert page.described_by(field) == ["login-error"]
    # The user name is kept (escaped), and the password, which is to retype, has the focus.
    assert page.by_id("id_username")["value"] == 'carla"><b>'
    assert "<b>" not in html.split('id="id_username"')[1].split(">")[0]
    assert "autofocus" in page.by_id("id_password")
    assert "autofocus" not in page.by_id("id_username")
    _check_references(page)


# --- People import ------------------------------------------------------------------------


def _import(client, content: bytes | None = None, language: str = "en") -> Page:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("orgs:people_import", kwargs={"org": "acme"})
    if content is None:
        return Page(client.get(url).content.decode())
    upload = SimpleUploadedFile("people.csv", content)
    return Page(client.post(url, {"file": upload}).content.decode())


def test_import_help_text_is_shown_and_tied_to_the_field(client, acme):
    client.force_login(acme.carla)
    page = _import(client)
    assert page.described_by("id_file") == ["id_file_helptext"]
    assert page.by_id("id_file_helptext")["class"] == "hint"
    _check_references(page)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_import_problems_are_tied_to_the_field(client, acme, language):
    client.force_login(acme.carla)
    page = _import(client, b"name,email,language,unit,lead\nAnn,ann@x.test,fr,A,no\n", language)
    assert page.by_id("import-errors")["role"] == "alert"
    assert page.by_id("id_file")["aria-invalid"] == "true"
    assert page.described_by("id_file") == ["import-errors", "id_file_helptext"]
    _check_references(page)


def test_an_invalid_upload_error_is_tied_to_the_field(client, acme):
    client.force_login(acme.carla)
    page = _import(client, b"")  # Django's own "The submitted file is empty."
    assert page.by_id("id_file")["aria-invalid"] == "true"
    assert page.described_by("id_file") == ["id_file_helptext", "id_file_error"]
    _check_references(page)


# --- Scan forms (surveys/_scan_field.html) ------------------------------------------------


def test_scan_form_hints_and_errors_are_tied_to_their_fields(client, acme):
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {"name": "", "opens_on": "2026-13-45", "closes_on": "later", "min_group_size": "2"},
    )
    page = Page(response.content.decode())
    described = {
        attrs["id"]: attrs.get("aria-describedby", "").split()
        for _tag, attrs in page.elements
        if attrs.get("id", "").startswith("id_") and attrs.get("aria-invalid") == "true"
    }
    assert {"id_name", "id_opens_on", "id_closes_on", "id_min_group_size"} <= set(described)
    for field, targets in described.items():
        assert f"{field}_error" in targets, (field, targets)
    assert "id_min_group_size_helptext" in described["id_min_group_size"]
    _check_references(page)
