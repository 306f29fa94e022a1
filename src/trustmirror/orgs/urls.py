from django.urls import path

from trustmirror.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/import/", views.people_import_view, name="people_import"),
    path("scans/new/", views.scan_create_view, name="scan_create"),
    path("scans/<int:scan_id>/links/", views.scan_links_view, name="scan_links"),
]
