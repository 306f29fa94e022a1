"""What every respondent's page shares: the session check, rendering, and the common pages.

The core questionnaire (:mod:`trustmirror.surveys.views`) and the relational round
(:mod:`trustmirror.relational.views`) are both answered through the survey cookie
(:mod:`trustmirror.surveys.session`); both render through :func:`survey_view` and
:func:`render_page`, and end on the same thanks and not-open pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from trustmirror.relational.answering import round_pending, round_plan
from trustmirror.surveys.answering import (
    LANGUAGES,
    OPEN,
    LinkInvalid,
    invitation_for_token,
    response_draft,
    scan_availability,
)
from trustmirror.surveys.models import Invitation, Response
from trustmirror.surveys.session import (
    COOKIE_NAME,
    form_guard_matches,
    survey_cookie_clear,
    survey_cookie_set,
    survey_token,
)

__all__ = [
    "GUARD_FIELD",
    "REVISION_FIELD",
    "READ_METHODS",
    "REFUSED_INVALID",
    "REFUSED_STALE",
    "after_submit",
    "link_invalid",
    "method_not_allowed",
    "no_session",
    "not_open_page",
    "other_language",
    "page_not_found",
    "parse_page_number",
    "posted_revision",
    "render_page",
    "request_language",
    "respondent_language",
    "session_invitation",
    "survey_view",
    "thanks_page",
    "with_language",
]

READ_METHODS = ("GET", "HEAD")
# The name of the hidden field that says which link a form was rendered for.
GUARD_FIELD = "survey"
# The name of the hidden field with the revision of the page's answers the form was shown at.
REVISION_FIELD = "revision"
# Far above any real count of saves of one page; keeps a tampered value a small integer.
REVISION_MAX_DIGITS = 9
# Why a page's save was refused, for its message: saved meanwhile elsewhere, or a broken form.
REFUSED_STALE = "stale"
REFUSED_INVALID = "invalid"


def survey_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Quiet, private, never cached; renews the survey cookie of a valid session."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        token = getattr(request, "_survey_token", None)
        if token is not None and COOKIE_NAME not in response.cookies:
            survey_cookie_set(response, token)  # a fresh time stamp: idle time starts again
        # Django's request logger writes the path of every 4xx response; this flag is how
        # Django itself marks a response as already logged.
        response._has_been_logged = True
        add_never_cache_headers(response)
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped


def render_page(request: HttpRequest, template: str, context: dict, *, language: str, status=200):
    with translation.override(language):
        context = {"survey_language": language, **context}
        return render(request, template, context, status=status)


def request_language(request: HttpRequest) -> str:
    language = translation.get_language() or "en"
    return language if language in LANGUAGES else "en"


def link_invalid(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "surveys/link_invalid.html", {}, language=request_language(request), status=404
    )


def method_not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse:
    response = render_page(
        request,
        "surveys/link_invalid.html",
        {"wrong_method": True},
        language=request_language(request),
        status=405,
    )
    response["Allow"] = ", ".join(allowed)
    return response


def no_session(request: HttpRequest, *, switched: bool = False) -> HttpResponse:
    """No survey cookie (never opened here, idle too long), or a form of an earlier link."""
    return render_page(
        request,
        "surveys/no_session.html",
        {"switched": switched},
        language=request_language(request),
        status=409 if switched else 403,
    )


def respondent_language(
    request: HttpRequest, invitation: Invitation, response: Response | None
) -> str:
    """Asked in the URL (?lang=), else chosen before (the draft), else the person's own."""
    asked = request.GET.get("lang")
    if asked in LANGUAGES:
        return asked
    if response is not None and response.language in LANGUAGES:
        return response.language
    if invitation.person.language in LANGUAGES:
        return invitation.person.language
    return invitation.scan.organisation.default_language


def other_language(language: str) -> str:
    return "en" if language == "nl" else "nl"


def with_language(url: str, language: str | None) -> str:
    return f"{url}?{urlencode({'lang': language})}" if language in LANGUAGES else url


def parse_page_number(number: str, page_count: int) -> int | None:
    if not number.isascii() or not number.isdigit() or len(number) > 4:
        return None
    value = int(number)
    return value if 1 <= value <= page_count else None


def posted_revision(data) -> int | None:
    """The page revision a form was sent from; ``None`` when missing or not a plain number."""
    value = data.get(REVISION_FIELD)
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or not 1 <= len(value) <= REVISION_MAX_DIGITS
    ):
        return None
    return int(value)


def page_not_found(request: HttpRequest, invitation: Invitation, *, language: str):
    return render_page(
        request,
        "surveys/page_not_found.html",
        {"scan": invitation.scan},
        language=language,
        status=404,
    )


def session_invitation(
    request: HttpRequest,
) -> tuple[str, Invitation | None, HttpResponse | None]:
    """This browser's token and invitation, else the page to show (no session, bad link).

    A POST must carry the guard of the link this browser holds now: a form rendered for a
    link opened earlier is refused before anything is read or written.
    """
    token = survey_token(request)
    if token is None:
        return "", None, no_session(request)
    if request.method == "POST" and not form_guard_matches(request.POST.get(GUARD_FIELD), token):
        return "", None, no_session(request, switched=True)
    try:
        invitation = invitation_for_token(token)
    except LinkInvalid:  # reissued since this browser opened it
        response = link_invalid(request)
        survey_cookie_clear(response)
        return "", None, response
    request._survey_token = token
    return token, invitation, None


def thanks_page(
    request: HttpRequest, invitation: Invitation, token: str, *, in_round: bool
) -> HttpResponse:
    """The thank-you page; a person in the relational round learns where their mirror will be."""
    response = response_draft(invitation=invitation, token=token)
    language = respondent_language(request, invitation, response)
    return render_page(
        request,
        "surveys/thanks.html",
        {
            "scan": invitation.scan,
            "phase": invitation.scan.phase(),
            "in_round": in_round,
            "other_language": other_language(language),
        },
        language=language,
    )


def after_submit(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """What a person whose questionnaire is submitted sees: their round while it is open and
    unfinished, else the thank-you page."""
    plan = round_plan(invitation=invitation)
    if round_pending(plan) and scan_availability(invitation.scan) == OPEN:
        return HttpResponseRedirect(reverse("surveys:round"))
    return thanks_page(request, invitation, token, in_round=plan.in_round)


def not_open_page(request: HttpRequest, invitation: Invitation, token: str, state: str):
    response = response_draft(invitation=invitation, token=token)
    language = respondent_language(request, invitation, response)
    in_round = state != OPEN and round_plan(invitation=invitation).in_round
    return render_page(
        request,
        "surveys/not_open.html",
        {
            "scan": invitation.scan,
            "state": state,
            "in_round": in_round,
            "other_language": other_language(language),
        },
        language=language,
    )
