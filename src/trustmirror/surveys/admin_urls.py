"""The consultant's scan pages, under /o/<org>/scans/ (namespace ``scans``)."""

from django.urls import path

from trustmirror.delivery import views as delivery_views
from trustmirror.surveys import admin_views

app_name = "scans"
urlpatterns = [
    path("scans/new/", admin_views.scan_create_view, name="create"),
    path("scans/<int:scan_id>/manage/", admin_views.scan_manage_view, name="manage"),
    path("scans/<int:scan_id>/manage/edit/", admin_views.scan_edit_view, name="edit"),
    path("scans/<int:scan_id>/manage/close/", admin_views.scan_close_view, name="close"),
    path("scans/<int:scan_id>/manage/extend/", admin_views.scan_extend_view, name="extend"),
    path("scans/<int:scan_id>/manage/delete/", admin_views.scan_delete_view, name="delete"),
    # How the links reach people (trustmirror.delivery).
    path("scans/<int:scan_id>/manage/remind/", delivery_views.remind_view, name="remind"),
    path("scans/<int:scan_id>/manage/new-link/", delivery_views.new_link_view, name="new-link"),
    path("scans/<int:scan_id>/manage/letters/", delivery_views.letters_view, name="letters"),
]
