"""Small site-wide middleware: what may come in (body size), what may be kept (caching)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from trustmirror.views import error_page

API_PREFIX = "/api/"


class RequestBodyLimitMiddleware:
    """Refuse a request whose body is larger than it may be, before anything reads it.

    Django's own limits count only form fields held in memory (``DATA_UPLOAD_MAX_MEMORY_SIZE``)
    and apply when a view reads ``request.POST``; an uploaded file is not counted, and the
    CSRF check reads the body first. So a 200 MB upload from anyone with a self-made CSRF
    cookie was read whole. This looks at the declared length only: a WSGI server hands Django
    no more than ``Content-Length`` bytes, and a body without one is read as empty.

    Signed-in staff and API write tokens may send ``TRUSTMIRROR_MAX_BODY_BYTES`` (a people
    file and its form), everyone else ``TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES`` (a survey
    page, the login form).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Only a body over the anonymous limit needs to know who sent it (a session look-up).
        if length > settings.TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES and (
            length > settings.TRUSTMIRROR_MAX_BODY_BYTES or not _may_send_files(request)
        ):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": _api_too_large(length)}, status=413)
            return error_page(request, 413)
        return self.get_response(request)


def _size(n: int) -> str:
    # filesizeformat keeps number and unit together with a no-break space, for a page; a
    # client's log or message box wants a plain one.
    return filesizeformat(n).replace("\xa0", " ")


def _api_too_large(length: int) -> str:
    """What an API client may send instead: the limit its request went over, in words."""
    from trustmirror.orgs.importing import MAX_FILE_BYTES

    values = {
        "size": _size(length),
        "limit": _size(settings.TRUSTMIRROR_MAX_BODY_BYTES),
        "small": _size(settings.TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES),
        "file": _size(MAX_FILE_BYTES),
    }
    if length > settings.TRUSTMIRROR_MAX_BODY_BYTES:
        return (
            _(
                "The request is %(size)s; a request to the API may be at most %(limit)s, "
                "and a people file at most %(file)s."
            )
            % values
        )
    return (
        _(
            "The request is %(size)s; without a valid write token a request may be at most "
            "%(small)s. Importing people needs a write token."
        )
        % values
    )


def _may_send_files(request: HttpRequest) -> bool:
    """Signed-in staff, or an API token that may import people (its write scope)."""
    if request.user.is_authenticated:
        return True
    if not request.path.startswith(API_PREFIX):
        return False
    from trustmirror.api.models import ApiToken
    from trustmirror.api.services import api_token_from_header

    token = api_token_from_header(request.META.get("HTTP_AUTHORIZATION", ""))
    return token is not None and token.scope == ApiToken.WRITE


class NoStoreMiddleware:
    """No page is kept by a browser or a proxy: every response says ``Cache-Control: no-store``.

    A survey draft shown filled in, a team's results, the letter file: whatever a page held
    would otherwise stay in the cache of a shared computer for the next person to open from
    the history (threat model: "colleague"). Static files are answered before this
    middleware (WhiteNoise) and stay cacheable. All pages rather than a list of them, so a
    new page cannot be forgotten.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
