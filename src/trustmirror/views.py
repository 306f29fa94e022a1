"""Site-wide pages: home, privacy statement, health check and friendly error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
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


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "error.html", {"status": 400}, status=400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "error.html", {"status": 403}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "error.html", {"status": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "error.html", {"status": 500}, status=500)
