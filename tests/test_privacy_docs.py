"""docs/privacy.md tells respondents what the code does; these tests hold it to that.

Each fact is read from the document (both the English and the Dutch section) and compared
with the code that implements it, so a change on either side without the other fails here.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import models

from trustmirror import privacy
from trustmirror.surveys import session, tokens
from trustmirror.surveys.models import MIN_GROUP_SIZE_FLOOR, Invitation, Response

DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"
LANGUAGES = ("English", "Nederlands")

# The fact patterns per language: each must occur at least once, and every occurrence must
# give the same number.
DEFAULT_K = {"English": r"\b(\d+) by default", "Nederlands": r"\bstandaard (\d+)"}
FLOOR_K = {
    "English": r"\bnever (?:below|fewer than) (\d+)",
    "Nederlands": r"\bnooit (?:lager dan|minder dan) (\d+)",
}
TOKEN_BITS = {"English": r"\b(\d+) random bits", "Nederlands": r"\b(\d+) willekeurige bits"}
REMINDERS_TO_EVERYONE = {"English": "go to everyone", "Nederlands": "naar iedereen"}
# How long the survey cookie lasts without use (trustmirror.surveys.session).
COOKIE_IDLE_HOURS = {
    "English": r"\bafter (\d+) hours\s+without\s+use",
    "Nederlands": r"\bna (\d+) uur\s+zonder\s+gebruik",
}
# What the document said while invitations still had a status; none of it is true now.
NO_LONGER_TRUE = {
    "English": [
        "who has submitted",
        "reminders go only",
        "reminders sent",
        "status",
    ],
    "Nederlands": [
        "wie heeft ingeleverd",
        "herinneringen alleen",
        "herinneringen verstuurd",
    ],
}
# A response field holding any of these would link answers to people or moments.
LINKING_WORDS = ("person", "email", "user", "invitation", "time", "date", "created", "token")


@pytest.fixture(scope="module")
def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    found = {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}
    assert list(found) == list(LANGUAGES), f"{DOC.name} needs exactly these sections, in order"
    return found


def _numbers(pattern: str, text: str) -> set[int]:
    found = {int(n) for n in re.findall(pattern, text)}
    assert found, f"no match for {pattern!r}"
    return found


def test_both_languages_have_the_same_subsections(sections):
    counts = {lang: len(re.findall(r"^### ", sections[lang], re.MULTILINE)) for lang in LANGUAGES}
    assert counts["English"] == counts["Nederlands"] >= 8


@pytest.mark.parametrize("lang", LANGUAGES)
def test_default_k_matches_the_code(sections, lang):
    default = privacy.DEFAULT_MIN_GROUP_SIZE
    if "TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE" not in os.environ:
        assert settings.TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE == default
    assert _numbers(DEFAULT_K[lang], sections[lang]) == {default}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_k_floor_matches_the_code(sections, lang):
    assert MIN_GROUP_SIZE_FLOOR == privacy.MIN_GROUP_SIZE_FLOOR
    assert _numbers(FLOOR_K[lang], sections[lang]) == {MIN_GROUP_SIZE_FLOOR}
    with pytest.raises(ValueError):
        privacy.Policy(MIN_GROUP_SIZE_FLOOR - 1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_token_bits_match_the_tokens_the_code_makes(sections, lang):
    bits = 8 * tokens.TOKEN_BYTES
    assert _numbers(TOKEN_BITS[lang], sections[lang]) == {bits}
    token = tokens.new_token()
    assert len(base64.urlsafe_b64decode(token + "==")) * 8 == bits


@pytest.mark.parametrize("lang", LANGUAGES)
def test_survey_cookie_lifetime_matches_the_code(sections, lang):
    assert session.IDLE_SECONDS % 3600 == 0
    assert _numbers(COOKIE_IDLE_HOURS[lang], sections[lang]) == {session.IDLE_SECONDS // 3600}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stored_response_fields_are_exactly_the_documented_ones(sections, lang):
    documented = re.findall(r"^\| `(\w+)` \|", sections[lang], flags=re.MULTILINE)
    fields = [field.name for field in Response._meta.concrete_fields]
    assert sorted(documented) == sorted(fields)
    for name in fields:
        assert not any(word in name for word in LINKING_WORDS), name
    for field in Response._meta.get_fields():
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField)
    assert isinstance(Response._meta.pk, models.UUIDField)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invitation_records_nothing_about_answering(sections, lang):
    assert {field.name for field in Invitation._meta.concrete_fields} == {
        "id",
        "scan",
        "person",
        "token_hash",
    }
    text = " ".join(sections[lang].split()).lower()
    assert REMINDERS_TO_EVERYONE[lang] in text
    for phrase in NO_LONGER_TRUE[lang]:
        assert phrase not in text, f"{lang} section still says {phrase!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_documented_reason_codes_are_the_policys(sections, lang):
    paragraph = re.search(r"`below_k`.*?\n\n", sections[lang], flags=re.DOTALL)
    assert paragraph is not None
    codes = set(re.findall(r"`(\w+)`", paragraph.group(0)))
    assert codes == set(privacy.REASON_CODES) - {privacy.REASON_SHOWN}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_documented_commands_exist(sections, lang):
    commands = set(re.findall(r"`trustmirror manage (\w+)", sections[lang]))
    assert commands == {"person_export", "person_erase"}
    assert commands <= set(get_commands())


def test_in_app_privacy_page_gives_the_same_numbers(client):
    """The page respondents open from the survey says what the document says."""
    response = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert _numbers(r"\b(\d+) unless the scan sets more", text) == {privacy.DEFAULT_MIN_GROUP_SIZE}
    assert _numbers(FLOOR_K["English"], text) == {MIN_GROUP_SIZE_FLOOR}
    assert _numbers(r"\b(\d+) bits", text) == {8 * tokens.TOKEN_BYTES}
    assert "nobody can see who has answered" in text
    assert "answered the question in the same language" in text
    # The survey cookie that replaces the link, and how long it lasts without use.
    assert "your browser gets a cookie in its place" in text
    assert _numbers(r"after (\d+) hours without use", text) == {session.IDLE_SECONDS // 3600}
