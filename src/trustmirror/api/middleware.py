"""Every refusal under /api/ is JSON, also those given before an endpoint runs.

An unknown path is answered by Django's 404 page, a method that a path does not take by
django-ninja's plain-text 405, a server error by the 500 page: HTML or text, which a client
reading JSON cannot show. This turns each such answer into ``{"detail": ...}`` with the same
status and headers (``Allow``, ``Retry-After``), saying what was asked and what is there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from trustmirror.views import ERRORS

API_PREFIX = "/api/"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        answer = JsonResponse({"detail": _detail(request, response)}, status=response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer


def _detail(request: HttpRequest, response: HttpResponse) -> str:
    status = response.status_code
    path = request.path if len(request.path) <= 200 else request.path[:200] + "…"
    if status == 404:
        return _(
            "There is no API endpoint %(path)s. The endpoints are listed in /api/v1/openapi.json."
        ) % {"path": path}
    if status == 405:
        return _("%(path)s does not take %(method)s; it takes %(allowed)s.") % {
            "path": path,
            "method": request.method,
            "allowed": response.get("Allow", ""),
        }
    if status == 500:
        # As the 500 page says: every write (an import) is one transaction.
        return _("An unexpected error occurred. Nothing was half-saved; please try again.")
    if status in ERRORS:
        return str(ERRORS[status][1])
    return _("The request could not be answered.")
