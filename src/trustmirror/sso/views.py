"""Single sign-on's pages: the login page's button, the way out to the provider and back."""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from trustmirror.sso.services import (
    AMBIGUOUS,
    FAILED,
    INACTIVE,
    UNKNOWN,
    UNVERIFIED,
    SignInRefused,
)

logger = logging.getLogger(__name__)

# (status, title, text) for each reason a sign-in is refused; %(email)s is the address the
# provider gave, %(provider)s the provider's name.
REFUSALS = {
    UNKNOWN: (
        403,
        _("No access with this account"),
        _(
            "%(email)s is not in the people list of any organisation in Trustmirror, so you "
            "cannot sign in with it. No account was made. If this is your work address, ask "
            "your organisation's Trustmirror admin to check the people list."
        ),
    ),
    UNVERIFIED: (
        403,
        _("Your e-mail address is not confirmed"),
        _(
            "%(provider)s did not confirm that the e-mail address of this account is yours, so "
            "Trustmirror cannot match it to a person. Sign in with your work account, or ask "
            "your organisation's Trustmirror admin."
        ),
    ),
    AMBIGUOUS: (
        403,
        _("This e-mail address belongs to more than one account"),
        _(
            "%(email)s is linked to more than one Trustmirror account, so single sign-on cannot "
            "tell which one is yours. Ask your organisation's Trustmirror admin to sort this out."
        ),
    ),
    INACTIVE: (
        403,
        _("Your account is switched off"),
        _(
            "The Trustmirror account for %(email)s is switched off. Ask your organisation's "
            "Trustmirror admin."
        ),
    ),
    FAILED: (
        400,
        _("Signing in did not finish"),
        _(
            "Signing in with %(provider)s was cancelled, took too long or could not be checked. "
            "Nothing was changed. Please try again."
        ),
    ),
}


def provider_name() -> str:
    return settings.TRUSTMIRROR_OIDC_LABEL or gettext("your organisation's account")


def refused(request: HttpRequest, reason: str, *, email: str = "") -> HttpResponse:
    status, title, text = REFUSALS[reason]
    context = {
        "status": status,
        "title": title,
        "text": text % {"email": email, "provider": provider_name()},
        "with_account": False,
    }
    return render(request, "sso/refused.html", context, status=status)


def _enabled_or_404() -> None:
    # Off, the URLs answer as if they did not exist (and mozilla-django-oidc, which reads its
    # settings when a view is made, is never asked).
    if not getattr(settings, "TRUSTMIRROR_OIDC_ENABLED", False):
        raise Http404


class LoginView(auth_views.LoginView):
    """Django's login form, with a "Sign in with ..." button when single sign-on is on."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if getattr(settings, "TRUSTMIRROR_OIDC_ENABLED", False):
            context["sso_provider"] = provider_name()
        return context


class _Callback(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except SignInRefused as refusal:
            logger.warning("single sign-on refused: %s", refusal.reason)
            return refused(request, refusal.reason, email=refusal.email)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ValueError) as exc:
            # A state or nonce that does not match, a code used twice, a token that does not
            # verify, a provider that is down: the person tries again; nothing was changed.
            logger.warning("single sign-on failed: %s: %s", type(exc).__name__, exc)
            return refused(request, FAILED)

    def login_failure(self) -> HttpResponse:
        return refused(self.request, FAILED)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Off to the provider, with a fresh state, nonce and PKCE verifier in the session."""
    _enabled_or_404()
    return OIDCAuthenticationRequestView.as_view()(request)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: exchange the code, match the person, sign them in."""
    _enabled_or_404()
    return _Callback.as_view()(request)
