from django.http import Http404


def scan_overview(request, org, scan_id):  # replaced by the results pages
    raise Http404


def unit_profile(request, org, scan_id, unit_id):
    raise Http404
