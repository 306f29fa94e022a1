"""The survey session: a link's token leaves the URL the first time it is used.

Opening ``/s/<token>`` checks the token and exchanges it for a cookie in that browser, then
redirects to pages whose addresses hold no token (``/s/start``, ``/s/p/<n>``, ``/s/review``,
``/s/thanks``). No later request line, Referer header, browser-history entry of a survey
page or log line holds the token. This module is that cookie; it is not Django's session.

Why the token itself goes into the cookie, and nothing onto the server. The privacy promise
is that nobody with the server (the operator included) can link answers to people: the
database holds only SHA-256 of a token and the draft's key is HMAC(resume secret, token).
A server-side session (Django's session table, a cache) holding the token, or a random
session id that the server maps to it, would put next to the resume secret exactly the
piece that is missing; a session table dump would then link invitations to responses. So
the token stays where it already is, with the respondent, and the server keeps it only in
memory while it answers one request. The cookie is:

- **signed** (Django's ``TimestampSigner`` with the secret key and its own salt): the server
  reads only cookies it wrote, so a cookie is no way around the rate limit on guessing links,
  and the signature's time stamp carries the moment of last use (see below);
- **HttpOnly**: no script on any page can read it;
- **Secure in production**, like the session cookie (``SESSION_COOKIE_SECURE``);
- **SameSite=Lax**: sent on the top-level navigation that follows a click in a mail program,
  never with a cross-site POST, so a forged form cannot answer for someone even without the
  CSRF check (which stays). ``Strict`` would withhold the cookie on the redirect after the
  exchange whenever the link is opened from a web mail page (a navigation that started on
  another site), so every such link would end on the "open your link" page;
- **Path=/s/**: sent to survey pages only, never with style sheets, the privacy page or the
  staff's pages;
- a **session cookie** (no Max-Age, gone when the browser closes) whose signature is refused
  after :data:`IDLE_SECONDS` without use; every survey page renews it. On a shared computer
  whoever comes next cannot continue a draft left open for long.

It is not encrypted: it holds the token in clear, exactly as the invitation link does, in a
store only that browser's user can read. Encrypting it would protect nothing the link in the
mailbox does not already expose.

One cookie per browser: the link opened last wins. Opening a second link (another scan,
or another person's link on a shared computer) replaces the cookie. Every survey form
carries :func:`form_guard` of the token it was rendered for, so a page still open for the
earlier link cannot save into, or submit, the later one: such a POST is refused and nothing
is stored. Opening the earlier link again brings that survey back.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from trustmirror.surveys.tokens import looks_like_token

__all__ = [
    "COOKIE_NAME",
    "COOKIE_PATH",
    "IDLE_SECONDS",
    "form_guard",
    "form_guard_matches",
    "survey_cookie_clear",
    "survey_cookie_set",
    "survey_token",
]

COOKIE_NAME = "tm_survey"
COOKIE_PATH = "/s/"
# Long enough for a lunch break on one page, short enough for a shared computer.
IDLE_SECONDS = 4 * 60 * 60
_SALT = "trustmirror.surveys.session"
_GUARD_SALT = "trustmirror.surveys.session.form-guard"


def survey_cookie_set(response: HttpResponse, token: str) -> None:
    """Give this browser the survey session of ``token`` (replacing any other)."""
    response.set_signed_cookie(
        COOKIE_NAME,
        token,
        salt=_SALT,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def survey_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def survey_token(request: HttpRequest) -> str | None:
    """The token of this browser's survey session, or ``None`` (none, forged or idle too long)."""
    token = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT, max_age=IDLE_SECONDS)
    if token is None or not looks_like_token(token):
        return None
    return token


def form_guard(token: str) -> str:
    """A value a survey form carries to say which link it was rendered for.

    Keyed with the secret key under its own salt, so it reveals nothing about the token and
    cannot be computed into a resume key.
    """
    return salted_hmac(_GUARD_SALT, token, algorithm="sha256").hexdigest()[:32]


def form_guard_matches(posted: object, token: str) -> bool:
    return isinstance(posted, str) and constant_time_compare(posted, form_guard(token))
