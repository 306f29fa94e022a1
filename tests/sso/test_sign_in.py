"""Single sign-on, end to end against a real OpenID Connect provider on 127.0.0.1.

The provider (tests/sso/provider.py, IdentityPython's pyop) runs in a thread of the test. Each
sign-in goes the whole way: Trustmirror redirects to the provider with state, nonce and PKCE
challenge; the person signs in there with a user name and password; the provider redirects
back with a code; Trustmirror exchanges it over HTTP, checks the signed ID token and reads
the userinfo, then matches the e-mail address to a Person.

Accounts at the provider (Acme's people come from tests/conftest.py):
- dana: Dana, who leads Team North and already has a Trustmirror login; the provider writes
  her address in capitals, which must not matter.
- ann: Ann of Team North, in the people list but without a login yet.
- stranger: an address no organisation has.
- mallory: claims Dana's address, which the provider has not confirmed.
- kim: Kim of Team East at a provider that sends no email_verified (like Entra ID).
"""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tests.conftest import PASSWORD
from tests.sso.provider import CLIENT_SECRET, LocalProvider
from trustmirror.audit.models import AuditEvent
from trustmirror.orgs.models import Person, Role
from trustmirror.sso.config import oidc_settings

CALLBACK = "http://testserver/accounts/sso/callback/"
ACCOUNTS = {
    "dana": {"password": "dana-at-idp", "email": "DANA@Acme.test", "email_verified": True},
    "ann": {"password": "ann-at-idp", "email": "ann@acme.test", "email_verified": True},
    "stranger": {"password": "s-at-idp", "email": "stranger@acme.test", "email_verified": True},
    "mallory": {"password": "m-at-idp", "email": "dana@acme.test", "email_verified": False},
    "kim": {"password": "kim-at-idp", "email": "kim@acme.test"},
}


@pytest.fixture
def idp(acme, settings, tmp_path, monkeypatch):
    provider = LocalProvider(redirect_uri=CALLBACK, accounts=ACCOUNTS, directory=tmp_path)
    provider.start()
    # Trustmirror's requests to the provider, and the test's own, trust its certificate.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(provider.certificate))
    secret = tmp_path / "client-secret"
    secret.write_text(CLIENT_SECRET)
    # Exactly what settings.py does with an operator's environment.
    for name, value in oidc_settings(provider.environment(str(secret))).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        f"{ModelBackend.__module__}.{ModelBackend.__name__}",
        "trustmirror.sso.backends.PersonBackend",
    ]
    yield provider
    provider.stop()


def to_provider(client, provider, *, next_url: str = ""):
    """Press "Sign in with ...": the redirect to the provider's authorisation page."""
    start = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")
    return start["Location"]


def at_provider(location: str, username: str) -> str:
    """Sign in at the provider; returns where it sends the browser back to (path and query)."""
    answer = requests.post(  # the browser at the provider's sign-in page
        location,
        data={"username": username, "password": ACCOUNTS[username]["password"]},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK + "?")
    return back.removeprefix("http://testserver")


def sign_in(client, provider, username: str):
    return client.get(at_provider(to_provider(client, provider), username))


def signed_in_as(client):
    return client.get("/").wsgi_request.user


def test_known_person_is_signed_in_and_lands_on_their_organisation(client, idp, acme):
    """Dana's address (in any case) opens her own account, which leads her to Acme."""
    users_before = get_user_model().objects.count()

    response = sign_in(client, idp, "dana")

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/o/acme/"
    assert client.get("/o/acme/").status_code == 200
    assert signed_in_as(client) == acme.dana
    assert get_user_model().objects.count() == users_before
    event = AuditEvent.objects.get(action=AuditEvent.SSO_SIGN_IN)
    assert (event.user, event.organisation, event.target) == (
        acme.dana,
        acme.org,
        f"person {acme.people['Dana'].pk}",
    )


def test_person_without_a_login_gets_one_linked_but_no_role(client, idp, acme):
    """Ann's first sign-in makes her an account without password or role; the second finds it."""
    response = sign_in(client, idp, "ann")

    assert response.status_code == 302
    ann = Person.objects.get(pk=acme.people["Ann"].pk)
    assert ann.user is not None
    assert ann.user.username == "ann@acme.test"
    assert not ann.user.has_usable_password()
    assert not Role.objects.filter(user=ann.user).exists()
    assert signed_in_as(client) == ann.user
    assert b"You have no role in any organisation yet" in client.get("/").content
    assert client.get("/o/acme/").status_code == 404

    client.logout()
    sign_in(client, idp, "ann")
    assert get_user_model().objects.filter(email__iexact="ann@acme.test").count() == 1
    assert signed_in_as(client) == ann.user


def test_unknown_address_is_refused_and_no_account_is_made(client, idp, acme):
    users_before = get_user_model().objects.count()

    response = sign_in(client, idp, "stranger")

    assert response.status_code == 403
    page = response.content.decode()
    assert "No access with this account" in page
    assert "stranger@acme.test is not in the people list" in page
    assert get_user_model().objects.count() == users_before
    assert not signed_in_as(client).is_authenticated
    assert not AuditEvent.objects.filter(action=AuditEvent.SSO_SIGN_IN).exists()


def test_unconfirmed_address_is_refused(client, idp, acme):
    """Mallory's provider account claims Dana's address without confirming it: not Dana."""
    response = sign_in(client, idp, "mallory")

    assert response.status_code == 403
    assert "Your e-mail address is not confirmed" in response.content.decode()
    assert "Test ID did not confirm" in response.content.decode()
    assert not signed_in_as(client).is_authenticated


