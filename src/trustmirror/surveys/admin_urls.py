"""The consultant's scan pages, under /o/<org>/scans/ (namespace ``scans``)."""

from django.urls import path

from trustmirror.surveys import admin_views

app_name = "scans"
urlpatterns = [
    path("scans/new/", admin_views.scan_create_view, name="create"),
    path("scans/<int:scan_id>/links/", admin_views.scan_links_view, name="links"),
]
