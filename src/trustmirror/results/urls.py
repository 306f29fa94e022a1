from django.urls import path

from trustmirror.results import views, views_quality

app_name = "results"
urlpatterns = [
    path("scans/<int:scan_id>/", views.scan_overview, name="scan_overview"),
    path("scans/<int:scan_id>/units/<int:unit_id>/", views.unit_profile, name="unit_profile"),
    path("scans/<int:scan_id>/quality/", views_quality.scan_quality, name="quality"),
]
