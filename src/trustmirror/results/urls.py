from django.urls import path

from trustmirror.relational import mirror_views
from trustmirror.results import views

app_name = "results"
urlpatterns = [
    path("scans/<int:scan_id>/", views.scan_overview, name="scan_overview"),
    path("scans/<int:scan_id>/units/<int:unit_id>/", views.unit_profile, name="unit_profile"),
    path("scans/<int:scan_id>/report.<str:fmt>", views.organisation_report, name="report"),
    path(
        "scans/<int:scan_id>/units/<int:unit_id>/report.<str:fmt>",
        views.unit_report,
        name="unit_report",
    ),
    path(
        "scans/<int:scan_id>/export/results.<str:fmt>",
        views.aggregates_export,
        name="export_aggregates",
    ),
    path("scans/<int:scan_id>/export/research.zip", views.research_export, name="export_research"),
    path("scans/<int:scan_id>/quality/", views.scan_quality, name="quality"),
    path("scans/<int:scan_id>/comments/", views.comment_moderate, name="comment_moderate"),
    path("scans/<int:scan_id>/breakdown/", views.scan_breakdown_view, name="breakdown"),
    # A person's own relational mirror: only ever the signed-in person's own.
    path("scans/<int:scan_id>/mirror/", mirror_views.account_mirror, name="mirror"),
]
