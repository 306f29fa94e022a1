"""The results pages: thin views over the latest published version of a scan."""

from trustmirror.results.views.breakdown import scan_breakdown_view
from trustmirror.results.views.comments import comment_moderate
from trustmirror.results.views.exports import aggregates_export, research_export
from trustmirror.results.views.overview import scan_overview
from trustmirror.results.views.quality import scan_quality
from trustmirror.results.views.report import organisation_report, unit_report
from trustmirror.results.views.unit import unit_profile

__all__ = [
    "aggregates_export",
    "comment_moderate",
    "organisation_report",
    "research_export",
    "scan_breakdown_view",
    "scan_overview",
    "scan_quality",
    "unit_profile",
    "unit_report",
]
