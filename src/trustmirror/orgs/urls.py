from django.urls import path

from trustmirror.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/import/", views.people_import_view, name="people_import"),
]