@pytest.mark.parametrize("trusted", [True, False])
def test_trusted_domain_stands_in_for_email_verified(client, idp, acme, settings, trusted):
    """A provider without email_verified (Entra ID) is believed only for trusted domains."""
    settings.TRUSTMIRROR_OIDC_TRUSTED_DOMAINS = ["acme.test"] if trusted else ["example.org"]

    response = sign_in(client, idp, "kim")

    assert response.status_code == (302 if trusted else 403)
    kim = Person.objects.get(pk=acme.people["Kim"].pk)
    assert (kim.user is not None) is trusted
    assert signed_in_as(client).is_authenticated is trusted


def test_tampered_state_is_refused_without_a_server_error(client, idp, acme):
    back = at_provider(to_provider(client, idp), "dana")
    tampered = back.replace("state=", "state=x")

    response = client.get(tampered)

    assert response.status_code == 400
    assert "Signing in did not finish" in response.content.decode()
    assert not signed_in_as(client).is_authenticated


def test_tampered_nonce_is_refused(client, idp, acme):
    """The ID token's nonce must be the one this browser's session sent."""
    back = at_provider(to_provider(client, idp), "dana")
    session = client.session
    for state in session["oidc_states"].values():
        state["nonce"] = "another-nonce"
    session.save()

    response = client.get(back)

    assert response.status_code == 400
    assert not signed_in_as(client).is_authenticated


def test_callback_from_another_browser_is_refused(client, idp, acme):
    """A code and state caught from someone else's browser do not work in this session."""
    from django.test import Client

    back = at_provider(to_provider(Client(), idp), "dana")

    response = client.get(back)

    assert response.status_code == 400
    assert not signed_in_as(client).is_authenticated


def test_a_code_works_once(client, idp, acme):
    back = at_provider(to_provider(client, idp), "dana")
    assert client.get(back).status_code == 302
    client.logout()

    assert client.get(back).status_code == 400
    assert not signed_in_as(client).is_authenticated


def test_provider_refusal_and_bare_callback_answer_clearly(client, idp, acme):
    """The person said no at the provider, or someone opened the callback by hand."""
    to_provider(client, idp)

    refused = client.get("/accounts/sso/callback/?error=access_denied&state=x")
    bare = client.get("/accounts/sso/callback/")

    assert refused.status_code == bare.status_code == 400
    assert "Signing in did not finish" in refused.content.decode()
    assert not signed_in_as(client).is_authenticated


def test_token_from_another_issuer_is_refused(client, idp, acme, settings):
    settings.TRUSTMIRROR_OIDC_ISSUER = "https://login.example.org"

    response = sign_in(client, idp, "dana")

    assert response.status_code == 400
    assert not signed_in_as(client).is_authenticated


def test_switched_off_account_is_refused(client, idp, acme):
    acme.dana.is_active = False
    acme.dana.save()

    response = sign_in(client, idp, "dana")

    assert response.status_code == 403
    assert "Your account is switched off" in response.content.decode()


def test_address_linked_to_two_accounts_is_refused(client, idp, acme):
    """Dana's address in Globex too, linked to Olga's account: which account is hers?"""
    Person.objects.create(
        organisation=acme.globex,
        name="Dana",
        email="dana@acme.test",
        language="en",
        unit=acme.globex.units.create(name="Board", path="Board"),
        user=acme.olga,
    )

    response = sign_in(client, idp, "dana")

    assert response.status_code == 403
    assert "belongs to more than one account" in response.content.decode()
    assert not signed_in_as(client).is_authenticated


def test_person_in_two_organisations_gets_one_account(client, idp, acme):
    """Ann is in Acme and in Globex: one account, linked to her first record; roles decide."""
    globex_ann = Person.objects.create(
        organisation=acme.globex,
        name="Ann",
        email="Ann@acme.test",
        language="en",
        unit=acme.globex.units.create(name="Board", path="Board"),
    )

    sign_in(client, idp, "ann")
    client.logout()
    sign_in(client, idp, "ann")

    ann = Person.objects.get(pk=acme.people["Ann"].pk)
    globex_ann.refresh_from_db()
    assert ann.user is not None and globex_ann.user is None
    assert get_user_model().objects.filter(username="ann@acme.test").count() == 1
    assert signed_in_as(client) == ann.user


def test_next_page_is_kept_and_foreign_next_is_not(client, idp, acme):
    back = at_provider(to_provider(client, idp, next_url="/o/acme/agreements/"), "dana")
    assert client.get(back)["Location"] == "/o/acme/agreements/"
    client.logout()

    back = at_provider(to_provider(client, idp, next_url="https://evil.example/"), "dana")
    assert client.get(back)["Location"] == "/"


def test_login_page_offers_the_provider_and_passwords_still_work(client, idp, acme):
    page = client.get("/accounts/login/?next=/o/acme/").content.decode()
    assert "Sign in with Test ID" in page
    assert 'href="/accounts/sso/start/?next=/o/acme/"' in page
    assert 'name="password"' in page

    response = client.post("/accounts/login/", {"username": "dana", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_as(client) == acme.dana


def test_without_configuration_there_is_no_button_and_no_urls(client, acme):
    page = client.get("/accounts/login/").content.decode()
    assert "sso-start" not in page
    assert "/accounts/sso/" not in page
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404
    assert client.post("/accounts/login/", {"username": "dana", "password": PASSWORD})[
        "Location"
    ].endswith("/")
