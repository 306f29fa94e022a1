"""Site-wide pages: home, privacy statement, health check and friendly error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from trustmirror.orgs.access import organisations_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisations = list(organisations_for(request.user))
    if len(organisations) == 1:
        return redirect("orgs:dashboard", org=organisations[0].slug)
    return render(request, "home.html", {"organisations": organisations})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.html", {"k": settings.TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


# Each error page's title (also the page's <title>: words, not only a number) and text.
ERRORS = {
    400: (_("Bad request"), _("The request could not be understood.")),
    403: (_("No access"), _("You do not have access to this page.")),
    404: (_("Not found"), _("This page does not exist, or you have no access to it.")),
    413: (
        _("Too large"),
        _("What you sent is larger than this site accepts. A file to import may be at most 10 MB."),
    ),
    500: (
        _("Something went wrong"),
        _("An unexpected error occurred. Nothing you entered was half-saved; please try again."),
    ),
}


def error_page(request: HttpRequest, status: int, template: str = "error.html") -> HttpResponse:
    title, text = ERRORS[status]
    context = {
        "status": status,
        "title": title,
        "text": text,
        # The server error page asks nothing of the session or the database, which may be
        # what failed; the others show who is signed in, with the way to sign out.
        "with_account": status != 500,
    }
    return render(request, template, context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (``CSRF_FAILURE_VIEW``) in the app's layout and language."""
    return error_page(request, 403, "403_csrf.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)
