"""The agreements pages. (Being built: placeholders until the pages land.)"""

from __future__ import annotations

from django.http import Http404


def agreements_index(request, org):
    raise Http404


def team_agreements_view(request, org, unit_id):
    raise Http404


def team_session(request, org, scan_id, unit_id):
    raise Http404


def follow_page(request):
    raise Http404


def follow_link(request, token):
    raise Http404
