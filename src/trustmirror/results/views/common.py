"""What the results views share: access to a scan's pages and the publication status line."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from trustmirror.orgs.access import ANALYSE, organisation_or_404
from trustmirror.orgs.models import Organisation
from trustmirror.results.selectors import PublishedResults, building
from trustmirror.surveys.models import Scan


def analysed_scan(request: HttpRequest, org: str, scan_id: int) -> tuple[Organisation, Scan]:
    """The organisation and scan of a page for analysts; 404 for everyone else."""
    organisation, _roles = organisation_or_404(request.user, org, kinds=ANALYSE)
    return organisation, get_object_or_404(Scan, pk=scan_id, organisation=organisation)


def status_context(scan: Scan, results: PublishedResults | None) -> dict:
    """What the page says about its version: when published, how many answers, what comes next."""
    return {
        "publication": results.publication if results is not None else None,
        "building": building(scan),
        "phase": scan.phase(),
    }
